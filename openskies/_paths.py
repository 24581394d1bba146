"""Shortest paths inside an area: the one visibility-graph router of openskies.

The route planner (:mod:`openskies.routing`: legs between targets, connections between
the lanes of a sweep) and the coverage engine (:mod:`openskies.coverage`: distances
between lane ends, transfers between lanes) ask the same question: the shortest flight
from one point to another that stays inside an allowed area. :class:`Router` answers it.

Model
-----
- The area lives in an azimuthal equidistant (AEQD) projection centred on the work
  (:func:`openskies.geodesy.aeqd`, metres), built once per router. A leg is legal when
  its straight segment in that plane lies inside :attr:`Router.area` (tests through
  :meth:`Router.covers`: a coarse inner outline first, then the exact test; the same
  answer as the exact test).
- A shortest path around obstacles bends only at reflex vertices of the area. The
  graph's nodes (the *corners*) are the reflex vertices of a corner area, the area
  shrunk and simplified by the caller (a few km inside, so that paths keep clear of the
  border); edges join corners that see each other, weighted by the WGS84 geodesic
  length in km (never a planar length).
- Distances between many points (:meth:`Router.table`, :meth:`Router.distance_matrix`):
  the geodesic where the straight leg is legal, else the shortest path entering the graph
  at a corner the first point sees and leaving at one the second sees, with all-pairs
  shortest paths over the corners (Floyd-Warshall, with a next-hop table for the path).
- One path (:meth:`Router.path` in the plane, :meth:`Router.route` in lon/lat, cached):
  Dijkstra over the same graph and the same geodesic weights.
- A point too close to the border to see any corner enters the graph through a
  *portal*: the nearest point of the corner area, if the straight step there is legal.

Each caller keeps its own margins: the route planner keeps legs ``CLEARANCE_KM`` inside
the allowed area, with 1 m of tolerance at lane ends and canonical corners
(:func:`openskies.routing._allowed_region`); coverage lets legs come within
``CHECK_MARGIN_M`` of the border and takes corners ``ROUTE_MARGIN_KM`` inside
(:class:`openskies._lanes.Router`).
"""

from __future__ import annotations

import heapq
import logging
import math

import numpy as np
import shapely
import shapely.ops
from numpy.typing import NDArray
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from . import geodesy

logger = logging.getLogger(__name__)

#: Router.covers: first pass against the area shrunk by this much (then simplified)
INNER_OUTLINE_KM = 2.0
#: A geodesic leg asked of Router.route is tested as a polyline of points this far apart (km).
ROUTE_DENSIFY_KM = 10.0
#: Visibility tests are run on at most this many segments at once (memory).
CHUNK = 200_000

__all__ = ["Router", "all_pairs_shortest", "reflex_vertices"]


def reflex_vertices(area: BaseGeometry) -> NDArray[np.float64]:
    """Vertices where a (projected) area is locally concave: the only places shortest paths bend.

    Parameters
    ----------
    area : shapely (multi)polygon
        Projected coordinates (any plane).

    Returns
    -------
    numpy.ndarray
        (n, 2) vertices, polygon by polygon and ring by ring in ring order.
    """
    out = []
    for poly in geodesy.explode_polygons(area):
        for k, ring in enumerate([poly.exterior, *poly.interiors]):
            xy = np.asarray(ring.coords)[:-1]
            if len(xy) < 3:
                continue
            x, y = xy[:, 0], xy[:, 1]
            ccw = float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) > 0  # signed area
            prev = np.roll(xy, 1, axis=0)
            nxt = np.roll(xy, -1, axis=0)
            cross = (xy[:, 0] - prev[:, 0]) * (nxt[:, 1] - xy[:, 1]) - (xy[:, 1] - prev[:, 1]) * (
                nxt[:, 0] - xy[:, 0]
            )
            # the area on the left of the ring (exterior counter-clockwise, hole clockwise):
            # a right turn is reflex
            interior_left = ccw != (k > 0)
            out.append(xy[cross < 0] if interior_left else xy[cross > 0])
    return np.vstack(out) if out else np.empty((0, 2))


