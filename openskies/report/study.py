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
from . import _answer, _summary
from . import _figures as figs
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
    icaos = list(dict.fromkeys(curves["icao"]))
    sensors_ = list(dict.fromkeys(curves["sensor"]))
    colors = dict(zip(icaos, _role_colours(icaos), strict=True))
    styles = ["-", "--", ":", "-."]
    for (icao, sensor), grp in curves.groupby(["icao", "sensor"], sort=False):
        g = grp.sort_values("budget_km")
        tag = " (hyp.)" if icao in hypothetical else ""
        ax.plot(
            g["budget_km"],
            100 * g["fraction"],
            color=colors[icao],
            linestyle=styles[sensors_.index(sensor) % len(styles)],
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


#: The territory studied, and the candidates that are hypothetical designations
#: (defined once, in the summary the page shares with the PDF and the notebook view).
_target = _summary.target
_hypothetical = _summary.hypothetical


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


def _sensitivity_rows(study: Any, names: dict[str, str]) -> tuple[list[list[Any]], int]:
    """Rows that flip, in plain words, with the status quo's value beside; how many flip.

    A conclusion compares Minsk with the status quo, and both are planned again under each
    setting: the status quo's value under the setting is what makes an unchanged Minsk value
    flip.
    """
    sens = study.sensitivity
    if not len(sens):
        return [], 0
    inc, cand = study.params["candidates"][0], study.params["candidates"][-1]
    units = study.metrics.drop_duplicates("metric").set_index("metric")["unit"]
    flips = sens[sens["flips"] == 1]
    order = {s: k for k, s in enumerate(study.params["sensors"])}
    flips = flips.assign(_o=flips["sensor"].map(order)).sort_values("_o", kind="stable")
    sq = sens[sens["scenario"] == "status_quo"].set_index(
        ["assumption", "setting", "sensor", "metric"]
    )
    rows = []
    for r in flips.itertuples(index=False):
        unit = "km" if r.metric == "break_even_km" else units.get(r.metric, "")
        key = (r.assumption, r.setting, r.sensor, r.metric)
        if key in sq.index:
            q = sq.loc[[key]].iloc[0]
            inc_text = (
                f"{_summary.number(q['baseline'], unit) or 'never'} → "
                f"{_summary.number(q['value'], unit) or 'never'}"
            )
        else:
            inc_text = ""
        rows.append(
            [
                str(r.assumption),
                str(r.setting),
                figs.scenario_label(str(r.scenario), names, inc, cand),
                str(r.sensor),
                _answer.METRIC_WORDS.get(str(r.metric), _summary.metric_words(str(r.metric))),
                _km(r.budget_km),
                f"{_summary.number(r.baseline, unit) or 'never'} → "
                f"{_summary.number(r.value, unit) or 'never'}",
                inc_text,
            ]
        )
    return rows, len(flips)


def _break_even_words(study: Any, names: dict[str, str]) -> pd.DataFrame | None:
    """The break-even table in plain words, the headline sensor first (None: no table)."""
    if not (getattr(study, "scenario_study", False) and len(study.break_even)):
        return None
    # the scenario labels name the status quo's airfield: from the metrics when they have it
    with_sq = "status_quo" in set(study.metrics["scenario"])
    t = _answer.break_even_table(
        study.break_even, names=names, metrics=study.metrics if with_sq else None
    )
    order = {s: k for k, s in enumerate(study.params["sensors"])}
    return (
        t.assign(_o=t["sensor"].map(order))
        .sort_values("_o", kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _figures_html(figures: list[_summary.KeyFigure]) -> str:
    return "\n".join(_summary.figure_html(f) for f in figures)


def study_map(study: Any, *, online_tiles: bool = False, title: str | None = None) -> str:
    """Build the HTML report of an :class:`~openskies.study.EntryPointStudy`.

    In reading order: the answer (generated sentences, each linked to its evidence), the key
    figures as inline SVG (they print and need no script) with the side-by-side maps of the
    best flights, the interactive map (every candidate's best flight shown at load; reach,
    footprints and full-coverage flights as layers), the break-even table, the sensitivity
    (which conclusions flip), the assumptions with their sources, the metrics in plain words
    with units and the provenance, and last the raw tables, collapsed.
    """
    from .. import data

    p = study.params
    terr = _target(study)
    reg = data.regime(p["year"])
    hyp = _hypothetical(study)
    summ = _summary.summary(study)
    names = summ.names
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
    first_sensor = p["sensors"][0]
    colours = _role_colours(p["candidates"])
    shown_budget = _map_budgets(study, first_sensor)
    for k, c in enumerate(p["candidates"]):
        col = colours[k]
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
        budget = shown_budget.get(c, p["budgets_km"][c][0])
        for s in p["sensors"]:
            sel = (
                (study.routes["icao"] == c)
                & (study.routes["budget_km"] == budget)
                & (study.routes["sensor"] == s)
            )
            on = s == first_sensor
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
                        kind=f"best single flight from {names.get(c, c)}{tag}",
                        length_km=best["length_km"].round(1),
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
        (
            f"{figs.short_name(names.get(c, c))}{' (hypothetical)' if c in hyp else ''}: best "
            f"flight at {shown_budget.get(c, p['budgets_km'][c][0]):,.0f} km, its footprint",
            colours[k],
        )
        for k, c in enumerate(p["candidates"])
    ]
    legend += [
        ("Imaged by both (the tints mix)", _mix(colours[0], colours[-1])),
        ("Hypothetical airfield", PALETTE["hypothetical"]),
        ("Observed territory (outline)", PALETTE["territory"]),
    ]
    _html.add_legend(m, legend, title="Legend", position="bottomleft")
    _html.add_layer_control(m, collapsed=True)

    # -- above the map: the answer, then the figures
    anchors = {f.anchor for f in summ.figures} | {"sec-tables", "sec-assumptions"}
    be_table = _break_even_words(study, names)
    if be_table is not None:
        anchors.add("tab-break-even")
    # the season claim's evidence: the headline sensor's flights by month (with months only)
    m_ = study.metrics
    has_months = (
        "month" in m_.columns
        and bool(m_["month"].notna().any())
        and "scenario" in m_.columns
        and bool((m_["scenario"] == "status_quo").any())  # the table compares against it
    )
    mo_table = (
        _answer.months_table(study.metrics, sensor=first_sensor, names=names)
        if has_months
        else None
    )
    if mo_table is not None and len(mo_table):
        anchors.add("tab-months")
    else:
        mo_table = None
    scope = f'<p class="os-scope">{_esc(summ.scope)}.</p>'
    _html.add_html_section(
        m,
        f"{_summary.answer_html(summ.sentences, anchors)}\n{scope}",
        title="The answer",
        section_id="answer",
        above_map=True,
    )
    main_figs = [f for f in summ.figures if f.key != "sensitivity"]
    reach_fig = ""
    if len(study.reach_curves):
        reach_fig = (
            '<figure class="os-figure os-small" id="fig-reach">\n'
            f"{_reach_chart_svg(study.reach_curves, hyp)}\n<figcaption>Share of the territory "
            "one flight can reach and image, against the maximum flight distance (reach model, "
            "an upper bound).</figcaption>\n</figure>"
        )
    _html.add_html_section(
        m,
        _figures_html(main_figs) + reach_fig,
        title="Key figures",
        section_id="figures",
        above_map=True,
    )
    _html.add_html_section(
        m,
        "<p>Every airfield's best single flight and its footprint are shown "
        f"({_esc(first_sensor)}); the layer button (top right) switches on the full-coverage "
        "flights, the reach of each airfield (cells from blue, a short round trip, to pink, a "
        "long one) and the other sensors. Click a route for its counted length.</p>",
        title="Interactive map",
        section_id="sec-map",
        above_map=True,
    )

    # -- under the map: the evidence tables, sensitivity, assumptions, raw tables
    if be_table is not None:
        _html.add_html_section(
            m,
            '<div id="tab-break-even">'
            + _html.html_table(list(be_table.columns), be_table.itertuples(index=False))
            + "</div><p>The smallest Minsk maximum flight distance at which Minsk does as well "
            "as the status quo, found by bisection; blank bracket: at the first distance "
            "studied.</p>",
            title="Break-even Minsk distance (km)",
            section_id="sec-break-even",
        )
    if mo_table is not None:
        _html.add_html_section(
            m,
            '<div id="tab-months">'
            + _html.html_table(list(mo_table.columns), mo_table.itertuples(index=False))
            + f"</div><p>Flights for full coverage with {_esc(first_sensor)} by month, planned "
            "(≥ proved minimum), each option at the status quo's own distance where it sweeps "
            'Minsk\'s; "no imaging": no optical imaging of the whole territory that month '
            "(imageable = 0).</p>",
            title="Flights by month",
            section_id="sec-months",
        )
    sens_fig = summ.figure("sensitivity")
    if getattr(study, "scenario_study", False) and len(study.sensitivity):
        rows, n_flip = _sensitivity_rows(study, names)
        n_all = len(study.sensitivity)
        inc_icao, cand_icao = p["candidates"][0], p["candidates"][-1]
        text = (
            f"<p>{n_flip} of {n_all} comparisons flip under another assumption"
            + (": they are listed below." if n_flip else "; no conclusion changes.")
            + " sensitivity.csv has every row.</p>"
        )
        table = (
            _html.html_table(
                [
                    "assumption",
                    "setting",
                    "option",
                    "sensor",
                    "result",
                    "Minsk distance (km)",
                    f"{figs.short_name(names.get(cand_icao, cand_icao))}: baseline → setting",
                    f"{figs.short_name(names.get(inc_icao, inc_icao))}: baseline → setting",
                ],
                rows,
            )
            if rows
            else ""
        )
        _html.add_html_section(
            m,
            (_summary.figure_html(sens_fig) if sens_fig is not None else "") + text + table,
            title="Sensitivity: which conclusions flip",
            section_id="sec-sensitivity",
        )
    methods = _html.html_table(["Assumption", "Source or note"], study.assumptions)
    words = _html.html_table(
        ["Metric", "Unit", "Name in metrics.csv"], _summary.metric_table_rows(study.metrics)
    )
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
    _html.add_html_section(
        m,
        "<p>The figures are for the year as a whole unless a table has a month; every "
        "assumption behind them, with its source:</p>"
        + methods
        + "<h3>Metrics in plain words</h3>"
        + words
        + "<h3>Provenance</h3>"
        + prov,
        title="Methods, assumptions and provenance",
        section_id="sec-assumptions",
    )
    _raw_tables(m, study, names)
    return _html.render_offline(m, title=title or summ.title)


def _raw_tables(m: Any, study: Any, names: dict[str, str]) -> None:
    """The raw tables, last and collapsed: metrics per sensor, differences, findings."""
    p = study.params
    w = study.wide()
    parts = []
    for s in p["sensors"]:
        cols = [c for c in w.columns if c.endswith(f" {s}")]
        t = w[cols].reset_index()
        rows = [
            [
                _summary.metric_words(r[0]),
                _summary.unit_words(r[1]),
                *[_summary.number(v, r[1]) for v in r[2:]],
            ]
            for r in t.itertuples(index=False)
        ]
        parts.append(_html.html_table(["metric", "unit", *cols], rows, caption=f"Metrics: {s}"))
    if not study.metrics.empty:
        year = month_rows(study.metrics, None)  # the year's rows (the months: their own table)
        mt = year[year["scenario"] != "status_quo"]
        rows = [
            [
                str(r.scenario),
                str(r.icao),
                _km(r.budget_km),
                str(r.sensor),
                _summary.metric_words(str(r.metric)),
                _summary.number(r.value, r.unit),
                _summary.number(r.delta_abs, r.unit if r.unit != "fraction" else ""),
                _summary.number(r.delta_rel, "fraction"),
            ]
            for r in mt.itertuples(index=False)
        ]
        parts.append(
            _html.html_table(
                [
                    "option",
                    "airfield",
                    "Minsk distance (km)" if getattr(study, "scenario_study", False) else "km",
                    "sensor",
                    "metric",
                    "value",
                    "difference",
                    "relative difference",
                ],
                rows,
                caption=f"Differences from the status quo ({p['candidates'][0]})",
            )
        )
    findings = "".join(f"<li>{_esc(f)}</li>" for f in study.findings())
    parts.append(f"<h3>Every comparison, one line each</h3><ul>{findings}</ul>")
    _html.add_html_section(
        m,
        "\n".join(parts),
        title="Raw tables (metrics.csv has every value)",
        section_id="sec-tables",
        collapsed=True,
    )


def _role_colours(candidates: list[str]) -> list[str]:
    """The status quo vermillion, the others blue, then the rest of the palette."""
    rest = [figs.OKABE_ITO["green"], figs.OKABE_ITO["purple"], figs.OKABE_ITO["orange"]]
    out = [figs.COLORS["incumbent"], figs.COLORS["candidate"], *rest]
    return [out[min(k, len(out) - 1)] for k in range(len(candidates))]


def _mix(a: str, b: str) -> str:
    """The colour two translucent fills of ``a`` and ``b`` make where they overlap."""
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{(x + y) // 2:02X}" for x, y in zip(ca, cb, strict=True))


def _map_budgets(study: Any, sensor: str) -> dict[str, float]:
    """The distance each candidate's best flight is shown at (the maps figure's choice)."""
    return _summary.headline_budgets(study, sensor)


def write_study_report(study: Any, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`study_map` to ``path`` atomically."""
    return _html.write_html(study_map(study, **kwargs), path)


def study_summary_html(study: Any) -> str:
    """The answer and the key figures of a study as an HTML fragment (a notebook's view).

    The same sentences and figures as the top of :func:`study_map`, without the page around
    them; a claim links to its figure when the fragment holds it.
    """
    summ = _summary.summary(study)
    figures = [f for f in summ.figures if f.key in ("flights", "maps", "sensitivity")]
    anchors = {f.anchor for f in figures}
    w = study.summary()
    table = _html.html_table(
        [_summary.metric_words(c) if c in _summary.PLAIN_METRICS else str(c) for c in w.columns],
        [[round_for_display(v) for v in r] for r in w.itertuples(index=False)],
        caption="Key metrics (headline sensor)",
    )
    return (
        f'<div class="openskies-study">\n<h3>{_esc(summ.title)}</h3>\n'
        f"{_summary.answer_html(summ.sentences, anchors, fallback=None)}\n"
        f"<p><small>{_esc(summ.scope)}.</small></p>\n"
        + "\n".join(_summary.figure_html(f) for f in figures)
        + f"\n{table}\n</div>"
    )


def _pdf_tables(study: Any, names: dict[str, str]) -> list[tuple[str, pd.DataFrame]]:
    """The PDF's tables: break-even, the comparisons that flip, the assumptions."""
    import textwrap

    out: list[tuple[str, pd.DataFrame]] = []
    if getattr(study, "scenario_study", False) and len(study.break_even):
        out.append(("Break-even Minsk distance (km)", _break_even_words(study, names)))
    if getattr(study, "scenario_study", False) and len(study.sensitivity):
        rows, n_flip = _sensitivity_rows(study, names)
        cols = ["assumption", "setting", "option", "sensor", "result", "km", "Minsk", "status quo"]
        out.append(
            (
                f"Sensitivity: {n_flip} of {len(study.sensitivity)} comparisons flip",
                pd.DataFrame(rows, columns=cols),
            )
        )
    rows = []
    for name, source in study.assumptions:
        for k, line in enumerate(textwrap.wrap(str(source), 46) or [""]):
            rows.append((textwrap.shorten(str(name), 40) if k == 0 else "", line))
    out.append(
        ("Assumptions and their sources", pd.DataFrame(rows, columns=["assumption", "source"]))
    )
    return out


def study_pdf(study: Any, *, summary: _summary.Summary | None = None) -> bytes:
    """The study as a print-ready PDF (A4): page 1 the answer above the key figure.

    Drawn by matplotlib alone (:func:`openskies.report._pdf.report_pdf`); deterministic, no
    path of the machine in it. ``summary`` (optional) is the study's
    :func:`openskies.report._summary.summary`, when the caller has it already.
    """
    from .. import __version__
    from ._pdf import report_pdf

    summ = summary or _summary.summary(study)
    key = summ.figure("flights") or (summ.figures[0] if summ.figures else None)
    rest = [f for f in summ.figures if f is not key]
    return report_pdf(
        summ.sentences,
        title=summ.title,
        subtitle=f"{summ.scope}; openskies {__version__}",
        key_figure=key.draw if key is not None else None,
        figures=[f.draw for f in rest],
        tables=_pdf_tables(study, summ.names),
        footer=f"openskies {__version__}: {summ.title}",
    )


def write_study_documents(study: Any, out_dir: str | Path) -> list[Path]:
    """Write ``report.pdf`` and every key figure as ``figures/<name>.png`` and ``.svg``.

    Every file is written atomically inside ``out_dir`` (:func:`openskies._files.write_inside`).
    """
    from .. import _files

    summ = _summary.summary(study)
    paths = [_files.write_inside(out_dir, "report.pdf", study_pdf(study, summary=summ))]
    for f in summ.figures:
        drawn = f.figure()
        for fmt in ("png", "svg"):
            paths.append(
                _files.write_inside(
                    out_dir, f"figures/{f.key}.{fmt}", figs.figure_bytes(drawn, fmt)
                )
            )
    logger.info("wrote the PDF and %d figure files", len(paths) - 1)
    return paths


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
