"""Dense recorded tracks that stress the rule 6 fast paths (tests only).

A track is built in metres east and north of a centre (a local tangent plane), sampled
every ``spacing_m`` along its corners with optional GPS-like jitter, and placed on the
WGS84 ellipsoid by direct geodesics from the centre (azimuth and distance of each
local point). A lead-in and a lead-out point 40 km away (along the first and the last leg, so
that they cross nothing) keep the dense part outside the 20 km take-off and landing
radius, so that every rule 6 check applies to it.

Kinds (each chosen to reach one branch of ``openskies._segments``' certificates or
the exact pass count, with violations found and not found):

``star``
    three straight lines through one point (a third pass: a violation).
``retrace``
    out, back and out again along one line (three passes along all of it).
``parallel``
    three parallel lines about the same-point tolerance apart, joined by U-turns,
    crossed by a fourth line (events on the edge of the 1 km tolerance).
``zigzag``
    a random walk whose heading changes by 15-30 deg every few hundred metres
    (around the 20 deg straightness bound), folded back over itself.
``circle``
    1.2 to 2.5 turns of a circle of radius 0.3 to 3 km (circling and passes).
``corners``
    a square flown twice with a shift (corners near other passes).
``cross``
    two long straight lines crossing once (legal: two passes).
``outback``
    out and back along one line with a 1 km wide turn (legal: two passes).
``survey``
    the pattern of ``bench/bench_validate.py`` (eight lines at right angles, each
    crossed once) at a tenth of its size and turned, then a diagonal through one of
    its crossings (a third pass there): long straight passes, as in a recorded track.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from openskies import geodesy

KINDS = ("star", "retrace", "parallel", "zigzag", "circle", "corners", "cross", "outback", "survey")

#: Centres: Belarus, both sides of the antimeridian, 78 and 84 deg N.
CENTRES = ((27.5, 53.5), (179.99, 65.0), (-179.995, 66.5), (60.0, 78.0), (10.0, 84.0))


def corners_of(kind: str, rng: np.random.Generator) -> np.ndarray:
    """Corners (metres east, north of the centre) of a track of ``kind``."""
    if kind == "star":
        a0 = rng.uniform(0.0, 180.0)
        out = []
        for k in range(3):
            a = math.radians(a0 + 60.0 * k + rng.uniform(-5.0, 5.0))
            u = np.array([math.sin(a), math.cos(a)])
            half = rng.uniform(2000.0, 4000.0)
            out += [-half * u, half * u]
        return np.array(out)
    if kind == "retrace":
        a = math.radians(rng.uniform(0.0, 360.0))
        u = np.array([math.sin(a), math.cos(a)]) * rng.uniform(3000.0, 6000.0)
        return np.array([-u, u, -u, u])
    if kind == "parallel":
        a = math.radians(rng.uniform(0.0, 360.0))
        u = np.array([math.sin(a), math.cos(a)])
        v = np.array([u[1], -u[0]])
        gap = rng.uniform(450.0, 1100.0)
        length = rng.uniform(3000.0, 5000.0)
        pts = []
        for k in range(3):
            ends = [-length / 2 * u, length / 2 * u]
            if k % 2:
                ends = ends[::-1]
            pts += [e + k * gap * v for e in ends]
        pts += [gap * v + length / 2 * u + 500.0 * u, gap * v - 800.0 * u - 2000.0 * v]
        pts += [gap * v + 2500.0 * v]
        return np.array(pts)
    if kind == "zigzag":
        pts = [np.zeros(2)]
        az = rng.uniform(0.0, 360.0)
        for _ in range(14):
            az += rng.choice([-1.0, 1.0]) * rng.uniform(15.0, 30.0)
            step = rng.uniform(150.0, 600.0)
            a = math.radians(az)
            pts.append(pts[-1] + step * np.array([math.sin(a), math.cos(a)]))
        back = np.array(pts[::-1]) + rng.normal(0.0, 300.0, 2)
        return np.vstack([pts, back, np.array(pts) + rng.normal(0.0, 300.0, 2)])
    if kind == "circle":
        r = rng.uniform(300.0, 3000.0)
        turns = rng.uniform(1.2, 2.5)
        t = np.linspace(0.0, 2.0 * math.pi * turns, 200)
        sign = rng.choice([-1.0, 1.0])
        return np.column_stack([r * np.cos(sign * t), r * np.sin(sign * t)])
    if kind == "corners":
        side = rng.uniform(1500.0, 4000.0)
        sq = np.array([[0, 0], [side, 0], [side, side], [0, side], [0, 0]], float)
        shift = rng.uniform(-700.0, 700.0, 2)
        return np.vstack([sq, sq[1:] + shift])
    if kind in ("cross", "outback"):
        a = math.radians(rng.uniform(0.0, 360.0))
        u = np.array([math.sin(a), math.cos(a)])
        v = np.array([u[1], -u[0]])
        length = rng.uniform(4000.0, 8000.0)
        if kind == "outback":
            w = rng.uniform(100.0, 900.0)
            return np.array([-length * u, length * u, length * u + w * v, -length * u + w * v])
        b = math.radians(math.degrees(a) + rng.uniform(25.0, 155.0))
        u2 = np.array([math.sin(b), math.cos(b)])
        return np.array(
            [-length * u, length * u, length * u - 3000.0 * v, 4000.0 * u2, -4000.0 * u2]
        )
    if kind == "survey":
        pattern = [(0, 0), (-90, 0), (-90, -30), (-20, -30), (-20, 20), (-60, 20), (-60, -40)]
        pattern += [(0, -40), (0, 0), (-10, -10), (-30, 10)]  # the diagonal crosses (-20, 0)
        a = math.radians(rng.uniform(0.0, 360.0))
        rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
        return 100.0 * np.array(pattern, float) @ rot.T
    msg = f"unknown kind {kind!r}: choose from {KINDS}"
    raise ValueError(msg)


def sample(corners: np.ndarray, spacing_m: float) -> np.ndarray:
    """Points every ``spacing_m`` along the polyline ``corners`` (its corners kept)."""
    out = [corners[:1]]
    for a, b in itertools.pairwise(corners):
        n = max(1, math.ceil(float(np.hypot(*(b - a))) / spacing_m))
        f = np.arange(1, n + 1)[:, None] / n
        out.append(a + (b - a) * f)
    return np.vstack(out)


def to_lonlat(xy_m: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """Local east/north metres to (lon, lat) degrees, by direct geodesics from ``centre``."""
    az = np.degrees(np.arctan2(xy_m[:, 0], xy_m[:, 1]))
    dist = np.hypot(xy_m[:, 0], xy_m[:, 1])
    n = len(xy_m)
    lon, lat, _ = geodesy.GEOD.fwd(np.full(n, centre[0]), np.full(n, centre[1]), az, dist)
    return np.column_stack([geodesy.normalize_lon(np.asarray(lon)), lat])


def track(
    kind: str,
    centre: tuple[float, float],
    *,
    seed: int,
    spacing_m: float = 60.0,
    jitter_m: float | None = None,
    scale: float = 1.0,
) -> np.ndarray:
    """(lon, lat) waypoints of one dense track of ``kind`` around ``centre`` (with lead-in/out).

    ``scale`` multiplies the track's size; ``jitter_m`` (standard deviation per axis)
    defaults to one of 0, 2 and 6 m drawn from the seed.
    """
    rng = np.random.default_rng(seed)
    xy = sample(scale * corners_of(kind, rng), spacing_m)
    sigma = rng.choice([0.0, 2.0, 6.0]) if jitter_m is None else jitter_m
    xy = xy + rng.normal(0.0, sigma, xy.shape) if sigma else xy
    corners = scale * corners_of(kind, np.random.default_rng(seed))  # the same draw again
    first = corners[0] - corners[1]
    last = corners[-1] - corners[-2]
    lead_in = corners[0] + 40_000.0 * first / np.hypot(*first)
    lead_out = corners[-1] + 40_000.0 * last / np.hypot(*last)
    return to_lonlat(np.vstack([lead_in, xy, lead_out]), centre)