def all_pairs_shortest(w: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Floyd-Warshall on a dense symmetric weight matrix (``inf``: no edge).

    Returns the shortest path lengths and the next hop ``hop[i, j]`` on a shortest
    path from ``i`` to ``j`` (``-1`` where ``j`` is unreachable). Vectorised over
    rows and columns: ``k`` passes of ``O(n^2)`` numpy work; deterministic, and ties
    keep the path found first.
    """
    d = np.array(w, dtype=float)
    n = d.shape[0]
    hop = np.where(np.isfinite(d), np.arange(n)[None, :], -1)
    cand = np.empty_like(d)
    better = np.empty(d.shape, dtype=bool)
    for k in range(n):
        # row and column k cannot improve through k itself (d[k, k] == 0)
        np.add(d[:, k, None], d[None, k, :], out=cand)
        np.less(cand, d, out=better)
        np.copyto(d, cand, where=better)
        np.copyto(hop, hop[:, k, None].copy(), where=better)
    return d, hop


class Router:
    """Shortest flight paths inside an area, over the visibility graph of its corners.

    Parameters
    ----------
    area : shapely (multi)polygon
        Where legs may go, projected (metres) in the AEQD projection centred on
        ``centre``.
    corners : shapely (multi)polygon
        Projected like ``area`` and inside it: its reflex vertices are the graph's
        nodes (typically the area shrunk by a few km and simplified).
    centre : (float, float)
        Centre (lon, lat) degrees WGS84 of the projection (rounded to 4 decimals, as
        :func:`openskies.geodesy.to_local` does).
    tolerance_m : float
        The ends of :meth:`path` and :meth:`clear` legs may lie this far outside
        ``area`` (points computed on its boundary, such as lane ends, fall a hair
        outside). Corner-to-corner legs and :meth:`table` always use ``area``.
    canonical_corners : bool
        Round the corners to 0.1 m and sort them (the graph then does not depend on
        where each ring starts, and duplicate vertices merge); else ring order.
    """

    def __init__(
        self,
        area: BaseGeometry,
        corners: BaseGeometry,
        centre: tuple[float, float],
        *,
        tolerance_m: float = 0.0,
        canonical_corners: bool = False,
    ) -> None:
        self.area = area
        self.centre = (round(centre[0], 4), round(centre[1], 4))
        self.fwd, self.inv, self.crs = geodesy.aeqd(*self.centre)
        shapely.prepare(self.area)
        self.tolerance_m = float(tolerance_m)
        self.tolerant = self.area.buffer(self.tolerance_m) if self.tolerance_m > 0 else self.area
        shapely.prepare(self.tolerant)
        self.corner_area = corners
        nodes = reflex_vertices(corners)
        if canonical_corners and len(nodes):
            nodes = np.unique(np.round(nodes, 1), axis=0)
        self.nodes = nodes
        self._inner: BaseGeometry | bool | None = None
        self._nodes_ll: NDArray[np.float64] | None = None
        self._edges: tuple[NDArray, NDArray, NDArray] | None = None
        self._adjacency: list[list[tuple[int, float]]] | None = None
        self._shortest: tuple[NDArray[np.float64], NDArray[np.int64]] | None = None
        self.cache: dict[tuple, list[tuple[float, float]] | None] = {}

    # ------------------------------------------------------------------ projection

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        """(lon, lat) degrees to the router's plane (metres)."""
        (x,), (y,) = self.fwd.transform([lon], [lat])
        return float(x), float(y)

    def project_geometry(self, geom: BaseGeometry) -> BaseGeometry:
        """Project a (lon, lat) geometry into the router's plane (metres)."""
        return shapely.transform(geom, lambda xy: np.column_stack(self.fwd.transform(*xy.T)))

    def to_lonlat(self, x: float, y: float) -> tuple[float, float]:
        """A point of the plane (metres) back to (lon, lat) degrees, lon in [-180, 180)."""
        lon, lat = self.inv.transform(x, y)
        return float(geodesy.normalize_lon(lon)), float(lat)

    def _xy(self, lonlat: NDArray[np.float64]) -> NDArray[np.float64]:
        x, y = self.fwd.transform(lonlat[:, 0], lonlat[:, 1])
        return np.column_stack([x, y])

    def _ll(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = self.inv.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([geodesy.normalize_lon(np.asarray(lon)), np.asarray(lat)])

    @property
    def nodes_ll(self) -> NDArray[np.float64]:
        """The corners in (lon, lat) degrees."""
        if self._nodes_ll is None:
            self._nodes_ll = self._ll(self.nodes) if len(self.nodes) else np.empty((0, 2))
        return self._nodes_ll

    # ------------------------------------------------------------------ legality

    def covers(self, lines: NDArray) -> NDArray[np.bool_]:
        """``shapely.covers(self.area, lines)``, vectorised, with a cheap first pass.

        Most candidate legs lie well inside the area: they are first tested against
        a coarse inner outline (shrunk by ``INNER_OUTLINE_KM``, then simplified by half
        that), checked once to lie inside the area, so a leg it covers is covered;
        only the others get the exact test. Same answer as the exact test.
        """
        if self._inner is None:
            eps = INNER_OUTLINE_KM * 1000.0
            inner = self.area.buffer(-eps).simplify(eps / 2.0)
            self._inner = inner if not inner.is_empty and self.area.covers(inner) else False
            if self._inner is not False:
                shapely.prepare(self._inner)
        ok = np.zeros(len(lines), dtype=bool)
        if self._inner is not False:
            ok = shapely.covers(self._inner, lines)
        rest = ~ok
        if rest.any():
            ok[rest] = shapely.covers(self.area, lines[rest])
        return ok

    def visible(self, a: NDArray[np.float64], b: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Whether each straight segment ``a[i]-b[i]`` (projected) lies inside the area."""
        out = np.zeros(len(a), dtype=bool)
        for s in range(0, len(a), CHUNK):
            lines = shapely.linestrings(np.stack([a[s : s + CHUNK], b[s : s + CHUNK]], axis=1))
            out[s : s + CHUNK] = self.covers(lines)
        return out

    def clear(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the straight leg a-b (projected) is legal, with the ends' tolerance."""
        seg = LineString([a, b]) if a != b else Point(a)
        return bool(self.tolerant.covers(seg))

    # ------------------------------------------------------------------ graph

    def edges(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """The graph's edges: corner indices ``i < j`` that see each other, geodesic km."""
        if self._edges is None:
            n = len(self.nodes)
            i, j = np.triu_indices(n, k=1)
            ok = self.visible(self.nodes[i], self.nodes[j])
            i, j = i[ok], j[ok]
            km = np.empty(0)
            if len(i):
                ll = self.nodes_ll
                _, _, d = geodesy.GEOD.inv(ll[i, 0], ll[i, 1], ll[j, 0], ll[j, 1])
                km = np.atleast_1d(np.asarray(d, dtype=float)) / 1000.0
            self._edges = (i, j, km)
            logger.debug("router: %d corners, %d edges", n, len(i))
        return self._edges

    def _all_pairs(self) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        """Shortest geodesic km between corners and the next-hop table (computed once)."""
        if self._shortest is None:
            nv = len(self.nodes)
            w = np.full((nv, nv), np.inf)
            i, j, km = self.edges()
            w[i, j] = km
            w[j, i] = km
            np.fill_diagonal(w, 0.0)
            self._shortest = all_pairs_shortest(w)
        return self._shortest

    def _neighbours(self) -> list[list[tuple[int, float]]]:
        if self._adjacency is None:
            adj: list[list[tuple[int, float]]] = [[] for _ in range(len(self.nodes))]
            for a, b, km in zip(*self.edges(), strict=True):
                adj[int(a)].append((int(b), float(km)))
                adj[int(b)].append((int(a), float(km)))
            self._adjacency = adj
        return self._adjacency

    def _portal(self, pt: NDArray[np.float64]) -> NDArray[np.float64] | None:
        """Nearest point of the corner area to ``pt`` if the straight step there is legal."""
        if self.corner_area.is_empty:
            return None
        near = shapely.ops.nearest_points(self.corner_area, Point(pt))[0]
        q = np.array([near.x, near.y])
        # nudge 10 m into the corner area so that it sees the corners
        centre = np.asarray(self.corner_area.representative_point().coords)[0]
        q = q + (centre - q) * min(1.0, 10.0 / max(float(np.hypot(*(centre - q))), 1e-9))
        if bool(self.visible(pt[None, :], q[None, :])[0]):
            return q
        return None

    # ------------------------------------------------------------------ many points

    def table(
        self, xy: NDArray[np.float64], lonlat: NDArray[np.float64] | None = None
    ) -> tuple[NDArray[np.float64], dict[tuple[int, int], list[tuple[float, float]]]]:
        """Routed path lengths (km) between every pair of projected points, and the detours.

        Parameters
        ----------
        xy : (n, 2) array
            Points in the router's plane (metres).
        lonlat : (n, 2) array, optional
            The same points in (lon, lat) degrees (default: ``xy`` taken back).

        Returns
        -------
        dist : (n, n) numpy.ndarray
            The WGS84 geodesic (km) where the straight leg is legal, else the
            geodesic length of the shortest path over the corners; ``inf`` where
            no path exists. Symmetric.
        paths : dict
            For each detoured pair ``(u, v)``, the projected intermediate points
            (portals and corners) from ``u`` to ``v``.
        """
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        ll = self._ll(xy) if lonlat is None else np.asarray(lonlat, dtype=float)[:, :2]
        n = len(xy)
        dist = geodesy.distance_matrix_km(ll[:, 0], ll[:, 1])
        paths: dict[tuple[int, int], list[tuple[float, float]]] = {}
        if n < 2:
            return dist, paths
        i_idx, j_idx = np.triu_indices(n, k=1)
        ok = self.visible(xy[i_idx], xy[j_idx])
        if ok.all():
            return dist, paths
        nv = len(self.nodes)
        bu, bv = i_idx[~ok], j_idx[~ok]
        if nv == 0:
            dist[bu, bv] = dist[bv, bu] = np.inf
            return dist, paths
        dvv, hop = self._all_pairs()
        vll = self.nodes_ll
        blocked = np.unique(np.concatenate([bu, bv]))
        slot = np.full(n, -1)
        slot[blocked] = np.arange(len(blocked))
        # a blocked leg bends at corners only: point -> first corner -> ... -> last corner
        # -> point, every straight piece legal; geodesic km from every blocked point to
        # every corner it sees (inf elsewhere)
        kk = np.repeat(blocked, nv)
        vv = np.tile(np.arange(nv), len(blocked))
        sees = self.visible(xy[kk], self.nodes[vv])
        wnv = np.full(len(blocked) * nv, np.inf)
        if sees.any():
            _, _, d = geodesy.GEOD.inv(
                ll[kk[sees], 0], ll[kk[sees], 1], vll[vv[sees], 0], vll[vv[sees], 1]
            )
            wnv[sees] = np.atleast_1d(d) / 1000.0
        wnv = wnv.reshape(len(blocked), nv)
        # a point that sees no corner enters through a portal
        portals: dict[int, NDArray[np.float64]] = {}
        for s in np.flatnonzero(~np.isfinite(wnv).any(axis=1)):
            k = int(blocked[s])
            portal = self._portal(xy[k])
            if portal is None:
                continue
            seen = self.visible(np.repeat(portal[None], nv, 0), self.nodes)
            p_ll = self._ll(portal[None, :])[0]
            step_km = float(geodesy.distance_km(ll[k, 0], ll[k, 1], p_ll[0], p_ll[1]))
            via = step_km + np.asarray(geodesy.distance_km(p_ll[0], p_ll[1], vll[:, 0], vll[:, 1]))
            wnv[s] = np.where(seen, via, np.inf)
            portals[s] = portal
        # to_vertex[s, b]: shortest km from blocked point s to corner b; first[s, b]: its
        # first corner
        to_vertex = np.empty_like(wnv)
        first = np.empty(wnv.shape, dtype=np.int64)
        step = max(1, 2_000_000 // (nv * nv))
        for s0 in range(0, len(blocked), step):
            via = wnv[s0 : s0 + step, :, None] + dvv[None, :, :]
            first[s0 : s0 + step] = np.argmin(via, axis=1)
            to_vertex[s0 : s0 + step] = np.min(via, axis=1)
        su, sv = slot[bu], slot[bv]
        last = np.empty(len(bu), dtype=np.int64)
        total = np.empty(len(bu))
        for p0 in range(0, len(bu), step * 4):
            via = to_vertex[su[p0 : p0 + step * 4]] + wnv[sv[p0 : p0 + step * 4]]
            last[p0 : p0 + step * 4] = np.argmin(via, axis=1)
            total[p0 : p0 + step * 4] = np.min(via, axis=1)
        dist[bu, bv] = dist[bv, bu] = total
        for u, v, s, t, b, km in zip(bu, bv, su, sv, last, total, strict=True):
            if not np.isfinite(km):
                continue
            c = int(first[s, b])
            coords = [tuple(self.nodes[c])]
            while c != b:
                c = int(hop[c, b])
                coords.append(tuple(self.nodes[c]))
            if s in portals:
                coords.insert(0, tuple(portals[s]))
            if t in portals:
                coords.append(tuple(portals[t]))
            paths[(int(u), int(v))] = coords
            paths[(int(v), int(u))] = coords[::-1]
        return dist, paths

    def distance_matrix(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """Routed path lengths (km) between every pair of (lon, lat) points; symmetric.

        :meth:`table` for points given in (lon, lat) degrees WGS84; ``inf`` where no
        path exists.
        """
        pts = np.asarray(points, dtype=float)[:, :2]
        if len(pts) == 0:
            return np.zeros((0, 0))
        return self.table(self._xy(pts), pts)[0]

    # ------------------------------------------------------------------ one path

    def _dijkstra(
        self, pa: NDArray[np.float64], pb: NDArray[np.float64], la: NDArray, lb: NDArray
    ) -> tuple[float, NDArray[np.float64]] | None:
        """Shortest path over the corners from ``pa`` to ``pb``, or None.

        ``pa``, ``pb`` projected, ``la``, ``lb`` the same in (lon, lat); returns the
        path's geodesic km and its projected intermediate points (portals, corners).
        """
        n = len(self.nodes)
        vll = self.nodes_ll
        ends = []
        for pt, pll, node_to_pt in ((pa, la, False), (pb, lb, True)):
            many = np.repeat(pt[None], n, 0)
            lines = shapely.linestrings(
                np.stack([self.nodes, many] if node_to_pt else [many, self.nodes], axis=1)
            )
            vis = shapely.covers(self.tolerant, lines)
            extra = np.zeros((0, 2))
            base = np.asarray(geodesy.distance_km(pll[0], pll[1], vll[:, 0], vll[:, 1]))
            if not vis.any():
                portal = self._portal(pt)
                if portal is not None:
                    vis = self.visible(np.repeat(portal[None], n, 0), self.nodes)
                    p_ll = self._ll(portal[None, :])[0]
                    step = float(geodesy.distance_km(pll[0], pll[1], p_ll[0], p_ll[1]))
                    base = step + np.asarray(
                        geodesy.distance_km(p_ll[0], p_ll[1], vll[:, 0], vll[:, 1])
                    )
                    extra = portal[None, :]
            ends.append((vis, base, extra))
        (vis_a, da, extra_a), (vis_b, db, extra_b) = ends
        adj = self._neighbours()
        dist = np.full(n, np.inf)
        prev = np.full(n, -1)
        heap: list[tuple[float, int]] = []
        for k in np.flatnonzero(vis_a):
            dist[k] = da[k]
            heapq.heappush(heap, (float(da[k]), int(k)))
        best = math.inf
        best_k = -1
        while heap:
            dk, k = heapq.heappop(heap)
            if dk > dist[k] or dk >= best:
                continue
            if vis_b[k] and dk + db[k] < best:
                best = dk + db[k]
                best_k = k
            for m, w in adj[k]:
                nd = dk + w
                if nd < dist[m]:
                    dist[m] = nd
                    prev[m] = k
                    heapq.heappush(heap, (nd, m))
        if best_k < 0:
            return None
        path = []
        k = best_k
        while k >= 0:
            path.append(self.nodes[k])
            k = prev[k]
        return float(best), np.vstack([extra_a, np.array(path[::-1]), extra_b])

    def path(
        self, a: tuple[float, float], b: tuple[float, float]
    ) -> list[tuple[float, float]] | None:
        """Intermediate points of the shortest path from ``a`` to ``b`` (projected, metres).

        Empty when the straight leg is legal (:meth:`clear`); ``None`` when no path
        exists. Cached.
        """
        key = ("xy", float(a[0]), float(a[1]), float(b[0]), float(b[1]))
        if key not in self.cache:
            if self.clear(a, b):
                self.cache[key] = []
            elif len(self.nodes) == 0:
                self.cache[key] = None
            else:
                pa, pb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
                ll = self._ll(np.array([pa, pb]))
                found = self._dijkstra(pa, pb, ll[0], ll[1])
                self.cache[key] = None if found is None else [tuple(v) for v in found[1]]
        out = self.cache[key]
        return None if out is None else list(out)

    def route(
        self, p: tuple[float, float], q: tuple[float, float]
    ) -> list[tuple[float, float]] | None:
        """Intermediate (lon, lat) points of the shortest path from p to q inside the area.

        Empty when the straight geodesic is inside (tested as a polyline of points
        :data:`ROUTE_DENSIFY_KM` apart); ``None`` when no path was found. The
        geodesic legs between the returned points are inside up to the projection's
        scale error. Cached.
        """
        key = ("ll", round(p[0], 7), round(p[1], 7), round(q[0], 7), round(q[1], 7))
        if key not in self.cache:
            dense = geodesy.densify_coords(np.array([p, q], dtype=float), ROUTE_DENSIFY_KM)
            xy = self._xy(dense)
            found = None
            if bool(shapely.covers(self.area, LineString(xy))):
                self.cache[key] = []
            else:
                if len(self.nodes):
                    found = self._dijkstra(xy[0], xy[-1], dense[0], dense[-1])
                if found is None:
                    logger.info("router: no path inside the allowed area from %s to %s", p, q)
                    self.cache[key] = None
                else:
                    self.cache[key] = [tuple(v) for v in self._ll(found[1])]
        out = self.cache[key]
        return None if out is None else list(out)

    def shifted(
        self,
        prev: tuple[float, float],
        p: tuple[float, float],
        nxt: tuple[float, float],
        inward_km: float,
    ) -> tuple[float, float] | None:
        """``p`` moved at least ``inward_km`` deeper into the area, if legs to it stay inside.

        Routes bend at the same corners; a flight that passes a corner again is moved
        off it so as not to pass a third time through one point. (lon, lat) degrees.
        """
        xy = self._xy(np.array([prev, p, nxt], dtype=float))
        deeper = self.corner_area.buffer(-inward_km * 1000.0, quad_segs=2)
        if deeper.is_empty:
            return None
        near = shapely.ops.nearest_points(deeper, Point(xy[1]))[0]
        q = np.array([near.x, near.y])
        ok = self.visible(np.array([xy[0], q]), np.array([q, xy[2]]))
        if not bool(np.all(ok)):
            return None
        out = self._ll(q[None, :])[0]
        return float(out[0]), float(out[1])

    def __repr__(self) -> str:
        return f"Router(centre={self.centre}, corners={len(self.nodes)})"
