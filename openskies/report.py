"""Self-contained HTML map reports (and static PNG maps) of plans, coverage and studies.

Every report is one HTML file that opens with no network: Leaflet and jQuery
are inlined, the bundled country polygons are the base map (no tiles unless
``online_tiles=True``), user text is escaped, and the same input gives the
same bytes. See :mod:`openskies._html` for the machinery.

Coordinates are (lon, lat) degrees WGS84; lengths km; areas geodesic km².
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from . import _geodata, _html, geodesy
from .flightplan import FlightPlan

logger = logging.getLogger(__name__)

__all__ = [
    "PALETTE",
    "base_layers",
    "plan_map",
    "plan_png",
    "write_plan_report",
]

#: Colours used across reports (colour-blind friendly, Okabe-Ito).
PALETTE = {
    "route": "#D55E00",
    "route_alt": "#0072B2",
    "transit": "#999999",
    "footprint": "#E69F00",
    "territory": "#009E73",
    "observed": "#009E73",
    "skipped": "#CC79A7",
    "airfield": "#000000",
    "hypothetical": "#CC79A7",
    "waypoint": "#56B4E9",
    "countries": "#D9D9D9",
}

#: Display simplification of country outlines (degrees, ~1 km) and coordinate precision.
BASE_SIMPLIFY_DEG = 0.01
DISPLAY_PRECISION = 4


def _display_bounds(geoms: Sequence[BaseGeometry], pad_deg: float = 1.0) -> tuple:
    u = shapely.union_all([g for g in geoms if g is not None and not g.is_empty])
    xmin, ymin, xmax, ymax = u.bounds
    return (xmin - pad_deg, max(-89.0, ymin - pad_deg), xmax + pad_deg, min(89.0, ymax + pad_deg))


def base_layers(
    m: Any, bounds: tuple[float, float, float, float], *, territory: Any = None
) -> None:
    """Add the bundled country polygons (the base map) and the observed territory outline."""
    window = box(*bounds)
    land = _geodata.countries("land")
    near = land[land.intersects(window)].copy()
    near["geometry"] = near.geometry.intersection(window)
    _html.add_geojson_layer(
        m,
        near[["name", "geometry"]],
        name="Countries",
        style={
            "color": "#888888",
            "weight": 0.6,
            "fillColor": PALETTE["countries"],
            "fillOpacity": 0.6,
        },
        tooltip_fields={"name": "Country"},
        simplify_tolerance_deg=BASE_SIMPLIFY_DEG,
        precision=DISPLAY_PRECISION,
        fit=False,
    )
    if territory is not None:
        outline = gpd.GeoDataFrame(
            {"territory": [f"{territory.name} ({territory.code})"]},
            geometry=[territory.geometry.intersection(window)],
            crs="EPSG:4326",
        )
        _html.add_geojson_layer(
            m,
            outline,
            name=f"Observed territory {territory.code}",
            style={
                "color": PALETTE["territory"],
                "weight": 2,
                "fillOpacity": 0.05,
                "fillColor": PALETTE["territory"],
            },
            tooltip_fields={"territory": "Territory"},
            simplify_tolerance_deg=BASE_SIMPLIFY_DEG,
            precision=DISPLAY_PRECISION,
            fit=False,
        )


def plan_layers(
    m: Any, plan: FlightPlan, *, name: str = "Route", color: str | None = None, show: bool = True
) -> None:
    """Add a plan's legs (geodesic, split at the antimeridian) and waypoints as layers."""
    legs = plan.legs.copy()
    legs["length_km"] = legs["length_km"].round(1)
    legs["sensors"] = legs["sensors_on"].map({True: "on", False: "off"})
    legs["kind"] = legs["transit"].map({True: "transit (not counted)", False: "observation"})
    col = color or PALETTE["route"]
    _html.add_geojson_layer(
        m,
        legs[
            ["leg", "from_name", "to_name", "length_km", "sensors", "kind", "transit", "geometry"]
        ],
        name=f"{name}: legs",
        show=show,
        style=lambda p: (
            {"color": PALETTE["transit"], "weight": 3, "dashArray": "6 4"}
            if p.get("transit")
            else {"color": col, "weight": 3}
        ),
        popup_fields={
            "leg": "Leg",
            "from_name": "From",
            "to_name": "To",
            "length_km": "Geodesic km",
            "sensors": "Sensors",
            "kind": "Kind",
        },
        tooltip_fields={"leg": "Leg", "length_km": "km"},
        precision=DISPLAY_PRECISION,
    )
    wps = gpd.GeoDataFrame(
        {
            "index": list(range(len(plan.waypoints))),
            "name": [w.name or f"WP{i:02d}" for i, w in enumerate(plan.waypoints)],
            "position": [_dms(w.lon, w.lat) for w in plan.waypoints],
        },
        geometry=gpd.points_from_xy(
            [w.lon for w in plan.waypoints], [w.lat for w in plan.waypoints]
        ),
        crs="EPSG:4326",
    )
    named = wps[[bool(w.name) for w in plan.waypoints]]
    _html.add_geojson_layer(
        m,
        named,
        name=f"{name}: waypoints",
        show=show,
        style={
            "color": "#333333",
            "fillColor": PALETTE["waypoint"],
            "radius": 4,
            "weight": 1,
            "fillOpacity": 0.9,
        },
        popup_fields={"index": "Waypoint", "name": "Name", "position": "Position (treaty DMS)"},
        tooltip_fields={"name": "Name"},
        precision=DISPLAY_PRECISION,
    )


