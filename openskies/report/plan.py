"""The plan report: one flight plan's HTML map page and static PNG map.

Coordinates are (lon, lat) degrees WGS84; lengths km.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from .. import _geodata, geodesy, refuel
from ..flightplan import FlightPlan
from . import _leaflet as _html
from ._layers import (
    PALETTE,
    _display_bounds,
    airfield_layer,
    base_layers,
    footprint_layer,
    plan_layers,
    targets_layer,
)

logger = logging.getLogger(__name__)


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
    fuel = refuel.check(plan)
    stops = [s for s in plan.stops if s.kind == "refuel"]
    rows += [
        ("Usable range (km, range less reserve)", round(fuel.usable_range_km, 1)),
        (
            "Refuelling stops",
            ", ".join(f"{plan.waypoint_labels[s.waypoint]} ({s.duration_h:g} h)" for s in stops)
            or "none",
        ),
        ("Stretches between refuellings (km)", ", ".join(f"{x:,.1f}" for x in fuel.stretches_km)),
        ("Mission (h, of the 96-hour period)", round(fuel.mission_h, 2)),
        ("Feasible (range and 96-hour period)", "yes" if fuel.feasible else f"no: {fuel.reason}"),
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
    codes = [plan.start, plan.end] + [plan.waypoints[s.waypoint].name for s in plan.stops]
    airfield_layer(m, [plan.regime.airfield(c) for c in dict.fromkeys(codes) if c in plan.regime])
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
