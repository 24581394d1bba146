"""The exercise report: the Markdown section, CSV tables, GeoJSON layer and HTML map of an exercise.

Renders what :func:`openskies.exercise.run` computed; ``openskies exercise`` writes the files
(:data:`OUTPUTS`) into its output directory.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._text import csv_frame, format_number, markdown_text
from ..exercise import run
from ._tables import markdown_table

if TYPE_CHECKING:  # pragma: no cover
    from ..config import ExerciseConfig

logger = logging.getLogger(__name__)

#: Output files, by role.
OUTPUTS = {
    "report": "exercise_report.md",
    "obligations": "obligations.csv",
    "summary": "time_to_image.csv",
    "steps": "timeline_steps.csv",
    "sensitivity": "trigger_sensitivity.csv",
    "geojson": "exercise.geojson",
    "html": "exercise.html",
}


# --------------------------------------------------------------------------- rendering


def _cell(value: Any) -> str:
    """A cell of the exercise tables: numbers with 2 decimals, times in UTC, missing as a dash.

    Integers (counts, step numbers) are written as they are, with no thousands separator.
    """
    import pandas as pd

    if value is None or value is pd.NaT or isinstance(value, bool | float):
        return format_number(value, decimals=2, missing="—")
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    text = " ".join(str(value).splitlines())
    return text if text else "—"


_OBL_COLS = {
    "name": "regime",
    "status": "status",
    "notify": "notify",
    "notify_by": "notify by",
    "notify_trigger": "notification threshold met",
    "observe": "invite observers",
    "invite_by": "invite by",
    "observe_trigger": "observation threshold met",
    "observe_rule": "rule",
    "unknown_counts": "counts not reported",
}
_SUM_COLS = {
    "label": "entry point",
    "osa": "OSA",
    "imageable": "imageable in the window",
    "earliest_imaging_utc": "earliest imaging",
    "hours_to_image": "hours after trigger",
    "daylight_wait_h": "daylight wait h",
    "imaging_complete_utc": "whole area imaged",
    "inside_window": "inside window",
    "flight_km": "flight km (with turn margin)",
    "budget_km": "max flight distance km",
    "fits_one_flight": "one flight",
    "ferry_km": "ferry km from home base",
    "notes": "notes",
}
_STEP_COLS = {
    "step": "#",
    "event": "event",
    "time_utc": "time",
    "duration_h": "duration h",
    "distance_km": "km",
    "hours_after_trigger": "h after trigger",
    "rule": "rule",
}
_SENS_COLS = {
    "trigger_utc": "trigger",
    "label": "entry point",
    "imageable": "imageable in the window",
    "earliest_imaging_utc": "earliest imaging",
    "hours_to_image": "hours after trigger",
    "daylight_wait_h": "daylight wait h",
    "inside_window": "inside window",
}


def _report_md(cfg: ExerciseConfig, res: Mapping[str, Any]) -> str:
    from .. import csbm

    md = markdown_text
    ex = res["exercise"]
    tl = res["timeline"]
    counts = ", ".join(
        f"{k} {v:,}" if v is not None else f"{k} not reported" for k, v in ex.counts.items()
    )
    grounds = "\n".join(
        f"- {md(g.name)}: ({g.lon:.4f}, {g.lat:.4f}), disc of {g.radius_km:g} km "
        "(position uncertainty)"
        for g in ex.grounds
    )
    sources = "\n".join(f"- {md(s)}" for s in cfg.exercise.sources) or "- (none given)"
    last_day = (ex.end - dt.timedelta(seconds=1)).date()
    out = [
        f"## Exercise observation: {md(ex.name)}",
        "",
        f"{ex.start.date()} to {last_day} (window {_cell(ex.start)} to {_cell(ex.end)}), "
        f"{'snap (no advance notice)' if ex.snap else 'announced'}; host {md(ex.host)}; "
        f"{counts}.",
        "",
        "Area (one disc per training ground):",
        "",
        grounds,
        "",
        "Sources of the exercise figures:",
        "",
        sources,
        "",
        "### CSBM obligations per regime (as the regimes stood in 2019)",
        "",
        markdown_table(res["obligations"], columns=_OBL_COLS, fmt=_cell),
        "",
        "A regime is triggered when any one of its thresholds is met; each threshold's "
        'comparison ("exceeding" or "equal to or exceeding") is as its source words it '
        f"(`geodata/{csbm.DATA_FILE}`).",
        "",
        "### Time to image from each entry point",
        "",
        f"Trigger: {_cell(res['steps']['time_utc'].iloc[0])}. Sensor "
        f"{md(cfg.time_to_image.sensor)}, aircraft {md(cfg.time_to_image.aircraft)}, home base "
        f"{md(cfg.time_to_image.home_base)}.",
        "",
        markdown_table(res["summary"], columns=_SUM_COLS, fmt=_cell),
        "",
    ]
    for _ep, grp in res["steps"].groupby("entry_point", sort=False):
        out += [
            f"#### Timeline: {md(grp['label'].iloc[0])}",
            "",
            markdown_table(grp, columns=_STEP_COLS, fmt=_cell),
            "",
        ]
    if not res["sensitivity"].empty:
        out += [
            "### Sensitivity to the trigger time",
            "",
            markdown_table(res["sensitivity"], columns=_SENS_COLS, fmt=_cell),
            "",
        ]
    out += [
        "### Timeline parameters",
        "",
        markdown_table(tl.table(), columns=["parameter", "value", "source", "meaning"], fmt=_cell),
        "",
        "Assumptions: the area to image is a disc of the position uncertainty around each "
        "ground; one flight visits the grounds in the shortest geodesic order and sweeps each "
        "disc in lanes one effective swath apart (an estimate, not a planned route); the sun's "
        "elevation is taken over the mean of the grounds' centres (NOAA solar-position "
        "algorithm); no weather, no wind, no refuelling stop.",
        "",
    ]
    th = res["thresholds"]
    unver = th[~th["verified"]]
    if not unver.empty:
        out += [
            "### Unverified values used",
            "",
            "These thresholds were not read in their source text; see the notes in "
            f"`geodata/{csbm.DATA_FILE}`.",
            "",
            markdown_table(
                unver,
                columns=["regime", "measure", "count", "value", "comparison", "source"],
                fmt=_cell,
            ),
            "",
        ]
    prov = res["provenance"]
    out += [
        "### Provenance",
        "",
        f"openskies {prov['openskies_version']}; config sha256 `{prov['config_file_sha256']}`.",
        "",
        *[f"- `{name}` sha256 `{digest}`" for name, digest in prov["data_sha256"].items()],
        "",
    ]
    return "\n".join(out)


def _csv(df: Any) -> bytes:
    out = csv_frame(df)
    for col in out.columns:
        if str(out[col].dtype).startswith("datetime64"):
            out[col] = out[col].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8")


def _iso(value: Any) -> str | None:
    import pandas as pd

    if value is None or value is pd.NaT:
        return None
    return pd.Timestamp(value).strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_value(value: Any) -> Any:
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return _iso(value)
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if value != value else round(float(value), 3)
    return value


def _features(res: Mapping[str, Any]) -> list[dict[str, Any]]:
    from shapely.geometry import LineString, Point, mapping

    from .. import geodesy

    ex = res["exercise"]
    reg = res["regime"]
    obl = res["obligations"]
    props_obl: dict[str, Any] = {}
    for rec in obl.to_dict("records"):
        props_obl[f"notify_{rec['regime']}"] = _json_value(rec["notify"])
        props_obl[f"observe_{rec['regime']}"] = _json_value(rec["observe"])
    feats: list[dict[str, Any]] = []
    area = ex.area()
    for rec in area.to_dict("records"):
        props = {
            "layer": "exercise_area",
            "exercise": ex.name,
            "name": rec["name"],
            "radius_km": rec["radius_km"],
            "troops": ex.troops,
            **props_obl,
        }
        feats.append({"type": "Feature", "properties": props, "geometry": mapping(rec["geometry"])})
    by_name = {g.name: g for g in ex.grounds}
    for rec in res["summary"].to_dict("records"):
        osa = reg.airfield(rec["osa"]) if rec["osa"] in reg else None
        ep = reg.airfield(rec["entry_point"]) if rec["entry_point"] in reg else None
        props = {
            "layer": "entry_point",
            **{k: _json_value(rec[k]) for k in rec if k not in ("route",)},
        }
        if ep is not None:
            feats.append(
                {"type": "Feature", "properties": props, "geometry": mapping(Point(ep.lon, ep.lat))}
            )
        names = [n for n in str(rec.get("route", "")).split(" -> ") if n in by_name]
        if osa is not None and names:
            pts = [(osa.lon, osa.lat), *((by_name[n].lon, by_name[n].lat) for n in names)]
            pts.append((osa.lon, osa.lat))
            line = geodesy.split_antimeridian(geodesy.densify(LineString(pts), 10.0))
            feats.append(
                {
                    "type": "Feature",
                    "properties": {
                        "layer": "route_estimate",
                        "entry_point": rec["entry_point"],
                        "label": rec["label"],
                        "flight_km": _json_value(rec["flight_km"]),
                        "note": "estimate through the ground centres; not a planned route",
                    },
                    "geometry": mapping(line),
                }
            )
    home = reg.airfield(res["home_base"])
    feats.append(
        {
            "type": "Feature",
            "properties": {"layer": "home_base", "icao": home.icao, "label": home.label},
            "geometry": mapping(Point(home.lon, home.lat)),
        }
    )
    return feats


def _round_coords(obj: Any, nd: int = 5) -> Any:
    if isinstance(obj, float):
        return round(obj, nd)
    if isinstance(obj, list | tuple):
        return [_round_coords(v, nd) for v in obj]
    if isinstance(obj, dict):
        return {k: _round_coords(v, nd) for k, v in obj.items()}
    return obj


def _geojson(feats: list[dict[str, Any]]) -> bytes:
    fc = {
        "type": "FeatureCollection",
        "features": [{**f, "geometry": _round_coords(f["geometry"])} for f in feats],
    }
    return (json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def answer(res: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The exercise's answer, generated from its tables: (sentence, anchor id) pairs.

    First what the regimes require (notification, observers), then how soon the exercise
    area can be imaged from each entry point, the fastest first.
    """
    ex = res["exercise"]
    obl = res["obligations"]
    notify = [str(r["name"]) for r in obl.to_dict("records") if r.get("notify") is True]
    observe = [str(r["name"]) for r in obl.to_dict("records") if r.get("observe") is True]
    out = []
    parts = []
    if notify:
        parts.append(f"must be notified under {_join(notify)}")
    if observe:
        parts.append(f"observers must be invited under {_join(observe)}")
    else:
        parts.append("no regime studied requires observers to be invited")
    out.append((f"{ex.name} {'; '.join(parts)}.", "tab-obligations"))
    summ = res["summary"]
    rows = [r for r in summ.to_dict("records") if r.get("imageable")]
    if not rows:
        out.append(
            ("From no entry point studied can the area be imaged in the window.", "tab-time")
        )
        return out
    rows.sort(key=lambda r: float(r["hours_to_image"]))
    hours = {round(float(r["hours_to_image"]), 6) for r in rows}
    if len(rows) > 1 and len(hours) == 1:
        r0 = rows[0]
        text = (
            f"From every entry point studied ({_join([str(r['label']) for r in rows])}) the area "
            f"is imaged first at {_cell(r0['earliest_imaging_utc'])}, "
            f"{_hours(r0['hours_to_image'])} after the trigger: waiting for daylight, "
            "not the distance, sets the time; the flights are "
            + _join([f"{_km(r['flight_km'])} from {r['label']}" for r in rows])
            + "."
        )
    else:
        text = (
            "The area is imaged soonest from "
            + "; then from ".join(
                f"{r['label']}, {_hours(r['hours_to_image'])} after the trigger "
                f"({_cell(r['earliest_imaging_utc'])}, a flight of "
                f"{_km(r['flight_km'])})"
                for r in rows
            )
            + "."
        )
    out.append((text, "tab-time"))
    return out


