"""Route planning: the most valuable legal observation flight within the distance quota.

Two layers:

- :func:`solve_orienteering`, a generic Orienteering Problem solver on any
  non-negative distance matrix (exact MILP with HiGHS, or an iterated local
  search; see :mod:`openskies._orienteering`);
- :func:`plan_route`, the geospatial planner: targets (points or polygons with
  a ``value``) in a territory, an Open Skies airfield and its maximum flight
  distance in, a legal :class:`~openskies.flightplan.FlightPlan` out.

Planning model (see ``docs/planning.md``):

- A point target is *observed* when its whole uncertainty disc lies inside the
  sensor footprint of the path: the path passes within ``half_swath -
  position_uncertainty_km`` of it (without a sensor: within 1 km). A polygon
  target is observed when the footprint covers at least ``min_fraction`` of
  it; the planner requires the path to pass within ``half_swath - R`` of the
  polygon's representative point, where ``R`` is the radius of the smallest
  disc around that point holding ``min_fraction`` of the polygon
  (conservative: a band of half-width ``w`` around a line through a point
  contains the disc of radius ``w`` around it).
- A one-sided sensor (the SAR preset: 6-31 km right of the track) observes a
  target lying in its offset strip on its side of a sensor-on leg. Each target
  gets a straight pass beside it (the target's disc inside the strip, at the
  pass's middle; every 15 degrees of heading, three offsets), chosen at
  expansion to fit between its neighbours; sensors are on over the passes (and a
  large target's sweep lanes) only. The solver's target-to-target distances
  differ from the flown route, so an overrun is solved again with the excess
  taken off the solver's budget and a shortfall with the slack added, the best
  legal route kept.
- Legs are WGS84 geodesics; distances between targets are geodesic, or the
  length of the shortest detour through a visibility graph (:mod:`openskies._paths`,
  the router coverage uses too) when the direct leg would leave the allowed area:
  the observed territory's treaty area, minus the 10 km stand-off band (plus the
  border-data tolerance) around non-party neighbours, minus user avoid zones.
- The objective is the total value of observed targets; the constraint is the
  start OSA's maximum flight distance, counted as :attr:`FlightPlan.length_km`
  does (geodesic length times ``1 + turn_margin``). Sub-limits (Kaliningrad)
  are enforced by dropping targets until the plan validates.

Coordinates are (lon, lat) degrees WGS84; distances are km.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import nearest_points

from . import _limits, _paths, geodesy
from . import airfields as _airfields
from . import territory as _territory
from ._errors import InfeasibleError, ValidationError
from ._orienteering import OrienteeringResult, solve_orienteering
from .flightplan import FlightPlan
from .sensors import Sensor, as_sensor

logger = logging.getLogger(__name__)

__all__ = [
    "OrienteeringResult",
    "PlannedRoute",
    "SkippedTarget",
    "observed_targets",
    "plan_route",
    "solve_orienteering",
]

#: Without a sensor, a point counts as observed within this distance of the path (km).
NO_SENSOR_RADIUS_KM = 1.0

#: Legs are kept this far inside the allowed area, so that geodesic legs (which
#: differ slightly from straight lines in the local projection) stay legal (km).
CLEARANCE_KM = 1.0

#: Region around the start, end and targets within which detours are searched (km).
REGION_MARGIN_KM = 150.0

#: Simplification tolerance of obstacle outlines in the visibility graph (km).
SIMPLIFY_KM = 2.0

#: Longest leg of the returned plan near obstacles (km): long straight legs in the
#: local projection are cut so that their geodesics follow them closely.
MAX_LEG_NEAR_OBSTACLE_KM = 25.0

#: Share of an uncertainty disc (clipped to the treaty area) that the footprint must cover for
#: "the whole disc": 1 minus a tolerance for polygonised discs and slivers at border bends,
#: which lanes kept CLEARANCE_KM inside the border cannot always reach.
DISC_FRACTION = 0.995
#: observed_targets pre-selects the path's pieces near each target in one AEQD centred on
#: the path; the margin covers the bending of a straight piece between two projections
PATH_PIECE_SLACK_KM = 25.0
#: beyond this distance from its centre (scale error above ~0.5 %) a path is not pre-selected
PATH_PIECE_MAX_RADIUS_KM = 1500.0
#: one-sided sensors: runs are densified along their geodesics every this many km before
#: their strips are built (as openskies.coverage.footprint does)
RUN_DENSIFY_KM = 5.0
# WGS84's smallest radius of curvature (meridional, at the equator): the largest angle c
_MIN_CURVATURE_RADIUS_KM = 6335.4

#: Overlap between neighbouring lanes when a target larger than one swath is swept.
SWEEP_OVERLAP = 0.1

#: One-sided sensors: a target is imaged from a straight pass; its disc keeps this far (km)
#: from the strip's edges and from the pass's ends (scale error of the planning projection,
#: geodesic legs), and the headings tried for a pass are this many degrees apart.
PASS_MARGIN_KM = 1.0
PASS_HEADING_STEP_DEG = 15.0
#: The flight differs from the solver's target-to-target model: a point target's waypoint
#: moves within its radius towards its neighbours' chord, a one-sided sensor's pass lies
#: beside its target. Times a route over the budget is solved again with the excess taken
#: off the solver's budget, before targets are dropped, and times a legal route more than
#: PASS_CAP_SLACK of the budget short of it is solved again with the solver's budget scaled
#: by the budget over the length flown (a one-sided sensor's: with the slack added; the
#: best legal route is kept).
PASS_CAP_RETRIES = 3
PASS_CAP_SLACK = 0.01
#: Before the search proper, up to PROBE_ROUNDS cheap searches (PROBE_EFFORT of the
#: default effort) scale the solver's budget the same way, aiming at PROBE_AIM of the
#: budget (just over it: a route a little over the budget is trimmed, which costs less than
#: another search): with hundreds of targets within a swath of each other the flight is a
#: quarter shorter than the model (bench/README.md, route planner at scale).
#: Only above PROBE_MIN_TARGETS targets: on fewer, the search proper runs first at the
#: solver's own budget, so the route is never less valuable than that search's.
PROBE_ROUNDS = 2
PROBE_MIN_TARGETS = 400
PROBE_EFFORT = 0.125
PROBE_AIM = 1.01
#: A route over the budget is first trimmed: at most this many rounds, each dropping the
#: visited targets of least value per km saved until the excess is made up.
TRIM_ROUNDS = 4


@dataclass(frozen=True)
class SkippedTarget:
    """A target the planned route does not observe, and why."""

    index: Any
    name: str
    value: float
    reason: str


@dataclass
class PlannedRoute:
    """Details of a :func:`plan_route` result (also attached to the plan as ``plan.route``)."""

    observed: list[Any]
    skipped: list[SkippedTarget]
    value_observed: float
    value_total: float
    solver: OrienteeringResult

    def summary(self) -> dict[str, Any]:
        """Plain dict for reports."""
        return {
            "targets_observed": len(self.observed),
            "targets_skipped": len(self.skipped),
            "value_observed": self.value_observed,
            "value_total": self.value_total,
            "solver_method": self.solver.method,
            "solver_optimal": self.solver.optimal,
        }


# --------------------------------------------------------------------------- targets


def _target_table(targets: gpd.GeoDataFrame, terr: _territory.Territory) -> gpd.GeoDataFrame:
    if not isinstance(targets, gpd.GeoDataFrame):
        msg = (
            f"targets must be a GeoDataFrame of points or polygons with a 'value' column, "
            f"got {type(targets).__name__}"
        )
        raise ValidationError(msg)
    if len(targets) == 0:
        msg = "targets is empty: give at least one target (a point or polygon with a value)"
        raise ValidationError(msg)
    if "value" not in targets.columns:
        msg = f"targets has no 'value' column (columns: {list(targets.columns)}); add one"
        raise ValidationError(msg)
    t = targets
    if t.crs is None:
        msg = "targets has no CRS: set it (e.g. targets.set_crs('EPSG:4326'))"
        raise ValidationError(msg)
    if not t.crs.equals("EPSG:4326"):
        t = t.to_crs("EPSG:4326")
    _limits.cap("targets").check(len(t), "targets", fix="give fewer targets")
    names = t["name"].astype(str) if "name" in t.columns else t.index.astype(str)
    name_cap = _limits.cap("name_chars")
    for name in names:
        name_cap.check(len(name), f"target name {name[:40]!r}...", fix="shorten it")
    for idx, v in t["value"].items():
        if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.number):
            msg = (
                f"target {names[idx]!r} has value {v!r}: a value must be a number >= 0 "
                "(e.g. 1 or 2.5), not text or true/false"
            )
            raise ValidationError(msg)
    values = np.asarray(t["value"], dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        bad = t.index[~np.isfinite(values) | (values < 0)][0]
        msg = f"target {bad!r} has value {t.loc[bad, 'value']!r}: values must be finite and >= 0"
        raise ValidationError(msg)
    types = set(t.geom_type)
    if not types <= {"Point", "Polygon", "MultiPolygon"}:
        msg = f"targets must be points or polygons, got geometry types {sorted(types)}"
        raise ValidationError(msg)
    invalid = ~t.geometry.is_valid | t.geometry.is_empty
    if invalid.any():
        msg = f"target {t.index[invalid][0]!r} has an invalid or empty geometry: fix it"
        raise ValidationError(msg)
    reps = t.geometry.representative_point()
    for _idx, p, name in zip(t.index, reps, names, strict=True):
        terr.check_inside(p.x, p.y, what=f"target {name!r}")
    return t


# --------------------------------------------------------------------------- allowed area


class _Region(_paths.Router):
    """The allowed area around the route, in a local AEQD projection (metres).

    The route planner's use of the one router (:class:`openskies._paths.Router`): legs
    stay in :attr:`allowed`, the allowed area shrunk by ``CLEARANCE_KM``; lane ends
    computed on its boundary may fall 1 m outside; paths bend at the corners of the
    area shrunk and simplified by ``SIMPLIFY_KM``.
    """

    def __init__(self, centre: tuple[float, float], allowed: BaseGeometry) -> None:
        # shrink by the tolerance, then simplify: the outline moves by at most the
        # tolerance, so it stays inside the allowed area without re-adding its detail
        tol = SIMPLIFY_KM * 1000.0
        corners = allowed.buffer(-tol).simplify(tol)
        super().__init__(allowed, corners, centre, tolerance_m=1.0, canonical_corners=True)

    @property
    def allowed(self) -> BaseGeometry:
        """The allowed area, projected, shrunk by the clearance (:attr:`area`)."""
        return self.area


def _allowed_region(
    terr: _territory.Territory,
    regime: _airfields.Regime,
    points: list[tuple[float, float]],
    avoid: BaseGeometry | None,
) -> _Region:
    lon = geodesy.unwrap_lon([p[0] for p in points], reference=points[0][0])
    lat = np.array([p[1] for p in points])
    hull = shapely.MultiPoint(np.column_stack([lon, lat])).convex_hull
    region_ll = geodesy.buffer_km(hull, REGION_MARGIN_KM)
    try:
        geodesy.local_crs(region_ll, max_extent_km=3000.0)
    except ValidationError:
        msg = (
            "the start, end and targets span more than ~3,000 km: plan_route works in one "
            "local projection; split the targets into regional plans"
        )
        raise ValidationError(msg) from None
    allowed_ll = terr.treaty_geometry.intersection(region_ll)
    standoff = float(regime.parameter("route", "non_party_standoff"))
    tolerance = float(regime.parameter("route", "border_data_tolerance"))
    band = terr.standoff_zone(standoff + tolerance, near=region_ll)
    if not band.is_empty:
        allowed_ll = allowed_ll.difference(band)
    if avoid is not None and not avoid.is_empty:
        allowed_ll = allowed_ll.difference(avoid)
    centre = geodesy.centre_of(region_ll)
    allowed_p, _ = geodesy.to_local(allowed_ll, centre=centre)
    allowed_p = allowed_p.buffer(-CLEARANCE_KM * 1000.0).simplify(0.0)
    return _Region(centre, allowed_p)


# --------------------------------------------------------------------------- planner


def _resolve(
    start: str, end: str | None, budget_km: float | None, regime: _airfields.Regime | None
) -> tuple[_airfields.Regime, _airfields.Airfield, _airfields.Airfield, float]:
    reg = _airfields.as_regime(regime)
    a = reg.require_osa(start)
    b = reg.require_osa(end) if end is not None else a
    reg.check_observes(b.icao, a.group, role=f"end airfield (the flight commences at {a.icao})")
    budget = reg.check_budget(a.icao, budget_km)
    return reg, a, b, float(budget)


def plan_route(
    territory: _territory.Territory | str | None,
    targets: gpd.GeoDataFrame,
    *,
    start: str,
    end: str | None = None,
    budget_km: float | None = None,
    sensor: Sensor | str | None = None,
    avoid: BaseGeometry | gpd.GeoDataFrame | None = None,
    regime: _airfields.Regime | None = None,
    time_limit_s: float = 300.0,
    min_fraction: float = 0.9,
    seed: int = 0,
    method: str = "auto",
    aircraft: Any = None,
    name: str = "",
) -> FlightPlan:
    """Plan the most valuable legal observation flight within the distance budget.

    Parameters
    ----------
    territory : Territory, str or None
        What may be observed and where targets must lie; default: the start
        airfield's observed territory in the regime (Kubinka -> ``BLR+RUS``).
        Flights always stay within the start airfield's observed territory.
    targets : GeoDataFrame
        Points or polygons (any CRS; converted to EPSG:4326) with a ``value``
        column (>= 0); optional ``name`` and ``position_uncertainty_km``.
    start, end : str
        ICAO codes of the Open Skies airfields where the flight starts and
        ends (``end`` defaults to ``start``). Must be OSAs in ``regime``.
    budget_km : float, optional
        Maximum flight distance (km); default: the start OSA's.
    sensor : Sensor or str, optional
        Sensor (or preset name) whose footprint observes targets; without one
        a point is observed within 1 km of the path.
    avoid : shapely geometry or GeoDataFrame, optional
        Areas (lon, lat) the path must not enter.
    regime : Regime, optional
        Treaty regime (default 2019), with any hypothetical designations.
    time_limit_s : float
        Safety cap (s) on the wall time of each orienteering solve; the search
        effort itself is bounded by work, so the same inputs and ``seed`` give
        the same route. The default, 300 s, is a safety net, not the budget:
        the default search over 1,000 targets takes about 47 s of CPU on the
        project's 2-core machine (``bench/bench_route_scale.py``, bench/README),
        so only a machine far slower or loaded far beyond its cores reaches it (a
        warning is logged, and the route then depends on the machine).
    min_fraction : float
        Fraction of a polygon target the footprint must cover.
    seed : int
        Seed of the heuristic search.
    method : str
        Solver method: ``"auto"``, ``"exact"`` or ``"heuristic"``.
    aircraft : Aircraft or str, optional
        Aircraft profile for durations (default: the plan's default).
    name : str
        Name of the plan.

    Returns
    -------
    FlightPlan
        A plan that passes ``validate()``; ``plan.route`` (a
        :class:`PlannedRoute`) lists observed and skipped targets with reasons.
    """
    reg, a, b, budget = _resolve(start, end, budget_km, regime)
    observed_terr = reg.observed_territory(a.icao)
    if territory is None:
        terr = observed_terr
    elif isinstance(territory, str):
        terr = _territory.get(territory, year=reg.year)
    else:
        terr = territory
    if not set(terr.members) <= set(observed_terr.members):
        msg = (
            f"territory {terr.code} is not observed from {a.label}, whose flights observe "
            f"{observed_terr.code}; choose an airfield of {terr.code}'s party"
        )
        raise ValidationError(msg)
    if not 0.0 < min_fraction <= 1.0:
        msg = f"min_fraction={min_fraction!r} must be in (0, 1]"
        raise ValidationError(msg)
    sens = as_sensor(sensor, allow_none=True)
    half_swath = _half_swath_km(sens)
    strip = _one_sided_strip_m(sens)
    tt = _target_table(targets, terr)
    avoid_geom = _avoid_geometry(avoid)
    margin = float(reg.parameter("max_flight_distance", "turn_margin"))

    names = tt["name"].astype(str) if "name" in tt.columns else tt.index.astype(str)
    values = tt["value"].astype(float)
    pts_ll = [(a.lon, a.lat), (b.lon, b.lat)] + [
        (p.x, p.y) for p in tt.geometry.representative_point()
    ]
    region = _allowed_region(observed_terr, reg, pts_ll, avoid_geom)
    for which in (a, b):
        x, y = region.project(which.lon, which.lat)
        if not region.allowed.buffer(CLEARANCE_KM * 1000.0 + 1.0).covers(Point(x, y)):
            msg = f"{which.label} lies outside the allowed area of {observed_terr.code}"
            raise ValidationError(msg)
    areas = _target_areas(tt, region)
    nodes: list[_Node] = [
        _Node(None, region.project(a.lon, a.lat), 0.0, None, 0.0),
        _Node(None, region.project(b.lon, b.lat), 0.0, None, 0.0),
    ]
    skipped: list[SkippedTarget] = []
    for idx in tt.index:
        if strip is None:
            node, reason = _make_node(
                idx, tt.loc[idx].geometry, areas[idx], region, half_swath, min_fraction
            )
        else:
            node, reason = _make_pass_node(
                idx, tt.loc[idx].geometry, areas[idx], region, strip, min_fraction
            )
        if node is None:
            skipped.append(SkippedTarget(idx, names[idx], float(values[idx]), reason))
        else:
            nodes.append(node)

    node_xy = [nd.aim for nd in nodes]
    dist, paths = _distance_matrix(region, node_xy)
    internal_km = np.array([nd.internal_m / 1000.0 for nd in nodes])
    n = len(nodes)
    scores = [0.0, 0.0] + [float(values[nd.target]) for nd in nodes[2:]]
    same_end = a.icao == b.icao
    unreachable = {k for k in range(2, n) if not np.isfinite(dist[0, k])}
    d_solver = dist + (internal_km[:, None] + internal_km[None, :]) / 2.0
    d_solver[~np.isfinite(d_solver)] = 1e9
    np.fill_diagonal(d_solver, 0.0)
    if same_end:  # node 1 duplicates node 0 (same airfield): route 0 -> ... -> 0
        d_solver[:, 1] = d_solver[:, 0]
        d_solver[1, :] = d_solver[0, :]
    cap = budget / (1.0 + margin) * (1.0 - 1e-6)
    if not same_end and not np.isfinite(dist[0, 1]):
        standoff = float(reg.parameter("route", "non_party_standoff")) + float(
            reg.parameter("route", "border_data_tolerance")
        )
        msg = (
            f"no legal path from {a.label} to {b.label} was found within {observed_terr.code}: "
            f"inside the planning region (the start, end and targets with a "
            f"{REGION_MARGIN_KM:g} km margin), kept {standoff:g} km from the borders of "
            f"non-parties{' and out of the avoid zones' if avoid_geom is not None else ''}, "
            "the two airfields are not connected. Choose an end airfield the flight can "
            "reach, or add targets along a legal corridor between them"
        )
        raise InfeasibleError(msg)
    if dist[0, 1] > cap and not same_end:
        msg = (
            f"the budget cannot reach the end airfield: the shortest legal path from "
            f"{a.label} to {b.label} is {dist[0, 1]:,.0f} km ({dist[0, 1] * (1 + margin):,.0f} "
            f"km counted with the {margin:.0%} turn margin), more than the budget of "
            f"{budget:,.0f} km. Raise budget_km (at most the legal limit, "
            f"{reg.max_flight_distance_km(a.icao):,.0f} km) or choose a nearer end airfield"
        )
        raise InfeasibleError(msg)
    build = _PlanBuilder(
        region,
        nodes,
        paths,
        tt,
        a,
        b,
        reg,
        observed_terr,
        budget,
        sens,
        min_fraction,
        aircraft,
        name,
    )
    result = None
    plan = None
    observed: list[Any] = []
    banned: set[int] = set()
    cap_try, shrinks, grows = cap, 0, 0
    retries = PASS_CAP_RETRIES
    # only a one-sided sensor's flight can be longer than the model by more than the turn
    # margin (its passes lie beside the targets): the others drop targets instead
    shrink_retries = retries if strip is not None else 0

    def solve(
        s: list[float], cap_km: float, how: str, effort: float = 1.0
    ) -> tuple[OrienteeringResult, list[int]]:
        """The solver's route within ``cap_km`` and its node order from start to end."""
        res = solve_orienteering(
            d_solver,
            s,
            cap_km,
            start=0,
            end=0 if same_end else 1,
            method=how,
            time_limit_s=time_limit_s,
            seed=seed,
            effort=effort,
        )
        nodes = [k for k in res.order if not (same_end and k == 1)]
        if same_end and nodes[-1] != 0:
            nodes.append(0)
        return res, nodes

    for _probe in range(PROBE_ROUNDS if n - 2 > PROBE_MIN_TARGETS else 0):
        _, order = solve(scores, cap_try, "heuristic", PROBE_EFFORT)
        flown = build(order)[0].length_km
        if len(order) >= n or not 0.0 < flown < (1.0 - PASS_CAP_SLACK) * budget:
            break  # every target on the route, none, or the flight no shorter than the model
        cap_try *= PROBE_AIM * budget / flown
        logger.debug("plan_route: probe flew %.1f km; solver budget %.1f km", flown, cap_try)
    legal: tuple[float, FlightPlan, list[Any], OrienteeringResult] | None = None
    for _attempt in range(n + 1 + 2 * retries):
        s_try = list(scores)
        for k in banned:
            s_try[k] = 0.0
        result, order = solve(s_try, cap_try, method)
        order = [k for k in order if k not in banned or k in (0, 1)]
        plan, observed = build(order)
        violations = plan.validate(avoid=avoid_geom)
        if strip is not None and {v.rule for v in violations} - {"max_distance"}:
            # passes taken for the shortest legs may turn too sharply (circling, a point
            # passed three times): the same order with sharp turns onto passes avoided
            plan2, observed2 = build(order, avoid_sharp=True)
            violations2 = plan2.validate(avoid=avoid_geom)
            if len(violations2) < len(violations):
                plan, observed, violations = plan2, observed2, violations2
        if not violations:
            value = float(sum(values[t] for t in observed))
            if legal is None or value > legal[0]:
                legal = (value, plan, observed, result)
            slack = budget - plan.length_km
            if (
                grows < retries
                and slack > PASS_CAP_SLACK * budget
                and len(observed) < n - 2
                and plan.length_km > 0.0
            ):
                # the flight cuts corners the model does not: solve again with the solver's
                # budget scaled by the budget over the length flown (a one-sided sensor's
                # with the slack added, as it always was)
                if strip is not None:
                    cap_try += slack / (1.0 + margin)
                else:
                    cap_try *= PROBE_AIM * budget / plan.length_km
                grows += 1
                logger.debug("plan_route: %.1f km under the budget; cap %.1f km", slack, cap_try)
                continue
            break
        over = {v.rule for v in violations} == {"max_distance"}
        # over the budget only because the solver's was raised: trim rather than search again
        raised = over and cap_try > cap
        trimmed = _trim(order, plan, build, d_solver, s_try, budget, avoid_geom) if raised else None
        if trimmed is not None:
            # over the budget by a little: the same route without its least valuable targets
            plan_t, observed_t, order_t = trimmed
            value = float(sum(values[t] for t in observed_t))
            if legal is None or value > legal[0]:
                solved = dataclasses.replace(
                    result,
                    order=order_t,
                    score=float(sum(s_try[k] for k in set(order_t))),
                    length=float(sum(d_solver[a, b] for a, b in itertools.pairwise(order_t))),
                    optimal=None,
                )
                legal = (value, plan_t, observed_t, solved)
            break
        if raised and legal is None and cap_try != cap:
            cap_try = cap  # no legal route from the raised budget: back to the solver's own
            continue
        if legal is not None and over:
            break  # a larger budget for the solver overran: keep the best legal route
        if shrinks < shrink_retries and over:
            # a one-sided sensor's passes lie beside its targets, so the flight differs from
            # the solver's target-to-target model: solve again with the excess taken off
            cap_try -= (plan.length_km - budget) / (1.0 + margin) + 1.0
            shrinks += 1
            logger.debug(
                "plan_route: %.1f km over the budget; cap %.1f km", plan.length_km - budget, cap_try
            )
            continue
        # the geometric route differs slightly from the solver's model (sweep entries, detours,
        # sub-limits): drop the visited target with the least value per km and solve again
        visited = [k for k in order if k >= 2]
        if not visited:
            break
        drop = min(visited, key=lambda k: s_try[k] / max(d_solver[0, k], 1e-9))
        banned.add(drop)
        logger.debug("plan_route: %s; dropping node %s", violations[0].rule, drop)
    if legal is not None:
        _, plan, observed, result = legal
    assert plan is not None
    assert result is not None
    remaining = plan.validate(avoid=avoid_geom)
    if remaining:
        msg = "; ".join(f"{v.rule}: {v.message}" for v in remaining)
        msg = f"internal error: the planned route is not legal ({msg}); please report it"
        raise RuntimeError(msg)

    observed_set = set(observed)
    skipped_ids = {s.index for s in skipped}
    for k in range(2, n):
        t = nodes[k].target
        if t in observed_set or t in skipped_ids:
            continue
        if k in unreachable:
            reason = "unreachable: no legal path to it within the observed territory"
        elif d_solver[0, k] + d_solver[k, 0 if same_end else 1] > cap:
            reason = "unreachable within the budget"
        else:
            reason = "not worth the distance: the budget was spent on more valuable targets"
        skipped.append(SkippedTarget(t, names[t], float(values[t]), reason))
    route = PlannedRoute(
        observed=[i for i in tt.index if i in observed_set],
        skipped=skipped,
        value_observed=float(sum(values[t] for t in observed_set)),
        value_total=float(values.sum()),
        solver=result,
    )
    object.__setattr__(plan, "route", route)
    logger.info(
        "plan_route %s -> %s: %d/%d targets observed, value %.1f/%.1f, %.0f/%.0f km",
        a.icao,
        b.icao,
        len(route.observed),
        len(tt),
        route.value_observed,
        route.value_total,
        plan.length_km,
        budget,
    )
    return plan


def _half_swath_km(sensor: Sensor | None) -> float | None:
    """Half the swath (km) of a sensor; None without one."""
    if sensor is None:
        return None
    return float(sensor.swath_km) / 2.0


def _one_sided_strip_m(sensor: Sensor | None) -> tuple[float, float] | None:
    """Signed edges (m, positive right of the track) of a one-sided strip; None if centred."""
    if sensor is None or sensor.side == "both":
        return None
    lo, hi = sensor.cross_track_km
    return (lo * 1000.0, hi * 1000.0)


def _avoid_geometry(avoid: Any) -> BaseGeometry | None:
    if avoid is None:
        return None
    if isinstance(avoid, gpd.GeoDataFrame | gpd.GeoSeries):
        if avoid.crs is not None and not avoid.crs.equals("EPSG:4326"):
            avoid = avoid.to_crs("EPSG:4326")
        bad = ~avoid.geometry.is_valid  # checked one by one: GEOS cannot union invalid rings
        if bad.any():
            k = avoid.index[bad.to_numpy()][0]
            msg = (
                f"avoid zone {k!r} has an invalid geometry "
                f"({shapely.is_valid_reason(avoid.geometry[k])}): fix it (e.g. shapely.make_valid)"
            )
            raise ValidationError(msg)
        geom = shapely.union_all(avoid.geometry.values)
    elif isinstance(avoid, BaseGeometry):
        geom = avoid
    else:
        msg = f"avoid must be a shapely geometry or GeoDataFrame, got {type(avoid).__name__}"
        raise ValidationError(msg)
    if not geom.is_valid:
        msg = "avoid zones have an invalid geometry: fix it (e.g. shapely.make_valid)"
        raise ValidationError(msg)
    return geom


def _distance_matrix(
    region: _Region, node_xy: list[tuple[float, float]]
) -> tuple[np.ndarray, dict[tuple[int, int], list[tuple[float, float]]]]:
    """Geodesic distances (km) between nodes, with visibility-graph detours where needed.

    Returns the matrix (``inf`` where no legal path exists) and, for detoured
    pairs, the projected intermediate points of the detour (:meth:`_paths.Router.table`).
    """
    return region.table(np.asarray(node_xy, dtype=float).reshape(-1, 2))


#: Floyd-Warshall with a next-hop table (the router's; kept here for its callers).
_all_pairs_shortest = _paths.all_pairs_shortest


# --------------------------------------------------------------------------- nodes


@dataclass
class _Node:
    """A stop of the route in the region's projection (metres)."""

    target: Any | None  # target index; None for the airfields
    aim: tuple[float, float]  # where distances are measured from
    radius_m: float  # point mode: pass within this distance of ``aim``
    sweep: list[tuple[float, float]] | None  # sweep mode: serpentine lane points
    internal_m: float  # length flown inside a sweep (or a one-sided sensor's pass)
    # one-sided sensor: the legal straight passes (entry, exit) that image the target
    passes: list[tuple[tuple[float, float], tuple[float, float]]] | None = None
    # one-sided sensor's sweep: whether each leg of ``sweep`` is a lane (sensors on)
    sweep_on: list[bool] | None = None


def _target_areas(tt: gpd.GeoDataFrame, region: _Region) -> dict[Any, BaseGeometry]:
    """The area each target must have imaged, projected (a point has no area)."""
    out: dict[Any, BaseGeometry] = {}
    unc = (
        tt["position_uncertainty_km"].astype(float)
        if "position_uncertainty_km" in tt.columns
        else None
    )
    for idx, geom in zip(tt.index, tt.geometry, strict=True):
        projected = region.project_geometry(geom)
        if geom.geom_type == "Point":
            u = float(unc.loc[idx]) if unc is not None else 0.0
            if math.isfinite(u) and u > 0:
                projected = projected.buffer(u * 1000.0, quad_segs=16)
        out[idx] = projected
    return out


def _make_node(
    idx: Any,
    geom: BaseGeometry,
    area: BaseGeometry,
    region: _Region,
    half_swath_km: float | None,
    min_fraction: float,
) -> tuple[_Node | None, str]:
    centre = geom.representative_point()
    aim = region.project(centre.x, centre.y)
    if half_swath_km is None:
        radius = NO_SENSOR_RADIUS_KM * 1000.0 if geom.geom_type == "Point" else 0.0
    elif area.geom_type == "Point":
        radius = half_swath_km * 1000.0
    else:
        fraction = 1.0 if geom.geom_type == "Point" else min_fraction
        radius = half_swath_km * 1000.0 - _radius_for_fraction_m(area, Point(aim), fraction)
    if radius >= 0:
        aim_pt = Point(aim)
        if not region.allowed.covers(aim_pt):
            near = nearest_points(region.allowed, aim_pt)[0]
            shift = aim_pt.distance(near)
            if shift > radius:
                return None, (
                    "unreachable: it lies in the stand-off band, an avoid zone or outside the "
                    "observed territory, farther than the sensor reaches"
                )
            aim, radius = (near.x, near.y), radius - shift
        return _Node(idx, aim, radius, None, 0.0), ""
    lanes, _ = _sweep(area, region, half_swath_km * 2000.0)
    if not lanes:
        return None, "unreachable: no legal lane over it inside the observed territory"
    internal = sum(math.dist(p, q) for p, q in itertools.pairwise(lanes))
    cx = float(np.mean([p[0] for p in lanes]))
    cy = float(np.mean([p[1] for p in lanes]))
    centre_pt = Point(cx, cy)
    if not region.allowed.covers(centre_pt):
        near = nearest_points(region.allowed, centre_pt)[0]
        cx, cy = near.x, near.y
    return _Node(idx, (cx, cy), 0.0, lanes, internal), ""


def _make_pass_node(
    idx: Any,
    geom: BaseGeometry,
    area: BaseGeometry,
    region: _Region,
    strip_m: tuple[float, float],
    min_fraction: float,
) -> tuple[_Node | None, str]:
    """A target of a one-sided sensor, imaged from a straight pass beside it.

    The target's disc (radius ``R``: its position uncertainty, or the disc around a
    polygon's representative point holding ``min_fraction`` of it) lies in the strip
    of a straight pass when the pass runs beside the target with the target at a
    signed offset in ``[lo + R + m, hi - R - m]`` (``strip_m = (lo, hi)``, positive to
    the right of the track; ``m`` = :data:`PASS_MARGIN_KM`), the foot of the offset
    at the middle of a pass ``2 (R + m)`` long. Every :data:`PASS_HEADING_STEP_DEG`
    of heading and three offsets (near edge, middle, far edge) are tried; the passes
    inside the allowed area are kept and the route takes the one that fits between
    its neighbours (:meth:`_PlanBuilder._expand`). A target wider than the strip is
    swept with lanes whose tracks are offset from the strips they image.
    """
    centre = geom.representative_point()
    t = region.project(centre.x, centre.y)
    lo, hi = strip_m
    margin = PASS_MARGIN_KM * 1000.0
    if area.geom_type == "Point":
        r = 0.0
    else:
        fraction = 1.0 if geom.geom_type == "Point" else min_fraction
        r = _radius_for_fraction_m(area, Point(t), fraction)
    near, far = lo + r + margin, hi - r - margin
    if far < near:
        lanes, lanes_on = _sweep(area, region, hi - lo, offset_m=(lo + hi) / 2.0)
        if not lanes:
            return None, "unreachable: no legal lane over it inside the observed territory"
        internal = sum(math.dist(p, q) for p, q in itertools.pairwise(lanes))
        cx = float(np.mean([p[0] for p in lanes]))
        cy = float(np.mean([p[1] for p in lanes]))
        centre_pt = Point(cx, cy)
        if not region.allowed.covers(centre_pt):
            near_pt = nearest_points(region.allowed, centre_pt)[0]
            cx, cy = near_pt.x, near_pt.y
        return _Node(idx, (cx, cy), 0.0, lanes, internal, sweep_on=lanes_on), ""
    half = r + margin
    offsets = sorted({near, (lo + hi) / 2.0, far})
    passes = []
    for k in range(round(360.0 / PASS_HEADING_STEP_DEG)):
        a = math.radians(k * PASS_HEADING_STEP_DEG)
        hx, hy = math.cos(a), math.sin(a)
        rx, ry = hy, -hx  # right of the heading
        for off in offsets:
            fx, fy = t[0] - off * rx, t[1] - off * ry
            e, x = (fx - hx * half, fy - hy * half), (fx + hx * half, fy + hy * half)
            if region.clear(e, x):
                passes.append((e, x))
    if not passes:
        return None, (
            "unreachable: no pass inside the allowed area (the observed territory out of the "
            "stand-off band and avoid zones) has it in the sensor's strip"
        )
    mids = np.array([[(e[0] + x[0]) / 2.0, (e[1] + x[1]) / 2.0] for e, x in passes])
    aim_pt = Point(mids.mean(axis=0))
    if not region.allowed.covers(aim_pt):
        aim_pt = nearest_points(region.allowed, aim_pt)[0]
    return _Node(idx, (aim_pt.x, aim_pt.y), 0.0, None, 2.0 * half, passes), ""


def _radius_for_fraction_m(area: BaseGeometry, p: Point, fraction: float) -> float:
    """Smallest radius (m) of a disc around ``p`` holding ``fraction`` of ``area`` (projected)."""
    total = area.area
    if total <= 0:
        return 0.0
    far = max(math.hypot(x - p.x, y - p.y) for x, y in shapely.get_coordinates(area))
    if fraction >= 1.0:
        return far
    lo, hi = 0.0, far
    for _ in range(30):
        mid = (lo + hi) / 2.0
        if p.buffer(mid, quad_segs=32).intersection(area).area >= fraction * total:
            hi = mid
        else:
            lo = mid
    return hi


def _sweep(
    area: BaseGeometry, region: _Region, swath_m: float, *, offset_m: float = 0.0
) -> tuple[list[tuple[float, float]], list[bool]]:
    """Serpentine lanes (projected points) imaging ``area``, kept inside the allowed area.

    Returns the points and, for each leg between them, whether it is a lane (the
    others connect the lanes).

    Several sweep directions are tried (the area's long axis first, then every
    15 degrees); the first pattern whose lane-to-lane connections need no
    detour wins, else the one with the fewest detours and no point passed
    twice by detours (Art. VI Sec. II para 4(G)), then the shortest.
    ``offset_m``: the strip's centre lies this far right of the track (a
    one-sided sensor); each lane's track is moved to the left of its strip by it,
    on the side that depends on the direction the lane is flown.
    """
    # only the part of the area the sensor may image counts: lanes cover area ∩ allowed area
    area = area.intersection(region.allowed.buffer(CLEARANCE_KM * 1000.0))
    if area.is_empty:
        return [], []
    rect = area.minimum_rotated_rectangle
    xy = np.asarray(rect.exterior.coords)[:4]
    edges = [xy[(i + 1) % 4] - xy[i] for i in range(2)]
    long_edge = max(edges, key=lambda e: math.hypot(*e))
    base = math.atan2(long_edge[1], long_edge[0])
    best: tuple[tuple[float, ...], list[tuple[float, float]], list[bool]] | None = None
    for step in range(12):
        angle = base + math.radians(15.0 * step)
        pts, on, detours, dropped, repeats = _sweep_at(area, region, swath_m, angle, offset_m)
        if not pts:
            continue
        length = sum(math.dist(p, q) for p, q in itertools.pairwise(pts))
        key = (float(repeats > 0), float(dropped), float(detours), length)
        if best is None or key < best[0]:
            best = (key, pts, on)
        if detours == 0 and dropped == 0:
            break
    return (best[1], best[2]) if best is not None else ([], [])


def _sweep_at(
    area: BaseGeometry, region: _Region, swath_m: float, angle: float, offset_m: float = 0.0
) -> tuple[list[tuple[float, float]], list[bool], int, int, int]:
    """Lanes along direction ``angle`` (radians).

    Returns the points, whether each leg between them is a lane, and the counts of
    detours, dropped lanes and repeated detour points.
    """
    c, s = math.cos(-angle), math.sin(-angle)
    cx, cy = area.centroid.x, area.centroid.y

    def rot(x: float, y: float, cos: float, sin: float) -> tuple[float, float]:
        return (cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos)

    flat = shapely.transform(area, lambda a: np.array([rot(x, y, c, s) for x, y in a]))
    xmin, ymin, xmax, ymax = flat.bounds
    spacing = swath_m * (1.0 - SWEEP_OVERLAP)
    n = max(1, math.ceil((ymax - ymin) / spacing))
    offsets = (
        [ymin + (ymax - ymin) / 2.0]
        if n == 1
        else list(np.linspace(ymin + spacing / 2.0, ymax - spacing / 2.0, n))
    )
    segments: list[list[tuple[float, float]]] = []
    for k, y0 in enumerate(offsets):
        band = shapely.box(xmin - 1, y0 - swath_m / 2.0, xmax + 1, y0 + swath_m / 2.0)
        part = flat.intersection(band)
        if part.is_empty:
            continue
        x0, _, x1, _ = part.bounds
        # even lanes are flown towards +x, odd ones back: the track lies left of its strip
        yt = y0 + (offset_m if k % 2 == 0 else -offset_m)
        ends = [rot(x0, yt, c, -s), rot(x1, yt, c, -s)]
        lane = LineString(ends).intersection(region.allowed)
        # a lane may cross a bend of the border: keep every piece, in flying order
        pieces = [
            g
            for g in getattr(lane, "geoms", [lane])
            if g.geom_type == "LineString" and g.length > 0
        ]
        pieces.sort(key=lambda g: math.dist(ends[0], g.coords[0]))
        lane_segs = [
            list(g.coords)
            if math.dist(ends[0], g.coords[0]) <= math.dist(ends[0], g.coords[-1])
            else list(g.coords)[::-1]
            for g in pieces
        ]
        if k % 2:
            lane_segs = [seg[::-1] for seg in lane_segs[::-1]]
        segments.extend(lane_segs)
    pts: list[tuple[float, float]] = []
    on: list[bool] = []  # on[i]: the leg pts[i] -> pts[i + 1] is a lane
    detours = dropped = 0
    used: dict[tuple[float, float], int] = {}
    for seg in segments:
        if pts and not region.clear(pts[-1], seg[0]):
            # the connection would leave the allowed area (a concave border): go around
            via = region.path(pts[-1], seg[0])
            if via is None:
                dropped += 1
                continue
            detours += 1
            for v in via:
                used[v] = used.get(v, 0) + 1
            on.extend([False] * len(via))
            pts.extend(via)
        if pts:
            on.append(False)
        on.extend([True] * (len(seg) - 1))
        pts.extend(seg)
    repeats = sum(1 for v in used.values() if v > 1)
    return pts, on, detours, dropped, repeats


class _PlanBuilder:
    """Turns a node order into a FlightPlan and the list of targets it observes."""

    def __init__(
        self, region, nodes, paths, tt, a, b, reg, terr, budget, sens, min_fraction, aircraft, name
    ) -> None:
        self.region, self.nodes, self.paths, self.tt = region, nodes, paths, tt
        self.a, self.b, self.reg, self.terr, self.budget = a, b, reg, terr, budget
        self.sens, self.min_fraction, self.aircraft, self.name = sens, min_fraction, aircraft, name
        self.tnames = tt["name"].astype(str) if "name" in tt.columns else tt.index.astype(str)
        self.one_sided = _one_sided_strip_m(sens) is not None

    def __call__(
        self, order: list[int], *, avoid_sharp: bool = False
    ) -> tuple[FlightPlan, list[Any]]:
        on: list[bool] | None = None
        if self.one_sided:  # sensors on over the passes and sweep lanes only
            pts, labels, on = self._expand_one_sided(order, avoid_sharp=avoid_sharp)
        else:
            pts, labels, aims = self._expand(order)
            pts = self._shorten(pts, aims)
        pts, labels, on = _dedupe(pts, labels, on)
        pts, labels, on = _densify_near_obstacles(self.region, pts, labels, on)
        coords = [self.region.to_lonlat(x, y) for x, y in pts]
        coords[0] = (self.a.lon, self.a.lat)
        coords[-1] = (self.b.lon, self.b.lat)
        labels[0], labels[-1] = self.a.icao, self.b.icao
        kwargs: dict[str, Any] = {}
        if self.aircraft is not None:
            kwargs["aircraft"] = self.aircraft
        if on is not None:
            kwargs["sensors_on"] = on
        plan = FlightPlan.from_waypoints(
            coords,
            start=self.a.icao,
            end=self.b.icao,
            names=labels,
            regime=self.reg,
            territory=self.terr,
            budget_km=self.budget,
            name=self.name or f"{self.a.icao}-{self.b.icao} observation route",
            **kwargs,
        )
        observed = observed_targets(plan, self.tt, sensor=self.sens, min_fraction=self.min_fraction)
        return plan, observed

    def _expand(self, order: list[int]) -> tuple[list, list[str], list]:
        pts: list[tuple[float, float]] = []
        labels: list[str] = []
        aims: list[tuple[tuple[float, float], float] | None] = []
        prev_exit: tuple[float, float] | None = None
        for pos, k in enumerate(order):
            nd = self.nodes[k]
            if pos > 0:
                for p in self.paths.get((order[pos - 1], k), []):
                    pts.append(p)
                    labels.append("")
                    aims.append(None)
            label = "" if nd.target is None else str(self.tnames[nd.target])
            if nd.sweep is None:
                pts.append(nd.aim)
                labels.append(label)
                aims.append((nd.aim, nd.radius_m) if nd.target is not None else None)
                prev_exit = nd.aim
                continue
            lanes = nd.sweep
            nxt = self.nodes[order[pos + 1]].aim if pos + 1 < len(order) else nd.aim
            here = prev_exit or nd.aim
            fwd = math.dist(here, lanes[0]) + math.dist(lanes[-1], nxt)
            rev = math.dist(here, lanes[-1]) + math.dist(lanes[0], nxt)
            seq = lanes if fwd <= rev else lanes[::-1]
            for j, p in enumerate(seq):
                pts.append(p)
                labels.append(f"{label} lane {j // 2 + 1}{'ab'[j % 2]}" if label else "")
                aims.append(None)
            prev_exit = seq[-1]
        return pts, labels, aims

    def _expand_one_sided(
        self, order: list[int], *, avoid_sharp: bool = False
    ) -> tuple[list, list[str], list]:
        """Waypoints for a one-sided sensor: each target's pass, chosen between its neighbours.

        Of a target's legal passes the one with the shortest straight legs from the
        previous exit and to the next node's aim is taken, preferring passes whose
        legs need no detour (with ``avoid_sharp``, first those turned onto and off
        by at most 90 degrees); connections follow the router's shortest legal path. A
        sweep keeps its direction (flown backwards its strips would lie on the other
        side of its tracks).
        """
        pts: list[tuple[float, float]] = []
        labels: list[str] = []
        on: list[bool] = []  # on[i]: sensors on the leg pts[i] -> pts[i + 1]
        prev_exit: tuple[float, float] | None = None
        clear = self.region.clear
        for pos, k in enumerate(order):
            nd = self.nodes[k]
            label = "" if nd.target is None else str(self.tnames[nd.target])
            nxt = self.nodes[order[pos + 1]].aim if pos + 1 < len(order) else nd.aim
            here = prev_exit if prev_exit is not None else nd.aim
            if nd.passes is not None:

                def cost(p: tuple, here: tuple = here, nxt: tuple = nxt) -> tuple:
                    # two turns of more than 90 degrees close together circle (Art. VI
                    # Sec. II para 4(G)): avoided on request
                    sharp = avoid_sharp and (
                        max(_turn_deg(here, p[0], p[1]), _turn_deg(p[0], p[1], nxt)) > 90.0
                    )
                    return (sharp, math.dist(here, p[0]) + math.dist(p[1], nxt))

                ranked = sorted(nd.passes, key=cost)
                e, x = next(
                    (p for p in ranked if clear(here, p[0]) and clear(p[1], nxt)), ranked[0]
                )
                seq, names, inner = [e, x], [f"{label} pass a", f"{label} pass b"], [True]
            elif nd.sweep is not None:
                seq, inner = list(nd.sweep), list(nd.sweep_on or [])
                names = [f"{label} lane {j // 2 + 1}{'ab'[j % 2]}" for j in range(len(seq))]
            else:
                seq, names, inner = [nd.aim], [label], []
            if prev_exit is not None:
                via = self.region.path(prev_exit, seq[0])
                for p in via if via is not None else self.paths.get((order[pos - 1], k), []):
                    pts.append(p)
                    labels.append("")
                    on.append(False)
                on.append(False)
            pts.extend(seq)
            labels.extend(names)
            on.extend(inner)
            prev_exit = seq[-1]
        return pts, labels, on

    def _shorten(self, pts: list, aims: list) -> list:
        """Move each point-target waypoint, within its radius, towards its neighbours' chord."""
        pts = list(pts)
        for _ in range(3):
            for k in range(1, len(pts) - 1):
                if aims[k] is None:
                    continue
                (ax, ay), r = aims[k]
                r *= 0.98
                if r <= 0:
                    continue
                if math.dist(pts[k - 1], pts[k + 1]) == 0:  # out and back: turn earlier
                    q = Point(pts[k - 1])
                else:
                    q = nearest_points(LineString([pts[k - 1], pts[k + 1]]), Point(ax, ay))[0]
                dx, dy = q.x - ax, q.y - ay
                d = math.hypot(dx, dy)
                cand = (q.x, q.y) if d <= r else (ax + dx / d * r, ay + dy / d * r)
                if self.region.clear(pts[k - 1], cand) and self.region.clear(cand, pts[k + 1]):
                    pts[k] = cand
        return pts


def _trim(
    order: list[int],
    plan: FlightPlan,
    build: Any,
    d: Any,
    scores: list[float],
    budget: float,
    avoid: BaseGeometry | None,
) -> tuple[FlightPlan, list[Any], list[int]] | None:
    """The route ``order`` (over the budget, legal otherwise) without some of its targets.

    Each round drops the visited targets of least score per km their visit adds by the
    solver's matrix ``d`` (the leg between their neighbours instead), fewest first, until
    the km saved, scaled by the flight's length over the model's, make up the excess;
    then the flight is built and checked again, at most :data:`TRIM_ROUNDS` times.
    Returns the legal flight, the targets it observes and its node order, or None. A
    target dropped may still be observed from a leg that passes it.
    """
    cur, cur_plan = list(order), plan
    for _ in range(TRIM_ROUNDS):
        excess = cur_plan.length_km - budget
        model = float(sum(d[a, b] for a, b in itertools.pairwise(cur)))
        if model <= 0:
            return None
        ratio = cur_plan.length_km / model
        saved = {
            i: float(d[cur[i - 1], cur[i]] + d[cur[i], cur[i + 1]] - d[cur[i - 1], cur[i + 1]])
            for i in range(1, len(cur) - 1)
            if cur[i] >= 2
        }
        if not saved:
            return None
        ranked = sorted(saved, key=lambda i: (scores[cur[i]] / max(saved[i], 1e-9), cur[i]))
        drop: set[int] = set()
        got = 0.0
        for i in ranked:
            drop.add(i)
            got += max(saved[i], 0.0) * ratio
            if got >= excess:
                break
        cur = [k for i, k in enumerate(cur) if i not in drop]
        cur_plan, observed = build(cur)
        rules = {v.rule for v in cur_plan.validate(avoid=avoid)}
        if not rules:
            return cur_plan, observed, cur
        if rules != {"max_distance"}:
            return None
    return None


def _turn_deg(a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]) -> float:
    """Heading change (degrees, 0-180) at ``b`` on the way a -> b -> c (0 if a leg is empty)."""
    ux, uy = b[0] - a[0], b[1] - a[1]
    vx, vy = c[0] - b[0], c[1] - b[1]
    if (ux == 0 and uy == 0) or (vx == 0 and vy == 0):
        return 0.0
    return abs(math.degrees(math.atan2(ux * vy - uy * vx, ux * vx + uy * vy)))


