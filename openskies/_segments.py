"""Spatial work of the rule 6 checks (self-intersection, circling) on long, dense paths.

Pure functions over coordinate arrays, used by :mod:`openskies.legality`. They make
the checks scale with the number of points (a recorded track, points ~28 m apart,
100,000 points) without changing a single result: each function either proves that
the exact check cannot find anything in a place, or hands the place to the exact
check unchanged.

Self-intersection: the exact check looks at every "event" (the midpoint of the
closest approach of two segments within the same-point tolerance ``tol``) and
counts the passes of the path through it (maximal runs of consecutive segments
within ``tol`` of the event). A dense track has ~70 events per point along each
straight pass, each near ~70 segments: the exact count costs the square of the
density. :func:`two_pass_certificates` proves, segment by segment, that an event
has at most two passes (so it can never be a violation, which needs three):

*Lemma.* Let a stretch of the path (consecutive segments, 3-D chords) have every
direction within ``alpha`` of one unit vector ``u`` (``t = tan(alpha)``), and let the
event ``e`` lie within ``r0`` of a point ``c`` of the stretch. If
``r0 (1 + t) + tol t sin(alpha) < tol cos(alpha)`` (:func:`reach_fraction`; with
``r0 = tol / 2`` true up to ``alpha`` = 24 deg, :data:`STRAIGHT_DEG` = 20 deg is used),
the points of the stretch within ``tol`` of ``e`` form one interval, so the stretch
holds at most one pass through ``e``.

*Proof.* Write ``g(s) = (x(s) - e) . u`` (strictly increasing along the stretch,
``dg/ds >= cos(alpha)``) and ``p(s)`` the distance of ``x(s) - e`` from the axis
``u``, so ``d^2 = g^2 + p^2`` and ``|dp/dg| <= t``. At ``c``, ``|g|, p <= r0``, so
where ``g = 0``, ``p <= r0 (1 + t) < tol``: that point is inside. On the side
``g >= 0``, suppose ``s1 < s2 < s3`` with ``d1 <= tol < d2`` and ``d3 <= tol``. Then
``p2 - p3 > sqrt(tol^2 - g2^2) - sqrt(tol^2 - g3^2) >= (g3 - g2) g2 / sqrt(tol^2 - g2^2)``
while ``p2 - p3 <= t (g3 - g2)``, so ``g2 < tol sin(alpha)``, hence
``p2 > tol cos(alpha)``; but ``p2 <= p(c) + t |g2 - g(c)| <= r0 + t (tol sin(alpha) +
r0)``, a contradiction. The same holds for ``g <= 0``. []

The segments within ``tol`` of an event made by segments ``i`` and ``j`` are all within
``1.5 tol`` of segment ``i`` (the event is within ``tol / 2`` of both). So when the
segments within ``1.5 tol`` of ``i`` (a superset is enough) form one block of
consecutive indices lying on one straight stretch, or two such blocks with ``j`` in
the other one, every event of ``(i, j)`` has at most two passes; so does an event of
two segments of one pass when the only other block is a very straight retrace close
enough for the lemma (:func:`two_pass_certificates`).

A GPS track is not straight at the scale of one step (3 m of noise on 28 m steps turns
segments by 10 deg and more), but it stays in a thin tube: :func:`tube_certificates`
proves one pass per block without directions.

*Tube lemma.* Let the vertices of a run of consecutive segments lie within ``w`` of a
line (unit direction ``u``), with projections ``g_k`` on ``u`` increasing by at least
``step`` from each vertex to the next, and let ``e`` lie within ``p`` of the line, with
``p + w < tol`` and ``step >= tube_gap(p, w, tol) = sqrt(tol^2 - max(0, p - w)^2) -
sqrt(tol^2 - (p + w)^2)``. Then the segments of the run within ``tol`` of ``e`` form one
interval (possibly empty).

*Proof.* The gap grows with ``p`` (for ``p > w`` its derivative is ``(p + w) / B -
(p - w) / A`` with ``A >= B`` the two square roots; for ``p <= w`` only the second
root moves, down), so take ``p`` to be the distance of ``e`` from the line. Put
``g = 0`` at the foot of ``e``. A point ``x`` of a segment is within ``w`` of the line
(a cylinder is convex), so ``|x - e|^2 = g^2 + q^2`` with ``max(0, p - w) <= q
<= p + w``. So a segment whose projection (the interval between its vertices'
projections) meets ``[-G_in, G_in]``, ``G_in = sqrt(tol^2 - (p + w)^2)``, is within
``tol`` ("in"); one whose projection misses ``[-G_out, G_out]``, ``G_out = sqrt(tol^2 -
max(0, p - w)^2)``, is not ("out"). The projections increase, so the in segments form
one interval and the not-out ones an interval around it; a segment that is neither lies
wholly beyond ``G_in`` (say), and the next one starts beyond ``G_in + step >= G_out``: it
is out. So at most one undecided segment lies at each end of the in interval (or, when
it is empty, at most one in all), and the segments within ``tol`` are an interval. []

An event of segments ``i`` and ``j`` of the run is the midpoint of two points within
``w`` of the line, so within ``w`` of it (``p = w``: the gap is ``tol -
sqrt(tol^2 - 4 w^2)``, 0.45 m for ``w`` = 15 m); an event of ``i`` and a segment of
another pass is within ``tol / 2`` of ``i`` (``p = tol / 2 + w``).

Circling: :func:`circling_runs` is the waypoint-by-waypoint search of the exact
check, with each waypoint's look-ahead done on arrays and the cumulative turn
summed exactly as the exact check sums it wherever the turn could reach 360 deg.

Coordinates are Earth-centred Cartesian metres (WGS84), turns in degrees.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray

#: Largest angle (deg) between a segment's direction and its stretch's reference
#: direction for the stretch to count as straight in :func:`two_pass_certificates`.
#: The lemma in the module docstring holds up to 24 deg; 20 deg leaves a margin for
#: rounding and lets GPS jitter of a few metres on 28 m steps stay "straight".
STRAIGHT_DEG = 20.0

#: Angle (deg) of the very straight stretches in which a retrace (the other pass of an
#: out-and-back line) holds at most one pass through an event near it: the lemma
#: then reaches ``reach_fraction(FINE_DEG)`` (0.946) of the tolerance.
FINE_DEG = 3.0

_CHUNK = 10_000

#: Window sizes (segments) of :func:`tube_certificates`: windows of each size start at
#: every multiple of half the size, so a block of ``m`` consecutive segments lies in a
#: window of each size of at least ``2 m``.
TUBE_SIZES = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096)

#: Rounding allowance (m) of the tube certificates: ECEF coordinates are rounded to about
#: 1e-9 m, the events to a little more.
_TUBE_EPS_M = 1e-3


def reach_fraction(alpha_deg: float) -> float:
    """Largest ``r0 / tol`` for which the lemma (module docstring) holds at ``alpha``.

    A stretch within ``alpha_deg`` of one direction holds at most one pass through
    a point ``e`` within ``r0`` of it when ``r0 (1 + tan a) + tol tan a sin a <
    tol cos a``.
    """
    a = math.radians(alpha_deg)
    return (math.cos(a) - math.tan(a) * math.sin(a)) / (1.0 + math.tan(a))


def straight_stretches(
    xyz: NDArray[np.float64], *, max_angle_deg: float = STRAIGHT_DEG
) -> NDArray[np.int64]:
    """Label each segment of a 3-D polyline with its straight stretch.

    Segments are taken greedily in order; a stretch's reference direction is
    that of its first segment, and it goes on while each segment's direction is
    within ``max_angle_deg`` of it. A zero-length segment is a stretch of its own
    and marked ``-1`` (never straight).

    Parameters
    ----------
    xyz : (n, 3) array
        Vertices, metres (ECEF).
    max_angle_deg : float
        Largest angle between a segment and its stretch's reference direction.

    Returns
    -------
    (n - 1,) int array
        Stretch label of each segment (increasing along the path), ``-1`` for
        zero-length segments.
    """
    d = np.diff(xyz, axis=0)
    norm = np.linalg.norm(d, axis=1)
    ok = norm > 1e-6
    t = np.zeros_like(d)
    t[ok] = d[ok] / norm[ok, None]
    cos_max = math.cos(math.radians(max_angle_deg))
    label = np.full(len(d), -1, dtype=np.int64)
    k, current = 0, 0
    n = len(d)
    while k < n:
        if not ok[k]:
            k += 1
            continue
        ref = t[k]
        # extend the stretch on arrays, a block at a time
        end = k + 1
        step = 256
        while end < n:
            block = slice(end, min(n, end + step))
            good = ok[block] & (t[block] @ ref >= cos_max)
            bad = np.flatnonzero(~good)
            if bad.size:
                end += int(bad[0])
                break
            end = block.stop
            step *= 2
        label[k:end] = current
        current += 1
        k = end
    return label


def sort_pairs(
    i: NDArray[np.int64], j: NDArray[np.int64], n_tree: int
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Distinct index pairs in (``i``, then ``j``) order, for ``0 <= j < n_tree``.

    The order of ``np.lexsort((j, i))``, found by sorting one int64 key
    ``i * n_tree + j`` (a single-key sort: faster than lexsort on millions of pairs).
    """
    m = np.int64(max(1, n_tree))
    key = i.astype(np.int64) * m + j
    key.sort()
    si = key // m
    return si, key - si * m


