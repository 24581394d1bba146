"""Refuelling stops: flights longer than their aircraft's usable range, within the 96-hour window.

A flight longer than its aircraft's usable range (:attr:`Aircraft.usable_range_km
<openskies.aircraft.Aircraft.usable_range_km>`: the unrefuelled range less the fuel reserve)
lands on the way at an airfield the observed Party allows for it, refuels and continues. The
mission plan declares "the desired time and place of planned refuelling stops ... and the
time of continuation of the observation flight after a refuelling stop ... within the
96-hour period" (Art. VI Sec. II para 3); a refuelling airfield is "an airfield designated
by the observed Party used for fuelling and servicing of observation aircraft" (Art. II
para 30), and the Open Skies airfields serve the same purpose (Art. VI Sec. I para 17(B):
fuelling "at the Open Skies airfield, at any refuelling airfield").

- :func:`refuel_airfields`: where a flight over a territory may refuel: the regime's
  refuelling airfields (role ``REFUEL``) and Open Skies airfields of the observed Party or
  group. A candidate airfield (a Belarusian site, role ``CANDIDATE``) only once a scenario
  designates it (:meth:`Regime.designate <openskies.airfields.Regime.designate>` with the
  role ``REFUEL`` or ``OSA``).
- :func:`plan_refuelling`: the plan with refuelling stops placed so that every stretch
  between take-off and landing is within the usable range, the whole mission within the
  96-hour window (Art. VI Sec. I para 9; ``timing.observation_window`` in ``treaty.yaml``),
  the counted distance, detours included, within the maximum flight distance
  (``max_flight_distance.refuel_detours_count``), and no treaty rule broken that the plan
  did not break already. The placement is **exact**: a dynamic programme over the declared
  waypoint sequence, the candidate airfields and the number of stops returns, among all
  placements that meet these limits, one with the smallest added distance (ties: fewer
  stops). Where none exists the result says so (``feasible`` False, with the reason), and its
  plan is the input plan without new stops.
- :func:`check`: whether a plan as declared can be flown: every stretch between refuellings
  within the usable range, the mission within the window. The ``"feasible"`` flag of the
  exports (:func:`openskies.io.to_geojson`) is this check.

A stop is one of two detours (``docs/sensors-and-aircraft.md``, "Refuelling"):

- ``"via"``: leg ``k`` (waypoint ``k`` to ``k + 1``) is replaced by waypoint ``k`` ->
  airfield -> waypoint ``k + 1``; it adds ``d(k, A) + d(A, k + 1) - d(k, k + 1)``. The
  replaced leg is not flown, so this is allowed only for a leg that is not kept
  (``keep_legs``; by default every leg with sensors on is kept, so that the plan still
  images all it did) and not a transit leg;
- ``"return"``: from waypoint ``j`` to the airfield and back to ``j``, then on as declared;
  it adds ``2 d(j, A)`` and keeps every leg.

Detour legs have their sensors off; they count against the maximum flight distance (they
are flown over the observed territory between the commencement and the termination of the
flight, Art. II para 11, Art. III Sec. II para 5) unless ``refuel_detours_count`` is false,
when they are declared transit. Distances are WGS84 geodesics (:data:`openskies.geodesy.GEOD`)
between the declared points, without turn margin, as for the flight time; the ground time
of a stop is the aircraft's ``ground_time_per_stop_h``.

Coordinates are (lon, lat) degrees, WGS84 (EPSG:4326); distances km; times hours.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from numpy.typing import NDArray

from . import _limits, geodesy
from . import aircraft as _aircraft
from . import territory as _territory
from ._errors import ValidationError
from .airfields import Airfield, Regime, as_regime
from .flightplan import TERMINAL_RADIUS_KM, FlightPlan, Stop, Waypoint, _limit_airfield

if TYPE_CHECKING:  # pragma: no cover
    from .aircraft import Aircraft
    from .legality import Violation
    from .territory import Territory

logger = logging.getLogger(__name__)

__all__ = [
    "FuelCheck",
    "RefuelStop",
    "Refuelling",
    "check",
    "plan_refuelling",
    "refuel_airfields",
    "stretches_km",
]

#: How the placement is found, as results and reports state it.
METHOD = (
    "exact dynamic programme over the waypoint sequence x candidate airfields x number of "
    "stops (smallest added distance within range, 96-hour window and maximum flight "
    "distance), then validation of the detours"
)

#: Distance (km) below which a waypoint is taken to be at an airfield: a stop there needs
#: no detour (1 m: the same point, not a snap).
AT_AIRFIELD_KM = 1e-3

#: Tolerance (km) of the range and distance comparisons (rounding of sums of geodesics).
_TOL_KM = 1e-6

_KEEP = ("sensors_on", "all", "none")


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class RefuelStop:
    """One refuelling stop placed by :func:`plan_refuelling`.

    Attributes
    ----------
    airfield : str
        ICAO code of the airfield.
    name : str
        The airfield's label (``"Kubinka (UUMB)"``).
    waypoint : int
        Index, in the refuelled plan, of the waypoint where the aircraft is on the ground
        (its :class:`~openskies.flightplan.Stop`).
    kind : str
        ``"via"`` (leg ``leaves_from`` -> ``rejoins_at`` replaced by the detour),
        ``"return"`` (from waypoint ``leaves_from`` to the airfield and back to it) or
        ``"at"`` (the waypoint is at the airfield: no detour).
    leaves_from, rejoins_at : int
        Waypoint indices in the input plan where the detour leaves and rejoins the route.
    detour_km : float
        Geodesic distance the stop adds, km (0 for ``"at"``).
    ground_time_h : float
        Time on the ground, hours (the aircraft's ``ground_time_per_stop_h``).
    lon, lat : float
        The airfield's position, degrees WGS84.
    """

    airfield: str
    name: str
    waypoint: int
    kind: str
    leaves_from: int
    rejoins_at: int
    detour_km: float
    ground_time_h: float
    lon: float
    lat: float

    def as_dict(self) -> dict[str, Any]:
        """The stop as a JSON-ready dict."""
        return {
            "airfield": self.airfield,
            "name": self.name,
            "waypoint": self.waypoint,
            "kind": self.kind,
            "leaves_from": self.leaves_from,
            "rejoins_at": self.rejoins_at,
            "detour_km": self.detour_km,
            "ground_time_h": self.ground_time_h,
            "lon": self.lon,
            "lat": self.lat,
        }


@dataclass(frozen=True)
class FuelCheck:
    """Whether a plan as declared can be flown by its aircraft (:func:`check`).

    Attributes
    ----------
    feasible : bool
        Every stretch within ``usable_range_km`` and ``mission_h <= window_h``.
    reason : str
        Why not, or what holds when it is feasible.
    stretches_km : tuple of float
        Geodesic km of each stretch: from take-off to the first declared refuelling stop,
        between stops, and from the last one to the end airfield.
    usable_range_km : float
        The aircraft's range less its fuel reserve, km.
    mission_h : float
        Hours from arrival at the point of entry to completion: ``preflight_h`` + flight
        time at cruise speed + declared stops (rule 7 of ``validate()``).
    window_h : float
        The observation period (96 h, Art. VI Sec. I para 9; ``timing.observation_window``).
    aircraft : str
        The aircraft's name.
    """

    feasible: bool
    reason: str
    stretches_km: tuple[float, ...]
    usable_range_km: float
    mission_h: float
    window_h: float
    aircraft: str

    @property
    def within_range(self) -> bool:
        """Whether every stretch is within the usable range."""
        return all(s <= self.usable_range_km + _TOL_KM for s in self.stretches_km)

    def as_dict(self) -> dict[str, Any]:
        """The check as a JSON-ready dict."""
        return {
            "feasible": self.feasible,
            "reason": self.reason,
            "stretches_km": list(self.stretches_km),
            "usable_range_km": self.usable_range_km,
            "mission_h": self.mission_h,
            "window_h": self.window_h,
            "aircraft": self.aircraft,
        }


@dataclass(frozen=True)
class Refuelling:
    """Result of :func:`plan_refuelling`.

    Attributes
    ----------
    plan : FlightPlan
        The plan with its refuelling stops declared (detour waypoints, legs and
        :class:`~openskies.flightplan.Stop` records), or the input plan (with the given
        aircraft and regime) when no stop is needed or none works.
    original : FlightPlan
        The input plan.
    feasible : bool
        Whether :attr:`plan` can be flown: every stretch within the usable range, the mission
        within the window, the counted distance within the maximum flight distance, and no
        treaty rule broken that the input plan did not break.
    reason : str
        What was found or why no placement works (the nearest miss, in numbers).
    stops : tuple of RefuelStop
        The stops placed (empty when none is needed or none works).
    added_km : float
        Geodesic km the detours add.
    counted_km : float
        Distance of :attr:`plan` counted against the maximum flight distance (rule 2), km.
    limit_km : float
        The maximum flight distance (or smaller planning budget) it is checked against, km.
    fuel : FuelCheck
        :func:`check` of :attr:`plan`.
    candidates : tuple of str
        ICAO codes of the airfields where the flight may refuel (:func:`refuel_airfields`).
    violations : tuple of Violation
        :meth:`FlightPlan.validate` of :attr:`plan` (rules the input plan broke already
        included).
    rounds : int
        Placements tried: a placement whose detour breaks a rule (a leg outside the territory,
        too close to a non-party border, into an avoid zone, through a point passed twice) is
        excluded and the programme solved again.
    method : str
        How the placement was found (:data:`METHOD`).
    detours_count : bool
        Whether the detour legs count against the maximum flight distance.
    excluded : tuple of str
        The candidate stops excluded because their detour breaks a rule, and why.
    """

    plan: FlightPlan
    original: FlightPlan
    feasible: bool
    reason: str
    stops: tuple[RefuelStop, ...]
    added_km: float
    counted_km: float
    limit_km: float
    fuel: FuelCheck
    candidates: tuple[str, ...]
    violations: tuple[Any, ...] = ()
    rounds: int = 0
    method: str = METHOD
    detours_count: bool = True
    excluded: tuple[str, ...] = ()

    @property
    def ground_time_h(self) -> float:
        """Hours on the ground at the stops placed."""
        return float(sum(s.ground_time_h for s in self.stops))

    def summary(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (``summary.json`` of ``openskies plan``)."""
        return {
            "feasible": self.feasible,
            "reason": self.reason,
            "stops": [s.as_dict() for s in self.stops],
            "n_stops": len(self.stops),
            "added_km": self.added_km,
            "ground_time_h": self.ground_time_h,
            "counted_km": self.counted_km,
            "limit_km": self.limit_km,
            "detours_count": self.detours_count,
            "candidates": list(self.candidates),
            "rounds": self.rounds,
            "excluded": list(self.excluded),
            "method": self.method,
            **{k: v for k, v in self.fuel.as_dict().items() if k not in ("feasible", "reason")},
        }


# --------------------------------------------------------------------------- airfields


def refuel_airfields(regime: Regime | None, territory: str | Territory) -> list[Airfield]:
    """Airfields where a flight over ``territory`` may land to refuel, in the regime.

    The regime's refuelling airfields (role ``REFUEL``, Art. II para 30; Annex E App. 1) and
    Open Skies airfields (role ``OSA``) of the observed Party or group: an airfield whose
    flights observe a territory that contains ``territory`` (Kubinka, an OSA of the
    Belarus-Russia group, serves a flight over Belarus; Art. III Sec. II para 5 asks a
    group for procedures "including refuelling if necessary"). A candidate airfield
    (role ``CANDIDATE``, e.g. a Belarusian site) counts only once the scenario designates
    it (:meth:`Regime.designate` with ``roles=("REFUEL",)`` or an OSA).

    Parameters
    ----------
    regime : Regime or None
        The treaty regime (None: the default, 2019).
    territory : str or Territory
        The observed territory (``"BLR+RUS"``, ``"BLR"``).

    Returns
    -------
    list of Airfield
        Sorted by ICAO code.
    """
    reg = as_regime(regime)
    terr = territory if not isinstance(territory, str) else _territory.get(territory, year=reg.year)
    want = set(terr.members)
    out = []
    for icao in sorted(reg.airfields()["icao"]):
        a = reg.airfield(icao)
        if not ({"REFUEL", "OSA"} & set(a.roles)):
            continue
        own = _territory.get(a.group, year=reg.year)
        if want <= set(own.members):
            out.append(a)
    return out


# --------------------------------------------------------------------------- check


def stretches_km(plan: FlightPlan) -> tuple[float, ...]:
    """Geodesic km flown between refuellings: take-off to the first refuelling stop, ...

    The path is cut at the waypoints of the declared ``"refuel"`` stops (a rest stop does
    not refuel); no turn margin (as for the flight time).

    Parameters
    ----------
    plan : FlightPlan
        The plan (its declared stops).

    Returns
    -------
    tuple of float
        One value per stretch, km; their sum is ``plan.geodesic_length_km``.
    """
    cum = np.concatenate([[0.0], np.cumsum(plan.leg_lengths_km)])
    cuts = sorted({s.waypoint for s in plan.stops if s.kind == "refuel"})
    bounds = [0, *[c for c in cuts if 0 < c < len(plan.waypoints) - 1], len(plan.waypoints) - 1]
    return tuple(float(cum[b] - cum[a]) for a, b in itertools.pairwise(bounds))


def check(plan: FlightPlan) -> FuelCheck:
    """Whether the plan as declared can be flown by its aircraft: range and 96-hour window.

    Every stretch between take-off, the declared refuelling stops and landing
    (:func:`stretches_km`) must be within the aircraft's usable range
    (:attr:`Aircraft.usable_range_km`: range less reserve; the plan's aircraft, or the
    default preset), and the mission (``preflight_h`` + flight time at cruise speed +
    declared stops) within the observation period (Art. VI Sec. I para 9,
    ``timing.observation_window``, 96 h). Legality is :meth:`FlightPlan.validate`'s.

    Parameters
    ----------
    plan : FlightPlan
        The plan: its waypoints, declared stops, aircraft and regime.

    Returns
    -------
    FuelCheck
    """
    ac = plan.effective_aircraft
    usable = ac.usable_range_km
    parts = stretches_km(plan)
    window = float(plan.regime.parameter("timing", "observation_window"))
    mission = plan.preflight_h + plan.duration_h
    problems = []
    over = [(i, s) for i, s in enumerate(parts) if s > usable + _TOL_KM]
    if over:
        i, s = max(over, key=lambda t: t[1])
        n_stops = len(parts) - 1
        problems.append(
            f"{len(over)} of {len(parts)} stretch(es) exceed the usable range of "
            f"{_km(usable)} ({ac.name}: range {_km(ac.range_km)} less reserve "
            f"{_km(ac.reserve_km)}); the longest, stretch {i + 1}, is {_km(s)} "
            f"({n_stops} refuelling stop(s) declared)"
        )
    if mission > window:  # as rule 7 of validate()
        problems.append(
            f"the mission takes {mission:.1f} h from arrival at the point of entry, more than "
            f"the {window:g}-hour period of Art. VI Sec. I para 9"
        )
    if problems:
        return FuelCheck(False, "; ".join(problems), parts, usable, mission, window, ac.name)
    reason = (
        f"every stretch within the usable range of {_km(usable)} "
        f"(longest {_km(max(parts))}); {mission:.1f} h of the {window:g}-hour period"
    )
    return FuelCheck(True, reason, parts, usable, mission, window, ac.name)


# --------------------------------------------------------------------------- the programme


@dataclass(frozen=True)
class _Options:
    """Candidate stops of one plan, in slot order (the nodes of the programme).

    Node 0 is the take-off, the last node the landing. ``slot`` orders the nodes along the
    route: a return at waypoint ``j`` has slot ``2 j``, a via on leg ``k`` slot ``2 k + 1``;
    the take-off -1, the landing ``2 n``. ``w_in``/``w_out``: waypoints where the stop's
    detour leaves and rejoins the route; ``d_in``/``d_out``: geodesic km between them and
    the airfield; ``cost``: km the stop adds; ``new``: 1 for a stop to place, 0 for the
    take-off, the landing and stops the plan declares already (which must be kept).
    """

    slot: NDArray[np.int64]
    w_in: NDArray[np.int64]
    w_out: NDArray[np.int64]
    d_in: NDArray[np.float64]
    d_out: NDArray[np.float64]
    cost: NDArray[np.float64]
    new: NDArray[np.int64]
    airfield: NDArray[np.int64]
    kind: tuple[str, ...]


def _solve(
    opt: _Options,
    cum: NDArray[np.float64],
    usable_km: float,
    max_stops: int,
    *,
    track: bool,
    banned: NDArray[np.bool_] | None = None,
    what: str = "the refuelling placement",
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """The exact programme: least added km to each node with exactly s new stops.

    ``least[t, s]`` is the least km the stops up to node ``t`` add, over all placements with
    ``s`` new stops whose stretches are all within ``usable_km`` and that keep every
    declared stop; ``prev[t, s]`` the previous node of such a placement (-1 none). A stretch
    from node ``a`` to node ``b`` (slot a < slot b, no declared stop between them) is
    ``d_out[a] + cum[w_in[b]] - cum[w_out[a]] + d_in[b]``. Nodes are visited in slot order,
    so every predecessor is final when a node is reached: the programme examines every
    placement (O(nodes x predecessors within range x stops)) and is exact. With ``track``
    False (no ground time: a stop costs no time) the number of stops is not a dimension.
    """
    n_nodes = len(opt.slot)
    layers = max_stops + 1 if track else 1
    inf = math.inf
    least = np.full((n_nodes, layers), inf)
    prev = np.full((n_nodes, layers), -1, dtype=np.int64)
    least[0, 0] = 0.0
    ok = np.ones(n_nodes, bool) if banned is None else ~banned
    reach_out = opt.d_out - cum[opt.w_out]  # stretch = reach_out[a] + end[b]
    end = cum[opt.w_in] + opt.d_in
    # predecessors of b: slot < slot[b] (a prefix), none before the last declared stop
    # before b (a stretch may not run past one), none farther back than the range allows
    # (the stretch is at least end[b] - cum[w_out[a]]; cum[w_out] grows with the slot)
    hi = np.searchsorted(opt.slot, opt.slot, side="left")
    kept = np.flatnonzero(opt.new == 0)
    k = np.searchsorted(opt.slot[kept], opt.slot, side="left") - 1
    lo = np.where(k >= 0, kept[np.maximum(k, 0)], 0)
    lo = np.maximum(lo, np.searchsorted(cum[opt.w_out], end - usable_km - _TOL_KM, side="left"))
    work = int(np.sum(np.maximum(hi - lo, 0))) * layers
    _limits.cap("refuel_steps").check(
        work, what, fix="thin the track (fewer waypoints) or give fewer airfields="
    )
    for b in range(1, n_nodes):
        a0, a1 = int(lo[b]), int(hi[b])
        if not ok[b] or a0 >= a1:
            continue
        fits = (reach_out[a0:a1] + end[b] <= usable_km + _TOL_KM) & ok[a0:a1]
        if not fits.any():
            continue
        block = np.where(fits[:, None], least[a0:a1], inf)
        if track and opt.new[b]:
            block = np.concatenate([np.full((a1 - a0, 1), inf), block[:, :-1]], axis=1)
        arg = np.argmin(block, axis=0)
        best = block[arg, np.arange(layers)]
        least[b] = best + opt.cost[b]
        prev[b] = np.where(np.isfinite(best), a0 + arg, -1)
    return least, prev


def _backtrack(prev: NDArray[np.int64], opt: _Options, s: int, track: bool) -> list[int]:
    """Nodes of the placement ending at the landing with ``s`` new stops, in order."""
    node, layer, out = len(opt.slot) - 1, s, []
    while node > 0:
        before = int(prev[node, layer])
        if before < 0:  # pragma: no cover - the programme gives a chain for finite F
            msg = "internal: broken refuelling placement"
            raise RuntimeError(msg)
        if track and opt.new[node]:
            layer -= 1
        node = before
        if node > 0:
            out.append(node)
    return out[::-1]


def _options(
    plan: FlightPlan,
    airfields: list[Airfield],
    replaceable: NDArray[np.bool_],
    usable_km: float,
) -> _Options:
    """Every candidate stop of the plan (take-off and landing as the first and last node)."""
    xy = plan.coords
    n = len(xy)
    m = len(airfields)
    ll = plan.leg_lengths_km
    ax = np.array([a.lon for a in airfields], float)
    ay = np.array([a.lat for a in airfields], float)
    if m:
        _, _, d = geodesy.GEOD.inv(
            np.repeat(xy[:, 0], m), np.repeat(xy[:, 1], m), np.tile(ax, n), np.tile(ay, n)
        )
        dist = np.asarray(d, float).reshape(n, m) / 1000.0
    else:
        dist = np.zeros((n, 0))
    declared = {s.waypoint for s in plan.stops if s.kind == "refuel" and 0 < s.waypoint < n - 1}
    rows: list[tuple[int, int, int, float, float, float, int, int, str]] = [
        (-1, 0, 0, 0.0, 0.0, 0.0, 0, -1, "takeoff")
    ]
    for j in range(1, n - 1):
        if j in declared:
            rows.append((2 * j, j, j, 0.0, 0.0, 0.0, 0, -1, "declared"))
            continue
        for a in range(m):
            d = float(dist[j, a])
            if d > usable_km + _TOL_KM:
                continue
            if d <= AT_AIRFIELD_KM:
                rows.append((2 * j, j, j, 0.0, 0.0, 0.0, 1, a, "at"))
            else:
                rows.append((2 * j, j, j, d, d, 2.0 * d, 1, a, "return"))
    for k in range(n - 1):
        if not replaceable[k]:
            continue
        for a in range(m):
            d0, d1 = float(dist[k, a]), float(dist[k + 1, a])
            if min(d0, d1) <= AT_AIRFIELD_KM or max(d0, d1) > usable_km + _TOL_KM:
                continue  # at an end of the leg: the stop is a return (or "at") there
            rows.append((2 * k + 1, k, k + 1, d0, d1, max(0.0, d0 + d1 - ll[k]), 1, a, "via"))
    rows.append((2 * n, n - 1, n - 1, 0.0, 0.0, 0.0, 0, -1, "landing"))
    rows.sort(key=lambda r: (r[0], r[7]))
    cols = list(zip(*rows, strict=True))
    return _Options(
        slot=np.array(cols[0], np.int64),
        w_in=np.array(cols[1], np.int64),
        w_out=np.array(cols[2], np.int64),
        d_in=np.array(cols[3], float),
        d_out=np.array(cols[4], float),
        cost=np.array(cols[5], float),
        new=np.array(cols[6], np.int64),
        airfield=np.array(cols[7], np.int64),
        kind=tuple(cols[8]),
    )


def _replaceable(plan: FlightPlan, keep_legs: Any) -> NDArray[np.bool_]:
    """Legs a via detour may replace: not kept, not transit."""
    n_legs = len(plan.waypoints) - 1
    transit = np.asarray(plan.transit, bool)
    if isinstance(keep_legs, str):
        if keep_legs not in _KEEP:
            msg = (
                f"keep_legs={keep_legs!r} is not known: give 'sensors_on' (legs with sensors "
                "on are flown as declared), 'all', 'none' or a list of leg indices"
            )
            raise ValidationError(msg)
        if keep_legs == "all":
            kept = np.ones(n_legs, bool)
        elif keep_legs == "none":
            kept = np.zeros(n_legs, bool)
        else:
            kept = np.asarray(plan.sensors_on, bool).copy()
    else:
        kept = np.zeros(n_legs, bool)
        for v in keep_legs:
            if isinstance(v, bool) or not isinstance(v, int | np.integer) or not 0 <= v < n_legs:
                msg = (
                    f"keep_legs holds {v!r}: give leg indices 0..{n_legs - 1} (leg i joins "
                    "waypoints i and i + 1)"
                )
                raise ValidationError(msg)
            kept[int(v)] = True
    return ~kept & ~transit


def _crosses_route(
    plan: FlightPlan,
    j: int,
    a: Airfield,
    exempt_xy: NDArray[np.float64],
    tree: shapely.STRtree,
) -> bool:
    """Whether a return from waypoint ``j`` to ``a`` would pass a point three times (rule 6).

    Out and back along one geodesic passes each of its points twice; a leg of the plan
    crossing it (away from ``j``, and farther than :data:`TERMINAL_RADIUS_KM` from the
    airfield and from the take-off, landing and declared-stop waypoints, near which rule 6
    exempts taking off and landing) makes a third pass: such a return breaks Art. VI Sec. II
    para 4(G) whatever else is placed, and is no candidate. The test skips every crossing
    near an exempt place, so it never drops a stop that could be legal.
    """
    w = plan.waypoints[j]
    line = geodesy.split_antimeridian(geodesy.densify([(w.lon, w.lat), (a.lon, a.lat)], 5.0))
    legs = plan._leg_lines
    idx = tree.query(line)
    idx = idx[(idx != j - 1) & (idx != j)]  # the legs into and out of j meet the line at j
    idx = idx[~np.asarray(plan.calibration, bool)[idx]]
    if idx.size == 0:
        return False
    pts = shapely.get_coordinates(shapely.intersection(legs[idx], line))
    if len(pts) == 0:
        return False
    places = np.vstack([[[w.lon, w.lat], [a.lon, a.lat]], exempt_xy])
    for x, y in pts:
        d = np.asarray(
            geodesy.distance_km(
                np.full(len(places), x), np.full(len(places), y), places[:, 0], places[:, 1]
            )
        )
        if d[0] > 1.0 and np.all(d[1:] > TERMINAL_RADIUS_KM):
            return True
    return False


# --------------------------------------------------------------------------- building


def _build(
    plan: FlightPlan,
    opt: _Options,
    nodes: list[int],
    airfields: list[Airfield],
    ground_h: float,
    detours_count: bool,
) -> tuple[FlightPlan, list[RefuelStop], list[int | None], dict[int, list[int]]]:
    """The plan with the chosen stops; also each new leg's input leg and each node's legs."""
    by_slot = {int(opt.slot[t]): t for t in nodes if opt.new[t]}
    wps: list[Waypoint] = []
    sens: list[bool] = []
    trans: list[bool] = []
    cal: list[bool] = []
    origin: list[int | None] = []  # input leg of each new leg (None: a detour leg)
    node_legs: dict[int, list[int]] = {}
    index_of: dict[int, int] = {}
    stops_out: list[RefuelStop] = []
    new_stops: list[Stop] = []
    n = len(plan.waypoints)

    def detour_leg(node: int) -> None:
        sens.append(False)
        trans.append(not detours_count)
        cal.append(False)
        origin.append(None)
        node_legs.setdefault(node, []).append(len(origin) - 1)

    def place(node: int, kind: str, j_from: int, j_to: int) -> None:
        a = airfields[int(opt.airfield[node])]
        wps.append(Waypoint(a.lon, a.lat, a.icao))
        idx = len(wps) - 1
        new_stops.append(Stop(idx, "refuel", ground_h))
        stops_out.append(
            RefuelStop(
                a.icao,
                a.label,
                idx,
                kind,
                j_from,
                j_to,
                float(opt.cost[node]),
                ground_h,
                a.lon,
                a.lat,
            )
        )

    for j in range(n):
        wps.append(plan.waypoints[j])
        index_of[j] = len(wps) - 1
        t = by_slot.get(2 * j)
        if t is not None and opt.kind[t] == "at":
            a = airfields[int(opt.airfield[t])]
            new_stops.append(Stop(len(wps) - 1, "refuel", ground_h))
            stops_out.append(
                RefuelStop(a.icao, a.label, len(wps) - 1, "at", j, j, 0.0, ground_h, a.lon, a.lat)
            )
        elif t is not None:  # return: j -> A -> j
            detour_leg(t)
            place(t, "return", j, j)
            detour_leg(t)
            wps.append(plan.waypoints[j])
        if j == n - 1:
            break
        t = by_slot.get(2 * j + 1)
        if t is not None:  # via: j -> A -> j + 1 replaces leg j
            detour_leg(t)
            place(t, "via", j, j + 1)
            detour_leg(t)
        else:
            sens.append(plan.sensors_on[j])
            trans.append(plan.transit[j])
            cal.append(plan.calibration[j])
            origin.append(j)
    kept = [Stop(index_of[s.waypoint], s.kind, s.duration_h) for s in plan.stops]
    stops = tuple(sorted([*kept, *new_stops], key=lambda s: (s.waypoint, s.kind)))
    new = replace(
        plan,
        waypoints=tuple(wps),
        sensors_on=tuple(sens),
        transit=tuple(trans),
        calibration=tuple(cal),
        stops=stops,
    )
    return new, stops_out, origin, node_legs


# --------------------------------------------------------------------------- the function


def plan_refuelling(
    plan: FlightPlan,
    *,
    aircraft: Aircraft | str | None = None,
    regime: Regime | None = None,
    keep_legs: str | Iterable[int] = "sensors_on",
    detours_count: bool | None = None,
    airfields: Iterable[str] | None = None,
    avoid: Any = None,
    standoff_tolerance_km: float | None = None,
    max_rounds: int = 25,
) -> Refuelling:
    """The plan with refuelling stops where it exceeds its aircraft's usable range.

    Where a stretch of the flight is longer than the aircraft's usable range (range less
    reserve), the flight lands at an airfield the regime allows for refuelling
    (:func:`refuel_airfields`) and continues after the aircraft's refuelling ground time.
    The stops are placed by an exact dynamic programme over the waypoint sequence, the
    candidate airfields and the number of stops: among all placements whose stretches are
    within the usable range, whose mission (``preflight_h`` + flight at cruise speed +
    stops) is within the observation period (96 h, Art. VI Sec. I para 9) and whose counted
    distance, detours included, is within the plan's maximum flight distance, one with the
    least added distance (ties: the fewest stops). The refuelled plan is then validated: a
    detour that breaks a treaty rule the input plan did not break (leaves the territory,
    comes within the stand-off of a non-party border, enters an avoid zone, passes a point
    a third time) is excluded and the programme solved again, up to ``max_rounds`` times.

    Parameters
    ----------
    plan : FlightPlan
        The flight; its declared stops are kept (a declared refuelling stop refuels).
    aircraft : Aircraft or str, optional
        The aircraft (default: the plan's, else the default preset); the result's plan
        carries it.
    regime : Regime, optional
        The regime whose airfields may be used (default: the plan's); give one with a
        hypothetical refuelling designation (:meth:`Regime.designate`) to study it. The
        result's plan carries it.
    keep_legs : {"sensors_on", "all", "none"} or iterable of int
        Legs to fly as declared: a stop next to one is a return from a waypoint, never a
        detour that replaces it. Default: every leg with sensors on, so that the refuelled
        plan images all the input plan did. Transit legs are never replaced.
    detours_count : bool, optional
        Whether detour legs count against the maximum flight distance; default the
        regime's ``max_flight_distance.refuel_detours_count`` (true). When false they are
        declared transit (sensors off, not counted).
    airfields : iterable of str, optional
        ICAO codes to consider instead of every allowed airfield; each must be allowed.
    avoid : optional
        Avoid zones for the validation (as :meth:`FlightPlan.validate`).
    standoff_tolerance_km : float, optional
        Border-data tolerance for the validation (as :meth:`FlightPlan.validate`).
    max_rounds : int
        Placements to try at most (each excluding the detours of the previous ones that
        broke a rule).

    Returns
    -------
    Refuelling
        The plan with its stops and the figures: ``feasible``, ``reason``, ``stops``,
        ``added_km``, the stretches and mission hours (``fuel``).

    Raises
    ------
    ValidationError
        A bad ``keep_legs``, ``airfields`` or ``max_rounds``.
    """
    reg = as_regime(regime) if regime is not None else plan.regime
    ac = _aircraft.as_aircraft(aircraft, allow_none=True) or plan.effective_aircraft
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
        msg = f"max_rounds={max_rounds!r} must be a whole number >= 1"
        raise ValidationError(msg)
    base = replace(plan, regime=reg, aircraft=ac)
    counts = (
        bool(reg.parameter("max_flight_distance", "refuel_detours_count"))
        if detours_count is None
        else bool(detours_count)
    )
    allowed = refuel_airfields(reg, base.territory)
    if airfields is not None:
        codes = [str(c).strip().upper() for c in airfields]
        known = {a.icao: a for a in allowed}
        bad = [c for c in codes if c not in known]
        if bad:
            msg = (
                f"airfields {bad} may not be used for refuelling by a flight over "
                f"{base.territory.code} in this regime: allowed are "
                f"{', '.join(known) or 'none'} (refuelling airfields and OSAs of the observed "
                "party; designate one with Regime.designate(icao, party=..., roles=('REFUEL',)))"
            )
            raise ValidationError(msg)
        allowed = [known[c] for c in dict.fromkeys(codes)]
    candidates = tuple(a.icao for a in allowed)
    usable = ac.usable_range_km
    window = float(reg.parameter("timing", "observation_window"))
    ground = ac.ground_time_per_stop_h
    limit = _limit(base)
    fuel0 = check(base)

    def result(p: FlightPlan, feasible: bool, reason: str, **kw: Any) -> Refuelling:
        out = Refuelling(
            plan=p,
            original=plan,
            feasible=feasible,
            reason=reason,
            stops=kw.pop("stops", ()),
            added_km=kw.pop("added_km", 0.0),
            counted_km=p.length_km,
            limit_km=limit,
            fuel=check(p),
            candidates=candidates,
            detours_count=counts,
            **kw,
        )
        logger.info(
            "refuelling %s: %s, %d stop(s) at %s, +%.1f km: %s",
            plan.name or "(unnamed)",
            "feasible" if feasible else "NOT feasible",
            len(out.stops),
            ", ".join(s.airfield for s in out.stops) or "-",
            out.added_km,
            reason,
        )
        return out

    if fuel0.within_range:
        why = "no stop needed: " + fuel0.reason
        return result(base, fuel0.feasible, why if fuel0.feasible else fuel0.reason)
    if not allowed:
        why = (
            f"{fuel0.reason}, and no airfield may be used for refuelling by a flight over "
            f"{base.territory.code} in the {reg.year} regime: designate one "
            "(Regime.designate(icao, party=..., roles=('REFUEL',)))"
        )
        return result(base, False, why)
    if fuel0.mission_h > window + 1e-9:
        why = (
            f"the mission takes {fuel0.mission_h:.1f} h before any refuelling stop, more than "
            f"the {window:g}-hour period (Art. VI Sec. I para 9)"
        )
        return result(base, False, why)

    cum = np.concatenate([[0.0], np.cumsum(base.leg_lengths_km)])
    opt = _options(base, allowed, _replaceable(base, keep_legs), usable)
    n_new = int(np.sum(opt.new))
    track = ground > 0
    max_stops = min(n_new, math.floor((window - fuel0.mission_h) / ground + 1e-9)) if track else 0
    if track and max_stops == 0:
        why = (
            f"{fuel0.reason}; a refuelling stop takes {ground:g} h on the ground ({ac.name}) "
            f"and the mission already takes {fuel0.mission_h:.1f} h of the {window:g}-hour "
            "period (Art. VI Sec. I para 9): no stop fits"
        )
        return result(base, False, why)
    excluded: list[str] = []
    banned = np.zeros(len(opt.slot), bool)
    exempt = [
        base.waypoints[0],
        base.waypoints[-1],
        *(base.waypoints[s.waypoint] for s in base.stops),
    ]
    exempt_xy = np.array([[w.lon, w.lat] for w in exempt], float)
    tree = shapely.STRtree(base._leg_lines)
    for t in range(len(opt.slot)):
        if opt.kind[t] == "return":
            a = allowed[int(opt.airfield[t])]
            if _crosses_route(base, int(opt.w_in[t]), a, exempt_xy, tree):
                banned[t] = True
    if banned.any():
        excluded.append(
            f"{int(banned.sum())} return(s) that would pass a crossed point of the route a "
            "third time (Art. VI Sec. II para 4(G))"
        )
    before = base.validate(avoid=avoid, standoff_tolerance_km=standoff_tolerance_km)
    old_keys = {(v.rule, v.leg) for v in before}
    old_rules = {v.rule for v in before}
    rounds = 0
    while True:
        rounds += 1
        least, prev = _solve(
            opt,
            cum,
            usable,
            max_stops,
            track=track,
            banned=banned,
            what=f"the refuelling placement of plan {plan.name!r} ({len(opt.slot)} candidates)",
        )
        pick = _pick(least[-1], base, track, ground, limit, counts, window, fuel0)
        if isinstance(pick, str):
            reason = pick
            if not np.isfinite(least[-1]).any():
                reason += _farthest(least, opt, cum, usable, base, keep_legs, candidates)
            if excluded:
                reason += "; excluded: " + "; ".join(excluded)
            return result(base, False, reason, rounds=rounds, excluded=tuple(excluded))
        s, added = pick
        nodes = _backtrack(prev, opt, s, track)
        new, stops, origin, node_legs = _build(base, opt, nodes, allowed, ground, counts)
        viol = new.validate(avoid=avoid, standoff_tolerance_km=standoff_tolerance_km)
        fresh = [
            v
            for v in viol
            if not (
                (
                    v.leg is not None
                    and origin[v.leg] is not None
                    and (v.rule, origin[v.leg]) in old_keys
                )
                or (v.leg is None and v.rule in old_rules)
            )
        ]
        if not fresh:
            fuel = check(new)
            reason = (
                f"{len(stops)} refuelling stop(s) at {', '.join(s.airfield for s in stops)}, "
                f"+{_km(added)} (detours) and {len(stops) * ground:g} h on the ground; "
                f"{fuel.reason}; counted {_km(new.length_km)} of {_km(limit)}"
            )
            return result(
                new,
                fuel.feasible,
                reason,
                stops=tuple(stops),
                added_km=float(added),
                violations=tuple(viol),
                rounds=rounds,
                excluded=tuple(excluded),
            )
        culprits = _culprits(fresh, new, origin, node_legs)
        if not culprits or rounds >= max_rounds:
            what = "; ".join(f"[{v.rule}] {v.message}" for v in fresh[:3])
            why = (
                f"the least-distance placement within range ({len(stops)} stop(s) at "
                f"{', '.join(s.airfield for s in stops)}, +{_km(added)}) breaks treaty rules "
                f"the plan does not break: {what}"
            )
            if rounds >= max_rounds and culprits:
                why += f" (stopped after {rounds} placements, max_rounds={max_rounds})"
            return result(base, False, why, rounds=rounds, excluded=tuple(excluded))
        for t in culprits:
            banned[t] = True
            a = allowed[int(opt.airfield[t])]
            excluded.append(
                f"{opt.kind[t]} to {a.icao} from waypoint {int(opt.w_in[t])} "
                f"({', '.join(sorted({v.rule for v in fresh}))})"
            )


def _pick(
    at_end: NDArray[np.float64],
    plan: FlightPlan,
    track: bool,
    ground: float,
    limit: float,
    counts: bool,
    window: float,
    fuel0: FuelCheck,
) -> tuple[int, float] | str:
    """The number of new stops and added km of the best placement, or why there is none."""
    finite = np.flatnonzero(np.isfinite(at_end))
    usable = fuel0.usable_range_km
    if finite.size == 0:
        return (
            f"no placement of refuelling stops keeps every stretch within the usable range of "
            f"{_km(usable)} ({fuel0.aircraft}: range less reserve; the plan flies "
            f"{_km(sum(fuel0.stretches_km))})"
        )
    speed = plan.effective_aircraft.cruise_speed_kmh
    counted = plan.counted_geodesic_km
    misses = []
    best: tuple[float, int] | None = None
    for s in finite:
        added = float(at_end[s])
        stops = int(s) if track else 0
        hours = fuel0.mission_h + added / speed + stops * ground
        km = (counted + (added if counts else 0.0)) * (1.0 + plan.turn_margin)
        # on the safe side of rules 2 and 7, which compare without tolerance
        if hours > window - 1e-9:
            misses.append(f"{s} stop(s): +{_km(added)}, {hours:.1f} h > {window:g} h")
            continue
        if km > limit - _TOL_KM:
            misses.append(f"{s} stop(s): +{_km(added)}, counted {_km(km)} > {_km(limit)}")
            continue
        if best is None or added < best[0] - _TOL_KM:
            best = (added, int(s))
    if best is None:
        return (
            "no placement within the usable range of "
            f"{_km(usable)} fits the {window:g}-hour period (Art. VI Sec. I para 9) and the "
            f"maximum flight distance {_km(limit)} (detours "
            f"{'counted' if counts else 'not counted'}): " + "; ".join(misses[:5])
        )
    return best[1], best[0]


def _farthest(
    least: NDArray[np.float64],
    opt: _Options,
    cum: NDArray[np.float64],
    usable_km: float,
    plan: FlightPlan,
    keep_legs: Any,
    candidates: tuple[str, ...],
) -> str:
    """Where the reachable placements end: how far along the route the aircraft gets."""
    reach = np.isfinite(least).any(axis=1)
    far = float(np.max((cum[opt.w_out] + np.maximum(usable_km - opt.d_out, 0.0))[reach]))
    far = min(far, float(cum[-1]))
    j = int(np.searchsorted(cum, far, side="right")) - 1
    keep = (
        "; every leg with sensors on is flown as declared (keep_legs='sensors_on'): "
        "keep_legs='none' lets a detour replace a leg"
        if isinstance(keep_legs, str) and keep_legs == "sensors_on"
        else ""
    )
    return (
        f": refuelling at {', '.join(candidates)}, no placement gets farther than "
        f"{_km(far)} along the route of {_km(float(cum[-1]))} (waypoint {j}, "
        f"{plan.waypoint_labels[j]}){keep}"
    )


def _culprits(
    fresh: list[Violation],
    plan: FlightPlan,
    origin: list[int | None],
    node_legs: dict[int, list[int]],
) -> set[int]:
    """The stops whose detours cause the new violations (by leg, else by location)."""
    leg_node = {leg: node for node, legs in node_legs.items() for leg in legs}
    out: set[int] = set()
    lines = plan._leg_lines
    for v in fresh:
        if v.leg is not None and v.leg in leg_node:
            out.add(leg_node[v.leg])
            continue
        if v.location is None or not node_legs:
            continue
        best, best_d = None, math.inf
        for node, legs in node_legs.items():
            pts = np.vstack([shapely.get_coordinates(lines[k]) for k in legs])
            d = float(
                np.min(
                    geodesy.distance_km(
                        np.full(len(pts), v.location[0]),
                        np.full(len(pts), v.location[1]),
                        geodesy.normalize_lon(pts[:, 0]),
                        pts[:, 1],
                    )
                )
            )
            if d < best_d:
                best, best_d = node, d
        if best is not None:
            out.add(best)
    return out


def _limit(plan: FlightPlan) -> float:
    """The distance rule 2 checks the plan against: its budget, never above the legal limit."""
    a = _limit_airfield(plan.regime, plan.start, plan.territory)
    legal = a.max_flight_distance_km if a is not None else None
    return plan.budget_km if legal is None else min(plan.budget_km, legal)


def _km(value: float) -> str:
    return f"{value:,.1f} km"
