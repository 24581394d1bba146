"""Benchmark of the Orienteering Problem solver on the OPLib instances, beside PyVRP.

Runs the default heuristic call of ``openskies.routing.solve_orienteering`` and PyVRP
(one vehicle, optional clients with prizes, ``max_distance`` = the budget) on the 26 OPLib
instances in ``../shared/bench/oplib/oplib.json`` (see that folder's README.md), one after
the other in the same process, and prints a Markdown table per instance and a summary.
Every returned route is re-checked here, independently of both solvers, against the
instance's integer matrix: a closed tour from node 0 that repeats no node and whose integer
length is at most the budget; the recomputed score must equal the reported one. The script
exits non-zero if any route fails.

Usage (from the repository root)::

    .venv/bin/python bench/bench_oplib.py                      # all 26, both solvers, 10 s
    .venv/bin/python bench/bench_oplib.py --cases rd400-gen3-50,pr299-gen2-50
    .venv/bin/python bench/bench_oplib.py --solvers openskies --min-n 100 -v

PyVRP is the ``bench`` extra (``pip install -e '.[bench]'``); without it ``--solvers``
must leave it out.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from openskies import routing  # noqa: E402

#: ``shared/bench/oplib/oplib.json`` beside the repository (or beside a parent folder, for a
#: worktree nested one level deeper).
DEFAULT_INSTANCES = next(
    (
        p / "shared" / "bench" / "oplib" / "oplib.json"
        for p in REPO_ROOT.parents
        if (p / "shared" / "bench" / "oplib" / "oplib.json").is_file()
    ),
    REPO_ROOT.parent / "shared" / "bench" / "oplib" / "oplib.json",
)
SOLVERS = ("openskies", "pyvrp")


@dataclass
class Case:
    name: str
    n: int
    distances: list[list[int]]
    scores: list[int]
    budget: int
    best_known: int
    proven_optimal: bool
    upper_bound: int


@dataclass
class Outcome:
    order: list[int]
    score: float
    wall_s: float
    feasible: bool
    problem: str


def load_cases(path: Path) -> list[Case]:
    data = json.loads(path.read_text())
    cases = []
    for c in data["cases"]:
        if c["start"] != 0 or c["end"] != 0:
            msg = f"{c['name']}: expected a closed tour from node 0"
            raise SystemExit(msg)
        cases.append(
            Case(
                name=c["name"],
                n=int(c["n"]),
                distances=c["distances"],
                scores=c["scores"],
                budget=int(c["budget"]),
                best_known=int(c["best_known"]),
                proven_optimal=bool(c["proven_optimal"]),
                upper_bound=int(c["upper_bound"]),
            )
        )
    return cases


def check_route(case: Case, order: list[int], score: float) -> tuple[bool, str, int]:
    """Independent check against the integer matrix; returns (ok, problem, recomputed score)."""
    d = case.distances
    n = case.n
    if len(order) < 2 or order[0] != 0 or order[-1] != 0:
        return False, "not a closed tour from node 0", 0
    if any(not isinstance(v, int) or not 0 <= v < n for v in order):
        return False, "node index out of range", 0
    body = order[:-1]
    if len(set(body)) != len(body):
        return False, "a node is visited twice", 0
    length = sum(d[a][b] for a, b in itertools.pairwise(order))
    total = sum(case.scores[v] for v in body)
    if length > case.budget:
        return False, f"integer length {length} > budget {case.budget}", total
    if total != score:
        return False, f"reported score {score} != recomputed {total}", total
    return True, "", total


def run_openskies(case: Case, time_limit_s: float, seed: int) -> tuple[list[int], float]:
    res = routing.solve_orienteering(
        case.distances,
        case.scores,
        case.budget,
        start=0,
        end=0,
        method="heuristic",
        time_limit_s=time_limit_s,
        seed=seed,
    )
    return [int(v) for v in res.order], res.score


def run_pyvrp(case: Case, time_limit_s: float, seed: int) -> tuple[list[int], float]:
    """PyVRP: one vehicle from depot 0, every other node an optional client with its prize.

    PyVRP minimises distance cost plus the prizes of the clients left out. The prizes are
    the scores times ``budget + 1``, so one unit of score outweighs any route length within
    the budget and the distance term only breaks ties (and guides the search); the budget is
    the vehicle's ``max_distance``. The matrix is PyVRP's edge distances as given (integers).
    The depot's own score is added to the result (OPLib counts it).
    """
    import numpy as np
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType, solve
    from pyvrp.stop import MaxRuntime

    weight = case.budget + 1
    matrix = np.asarray(case.distances, dtype=np.int64)
    data = ProblemData(
        locations=[Location(x=0.0, y=0.0) for _ in range(case.n)],
        clients=[
            Client(location=v, prize=int(case.scores[v]) * weight, required=False)
            for v in range(1, case.n)
        ],
        depots=[Depot(location=0)],
        vehicle_types=[VehicleType(num_available=1, max_distance=case.budget)],
        distance_matrices=[matrix],
        duration_matrices=[np.zeros_like(matrix)],
    )
    result = solve(data, stop=MaxRuntime(time_limit_s), seed=seed, display=False)
    order = [0]
    if result.is_feasible():
        for route in result.best.routes():
            # client activity idx k is location k + 1 (location 0 is the depot)
            order.extend(a.idx + 1 for a in route if a.is_client())
    order.append(0)
    score = case.scores[0] + sum(case.scores[v] for v in order[1:-1])
    return order, float(score)


RUNNERS = {"openskies": run_openskies, "pyvrp": run_pyvrp}


def gap_pct(case: Case, score: float) -> float:
    return 100.0 * (case.best_known - score) / case.best_known


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=Path, default=DEFAULT_INSTANCES)
    parser.add_argument("--cases", default="", help="comma-separated case names (default all)")
    parser.add_argument("--min-n", type=int, default=0, help="only cases with at least n nodes")
    parser.add_argument("--max-n", type=int, default=10**9, help="only cases with at most n nodes")
    parser.add_argument(
        "--solvers", default=",".join(SOLVERS), help="comma-separated: openskies,pyvrp"
    )
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per run")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    solvers = [s for s in args.solvers.split(",") if s]
    for s in solvers:
        if s not in RUNNERS:
            parser.error(f"--solvers: unknown solver {s!r}; use {', '.join(SOLVERS)}")
    cases = load_cases(args.instances)
    if args.cases:
        wanted = args.cases.split(",")
        names = {c.name for c in cases}
        for w in wanted:
            if w not in names:
                parser.error(f"--cases: unknown case {w!r}")
        cases = [c for c in cases if c.name in wanted]
    cases = [c for c in cases if args.min_n <= c.n <= args.max_n]

    # openskies' kernels are compiled once per installation (numba, cached on disk) and
    # loaded once per process: done here, timed apart, so per-instance times are solve times
    compile_s = 0.0
    if "openskies" in solvers:
        t0 = time.perf_counter()
        from openskies import _orienteering_ils  # noqa: F401  (compiles or loads the kernels)

        compile_s = time.perf_counter() - t0

    load_start = os.getloadavg()
    results: dict[str, dict[str, Outcome]] = {s: {} for s in solvers}
    for case in cases:
        for s in solvers:
            t0 = time.perf_counter()
            order, score = RUNNERS[s](case, args.time_limit, args.seed)
            wall = time.perf_counter() - t0
            ok, problem, _ = check_route(case, order, score)
            results[s][case.name] = Outcome(order, score, wall, ok, problem)
            if args.verbose:
                print(
                    f"{case.name} {s}: score {score:g} gap {gap_pct(case, score):.3f} % "
                    f"{wall:.2f} s {'ok' if ok else 'INFEASIBLE: ' + problem}",
                    file=sys.stderr,
                    flush=True,
                )
    load_end = os.getloadavg()

    head = ["case", "n", "best known", "proven"]
    for s in solvers:
        head += [f"{s} score", f"{s} gap %", f"{s} s", f"{s} feasible"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for case in cases:
        row = [case.name, str(case.n), str(case.best_known), "yes" if case.proven_optimal else "no"]
        for s in solvers:
            o = results[s][case.name]
            row += [
                f"{o.score:g}",
                f"{gap_pct(case, o.score):.3f}",
                f"{o.wall_s:.2f}",
                "yes" if o.feasible else f"NO ({o.problem})",
            ]
        print("| " + " | ".join(row) + " |")
    print()
    print(
        "| solver | cases | mean gap % | worst gap % | worst case | = best known | "
        "> best known | mean s | max s | feasible |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    bad = 0
    for s in solvers:
        outs = [(case, results[s][case.name]) for case in cases]
        gaps = [gap_pct(c, o.score) for c, o in outs]
        worst_i = max(range(len(gaps)), key=gaps.__getitem__)
        feasible = sum(o.feasible for _, o in outs)
        bad += len(outs) - feasible
        print(
            f"| {s} | {len(outs)} | {statistics.fmean(gaps):.3f} | {gaps[worst_i]:.3f} | "
            f"{outs[worst_i][0].name} | {sum(o.score == c.best_known for c, o in outs)} | "
            f"{sum(o.score > c.best_known for c, o in outs)} | "
            f"{statistics.fmean(o.wall_s for _, o in outs):.2f} | "
            f"{max(o.wall_s for _, o in outs):.2f} | {feasible}/{len(outs)} |"
        )
    print()
    print(
        f"time limit {args.time_limit:g} s, seed {args.seed}; load average (1 min) "
        f"{load_start[0]:.2f} at start, {load_end[0]:.2f} at end; {os.cpu_count()} CPUs; "
        f"openskies kernels compiled or loaded in {compile_s:.2f} s before the runs"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
