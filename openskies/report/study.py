"""The study report: an entry-point study's HTML page (map, reach chart, tables) and PNG maps.

Coordinates are (lon, lat) degrees WGS84; lengths km; areas geodesic km².
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from .. import _geodata
from .._text import markdown_text
from . import _leaflet as _html
from ._figures import month_rows
from ._layers import (
    DISPLAY_PRECISION,
    PALETTE,
    _display_bounds,
    airfield_layer,
    base_layers,
    footprint_layer,
)
from ._tables import _esc, markdown_table, ramp, round_for_display

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


def _target(study: Any) -> Any:
    """The territory studied: the study's own (it may be a part of one) or the bundled one."""
    from .. import data

    target = getattr(study, "target", None)
    if target is not None:
        return target
    return data.territory(study.params["territory"], year=study.params["year"])


def _hypothetical(study: Any) -> set[str]:
    """Candidates that are hypothetical designations (never Open Skies airfields)."""
    p = study.params
    if "hypothetical" in p:
        return set(p["hypothetical"])
    m = study.metrics
    return {c for c in p["candidates"] if bool(m.loc[m["icao"] == c, "hypothetical"].any())}


def _km(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return ""
    return f"{f:,.0f}" if pd.notna(f) else ""


def _break_even_table(study: Any) -> pd.DataFrame:
    """The break-even table for reading: blank where Minsk never breaks even."""
    be = study.break_even
    cols = ["scenario", "sensor", "metric", "break_even_km", "low_km", "high_km"]
    if not len(be):
        return pd.DataFrame(columns=[*cols, "status"])
    out = be[[*cols, "status"]].copy()
    for c in ("break_even_km", "low_km", "high_km"):
        out[c] = [_km(v) for v in out[c]]
    return out


def _sensitivity_table(study: Any) -> pd.DataFrame:
    """Sensitivity rows that flip (all rows when none does), values shown."""
    sens = study.sensitivity
    if not len(sens):
        return sens
    flips = sens[sens["flips"] == 1]
    shown = flips if len(flips) else sens[sens["scenario"] != "status_quo"].head(0)
    out = shown[
        ["assumption", "setting", "scenario", "sensor", "metric", "budget_km", "value", "baseline"]
    ].copy()
    out["budget_km"] = [_km(v) for v in out["budget_km"]]
    out["value"] = [round_for_display(v) for v in out["value"]]
    out["baseline"] = [round_for_display(v) for v in out["baseline"]]
    return out


def _markdown_option_tables(study: Any) -> list[str]:
    if not getattr(study, "scenario_study", False) or not len(study.break_even):
        return []
    lines = ["## Break-even Minsk distance (km)", "", markdown_table(_break_even_table(study)), ""]
    sens = _sensitivity_table(study)
    n_flip = int((study.sensitivity["flips"] == 1).sum()) if len(study.sensitivity) else 0
    lines += [
        "## Sensitivity",
        "",
        f"{n_flip} of {len(study.sensitivity)} comparisons flip under another assumption "
        "(sensitivity.csv has every row).",
        "",
    ]
    if len(sens):
        lines += [markdown_table(sens), ""]
    return lines


def study_map(study: Any, *, online_tiles: bool = False, title: str | None = None) -> str:
    """Build the HTML report of an :class:`~openskies.study.EntryPointStudy`.

    A layer per candidate (airfield, best single flight and its footprint,
    full-coverage flights, reach heat map) for the first budget of each
    candidate and each sensor, the sites, a legend and layer control, the
    findings, the metrics tables, a chart of the reach curves and a methods
    section listing every assumption with its source.
    """
    from .. import data

    p = study.params
    terr = _target(study)
    reg = data.regime(p["year"])
    hyp = _hypothetical(study)
    geoms = [terr.geometry]
    af_objs = []
    for c in p["candidates"]:
        a = reg.airfield(c)
        if c in hyp:
            a = reg.designate(
                c, party=a.party, max_flight_distance_km=p["budgets_km"][c][0]
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
    for k, c in enumerate(p["candidates"]):
        col = colours[k % len(colours)]
        budget = p["budgets_km"][c][0]
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
                    "fillColor": ramp(pr.get("round_trip_km", 0) / top),
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
            on = k == 0 and s == first_sensor
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
    legend = [
        (f"{c}{' (hypothetical)' if c in hyp else ''}", colours[k % len(colours)])
        for k, c in enumerate(p["candidates"])
    ]
    legend += [
        ("Hypothetical airfield", PALETTE["hypothetical"]),
        ("Observed territory", PALETTE["territory"]),
        ("Reach: short round trip", ramp(0.0)),
        ("Reach: long round trip", ramp(1.0)),
    ]
    _html.add_legend(m, legend, title="Legend")
    _html.add_layer_control(m, collapsed=True)
    findings = "".join(f"<li>{_esc(f)}</li>" for f in study.findings())
    _html.add_html_section(m, f"<ul>{findings}</ul>", title="Findings")
    for s in p["sensors"]:
        w = study.wide()
        cols = [c for c in w.columns if c.endswith(f" {s}")]
        t = w[cols].reset_index()
        rows = [
            [r[0], r[1], *[round_for_display(v) for v in r[2:]]] for r in t.itertuples(index=False)
        ]
        _html.add_html_section(
            m, _html.html_table(["metric", "unit", *cols], rows), title=f"Metrics: {s}"
        )
    if getattr(study, "scenario_study", False) and len(study.break_even):
        be = _break_even_table(study)
        _html.add_html_section(
            m,
            _html.html_table(list(be.columns), [list(r) for r in be.itertuples(index=False)]),
            title="Break-even Minsk distance (km)",
        )
        sens = _sensitivity_table(study)
        if len(sens):
            _html.add_html_section(
                m,
                _html.html_table(
                    list(sens.columns), [list(r) for r in sens.itertuples(index=False)]
                ),
                title="Sensitivity (conclusions that flip under another assumption)",
            )
    if not study.metrics.empty:
        year = month_rows(study.metrics, None)  # the year's rows (the months: their own table)
        deltas = year[year["scenario"] != "status_quo"][
            ["scenario", "icao", "budget_km", "sensor", "metric", "value", "delta_abs", "delta_rel"]
        ]
        _html.add_html_section(
            m,
            _html.html_table(
                list(deltas.columns),
                [
                    [
                        *r[:5],
                        round_for_display(r[5]),
                        round_for_display(r[6]),
                        round_for_display(r[7]),
                    ]
                    for r in deltas.itertuples(index=False)
                ],
            ),
            title=f"Differences from the status quo ({p['candidates'][0]})",
        )
    if len(study.reach_curves):
        _html.add_html_section(m, _reach_chart_svg(study.reach_curves, hyp), title="Reach curves")
    methods = _html.html_table(["Assumption", "Source or note"], study.assumptions)
    prov = _html.html_table(
        ["Item", "Value"],
        [
            ("openskies version", study.provenance["openskies_version"]),
            ("parameters sha256", study.provenance["params_sha256"]),
            *[(f"{k} sha256", v) for k, v in study.provenance["data_sha256"].items()],
            *[
                (k, v)
                for k, v in study.provenance.items()
                if k not in ("openskies_version", "params_sha256", "data_sha256")
            ],
        ],
    )
    _html.add_html_section(m, methods + prov, title="Methods, assumptions and provenance")
    return _html.render_offline(m, title=title or f"openskies entry-point study: {terr.name}")


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
    terr = _target(study)
    reg = data.regime(p["year"])
    hyp_set = _hypothetical(study)
    colours = [PALETTE["route"], PALETTE["route_alt"], PALETTE["observed"], PALETTE["skipped"]]
    geoms: list[BaseGeometry] = [terr.geometry]
    layers: list[Any] = []
    for k, c in enumerate(p["candidates"]):
        budget = p["budgets_km"][c][0]
        a = reg.airfield(c)
        geoms.append(shapely.Point(a.lon, a.lat))
        hyp = c in hyp_set
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
        "## Findings",
        "",
        *[f"- {md(f)}" for f in study.findings()],
        "",
        *_markdown_option_tables(study),
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
