"""Repair of illegal flights: the local repair beside the penalised search alone (issue 14).

The fleet optimiser (``openskies._fleet``) values each rung of a ladder by repairing the
flights that break a rule (rule 6 circling, mostly). Since the local repair
(``Fleet._local_fix``) a rung keeps the better of two repairs; ``FIX_CHECKS = 0`` turns the
local one off and leaves the penalised search alone, as before. Both are run here, one after
the other in one process, on the default study's ``single_state`` cases (Minsk National
designated for Belarus alone, the An-30B's two optical presets, overlap 0.1), each with an
empty fleet cache so that neither reuses the other's rungs (the lanes, which do not depend on
the repair, are shared).

Usage (from the repository root)::

    .venv/bin/python bench/bench_repair.py
    .venv/bin/python bench/bench_repair.py --cases optical_high_pan:1000 optical_low:3500

Prints one Markdown row per case: flights and lower bound with each repair, the issue's
target gap (one flight for the panoramic camera, max(1, 10 % of the bound) for the 5 km
camera) and CPU seconds of ``plan_full_coverage``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_flights import allowed_gap, target_met  # noqa: E402  (issue 14's gap rule)

CASES = [
    *(f"optical_high_pan:{b}" for b in (1000, 1500, 2000, 2500, 3500, 5000)),
    *(f"optical_low:{b}" for b in (1500, 2500, 3500, 4500)),
]


def _plan(sensor_name: str, budget_km: float, fix_checks: int) -> tuple[int, int, float, int]:
    from openskies import _entry_options, _fleet, aircraft, coverage, data, study, territory

    coverage._FLEETS.clear()
    _fleet.FIX_CHECKS = fix_checks
    sen = study._on_aircraft(study._preset(sensor_name), aircraft.preset("An-30B"))
    reg = _entry_options.option("single_state").regime_for(data.regime(2019), "UMMS", budget_km)
    terr = territory.get("BLR", year=2019)
    c0 = time.process_time()
    fs = coverage.plan_full_coverage(
        terr, airfield="UMMS", sensor=sen, budget_km=budget_km, regime=reg, overlap=0.1
    )
    cpu = time.process_time() - c0
    illegal = sum(1 for plan in fs if plan.validate())
    return len(fs), int(fs.summary.flights_lower_bound), cpu, illegal


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", nargs="*", default=CASES, help="sensor:budget_km pairs")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    from openskies import _fleet

    default_checks = _fleet.FIX_CHECKS
    print(
        "| sensor | Minsk km | penalised only: flights / bound | s cpu "
        "| with local repair: flights / bound | s cpu | target gap | met |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for case in args.cases:
        name, km = case.split(":")
        b = float(km)
        n0, lb0, s0, bad0 = _plan(name, b, 0)
        n1, lb1, s1, bad1 = _plan(name, b, default_checks)
        target = allowed_gap(name, lb1)
        met = "yes" if target_met(name, n1, lb1) else "**no**"
        assert bad0 == bad1 == 0, "a planned flight breaks a rule"
        print(
            f"| {name} | {b:.0f} | {n0} / {lb0} | {s0:.1f} | {n1} / {lb1} | {s1:.1f} "
            f"| {target} | {met} |"
        )
    _fleet.FIX_CHECKS = default_checks
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
