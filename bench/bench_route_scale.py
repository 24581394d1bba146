"""Route planner at scale: plan_route over 500 and 1,000 random sites in Belarus from Kubinka.

Run: python bench/bench_route_scale.py [--sites 500,1000] [--seed 0] [--long-runs 5]
     [--long-effort 4] [--profile]

For every size: the default call (seed 0, the default deterministic effort), timed, checked
legal (``validate() == []``) and run twice to check that the same inputs give the same route;
then ``--long-runs`` long runs (other seeds 1..N of the orienteering search, each with
``--long-effort`` times the default ILS iteration count) whose best route (highest value, then
shortest) is the reference. The default run's gap to that reference is reported in value and,
at equal value, in length. Targets (issue 17): 500 sites < 30 s, 1,000 < 60 s, within 1 %.
Sites: bench_routing.random_sites (uniform in Belarus, values 1-10, uncertainty 0-3 km);
sensor optical_high_pan. The load average is printed: other jobs slow every figure down.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import dataclasses
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_routing import random_sites

from openskies import _orienteering, routing


@contextlib.contextmanager
def _effort(factor: float):
    """Scale the orienteering ILS iteration count by ``factor`` (bench only)."""
    base = _orienteering._ils_effort

    def scaled(n: int) -> _orienteering._Effort:
        e = base(n)
        return dataclasses.replace(e, iterations=int(e.iterations * factor))

    _orienteering._ils_effort = scaled
    try:
        yield
    finally:
        _orienteering._ils_effort = base


def _plan(sites, seed: int, time_limit_s: float):
    t, c = time.perf_counter(), time.process_time()
    plan = routing.plan_route(
        "BLR",
        sites,
        start="UUMB",
        sensor="optical_high_pan",
        seed=seed,
        time_limit_s=time_limit_s,
    )
    dt = time.perf_counter() - t
    cpu = time.process_time() - c
    print(f"    plan_route seed {seed}: {dt:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    violations = plan.validate()
    assert violations == [], violations
    r = plan.route
    return dt, r.value_observed, plan.length_km, plan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", default="500,1000")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random sites")
    ap.add_argument("--long-runs", type=int, default=5)
    ap.add_argument("--long-effort", type=float, default=4.0)
    ap.add_argument("--profile", action="store_true", help="cProfile the default run")
    ap.add_argument(
        "--time-limit",
        type=float,
        default=10.0,
        help="plan_route's safety cap per solve (default: the default call's 10 s); on a loaded "
        "machine the cap can stop the work-bounded search early, making the route depend on "
        "the load: raise it to measure the deterministic route",
    )
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"time_limit_s={args.time_limit:g} (long runs: x{args.long_effort:g})")
    print()
    rows = []
    for n in (int(s) for s in args.sites.split(",")):
        sites = random_sites(n, args.seed)
        prof = cProfile.Profile() if args.profile else None
        if prof:
            prof.enable()
        dt, value, length, plan = _plan(sites, 0, args.time_limit)
        if prof:
            prof.disable()
            pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        dt2, _, _, plan2 = _plan(sites, 0, args.time_limit)
        same = (
            plan.coords.tobytes() == plan2.coords.tobytes()
            and plan.waypoint_labels == plan2.waypoint_labels
        )
        long = []
        with _effort(args.long_effort):
            for s in range(1, args.long_runs + 1):
                ldt, lv, ll, _ = _plan(sites, s, args.time_limit * args.long_effort)
                long.append((lv, -ll, ldt, s))
                print(f"  n={n} long run seed {s}: value {lv:g}, {ll:.1f} km, {ldt:.1f} s")
        bv, bl, _, bs = max(long) if long else (value, -length, 0.0, 0)
        bl = -bl
        gap_v = 100.0 * (bv - value) / bv if bv else 0.0
        gap_l = 100.0 * (length - bl) / bl if value == bv else float("nan")
        rows.append((n, dt, dt2, same, value, length, bv, bl, bs, gap_v, gap_l))
        print(
            f"  n={n}: default {dt:.1f} s / {dt2:.1f} s, value {value:g}, {length:.1f} km, "
            f"observed {len(plan.route.observed)}",
            flush=True,
        )
    print()
    print(
        f"| sites | seconds (run 1 / run 2) | same route | value | length km | best of "
        f"{args.long_runs} long runs (x{args.long_effort:g} effort): value, km, seed | "
        "value gap % | length gap % (equal value) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n, dt, dt2, same, v, ln, bv, bl, bs, gv, gl in rows:
        print(
            f"| {n} | {dt:.1f} / {dt2:.1f} | {same} | {v:g} | {ln:.1f} | {bv:g}, {bl:.1f}, {bs} | "
            f"{gv:.2f} | {gl:.2f} |"
        )
    print(f"\nload average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
