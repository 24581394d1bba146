"""Order a lane set into one path: serpentines per cell, headland rings, 2-opt/or-opt.

Used where a whole :class:`~openskies._lanes.LaneSet` is flown as one open path
(:func:`open_path`; the lanes benchmark beside Fields2Cover, ``bench/bench_lanes.py``). Flights for
full coverage are assigned and ordered by the fleet optimiser
(:mod:`openskies._fleet`) instead. Distances are planar, km, in an azimuthal
equidistant projection centred on the area (local to the piece ordered).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from . import geodesy
from ._lanes import Lane, LaneSet, Router

#: :func:`open_path` also tries the headland rings in chains of about this length (km).
HEADLAND_CHAIN_KM = 500.0
#: ... and, for lane sets of at most SHORT_CHAIN_MAX_LANES lanes (the local search grows
#: with the cube of the blocks), in chains of SHORT_CHAIN_KM.
SHORT_CHAIN_KM = 200.0
SHORT_CHAIN_MAX_LANES = 200


@dataclass
class _Block:
    """A cell's serpentine or a headland ring, with its traversal variants."""

    variants: list[list[tuple[int, bool]]]
    reverse_of: list[int | None]


def _serpentines(members: list[Lane]) -> list[list[tuple[int, bool]]]:
    """The four boustrophedon traversals of a cell's lanes (bottom/top first, direction)."""
    bands: dict[int, list[Lane]] = {}
    for ln in sorted(members, key=lambda ln: ln.order):
        bands.setdefault(ln.band, []).append(ln)
    keys = sorted(bands)
    out = []
    for bottom_first in (True, False):
        for first_dir in (True, False):
            seq: list[tuple[int, bool]] = []
            forward = first_dir
            for b in keys if bottom_first else keys[::-1]:
                row = bands[b] if forward else bands[b][::-1]
                # a lane a one-sided sensor can fly one way only keeps its direction
                seq.extend((ln.index, forward or not ln.reversible) for ln in row)
                forward = not forward
            out.append(seq)
    return out


def _excursion(ls: LaneSet, members: list[Lane], at: NDArray) -> list[tuple[int, bool]]:
    """The traversal of a small cell that leaves from and returns to the point ``at``."""

    def cost(seq: list[tuple[int, bool]]) -> float:
        first = ls.lanes[seq[0][0]].track(seq[0][1])[0]
        last = ls.lanes[seq[-1][0]].track(seq[-1][1])[-1]
        return float(
            geodesy.distance_km(at[0], at[1], first[0], first[1])
            + geodesy.distance_km(last[0], last[1], at[0], at[1])
        )

    return min(_serpentines(members), key=cost)


def _blocks(ls: LaneSet, keep: set[int], *, chain_km: float | None = None) -> list[_Block]:
    """Ordering blocks of the lanes in ``keep`` (indices into ``ls.lanes``).

    A cell is a block (its serpentines); a headland ring is one block, or with
    ``chain_km`` cut into chains of about that length (km), each carrying the
    small cells flown as excursions from its pieces. A closed ring flown whole may
    start at any of its pieces.
    """
    by_group: dict[int, list[Lane]] = {}
    for lane in ls.lanes:
        if lane.index in keep:
            by_group.setdefault(lane.group, []).append(lane)
    attached: dict[tuple[int, int], list[int]] = {}
    for gid in by_group:
        anchor = ls.groups[gid].anchor
        if anchor is not None and anchor[0] in by_group:
            attached.setdefault(anchor, []).append(gid)
    blocks = []
    for gid, members in by_group.items():
        group = ls.groups[gid]
        members.sort(key=lambda ln: ln.order)
        if group.kind == "cell":
            if group.anchor is not None and group.anchor[0] in by_group:
                continue  # flown from the headland
            blocks.append(_variants(ls, _serpentines(members)))
            continue
        # a headland ring is cut into chains so that tours can take it in parts
        steps: list[list[tuple[int, bool]]] = []
        for ln in members:
            step = [(ln.index, True)]
            for cid in attached.get((gid, ln.order), []):
                step.extend(_excursion(ls, by_group[cid], ln.fwd[-1]))
            steps.append(step)
        total = sum(ls.lanes[i].length_km for step in steps for i, _ in step)
        n_chains = 1 if chain_km is None else max(1, round(total / chain_km))
        if n_chains == 1 and group.closed and len(steps) > 1:
            # a closed ring flown as one chain may start at any of its pieces
            rotations = [steps[r:] + steps[:r] for r in range(len(steps))]
            blocks.append(_variants(ls, [[it for st in rot for it in st] for rot in rotations]))
            continue
        per = math.ceil(len(steps) / n_chains)
        for c in range(0, len(steps), per):
            chain = [item for step in steps[c : c + per] for item in step]
            blocks.append(_variants(ls, [chain]))
    return blocks


