"""Map layers shared by every report: palette, base map, airfields, targets, footprints, a plan.

Coordinates are (lon, lat) degrees WGS84; lengths km; areas geodesic km².
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from .. import _geodata, geodesy
from ..flightplan import FlightPlan
from . import _leaflet as _html

logger = logging.getLogger(__name__)


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
