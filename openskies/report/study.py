"""The study report: an entry-point study's HTML page (map, reach chart, tables) and PNG maps.

Coordinates are (lon, lat) degrees WGS84; lengths km; areas geodesic km².
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from matplotlib.figure import Figure
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from .. import _geodata
from .._text import markdown_text
from . import _leaflet as _html
from ._layers import (
    DISPLAY_PRECISION,
    PALETTE,
    _display_bounds,
    airfield_layer,
    base_layers,
    footprint_layer,
)
from ._tables import _esc, _fmt, _ramp, markdown_table

logger = logging.getLogger(__name__)


def _reach_chart_svg(curves: pd.DataFrame, hypothetical: set[str]) -> str:
    """Inline SVG chart of reach curves (deterministic: no date, fixed ids)."""
    import io as _io

    import matplotlib as mpl
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 3.6))
    FigureCanvasSVG(fig)
    ax = fig.add_subplot(1, 1, 1)
    colors = [
        PALETTE["route"],
        PALETTE["route_alt"],
        PALETTE["observed"],
        PALETTE["skipped"],
        PALETTE["footprint"],
        "#000000",
    ]
    for k, ((icao, sensor), grp) in enumerate(curves.groupby(["icao", "sensor"], sort=False)):
        g = grp.sort_values("budget_km")
        tag = " (hyp.)" if icao in hypothetical else ""
        ax.plot(
            g["budget_km"],
            100 * g["fraction"],
            color=colors[k % len(colors)],
            linestyle="-" if k % 2 == 0 else "--",
            label=f"{icao}{tag} {sensor}",
        )
    ax.set_xlabel("maximum flight distance (km)")
    ax.set_ylabel("territory reachable by one flight (%)")
    ax.set_ylim(0, 101)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")
    _html.literal_text(fig)
    fig.tight_layout()
    buf = _io.StringIO()
    with mpl.rc_context({"svg.hashsalt": "openskies", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def study_map(study: Any, *, online_tiles: bool = False, title: str | None = None) -> str:
    """Build the HTML report of an :class:`~openskies.study.EntryPointStudy`.

    In reading order: the answer (``<section id="answer">``, each sentence a link to its
    evidence), the key figures as static images (``<section id="figures">``: flights,
    share, ferry, the side-by-side maps, sensitivity; break-even and months tables), the
    interactive map (a layer per candidate: airfield, best single flight and footprint
    drawn at load for every candidate, full-coverage flights and the reach heat map on
    demand; the sites, a legend and layer control), the sensitivity table, the assumptions
    with their sources and the provenance, and the raw tables last, collapsed.
    """
    from .. import data

    p = study.params
    terr = data.territory(p["territory"], year=p["year"])
    reg = data.regime(p["year"])
    hyp = {
        c
        for c in p["candidates"]
        if bool(study.metrics.loc[study.metrics["icao"] == c, "hypothetical"].any())
    }
    geoms = [terr.geometry]
    af_objs = []
    for c in p["candidates"]:
        a = reg.airfield(c)
        if c in hyp:
            a = reg.designate(
                c, party=a.party, max_flight_distance_km=map_budgets(study)[c]
            ).airfield(c)
        af_objs.append(a)
        geoms.append(shapely.Point(a.lon, a.lat))
    for hb in p["home_bases"]:
        h = reg.airfield(hb)
        geoms.append(shapely.Point(h.lon, h.lat))
    bounds = _display_bounds(geoms)
    m = _html.new_map(online_tiles=online_tiles)
    base_layers(m, bounds, territory=terr)
    colours = [PALETTE["route"], PALETTE["route_alt"], PALETTE["observed"], PALETTE["skipped"]]
    first_sensor = p["sensors"][0]
    shown_budget = map_budgets(study)
    for k, c in enumerate(p["candidates"]):
        col = colours[k % len(colours)]
        budget = shown_budget[c]
        tag = " (hypothetical)" if c in hyp else ""
        cells = study.reach[study.reach["icao"] == c]
        if len(cells):
            show = cells[["round_trip_km", "geometry"]].copy()
            show["round_trip_km"] = show["round_trip_km"].round(0)
            top = float(show["round_trip_km"].max()) or 1.0
            _html.add_geojson_layer(
                m,
                show,
                name=f"{c}{tag}: reach (round trip km)",
                show=False,
                style=lambda pr, top=top: {
                    "weight": 0,
                    "fillOpacity": 0.6,
                    "fillColor": _ramp(pr.get("round_trip_km", 0) / top),
                },
                tooltip_fields={"round_trip_km": "Round trip km"},
                precision=3,
                fit=False,
            )
        for s in p["sensors"]:
            sel = (
                (study.routes["icao"] == c)
                & (study.routes["budget_km"] == budget)
                & (study.routes["sensor"] == s)
            )
            on = s == first_sensor  # every candidate's best flight is drawn at load
            fp = study.footprints[
                (study.footprints["icao"] == c)
                & (study.footprints["budget_km"] == budget)
                & (study.footprints["sensor"] == s)
            ]
            if len(fp):
                footprint_layer(
                    m,
                    fp.geometry.iloc[0],
                    color=col,
                    show=on,
                    name=f"{c}{tag} {budget:,.0f} km {s}: best flight footprint",
                )
            best = study.routes[sel & (study.routes["kind"] == "best single flight")]
            if len(best):
                _html.add_geojson_layer(
                    m,
                    best[["kind", "length_km", "geometry"]].assign(
                        length_km=best["length_km"].round(1)
                    ),
                    name=f"{c}{tag} {budget:,.0f} km {s}: best single flight",
                    show=on,
                    style={"color": col, "weight": 3},
                    popup_fields={"kind": "Flight", "length_km": "Counted km"},
                    precision=DISPLAY_PRECISION,
                )
            full = study.routes[sel & (study.routes["kind"] == "full coverage")]
            if len(full):
                _html.add_geojson_layer(
                    m,
                    full[["flight", "length_km", "geometry"]].assign(
                        length_km=full["length_km"].round(1)
                    ),
                    name=f"{c}{tag} {budget:,.0f} km {s}: full-coverage flights ({len(full)})",
                    show=False,
                    style={"color": col, "weight": 1.5, "dashArray": "4 3"},
                    popup_fields={"flight": "Flight", "length_km": "Counted km"},
                    precision=DISPLAY_PRECISION,
                    fit=False,
                )
    airfield_layer(
        m,
        af_objs + [reg.airfield(h) for h in p["home_bases"] if h not in p["candidates"]],
        name="Airfields",
    )
    if study.sites is not None and len(study.sites):
        cols = [
            c
            for c in ("name", "kind", "value", "position_uncertainty_km")
            if c in study.sites.columns
        ]
        _html.add_geojson_layer(
            m,
            study.sites[[*cols, "geometry"]],
            name="Sites of interest",
            style={
                "color": "#333333",
                "weight": 1,
                "radius": 5,
                "fillColor": "#FFFFFF",
                "fillOpacity": 0.9,
            },
            popup_fields={c: c.replace("_", " ").capitalize() for c in cols},
            tooltip_fields={"name": "Site"},
            precision=DISPLAY_PRECISION,
            fit=False,
        )
    nm = _names(study)
    legend = [
        (
            f"{nm.get(c, c)} ({c}){' (hypothetical)' if c in hyp else ''}: best flight",
            colours[k % len(colours)],
        )
        for k, c in enumerate(p["candidates"])
    ]
    legend += [
        ("Both footprints overlap (the tints mix to grey)", "#808080"),
        ("Hypothetical airfield", PALETTE["hypothetical"]),
        ("Observed territory", PALETTE["territory"]),
        ("Reach: short round trip", _ramp(0.0)),
        ("Reach: long round trip", _ramp(1.0)),
    ]
    _html.add_legend(m, legend, title="Legend")
    _html.add_layer_control(m, collapsed=True)
    _study_sections(m, study)
    return _html.render_offline(m, title=title or f"openskies entry-point study: {terr.name}")


# --------------------------------------------------------------------------- analyst's page
#: Metric name -> plain words with the unit, for the raw tables.
METRIC_LABELS = {
    "budget_km": "maximum flight distance (km)",
    "transit_nearest_km": "transit to the nearest border point (km)",
    "transit_farthest_km": "transit to the farthest border point (km)",
    "transit_mean_km": "mean transit to the border (km)",
    "transit_round_trip_km": "transit per flight, there and back (km)",
    "budget_share_over_territory": "share of the distance flown over the territory",
    "best_flight_area_km2": "area imaged by the best flight (km²)",
    "best_flight_fraction": "share of the territory imaged by one flight",
    "flights_50pct": "flights to image half of the territory",
    "flights_90pct": "flights to image 90 % of the territory",
    "flights_100pct": "flights to image all of the territory (planned)",
    "flights_lower_bound": "flights to image all of it: proved minimum",
    "full_coverage_fraction": "share imaged by the full-coverage flights",
    "flights_100pct_quota_share": "full-coverage flights as a share of the group's yearly quota",
    "reach_fraction": "share of the territory within reach of one flight",
    "sites_total": "sites of interest (count)",
    "sites_observed_best_route": "sites observed by the best site route (count)",
    "sites_value_observed": "value of the sites observed (share)",
    "sites_not_observable": "sites out of reach (count)",
    "flights_all_sites": "flights to observe every site",
    "flight_hours_best_flight": "flight time of the best flight (h)",
    "refuel_stops_best_flight": "refuelling stops on the best flight",
    "mission_hours": "mission duration (h)",
    "fits_96h_window": "fits the 96-hour mission window (1 = yes)",
    "years_of_observer_quota_100pct": "years of the observer's quota for full coverage",
}
_UNIT_WORDS = {"fraction": "share", "flights": "flights", "km": "km", "km2": "km²", "h": "h"}


def metric_label(metric: str) -> str:
    """A metric's name in plain words with its unit (``flights_100pct`` -> words)."""
    if metric in METRIC_LABELS:
        return METRIC_LABELS[metric]
    for prefix, words in (
        ("ferry_km_", "ferry from {} and back (km)"),
        ("ferry_hours_", "ferry time from {} and back (h)"),
    ):
        if metric.startswith(prefix):
            return words.format(metric[len(prefix) :])
    return metric.replace("_", " ")


