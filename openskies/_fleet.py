"""Fewest legal flights over a set of lanes, with a proved lower bound.

The coverage engine lays lanes (:mod:`openskies._lanes`) and cuts them into pieces;
this module assigns the pieces to round trips from one airfield, in order and in
either direction, so that every flight is legal and as few flights as possible
are needed, then as few kilometres. It is self-contained: it takes the pieces'
lengths, a matrix of routed transfer distances between their end points and the
airfield, the turn margin and a legality check (a callable), and knows nothing
of territories or flight plans.

Model
-----
Item ``i`` (a lane piece) has length ``L_i`` (km) and end points ``i`` (start)
and ``n + i`` (end); point ``2n`` is the airfield. A flight is a sequence of
items, each flown forwards or backwards, from the airfield and back; its
length is the sum of the item lengths and of the routed transfers
(``dist_km``), times ``1 + turn_margin``. A flight is legal when the check
accepts it (the coverage engine builds the flight plan and runs
``FlightPlan.validate()``, every rule but the budget) and its counted length,
as the check measures it, is at most the budget.

Monotone in the budget, by construction
---------------------------------------
For each number of flights ``k`` the solver builds a *ladder* of ``k``-flight
solutions, each with a shorter longest flight than the one before
(:class:`_Ladder`): the best split of a giant tour into ``k`` round trips (an
exact dynamic programme over several rotations), then an iterated local search
for a longest flight ``δ`` shorter, ``δ`` halving after a failure down to
:data:`DELTA_MIN`. Nothing in a ladder depends on the budget. Let ``τ_k`` be the
shortest counted longest flight among the legal solutions of ladder ``k``. For a
budget ``B`` the plan has ``N(B) = min{k in W(B) : τ_k <= B}`` flights, where the
window ``W(B)`` runs from ``max(LB(B), s(B) - w(s(B)))`` to ``s(B)``; ``s(B)``
is the fewest flights of the first ladder rungs that fit ``B`` (non-increasing
in ``B``), ``w(s) = ceil(WINDOW_FRACTION * s)`` (so ``s - w(s)`` is
non-decreasing) and ``LB`` a proved lower bound. Then ``B1 < B2`` implies
``N(B2) <= N(B1)``: the solution behind ``N(B1)`` is legal for ``B2`` and lies in
``W(B2)`` unless ``s(B2)`` is already smaller. The solution chosen is then
shortened (total length, same number of flights) for the budget.

Lower bound
-----------
``LB(B)`` is the optimum of a small mixed-integer programme (HiGHS) that every
set of legal flights satisfies (:func:`_volume_bound`): flights are grouped by
the distance from the airfield of the farthest point they reach; in each group
the items' lengths plus their share of the transfers (half the distance from
each end point to the nearest end point of another item) fill at most the
budget per flight, and the items' lengths less their radial progress (the total
variation of the distance from the airfield along the item) plus twice the
group's distance fill at most the budget per flight (a closed path through the
airfield and a point at distance ``r`` varies the distance by ``2r`` at least;
an item contributes at most its own variation, a transfer at most its length).
Across all groups the transfers are a fractional matching of the items' end
points (:func:`_add_matching`): every end point of every item meets exactly one
transfer, to an end point of another item or to the airfield, ``k`` flights have
``2k`` airfield legs, and the item lengths plus the matching's length fit in ``k``
budgets. Any set of legal flights gives an integer point of the programme (its
flights' groups, shares 0 or 1, its own transfers as the matching), so the
programme's optimum, or HiGHS's proved dual bound on it if the search stops at
its node limit, rounded up, is at most the fewest flights. A clique of items no
two of which fit one flight (straight legs) is the other bound; the larger wins.
Where a plan is farther above it than the issue's target, the bound is refined by column
generation over the set-covering model of the flights (:meth:`Fleet.refined_bound`:
Farley's bound with an exact programme over relaxed flights,
:mod:`openskies._fleet_colgen`, the plan's own flights the first columns), by default only
where the pricing programme is small (:data:`BOUND_REFINE_WORK`; on large problems it
costs minutes per case).
Distances in the bound are WGS84 geodesics, never longer than any route.
"""

from __future__ import annotations

import functools
import logging
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._errors import InfeasibleError, ValidationError

logger = logging.getLogger(__name__)

__all__ = ["Bound", "Fleet", "FleetPlan"]

IntArr = NDArray[np.int64]
#: A flight as (item, forwards) pairs in flying order.
Route = tuple[tuple[int, bool], ...]
#: ``check(route) -> (counted_km, bad_items)``: the flight's length as flown, turn margin
#: included, and the items whose legs break a rule (empty when legal).
Check = Callable[[Route], tuple[float, list[int]]]

#: First step of a ladder: the next rung's longest flight is this fraction shorter.
DELTA_START = 0.01
#: A ladder ends when a step this small fails.
DELTA_MIN = 0.005
#: Iterated local search per ladder step: at most this many perturbations ...
ILS_ITERATIONS = 120
#: ... and at most this many in a row without progress.
ILS_STALL = 30
#: Local repair of a flight that breaks a rule: at most this many of its nearest variants
#: (an offending item flipped, swapped with a neighbour or moved, shortest by the matrix
#: first) are checked (:meth:`Fleet._local_fix`).
FIX_CHECKS = 8
#: Repair of a rung's illegal flights: rounds of penalised local search ...
REPAIR_ROUNDS = 5
#: ... each adding this (km) to the transfers next to the offending items ...
REPAIR_PENALTY_KM = 50.0
#: ... for flights at most this fraction longer than the rung's longest, with this many
#: perturbations at most, this many in a row without progress.
REPAIR_SLACK = 0.005
REPAIR_ITERATIONS = 20
REPAIR_STALL = 6
#: Share of the flights above the best split's count that the solver tries to save.
WINDOW_FRACTION = 0.1
#: Shortening of the chosen flights (same number of flights): perturbations at most ...
SHORTEN_ITERATIONS = 150
#: ... fewer on large problems: at most this many items x perturbations; a quarter of
#: them in a row without progress ends the search.
SHORTEN_WORK = 12_000
#: The shortest improvements checked for legality (shortest first).
SHORTEN_CANDIDATES = 6
#: Rotations of the giant tour split by the exact dynamic programme.
ROTATIONS = 8
#: Radial groups of the lower bound.
BOUND_GROUPS = 40
#: How the bound of :func:`_volume_bound` is proved (reports name it).
BOUND_METHOD = "radial bin-packing and end-point matching MIP (HiGHS)"
#: The column-generation bound (:mod:`openskies._fleet_colgen`) is computed where the plan
#: has more than ``max(1, floor(BOUND_REFINE_GAP * bound))`` flights above the bound above.
BOUND_REFINE_GAP = 0.1
#: ... and, unless asked for outright, only where one pass of its pricing programme has at
#: most this many states (oriented nodes x length units x transfers per node): the panoramic
#: camera's 122 pieces over Belarus up to a cap of about 2,200 km (4.7 s and 10.0 s at
#: 1,000 and 1,500 km in the default study), not the 5 km camera's 491 (1-6 minutes per
#: case; see bench/README.md, "Column-generation bound").
BOUND_REFINE_WORK = 1.2e8
#: How that bound is proved (reports name it).
COLGEN_METHOD = "set-covering LP by column generation, Farley bound (HiGHS)"
#: Nearest end points of other items listed per end point in the bound's matching.
MATCH_NEIGHBOURS = 12
#: Sample step (km) along items for the lower bound's distance profile.
BOUND_STEP_KM = 1.0


def _oriented(ends: NDArray) -> tuple[NDArray, NDArray]:
    """Entry and exit points of the oriented nodes ``2 i + o`` of items with end points ``ends``.

    ``ends[i]`` is ``(entry forwards, exit forwards, entry backwards, exit backwards)``: node
    ``2 i + o`` enters at ``ends[i, 2 o]`` and leaves at ``ends[i, 2 o + 1]``.
    """
    ends = np.asarray(ends)
    return ends[:, [0, 2]].ravel(), ends[:, [1, 3]].ravel()


