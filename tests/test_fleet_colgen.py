"""The column-generation bound (openskies._fleet_colgen): valid against exact optima, exact
where the answer is analytic, and used by the fleet only where the plan's gap is wide."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from openskies import _fleet, _fleet_colgen


def _planar(starts: np.ndarray, stops: np.ndarray, depot: np.ndarray):
    """Oriented-node matrices of straight items in a plane (km): node 2i forwards, 2i+1 back."""
    entry = np.empty((2 * len(starts), 2))
    exit_ = np.empty_like(entry)
    entry[0::2], exit_[0::2] = starts, stops
    entry[1::2], exit_[1::2] = stops, starts
    dist = lambda p, q: np.hypot(*(p[:, None, :] - q[None, :, :]).transpose(2, 0, 1))  # noqa: E731
    lengths = np.repeat(np.hypot(*(stops - starts).T), 2)
    return (
        dist(exit_, entry),
        dist(entry, entry),
        dist(depot[None], entry)[0],
        dist(exit_, depot[None])[:, 0],
        lengths,
    )


def _exact_fewest(arc, out, back, length, cap: float) -> int:
    """Fewest flights by brute force: every subset's shortest round trip, then a set cover."""
    m = len(length)
    n = m // 2
    fits = []
    for mask in range(1, 1 << n):
        items = [i for i in range(n) if mask >> i & 1]
        best = math.inf
        for perm in itertools.permutations(items):
            for dirs in itertools.product((0, 1), repeat=len(perm)):
                nodes = [2 * i + o for i, o in zip(perm, dirs, strict=True)]
                km = out[nodes[0]] + sum(length[a] for a in nodes) + back[nodes[-1]]
                km += sum(arc[a, b] for a, b in itertools.pairwise(nodes))
                best = min(best, km)
        if best <= cap:
            fits.append(mask)
    full = (1 << n) - 1
    fewest = {0: 0}
    frontier = [0]
    while full not in fewest:
        nxt = []
        for cov in frontier:
            for f in fits:
                c = cov | f
                if c not in fewest:
                    fewest[c] = fewest[cov] + 1
                    nxt.append(c)
        frontier = nxt
    return fewest[full]


@pytest.mark.parametrize("seed", range(6))
def test_bound_never_exceeds_the_exact_optimum(seed):
    rng = np.random.default_rng(seed)
    n = 6
    starts = rng.uniform(0, 100, (n, 2))
    stops = starts + rng.uniform(-40, 40, (n, 2))
    depot = np.array([50.0, -30.0])
    arc, entry, out, back, length = _planar(starts, stops, depot)
    solo = np.min((out + length + back).reshape(n, 2), axis=1)
    cap = float(solo.max()) * rng.uniform(1.0, 2.2)
    exact = _exact_fewest(arc, out, back, length, cap)
    value, lp, _ = _fleet_colgen.relaxation(arc, entry, out, back, length).farley(cap)
    assert math.ceil(value - 1e-6) <= exact
    assert value <= lp + 1e-6


def test_items_no_two_of_which_fit_need_a_flight_each():
    # eight 100 km items on a circle of radius 300 km: alone 700 km, any two over 800 km
    n = 8
    ang = np.linspace(0, 2 * np.pi, n, endpoint=False)
    starts = 300 * np.column_stack([np.cos(ang), np.sin(ang)])
    stops = 400 * np.column_stack([np.cos(ang), np.sin(ang)])
    arc, entry, out, back, length = _planar(starts, stops, np.zeros(2))
    value, _, _ = _fleet_colgen.relaxation(arc, entry, out, back, length).farley(799.0)
    assert math.ceil(value - 1e-6) == n


def test_items_at_the_airfield_pack_by_length():
    # twelve 10 km items whose ends all sit at the airfield: a 35 km flight flies three
    n = 12
    arc = np.zeros((2 * n, 2 * n))
    entry = np.zeros((2 * n, 2 * n))
    length = np.full(2 * n, 10.0)
    value, _, _ = _fleet_colgen.relaxation(
        arc, entry, np.zeros(2 * n), np.zeros(2 * n), length
    ).farley(35.0)
    assert math.ceil(value - 1e-6) == n // 3


def _scattered(seed: int, n: int = 14):
    rng = np.random.default_rng(seed)
    ang, r = rng.uniform(0, 2 * np.pi, n), rng.uniform(150, 300, n)
    starts = np.column_stack([r * np.cos(ang), r * np.sin(ang)])
    t = rng.uniform(0, 2 * np.pi, n)
    stops = starts + 40 * np.column_stack([np.cos(t), np.sin(t)])
    pts = np.vstack([starts, stops, [[0.0, 0.0]]])
    dist = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    return _fleet.Fleet(np.hypot(*(stops - starts).T), dist), _planar(starts, stops, np.zeros(2))


def test_the_fleet_refines_its_bound_where_the_gap_is_wide():
    # fourteen short items scattered 150-300 km out (seed 16): the plan has 9 flights, the
    # radial programme and the clique prove 7, a gap wider than one flight
    fleet, (arc, entry, out, back, length) = _scattered(16)
    plan = fleet.plan(700.0)
    volume = fleet.lower_bound(700.0)
    assert plan.lower_bound == volume
    assert len(plan) - volume.flights > 1
    refined = fleet.refined_bound(700.0, plan.flights)
    assert refined.method == _fleet.COLGEN_METHOD
    assert volume.flights < refined.flights <= len(plan)
    fresh = _fleet_colgen.relaxation(arc, entry, out, back, length).farley(700.0)[0]
    assert refined.flights == math.ceil(fresh - 1e-6)
    # deterministic: the same plan and bound again, in a new fleet
    again = _scattered(16)[0]
    again_plan = again.plan(700.0)
    assert again_plan.flights == plan.flights
    assert again.refined_bound(700.0, again_plan.flights).value == refined.value


def test_the_fleet_keeps_the_cheap_bound_where_the_gap_is_narrow():
    fleet, _ = _scattered(0)
    plan = fleet.plan(900.0)
    assert len(plan) - fleet.lower_bound(900.0).flights <= 1
    assert fleet.refined_bound(900.0, plan.flights) == fleet.lower_bound(900.0)


def test_the_refinement_respects_its_work_limit():
    # the pricing programme's size: 28 oriented nodes x 700 units x (NEAREST + CELLS)
    fleet, _ = _scattered(16)
    plan = fleet.plan(700.0)
    size = 2 * 14 * 700 * (_fleet_colgen.NEAREST + _fleet_colgen.CELLS)
    assert fleet.refine_work(700.0) == size
    volume = fleet.lower_bound(700.0)
    assert fleet.refined_bound(700.0, plan.flights, work_limit=size - 1) == volume
    limited = fleet.refined_bound(700.0, plan.flights, work_limit=size)
    unlimited = fleet.refined_bound(700.0, plan.flights, work_limit=None)
    assert limited == unlimited
    assert unlimited.flights > volume.flights
