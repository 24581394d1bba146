"""The one shortest-path-inside-an-area router (openskies._paths), used by routes and coverage."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from openskies import _lanes, _paths, geodesy, routing

#: Where the synthetic areas are placed (lon, lat): central Belarus.
CENTRE = (28.0, 53.5)
KM = 1000.0


def _km_box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return box(x0 * KM, y0 * KM, x1 * KM, y1 * KM)


def _geodesic_km(router: _paths.Router, pts: list[tuple[float, float]]) -> float:
    """Geodesic length (km) of a polyline given in the router's plane, summed leg by leg."""
    ll = [router.to_lonlat(*p) for p in pts]
    return sum(geodesy.GEOD.inv(*p, *q)[2] / 1000.0 for p, q in itertools.pairwise(ll))


@pytest.fixture
def wall() -> tuple[_paths.Router, tuple[float, float], tuple[float, float]]:
    """A wall (x in [-1, 1] km, y in [0, 100] km) between a and b, and a small block next to a.

    a = (-5, 55) km and b = (5, 55) km: the shortest path goes over the wall's top
    corners (-1, 100) and (1, 100), 2 * hypot(4, 45) + 2 = 92.35 km in the plane. The
    block's corner (-6, 54) is the corner nearest a (1.4 km): a path through it
    is 94.9 km. The corners are the area's own vertices (no shrinking).
    """
    area = _km_box(-200, -100, 200, 200).difference(_km_box(-1, 0, 1, 100))
    area = area.difference(_km_box(-7, 53, -6, 54))
    router = _paths.Router(area, area, CENTRE)
    return router, (-5 * KM, 55 * KM), (5 * KM, 55 * KM)


def test_path_over_the_wall_bends_at_its_top_corners(wall) -> None:
    """The shortest path, not the one through the corners nearest the ends: the route
    planner's old detour weighed the legs to and from the graph in metres and the legs
    between corners in km, so it went through the block's corner (94.9 km)."""
    router, a, b = wall
    assert not router.clear(a, b)
    via = router.path(a, b)
    assert via is not None
    np.testing.assert_allclose(via, [(-1 * KM, 100 * KM), (1 * KM, 100 * KM)], atol=1e-6)
    assert router.area.covers(LineString([a, *via, b]))
    want_km = _geodesic_km(router, [a, *via, b])
    planar_km = 2 * math.hypot(4, 45) + 2
    assert want_km == pytest.approx(planar_km, rel=1e-3)  # AEQD scale error near the centre
    # the distance table and the lon/lat query give the same path
    dist, paths = router.table(np.array([a, b]))
    assert dist[0, 1] == pytest.approx(want_km, rel=1e-12)
    np.testing.assert_allclose(paths[(0, 1)], via, atol=1e-6)
    assert paths[(1, 0)] == paths[(0, 1)][::-1]
    mid = router.route(router.to_lonlat(*a), router.to_lonlat(*b))
    assert mid is not None
    np.testing.assert_allclose(mid, [router.to_lonlat(*p) for p in via], atol=1e-9)
    # cached: the same answer again, and the caller's list is its own
    again = router.path(a, b)
    assert again == via
    again.clear()
    assert router.path(a, b) == via


def test_a_point_that_sees_no_corner_enters_through_a_portal() -> None:
    """A point deep in a 2 km slot of the border sees none of the corners (the area shrunk
    by 5 km and simplified, which smooths the dent at the slot's mouth away): it steps
    out of the slot to the nearest point of the corner area and is routed from there
    (the route planner used to call it unreachable)."""
    area = _km_box(-100, 0, 100, 200).difference(_km_box(-1, 0, 1, 150))
    area = area.union(_km_box(-110, 49, -100, 51))  # the slot
    corners = area.buffer(-5 * KM).simplify(2 * KM)
    router = _paths.Router(area, corners, CENTRE)
    p, q = (-108 * KM, 50 * KM), (50 * KM, 50 * KM)
    assert len(router.nodes)
    assert not router.visible(np.repeat([p], len(router.nodes), 0), router.nodes).any()
    dist, paths = router.table(np.array([p, q]))
    assert math.isfinite(dist[0, 1])
    via = paths[(0, 1)]
    # the portal: the nearest point of the corner area (x = -95 km), nudged 10 m into it
    assert math.dist(via[0], (-95 * KM, 50 * KM)) <= 10.0 + 1e-6
    assert router.area.covers(LineString([p, *via, q]))
    assert dist[0, 1] == pytest.approx(_geodesic_km(router, [p, *via, q]), rel=1e-12)
    np.testing.assert_allclose(router.path(p, q), via, atol=1e-6)


