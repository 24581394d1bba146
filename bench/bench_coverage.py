"""Benchmark of the coverage engine on Belarus (issue 5).

Each case runs in its own Python process (cold caches: lanes are computed, not
reused) so that its peak memory (``ru_maxrss``) is its own. Targets:

- full coverage of Belarus with a 35 km swath: under 20 s;
- full coverage of Belarus with a 5 km swath: under 60 s;
- a 10 km reach grid of Belarus: under 10 s;
- peak memory of each: under 1 GiB.

Usage (from the repository root)::

    .venv/bin/python bench/bench_coverage.py            # every case, Markdown table
    .venv/bin/python bench/bench_coverage.py --case full35-UUMB
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

CASES = {
    "full35-UUMB": ("full", "optical_high_pan", "UUMB", 20.0),
    "full35-UMMS": ("full", "optical_high_pan", "UMMS", 20.0),
    "full5-UUMB": ("full", "optical_low", "UUMB", 60.0),
    "full5-UMMS": ("full", "optical_low", "UMMS", 60.0),
    "reach10-UUMB": ("reach", None, "UUMB", 10.0),
    "reach10-UMMS": ("reach", None, "UMMS", 10.0),
}
MEMORY_LIMIT_MIB = 1024.0


def run_case(name: str) -> dict:
    from openskies import coverage, data

    kind, sensor, icao, limit = CASES[name]
    reg = data.regime()
    if icao == "UMMS":
        reg = reg.designate("UMMS", party="BLR", max_flight_distance_km=5500)
    data.territory("BLR")  # bundled data loaded before timing
    t0 = time.perf_counter()
    out: dict = {"case": name, "limit_s": limit}
    if kind == "full":
        fs = coverage.plan_full_coverage("BLR", airfield=icao, sensor=sensor, regime=reg)
        s = fs.summary
        out.update(
            flights=s.n_flights,
            lower_bound=s.flights_lower_bound,
            lane_ratio=round(s.lane_ratio, 4),
            covered=round(s.covered_fraction, 5),
            violations=s.violations,
            max_flight_km=round(max(p.length_km for p in fs), 1),
        )
    else:
        grid = coverage.reach("BLR", icao, cell_km=10.0, regime=reg)
        out.update(
            cells=len(grid),
            nearest_km=round(grid.attrs["nearest_km"], 2),
            farthest_km=round(grid.attrs["farthest_km"], 2),
        )
    out["seconds"] = round(time.perf_counter() - t0, 2)
    # ru_maxrss is in KiB on Linux
    out["peak_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)
    out["ok"] = out["seconds"] < limit and out["peak_mib"] < MEMORY_LIMIT_MIB
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=sorted(CASES), help="run one case in this process")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    if args.case:
        sys.stdout.write(json.dumps(run_case(args.case)) + "\n")
        return 0
    rows = []
    for name in CASES:
        done = subprocess.run(
            [sys.executable, __file__, "--case", name],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    lines = [
        "| case | seconds (limit) | peak MiB | result |",
        "|---|---|---|---|",
    ]
    for r in rows:
        if "flights" in r:
            result = (
                f"{r['flights']} flights (lower bound {r['lower_bound']}), lanes "
                f"{r['lane_ratio']:.3f} x area/eff. swath, covered {100 * r['covered']:.2f} %, "
                f"{r['violations']} violations, longest {r['max_flight_km']} km"
            )
        else:
            result = (
                f"{r['cells']} cells, nearest {r['nearest_km']} km, farthest {r['farthest_km']} km"
            )
        flag = "" if r["ok"] else " **over**"
        secs = f"{r['seconds']} ({r['limit_s']:g}){flag}"
        lines.append(f"| {r['case']} | {secs} | {r['peak_mib']} | {result} |")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
