"""Compiled kernels of the orienteering heuristic (iterated local search).

The functions here work on NumPy arrays only and are compiled with numba (a hard
dependency of openskies) ahead of their first use, each for one explicit signature
(``njit(signature, cache=True)``), without ``fastmath``: every floating-point
operation is the IEEE one, in the order written, so a route is the same on any
machine. The compiled code is kept in numba's on-disk cache: the first import on an
installation compiles (about 20 s of CPU on the project's machine, see
``bench/bench_jit.py``), later processes load it (about 1.5 s). With
``NUMBA_DISABLE_JIT=1`` the same functions run as plain Python with the same
results, about two orders of magnitude slower: that mode is a test oracle only, and
``solve_orienteering`` refuses to run the heuristic in it (see :data:`COMPILED`).

Conventions:

- A route is an ``int64`` array ``r`` with ``k`` used entries, ``r[0] = start`` and
  ``r[k - 1] = end`` (the same node twice for a closed tour); edge ``t`` joins
  ``r[t]`` and ``r[t + 1]``.
- The instance: ``d`` (the matrix), ``dt`` (its transpose), ``scores``, ``cand``
  (the candidate nodes, those that fit on some route), the neighbour lists for
  length moves (``nb``) and for insertions (``nbi``), padded with -1, and the
  reverse of ``nbi`` (the nodes that list ``x`` are
  ``rnb_idx[rnb_ptr[x]:rnb_ptr[x + 1]]``).
- ``par = [cap, tol, start, end, sym, metric]`` (float64; the last four are
  integers and flags).
- The workspace of :func:`workspace`: three 2-D arrays of rows (``wi`` int64,
  ``wf`` float64, ``wb`` bool, rows named by the ``_W*`` constants below) and
  ``rep``. It caches, for every unvisited node ``u``, its cheapest insertion edge
  and the length change of ``u`` taking the place of each listed neighbour; a
  route change marks the nodes that list a changed node as dirty, and only those
  are evaluated again (an insertion updates the cheapest edges in place).
  A few flat arrays rather than a tuple of two dozen: numba compiles a function
  that takes a large heterogeneous tuple many times more slowly.
- Random numbers come from xoshiro128** in an ``int64[4]`` state whose words stay
  below 2**32, so no operation overflows in numba or in Python integers.
"""

from __future__ import annotations

import numpy as np
from numba import config as _numba_config
from numba import njit
from numba import types as _nt

#: Whether the kernels run compiled (False only under ``NUMBA_DISABLE_JIT=1``).
COMPILED = not _numba_config.DISABLE_JIT

_I = _nt.int64
_F = _nt.float64
_B = _nt.boolean
_I1 = _nt.int64[::1]
_I2 = _nt.int64[:, ::1]
_F1 = _nt.float64[::1]
_F2 = _nt.float64[:, ::1]
_B1 = _nt.boolean[::1]
_B2 = _nt.boolean[:, ::1]


def _jit(*argtypes):  # type: ignore[no-untyped-def]
    """Compile now (or load from the cache) for exactly these argument types."""
    return njit(argtypes, cache=True, nogil=True)


_M32 = 0xFFFFFFFF

# rows of the workspace arrays (each n + 2 long)
_WI_POS = 0  # index of a node in the route
_WI_ORDER = 1  # inner indices by ascending score
_WI_POOL = 2  # nodes to insert
_WI_SCRATCH = 3  # scratch route
_WI_PRED = 4  # pred of a node in the route the caches are for (-2: not on it)
_WI_SUCC = 5  # succ of a node in that route
_WI_INS_A = 6  # first node of a node's cheapest insertion edge
_WI_INS_B = 7  # second node of that edge
_WI_BUF = 8  # a moved run
_WI_TMP = 9  # merge sort buffer
_WI_TRIAL = 10  # the route being perturbed and improved
_WI_ROWS = 11
_WF_ELEN = 0  # edge lengths
_WF_SAV = 1  # removal savings
_WF_FWD = 2  # forward prefix lengths
_WF_BWD = 3  # backward prefix lengths
_WF_INS_C = 4  # cheapest insertion cost of a node
_WF_NF = 5  # noise factor of a node
_WF_KEYS = 6  # sort keys
_WF_ROWS = 7
_WB_DIRTY = 0  # the cheapest insertion edge has to be recomputed
_WB_NO_TABU = 1  # all False
_WB_REP_DIRTY = 2  # the replacement costs have to be recomputed
_WB_ACT2 = 3  # 2-opt has to look at the node
_WB_ACTO = 4  # or-opt has to look at the node
_WB_FAR = 5  # its cached edge came from a full scan
_WB_SEEN = 6  # scratch flags
_WB_FLAGS = 7  # the nodes of the trial route
_WB_TABU = 8  # the nodes a perturbation removed
_WB_DROP = 9  # the route indices a perturbation removes
_WB_ROWS = 10


# --------------------------------------------------------------------------- random numbers


def seed_state(seed: int) -> np.ndarray:
    """xoshiro128** state (four 32-bit words, not all zero) from any int, via splitmix64."""
    mask64 = (1 << 64) - 1
    x = seed & mask64
    words = []
    while len(words) < 4:
        x = (x + 0x9E3779B97F4A7C15) & mask64
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask64
        z ^= z >> 31
        words.extend((z & _M32, z >> 32))
    state = np.array(words[:4], dtype=np.int64)
    if not state.any():
        state[0] = 1
    return state


