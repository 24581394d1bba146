"""Daylight for optical imaging: solar elevation windows, by day, month and area.

Optical observation legs need the sun at or above a threshold (default 15 deg,
:data:`DEFAULT_MIN_ELEVATION_DEG`, a parameter everywhere). This module gives

- :func:`solar_elevation_deg`: the sun's elevation at a time and place (the NOAA
  solar-position algorithm after Meeus, *Astronomical Algorithms*, already used
  by :mod:`openskies._sun`, shared with :mod:`openskies.csbm`);
- :func:`daylight_window`: the period of one day (the local solar day at the
  place) with the sun at or above the threshold;
- :func:`monthly_windows`: the same for a representative day of each month
  (:data:`REPRESENTATIVE_DAY`, Klein's mean days, see below);
- :func:`imaging_threshold_deg`: the highest sun over an area on a day, i.e.
  the threshold at or below which imaging becomes possible somewhere in it;
- :func:`area_window`: the shortest window over an area on a day and the
  threshold at or below which every point of it has one (the study's
  daylight-fitted flights, ``docs/methodology.md``);
- :func:`fit_flight`: whether an imaging task of a given duration fits one
  day's window, or how it splits over consecutive days.

Representative day of a month: the day whose extraterrestrial daily
irradiation is closest to the month's mean (S. A. Klein, "Calculation of
monthly average insolation on tilted surfaces", *Solar Energy* 19, 325-329,
1977; tabled in Duffie & Beckman, *Solar Engineering of Thermal Processes*,
table 1.6.1): 17 Jan, 16 Feb, 16 Mar, 15 Apr, 15 May, 11 Jun, 17 Jul, 16 Aug,
15 Sep, 15 Oct, 14 Nov, 10 Dec. Give ``day=`` to choose another (e.g. 21 for
the solstices).

Times are UTC (timezone-aware datetimes); coordinates (lon, lat) degrees,
WGS84; elevations degrees above the horizon, apparent (with NOAA's
refraction) unless ``refraction=False``. The model and its checks:
``docs/sensors-and-aircraft.md`` (section Daylight).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import _validate
from ._errors import ValidationError

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_MIN_ELEVATION_DEG",
    "MAX_SPLIT_DAYS",
    "REPRESENTATIVE_DAY",
    "AreaWindow",
    "DaylightWindow",
    "FlightFit",
    "area_window",
    "daylight_window",
    "equation_of_time_min",
    "fit_flight",
    "imaging_threshold_deg",
    "monthly_windows",
    "solar_declination_deg",
    "solar_elevation_deg",
]

#: Default lowest solar elevation (deg) for optical imaging (an assumption, configurable).
DEFAULT_MIN_ELEVATION_DEG = 15.0
#: Klein's (1977) mean day of each month (see the module docstring).
REPRESENTATIVE_DAY: dict[int, int] = {
    1: 17,
    2: 16,
    3: 16,
    4: 15,
    5: 15,
    6: 11,
    7: 17,
    8: 16,
    9: 15,
    10: 15,
    11: 14,
    12: 10,
}
#: Largest number of consecutive days :func:`fit_flight` may split a task over.
MAX_SPLIT_DAYS = 31
#: Default year of :func:`monthly_windows` (the model year of ``treaty.yaml``).
DEFAULT_YEAR = 2019

_UTC = dt.UTC
_STEP_S = 60.0


def _ephemeris() -> tuple[Any, Any]:
    # The NOAA/Meeus ephemeris lives in the low-level module _sun (shared with csbm).
    from ._sun import _solar_elevation_at, _sun_declination_eot

    return _solar_elevation_at, _sun_declination_eot


def _utc(when: Any, name: str = "when") -> dt.datetime:
    if not isinstance(when, dt.datetime):
        msg = f"{name}={when!r} must be a datetime (UTC, timezone-aware)"
        raise ValidationError(msg)
    if when.tzinfo is None:
        msg = f"{name}={when!r} has no timezone: give a timezone-aware UTC datetime"
        raise ValidationError(msg)
    return when.astimezone(_UTC)


def _lonlat(lon: Any, lat: Any) -> tuple[float, float]:
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        x = y = math.nan
    if not (math.isfinite(x) and math.isfinite(y) and -180 <= x <= 180 and -90 <= y <= 90):
        msg = f"(lon, lat)=({lon!r}, {lat!r}) must be degrees in [-180, 180] x [-90, 90]"
        raise ValidationError(msg)
    return x, y


def _threshold(value: Any, name: str = "min_elevation_deg") -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not (math.isfinite(v) and -5.0 <= v < 90.0):
        msg = (
            f"{name}={value!r} must be a solar elevation in degrees in [-5, 90), "
            f"e.g. {DEFAULT_MIN_ELEVATION_DEG:g}"
        )
        raise ValidationError(msg)
    return v


def _day(day: Any) -> dt.date:
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        msg = f"day={day!r} must be a datetime.date (the local solar day at the place)"
        raise ValidationError(msg)
    return day


def solar_elevation_deg(
    when: dt.datetime, lon: float, lat: float, *, refraction: bool = True
) -> float:
    """Solar elevation above the horizon (deg) at ``when`` (UTC), seen from (lon, lat).

    NOAA solar-position algorithm (Meeus, low-accuracy method, good to about
    0.01 deg for 1900-2100); ``refraction`` adds NOAA's refraction correction.

    Parameters
    ----------
    when : datetime
        Timezone-aware instant.
    lon, lat : float
        Observer position, degrees (WGS84).
    refraction : bool
        Apparent (True) or geometric (False) elevation.
    """
    t = _utc(when)
    x, y = _lonlat(lon, lat)
    elev, _ = _ephemeris()
    return float(elev(t.timestamp(), x, y, refraction=refraction))


def solar_declination_deg(when: dt.datetime) -> float:
    """Apparent solar declination (deg) at ``when`` (UTC)."""
    _, decl = _ephemeris()
    return float(decl(_utc(when).timestamp() / 86400.0 + 2440587.5)[0])


def equation_of_time_min(when: dt.datetime) -> float:
    """Equation of time (min, apparent minus mean solar time) at ``when`` (UTC)."""
    _, decl = _ephemeris()
    return float(decl(_utc(when).timestamp() / 86400.0 + 2440587.5)[1])


@dataclass(frozen=True)
class DaylightWindow:
    """The period of one day with the sun at or above a threshold, at one place.

    Attributes
    ----------
    day : datetime.date
        Local solar day at the place.
    lon, lat : float
        The place, degrees.
    min_elevation_deg : float
        The threshold.
    start, end : datetime or None
        UTC start and end of the period (None when the sun stays below the
        threshold all day).
    hours : float
        Length of the period, hours (0 when there is none; 24 for a polar day).
    max_elevation_deg : float
        Highest solar elevation of the day (at local solar noon).
    noon : datetime
        Time of that highest elevation (UTC, to the minute).
    """

    day: dt.date
    lon: float
    lat: float
    min_elevation_deg: float
    start: dt.datetime | None
    end: dt.datetime | None
    hours: float
    max_elevation_deg: float
    noon: dt.datetime

    @property
    def imageable(self) -> bool:
        """Whether the sun reaches the threshold on this day."""
        return self.hours > 0.0


def _solar_day_samples(day: dt.date, lon: float) -> tuple[dt.datetime, np.ndarray]:
    # local mean noon of the day at this longitude; +-12 h covers the local solar day
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=_UTC) - dt.timedelta(
        hours=lon / 15.0
    )
    t0 = noon - dt.timedelta(hours=12)
    return t0, t0.timestamp() + _STEP_S * np.arange(int(86400 / _STEP_S) + 1)


def daylight_window(
    day: dt.date,
    lon: float,
    lat: float,
    *,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    refraction: bool = True,
) -> DaylightWindow:
    """The period of a day with the sun at or above ``min_elevation_deg`` at (lon, lat).

    The elevation is sampled every minute over the local solar day (local mean
    noon +- 12 h); the period is the run of samples around the day's highest
    sun, its ends found by linear interpolation between the samples that
    bracket the threshold (the elevation is smooth: error well under a second).

    Parameters
    ----------
    day : datetime.date
        Local solar day at the place.
    lon, lat : float
        The place, degrees (WGS84).
    min_elevation_deg : float
        Threshold, degrees (default 15).
    refraction : bool
        Compare the apparent (True) or geometric (False) elevation.

    Returns
    -------
    DaylightWindow
    """
    d = _day(day)
    x, y = _lonlat(lon, lat)
    thr = _threshold(min_elevation_deg)
    t0, ts = _solar_day_samples(d, x)
    elev_at, _ = _ephemeris()
    h = np.asarray(elev_at(ts, x, y, refraction=refraction), dtype=float)
    k = int(np.argmax(h))
    noon = t0 + dt.timedelta(seconds=float(ts[k] - ts[0]))
    top = float(h[k])
    if top < thr:
        return DaylightWindow(d, x, y, thr, None, None, 0.0, top, noon)
    up = h >= thr
    i = k
    while i > 0 and up[i - 1]:
        i -= 1
    j = k
    while j < len(h) - 1 and up[j + 1]:
        j += 1

    def cross(a: int, b: int) -> float:  # time (s) where h crosses thr between samples a, b
        frac = (thr - h[a]) / (h[b] - h[a])
        return float(ts[a] + frac * (ts[b] - ts[a]))

    s = float(ts[i]) if i == 0 else cross(i - 1, i)
    e = float(ts[j]) if j == len(h) - 1 else cross(j, j + 1)
    start = dt.datetime.fromtimestamp(s, _UTC)
    end = dt.datetime.fromtimestamp(e, _UTC)
    return DaylightWindow(d, x, y, thr, start, end, (e - s) / 3600.0, top, noon)


def _month_day(year: int, month: int, day: int | None) -> dt.date:
    if not (isinstance(month, int | np.integer) and 1 <= int(month) <= 12):
        msg = f"month={month!r} must be an integer 1-12"
        raise ValidationError(msg)
    m = int(month)
    dd = REPRESENTATIVE_DAY[m] if day is None else day
    try:
        return dt.date(int(year), m, int(dd))
    except (TypeError, ValueError):
        msg = f"day={day!r} is not a day of {year}-{m:02d}: give 1-28 (or the month's length)"
        raise ValidationError(msg) from None


def monthly_windows(
    lon: float,
    lat: float,
    *,
    months: Any = range(1, 13),
    year: int = DEFAULT_YEAR,
    day: int | None = None,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    refraction: bool = True,
) -> pd.DataFrame:
    """Daylight window of a representative day of each month at (lon, lat).

    Parameters
    ----------
    lon, lat : float
        The place, degrees.
    months : iterable of int
        Months 1-12 (default all).
    year : int
        Calendar year of the days (default 2019, the treaty model year).
    day : int, optional
        Day of the month for every month; default Klein's mean day
        (:data:`REPRESENTATIVE_DAY`).
    min_elevation_deg : float
        Threshold, degrees (default 15).
    refraction : bool
        Apparent (True) or geometric elevation.

    Returns
    -------
    pandas.DataFrame
        One row per month: ``month``, ``date``, ``start_utc``, ``end_utc``
        (NaT when not imageable), ``hours``, ``max_elevation_deg``,
        ``imageable`` (0/1).
    """
    rows = []
    for m in months:
        w = daylight_window(
            _month_day(year, m, day),
            lon,
            lat,
            min_elevation_deg=min_elevation_deg,
            refraction=refraction,
        )
        rows.append(
            {
                "month": int(m),
                "date": w.day,
                "start_utc": pd.Timestamp(w.start) if w.start else pd.NaT,
                "end_utc": pd.Timestamp(w.end) if w.end else pd.NaT,
                "hours": w.hours,
                "max_elevation_deg": w.max_elevation_deg,
                "imageable": int(w.imageable),
            }
        )
    return pd.DataFrame(rows)


def _bounds(area: Any) -> tuple[float, float, float, float]:
    geom = getattr(area, "geometry", area)
    if hasattr(geom, "bounds") and not isinstance(geom, tuple):
        b = tuple(float(v) for v in geom.bounds)
    else:
        try:
            b = () if isinstance(area, str) else tuple(float(v) for v in area)
        except (TypeError, ValueError):
            b = ()
        if len(b) == 2:
            b = (b[0], b[1], b[0], b[1])
    if len(b) != 4 or not all(math.isfinite(v) for v in b):
        msg = (
            f"area={area!r} must be a shapely geometry, a Territory, (lon, lat) or "
            "(min_lon, min_lat, max_lon, max_lat) in degrees"
        )
        raise ValidationError(msg)
    _lonlat(b[0], b[1])
    _lonlat(b[2], b[3])
    return b  # type: ignore[return-value]


def imaging_threshold_deg(area: Any, day: dt.date, *, refraction: bool = True) -> float:
    """Highest solar elevation (deg) anywhere over an area on a day.

    Imaging becomes possible somewhere in the area for a threshold at or below
    this value, and nowhere above it. The day's highest sun at latitude phi is
    the noon sun, ``90 - |phi - delta|`` for declination delta, so over an
    area it is reached at the latitude of the area closest to delta (its
    southern edge in a northern winter); it is computed there with the
    ephemeris (:func:`daylight_window`), at the middle longitude of the area.

    Parameters
    ----------
    area : shapely geometry, Territory, (lon, lat) or bounds
        The area, degrees (its bounding latitudes are used).
    day : datetime.date
        The day.
    refraction : bool
        Apparent (True) or geometric elevation.
    """
    x0, y0, x1, y1 = _bounds(area)
    d = _day(day)
    mid = dt.datetime(d.year, d.month, d.day, 12, tzinfo=_UTC)
    decl = solar_declination_deg(mid)
    lat = min(max(decl, y0), y1)
    lon = (x0 + x1) / 2.0
    w = daylight_window(d, lon, lat, min_elevation_deg=-5.0, refraction=refraction)
    return w.max_elevation_deg


#: Latitudes sampled between an area's southern and northern edges by :func:`area_window`.
AREA_LATITUDES = 9


@dataclass(frozen=True)
class AreaWindow:
    """The daylight of one day over an area (:func:`area_window`).

    Attributes
    ----------
    day : datetime.date
        The day.
    min_elevation_deg : float
        The threshold, degrees.
    hours : float
        The shortest window (sun at or above the threshold) over the area's
        latitudes, hours; 0 when some part of the area has none.
    lowest_noon_deg : float
        The lowest of the day's highest sun over the area (deg): every point of
        the area has a window for a threshold at or below it.
    highest_noon_deg : float
        The highest sun anywhere over the area (deg,
        :func:`imaging_threshold_deg`): no point has a window above it.
    lat_shortest : float
        Latitude (deg) of the shortest window.
    """

    day: dt.date
    min_elevation_deg: float
    hours: float
    lowest_noon_deg: float
    highest_noon_deg: float
    lat_shortest: float

    @property
    def imageable(self) -> bool:
        """Every point of the area has the sun at or above the threshold on this day."""
        return self.hours > 0.0


def area_window(
    area: Any,
    day: dt.date,
    *,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    refraction: bool = True,
) -> AreaWindow:
    """The shortest daylight window over an area on a day, and the noon sun's range.

    The window's length depends on latitude (longitude shifts it in time only),
    so it is computed (:func:`daylight_window`) at :data:`AREA_LATITUDES`
    latitudes evenly spaced from the area's southern to its northern edge, at
    the middle longitude, and the shortest is kept: a flight whose imaging
    fits it fits the window wherever in the area it images (on that day).

    Parameters
    ----------
    area : shapely geometry, Territory, (lon, lat) or bounds
        The area, degrees (its bounding latitudes are used).
    day : datetime.date
        The day (e.g. a month's :data:`REPRESENTATIVE_DAY`).
    min_elevation_deg : float
        Threshold, degrees (default 15).
    refraction : bool
        Apparent (True) or geometric elevation.

    Returns
    -------
    AreaWindow
    """
    x0, y0, x1, y1 = _bounds(area)
    d = _day(day)
    thr = _threshold(min_elevation_deg)
    lon = (x0 + x1) / 2.0
    found = [
        daylight_window(d, lon, float(lat), min_elevation_deg=thr, refraction=refraction)
        for lat in np.linspace(y0, y1, AREA_LATITUDES)
    ]
    short = min(found, key=lambda w: (w.hours, w.max_elevation_deg))
    lowest = min(w.max_elevation_deg for w in found)
    highest = imaging_threshold_deg(area, d, refraction=refraction)
    return AreaWindow(d, thr, short.hours, lowest, highest, short.lat)


@dataclass(frozen=True)
class FlightFit:
    """How an imaging task fits the daylight windows of consecutive days.

    Attributes
    ----------
    duration_h : float
        Imaging time asked for, hours.
    legs : tuple of (datetime, datetime)
        UTC start and end of the imaging on each day used, in order.
    remaining_h : float
        Imaging time that did not fit in ``max_days`` days (0 when it fits).
    """

    duration_h: float
    legs: tuple[tuple[dt.datetime, dt.datetime], ...]
    remaining_h: float

    @property
    def fits(self) -> bool:
        """The whole task fits one day's window (no split)."""
        return self.remaining_h == 0.0 and len(self.legs) == 1

    @property
    def feasible(self) -> bool:
        """The task fits the windows of the days allowed (split or not)."""
        return self.remaining_h == 0.0

    @property
    def parts(self) -> int:
        """Number of days with imaging (legs)."""
        return len(self.legs)


def fit_flight(
    duration_h: float,
    day: dt.date,
    lon: float,
    lat: float,
    *,
    min_elevation_deg: float = DEFAULT_MIN_ELEVATION_DEG,
    max_days: int = 3,
    refraction: bool = True,
) -> FlightFit:
    """Fit ``duration_h`` of imaging into the daylight windows from ``day`` on.

    Each day's window (:func:`daylight_window` at (lon, lat)) is filled from
    its start; what does not fit goes to the next day, as a rest period or
    overnight stop between the parts (Art. VI Sec. II para 3 lets a mission
    plan declare them). The default of 3 days is the number of daylight
    periods left inside the 96-hour window once the 24 hours between the plan
    and the flight have passed (an assumption; research dossier for issue 15,
    section 3.4).

    Parameters
    ----------
    duration_h : float
        Imaging time (observation legs with sensors on), hours (> 0).
    day : datetime.date
        First day.
    lon, lat : float
        Where the windows are computed, degrees.
    min_elevation_deg : float
        Threshold, degrees (default 15).
    max_days : int
        Most consecutive days to use (1 to :data:`MAX_SPLIT_DAYS`).
    refraction : bool
        Apparent (True) or geometric elevation.

    Returns
    -------
    FlightFit
        ``fits`` (one window), ``feasible`` (within ``max_days``), ``legs``.
    """
    need = _validate.positive(
        duration_h, f"duration_h={duration_h!r} must be a positive number of hours"
    )
    if not (isinstance(max_days, int) and 1 <= max_days <= MAX_SPLIT_DAYS):
        msg = f"max_days={max_days!r} must be an integer from 1 to {MAX_SPLIT_DAYS}"
        raise ValidationError(msg)
    d = _day(day)
    legs: list[tuple[dt.datetime, dt.datetime]] = []
    left = need
    for k in range(max_days):
        w = daylight_window(
            d + dt.timedelta(days=k),
            lon,
            lat,
            min_elevation_deg=min_elevation_deg,
            refraction=refraction,
        )
        if not w.imageable or w.start is None:
            continue
        use = min(left, w.hours)
        end = w.end if use >= w.hours and w.end is not None else w.start + dt.timedelta(hours=use)
        legs.append((w.start, end))
        left -= use
        if left <= 1e-9:
            left = 0.0
            break
    fit = FlightFit(need, tuple(legs), left)
    logger.info(
        "%.2f h of imaging from %s at (%.2f, %.2f): %d leg(s), %.2f h left",
        need,
        d,
        lon,
        lat,
        fit.parts,
        fit.remaining_h,
    )
    return fit
