"""Benchmark of ``FlightPlan.validate`` at scale: dense recorded tracks and a lawnmower.

Cases (issue 17, "fast at scale"):

- ``dense-N``: a recorded track of N points about 28 m apart (a 1 Hz log at
  100 m/s), N = 1,000, 10,000 and 100,000. The track leaves Kubinka (UUMB),
  flies a survey pattern west of it (eight straight lines at right angles, each
  crossed once by a later line, scaled so the track has N points) and returns;
  it is sampled along the geodesics every 28 m and written to a GPX track.
- ``lawnmower-20k``: 40 parallel lanes 5 km apart over Belarus and Russia (28-33 deg E),
  each with 500 waypoints 0.7 km apart (20,000 waypoints), as a GPX track.
- ``dense-10k-gps3m``: the dense 10,000-point track with GPS-like noise, each point
  moved by a normal error of 3 m standard deviation east and north (seed 0): a
  recorded track is not a perfect geodesic.

Each case runs in a fresh subprocess: it reads the GPX written in a temporary
directory (``openskies.flightplan.read``), validates once with the geometry caches
warm (a first validation of a small plan fills them) and reports the wall time of
``validate()`` (and of the read) with its CPU time (``time.process_time()``: the machine's
load does not inflate it), the violations found and the peak resident memory of the process
(``resource.getrusage(...).ru_maxrss``, which includes Python, numpy, shapely and
the bundled borders). Goals: dense 10,000 < 5 s; dense 100,000 < 10 s and < 1 GiB.

The 500-waypoint warm/cold check of the workbench lives in ``bench_validate_warm.py``.

Usage (from the repository root)::

    .venv/bin/python bench/bench_validate.py [--cases dense-1k,dense-10k,dense-100k,lawnmower-20k]
    .venv/bin/python bench/bench_validate.py --cases dense-10k-gps3m       # a noisy track
    .venv/bin/python bench/bench_validate.py --repo ../main --cases dense-1k   # before
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

KUBINKA = (36.650002, 55.611695)
SPACING_M = 28.0
# survey pattern, km (east, north) from Kubinka; every line crossed once by a later one
PATTERN = [(0, 0), (-90, 0), (-90, -30), (-20, -30), (-20, 20), (-60, 20), (-60, -40), (0, -40)]
CASES = {
    "dense-1k": 1_000,
    "dense-10k": 10_000,
    "dense-100k": 100_000,
    "lawnmower-20k": 20_000,
    "dense-10k-gps3m": 10_000,
}
GPS_SIGMA_M = 3.0
GOALS = {"dense-10k": (5.0, None), "dense-100k": (10.0, 1024.0)}


def dense_track(n: int) -> np.ndarray:
    """(lon, lat) of an ``n``-point track, points ``SPACING_M`` apart along geodesics."""
    from openskies import geodesy

    p = np.array([*PATTERN, (0, 0)], float)
    unit_km = float(np.sum(np.hypot(*np.diff(p, axis=0).T)))
    scale = max(1.0, n * SPACING_M / 1000.0 / unit_km * 1.01)
    corners = []
    for x, y in p * scale:
        if x == 0 and y == 0:
            corners.append(KUBINKA)
            continue
        az = math.degrees(math.atan2(x, y))
        lon, lat, _ = geodesy.GEOD.fwd(*KUBINKA, az, 1000.0 * math.hypot(x, y))
        corners.append((lon, lat))
    pts = [np.array(corners[0])]
    for (x0, y0), (x1, y1) in itertools.pairwise(corners):
        az, _, d = geodesy.GEOD.inv(x0, y0, x1, y1)
        k = np.arange(1, int(d // SPACING_M) + 1)
        lon, lat, _ = geodesy.GEOD.fwd(
            np.full(k.size, x0), np.full(k.size, y0), np.full(k.size, az), k * SPACING_M
        )
        pts.extend(np.column_stack([lon, lat]))
    out = np.array(pts)[: n - 1]
    return np.vstack([out, [KUBINKA]])  # lands back at Kubinka


def with_gps_noise(xy: np.ndarray, sigma_m: float, *, seed: int = 0) -> np.ndarray:
    """``xy`` (lon, lat) with each point but the first and last moved by a normal error.

    The error has standard deviation ``sigma_m`` metres east and north (independent),
    applied as a geodesic step of that length and direction.
    """
    from openskies import geodesy

    rng = np.random.default_rng(seed)
    east, north = rng.normal(0.0, sigma_m, (2, len(xy)))
    az = np.degrees(np.arctan2(east, north))
    lon, lat, _ = geodesy.GEOD.fwd(xy[:, 0], xy[:, 1], az, np.hypot(east, north))
    out = np.column_stack([lon, lat])
    out[[0, -1]] = xy[[0, -1]]
    return out


def lawnmower(n_lanes: int = 40, per_lane: int = 500) -> np.ndarray:
    """``n_lanes`` west-east lanes 5 km apart from 53 deg N (28-33 deg E, Belarus and Russia)."""
    from openskies import geodesy

    rows = [KUBINKA]
    for lane in range(n_lanes):
        lat = 53.0 + lane * 5.0 / 111.2
        lon = np.linspace(28.0, 33.0, per_lane)
        if lane % 2:
            lon = lon[::-1]
        rows.extend(zip(lon, np.full(per_lane, lat), strict=True))
    rows.append(KUBINKA)
    xy = np.array(rows, float)
    geodesy.check_lonlat(xy[:, 0], xy[:, 1], what="lawnmower")
    return xy[: n_lanes * per_lane]  # 20,000 waypoints (the plan adds Kubinka back)


def write_gpx(path: Path, xy: np.ndarray) -> None:
    pts = "\n".join(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"/>' for lon, lat in xy)
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="bench" xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"<trk><name>bench</name><trkseg>\n{pts}\n</trkseg></trk></gpx>\n",
        encoding="utf-8",
    )


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[2])
from openskies import data
from openskies.flightplan import FlightPlan, read
reg = data.regime()
warm = FlightPlan.from_waypoints([(36.650002, 55.611695), (30.0, 54.0), (36.650002, 55.611695)])
warm.validate()
t0, c0 = time.perf_counter(), time.process_time()
plan = read(sys.argv[1], start="UUMB", end="UUMB")
t_read, c_read = time.perf_counter() - t0, time.process_time() - c0
t0, c0 = time.perf_counter(), time.process_time()
v = plan.validate()
t_val, c_val = time.perf_counter() - t0, time.process_time() - c0
rules = {}
for x in v:
    rules[x.rule] = rules.get(x.rule, 0) + 1
print(json.dumps({
    "waypoints": len(plan.waypoints), "km": plan.geodesic_length_km, "read_s": t_read,
    "read_cpu_s": c_read, "validate_s": t_val, "validate_cpu_s": c_val, "rules": rules,
    "maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
}))
"""