def study_tables(study: Any) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """The study's tables in the report contract of :mod:`openskies.report._figures`.

    Returns ``(metrics, break_even, sensitivity)``. When the metrics have no ``scenario``
    column (a study without scenarios), the status quo's rows are ``status_quo`` and every
    other candidate's rows are ``replacement`` (the candidate flies instead of the status
    quo); ``entry_point`` defaults to the row's airfield. ``break_even`` and ``sensitivity``
    are the study's tables of those names, or None when it has none.
    """
    m = study.metrics.copy()
    if "scenario" not in m.columns:
        m["scenario"] = np.where(m["status_quo"].astype(bool), "status_quo", "replacement")
    if "entry_point" not in m.columns:
        m["entry_point"] = m["icao"]
    be = getattr(study, "break_even", None)
    sens = getattr(study, "sensitivity", None)
    be = be if isinstance(be, pd.DataFrame) and len(be) else None
    sens = sens if isinstance(sens, pd.DataFrame) and len(sens) else None
    return m, be, sens


def _names(study: Any) -> dict[str, str]:
    from .. import data

    p = study.params
    out = {}
    for c in [*p["candidates"], *p["home_bases"]]:
        try:
            out[c] = data.airfield(c).name
        except Exception:  # an airfield designated only in the study's regime
            out[c] = c
    return out


