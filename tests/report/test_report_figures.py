"""Report figures (openskies.report._figures) on synthetic tables shaped like the contract."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import shapely
from _report_tables import CAND, INC, grid_break_even, make_tables

from openskies.report import _figures as figs

SENSOR = "optical_high_pan"
HOSTILE = "Minsk {{7*7}} <script>alert(1)</script> $x$"
# labels use an airfield's first word ("Minsk National" -> "Minsk"): a hostile first word
HOSTILE_WORD = "$x${{7*7}}<script>alert(1)</script> National"


@pytest.fixture(scope="module")
def tables():
    return make_tables()


@pytest.fixture(scope="module")
def hostile_tables():
    return make_tables(names={CAND: HOSTILE_WORD})


def _svg_text(svg: bytes) -> str:
    """The SVG without its comments (matplotlib writes each text's source as a comment)."""
    return re.sub(r"<!--.*?-->", "", svg.decode(), flags=re.DOTALL)


def _texts(fig):
    return [t.get_text() for t in fig.findobj(figs.Text)]


@pytest.mark.slow
def test_flights_figure_marks_break_even_and_kubinka(tables):
    m, b, _s = tables
    fig = figs.flights_figure(m, sensor=SENSOR, break_even=b, territory_name="Belarus")
    texts = _texts(fig)
    be, _lo, _hi = grid_break_even(m, "replacement", SENSOR, "flights_100pct")
    assert np.isfinite(be)
    assert any(figs.fmt_km(be) in t for t in texts), "the break-even distance is labelled"
    kub = m[(m.scenario == "status_quo") & (m.metric == "flights_100pct") & (m.sensor == SENSOR)]
    kub_flights = float(kub[kub.month.isna()].value.iloc[0])
    assert any(t == f"Kubinka {kub_flights:.0f}" for t in texts), texts
    assert "Flights needed to image all of Belarus (optical_high_pan)" in texts
    # one panel per swept scenario, in the contract's order, titled in plain words
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "Minsk added beside Kubinka",
        "Minsk replaces Kubinka",
        "Minsk as a Belarus-only airfield",
    ]
    # Kubinka's level is drawn as a horizontal line in every panel
    for ax in fig.axes:
        ys = [ln.get_ydata() for ln in ax.get_lines() if len(ln.get_ydata()) == 2]
        assert any(np.allclose(y, kub_flights) for y in ys)


def test_flights_figure_caps_off_scale_points_and_labels_them(tables):
    m, b, _s = tables
    fig = figs.flights_figure(m, sensor=SENSOR, break_even=b)
    rows = m[
        (m.scenario == "replacement")
        & (m.metric == "flights_100pct")
        & (m.sensor == SENSOR)
        & m.month.isna()
    ]
    kub = 3.0
    off = sorted(v for v in rows.value if np.isfinite(v) and v > 3 * kub * 1.12)
    assert off, "the synthetic table has points far above the status quo"
    top = fig.axes[0].get_ylim()[1]
    assert top == pytest.approx(3 * kub * 1.12)
    texts = _texts(fig)
    for v in off:
        assert f"{v:,.0f}" in texts, f"off-scale value {v} is written at the top"


@pytest.mark.slow
def test_figures_render_png_and_svg_deterministically(tables):
    m, b, s = tables
    makers = [
        lambda: figs.flights_figure(m, sensor=SENSOR, break_even=b),
        lambda: figs.share_figure(m, sensor=SENSOR, break_even=b),
        lambda: figs.quota_years_figure(m, sensor=SENSOR, break_even=b),
        lambda: figs.ferry_figure(m),
        lambda: figs.sensitivity_figure(s),
    ]
    for make in makers:
        svg1, svg2 = figs.figure_bytes(make(), "svg"), figs.figure_bytes(make(), "svg")
        assert svg1 == svg2
        assert b"<svg" in svg1
        assert len(svg1) > 5000
        assert b"<dc:date>" not in svg1
        png1, png2 = figs.figure_bytes(make(), "png"), figs.figure_bytes(make(), "png")
        assert png1 == png2
        assert png1.startswith(b"\x89PNG")
        assert len(png1) > 5000
        for out in (svg1, png1):
            assert not re.search(rb"(/work/|/tmp/|/home/|/root/|[A-Z]:\\\\)", out)


def test_figure_bytes_refuses_other_formats(tables):
    m, _b, _s = tables
    with pytest.raises(ValueError, match="'pdf' is not supported"):
        figs.figure_bytes(figs.ferry_figure(m), "pdf")