def _dms(lon: float, lat: float) -> str:
    def part(v: float, pos: str, neg: str, width: int) -> str:
        h = pos if v >= 0 else neg
        total = round(abs(v) * 3600)
        d, rem = divmod(total, 3600)
        mnt, sec = divmod(rem, 60)
        return f"{h}{d:0{width}d}-{mnt:02d}-{sec:02d}"

    return f"{part(lat, 'N', 'S', 2)} {part(lon, 'E', 'W', 3)}"


def airfield_layer(m: Any, airfields: Sequence[Any], *, name: str = "Airfields") -> None:
    """Add airfields as markers; hypothetical designations are labelled and coloured."""
    rows = [
        {
            "icao": a.icao,
            "name": a.label,
            "roles": ", ".join(a.roles),
            "budget_km": a.max_flight_distance_km,
            "status": "hypothetical" if a.hypothetical else "designated",
            "lon": a.lon,
            "lat": a.lat,
        }
        for a in airfields
    ]
    gdf = gpd.GeoDataFrame(
        rows,
        geometry=gpd.points_from_xy([r["lon"] for r in rows], [r["lat"] for r in rows]),
        crs="EPSG:4326",
    )
    _html.add_geojson_layer(
        m,
        gdf.drop(columns=["lon", "lat"]),
        name=name,
        style=lambda p: {
            "color": "#000000",
            "weight": 2,
            "radius": 7,
            "fillOpacity": 1.0,
            "fillColor": PALETTE["hypothetical"]
            if p.get("status") == "hypothetical"
            else "#FFFFFF",
        },
        popup_fields={
            "name": "Airfield",
            "roles": "Roles",
            "budget_km": "Max flight distance km",
            "status": "Status",
        },
        tooltip_fields={"name": "Airfield"},
        precision=DISPLAY_PRECISION,
    )


def targets_layer(m: Any, targets: gpd.GeoDataFrame, observed: Sequence[Any]) -> None:
    """Add targets, coloured by whether the route observes them."""
    t = targets.copy()
    t["status"] = ["observed" if i in set(observed) else "skipped" for i in t.index]
    cols = [
        c for c in ("name", "kind", "value", "position_uncertainty_km", "status") if c in t.columns
    ]
    _html.add_geojson_layer(
        m,
        t[[*cols, "geometry"]],
        name="Targets",
        style=lambda p: {
            "color": "#333333",
            "weight": 1,
            "radius": 6,
            "fillOpacity": 0.9,
            "fillColor": PALETTE["observed"]
            if p.get("status") == "observed"
            else PALETTE["skipped"],
        },
        popup_fields={c: c.replace("_", " ").capitalize() for c in cols},
        tooltip_fields={"name": "Target"} if "name" in cols else None,
        precision=DISPLAY_PRECISION,
    )


