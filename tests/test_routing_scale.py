"""The route planner's distance table at scale: detours checked against networkx and geometry."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numpy as np
import shapely

from openskies import data, geodesy, routing


def test_all_pairs_shortest_matches_networkx_dijkstra() -> None:
    rng = np.random.default_rng(7)
    n = 40
    w = np.full((n, n), np.inf)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    for i, j in zip(*np.triu_indices(n, 1), strict=True):
        if rng.uniform() < 0.12:
            w[i, j] = w[j, i] = rng.uniform(1.0, 10.0)
            g.add_edge(int(i), int(j), weight=w[i, j])
    np.fill_diagonal(w, 0.0)
    sp, hop = routing._all_pairs_shortest(w)
    for s in range(n):
        want = nx.single_source_dijkstra_path_length(g, s)
        for t in range(n):
            if t not in want:
                assert sp[s, t] == np.inf
                continue
            assert math.isclose(sp[s, t], want[t], rel_tol=1e-12)
            # the next-hop table walks a path of that length
            path, c = [s], s
            while c != t:
                c = int(hop[c, t])
                path.append(c)
            assert math.isclose(
                sum(w[a, b] for a, b in itertools.pairwise(path)), want[t], rel_tol=1e-12
            )


def test_detours_are_legal_and_shortest_through_the_visibility_vertices() -> None:
    """Belarus from Kubinka with 40 seeded sites: every detour is inside the allowed area,
    its geodesic length is the table's, and it equals networkx's shortest path over the
    visibility vertices (an independent shortest-path code on the same graph)."""
    reg = data.regime()
    a = reg.require_osa("UUMB")
    blr = data.territory("BLR").geometry
    rng = np.random.default_rng(3)
    xmin, ymin, xmax, ymax = blr.bounds
    pts = []
    while len(pts) < 40:
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if shapely.contains_xy(blr, x, y):
            pts.append((x, y))
    ll = [(a.lon, a.lat), *pts]
    region = routing._allowed_region(reg.observed_territory("UUMB"), reg, ll, None)
    xy = [region.project(*p) for p in ll]
    keep = [k for k, p in enumerate(xy) if region.allowed.covers(shapely.Point(p))]
    xy = [xy[k] for k in keep]
    dist, paths = routing._distance_matrix(region, xy)
    assert np.array_equal(dist, dist.T)
    assert paths, "the sample needs detours (Belarus is not convex)"
    g, verts, _ = region._graph
    lonlat = [region.to_lonlat(*p) for p in xy]
    for (u, v), via in paths.items():
        if u > v:
            assert paths[(v, u)] == via[::-1]
            continue
        pieces = [xy[u], *via, xy[v]]
        assert region._tolerant.covers(shapely.LineString(pieces))
        km = sum(
            geodesy.GEOD.inv(*region.to_lonlat(*p), *region.to_lonlat(*q))[2] / 1000.0
            for p, q in itertools.pairwise(pieces)
        )
        assert math.isclose(km, dist[u, v], rel_tol=1e-9)
        h = g.copy()
        for name, k in (("u", u), ("v", v)):
            for i, p in enumerate(verts):
                if region.allowed.covers(shapely.LineString([xy[k], p])):
                    d = geodesy.GEOD.inv(*lonlat[k], *region.to_lonlat(*p))[2] / 1000.0
                    h.add_edge(name, ("v", i), weight=d)
        assert math.isclose(
            nx.shortest_path_length(h, "u", "v", weight="weight"), dist[u, v], rel_tol=1e-9
        )
        # and never shorter than the direct geodesic
        assert dist[u, v] >= geodesy.GEOD.inv(*lonlat[u], *lonlat[v])[2] / 1000.0 - 1e-9
