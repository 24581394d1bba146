"""A stronger lower bound on the fleet's flights: column generation and Farley's bound.

The set-covering model of the fleet problem has one column per flight ``r`` that fits the
budget and one row per item: ``min sum_r x_r`` subject to ``sum_r a_ir x_r >= 1`` (item
``i`` flown), ``x >= 0``; ``a_ir`` is how often flight ``r`` flies item ``i``. Its LP
value is at most the fewest flights. For any duals ``pi >= 0`` and any ``z`` at least the
largest ``sum_i a_ir pi_i`` over the flights, ``pi / max(1, z)`` is dual feasible, so

    ``sum_i pi_i / max(1, z) <= LP <= fewest flights``  (Farley 1990).

``z`` comes from an exact dynamic programme (:func:`_price`) over a *relaxation* of the
flights, a set that contains every flight within the budget:

- walks from the airfield and back in which items may repeat (q-routes, Christofides,
  Mingozzi and Toth 1981);
- distances are WGS84 geodesics between the items' end points (no route is shorter), item
  lengths their own geodesic lengths;
- every length and transfer is rounded *down* to a unit of ``unit_km`` (at least the
  budget / :data:`MAX_UNITS`);
- a transfer from a node to one of its :data:`NEAREST` nearest nodes is taken at its
  length; any other transfer is relaxed to the shortest transfer from the node to any
  node of the destination's *cell* that is not among its nearest (cells: a farthest-point
  clustering of the nodes by the same distances, :data:`CELLS` of them).

A flight's walk in the relaxation costs at most its length, so ``z`` bounds the flights.
The duals come from a restricted master LP (HiGHS) over the columns the programme finds
(column generation, the prices smoothed towards the best so far, Wentges 1997); the
bound holds at every iteration, so the work is capped by iterations, not by the clock, and
the result is deterministic.

Conventions (those of :class:`openskies._fleet._Core`): oriented node ``a = 2 i + o``,
``m = 2 n`` nodes; ``arc[a, b]`` the geodesic transfer from node ``a``'s exit to node
``b``'s entry, ``out[b]`` from the airfield to ``b``'s entry, ``back[a]`` from ``a``'s exit
back, ``length[a]`` the node's length (infinite where the item may not be flown that way),
``entry[a, b]`` the distance between the two nodes' entry points; all km.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from numpy.typing import NDArray

logger = logging.getLogger(__name__)

#: Nearest nodes of each node whose transfers the programme takes at their length.
NEAREST = 24
#: Cells of the relaxed transfers (farthest-point clustering of the nodes).
CELLS = 200
#: Length unit of the programme (km), unless the budget needs more than MAX_UNITS of them.
UNIT_KM = 1.0
MAX_UNITS = 4000
#: Column generation: at most this many iterations, this many columns added per iteration.
ITERATIONS = 80
COLUMNS_PER_ITERATION = 60
#: Weight of the best prices so far in the prices the programme is given (Wentges).
SMOOTHING = 0.8

_NEG = -1e300
_BIG = 1 << 40


@njit(cache=True)
def _price(succ, succ_u, cell_u, members, moff, lin_u, start_u, end_u, item, prize, units):  # type: ignore[no-untyped-def]
    """Most prize of a relaxed walk per last node: (best, its units, back pointers)."""
    m = succ.shape[0]
    k_near = succ.shape[1]
    n_cell = cell_u.shape[1]
    f = np.full((units + 1, m), _NEG)
    pn = np.full((units + 1, m), -1, np.int32)
    pu = np.full((units + 1, m), -1, np.int32)
    h = np.full((units + 1, n_cell), _NEG)
    hn = np.full((units + 1, n_cell), -1, np.int32)
    hu = np.full((units + 1, n_cell), -1, np.int32)
    for a in range(m):
        u = start_u[a]
        if u <= units and prize[item[a]] > f[u, a]:
            f[u, a] = prize[item[a]]
    for u in range(units + 1):
        for a in range(m):
            v = f[u, a]
            if v <= _NEG:
                continue
            for k in range(k_near):
                b = succ[a, k]
                if b < 0:
                    break
                w = u + succ_u[a, k]
                if w > units:
                    continue
                nv = v + prize[item[b]]
                if nv > f[w, b]:
                    f[w, b] = nv
                    pn[w, b] = a
                    pu[w, b] = u
            for c in range(n_cell):
                w = u + cell_u[a, c]
                if w <= units and v > h[w, c]:
                    h[w, c] = v
                    hn[w, c] = a
                    hu[w, c] = u
        for c in range(n_cell):
            v = h[u, c]
            if v <= _NEG:
                continue
            for t in range(moff[c], moff[c + 1]):
                b = members[t]
                w = u + lin_u[b]
                if w > units:
                    continue
                nv = v + prize[item[b]]
                if nv > f[w, b]:
                    f[w, b] = nv
                    pn[w, b] = -2 - c
                    pu[w, b] = u
    best = np.full(m, _NEG)
    best_u = np.full(m, -1, np.int64)
    for a in range(m):
        for u in range(units - end_u[a] + 1):
            if f[u, a] > best[a]:
                best[a] = f[u, a]
                best_u[a] = u
    return best, best_u, pn, pu, hn, hu


def _walk(a: int, u: int, pn: NDArray, pu: NDArray, hn: NDArray, hu: NDArray) -> list[int]:
    """Nodes of the walk the programme found ending at node ``a`` with ``u`` units."""
    seq = []
    while True:
        seq.append(a)
        p, q = int(pn[u, a]), int(pu[u, a])
        if p == -1:
            return seq[::-1]
        if p <= -2:
            a, u = int(hn[q, -2 - p]), int(hu[q, -2 - p])
        else:
            a, u = p, q


def unit_km(cap: float, shortest_km: float = math.inf) -> float:
    """Length unit of the pricing programme within ``cap`` km (see the module docstring).

    :data:`UNIT_KM`, or ``cap / MAX_UNITS`` if larger, and never more than the shortest
    node (``shortest_km``), so that every step of a walk costs at least one unit.
    """
    return min(max(UNIT_KM, cap / MAX_UNITS), shortest_km)


def _units(x: NDArray, delta: float) -> NDArray:
    """Lengths rounded down to units (a relaxation); infinite ones past any budget."""
    out = np.full(x.shape, _BIG, np.int64)
    ok = np.isfinite(x)
    out[ok] = np.floor(x[ok] / delta).astype(np.int64)
    return out


def _cells(entry: NDArray, ok: NDArray, count: int) -> NDArray:
    """Farthest-point clustering of the nodes by their entry points (-1: unflyable nodes)."""
    d = np.minimum(entry, entry.T)
    idx = np.flatnonzero(ok)
    cell = np.full(len(ok), -1, np.int64)
    if not len(idx):
        return cell
    sub = d[np.ix_(idx, idx)]
    np.fill_diagonal(sub, 0.0)
    sub = np.where(np.isfinite(sub), sub, 1e12)
    centres = [0]
    near = sub[0].copy()
    owner = np.zeros(len(idx), np.int64)
    while len(centres) < min(count, len(idx)):
        nxt = int(np.argmax(near))
        if near[nxt] <= 0.0:
            break
        closer = sub[nxt] < near
        owner[closer] = len(centres)
        near = np.minimum(near, sub[nxt])
        centres.append(nxt)
    cell[idx] = owner
    return cell


@dataclass
class Relaxation:
    """The relaxed flights of one fleet (budget-independent geometry, km)."""

    arc: NDArray  # (m, m)
    entry: NDArray  # (m, m), only for the cells (dropped once they are drawn)
    out: NDArray  # (m,)
    back: NDArray  # (m,)
    length: NDArray  # (m,)
    n: int  # items
    succ: NDArray = field(init=False)
    cell: NDArray = field(init=False)
    cell_km: NDArray = field(init=False)

    def __post_init__(self) -> None:
        m = len(self.length)
        item = np.arange(m) // 2
        ok = np.isfinite(self.length)
        arc = np.asarray(self.arc, float).copy()
        arc[item[:, None] == item[None, :]] = np.inf
        arc[~ok, :] = np.inf
        arc[:, ~ok] = np.inf
        self.arc = arc
        kk = max(0, min(NEAREST, m - 2))
        order = np.argsort(arc, axis=1, kind="stable")[:, :kk]
        finite = np.isfinite(np.take_along_axis(arc, order, axis=1))
        self.succ = np.where(finite, order, -1).astype(np.int64)
        self.cell = _cells(self.entry, ok, CELLS)
        self.entry = np.zeros((0, 0))  # not needed any more
        n_cell = int(self.cell.max()) + 1
        rest = arc.copy()
        rows = np.repeat(np.arange(m), kk)
        listed = self.succ.ravel()
        keep = listed >= 0
        rest[rows[keep], listed[keep]] = np.inf
        cell_km = np.full((m, max(n_cell, 1)), np.inf)
        for c in range(n_cell):
            mem = np.flatnonzero(self.cell == c)
            cell_km[:, c] = rest[:, mem].min(axis=1)
        self.cell_km = cell_km

    def farley(
        self,
        cap: float,
        *,
        columns: list[list[int]] = (),
        stop_at: int | None = None,  # type: ignore[assignment]
    ) -> tuple[float, float, int]:
        """Farley bound on the flights within ``cap`` km: (bound, master LP value, iterations).

        ``columns``: flights known to fit (item lists), to start the master with;
        ``stop_at``: stop once the bound rounds up to this many flights. The result depends
        on these arguments alone (no state is kept between calls).
        """
        import highspy

        from ._orienteering import _new_highs

        n, m = self.n, len(self.length)
        item = np.arange(m) // 2
        ok = np.isfinite(self.length)
        if not ok.any():
            return 0.0, 0.0, 0
        delta = unit_km(cap, float(self.length[ok].min()))
        units = math.floor(cap / delta + 1e-9)
        rows = np.arange(m)[:, None]
        safe = np.where(self.succ >= 0, self.succ, 0)
        succ_u = _units(self.arc[rows, safe] + self.length[safe], delta)
        args = (
            self.succ,
            succ_u,
            _units(self.cell_km, delta),
            *_members(self.cell),
            _units(self.length, delta),
            _units(self.out + self.length, delta),
            _units(self.back, delta),
            item,
        )
        h = _new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        inf = highspy.kHighsInf
        h.addRows(
            n,
            np.ones(n),
            np.full(n, inf),
            0,
            np.zeros(0, np.int32),
            np.zeros(0, np.int32),
            np.zeros(0),
        )
        seen: set[bytes] = set()

        def add(idx: NDArray, cnt: NDArray) -> bool:
            key = idx.tobytes() + cnt.tobytes()
            if key in seen:
                return False
            seen.add(key)
            h.addCol(1.0, 0.0, inf, len(idx), idx.astype(np.int32), cnt.astype(float))
            return True

        for i in range(n):
            add(np.array([i]), np.array([1]))
        for col in columns:
            idx, cnt = np.unique(np.asarray(col, np.int64), return_counts=True)
            add(idx, cnt)
        best_lb, best_pi, lp, it = 0.0, None, float(n), 0

        def enough() -> bool:
            top = math.ceil(best_lb - 1e-6)
            return top >= math.ceil(lp - 1e-6) or (stop_at is not None and top >= stop_at)

        for it in range(1, ITERATIONS + 1):  # noqa: B007 (reported after the loop)
            h.run()
            lp = float(h.getInfo().objective_function_value)
            pi = np.maximum(np.asarray(h.getSolution().row_dual, float), 0.0)
            # smoothed prices first; the master's own where they find no new column (a
            # column priced above 1 by the master's duals is never in the master already)
            tries = [pi] if best_pi is None else [SMOOTHING * best_pi + (1 - SMOOTHING) * pi, pi]
            added = 0
            for prices in tries:
                best, best_u, *tabs = _price(*args, np.ascontiguousarray(prices), units)
                lb = float(prices.sum()) / max(1.0, float(best.max())) * (1.0 - 1e-9)
                if lb > best_lb:
                    best_lb, best_pi = lb, prices
                if enough():
                    break
                for a in np.argsort(-best, kind="stable"):
                    if best[a] <= 1.0 + 1e-9 or added >= COLUMNS_PER_ITERATION:
                        break
                    walk = _walk(int(a), int(best_u[a]), *tabs)
                    idx, cnt = np.unique(item[walk], return_counts=True)
                    added += add(idx, cnt)
                if added:
                    break
            if enough() or not added:
                break
        logger.debug("colgen: bound %.3f, LP %.3f, %d iterations", best_lb, lp, it)
        return best_lb, lp, it


def _members(cell: NDArray) -> tuple[NDArray, NDArray]:
    """Nodes by cell and the offsets of each cell's run."""
    ok = np.flatnonzero(cell >= 0)
    order = ok[np.argsort(cell[ok], kind="stable")]
    n_cell = int(cell.max()) + 1 if len(ok) else 0
    return order.astype(np.int64), np.searchsorted(cell[order], np.arange(n_cell + 1)).astype(
        np.int64
    )


def relaxation(
    arc: NDArray, entry: NDArray, out: NDArray, back: NDArray, length: NDArray
) -> Relaxation:
    """The relaxed flights over oriented nodes (see the module docstring)."""
    length = np.asarray(length, float)
    return Relaxation(
        np.asarray(arc, float),
        np.asarray(entry, float),
        np.asarray(out, float),
        np.asarray(back, float),
        length,
        len(length) // 2,
    )
