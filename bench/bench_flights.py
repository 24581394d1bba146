"""Fewest flights for full coverage: openskies' fleet optimiser against PyVRP (issue 14).

The cases of the study's sweep (Kubinka at 5,500 km; Minsk National designated at every
500 km from 1,000 to 5,500 km: 500 km cannot reach Belarus's farthest point, about 398 km
from Minsk, and back; sensors optical_high_pan (35 km), a 27.7 km frame sensor (the swath
the realism work will fly the panoramic camera at) and optical_low (5 km); overlap 0.1) are
solved twice on the SAME lane pieces and the SAME routed distance matrix
(``coverage._fleet_case``):

- openskies: ``coverage.plan_full_coverage`` (``openskies._fleet``), every flight built
  and passed through ``FlightPlan.validate()``;
- PyVRP (HGS, ``pyvrp.solve`` with ``MaxIterations`` and a fixed seed): one vehicle
  type at the airfield with ``max_distance`` = budget / (1 + turn margin), a fixed cost
  far above any distance so that vehicles are minimised first, then distance; each lane
  piece is a required mutually exclusive client group of two optional clients, one per
  direction (one client for a piece that may only be flown forwards); the arc into a
  client carries its piece's length. Distances are metres rounded up and the limit
  rounded down, so a PyVRP route fits the budget with the exact distances. PyVRP's
  flights are then built and validated like openskies' ("legal" column).

Usage (from the repository root; needs ``pip install pyvrp``)::

    .venv/bin/python bench/bench_flights.py                  # every case, one run
    .venv/bin/python bench/bench_flights.py --iterations 5000 --sensors optical_high_pan
    .venv/bin/python bench/bench_flights.py --cases UMMS-2500

Prints one Markdown row per case and two verdicts. PyVRP cannot express the treaty's rules
on a whole flight (no circling around a point, Art. VI Sec. II para 4(G); the rest of
``FlightPlan.validate()``), so the like-for-like verdict compares it with openskies'
optimiser on the same problem without them ("rules off": the same Fleet, no legality
check): openskies is no worse on flights and within 2 % on km wherever the flight counts
are equal (exit status 1 otherwise). The second verdict compares the legal plans: openskies'
(every flight passes ``validate()``) against PyVRP's, when all of PyVRP's are legal once
built. "target"
is issue 14's: upper - lower <= 1 flight for the wide sensors, <= max(1, 10 % of the lower
bound) for optical_low; "bound s" is the time of the lower bound alone (first call). PyVRP's km
are by the distance matrix (turn margin included); "legal" counts its flights that also pass
``FlightPlan.validate()`` within the budget once built.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

CASES = [("UUMB", 5500.0)] + [("UMMS", float(b)) for b in range(5500, 999, -500)]
#: the default study's sensors (``frame_<km>``, e.g. frame_27.7, names a frame camera of that swath)
SENSORS = ("optical_high_pan", "optical_low")
#: the narrow sensor's target gap is a fraction of the bound, the others' one flight
NARROW = ("optical_low",)
KM_TOLERANCE = 0.02
#: PyVRP's cost of a vehicle (m): above any distance an extra flight could save (the whole
#: study is under 100,000 km), not so far above that the penalty on excess distance is lost
FIXED_COST = 10**9


def _regime(icao: str, budget: float):
    from openskies import data

    reg = data.regime()
    if icao == "UMMS":
        reg = reg.designate("UMMS", party="BLR", max_flight_distance_km=budget)
    return reg


def _sensor(name: str):
    from openskies.sensors import Sensor, preset

    if name.startswith("frame_"):
        return Sensor(name=name, swath_km=float(name.split("_", 1)[1]), kind="optical")
    return preset(name)


def allowed_gap(sensor: str, lower: int) -> int:
    """Issue 14's largest gap (flights) between the plan and the proved bound."""
    return max(1, math.floor(0.1 * lower)) if sensor in NARROW else 1


def target_met(sensor: str, upper: int, lower: int) -> bool:
    """Issue 14's target for the gap between the plan and the proved bound."""
    return upper - lower <= allowed_gap(sensor, lower)


def _case(icao: str, budget: float, sensor: str):
    from openskies import coverage
    from openskies.coverage import _area, _check_observable, _fleet_case, _select

    reg = _regime(icao, budget)
    af = reg.require_osa(icao)
    area = _area("BLR", reg)
    observed = _check_observable(area, reg, af)
    ls = coverage.lanes(area.territory, _sensor(sensor), overlap=0.1)
    keep = _select(ls, 1.0, (af.lon, af.lat))
    margin = float(reg.parameter("max_flight_distance", "turn_margin"))
    return reg, ls, _fleet_case(ls, keep, af, observed, area, reg, margin), margin


