"""Generic Orienteering Problem (OP) solver.

Given a square matrix of non-negative travel costs (any unit, e.g. metres or
seconds; it need not be symmetric nor satisfy the triangle inequality), a
non-negative score per node, a budget in the same unit as the matrix, a start
and an end node, find a route from start to end whose total cost is within the
budget and whose sum of scores of distinct visited nodes is maximal.

A route is feasible when its length, summed in route order, is at most
``budget * (1 + 1e-9)``; every returned route is re-checked against the float
matrix and repaired (nodes dropped) if a solver tolerance let it exceed that.

Two algorithms are available:

- ``"exact"``: a mixed-integer programme solved with HiGHS (``highspy``).
  Directed arc variables, degree equalities, a budget row, and generalized
  subtour elimination constraints (GSEC) generated on demand: first on the
  fractional root LP (separated exactly with max-flow / min-cut, OR-Tools'
  ``SimpleMaxFlow``), then on every integer solution HiGHS finds (the solve is
  interrupted from a callback, the cuts are added and it is restarted from the
  best known route). Arcs and nodes that cannot lie on a route within the
  budget (shortest-path test) are left out of the model. The heuristic runs
  first and gives the starting incumbent. On the Tsiligirides instances this
  proves the optimum in a few seconds where an MTZ model needs 10 to 60+ s.
- ``"heuristic"``: an iterated local search (ILS), compiled with numba
  (``_orienteering_ils``; numba is a hard dependency and the compiled kernels are
  always used: under ``NUMBA_DISABLE_JIT=1`` the heuristic refuses to run rather
  than run as plain Python, about 100 times slower, into its time cap with a
  machine-dependent route). Local search: greedy score/extra-length insertion, 2-opt and or-opt
  (runs of 1-3 nodes, reversed too) to shorten the route, 1-for-1 swaps of a
  visited for an unvisited node and, on matrices that violate the triangle
  inequality, insertion of node pairs; above 80 model nodes the moves look at
  neighbour lists (100 nearest nodes for length moves, 16 for insertions and
  swaps) with don't-look bits and cached insertion costs. Perturbation: removal
  of a random run or a random set of visited nodes (now and then most of the
  route), the removed nodes being barred from the first re-insertion pass, with
  randomly weighted ratios. Threshold acceptance (5 % below the best) with
  periodic restarts from the best route. Its effort is a fixed iteration count
  (``_ils_effort``: ``100 + 30 * candidates``, about ``800_000 / candidates``
  above 160 candidates; above 400 candidates twice ``100 + 5 * candidates``, spent
  as four seeded starts of a quarter of that count whose best goes on, with
  acceptance 0.5 % below the best and kicks of at most 50 nodes) from a seeded
  xoshiro128** generator, so the route
  depends only on the inputs and the seed; ``time_limit_s`` is a safety cap
  that stops it early (with a warning) only on a machine far slower than
  expected. The one-time compilation (or load from numba's on-disk cache) is
  not counted against the cap.

``"auto"`` runs the heuristic and then, when at most ``_AUTO_EXACT_MAX_NODES``
(40) nodes, start and end included, can lie on a route within the budget, the
exact solver with a deterministic branch-and-bound node limit, keeping the
better route; above 40 nodes it returns the heuristic route.

This module is self-contained (stdlib, numpy, numba, highspy, ortools,
``._orienteering_ils`` and ``._errors`` only) so that it can be re-exported by the
public routing module.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import operator
import time
from dataclasses import dataclass
from typing import Any

from ._errors import InfeasibleError, OpenSkiesError, ValidationError

logger = logging.getLogger(__name__)

__all__ = ["OrienteeringResult", "solve_orienteering"]

#: Relative tolerance of the budget check: a route is feasible when its length
#: (summed in route order) is at most ``budget * (1 + _REL_TOL)``.
_REL_TOL = 1e-9

#: ``method="auto"`` runs the exact solver when at most this many nodes
#: (start and end included) can be part of a feasible route.
_AUTO_EXACT_MAX_NODES = 40

#: Branch-and-bound node limit of one HiGHS run in ``method="auto"``
#: (deterministic effort limit; ``time_limit_s`` stays a safety cap).
_AUTO_MIP_MAX_NODES = 20_000

#: Maximum number of separation / re-solve rounds of the exact solver.
_MAX_LP_ROUNDS = 200
_MAX_MIP_ROUNDS = 500

_METHODS = ("auto", "exact", "heuristic")

_EPS = 1e-12


@dataclass(frozen=True)
class OrienteeringResult:
    """Solution of an Orienteering Problem.

    Attributes
    ----------
    order : list of int
        Node indices of the route, from ``start`` to ``end``, both included.
        When ``start == end`` the route is a closed tour that begins and ends
        with that node (``[start, start]`` when no other node is visited).
    score : float
        Sum of the scores of the distinct nodes of ``order`` (start and end
        count once each).
    length : float
        Sum of ``distances[order[i]][order[i + 1]]`` in the unit of the matrix.
    optimal : bool or None
        True when the route is proven optimal, False when a proof was
        attempted and not completed, None when no proof was attempted.
    bound : float or None
        Upper bound on the optimal score when known, else None.
    method : str
        Algorithm that produced ``order``: ``"exact"`` or ``"heuristic"``.
    runtime_s : float
        Wall-clock time of the call, in seconds.
    budget : float
        The budget the route was checked against (same unit as the matrix).
    n_nodes : int
        Number of nodes of the instance.
    """

    order: list[int]
    score: float
    length: float
    optimal: bool | None
    bound: float | None
    method: str
    runtime_s: float
    budget: float
    n_nodes: int


# --------------------------------------------------------------------------- validation


def _as_float(value: Any, name: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        msg = f"{name} = {value!r} is not a number; pass a finite number"
        raise ValidationError(msg) from None


def _validate_matrix(distances: Any) -> list[list[float]]:
    import numpy as np

    if (
        isinstance(distances, np.ndarray)
        and distances.ndim == 2
        and distances.shape[0] == distances.shape[1] > 0
        and distances.dtype.kind in "fiu"
    ):
        # a numeric array: checked at once; any bad entry is reported by the loop below
        values = distances.astype(float)
        if np.isfinite(values).all() and (values >= 0).all():
            return values.tolist()
    if isinstance(distances, str | bytes):
        msg = "distances must be a square matrix of numbers, got a string"
        raise ValidationError(msg)
    try:
        rows = [list(row) for row in distances]
    except TypeError:
        kind = type(distances).__name__
        msg = f"distances must be a square matrix (a sequence of rows), got {kind}"
        raise ValidationError(msg) from None
    n = len(rows)
    if n == 0:
        msg = "distances is empty; pass an n x n matrix with n >= 1"
        raise ValidationError(msg)
    matrix: list[list[float]] = []
    for i, row in enumerate(rows):
        if len(row) != n:
            msg = (
                f"distances is not square: row {i} has {len(row)} entries but there are "
                f"{n} rows; pass an n x n matrix"
            )
            raise ValidationError(msg)
        out = []
        for j, value in enumerate(row):
            v = _as_float(value, f"distances[{i}][{j}]")
            if math.isnan(v) or math.isinf(v):
                msg = f"distances[{i}][{j}] = {v!r} is not finite; distances must be finite"
                raise ValidationError(msg)
            if v < 0:
                msg = f"distances[{i}][{j}] = {v!r} is negative; distances must be >= 0"
                raise ValidationError(msg)
            out.append(v)
        matrix.append(out)
    return matrix


def _validate_scores(scores: Any, n: int) -> list[float]:
    if isinstance(scores, str | bytes):
        msg = "scores must be a sequence of numbers, got a string"
        raise ValidationError(msg)
    try:
        values = list(scores)
    except TypeError:
        msg = f"scores must be a sequence of numbers, got {type(scores).__name__}"
        raise ValidationError(msg) from None
    if len(values) != n:
        msg = (
            f"scores has {len(values)} entries but distances is {n} x {n}; pass one score per node"
        )
        raise ValidationError(msg)
    out = []
    for i, value in enumerate(values):
        v = _as_float(value, f"scores[{i}]")
        if not math.isfinite(v) or v < 0:
            msg = f"scores[{i}] = {v!r} is invalid; scores must be finite and >= 0"
            raise ValidationError(msg)
        out.append(v)
    return out


def _as_int(value: Any, name: str, what: str) -> int:
    """``value`` as an int (bools refused), or a ValidationError saying ``what`` to pass."""
    if not isinstance(value, bool):
        try:
            return operator.index(value)
        except TypeError:
            pass
    msg = f"{name} = {value!r} is not {what}"
    raise ValidationError(msg)


def _validate_index(value: Any, name: str, n: int) -> int:
    index = _as_int(value, name, f"a node index; pass an int in [0, {n - 1}]")
    if not 0 <= index < n:
        msg = f"{name} = {index} is out of range; pass an int in [0, {n - 1}] (n = {n} nodes)"
        raise ValidationError(msg)
    return index


# --------------------------------------------------------------------------- helpers


def _route_length(order: list[int], d: list[list[float]]) -> float:
    total = 0.0
    for a, b in itertools.pairwise(order):
        total += d[a][b]
    return total


def _route_score(order: list[int], scores: list[float]) -> float:
    seen: set[int] = set()
    total = 0.0
    for v in order:
        if v not in seen:
            seen.add(v)
            total += scores[v]
    return total


def _dijkstra(d: list[list[float]], source: int, reverse: bool) -> list[float]:
    """Shortest path costs from ``source`` (to ``source`` when ``reverse``), dense O(n^2).

    The textbook dense algorithm, each step vectorised over the nodes: the nearest
    unsettled node (lowest index among ties) is settled and relaxes every node.
    """
    import numpy as np

    m = np.asarray(d, dtype=float)
    if reverse:
        m = m.T
    n = m.shape[0]
    dist = np.full(n, math.inf)
    dist[source] = 0.0
    open_ = np.ones(n, dtype=bool)
    for _ in range(n):
        masked = np.where(open_, dist, math.inf)
        u = int(np.argmin(masked))
        best = float(masked[u])
        if best == math.inf:
            break
        open_[u] = False
        np.minimum(dist, best + m[u], out=dist)
    return dist.tolist()


def _better(score_a: float, length_a: float, score_b: float, length_b: float) -> bool:
    """Whether route a beats route b (higher score, then shorter)."""
    if score_a > score_b + 1e-9 * max(1.0, abs(score_b)):
        return True
    if score_a < score_b - 1e-9 * max(1.0, abs(score_b)):
        return False
    return length_a < length_b - 1e-12 * max(1.0, length_b)


def _repair(order: list[int], d: list[list[float]], scores: list[float], cap: float) -> list[int]:
    """Drop nodes until the exact route length is within ``cap``."""
    order = list(order)
    while _route_length(order, d) > cap and len(order) > 2:
        best_i, best_key = -1, None
        for i in range(1, len(order) - 1):
            a, v, b = order[i - 1], order[i], order[i + 1]
            saving = d[a][v] + d[v][b] - d[a][b]
            if saving <= 0:
                continue
            key = scores[v] / saving
            if best_key is None or key < best_key:
                best_i, best_key = i, key
        if best_i < 0:  # no removal shortens the route (non-metric matrix)
            return [order[0], order[-1]]
        del order[best_i]
    return order


# --------------------------------------------------------------------------- heuristic (ILS)

#: Neighbour lists: length moves (2-opt, or-opt) look at this many nearest nodes
#: (pruned further by the removed edge's length), insertions and swaps at
#: ``_INSERT_NEIGHBOURS``; instances of up to ``_FULL_LISTS_MAX_NODES`` model nodes
#: use complete lists (the full neighbourhoods).
_LENGTH_NEIGHBOURS = 100
_INSERT_NEIGHBOURS = 16
_FULL_LISTS_MAX_NODES = 80

#: ILS iterations run between two checks of the safety time cap.
_ILS_CHUNK = 25


#: Instances with more candidates than this are "large": several short starts, tighter
#: acceptance and smaller kicks (:func:`_ils_effort`). The OPLib instances (48-400 nodes)
#: keep the settings they were tuned on.
_LARGE_CANDIDATES = 400


@dataclass(frozen=True)
class _Effort:
    """Deterministic effort of the ILS: iterations and perturbation settings.

    ``starts`` independent searches (seeds ``1000 * seed + r``) run ``start_iterations``
    each from the greedy route; the best of them then runs on until ``iterations`` in all.
    With one start the search is seeded by ``seed`` itself and runs ``iterations``.
    """

    iterations: int
    noise: float = 0.5
    big_kick: float = 0.2
    max_kick: int = 1_000_000
    threshold: float = 0.05
    starts: int = 1
    start_iterations: int = 0

    @property
    def restart_after(self) -> int:
        return max(20, self.iterations // 10)


def _ils_effort(n_candidates: int) -> _Effort:
    """ILS effort for an instance with ``n_candidates`` nodes that fit on some route.

    ``100 + 30 n`` iterations, fewer above ~160 candidates where one iteration costs
    more (about ``800_000 / n``, but never below ``100 + 5 n``): a few seconds at
    400 nodes on the project's machine, well inside the default 10 s safety cap.

    Above :data:`_LARGE_CANDIDATES` (plan_route's hundreds of targets) one search of that
    length depends much on its seed (on two 1,000-site instances single searches of
    different seeds ended up to 2.3 % apart), so the effort is twice that count spent as
    four starts of a quarter of it, the best of which goes on, with threshold acceptance
    at 0.5 % below the best, kicks of at most 50 nodes and rare big kicks (2 %): smaller
    moves cost a third as much each, so the whole search costs about what one search of
    the old settings did (``bench/README.md``, route planner at scale).
    """
    n = max(1, n_candidates)
    base = min(100 + 30 * n, max(100 + 5 * n, 800_000 // n))
    if n <= _LARGE_CANDIDATES:
        return _Effort(iterations=base)
    return _Effort(
        iterations=2 * base,
        threshold=0.005,
        max_kick=50,
        big_kick=0.02,
        starts=4,
        start_iterations=base // 4,
    )


def _neighbour_lists(d: Any, nodes: Any, size: int) -> Any:
    """``size`` nearest of ``nodes`` to every node by ``d[u][v] + d[v][u]`` (ties by index)."""
    import numpy as np

    n = d.shape[0]
    out = np.full((n, max(1, size)), -1, dtype=np.int64)
    both = d + d.T
    for u in range(n):
        others = nodes[nodes != u]
        near = others[np.argsort(both[u, others], kind="stable")][:size]
        out[u, : near.shape[0]] = near
    return out


def _reverse_lists(nb: Any) -> tuple[Any, Any]:
    """CSR form of "which nodes list x": (pointers, indices), indices ascending."""
    import numpy as np

    n = nb.shape[0]
    us = np.repeat(np.arange(n, dtype=np.int64), nb.shape[1])
    xs = nb.ravel()
    keep = xs >= 0
    us, xs = us[keep], xs[keep]
    order = np.lexsort((us, xs))
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, xs + 1, 1)
    return np.cumsum(ptr), us[order]


def _is_metric(d: Any, tol: float) -> bool:
    """Whether no two-hop way is shorter than the direct one (by more than ``tol``)."""
    import numpy as np

    n = d.shape[0]
    for k in range(n):
        via = d[:, k, None] + d[None, k, :]
        np.fill_diagonal(via, np.inf)
        via[k, :] = np.inf
        via[:, k] = np.inf
        if (via < d - tol).any():
            return False
    return True


#: Test hook only: let the kernels run as plain Python under ``NUMBA_DISABLE_JIT=1``
#: (the oracle test that compares them with the compiled ones). Never set in use.
_PLAIN_PYTHON_ORACLE = False


def _load_kernels() -> float:
    """Import the compiled ILS kernels; return the seconds it took.

    The first import in a process compiles them (first use of an installation) or
    loads them from numba's on-disk cache; later calls take microseconds. Raises
    :class:`OpenSkiesError` when numba's JIT is disabled (``NUMBA_DISABLE_JIT=1``):
    the same code as plain Python is about 100 times slower, so the default call
    would stop at its time cap with a route that depends on the machine.
    """
    t = time.monotonic()
    from . import _orienteering_ils as kern

    if not kern.COMPILED and not _PLAIN_PYTHON_ORACLE:
        msg = (
            "NUMBA_DISABLE_JIT=1 is set in this process: the orienteering heuristic runs "
            "numba-compiled kernels only (as plain Python it would be about 100 times "
            "slower and stop at time_limit_s with a machine-dependent route); unset "
            "NUMBA_DISABLE_JIT"
        )
        raise OpenSkiesError(msg)
    return time.monotonic() - t


def _solve_heuristic(
    d: list[list[float]],
    scores: list[float],
    cap: float,
    start: int,
    end: int,
    candidates: list[int],
    seed: int,
    deadline: float,
    *,
    effort_scale: float = 1.0,
) -> list[int]:
    """Iterated local search (compiled kernels in ``_orienteering_ils``), fixed effort.

    ``effort_scale`` multiplies the iteration counts of :func:`_ils_effort` (at least one each).
    """
    import numpy as np

    from . import _orienteering_ils as kern

    n = len(d)
    dm = np.ascontiguousarray(np.asarray(d, dtype=np.float64))
    sc = np.asarray(scores, dtype=np.float64)
    cand = np.asarray(candidates, dtype=np.int64)
    scale = float(dm.max()) if n else 0.0
    tol = 1e-10 * max(1.0, scale)
    sym = bool((dm == dm.T).all())
    # pairs of nodes are tried for insertion only when the triangle inequality fails
    # somewhere (a detour through a worthless node can then shorten a leg)
    metric = n > 120 or _is_metric(dm, tol)
    nodes = np.unique(np.concatenate([[start, end], cand]).astype(np.int64))
    full = nodes.shape[0] <= _FULL_LISTS_MAX_NODES
    n_len = nodes.shape[0] - 1 if full else min(nodes.shape[0] - 1, _LENGTH_NEIGHBOURS)
    n_ins = nodes.shape[0] - 1 if full else min(nodes.shape[0] - 1, _INSERT_NEIGHBOURS)
    nb = _neighbour_lists(dm, nodes, n_len)
    nbi = _neighbour_lists(dm, nodes, n_ins)
    rnb_ptr, rnb_idx = _reverse_lists(nbi)
    inst = (dm, np.ascontiguousarray(dm.T), sc, cand, nb, nbi, rnb_ptr, rnb_idx)
    par = np.array([cap, tol, start, end, sym, metric], dtype=np.float64)
    effort = _ils_effort(len(candidates))
    if effort_scale != 1.0:
        iterations = max(1, round(effort.iterations * effort_scale))
        starts = max(1, effort.starts)
        effort = dataclasses.replace(
            effort,
            iterations=iterations,
            start_iterations=max(
                1, min(round(effort.start_iterations * effort_scale), iterations // starts)
            )
            if effort.start_iterations
            else 0,
        )
    knobs = np.array(
        [effort.noise, effort.big_kick, effort.max_kick, effort.threshold, effort.restart_after],
        dtype=np.float64,
    )

    def search(state: Any) -> tuple[Any, Any, Any, Any, Any]:
        work = kern.workspace(n, nbi.shape[1])
        cur = np.zeros(n + 2, dtype=np.int64)
        best = np.zeros(n + 2, dtype=np.int64)
        stats = np.zeros(6, dtype=np.float64)
        kern.ils_run(*inst, par, *work, state, cur, best, stats, 0, knobs)  # the greedy start
        return work, state, cur, best, stats

    def iterate(run: tuple[Any, Any, Any, Any, Any], count: int, done: int) -> tuple[int, bool]:
        """Run ``count`` more iterations; ``done`` counts the whole search's so far."""
        work, state, cur, best, stats = run
        left = count
        while left > 0:
            if time.monotonic() > deadline:
                logger.warning(
                    "orienteering ILS stopped by the time limit after %d of %d iterations: "
                    "the route depends on the machine's speed",
                    done,
                    effort.iterations,
                )
                return done, False
            chunk = min(_ILS_CHUNK, left)
            kern.ils_run(*inst, par, *work, state, cur, best, stats, chunk, knobs)
            left -= chunk
            done += chunk
        return done, True

    if effort.starts <= 1:
        run = search(kern.seed_state(seed))
        iterate(run, effort.iterations, 0)
    else:
        runs = []
        done, going = 0, True
        for r in range(effort.starts):
            run = search(kern.seed_state(1000 * seed + r))
            if going:
                done, going = iterate(run, effort.start_iterations, done)
            runs.append(run)
        # the best start (higher score, then shorter; the first on a tie) goes on
        run = max(runs, key=lambda t: (t[4][3], -t[4][4]))
        if going:
            iterate(run, effort.iterations - effort.starts * effort.start_iterations, done)
    best, stats = run[3], run[4]
    return [int(v) for v in best[: int(stats[1])]]


# --------------------------------------------------------------------------- exact (MILP)


_HIGHS_STARTED = False


def _new_highs() -> Any:
    """A HiGHS instance; the library's one-time banner is kept off the process's stdout.

    HiGHS prints "Running HiGHS ..." to file descriptor 1 when the first instance
    of a process is created, before any option can be set; that would corrupt
    machine-readable CLI output (``--json``). The first construction therefore
    runs with fd 1 pointed at /dev/null.
    """
    import os
    import sys

    import highspy

    global _HIGHS_STARTED  # a process-wide, once-only fact
    if _HIGHS_STARTED:
        return highspy.Highs()

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _HIGHS_STARTED = True
    return h


@dataclass
class _MilpOutcome:
    order: list[int]
    optimal: bool
    bound: float | None


class _Milp:
    """Arc-based OP model in HiGHS with GSEC generated on demand."""

    def __init__(
        self,
        d: list[list[float]],
        scores: list[float],
        cap: float,
        start: int,
        end: int,
        nodes: list[int],
        dist_from_start: list[float],
        dist_to_end: list[float],
    ) -> None:
        import highspy

        self.hs = highspy
        self.d = d
        self.scores = scores
        self.cap = cap
        self.start = start
        self.end = end
        self.closed = start == end
        self.nodes = nodes
        closed = self.closed
        arcs: list[tuple[int, int]] = []
        for i in nodes:
            if not closed and i == end:
                continue
            for j in nodes:
                if j == i and not (closed and i == start):
                    continue
                if not closed and j == start:
                    continue
                if dist_from_start[i] + d[i][j] + dist_to_end[j] > cap * (1.0 + 1e-12):
                    continue
                arcs.append((i, j))
        self.arcs = arcs
        self.arc_col = {a: c for c, a in enumerate(arcs)}
        n_arcs = len(arcs)
        self.y_col = {v: n_arcs + t for t, v in enumerate(nodes)}
        self.n_cols = n_arcs + len(nodes)
        self.out_arcs: dict[int, list[int]] = {v: [] for v in nodes}
        self.in_arcs: dict[int, list[int]] = {v: [] for v in nodes}
        for c, (i, j) in enumerate(arcs):
            self.out_arcs[i].append(c)
            self.in_arcs[j].append(c)

        h = _new_highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("primal_feasibility_tolerance", 1e-9)
        h.setOptionValue("mip_feasibility_tolerance", 1e-9)
        h.setOptionValue("mip_rel_gap", 0.0)
        h.setOptionValue("mip_abs_gap", 1e-9)
        self.h = h
        inf = highspy.kHighsInf
        costs = [0.0] * n_arcs + [scores[v] for v in nodes]
        lower = [0.0] * self.n_cols
        upper = [1.0] * self.n_cols
        for v in (start, end):
            lower[self.y_col[v]] = 1.0
        h.addCols(self.n_cols, costs, lower, upper, 0, [], [], [])
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        for v in nodes:
            yc = self.y_col[v]
            if not (not closed and v == end):
                idx = [*self.out_arcs[v], yc]
                h.addRow(0.0, 0.0, len(idx), idx, [1.0] * (len(idx) - 1) + [-1.0])
            if not (not closed and v == start):
                idx = [*self.in_arcs[v], yc]
                h.addRow(0.0, 0.0, len(idx), idx, [1.0] * (len(idx) - 1) + [-1.0])
        # budget row scaled to O(1) coefficients (lengths as fractions of the budget)
        self.unit = cap if cap > 0 else 1.0
        h.addRow(-inf, 1.0, n_arcs, list(range(n_arcs)), [d[i][j] / self.unit for i, j in arcs])
        self.budget_row = h.getNumRow() - 1
        self.budget_ub = 1.0
        self.cuts: set[tuple[frozenset[int], int]] = set()
        self.n_cuts = 0

    # ---- cuts -------------------------------------------------------------------------------

    def add_cut(self, subset: frozenset[int], k: int) -> bool:
        """Add x(delta-(S)) >= y_k (GSEC) for S not containing the start, k in S."""
        if (subset, k) in self.cuts:
            return False
        self.cuts.add((subset, k))
        inf = self.hs.kHighsInf
        if 2 * len(subset) <= len(self.nodes):
            # inner form: x(S, S) - sum_{i in S, i != k} y_i <= 0
            idx = [c for c, (i, j) in enumerate(self.arcs) if i in subset and j in subset]
            val = [1.0] * len(idx)
            for v in subset:
                if v != k:
                    idx.append(self.y_col[v])
                    val.append(-1.0)
            self.h.addRow(-inf, 0.0, len(idx), idx, val)
        else:
            idx = [c for c, (i, j) in enumerate(self.arcs) if i not in subset and j in subset]
            val = [1.0] * len(idx)
            idx.append(self.y_col[k])
            val.append(-1.0)
            self.h.addRow(0.0, inf, len(idx), idx, val)
        self.n_cuts += 1
        return True

    def cut_cycles(self, cycles: list[list[int]]) -> int:
        """Add the GSEC of every node of every detached cycle; return how many are new."""
        added = 0
        for cycle in cycles:
            subset = frozenset(cycle)
            for k in cycle:
                added += self.add_cut(subset, k)
        return added

    def separate_fractional(self, x: list[float]) -> int:
        """Exact GSEC separation on a fractional point by max-flow from the start."""
        from ortools.graph.python import max_flow

        scale = 1_000_000
        local = {v: t for t, v in enumerate(self.nodes)}
        mf = max_flow.SimpleMaxFlow()
        has_arc = False
        for c, (i, j) in enumerate(self.arcs):
            cap = round(x[c] * scale)
            if cap > 0 and i != j:
                mf.add_arc_with_capacity(local[i], local[j], cap)
                has_arc = True
        if not has_arc:
            mf.add_arc_with_capacity(local[self.start], local[self.start], 0)
        added = 0
        seen: set[frozenset[int]] = set()
        src = local[self.start]
        for k in self.nodes:
            if k == self.start:
                continue
            yk = x[self.y_col[k]]
            if yk < 1e-3:
                continue
            sink = local[k]
            if sink >= mf.num_nodes():
                flow = 0
                source_side = {src}
            else:
                status = mf.solve(src, sink)
                if status != mf.OPTIMAL:
                    continue
                flow = mf.optimal_flow()
                source_side = set(mf.get_source_side_min_cut())
            if flow >= (yk - 1e-3) * scale:
                continue
            subset = frozenset(v for v in self.nodes if local[v] not in source_side)
            if subset in seen:
                continue
            seen.add(subset)
            kbest = max(subset, key=lambda v: (x[self.y_col[v]], -v))
            if self.add_cut(subset, kbest):
                added += 1
        return added

    def decode(self, x: list[float]) -> tuple[list[int], list[list[int]]]:
        """Route from the start and the list of detached cycles of an integer point."""
        succ: dict[int, int] = {}
        for c, (i, j) in enumerate(self.arcs):
            if x[c] > 0.5:
                succ[i] = j
        order = [self.start]
        seen = {self.start}
        v = self.start
        while True:
            w = succ.get(v)
            if w is None:
                break
            order.append(w)
            if w == self.end or w in seen:
                break
            seen.add(w)
            v = w
        cycles = []
        for v0 in self.nodes:
            if v0 in seen or v0 not in succ:
                continue
            cycle = [v0]
            seen.add(v0)
            w = succ[v0]
            while w not in seen and w in succ:
                cycle.append(w)
                seen.add(w)
                w = succ[w]
            cycles.append(cycle)
        return order, cycles

    def values(self, order: list[int]) -> list[float]:
        col = [0.0] * self.n_cols
        for a, b in itertools.pairwise(order):
            c = self.arc_col.get((a, b))
            if c is not None:
                col[c] = 1.0
        for v in set(order):
            col[self.y_col[v]] = 1.0
        return col

    # ---- solve ------------------------------------------------------------------------------

    def solve(self, incumbent: list[int], deadline: float, max_nodes: int | None) -> _MilpOutcome:
        hs = self.hs
        h = self.h
        d, scores, cap = self.d, self.scores, self.cap
        best = list(incumbent)
        best_score = _route_score(best, scores)
        bound: float | None = None

        # 1. root LP with fractional GSEC separation
        for _ in range(_MAX_LP_ROUNDS):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _MilpOutcome(best, False, bound)
            h.setOptionValue("time_limit", remaining)
            h.run()
            if h.getModelStatus() != hs.HighsModelStatus.kOptimal:
                break
            x = list(h.getSolution().col_value)
            lp_bound = h.getInfo().objective_function_value
            if self.separate_fractional(x) == 0:
                bound = lp_bound
                break
        if bound is not None and best_score >= bound - 1e-9 * max(1.0, bound):
            return _MilpOutcome(best, True, bound)

        # 2. MIP, restarted with new GSEC whenever an integer point has a subtour
        h.changeColsIntegrality(
            self.n_cols, list(range(self.n_cols)), [hs.HighsVarType.kInteger] * self.n_cols
        )
        if max_nodes is not None:
            h.setOptionValue("mip_max_nodes", max_nodes)
        pending: list[list[list[int]]] = []
        paths: list[list[int]] = []

        def on_solution(event: Any) -> None:
            x_cb = list(event.data_out.mip_solution)
            path, cycles = self.decode(x_cb)
            if path and path[-1] == self.end and len(path) >= 2:
                paths.append(path)
            if cycles:
                pending.append(cycles)

        def on_interrupt(event: Any) -> None:
            # set the flag both ways: HiGHS keeps the input struct between runs
            event.interrupt(bool(pending))

        h.cbMipImprovingSolution.subscribe(on_solution)
        h.cbMipInterrupt.subscribe(on_interrupt)
        proven = False
        try:
            for _ in range(_MAX_MIP_ROUNDS):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                h.setOptionValue("time_limit", remaining)
                sol = hs.HighsSolution()
                sol.col_value = self.values(best)
                h.setSolution(sol)
                pending.clear()
                paths.clear()
                h.run()
                status = h.getModelStatus()
                for path in paths:
                    path = _repair(path, d, scores, cap)
                    if _better(
                        _route_score(path, scores),
                        _route_length(path, d),
                        best_score,
                        _route_length(best, d),
                    ):
                        best, best_score = path, _route_score(path, scores)
                if status == hs.HighsModelStatus.kInterrupt or pending:
                    run_bound = h.getInfo().mip_dual_bound
                    if math.isfinite(run_bound) and run_bound < math.inf:
                        # the relaxation's dual bound is valid for the OP as well
                        bound = run_bound if bound is None else min(bound, run_bound)
                        if best_score >= bound - 1e-9 * max(1.0, abs(bound)):
                            proven = True
                            break
                    if not self.cut_cycles([c for cycles in pending for c in cycles]):
                        break  # no new cut: the solver does not make progress
                    continue
                info = h.getInfo()
                if status == hs.HighsModelStatus.kOptimal:
                    run_bound = info.mip_dual_bound
                    if not math.isfinite(run_bound):
                        run_bound = info.objective_function_value
                    x = list(h.getSolution().col_value)
                    path, cycles = self.decode(x)
                    if cycles:
                        if not self.cut_cycles(cycles):
                            break
                        continue
                    bound = run_bound if bound is None else min(bound, run_bound)
                    if _route_length(path, d) > cap:
                        # the solver's tolerance let an over-budget route through: tighten
                        excess = _route_length(path, d) - cap
                        self.budget_ub -= excess / self.unit + 1e-9
                        h.changeRowBounds(self.budget_row, -hs.kHighsInf, self.budget_ub)
                        continue
                    if _better(
                        _route_score(path, scores),
                        _route_length(path, d),
                        best_score,
                        _route_length(best, d),
                    ):
                        best, best_score = path, _route_score(path, scores)
                    proven = best_score >= bound - 1e-9 * max(1.0, abs(bound))
                    break
                # time or node limit, or a numerical failure
                if status in (
                    hs.HighsModelStatus.kTimeLimit,
                    hs.HighsModelStatus.kSolutionLimit,
                    hs.HighsModelStatus.kIterationLimit,
                ) or str(status).endswith("NodeLimit"):
                    run_bound = info.mip_dual_bound
                    if math.isfinite(run_bound):
                        bound = run_bound if bound is None else min(bound, run_bound)
                break
        finally:
            h.cbMipImprovingSolution.unsubscribe(on_solution)
            h.cbMipInterrupt.unsubscribe(on_interrupt)
        if bound is not None and best_score >= bound - 1e-9 * max(1.0, abs(bound)):
            proven = True
        return _MilpOutcome(best, proven, bound)


# --------------------------------------------------------------------------- public API


def solve_orienteering(
    distances: Any,
    scores: Any,
    budget: float,
    *,
    start: int = 0,
    end: int = 1,
    method: str = "auto",
    time_limit_s: float = 10.0,
    seed: int = 0,
    effort: float = 1.0,
) -> OrienteeringResult:
    """Solve an Orienteering Problem: the best-scoring route within a budget.

    Parameters
    ----------
    distances : array-like of shape (n, n)
        Travel cost from node ``i`` to node ``j`` at ``[i][j]``, finite and
        >= 0, in any unit (metres, seconds...). Need not be symmetric nor
        satisfy the triangle inequality.
    scores : array-like of shape (n,)
        Score of each node, finite and >= 0. A node scores once however often
        it is passed.
    budget : float
        Maximum route length, in the unit of ``distances``, > 0. A route is
        feasible when its length is at most ``budget * (1 + 1e-9)``.
    start, end : int
        Indices of the first and last node. ``start == end`` asks for a closed
        tour.
    method : {"auto", "exact", "heuristic"}
        ``"exact"``: HiGHS MILP with generated subtour cuts, proves optimality
        within ``time_limit_s`` when it can. ``"heuristic"``: iterated local
        search with a fixed iteration count. ``"auto"``: the heuristic, then
        the exact solver with a deterministic node limit when at most 40 nodes
        (start and end included) can lie on a feasible route; the better
        route is returned.
    time_limit_s : float
        Wall-clock safety cap in seconds, > 0. The search effort is otherwise
        fixed by deterministic limits, so results are reproducible unless this
        cap is hit.
    seed : int
        Seed of the heuristic's random generator.
    effort : float
        Multiplies the heuristic's iteration counts (the default effort scales
        with the instance), > 0; a cheap first look at an instance takes less.

    Returns
    -------
    OrienteeringResult
        The route, its score and length, whether it is proven optimal, and an
        upper bound on the score when known.

    Raises
    ------
    ValidationError
        If an input is malformed (non-square, negative or non-finite matrix,
        bad scores, budget <= 0, index out of range, unknown method,
        time_limit_s <= 0, effort <= 0).
    InfeasibleError
        If ``distances[start][end]`` alone exceeds the budget.
    """
    t0 = time.monotonic()
    d = _validate_matrix(distances)
    n = len(d)
    sc = _validate_scores(scores, n)
    budget_f = _as_float(budget, "budget")
    if not math.isfinite(budget_f) or budget_f <= 0:
        msg = f"budget = {budget!r} is invalid; pass a finite number > 0"
        raise ValidationError(msg)
    start_i = _validate_index(start, "start", n)
    end_i = _validate_index(end, "end", n)
    if not isinstance(method, str) or method not in _METHODS:
        msg = f"method = {method!r} is unknown; pass one of {', '.join(map(repr, _METHODS))}"
        raise ValidationError(msg)
    limit = _as_float(time_limit_s, "time_limit_s")
    if math.isnan(limit) or limit <= 0:
        msg = f"time_limit_s = {time_limit_s!r} is invalid; pass a number of seconds > 0"
        raise ValidationError(msg)
    seed_i = _as_int(seed, "seed", "an int; pass an int")
    effort_f = _as_float(effort, "effort")
    if not math.isfinite(effort_f) or effort_f <= 0:
        msg = f"effort = {effort!r} is invalid; pass a finite number > 0 (1 is the default effort)"
        raise ValidationError(msg)

    cap = budget_f * (1.0 + _REL_TOL)
    if d[start_i][end_i] > cap:
        msg = (
            f"distances[start={start_i}][end={end_i}] = {d[start_i][end_i]!r} exceeds "
            f"budget = {budget_f!r}: no route is feasible; raise the budget or move start/end"
        )
        raise InfeasibleError(msg)
    # the kernels' one-time compilation (or cache load) is not search time
    deadline = t0 + limit + _load_kernels()

    dist_s = _dijkstra(d, start_i, reverse=False)
    dist_e = _dijkstra(d, end_i, reverse=True)
    candidates = [
        v
        for v in range(n)
        if v not in (start_i, end_i) and dist_s[v] + dist_e[v] <= cap * (1.0 + 1e-12)
    ]
    fixed = [start_i] if start_i == end_i else [start_i, end_i]
    cheap_bound = sum(sc[v] for v in fixed) + sum(sc[v] for v in candidates)

    order = _solve_heuristic(
        d, sc, cap, start_i, end_i, candidates, seed_i, deadline, effort_scale=effort_f
    )
    order = _repair(order, d, sc, cap)
    used = "heuristic"
    optimal: bool | None = None
    bound: float | None = cheap_bound
    score = _route_score(order, sc)
    if score >= cheap_bound - 1e-9 * max(1.0, cheap_bound):
        optimal = True

    n_model = len(fixed) + len(candidates)
    run_exact = method == "exact" or (method == "auto" and n_model <= _AUTO_EXACT_MAX_NODES)
    if run_exact and not optimal:
        nodes = [start_i, *candidates] + ([] if start_i == end_i else [end_i])
        milp = _Milp(d, sc, cap, start_i, end_i, nodes, dist_s, dist_e)
        max_nodes = _AUTO_MIP_MAX_NODES if method == "auto" else None
        outcome = milp.solve(order, deadline, max_nodes)
        exact_order = _repair(outcome.order, d, sc, cap)
        if _better(
            _route_score(exact_order, sc),
            _route_length(exact_order, d),
            score,
            _route_length(order, d),
        ) or (outcome.optimal and _route_score(exact_order, sc) >= score):
            order, used = exact_order, "exact"
        if method == "exact":
            used = "exact"
        score = _route_score(order, sc)
        if outcome.bound is not None:
            # a dual bound a hair below a feasible score is round-off: clamp it
            bound = max(score, min(cheap_bound, outcome.bound))
        optimal = outcome.optimal and score >= bound - 1e-9 * max(1.0, abs(bound))
    elif method == "exact":
        used = "exact"

    length = _route_length(order, d)
    runtime = time.monotonic() - t0
    result = OrienteeringResult(
        order=order,
        score=score,
        length=length,
        optimal=optimal,
        bound=bound,
        method=used,
        runtime_s=runtime,
        budget=budget_f,
        n_nodes=n,
    )
    logger.info(
        "orienteering: method=%s n=%d score=%.6g length=%.6g budget=%.6g optimal=%s "
        "bound=%s runtime=%.2fs",
        used,
        n,
        score,
        length,
        budget_f,
        optimal,
        None if bound is None else f"{bound:.6g}",
        runtime,
    )
    return result