def _sensor_label(sensor: str) -> str:
    return str(sensor).replace("_", " ")


def _territory_name(study: Any) -> str:
    from .. import data

    p = study.params
    return data.territory(p["territory"], year=p["year"]).name


def study_answer(study: Any, *, sensor: str | None = None) -> list[Any]:
    """The study's answer (:func:`openskies.report._answer.answer`) from its own tables."""
    from . import _answer

    metrics, be, sens = study_tables(study)
    s = sensor or study.params["sensors"][0]
    return _answer.answer(
        metrics,
        be,
        sens,
        sensor=s,
        names=_names(study),
        territory_name=_territory_name(study),
        sensor_label=_sensor_label(s),
    )


def _answer_html(sentences: Sequence[Any]) -> str:
    parts = [f'<a class="os-claim" href="#{_esc(s.anchor)}">{_esc(s.text)}</a>' for s in sentences]
    return '<p class="os-answer">' + " ".join(parts) + "</p>"


def _best_route(study: Any, icao: str, budget: float, sensor: str) -> tuple[Any, Any]:
    r = study.routes
    sel = (
        (r["icao"] == icao)
        & np.isclose(r["budget_km"].astype(float), budget)
        & (r["sensor"] == sensor)
        & (r["kind"] == "best single flight")
    )
    f = study.footprints
    fsel = (
        (f["icao"] == icao)
        & np.isclose(f["budget_km"].astype(float), budget)
        & (f["sensor"] == sensor)
    )
    route = r[sel].geometry.iloc[0] if sel.any() else None
    fp = f[fsel].geometry.iloc[0] if fsel.any() else None
    return route, fp


