"""One scenario's evaluation, shared by the study and the ranking: every metric defined once.

A scenario is one candidate entry airfield x budget (:class:`_Scenario`); :func:`_evaluate`
computes all of :data:`METRICS` for it and one sensor. :mod:`openskies.study` (the comparison)
and :mod:`openskies.ranking` (the ranking of many candidates) both call it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from . import aircraft as _aircraft
from . import airfields as _airfields
from . import coverage, geodesy, refuel, routing, sensors, weather
from . import territory as _territory
from ._errors import InfeasibleError

logger = logging.getLogger(__name__)

__all__ = ["METRICS"]


#: Metric name -> (unit, short definition). Full definitions: docs/methodology.md.
METRICS: dict[str, tuple[str, str]] = {
    "budget_km": ("km", "maximum flight distance of the candidate OSA in this scenario"),
    "transit_nearest_km": (
        "km",
        "geodesic distance from the airfield to the nearest point of the territory (0 inside)",
    ),
    "transit_mean_km": (
        "km",
        "area-weighted mean geodesic distance from the airfield to the "
        "territory (equal-area reach cells)",
    ),
    "transit_farthest_km": ("km", "geodesic distance to the farthest point of the territory"),
    "km_outside_target_per_flight": (
        "km",
        "geodesic km of counted legs flown outside the target territory, mean over the "
        "full-coverage flights (replaces the transit lower bound 2 x nearest)",
    ),
    "treaty_transit_km_per_flight": (
        "km",
        "uncounted km per observation flight between the point of entry and the OSA it "
        "starts from, there and back (0 when they are the same airfield)",
    ),
    "poe_to_osa_hours": (
        "h",
        "point of entry -> starting OSA at the aircraft's cruise speed (Annex E para 1)",
    ),
    "five_hour_ok": ("bool", "1 if poe_to_osa_hours <= 5 h (Annex E para 1)"),
    "annex_e_ok": (
        "bool",
        "1 if the option satisfies Annex E para 5(A) (35 % rule) at this Minsk distance",
    ),
    "min_budget_annex_e_km": (
        "km",
        "smallest Minsk distance Annex E para 5(A) allows in this option",
    ),
    "observer_quota_flights_per_year": (
        "flights",
        "most observation flights a year the observer may conduct over the observed party "
        "(Art. III Sec. I para 10)",
    ),
    "years_of_observer_quota_100pct": (
        "years",
        "flights_100pct / observer_quota_flights_per_year",
    ),
    "budget_share_over_territory": (
        "fraction",
        "share of the best single flight's counted distance flown over the territory",
    ),
    "reach_fraction": (
        "fraction",
        "share of the territory whose cells one flight can reach "
        "and image (upper bound, reach model)",
    ),
    "best_flight_area_km2": ("km2", "area of the territory imaged by the best single flight"),
    "best_flight_area_fine_km2": (
        "km2",
        "part of best_flight_area_km2 imaged at a ground resolution of 0.5 m or finer "
        "(openskies.sensors.Sensor.resolution_widths_km at the flying height)",
    ),
    "best_flight_area_medium_km2": (
        "km2",
        "part of best_flight_area_km2 imaged at a ground resolution coarser than 0.5 m, up to 1 m",
    ),
    "best_flight_area_coarse_km2": (
        "km2",
        "part of best_flight_area_km2 imaged at a ground resolution coarser than 1 m",
    ),
    "best_flight_fraction": ("fraction", "share of the territory imaged by the best single flight"),
    "flights_50pct": ("flights", "flights needed to image 50 % of the territory"),
    "flights_90pct": ("flights", "flights needed to image 90 % of the territory"),
    "flights_100pct": (
        "flights",
        "flights needed to image the whole territory (full-coverage plan)",
    ),
    "flights_100pct_quota_share": ("fraction", "flights_100pct / the group's annual passive quota"),
    "flights_lower_bound": (
        "flights",
        "proved lower bound on flights_100pct (coverage.plan_full_coverage; added_osa: lane km "
        "/ the larger capacity of the two airfields, valid for any mix)",
    ),
    "full_coverage_fraction": ("fraction", "share of the territory the full-coverage plan images"),
    "sites_total": ("sites", "bundled sites of interest in the territory"),
    "sites_observed_best_route": ("sites", "sites the most valuable single route observes"),
    "sites_value_observed": ("value", "total value of those sites"),
    "flights_all_sites": ("flights", "flights needed to observe every observable site"),
    "sites_not_observable": (
        "sites",
        "sites no single flight can observe with this sensor and budget (excluded from "
        "flights_all_sites)",
    ),
    "flight_hours_best_flight": ("h", "flight time of the best single flight"),
    "refuel_stops_best_flight": (
        "stops",
        "refuelling stops the best single flight needs with the aircraft's usable range (range "
        "less reserve), placed exactly by openskies.refuel.plan_refuelling at airfields the "
        "regime allows; blank when no placement works (best_flight_feasible = 0); stop times "
        "are not added to mission_hours",
    ),
    "best_flight_feasible": (
        "bool",
        "1 if the best single flight can be flown: every stretch between refuellings within "
        "the usable range, the 96-hour window and the maximum flight distance (detours "
        "included) kept (openskies.refuel.plan_refuelling)",
    ),
    "mission_hours": ("h", "pre-flight time + flight time of the best single flight"),
    "fits_96h_window": ("bool", "1 if the mission fits the 96-hour window (Art. VI Sec. I para 9)"),
    "altitude_agl_m": (
        "m",
        "height above ground the sensor is flown at on the study's aircraft "
        "(openskies.sensors.Sensor.operating_height_m)",
    ),
    "swath_km": ("km", "swath width at that height (2 H tan(FOV / 2); a radar's own swath)"),
    "imageable": (
        "bool",
        "1 if the sensor can image the whole territory in the month: for optical and video "
        "sensors every point of it has the sun at or above the study's threshold on the "
        "month's representative day; year rows: in some month",
    ),
    "expected_flights_100pct": (
        "flights",
        "expected quota flights (mission windows) for full coverage with the weather: "
        "flights_100pct / q, q the chance that a window has a usable day (openskies.weather; "
        "year rows: the year-average q; radar: q = 1)",
    ),
    "expected_calendar_days_100pct": (
        "days",
        "expected calendar time for full coverage: expected_flights_100pct windows one after "
        "another, each window's start 5 days after the last (the 96-hour window plus the 24 "
        "hours allowed for departure; openskies.weather.DEFAULT_SPACING_DAYS)",
    ),
}

#: Metrics of a study's months and weather (:func:`_season`), not of one evaluation.
MONTH_METRICS: frozenset[str] = frozenset(
    {"imageable", "expected_flights_100pct", "expected_calendar_days_100pct"}
)

#: Metrics that need imaging: blank in a month without it (``imageable`` = 0).
IMAGING_METRICS: frozenset[str] = frozenset(
    {
        "km_outside_target_per_flight",
        "budget_share_over_territory",
        "reach_fraction",
        "best_flight_area_km2",
        "best_flight_area_fine_km2",
        "best_flight_area_medium_km2",
        "best_flight_area_coarse_km2",
        "best_flight_fraction",
        "flights_50pct",
        "flights_90pct",
        "flights_100pct",
        "flights_100pct_quota_share",
        "flights_lower_bound",
        "full_coverage_fraction",
        "sites_observed_best_route",
        "sites_value_observed",
        "flights_all_sites",
        "sites_not_observable",
        "flight_hours_best_flight",
        "refuel_stops_best_flight",
        "best_flight_feasible",
        "mission_hours",
        "fits_96h_window",
        "years_of_observer_quota_100pct",
        "expected_flights_100pct",
        "expected_calendar_days_100pct",
    }
)

#: Sensor kinds that need daylight (the sun at or above the threshold) to image.
DAYLIGHT_KINDS = ("optical", "video")
#: Sensor kinds that need a cloud-free line of sight (the weather model applies).
CLEAR_SKY_KINDS = ("optical", "video", "ir")


def _farthest_km(geometry: BaseGeometry, lon: float, lat: float) -> float:
    xy = shapely.get_coordinates(geometry.boundary)
    d = geodesy.distance_km(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    return float(np.max(d))


def _length_inside_km(plan: Any, geometry: BaseGeometry) -> float:
    """Geodesic length (km) of a plan's counted legs inside ``geometry`` (2 km pieces)."""
    total = 0.0
    legs = plan.legs
    shapely.prepare(geometry)
    for geom, transit in zip(legs.geometry, legs["transit"], strict=True):
        if transit:
            continue
        for part in getattr(geom, "geoms", [geom]):
            xy = geodesy.densify_coords(np.asarray(part.coords), 2.0)
            xy[:, 0] = geodesy.normalize_lon(xy[:, 0])
            mid_x = geodesy.normalize_lon(
                xy[:-1, 0] + geodesy.normalize_lon(xy[1:, 0] - xy[:-1, 0]) / 2.0
            )
            mid_y = (xy[:-1, 1] + xy[1:, 1]) / 2.0
            inside = shapely.contains_xy(geometry, mid_x, mid_y)
            if inside.any():
                _, _, d = geodesy.GEOD.inv(xy[:-1, 0], xy[:-1, 1], xy[1:, 0], xy[1:, 1])
                total += float(np.sum(np.asarray(d)[inside])) / 1000.0
    return total


