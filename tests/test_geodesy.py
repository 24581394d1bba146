"""Geodesy against independent references (GeographicLib, analytic answers)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from shapely.geometry import LineString, Point, Polygon, box

from openskies import geodesy
from openskies._errors import ValidationError
from openskies.territory import _nearest_boundary

WGS84 = Geodesic.WGS84


def _random_pairs(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    lon1 = rng.uniform(-180, 180, n)
    lat1 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lon2 = rng.uniform(-180, 180, n)
    lat2 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    pairs = np.column_stack([lon1, lat1, lon2, lat2])
    special = np.array(
        [
            [179.9, 65.0, -179.9, 65.1],  # across the antimeridian (Chukotka)
            [-179.5, -10.0, 179.5, 10.0],
            [10.0, 89.99, -170.0, 89.99],  # across the north pole
            [0.0, -89.9, 180.0, -89.9],
            [30.0, 80.0, 100.0, 81.0],
            [0.0, 0.0, 179.5, 0.5],  # nearly antipodal
            [36.65, 55.6117, 28.0325, 53.8825],
        ]
    )
    return np.vstack([pairs, special])


def test_distance_matches_geographiclib_to_1_m() -> None:
    pairs = _random_pairs(2000, seed=1)
    ours_km = geodesy.distance_km(*pairs.T)
    ref_m = np.array([WGS84.Inverse(a, b, c, d)["s12"] for b, a, d, c in pairs])
    assert np.max(np.abs(ours_km * 1000.0 - ref_m)) < 1.0


def test_distance_scalar_and_kubinka_minsk() -> None:
    # Kubinka (OurAirports UUMB) to Minsk National (UMMS); treaty-facts.md: about 587 km.
    d = geodesy.distance_km(36.650002, 55.611695, 28.0325, 53.8825)
    assert isinstance(d, float)
    ref = WGS84.Inverse(55.611695, 36.650002, 53.8825, 28.0325)["s12"] / 1000.0
    assert d == pytest.approx(ref, abs=1e-6)
    assert 580.0 < d < 595.0


@pytest.mark.parametrize(
    ("lon", "lat", "match"),
    [
        (53.9, 95.0, "swapped"),
        (27.5, float("nan"), "NaN"),
        (200.0, 91.0, r"outside \[-90, 90\]"),
    ],
)
def test_bad_coordinates_raise(lon: float, lat: float, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        geodesy.distance_km(lon, lat, 0.0, 0.0)
    with pytest.raises(ValueError, match=match):  # the builtin users already catch
        geodesy.path_length_km([(lon, lat), (0.0, 0.0)])


def test_path_length_sums_geodesic_legs() -> None:
    pts = [(20.97, 52.17), (28.03, 53.88), (36.65, 55.61), (179.5, 65.0), (-179.5, 65.2)]
    ref = sum(WGS84.Inverse(a[1], a[0], b[1], b[0])["s12"] for a, b in itertools.pairwise(pts))
    assert geodesy.path_length_km(LineString(pts)) == pytest.approx(ref / 1000.0, rel=1e-12)


def test_densify_follows_the_geodesic() -> None:
    # A 590 km leg along 53 N bulges poleward of the straight lon/lat line (treaty-facts: ~9 km).
    line = geodesy.densify([(23.0, 53.0), (31.87, 53.0)], 10.0)
    xy = np.asarray(line.coords)
    assert (
        np.max(
            np.diff(
                np.asarray(
                    [
                        0.0,
                        *np.cumsum(
                            [
                                WGS84.Inverse(a[1], a[0], b[1], b[0])["s12"]
                                for a, b in itertools.pairwise(xy)
                            ]
                        ),
                    ]
                )
            )
        )
        <= 10_000.0 + 1e-6
    )
    mid = xy[len(xy) // 2]
    bulge_km = WGS84.Inverse(53.0, mid[0], mid[1], mid[0])["s12"] / 1000.0
    assert 7.0 < bulge_km < 11.0
    # every densified point lies on the geodesic: its distances to both ends add up
    total = WGS84.Inverse(53.0, 23.0, 53.0, 31.87)["s12"]
    for x, y in xy[1:-1]:
        s = WGS84.Inverse(53.0, 23.0, y, x)["s12"] + WGS84.Inverse(y, x, 53.0, 31.87)["s12"]
        assert s == pytest.approx(total, abs=0.01)


def test_densify_across_antimeridian_is_continuous() -> None:
    line = geodesy.densify([(179.0, 66.0), (-179.0, 66.0)], 5.0)
    x = np.asarray(line.coords)[:, 0]
    assert np.all(np.abs(np.diff(x)) < 1.0)
    parts = geodesy.split_antimeridian(line)
    assert parts.geom_type == "MultiLineString"
    assert all(-180.0 <= v <= 180.0 for v in shapely.get_coordinates(parts)[:, 0])


def _gl_area_km2(ring: list[tuple[float, float]]) -> float:
    p = WGS84.Polygon()
    for lon, lat in ring:
        p.AddPoint(lat, lon)
    _, _, area = p.Compute(False, True)
    return abs(area) / 1e6


@pytest.mark.parametrize("orient", [1.0, -1.0])
def test_area_matches_geographiclib_any_orientation(orient: float) -> None:
    ring = [(23.0, 51.0), (32.0, 51.5), (31.0, 56.0), (24.0, 55.5)]
    poly = shapely.orient_polygons(Polygon(ring), exterior_cw=orient < 0)
    assert geodesy.area_km2(poly) == pytest.approx(_gl_area_km2(ring), rel=1e-9)


def test_area_with_hole_and_across_antimeridian() -> None:
    outer = box(20, 50, 30, 56)
    hole = box(24, 52, 26, 54)
    poly = outer.difference(hole)
    expected = _gl_area_km2(list(outer.exterior.coords)[:-1]) - _gl_area_km2(
        list(hole.exterior.coords)[:-1]
    )
    assert geodesy.area_km2(poly) == pytest.approx(expected, rel=1e-9)
    east, west = box(178, 64, 180, 66), box(-180, 64, -178, 66)
    # two geodesic-edged boxes, the western one continued past 180 as GeographicLib sees it
    whole = _gl_area_km2([(178, 64), (180, 64), (180, 66), (178, 66)]) + _gl_area_km2(
        [(180, 64), (182, 64), (182, 66), (180, 66)]
    )
    assert geodesy.area_km2(shapely.MultiPolygon([east, west])) == pytest.approx(whole, rel=1e-9)


@pytest.mark.parametrize(("lon", "lat"), [(20.5, 54.7), (179.95, 66.0), (60.0, 80.0)])
def test_point_buffer_radius(lon: float, lat: float) -> None:
    b = geodesy.buffer_km(Point(lon, lat), 100.0, quad_segs=64)
    xy = shapely.get_coordinates(b.boundary)
    xy = xy[np.abs(np.abs(xy[:, 0]) - 180.0) > 1e-9]  # drop the cut at +/-180
    d = geodesy.distance_km(np.full(len(xy), lon), np.full(len(xy), lat), xy[:, 0], xy[:, 1])
    # polygonal circle: vertices on the circle, chords inside by 1 - cos(pi / 256)
    assert np.max(np.abs(d - 100.0)) < 0.5
    assert all(-180.0 <= v <= 180.0 for v in shapely.get_coordinates(b)[:, 0])


@pytest.fixture(scope="module")
def russia_buffer_50km():
    from openskies import _geodata

    russia = _geodata.countries("land").loc["RUS"].geometry
    return russia, geodesy.buffer_km(russia, 50.0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "window"),
    [
        ("Kaliningrad", (19.0, 54.0, 23.0, 56.0)),
        ("Chukotka east of 180", (-180.0, 60.0, -168.0, 72.0)),
        ("Chukotka west of 180", (175.0, 60.0, 180.0, 72.0)),
        ("80 N", (40.0, 79.5, 110.0, 82.5)),
    ],
)
def test_russia_wide_buffer_error_below_half_percent(russia_buffer_50km, name, window) -> None:
    russia, buffered = russia_buffer_50km
    assert buffered.is_valid
    xy = shapely.get_coordinates(buffered.boundary)
    x0, y0, x1, y1 = window
    sel = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    sel &= np.abs(np.abs(xy[:, 0]) - 180.0) > 1e-6
    pts = xy[sel]
    assert len(pts) > 10, name
    pts = pts[:: max(1, len(pts) // 25)]
    d = np.array([_nearest_boundary(russia, x, y)[0] for x, y in pts])
    # error relative to the buffer distance: at most 0.5 %
    assert np.max(np.abs(d - 50.0)) <= 0.25, (name, d.min(), d.max())


@pytest.mark.slow
def test_local_crs_refuses_russia_but_works_per_cell() -> None:
    from openskies import _geodata

    russia = _geodata.countries("land").loc["RUS"].geometry
    with pytest.raises(ValidationError, match="split_cells"):
        geodesy.local_crs(russia)
    cells = geodesy.split_cells(russia)
    assert shapely.union_all(cells).symmetric_difference(russia).area < 1e-6
    for cell in cells[:: max(1, len(cells) // 20)]:
        crs = geodesy.local_crs(cell, max_extent_km=1000.0)
        assert crs.coordinate_operation.method_name.lower().startswith("azimuthal equidistant")


def test_split_antimeridian_polygon() -> None:
    poly = box(175.0, 60.0, 185.0, 65.0)
    out = geodesy.split_antimeridian(poly)
    assert out.geom_type == "MultiPolygon"
    pieces = geodesy.area_km2(box(175.0, 60.0, 180.0, 65.0)) + geodesy.area_km2(
        box(180.0, 60.0, 185.0, 65.0)
    )
    assert math.isclose(geodesy.area_km2(out), pieces, rel_tol=1e-9)
    assert all(p.bounds[2] - p.bounds[0] < 180.0 for p in out.geoms)


# --------------------------------------------------------------------------- strips


@pytest.mark.parametrize("start", [0, 1, 2])
def test_one_sided_strip_of_a_closed_ring_is_analytic(start: int) -> None:
    # A square ring of side a flown counter-clockwise: the strip 6-31 km to the right lies
    # outside it, 4 a (hi - lo) along the sides plus a full annulus at the four corners; the
    # strip to the left lies inside, (a - 2 lo)^2 - (a - 2 hi)^2 with sharp corners. GEOS's
    # single-sided buffer of a closed line returns the ring's interior instead.
    a, lo, hi = 80_000.0, 6_000.0, 31_000.0
    corners = np.array([(0.0, 0.0), (a, 0.0), (a, a), (0.0, a)])
    xy = np.roll(corners, -start, axis=0)
    ring = LineString(np.vstack([xy, xy[:1]]))
    right = geodesy.strip_local(ring, (lo, hi))
    outer = 4 * a * (hi - lo) + math.pi * (hi**2 - lo**2)
    assert right.area == pytest.approx(outer, rel=2e-3)  # polygonised quarter circles
    assert not right.intersects(box(hi - lo, hi - lo, a - hi + lo, a - hi + lo))
    left = geodesy.strip_local(ring, (-hi, -lo))
    assert left.area == pytest.approx((a - 2 * lo) ** 2 - (a - 2 * hi) ** 2, rel=1e-9)
    assert left.covers(box(lo, lo, a - lo, hi))


def test_one_sided_strip_survives_densification() -> None:
    # A plain difference of the two single-sided buffers of this track (a lane of the 80 km
    # square test flown by a left-looking radar) leaves zero-width spikes on the flat ends, and
    # GEOS's densifier turns the polygon into an empty one: the strip is cut on a 1 mm grid
    line = shapely.from_wkt(
        "LINESTRING (-10288.00104469998 -18090.477722969244, -5303.751413946292 "
        "-18082.54586936338, -319.50179488877126 -18074.606672488022, 4664.7478124658355 "
        "-18066.660132342808, 9648.997408111254 -18058.706248927843, 14633.246992042232 "
        "-18050.745022238094, 19617.496564251105 -18042.77645226514, 24601.74612473043 "
        "-18034.80053899518)"
    )
    strip = geodesy.strip_local(line, (-31_000.0, -6_000.0))
    # the track is a densified geodesic in the plane: it bends by a few metres
    assert strip.area == pytest.approx(line.length * 25_000.0, rel=1e-4)
    assert shapely.segmentize(strip, 5000.0).area == pytest.approx(strip.area, rel=1e-9)


@pytest.mark.parametrize(
    ("cross_track_m", "radius_m"), [((-1000.0, 1000.0), 1000.0), ((0.0, 2000.0), 2000.0)]
)
def test_a_closed_run_is_flat_at_its_ends_and_a_ring_is_joined(cross_track_m, radius_m) -> None:
    """Out and back along x: the strips, one half disc at the turn, and one more for a ring.

    GEOS draws a round join with 8 segments a quarter circle: a half disc of radius r is the
    16-gon's area, n/2 r^2 sin(2 pi / n) with n = 32 for the whole circle.
    """
    from shapely.geometry import LineString

    line = LineString([(0, 0), (5000, 0), (10000, 0), (5000, 0), (0, 0)])
    width = cross_track_m[1] - cross_track_m[0]
    n = 32
    half_disc = n / 4 * radius_m**2 * math.sin(2 * math.pi / n)
    # centred: one strip 10 km x width; one-sided: a strip on each side of the line
    strips = 10000.0 * width * (1 if cross_track_m[0] < 0 else 2)
    run = geodesy.strip_local(line, cross_track_m, ring=False).area
    ring = geodesy.strip_local(line, cross_track_m).area
    assert run == pytest.approx(strips + half_disc, rel=1e-9)
    assert ring == pytest.approx(strips + 2 * half_disc, rel=1e-9)
