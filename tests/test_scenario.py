"""Per-evaluation metrics of the study (``openskies._scenario``) against independent sums."""

from __future__ import annotations

import math

import pytest
from geographiclib.geodesic import Geodesic

from openskies import _scenario, data, sensors, weather
from openskies.flightplan import FlightPlan

GEOD = Geodesic.WGS84


def _straight(sensor_on: bool = True) -> FlightPlan:
    # an east-west leg inside Belarus, well away from its border (53.9 N, 26.5-29.0 E)
    reg = data.regime().designate("UMMS", party="BLR", max_flight_distance_km=5500.0)
    minsk = reg.airfield("UMMS")
    return FlightPlan.from_waypoints(
        [(minsk.lon, minsk.lat), (26.5, 53.9), (29.0, 53.9), (minsk.lon, minsk.lat)],
        start="UMMS",
        end="UMMS",
        sensors_on=[False, sensor_on, False],
        regime=reg,
        territory="BLR",
    )


def test_area_by_resolution_class_of_a_straight_leg_is_length_times_width() -> None:
    """Panoramic camera at 8,000 m: each class is a centred strip, area = leg x its width."""
    sen = sensors.preset("optical_high_pan")
    plan = _straight()
    leg_km = GEOD.Inverse(53.9, 26.5, 53.9, 29.0)["s12"] / 1000.0
    widths = sen.resolution_widths_km(sen.height_agl_m)
    total = leg_km * sen.width_km
    got = _scenario._area_by_resolution(plan, sen, data.territory("BLR"), total)
    assert got["best_flight_area_fine_km2"] == pytest.approx(leg_km * widths["<= 0.5 m"], rel=5e-3)
    assert got["best_flight_area_medium_km2"] == pytest.approx(leg_km * widths["<= 1 m"], rel=5e-3)
    assert got["best_flight_area_coarse_km2"] == pytest.approx(leg_km * widths["coarser"], rel=2e-2)
    assert sum(got.values()) == pytest.approx(total, rel=1e-9)
    # the classes are real: the panoramic camera is coarser than 0.5 m at its scan's edge
    assert 0 < got["best_flight_area_coarse_km2"] < got["best_flight_area_fine_km2"]


def test_a_frame_camera_images_its_whole_swath_in_one_class() -> None:
    sen = sensors.preset("optical_low")  # 0.30 m limit reached across the frame
    got = _scenario._area_by_resolution(_straight(), sen, data.territory("BLR"), 1234.5)
    classes = [k for k, v in sen.resolution_widths_km(sen.height_agl_m).items() if v > 0]
    assert len(classes) == 1
    assert sorted(got.values()) == [0.0, 0.0, 1234.5]


def test_expected_calendar_days_are_the_windows_times_their_spacing() -> None:
    out = _scenario._season({"flights_100pct": 6.0}, imageable=True, q=0.6)
    assert out["expected_flights_100pct"] == pytest.approx(10.0)
    assert out["expected_calendar_days_100pct"] == pytest.approx(
        10.0 * weather.DEFAULT_SPACING_DAYS
    )
    dark = _scenario._season({"flights_100pct": 6.0}, imageable=False, q=0.6)
    assert math.isnan(dark["expected_calendar_days_100pct"])