def run_openskies(icao: str, budget: float, sensor: str) -> dict:
    from openskies import coverage

    reg = _regime(icao, budget)
    t0 = time.perf_counter()
    c0 = time.process_time()
    fs = coverage.plan_full_coverage(
        "BLR", airfield=icao, sensor=_sensor(sensor), budget_km=budget, overlap=0.1, regime=reg
    )
    s = fs.summary
    return {
        "flights": len(fs),
        "km": s.flown_km,
        "lower_bound": s.flights_lower_bound,
        "lane_bound": (
            max(1, math.ceil(s.lane_km / s.capacity_km - 1e-9)) if s.capacity_km > 0 else 0
        ),
        "method": s.lower_bound_method,
        "violations": s.violations,
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
    }


def run_rules_off(case, budget: float) -> dict:
    """openskies' optimiser on the problem PyVRP solves: the same pieces, no legality check.

    PyVRP cannot express the treaty's rules on a whole flight (no circling around a point,
    Art. VI Sec. II para 4(G), and the rest of ``FlightPlan.validate()``), so its plans are
    compared like for like with openskies' plans of the same problem without them.
    """
    from openskies import _fleet

    fleet = _fleet.Fleet.__new__(_fleet.Fleet)
    fleet.__dict__.update(case.fleet.__dict__)
    fleet._check, fleet._checked, fleet._ladders, fleet._splits = None, {}, {}, None
    c0 = time.process_time()
    plan = fleet.plan(budget)
    return {
        "flights": len(plan),
        "km": float(sum(plan.lengths_km)),
        "cpu_s": time.process_time() - c0,
    }


def previous_bound(case, budget: float, margin: float, lane_bound: int) -> int:
    """The bound before the end-point matching (radial bin-packing alone), for comparison."""
    from openskies import _fleet

    data = case.fleet._bound_data
    cap = budget / (1.0 + margin)
    volume, _ = _fleet._volume_bound(data, cap, matching=False)
    return max(lane_bound, volume, _fleet._conflict_bound(data, cap))