def footprint_layer(
    m: Any,
    footprint: BaseGeometry,
    *,
    name: str = "Sensor footprint",
    color: str | None = None,
    show: bool = True,
) -> None:
    """Add an imaged area (lon, lat) with its geodesic area in the popup."""
    gdf = gpd.GeoDataFrame(
        {"area_km2": [round(geodesy.area_km2(footprint), 0)]},
        geometry=[footprint],
        crs="EPSG:4326",
    )
    col = color or PALETTE["footprint"]
    _html.add_geojson_layer(
        m,
        gdf,
        name=name,
        show=show,
        style={"color": col, "weight": 0.5, "fillColor": col, "fillOpacity": 0.3},
        popup_fields={"area_km2": "Imaged area km² (geodesic)"},
        simplify_tolerance_deg=0.002,
        precision=DISPLAY_PRECISION,
        fit=False,
    )


def plan_summary_rows(plan: FlightPlan) -> list[tuple[str, Any]]:
    """Key figures of a plan for tables: (label, value) pairs."""
    start = plan.regime.airfield(plan.start)
    end = plan.regime.airfield(plan.end)
    rows: list[tuple[str, Any]] = [
        ("Plan", plan.name),
        ("Start", start.label),
        ("End", end.label),
        ("Observed territory", plan.territory.code),
        ("Maximum flight distance (km)", round(plan.budget_km, 1)),
        ("Counted distance incl. turn margin (km)", round(plan.length_km, 1)),
        ("Slack (km)", round(plan.budget_km - plan.length_km, 1)),
        ("Turn margin (assumption)", f"{plan.turn_margin:.0%}"),
        ("Duration (h)", round(plan.duration_h, 2)),
    ]
    for region, km in plan.length_by_region_km.items():
        rows.append((f"Distance over {region} (km)", round(km, 1)))
    route = getattr(plan, "route", None)
    if route is not None:
        rows += [
            (
                "Targets observed",
                f"{len(route.observed)} of {len(route.observed) + len(route.skipped)}",
            ),
            ("Value observed", f"{route.value_observed:g} of {route.value_total:g}"),
        ]
    return rows


def plan_map(
    plan: FlightPlan,
    *,
    targets: gpd.GeoDataFrame | None = None,
    footprint: BaseGeometry | None = None,
    title: str | None = None,
    online_tiles: bool = False,
) -> str:
    """Build the HTML report of a plan (a self-contained page, returned as a string).

    Parameters
    ----------
    plan : FlightPlan
        The plan to draw (legs as geodesics, split at the antimeridian).
    targets : GeoDataFrame, optional
        Targets to draw, coloured by ``plan.route.observed`` when the plan came
        from :func:`openskies.routing.plan_route`.
    footprint : shapely geometry, optional
        Imaged area (lon, lat) to draw.
    title : str, optional
        Page title (escaped).
    online_tiles : bool
        Opt in to OpenStreetMap tiles (needs the network; attribution shown).
    """
    path = plan.path_densified(10.0)
    bounds = _display_bounds([geodesy.split_antimeridian(path)])
    m = _html.new_map(online_tiles=online_tiles)
    base_layers(m, bounds, territory=plan.territory)
    if footprint is not None and not footprint.is_empty:
        footprint_layer(m, footprint)
    plan_layers(m, plan)
    airfield_layer(m, [plan.regime.airfield(c) for c in dict.fromkeys((plan.start, plan.end))])
    if targets is not None and len(targets):
        observed = getattr(getattr(plan, "route", None), "observed", [])
        targets_layer(m, targets, observed)
    items = [
        ("Observation leg", PALETTE["route"]),
        ("Transit leg (not counted)", PALETTE["transit"]),
        ("Waypoint", PALETTE["waypoint"]),
        ("Observed territory", PALETTE["territory"]),
    ]
    if footprint is not None:
        items.append(("Sensor footprint", PALETTE["footprint"]))
    if targets is not None:
        items += [("Target observed", PALETTE["observed"]), ("Target skipped", PALETTE["skipped"])]
    if any(plan.regime.airfield(c).hypothetical for c in (plan.start, plan.end)):
        items.append(("Hypothetical airfield", PALETTE["hypothetical"]))
    _html.add_legend(m, items, title="Legend")
    _html.add_layer_control(m)
    _html.add_html_section(
        m, _html.html_table(["Figure", "Value"], plan_summary_rows(plan)), title="Plan summary"
    )
    violations = plan.validate()
    _html.add_html_section(
        m,
        _html.html_table(["Rule", "Message"], [(v.rule, v.message) for v in violations])
        if violations
        else "<p>No violation: the plan is legal under the checked rules.</p>",
        title="Legality check",
    )
    route = getattr(plan, "route", None)
    if route is not None and route.skipped:
        _html.add_html_section(
            m,
            _html.html_table(
                ["Target", "Value", "Reason"], [(s.name, s.value, s.reason) for s in route.skipped]
            ),
            title="Skipped targets",
        )
    return _html.render_offline(m, title=title or plan.name or "openskies flight plan")