def map_budgets(study: Any) -> dict[str, float]:
    """Each candidate's distance drawn in the maps: the status quo's own, else its first."""
    p = study.params
    sq = p["candidates"][0]
    ref = p["budgets_km"][sq][0]
    out = {}
    for c in p["candidates"]:
        grid = [float(b) for b in p["budgets_km"][c]]
        out[c] = ref if any(np.isclose(grid, ref)) else grid[0]
    return out


def route_maps(study: Any, *, sensor: str | None = None, fig: Any = None) -> Figure | None:
    """Side-by-side maps of each candidate's best flight (:func:`_figures.route_maps_figure`)."""
    from .. import data
    from . import _figures

    p = study.params
    s = sensor or p["sensors"][0]
    terr = data.territory(p["territory"], year=p["year"])
    names = _names(study)
    budgets = map_budgets(study)
    routes, airfields = [], []
    for k, c in enumerate(p["candidates"]):
        line, fp = _best_route(study, c, budgets[c], s)
        hyp = bool(study.metrics.loc[study.metrics["icao"] == c, "hypothetical"].any())
        role = "incumbent" if k == 0 else "candidate"
        nm = names.get(c, c)
        airfields.append(
            {"label": f"{nm} ({c})", "lon": 0.0, "lat": 0.0, "role": role, "hypothetical": hyp}
        )
        a = data.regime(p["year"]).airfield(c)
        airfields[-1].update(lon=a.lon, lat=a.lat)
        if line is None:
            continue
        xy = np.asarray(shapely.get_coordinates(line))
        routes.append(
            {
                "label": f"{nm} ({c}){' (hypothetical)' if hyp else ''}, "
                f"{_figures.fmt_km(budgets[c])}",
                "short": _figures.short_name(nm),
                "lon": xy[:, 0],
                "lat": xy[:, 1],
                "role": role,
                "footprint": fp,
            }
        )
    if not routes:
        return None
    land = _geodata.countries("land")
    minx, miny, maxx, maxy = terr.geometry.bounds
    window = box(minx - 25, miny - 12, maxx + 25, maxy + 12)
    group_codes = [g for g in str(p.get("group") or "").split("+") if g] or ["RUS"]
    near = land[land.intersects(window)]
    neighbours = {
        str(r.name_long): r.geometry
        for r in near.itertuples()
        if r.adm0_a3 != terr.code and r.adm0_a3 not in group_codes
    }
    group = None
    grp = [c for c in group_codes if c in land.index and c != terr.code]
    if grp:
        group = shapely.union_all(list(land.loc[grp].geometry))
    return _figures.route_maps_figure(
        terr.geometry,
        routes,
        neighbours=neighbours,
        group=group,
        airfields=airfields,
        territory_name=terr.name,
        group_name=", ".join(str(land.loc[g, "name"]) for g in grp),
        title=f"Best single flight from each airfield, same scale ({_sensor_label(s)})",
        fig=fig,
    )


def study_figures(study: Any, *, sensor: str | None = None) -> list[tuple[str, str, Any]]:
    """The report's figures: ``(anchor id, caption, Figure)``, those the tables support.

    A figure whose input is absent is left out (see :func:`missing_figures`).
    """
    out = []
    for anchor, caption, draw in figure_builders(study, sensor=sensor):
        try:
            f = draw(None)
        except ValueError as exc:
            logger.info("figure %s left out: %s", anchor, exc)
            continue
        if f is not None:
            out.append((anchor, caption, f))
    return out


