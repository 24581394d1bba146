"""Independent solar position for the tests (not openskies code).

The Astronomical Almanac's low-precision formulas for the Sun (section C; about 0.01 deg over
1950-2050), with the sun's right ascension and Greenwich mean sidereal time rather than the
equation of time that openskies (NOAA, Meeus) uses.
"""

from __future__ import annotations

import datetime as dt
import math


def almanac_elevation_deg(when: dt.datetime, lon: float, lat: float) -> float:
    """Geometric solar elevation (deg, no refraction) at ``when`` seen from (lon, lat) degrees."""
    n = when.timestamp() / 86400.0 + 2440587.5 - 2451545.0
    mean_l = math.radians((280.460 + 0.9856474 * n) % 360)
    g = math.radians((357.528 + 0.9856003 * n) % 360)
    lam = mean_l + math.radians(1.915 * math.sin(g) + 0.020 * math.sin(2 * g))
    eps = math.radians(23.439 - 0.0000004 * n)
    ra = math.atan2(math.cos(eps) * math.sin(lam), math.cos(lam))
    decl = math.asin(math.sin(eps) * math.sin(lam))
    gmst_h = (18.697374558 + 24.06570982441908 * n) % 24
    ha = math.radians(gmst_h * 15 + lon) - ra
    la = math.radians(lat)
    cz = math.sin(la) * math.sin(decl) + math.cos(la) * math.cos(decl) * math.cos(ha)
    return 90 - math.degrees(math.acos(cz))