class _Core:
    """Route arithmetic over oriented items.

    Oriented node ``a = 2 * i + o``: item ``i`` flown forwards (``o = 0``) or backwards
    (``o = 1``), entering at point ``entry[a]`` and leaving at ``exit[a]`` after
    ``L[a]`` km (a one-sided sensor flies a lane's two directions on different
    tracks). Nodes ``2n`` and ``2n + 1`` both stand for the depot, so ``a ^ 1`` flips
    every node. A route is an array ``[2n, a1, ..., am, 2n]``; its length is the sum
    of its nodes' lengths and of the arcs ``A[a, b] = dist[exit[a], entry[b]]``. A
    direction an item may not be flown in has infinite arcs.
    """

    def __init__(
        self,
        lengths: NDArray,
        dist: NDArray,
        ends: NDArray,
        depot: int,
        reversible: NDArray,
    ) -> None:
        self.n = n = len(lengths)
        d = np.asarray(dist, float)
        d = np.maximum(d, d.T)  # the router is symmetric up to rounding: keep the longer
        entry, exit_ = (np.append(e, [depot, depot]).astype(np.int64) for e in _oriented(ends))
        self.entry, self.exit = entry, exit_
        self.Z = 2 * n
        self.A = d[np.ix_(exit_, entry)]
        banned = np.flatnonzero(~np.asarray(reversible, bool)) * 2 + 1
        self.A[banned, :] = np.inf
        self.A[:, banned] = np.inf
        self.L = np.concatenate([np.asarray(lengths, float).reshape(n, 2).ravel(), [0.0, 0.0]])
        self.solo = self.A[self.Z, : 2 * n] + self.L[: 2 * n] + self.A[: 2 * n, self.Z]
        #: whether ``A`` stays as built (the neighbour lists are then computed once)
        self.frozen = True
        self._near: dict[int, IntArr] = {}

    def neighbours(self, k: int) -> IntArr:
        """The ``k`` nearest other nodes of every node by the round-trip arc ``A + A.T``.

        Kept for the next search unless the core's arcs may change (:attr:`frozen`
        False: the penalised copies of the repair change ``A`` in place between rounds).
        """
        cached = self._near.get(k) if self.frozen else None
        if cached is not None:
            return cached
        n2 = 2 * self.n
        sym = self.A[:n2, :n2] + self.A[:n2, :n2].T
        sym[np.arange(n2), np.arange(n2) ^ 1] = np.inf
        np.fill_diagonal(sym, np.inf)
        kk = min(k, n2 - 2)
        near = (
            np.argsort(sym, axis=1, kind="stable")[:, :kk]
            if kk > 0
            else np.zeros((n2, 0), np.int64)
        )
        if self.frozen:
            self._near[k] = near
        return near

    def route(self, nodes: list[int] | IntArr) -> IntArr:
        return np.concatenate([[self.Z], np.asarray(nodes, np.int64), [self.Z]]).astype(np.int64)

    def length(self, r: IntArr) -> float:
        return float(self.L[r].sum() + self.A[r[:-1], r[1:]].sum())

    def prefix(self, r: IntArr) -> NDArray:
        """P[i]: cost from the depot through node r[i] (its length included)."""
        step = self.L[r].copy()
        step[1:] += self.A[r[:-1], r[1:]]
        return np.cumsum(step)

    def suffix(self, r: IntArr) -> NDArray:
        """S[i]: cost from the entry of node r[i] (its length included) to the depot."""
        step = self.L[r].copy()
        step[:-1] += self.A[r[:-1], r[1:]]
        return np.cumsum(step[::-1])[::-1]

    def flipped_prefix(self, r: IntArr) -> NDArray:
        """F[i]: cost of r[: i + 1] flown backwards and flipped (r_i^1 ... r_0^1)."""
        f = r ^ 1
        step = self.L[f].copy()
        step[1:] += self.A[f[1:], f[:-1]]
        return np.cumsum(step)

    def flipped_suffix(self, r: IntArr) -> NDArray:
        """G[i]: cost of r[i:] flown backwards and flipped (r_-1^1 ... r_i^1)."""
        f = r ^ 1
        step = self.L[f].copy()
        step[:-1] += self.A[f[1:], f[:-1]]
        return np.cumsum(step[::-1])[::-1]

    # ------------------------------------------------------------------ giant tour
    def nearest_neighbour(self) -> IntArr:
        n = self.n
        left = np.ones(2 * n, bool)
        tour = []
        cur = self.Z
        for _ in range(n):
            cost = np.where(left, self.A[cur, : 2 * n], np.inf)
            a = int(np.argmin(cost))
            tour.append(a)
            left[a & ~1] = left[a | 1] = False
            cur = a
        return np.array(tour, np.int64)

    def two_opt(self, r: IntArr, rounds: int = 500) -> IntArr:
        """Best-improvement 2-opt of a route; reversing a segment flips its nodes (compiled)."""
        return _kernels().two_opt(self.A, self.L, np.ascontiguousarray(r, np.int64), rounds)

    def or_opt(self, r: IntArr, seg_max: int = 3, rounds: int = 500) -> IntArr:
        """Best-improvement move of a chain of 1..seg_max nodes, optionally flipped (compiled)."""
        return _kernels().or_opt(self.A, self.L, np.ascontiguousarray(r, np.int64), seg_max, rounds)

    def improve_route(self, r: IntArr) -> IntArr:
        for _ in range(5):
            before = self.length(r)
            r = self.or_opt(self.two_opt(r))
            if self.length(r) >= before - 1e-7:
                break
        return r


@dataclass
class _Move:
    value: float
    r: int
    q: int
    new_r: IntArr
    new_q: IntArr


_KERNELS: Any = None


def _kernels() -> Any:
    """The compiled move evaluation (numba; imported on first use, compiled once per install)."""
    global _KERNELS
    if _KERNELS is None:
        from . import _fleet_kernels

        _KERNELS = _fleet_kernels
    return _KERNELS


def _excess(x: NDArray, cap: float) -> NDArray:
    return np.maximum(x - cap, 0.0)


