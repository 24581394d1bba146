"""Coverage lanes against analytic answers (issue 17, coverage lanes).

References: the band count of a rectangle (``ceil(width / spacing)``); the fewest
parallel passes across a strip whose outer passes lie ``headland_offset * swath``
inside its edges (``ceil((W - 2 * 0.4 w) / s) + 1``); geodesic lengths recomputed
with GeographicLib (Karney); the treaty-free definition of the ideal (area / spacing); the
open path over a rectangle in closed form (headland ring, contour ring, one hop of a spacing)
with its imaged share recomputed with shapely in a local projection.
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
    seq, cost = _ordering.open_path(ls)
    # independent: the lanes plus the straight transfers between consecutive lanes
    fwd, _, _ = geodesy.aeqd(*geodesy.centre_of(ls.area))
    total = sum(ls.lanes[i].length_km for i, _ in seq)
    for (i, fi), (j, fj) in itertools.pairwise(seq):
        a = np.array(fwd.transform(*ls.lanes[i].track(fi)[-1]))
        b = np.array(fwd.transform(*ls.lanes[j].track(fj)[0]))
        total += float(np.hypot(*(a - b))) / 1000.0
    assert cost == pytest.approx(total, rel=1e-9)
    assert sorted(i for i, _ in seq) == list(range(len(ls.lanes)))
    # every blocking is a candidate: the path is no longer than the rings whole or chained
    keep = set(range(len(ls.lanes)))
    for chain_km in (None, _ordering.HEADLAND_CHAIN_KM):
        blocks = _ordering._blocks(ls, keep, chain_km=chain_km)
        orderer = _ordering._Orderer(ls, blocks, None)
        assert cost <= min(orderer.cost(t) for t in orderer.candidates()) + 1e-9


def _rect_path(swath_km: float) -> tuple[Polygon, _lanes.LaneSet, np.ndarray]:
    """The 200 x 100 km rectangle around SITE, its lanes and its open path (lon, lat)."""
    rect = _lonlat(box(-100 * KM, -50 * KM, 100 * KM, 50 * KM))
    ls = coverage.lanes(rect, _sensor(swath_km), ring_openings="aligned")
    seq, _ = _ordering.open_path(ls)
    router = _lanes.Router(rect, geodesy.centre_of(rect), margin_km=0.25, simplify_km=0.5)
    return rect, ls, _ordering.path_coords(ls, seq, router)


def _imaged_share(area_xy: Polygon, lanes_xy: list[np.ndarray], swath_km: float) -> float:
    """Share of a projected area inside flat-ended strips along projected centre lines."""
    strips = [
        LineString(xy).buffer(swath_km * KM / 2.0, cap_style="flat", join_style="round")
        for xy in lanes_xy
    ]
    return shapely.union_all(strips).intersection(area_xy).area / area_xy.area


def test_a_rectangle_path_has_its_closed_form_length() -> None:
    # 200 x 100 km at a 35 km swath (spacing s = 31.5 km, headland h = 0.4 w = 14 km): the
    # headland ring (200 - 2h) x (100 - 2h); inside it the interior, 100 - 2(h + w/2) = 37 km
    # high, is more than one lane's swath, so the contour pass one spacing further in,
    # (200 - 2h - 2s) x (100 - 2h - 2s), whose long sides image it (4 passes across, see
    # test_a_strip_is_crossed_by_the_fewest_passes); the path hops s from ring to ring.
    w, s, h = 35.0, 31.5, 14.0
    rect, ls, path = _rect_path(w)
    ring0 = 2 * ((200 - 2 * h) + (100 - 2 * h))
    ring1 = 2 * ((200 - 2 * h - 2 * s) + (100 - 2 * h - 2 * s))
    assert ls.total_km == pytest.approx(ring0 + ring1, rel=2e-3)
    assert geodesy.path_length_km(path) == pytest.approx(ring0 + ring1 + s, rel=2e-3)
    # imaged share recomputed in SITE's AEQD plane with shapely, beside coverage.coverage
    fwd, _, _ = geodesy.aeqd(*SITE)
    area_xy = box(-100 * KM, -50 * KM, 100 * KM, 50 * KM)
    lanes_xy = [
        np.column_stack(fwd.transform(*geodesy.densify_coords(ln.centre, 1.0).T)) for ln in ls.lanes
    ]
    share = _imaged_share(area_xy, lanes_xy, w)
    assert share >= 0.995
    assert coverage.coverage(ls.footprint(), rect).fraction == pytest.approx(share, abs=1e-3)


def test_nested_rings_open_one_spacing_apart() -> None:
    # 200 x 100 km at a 5 km swath: headland and contour passes are nested rectangles one
    # spacing (4.5 km) apart; each opens next to the opening of the ring around it, so the
    # path hops one spacing from ring to ring
    _, ls, _ = _rect_path(5.0)
    starts = [
        next(ln.fwd[0] for ln in ls.lanes if ln.group == g.index and ln.order == 0)
        for g in ls.groups
        if g.kind == "headland" and g.closed
    ]
    assert len(starts) > 5
    hops = [geodesy.distance_km(*a, *b) for a, b in itertools.pairwise(starts)]
    assert hops == pytest.approx([ls.spacing_km] * len(hops), rel=2e-3)


def test_rings_open_on_their_longest_segment_by_default() -> None:
    # the default cut of the rings (where flights for full coverage split them): the middle
    # of each ring's longest segment, here the rectangle's northern side (x = 0 in SITE's
    # plane, the first of the two long sides); "aligned" opens the innermost ring next to the
    # core's lanes instead, and the others beside it, one spacing apart
    rect = _lonlat(box(-100 * KM, -50 * KM, 100 * KM, 50 * KM))
    fwd, _, _ = geodesy.aeqd(*SITE)
    starts = {}
    for openings in ("longest", "aligned"):
        ls = coverage.lanes(rect, _sensor(5.0), ring_openings=openings)
        starts[openings] = np.array(
            [
                fwd.transform(*ln.fwd[0])
                for ln in ls.lanes
                if ln.kind == "headland" and ln.order == 0 and ls.groups[ln.group].closed
            ]
        )
        assert len(starts[openings]) > 5
        ys = np.sort(np.abs(starts[openings][:, 1]))
        assert np.allclose(np.diff(ys), ls.spacing_km * KM, rtol=2e-3)
    assert np.allclose(starts["longest"][:, 0], 0.0, atol=50.0)
    assert np.all(starts["longest"][:, 1] > 0.0)
    assert np.ptp(starts["aligned"][:, 0]) < 50.0
    assert not np.allclose(starts["aligned"], starts["longest"])
    with pytest.raises(ValueError, match="ring_openings"):
        coverage.lanes(rect, _sensor(5.0), ring_openings="nearest")


@pytest.mark.parametrize("name", ["L", "comb"])
def test_the_open_path_stays_inside_the_area(name: str) -> None:
    area = _shape(name)
    ls = coverage.lanes(area, _sensor(35.0), ring_openings="aligned")
    seq, _ = _ordering.open_path(ls)
    router = _lanes.Router(area, geodesy.centre_of(area), margin_km=0.25, simplify_km=0.5)
    path = geodesy.densify_coords(_ordering.path_coords(ls, seq, router), 1.0)
    fwd, _, _ = geodesy.aeqd(*SITE)
    area_xy = shapely.transform(area, lambda c: np.column_stack(fwd.transform(*c.T)))
    path_xy = LineString(np.column_stack(fwd.transform(*path.T)))
    assert area_xy.buffer(1.0).covers(path_xy)
    # and it flies every lane once
    assert sorted(i for i, _ in seq) == list(range(len(ls.lanes)))


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