def figure_builders(study: Any, *, sensor: str | None = None) -> list[tuple[str, str, Any]]:
    """``(anchor id, caption, draw)`` per figure the tables support; ``draw(fig)`` draws it.

    ``draw(None)`` returns a new Figure; ``draw(subfigure)`` draws into a subfigure (PDF).
    """
    from . import _answer, _figures

    metrics, be, sens = study_tables(study)
    s = sensor or study.params["sensors"][0]
    names = _names(study)
    common = {
        "sensor": s,
        "territory_name": _territory_name(study),
        "sensor_label": _sensor_label(s),
    }
    out: list[tuple[str, str, Any]] = []

    def _try(anchor: str, caption: str, build: Any) -> None:
        out.append((anchor, caption, build))

    have = set(metrics["metric"])
    if {"flights_100pct", "flights_lower_bound"} <= have:
        _try(
            _answer.ANCHORS["helps"],
            "Flights for full coverage: planned (line) and proved minimum (band edge)",
            lambda f: _figures.flights_figure(metrics, break_even=be, names=names, fig=f, **common),
        )
    if "best_flight_fraction" in have:
        _try(
            "fig-share",
            "Share of the territory imaged by one flight",
            lambda f: _figures.share_figure(metrics, break_even=be, names=names, fig=f, **common),
        )
    if "years_of_observer_quota_100pct" in have:
        _try(
            "fig-quota",
            "Years of the observer's quota to image all of the territory",
            lambda f: _figures.quota_years_figure(
                metrics, break_even=be, names=names, fig=f, **common
            ),
        )
    if any(str(x).startswith("ferry_km_") for x in have):
        _try(
            "fig-ferry",
            "Ferry from the home bases to the point of entry and back",
            lambda f: _figures.ferry_figure(metrics, names=names, fig=f),
        )
    _try(
        "fig-maps", "Best single flights side by side", lambda f: route_maps(study, sensor=s, fig=f)
    )
    if sens is not None:
        _try(
            _answer.ANCHORS["assumption"],
            "Sensitivity: how far each assumption moves the result",
            lambda f: _figures.sensitivity_figure(sens, fig=f),
        )
    return out


def missing_figures(study: Any, figures: Sequence[tuple[str, str, Any]]) -> list[str]:
    """Plain sentences naming the figures the study's tables cannot support."""
    ids = {a for a, _c, _f in figures}
    metrics, be, sens = study_tables(study)
    notes = []
    if "fig-quota" not in ids:
        notes.append(
            "Years of the observer's quota for full coverage: this study did not compute "
            "the observer's yearly quota (its tables give the share of the group's quota)."
        )
    if be is None:
        notes.append("Break-even distance: this study computed no break-even table.")
    if sens is None:
        notes.append("Sensitivity: this study ran no sensitivity analysis.")
    if len(set(metrics["scenario"])) <= 2:
        notes.append(
            "Scenarios: only the status quo and the candidate replacing it were evaluated "
            "(no entry-only, added-airfield or single-state scenario)."
        )
    return notes


def _img(fig: Any, alt: str) -> str:
    from . import _figures

    png = _figures.figure_bytes(fig, "png", dpi=110)
    b64 = base64.b64encode(png).decode("ascii")
    return f'<img class="os-figure" src="data:image/png;base64,{b64}" alt="{_esc(alt)}">'