def _dedupe(
    pts: list, labels: list[str], on: list[bool] | None = None
) -> tuple[list, list[str], list[bool] | None]:
    """Merge coincident waypoints; ``on`` (one flag per leg) follows the legs kept.

    A kept point keeps the flag of the leg that reaches it.
    """
    out, lab = [pts[0]], [labels[0]]
    out_on: list[bool] = []
    for i, (p, name) in enumerate(zip(pts[1:], labels[1:], strict=True), start=1):
        if math.dist(p, out[-1]) < 50.0:  # metres: merge coincident waypoints
            if name and not lab[-1]:
                lab[-1] = name
            continue
        out.append(p)
        lab.append(name)
        if on is not None:
            out_on.append(on[i - 1])
    if len(out) == 1:
        out.append(pts[-1])
        lab.append(labels[-1])
        if on is not None:
            out_on.append(on[-1])
    return out, lab, (out_on if on is not None else None)


def _densify_near_obstacles(
    region: _Region,
    pts: list[tuple[float, float]],
    labels: list[str],
    on: list[bool] | None = None,
) -> tuple[list[tuple[float, float]], list[str], list[bool] | None]:
    """Cut long legs near the edge of the allowed area so their geodesics follow them.

    The pieces of a leg keep its flag in ``on`` (one per leg).
    """
    out, lab = [pts[0]], [labels[0]]
    out_on: list[bool] = []
    step = MAX_LEG_NEAR_OBSTACLE_KM * 1000.0
    boundary = region.allowed.boundary
    for i, ((p, q), name) in enumerate(zip(itertools.pairwise(pts), labels[1:], strict=True)):
        seg = LineString([p, q])
        pieces = 1
        if seg.length > step and seg.distance(boundary) < 20_000.0:
            n = math.ceil(seg.length / step)
            for f in np.linspace(0, 1, n + 1)[1:-1]:
                out.append((p[0] + (q[0] - p[0]) * f, p[1] + (q[1] - p[1]) * f))
                lab.append("")
            pieces = n
        out.append(q)
        lab.append(name)
        if on is not None:
            out_on.extend([on[i]] * pieces)
    return out, lab, (out_on if on is not None else None)