def run_pyvrp(case, budget: float, margin: float, iterations: int, seed: int) -> dict:
    import pyvrp
    from pyvrp.stop import MaxIterations

    fleet = case.fleet
    core = fleet.core
    n = fleet.n
    cap = budget / (1.0 + margin)
    nodes = [a for a in range(2 * n) if np.isfinite(core.solo[a])]
    z = core.Z
    # location 0: the airfield; location 1 + t: oriented piece nodes[t]
    idx = np.array([z, *nodes])
    arc = core.A[np.ix_(idx, idx)].copy()
    arc[:, 1:] += core.L[idx[1:]][None, :]  # the arc into a piece carries its length
    np.fill_diagonal(arc, 0.0)
    big = 2**40
    dist = np.where(np.isfinite(arc), np.ceil(arc * 1000.0), big).astype(np.int64)
    locations = [pyvrp.Location(x=0, y=0) for _ in idx]
    groups: dict[int, list[int]] = {}
    for t, a in enumerate(nodes):
        groups.setdefault(a // 2, []).append(t)
    clients = []
    group_list = []
    for _, members in sorted(groups.items()):
        g = len(group_list)
        group_list.append(pyvrp.ClientGroup(clients=members, required=True))
        for t in members:
            clients.append((t, g))
    clients.sort()
    client_objs = [pyvrp.Client(location=1 + t, required=False, group=g) for t, g in clients]
    vehicle = pyvrp.VehicleType(
        num_available=n,
        fixed_cost=FIXED_COST,
        max_distance=math.floor(cap * 1000.0),
    )
    data = pyvrp.ProblemData(
        locations,
        client_objs,
        [pyvrp.Depot(location=0)],
        [vehicle],
        [dist],
        [np.zeros_like(dist)],
        group_list,
    )
    t0 = time.perf_counter()
    c0 = time.process_time()
    res = pyvrp.solve(data, stop=MaxIterations(iterations), seed=seed, display=False)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    best = res.best
    routes = []
    for route in best.routes():
        visits = [act.idx for act in route if act.is_client()]
        routes.append(tuple((nodes[t] // 2, nodes[t] % 2 == 0) for t in visits))
    legal = 0
    flown = 0.0
    for r in routes:
        km, bad = fleet.check(r)
        flown += km
        legal += int(not bad and km <= budget)
    return {
        "flights": len(routes),
        "km": best.distance() / 1000.0 * (1.0 + margin),
        "flown_km": flown,
        "legal": legal,
        "feasible": bool(best.is_feasible()),
        "wall_s": wall,
        "cpu_s": cpu,
    }


def _ordered(cases: list[tuple[str, float]], spec: str) -> list[tuple[str, float]]:
    """The cases named in ``spec`` ("UMMS-1000,UUMB-5500"), in that order; all if empty."""
    names = [c for c in spec.split(",") if c]
    if not names:
        return list(cases)
    known = {f"{icao}-{budget:.0f}": (icao, budget) for icao, budget in cases}
    return [known[c] for c in names if c in known]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--iterations", type=int, default=2000, help="PyVRP iterations")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sensors", default=",".join(SENSORS))
    parser.add_argument(
        "--cases", default="", help="e.g. UMMS-1000,UUMB-5500, run in that order (default all)"
    )
    parser.add_argument("--no-pyvrp", action="store_true", help="openskies only")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING)
    load = os.getloadavg()
    print(f"load average before the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    print(
        "PyVRP: off" if args.no_pyvrp else f"PyVRP: {args.iterations} iterations, seed {args.seed}"
    )
    print()
    print(
        "| sensor | airfield | budget km | pieces (lanes) | openskies flights | lower bound "
        "| target | bound before | km | s (cpu) | bound s | bound method "
        "| rules off: openskies flights | km | s cpu "
        "| PyVRP flights (legal) | km | s (cpu) | verdict (rules off) | verdict (legal plans) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    ok_all = True
    for sensor in args.sensors.split(","):
        for icao, budget in _ordered(CASES, args.cases):
            ours = run_openskies(icao, budget, sensor)
            _, ls, case, margin = _case(icao, budget, sensor)
            bound = case.fleet.lower_bound(budget)
            met = target_met(sensor, ours["flights"], ours["lower_bound"])
            before = previous_bound(case, budget, margin, ours["lane_bound"])
            row = (
                f"| {sensor} | {icao} | {budget:.0f} | {case.fleet.n} ({len(ls.lanes)}) "
                f"| {ours['flights']} | {ours['lower_bound']} | {'yes' if met else '**no**'} "
                f"| {before} "
                f"| {ours['km']:.0f} | {ours['wall_s']:.1f} ({ours['cpu_s']:.1f}) "
                f"| {getattr(bound, 'seconds', math.nan):.1f} | {ours['method']} "
            )
            free = run_rules_off(case, budget)
            row += f"| {free['flights']} | {free['km']:.0f} | {free['cpu_s']:.1f} "
            if args.no_pyvrp:
                print(row + "| | | | | |", flush=True)
                continue
            theirs = run_pyvrp(case, budget, margin, args.iterations, args.seed)
            # like for like: both optimisers on the problem without the treaty's flight rules
            fewer = free["flights"] < theirs["flights"]
            ok = not theirs["feasible"] or (
                free["flights"] <= theirs["flights"]
                and (fewer or free["km"] <= (1.0 + KM_TOLERANCE) * theirs["km"])
            )
            ok_all &= ok
            if not theirs["feasible"]:
                verdict = "PyVRP found no feasible plan"
            else:
                verdict = "fewer flights" if fewer else ("ok" if ok else "**worse**")
            # legal plans: openskies' (all legal) against PyVRP's flights that pass validate()
            all_legal = theirs["feasible"] and theirs["legal"] == theirs["flights"]
            if not all_legal:
                legal = f"PyVRP: {theirs['flights'] - theirs['legal']} illegal flights"
            elif ours["flights"] < theirs["flights"]:
                legal = "fewer flights"
            elif ours["flights"] == theirs["flights"]:
                gap = ours["km"] / theirs["km"] - 1.0
                legal = f"{100 * gap:+.1f} % km"
            else:
                legal = "**more flights**"
            print(
                row + f"| {theirs['flights']} ({theirs['legal']}) "
                f"| {theirs['km']:.0f} | {theirs['wall_s']:.1f} ({theirs['cpu_s']:.1f}) "
                f"| {verdict} | {legal} |",
                flush=True,
            )
    load = os.getloadavg()
    print()
    print(f"load average after the run: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    raise SystemExit(main())
