"""Daylight windows against published ephemerides and analytic answers.

Published values (research dossier for issue 15, section 4):

- NREL SPA worked example (Reda & Andreas, NREL/TP-560-34302, table A5.2):
  Golden CO, 2003-10-17 19:30:30 UTC, topocentric elevation without refraction
  39.872046 deg;
- Meeus, *Astronomical Algorithms* (1998), example 25.a: 1992-10-13 0h TD,
  apparent declination -7 deg 47' 06" = -7.78507 deg; example 28.a: equation of
  time 13 min 42.6 s;
- USNO solar position calculator (as used by pvlib's tests): Tucson, lat 32.2,
  lon -111, 2014-10-10 15:30 UTC, altitude 24.7 deg (rounded to 0.1 deg).

Analytic: noon elevation 90 - phi + delta; hours above h0 from
cos H0 = (sin h0 - sin phi sin delta) / (cos phi cos delta).
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from openskies import data, daylight
from openskies._errors import ValidationError

UTC = dt.UTC
MINSK = (27.56, 53.9)


def test_solar_elevation_against_nrel_spa() -> None:
    when = dt.datetime(2003, 10, 17, 19, 30, 30, tzinfo=UTC)
    e = daylight.solar_elevation_deg(when, -105.1786, 39.742476, refraction=False)
    assert e == pytest.approx(39.872046, abs=0.01)


def test_declination_and_equation_of_time_against_meeus() -> None:
    td = dt.datetime(1992, 10, 13, tzinfo=UTC)
    ut = td - dt.timedelta(seconds=59)  # Delta T about 59 s in 1992
    assert daylight.solar_declination_deg(ut) == pytest.approx(-(7 + 47 / 60 + 6 / 3600), abs=0.01)
    assert daylight.equation_of_time_min(ut) == pytest.approx(13 + 42.6 / 60, abs=0.05)


def test_solar_elevation_against_usno() -> None:
    when = dt.datetime(2014, 10, 10, 15, 30, tzinfo=UTC)
    # the published value is rounded to 0.1 deg: allow 0.1 deg plus the rounding
    assert daylight.solar_elevation_deg(when, -111.0, 32.2) == pytest.approx(24.7, abs=0.15)


def test_december_noon_at_minsk_is_below_15_deg() -> None:
    day = dt.date(2019, 12, 21)
    w = daylight.daylight_window(day, *MINSK, refraction=False)
    assert not w.imageable
    assert w.start is None
    assert w.hours == 0.0
    # analytic: 90 - 53.9 - 23.44 = 12.66 deg (the declination of that noon, from the model)
    decl = daylight.solar_declination_deg(w.noon)
    assert decl == pytest.approx(-23.44, abs=0.01)
    assert w.max_elevation_deg == pytest.approx(90.0 - MINSK[1] + decl, abs=0.01)
    assert w.max_elevation_deg == pytest.approx(12.66, abs=0.02)
    # 10 deg is reached: the window is shorter than the 5 deg one
    w10 = daylight.daylight_window(day, *MINSK, min_elevation_deg=10.0)
    w5 = daylight.daylight_window(day, *MINSK, min_elevation_deg=5.0)
    assert 0 < w10.hours < w5.hours


def _analytic_hours(lat: float, decl: float, h0: float) -> float:
    p, d, h = (math.radians(v) for v in (lat, decl, h0))
    c = (math.sin(h) - math.sin(p) * math.sin(d)) / (math.cos(p) * math.cos(d))
    return 2.0 * math.degrees(math.acos(c)) / 15.0


@pytest.mark.parametrize("day", [dt.date(2019, 3, 20), dt.date(2019, 9, 23), dt.date(2019, 6, 21)])
def test_hours_above_15_deg_are_the_analytic_hour_angle(day: dt.date) -> None:
    w = daylight.daylight_window(day, *MINSK, refraction=False)
    decl = daylight.solar_declination_deg(w.noon)
    assert w.hours == pytest.approx(_analytic_hours(MINSK[1], decl, 15.0), abs=0.02)
    assert w.start < w.noon < w.end
    assert daylight.solar_elevation_deg(w.start, *MINSK, refraction=False) == pytest.approx(
        15.0, abs=1e-3
    )


def test_equinox_gives_about_8_5_hours_above_15_deg() -> None:
    # delta = 0: cos H0 = sin 15 / cos 53.9 -> 8.53 h
    assert _analytic_hours(53.9, 0.0, 15.0) == pytest.approx(8.53, abs=0.005)
    w = daylight.daylight_window(dt.date(2019, 9, 23), *MINSK)
    assert w.hours == pytest.approx(8.53, abs=0.05)


def test_a_higher_threshold_never_gives_a_longer_window() -> None:
    day = dt.date(2019, 3, 16)
    hours = [
        daylight.daylight_window(day, *MINSK, min_elevation_deg=t).hours for t in (0, 10, 15, 30)
    ]
    assert hours == sorted(hours, reverse=True)
    assert hours[-1] > 0


def test_monthly_windows_use_the_representative_days() -> None:
    df = daylight.monthly_windows(*MINSK)
    assert list(df["month"]) == list(range(1, 13))
    assert [d.day for d in df["date"]] == [daylight.REPRESENTATIVE_DAY[m] for m in range(1, 13)]
    dec = df.set_index("month").loc[12]
    assert dec["imageable"] == 0
    assert pd.isna(dec["start_utc"])
    assert pd.isna(dec["end_utc"])
    jun = df.set_index("month").loc[6]
    assert jun["hours"] > df.set_index("month").loc[3, "hours"] > 0
    solstice = daylight.monthly_windows(*MINSK, months=[12], day=21)
    assert solstice["date"].iloc[0] == dt.date(2019, 12, 21)
    with pytest.raises(ValidationError, match="month"):
        daylight.monthly_windows(*MINSK, months=[13])


def test_imaging_threshold_over_belarus_in_december() -> None:
    blr = data.territory("BLR")
    south = blr.geometry.bounds[1]
    day = dt.date(2019, 12, 21)
    thr = daylight.imaging_threshold_deg(blr, day, refraction=False)
    decl = daylight.solar_declination_deg(dt.datetime(2019, 12, 21, 12, tzinfo=UTC))
    # the highest sun is at the southern edge: 90 - 51.24 - 23.44 = 15.33 deg (dossier 4)
    assert thr == pytest.approx(90.0 - south + decl, abs=0.02)
    assert thr == pytest.approx(15.33, abs=0.03)
    # above it nowhere in Belarus has a window; at it the southern edge does
    north = daylight.daylight_window(day, 27.5, blr.geometry.bounds[3], refraction=False)
    assert north.max_elevation_deg < 15.0
    assert daylight.imaging_threshold_deg(blr, dt.date(2019, 6, 11)) > 55.0


def test_flight_splits_over_days_when_longer_than_the_window() -> None:
    day = dt.date(2019, 9, 23)
    one = daylight.daylight_window(day, *MINSK)
    short = daylight.fit_flight(one.hours - 0.5, day, *MINSK)
    assert short.fits
    assert short.parts == 1
    long = daylight.fit_flight(12.0, day, *MINSK)
    assert not long.fits
    assert long.feasible
    assert long.parts == 2
    used = sum((b - a).total_seconds() for a, b in long.legs) / 3600.0
    assert used == pytest.approx(12.0)
    assert long.legs[0][1] == one.end
    too_long = daylight.fit_flight(30.0, day, *MINSK, max_days=3)
    assert not too_long.feasible
    assert too_long.remaining_h > 0
    dark = daylight.fit_flight(2.0, dt.date(2019, 12, 21), *MINSK)
    assert not dark.feasible
    assert dark.parts == 0


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(ValidationError, match="min_elevation_deg"):
        daylight.daylight_window(dt.date(2019, 1, 1), *MINSK, min_elevation_deg=95)
    with pytest.raises(ValidationError, match="lon, lat"):
        daylight.daylight_window(dt.date(2019, 1, 1), 200.0, 53.0)
    with pytest.raises(ValidationError, match="timezone"):
        daylight.solar_elevation_deg(dt.datetime(2019, 1, 1), *MINSK)
    with pytest.raises(ValidationError, match="duration_h"):
        daylight.fit_flight(-1.0, dt.date(2019, 1, 1), *MINSK)
    with pytest.raises(ValidationError, match="max_days"):
        daylight.fit_flight(1.0, dt.date(2019, 1, 1), *MINSK, max_days=100)
    with pytest.raises(ValidationError, match="day="):
        daylight.monthly_windows(*MINSK, months=[2], day=30)
    with pytest.raises(ValidationError, match="area"):
        daylight.imaging_threshold_deg("Belarus", dt.date(2019, 1, 1))


def test_area_window_is_the_shortest_over_the_latitudes_and_brackets_the_noon_sun() -> None:
    """area_window: the shortest window of its edges; noon sun 90 - |phi - delta| at the edges."""
    blr = data.territory("BLR")
    x0, y0, x1, y1 = blr.geometry.bounds
    for month in (3, 6, 9, 12):
        day = dt.date(2019, month, daylight.REPRESENTATIVE_DAY[month])
        w = daylight.area_window(blr, day)
        edges = [daylight.daylight_window(day, (x0 + x1) / 2.0, lat) for lat in (y0, y1)]
        assert w.hours <= min(e.hours for e in edges) + 1e-12
        assert w.lowest_noon_deg <= w.highest_noon_deg
        assert w.highest_noon_deg == daylight.imaging_threshold_deg(blr, day)
        # the lowest noon sun is at the edge farther from the declination (geometric + refraction)
        decl = daylight.solar_declination_deg(dt.datetime(2019, month, day.day, 12, tzinfo=dt.UTC))
        far = max(abs(y0 - decl), abs(y1 - decl))
        assert w.lowest_noon_deg == pytest.approx(90.0 - far, abs=0.1)
        assert w.imageable == (w.lowest_noon_deg >= daylight.DEFAULT_MIN_ELEVATION_DEG)
    # a point: its own window
    day = dt.date(2019, 6, 11)
    assert daylight.area_window((27.5, 53.9), day).hours == pytest.approx(
        daylight.daylight_window(day, 27.5, 53.9).hours
    )