def box_query(
    tree: shapely.STRtree, geoms: NDArray[np.object_], distance: float | tuple[float, float]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Pairs (input, tree index) whose bounding boxes come within ``distance``.

    A superset of ``tree.query(geoms, "dwithin", distance)``, 20 times faster on
    short segments (no GEOS distance computation): for prefilters only.
    ``distance`` may be a pair ``(dx, dy)``: the boxes grow by ``dx`` in x and
    ``dy`` in y (a ground distance in degrees of longitude and of latitude,
    ``territory.deg_margin``, gives a box half as large as its larger margin).
    """
    dx, dy = (distance, distance) if np.isscalar(distance) else distance
    b = shapely.bounds(geoms)
    boxes = shapely.box(b[:, 0] - dx, b[:, 1] - dy, b[:, 2] + dx, b[:, 3] + dy)
    i, j = tree.query(boxes)
    return i.astype(np.int64), j.astype(np.int64)


def neighbour_blocks(
    tree: shapely.STRtree,
    segs: NDArray[np.object_],
    distance: float | tuple[float, float],
    xyz: NDArray[np.float64],
    *,
    count: Callable[[int], None] | None = None,
) -> dict[str, NDArray[Any]]:
    """Blocks of consecutive segment indices near each segment.

    For each segment ``i``, the segments whose bounding boxes come within
    ``distance`` of its own (:func:`box_query`; ``i`` itself included) split into
    maximal blocks of consecutive indices.

    Parameters
    ----------
    tree : shapely.STRtree
        Tree over ``segs``.
    segs : array of LineString
        The segments, in path order.
    distance : float or (float, float)
        Query distance (the tree's units), or (x, y) distances (:func:`box_query`).
    xyz : (n + 1, 3) array
        The segments' vertices, metres (ECEF).
    count : callable, optional
        Called with the number of pairs found so far (for a work cap).

    Returns
    -------
    dict
        ``n_blocks`` per segment; ``own_lo``, ``own_hi`` (the block containing the
        segment itself); ``other_lo``, ``other_hi`` (the other block when there
        are exactly two, else -1); ``other_gap_m``: distance (m) from the
        segment's first vertex to the other block (inf when there is none) and
        ``other_nearest``, the segment of the other block at that distance (-1).
    """
    n = len(segs)
    n_blocks = np.zeros(n, np.int64)
    own_lo = np.full(n, -1, np.int64)
    own_hi = np.full(n, -1, np.int64)
    other_lo = np.full(n, -1, np.int64)
    other_hi = np.full(n, -1, np.int64)
    gap = np.full(n, np.inf)
    nearest = np.full(n, -1, np.int64)
    total = 0
    for a in range(0, n, _CHUNK):
        i, j = box_query(tree, segs[a : a + _CHUNK], distance)
        i = i + a
        total += i.size
        if count is not None:
            count(total)
        if i.size == 0:
            continue
        i, j = sort_pairs(i, j, n)
        new = np.ones(i.size, bool)
        new[1:] = (i[1:] != i[:-1]) | (np.diff(j) > 1)
        starts = np.flatnonzero(new)
        ends = np.append(starts[1:], i.size) - 1
        b_i, b_lo, b_hi = i[starts], j[starts], j[ends]
        stop = min(n, a + _CHUNK)
        n_blocks[a:stop] += np.bincount(b_i - a, minlength=stop - a)
        own = (b_lo <= b_i) & (b_i <= b_hi)
        own_lo[b_i[own]] = b_lo[own]
        own_hi[b_i[own]] = b_hi[own]
        two = n_blocks[b_i] == 2
        oth = two & ~own
        other_lo[b_i[oth]] = b_lo[oth]
        other_hi[b_i[oth]] = b_hi[oth]
        in_other = (n_blocks[i] == 2) & ((j < own_lo[i]) | (j > own_hi[i]))
        io, jo = i[in_other], j[in_other]
        if io.size:
            d = point_segment_distance(xyz[io], xyz[jo], xyz[jo + 1])
            first = np.lexsort((d, io))
            take = first[np.r_[True, io[first][1:] != io[first][:-1]]]
            gap[io[take]] = d[take]
            nearest[io[take]] = jo[take]
    other_lo[n_blocks != 2] = -1
    other_hi[n_blocks != 2] = -1
    return {
        "n_blocks": n_blocks,
        "own_lo": own_lo,
        "own_hi": own_hi,
        "other_lo": other_lo,
        "other_hi": other_hi,
        "other_gap_m": gap,
        "other_nearest": nearest,
    }


def point_segment_distance(
    p: NDArray[np.float64], a: NDArray[np.float64], b: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Distance from points ``p`` to segments ``ab`` (rows, any dimension), vectorised."""
    d = b - a
    dd = np.maximum(np.einsum("ij,ij->i", d, d), 1e-12)
    t = np.clip(np.einsum("ij,ij->i", p - a, d) / dd, 0, 1)
    return np.linalg.norm(a + d * t[:, None] - p, axis=1)


def tube_gap(p_m: NDArray[np.float64], w_m: NDArray[np.float64], tol_m: float) -> NDArray:
    """Smallest projected step (m) of the tube lemma (module docstring).

    ``sqrt(tol^2 - max(0, p - w)^2) - sqrt(tol^2 - (p + w)^2)``; ``inf`` where
    ``p + w >= tol`` (the lemma does not apply).
    """
    p = np.asarray(p_m, float)
    w = np.asarray(w_m, float)
    inner = tol_m * tol_m - (p + w) ** 2
    outer = np.sqrt(tol_m * tol_m - np.maximum(0.0, p - w) ** 2)
    return np.where(inner > 0.0, outer - np.sqrt(np.maximum(inner, 0.0)), np.inf)


def tube_windows(
    xyz: NDArray[np.float64], size: int, *, starts: NDArray[np.int64] | None = None
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Tubes around windows of ``size`` consecutive segments (starts every ``size // 2``).

    The line of a window is its chord (first to last vertex); ``w`` is the largest
    distance of the window's vertices from that line and ``step`` the smallest increase
    of their projections on it from one vertex to the next (negative when the path
    turns back; ``-inf`` for a window of zero chord).

    ``starts`` (first segments, each below the number of segments) selects windows;
    by default every multiple of ``size // 2``.

    Returns
    -------
    starts, w_m, step_m : arrays, one entry per window
        First segment of each window (the window holds segments ``start`` to
        ``min(start + size, n_seg) - 1``), metres.
    """
    n_seg = len(xyz) - 1
    half = max(1, size // 2)
    if starts is None:
        starts = np.arange(0, max(n_seg, 0), half, dtype=np.int64)
    if starts.size == 0:
        return starts, np.zeros(0), np.zeros(0)
    ends = np.minimum(starts + size, n_seg)  # last vertex of each window
    offs = np.arange(size + 1)
    idx = starts[:, None] + offs[None, :]
    inside = idx <= ends[:, None]
    idx = np.minimum(idx, ends[:, None])
    p0 = xyz[starts]
    chord = xyz[ends] - p0
    length = np.linalg.norm(chord, axis=1)
    ok = length > 1.0
    u = chord / np.where(ok, length, 1.0)[:, None]
    rel = xyz[idx] - p0[:, None, :]
    g = np.einsum("wkc,wc->wk", rel, u)
    lateral = np.linalg.norm(rel - g[:, :, None] * u[:, None, :], axis=2)
    w = np.max(np.where(inside, lateral, 0.0), axis=1)
    dg = np.diff(g, axis=1)
    step = np.min(np.where(inside[:, 1:], dg, np.inf), axis=1)
    step = np.where(ok, step, -np.inf)
    return starts, w, step


def tube_certificates(
    lo: NDArray[np.int64],
    hi: NDArray[np.int64],
    xyz: NDArray[np.float64],
    tol_m: float,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Blocks ``lo..hi`` of segments that hold at most one pass through an event.

    A block is certified when it lies in one window of :func:`tube_windows` (some
    size of :data:`TUBE_SIZES`) whose steps meet the tube lemma (module docstring).

    Parameters
    ----------
    lo, hi : int arrays
        First and last segment of each block (``-1``: no block).
    xyz : (n + 1, 3) array
        Vertices of the path, ECEF metres.
    tol_m : float
        The rule's same-point tolerance (m).

    Returns
    -------
    same, other : bool arrays
        ``same``: the block holds at most one pass through any event of two of its own
        segments (``p = w``); ``other``: through any event within ``tol / 2`` of one of
        its segments (``p = tol / 2 + w``).
    """
    same = np.zeros(lo.shape, bool)
    other = np.zeros(lo.shape, bool)
    valid = np.flatnonzero(lo >= 0)
    n_seg = len(xyz) - 1
    for size in TUBE_SIZES:
        if valid.size == 0:
            break
        half = max(1, size // 2)
        # only the windows holding a block still uncertified
        first, k = np.unique(lo[valid] // half * half, return_inverse=True)
        k = k.ravel()
        starts, w, step = tube_windows(xyz, size, starts=first)
        fits = hi[valid] < np.minimum(starts[k] + size, n_seg)
        we = w[k] + _TUBE_EPS_M
        ok_same = fits & (step[k] >= tube_gap(we, we, tol_m) + _TUBE_EPS_M)
        ok_other = fits & (step[k] >= tube_gap(0.5 * tol_m + we, we, tol_m) + _TUBE_EPS_M)
        same[valid] |= ok_same
        other[valid] |= ok_other
        valid = valid[~(same[valid] & other[valid])]
    return same, other


@dataclass(frozen=True)
class TwoPassTest:
    """The test of :func:`two_pass_certificates`: call it with ``(i, j, e)``.

    Attributes
    ----------
    certified : callable
        ``certified(i, j, e)``: True where the event ``e`` (xyz, metres) of the
        segments ``i`` and ``j`` is proved to have at most two passes.
    regardless_of_event : callable
        ``regardless_of_event(i, j)``: True where every event of ``(i, j)`` is
        proved so (the first two cases of :func:`two_pass_certificates`), so that
        the pair's closest approach need not be computed; implies ``certified``.
    """

    certified: Callable[
        [NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]], NDArray[np.bool_]
    ]
    regardless_of_event: Callable[[NDArray[np.int64], NDArray[np.int64]], NDArray[np.bool_]]

    def __call__(
        self, i: NDArray[np.int64], j: NDArray[np.int64], e: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        return self.certified(i, j, e)


def two_pass_certificates(
    blocks: dict[str, NDArray[Any]],
    xyz: NDArray[np.float64],
    tol_m: float,
) -> TwoPassTest:
    """A test that events ``e`` of segment pairs ``(i, j)`` have at most two passes.

    Parameters
    ----------
    blocks : dict
        :func:`neighbour_blocks` of the segments at a distance covering
        1.5 times the same-point tolerance.
    xyz : (n + 1, 3) array
        The segments' vertices, metres (ECEF).
    tol_m : float
        Same-point tolerance, metres.

    Returns
    -------
    TwoPassTest
        Called as ``certified(i, j, e)``: boolean mask, True where the event ``e`` (xyz) of
        the segments ``i`` and ``j`` is proved (module docstring) to have at most
        two passes; False where only the exact count can tell. Three cases: the
        segments near ``i`` form one straight block; two straight blocks with
        ``j`` in the other one (a crossing, the event within ``tol / 2`` of
        both); two blocks with ``j`` in ``i``'s own one and the other block very
        straight (:data:`FINE_DEG`) with the event within the lemma's reach of it
        (a retrace, out and back along one line), or farther than ``tol``; one
        block over two straight stretches (a corner) with ``i`` and ``j`` on
        either side or the event within the lemma's reach of the corner vertex.
        Its ``regardless_of_event(i, j)`` is the part of the test that needs no
        event (the first two cases). A block that is not straight (GPS noise) may
        instead lie in a thin tube (:func:`tube_certificates`, the tube lemma):
        with ``p = w`` where ``j`` is in ``i``'s own block, ``p = tol / 2 + w`` for
        a crossing.
    """
    coarse = straight_stretches(xyz, max_angle_deg=STRAIGHT_DEG)
    fine = straight_stretches(xyz, max_angle_deg=FINE_DEG)
    if reach_fraction(STRAIGHT_DEG) <= 0.5:  # pragma: no cover - guards an edit
        msg = f"internal: STRAIGHT_DEG={STRAIGHT_DEG} is beyond the lemma's range"
        raise ValueError(msg)
    nb = blocks["n_blocks"]

    def straight(
        lo: NDArray[np.int64], hi: NDArray[np.int64], stretch: NDArray[np.int64]
    ) -> NDArray[np.bool_]:
        valid = lo >= 0
        s_lo = stretch[np.where(valid, lo, 0)]
        s_hi = stretch[np.where(valid, hi, 0)]
        return valid & (s_lo >= 0) & (s_lo == s_hi)

    own_ok = straight(blocks["own_lo"], blocks["own_hi"], coarse)
    other_ok = straight(blocks["other_lo"], blocks["other_hi"], coarse)
    other_fine = straight(blocks["other_lo"], blocks["other_hi"], fine)
    # noisy passes: thin tubes (the tube lemma) instead of straight directions
    # (only for blocks that are not straight already)
    own_same, own_cross = tube_certificates(
        np.where(own_ok, -1, blocks["own_lo"]), blocks["own_hi"], xyz, tol_m
    )
    _, other_cross = tube_certificates(
        np.where(other_ok, -1, blocks["other_lo"]), blocks["other_hi"], xyz, tol_m
    )
    one = (nb == 1) & (own_ok | own_same)
    two = (nb == 2) & (own_ok | own_same)  # j in the own block: the event near its line
    cross = (nb == 2) & (own_ok | own_cross) & (other_ok | other_cross)
    # one block over two straight stretches (a corner): each holds at most one pass
    # when the event is near a segment of it (i or j) or near the corner vertex
    c_lo = coarse[np.maximum(blocks["own_lo"], 0)]
    c_hi = coarse[np.maximum(blocks["own_hi"], 0)]
    corner = (nb == 1) & ~own_ok & (c_lo >= 0) & (c_hi == c_lo + 1)
    labels = np.flatnonzero(coarse >= 0)
    first_seg = np.full(int(coarse.max(initial=-1)) + 2, -1, np.int64)
    first_seg[coarse[labels[::-1]]] = labels[::-1]  # first segment of each stretch
    corner_vertex = np.where(corner, first_seg[np.maximum(c_hi, 0)], -1)
    corner_reach_m = reach_fraction(STRAIGHT_DEG) * tol_m - 1e-3
    lo, hi = blocks["other_lo"], blocks["other_hi"]
    gap, k_near = blocks["other_gap_m"], blocks["other_nearest"]
    reach_m = reach_fraction(FINE_DEG) * tol_m - 1e-3  # 1 mm for rounding

    def regardless_of_event(i: NDArray[np.int64], j: NDArray[np.int64]) -> NDArray[np.bool_]:
        # the first two cases hold for any event of (i, j): no distance needed
        return one[i] | (cross[i] & (lo[i] <= j) & (j <= hi[i]))

    def certified(
        i: NDArray[np.int64], j: NDArray[np.int64], e: NDArray[np.float64]
    ) -> NDArray[np.bool_]:
        in_other = (lo[i] <= j) & (j <= hi[i])
        out = regardless_of_event(i, j)
        # j in i's own block: the other block holds no pass through e when e is
        # farther than tol from it (distance to a set is 1-Lipschitz), at most one
        # when it is very straight and e within the lemma's reach of one of its segments
        bend = np.flatnonzero(~out & corner[i])
        if bend.size:
            ib, jb = i[bend], j[bend]
            v = corner_vertex[ib]
            other_side = (coarse[ib] != coarse[jb]) & (coarse[jb] >= 0)
            near_v = np.linalg.norm(e[bend] - xyz[v], axis=1) < corner_reach_m
            out[bend] = other_side | near_v
        rest = np.flatnonzero(~out & two[i] & ~in_other)
        if rest.size:
            ir, er = i[rest], e[rest]
            far = gap[ir] - np.linalg.norm(er - xyz[ir], axis=1) > tol_m + 1e-3
            k = np.maximum(k_near[ir], 0)
            r0 = point_segment_distance(er, xyz[k], xyz[k + 1])
            out[rest] = far | (other_fine[ir] & (k_near[ir] >= 0) & (r0 < reach_m))
        return out

    return TwoPassTest(certified, regardless_of_event)


def circling_runs(
    xyz: NDArray[np.float64],
    turn: NDArray[np.float64],
    exempt: NDArray[np.bool_],
    radius_m: float,
) -> list[tuple[int, int, float, NDArray[np.float64]]]:
    """Runs of waypoints that circle around one point (rule 6b), in path order.

    The search of ``legality._check_circling``: from each waypoint ``k``
    (not exempt), the look-ahead goes on while waypoints are not exempt and
    within ``2 radius_m`` of ``k``, summing the turns; when the sum reaches 360 deg
    the run ``k..j`` circles if all its waypoints are within ``radius_m`` of their
    centre, and the search resumes after ``j``. The look-ahead is done on arrays,
    and the turn is summed one waypoint at a time (as the exact check does, so the
    reported sums are the same to the last bit) only where prefix sums show it
    can reach 360 deg.

    Parameters
    ----------
    xyz : (n, 3) array
        Waypoints, metres (ECEF).
    turn : (n - 2,) array
        Heading change (deg) at waypoints 1..n-2.
    exempt : (n,) bool array
        Waypoints that stop a look-ahead (and are not starting points).
    radius_m : float
        Circling radius, metres.

    Returns
    -------
    list of (k, j, cumulative turn deg, centre xyz)
    """
    n = len(xyz)
    out: list[tuple[int, int, float, NDArray[np.float64]]] = []
    if n < 4:
        return out
    thr = 360.0 - 1e-6
    # prefix sums over waypoints 1..n-2 (turn[j - 1] is the turn at waypoint j)
    tw = np.zeros(n)
    tw[1 : n - 1] = turn
    signed = np.concatenate([[0.0], np.cumsum(tw)])  # signed[m] = sum of tw[:m]
    absol = np.concatenate([[0.0], np.cumsum(np.abs(tw))])
    slack = 1e-6 * (1.0 + float(absol[-1]))  # above the rounding of the prefix sums
    last = n - 1  # the look-ahead stops before the last waypoint (j < n - 1)
    ks = np.arange(n)
    # j360[k]: the first j at which the summed |turn| at k..j could reach 360 deg
    j360 = np.searchsorted(absol, absol[:n] + thr - slack, side="left") - 1
    reach_m = 2.0 * radius_m
    # no circling from k when the turn cannot reach 360 deg before the look-ahead stops:
    # an exempt waypoint in k..j360, or j360 itself beyond the reach (both end it earlier)
    n_exempt = np.concatenate([[0], np.cumsum(exempt)])
    jc = np.clip(j360, 0, last)
    diff = xyz[jc] - xyz
    d2 = np.einsum("ij,ij->i", diff, diff)
    far = d2 > reach_m * reach_m
    for u in np.flatnonzero(np.abs(d2 - reach_m * reach_m) <= 1e-9 * reach_m * reach_m):
        far[u] = bool(np.linalg.norm(xyz[jc[u]] - xyz[u]) > reach_m)
    skip = exempt | (j360 >= last) | (n_exempt[np.minimum(jc + 1, n)] - n_exempt[ks] > 0) | far
    k = 1
    while k < last:
        if skip[k]:
            k += 1
            continue
        end = _look_ahead_end(xyz, exempt, k, last, reach_m)
        if j360[k] >= end:  # the look-ahead stops before the turn can reach 360 deg
            k += 1
            continue
        part = signed[k + 1 : end + 1] - signed[k]  # sum of turns at k..j for j in k..end-1
        hit = np.flatnonzero(np.abs(part) >= thr - slack)
        if hit.size == 0:
            k += 1
            continue
        found = None
        cum = 0.0
        for j in range(k, end):  # exact, as the exact check sums
            cum += turn[j - 1]
            if abs(cum) >= thr:
                centre = xyz[k : j + 1].mean(axis=0)
                if np.max(np.linalg.norm(xyz[k : j + 1] - centre, axis=1)) <= radius_m:
                    found = (j, cum, centre)
                break
        if found is None:
            k += 1
            continue
        j, cum, centre = found
        out.append((k, j, cum, centre))
        k = j + 1
    return out


def _look_ahead_end(
    xyz: NDArray[np.float64], exempt: NDArray[np.bool_], k: int, last: int, reach_m: float
) -> int:
    """First j >= k (at most ``last``) that is exempt or farther than ``reach_m`` from k.

    Distances are compared as the exact check compares them
    (``np.linalg.norm(xyz[j] - xyz[k]) > reach_m``) wherever squared distances on
    arrays are too close to the reach to tell.
    """
    reach2 = reach_m * reach_m
    j = k
    step = 64
    while j < last:
        stop = min(last, j + step)
        diff = xyz[j:stop] - xyz[k]
        d2 = np.einsum("ij,ij->i", diff, diff)
        far = d2 > reach2
        unsure = np.flatnonzero(np.abs(d2 - reach2) <= 1e-9 * reach2)
        for u in unsure:
            far[u] = bool(np.linalg.norm(xyz[j + u] - xyz[k]) > reach_m)
        hits = np.flatnonzero(exempt[j:stop] | far)
        if hits.size:
            return j + int(hits[0])
        j = stop
        step *= 2
    return last


def lines_in_region(
    lines: NDArray[np.object_], region: Any, *, min_lines: int = 1000
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """``shapely.covered_by(lines, region)`` and ``shapely.intersects(lines, region)``, exactly.

    Fast for many short lines (a recorded track's legs): a line whose bounding
    box meets no bounding box of a boundary segment of ``region`` does not touch
    the boundary, so it lies wholly in the interior or wholly outside, as its
    first vertex does (``shapely.contains_xy``, exact for a point off the
    boundary). Only the lines near the boundary go to GEOS's predicates.

    Parameters
    ----------
    lines : array of LineString or MultiLineString
        Non-empty lines (any CRS, the region's).
    region : Polygon or MultiPolygon
        Non-empty area.
    min_lines : int
        Fewer lines than this go straight to GEOS (the boundary index costs more).

    Returns
    -------
    covered, intersects : (n,) bool arrays
    """
    lines = np.asarray(lines, dtype=object)
    n = len(lines)
    if n < min_lines or not np.all(shapely.is_geometry(lines)) or np.any(shapely.is_empty(lines)):
        return shapely.covered_by(lines, region), shapely.intersects(lines, region)
    if region.is_empty:
        return np.zeros(n, bool), np.zeros(n, bool)
    rings = shapely.get_parts(shapely.boundary(region))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = np.flatnonzero(ring[1:] == ring[:-1])
    edges = shapely.linestrings(
        np.stack([coords[same], coords[same + 1]], axis=1).reshape(-1, 2),
        indices=np.repeat(np.arange(same.size), 2),
    )
    near = np.zeros(n, bool)
    if same.size:
        near[np.unique(shapely.STRtree(edges).query(lines)[0])] = True
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    first = np.searchsorted(owner, np.arange(n))  # first vertex of each line (owner sorted)
    inside = shapely.contains_xy(region, xy[first, 0], xy[first, 1])
    covered = inside.copy()
    hits = inside.copy()
    k = np.flatnonzero(near)
    if k.size:
        covered[k] = shapely.covered_by(lines[k], region)
        hits[k] = shapely.intersects(lines[k], region)
    return covered, hits