def _variants(ls: LaneSet, base: list[list[tuple[int, bool]]]) -> _Block:
    """A block with the given traversals and, for reversible lanes, their reverses."""
    reversible = all(ls.lanes[i].reversible for seq in base for i, _ in seq)
    variants: list[list[tuple[int, bool]]] = []
    seen: dict[tuple, int] = {}
    for seq in base:
        for cand in (seq, [(i, not f) for i, f in seq[::-1]] if reversible else None):
            if cand is None:
                continue
            key = tuple(cand)
            if key not in seen:
                seen[key] = len(variants)
                variants.append(cand)
    reverse_of: list[int | None] = []
    for seq in variants:
        key = tuple((i, not f) for i, f in seq[::-1])
        reverse_of.append(seen.get(key))
    return _Block(variants, reverse_of)


class _Orderer:
    """Order blocks and choose their variants: nearest neighbour, 2-opt, or-opt.

    With ``depot=None`` the tour is an open path: it starts at its first block
    and ends at its last (legs to and from the depot count zero).
    """

    def __init__(
        self, ls: LaneSet, blocks: list[_Block], depot: tuple[float, float] | None
    ) -> None:
        self.ls = ls
        self.blocks = blocks
        centre = geodesy.centre_of(ls.area)
        fwd, _, _ = geodesy.aeqd(round(centre[0], 4), round(centre[1], 4))

        def xy(p: NDArray[np.float64]) -> NDArray[np.float64]:
            x, y = fwd.transform(p[..., 0], p[..., 1])
            return np.stack([np.asarray(x), np.asarray(y)], axis=-1) / 1000.0

        # no depot: a point whose distance to everything is zero (NaN, see _d)
        self.depot = xy(np.asarray(depot, dtype=float)) if depot is not None else np.full(2, np.nan)
        self.entry: list[NDArray] = []
        self.exit: list[NDArray] = []
        self.internal: list[NDArray] = []
        for b in blocks:
            ent, ex, inner = [], [], []
            for seq in b.variants:
                tracks = [ls.lanes[i].track(f) for i, f in seq]
                ent.append(tracks[0][0])
                ex.append(tracks[-1][-1])
                length = sum(ls.lanes[i].length_km for i, _ in seq)
                for a, c in itertools.pairwise(tracks):
                    length += float(np.hypot(*(xy(a[-1]) - xy(c[0]))))
                inner.append(length)
            self.entry.append(xy(np.array(ent)))
            self.exit.append(xy(np.array(ex)))
            self.internal.append(np.array(inner))

    def _d(self, a: NDArray, b: NDArray) -> NDArray | float:
        d = np.hypot(*(np.asarray(a) - np.asarray(b)).T)
        return np.where(np.isnan(d), 0.0, d) if np.isnan(self.depot[0]) else d

    def cost(self, tour: list[tuple[int, int]]) -> float:
        pos = self.depot
        total = 0.0
        for b, v in tour:
            total += float(self._d(pos, self.entry[b][v])) + float(self.internal[b][v])
            pos = self.exit[b][v]
        return total + float(self._d(pos, self.depot))

    def nearest_neighbour(self, first: int | None = None) -> list[tuple[int, int]]:
        """Greedy tour from the depot (optionally forced to begin with block ``first``)."""
        left = set(range(len(self.blocks)))
        pos = self.depot
        tour = []
        while left:
            best = (math.inf, -1, -1)
            for b in left if first is None or tour else [first]:
                d = self._d(self.entry[b], pos[None, :])
                v = int(np.argmin(d))
                if d[v] < best[0]:
                    best = (float(d[v]), b, v)
            _, b, v = best
            tour.append((b, v))
            left.remove(b)
            pos = self.exit[b][v]
        return tour

    def best_variants(self, order: list[int]) -> list[tuple[int, int]]:
        """Variants minimising the tour for a fixed block order (shortest layered path)."""
        if not order:
            return []
        cost = self._d(self.depot[None, :], self.entry[order[0]]) + self.internal[order[0]]
        back: list[NDArray] = []
        for prev, cur in itertools.pairwise(order):
            ex = self.exit[prev]
            en = self.entry[cur]
            trans = np.hypot(ex[:, None, 0] - en[None, :, 0], ex[:, None, 1] - en[None, :, 1])
            tot = cost[:, None] + trans
            arg = np.argmin(tot, axis=0)
            cost = tot[arg, np.arange(len(en))] + self.internal[cur]
            back.append(arg)
        cost = cost + self._d(self.exit[order[-1]], self.depot[None, :])
        v = int(np.argmin(cost))
        vs = [v]
        for arg in reversed(back):
            v = int(arg[v])
            vs.append(v)
        vs.reverse()
        return list(zip(order, vs, strict=True))

    def two_opt(self, tour: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], bool]:
        n = len(tour)
        improved_any = False
        improved = True
        while improved:
            improved = False
            for i in range(n - 1):
                for j in range(i + 1, n):
                    seg = tour[i : j + 1]
                    revs = [self.blocks[b].reverse_of[v] for b, v in seg]
                    if any(r is None for r in revs):
                        continue
                    prev = self.depot if i == 0 else self.exit[tour[i - 1][0]][tour[i - 1][1]]
                    nxt = self.depot if j == n - 1 else self.entry[tour[j + 1][0]][tour[j + 1][1]]
                    bi, vi = tour[i]
                    bj, vj = tour[j]
                    old = float(self._d(prev, self.entry[bi][vi])) + float(
                        self._d(self.exit[bj][vj], nxt)
                    )
                    new = float(self._d(prev, self.exit[bj][vj])) + float(
                        self._d(self.entry[bi][vi], nxt)
                    )
                    if new < old - 1e-6:
                        tour[i : j + 1] = [
                            (b, int(r)) for (b, _), r in zip(seg[::-1], revs[::-1], strict=True)
                        ]
                        improved = improved_any = True
        return tour, improved_any

    def or_opt(self, tour: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], bool]:
        improved_any = False
        n = len(tour)
        if n < 3:
            return tour, False
        for _ in range(n):
            best_gain = 1e-6
            best_move = None
            for i in range(n):
                b, v = tour[i]
                prev = self.depot if i == 0 else self.exit[tour[i - 1][0]][tour[i - 1][1]]
                nxt = self.depot if i == n - 1 else self.entry[tour[i + 1][0]][tour[i + 1][1]]
                removed = (
                    float(self._d(prev, self.entry[b][v]))
                    + float(self.internal[b][v])
                    + float(self._d(self.exit[b][v], nxt))
                    - float(self._d(prev, nxt))
                )
                rest = tour[:i] + tour[i + 1 :]
                for k in range(len(rest) + 1):
                    p = self.depot if k == 0 else self.exit[rest[k - 1][0]][rest[k - 1][1]]
                    q = self.depot if k == len(rest) else self.entry[rest[k][0]][rest[k][1]]
                    ins = (
                        self._d(p[None, :], self.entry[b])
                        + self.internal[b]
                        + self._d(self.exit[b], q[None, :])
                        - float(self._d(p, q))
                    )
                    w = int(np.argmin(ins))
                    gain = removed - float(ins[w])
                    if gain > best_gain:
                        best_gain = gain
                        best_move = (i, k, w)
            if best_move is None:
                break
            i, k, w = best_move
            b, _ = tour[i]
            rest = tour[:i] + tour[i + 1 :]
            rest.insert(k, (b, w))
            tour = rest
            improved_any = True
        return tour, improved_any

    def improve(self, tour: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """2-opt, or-opt and variant re-choice until no gain (at most 10 rounds)."""
        tour = self.best_variants([b for b, _ in tour])
        best = self.cost(tour)
        for _ in range(10):
            tour, a = self.two_opt(list(tour))
            tour, b = self.or_opt(list(tour))
            tour = self.best_variants([blk for blk, _ in tour])
            c = self.cost(tour)
            if not (a or b) or c >= best - 1e-6:
                break
            best = c
        return tour

    def candidates(self, limit: int = 12) -> list[list[tuple[int, int]]]:
        """Improved tours from several first blocks (the nearest-neighbour start and others).

        A single shortest closed tour is not the best one to cut into round trips,
        so several are kept for :func:`_split_flights` to choose from.
        """
        n = len(self.blocks)
        firsts: list[int | None] = [None]
        if n > 1:
            step = max(1, math.ceil(n / max(1, limit - 1)))
            firsts += list(range(0, n, step))
        out = []
        seen = set()
        for f in firsts:
            tour = self.improve(self.nearest_neighbour(f))
            key = tuple(tour)
            if key not in seen:
                seen.add(key)
                out.append(tour)
        return out


def open_path(ls: LaneSet) -> tuple[list[tuple[int, bool]], float]:
    """Every lane of ``ls`` in one open path: (lane index, forwards) in flying order.

    Several blockings are ordered (:class:`_Orderer`, its candidate tours): each
    headland ring whole (nested rings flown one after the other, hopping about a
    spacing between their openings) and the rings cut into chains of
    :data:`HEADLAND_CHAIN_KM` (small cells can then be flown between the parts),
    and of :data:`SHORT_CHAIN_KM` for a set of at most
    :data:`SHORT_CHAIN_MAX_LANES` lanes; the shortest path wins (ties: the first),
    so the result is deterministic.

    Returns
    -------
    sequence : list of (int, bool)
    length_km : float
        Lanes plus straight transfers (km, in the AEQD projection centred on the
        area), the :meth:`_Orderer.cost` of the open tour.
    """
    keep = set(range(len(ls.lanes)))
    best: tuple[float, list[tuple[int, bool]]] | None = None
    chains: list[float | None] = [None, HEADLAND_CHAIN_KM]
    if len(ls.lanes) <= SHORT_CHAIN_MAX_LANES:
        chains.append(SHORT_CHAIN_KM)
    for chain_km in chains:
        blocks = _blocks(ls, keep, chain_km=chain_km)
        orderer = _Orderer(ls, blocks, None)
        tour = min(orderer.candidates(), key=orderer.cost)
        cost = orderer.cost(tour)
        if best is None or cost < best[0] - 1e-9:
            best = (cost, [item for b, v in tour for item in blocks[b].variants[v]])
    if best is None:
        return [], 0.0
    return best[1], best[0]


def path_coords(
    ls: LaneSet, sequence: list[tuple[int, bool]], router: Router
) -> NDArray[np.float64]:
    """The open path flying ``sequence``: (n, 2) (lon, lat) degrees, geodesic legs.

    Consecutive lanes that do not meet are joined by ``router``'s shortest path
    inside its allowed region (a straight leg where it finds none).
    """
    pts: list[NDArray[np.float64]] = []
    for i, forward in sequence:
        track = ls.lanes[i].track(forward)
        if pts and not np.allclose(pts[-1][-1], track[0], atol=1e-9):
            a, b = pts[-1][-1], track[0]
            mid = router.route((float(a[0]), float(a[1])), (float(b[0]), float(b[1])))
            pts.append(np.vstack([*(np.array(mid) if mid else []), b]))
        pts.append(track if not pts else track[1:])
    return np.vstack(pts) if pts else np.empty((0, 2))