def _figure_html(anchor: str, caption: str, fig: Any) -> str:
    return (
        f'<figure id="{_esc(anchor)}" class="os-fig">{_img(fig, caption)}'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _frame_table(df: pd.DataFrame, *, table_id: str | None = None) -> str:
    rows = [[_fmt(v) if isinstance(v, float) else v for v in r] for r in df.itertuples(index=False)]
    t = _html.html_table(list(map(str, df.columns)), rows)
    return t.replace("<table", f'<table id="{_esc(table_id)}"', 1) if table_id else t


def _sensitivity_table(sens: pd.DataFrame) -> pd.DataFrame:
    cols = [
        c
        for c in (
            "assumption",
            "setting",
            "scenario",
            "sensor",
            "metric",
            "value",
            "baseline",
            "flips",
        )
        if c in sens.columns
    ]
    t = sens[cols].copy()
    if "metric" in t.columns:
        t["metric"] = t["metric"].map(lambda x: metric_label(str(x)))
    if "flips" in t.columns:
        t["flips"] = np.where(pd.to_numeric(t["flips"], errors="coerce") > 0, "yes", "no")
    return t


def _raw_tables_html(study: Any) -> str:
    p = study.params
    parts = []
    w = study.wide()
    for s in p["sensors"]:
        cols = [c for c in w.columns if c.endswith(f" {s}")]
        t = w[cols].reset_index()
        rows = [[metric_label(r[0]), *[_fmt(v) for v in r[2:]]] for r in t.itertuples(index=False)]
        parts.append(
            f"<details><summary>All metrics, sensor {_esc(_sensor_label(s))}</summary>"
            + _html.html_table(["metric (unit)", *cols], rows)
            + "</details>"
        )
    d = study_tables(study)[0]
    d = d[d["scenario"] != "status_quo"]
    rows = [
        [
            r.scenario,
            r.icao,
            _fmt(r.budget_km),
            _sensor_label(r.sensor),
            metric_label(r.metric),
            _fmt(r.value),
            _fmt(r.delta_abs),
            _fmt(r.delta_rel),
        ]
        for r in d.itertuples(index=False)
    ]
    parts.append(
        "<details><summary>Differences from the status quo "
        f"({_esc(p['candidates'][0])})</summary>"
        + _html.html_table(
            [
                "scenario",
                "airfield",
                "distance (km)",
                "sensor",
                "metric (unit)",
                "value",
                "difference",
                "relative difference",
            ],
            rows,
        )
        + "</details>"
    )
    if len(study.reach_curves):
        hyp = {
            c
            for c in p["candidates"]
            if bool(study.metrics.loc[study.metrics["icao"] == c, "hypothetical"].any())
        }
        parts.append(
            "<details><summary>Reach curves</summary>"
            + _reach_chart_svg(study.reach_curves, hyp)
            + "</details>"
        )
    return "\n".join(parts)


def _provenance_rows(study: Any) -> list[tuple[str, Any]]:
    pv = study.provenance
    return [
        ("openskies version", pv["openskies_version"]),
        ("parameters sha256", pv["params_sha256"]),
        *[(f"{k} sha256", v) for k, v in pv["data_sha256"].items()],
        *[
            (k.replace("_", " "), v)
            for k, v in pv.items()
            if k not in ("openskies_version", "params_sha256", "data_sha256")
        ],
    ]


#: File stem of each figure written for slides (``figures/<stem>.png`` and ``.svg``).
FIGURE_FILES = {
    "fig-flights": "flights",
    "fig-share": "share",
    "fig-quota": "quota_years",
    "fig-ferry": "ferry",
    "fig-maps": "route_maps",
    "fig-sensitivity": "sensitivity",
}


def write_study_figures(study: Any, directory: str | Path) -> list[Path]:
    """Write each figure as PNG and SVG (for slides) into ``directory`` (atomic files)."""
    from .. import _files
    from . import _figures

    out = []
    d = Path(directory)
    for anchor, _caption, f in study_figures(study):
        stem = FIGURE_FILES.get(anchor, anchor.removeprefix("fig-"))
        for fmt in ("png", "svg"):
            out.append(_files.write_bytes(_figures.figure_bytes(f, fmt), d / f"{stem}.{fmt}"))
    return out


def study_pdf(study: Any) -> bytes:
    """The study report as a print-ready PDF (:func:`openskies.report._pdf.report_pdf`).

    Page 1 holds the answer and the flights figure; then the other figures, two a page; then
    the break-even table (when computed), the assumptions and the provenance.
    """
    from . import _answer, _pdf

    metrics, be, _sens = study_tables(study)
    builders = figure_builders(study)
    key = next((b for a, _c, b in builders if a == _answer.ANCHORS["helps"]), None)
    rest = [b for a, _c, b in builders if a != _answer.ANCHORS["helps"]]
    tables = []
    if be is not None:
        tables.append(
            (
                "Break-even distance",
                _answer.break_even_table(be, names=_names(study), metrics=metrics),
            )
        )
    tables.append(
        ("Assumptions", pd.DataFrame(study.assumptions, columns=["assumption", "source or note"]))
    )
    tables.append(("Provenance", pd.DataFrame(_provenance_rows(study), columns=["item", "value"])))
    pv = study.provenance
    subtitle = f"openskies {pv['openskies_version']}" + (
        f"; config {pv['config']}" if pv.get("config") else ""
    )
    return _pdf.report_pdf(
        study_answer(study),
        title=f"Entry-point study: {_territory_name(study)}",
        key_figure=key,
        figures=rest,
        tables=tables,
        subtitle=subtitle,
    )


def study_summary_html(study: Any) -> str:
    """The answer and the key figures per scenario as an HTML fragment (notebooks)."""
    sentences = study_answer(study)
    w = study.summary().copy()
    w.columns = [metric_label(str(c)) if c in METRIC_LABELS else str(c) for c in w.columns]
    rows = [[_fmt(v) if isinstance(v, float) else v for v in r] for r in w.itertuples(index=False)]
    return (
        f"<div><h3>Entry-point study: {_esc(_territory_name(study))}</h3>"
        + "<p>"
        + " ".join(_esc(s.text) for s in sentences)
        + "</p>"
        + _html.html_table(list(map(str, w.columns)), rows)
        + "</div>"
    )


def _study_sections(m: Any, study: Any) -> None:
    from . import _answer

    p = study.params
    metrics, be, sens = study_tables(study)
    sensor = p["sensors"][0]
    names = _names(study)
    sentences = study_answer(study)
    _html.add_html_section(
        m, _answer_html(sentences), title="The answer", section_id="answer", before_map=True
    )
    figs = study_figures(study, sensor=sensor)
    body = [_figure_html(a, c, f) for a, c, f in figs]
    if be is not None:
        body.append(
            "<h3>Break-even distance</h3>"
            + _frame_table(
                _answer.break_even_table(be, names=names, metrics=metrics),
                table_id=_answer.ANCHORS["break_even"],
            )
        )
    if (
        "month" in metrics.columns
        and pd.to_numeric(metrics["month"], errors="coerce").notna().any()
    ):
        body.append(
            "<h3>Flights for full coverage by month</h3>"
            + _frame_table(
                _answer.months_table(metrics, sensor=sensor, names=names),
                table_id=_answer.ANCHORS["season"],
            )
        )
    notes = missing_figures(study, figs)
    if notes:
        body.append(
            '<p class="os-note">Not in this report, because the study did not compute it:</p>'
            "<ul>" + "".join(f"<li>{_esc(n)}</li>" for n in notes) + "</ul>"
        )
    _html.add_html_section(
        m, "\n".join(body), title="Key figures", section_id="figures", before_map=True
    )
    _html.add_html_section(
        m,
        '<p class="os-note">Interactive map below: every candidate\'s best single flight and '
        "footprint are drawn; full-coverage flights and reach are layers (top right).</p>",
        before_map=True,
    )
    if sens is not None:
        sens_html = _frame_table(_sensitivity_table(sens))
    else:
        sens_html = (
            '<p class="os-note">This study ran no sensitivity analysis: no assumption was '
            "varied, so which conclusions would flip is not known from this report.</p>"
        )
    _html.add_html_section(m, sens_html, title="Sensitivity", section_id="sensitivity")
    methods = _html.html_table(["Assumption", "Source or note"], study.assumptions)
    prov = _html.html_table(["Item", "Value"], _provenance_rows(study))
    _html.add_html_section(
        m, methods + prov, title="Assumptions and provenance", section_id="provenance"
    )
    _html.add_html_section(m, _raw_tables_html(study), title="Raw tables", section_id="tables")


def write_study_report(study: Any, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`study_map` to ``path`` atomically."""
    return _html.write_html(study_map(study, **kwargs), path)


def study_png(study: Any, path: str | Path, *, sensor: str | None = None) -> Path:
    """Static PNG map of a study (matplotlib), for documents.

    The territory, each candidate's best single flight and footprint (first budget, the
    given or first sensor) and the airfields; hypothetical ones are labelled.
    """
    from .. import data

    p = study.params
    s = sensor or p["sensors"][0]
    terr = data.territory(p["territory"], year=p["year"])
    reg = data.regime(p["year"])
    colours = [PALETTE["route"], PALETTE["route_alt"], PALETTE["observed"], PALETTE["skipped"]]
    geoms: list[BaseGeometry] = [terr.geometry]
    layers: list[Any] = []
    for k, c in enumerate(p["candidates"]):
        budget = p["budgets_km"][c][0]
        a = reg.airfield(c)
        geoms.append(shapely.Point(a.lon, a.lat))
        hyp = bool(study.metrics.loc[study.metrics["icao"] == c, "hypothetical"].any())
        label = f"{c}{' (hypothetical)' if hyp else ''} {budget:,.0f} km"
        fp = study.footprints[
            (study.footprints["icao"] == c)
            & (study.footprints["budget_km"] == budget)
            & (study.footprints["sensor"] == s)
        ]
        if len(fp):
            layers.append((fp, {"facecolor": colours[k % 4], "alpha": 0.25}))
        best = study.routes[
            (study.routes["icao"] == c)
            & (study.routes["budget_km"] == budget)
            & (study.routes["sensor"] == s)
            & (study.routes["kind"] == "best single flight")
        ]
        if len(best):
            layers.append(
                (
                    best,
                    {
                        "color": colours[k % 4],
                        "linewidth": 1.2,
                        "label": f"best flight from {label}",
                    },
                )
            )
        pts = gpd.GeoDataFrame(geometry=[shapely.Point(a.lon, a.lat)], crs="EPSG:4326")
        layers.append(
            (
                pts,
                {
                    "color": PALETTE["hypothetical"] if hyp else "#000000",
                    "markersize": 6,
                    "zorder": 5,
                },
            )
        )
    bounds = _display_bounds(geoms, pad_deg=0.5)
    window = box(*bounds)
    land = _geodata.countries("land")
    near = land[land.intersects(window)].copy()
    near["geometry"] = near.geometry.intersection(window)
    base = [
        (near, {"facecolor": PALETTE["countries"], "edgecolor": "#888888", "linewidth": 0.5}),
        (
            gpd.GeoDataFrame(geometry=[terr.geometry], crs="EPSG:4326"),
            {
                "facecolor": "none",
                "edgecolor": PALETTE["territory"],
                "linewidth": 1.2,
                "label": f"{terr.name}",
            },
        ),
    ]
    return _html.save_static_png(
        [*base, *layers], path, bounds=bounds, title=f"Entry-point study: {terr.name} ({s})"
    )


def study_markdown(study: Any) -> str:
    """An entry-point study as Markdown: parameters, findings, metrics, assumptions, provenance.

    Every value is shown literally (:func:`openskies._text.markdown_text`).
    """
    p = study.params
    md = markdown_text
    lines = [
        f"# Entry-point study: {md(p['territory'])}",
        "",
        f"Candidates: {', '.join(map(md, p['labels']))} (the first is the status quo). "
        f"Sensors: {', '.join(map(md, p['sensors']))}. Regime year {md(p['year'])}.",
        "",
        "## The answer",
        "",
        *[md(x.text) for x in study_answer(study)],
        "",
        "## Findings",
        "",
        *[f"- {md(f)}" for f in study.findings()],
        "",
        "## Metrics",
        "",
        markdown_table(study.wide().reset_index()),
        "",
        "## Assumptions",
        "",
        *[f"- {md(a)}: {md(s)}" for a, s in study.assumptions],
        "",
        "## Provenance",
        "",
        f"- openskies {md(study.provenance['openskies_version'])}",
        f"- parameters sha256 {md(study.provenance['params_sha256'])}",
        *[f"- {md(k)} sha256 {md(v)}" for k, v in study.provenance["data_sha256"].items()],
        *[
            f"- {md(k)}: {md(v)}"
            for k, v in study.provenance.items()
            if k not in ("openskies_version", "params_sha256", "data_sha256")
        ],
        "",
    ]
    return "\n".join(lines)