def _flights_for(fractions: Sequence[float], share: float) -> float:
    for k, f in enumerate(fractions, start=1):
        if f >= share - 1e-9:
            return float(k)
    return float("nan")


@dataclass
class _Scenario:
    icao: str
    budget_km: float
    regime: _airfields.Regime
    hypothetical: bool


def _site_metrics(
    terr: _territory.Territory,
    sites: gpd.GeoDataFrame | None,
    sc: _Scenario,
    sensor: str,
    *,
    time_limit_s: float,
    seed: int,
    aircraft: Any,
) -> tuple[dict[str, float], Any]:
    if sites is None or len(sites) == 0:
        return {}, None

    def best_route(targets: gpd.GeoDataFrame) -> Any:
        return routing.plan_route(
            terr,
            targets,
            start=sc.icao,
            sensor=sensor,
            regime=sc.regime,
            budget_km=sc.budget_km,
            time_limit_s=time_limit_s,
            seed=seed,
            aircraft=aircraft,
        )

    plan = best_route(sites)
    route = plan.route
    unobservable = {
        s.index
        for s in route.skipped
        if not s.reason.startswith(("not worth", "unreachable within the budget"))
    }
    remaining = sites.drop(index=[*route.observed, *unobservable])
    flights = 1
    while len(remaining):
        p = best_route(remaining)
        if not p.route.observed:  # none of the rest fits one flight: not observable here
            unobservable |= set(remaining.index)
            break
        flights += 1
        remaining = remaining.drop(index=p.route.observed)
    return {
        "sites_total": float(len(sites)),
        "sites_observed_best_route": float(len(route.observed)),
        "sites_value_observed": float(route.value_observed),
        "flights_all_sites": float(flights),
        "sites_not_observable": float(len(unobservable)),
    }, plan