def write_plan_report(plan: FlightPlan, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`plan_map` to ``path`` atomically; returns the path."""
    return _html.write_html(plan_map(plan, **kwargs), path)


def plan_png(
    plan: FlightPlan,
    path: str | Path,
    *,
    targets: gpd.GeoDataFrame | None = None,
    footprint: BaseGeometry | None = None,
    title: str | None = None,
) -> Path:
    """Static PNG map of a plan (matplotlib), for documents."""
    path_geom = geodesy.split_antimeridian(plan.path_densified(10.0))
    bounds = _display_bounds([path_geom])
    window = box(*bounds)
    land = _geodata.countries("land")
    near = land[land.intersects(window)].copy()
    near["geometry"] = near.geometry.intersection(window)
    layers: list[Any] = [
        (near, {"facecolor": PALETTE["countries"], "edgecolor": "#888888", "linewidth": 0.5})
    ]
    if footprint is not None and not footprint.is_empty:
        layers.append(
            (
                gpd.GeoDataFrame(geometry=[footprint], crs="EPSG:4326"),
                {"facecolor": PALETTE["footprint"], "alpha": 0.4, "label": "Footprint"},
            )
        )
    layers.append(
        (
            gpd.GeoDataFrame(geometry=[path_geom], crs="EPSG:4326"),
            {"color": PALETTE["route"], "linewidth": 1.5, "label": "Route"},
        )
    )
    if targets is not None and len(targets):
        layers.append(
            (targets, {"color": PALETTE["observed"], "markersize": 12, "label": "Targets"})
        )
    return _html.save_static_png(layers, path, title=title or plan.name, bounds=bounds)


def metrics_table_html(df: pd.DataFrame, *, caption: str | None = None) -> str:
    """Escaped HTML table of a DataFrame (index dropped)."""
    return _html.html_table(list(map(str, df.columns)), df.itertuples(index=False), caption=caption)


# --------------------------------------------------------------------------- study report


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

    A layer per candidate (airfield, best single flight and its footprint,
    full-coverage flights, reach heat map) for the first budget of each
    candidate and each sensor, the sites, a legend and layer control, the
    findings, the metrics tables, a chart of the reach curves and a methods
    section listing every assumption with its source.
    """
    from . import data

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
        ("Reach: short round trip", _ramp(0.0)),
        ("Reach: long round trip", _ramp(1.0)),
    ]
    _html.add_legend(m, legend, title="Legend")
    _html.add_layer_control(m, collapsed=True)
    findings = "".join(f"<li>{_esc(f)}</li>" for f in study.findings())
    _html.add_html_section(m, f"<ul>{findings}</ul>", title="Findings")
    for s in p["sensors"]:
        w = study.wide()
        cols = [c for c in w.columns if c.endswith(f" {s}")]
        t = w[cols].reset_index()
        rows = [[r[0], r[1], *[_fmt(v) for v in r[2:]]] for r in t.itertuples(index=False)]
        _html.add_html_section(
            m, _html.html_table(["metric", "unit", *cols], rows), title=f"Metrics: {s}"
        )
    deltas = study.metrics[~study.metrics["status_quo"]][
        ["icao", "budget_km", "sensor", "metric", "value", "delta_abs", "delta_rel"]
    ]
    _html.add_html_section(
        m,
        _html.html_table(
            list(deltas.columns),
            [[*r[:4], _fmt(r[4]), _fmt(r[5]), _fmt(r[6])] for r in deltas.itertuples(index=False)],
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


def _ramp(x: float) -> str:
    """Colour ramp from sky blue (0) through yellow to purple (1) (Okabe-Ito colours)."""
    stops = [(0.0, (86, 180, 233)), (0.5, (240, 228, 66)), (1.0, (204, 121, 167))]
    x = min(1.0, max(0.0, float(x) if x == x else 0.0))
    for (x0, c0), (x1, c1) in itertools.pairwise(stops):
        if x <= x1:
            f = (x - x0) / (x1 - x0)
            r, g, b = (round(a + (bb - a) * f) for a, bb in zip(c0, c1, strict=True))
            return f"#{r:02X}{g:02X}{b:02X}"
    return "#CC79A7"


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        if v != v:
            return ""
        return round(v, 4) if abs(v) < 10 else round(v, 1)
    return v


def _esc(text: str) -> str:
    import html

    return html.escape(text)


# --------------------------------------------------------------------------- coverage report


def coverage_map(flights: Any, *, title: str | None = None, online_tiles: bool = False) -> str:
    """Build the HTML report of a full-coverage flight set (:func:`coverage.plan_full_coverage`).

    Parameters
    ----------
    flights : FlightSet
        The flights, with ``.summary``, ``.footprints`` and ``.coverage``.
    title : str, optional
        Page title (escaped).
    online_tiles : bool
        Opt in to OpenStreetMap tiles (needs the network; attribution shown).
    """
    if not len(flights):
        msg = "the flight set is empty: nothing to draw"
        raise ValueError(msg)
    first = flights[0]
    summary = flights.summary
    paths = [geodesy.split_antimeridian(f.path_densified(10.0)) for f in flights]
    bounds = _display_bounds(paths)
    m = _html.new_map(online_tiles=online_tiles)
    base_layers(m, bounds, territory=first.territory)
    footprint_layer(m, flights.footprint, name="Imaged area (all flights)")
    cols = [PALETTE["route"], PALETTE["route_alt"], PALETTE["observed"], PALETTE["skipped"]]
    rows = []
    for k, (f, geom) in enumerate(zip(flights, paths, strict=True), start=1):
        rows.append(
            {
                "flight": k,
                "length_km": round(f.length_km, 1),
                "hours": round(f.duration_h, 2),
                "geometry": geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    _html.add_geojson_layer(
        m,
        gdf,
        name=f"Flights ({len(flights)})",
        style=lambda pr: {"color": cols[(int(pr.get("flight", 1)) - 1) % len(cols)], "weight": 2},
        popup_fields={"flight": "Flight", "length_km": "Counted km", "hours": "Hours"},
        tooltip_fields={"flight": "Flight"},
        precision=DISPLAY_PRECISION,
    )
    airfield_layer(m, [first.regime.airfield(first.start)])
    _html.add_legend(
        m,
        [
            ("Flights", PALETTE["route"]),
            ("Imaged area", PALETTE["footprint"]),
            ("Observed territory", PALETTE["territory"]),
        ],
        title="Legend",
    )
    _html.add_layer_control(m)
    table = [
        (k, round(v, 4) if isinstance(v, float) else v)
        for k, v in summary.as_dict().items()
        if k != "runtime_s"  # a timing: the same flights give the same page
    ]
    _html.add_html_section(
        m, _html.html_table(["Figure", "Value"], table), title="Full-coverage plan"
    )
    by_region = flights.coverage.by_region.reset_index()
    _html.add_html_section(m, metrics_table_html(by_region.round(4)), title="Coverage by region")
    return _html.render_offline(
        m, title=title or f"openskies coverage of {summary.area_code} from {summary.airfield}"
    )


def write_coverage_report(flights: Any, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`coverage_map` to ``path`` atomically."""
    return _html.write_html(coverage_map(flights, **kwargs), path)


def study_png(study: Any, path: str | Path, *, sensor: str | None = None) -> Path:
    """Static PNG map of a study (matplotlib), for documents.

    The territory, each candidate's best single flight and footprint (first budget, the
    given or first sensor) and the airfields; hypothetical ones are labelled.
    """
    from . import data

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