def _clip(big: BaseGeometry, small: BaseGeometry) -> BaseGeometry:
    """``big.intersection(small)``, cut to ``small``'s bounds first (a large outline is slow)."""
    return shapely.clip_by_rect(big, *small.bounds).intersection(small)


class _PathPieces:
    """The pieces of a path that may come within reach of a target, found with an STRtree.

    ``observed_targets`` projects the path into an AEQD centred on each target; only
    the straight pieces near the target can matter, so only those are projected.
    The pre-selection runs in one AEQD centred on the path, with a margin that covers
    its scale error, ``c / sin c`` at the path's farthest point (angular distance
    ``c`` from the centre), and the bending of a long straight piece between two
    projections (``PATH_PIECE_SLACK_KM``). Paths reaching more than
    ``PATH_PIECE_MAX_RADIUS_KM`` from their centre are not pre-selected (the whole
    path is used), so the answer never depends on the pre-selection.
    """

    def __init__(self, path: BaseGeometry) -> None:
        self.path = path
        coords = [
            np.asarray(line.coords)
            for line in shapely.get_parts(path)
            if line.geom_type == "LineString" and len(line.coords) >= 2
        ]
        self.tree = None
        if not coords:
            return
        self.centre = geodesy.centre_of(path)
        self.fwd = geodesy.aeqd(*self.centre)[0]
        seg_ll = np.concatenate([np.stack([xy[:-1], xy[1:]], axis=1) for xy in coords])
        self.seg_ll = shapely.linestrings(seg_ll)
        px, py = self.fwd.transform(seg_ll[..., 0].ravel(), seg_ll[..., 1].ravel())
        radius_km = float(np.max(np.hypot(px, py))) / 1000.0
        if not radius_km <= PATH_PIECE_MAX_RADIUS_KM:
            return
        c = radius_km / _MIN_CURVATURE_RADIUS_KM
        self.scale = c / math.sin(c) if c > 0 else 1.0
        self.tree = shapely.STRtree(
            shapely.linestrings(np.column_stack([px, py]).reshape(-1, 2, 2))
        )

    def __call__(self, geom: BaseGeometry, reach_km: float) -> BaseGeometry | None:
        """The path's pieces within ``reach_km`` of ``geom`` (lon, lat); ``None``: none."""
        if self.tree is None:
            return self.path
        g = shapely.transform(geom, lambda xy: np.column_stack(self.fwd.transform(*xy.T)))
        margin_m = (reach_km * self.scale + PATH_PIECE_SLACK_KM) * 1000.0
        hits = self.tree.query(g, predicate="dwithin", distance=margin_m)
        if len(hits) == 0:
            return None
        return shapely.union_all(self.seg_ll[np.sort(hits)])