#: ``_evaluate(flights=PLAN_HERE)``: plan the full coverage inside the evaluation.
PLAN_HERE: Any = object()


def _evaluate(
    terr: _territory.Territory,
    sc: _Scenario,
    sensor_name: str | sensors.Sensor,
    *,
    overlap: float,
    reach_cells: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame | None,
    home_bases: Sequence[str],
    aircraft: Any,
    time_limit_s: float,
    seed: int,
    quota: float | None,
    flights: Any = PLAN_HERE,
) -> tuple[dict[str, float], dict[str, Any]]:
    """All metrics of one candidate x budget x sensor scenario.

    ``sensor_name`` is a preset name or a :class:`~openskies.sensors.Sensor`.
    ``flights`` is a full-coverage plan computed elsewhere (a
    :class:`~openskies.coverage.FlightSet`, or None when the area is out of
    reach), or :data:`PLAN_HERE` (default) to plan it here.
    """
    reg = sc.regime
    af = reg.airfield(sc.icao)
    sens = sensor_name if isinstance(sensor_name, sensors.Sensor) else sensors.preset(sensor_name)
    sensor_name = sens.name
    m: dict[str, float] = {"budget_km": sc.budget_km}
    if sens.height_agl_m is not None:
        m["altitude_agl_m"] = float(sens.height_agl_m)
    m["swath_km"] = float(sens.width_km)
    # 1. transit
    m["transit_nearest_km"] = float(
        reach_cells.attrs.get("nearest_km", terr.distance_to_km(af.lon, af.lat))
    )
    m["transit_farthest_km"] = float(
        reach_cells.attrs.get("farthest_km", _farthest_km(terr.geometry, af.lon, af.lat))
    )
    w = reach_cells["area_km2"].to_numpy()
    d = geodesy.distance_km(
        np.full(len(reach_cells), af.lon),
        np.full(len(reach_cells), af.lat),
        reach_cells["lon"].to_numpy(),
        reach_cells["lat"].to_numpy(),
    )
    m["transit_mean_km"] = float(np.sum(w * d) / np.sum(w))
    # 3. reach
    curve = coverage.reach_curve(
        terr,
        sc.icao,
        budgets_km=[sc.budget_km],
        sensor=sens,
        regime=reg,
        cells=_reach_for_sensor(reach_cells, sens, reg, af),
    )
    m["reach_fraction"] = float(curve["fraction"].iloc[0])
    # 4-5. coverage
    extras: dict[str, Any] = {}
    fs = _full_coverage(terr, sc, sens, overlap) if flights is PLAN_HERE else flights
    area = terr.area_km2
    if fs is not None and len(fs):
        singles = [coverage.coverage(f, terr).covered_km2 for f in fs.footprints]
        order = np.argsort(singles)[::-1]
        cum, fractions = None, []
        for k in order:
            cum = fs.footprints[k] if cum is None else shapely.union(cum, fs.footprints[k])
            fractions.append(coverage.coverage(cum, terr).fraction)
        best = int(order[0])
        best_plan = fs[best]
        m["best_flight_area_km2"] = float(singles[best])
        m.update(_area_by_resolution(best_plan, sens, terr, float(singles[best])))
        m["best_flight_fraction"] = float(singles[best] / area)
        m["budget_share_over_territory"] = (
            _length_inside_km(best_plan, terr.geometry) / best_plan.length_km
        )
        m["flights_50pct"] = _flights_for(fractions, 0.5)
        m["flights_90pct"] = _flights_for(fractions, 0.9)
        m["flights_100pct"] = float(len(fs))
        m["flights_lower_bound"] = float(fs.summary.flights_lower_bound)
        m["km_outside_target_per_flight"] = _km_outside_per_flight(fs, terr.geometry)
        m["full_coverage_fraction"] = float(fs.summary.covered_fraction)
        if quota:
            m["flights_100pct_quota_share"] = m["flights_100pct"] / quota
        # times with the study's aircraft (the coverage plans carry the default preset)
        ac_ = _aircraft.as_aircraft(aircraft)
        hours = best_plan.geodesic_length_km / ac_.cruise_speed_kmh
        m["flight_hours_best_flight"] = float(hours)
        refuelled = _refuelled(best_plan, ac_)
        m["refuel_stops_best_flight"] = (
            float(len(refuelled.stops)) if refuelled.feasible else math.nan
        )
        m["best_flight_feasible"] = float(refuelled.feasible)
        extras["best_refuel"] = refuelled
        m["mission_hours"] = float(best_plan.preflight_h + hours)
        window = float(reg.parameter("timing", "observation_window"))
        m["fits_96h_window"] = float(m["mission_hours"] <= window)
        extras.update(best_plan=best_plan, best_footprint=fs.footprints[best], flights=list(fs))
    # 6. sites
    site_m, site_plan = _site_metrics(
        terr, sites, sc, sensor_name, time_limit_s=time_limit_s, seed=seed, aircraft=aircraft
    )
    m.update(site_m)
    extras["site_plan"] = site_plan
    # 7. ferry
    ac = _aircraft.as_aircraft(aircraft)
    poe = _poe_for(reg, af)
    for hb in home_bases:
        h = reg.airfield(hb)
        km = 2.0 * float(geodesy.distance_km(h.lon, h.lat, poe.lon, poe.lat))
        m[f"ferry_km_{hb}"] = km
        m[f"ferry_hours_{hb}"] = km / ac.cruise_speed_kmh
    return m, extras