def run_case(name: str, tmp: Path, repo: Path = REPO_ROOT) -> dict:
    xy = dense_track(CASES[name]) if name.startswith("dense") else lawnmower()
    if name.endswith("-gps3m"):
        xy = with_gps_noise(xy, GPS_SIGMA_M)
    path = tmp / f"{name}.gpx"
    write_gpx(path, xy)
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(repo)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default=",".join(CASES))
    parser.add_argument(
        "--repo",
        type=Path,
        default=REPO_ROOT,
        help="checkout whose openskies validates (e.g. the main branch, for a before/after row)",
    )
    args = parser.parse_args()
    names = [c.strip() for c in args.cases.split(",") if c.strip()]
    unknown = [c for c in names if c not in CASES]
    if unknown:
        parser.error(f"unknown case(s) {unknown}: choose from {', '.join(CASES)}")
    print(f"load average before: {os.getloadavg()[0]:.2f} (2 cores)")
    print(
        "| case | waypoints | km | read s (CPU s) | validate s (CPU s) | peak RSS MiB "
        "| violations | goal |"
    )
    print("|---|---|---|---|---|---|---|---|")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            r = run_case(name, Path(tmp), args.repo)
            if "error" in r:
                print(f"| {name} | | | | | | error: {r['error']} | FAIL |")
                failed = True
                continue
            t_goal, m_goal = GOALS.get(name, (None, None))
            ok = (t_goal is None or r["validate_s"] < t_goal) and (
                m_goal is None or r["maxrss_mib"] < m_goal
            )
            goal = (
                "-"
                if t_goal is None
                else f"< {t_goal:g} s"
                + (f", < {m_goal:g} MiB" if m_goal else "")
                + (" ok" if ok else " FAIL")
            )
            failed |= not ok
            rules = ", ".join(f"{k} {v}" for k, v in sorted(r["rules"].items())) or "none"
            print(
                f"| {name} | {r['waypoints']:,} | {r['km']:,.0f} | "
                f"{r['read_s']:.2f} ({r.get('read_cpu_s', math.nan):.2f}) | "
                f"{r['validate_s']:.2f} ({r.get('validate_cpu_s', math.nan):.2f}) | "
                f"{r['maxrss_mib']:.0f} | {rules} | {goal} |"
            )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
