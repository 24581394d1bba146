"""The column-generation bound (``Fleet.refined_bound``) beside the study's bound (issue 14).

For each case (airfield, budget km, sensor) of the study's sweep, on the same lane pieces
as ``bench_flights.py``: the radial bound the study reports, the column-generation bound
(Farley, ``openskies._fleet_colgen``; run to its iteration cap, no plan needed) and its
time. Usage::

    .venv/bin/python bench/bench_colgen.py UMMS:1000:optical_high_pan UMMS:1000:optical_low
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_flights as bf


def main(argv: list[str]) -> None:
    print("| case | radial bound | colgen bound | Farley value | master LP | its | s |")
    print("|---|---|---|---|---|---|---|")
    for spec in argv or ["UMMS:1000:optical_high_pan"]:
        icao, budget, sensor = spec.split(":")
        b = float(budget)
        _, _, case, margin = bf._case(icao, b, sensor)
        fleet = case.fleet
        radial = fleet.lower_bound(b).flights
        t0 = time.perf_counter()
        value, lp, its = fleet._bound_data.relax().farley(b / (1.0 + margin))
        s = time.perf_counter() - t0
        lb = max(radial, math.ceil(value - 1e-6))
        print(f"| {spec} | {radial} | {lb} | {value:.3f} | {lp:.3f} | {its} | {s:.1f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
