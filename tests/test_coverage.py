"""Coverage engine against analytic answers and independent geodesic computations.

References: analytic strip areas (length x swath), Fields2Cover-style square fixtures
with known coverage fractions, GeographicLib (Karney) for distances from airfields to
a densified border, and treaty-facts.md §6 for the published Belarus distances.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, box

from openskies import _fleet, _lanes, coverage, data, geodesy, sensors
from openskies._errors import InfeasibleError, ValidationError
from openskies.flightplan import FlightPlan
from openskies.sensors import Sensor

WGS84 = Geodesic.WGS84
PAN = sensors.preset("optical_high_pan")  # centred, 27.7 km at 8,000 m on the An-30B


def _leg(lon: float, lat: float, azimuth: float, km: float) -> tuple[tuple, tuple]:
    d = WGS84.Direct(lat, lon, azimuth, km * 1000.0)
    return (lon, lat), (d["lon2"], d["lat2"])


def _plan_with_leg(icao: str, a: tuple, b: tuple, *, regime=None) -> FlightPlan:
    reg = regime if regime is not None else data.regime()
    af = reg.airfield(icao)
    pos = (af.lon, af.lat)
    return FlightPlan.from_waypoints(
        [pos, a, b, pos], start=icao, end=icao, sensors_on=[False, True, False], regime=reg
    )


# --------------------------------------------------------------------------- footprints


@pytest.mark.parametrize(
    ("icao", "start", "azimuth"),
    [
        ("UUMB", (24.5, 52.5), 90.0),  # across Belarus, 52 N, eastwards
        ("UUYW", (95.0, 70.0), 90.0),  # Taymyr, 70 N, eastwards (from Vorkuta)
        ("UUYW", (100.0, 67.75), 0.0),  # Taymyr, centred on 70 N, northwards
    ],
)
def test_straight_leg_images_length_times_swath(
    icao: str, start: tuple[float, float], azimuth: float
) -> None:
    a, b = _leg(*start, azimuth, 500.0)
    plan = _plan_with_leg(icao, a, b)
    fp = coverage.footprint(plan, PAN)
    # the strip lies wholly inside the observed territory: clipping removed nothing
    raw = coverage.footprint(plan, PAN, clip=False)
    assert geodesy.area_km2(fp) == pytest.approx(geodesy.area_km2(raw), rel=1e-6)
    assert geodesy.area_km2(fp) == pytest.approx(500.0 * PAN.width_km, rel=0.01)
    # the strip extends half a swath either side (geodesic distance from the leg's middle)
    mid = WGS84.Direct(a[1], a[0], azimuth, 250_000.0)
    half_m = PAN.width_km / 2.0 * 1000.0
    for side in (-90.0, 90.0):
        inner = WGS84.Direct(mid["lat2"], mid["lon2"], mid["azi2"] + side, half_m - 500.0)
        outer = WGS84.Direct(mid["lat2"], mid["lon2"], mid["azi2"] + side, half_m + 500.0)
        assert fp.contains(Point(inner["lon2"], inner["lat2"]))
        assert not fp.contains(Point(outer["lon2"], outer["lat2"]))


def test_footprint_across_the_antimeridian() -> None:
    # 400 km eastwards across 180 deg at 66 N (Chukotka), raw tracks
    a, _ = _leg(178.0, 66.0, 90.0, 0.0)
    d = WGS84.Direct(66.0, 178.0, 90.0, 400_000.0)
    line = LineString([a, (d["lon2"] + 360.0 if d["lon2"] < 0 else d["lon2"], d["lat2"])])
    fp = coverage.footprint_lines(line, PAN)
    xmin, _, xmax, _ = fp.bounds
    assert xmin >= -180.0
    assert xmax <= 180.0
    assert len(geodesy.explode_polygons(fp)) >= 2  # split at the antimeridian
    assert geodesy.area_km2(fp) == pytest.approx(400.0 * PAN.width_km, rel=0.01)


def test_one_sided_sar_images_the_right_side() -> None:
    sar = sensors.preset("sar")
    a, b = _leg(28.0, 52.5, 0.0, 200.0)  # northwards: right is east
    fp = coverage.footprint_lines(LineString([a, b]), sar)
    assert geodesy.area_km2(fp) == pytest.approx(200.0 * 25.0, rel=0.01)
    assert fp.bounds[0] >= 28.0 - 1e-6
    east = WGS84.Direct(53.4, 28.0, 90.0, 20_000.0)
    west = WGS84.Direct(53.4, 28.0, 270.0, 5_000.0)
    assert fp.contains(Point(east["lon2"], east["lat2"]))
    assert not fp.contains(Point(west["lon2"], west["lat2"]))


def test_sensors_off_and_clipping_to_the_observed_territory() -> None:
    reg = data.regime()
    kub = reg.airfield("UUMB")
    # a leg between two points of the Belarus-Poland border, 0.6 deg of latitude apart
    shared = data.territory("BLR").geometry.boundary.intersection(
        data.territory("POL").geometry.buffer(0.001)
    )
    border = max(shapely.get_parts(shapely.line_merge(shared)), key=lambda g: g.length)
    xy = np.asarray(border.coords)
    a = tuple(xy[np.argmin(np.abs(xy[:, 1] - 52.0))])
    b = tuple(xy[np.argmin(np.abs(xy[:, 1] - 52.6))])
    plan = FlightPlan.from_waypoints(
        [(kub.lon, kub.lat), a, b, (kub.lon, kub.lat)],
        start="UUMB",
        end="UUMB",
        sensors_on=[False, False, False],
    )
    assert coverage.footprint(plan, PAN).is_empty
    plan_on = FlightPlan.from_waypoints(
        [(kub.lon, kub.lat), a, b, (kub.lon, kub.lat)],
        start="UUMB",
        end="UUMB",
        sensors_on=[False, True, False],
    )
    fp = coverage.footprint(plan_on, PAN)
    raw = coverage.footprint(plan_on, PAN, clip=False)
    pol = data.territory("POL").geometry
    assert geodesy.area_km2(raw.intersection(pol)) > 100.0
    assert geodesy.area_km2(fp.intersection(pol)) < 1.0  # sensors image only over BLR+RUS
    assert geodesy.area_km2(fp) < geodesy.area_km2(raw)


# --------------------------------------------------------------------------- coverage


def _square(centre: tuple[float, float], half_km: float) -> tuple[Polygon, Transformer]:
    """A square of side 2 * half_km in the AEQD projection centred on ``centre``."""
    _, inv, _ = geodesy.aeqd(*centre)
    sq = box(-half_km * 1000, -half_km * 1000, half_km * 1000, half_km * 1000).segmentize(1000)
    x, y = np.asarray(sq.exterior.coords).T
    lon, lat = inv.transform(x, y)
    return Polygon(np.column_stack([lon, lat])), inv


def _ns_line(inv: Transformer, x_km: float, half_km: float) -> LineString:
    lon, lat = inv.transform([x_km * 1000, x_km * 1000], [-half_km * 1000, half_km * 1000])
    return LineString(np.column_stack([lon, lat]))


@pytest.mark.parametrize(
    ("lanes", "expected"),
    [
        ([(-10.0, 20.0)], 0.5),
        ([(-10.0, 20.0), (5.0, 10.0)], 0.75),
        ([(-10.0, 20.0), (5.0, 10.0), (15.0, 10.0)], 1.0),
    ],
)
def test_square_fixtures_fields2cover(lanes: list[tuple[float, float]], expected: float) -> None:
    # a 40 x 40 km square at 53.5 N; north-south swaths (x offset km, width km) that
    # reach past its edges cover a known share of it
    square, inv = _square((27.5, 53.5), 20.0)
    fps = [
        coverage.footprint_lines(_ns_line(inv, x, 30.0), Sensor("s", swath_km=w)) for x, w in lanes
    ]
    stats = coverage.coverage(fps, square)
    assert stats.area_km2 == pytest.approx(1600.0, rel=2e-3)
    assert stats.fraction == pytest.approx(expected, abs=2e-3)
    assert stats.covered_km2 == pytest.approx(expected * stats.area_km2, rel=3e-3)


def test_coverage_by_member_and_sub_region() -> None:
    blr = data.territory("BLR")
    kgd = data.territory("RUS-KGD")
    stats = coverage.coverage([blr.geometry, kgd.geometry], "BLR+RUS")
    rows = stats.by_region
    assert list(rows.index) == ["BLR+RUS", "BLR", "RUS", "RUS-KGD"]
    assert rows.loc["BLR", "fraction"] == pytest.approx(1.0, abs=1e-9)
    assert rows.loc["RUS-KGD", "fraction"] == pytest.approx(1.0, abs=1e-9)
    assert rows.loc["RUS", "covered_km2"] == pytest.approx(kgd.area_km2, rel=1e-9)
    assert stats.covered_km2 == pytest.approx(blr.area_km2 + kgd.area_km2, rel=1e-9)
    assert stats.fraction == pytest.approx(stats.covered_km2 / stats.area_km2)


# --------------------------------------------------------------------------- lanes


def test_no_last_lane_is_dropped() -> None:
    # Fields2Cover's bug: a remainder under one swath lost its lane
    s = 1000.0
    for height, bands in ((4.0, 4), (4.05, 5), (0.3, 1)):
        comps = _lanes._band_components(box(0, 0, 10_000, height * s), s)
        assert len(comps) == bands
        assert all(len(c) == 1 for c in comps)


@pytest.mark.slow
def test_lanes_cover_a_concave_area_and_are_cached() -> None:
    # an L-shaped area (two 60 x 30 km arms) at 53.5 N, 5 km swath
    _, inv, _ = geodesy.aeqd(27.5, 53.5)
    ell = shapely.union_all([box(0, 0, 60_000, 30_000), box(0, 0, 30_000, 60_000)]).segmentize(1000)
    x, y = np.asarray(ell.exterior.coords).T
    lon, lat = inv.transform(x, y)
    area = Polygon(np.column_stack([lon, lat]))
    low = sensors.preset("optical_low")
    ls = coverage.lanes(area, low, overlap=0.1)
    assert coverage.lanes(area, low, overlap=0.1) is ls  # computed once
    stats = coverage.coverage(ls.footprint(), area)
    assert stats.fraction > 0.995
    # no lane crosses the concave corner's gap, every lane stays inside the area
    for lane in ls.lanes:
        assert area.covers(LineString(lane.fwd))
    assert ls.total_km == pytest.approx(stats.area_km2 / 4.5, rel=0.1)


# --------------------------------------------------------------------------- flights


def _check_flight_set(fs: coverage.FlightSet, icao: str, budget: float) -> None:
    blr = data.territory("BLR")
    footprints = []
    lane_km = 0.0
    for plan in fs:
        assert plan.start == icao
        assert plan.end == icao
        assert plan.validate() == []
        assert plan.length_km <= budget
        footprints.append(coverage.footprint(plan, PAN))
        xy = plan.coords
        for k, on in enumerate(plan.sensors_on):
            if on:
                lane_km += WGS84.Inverse(xy[k, 1], xy[k, 0], xy[k + 1, 1], xy[k + 1, 0])["s12"]
    stats = coverage.coverage(footprints, blr)
    assert stats.fraction >= 0.995
    ideal_km = blr.area_km2 / PAN.effective_swath_km(0.1)  # area / effective swath
    assert abs(lane_km / 1000.0 / ideal_km - 1.0) <= 0.10
    s = fs.summary
    assert s.lane_ratio == pytest.approx(lane_km / 1000.0 / ideal_km, rel=1e-3)
    assert s.covered_fraction == pytest.approx(stats.fraction, abs=1e-6)
    assert s.n_flights == len(fs) >= s.flights_lower_bound >= 1
    assert s.flights_ratio == pytest.approx(len(fs) / s.flights_lower_bound)
    assert s.violations == 0


@pytest.mark.slow
def test_belarus_full_coverage_from_kubinka() -> None:
    fs = coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=PAN)
    _check_flight_set(fs, "UUMB", 5500.0)
    # Kubinka's legs across Russia count against the budget (BLR+RUS group)
    assert all(p.territory.code == "BLR+RUS" for p in fs)
    assert all(p.length_by_region_km.get("RUS", 0.0) > 300.0 for p in fs)
    assert fs.summary.least_round_trip_km == pytest.approx(2 * 343.45, rel=0.01)


@pytest.mark.slow
def test_belarus_full_coverage_from_minsk_designated() -> None:
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=5500)
    fs = coverage.plan_full_coverage("BLR", airfield="UMMS", sensor=PAN, regime=reg)
    _check_flight_set(fs, "UMMS", 5500.0)
    assert fs.summary.least_round_trip_km == 0.0
    # the lanes do not depend on the airfield or the budget: reused from the cache (a budget
    # above Kubinka's 5,500 km is refused: the legal limit is the regime's)
    again = coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=PAN, budget_km=5000.0)
    assert again.lanes is fs.lanes


@pytest.mark.slow
def test_small_area_split_into_flights_within_a_small_budget() -> None:
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=1500)
    square, _ = _square((28.5, 53.2), 50.0)  # 100 x 100 km, about 60 km from Minsk
    low = sensors.preset("optical_low")
    fs = coverage.plan_full_coverage(square, airfield="UMMS", sensor=low, regime=reg)
    assert len(fs) >= 2
    for plan in fs:
        assert plan.length_km <= 1500.0
        assert plan.validate() == []
    stats = coverage.coverage(fs.footprints, square)
    assert stats.fraction > 0.99
    assert fs.summary.n_flights >= fs.summary.flights_lower_bound


def test_partial_target_fraction() -> None:
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=1500)
    square, _ = _square((28.5, 53.2), 50.0)
    fs = coverage.plan_full_coverage(
        square, airfield="UMMS", sensor=PAN, regime=reg, target_fraction=0.6
    )
    assert 0.6 <= fs.summary.covered_fraction < 0.97


# --------------------------------------------------------------------------- reach


def _border_distances_km(lon: float, lat: float) -> tuple[float, float]:
    """Nearest and farthest point of Belarus from a point: GeographicLib, 0.25 km steps."""
    blr = data.territory("BLR")
    ring = np.asarray(blr.parts[0].exterior.coords)
    d = []
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        line = WGS84.InverseLine(y1, x1, y2, x2)
        n = max(1, math.ceil(line.s13 / 250.0))
        for k in range(n):
            p = line.Position(line.s13 * k / n)
            d.append(WGS84.Inverse(lat, lon, p["lat2"], p["lon2"])["s12"])
    inside = bool(blr.contains(lon, lat, treaty_area=False))
    return (0.0 if inside else min(d) / 1000.0), max(d) / 1000.0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("icao", "near_fact", "far_fact"),
    [("UUMB", 343.0, 974.0), ("UMMS", 0.0, 398.0)],
)
def test_reach_distances_agree_with_geodesic_reference(
    icao: str, near_fact: float, far_fact: float
) -> None:
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=5500)
    grid = coverage.reach("BLR", icao, regime=reg)
    af = reg.airfield(icao)
    near_ref, far_ref = _border_distances_km(af.lon, af.lat)
    assert grid.attrs["nearest_km"] == pytest.approx(near_ref, rel=0.01, abs=1e-6)
    assert grid.attrs["farthest_km"] == pytest.approx(far_ref, rel=0.01)
    # treaty-facts.md §6
    assert grid.attrs["nearest_km"] == pytest.approx(near_fact, rel=0.01, abs=1e-6)
    assert grid.attrs["farthest_km"] == pytest.approx(far_fact, rel=0.01)
    assert grid["distance_km"].min() == grid.attrs["nearest_km"]
    assert grid["round_trip_km"].to_numpy() == pytest.approx(2 * grid["far_km"].to_numpy())


@pytest.mark.slow
def test_reach_cells_are_equal_area_and_tile_the_territory() -> None:
    grid = coverage.reach("BLR", "UUMB", cell_km=10.0)
    blr = data.territory("BLR")
    assert grid.crs.to_epsg() == 4326
    assert grid["area_km2"].sum() == pytest.approx(blr.area_km2, rel=1e-4)
    full = grid[~grid["clipped"]]
    assert len(full) > 1500
    assert full["area_km2"].to_numpy() == pytest.approx(100.0, rel=1e-3)


@pytest.mark.slow
def test_reach_with_sensor_and_curve() -> None:
    grid = coverage.reach("BLR", "UUMB", sensor=PAN)
    assert grid.attrs["sensor_reach_km"] == PAN.width_km / 2.0
    expected = 2 * np.maximum(0.0, grid["far_km"].to_numpy() - PAN.width_km / 2.0)
    assert grid["round_trip_km"].to_numpy() == pytest.approx(expected)
    curve = coverage.reach_curve("BLR", "UUMB", budgets_km=[600, 1500, 2500, 5500], cells=grid)
    assert list(curve["fraction"]) == sorted(curve["fraction"])
    assert curve["fraction"].iloc[0] == 0.0  # 600 km < 2 x (343 - half swath) x 1.02
    assert curve["fraction"].iloc[-1] == 1.0
    need = grid["round_trip_km"] * 1.02 <= 1500
    assert curve["area_km2"].iloc[1] == pytest.approx(grid.loc[need, "area_km2"].sum())


# --------------------------------------------------------------------------- errors


def test_airfield_must_be_an_osa_of_the_territory() -> None:
    with pytest.raises(ValidationError, match=r"designate"):
        coverage.plan_full_coverage("BLR", airfield="UMMS", sensor=PAN)
    with pytest.raises(ValidationError, match="cannot image BLR"):
        coverage.plan_full_coverage("BLR", airfield="EPWA", sensor=PAN)
    with pytest.raises(ValidationError, match="designate"):
        coverage.reach("BLR", "UMMS")


@pytest.mark.parametrize(
    "area", [Point(28.0, 53.0), LineString([(27, 53), (28, 54)]), Polygon(), "nowhere"]
)
def test_territory_without_area_raises(area: object) -> None:
    with pytest.raises((ValidationError, KeyError)):
        coverage.plan_full_coverage(area, airfield="UUMB", sensor=PAN)  # type: ignore[arg-type]


def test_unusable_numbers_raise() -> None:
    with pytest.raises(ValidationError, match="budget_km"):
        coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=PAN, budget_km=-1)
    with pytest.raises(ValidationError, match="target_fraction"):
        coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=PAN, target_fraction=0)
    with pytest.raises(ValidationError, match="overlap"):
        coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=PAN, overlap=1.0)
    with pytest.raises(ValidationError, match="refine_bound='yes'"):
        coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=PAN, refine_bound="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="cell_km"):
        coverage.reach("BLR", "UUMB", cell_km=0)
    with pytest.raises(ValidationError, match="swath_km"):
        coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=Sensor("x", swath_km=0))
    with pytest.raises(ValidationError, match="treaty cap"):
        coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=Sensor("x", swath_km=120.0))


@pytest.mark.slow
def test_out_of_reach_raises_infeasible() -> None:
    # the least round trip from Kubinka to Belarus is ~687 km
    with pytest.raises(InfeasibleError, match="out of reach"):
        coverage.plan_full_coverage("BLR", airfield="UUMB", sensor=PAN, budget_km=600.0)


# --------------------------------------------------------------------------- command line


@pytest.mark.slow
def test_exclave_out_of_reach_raises_infeasible() -> None:
    # Kaliningrad (RUS-KGD) from Kubinka: every route inside BLR+RUS is cut off by
    # Lithuania and Poland
    with pytest.raises(InfeasibleError, match="out of reach"):
        coverage.plan_full_coverage("RUS-KGD", airfield="UUMB", sensor=PAN)


@pytest.mark.slow
def test_lanes_keep_the_stand_off_from_non_party_borders() -> None:
    # Ukraine borders Moldova, not a State Party in 2019: 10 km + 3 km tolerance
    ukr = data.territory("UKR")
    assert any(n.code == "MDA" and not n.party for n in ukr.neighbours)
    ls = coverage.lanes(ukr, PAN)
    mda = data.territory("MDA").geometry
    near = [lane for lane in ls.lanes if LineString(lane.fwd).distance(mda) < 0.5]
    assert near  # lanes run along that border
    border = np.vstack(
        [geodesy.densify_coords(np.asarray(p.exterior.coords), 0.5) for p in _parts(mda)]
    )
    pts = np.vstack([geodesy.densify_coords(lane.fwd, 2.0) for lane in near])
    d = geodesy.distance_km(
        pts[:, None, 0], pts[:, None, 1], border[None, :, 0], border[None, :, 1]
    )
    assert float(np.min(d)) >= 13.0


def _parts(geometry: object) -> list[Polygon]:
    return geodesy.explode_polygons(geometry)  # type: ignore[arg-type]


@pytest.mark.slow
def test_minsk_pan_1500_bound_meets_the_target_by_column_generation() -> None:
    # issue 14's target for the wide sensor: at most one flight above the proved bound; at
    # 1,500 km the radial programme alone proves too little, column generation enough
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=1500)
    radial = coverage.plan_full_coverage(
        "BLR", airfield="UMMS", sensor=PAN, regime=reg, refine_bound=False
    )
    fs = coverage.plan_full_coverage("BLR", airfield="UMMS", sensor=PAN, regime=reg)
    assert len(fs) == len(radial)
    assert len(radial) - radial.summary.flights_lower_bound > 1
    assert fs.summary.lower_bound_method == _fleet.COLGEN_METHOD
    assert len(fs) - fs.summary.flights_lower_bound <= 1