def _refuelled(plan: Any, aircraft: Any) -> Any:
    """The flight with its refuelling stops (:func:`openskies.refuel.plan_refuelling`)."""
    return refuel.plan_refuelling(plan, aircraft=_aircraft.as_aircraft(aircraft))


def _season(m: dict[str, float], *, imageable: bool, q: float | None) -> dict[str, float]:
    """``m`` with ``imageable`` and ``expected_flights_100pct``; imaging metrics blank if dark.

    ``q`` is the chance that a mission window has a usable day (None: the sensor sees
    through cloud, q = 1).
    """
    out = dict(m)
    out["imageable"] = float(imageable)
    if not imageable:
        for k in IMAGING_METRICS:
            if k in out:
                out[k] = math.nan
        out["expected_flights_100pct"] = math.nan
        out["expected_calendar_days_100pct"] = math.nan
        return out
    n = out.get("flights_100pct")
    if n is not None and math.isfinite(n):
        qq = 1.0 if q is None else float(q)
        out["expected_flights_100pct"] = n / qq if qq > 0 else math.inf
        out["expected_calendar_days_100pct"] = (
            out["expected_flights_100pct"] * weather.DEFAULT_SPACING_DAYS
        )
    return out


def _area_by_resolution(
    plan: Any, sens: sensors.Sensor, terr: _territory.Territory, total_km2: float
) -> dict[str, float]:
    """The best flight's imaged area (km², geodesic) per ground-resolution class.

    The class ``<= b`` of a panoramic camera or line scanner is a centred strip narrower
    than the swath (:meth:`~openskies.sensors.Sensor.resolution_widths_km`): its
    footprint along the same flight, clipped to the territory, is the area imaged at
    ``b`` or finer (where legs overlap, the finest wins). A frame camera or radar puts its
    whole swath in one class. A one-sided sensor with classes inside its strip is split
    in proportion to the widths (not exact at turns; no such preset exists).
    """
    height = sens.height_agl_m
    names = ("best_flight_area_fine_km2", "best_flight_area_medium_km2")
    if height is None:
        return {}
    widths = sens.resolution_widths_km(float(height), classes_m=sensors.RESOLUTION_CLASSES_M)
    swath = float(sens.width_km)
    upto, cum = [], 0.0
    for key in list(widths)[: len(names)]:
        cum += float(widths[key])
        if cum <= 1e-9 * swath:
            upto.append(0.0)
        elif cum >= swath * (1.0 - 1e-9):
            upto.append(total_km2)
        elif sens.side == "both":
            fp = coverage.footprint(plan, sens.with_swath(cum))
            upto.append(min(total_km2, float(coverage.coverage(fp, terr).covered_km2)))
        else:
            upto.append(total_km2 * cum / swath)
    fine, medium = upto[0], max(0.0, upto[1] - upto[0])
    return {
        names[0]: fine,
        names[1]: medium,
        "best_flight_area_coarse_km2": max(0.0, total_km2 - upto[1]),
    }