def observed_targets(
    plan: FlightPlan,
    targets: gpd.GeoDataFrame,
    *,
    sensor: Sensor | str | None = None,
    min_fraction: float = 0.9,
) -> list[Any]:
    """Indices of the targets that a plan observes.

    A point target is observed when its uncertainty disc (``position_uncertainty_km``)
    lies inside the sensor footprint of the path's sensor-on, non-transit legs
    (clipped to the observed territory's treaty area: the sensor images nothing
    else); without a sensor, when the path passes within 1 km. A polygon
    target is observed when the footprint covers ``min_fraction`` of it.
    Footprints are built in an azimuthal equidistant projection centred on each
    target, where distances from the centre are exact WGS84 geodesics.

    A one-sided sensor (``side`` left or right, e.g. the SAR preset) images the
    strip between the signed offsets :attr:`Sensor.cross_track_km` (positive to
    the right of the direction of flight) beside each run of consecutive sensor-on
    legs, flat at the run's ends and round outside its bends, as
    :func:`openskies.coverage.footprint` builds it: a target is observed when it
    lies in that strip on the sensor's side, not merely near the track.
    """
    tt = (
        targets
        if targets.crs is None or targets.crs.equals("EPSG:4326")
        else targets.to_crs("EPSG:4326")
    )
    sens = as_sensor(sensor, allow_none=True)
    strip_m = _one_sided_strip_m(sens)
    if strip_m is not None:
        return _observed_one_sided(plan, tt, strip_m, min_fraction)
    half_swath = _half_swath_km(sens)
    legs = plan.legs
    on = legs[legs["sensors_on"] & ~legs["transit"]]
    if on.empty:
        return []
    path = shapely.union_all(on.geometry.values)
    unc = (
        tt["position_uncertainty_km"].astype(float)
        if "position_uncertainty_km" in tt.columns
        else None
    )
    treaty = plan.territory.treaty_geometry
    near_path = _PathPieces(path)
    out = []
    for idx, geom in zip(tt.index, tt.geometry, strict=True):
        c = geom.representative_point()
        centre = (c.x, c.y)
        u0 = float(unc.loc[idx]) if (unc is not None and geom.geom_type == "Point") else 0.0
        reach_km = (NO_SENSOR_RADIUS_KM if half_swath is None else half_swath) + (
            u0 if math.isfinite(u0) else 0.0
        )
        piece = near_path(geom, reach_km)
        if piece is None:
            continue  # the path never comes within reach: not observed
        projected, _ = geodesy.to_local(piece, centre=centre)
        if half_swath is None:
            if geom.geom_type == "Point":
                ok = projected.distance(Point(0.0, 0.0)) <= NO_SENSOR_RADIUS_KM * 1000.0
            else:
                ok = bool(projected.intersects(geodesy.to_local(geom, centre=centre)[0]))
            if ok:
                out.append(idx)
            continue
        u = float(unc.loc[idx]) if (unc is not None and geom.geom_type == "Point") else 0.0
        u = u if math.isfinite(u) else 0.0
        if geom.geom_type == "Point" and u <= 0:
            if projected.distance(Point(0.0, 0.0)) <= half_swath * 1000.0 + 1e-6:
                out.append(idx)
            continue
        area = (
            Point(0.0, 0.0).buffer(u * 1000.0, quad_segs=32)
            if geom.geom_type == "Point"
            else geodesy.to_local(geom, centre=centre)[0]
        )
        window = area.buffer(half_swath * 1000.0 + 1.0)
        near = projected.intersection(window)
        if near.is_empty:
            continue
        footprint = near.buffer(half_swath * 1000.0, quad_segs=16)
        local_treaty = (
            geodesy.to_local(
                _clip(treaty, geodesy.buffer_km(Point(centre), u + 1.0)), centre=centre
            )[0]
            if geom.geom_type == "Point"
            else None
        )
        needed = area if local_treaty is None else area.intersection(local_treaty)
        if needed.is_empty or needed.area == 0:
            continue
        fraction = footprint.intersection(needed).area / needed.area
        required = min_fraction if geom.geom_type != "Point" else DISC_FRACTION
        if fraction >= required:
            out.append(idx)
    return out