@pytest.mark.slow
def test_names_are_plain_text_in_figures(hostile_tables):
    m, _b, _s = hostile_tables
    fig = figs.ferry_figure(m)
    svg = _svg_text(figs.figure_bytes(fig, "svg"))
    # "$x$" is not mathtext: the dollars are drawn; <script> is escaped XML text
    assert "$x$" in svg
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    assert "{{7*7}}" in svg
    for t in fig.findobj(figs.Text):
        assert not t.get_usetex()
        assert t._parse_math is False  # matplotlib keeps the switch private


def test_ferry_figure_values_from_the_table(tables):
    m, _b, _s = tables
    fig = figs.ferry_figure(m)
    km = m[m.metric == "ferry_km_EPWA"].groupby("entry_point").value.first()
    hours = m[m.metric == "ferry_hours_EPWA"].groupby("entry_point").value.first()
    texts = _texts(fig)
    for ep in (INC, CAND):
        assert f"{km[ep]:,.0f} km · {hours[ep]:.1f} h" in texts


def test_tornado_puts_the_flipping_assumption_on_top(tables):
    _m, _b, s = tables
    fig = figs.sensitivity_figure(s, sensor=SENSOR)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    ticks = list(ax.get_yticks())
    top = labels[int(np.argmax(ticks))]
    flipping = s[(s.sensor == SENSOR) & (s.flips == 1)].assumption.unique()
    assert list(flipping) == [top]
    assert any("never (flips)" in t for t in _texts(fig))


def test_missing_column_is_named():
    bad = pd.DataFrame({"scenario": ["status_quo"], "metric": ["flights_100pct"]})
    with pytest.raises(ValueError, match="icao"):
        figs.flights_figure(bad, sensor=SENSOR)


def _box(x0, y0, x1, y1):
    return shapely.box(x0, y0, x1, y1)


def test_route_maps_same_scale_labels_and_overlap_legend():
    terr = _box(24.0, 52.0, 30.0, 56.0)
    neighbours = {"Westland": _box(18.0, 50.0, 24.0, 57.0)}
    group = _box(30.0, 50.0, 40.0, 58.0)
    a = np.array([[36.6, 55.6], [29.0, 55.0], [25.0, 53.0], [36.6, 55.6]])
    b = np.array([[28.0, 53.9], [29.5, 55.5], [24.5, 52.5], [28.0, 53.9]])
    common = shapely.box(25.0, 52.5, 29.5, 55.5)
    routes = [
        {
            "label": "Kubinka",
            "short": "Kubinka",
            "lon": a[:, 0],
            "lat": a[:, 1],
            "role": "incumbent",
            "footprint": common,
        },
        {
            "label": HOSTILE,
            "short": "Minsk",
            "lon": b[:, 0],
            "lat": b[:, 1],
            "role": "candidate",
            "footprint": common.buffer(-0.5),
        },
    ]
    afs = [
        {"label": "Kubinka", "lon": 36.6, "lat": 55.6, "role": "incumbent"},
        {"label": HOSTILE, "lon": 28.0, "lat": 53.9, "role": "candidate", "hypothetical": True},
    ]
    fig = figs.route_maps_figure(
        terr,
        routes,
        neighbours=neighbours,
        group=group,
        airfields=afs,
        territory_name="Testland",
        group_name="Eastland",
    )
    ax1, ax2 = fig.axes
    assert ax1.get_xlim() == ax2.get_xlim()
    assert ax1.get_ylim() == ax2.get_ylim()
    texts = _texts(fig)
    assert texts.count("Kubinka") >= 2
    assert texts.count(HOSTILE) >= 2
    assert "Westland" in texts
    assert "Eastland" in texts
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "imaged by both flights" in legend
    assert "hypothetical airfield (never designated)" in legend
    # the route colours differ and follow the roles
    colours = {
        ln.get_color() for ax in fig.axes for ln in ax.get_lines() if len(ln.get_xdata()) > 2
    }
    assert {figs.COLORS["incumbent"], figs.COLORS["candidate"]} <= colours
    svg = _svg_text(figs.figure_bytes(fig, "svg"))
    assert "$x$" in svg
    assert "<script" not in svg


def test_route_maps_refuse_swapped_coordinates():
    terr = _box(24.0, 52.0, 30.0, 56.0)
    bad = [{"label": "r", "lon": [53.9, 55.0], "lat": [128.0, 130.0]}]
    with pytest.raises(ValueError, match="lat"):
        figs.route_maps_figure(terr, bad)