def test_one_answer_for_lengths_and_paths() -> None:
    """Coverage's router on a comb in (lon, lat): for every detoured pair the distance
    table equals the geodesic length of route()'s path (one graph, one weight: WGS84
    km), and every piece of the path is inside the allowed area."""
    comb = _km_box(0, 0, 330, 200)
    for k in range(3):
        x0 = 60 + k * 90
        comb = comb.difference(_km_box(x0, 60, x0 + 30, 200))
    comb = shapely.affinity.translate(comb, -165 * KM, -100 * KM)
    _, inv, _ = geodesy.aeqd(*CENTRE)
    comb_ll = geodesy.from_local(comb, inv, reference_lon=CENTRE[0])
    router = _lanes.Router(comb_ll, CENTRE, margin_km=2.0, simplify_km=1.0)
    assert isinstance(router, _paths.Router)
    rng = np.random.default_rng(1)
    pts: list[tuple[float, float]] = []
    inner = comb.buffer(-3 * KM)
    while len(pts) < 30:
        x, y = rng.uniform(-165, 165) * KM, rng.uniform(-100, 100) * KM
        if inner.contains(Point(x, y)):
            pts.append(router.to_lonlat(x, y))
    ll = np.array(pts)
    dist = router.distance_matrix(ll)
    assert np.array_equal(dist, dist.T)
    xy = router._xy(ll)
    detoured = 0
    for i, j in itertools.combinations(range(len(pts)), 2):
        if router.visible(xy[[i]], xy[[j]])[0]:
            assert dist[i, j] == pytest.approx(geodesy.distance_km(*pts[i], *pts[j]), rel=1e-12)
            continue
        mid = router.route(pts[i], pts[j])
        assert mid, "the comb's teeth block this leg: route() must go around them"
        detoured += 1
        line = np.vstack([pts[i], *mid, pts[j]])
        assert dist[i, j] == pytest.approx(geodesy.path_length_km(line), rel=1e-9)
        assert router.area.covers(LineString(router._xy(line)))
    assert detoured >= 50


def test_route_planner_region_is_the_router() -> None:
    """routing's allowed region is the one router with the route planner's margins: legs
    CLEARANCE_KM inside, 1 m of tolerance at lane ends, corners rounded to 0.1 m."""
    area = _km_box(-100, 0, 100, 200).difference(_km_box(-1, 0, 1, 150))
    region = routing._Region(CENTRE, area)
    assert isinstance(region, _paths.Router)
    assert region.allowed is region.area
    assert region.tolerant.covers(area.buffer(0.99))
    np.testing.assert_array_equal(region.nodes, np.round(region.nodes, 1))
    assert len(np.unique(region.nodes, axis=0)) == len(region.nodes)
    # the corners lie SIMPLIFY_KM inside (shrunk, then simplified by as much)
    assert region.nodes.size
    inside = [area.exterior.distance(Point(p)) for p in region.nodes]
    assert min(inside) >= routing.SIMPLIFY_KM * KM - 1.0


def test_route_planner_detour_is_the_tables_path(wall) -> None:
    """With the route planner's margins (corners 2 km inside, simplified) the detour over
    the wall is the distance table's path, clear of the block by the east: the old detour
    went through the block's corner first (99.0 km instead of 96.7 km)."""
    router, a, b = wall
    region = routing._Region(CENTRE, router.area)
    via = region.path(a, b)
    assert via is not None
    dist, paths = region.table(np.array([a, b]))
    assert via == paths[(0, 1)]
    assert dist[0, 1] == pytest.approx(_geodesic_km(region, [a, *via, b]), rel=1e-12)
    block = _km_box(-7, 53, -6, 54)
    assert min(block.distance(Point(p)) for p in via) > 10 * KM
    assert region.clear(a, via[0])
    assert region.clear(via[-1], b)
