"""The fleet optimiser's move evaluation as it was written in NumPy: the oracle of its kernel.

:func:`pair_move_reference`, :func:`two_opt_reference` and :func:`or_opt_reference` are
``openskies._fleet._Search.pair_move``, ``_Core.two_opt`` and ``_Core.or_opt`` before they were
compiled (``openskies._fleet_kernels``), unchanged but for ``self`` being an argument: the
tests compare them on random and adversarial routes, move for move, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from openskies import _fleet
from openskies._fleet import IntArr, _Core, _Move, _Search


def pair_move_reference(
    self: _Search, r: int, q: int, score: Callable[..., NDArray]
) -> _Move | None:
    """Best move between routes r and q; ``score(lr', lq')`` is the change to minimise.

    Moves: 2-opt* (tails exchanged, also with the heads reversed), a chain of one
    to three nodes of r moved into q (either direction), one node of r swapped
    with one of q. Arc costs come from six gathered blocks of the arc matrix.
    """
    c, am = self.c, self.c.A
    rr, qq = self.routes[r], self.routes[q]
    mr, mq = len(rr), len(qq)
    rr1, qq1 = rr ^ 1, qq ^ 1
    x1 = am[np.ix_(rr, qq)]  # A[R_i, Q_j]
    x2 = am[np.ix_(rr, qq1)]  # A[R_i, Q_j^1]
    x3 = am[np.ix_(rr1, qq)]  # A[R_i^1, Q_j]
    y1 = am[np.ix_(qq, rr)]  # A[Q_j, R_i]
    y2 = am[np.ix_(qq, rr1)]  # A[Q_j, R_i^1]
    y3 = am[np.ix_(qq1, rr)]  # A[Q_j^1, R_i]
    best: _Move | None = None

    def consider(val: float, nr: IntArr, nq: IntArr) -> None:
        nonlocal best
        if val < -1e-9 and (best is None or val < best.value):
            best = _Move(val, r, q, nr, nq)

    def pick(v: NDArray) -> tuple[int, int] | None:
        v = np.where(np.isnan(v), np.inf, v)
        k = int(np.argmin(v))
        if not np.isfinite(v.flat[k]):
            return None
        return divmod(k, v.shape[1])

    pre_r, suf_r, pre_q, suf_q = c.prefix(rr), c.suffix(rr), c.prefix(qq), c.suffix(qq)
    pr, sr = pre_r[:-1, None], suf_r[1:, None]
    pq, sq = pre_q[None, :-1], suf_q[None, 1:]
    with np.errstate(invalid="ignore"):
        # 2-opt*: R[:i+1] + Q[j+1:], Q[:j+1] + R[i+1:]
        v = score(pr + x1[:-1, 1:] + sq, pq + y1[:-1, 1:].T + sr)
        v[0, 0] = np.inf  # routes swapped
        v[mr - 2, mq - 2] = np.inf  # unchanged
        v[0, mq - 2 :] = np.inf  # r' empty
        v[mr - 2 :, 0] = np.inf  # q' empty
        k = pick(v)
        if k is not None:
            i, j = k
            nr = np.concatenate([rr[: i + 1], qq[j + 1 :]])
            nq = np.concatenate([qq[: j + 1], rr[i + 1 :]])
            consider(float(v[k]), nr, nq)
        # reversed 2-opt*: R[:i+1] + flip(Q[:j+1]), flip(R[i+1:]) + Q[j+1:]
        flip_q, flip_tl = c.flipped_prefix(qq), c.flipped_suffix(rr)
        v = score(pr + x2[:-1, :-1] + flip_q[None, :-1], flip_tl[1:, None] + x3[1:, 1:] + sq)
        v[0, :] = np.where(np.arange(mq - 1) == 0, np.inf, v[0, :])  # r' empty
        v[mr - 2, :] = np.where(np.arange(mq - 1) == mq - 2, np.inf, v[mr - 2, :])
        k = pick(v)
        if k is not None:
            i, j = k
            nr = np.concatenate([rr[: i + 1], qq[: j + 1][::-1] ^ 1])
            nq = np.concatenate([rr[i + 1 :][::-1] ^ 1, qq[j + 1 :]])
            nr[0] = nr[-1] = nq[0] = nq[-1] = c.Z
            if len(nr) > 2 and len(nq) > 2:
                consider(float(v[k]), nr, nq)
        lr, lq = self.len[r], self.len[q]
        base = am[qq[:-1], qq[1:]][None, :]
        arcs_r = am[rr[:-1], rr[1:]]
        flip_r = c.flipped_prefix(rr)
        # move a chain R[st .. en] into arc (Q_p, Q_p+1)
        for w in (1, 2, 3):
            if mr - 2 <= w:
                break
            st = np.arange(1, mr - w)
            en = st + w - 1
            inner = pre_r[en] - pre_r[st - 1] - arcs_r[st - 1]
            inner_f = flip_r[en] - flip_r[st - 1] - am[rr[st] ^ 1, rr[st - 1] ^ 1]
            gain = arcs_r[st - 1] + arcs_r[en] - am[rr[st - 1], rr[en + 1]] + inner
            new_r = (lr - gain)[:, None]
            for flip in (False, True):
                if flip:
                    ins = y2[:-1, en].T + x3[st, 1:] - base + inner_f[:, None]
                else:
                    ins = y1[:-1, st].T + x1[en, 1:] - base + inner[:, None]
                vv = score(new_r + 0.0 * ins, lq + ins)
                k = pick(vv)
                if k is not None:
                    a, b = k
                    seg = rr[st[a] : st[a] + w]
                    if flip:
                        seg = seg[::-1] ^ 1
                    nr = np.concatenate([rr[: st[a]], rr[st[a] + w :]])
                    nq = np.concatenate([qq[: b + 1], seg, qq[b + 1 :]])
                    consider(float(vv[k]), nr, nq)
        # swap R_i and Q_j (each in the other's gap, best direction)
        if mr > 2 and mq > 2:
            arcs_q = am[qq[:-1], qq[1:]]
            out_r = arcs_r[:-1] + arcs_r[1:] + c.L[rr[1:-1]]
            out_q = arcs_q[:-1] + arcs_q[1:] + c.L[qq[1:-1]]
            # Q_j into R's gap at i: (mr-2, mq-2)
            b_fwd = x1[:-2, 1:-1] + y1[1:-1, 2:].T + c.L[qq[1:-1]][None, :]
            b_rev = x2[:-2, 1:-1] + y3[1:-1, 2:].T + c.L[qq1[1:-1]][None, :]
            # R_i into Q's gap at j
            a_fwd = y1[:-2, 1:-1].T + x1[1:-1, 2:] + c.L[rr[1:-1]][:, None]
            a_rev = y2[:-2, 1:-1].T + x3[1:-1, 2:] + c.L[rr1[1:-1]][:, None]
            new_r = lr - out_r[:, None] + np.fmin(b_fwd, b_rev)
            new_q = lq - out_q[None, :] + np.fmin(a_fwd, a_rev)
            vv = score(new_r, new_q)
            k = pick(vv)
            if k is not None:
                a, b = k
                x, y = int(rr[a + 1]), int(qq[b + 1])
                if not b_fwd[a, b] <= b_rev[a, b]:
                    y ^= 1
                if not a_fwd[a, b] <= a_rev[a, b]:
                    x ^= 1
                nr, nq = rr.copy(), qq.copy()
                nr[a + 1], nq[b + 1] = y, x
                consider(float(vv[k]), nr, nq)
    return best


def two_opt_reference(self: _Core, r: IntArr, rounds: int = 500) -> IntArr:
    """Best-improvement 2-opt of a route; reversing a segment flips its nodes."""
    r = r.copy()
    m = len(r)
    if m < 3:
        return r
    i = np.arange(m - 1)[:, None]
    j = np.arange(m - 1)[None, :]
    valid = (j >= i + 1) & (j <= m - 2)  # a one-node segment: flip it in place
    ii, jj = np.broadcast_arrays(i, j)
    for _ in range(rounds):
        e_rr, e_rf, e_fr = _blocks(self, r)
        arc, ca, cr, cl = _along(self, r, e_rr)
        with np.errstate(invalid="ignore"):
            inside = (ca[jj] - ca[np.minimum(ii + 1, m - 1)]) - (
                cr[jj] - cr[np.minimum(ii + 1, m - 1)]
            )
            dlen = cl[np.minimum(jj + 1, m)] - cl[np.minimum(ii + 1, m)]
            gain = arc[:, None] + arc[None, :] - e_rf[:-1, :-1] - e_fr[1:, 1:] + inside - dlen
        gain = np.where(valid & np.isfinite(gain), gain, -np.inf)
        k = int(np.argmax(gain))
        if gain.flat[k] <= 1e-7:
            break
        a, b = divmod(k, m - 1)
        r[a + 1 : b + 1] = r[a + 1 : b + 1][::-1] ^ 1
    return r


def or_opt_reference(self: _Core, r: IntArr, seg_max: int = 3, rounds: int = 500) -> IntArr:
    """Best-improvement move of a chain of 1..seg_max nodes (optionally flipped)."""
    r = r.copy()
    for _ in range(rounds):
        m = len(r)
        e_rr, e_rf, e_fr = _blocks(self, r)
        arc, ca, cr, cl = _along(self, r, e_rr)
        p = np.arange(m - 1)[None, :]
        best = (1e-7, None)
        for s in range(1, seg_max + 1):
            if m - 2 <= s:
                break
            st = np.arange(1, m - s)
            en = st + s - 1
            gain = arc[st - 1] + arc[en] - e_rr[st - 1, en + 1]
            bad = (p >= st[:, None] - 1) & (p <= en[:, None])
            with np.errstate(invalid="ignore"):
                flip_extra = (cr[en] - cr[st]) - (ca[en] - ca[st]) + (cl[en + 1] - cl[st])
            for flip in (False, True):
                with np.errstate(invalid="ignore"):
                    if flip:
                        ins = e_rf[:-1, en].T + e_fr[st, 1:] + flip_extra[:, None]
                    else:
                        ins = e_rr[:-1, st].T + e_rr[en, 1:]
                    delta = ins - arc[None, :] - gain[:, None]
                delta[bad | ~np.isfinite(delta)] = np.inf
                k = int(np.argmin(delta))
                v = float(delta.flat[k])
                if v < -best[0]:
                    best = (-v, (int(st[k // (m - 1)]), s, k % (m - 1), flip))
        if best[1] is None:
            break
        i, s, pp, flip = best[1]
        seg = r[i : i + s]
        if flip:
            seg = seg[::-1] ^ 1
        rest = np.concatenate([r[:i], r[i + s :]])
        pos = pp if pp < i else pp - s
        r = np.concatenate([rest[: pos + 1], seg, rest[pos + 1 :]])
    return r


def _blocks(self: _Core, r: IntArr) -> tuple[NDArray, NDArray, NDArray]:
    """E[x, y] = A[r_x, r_y], B[x, y] = A[r_x, r_y ^ 1], C[x, y] = A[r_x ^ 1, r_y]."""
    r1 = r ^ 1
    return self.A[np.ix_(r, r)], self.A[np.ix_(r, r1)], self.A[np.ix_(r1, r)]


def _along(self: _Core, r: IntArr, e_rr: NDArray) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """Arcs of r, and prefix sums of its arcs, reversed arcs and flip length changes."""
    m = len(r)
    arc = e_rr[np.arange(m - 1), np.arange(1, m)]
    rev = self.A[r[1:] ^ 1, r[:-1] ^ 1]  # rev[t]: r_t+1^1 -> r_t^1
    with np.errstate(invalid="ignore"):
        dl = self.L[r ^ 1] - self.L[r]
    return (
        arc,
        np.concatenate([[0.0], np.cumsum(arc)]),
        np.concatenate([[0.0], np.cumsum(rev)]),
        np.concatenate([[0.0], np.cumsum(dl)]),
    )


def insert_best_reference(self: _Search, a: int, cap: float, among: list[int]) -> None:
    """Insert node a (either direction) where the excess, then the length, grows least."""
    c, am = self.c, self.c.A
    best = None
    for q in among:
        qq = self.routes[q]
        p, s = qq[:-1], qq[1:]
        for x in (a, a ^ 1):
            ins = am[p, x] + am[x, s] - am[p, s] + c.L[x]
            new = self.len[q] + ins
            val = _fleet._excess(new, cap) - _fleet._excess(self.len[q], cap) + self.MU * ins
            k = int(np.argmin(val))
            if best is None or val[k] < best[0]:
                best = (float(val[k]), q, k, x)
    assert best is not None
    _, q, k, x = best
    qq = self.routes[q]
    self.routes[q] = np.concatenate([qq[: k + 1], [x], qq[k + 1 :]])
    self.len[q] = c.length(self.routes[q])
    self.owner[x // 2] = q
    self.ver[q] += 1
