"""Coverage lanes against analytic answers (issue 17, coverage lanes).

References: the band count of a rectangle (``ceil(width / spacing)``); the fewest
parallel passes across a strip whose outer passes lie ``headland_offset * swath``
inside its edges (``ceil((W - 2 * 0.4 w) / s) + 1``); geodesic lengths recomputed
with GeographicLib (Karney); the treaty-free definition of the ideal (area / spacing).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from shapely.geometry import LineString, Polygon, box

from openskies import _lanes, _ordering, coverage, data, geodesy, sensors
from openskies.sensors import Sensor

WGS84 = Geodesic.WGS84
SITE = (28.0, 53.5)  # central Belarus
KM = 1000.0


def _lonlat(xy_poly: Polygon) -> Polygon:
    """A polygon given in the AEQD plane around SITE (metres), in lon/lat, densified."""
    _, inv, _ = geodesy.aeqd(*SITE)
    dense = shapely.segmentize(xy_poly, 2000.0)
    return shapely.transform(dense, lambda c: np.column_stack(inv.transform(*c.T)))


def _shape(name: str) -> Polygon:
    if name == "L":
        ell = shapely.union_all([box(0, 0, 200 * KM, 80 * KM), box(0, 0, 80 * KM, 200 * KM)])
        return _lonlat(shapely.affinity.translate(ell, -100 * KM, -100 * KM))
    comb = box(0, 0, 330 * KM, 200 * KM)
    for k in range(3):
        x0 = (60 + k * 90) * KM
        comb = comb.difference(box(x0, 60 * KM, x0 + 30 * KM, 200 * KM))
    return _lonlat(shapely.affinity.translate(comb, -165 * KM, -100 * KM))


def _sensor(swath_km: float) -> Sensor:
    return Sensor(f"swath {swath_km:g} km", swath_km=swath_km)


@pytest.mark.parametrize("width_km", [10.0, 31.5, 31.6, 63.0, 100.0, 137.0])
def test_a_rectangle_gets_ceil_width_over_spacing_lanes(width_km: float) -> None:
    spacing = 31_500.0
    rect = box(0.0, 0.0, 200_000.0, width_km * KM)
    lanes = _lanes._cell_lanes(rect, spacing, 0.0, 0.5, 1000.0)
    assert len(lanes) == math.ceil(width_km * KM / spacing - 1e-9)
    ys = sorted(float(xy[0, 1]) for _, xy in lanes)
    # one spacing apart, centred on the rectangle, each as long as the rectangle
    assert np.allclose(np.diff(ys), spacing)
    assert (ys[0] + ys[-1]) / 2.0 == pytest.approx(width_km * KM / 2.0)
    assert all(np.hypot(*(xy[1] - xy[0])) == pytest.approx(200_000.0) for _, xy in lanes)


@pytest.mark.slow
@pytest.mark.parametrize(("width_km", "swath_km"), [(100.0, 35.0), (100.0, 20.0), (60.0, 10.0)])
def test_headland_alone_leaves_ceil_interior_over_spacing_lanes(
    width_km: float, swath_km: float
) -> None:
    # rings=0: the headland's strip images 0.9 swath inside each long side; the rest,
    # (width - 1.8 swath) wide, gets lanes along the long side one spacing apart
    rect = _lonlat(box(-250 * KM, -width_km * KM / 2, 250 * KM, width_km * KM / 2))
    ls = _lanes.build_lanes(
        rect, cross_track_km=(-swath_km / 2, swath_km / 2), overlap=0.1, rings=0
    )
    spacing = 0.9 * swath_km
    interior = width_km - 2 * 0.9 * swath_km
    assert sum(lane.kind == "lane" for lane in ls.lanes) == math.ceil(interior / spacing)
    assert sum(g.kind == "headland" for g in ls.groups) == 1


@pytest.mark.slow
@pytest.mark.parametrize(("width_km", "swath_km"), [(100.0, 35.0), (100.0, 5.0), (137.0, 20.0)])
def test_a_strip_is_crossed_by_the_fewest_passes(width_km: float, swath_km: float) -> None:
    # Passes one spacing apart at most, the outer ones 0.4 swath inside the edges: a
    # cross-section of a long strip meets at least ceil((W - 0.8 w) / s) + 1 of them.
    rect = _lonlat(box(-250 * KM, -width_km * KM / 2, 250 * KM, width_km * KM / 2))
    ls = coverage.lanes(rect, _sensor(swath_km))
    fwd, _, _ = geodesy.aeqd(*SITE)
    # off the middle (where rings are opened, two pieces meet) and off the ends
    section = LineString([(37 * KM, -width_km * KM), (37 * KM, width_km * KM)])
    ys = set()
    for lane in ls.lanes:
        x, y = fwd.transform(*geodesy.densify_coords(lane.fwd, 1.0).T)
        hit = LineString(np.column_stack([x, y])).intersection(section)
        ys |= {round(float(p[1]) / 100.0) for p in shapely.get_coordinates(hit)}
    crossings = len(ys)
    spacing = 0.9 * swath_km
    assert crossings == math.ceil((width_km - 0.8 * swath_km) / spacing - 1e-9) + 1


@pytest.mark.slow
@pytest.mark.parametrize("name", ["L", "comb"])
@pytest.mark.parametrize("swath_km", [5.0, 35.0])
def test_lanes_stay_inside_and_image_the_area(name: str, swath_km: float) -> None:
    area = _shape(name)
    ls = coverage.lanes(area, _sensor(swath_km))
    for lane in ls.lanes:
        assert area.covers(LineString(lane.fwd))
    stats = coverage.coverage(ls.footprint(), area)
    assert stats.fraction >= 0.995
    assert 0.0 <= ls.dropped_km2 <= 0.005 * ls.area_km2
    # ideal = area / spacing, total = sum of the tracks' geodesic lengths (GeographicLib)
    assert ls.ideal_km == pytest.approx(ls.area_km2 / ls.spacing_km)
    assert ls.area_km2 == pytest.approx(stats.area_km2, rel=1e-6)
    total_m = sum(
        WGS84.Inverse(a[1], a[0], b[1], b[0])["s12"]
        for lane in ls.lanes
        for a, b in itertools.pairwise(lane.fwd)
    )
    assert ls.total_km == pytest.approx(total_m / 1000.0, rel=1e-9)


@pytest.mark.slow
def test_a_wider_swath_needs_fewer_lane_km() -> None:
    area = _shape("L")
    totals = [coverage.lanes(area, _sensor(w)).total_km for w in (5.0, 10.0, 20.0, 35.0)]
    assert all(a > b for a, b in itertools.pairwise(totals))


def test_open_path_order_counts_no_depot_legs() -> None:
    area = _shape("L")
    ls = coverage.lanes(area, _sensor(35.0))
    blocks = _ordering._blocks(ls, set(range(len(ls.lanes))))
    orderer = _ordering._Orderer(ls, blocks, None)
    tour = min(orderer.candidates(), key=orderer.cost)
    # independent: the lanes plus the straight transfers between consecutive lanes
    fwd, _, _ = geodesy.aeqd(*geodesy.centre_of(ls.area))
    seq = [item for b, v in tour for item in blocks[b].variants[v]]
    total = sum(ls.lanes[i].length_km for i, _ in seq)
    for (i, fi), (j, fj) in itertools.pairwise(seq):
        a = np.array(fwd.transform(*ls.lanes[i].track(fi)[-1]))
        b = np.array(fwd.transform(*ls.lanes[j].track(fj)[0]))
        total += float(np.hypot(*(a - b))) / 1000.0
    assert orderer.cost(tour) == pytest.approx(total, rel=1e-9)
    assert {i for i, _ in seq} == set(range(len(ls.lanes)))


@pytest.mark.slow
@pytest.mark.parametrize("swath_km", [5.0, 10.0, 20.0, 27.5, 35.0])
def test_belarus_lanes_within_five_percent_of_the_ideal(swath_km: float) -> None:
    blr = data.territory("BLR")
    ls = coverage.lanes(blr, _sensor(swath_km))
    stats = coverage.coverage(ls.footprint(), blr)
    assert stats.fraction >= 0.995
    assert ls.ideal_km == pytest.approx(blr.area_km2 / (0.9 * swath_km), rel=1e-9)
    assert ls.total_km <= 1.05 * ls.ideal_km


# --------------------------------------------------------------------------- one-sided sensors


def test_a_one_sided_lane_is_flown_where_its_track_stays_inside() -> None:
    # a right-looking strip centred 18.5 km right of the track: flown east the track lies
    # 18.5 km north of the lane's centre line, flown west 18.5 km south of it
    inside = box(0.0, 0.0, 100 * KM, 100 * KM)
    off = 18.5 * KM

    def lane(y_km: float) -> np.ndarray:
        return np.array([[10 * KM, y_km * KM], [90 * KM, y_km * KM]])

    (middle,) = _lanes._clip_one_sided(lane(50.0), inside, off, 1000.0)
    assert middle[1] is True  # both tracks inside: either way
    (south,) = _lanes._clip_one_sided(lane(5.0), inside, off, 1000.0)
    assert south[1] is False
    assert south[0][0, 0] < south[0][1, 0]  # eastwards only: the westward track is outside
    (north,) = _lanes._clip_one_sided(lane(95.0), inside, off, 1000.0)
    assert north[1] is False
    assert north[0][0, 0] > north[0][1, 0]  # westwards only
    assert _lanes._clip_one_sided(lane(5.0), box(0.0, 0.0, 100 * KM, 20 * KM), off, 1000.0) == []
    # borders slanting across the lane: where only one track fits the lane is flown that way,
    # the rest goes with it; a lane whose ends each fit only one way is cut in two
    slant = Polygon([(0, 0), (100 * KM, 40 * KM), (100 * KM, 100 * KM), (0, 60 * KM)])
    # westwards track 18.5 km south: inside up to x = 78.75 km; eastwards: from x = 21.25 km
    pieces = _lanes._clip_one_sided(lane(50.0), slant, off, 1000.0)
    assert [way for _, way in pieces] == [False, False]
    (west, _), (east, _) = pieces
    assert west[:, 0] / KM == pytest.approx([78.75, 10.0])
    assert east[:, 0] / KM == pytest.approx([78.75, 90.0])
    for xy, _ in pieces:
        left = np.array([0.0, off]) * (1 if xy[1, 0] > xy[0, 0] else -1)
        assert slant.covers(LineString(xy + left))  # the track it is flown on
        assert not slant.covers(LineString(xy - left))  # the other way: outside
    one_end = Polygon([(0, 0), (100 * KM, 0), (100 * KM, 100 * KM), (0, 60 * KM)])
    ((whole, way),) = _lanes._clip_one_sided(lane(50.0), one_end, off, 1000.0)
    assert not way
    assert whole[:, 0] / KM == pytest.approx([90.0, 10.0])  # westwards, the whole lane


def _flown_inside(ls: _lanes.LaneSet, area: Polygon) -> None:
    """Every track a lane may be flown on lies inside the area (the other way too if allowed)."""
    for lane in ls.lanes:
        assert area.covers(LineString(lane.fwd))
        if lane.reversible:
            assert area.covers(LineString(lane.rev))


@pytest.mark.slow
@pytest.mark.parametrize(("name", "side"), [("L", "right"), ("L", "left"), ("comb", "right")])
def test_one_sided_lanes_fly_inside_and_image_the_area(name: str, side: str) -> None:
    # the radar's strip: 25 km, from 6 km to 31 km beside the track
    area = _shape(name)
    sar = Sensor("sar", swath_km=25.0, side=side, near_range_km=6.0, kind="sar")
    ls = coverage.lanes(area, sar)
    _flown_inside(ls, area)
    assert not any(lane.reversible for lane in ls.lanes if lane.kind == "headland")
    stats = coverage.coverage(ls.footprint(), area)
    assert stats.fraction >= 0.995
    assert 0.0 <= ls.dropped_km2 <= 0.005 * ls.area_km2
    assert ls.total_km <= 1.10 * ls.ideal_km


@pytest.mark.slow
def test_belarus_lanes_with_the_radar_image_belarus() -> None:
    blr = data.territory("BLR")
    sar = sensors.preset("sar")
    ls = coverage.lanes(blr, sar)
    _flown_inside(ls, blr.geometry)
    stats = coverage.coverage(ls.footprint(), blr)
    assert stats.fraction >= 0.995
    assert ls.total_km <= 1.05 * ls.ideal_km
