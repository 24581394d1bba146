"""Sensors at altitude: swath, ground resolution, minimum height, classes, operating height.

Analytic answers: swath = 2 H tan(FOV/2); frame camera GSD = H p / f everywhere
in the frame; panoramic camera / line scanner GSD g0/cos^2(theta) across and
g0/cos(theta) along track (Gao 2009, eqs. 5.4-5.8); at the treaty minimum
height the 0.5 m and 1 m classes end at 0.816 H and 1.528 H from the track
(research dossier for issue 15, section 2.2).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Polygon, box

from openskies import aircraft, coverage, geodesy, sensors
from openskies._errors import ValidationError
from openskies.sensors import Sensor


def test_swath_follows_the_height() -> None:
    pan = sensors.preset("optical_high_pan")
    assert pan.fov_deg == 120.0
    # tan 60 deg = sqrt(3): 2 * 8 km * sqrt(3)
    assert pan.swath_at_km(8000.0) == pytest.approx(16.0 * math.sqrt(3.0), rel=1e-12)
    low = sensors.preset("optical_low")
    # tan 40 deg by its series-free identity tan x = sin x / cos x
    t = math.sin(math.radians(40.0)) / math.cos(math.radians(40.0))
    assert low.swath_at_km(900.0) == pytest.approx(2 * 0.9 * t, rel=1e-12)
    assert low.at_height(900.0).width_km == pytest.approx(2 * 0.9 * t, rel=1e-12)


def test_frame_camera_gsd_is_uniform_h_p_over_f() -> None:
    # 6 um pixels behind a 100 mm lens: ifov = 0.06 mrad; at 5 km, 0.30 m everywhere
    cam = Sensor("frame", swath_km=3.0, ifov_mrad=6e-6 / 0.100 * 1000.0, fov_deg=40.0)
    assert cam.scan == "frame"
    half = cam.swath_at_km(5000.0) / 2
    for x in (0.0, half / 2, half):
        across, along = cam.gsd_m(5000.0, offset_km=x)
        assert across == pytest.approx(5000.0 * 6e-6 / 0.100)
        assert along == pytest.approx(5000.0 * 6e-6 / 0.100)
    assert cam.min_height_agl_m == pytest.approx(0.30 * 0.100 / 6e-6)


def test_panoramic_gsd_grows_as_cos_squared_across_and_cos_along() -> None:
    pan = sensors.preset("optical_high_pan")
    h = 8000.0
    g0 = pan.nadir_gsd_m(h)
    # at the 60 deg scan edge cos = 1/2: 4x across, 2x along
    edge = h * math.sqrt(3.0) / 1000.0
    across, along = pan.gsd_m(h, offset_km=edge)
    assert across == pytest.approx(4.0 * g0, rel=1e-12)
    assert along == pytest.approx(2.0 * g0, rel=1e-12)
    # 45 deg: cos^2 = 1/2
    assert pan.gsd_m(h, offset_km=-h / 1000.0).across_m == pytest.approx(2.0 * g0, rel=1e-12)
    assert pan.gsd_m(h).across_m == pytest.approx(g0)


def test_minimum_heights_where_the_treaty_limits_are_reached() -> None:
    # film bar width H / (2 f R): 0.30 m with f = 304.8 mm, R = 40 lp/mm at 2 f R * 0.30
    pan = sensors.preset("optical_high_pan")
    assert pan.min_height_agl_m == pytest.approx(2 * 0.3048 * 40_000 * 0.30, rel=1e-12)
    assert pan.nadir_gsd_m(pan.min_height_agl_m) == pytest.approx(0.30)
    ir = sensors.preset("ir")
    assert ir.min_height_agl_m == pytest.approx(0.50 / 1e-3)  # 1 mrad reaches 0.5 m at 500 m
    low = sensors.preset("optical_low")
    assert low.min_height_agl_m == pytest.approx(900.0)
    assert sensors.preset("sar").min_height_agl_m is None  # radar: not height-limited
    for name in ("optical_low", "optical_high_pan", "ir"):
        s = sensors.preset(name)
        assert s.fov_deg is not None
        assert s.min_height_agl_m is not None
        hmin = s.min_height_agl_m
        assert s.nadir_gsd_m(hmin) == pytest.approx(s.resolution_limit_m)


def test_flying_below_the_minimum_height_is_refused() -> None:
    pan = sensors.preset("optical_high_pan")
    with pytest.raises(ValidationError, match=r"fly at least 7,315 m"):
        pan.at_height(7000.0)
    flown = pan.at_height(pan.min_height_agl_m)
    assert flown.resolution_m == pytest.approx(0.30)


def test_resolution_classes_at_the_minimum_height() -> None:
    pan = sensors.preset("optical_high_pan")
    h = pan.min_height_agl_m
    widths = pan.resolution_widths_km(h)
    assert list(widths) == ["<= 0.5 m", "<= 1 m", "coarser"]
    # dossier 2.2: <= 0.5 m out to 0.816 H, <= 1 m out to 1.528 H (across-track component)
    assert widths["<= 0.5 m"] == pytest.approx(2 * 0.816 * h / 1000, rel=1e-3)
    assert widths["<= 0.5 m"] + widths["<= 1 m"] == pytest.approx(2 * 1.528 * h / 1000, rel=1e-3)
    assert sum(widths.values()) == pytest.approx(pan.swath_at_km(h))
    # every class boundary is where the across-track GSD equals the bound
    reach = widths["<= 0.5 m"] / 2
    assert pan.gsd_m(h, offset_km=reach).across_m == pytest.approx(0.5)
    # a frame camera puts its whole swath in one class
    low = sensors.preset("optical_low")
    w = low.resolution_widths_km(900.0)
    assert w["<= 0.5 m"] == pytest.approx(low.swath_at_km(900.0))
    assert w["coarser"] == 0.0
    # radar: 3 m everywhere
    sar = sensors.preset("sar")
    assert sar.resolution_widths_km(6000.0)["coarser"] == pytest.approx(25.0)
    with pytest.raises(ValidationError, match="classes_m"):
        pan.resolution_widths_km(h, classes_m=(1.0, 0.5))


def test_higher_flight_images_wider_and_coarser() -> None:
    pan = sensors.preset("optical_high_pan")
    a, b = pan.at_height(8000.0), pan.at_height(10_000.0)
    assert b.width_km > a.width_km
    assert b.resolution_m > a.resolution_m
    assert (
        pan.resolution_widths_km(10_000.0)["coarser"] > pan.resolution_widths_km(8000.0)["coarser"]
    )


def test_an30b_flies_the_panoramic_camera_at_8_km() -> None:
    an30 = aircraft.preset("An-30B")
    assert an30.max_altitude_m == 8300.0
    pan = sensors.preset("optical_high_pan")
    h = pan.operating_height_m(an30)
    assert h == an30.max_altitude_m - an30.ceiling_margin_m
    flown = sensors.preset("optical_high_pan", aircraft="An-30B")
    assert flown.height_agl_m == h
    assert flown.width_km == pytest.approx(2 * h / 1000 * math.sqrt(3.0))
    assert sensors.preset("optical_high_pan") == flown  # the An-30B is the default aircraft
    # the ground under the track lowers the height above it
    assert pan.operating_height_m(an30, ground_elevation_m=200.0) == pytest.approx(h - 200.0)


@pytest.mark.parametrize("sensor_name", sensors.PRESETS)
@pytest.mark.parametrize("aircraft_name", list(aircraft.presets()))
def test_no_preset_flies_above_the_ceiling_or_below_its_minimum_height(
    sensor_name: str, aircraft_name: str
) -> None:
    ac = aircraft.preset(aircraft_name)
    s = sensors.preset(sensor_name)
    flown = s.flown_on(ac)
    assert flown.height_agl_m <= ac.max_altitude_m
    assert flown.height_agl_m >= ac.min_altitude_m
    if s.min_height_agl_m is not None:
        assert flown.height_agl_m >= s.min_height_agl_m * (1 - 1e-12)
        assert flown.resolution_m >= s.resolution_limit_m * (1 - 1e-12)
    if s.nominal_height_agl_m is not None and s.nominal_height_agl_m <= ac.top_height_m:
        assert flown.height_agl_m == s.nominal_height_agl_m


def test_an_aircraft_too_low_for_the_sensor_is_refused() -> None:
    low_ceiling = aircraft.Aircraft(
        "low", cruise_speed_kmh=300.0, range_km=1000.0, min_altitude_m=300.0, max_altitude_m=5000.0
    )
    pan = sensors.preset("optical_high_pan")
    with pytest.raises(ValidationError, match=r"at least 7,315 m.*at most 4,700 m"):
        pan.operating_height_m(low_ceiling)
    with pytest.raises(ValidationError, match="outside the band"):
        sensors.preset("optical_low").flown_on("An-30B", height_agl_m=8500.0)
    assert sensors.preset("optical_low").flown_on("An-30B", height_agl_m=1200.0).height_agl_m == (
        1200.0
    )


def test_sar_is_one_sided_with_its_near_edge_from_the_look_angle() -> None:
    sar = sensors.preset("sar")
    assert sar.scan == "side_looking"
    flown = sar.at_height(6000.0)
    lo, hi = flown.cross_track_km
    assert lo == pytest.approx(6.0)  # 6 km * tan 45 deg
    assert hi == pytest.approx(31.0)
    assert flown.width_km == 25.0
    assert flown.resolution_m == 3.0
    assert flown.side == "right"


def test_bad_geometry_names_the_field() -> None:
    with pytest.raises(ValidationError, match="fov_deg"):
        Sensor("x", swath_km=5.0, fov_deg=190.0)
    with pytest.raises(ValidationError, match="scan"):
        Sensor("x", swath_km=5.0, scan="pushbroom")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="side_looking"):
        Sensor("x", swath_km=5.0, scan="side_looking")
    with pytest.raises(ValidationError, match="near_range_angle_deg"):
        Sensor("x", swath_km=5.0, near_range_angle_deg=30.0)
    with pytest.raises(ValidationError, match="ifov_mrad"):
        Sensor("x", swath_km=5.0, ifov_mrad=-1.0)
    with pytest.raises(ValidationError, match="fov_deg"):
        Sensor("x", swath_km=5.0).swath_at_km(1000.0)
    with pytest.raises(ValidationError, match="height_agl_m"):
        sensors.preset("optical_low").at_height(0.0)
    # the old constructor keeps working
    s = Sensor(name="plain", swath_km=12.0, kind="ir", resolution_m=0.6)
    assert s.width_km == 12.0
    assert s.scan == "line_scanner"


@pytest.mark.xfail(
    strict=True,
    reason=(
        "known gap in the lane engine (not this change): with a one-sided 25 km strip the "
        "lanes of an 80 km square image about 89 % of it (near range 6 km; 91 % at 0 km), "
        "a centred 25 km strip 99.7 %; the unimaged area is one interior blob between the "
        "headland rings and the lanes"
    ),
)
def test_coverage_lanes_image_a_square_with_the_offset_radar() -> None:
    # 80 x 80 km at 53.5 N, SAR flown at 6 km: its strip runs 6-31 km right of the track
    _, inv, _ = geodesy.aeqd(27.5, 53.5)
    sq = box(0, 0, 80_000, 80_000).segmentize(2000)
    x, y = np.asarray(sq.exterior.coords).T
    lon, lat = inv.transform(x, y)
    area = Polygon(np.column_stack([lon, lat]))
    flown = sensors.preset("sar").at_height(6000.0)
    ls = coverage.lanes(area, flown, overlap=0.1)
    stats = coverage.coverage(ls.footprint(), area)
    assert stats.fraction > 0.99
    assert shapely.is_valid(ls.footprint())


def test_aircraft_operating_values_and_reserve() -> None:
    an30 = aircraft.preset("An-30B")
    # reserve: the larger of 10 % of 2,630 km and 45 min at 430 km/h
    assert an30.reserve_km == pytest.approx(max(0.10 * 2630.0, 0.75 * 430.0))
    assert an30.usable_range_km == pytest.approx(2630.0 - an30.reserve_km)
    assert set(an30.ops_sources) == set(aircraft.OPS_FIELDS)
    assert "ground_time_per_stop_h" in an30.ops_assumptions
    oc = aircraft.preset("OC-135B")
    assert oc.ceiling_margin_m == 0.0
    assert "ceiling_margin_m" not in oc.ops_assumptions
    longer = an30.with_values(ground_time_per_stop_h=2.5, range_km=3000.0)
    assert longer.ops_sources["ground_time_per_stop_h"] == "user-given"
    assert longer.sources["range_km"] == "user-given"
    with pytest.raises(ValidationError, match=r"reserve_fraction=1\.5"):
        an30.with_values(reserve_fraction=1.5)
    with pytest.raises(ValidationError, match="ceiling_margin_m"):
        an30.with_values(ceiling_margin_m=9000.0)


@pytest.mark.parametrize("name", sorted(aircraft.presets()))
def test_aircraft_pickle_round_trip(name) -> None:
    """Workers of a parallel study receive the aircraft: it pickles, sources and all."""
    import pickle

    a = aircraft.preset(name)
    b = pickle.loads(pickle.dumps(a))
    assert b == a
    assert dict(b.sources) == dict(a.sources)
    assert dict(b.ops_sources) == dict(a.ops_sources)
    with pytest.raises(TypeError):
        b.sources["cruise_speed_kmh"] = "changed"  # still read-only