def _km(value: Any) -> str:
    return format_number(float(value), decimals=0, unit="km")


def _hours(value: Any) -> str:
    return format_number(float(value), decimals=1, unit="h")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _hours_chart_svg(res: Mapping[str, Any]) -> str | None:
    """Inline SVG: hours from the trigger to imaging per entry point, the daylight wait apart."""
    import numpy as np
    from matplotlib.figure import Figure

    from . import _figures as figs

    rows = [r for r in res["summary"].to_dict("records") if r.get("imageable")]
    if not rows:
        return None
    fig = Figure(figsize=(7.2, 0.5 * len(rows) + 1.4), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(rows))[::-1]
    total = np.array([float(r["hours_to_image"]) for r in rows])
    wait = np.array([float(r.get("daylight_wait_h") or 0.0) for r in rows])
    ax.barh(
        y,
        total - wait,
        color=figs.COLORS["candidate"],
        height=0.6,
        label="notice, transit and flight",
    )
    ax.barh(
        y,
        wait,
        left=total - wait,
        color=figs.OKABE_ITO["orange"],
        height=0.6,
        label="waiting for daylight",
    )
    # a label may be long (a user's config): cut, so that the bars keep their room
    labels = [textwrap.shorten(str(r["label"]), 40, placeholder="…") for r in rows]
    ax.set_yticks(y, labels, fontsize=8)
    for yy, t in zip(y, total, strict=True):
        ax.text(t, yy, f" {_hours(t)}", va="center", fontsize=8)
    ax.set_xlim(0, float(total.max()) * 1.2 or 1.0)
    ax.set_xlabel("hours from the trigger to imaging", fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    fig.legend(loc="outside lower center", ncol=2, fontsize=7.5, frameon=False)
    fig.suptitle("Time to image the exercise area", fontsize=10, x=0.01, ha="left")
    svg = figs.figure_bytes(fig, "svg").decode("utf-8")
    return svg[svg.index("<svg") :]


def _html(cfg: ExerciseConfig, res: Mapping[str, Any], feats: list[dict[str, Any]]) -> str | None:
    try:
        from . import _leaflet as _html
    except ImportError:  # pragma: no cover - the HTML machinery is optional
        return None
    from .. import data

    def layer(kind: str) -> dict[str, Any]:
        return {
            "type": "FeatureCollection",
            "features": [f for f in feats if f["properties"]["layer"] == kind],
        }

    from shapely.geometry import shape

    boxes = [shape(f["geometry"]).bounds for f in feats]
    bounds = (
        min(b[0] for b in boxes) - 0.5,
        min(b[1] for b in boxes) - 0.5,
        max(b[2] for b in boxes) + 0.5,
        max(b[3] for b in boxes) + 0.5,
    )
    m = _html.new_map(bounds=bounds)
    blr = data.territory(res["exercise"].host)
    _html.add_geojson_layer(
        m,
        {
            "type": "Feature",
            "properties": {"name": blr.name},
            "geometry": blr.geometry.__geo_interface__,
        },
        name=f"{blr.name} (Natural Earth)",
        style={"color": "#555555", "weight": 1, "fillColor": "#dddddd", "fillOpacity": 0.3},
        tooltip_fields=["name"],
        simplify_tolerance_deg=0.01,
        fit=False,
    )
    obl_fields = [k for k in feats[0]["properties"] if k.startswith(("notify_", "observe_"))]
    _html.add_geojson_layer(
        m,
        layer("exercise_area"),
        name="Exercise area (position uncertainty)",
        style={"color": "#c0392b", "fillColor": "#e74c3c", "fillOpacity": 0.3},
        popup_fields=["name", "radius_km", "troops", *obl_fields],
        tooltip_fields=["name"],
    )
    _html.add_geojson_layer(
        m,
        layer("route_estimate"),
        name="Estimated routes (OSA -> grounds -> OSA)",
        style=lambda p: {
            "color": "#2c7fb8" if str(p.get("entry_point")) == "UUMB" else "#31a354",
            "weight": 2,
            "dashArray": "6 4",
        },
        popup_fields=["label", "flight_km", "note"],
    )
    _html.add_geojson_layer(
        m,
        layer("entry_point"),
        name="Entry points (time to image)",
        style={"color": "#000000", "fillColor": "#f1c40f", "fillOpacity": 0.9, "radius": 7},
        popup_fields=[
            "label",
            "osa",
            "earliest_imaging_utc",
            "hours_to_image",
            "fits_one_flight",
            "flight_km",
            "budget_km",
            "inside_window",
            "notes",
        ],
        tooltip_fields=["label"],
    )
    _html.add_geojson_layer(
        m,
        layer("home_base"),
        name="Home base",
        style={"color": "#000000", "fillColor": "#7f8c8d", "fillOpacity": 0.9, "radius": 5},
        tooltip_fields=["label"],
        fit=False,
    )
    _html.add_legend(
        m,
        [
            ("exercise area", "#e74c3c"),
            ("route from Kubinka (estimate)", "#2c7fb8"),
            ("route from other entry points (estimate)", "#31a354"),
            ("entry point", "#f1c40f"),
        ],
        title="Exercise observation",
    )
    _html.add_layer_control(m, collapsed=True)
    import html as htmllib

    sentences = "".join(
        f'<p>{htmllib.escape(t)} <a class="os-evidence" href="#{a}">(evidence)</a></p>'
        for t, a in answer(res)
    )
    _html.add_html_section(m, sentences, title="The answer", section_id="answer", above_map=True)
    chart = _hours_chart_svg(res)
    if chart is not None:
        _html.add_html_section(
            m,
            f'<figure class="os-figure" id="fig-time">{chart}<figcaption>Hours from the trigger '
            "to the first imaging of the area; the map below shows the area and the estimated "
            "routes.</figcaption></figure>",
            title="Key figures",
            section_id="figures",
            above_map=True,
        )
    obl = res["obligations"]
    _html.add_html_section(
        m,
        _html.html_table(
            list(_OBL_COLS.values()),
            [[_cell(r[c]) for c in _OBL_COLS] for r in obl.to_dict("records")],
        ),
        title="CSBM obligations per regime",
        section_id="tab-obligations",
    )
    _html.add_html_section(
        m,
        _html.html_table(
            list(_SUM_COLS.values()),
            [[_cell(r[c]) for c in _SUM_COLS] for r in res["summary"].to_dict("records")],
        ),
        title="Time to image",
        section_id="tab-time",
    )
    for _ep, grp in res["steps"].groupby("entry_point", sort=False):
        _html.add_html_section(
            m,
            _html.html_table(
                list(_STEP_COLS.values()),
                [[_cell(r[c]) for c in _STEP_COLS] for r in grp.to_dict("records")],
            ),
            title=f"Timeline: {grp['label'].iloc[0]}",
        )
    return _html.render_offline(m, title=f"Exercise observation: {res['exercise'].name}")


def render(cfg: ExerciseConfig, config_path: Path) -> dict[str, bytes]:
    """Compute everything and return the output files as bytes, by file name."""
    res = dict(run(cfg, config_path))
    res["home_base"] = cfg.time_to_image.home_base
    feats = _features(res)
    files = {
        OUTPUTS["report"]: _report_md(cfg, res).encode("utf-8"),
        OUTPUTS["obligations"]: _csv(res["obligations"]),
        OUTPUTS["summary"]: _csv(res["summary"]),
        OUTPUTS["steps"]: _csv(res["steps"]),
        OUTPUTS["sensitivity"]: _csv(res["sensitivity"]),
        OUTPUTS["geojson"]: _geojson(feats),
    }
    page = _html(cfg, res, feats)
    if page is not None:
        files[OUTPUTS["html"]] = page.encode("utf-8")
    return files
