"""The solar ephemeris of the time to image: solar elevation, refraction, the start of daylight.

Moved out of :mod:`openskies.csbm` (which re-exports these names); times are UTC, angles degrees.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

logger = logging.getLogger(__name__)


def _julian_day(when: dt.datetime) -> float:
    """Julian day (UT) of a timezone-aware datetime."""
    return when.timestamp() / 86400.0 + 2440587.5


def _sun_declination_eot(jd: Any) -> tuple[Any, Any]:
    """Apparent solar declination (deg) and equation of time (min) at Julian day ``jd``.

    NOAA's solar calculator formulas (from Meeus, *Astronomical Algorithms*,
    chapters 25 and 28, low-accuracy method): good to about 0.01 deg in
    declination and a few seconds in the equation of time for 1900-2100.
    ``jd`` may be a number or an array (numpy, elementwise).
    """
    t = (np.asarray(jd, dtype=float) - 2451545.0) / 36525.0
    l0 = (280.46646 + t * (36000.76983 + t * 0.0003032)) % 360.0
    m = np.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    c = (
        np.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + np.sin(2 * m) * (0.019993 - 0.000101 * t)
        + np.sin(3 * m) * 0.000289
    )
    omega = np.radians(125.04 - 1934.136 * t)
    app_long = np.radians(l0 + c - 0.00569 - 0.00478 * np.sin(omega))
    eps0 = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0
    eps = np.radians(eps0 + 0.00256 * np.cos(omega))
    decl = np.degrees(np.arcsin(np.sin(eps) * np.sin(app_long)))
    y = np.tan(eps / 2.0) ** 2
    l0r = np.radians(l0)
    eot = 4.0 * np.degrees(
        y * np.sin(2 * l0r)
        - 2 * e * np.sin(m)
        + 4 * e * y * np.sin(m) * np.cos(2 * l0r)
        - 0.5 * y * y * np.sin(4 * l0r)
        - 1.25 * e * e * np.sin(2 * m)
    )
    return decl, eot


def _refraction_deg(elevation_deg: Any) -> Any:
    """NOAA's approximation of atmospheric refraction (deg) at a true elevation (elementwise)."""
    h = np.asarray(elevation_deg, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        te = np.tan(np.radians(h))
        high = 58.1 / te - 0.07 / te**3 + 0.000086 / te**5
        low = 1735.0 + h * (-518.2 + h * (103.4 + h * (-12.79 + h * 0.711)))
        below = -20.772 / te
    arcsec = np.select([h > 85.0, h > 5.0, h > -0.575], [0.0, high, low], below)
    return arcsec / 3600.0


def _solar_elevation_at(
    epoch_s: Any, lon: float, lat: float, *, refraction: bool = True
) -> NDArray[np.float64]:
    """Solar elevation (deg) at POSIX times ``epoch_s`` (s, UTC), seen from (lon, lat) degrees.

    NOAA solar-position algorithm (Meeus), vectorised; with ``refraction`` the
    apparent elevation (NOAA's refraction correction added), else the geometric one.
    """
    ts = np.asarray(epoch_s, dtype=float)
    decl, eot = _sun_declination_eot(ts / 86400.0 + 2440587.5)
    minutes = np.mod(ts, 86400.0) / 60.0
    tst = (minutes + eot + 4.0 * lon) % 1440.0
    ha = np.radians(tst / 4.0 - 180.0)
    la, de = math.radians(lat), np.radians(decl)
    cos_z = math.sin(la) * np.sin(de) + math.cos(la) * np.cos(de) * np.cos(ha)
    elev = 90.0 - np.degrees(np.arccos(np.clip(cos_z, -1.0, 1.0)))
    return elev + _refraction_deg(elev) if refraction else elev


def _solar_elevation_deg(
    when: dt.datetime, lon: float, lat: float, *, refraction: bool = True
) -> float:
    """Solar elevation above the horizon (deg) at ``when`` (UTC) seen from (lon, lat) degrees.

    NOAA solar-position algorithm (Meeus); with ``refraction`` the apparent
    elevation (NOAA's refraction correction added), else the geometric one.
    """
    return float(_solar_elevation_at(when.timestamp(), lon, lat, refraction=refraction))


def _ceil_minute(t: dt.datetime) -> dt.datetime:
    floor = t.replace(second=0, microsecond=0)
    return floor if floor == t else floor + dt.timedelta(minutes=1)


@dataclass(frozen=True)
class _Daylight:
    """Result of :func:`_daylight_start`: when imaging can start, or why it cannot."""

    start: dt.datetime | None  # None: not imageable in the window
    end: dt.datetime | None  # end of that daylight period (last sample with the sun up)
    max_elevation_deg: float  # highest sun sampled in the window
    longest_h: float  # longest daylight period (sun at or above the angle) starting in it


#: Longest task (h) searched for one daylight period: a polar day lasts at most ~190 days.
_LONGEST_DAYLIGHT_H = 24.0 * 190


def _daylight_start(
    earliest: dt.datetime,
    lon: float,
    lat: float,
    *,
    min_elevation_deg: float,
    duration_h: float,
    horizon_h: float = 96.0,
) -> _Daylight:
    """Earliest start >= ``earliest`` of a ``duration_h`` task done with the sun above the angle.

    The sun's elevation is sampled at ``earliest`` and at every whole minute
    after it (NOAA algorithm, over (lon, lat)). A daylight period is a run of
    samples with the elevation at least ``min_elevation_deg``; it starts at its
    first sample (``earliest`` itself when the sun is already up, else the
    first whole minute with the sun up: the sunrise rounded up to the minute)
    and ends at its last. The answer is the
    start of the first period that begins within ``horizon_h`` of ``earliest``
    and lasts ``duration_h`` or more (samples run ``duration_h`` beyond the
    horizon to measure it). When there is none, ``start`` is None: not
    imageable in the window, never a time.

    Monotone by construction: a higher angle keeps a subset of the same
    samples, so every period it finds lies inside a period of a lower angle
    that starts no later and lasts no less; raising the angle never gives an
    earlier start.
    """
    if duration_h > _LONGEST_DAYLIGHT_H:
        return _Daylight(None, None, math.nan, 0.0)
    lead = (_ceil_minute(earliest) - earliest).total_seconds()
    n = math.ceil((horizon_h + duration_h) * 60.0) + 2
    minutes = lead + 60.0 * np.arange(n)
    offsets = minutes if lead == 0.0 else np.concatenate([[0.0], minutes])
    up = _solar_elevation_at(earliest.timestamp() + offsets, lon, lat)
    top = float(np.max(up[offsets <= horizon_h * 3600.0]))
    flags = np.concatenate([[False], up >= min_elevation_deg, [False]])
    edges = np.flatnonzero(np.diff(flags.astype(np.int8)))
    first, last = edges[0::2], edges[1::2] - 1  # sample indices of each run
    longest = 0.0
    for i, j in zip(first, last, strict=True):
        if offsets[i] > horizon_h * 3600.0:
            break
        start = earliest + dt.timedelta(seconds=float(offsets[i]))
        end = earliest + dt.timedelta(seconds=float(offsets[j]))
        length_h = (end - start).total_seconds() / 3600.0
        longest = max(longest, length_h)
        if length_h >= duration_h:
            return _Daylight(start, end, top, longest)
    return _Daylight(None, None, top, longest)
