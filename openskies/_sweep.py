"""The five legal options of a Minsk point of entry, swept: units of work, break-even, sensitivity.

:func:`openskies.study.compare_entry_points` with ``scenarios=`` runs here. The options
(:mod:`openskies._entry_options`: ``status_quo``, ``poe_only``, ``added_osa``,
``replacement``, ``single_state``) share two kinds of flights, each planned once:

- **Kubinka's** at its own maximum flight distance (``status_quo``, ``poe_only`` and the
  Kubinka half of ``added_osa``), in the regime as it stood;
- **Minsk-only** flights at every Minsk distance of the grid (``replacement``,
  ``single_state`` and the Minsk half of ``added_osa``), planned within Belarus in the
  ``single_state`` regime: a flight that never leaves Belarus is legal in all three.

Units of work run on the executor of :mod:`openskies._parallel` (this process, local
processes or Dask), in two phases:

1. the flights and every metric of Kubinka and of each Minsk distance of the grid (one task
   for Kubinka, one per Minsk distance, the costliest first; in this process one task for
   the whole grid), all sensors of a unit together, so that a wider strip never needs
   more flights than a narrower one (:func:`openskies.coverage.combine_sensor_plans`);
2. the break-even distances (one task per sensor: the grid bracket refined by bisection,
   :func:`openskies._entry_options.break_even_km`) and the sensitivity runs (one task per
   assumption setting and sensor).

A plan for a given budget does not depend on what else the process planned before
(:mod:`openskies._fleet`: the ladders do not depend on the budget), so the results do not
depend on the executor, the number of workers or the order of the units.

Coordinates are (lon, lat) degrees WGS84; distances km (WGS84 geodesics); areas geodesic km².
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from . import _entry_options as _eo
from . import _scenario, coverage, daylight, geodesy, io, sensors, weather
from . import aircraft as _aircraft
from . import airfields as _airfields
from . import territory as _territory
from ._errors import OpenSkiesError, UnknownCodeError
from ._parallel import _cpu_count, _execute, _Progress
from ._scenario import METRICS, _Scenario

logger = logging.getLogger(__name__)

__all__ = [
    "BREAK_EVEN_COLUMNS",
    "BREAK_EVEN_METRICS",
    "DEFAULT_GRID_KM",
    "GRID_STEP_KM",
    "SENSITIVITY",
    "SENSITIVITY_COLUMNS",
]

#: Spacing of the default Minsk grid and of its extension for ``replacement`` (km).
GRID_STEP_KM = 500.0
#: Default grid of Minsk maximum flight distances (km): every 500 km from 500 to 5,500.
DEFAULT_GRID_KM = tuple(float(b) for b in range(500, 5501, 500))
#: Columns of ``break_even.csv`` (issue 14's output contract).
BREAK_EVEN_COLUMNS = ("scenario", "sensor", "metric", "break_even_km", "low_km", "high_km")
#: Metrics whose break-even is sought, with the better direction.
BREAK_EVEN_METRICS = {
    "flights_100pct": "lower",
    "best_flight_fraction": "higher",
    "years_of_observer_quota_100pct": "lower",
}
#: Break-even bisection stops when the bracket is this narrow (km).
BREAK_EVEN_TOL_KM = 50.0
#: Stand-in flight count where no full-coverage plan exists (it never breaks even).
NO_PLAN_FLIGHTS = 1e9
#: Imaged shares are compared to this resolution (a fraction of the territory: 0.01 %, about
#: 21 km² of Belarus): finer differences are below that of the footprint model (polygonised
#: swaths, lanes 0.5 km inside the border).
FRACTION_RESOLUTION = 1e-4
#: Columns of ``sensitivity.csv``.
SENSITIVITY_COLUMNS = (
    "assumption",
    "setting",
    "scenario",
    "sensor",
    "metric",
    "budget_km",
    "value",
    "baseline",
    "flips",
)
#: Assumption settings of the sensitivity runs: (assumption, setting, change). No label starts
#: with a sign: CSV cells that do are written with a leading quote (formula guard).
SENSITIVITY: tuple[tuple[str, str, dict[str, float]], ...] = (
    ("swath width", "20 % narrower", {"swath_scale": 0.8}),
    ("swath width", "20 % wider", {"swath_scale": 1.2}),
    ("side overlap", "0 %", {"overlap": 0.0}),
    ("side overlap", "20 %", {"overlap": 0.2}),
    ("turn margin", "0 %", {"turn_margin": 0.0}),
    ("turn margin", "5 %", {"turn_margin": 0.05}),
)
#: Metrics of the sensitivity runs (lower or higher is better).
SENSITIVITY_METRICS = {"flights_100pct": "lower", "best_flight_fraction": "higher"}

#: Metrics of ``added_osa`` taken as the better of the two airfields: lower is better ...
_LOWER_BETTER = (
    "flights_50pct",
    "flights_90pct",
    "flights_all_sites",
    "sites_not_observable",
    "transit_nearest_km",
    "transit_mean_km",
    "transit_farthest_km",
)
#: ... and higher is better.
_HIGHER_BETTER = ("reach_fraction", "sites_observed_best_route", "sites_value_observed")
#: Metrics of the best single flight (``added_osa`` takes the airfield whose best flight
#: images more).
_BEST_FLIGHT = (
    "best_flight_area_km2",
    "best_flight_fraction",
    "budget_share_over_territory",
    "flight_hours_best_flight",
    "refuel_stops_best_flight",
    "mission_hours",
    "fits_96h_window",
)


# --------------------------------------------------------------------------- variants


class _MarginRegime(_airfields.Regime):
    """A regime whose turn margin (``max_flight_distance.turn_margin``) is overridden."""

    def __init__(self, base: _airfields.Regime, turn_margin: float) -> None:
        airfields = tuple(base.airfield(i) for i in base.airfields()["icao"])
        super().__init__(base.year, airfields)
        self.turn_margin = float(turn_margin)

    def parameter(self, *path: str) -> Any:
        """As :meth:`Regime.parameter`, with the overridden turn margin."""
        if tuple(path) == ("max_flight_distance", "turn_margin"):
            return self.turn_margin
        return super().parameter(*path)


def _scaled(sen: sensors.Sensor, factor: float) -> sensors.Sensor:
    """``sen`` with its swath times ``factor`` (same name, side and near range)."""
    if factor == 1.0:
        return sen
    return replace(sen, swath_km=sen.width_km * float(factor))


def _variant_regime(reg: _airfields.Regime, change: Mapping[str, float]) -> _airfields.Regime:
    return _MarginRegime(reg, change["turn_margin"]) if "turn_margin" in change else reg


# --------------------------------------------------------------------------- small pieces


def _plan(
    terr: _territory.Territory,
    icao: str,
    reg: _airfields.Regime,
    sen: sensors.Sensor,
    budget_km: float,
    overlap: float,
) -> coverage.FlightSet | None:
    return _scenario._full_coverage(terr, _Scenario(icao, budget_km, reg, False), sen, overlap)


def _values(fs: coverage.FlightSet | None, terr: _territory.Territory) -> tuple[float, float]:
    """(flights, best single flight's imaged share) of a plan; (nan, nan) without one."""
    if fs is None or not len(fs):
        return math.nan, math.nan
    best = max(coverage.coverage(f, terr).covered_km2 for f in fs.footprints)
    return float(len(fs)), float(best / terr.area_km2)


def _share(value: float) -> float:
    """An imaged share at :data:`FRACTION_RESOLUTION` (for comparisons only)."""
    if not math.isfinite(value):
        return value
    return round(value / FRACTION_RESOLUTION) * FRACTION_RESOLUTION


def _summary(fs: coverage.FlightSet | None) -> dict[str, Any]:
    if fs is None or not len(fs):
        return {}
    s = fs.summary
    return {
        "flights": int(s.n_flights),
        "lower_bound": int(s.flights_lower_bound),
        "lower_bound_method": s.lower_bound_method,
        "capacity_km": float(s.capacity_km),
        "lane_km": float(s.lane_km),
        "flown_km": float(s.flown_km),
        "lanes_sensor": s.lanes_sensor,
    }


def _flight_rows(plan: Any, refuelled: Any, *, kind: str, flight: int) -> list[dict[str, Any]]:
    """The route row of one flight and a Point row per refuelling stop placed on it.

    The line is the planned flight (its imaging legs); ``feasible``, ``refuel_stops`` and
    ``refuel_added_km`` come from :func:`openskies.refuel.plan_refuelling`, and each stop is
    a Point at its airfield (:func:`openskies.io.stop_features`, ``"kind": "refuel"``).
    """
    feasible = bool(refuelled.feasible)
    rows: list[dict[str, Any]] = [
        {
            "kind": kind,
            "flight": flight,
            "length_km": plan.length_km,
            "feasible": feasible,
            "refuel_stops": len(refuelled.stops) if feasible else None,
            "refuel_added_km": float(refuelled.added_km) if feasible else None,
            "geometry": geodesy.split_antimeridian(plan.path_densified(10.0)),
        }
    ]
    if feasible and refuelled.stops:
        for feat in io.stop_features(refuelled.plan):
            props = feat["properties"]
            if props["kind"] != "refuel":
                continue
            rows.append(
                {
                    "kind": "refuel",
                    "flight": flight,
                    "flight_kind": kind,
                    "feasible": feasible,
                    "airfield": props["airfield"],
                    "ground_time_h": float(props["ground_time_h"]),
                    "geometry": shapely.geometry.shape(feat["geometry"]),
                }
            )
    return rows


def _layers(
    extras: Mapping[str, Any], metrics: Mapping[str, float], aircraft: _aircraft.Aircraft
) -> dict[str, list]:
    """Route (with refuelling stops), footprint and site-route rows (no keys) of one evaluation."""
    out: dict[str, list] = {"routes": [], "footprints": [], "site_routes": []}
    if "best_plan" in extras:
        best = extras["best_plan"]
        best_refuel = extras.get("best_refuel") or _scenario._refuelled(best, aircraft)
        out["routes"] += _flight_rows(best, best_refuel, kind="best single flight", flight=1)
        out["footprints"].append(
            {"area_km2": metrics["best_flight_area_km2"], "geometry": extras["best_footprint"]}
        )
        for k, f in enumerate(extras["flights"], start=1):
            r = best_refuel if f is best else _scenario._refuelled(f, aircraft)
            out["routes"] += _flight_rows(f, r, kind="full coverage", flight=k)
    sp = extras.get("site_plan")
    if sp is not None:
        out["site_routes"].append(
            {
                "observed": len(sp.route.observed),
                "length_km": sp.length_km,
                "geometry": geodesy.split_antimeridian(sp.path_densified(10.0)),
            }
        )
    return out


# --------------------------------------------------------------------------- the tasks


def _task(spec: Mapping[str, Any]) -> dict[str, Any]:
    """One unit of work (module level: workers import it); plain data in and out.

    Input errors (:class:`OpenSkiesError`) come back as ``status="failed"`` with the
    exception, which the caller raises again; anything else propagates.
    """
    t0, c0 = time.perf_counter(), time.process_time()
    run = {"unit": _unit_task, "bisect": _bisect_task, "sens": _sens_task}[spec["kind"]]
    try:
        result = run(spec)
    except OpenSkiesError as exc:
        return {"icao": spec["icao"], "status": "failed", "error": str(exc), "exception": exc}
    return {
        "icao": spec["icao"],
        "status": "ok",
        "error": "",
        "result": result,
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": time.process_time() - c0,
    }


def _unit_task(spec: Mapping[str, Any]) -> dict[tuple[float, str], dict[str, Any]]:
    """Flights and metrics of one airfield at some budgets, every sensor."""
    terr = spec["territory"]
    reg = spec["regime"]
    icao = spec["airfield"]
    sens: list[sensors.Sensor] = list(spec["sensors"])
    out: dict[tuple[float, str], dict[str, Any]] = {}
    # budgets only the months' daylight caps need: no layers (the routes are the year's)
    drawn = set(spec.get("layer_budgets", spec["budgets"]))
    for b in spec["budgets"]:
        own = {(x.name, b): _plan(terr, icao, reg, x, b, spec["overlap"]) for x in sens}
        comb = coverage.combine_sensor_plans(terr, own, sens, regime=reg)
        sc = _Scenario(icao, float(b), reg, bool(spec["hypothetical"]))
        for x in sens:
            fs = comb[(x.name, b)]
            metrics, extras = _scenario._evaluate(
                terr,
                sc,
                x,
                overlap=spec["overlap"],
                reach_cells=spec["reach_cells"],
                sites=spec["sites"],
                home_bases=spec["home_bases"],
                aircraft=spec["aircraft"],
                time_limit_s=spec["time_limit_s"],
                seed=spec["seed"],
                quota=spec["quota"],
                flights=fs,
            )
            mine = own[(x.name, b)]
            # most lane km one flight can carry (coverage.CoverageSummary.capacity_km)
            margin = float(reg.parameter("max_flight_distance", "turn_margin"))
            af = reg.airfield(icao)
            least = 2.0 * float(terr.distance_to_km(af.lon, af.lat))
            out[(float(b), x.name)] = {
                "metrics": metrics,
                "layers": _layers(extras, metrics, spec["aircraft"])
                if b in drawn
                else {"routes": [], "footprints": [], "site_routes": []},
                "summary": _summary(fs),
                "capacity_km": fs.summary.capacity_km
                if fs is not None
                else float(b) / (1.0 + margin) - least,
                "own": _values(mine, terr) if mine is not fs else None,
            }
    return out


def _bisect_task(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Break-even rows of one sensor: grid values given, bisection points planned here."""
    terr = spec["territory"]
    reg = spec["regime"]
    icao = spec["airfield"]
    x: sensors.Sensor = spec["sensor"]
    narrower: list[sensors.Sensor] = list(spec["narrower"])
    grid_vals: dict[tuple[str, float], tuple[float, float]] = spec["grid_values"]
    grid_all = sorted({b for _, b in grid_vals})
    kub_n, kub_f = spec["reference"]
    per_year: dict[str, float | None] = spec["per_year"]
    cache: dict[float, tuple[float, float]] = {}

    def minsk(d: float) -> tuple[float, float]:
        if (x.name, d) in grid_vals:
            return grid_vals[(x.name, d)]
        if d not in cache:
            own = {(x.name, d): _plan(terr, icao, reg, x, d, spec["overlap"])}
            n_own = len(own[(x.name, d)]) if own[(x.name, d)] is not None else math.inf
            above = [g for g in grid_all if g >= d]
            for t in narrower:
                # monotone in the budget: t needs at least its flights at the next grid
                # point above d; with strictly more than x's own it cannot be chosen
                if above and grid_vals[(t.name, above[0])][0] > n_own:
                    continue
                own[(t.name, d)] = _plan(terr, icao, reg, t, d, spec["overlap"])
            chosen = [x, *[t for t in narrower if (t.name, d) in own]]
            comb = coverage.combine_sensor_plans(terr, own, chosen, regime=reg)
            cache[d] = _values(comb[(x.name, d)], terr)
        return cache[d]

    rows: list[dict[str, Any]] = []
    for name, grid in spec["grids"].items():
        for metric, better in BREAK_EVEN_METRICS.items():
            ref: float = _share(kub_f) if metric == "best_flight_fraction" else kub_n
            if metric == "years_of_observer_quota_100pct":
                if not per_year.get(name) or not per_year.get("status_quo"):
                    continue
                ref = kub_n / float(per_year["status_quo"])  # type: ignore[arg-type]
            if not math.isfinite(ref):
                continue

            def evaluate(d: float, name: str = name, metric: str = metric) -> float:
                n, f = minsk(float(d))
                if metric == "best_flight_fraction":
                    v = _share(f) if math.isfinite(f) else 0.0
                    return max(v, _share(kub_f)) if name == "added_osa" else v
                v = n if math.isfinite(n) else NO_PLAN_FLIGHTS
                if name == "added_osa":
                    v = min(v, kub_n)
                if metric == "years_of_observer_quota_100pct":
                    return v / float(per_year[name])  # type: ignore[arg-type]
                return v

            be = _eo.break_even_km(
                evaluate, grid, float(ref), tol_km=BREAK_EVEN_TOL_KM, better=better
            )
            rows.append(
                {
                    "scenario": name,
                    "sensor": x.name,
                    "metric": metric,
                    "break_even_km": be.break_even_km,
                    "low_km": be.low_km,
                    "high_km": be.high_km,
                    "status": be.status,
                    "monotone": be.monotone,
                    "reference": be.reference,
                    "evaluations": len(be.evaluations),
                }
            )
    return rows


def _sens_task(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Kubinka's and Minsk's flights and best share under one assumption setting."""
    terr = spec["territory"]
    change = spec["change"]
    x = _scaled(spec["sensor"], change.get("swath_scale", 1.0))
    overlap = float(change.get("overlap", spec["overlap"]))
    kreg = _variant_regime(spec["regime"], change)
    mreg = _variant_regime(spec["minsk_regime"], change)
    kub = _values(_plan(terr, spec["kub_icao"], kreg, x, spec["kub_budget"], overlap), terr)
    minsk = {
        float(b): _values(_plan(terr, spec["minsk_icao"], mreg, x, float(b), overlap), terr)
        for b in spec["budgets"]
    }
    return {"kub": kub, "minsk": minsk}


# --------------------------------------------------------------------------- the sweep


@dataclass
class Sweep:
    """What :func:`run` hands back to the study (tidy rows and frames)."""

    rows: list[dict[str, Any]]
    routes: list[dict[str, Any]]
    footprints: list[dict[str, Any]]
    site_routes: list[dict[str, Any]]
    reach: list[gpd.GeoDataFrame]
    reach_curves: list[pd.DataFrame]
    break_even: pd.DataFrame
    sensitivity: pd.DataFrame
    params: dict[str, Any]
    assumptions: list[tuple[str, str]] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)
    season: Season | None = None


def _grid_extension(grid: Sequence[float], floor_km: float) -> tuple[float, ...]:
    """``grid`` and, when it stops short of ``floor_km``, the floor rounded up to 500 km."""
    out = sorted(grid)
    if out[-1] < floor_km - 1e-6:
        out.append(math.ceil(floor_km / GRID_STEP_KM - 1e-9) * GRID_STEP_KM)
    return tuple(out)


def _observer_quota(observer: str | None, observed: str) -> tuple[float | None, str]:
    """Art. III Sec. I para 10 for the observer over ``observed`` (None: no quota known)."""
    if observer is None:
        return None, "no home base: no observer"
    try:
        return float(_eo.observer_quota_flights_per_year(observer, observed)), ""
    except UnknownCodeError:
        pass
    if observed == "BLR":
        # Belarus alone has no passive quota of its own in the treaty (the group's 42 is one
        # quota): the group's is used (an assumption); the observer's own half binds either
        # way when its active quota is small (Poland: 2).
        try:
            v = float(_eo.observer_quota_flights_per_year(observer, _eo.GROUP))
        except UnknownCodeError:
            return None, f"no recorded quota for {observer}"
        return v, f"{observed} has no passive quota of its own: the group's is used"
    return None, f"no recorded quota for {observer}"


def _grid_bracket(values: Mapping[float, float], ref: float, better: str) -> list[float]:
    """Grid points where the comparison with ``ref`` turns (the break-even's grid bracket)."""
    grid = sorted(values)

    def ok(v: float) -> bool:
        if not math.isfinite(v):
            return False
        return v <= ref if better == "lower" else v >= ref

    flags = [ok(values[b]) for b in grid]
    if not flags[-1]:
        return [grid[-1]]
    if all(flags):
        return [grid[0]]
    k = max(i for i in range(1, len(grid)) if flags[i] and not flags[i - 1])
    return [grid[k - 1], grid[k]]


def _better_of(a: float | None, b: float | None, lower: bool) -> float | None:
    vals = [v for v in (a, b) if v is not None and math.isfinite(v)]
    if not vals:
        return a if a is not None else b
    return min(vals) if lower else max(vals)


def _added_osa(kub: Mapping[str, Any], minsk: Mapping[str, Any]) -> tuple[dict[str, float], str]:
    """Metrics of ``added_osa`` from Kubinka's and Minsk's units, and whose plan it flies.

    A plan of either airfield is a plan of the option, so each flight count is the better
    of the two (never worse than Kubinka alone); the full-coverage plan is the one with
    fewer flights (then fewer km, then Minsk's: no ferry from the point of entry); the best
    single flight is the airfield's whose best flight images more. The lower bound holds
    for any mix of flights from the two airfields: lane km / the larger capacity
    (budget / (1 + turn margin) - least round trip).
    """
    km, mm = kub["metrics"], minsk["metrics"]
    ks, ms = kub["summary"], minsk["summary"]
    nk = ks.get("flights", math.inf)
    nm = ms.get("flights", math.inf)
    use_kub = (nk, ks.get("flown_km", math.inf)) < (nm, ms.get("flown_km", math.inf))
    out = dict(km if use_kub else mm)
    for key in _LOWER_BETTER:
        v = _better_of(km.get(key), mm.get(key), True)
        if v is not None:
            out[key] = v
    for key in _HIGHER_BETTER:
        v = _better_of(km.get(key), mm.get(key), False)
        if v is not None:
            out[key] = v
    fk, fm = km.get("best_flight_fraction", -1.0), mm.get("best_flight_fraction", -1.0)
    best = km if fk > fm else mm
    for key in _BEST_FLIGHT:
        if key in best:
            out[key] = best[key]
    sums = [s for s in (ks, ms) if s]
    if sums and "flights_100pct" in out:
        # an airfield without a plan of its own can still fly some of a mixed plan's flights
        cap = max(kub["capacity_km"], minsk["capacity_km"])
        lane_km = min(s["lane_km"] for s in sums)
        lb = max(1, math.ceil(lane_km / cap - 1e-9)) if cap > 0 else 1
        out["flights_lower_bound"] = float(min(lb, out["flights_100pct"]))
    return out, ("kub" if use_kub else "minsk")


#: Months the default study reports (besides the year).
DEFAULT_MONTHS = (3, 6, 9, 12)


@dataclass
class Season:
    """The daylight and weather of the study's months (:func:`season`).

    Attributes
    ----------
    months : tuple of int
        The months reported (1-12).
    min_elevation_deg : float
        Lowest solar elevation for optical imaging, degrees.
    windows : dict
        Month (1-12, all twelve) -> :class:`openskies.daylight.AreaWindow` over the territory.
    common_h : dict
        Month -> hours of the day when every point of the territory has the sun at or above
        the threshold: the shortest window over its latitudes less its longitude span / 15
        deg per hour (0 when some part has none).
    caps_km : dict
        Airfield ICAO -> month -> the daylight cap on a flight's counted distance, km:
        ``floor((1 + turn margin) * (common_h * cruise speed + 2 * nearest))``, nearest the
        geodesic distance from the airfield to the territory.
    q : dict
        Month -> chance that a mission window has a usable day (openskies.weather).
    q_year : float
        The year-average of ``q`` (:func:`openskies.weather.year_window_probability`).
    """

    months: tuple[int, ...]
    min_elevation_deg: float
    windows: dict[int, daylight.AreaWindow]
    common_h: dict[int, float]
    caps_km: dict[str, dict[int, float]]
    q: dict[int, float]
    q_year: float

    def imageable(self, sen: sensors.Sensor, month: int | None) -> bool:
        """Whether ``sen`` can image the whole territory in ``month`` (None: in some month)."""
        if sen.kind not in _scenario.DAYLIGHT_KINDS:
            return True
        if month is None:
            return any(h > 0 for h in self.common_h.values())
        return self.common_h[month] > 0

    def budget(self, icao: str, budget_km: float, sen: sensors.Sensor, month: int) -> float:
        """The counted km a flight of ``sen`` may have in ``month``: min(budget, daylight cap)."""
        if sen.kind not in _scenario.DAYLIGHT_KINDS:
            return float(budget_km)
        return min(float(budget_km), self.caps_km[icao][month])

    def window_q(self, sen: sensors.Sensor, month: int | None) -> float | None:
        """The window probability of ``sen`` (None: it sees through cloud, q = 1)."""
        if sen.kind not in _scenario.CLEAR_SKY_KINDS:
            return None
        return self.q_year if month is None else self.q[month]

    def as_params(self) -> dict[str, Any]:
        """The season as JSON-ready study parameters."""
        return {
            "months": list(self.months),
            "min_sun_elevation_deg": self.min_elevation_deg,
            "daylight": {
                str(m): {
                    "date": w.day.isoformat(),
                    "shortest_window_h": w.hours,
                    "common_window_h": self.common_h[m],
                    "lowest_noon_sun_deg": w.lowest_noon_deg,
                    "highest_noon_sun_deg": w.highest_noon_deg,
                    "imageable": int(self.common_h[m] > 0),
                }
                for m, w in self.windows.items()
            },
            "daylight_caps_km": {
                icao: {str(m): v for m, v in caps.items()} for icao, caps in self.caps_km.items()
            },
            "window_probability": {str(m): v for m, v in self.q.items()},
            "window_probability_year": self.q_year,
        }


def season(
    terr: _territory.Territory,
    regimes: Mapping[str, _airfields.Regime],
    *,
    months: Sequence[int],
    min_elevation_deg: float,
    aircraft: _aircraft.Aircraft,
    year: int,
) -> Season:
    """Daylight windows, daylight caps and weather of a study's months (``docs/methodology.md``).

    Parameters
    ----------
    terr : Territory
        The territory (its bounds fix the latitudes and longitudes of the windows).
    regimes : mapping
        Airfield ICAO -> the regime its flights are planned in (turn margin).
    months : sequence of int
        Months reported (1-12).
    min_elevation_deg : float
        Lowest solar elevation for optical imaging, degrees.
    aircraft : Aircraft
        Its cruise speed turns hours of daylight into km.
    year : int
        Year of the months' representative days (:data:`openskies.daylight.REPRESENTATIVE_DAY`).
    """
    import datetime as dt

    x0, _, x1, _ = terr.geometry.bounds
    shift_h = (x1 - x0) / 15.0
    windows = {
        m: daylight.area_window(
            terr.geometry,
            dt.date(int(year), m, daylight.REPRESENTATIVE_DAY[m]),
            min_elevation_deg=min_elevation_deg,
        )
        for m in range(1, 13)
    }
    common = {m: max(0.0, w.hours - shift_h) if w.hours > 0 else 0.0 for m, w in windows.items()}
    caps: dict[str, dict[int, float]] = {}
    for icao, reg in regimes.items():
        af = reg.airfield(icao)
        margin = float(reg.parameter("max_flight_distance", "turn_margin"))
        near = float(terr.distance_to_km(af.lon, af.lat))
        caps[icao] = {
            m: float(
                math.floor((1.0 + margin) * (common[m] * aircraft.cruise_speed_kmh + 2.0 * near))
            )
            for m in range(1, 13)
        }
    q_all = weather.window_probabilities()
    return Season(
        months=tuple(months),
        min_elevation_deg=float(min_elevation_deg),
        windows=windows,
        common_h=common,
        caps_km=caps,
        q={int(m): float(v) for m, v in q_all.items()},
        q_year=weather.year_window_probability(q_all),
    )


def run(
    terr: _territory.Territory,
    reg: _airfields.Regime,
    *,
    names: Sequence[str],
    kub_icao: str,
    minsk_icao: str,
    grid_km: Sequence[float],
    sensors_: Mapping[str, sensors.Sensor],
    sites: gpd.GeoDataFrame | None,
    home_bases: Sequence[str],
    aircraft: _aircraft.Aircraft,
    overlap: float,
    reach_cell_km: float,
    time_limit_s: float,
    seed: int,
    quota: float | None,
    sensitivity: bool,
    executor: Any,
    workers: int | None,
    progress: bool,
    on_step: Callable[[str], None] | None,
    months: Sequence[int] = DEFAULT_MONTHS,
    min_elevation_deg: float = daylight.DEFAULT_MIN_ELEVATION_DEG,
) -> Sweep:
    """The five-option study: every unit of work, then the rows of the study's tables.

    Rows of the year (``month`` None: the flights as planned, any month) and of each of
    ``months``, whose flights fit the daylight at the territory (:func:`season`): each
    sensor needing daylight is planned with the budget capped by the month's daylight,
    ``min(budget, cap)`` (the fleet answers of the grid reused where the cap is above the
    budget; one extra unit budget per airfield and month otherwise).
    """
    t_start = time.perf_counter()
    opts = {n: _eo.option(n) for n in names}
    swept = [n for n in names if opts[n].uses_minsk_distance]
    kub_budget = float(reg.max_flight_distance_km(kub_icao))
    grid = tuple(sorted(float(b) for b in grid_km))
    single = _eo.option("single_state")
    fraction = float(reg.parameter("max_flight_distance", "osa_coverage_fraction"))
    # Annex E para 5(A) floors of the Minsk distance
    floors: dict[str, float] = {}
    if "replacement" in names:
        kub = reg.require_osa(kub_icao)
        rep = opts["replacement"].regime_for(reg, minsk_icao, kub_budget)
        disk = _eo.geodesic_disk(kub.lon, kub.lat, fraction * kub_budget)
        floors["replacement"] = _eo.annex_e_floor(rep, _eo.GROUP, minsk_icao, within=disk).budget_km
    if "single_state" in names:
        floors["single_state"] = _eo.min_budget_annex_e_km(
            single.regime_for(reg, minsk_icao, 1.0), "BLR", minsk_icao
        )
    grids = dict.fromkeys(swept, grid)
    if "replacement" in grids:
        grids["replacement"] = _grid_extension(grid, floors["replacement"])
    minsk_budgets = tuple(sorted({b for g in grids.values() for b in g}))
    rs_top = single.regime_for(reg, minsk_icao, max(minsk_budgets)) if swept else None
    observer = reg.airfield(home_bases[0]).party if home_bases else None
    per_year: dict[str, float | None] = {}
    quota_notes: dict[str, str] = {}
    for n in ("status_quo", *names):
        per_year[n], quota_notes[n] = _observer_quota(observer, _eo.option(n).annex_e_group)
    five = _eo.five_hour_check(minsk_icao, kub_icao, aircraft=aircraft, regime=reg)

    # reach grids (cheap, here): Kubinka's and Minsk's
    reach_cells = {kub_icao: coverage.reach(terr, kub_icao, cell_km=reach_cell_km, regime=reg)}
    if swept:
        reach_cells[minsk_icao] = coverage.reach(
            terr, minsk_icao, cell_km=reach_cell_km, regime=rs_top
        )
    reach_frames, curves = [], []
    for icao, cells in reach_cells.items():
        g = cells.copy()
        g["icao"] = icao
        reach_frames.append(g)
        r = reg if icao == kub_icao else rs_top
        for sname, sen in sensors_.items():
            c = _scenario._reach_for_sensor(cells, sen, r, r.airfield(icao))
            cv = coverage.reach_curve(terr, icao, sensor=sen, regime=r, cells=c)
            cv["icao"] = icao
            cv["sensor"] = sname
            curves.append(cv)

    # -- the months: daylight caps and weather ------------------------------------------------
    seas = season(
        terr,
        {kub_icao: reg, **({minsk_icao: rs_top} if swept else {})},
        months=months,
        min_elevation_deg=min_elevation_deg,
        aircraft=aircraft,
        year=reg.year,
    )
    dark_needed = any(x.kind in _scenario.DAYLIGHT_KINDS for x in sensors_.values())

    def month_budgets(icao: str, top: float) -> list[float]:
        """Daylight caps below ``top``: budgets only the months need (one per cap)."""
        if not dark_needed:
            return []
        return sorted(
            {
                seas.caps_km[icao][m]
                for m in seas.months
                if seas.common_h[m] > 0 and seas.caps_km[icao][m] < top
            },
            reverse=True,
        )

    kub_extra = month_budgets(kub_icao, kub_budget)
    minsk_extra = (
        [b for b in month_budgets(minsk_icao, max(minsk_budgets)) if b not in minsk_budgets]
        if swept
        else []
    )

    # -- phase 1: Kubinka and the Minsk grid -------------------------------------------------
    sens_list = list(sensors_.values())
    common = {
        "kind": "unit",
        "territory": terr,
        "sensors": sens_list,
        "overlap": overlap,
        "sites": sites,
        "home_bases": tuple(home_bases),
        "aircraft": aircraft,
        "time_limit_s": time_limit_s,
        "seed": seed,
        "quota": quota,
    }
    specs: list[dict[str, Any]] = [
        {
            **common,
            "icao": f"{kub_icao} {kub_budget:g} km",
            "airfield": kub_icao,
            "regime": reg,
            "hypothetical": False,
            "budgets": [kub_budget, *kub_extra],
            "layer_budgets": [kub_budget],
            "reach_cells": reach_cells[kub_icao],
        }
    ]
    sync = isinstance(executor, str) and executor.strip() == "sync"
    n_workers = 1 if sync else (workers or _cpu_count())
    if swept:
        # this process: one unit for the whole grid (the flight problems stay cached); else
        # one unit per distance so that the workers finish together
        every = [*minsk_budgets, *minsk_extra]
        chunks = [every] if n_workers == 1 else [[b] for b in every]
        for chunk in chunks:
            specs.append(
                {
                    **common,
                    "icao": f"{minsk_icao} {', '.join(f'{b:g}' for b in chunk)} km",
                    "airfield": minsk_icao,
                    "regime": rs_top,
                    "hypothetical": True,
                    "budgets": chunk,
                    "layer_budgets": [b for b in chunk if b in minsk_budgets],
                    "reach_cells": reach_cells[minsk_icao],
                }
            )
    if n_workers > 1:
        # the costliest first: the fewer km a flight has beyond the round trip to the
        # farthest point, the more flights (a plan out of reach is refused at once)
        margin = float(reg.parameter("max_flight_distance", "turn_margin"))

        def cost(sp: Mapping[str, Any]) -> float:
            far = float(sp["reach_cells"].attrs.get("farthest_km", 0.0))
            spare = min(sp["budgets"]) / (1.0 + margin) - 2.0 * far
            return 0.0 if spare <= 0 else 1.0 / spare

        specs.sort(key=cost, reverse=True)
    n_phase2 = (len(sensors_) * (1 + (len(SENSITIVITY) if sensitivity else 0))) if swept else 0
    bar = _Progress(len(specs) + n_phase2, "entry-point study") if progress else None
    results: dict[str, dict[str, Any]] = {}
    timing: dict[str, float] = {}

    def done(res: dict[str, Any]) -> None:
        results[res["icao"]] = res
        if res.get("status") == "ok":
            timing[res["icao"]] = float(res.get("cpu_seconds", math.nan))
        if on_step:
            on_step(f"done: {res['icao']}")
        if bar:
            bar.advance(str(res["icao"]))

    pool = None
    ex = executor
    if isinstance(executor, str) and executor.strip() == "local":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # one pool for both phases: a worker may keep the flight problems it built
        pool = ProcessPoolExecutor(
            max_workers=n_workers, mp_context=multiprocessing.get_context("spawn")
        )
        ex = pool
    try:
        run1 = _execute(_task, specs, ex, workers=workers, retries=0, done=done)
        units = _collect(results, specs)
        # -- rows ------------------------------------------------------------------------------
        kub_units = {s: units[("kub", kub_budget, s)] for s in sensors_}
        rows: list[dict[str, Any]] = []
        annex: dict[tuple[str, float | None], float] = {}
        for month in (None, *seas.months):
            for n in names:
                opt = opts[n]
                for b in grids.get(n, (None,)):
                    key = (n, b)
                    if key not in annex:
                        annex[key] = float(opt.annex_e_ok(reg, minsk_icao=minsk_icao, budget_km=b))
                    fields = opt.row_fields(reg, minsk_icao=minsk_icao, budget_km=b)
                    for s, sen in sensors_.items():
                        lit = seas.imageable(sen, month)
                        k, mu = kub_units[s], None
                        if month is not None and lit:
                            # the month's flights: the budgets capped by its daylight
                            k = units[("kub", seas.budget(kub_icao, kub_budget, sen, month), s)]
                            if b is not None:
                                mu = units[("minsk", seas.budget(minsk_icao, b, sen, month), s)]
                        elif b is not None:
                            mu = units[("minsk", b, s)]
                        start = kub_icao
                        if n in ("status_quo", "poe_only"):
                            m = dict(k["metrics"])
                        elif n == "added_osa":
                            m, who = _added_osa(k, mu)
                            start = kub_icao if who == "kub" else minsk_icao
                        else:
                            m = dict(mu["metrics"])
                            start = minsk_icao
                        m = _option_metrics(
                            m,
                            name=n,
                            reg=reg,
                            entry=fields["entry_point"],
                            start=start,
                            home_bases=home_bases,
                            aircraft=aircraft,
                            five=five,
                            annex_ok=annex[key],
                            floor=floors.get(n),
                            per_year=per_year.get(n),
                            budget_km=fields["budget_km"],
                        )
                        m = _scenario._season(m, imageable=lit, q=seas.window_q(sen, month))
                        name_ = reg.airfield(fields["icao"]).name
                        for metric, value in m.items():
                            rows.append(
                                {
                                    "scenario": n,
                                    "icao": fields["icao"],
                                    "entry_point": fields["entry_point"],
                                    "name": name_,
                                    "budget_km": fields["budget_km"],
                                    "sensor": s,
                                    "month": month,
                                    "metric": metric,
                                    "value": float(value),
                                    "unit": _unit(metric),
                                    "hypothetical": n != "status_quo",
                                }
                            )
        # -- layers ----------------------------------------------------------------------------
        layers: dict[str, list[dict[str, Any]]] = {
            "routes": [],
            "footprints": [],
            "site_routes": [],
        }
        kub_in = ",".join(n for n in names if n in ("status_quo", "poe_only", "added_osa"))
        minsk_in = ",".join(n for n in names if n in ("added_osa", "replacement", "single_state"))
        layer_keys = [("kub", kub_budget, s) for s in sensors_]
        layer_keys += [
            ("minsk", b, s) for b in sorted(minsk_budgets, reverse=True) for s in sensors_
        ]
        for role, b, s in layer_keys:
            if (role, b, s) not in units:
                continue
            common_row = {
                "flown_in": kub_in if role == "kub" else minsk_in,
                "icao": kub_icao if role == "kub" else minsk_icao,
                "budget_km": b,
                "sensor": s,
                "hypothetical": role == "minsk",
            }
            for what, items in units[(role, b, s)]["layers"].items():
                layers[what].extend({**common_row, **it} for it in items)

        # -- phase 2: break-even and sensitivity -----------------------------------------------
        specs2: list[dict[str, Any]] = []
        grid_values = {
            (s, b): (
                units[("minsk", b, s)]["metrics"].get("flights_100pct", math.nan),
                units[("minsk", b, s)]["metrics"].get("best_flight_fraction", math.nan),
            )
            for s in sensors_
            for b in minsk_budgets
        }
        own_values = {
            (role, b, s): (
                u["own"]
                if u["own"] is not None
                else (
                    u["metrics"].get("flights_100pct", math.nan),
                    u["metrics"].get("best_flight_fraction", math.nan),
                )
            )
            for (role, b, s), u in units.items()
        }
        sens_budgets: dict[str, list[float]] = {}
        if swept:
            for s, sen in sensors_.items():
                ref = (
                    kub_units[s]["metrics"].get("flights_100pct", math.nan),
                    kub_units[s]["metrics"].get("best_flight_fraction", math.nan),
                )
                specs2.append(
                    {
                        "kind": "bisect",
                        "icao": f"break-even {s}",
                        "territory": terr,
                        "regime": rs_top,
                        "airfield": minsk_icao,
                        "sensor": sen,
                        "narrower": [
                            t for t in sens_list if t.name != s and coverage.strip_within(t, sen)
                        ],
                        "grid_values": grid_values,
                        "reference": ref,
                        "per_year": per_year,
                        "grids": {n: grids[n] for n in swept},
                        "overlap": overlap,
                    }
                )
                if sensitivity:
                    # the grid bracket of the flights' break-even: where the main conclusion
                    # turns (the best flight's share is read from the same plans)
                    vals = {b: own_values[("minsk", b, s)][0] for b in minsk_budgets}
                    sens_budgets[s] = _grid_bracket(
                        vals, own_values[("kub", kub_budget, s)][0], "lower"
                    )
                    for assumption, setting, change in SENSITIVITY:
                        specs2.append(
                            {
                                "kind": "sens",
                                "icao": f"sensitivity {s}: {assumption} {setting}",
                                "assumption": assumption,
                                "setting": setting,
                                "territory": terr,
                                "regime": reg,
                                "minsk_regime": rs_top,
                                "kub_icao": kub_icao,
                                "kub_budget": kub_budget,
                                "minsk_icao": minsk_icao,
                                "sensor": sen,
                                "change": change,
                                "overlap": overlap,
                                "budgets": sens_budgets[s],
                            }
                        )
        # narrow sensors first (more lanes, more flights); the bisection of a sensor first
        specs2.sort(key=lambda sp: (sp["sensor"].width_km, sp["kind"] != "bisect"))
        run2 = _execute(_task, specs2, ex, workers=workers, retries=0, done=done) if specs2 else {}
        phase2 = _collect_raw(results, specs2)
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if bar:
            bar.close()

    be_rows = [r for sp in specs2 if sp["kind"] == "bisect" for r in phase2[sp["icao"]]]
    break_even = pd.DataFrame(be_rows)
    if not len(break_even):
        break_even = pd.DataFrame(columns=list(BREAK_EVEN_COLUMNS))
    sens_rows: list[dict[str, Any]] = []
    for sp in specs2:
        if sp["kind"] != "sens":
            continue
        res = phase2[sp["icao"]]
        s = sp["sensor"].name
        sens_rows.extend(
            _sensitivity_rows(
                sp["assumption"],
                sp["setting"],
                s,
                names,
                kub_budget=kub_budget,
                res=res,
                base_kub=own_values[("kub", kub_budget, s)],
                base_minsk={b: own_values[("minsk", b, s)] for b in sp["budgets"]},
                grids=grids,
            )
        )
    sensitivity_df = pd.DataFrame(sens_rows, columns=list(SENSITIVITY_COLUMNS))
    params = {
        "scenarios": list(names),
        "budget_grid_km": list(grid),
        "scenario_grids_km": {n: list(g) for n, g in grids.items()},
        "observer": observer,
        "observer_quota_flights_per_year": per_year,
        "annex_e_floors_km": floors,
        "five_hour_check": {
            "poe": five.poe,
            "osa": five.osa,
            "distance_km": five.distance_km,
            "hours": five.hours,
            "speed_kmh": five.speed_kmh,
            "ok": five.ok,
        },
        "sensitivity": [f"{a} {s}" for a, s, _ in SENSITIVITY] if sensitivity else [],
        "sensitivity_budgets_km": sens_budgets,
        **seas.as_params(),
    }
    assumptions = _assumptions(names, floors, quota_notes, five, sensitivity)
    assumptions += _season_assumptions(seas, terr, aircraft)
    logger.info(
        "five-option study: %d scenarios, %d Minsk distances, %d sensors, %d + %d tasks, %.1f s",
        len(names),
        len(minsk_budgets),
        len(sensors_),
        len(specs),
        len(specs2),
        time.perf_counter() - t_start,
    )
    return Sweep(
        rows=rows,
        routes=layers["routes"],
        footprints=layers["footprints"],
        site_routes=layers["site_routes"],
        reach=reach_frames,
        reach_curves=curves,
        break_even=break_even,
        sensitivity=sensitivity_df,
        params=params,
        assumptions=assumptions,
        run={"phase1": run1, "phase2": run2, "cpu_seconds": timing},
        season=seas,
    )


def _collect_raw(results: Mapping[str, dict[str, Any]], specs: Sequence[Mapping]) -> dict:
    """The results of ``specs`` by label; a failed task raises (its own error if it had one)."""
    out = {}
    for sp in specs:
        res = results.get(sp["icao"])
        if res is None:
            msg = f"study task {sp['icao']!r} returned no result"
            raise RuntimeError(msg)
        if res.get("status") != "ok":
            exc = res.get("exception")
            if isinstance(exc, BaseException):
                raise exc
            msg = f"study task {sp['icao']!r} failed: {res.get('error', '')}"
            raise RuntimeError(msg)
        out[sp["icao"]] = res["result"]
    return out


def _collect(
    results: Mapping[str, dict[str, Any]], specs: Sequence[Mapping]
) -> dict[tuple[str, float, str], dict[str, Any]]:
    raw = _collect_raw(results, specs)
    units: dict[tuple[str, float, str], dict[str, Any]] = {}
    for sp in specs:
        role = "kub" if not sp["hypothetical"] else "minsk"
        for (b, s), payload in raw[sp["icao"]].items():
            units[(role, float(b), s)] = payload
    return units


def _unit(metric: str) -> str:
    base = metric.rsplit("_", 1)[0] if metric.startswith("ferry_") else metric
    if base in ("ferry_km", "ferry_hours"):
        return "km" if base == "ferry_km" else "h"
    return (METRICS.get(metric) or ("", ""))[0]


def _option_metrics(
    m: dict[str, float],
    *,
    name: str,
    reg: _airfields.Regime,
    entry: str,
    start: str,
    home_bases: Sequence[str],
    aircraft: _aircraft.Aircraft,
    five: _eo.FiveHourCheck,
    annex_ok: float,
    floor: float | None,
    per_year: float | None,
    budget_km: float,
) -> dict[str, float]:
    """The option's own metrics on top of an airfield's: ferry, transit, rules, quota."""
    out = {k: v for k, v in m.items() if not k.startswith("ferry_")}
    out["budget_km"] = float(budget_km)
    poe = reg.airfield(entry)  # the Minsk candidate too: the same place in every regime
    for hb in home_bases:
        h = reg.airfield(hb)
        km = 2.0 * float(geodesy.distance_km(h.lon, h.lat, poe.lon, poe.lat))
        out[f"ferry_km_{hb}"] = km
        out[f"ferry_hours_{hb}"] = km / aircraft.cruise_speed_kmh
    osa = reg.airfield(start)
    leg = float(geodesy.distance_km(poe.lon, poe.lat, osa.lon, osa.lat))
    out["treaty_transit_km_per_flight"] = 0.0 if osa.icao == poe.icao else 2.0 * leg
    if name == "poe_only":
        out["poe_to_osa_hours"] = float(five.hours)
        out["five_hour_ok"] = float(five.ok)
    out["annex_e_ok"] = float(annex_ok)
    if floor is not None:
        out["min_budget_annex_e_km"] = float(floor)
    if per_year:
        out["observer_quota_flights_per_year"] = float(per_year)
        n = out.get("flights_100pct")
        if n is not None and math.isfinite(n):
            out["years_of_observer_quota_100pct"] = _eo.years_of_quota(n, per_year)
    return out


def _sensitivity_rows(
    assumption: str,
    setting: str,
    sensor: str,
    names: Sequence[str],
    *,
    kub_budget: float,
    res: Mapping[str, Any],
    base_kub: tuple[float, float],
    base_minsk: Mapping[float, tuple[float, float]],
    grids: Mapping[str, Sequence[float]],
) -> list[dict[str, Any]]:
    """Rows of ``sensitivity.csv`` for one setting and sensor.

    ``flips`` is 1 when, at that Minsk distance, the comparison "Minsk at least as good as
    Kubinka" under the setting differs from the one under the default assumptions (both
    sides planned again under the setting); the status quo rows are the reference (0).
    """
    out: list[dict[str, Any]] = []
    for i, (metric, better) in enumerate(SENSITIVITY_METRICS.items()):
        k_now, k_base = res["kub"][i], base_kub[i]
        row = {"assumption": assumption, "setting": setting, "sensor": sensor, "metric": metric}
        if "status_quo" in names:
            out.append(
                {
                    **row,
                    "scenario": "status_quo",
                    "budget_km": kub_budget,
                    "value": k_now,
                    "baseline": k_base,
                    "flips": 0,
                }
            )

        def ok(v: float, ref: float, better: str = better) -> bool:
            if not (math.isfinite(v) and math.isfinite(ref)):
                return False
            return v <= ref if better == "lower" else _share(v) >= _share(ref)

        def combined(v: float, ref: float, better: str = better) -> float:
            vals = [x for x in (v, ref) if math.isfinite(x)]
            if not vals:
                return math.nan
            return min(vals) if better == "lower" else max(vals)

        for n in names:
            if n not in grids:
                continue
            for b in sorted(res["minsk"]):
                if b not in grids[n]:
                    continue
                m_now, m_base = res["minsk"][b][i], base_minsk[b][i]
                if n == "added_osa":
                    m_now, m_base = combined(m_now, k_now), combined(m_base, k_base)
                out.append(
                    {
                        **row,
                        "scenario": n,
                        "budget_km": b,
                        "value": m_now,
                        "baseline": m_base,
                        "flips": int(ok(m_now, k_now) != ok(m_base, k_base)),
                    }
                )
    return out


def _assumptions(
    names: Sequence[str],
    floors: Mapping[str, float],
    quota_notes: Mapping[str, str],
    five: _eo.FiveHourCheck,
    sensitivity: bool,
) -> list[tuple[str, str]]:
    out = [
        (
            "The five legal options",
            "status_quo, poe_only, added_osa, replacement, single_state "
            "(openskies._entry_options; docs/legal-options.md); Minsk's maximum flight distance "
            "is a study parameter swept on a grid",
        ),
        (
            "Minsk-only flights",
            "planned once per distance within Belarus (single_state regime): a flight that "
            "never leaves Belarus is legal in replacement and added_osa too",
        ),
    ]
    if "added_osa" in names:
        out.append(
            (
                "added_osa",
                "flight counts are the better airfield's plan (a mix of Kubinka and Minsk "
                "flights is not searched: it could need fewer); the lower bound holds for any mix",
            )
        )
    if "poe_only" in names:
        out.append(
            (
                f"Annex E para 1: {five.poe} -> {five.osa}",
                f"{five.distance_km:,.1f} km at {five.speed_kmh:g} km/h = {five.hours:.2f} h "
                f"(limit {five.limit_h:g} h; {five.speed_source})",
            )
        )
    for n, v in floors.items():
        out.append(
            (
                f"Annex E para 5(A) floor ({n})",
                f"{v:,.0f} km"
                + (
                    ": Minsk must cover what Kubinka's 35 % disk covered and the other OSAs do "
                    "not (relative rule; the 1992 designations leave Primorye uncovered)"
                    if n == "replacement"
                    else ": the farthest point of Belarus from Minsk / 0.35"
                ),
            )
        )
    notes = sorted({v for v in quota_notes.values() if v})
    out.append(
        (
            "Observer quota",
            "Art. III Sec. I para 10 with the observer's total active quota in practice "
            "(geodata/treaty.yaml)" + (f"; {'; '.join(notes)}" if notes else ""),
        )
    )
    out.append(
        (
            "Break-even",
            "smallest Minsk distance at which Minsk does at least as well as Kubinka: grid "
            f"bracket refined by bisection to {BREAK_EVEN_TOL_KM:g} km; a distance with no "
            "full-coverage plan counts as failing",
        )
    )
    if sensitivity:
        out.append(
            (
                "Sensitivity",
                "swath -20/+20 %, side overlap 0/20 %, turn margin 0/5 %, each alone; Kubinka "
                "and Minsk planned again, each sensor on its own lanes, at the two Minsk "
                "distances of the grid that bracket the break-even of flights_100pct "
                "(sensitivity.csv)",
            )
        )
    return out


def _season_assumptions(
    seas: Season, terr: _territory.Territory, aircraft: _aircraft.Aircraft
) -> list[tuple[str, str]]:
    """The daylight and weather assumptions of the month rows, with the numbers used."""
    import calendar

    out = [
        (
            f"Daylight (optical imaging at a solar elevation >= {seas.min_elevation_deg:g} deg)",
            "month rows: each flight of an optical sensor fits the month's daylight at "
            f"{terr.code} on its representative day (openskies.daylight.REPRESENTATIVE_DAY): "
            "its counted km are capped at (1 + turn margin) x (the hours every point of the "
            f"territory has that sun x {aircraft.cruise_speed_kmh:g} km/h + 2 x the airfield's "
            "distance to the territory); conservative in where and when the flight images, "
            "not in the day of the month (docs/methodology.md, Months)",
        ),
        (
            "Weather",
            "expected_flights_100pct = flights_100pct / q, q the chance that a mission window "
            f"of {weather.DEFAULT_DAYS_PER_WINDOW} daylight days has a usable day (column "
            f"{weather.DEFAULT_COLUMN} of the bundled sunshine table, the mean of its "
            f"{weather.sunshine_table()['station'].nunique()} stations; persistence "
            f"{weather.DEFAULT_PERSISTENCE:g}; docs/weather.md); the year rows use the "
            f"year-average q = {seas.q_year:.3f}",
        ),
    ]
    for m in seas.months:
        w = seas.windows[m]
        if seas.common_h[m] > 0:
            continue
        out.append(
            (
                f"No optical imaging of all of {terr.code} in {calendar.month_name[m]}",
                f"on {w.day.isoformat()} no hour has the sun at or above "
                f"{seas.min_elevation_deg:g} deg over every point of the territory (noon sun "
                f"{w.lowest_noon_deg:.1f} deg at its far edge, {w.highest_noon_deg:.1f} deg at "
                "its best point): the whole territory becomes imageable at a threshold below "
                f"{w.lowest_noon_deg:.1f} deg, some part of it at {w.highest_noon_deg:.1f} deg "
                "or lower",
            )
        )
    return out
