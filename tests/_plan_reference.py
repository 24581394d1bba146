"""Independent references shared by the flight-plan and legality tests (not openskies code).

GeographicLib (Karney) for geodesic distances, forward points and lengths inside a region
(sampling each geodesic leg), and the Kubinka loop over Belarus both test files fly.
Coordinates are (lon, lat) degrees WGS84; lengths km.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import shapely
from geographiclib.geodesic import Geodesic

WGS84 = Geodesic.WGS84
KUB = (36.650002, 55.611695)  # Kubinka (UUMB), OurAirports
BELARUS_LOOP = [KUB, (30.0, 54.5), (27.5, 53.9), (28.0, 52.5), (31.0, 52.5), KUB]


def geo_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return WGS84.Inverse(a[1], a[0], b[1], b[0])["s12"] / 1000.0


def path_km(coords: list[tuple[float, float]]) -> float:
    return sum(geo_km(a, b) for a, b in itertools.pairwise(coords))


def fwd(c: tuple[float, float], az: float, km: float) -> tuple[float, float]:
    d = WGS84.Direct(c[1], c[0], az, km * 1000.0)
    return (d["lon2"], d["lat2"])


def sampled_km_inside(coords, region, *, legs=None, step_km=0.25) -> float:
    """Length inside ``region`` by sampling each geodesic leg with GeographicLib (midpoints)."""
    total = 0.0
    for i, (a, b) in enumerate(itertools.pairwise(coords)):
        if legs is not None and i not in legs:
            continue
        line = WGS84.InverseLine(a[1], a[0], b[1], b[0])
        n = max(1, math.ceil(line.s13 / 1000.0 / step_km))
        ds = line.s13 / n
        mids = [line.Position((k + 0.5) * ds) for k in range(n)]
        lon = np.array([m["lon2"] for m in mids])
        lat = np.array([m["lat2"] for m in mids])
        inside = shapely.contains_xy(region, lon, lat)
        total += float(inside.sum()) * ds / 1000.0
    return total