def _sensor_runs(plan: FlightPlan) -> list[np.ndarray]:
    """(lon, lat) vertices of each run of consecutive sensor-on, non-transit legs."""
    xy = plan.coords
    on = np.asarray(plan.sensors_on, bool) & ~np.asarray(plan.transit, bool)
    runs = []
    i, n = 0, len(on)
    while i < n:
        if not on[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and on[j + 1]:
            j += 1
        runs.append(np.asarray(xy[i : j + 2], dtype=float)[:, :2])
        i = j + 1
    return runs


class _RunPieces:
    """The stretches of a plan's sensor runs that may image a target, in flying order.

    Like :class:`_PathPieces` for a one-sided sensor, whose strip depends on the
    direction of flight: each run (densified along its geodesics every
    :data:`RUN_DENSIFY_KM`) is kept as a directed polyline, and the consecutive
    segments of a run near a target are returned as one stretch. The margin is
    :class:`_PathPieces`'s, so a stretch reaches far beyond the strip around the
    target and its flat ends never cut it.
    """

    def __init__(self, runs: list[np.ndarray]) -> None:
        self.runs = [geodesy.densify_coords(r, RUN_DENSIFY_KM) for r in runs if len(r) >= 2]
        self.tree = None
        if not self.runs:
            return
        allc = np.vstack(self.runs)
        self.centre = geodesy.centre_of(shapely.MultiPoint(allc))
        self.fwd = geodesy.aeqd(*self.centre)[0]
        self.owner = np.concatenate(
            [
                np.column_stack([np.full(len(r) - 1, k), np.arange(len(r) - 1)])
                for k, r in enumerate(self.runs)
            ]
        )
        seg_ll = np.concatenate([np.stack([r[:-1], r[1:]], axis=1) for r in self.runs])
        px, py = self.fwd.transform(seg_ll[..., 0].ravel(), seg_ll[..., 1].ravel())
        radius_km = float(np.max(np.hypot(px, py))) / 1000.0
        if not radius_km <= PATH_PIECE_MAX_RADIUS_KM:
            return
        c = radius_km / _MIN_CURVATURE_RADIUS_KM
        self.scale = c / math.sin(c) if c > 0 else 1.0
        self.tree = shapely.STRtree(
            shapely.linestrings(np.column_stack([px, py]).reshape(-1, 2, 2))
        )

    def __call__(self, geom: BaseGeometry, reach_km: float) -> list[np.ndarray]:
        """Stretches (lon, lat) of the runs within ``reach_km`` of ``geom``; [] when none."""
        if not self.runs:
            return []
        if self.tree is None:
            return list(self.runs)
        g = shapely.transform(geom, lambda xy: np.column_stack(self.fwd.transform(*xy.T)))
        margin_m = (reach_km * self.scale + PATH_PIECE_SLACK_KM) * 1000.0
        hits = np.sort(self.tree.query(g, predicate="dwithin", distance=margin_m))
        out = []
        start = 0
        for k in range(1, len(hits) + 1):
            if (
                k == len(hits)
                or hits[k] != hits[k - 1] + 1
                or (self.owner[hits[k], 0] != self.owner[hits[k - 1], 0])
            ):
                run, first = self.owner[hits[start]]
                last = self.owner[hits[k - 1], 1]
                out.append(self.runs[run][first : last + 2])
                start = k
        return out


def _observed_one_sided(
    plan: FlightPlan, tt: gpd.GeoDataFrame, strip_m: tuple[float, float], min_fraction: float
) -> list[Any]:
    """:func:`observed_targets` for a one-sided sensor with strip edges ``strip_m`` (m)."""
    unc = (
        tt["position_uncertainty_km"].astype(float)
        if "position_uncertainty_km" in tt.columns
        else None
    )
    treaty = plan.territory.treaty_geometry
    pieces = _RunPieces(_sensor_runs(plan))
    reach = max(abs(strip_m[0]), abs(strip_m[1])) / 1000.0
    out = []
    for idx, geom in zip(tt.index, tt.geometry, strict=True):
        c = geom.representative_point()
        centre = (c.x, c.y)
        u = float(unc.loc[idx]) if (unc is not None and geom.geom_type == "Point") else 0.0
        u = u if math.isfinite(u) and u > 0 else 0.0
        near = pieces(geom, reach + u)
        if not near:
            continue
        strips = [
            geodesy.strip_local(geodesy.to_local(LineString(xy), centre=centre)[0], strip_m)
            for xy in near
        ]
        footprint = shapely.union_all(strips)
        if geom.geom_type == "Point" and u <= 0:
            if footprint.covers(Point(0.0, 0.0)):
                out.append(idx)
            continue
        area = (
            Point(0.0, 0.0).buffer(u * 1000.0, quad_segs=32)
            if geom.geom_type == "Point"
            else geodesy.to_local(geom, centre=centre)[0]
        )
        if geom.geom_type == "Point":
            local_treaty = geodesy.to_local(
                _clip(treaty, geodesy.buffer_km(Point(centre), u + 1.0)), centre=centre
            )[0]
            area = area.intersection(local_treaty)
        if area.is_empty or area.area == 0:
            continue
        fraction = footprint.intersection(area).area / area.area
        required = min_fraction if geom.geom_type != "Point" else DISC_FRACTION
        if fraction >= required:
            out.append(idx)
    return out
