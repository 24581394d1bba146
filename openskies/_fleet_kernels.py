"""Compiled kernel of the fleet optimiser's local search: the best move between two routes.

:meth:`openskies._fleet._Search.pair_move` evaluates, for two routes, every 2-opt* move
(tails exchanged, also with the heads reversed), every chain of one to three nodes moved
from one route into the other (either direction) and every swap of one node of each, and
keeps the best. That evaluation is most of the fleet optimiser's time; here it is one loop
compiled with numba (``njit(signature, cache=True)``, no ``fastmath``), so every
floating-point operation is the IEEE one in the order the NumPy formulation used before
(``tests/_fleet_reference.py`` keeps that formulation as the oracle): the same moves, ties
broken the same way (the first in row-major order), the same plans. The first import on an
installation compiles them (4.3 s of CPU on the project's machine, measured with an empty
``NUMBA_CACHE_DIR``); later processes load them from numba's cache (0.6 s).

Conventions (those of :class:`openskies._fleet._Core`): oriented node ``a = 2 i + o``,
``a ^ 1`` the other direction, nodes ``2n`` and ``2n + 1`` the depot; ``arc`` the arc
matrix (km, ``_Core.A``), ``length`` the node lengths (km, ``_Core.L``); a route starts
and ends at the depot.

The score of a move, ``score(lr', lq')`` (the new lengths of the two routes), is to be
minimised and must be below ``-1e-9`` to count:

- ``mode = 0`` (lower the excess over ``cap``, then the total length):
  ``(max(lr' - cap, 0) + max(lq' - cap, 0) - er - eq) + mu (lr' + lq' - tot)``;
- ``mode = 1`` (shorten, both routes within ``cap``): ``lr' + lq' - tot`` where both are
  ``<= cap``, else infinite.

A NaN score counts as infinite; a kind of move whose least score is not finite (``-inf``
where a route's length is) offers no move. The move found is written to ``out``:
``[kind, i, j, w, flip, x_flip, y_flip]`` with ``kind`` 0 (none), 1 (2-opt* at ``(i, j)``),
2 (reversed 2-opt* at ``(i, j)``), 3 (chain of ``w`` nodes from ``st = i`` into the arc
after ``qq[j]``, reversed if ``flip``), 4 (swap of ``rr[i + 1]`` and ``qq[j + 1]``, each
flipped if its flag is set); the function returns the move's score (``inf`` if none).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numba import types as _nt

_I = _nt.int64
_F = _nt.float64
_I1 = _nt.int64[::1]
_F1 = _nt.float64[::1]
_F2 = _nt.float64[:, ::1]

#: A move must lower the score by more than this to count.
_TOL = 1e-9


@njit(_F(_F, _F, _I, _F, _F, _F, _F, _F), cache=True, nogil=True)
def _score(a, b, mode, cap, er, eq, tot, mu):  # type: ignore[no-untyped-def]
    if mode == 0:
        ea = a - cap
        if ea < 0.0:
            ea = 0.0
        eb = b - cap
        if eb < 0.0:
            eb = 0.0
        v = ((ea + eb) - er) - eq + mu * ((a + b) - tot)
    elif a <= cap and b <= cap:
        v = (a + b) - tot
    else:
        v = math.inf
    if math.isnan(v):
        return math.inf
    return v


@njit(_F(_F, _F), cache=True, nogil=True)
def _fmin(x, y):  # type: ignore[no-untyped-def]
    if math.isnan(x):
        return y
    if math.isnan(y):
        return x
    return x if x <= y else y


@njit(_nt.void(_F2, _F1, _I1, _F1, _F1), cache=True, nogil=True)
def _prefixes(arc, length, r, pre, flip):  # type: ignore[no-untyped-def]
    """Prefix costs of route ``r`` (``_Core.prefix`` and ``_Core.flipped_prefix``).

    ``pre[t]``: from the depot through ``r[t]``; ``flip[t]``: of ``r[: t + 1]`` flown
    backwards and flipped.
    """
    acc = 0.0
    accf = 0.0
    for t in range(r.shape[0]):
        s = length[r[t]]
        sf = length[r[t] ^ 1]
        if t >= 1:
            s = s + arc[r[t - 1], r[t]]
            sf = sf + arc[r[t] ^ 1, r[t - 1] ^ 1]
        acc = acc + s if t >= 1 else s
        accf = accf + sf if t >= 1 else sf
        pre[t] = acc
        flip[t] = accf


@njit(_nt.void(_F2, _F1, _I1, _F1, _F1), cache=True, nogil=True)
def _suffixes(arc, length, r, suf, flip):  # type: ignore[no-untyped-def]
    """Suffix costs of route ``r`` (``_Core.suffix`` and ``_Core.flipped_suffix``).

    ``suf[t]``: from ``r[t]`` to the depot; ``flip[t]``: of ``r[t:]`` flown backwards and
    flipped.
    """
    m = r.shape[0]
    acc = 0.0
    accf = 0.0
    for t in range(m - 1, -1, -1):
        s = length[r[t]]
        sf = length[r[t] ^ 1]
        if t < m - 1:
            s = s + arc[r[t], r[t + 1]]
            sf = sf + arc[r[t + 1] ^ 1, r[t] ^ 1]
        acc = acc + s if t < m - 1 else s
        accf = accf + sf if t < m - 1 else sf
        suf[t] = acc
        flip[t] = accf


@njit(
    _F(_F2, _F1, _I1, _I1, _F, _F, _I, _F, _F, _F, _F, _F, _I1),
    cache=True,
    nogil=True,
)
def pair_best(arc, length, rr, qq, lr, lq, mode, cap, er, eq, tot, mu, out):  # type: ignore[no-untyped-def]
    """Best move between routes ``rr`` and ``qq``; see the module docstring."""
    mr = rr.shape[0]
    mq = qq.shape[0]
    for t in range(out.shape[0]):
        out[t] = 0
    # prefix / suffix sums of the two routes, sequential as numpy's cumsum
    pre_r = np.empty(mr)
    suf_r = np.empty(mr)
    pre_q = np.empty(mq)
    suf_q = np.empty(mq)
    flip_r = np.empty(mr)  # flipped prefix of rr
    flip_tl = np.empty(mr)  # flipped suffix of rr
    flip_q = np.empty(mq)  # flipped prefix of qq
    flip_qs = np.empty(mq)  # flipped suffix of qq (unused)
    _prefixes(arc, length, rr, pre_r, flip_r)
    _suffixes(arc, length, rr, suf_r, flip_tl)
    _prefixes(arc, length, qq, pre_q, flip_q)
    _suffixes(arc, length, qq, suf_q, flip_qs)

    best = math.inf

    # 2-opt*: R[:i+1] + Q[j+1:], Q[:j+1] + R[i+1:]
    kv = math.inf
    ki = -1
    kj = -1
    for i in range(mr - 1):
        for j in range(mq - 1):
            if (
                (i == 0 and j == 0)
                or (i == mr - 2 and j == mq - 2)
                or (i == 0 and j == mq - 2)
                or (i == mr - 2 and j == 0)
            ):
                continue
            a = (pre_r[i] + arc[rr[i], qq[j + 1]]) + suf_q[j + 1]
            b = (pre_q[j] + arc[qq[j], rr[i + 1]]) + suf_r[i + 1]
            v = _score(a, b, mode, cap, er, eq, tot, mu)
            if v < kv:
                kv, ki, kj = v, i, j
    if ki >= 0 and math.isfinite(kv) and kv < -_TOL and kv < best:
        best = kv
        out[0], out[1], out[2] = 1, ki, kj

    # reversed 2-opt*: R[:i+1] + flip(Q[:j+1]), flip(R[i+1:]) + Q[j+1:]
    kv = math.inf
    ki = -1
    kj = -1
    for i in range(mr - 1):
        for j in range(mq - 1):
            if (i == 0 and j == 0) or (i == mr - 2 and j == mq - 2):
                continue
            a = (pre_r[i] + arc[rr[i], qq[j] ^ 1]) + flip_q[j]
            b = (flip_tl[i + 1] + arc[rr[i + 1] ^ 1, qq[j + 1]]) + suf_q[j + 1]
            v = _score(a, b, mode, cap, er, eq, tot, mu)
            if v < kv:
                kv, ki, kj = v, i, j
    sizes_ok = ki + kj > 0 and (mr - ki - 1) + (mq - kj - 1) > 2  # neither route left empty
    if ki >= 0 and math.isfinite(kv) and sizes_ok and kv < -_TOL and kv < best:
        best = kv
        out[0], out[1], out[2] = 2, ki, kj

    # a chain R[st .. en] (w nodes) into arc (Q_p, Q_p+1), either direction
    for w in range(1, 4):
        if mr - 2 <= w:
            break
        for flip in range(2):
            kv = math.inf
            ki = -1
            kj = -1
            for st in range(1, mr - w):
                en = st + w - 1
                arc_in = arc[rr[st - 1], rr[st]]
                arc_out = arc[rr[en], rr[en + 1]]
                inner = (pre_r[en] - pre_r[st - 1]) - arc_in
                gain = ((arc_in + arc_out) - arc[rr[st - 1], rr[en + 1]]) + inner
                new_r = lr - gain
                if flip == 1:
                    inner = (flip_r[en] - flip_r[st - 1]) - arc[rr[st] ^ 1, rr[st - 1] ^ 1]
                for p in range(mq - 1):
                    base = arc[qq[p], qq[p + 1]]
                    if flip == 1:
                        ins = ((arc[qq[p], rr[en] ^ 1] + arc[rr[st] ^ 1, qq[p + 1]]) - base) + inner
                    else:
                        ins = ((arc[qq[p], rr[st]] + arc[rr[en], qq[p + 1]]) - base) + inner
                    v = _score(new_r + 0.0 * ins, lq + ins, mode, cap, er, eq, tot, mu)
                    if v < kv:
                        kv, ki, kj = v, st, p
            if ki >= 0 and math.isfinite(kv) and kv < -_TOL and kv < best:
                best = kv
                out[0], out[1], out[2], out[3], out[4] = 3, ki, kj, w, flip

    # swap R_i and Q_j (each in the other's gap, best direction)
    if mr > 2 and mq > 2:
        kv = math.inf
        ki = -1
        kj = -1
        kx = 0
        ky = 0
        for a in range(mr - 2):
            x = rr[a + 1]
            out_r = (arc[rr[a], x] + arc[x, rr[a + 2]]) + length[x]
            for b in range(mq - 2):
                y = qq[b + 1]
                out_q = (arc[qq[b], y] + arc[y, qq[b + 2]]) + length[y]
                b_fwd = (arc[rr[a], y] + arc[y, rr[a + 2]]) + length[y]
                b_rev = (arc[rr[a], y ^ 1] + arc[y ^ 1, rr[a + 2]]) + length[y ^ 1]
                a_fwd = (arc[qq[b], x] + arc[x, qq[b + 2]]) + length[x]
                a_rev = (arc[qq[b], x ^ 1] + arc[x ^ 1, qq[b + 2]]) + length[x ^ 1]
                new_r = (lr - out_r) + _fmin(b_fwd, b_rev)
                new_q = (lq - out_q) + _fmin(a_fwd, a_rev)
                v = _score(new_r, new_q, mode, cap, er, eq, tot, mu)
                if v < kv:
                    kv, ki, kj = v, a, b
                    ky = 0 if b_fwd <= b_rev else 1
                    kx = 0 if a_fwd <= a_rev else 1
        if ki >= 0 and math.isfinite(kv) and kv < -_TOL and kv < best:
            best = kv
            out[0], out[1], out[2], out[5], out[6] = 4, ki, kj, kx, ky
    return best


@njit(_nt.void(_F2, _F1, _I1, _F1, _F1, _F1), cache=True, nogil=True)
def _along(arc, length, r, ca, cr, cl):  # type: ignore[no-untyped-def]
    """Prefix sums along route r: arcs, reversed arcs, and the length change of flipping."""
    m = r.shape[0]
    ca[0] = 0.0
    cr[0] = 0.0
    cl[0] = 0.0
    for t in range(m - 1):
        a = arc[r[t], r[t + 1]]
        b = arc[r[t + 1] ^ 1, r[t] ^ 1]
        ca[t + 1] = a if t == 0 else ca[t] + a
        cr[t + 1] = b if t == 0 else cr[t] + b
    for t in range(m):
        d = length[r[t] ^ 1] - length[r[t]]
        cl[t + 1] = d if t == 0 else cl[t] + d


@njit(_I1(_F2, _F1, _I1, _I), cache=True, nogil=True)
def two_opt(arc, length, r, rounds):  # type: ignore[no-untyped-def]
    """Best-improvement 2-opt of a route (``_Core.two_opt``): reversing a segment flips it."""
    r = r.copy()
    m = r.shape[0]
    if m < 3:
        return r
    ca = np.empty(m)
    cr = np.empty(m)
    cl = np.empty(m + 1)
    for _ in range(rounds):
        _along(arc, length, r, ca, cr, cl)
        best = -math.inf
        bi = -1
        bj = -1
        for i in range(m - 1):
            arc_i = arc[r[i], r[i + 1]]
            for j in range(i + 1, m - 1):
                inside = (ca[j] - ca[i + 1]) - (cr[j] - cr[i + 1])
                dlen = cl[j + 1] - cl[i + 1]
                g = arc_i + arc[r[j], r[j + 1]]
                g = ((g - arc[r[i], r[j] ^ 1]) - arc[r[i + 1] ^ 1, r[j + 1]]) + inside
                g = g - dlen
                if math.isfinite(g) and g > best:
                    best, bi, bj = g, i, j
        if bi < 0 or best <= 1e-7:
            break
        lo = bi + 1
        hi = bj
        while lo < hi:
            x = r[lo]
            r[lo] = r[hi] ^ 1
            r[hi] = x ^ 1
            lo += 1
            hi -= 1
        if lo == hi:
            r[lo] = r[lo] ^ 1
    return r


@njit(_I1(_F2, _F1, _I1, _I, _I), cache=True, nogil=True)
def or_opt(arc, length, r, seg_max, rounds):  # type: ignore[no-untyped-def]
    """Best-improvement move of a chain of 1..seg_max nodes, maybe flipped (``_Core.or_opt``)."""
    r = r.copy()
    m = r.shape[0]
    ca = np.empty(m)
    cr = np.empty(m)
    cl = np.empty(m + 1)
    buf = np.empty(m, np.int64)
    for _ in range(rounds):
        _along(arc, length, r, ca, cr, cl)
        best = 1e-7
        bi = -1
        bs = 0
        bp = 0
        bf = 0
        for s in range(1, seg_max + 1):
            if m - 2 <= s:
                break
            for flip in range(2):
                kv = math.inf
                ka = -1
                kp = -1
                for st in range(1, m - s):
                    en = st + s - 1
                    gain = (arc[r[st - 1], r[st]] + arc[r[en], r[en + 1]]) - arc[
                        r[st - 1], r[en + 1]
                    ]
                    extra = ((cr[en] - cr[st]) - (ca[en] - ca[st])) + (cl[en + 1] - cl[st])
                    for p in range(m - 1):
                        if st - 1 <= p <= en:
                            continue
                        if flip == 1:
                            ins = (arc[r[p], r[en] ^ 1] + arc[r[st] ^ 1, r[p + 1]]) + extra
                        else:
                            ins = arc[r[p], r[st]] + arc[r[en], r[p + 1]]
                        d = (ins - arc[r[p], r[p + 1]]) - gain
                        if math.isfinite(d) and d < kv:
                            kv, ka, kp = d, st, p
                if ka >= 0 and kv < -best:
                    best, bi, bs, bp, bf = -kv, ka, s, kp, flip
        if bi < 0:
            break
        # take the chain out and put it back after the arc's first node
        k = 0
        for t in range(bs):
            buf[t] = r[bi + bs - 1 - t] ^ 1 if bf == 1 else r[bi + t]
        rest = np.empty(m - bs, np.int64)
        for t in range(m):
            if t < bi or t >= bi + bs:
                rest[k] = r[t]
                k += 1
        pos = bp if bp < bi else bp - bs
        k = 0
        for t in range(pos + 1):
            r[k] = rest[t]
            k += 1
        for t in range(bs):
            r[k] = buf[t]
            k += 1
        for t in range(pos + 1, m - bs):
            r[k] = rest[t]
            k += 1
    return r


@njit(_F(_F2, _F1, _I, _I1, _I1, _F1, _F, _F, _I1), cache=True, nogil=True)
def insert_best(arc, length, a, flat, offs, lens, cap, mu, out):  # type: ignore[no-untyped-def]
    """Cheapest insertion of node ``a`` (either direction) into one of several routes.

    The routes are ``flat[offs[t]:offs[t + 1]]`` with lengths ``lens[t]``; the value of
    inserting ``x`` between ``p`` and ``s`` of route ``t`` is
    ``max(lens[t] + ins - cap, 0) - max(lens[t] - cap, 0) + mu ins`` with
    ``ins = arc[p, x] + arc[x, s] - arc[p, s] + length[x]`` (``_Search.insert_best``): per
    route and direction the first least value (the first NaN if there is one), across
    them the first strictly smaller. ``out = [t, k, x]``: insert ``x`` after position ``k``.
    """
    found = False
    best = 0.0
    for t in range(offs.shape[0] - 1):
        lo = offs[t]
        hi = offs[t + 1]
        lq = lens[t]
        eq = lq - cap
        if eq < 0.0:
            eq = 0.0
        for o in range(2):
            x = a if o == 0 else a ^ 1
            kv = math.inf
            kk = -1
            nan_k = -1
            for k in range(hi - lo - 1):
                p = flat[lo + k]
                s = flat[lo + k + 1]
                ins = ((arc[p, x] + arc[x, s]) - arc[p, s]) + length[x]
                e = (lq + ins) - cap
                if e < 0.0:
                    e = 0.0
                v = (e - eq) + mu * ins
                if math.isnan(v):
                    nan_k = k
                    break
                if kk < 0 or v < kv:
                    kv, kk = v, k
            if nan_k >= 0:
                kv, kk = math.nan, nan_k
            if kk < 0:
                continue
            if not found or kv < best:
                found = True
                best = kv
                out[0], out[1], out[2] = t, kk, x
    return best if found else math.inf
