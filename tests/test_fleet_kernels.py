"""The compiled move evaluation against the NumPy formulation it replaced, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from _fleet_reference import (
    insert_best_reference,
    or_opt_reference,
    pair_move_reference,
    two_opt_reference,
)

from openskies import _fleet


def _instance(rng: np.random.Generator, n: int, *, one_sided: float, holes: float):
    """Random lane pieces in a plane: lengths, distances (some unreachable), reversibility."""
    starts = rng.uniform(0, 400, (n, 2))
    ends = starts + rng.normal(0, 60, (n, 2))
    pts = np.vstack([starts, ends, [[200.0, 200.0]]])
    dist = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    # a few pairs no route joins (inf), never to or from the airfield
    cut = np.triu(rng.random((2 * n, 2 * n)) < holes, 1)
    dist[: 2 * n, : 2 * n][cut | cut.T] = np.inf
    # ties: distances rounded to whole km
    dist = np.where(np.isfinite(dist), np.round(dist), dist)
    lengths = np.round(np.hypot(*(ends - starts).T)) + 1.0
    rev = rng.random(n) >= one_sided
    return lengths, dist, rev


def _routes(
    rng: np.random.Generator, fleet: _fleet.Fleet, rev: np.ndarray, k: int
) -> list[np.ndarray]:
    core = fleet.core
    order = rng.permutation(core.n)
    cuts = np.sort(rng.choice(np.arange(1, core.n), size=k - 1, replace=False))
    routes = []
    for part in np.split(order, cuts):
        nodes = [2 * int(i) + (int(rng.integers(2)) if rev[i] else 0) for i in part]
        routes.append(core.route(nodes))
    return routes


def _same(a: _fleet._Move | None, b: _fleet._Move | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return (
        a.value == b.value and np.array_equal(a.new_r, b.new_r) and np.array_equal(a.new_q, b.new_q)
    )


@pytest.mark.parametrize("seed", range(12))
def test_kernel_finds_the_reference_move(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 40))
    lengths, dist, rev = _instance(rng, n, one_sided=0.3 * (seed % 2), holes=0.02 * (seed % 3))
    fleet = _fleet.Fleet(lengths, dist, reversible=rev)
    k = int(rng.integers(2, min(6, n) + 1))
    search = _fleet._Search(fleet.core, _routes(rng, fleet, rev, k))
    checked = found = 0
    finite = search.len[np.isfinite(search.len)]  # a route over an unreachable pair is inf
    levels = np.quantile(finite, [0.0, 0.3, 0.7, 1.0]) if len(finite) else np.full(4, 500.0)
    for cap in levels * rng.uniform(0.8, 1.2, 4):
        for r in range(k):
            for q in range(k):
                if r == q:
                    continue
                er = _fleet._excess(search.len[r], cap)
                eq = _fleet._excess(search.len[q], cap)
                tot = search.len[r] + search.len[q]
                mu = search.MU

                def desc(a, b, er=er, eq=eq, tot=tot, cap=cap, mu=mu):
                    return (_fleet._excess(a, cap) + _fleet._excess(b, cap) - er - eq) + mu * (
                        a + b - tot
                    )

                def short(a, b, tot=tot, cap=cap):
                    return np.where((a <= cap) & (b <= cap), a + b - tot, np.inf)

                for mode, score in ((0, desc), (1, short)):
                    want = pair_move_reference(search, r, q, score)
                    got = search.pair_move(
                        r, q, mode=mode, cap=cap, er=er if mode == 0 else 0.0, eq=eq
                    )
                    assert _same(got, want), (seed, cap, r, q, mode, got, want)
                    checked += 1
                    found += want is not None
    assert checked
    if seed % 3 == 0:  # without unreachable pairs there are moves to find
        assert found


def test_kernel_and_reference_agree_on_the_plans_of_a_lane_field() -> None:
    """A whole plan (ladders, repair, shortening) is the same with either evaluation."""
    rng = np.random.default_rng(3)
    n = 60
    starts = np.column_stack([np.zeros(n), np.arange(n) * 5.0])
    ends = starts + np.array([120.0, 0.0])
    pts = np.vstack([starts, ends, [[60.0, -40.0]]])
    dist = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    lengths = np.full(n, 120.0) + rng.uniform(0, 1e-3, n)
    plans = []
    original = _fleet._Search.pair_move
    for use_reference in (False, True):
        if use_reference:

            def ref(self, r, q, *, mode, cap, er=0.0, eq=0.0):
                tot = self.len[r] + self.len[q]
                mu = self.MU
                if mode == 0:

                    def score(a, b):
                        return (_fleet._excess(a, cap) + _fleet._excess(b, cap) - er - eq) + mu * (
                            a + b - tot
                        )
                else:

                    def score(a, b):
                        return np.where((a <= cap) & (b <= cap), a + b - tot, np.inf)

                return pair_move_reference(self, r, q, score)

            _fleet._Search.pair_move = ref
        try:
            fleet = _fleet.Fleet(lengths, dist)
            plan = fleet.plan(1500.0)
            plans.append((plan.flights, plan.lengths_km))
        finally:
            _fleet._Search.pair_move = original
    assert plans[0] == plans[1]
    assert len(plans[0][0]) >= 2


@pytest.mark.parametrize("seed", range(12))
def test_route_improvement_is_the_reference_one(seed: int) -> None:
    """2-opt and or-opt of single routes: the same route as the NumPy formulation."""
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(2, 45))
    lengths, dist, rev = _instance(rng, n, one_sided=0.3 * (seed % 2), holes=0.02 * (seed % 3))
    core = _fleet.Fleet(lengths, dist, reversible=rev).core
    changed = 0
    for r in _routes(rng, _fleet.Fleet(lengths, dist, reversible=rev), rev, min(n, 1 + seed % 3)):
        for rounds in (1, 3, 500):
            with np.errstate(invalid="ignore"):  # the reference's inf - inf
                want = two_opt_reference(core, r, rounds)
            got = core.two_opt(r, rounds)
            assert np.array_equal(got, want), (seed, rounds)
            changed += not np.array_equal(got, r)
            for seg_max in (1, 3):
                with np.errstate(invalid="ignore"):
                    want = or_opt_reference(core, r, seg_max, rounds)
                got = core.or_opt(r, seg_max, rounds)
                assert np.array_equal(got, want), (seed, seg_max, rounds)
                changed += not np.array_equal(got, r)
    if seed % 3 == 0:
        assert changed  # there was something to improve


@pytest.mark.parametrize("seed", range(12))
def test_insertion_is_the_reference_one(seed: int) -> None:
    """The cheapest insertion of a removed node: the same route and place as NumPy's."""
    rng = np.random.default_rng(200 + seed)
    n = int(rng.integers(4, 40))
    lengths, dist, rev = _instance(rng, n, one_sided=0.3 * (seed % 2), holes=0.02 * (seed % 3))
    fleet = _fleet.Fleet(lengths, dist, reversible=rev)
    k = int(rng.integers(2, min(5, n) + 1))
    routes = _routes(rng, fleet, rev, k)
    for trial in range(20):
        a_route = int(rng.integers(k))
        if len(routes[a_route]) <= 3:
            continue
        pos = int(rng.integers(1, len(routes[a_route]) - 1))
        node = int(routes[a_route][pos])
        cut = [r.copy() for r in routes]
        cut[a_route] = np.delete(cut[a_route], pos)
        among = sorted({int(q) for q in rng.choice(k, size=int(rng.integers(1, k + 1)))})
        finite = [r for r in cut if np.isfinite(fleet.core.length(r))]
        cap = float(np.median([fleet.core.length(r) for r in finite])) if finite else 100.0
        got, want = _fleet._Search(fleet.core, cut), _fleet._Search(fleet.core, cut)
        got.insert_best(node, cap, among)
        with np.errstate(invalid="ignore"):  # the reference's inf - inf
            insert_best_reference(want, node, cap, among)
        for x, y in zip(got.routes, want.routes, strict=True):
            assert np.array_equal(x, y), (seed, trial)