@_jit(_I1)
def _next32(st):
    s0 = st[0]
    s1 = st[1]
    s2 = st[2]
    s3 = st[3]
    x = (s1 * 5) & _M32
    x = ((x << 7) | (x >> 25)) & _M32
    result = (x * 9) & _M32
    t = (s1 << 9) & _M32
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = ((s3 << 11) | (s3 >> 21)) & _M32
    st[0] = s0
    st[1] = s1
    st[2] = s2
    st[3] = s3
    return result


@_jit(_I1)
def _rand(st):
    """Uniform float in [0, 1) with 53 random bits."""
    a = _next32(st) >> 5
    b = _next32(st) >> 6
    return (a * 67108864.0 + b) / 9007199254740992.0


@_jit(_I1, _I, _I)
def _randint(st, lo, hi):
    """Uniform int in [lo, hi] (inclusive)."""
    v = lo + int(_rand(st) * (hi - lo + 1))
    return hi if v > hi else v


# --------------------------------------------------------------------------- workspace


def workspace(n: int, n_nbi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scratch arrays ``(wi, wf, wb, rep)`` of the kernels for an ``n``-node instance."""
    m = n + 2
    wi = np.zeros((_WI_ROWS, m), dtype=np.int64)
    wi[_WI_PRED] = -2
    wi[_WI_SUCC] = -2
    wi[_WI_INS_A] = -1
    wi[_WI_INS_B] = -1
    wf = np.zeros((_WF_ROWS, m), dtype=np.float64)
    wf[_WF_INS_C] = np.inf
    wf[_WF_NF] = 1.0
    wb = np.zeros((_WB_ROWS, m), dtype=np.bool_)
    for row in (_WB_DIRTY, _WB_REP_DIRTY, _WB_ACT2, _WB_ACTO):
        wb[row] = True
    rep = np.full((n, max(1, n_nbi)), np.inf)  # length change, u in place of nbi[u, x]
    return wi, wf, wb, rep


# --------------------------------------------------------------------------- route helpers


@_jit(_I1, _I, _F2)
def route_length(r, k, d):
    """Length of ``r[:k]`` summed in route order."""
    total = 0.0
    for t in range(k - 1):
        total += d[r[t], r[t + 1]]
    return total


@_jit(_I1, _I, _I)
def _reverse(r, i, j):
    while i < j:
        tmp = r[i]
        r[i] = r[j]
        r[j] = tmp
        i += 1
        j -= 1


@_jit(_I1, _I, _I, _I)
def _insert_at(r, k, at, v):
    """Insert ``v`` before index ``at``; return the new length."""
    for t in range(k, at, -1):
        r[t] = r[t - 1]
    r[at] = v
    return k + 1


@_jit(_I1, _I, _I)
def _delete_at(r, k, at):
    for t in range(at, k - 1):
        r[t] = r[t + 1]
    return k - 1


@_jit(_I1, _I, _I1)
def _positions(r, k, pos):
    for t in range(k):
        pos[r[t]] = t


@_jit(_I1, _I, _F2, _F1)
def _edge_lengths(r, k, d, elen):
    for t in range(k - 1):
        elen[t] = d[r[t], r[t + 1]]


@_jit(_I, _I1, _B1, _I, _I)
def _tail_pos(c, pos, in_route, start, end):
    """Index of the edge that leaves ``c`` (-1 if none)."""
    if c == start:
        return 0
    if c == end or not in_route[c]:
        return -1
    return pos[c]


@_jit(_I, _I, _I1, _B1, _I, _I)
def _head_pos(c, k, pos, in_route, start, end):
    """Index of ``c`` as the second node of an edge (the edge is that index - 1; -1 if none)."""
    if c == end:
        return k - 1
    if c == start or not in_route[c]:
        return -1
    return pos[c]


@_jit(_I1, _I, _I1, _I, _I, _I, _I)
def _find_edge(r, k, pos, a, b, start, end):
    """Index of the edge joining ``a`` and ``b`` in either direction (-1 if none)."""
    for side in range(2):
        if a == start and a == end:
            p = 0 if side == 0 else k - 1
        elif a == start:
            p = 0
        elif a == end:
            p = k - 1
        else:
            p = pos[a]
        if p + 1 < k and r[p + 1] == b:
            return p
        if p >= 1 and r[p - 1] == b:
            return p - 1
    return -1


@_jit(_I, _I1, _I1, _B2)
def _touch(x, rnb_ptr, rnb_idx, wb):
    """Mark the nodes that list ``x`` as a neighbour: their cached moves are stale."""
    dirty = wb[_WB_DIRTY]
    rep_dirty = wb[_WB_REP_DIRTY]
    for q in range(rnb_ptr[x], rnb_ptr[x + 1]):
        dirty[rnb_idx[q]] = True
        rep_dirty[rnb_idx[q]] = True
    wb[_WB_ACT2, x] = True
    wb[_WB_ACTO, x] = True


@_jit(_I1, _I, _I1, _I1, _B, _I2, _B2, _B)
def _sync(r, k, rnb_ptr, rnb_idx, sym, wi, wb, touch):
    """Mark what differs between route ``r`` and the route the caches were made for.

    A node whose neighbours on the route changed (as an unordered pair when the
    matrix is symmetric), that joined or left, is touched; nodes whose cached edge
    came from a full scan are marked dirty too. Then ``r`` is recorded. With
    ``touch`` False the route is only recorded (its changes were touched as made).
    """
    n = rnb_ptr.shape[0] - 1
    pred = wi[_WI_PRED]
    succ = wi[_WI_SUCC]
    far = wb[_WB_FAR]
    seen = wb[_WB_SEEN]
    dirty = wb[_WB_DIRTY]
    seen[:] = False
    for t in range(k):
        v = r[t]
        if seen[v]:  # the start again, at the end of a closed tour
            continue
        seen[v] = True
        p = r[k - 2] if t == 0 and r[k - 1] == v else (r[t - 1] if t > 0 else -1)
        q = r[t + 1] if t < k - 1 else -1
        same = (pred[v] == p and succ[v] == q) or (sym and pred[v] == q and succ[v] == p)
        if not same:
            if touch:
                _touch(v, rnb_ptr, rnb_idx, wb)
            pred[v] = p
            succ[v] = q
    for v in range(n):
        if not seen[v] and pred[v] != -2:  # left the route
            if touch:
                _touch(v, rnb_ptr, rnb_idx, wb)
                dirty[v] = True
                wb[_WB_REP_DIRTY, v] = True
            pred[v] = -2
            succ[v] = -2
        if far[v] and touch:
            dirty[v] = True


# --------------------------------------------------------------------------- length reduction


@_jit(_I1, _I, _B1, _F2, _I2, _I1, _I1, _F1, _I2, _B2)
def two_opt_sym(r, k, in_route, d, nb, rnb_ptr, rnb_idx, par, wi, wb):
    """Segment reversals while one shortens the route (symmetric matrix).

    A move removes edges ``i`` and ``j`` and joins their first nodes and their
    second nodes. Only moves that add an edge from a node to one of its listed
    neighbours ``nb`` shorter than the removed edge at that node are tried
    (complete lists give the full neighbourhood), and only from nodes whose
    edges changed since they were last looked at (don't-look bits).
    """
    tol = par[1]
    start = int(par[2])
    end = int(par[3])
    pos = wi[_WI_POS]
    act = wb[_WB_ACT2]
    any_move = False
    _positions(r, k, pos)
    n_nb = nb.shape[1]
    moved = True
    while moved:
        moved = False
        for p in range(k):
            if not act[r[p]]:
                continue
            found = False
            for side in range(2):
                a = r[p]
                if side == 0:  # a as a first node: new edge (a, c), c first node of edge q
                    if p > k - 2:
                        continue
                    dab = d[a, r[p + 1]]
                else:  # a as a second node: new edge (c, a)
                    if p < 1:
                        continue
                    dab = d[r[p - 1], a]
                for t in range(n_nb):
                    c = nb[a, t]
                    if c < 0 or d[a, c] >= dab - tol:
                        break
                    if side == 0:
                        q = _tail_pos(c, pos, in_route, start, end)
                    else:
                        q = _head_pos(c, k, pos, in_route, start, end)
                    if q < 0 or q == p or q == p + 1 or q == p - 1:
                        continue
                    i = (p if p < q else q) - side
                    j = (q if p < q else p) - side
                    delta = (
                        d[r[i], r[j]]
                        + d[r[i + 1], r[j + 1]]
                        - d[r[i], r[i + 1]]
                        - d[r[j], r[j + 1]]
                    )
                    if delta < -tol:
                        _touch(r[i], rnb_ptr, rnb_idx, wb)
                        _touch(r[i + 1], rnb_ptr, rnb_idx, wb)
                        _touch(r[j], rnb_ptr, rnb_idx, wb)
                        _touch(r[j + 1], rnb_ptr, rnb_idx, wb)
                        _reverse(r, i + 1, j)
                        for x in range(i + 1, j + 1):
                            pos[r[x]] = x
                        moved = True
                        any_move = True
                        found = True
                        break
            if not found and r[p] != start and r[p] != end:
                act[r[p]] = False  # look again only when an edge at it changes
    return any_move


@_jit(_I1, _I, _F2, _I1, _I1, _F1, _F2, _B2)
def two_opt_asym(r, k, d, rnb_ptr, rnb_idx, par, wf, wb):
    """Segment reversals while one shortens the route (any matrix, prefix sums)."""
    tol = par[1]
    fwd = wf[_WF_FWD]
    bwd = wf[_WF_BWD]
    any_move = False
    while k >= 4:
        fwd[0] = 0.0
        bwd[0] = 0.0
        for t in range(1, k):
            fwd[t] = fwd[t - 1] + d[r[t - 1], r[t]]
            bwd[t] = bwd[t - 1] + d[r[t], r[t - 1]]
        found = False
        for i in range(1, k - 2):
            a = r[i - 1]
            b = r[i]
            dab = d[a, b]
            for j in range(i + 1, k - 1):
                c = r[j]
                f = r[j + 1]
                # reversing r[i..j]: its inner cost becomes bwd[j] - bwd[i]
                delta = d[a, c] + d[b, f] - dab - d[c, f] + (bwd[j] - bwd[i]) - (fwd[j] - fwd[i])
                if delta < -tol:
                    for x in range(i - 1, j + 2):
                        _touch(r[x], rnb_ptr, rnb_idx, wb)
                    _reverse(r, i, j)
                    found = True
                    break
            if found:
                break
        if not found:
            break
        any_move = True
    return any_move


@_jit(_I1, _I, _B1, _F2, _I2, _I1, _I1, _F1, _I2, _B2)
def or_opt(r, k, in_route, d, nb, rnb_ptr, rnb_idx, par, wi, wb):
    """Move runs of 1 to 3 nodes (reversed too if symmetric) next to a listed neighbour.

    A run is looked at when its first node's edges changed since it was last
    looked at (don't-look bits).
    """
    tol = par[1]
    start = int(par[2])
    end = int(par[3])
    sym = par[4] != 0.0
    pos = wi[_WI_POS]
    buf = wi[_WI_BUF]
    act = wb[_WB_ACTO]
    any_move = False
    n_nb = nb.shape[1]
    _positions(r, k, pos)
    moved = True
    while moved:
        moved = False
        i = 1
        while i < k - 1:
            if not act[r[i]]:
                i += 1
                continue
            applied = False
            for seg in range(1, 4):
                if i + seg > k - 1:
                    break
                p = r[i - 1]
                first = r[i]
                last = r[i + seg - 1]
                q = r[i + seg]
                gain = d[p, first] + d[last, q] - d[p, q]
                if gain <= tol:
                    continue
                best = gain - tol
                best_j = -1
                best_rev = False
                for end_node in range(2):
                    x = first if end_node == 0 else last
                    for t in range(n_nb):
                        c = nb[x, t]
                        # a new edge at x no shorter than the gain: stop (neighbour pruning)
                        if c < 0 or (d[x, c] >= gain and d[c, x] >= gain):
                            break
                        for side in range(2):
                            if side == 0:
                                j = _tail_pos(c, pos, in_route, start, end)
                            else:
                                j = _head_pos(c, k, pos, in_route, start, end) - 1
                            if j < 0 or i - 1 <= j <= i + seg - 1:
                                continue
                            a = r[j]
                            b = r[j + 1]
                            dab = d[a, b]
                            add = d[a, first] + d[last, b] - dab
                            if add < best:
                                best = add
                                best_j = j
                                best_rev = False
                            if sym and seg > 1:
                                add = d[a, last] + d[first, b] - dab
                                if add < best:
                                    best = add
                                    best_j = j
                                    best_rev = True
                if best_j < 0:
                    continue
                _touch(p, rnb_ptr, rnb_idx, wb)
                _touch(q, rnb_ptr, rnb_idx, wb)
                _touch(r[best_j], rnb_ptr, rnb_idx, wb)
                _touch(r[best_j + 1], rnb_ptr, rnb_idx, wb)
                for t in range(seg):
                    buf[t] = r[i + seg - 1 - t] if best_rev else r[i + t]
                    _touch(buf[t], rnb_ptr, rnb_idx, wb)
                # cut the run out, then put it after r[best_j] (index shifted if after it)
                k2 = k
                for _ in range(seg):
                    k2 = _delete_at(r, k2, i)
                at = best_j + 1 if best_j < i else best_j + 1 - seg
                for t in range(seg):
                    k2 = _insert_at(r, k2, at + t, buf[t])
                lo = i if i < at else at
                hi = i + seg if i + seg > at + seg else at + seg
                for t in range(lo, hi):
                    pos[r[t]] = t
                moved = True
                any_move = True
                applied = True
                break
            if not applied:
                act[r[i]] = False
            i += 1
    return any_move


@_jit(_I1, _I, _B1, _F2, _I2, _I1, _I1, _F1, _I2, _F2, _B2)
def _shorten(r, k, in_route, d, nb, rnb_ptr, rnb_idx, par, wi, wf, wb):
    if par[4] != 0.0:
        return two_opt_sym(r, k, in_route, d, nb, rnb_ptr, rnb_idx, par, wi, wb)
    return two_opt_asym(r, k, d, rnb_ptr, rnb_idx, par, wf, wb)


# --------------------------------------------------------------------------- score increase


@_jit(_I1, _I, _B1, _F2, _F2, _I2, _F1, _I2, _F2, _B2, _I)
def _refresh(r, k, in_route, d, dt, nbi, par, wi, wf, wb, u):
    """Cheapest insertion edge of ``u`` among the edges at its listed neighbours.

    Needs current positions and edge lengths. Without a listed neighbour on the route,
    every edge is tried (the cached edge may then go stale without ``u`` being marked:
    its users check that the edge still exists).
    """
    start = int(par[2])
    end = int(par[3])
    pos = wi[_WI_POS]
    elen = wf[_WF_ELEN]
    best = np.inf
    ba = -1
    bb = -1
    best_t = k
    for x in range(nbi.shape[1]):
        c = nbi[u, x]
        if c < 0:
            break
        if not in_route[c]:
            continue
        for side in range(2):
            if side == 0:
                t = _tail_pos(c, pos, in_route, start, end)
            else:
                t = _head_pos(c, k, pos, in_route, start, end) - 1
            if t < 0:
                continue
            cost = dt[u, r[t]] + d[u, r[t + 1]] - elen[t]
            if cost < best or (cost == best and t < best_t):
                best = cost
                best_t = t
                ba = r[t]
                bb = r[t + 1]
    wb[_WB_FAR, u] = ba < 0
    if ba < 0:  # no listed neighbour on the route: every edge
        for t in range(k - 1):
            cost = dt[u, r[t]] + d[u, r[t + 1]] - elen[t]
            if cost < best:
                best = cost
                ba = r[t]
                bb = r[t + 1]
    wf[_WF_INS_C, u] = best
    wi[_WI_INS_A, u] = ba
    wi[_WI_INS_B, u] = bb
    wb[_WB_DIRTY, u] = False


@_jit(_I1, _B1, _F2, _F2, _I2, _F1, _I2, _F2, _B2, _F2, _I)
def _refresh_rep(r, in_route, d, dt, nbi, par, wi, wf, wb, rep, u):
    """Length change of ``u`` taking the place of each listed neighbour (inf: not possible)."""
    start = int(par[2])
    end = int(par[3])
    pos = wi[_WI_POS]
    elen = wf[_WF_ELEN]
    for x in range(nbi.shape[1]):
        c = nbi[u, x]
        rep[u, x] = np.inf
        if c < 0 or not in_route[c] or c in (start, end):
            continue
        t = pos[c]
        rep[u, x] = dt[u, r[t - 1]] + d[u, r[t + 1]] - elen[t - 1] - elen[t]
    wb[_WB_REP_DIRTY, u] = False


@_jit(_I1, _I, _F, _B1, _B1, _F, _F2, _F2, _F1, _I1, _I2, _I1, _I1, _F1, _I2, _F2, _B2, _I1)
def insert_greedy(
    r, k, length, in_route, tabu, noise, d, dt, scores, cand, nbi, rnb_ptr, rnb_idx, par, wi, wf,
    wb, st
):  # fmt: skip
    """Greedy score / extra-length insertion until nothing fits.

    Nodes flagged in ``tabu`` are skipped; ``noise`` > 0 multiplies the ratios of
    each node by a random factor in [1, 1 + noise], drawn once per call. Returns
    (new k, new length, changed).
    """
    cap = par[0]
    tol = par[1]
    start = int(par[2])
    end = int(par[3])
    pos = wi[_WI_POS]
    elen = wf[_WF_ELEN]
    pool = wi[_WI_POOL]
    ins_c = wf[_WF_INS_C]
    ins_a = wi[_WI_INS_A]
    ins_b = wi[_WI_INS_B]
    dirty = wb[_WB_DIRTY]
    rep_dirty = wb[_WB_REP_DIRTY]
    _positions(r, k, pos)
    _edge_lengths(r, k, d, elen)
    nf = wf[_WF_NF]
    m = 0
    for u in cand:
        if not in_route[u] and not tabu[u]:
            pool[m] = u
            m += 1
            if noise > 0:
                nf[u] = 1.0 + noise * _rand(st)
    changed = False
    while m > 0:
        slack = cap - length
        best_flag = -1
        best_key = 0.0
        best_key2 = 0.0
        best_i = -1
        for idx in range(m):
            u = pool[idx]
            if dirty[u]:
                _refresh(r, k, in_route, d, dt, nbi, par, wi, wf, wb, u)
            cost = ins_c[u]
            if cost > slack:
                continue
            su = scores[u]
            if cost <= tol:
                if su <= 0 and cost > -tol:
                    continue
                flag = 1
                key = su
                key2 = -cost
            else:
                if su <= 0:
                    continue
                key = su / cost
                if noise > 0:
                    key *= nf[u]
                flag = 0
                key2 = 0.0
            if (
                flag > best_flag
                or (flag == best_flag and key > best_key)
                or (flag == best_flag and key == best_key and key2 > best_key2)
            ):
                best_flag = flag
                best_key = key
                best_key2 = key2
                best_i = idx
        if best_i < 0:
            break
        v = pool[best_i]
        a = ins_a[v]
        b = ins_b[v]
        t = _find_edge(r, k, pos, a, b, start, end)
        if t < 0:  # stale cache (cannot happen if every change touched its nodes)
            _refresh(r, k, in_route, d, dt, nbi, par, wi, wf, wb, v)
            continue
        a = r[t]
        b = r[t + 1]
        k = _insert_at(r, k, t + 1, v)
        in_route[v] = True
        for x in range(t + 1, k):
            pos[r[x]] = x
        for x in range(k - 2, t + 1, -1):
            elen[x] = elen[x - 1]
        elen[t] = d[a, v]
        elen[t + 1] = d[v, b]
        length += ins_c[v]
        changed = True
        # nodes that list a, v or b: the edge (a, b) is gone, (a, v) and (v, b) are new
        for y in range(3):
            x = a if y == 0 else (v if y == 1 else b)
            wb[_WB_ACT2, x] = True
            wb[_WB_ACTO, x] = True
        dav = elen[t]
        dvb = elen[t + 1]
        for y in range(3):
            x = a if y == 0 else (v if y == 1 else b)
            for q in range(rnb_ptr[x], rnb_ptr[x + 1]):
                u = rnb_idx[q]
                rep_dirty[u] = True
                if in_route[u] or dirty[u]:
                    continue
                ua = ins_a[u]
                ub = ins_b[u]
                if (ua == a and ub == b) or (ua == b and ub == a):
                    dirty[u] = True
                    continue
                c1 = dt[u, a] + d[u, v] - dav
                if c1 < ins_c[u]:
                    ins_c[u] = c1
                    ins_a[u] = a
                    ins_b[u] = v
                c2 = dt[u, v] + d[u, b] - dvb
                if c2 < ins_c[u]:
                    ins_c[u] = c2
                    ins_a[u] = v
                    ins_b[u] = b
        # keep the pool in candidate order (ties are then broken the same way every time)
        for idx in range(best_i, m - 1):
            pool[idx] = pool[idx + 1]
        m -= 1
    return k, length, changed


@_jit(_F1, _I1, _I1, _I)
def _stable_argsort(keys, out, tmp, m):
    """``out[:m]`` = the indices of ``keys[:m]`` by ascending key, ties by index.

    A bottom-up merge sort: the same permutation as NumPy's stable argsort.
    """
    for t in range(m):
        out[t] = t
    width = 1
    while width < m:
        lo = 0
        while lo < m:
            mid = min(lo + width, m)
            hi = min(lo + 2 * width, m)
            i = lo
            j = mid
            o = lo
            while i < mid and j < hi:
                if keys[out[j]] < keys[out[i]]:
                    tmp[o] = out[j]
                    j += 1
                else:
                    tmp[o] = out[i]
                    i += 1
                o += 1
            while i < mid:
                tmp[o] = out[i]
                i += 1
                o += 1
            while j < hi:
                tmp[o] = out[j]
                j += 1
                o += 1
            lo = hi
        for t in range(m):
            out[t] = tmp[t]
        width *= 2


@_jit(_I1, _I, _F2, _F1, _I2, _F2)
def _exchange_prepare(r, k, d, scores, wi, wf):
    """Positions, edge lengths, removal savings and inner indices by ascending score.

    Returns (largest saving, lowest inner score).
    """
    pos = wi[_WI_POS]
    elen = wf[_WF_ELEN]
    sav = wf[_WF_SAV]
    order = wi[_WI_ORDER]
    keys = wf[_WF_KEYS]
    _positions(r, k, pos)
    _edge_lengths(r, k, d, elen)
    m = k - 2
    max_sav = -np.inf
    for t in range(1, k - 1):
        sav[t] = elen[t - 1] + elen[t] - d[r[t - 1], r[t + 1]]
        if sav[t] > max_sav:
            max_sav = sav[t]
        keys[t - 1] = scores[r[t]]
    _stable_argsort(keys, order, wi[_WI_TMP], m)
    lowest = keys[order[0]]
    for t in range(m):
        order[t] += 1
    return max_sav, lowest


@_jit(_I1, _I, _F, _B1, _F2, _F2, _F1, _I1, _I2, _I1, _I1, _F1, _I2, _F2, _B2, _F2)
def exchange(
    r, k, length, in_route, d, dt, scores, cand, nbi, rnb_ptr, rnb_idx, par, wi, wf, wb, rep
):
    """Swaps of a visited for an unvisited node (score up, or same score and shorter).

    Each unvisited node ``u`` in turn takes its best swap, applied at once: ``u``
    goes in the place of one of its listed neighbours, or at its cheapest edge
    with the lowest-score node that makes room removed elsewhere; the best swap
    has the largest score gain, then the shortest route. Returns
    (new length, changed); ``k`` does not change.
    """
    if k < 3:
        return length, False
    cap = par[0]
    tol = par[1]
    start = int(par[2])
    end = int(par[3])
    pos = wi[_WI_POS]
    sav = wf[_WF_SAV]
    order = wi[_WI_ORDER]
    ins_c = wf[_WF_INS_C]
    ins_a = wi[_WI_INS_A]
    ins_b = wi[_WI_INS_B]
    dirty = wb[_WB_DIRTY]
    rep_dirty = wb[_WB_REP_DIRTY]
    n_nb = nbi.shape[1]
    m = k - 2
    changed = False
    max_sav, min_score = _exchange_prepare(r, k, d, scores, wi, wf)
    for u in cand:
        su = scores[u]
        if in_route[u] or su < min_score:
            continue
        if dirty[u]:
            _refresh(r, k, in_route, d, dt, nbi, par, wi, wf, wb, u)
        if rep_dirty[u]:
            _refresh_rep(r, in_route, d, dt, nbi, par, wi, wf, wb, rep, u)
        best_ds = -np.inf
        best_len = np.inf
        best_t = -1  # index of the removed node
        best_at = -1  # edge index for u, or -1: the removed node's place
        # u in the place of one of its listed neighbours
        for x in range(n_nb):
            delta = rep[u, x]
            if delta == np.inf:
                continue
            c = nbi[u, x]
            ds = su - scores[c]
            if ds < 0 or ds < best_ds:
                continue
            new_len = length + delta
            if new_len > cap or (ds == 0 and new_len >= length - tol):
                continue
            if ds > best_ds or new_len < best_len:
                best_ds = ds
                best_len = new_len
                best_t = pos[c]
                best_at = -1
        # u at its cheapest edge, the lowest-score node that makes room removed
        c0 = ins_c[u]
        if length - max_sav + c0 <= cap:
            a = ins_a[u]
            b = ins_b[u]
            found = np.inf
            for o in range(m):
                t = order[o]
                v = r[t]
                sv = scores[v]
                ds = su - sv
                if ds < 0 or sv > found or ds < best_ds:
                    break
                if v in (a, b):
                    continue
                new_len = length - sav[t] + c0
                if new_len > cap or (ds == 0 and new_len >= length - tol):
                    continue
                found = sv
                if ds > best_ds or new_len < best_len:
                    at = _find_edge(r, k, pos, a, b, start, end)
                    if at < 0:
                        continue
                    best_ds = ds
                    best_len = new_len
                    best_t = t
                    best_at = at
        if best_t < 0:
            continue
        v = r[best_t]
        _touch(r[best_t - 1], rnb_ptr, rnb_idx, wb)
        _touch(r[best_t + 1], rnb_ptr, rnb_idx, wb)
        _touch(v, rnb_ptr, rnb_idx, wb)
        _touch(u, rnb_ptr, rnb_idx, wb)
        if best_at < 0:
            r[best_t] = u
        else:
            _touch(r[best_at], rnb_ptr, rnb_idx, wb)
            _touch(r[best_at + 1], rnb_ptr, rnb_idx, wb)
            k2 = _delete_at(r, k, best_t)
            tail = best_at if best_at < best_t else best_at - 1
            _insert_at(r, k2, tail + 1, u)
        in_route[v] = False
        in_route[u] = True
        dirty[v] = True
        rep_dirty[v] = True
        length = route_length(r, k, d)
        changed = True
        max_sav, min_score = _exchange_prepare(r, k, d, scores, wi, wf)
    return length, changed


@_jit(_I1, _I, _F, _B1, _F2, _F1, _I1, _I1, _I1, _F1, _I2, _B2)
def insert_pair(r, k, length, in_route, d, scores, cand, rnb_ptr, rnb_idx, par, wi, wb):
    """Insert the best-ratio pair of consecutive unvisited nodes (non-metric matrices)."""
    cap = par[0]
    tol = par[1]
    pool = wi[_WI_POOL]
    slack = cap - length
    m = 0
    for u in cand:
        if not in_route[u]:
            pool[m] = u
            m += 1
    if m < 2 or m > 80:
        return k, length, False
    best_flag = -1
    best_key = 0.0
    bp = -1
    bu = -1
    bw = -1
    for p in range(k - 1):
        a = r[p]
        b = r[p + 1]
        dab = d[a, b]
        for iu in range(m):
            u = pool[iu]
            first = d[a, u] - dab
            for iw in range(m):
                v = pool[iw]
                if v == u:
                    continue
                cost = first + d[u, v] + d[v, b]
                if cost > slack:
                    continue
                gain = scores[u] + scores[v]
                if cost <= tol:
                    if gain <= 0 and cost > -tol:
                        continue
                    flag = 1
                    key = gain - cost
                elif gain <= 0:
                    continue
                else:
                    flag = 0
                    key = gain / cost
                if flag > best_flag or (flag == best_flag and key > best_key):
                    best_flag = flag
                    best_key = key
                    bp = p
                    bu = u
                    bw = v
    if bp < 0:
        return k, length, False
    _touch(r[bp], rnb_ptr, rnb_idx, wb)
    _touch(r[bp + 1], rnb_ptr, rnb_idx, wb)
    _touch(bu, rnb_ptr, rnb_idx, wb)
    _touch(bw, rnb_ptr, rnb_idx, wb)
    k = _insert_at(r, k, bp + 1, bu)
    k = _insert_at(r, k, bp + 2, bw)
    in_route[bu] = True
    in_route[bw] = True
    return k, route_length(r, k, d), True


# --------------------------------------------------------------------------- local search


@_jit(_I1, _I, _B1, _B1, _F, _F2, _F2, _F1, _I1, _I2, _I2, _I1, _I1, _F1, _I2, _F2, _B2, _F2, _I1)
def local_search(
    r, k, in_route, tabu, noise, d, dt, scores, cand, nb, nbi, rnb_ptr, rnb_idx, par, wi, wf, wb,
    rep, st
):  # fmt: skip
    """Shorten, insert and exchange until none improves; return (k, length).

    With ``noise`` > 0, one noisy insertion pass that skips ``tabu`` nodes comes first.
    """
    sym = par[4] != 0.0
    metric = par[5] != 0.0
    no_tabu = wb[_WB_NO_TABU]
    _sync(r, k, rnb_ptr, rnb_idx, sym, wi, wb, True)
    _shorten(r, k, in_route, d, nb, rnb_ptr, rnb_idx, par, wi, wf, wb)
    length = route_length(r, k, d)
    if noise > 0:
        k, length, _ = insert_greedy(
            r, k, length, in_route, tabu, noise, d, dt, scores, cand, nbi, rnb_ptr, rnb_idx,
            par, wi, wf, wb, st
        )  # fmt: skip
    while True:
        if _shorten(r, k, in_route, d, nb, rnb_ptr, rnb_idx, par, wi, wf, wb):
            length = route_length(r, k, d)
        k, length, changed = insert_greedy(
            r, k, length, in_route, no_tabu, 0.0, d, dt, scores, cand, nbi, rnb_ptr, rnb_idx,
            par, wi, wf, wb, st
        )  # fmt: skip
        if changed:
            continue
        length, changed = exchange(
            r, k, length, in_route, d, dt, scores, cand, nbi, rnb_ptr, rnb_idx, par, wi, wf, wb,
            rep
        )  # fmt: skip
        if changed:
            continue
        if not metric:
            k, length, changed = insert_pair(
                r, k, length, in_route, d, scores, cand, rnb_ptr, rnb_idx, par, wi, wb
            )
            if changed:
                continue
        if or_opt(r, k, in_route, d, nb, rnb_ptr, rnb_idx, par, wi, wb):
            length = route_length(r, k, d)
            continue
        break
    _sync(r, k, rnb_ptr, rnb_idx, sym, wi, wb, False)  # record the route
    return k, route_length(r, k, d)


@_jit(_I1, _I1, _I)
def _copy(dst, src, k):
    """``dst[:k] = src[:k]`` (a loop: a slice assignment compiles a shape check with messages)."""
    for t in range(k):
        dst[t] = src[t]


@_jit(_I1, _I, _F1, _B)
def _score(r, k, scores, closed):
    total = 0.0
    last = k - 1 if closed else k
    for t in range(last):
        total += scores[r[t]]
    return total


@_jit(_F, _F, _F, _F)
def _better(sa, la, sb, lb):
    """Whether route a beats route b (higher score, then shorter)."""
    m = abs(sb) if abs(sb) > 1.0 else 1.0
    if sa > sb + 1e-9 * m:
        return True
    if sa < sb - 1e-9 * m:
        return False
    return la < lb - 1e-12 * (lb if lb > 1.0 else 1.0)


@_jit(_I1, _I, _B1, _B1, _F2, _F, _I1, _F, _I, _I1, _B1)
def _perturb(r, k, in_route, tabu, d, cap, st, big_kick, max_kick, trial, drop):
    """Remove a random run or a random set of inner nodes; return the new k."""
    inner = k - 2
    if inner <= 0:
        return k
    if _rand(st) < big_kick:
        size = _randint(st, 1, inner)
    else:
        hi = (inner + 2) // 3
        if hi > max_kick:
            hi = max_kick
        size = _randint(st, 1, hi if hi > 1 else 1)
    m = 0
    if _rand(st) < 0.5:
        i = _randint(st, 1, inner - size + 1)
        for t in range(k):
            if i <= t < i + size:
                tabu[r[t]] = True
            else:
                trial[m] = r[t]
                m += 1
    else:
        drop[:k] = False
        # `size` distinct inner indices (partial Fisher-Yates; `trial` holds the
        # indices until the flags are set, then the kept nodes)
        idx = trial
        for s in range(inner):
            idx[s] = s + 1
        for s in range(size):
            j = _randint(st, s, inner - 1)
            tmp = idx[s]
            idx[s] = idx[j]
            idx[j] = tmp
            drop[idx[s]] = True
        for t in range(k):
            if drop[t]:
                tabu[r[t]] = True
            else:
                trial[m] = r[t]
                m += 1
    if route_length(trial, m, d) > cap:  # non-metric matrix: removal lengthened it
        for t in range(k):
            tabu[r[t]] = False
        return k
    for t in range(k):
        if tabu[r[t]]:
            in_route[r[t]] = False
    for t in range(m):
        r[t] = trial[t]
    return m


@_jit(_F2, _F2, _F1, _I1, _I2, _I2, _I1, _I1, _F1, _I2, _F2, _B2, _F2, _I1, _I1, _I1, _F1, _I, _F1)
def ils_run(
    d, dt, scores, cand, nb, nbi, rnb_ptr, rnb_idx, par, wi, wf, wb, rep, st, cur, best, stats,
    iterations, knobs
):  # fmt: skip
    """``iterations`` rounds of perturbation and local search from the current route.

    ``cur`` and ``best`` (length n + 2 arrays) hold the current and the best route;
    ``stats`` = [cur_k, best_k, cur_score, best_score, best_length, stall] is
    updated in place, so that runs can be chained. ``stats[0] == 0`` asks for the
    start: the greedy route from the empty one, made locally optimal (then the
    iterations follow). ``knobs`` = [noise, big_kick, max_kick, threshold,
    restart_after]. This is the kernels' entry point.
    """
    cap = par[0]
    start = int(par[2])
    end = int(par[3])
    closed = start == end
    if stats[0] == 0:
        cur[0] = start
        cur[1] = end
        in_route = wb[_WB_FLAGS]
        in_route[:] = False
        in_route[start] = True
        in_route[end] = True
        k, length = local_search(
            cur, 2, in_route, in_route, 0.0, d, dt, scores, cand, nb, nbi, rnb_ptr, rnb_idx,
            par, wi, wf, wb, rep, st
        )  # fmt: skip
        _copy(best, cur, k)
        score = _score(cur, k, scores, closed)
        stats[0] = k
        stats[1] = k
        stats[2] = score
        stats[3] = score
        stats[4] = length
        stats[5] = 0
    noise = knobs[0]
    big_kick = knobs[1]
    max_kick = int(knobs[2])
    threshold = knobs[3]
    restart_after = int(knobs[4])
    cur_k = int(stats[0])
    best_k = int(stats[1])
    cur_score = stats[2]
    best_score = stats[3]
    best_length = stats[4]
    stall = int(stats[5])
    trial = wi[_WI_TRIAL]
    flags = wb[_WB_FLAGS]
    tabu = wb[_WB_TABU]
    drop = wb[_WB_DROP]
    for _ in range(iterations):
        _copy(trial, cur, cur_k)
        tk = cur_k
        flags[:] = False
        for t in range(tk):
            flags[trial[t]] = True
        tabu[:] = False
        tk = _perturb(trial, tk, flags, tabu, d, cap, st, big_kick, max_kick, wi[_WI_SCRATCH], drop)
        tk, length = local_search(
            trial, tk, flags, tabu, noise, d, dt, scores, cand, nb, nbi, rnb_ptr, rnb_idx, par,
            wi, wf, wb, rep, st
        )  # fmt: skip
        score = _score(trial, tk, scores, closed)
        if _better(score, length, best_score, best_length):
            _copy(best, trial, tk)
            best_k = tk
            best_score = score
            best_length = length
            stall = 0
        else:
            stall += 1
        m = abs(cur_score) if abs(cur_score) > 1.0 else 1.0
        if score >= cur_score - 1e-9 * m or score >= best_score * (1.0 - threshold):
            _copy(cur, trial, tk)
            cur_k = tk
            cur_score = score
        if stall > 0 and stall % restart_after == 0:
            _copy(cur, best, best_k)
            cur_k = best_k
            cur_score = best_score
    stats[0] = cur_k
    stats[1] = best_k
    stats[2] = cur_score
    stats[3] = best_score
    stats[4] = best_length
    stats[5] = stall