def _full_coverage(
    terr: _territory.Territory, sc: _Scenario, sens: sensors.Sensor, overlap: float
) -> Any:
    """The full-coverage plan of a scenario, or None when part of the area is out of reach."""
    try:
        return coverage.plan_full_coverage(
            terr,
            airfield=sc.icao,
            sensor=sens,
            budget_km=sc.budget_km,
            overlap=overlap,
            regime=sc.regime,
        )
    except InfeasibleError as exc:
        logger.warning("%s %g km %s: no full coverage: %s", sc.icao, sc.budget_km, sens.name, exc)
        return None


def _km_outside_per_flight(flights: Sequence[Any], geometry: BaseGeometry) -> float:
    """Mean over ``flights`` of the geodesic km of counted legs flown outside ``geometry``."""
    if not len(flights):
        return float("nan")
    out = [max(0.0, f.counted_geodesic_km - _length_inside_km(f, geometry)) for f in flights]
    return float(np.mean(out))


def _poe_for(reg: _airfields.Regime, af: _airfields.Airfield) -> _airfields.Airfield:
    """The point of entry serving an OSA: itself if it is a POE, else the nearest POE."""
    if "POE" in af.roles:
        return af
    poes = [a for a in reg.osas(af.group) if "POE" in a.roles] or [af]
    return min(poes, key=lambda a: geodesy.distance_km(a.lon, a.lat, af.lon, af.lat))


def _reach_for_sensor(
    cells: gpd.GeoDataFrame, sens: sensors.Sensor, reg: Any, af: Any
) -> gpd.GeoDataFrame:
    """Recompute round trips of a sensor-less reach grid for a sensor's reach."""
    r = float(sens.reach_km)
    out = cells.copy()
    out["round_trip_km"] = 2.0 * np.maximum(0.0, out["far_km"].to_numpy() - r)
    out.attrs = {**cells.attrs, "sensor_reach_km": r}
    return out


def _passive_quota(reg: _airfields.Regime, terr: _territory.Territory) -> float | None:
    passive = reg.parameters.get("quotas", {}).get("passive", {})
    for code in (
        *[
            g["code"]
            for g in reg.parameters.get("groups", [])
            if set(terr.members) <= set(g["members"])
        ],
        terr.code,
    ):
        entry = passive.get(code)
        if entry is not None:
            return float(entry["value"] if isinstance(entry, dict) else entry)
    return None