class _Search:
    """Local search over k routes, on the excess over a threshold (then total length)."""

    #: weight of the total length against the excess over the threshold
    MU = 1e-3

    def __init__(self, core: _Core, routes: list[IntArr], *, neighbours: int = 12) -> None:
        self.c = core
        self.routes = [np.asarray(r, np.int64) for r in routes]
        self.len = np.array([core.length(r) for r in self.routes])
        self.ver = [0] * len(self.routes)
        self.near = core.neighbours(neighbours)
        self._out = np.zeros(8, np.int64)  # the kernel's move description
        self._owner()

    def _owner(self) -> None:
        own = np.full(self.c.n, -1, np.int64)
        for k, r in enumerate(self.routes):
            own[r[1:-1] // 2] = k
        self.owner = own

    def candidates(self, r: int) -> list[int]:
        nodes = self.routes[r][1:-1]
        items = self.near[nodes].ravel() // 2
        qs = np.unique(self.owner[items])
        return [int(q) for q in qs if q != r and q >= 0]

    # ---- moves between route r and route q --------------------------------------------
    def pair_move(
        self, r: int, q: int, *, mode: int, cap: float, er: float = 0.0, eq: float = 0.0
    ) -> _Move | None:
        """Best move between routes r and q (compiled: :func:`openskies._fleet_kernels.pair_best`).

        Moves: 2-opt* (tails exchanged, also with the heads reversed), a chain of one
        to three nodes of r moved into q (either direction), one node of r swapped
        with one of q. ``mode`` 0 lowers the excess over ``cap`` (``er``, ``eq``: the
        routes' excess now), then the total length; ``mode`` 1 shortens the total with
        both routes within ``cap``.
        """
        c = self.c
        rr, qq = self.routes[r], self.routes[q]
        out = self._out
        val = _kernels().pair_best(
            c.A,
            c.L,
            rr,
            qq,
            float(self.len[r]),
            float(self.len[q]),
            int(mode),
            float(cap),
            float(er),
            float(eq),
            float(self.len[r] + self.len[q]),
            self.MU,
            out,
        )
        kind, i, j = int(out[0]), int(out[1]), int(out[2])
        if kind == 0:
            return None
        if kind == 1:
            nr = np.concatenate([rr[: i + 1], qq[j + 1 :]])
            nq = np.concatenate([qq[: j + 1], rr[i + 1 :]])
        elif kind == 2:
            nr = np.concatenate([rr[: i + 1], qq[: j + 1][::-1] ^ 1])
            nq = np.concatenate([rr[i + 1 :][::-1] ^ 1, qq[j + 1 :]])
            nr[0] = nr[-1] = nq[0] = nq[-1] = c.Z
        elif kind == 3:
            w, flip = int(out[3]), bool(out[4])
            seg = rr[i : i + w]
            if flip:
                seg = seg[::-1] ^ 1
            nr = np.concatenate([rr[:i], rr[i + w :]])
            nq = np.concatenate([qq[: j + 1], seg, qq[j + 1 :]])
        else:
            x, y = int(rr[i + 1]) ^ int(out[5]), int(qq[j + 1]) ^ int(out[6])
            nr, nq = rr.copy(), qq.copy()
            nr[i + 1], nq[j + 1] = y, x
        return _Move(float(val), r, q, nr, nq)

    def apply(self, mv: _Move) -> None:
        c = self.c
        for k, new in ((mv.r, mv.new_r), (mv.q, mv.new_q)):
            self.routes[k] = c.improve_route(new)
            self.len[k] = c.length(self.routes[k])
            self.owner[self.routes[k][1:-1] // 2] = k
            self.ver[k] += 1

    def descend(self, cap: float, max_moves: int = 100_000) -> None:
        """Moves that lower the excess over cap, then the total length (best per route).

        Pairs of routes neither of which changed since they were last found to have
        no improving move are skipped.
        """
        if getattr(self, "_cap", None) != cap:
            self._cap = cap
            self._clean: dict[tuple[int, int], tuple[int, int]] = {}
        for _ in range(max_moves):
            over = np.flatnonzero(self.len > cap + 1e-9)
            if not len(over):
                return
            order = over[np.argsort(-self.len[over], kind="stable")]
            moved = False
            for r in order:
                r = int(r)
                best = None
                for q in self.candidates(r):
                    stamp = (self.ver[r], self.ver[q])
                    if self._clean.get((r, q)) == stamp:
                        continue
                    er, eq = _excess(self.len[r], cap), _excess(self.len[q], cap)
                    mv = self.pair_move(r, q, mode=0, cap=cap, er=er, eq=eq)
                    if mv is None:
                        self._clean[(r, q)] = stamp
                    elif best is None or mv.value < best.value:
                        best = mv
                if best is not None:
                    self.apply(best)
                    moved = True
                    break
            if not moved:
                return

    def excess(self, cap: float) -> float:
        return float(_excess(self.len, cap).sum())

    # ---- perturbation ------------------------------------------------------------------
    def snapshot(self) -> tuple[list[IntArr], NDArray]:
        return [r.copy() for r in self.routes], self.len.copy()

    def restore(self, snap: tuple[list[IntArr], NDArray]) -> None:
        for k, r in enumerate(snap[0]):
            if not np.array_equal(r, self.routes[k]):
                self.routes[k] = r.copy()
                self.ver[k] += 1
        self.len = snap[1].copy()
        self._owner()

    def insert_best(self, a: int, cap: float, among: list[int]) -> None:
        """Insert node a (either direction) where the excess, then the length, grows least."""
        c = self.c
        routes = [self.routes[q] for q in among]
        offs = np.zeros(len(routes) + 1, np.int64)
        offs[1:] = np.cumsum([len(r) for r in routes])
        out = self._out
        _kernels().insert_best(
            c.A,
            c.L,
            int(a),
            np.concatenate(routes).astype(np.int64, copy=False),
            offs,
            np.ascontiguousarray(self.len[among], float),
            float(cap),
            self.MU,
            out,
        )
        q, k, x = among[int(out[0])], int(out[1]), int(out[2])
        qq = self.routes[q]
        self.routes[q] = np.concatenate([qq[: k + 1], [x], qq[k + 1 :]])
        self.len[q] = c.length(self.routes[q])
        self.owner[x // 2] = q
        self.ver[q] += 1

    def perturb(self, cap: float, rng: random.Random) -> None:
        c = self.c
        k = len(self.routes)
        over = np.flatnonzero(self.len > cap + 1e-9)
        r = int(over[rng.randrange(len(over))]) if len(over) else int(np.argmax(self.len))
        cands = self.candidates(r)
        picked = [r] + ([cands[rng.randrange(len(cands))]] if cands else [])
        removed: list[int] = []
        for q in picked:
            qq = self.routes[q]
            m = len(qq) - 2
            if m <= 1:
                continue
            w = min(m - 1, rng.randint(2, 8))
            st = rng.randint(1, m - w + 1)
            removed.extend(int(x) for x in qq[st : st + w])
            self.routes[q] = np.concatenate([qq[:st], qq[st + w :]])
            self.len[q] = c.length(self.routes[q])
            self.ver[q] += 1
        rng.shuffle(removed)
        for a in removed:
            near = self.owner[self.near[a] // 2]
            among = sorted({int(x) for x in near if x >= 0} | set(picked))
            among = [q for q in among if q < k]
            self.insert_best(a, cap, among)

    def ils(self, cap: float, *, iterations: int, stall: int, seed: int) -> bool:
        """Iterated local search for zero excess over cap; ends on the best solution found."""
        rng = random.Random(seed)
        self.descend(cap)
        best = (self.excess(cap), float(self.len.sum()))
        snap = self.snapshot()
        since = 0
        for _ in range(iterations):
            if best[0] <= 1e-9 or since >= stall:
                break
            self.perturb(cap, rng)
            self.descend(cap)
            cur = (self.excess(cap), float(self.len.sum()))
            if cur < best:
                since = 0 if cur[0] < best[0] - 1e-6 else since + 1
                best, snap = cur, self.snapshot()
            else:
                since += 1
                self.restore(snap)
        self.restore(snap)
        return best[0] <= 1e-9

    # ---- total length under a cap ------------------------------------------------------
    def shorten(self, cap: float, max_moves: int = 100_000) -> None:
        """Moves between neighbouring routes that shorten the total, every route <= cap."""
        clean: dict[tuple[int, int], tuple[int, int]] = {}
        for _ in range(max_moves):
            moved = False
            for r in range(len(self.routes)):
                best = None
                for q in self.candidates(r):
                    stamp = (self.ver[r], self.ver[q])
                    if clean.get((r, q)) == stamp:
                        continue
                    mv = self.pair_move(r, q, mode=1, cap=cap)
                    if mv is None or mv.value > -1e-6:
                        clean[(r, q)] = stamp
                    elif best is None or mv.value < best.value:
                        best = mv
                if best is not None:
                    self.apply(best)
                    moved = True
            if not moved:
                return

    def shorten_ils(
        self, cap: float, *, iterations: int, stall: int, seed: int
    ) -> list[list[IntArr]]:
        """Iterated local search on the total length, every route <= cap, route count kept.

        Returns the successive improvements, shortest last (the caller keeps the
        shortest whose flights are legal).
        """
        rng = random.Random(seed)
        self.shorten(cap)
        best = float(self.len.sum())
        snap = self.snapshot()
        found = [[r.copy() for r in self.routes]]
        since = 0
        for _ in range(iterations):
            if since >= stall:
                break
            self.perturb(cap, rng)
            self.descend(cap)
            if self.excess(cap) > 1e-9 or any(len(r) <= 2 for r in self.routes):
                self.restore(snap)
                since += 1
                continue
            self.shorten(cap)
            total = float(self.len.sum())
            if total < best - 1e-6:
                best, snap, since = total, self.snapshot(), 0
                found.append([r.copy() for r in self.routes])
            else:
                self.restore(snap)
                since += 1
        self.restore(snap)
        return found


class _SplitDP:
    """Exact min-max splits of one sequence into 1, 2, ... round trips (levels on demand).

    ``F[c][j]`` is the shortest longest trip covering ``seq[: j + 1]`` with at most
    ``c + 1`` trips, each a contiguous run of the sequence.
    """

    def __init__(self, core: _Core, seq: IntArr) -> None:
        self.core, self.seq = core, seq
        inner = np.concatenate([[0.0], np.cumsum(core.L[seq][:-1] + core.A[seq[:-1], seq[1:]])])
        o = core.A[core.Z, seq]
        e = core.L[seq] + core.A[seq, core.Z]
        m = len(seq)
        i = np.arange(m)[:, None]
        j = np.arange(m)[None, :]
        self.C = np.where(i <= j, o[:, None] + inner[None, :] - inner[:, None] + e[None, :], np.inf)
        self.F = [self.C[0].copy()]
        self.back: list[NDArray] = []

    def value(self, k: int) -> float:
        m = len(self.seq)
        while len(self.F) < k:
            f_prev = self.F[-1]
            prev = np.concatenate([[0.0], f_prev[:-1]])
            cand = np.maximum(prev[:, None], self.C)
            cand[0, :] = self.C[0, :]
            arg = np.argmin(cand, axis=0)
            f_new = cand[arg, np.arange(m)]
            keep = f_prev <= f_new
            self.back.append(np.where(keep, -1, arg))
            self.F.append(np.where(keep, f_prev, f_new))
        return float(self.F[k - 1][m - 1])

    def routes(self, k: int) -> list[IntArr]:
        self.value(k)
        m = len(self.seq)
        chunks = []
        jj = m - 1
        for arg in reversed(self.back[: k - 1]):
            a = int(arg[jj])
            if a < 0:
                continue
            chunks.append((a, jj))
            jj = a - 1
            if jj < 0:
                break
        if jj >= 0:
            chunks.append((0, jj))
        chunks.reverse()
        return [self.core.route(self.seq[a : b + 1]) for a, b in chunks]


@dataclass
class _Rung:
    routes: list[IntArr]
    max_km: float  # longest route by the distance matrix (geodesic km, no margin)
    exact: tuple[float, bool] | None = None  # (value in counted km, legal) once checked
    legal: list[IntArr] | None = None  # the routes made legal (Fleet._exact)


class _Ladder:
    """Solutions with k flights, each with a shorter longest flight (budget-independent)."""

    def __init__(self, core: _Core, k: int, start: list[IntArr]) -> None:
        self.core, self.k = core, k
        self.rungs = [_Rung(start, max(core.length(r) for r in start))]
        self.delta = DELTA_START
        self.steps = 0
        self.done = len(start) < k  # fewer trips than k: nothing to balance

    def rung(self, j: int) -> _Rung | None:
        while j >= len(self.rungs) and not self.done:
            self._step()
        return self.rungs[j] if j < len(self.rungs) else None

    def _step(self) -> None:
        last = self.rungs[-1]
        target = last.max_km * (1.0 - self.delta)
        search = _Search(self.core, last.routes)
        self.steps += 1
        ok = search.ils(
            target,
            iterations=ILS_ITERATIONS,
            stall=ILS_STALL,
            seed=1_000_003 * self.k + self.steps,
        )
        if ok:
            routes = [self.core.improve_route(r) for r in search.routes]
            self.rungs.append(_Rung(routes, max(self.core.length(r) for r in routes)))
        else:
            self.delta /= 2.0
            if self.delta < DELTA_MIN:
                self.done = True


# --------------------------------------------------------------------------- lower bound


@dataclass(frozen=True)
class _Matching:
    """End points of the items and the transfers between them (geodesic km), for the bound.

    Slot ``2 i`` is the end of item ``i`` where it starts when flown forwards (and ends
    when flown backwards), slot ``2 i + 1`` the other; a slot stands for both of its
    points where a one-sided sensor flies the two directions on different tracks, and
    a transfer between two slots is the shortest between their points. ``edges`` are
    the slot pairs within :data:`MATCH_NEIGHBOURS` nearest of either; any other pair
    is at least ``escape[u] + escape[v]`` long (half the distance to the first slot
    beyond each one's list).
    """

    edges: NDArray  # (m, 2) slot pairs, u < v, of different items
    cost: NDArray  # (m,) their distance
    depot: NDArray  # (2n,) distance from the airfield to each slot
    escape: NDArray  # (2n,) half the distance to the nearest slot beyond the listed ones


def _matching(geo: NDArray, ends: NDArray, depot: int, rev: NDArray, neighbours: int) -> _Matching:
    """The slot pairs and distances of :class:`_Matching` (``geo``: point distances, km)."""
    n = len(ends)
    geo = np.minimum(geo, geo.T)
    cand = np.stack([ends[:, [0, 3]], ends[:, [1, 2]]], axis=1).reshape(2 * n, 2)
    cand[1::2][~rev, 1] = cand[1::2][~rev, 0]  # an item flown forwards only: its own ends
    cand[0::2][~rev, 1] = cand[0::2][~rev, 0]
    m = 2 * n
    dd = np.full((m, m), np.inf)
    for a in (0, 1):
        for b in (0, 1):
            dd = np.minimum(dd, geo[np.ix_(cand[:, a], cand[:, b])])
    own = np.arange(m) // 2
    dd[own[:, None] == own[None, :]] = np.inf
    k = min(neighbours, m - 2)
    depot_d = np.minimum(geo[depot, cand[:, 0]], geo[depot, cand[:, 1]])
    if k <= 0:
        return _Matching(np.zeros((0, 2), np.int64), np.zeros(0), depot_d, np.full(m, np.inf))
    order = np.argsort(dd, axis=1, kind="stable")
    near = order[:, :k]
    escape = 0.5 * dd[np.arange(m), order[:, k]] if k < m - 2 else np.full(m, np.inf)
    u = np.repeat(np.arange(m), k)
    v = near.ravel()
    pairs = np.unique(np.column_stack([np.minimum(u, v), np.maximum(u, v)]), axis=0)
    cost = dd[pairs[:, 0], pairs[:, 1]]
    ok = np.isfinite(cost)
    return _Matching(pairs[ok], cost[ok], depot_d, escape)


@dataclass(frozen=True)
class _BoundData:
    """Budget-independent data of the lower bound (geodesic km)."""

    lengths: NDArray  # (n,)
    far: NDArray  # (n,) farthest distance of the item from the airfield
    excess: NDArray  # (n,) length less radial progress (total variation of the distance)
    share: NDArray  # (n,) half the distances from its ends to the nearest other item end
    share_depot: NDArray  # (n,) the same with the airfield among the candidates
    near: float  # least distance from the airfield to an item end
    endmin: NDArray  # (n,) least distance from the airfield to one of the item's end points
    widest: float  # largest such nearest-end distance
    pair: NDArray  # (n, n) shortest flight over items i and j alone (straight legs)
    solo: NDArray  # (n,) shortest flight over item i alone (straight legs)
    match: _Matching  # transfers as a matching of the items' end points
    relax: Callable[[], Any]  # builds the _fleet_colgen.Relaxation (on first use, see Fleet)


def _bound_data(
    lengths: NDArray,
    dist: NDArray,
    ends: NDArray,
    depot: int,
    reversible: NDArray,
    tracks: Sequence[tuple[NDArray, NDArray]] | None,
    depot_lonlat: tuple[float, float] | None,
) -> _BoundData:
    """Geodesic profile of the items for :func:`_volume_bound` (both directions: the least).

    With ``tracks`` ((forwards, backwards) per item) and ``depot_lonlat`` (lon, lat
    degrees) every distance is a WGS84 geodesic; without, ``dist`` is taken as such
    (it must then be a lower bound on any path between the points, e.g. straight
    lines in a plane) and no radial progress is credited beyond the end points.
    """
    from . import geodesy

    n = len(lengths)
    len2 = np.asarray(lengths, float).reshape(n, 2)
    rev = np.asarray(reversible, bool)
    dirs = [(o, np.flatnonzero(rev | (o == 0))) for o in (0, 1)]
    if tracks is not None and depot_lonlat is not None:
        pts = np.full((dist.shape[0], 2), np.nan)
        for i, (fw, bw) in enumerate(tracks):
            pts[ends[i, 0]], pts[ends[i, 1]] = fw[0], fw[-1]
            pts[ends[i, 2]], pts[ends[i, 3]] = bw[0], bw[-1]
        pts[depot] = depot_lonlat
        used = np.flatnonzero(np.isfinite(pts[:, 0]))
        geo = np.full(dist.shape, np.inf)
        geo[np.ix_(used, used)] = geodesy.distance_matrix_km(pts[used, 0], pts[used, 1])
        far = np.full((n, 2), np.inf)
        excess = np.full((n, 2), np.inf)
        x0, y0 = depot_lonlat
        for i, pair in enumerate(tracks):
            for o, tr in enumerate(pair):
                if o == 1 and not rev[i]:
                    continue
                dense = geodesy.densify_coords(np.asarray(tr, float), BOUND_STEP_KM)
                r = np.asarray(geodesy.distance_km(x0, y0, dense[:, 0], dense[:, 1]), float)
                far[i, o] = float(r.max())
                # the distance from a point has at most one interior minimum along a
                # geodesic segment: the samples miss at most one step's variation each
                tv = float(np.abs(np.diff(r)).sum()) + (len(tr) - 1) * BOUND_STEP_KM
                excess[i, o] = max(0.0, len2[i, o] - min(len2[i, o], tv))
    else:
        geo = np.asarray(dist, float)
        far = np.stack(
            [
                np.maximum(geo[depot, ends[:, 0]], geo[depot, ends[:, 1]]),
                np.maximum(geo[depot, ends[:, 2]], geo[depot, ends[:, 3]]),
            ],
            axis=1,
        )
        far[~rev, 1] = np.inf
        excess = np.zeros((n, 2))  # no radial progress known: an item may supply its length
        excess[~rev, 1] = np.inf
    # nearest end point of another item from each end point of each item (pieces of one
    # lane share their cut points: a shared point is another item's end at distance 0)
    slots = ends.ravel()
    owner = np.repeat(np.arange(n), 4)
    nearest_slot = np.full(len(slots), np.inf)
    step = max(1, 4_000_000 // max(1, len(slots)))
    for a in range(0, len(slots), step):
        block = geo[np.ix_(slots[a : a + step], slots)].copy()
        block[owner[a : a + step, None] == owner[None, :]] = np.inf
        nearest_slot[a : a + step] = block.min(axis=1)
    to_depot = geo[depot]
    near_s = nearest_slot.reshape(n, 4)
    near_s = np.where(np.isfinite(near_s), near_s, to_depot[ends])
    with_d = np.minimum(near_s, to_depot[ends])
    share = np.full((n, 2), np.inf)
    share_d = np.full((n, 2), np.inf)
    for o, idx in dirs:
        share[idx, o] = 0.5 * (near_s[idx, 2 * o] + near_s[idx, 2 * o + 1])
        share_d[idx, o] = 0.5 * (with_d[idx, 2 * o] + with_d[idx, 2 * o + 1])
    l_min = np.where(rev, len2.min(axis=1), len2[:, 0])
    # shortest flight over two items (either order and directions, straight legs): any
    # flight over both is at least this long (the triangle inequality drops the rest)
    ent = np.stack([ends[:, 0], ends[:, 2]], axis=1)  # (n, 2) entry point by direction
    ext = np.stack([ends[:, 1], ends[:, 3]], axis=1)
    ok = np.stack([np.ones(n, bool), rev], axis=1)
    lo = np.where(ok, len2, np.inf)
    solo = np.min(to_depot[ent] + lo + to_depot[ext], axis=1)
    pair = np.full((n, n), np.inf)
    for oi in (0, 1):
        for oj in (0, 1):
            first = to_depot[ent[:, oi]] + lo[:, oi]  # airfield -> through i
            between = geo[np.ix_(ext[:, oi], ent[:, oj])]
            last = lo[:, oj] + to_depot[ext[:, oj]]
            pair = np.minimum(pair, first[:, None] + between + last[None, :])
    pair = np.minimum(pair, pair.T)
    np.fill_diagonal(pair, solo)
    return _BoundData(
        lengths=l_min,
        far=far.min(axis=1),
        excess=excess.min(axis=1),
        share=np.min(len2 + share, axis=1) - l_min,
        share_depot=np.min(len2 + share_d, axis=1) - l_min,
        near=float(to_depot[slots].min()),
        endmin=to_depot[ends].min(axis=1),
        widest=float(near_s.max()),
        pair=pair,
        solo=solo,
        match=_matching(geo, ends, depot, rev, MATCH_NEIGHBOURS),
        relax=functools.partial(_relaxation, geo, ends, depot, len2, rev),
    )


def _relaxation(geo: NDArray, ends: NDArray, depot: int, len2: NDArray, rev: NDArray) -> Any:
    """Oriented-node distances (the shorter of each pair's two ways) for the colgen bound."""
    from ._fleet_colgen import relaxation

    geo = np.minimum(geo, geo.T)
    entry, exit_ = _oriented(ends)
    lengths = len2.ravel().copy()
    lengths[1::2][~rev] = np.inf
    return relaxation(
        geo[np.ix_(exit_, entry)],
        geo[np.ix_(entry, entry)],
        geo[depot, entry],
        geo[exit_, depot],
        lengths,
    )


def _flight_floor_km(data: _BoundData, items: Sequence[int]) -> float:
    """Least geodesic length (km, no margin) of any flight over these items.

    The inequalities that :func:`_volume_bound` sums per group, for one flight: every
    legal flight is at least this long (tests check it against flights built). ``rho``
    is the least distance from the airfield to an end point of the flight's items: the
    first leg ends and the last leg starts at one.
    """
    idx = np.asarray(items, np.int64)
    if not len(idx):
        return 0.0
    lengths = data.lengths[idx]
    rho = float(data.endmin[idx].min())
    return float(
        max(
            (lengths + data.share[idx]).sum() + 2.0 * rho - data.widest,
            (lengths + data.share_depot[idx]).sum() + rho,
            data.excess[idx].sum() + 2.0 * data.far[idx].max(),
            lengths.sum() + 2.0 * rho,
        )
    )


def _conflict_bound(data: _BoundData, cap: float) -> int:
    """Items no two of which fit one flight each need a flight of their own.

    Two items conflict when the shortest flight over both alone, with straight
    legs, is longer than ``cap``; a set of pairwise conflicting items (a clique,
    grown greedily from every item, farthest-first) needs as many flights.
    """
    n = len(data.lengths)
    conflict = data.pair > cap * (1.0 + 1e-12)
    np.fill_diagonal(conflict, False)
    degree = conflict.sum(axis=1)
    best = 1
    for start in np.argsort(-degree, kind="stable")[: min(n, 200)]:
        clique = [int(start)]
        cand = conflict[start].copy()
        while cand.any():
            idx = np.flatnonzero(cand)
            pick = int(idx[np.argmax(degree[idx])])
            clique.append(pick)
            cand &= conflict[pick]
        best = max(best, len(clique))
    return best


def _edges(values: NDArray, groups: int) -> NDArray:
    """Group edges at quantiles of ``values``, from 0 (km)."""
    if groups <= 1:
        return np.array([0.0])
    e = np.unique(np.quantile(values, np.linspace(0.0, 1.0, groups + 1))[:-1])
    e[0] = 0.0
    return np.unique(e)


def _add_matching(h: Any, data: _BoundData, cap: float, n_g: int, first: int) -> None:
    """Add the transfers of all flights as a fractional matching of the end points.

    Columns from ``first``, tied to the flights ``n_0 .. n_g-1`` of the model in ``h``.
    Every end point of every item meets exactly one transfer (to an end point of
    another item or to the airfield); ``k`` flights have ``2 k`` airfield legs; items and
    transfers together fit ``k`` flights of ``cap``. The matching's degree constraints
    hold for any set of flights, so with the rest they are a relaxation.
    """
    import highspy

    mt = data.match
    m = len(mt.depot)
    ne = len(mt.edges)
    # columns: x_e (ne), y_u to the airfield (m), s_u beyond the lists (m)
    cost = np.concatenate([mt.cost, mt.depot, mt.escape])
    ub = np.where(np.isfinite(cost), 1.0, 0.0)
    cost = np.where(np.isfinite(cost), cost, 0.0)
    h.addVars(len(cost), np.zeros(len(cost)), ub)
    xs = first + np.arange(ne)
    ys = first + ne + np.arange(m)
    ss = first + ne + m + np.arange(m)
    # degree rows: slot u in edges, its airfield leg and its escape
    rows = np.concatenate([mt.edges[:, 0], mt.edges[:, 1], np.arange(m), np.arange(m)])
    cols = np.concatenate([xs, xs, ys, ss])
    order = np.argsort(rows, kind="stable")
    starts = np.searchsorted(rows[order], np.arange(m)).astype(np.int32)
    h.addRows(
        m,
        np.ones(m),
        np.ones(m),
        len(cols),
        starts,
        cols[order].astype(np.int32),
        np.ones(len(cols)),
    )
    groups = np.arange(n_g)
    idx = np.concatenate([ys, groups]).astype(np.int32)
    h.addRow(0.0, 0.0, len(idx), idx, np.concatenate([np.ones(m), np.full(n_g, -2.0)]))
    lane_km = float(data.lengths.sum())
    idx = np.concatenate([xs, ys, ss, groups]).astype(np.int32)
    h.addRow(
        -highspy.kHighsInf,
        -lane_km,
        len(idx),
        idx,
        np.concatenate([cost, np.full(n_g, -cap)]),
    )


def _volume_bound(
    data: _BoundData,
    cap: float,
    *,
    near_groups: int = 1,
    far_groups: int = BOUND_GROUPS,
    matching: bool = True,
) -> tuple[int, float]:
    """Proved lower bound on the flights of length <= cap (geodesic km): (bound, LP value).

    Flights are grouped by the least distance ``rho`` from the airfield to an end
    point of their items (edges at quantiles of the items' ``endmin``) and by the
    distance ``r`` of their farthest point (edges at quantiles of the items' ``far``);
    a group's flights use its lower edges ``rho_g`` and ``r_g``. Variables: ``n_g``
    flights in group ``g`` (integer) and the share ``z_ig`` of item ``i`` flown in
    group ``g`` (only where ``endmin_i`` is at least the group's lower ``rho`` edge and
    ``far_i`` within its upper ``r`` edge). Every set of legal flights gives a feasible
    point (each flight lies in the group of its own ``rho`` and ``r``), so the
    optimum bounds the flights from below:

    - ``sum_g z_ig = 1`` (every item flown);
    - ``sum_i L_i z_ig <= (cap - 2 rho_g) n_g``: the first leg runs from the airfield
      to an item end, the last from one back, each at least ``rho`` long;
    - ``sum_i (L_i + share_i) z_ig <= (cap - 2 rho_g + widest) n_g``: besides, each arc
      between consecutive items is longer than half the nearest-end distance at
      either end (the first and last items' missing halves are at most ``widest``);
    - ``sum_i (L_i + share_depot_i) z_ig <= (cap - rho_g) n_g``: the same with the
      airfield counted among the nearest ends (half of each airfield leg is left);
    - ``sum_i excess_i z_ig <= (cap - 2 r_g) n_g``: the distance from the airfield
      varies by at least ``2 r`` along the closed flight; items contribute at most
      their own variation, transfers at most their length.

    A group in which a right-hand side is negative holds no flight.
    """
    import highspy

    from ._orienteering import _new_highs

    n = len(data.lengths)
    if n == 0:
        return 0, 0.0
    r_lo = _edges(data.far, far_groups)
    r_hi = np.append(r_lo[1:], np.inf)
    p_lo = _edges(data.endmin, near_groups)
    groups = []  # (rho_lo, r_lo, eligible items)
    for pa in p_lo:
        if min(cap - 2.0 * pa, cap - pa) < 0:
            continue
        for ra, rb in zip(r_lo, r_hi, strict=True):
            if cap - 2.0 * ra < 0 or rb < pa:
                continue
            idx = np.flatnonzero((data.endmin >= pa - 1e-9) & (data.far <= rb + 1e-9))
            if len(idx):
                groups.append((float(pa), float(ra), idx))
    covered = np.zeros(n, bool)
    for *_, idx in groups:
        covered[idx] = True
    if not covered.all():
        return n + 1, math.inf  # an item no flight within the budget can fly
    n_g = len(groups)
    ci = np.concatenate([g[2] for g in groups])
    cg = np.concatenate([np.full(len(g[2]), k) for k, g in enumerate(groups)])
    nz = len(ci)
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    # no "threads" option: HiGHS keeps one scheduler per process, sized by the first solve
    # (the orienteering ILP leaves it at its default); a later instance asking for another
    # thread count is refused at run(), which once turned this proved bound into 1
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_max_nodes", 20_000)
    inf = highspy.kHighsInf
    h.addVars(n_g + nz, np.zeros(n_g + nz), np.full(n_g + nz, inf))
    h.changeColsCost(n_g, np.arange(n_g, dtype=np.int32), np.ones(n_g))
    h.changeColsIntegrality(
        n_g, np.arange(n_g, dtype=np.int32), np.full(n_g, highspy.HighsVarType.kInteger)
    )
    order = np.argsort(ci, kind="stable")
    bounds = np.searchsorted(ci[order], np.arange(n + 1))
    for i in range(n):
        idx = (n_g + order[bounds[i] : bounds[i + 1]]).astype(np.int32)
        h.addRow(1.0, 1.0, len(idx), idx, np.ones(len(idx)))
    g_order = np.argsort(cg, kind="stable")
    g_bounds = np.searchsorted(cg[g_order], np.arange(n_g + 1))
    for g, (rho, r, _) in enumerate(groups):
        sel = g_order[g_bounds[g] : g_bounds[g + 1]]
        zi = ci[sel]
        idx = np.concatenate([[g], n_g + sel]).astype(np.int32)
        for rhs, w in (
            (cap - 2.0 * rho, data.lengths[zi]),
            (cap - 2.0 * rho + data.widest, data.lengths[zi] + data.share[zi]),
            (cap - rho, data.lengths[zi] + data.share_depot[zi]),
            (cap - 2.0 * r, data.excess[zi]),
        ):
            h.addRow(-inf, 0.0, len(idx), idx, np.concatenate([[-rhs], w]))
    if matching:
        _add_matching(h, data, cap, n_g, n_g + nz)
    run_status = h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    if status == highspy.HighsModelStatus.kInfeasible:
        return n + 1, math.inf  # no legal set of flights at all
    bound = float(info.mip_dual_bound)
    lp = float(info.objective_function_value)
    # solved, or stopped by a limit: the dual bound is proved either way; anything else is a
    # failure of the solver, said as such (never a silently weaker bound)
    stopped = {
        highspy.HighsModelStatus.kOptimal,
        highspy.HighsModelStatus.kSolutionLimit,
        highspy.HighsModelStatus.kIterationLimit,
        highspy.HighsModelStatus.kTimeLimit,
    }
    failed = run_status == highspy.HighsStatus.kError or status not in stopped
    if failed or not math.isfinite(bound):
        msg = (
            f"HiGHS did not solve the flight-count bound (run {run_status}, model "
            f"{h.modelStatusToString(status)}, dual bound {bound!r})"
        )
        raise RuntimeError(msg)
    return max(1, math.ceil(bound - 1e-6)), lp


# --------------------------------------------------------------------------- public


def _window(s: int) -> int:
    """Flights below the first rungs' count that a plan tries to save.

    ``s - _window(s)`` never decreases as ``s`` grows (the monotonicity proof needs it).
    """
    return max(2, math.ceil(WINDOW_FRACTION * s))


@dataclass(frozen=True)
class Bound:
    """A proved lower bound on the number of flights.

    Attributes
    ----------
    flights : int
    method : str
        How it is proved (see the module docstring).
    value : float
        The bound before rounding up (the programme's optimum or LP value).
    seconds : float
        Time taken to prove it (wall).
    """

    flights: int
    method: str
    value: float
    seconds: float = 0.0


@dataclass(frozen=True)
class FleetPlan:
    """Flights found for one budget.

    Attributes
    ----------
    flights : tuple of Route
        Each flight as (item, forwards) pairs in flying order.
    lengths_km : tuple of float
        Counted length of each flight as the check measured it (turn margin included).
    budget_km : float
    lower_bound : Bound
    threshold_km : float
        Counted length of the longest flight of the ladder rung chosen: with this
        many flights the solver knows no plan with a shorter longest flight among
        the rungs it checked, so every budget from this value up needs no more.
    stats : dict
        Ladders tried, rungs checked, seconds.
    """

    flights: tuple[Route, ...]
    lengths_km: tuple[float, ...]
    budget_km: float
    lower_bound: Bound
    threshold_km: float
    stats: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.flights)

    @property
    def total_km(self) -> float:
        """Sum of the counted flight lengths, km."""
        return float(sum(self.lengths_km))


class Fleet:
    """Items, transfer distances and legality: flights for any budget (cached, deterministic).

    Parameters
    ----------
    lengths_km : (n,) array
        Item (lane piece) lengths, geodesic km.
    dist_km : (2n + 1, 2n + 1) array
        Routed transfer distances (geodesic km, no turn margin) between item start
        points ``0 .. n-1``, end points ``n .. 2n-1`` and the airfield ``2n``.
    turn_margin : float
        Counted length = geodesic length * (1 + turn_margin).
    check : callable, optional
        ``check(route) -> (counted_km, bad_items)`` (see :data:`Check`); default: the
        length by the matrix, every flight legal.
    tracks : sequence of (m, 2) arrays, optional
        Item tracks (lon, lat degrees) for the geodesic lower bound, with ``depot``.
    depot : (float, float), optional
        Airfield (lon, lat degrees).
    """

    def __init__(
        self,
        lengths_km: Sequence[float] | NDArray,
        dist_km: NDArray,
        *,
        ends: NDArray | None = None,
        depot: int | None = None,
        reversible: Sequence[bool] | NDArray | None = None,
        turn_margin: float = 0.0,
        check: Check | None = None,
        tracks: Sequence[tuple[NDArray, NDArray]] | None = None,
        depot_lonlat: tuple[float, float] | None = None,
    ) -> None:
        lengths = np.asarray(lengths_km, float)
        n = len(lengths)
        if n == 0:
            msg = "no items to fly: give at least one lane piece"
            raise ValidationError(msg)
        if lengths.ndim == 1:
            lengths = np.column_stack([lengths, lengths])
        d = np.asarray(dist_km, float)
        if ends is None:
            if d.shape != (2 * n + 1, 2 * n + 1):
                msg = (
                    f"dist_km must be ({2 * n + 1}, {2 * n + 1}) for {n} items without ends= "
                    f"(starts, ends, airfield), got {d.shape}"
                )
                raise ValidationError(msg)
            i = np.arange(n)
            ends = np.column_stack([i, n + i, n + i, i])
        ends = np.asarray(ends, np.int64)
        depot = d.shape[0] - 1 if depot is None else int(depot)
        rev = np.ones(n, bool) if reversible is None else np.asarray(reversible, bool)
        if (
            d.ndim != 2
            or d.shape[0] != d.shape[1]
            or ends.shape != (n, 4)
            or ends.min() < 0
            or max(int(ends.max()), depot) >= d.shape[0]
        ):
            msg = (
                f"dist_km must be a square matrix over the points that ends (n, 4) and depot "
                f"index; got dist {d.shape}, ends {ends.shape}, depot {depot}"
            )
            raise ValidationError(msg)
        if np.any(np.isnan(d)) or np.any(d < 0):
            msg = "dist_km must hold distances >= 0 km (inf where no route exists)"
            raise ValidationError(msg)
        if lengths.shape != (n, 2) or np.any(~np.isfinite(lengths)) or np.any(lengths <= 0):
            msg = "lengths_km must be positive finite kilometres, (n,) or (n, 2)"
            raise ValidationError(msg)
        self.n = n
        self.margin = float(turn_margin)
        self.core = _Core(lengths, d, ends, depot, rev)
        self._check = check
        self._checked: dict[Route, tuple[float, list[int]]] = {}
        self._bound_data = _bound_data(lengths, d, ends, depot, rev, tracks, depot_lonlat)
        self._bounds: dict[float, Bound] = {}
        self._refined: dict[tuple[float, tuple[Route, ...]], Bound] = {}
        self._relax: Any = None
        self._splits: list[_SplitDP] | None = None
        self._ladders: dict[int, _Ladder] = {}

    # ---- exact check --------------------------------------------------------------------
    def as_route(self, r: IntArr) -> Route:
        """(item, forwards) pairs of an internal route."""
        return tuple((int(a) // 2, int(a) % 2 == 0) for a in r[1:-1])

    @staticmethod
    def to_nodes(route: Route) -> list[int]:
        """Oriented nodes of (item, forwards) pairs (the inverse of :meth:`as_route`)."""
        return [2 * i + (0 if f else 1) for i, f in route]

    def check(self, route: Route) -> tuple[float, list[int]]:
        """Counted length and offending items of a flight (cached)."""
        if route not in self._checked:
            if self._check is None:
                km = self.core.length(self.core.route(self.to_nodes(route))) * (1.0 + self.margin)
                self._checked[route] = (km, [])
            else:
                km, bad = self._check(route)
                self._checked[route] = (float(km), list(bad))
        return self._checked[route]

    def _local_fix(self, r: IntArr) -> IntArr | None:
        """A legal variant of one flight near it, or None (``r`` itself when legal).

        The variants move one item the check names: flipped, swapped with a neighbour
        (kept or both flipped), or moved to any other place of the flight in either
        direction. The :data:`FIX_CHECKS` shortest by the matrix (ties by their nodes)
        are checked in that order and the first legal one is returned: the answer
        depends on the flight alone.
        """
        core = self.core
        _, bad = self.check(self.as_route(r))
        if not bad:
            return r
        nodes = [int(a) for a in r[1:-1]]
        m = len(nodes)
        offending = set(bad)
        variants: dict[tuple[int, ...], float] = {}

        def add(ns: list[int]) -> None:
            key = tuple(ns)
            if key not in variants:
                km = core.length(core.route(ns))
                if math.isfinite(km):
                    variants[key] = km

        for p in (p for p in range(m) if nodes[p] // 2 in offending):
            flipped = nodes.copy()
            flipped[p] ^= 1
            add(flipped)
            for q in (p - 1, p + 1):
                if 0 <= q < m:
                    lo, hi = min(p, q), max(p, q)
                    swapped = nodes.copy()
                    swapped[lo], swapped[hi] = nodes[hi], nodes[lo]
                    add(swapped)
                    swapped[lo], swapped[hi] = nodes[hi] ^ 1, nodes[lo] ^ 1
                    add(swapped)
            rest = nodes[:p] + nodes[p + 1 :]
            for q in range(m):
                for o in (0, 1):
                    add([*rest[:q], nodes[p] ^ o, *rest[q:]])
        ranked = sorted(variants.items(), key=lambda kv: (kv[1], kv[0]))
        for ns, _km in ranked[:FIX_CHECKS]:
            cand = core.route(list(ns))
            if not self.check(self.as_route(cand))[1]:
                return cand
        return None

    def _exact(self, rung: _Rung) -> tuple[float, bool]:
        """Value of a rung in counted km (inf unless its flights can be made legal).

        Two repairs of flights that break a rule, the better one kept:

        - local (:meth:`_local_fix`): each illegal flight alone is replaced by the
          shortest legal variant of it that moves one offending item;
        - penalised: the transfers into and out of every item the check names get a
          penalty of :data:`REPAIR_PENALTY_KM` in a copy of the arc matrix and the local
          search runs again, for a longest flight no longer than the rung's; at most
          :data:`REPAIR_ROUNDS` rounds.

        Each repair's value is ``max(longest by the matrix, longest as flown)`` in
        counted km (the rung's own longest by the matrix at least); the smaller value
        wins, the local one on a tie (the penalised search is skipped where the local value
        is the rung's own longest by the matrix, which no repair can beat). Both depend only
        on the rung, so its value is the same for every budget (see the module docstring),
        and it is never above the penalised repair's alone.
        """
        if rung.exact is None:
            floor = rung.max_km * (1.0 + self.margin)  # no repair is worth less
            local: tuple[float, list[IntArr]] | None = None
            routes: list[IntArr] = []
            for r in rung.routes:
                f = self._local_fix(r)
                if f is None:
                    break
                routes.append(f)
            else:
                worst = max(self.check(self.as_route(r))[0] for r in routes)
                longest = max(rung.max_km, *(self.core.length(r) for r in routes))
                local = (max(worst, longest * (1.0 + self.margin)), routes)
                untouched = all(f is r for f, r in zip(routes, rung.routes, strict=True))
                if local[0] <= floor or untouched:
                    rung.exact, rung.legal = (local[0], True), routes
                    return rung.exact
            value, legal_routes = self._penalised(rung)
            if local is not None and local[0] <= value:
                value, legal_routes = local
            rung.exact = (value, legal_routes is not None)
            rung.legal = legal_routes
        return rung.exact

    def _penalised(self, rung: _Rung) -> tuple[float, list[IntArr] | None]:
        """The penalised repair of :meth:`_exact`: (value, legal routes) or (inf, None)."""
        routes = [r.copy() for r in rung.routes]
        core = self.core
        legal = False
        for rnd in range(REPAIR_ROUNDS + 1):
            offenders = []
            for r in routes:
                _, bad = self.check(self.as_route(r))
                offenders.append(set(bad))
            if not any(offenders):
                legal = True
                break
            if rnd == REPAIR_ROUNDS:
                break
            if core is self.core:
                core = _Core.__new__(_Core)
                core.__dict__.update(self.core.__dict__)
                core.frozen, core._near = False, {}  # penalised below, in place
                core.A = self.core.A.copy()
            for r, bad in zip(routes, offenders, strict=True):
                for t in np.flatnonzero(np.isin(r // 2, list(bad))):
                    for a_, b_ in ((r[t - 1], r[t]), (r[t], r[t + 1])):
                        for x, y in ((a_, b_), (a_, b_ ^ 1), (a_ ^ 1, b_), (a_ ^ 1, b_ ^ 1)):
                            if x < core.Z or y < core.Z:  # not depot to depot
                                core.A[x, y] += REPAIR_PENALTY_KM
                                core.A[y ^ 1, x ^ 1] += REPAIR_PENALTY_KM
            search = _Search(core, routes)
            search.ils(
                rung.max_km * (1.0 + REPAIR_SLACK),
                iterations=REPAIR_ITERATIONS,
                stall=REPAIR_STALL,
                seed=7_919 * rnd + len(routes),
            )
            routes = [core.improve_route(r) for r in search.routes]
        if legal:
            worst = max(self.check(self.as_route(r))[0] for r in routes)
            return max(worst, rung.max_km * (1.0 + self.margin)), routes
        return math.inf, None

    def _no_plan_message(self, budget_km: float) -> str:
        """Why no ladder gave a legal plan: the items that break a rule even flown alone."""
        core = self.core
        alone = []
        for i in range(self.n):
            solo = [((i, f),) for f in (True, False)]
            ways = [w for w in solo if math.isfinite(core.length(core.route(self.to_nodes(w))))]
            if all(self.check(w)[1] for w in ways):
                alone.append(i)
        if alone:
            shown = ", ".join(str(i) for i in alone[:5]) + (", ..." if len(alone) > 5 else "")
            return (
                f"no legal set of flights found: {len(alone)} item(s) ({shown}) break a rule "
                "even when flown alone, in every direction allowed; remove them from the area "
                "or relax the rule they break"
            )
        return (
            f"no legal set of flights found within {budget_km:.0f} km: every item flown alone "
            "is legal, but no ladder's flights could be repaired to fit; raise the budget"
        )

    # ---- giant tours and first rungs ----------------------------------------------------
    def _giant_splits(self) -> list[_SplitDP]:
        if self._splits is None:
            core = self.core
            tour = core.improve_route(core.route(core.nearest_neighbour()))[1:-1]
            m = len(tour)
            rot = ROTATIONS if m <= 1200 else 2
            starts = sorted({(m * t) // rot for t in range(rot)})
            self._splits = [_SplitDP(core, np.roll(tour, -s)) for s in starts]
        return self._splits

    def first_rung(self, k: int) -> tuple[float, list[IntArr]]:
        """Best exact min-max split of the giant tour's rotations into <= k trips."""
        best: tuple[float, int] | None = None
        for t, sp in enumerate(self._giant_splits()):
            v = sp.value(k)
            if best is None or v < best[0] - 1e-9:
                best = (v, t)
        assert best is not None
        return best[0], self._splits[best[1]].routes(k)  # type: ignore[index]

    def ladder(self, k: int) -> _Ladder:
        if k not in self._ladders:
            _, routes = self.first_rung(k)
            self._ladders[k] = _Ladder(self.core, k, routes)
        return self._ladders[k]

    # ---- bound ---------------------------------------------------------------------------
    def lower_bound(self, budget_km: float) -> Bound:
        """Proved lower bound on the flights needed within ``budget_km`` (counted km)."""
        key = float(budget_km)
        if key not in self._bounds:
            import time

            t0 = time.perf_counter()
            cap = key / (1.0 + self.margin)
            flights, value = _volume_bound(self._bound_data, cap)
            clique = _conflict_bound(self._bound_data, cap)
            seconds = time.perf_counter() - t0
            if clique > flights:
                bound = Bound(clique, "pairwise conflicts (clique)", float(clique), seconds)
            else:
                bound = Bound(flights, BOUND_METHOD, value, seconds)
            self._bounds[key] = bound
        return self._bounds[key]

    def refine_work(self, budget_km: float) -> float:
        """States of one pass of the column-generation pricing programme within ``budget_km``.

        Oriented nodes x length units x transfers per node (:mod:`openskies._fleet_colgen`);
        :meth:`refined_bound` compares it with :data:`BOUND_REFINE_WORK`.
        """
        from . import _fleet_colgen as cg

        cap = float(budget_km) / (1.0 + self.margin)
        return 2.0 * self.n * (cap / cg.unit_km(cap)) * (cg.NEAREST + cg.CELLS)

    def refined_bound(
        self,
        budget_km: float,
        flights: Sequence[Route],
        *,
        work_limit: float | None = BOUND_REFINE_WORK,
    ) -> Bound:
        """The larger of :meth:`lower_bound` and the column-generation bound, given a plan.

        The column-generation bound (:mod:`openskies._fleet_colgen`) is computed only where
        ``flights`` (a plan within ``budget_km``, its flights the master's first columns)
        has more than ``max(1, floor(BOUND_REFINE_GAP * bound))`` flights above
        :meth:`lower_bound` and, unless ``work_limit`` is None, where
        :meth:`refine_work` is at most ``work_limit``; it stops once it proves the plan
        optimal or at its iteration cap. The result depends on the budget, the plan and
        the limit alone.
        """
        import time

        lb = self.lower_bound(budget_km)
        k = len(flights)
        if k - lb.flights <= max(1, math.floor(BOUND_REFINE_GAP * lb.flights)):
            return lb
        if work_limit is not None and self.refine_work(budget_km) > work_limit:
            return lb
        key = (float(budget_km), tuple(flights))
        if key not in self._refined:
            t0 = time.perf_counter()
            cap = float(budget_km) / (1.0 + self.margin)
            cols = [[i for i, _ in f] for f in flights]
            if self._relax is None:
                self._relax = self._bound_data.relax()
            value, _lp, _its = self._relax.farley(cap, columns=cols, stop_at=k)
            flights_lb = max(1, math.ceil(value - 1e-6))
            elapsed = time.perf_counter() - t0
            seconds = lb.seconds + elapsed
            logger.info(
                "fleet: column-generation bound %.3f (radial %d) for %d flights within %.0f km, "
                "%.1f s",
                value,
                lb.flights,
                k,
                budget_km,
                elapsed,
            )
            self._refined[key] = (
                Bound(flights_lb, COLGEN_METHOD, value, seconds) if flights_lb > lb.flights else lb
            )
        return self._refined[key]

    # ---- plan ------------------------------------------------------------------------------
    def plan(self, budget_km: float) -> FleetPlan:
        """Fewest flights (then shortest) within ``budget_km`` counted km; see the module doc."""
        import time

        t0 = time.perf_counter()
        budget = float(budget_km)
        cap = budget / (1.0 + self.margin)
        solo = np.fmin(self.core.solo[0 : 2 * self.n : 2], self.core.solo[1 : 2 * self.n : 2])
        worst = int(np.argmax(solo))
        if solo[worst] > cap * (1.0 + 1e-12):
            msg = (
                f"item {worst} alone needs a {solo[worst] * (1.0 + self.margin):.0f} km round "
                f"trip, over the {budget:.0f} km budget"
            )
            raise InfeasibleError(msg)
        lb = self.lower_bound(budget)
        # s(B): fewest trips of the first rungs (exact splits) within the budget
        s = max(1, lb.flights)
        while self.first_rung(s)[0] > cap * (1.0 + 1e-12):
            s += 1
        start = max(lb.flights, s - _window(s))
        stats: dict[str, Any] = {"split_flights": s, "window_start": start, "rungs_checked": 0}
        chosen: tuple[int, _Rung] | None = None
        k = start
        while chosen is None:
            lad = self.ladder(k)
            j = 0
            while True:
                rung = lad.rung(j)
                if rung is None:
                    break
                j += 1
                if rung.max_km > cap * (1.0 + 1e-9):
                    continue
                stats["rungs_checked"] += 1
                worst_km, legal = self._exact(rung)
                if legal and worst_km <= budget:
                    chosen = (k, rung)
                    break
            if chosen is None:
                k += 1
                if k > self.n:
                    raise InfeasibleError(self._no_plan_message(budget))
        k, rung = chosen
        assert rung.legal is not None
        routes = [r.copy() for r in rung.legal]
        # fewer kilometres with the same flights
        search = _Search(self.core, routes)
        its = max(10, min(SHORTEN_ITERATIONS, SHORTEN_WORK // self.n))
        found = search.shorten_ils(cap, iterations=its, stall=max(5, its // 4), seed=k)
        final = rung.legal
        base = sum(self.core.length(r) for r in final)
        for cand in reversed(found[-SHORTEN_CANDIDATES:]):
            cand = [self.core.improve_route(r) for r in cand]
            if sum(self.core.length(r) for r in cand) >= base - 1e-6:
                break
            checked = [self.check(self.as_route(r)) for r in cand]
            if all(not bad and km <= budget for km, bad in checked):
                final = cand
                break
        flights = tuple(self.as_route(r) for r in final)
        lengths = tuple(self.check(f)[0] for f in flights)
        stats.update(
            flights=k,
            ladder_steps={kk: lad.steps for kk, lad in self._ladders.items()},
            seconds=time.perf_counter() - t0,
        )
        logger.info(
            "fleet: %d flights within %.0f km (lower bound %d, split %d), %.0f km, %.1f s",
            k,
            budget,
            lb.flights,
            s,
            sum(lengths),
            stats["seconds"],
        )
        return FleetPlan(flights, lengths, budget, lb, self._exact(rung)[0], stats)
