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
    # the visibility graph over the router's corners, built here with exact shapely tests
    verts = region.nodes
    vll = [region.to_lonlat(*p) for p in verts]
    g = nx.Graph()
    g.add_nodes_from(("v", i) for i in range(len(verts)))
    for i, j in itertools.combinations(range(len(verts)), 2):
        if region.allowed.covers(shapely.LineString([verts[i], verts[j]])):
            g.add_edge(("v", i), ("v", j), weight=geodesy.GEOD.inv(*vll[i], *vll[j])[2] / 1000.0)
    assert g.number_of_edges() == len(region.edges()[0])
    lonlat = [region.to_lonlat(*p) for p in xy]
    for (u, v), via in paths.items():
        if u > v:
            assert paths[(v, u)] == via[::-1]
            continue
        pieces = [xy[u], *via, xy[v]]
        assert region.allowed.covers(shapely.LineString(pieces))
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


def _belarus_region(n_sites: int, seed: int):
    reg = data.regime()
    a = reg.require_osa("UUMB")
    blr = data.territory("BLR").geometry
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = blr.bounds
    pts = []
    while len(pts) < n_sites:
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if shapely.contains_xy(blr, x, y):
            pts.append((x, y))
    ll = [(a.lon, a.lat), *pts]
    region = routing._allowed_region(reg.observed_territory("UUMB"), reg, ll, None)
    return region, np.array([region.project(*p) for p in ll])


def test_region_covers_equals_the_exact_test() -> None:
    """The two-pass cover test (coarse inner outline, then exact) answers exactly as
    ``shapely.covers`` on the allowed area, for every leg between 120 sites, including
    the legs that graze the border (many are not covered)."""
    region, xy = _belarus_region(120, 5)
    i, j = np.triu_indices(len(xy), 1)
    lines = shapely.linestrings(np.stack([xy[i], xy[j]], axis=1))
    exact = shapely.covers(region.allowed, lines)
    assert 0 < exact.sum() < len(lines)  # both kinds of leg occur
    np.testing.assert_array_equal(region.covers(lines), exact)
    assert region._inner is not False  # the first pass was used
    assert region.allowed.covers(region._inner)


def test_observed_targets_preselection_changes_nothing(monkeypatch) -> None:
    """observed_targets with the STRtree pre-selection of the path's pieces gives the same
    targets as projecting the whole path for every target (sensor and no sensor, points with
    and without uncertainty, polygons)."""
    import geopandas as gpd

    region, xy = _belarus_region(60, 11)
    reg = data.regime()
    rng = np.random.default_rng(2)
    ll = [region.to_lonlat(*p) for p in xy[1:]]
    geoms = [shapely.Point(p) for p in ll[:45]] + [
        shapely.Point(p).buffer(rng.uniform(0.05, 0.3)) for p in ll[45:]
    ]
    sites = gpd.GeoDataFrame(
        {
            "value": rng.integers(1, 10, len(geoms)).astype(float),
            "position_uncertainty_km": np.r_[rng.uniform(0, 3, 45), np.zeros(len(geoms) - 45)],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    plan = routing.plan_route(
        "BLR", sites, start="UUMB", sensor="optical_high_pan", regime=reg, budget_km=1800.0
    )
    sensors = ("optical_high_pan", None)
    fast = [routing.observed_targets(plan, sites, sensor=s) for s in sensors]
    init = routing._PathPieces.__init__

    def whole_path(self, path):
        init(self, path)
        assert self.tree is not None  # Belarus: the pre-selection is on by default
        self.tree = None

    monkeypatch.setattr(routing._PathPieces, "__init__", whole_path)
    slow = [routing.observed_targets(plan, sites, sensor=s) for s in sensors]
    assert fast == slow
    for f in fast:
        assert 0 < len(f) < len(sites)
