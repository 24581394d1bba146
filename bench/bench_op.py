"""Benchmark of the Orienteering Problem solver on the classic OP instances.

Runs ``openskies._orienteering.solve_orienteering`` on the Tsiligirides (1984) and
Chao, Golden & Wasil (1996) instances (see the instance folder's README.md), checks
every returned route with exact Euclidean distances, and prints a Markdown table of
the gap to the best feasible known score per set.

Usage (from the repository root)::

    .venv/bin/python bench/bench_op.py --method heuristic
    .venv/bin/python bench/bench_op.py --method exact --sets tsiligirides_problem1 \\
        --time-limit 60
    .venv/bin/python bench/bench_op.py --method ortools          # OR-Tools comparison
    .venv/bin/python bench/bench_op.py --make-reference --time-limit 600

The reference scores come from ``bench/op_reference.csv`` (see bench/README.md for
how it is produced and how the reference of each instance is chosen).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import logging
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from openskies._orienteering import solve_orienteering  # noqa: E402

DEFAULT_INSTANCES = REPO_ROOT.parent / "shared" / "bench" / "op"
DEFAULT_REFERENCE = Path(__file__).resolve().parent / "op_reference.csv"
SETS = (
    "tsiligirides_problem1",
    "tsiligirides_problem2",
    "tsiligirides_problem3",
    "chao_set64-diamond",
    "chao_set66-square",
)
REL_TOL = 1e-9
REFERENCE_FIELDS = (
    "set",
    "instance",
    "budget",
    "n",
    "best_published",
    "exact_score",
    "exact_bound",
    "exact_optimal",
    "exact_runtime_s",
    "published_infeasible",
    "reference",
    "reference_source",
)


@dataclass
class Instance:
    set_name: str
    name: str
    budget: float
    points: list[tuple[float, float]]
    scores: list[float]

    @property
    def distances(self) -> list[list[float]]:
        return [[math.hypot(px - qx, py - qy) for qx, qy in self.points] for px, py in self.points]


def load_instance(path: Path) -> Instance:
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    budget = float(lines[0][0])
    points = [(float(x), float(y)) for x, y, _ in lines[1:]]
    scores = [float(s) for _, _, s in lines[1:]]
    return Instance(path.parent.name, path.stem, budget, points, scores)


def load_sets(folder: Path, sets: list[str]) -> list[Instance]:
    instances = []
    for set_name in sets:
        files = sorted((folder / set_name).glob("*.txt"))
        if not files:
            sys.exit(f"no instance in {folder / set_name}")
        instances.extend(load_instance(f) for f in files)
    return instances


def load_published(folder: Path) -> dict[tuple[str, float], list[float]]:
    published: dict[tuple[str, float], list[float]] = {}
    with (folder / "published_scores.csv").open() as fh:
        for row in csv.DictReader(fh):
            key = (row["set"], float(row["budget"]))
            published.setdefault(key, []).append(float(row["score"]))
    return published


def check_route(inst: Instance, order: list[int], score: float, length: float) -> str:
    """Independent check with exact Euclidean distances; '' when the route is valid."""
    n = len(inst.points)
    if not order or order[0] != 0 or order[-1] != 1:
        return "does not run from node 0 to node 1"
    if any(not 0 <= v < n for v in order):
        return "node index out of range"
    if len(set(order)) != len(order):
        return "visits a node twice"
    exact = math.fsum(
        math.dist(inst.points[a], inst.points[b]) for a, b in itertools.pairwise(order)
    )
    if exact > inst.budget * (1 + REL_TOL):
        return f"length {exact!r} exceeds budget {inst.budget}"
    if abs(exact - length) > 1e-9 * max(1.0, exact):
        return f"reported length {length!r} != {exact!r}"
    true_score = sum(inst.scores[v] for v in set(order))
    if abs(true_score - score) > 1e-9 * max(1.0, true_score):
        return f"reported score {score!r} != {true_score!r}"
    return ""


def solve_ortools(inst: Instance, *, time_limit_s: float, solution_limit: int) -> list[int]:
    """OR-Tools routing with disjunction penalties, for comparison with the ILS.

    Distances are scaled to integers and rounded UP, the budget rounded DOWN, so the
    integer route is feasible with the exact distances.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    d = inst.distances
    n = len(d)
    scale = 10_000
    dint = [[math.ceil(v * scale) for v in row] for row in d]
    cap = math.floor(inst.budget * scale)
    penalty_unit = 100 * sum(max(row) for row in dint) + 1
    manager = pywrapcp.RoutingIndexManager(n, 1, [0], [1])
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(dint)
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    routing.AddDimension(transit, 0, cap, True, "distance")
    for v in range(2, n):
        penalty = round(inst.scores[v]) * penalty_unit
        routing.AddDisjunction([manager.NodeToIndex(v)], penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.solution_limit = solution_limit
    params.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    solution = routing.SolveWithParameters(params)
    order = []
    index = routing.Start(0)
    while not routing.IsEnd(index):
        order.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    order.append(manager.IndexToNode(index))
    return order


@dataclass
class Run:
    inst: Instance
    score: float
    length: float
    runtime_s: float
    cpu_s: float
    optimal: bool | None
    bound: float | None
    problem: str


def run_instance(inst: Instance, method: str, time_limit_s: float, seed: int) -> Run:
    t0 = time.perf_counter()
    c0 = time.process_time()
    if method == "ortools":
        order = solve_ortools(inst, time_limit_s=time_limit_s, solution_limit=20_000)
        runtime = time.perf_counter() - t0
        cpu = time.process_time() - c0
        d = inst.distances
        length = sum(d[a][b] for a, b in itertools.pairwise(order))
        score = sum(inst.scores[v] for v in set(order))
        return Run(
            inst, score, length, runtime, cpu, None, None, check_route(inst, order, score, length)
        )
    res = solve_orienteering(
        inst.distances,
        inst.scores,
        inst.budget,
        start=0,
        end=1,
        method=method,
        time_limit_s=time_limit_s,
        seed=seed,
    )
    runtime = time.perf_counter() - t0
    cpu = time.process_time() - c0
    problem = check_route(inst, res.order, res.score, res.length)
    return Run(inst, res.score, res.length, runtime, cpu, res.optimal, res.bound, problem)


def read_reference(path: Path) -> dict[tuple[str, str], float]:
    if not path.exists():
        sys.exit(f"reference table {path} missing: run with --make-reference first")
    with path.open() as fh:
        return {(r["set"], r["instance"]): float(r["reference"]) for r in csv.DictReader(fh)}


def make_reference(args: argparse.Namespace, instances: list[Instance]) -> None:
    published = load_published(args.instances)
    rows = []
    for inst in instances:
        run = run_instance(inst, "exact", args.time_limit, args.seed)
        if run.problem:
            sys.exit(f"{inst.name}: exact route invalid: {run.problem}")
        pub = published.get((inst.set_name, inst.budget), [])
        tol = 1e-6
        if run.optimal:
            reference, source = run.score, "exact optimum"
            infeasible = sorted({p for p in pub if p > run.score + tol})
        else:
            bound = math.inf if run.bound is None else run.bound
            infeasible = sorted({p for p in pub if p > bound + tol})
            credible = [p for p in pub if p <= bound + tol]
            best_pub = max(credible, default=-math.inf)
            if best_pub > run.score:
                reference, source = best_pub, "published (not refuted by exact bound)"
            else:
                reference, source = run.score, "exact incumbent (not proven)"
        rows.append(
            {
                "set": inst.set_name,
                "instance": inst.name,
                "budget": f"{inst.budget:g}",
                "n": len(inst.points),
                "best_published": f"{max(pub):g}" if pub else "",
                "exact_score": f"{run.score:g}",
                "exact_bound": "" if run.bound is None else f"{run.bound:.6g}",
                "exact_optimal": run.optimal,
                "exact_runtime_s": f"{run.runtime_s:.2f}",
                "published_infeasible": " ".join(f"{p:g}" for p in infeasible),
                "reference": f"{reference:g}",
                "reference_source": source,
            }
        )
        print(
            f"{inst.set_name}/{inst.name}: exact {run.score:g} bound {run.bound} "
            f"optimal={run.optimal} {run.runtime_s:.1f}s -> reference {reference:g} ({source})",
            flush=True,
        )
    # keep rows of sets not re-run
    if args.reference.exists():
        with args.reference.open() as fh:
            done = {(r["set"], r["instance"]) for r in rows}
            rows = [r for r in csv.DictReader(fh) if (r["set"], r["instance"]) not in done] + rows
    order = {s: i for i, s in enumerate(SETS)}
    rows.sort(key=lambda r: (order.get(r["set"], 99), float(r["budget"])))
    with args.reference.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=REFERENCE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {args.reference}")


def benchmark(args: argparse.Namespace, instances: list[Instance]) -> int:
    reference = read_reference(args.reference)
    runs: list[Run] = []
    details = []
    for inst in instances:
        run = run_instance(inst, args.method, args.time_limit, args.seed)
        runs.append(run)
        ref = reference[(inst.set_name, inst.name)]
        gap = 0.0 if ref <= 0 else 100.0 * (ref - run.score) / ref
        details.append((inst, run, ref, gap))
        if args.verbose:
            print(
                f"{inst.set_name}/{inst.name}: score {run.score:g} ref {ref:g} gap {gap:.2f}% "
                f"{run.runtime_s:.2f}s (cpu {run.cpu_s:.2f}s) optimal={run.optimal} "
                f"{run.problem or 'feasible'}",
                file=sys.stderr,
                flush=True,
            )
    print(
        f"\nmethod `{args.method}`, time limit {args.time_limit:g} s, seed {args.seed}, "
        f"{len(runs)} instances\n"
    )
    print(
        "| set | n | instances | mean gap % | worst gap % | = ref | > ref | proven optimal "
        "| mean wall s | max wall s | max CPU s | feasible |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    failed = 0
    for set_name in dict.fromkeys(inst.set_name for inst in instances):
        rows = [x for x in details if x[0].set_name == set_name]
        gaps = [x[3] for x in rows]
        times = [x[1].runtime_s for x in rows]
        cpus = [x[1].cpu_s for x in rows]
        feasible = sum(not x[1].problem for x in rows)
        failed += len(rows) - feasible
        equal = sum(abs(x[1].score - x[2]) < 1e-6 for x in rows)
        above = sum(x[1].score > x[2] + 1e-6 for x in rows)
        proven = sum(bool(x[1].optimal) for x in rows)
        print(
            f"| {set_name} | {len(rows[0][0].points)} | {len(rows)} | "
            f"{statistics.fmean(gaps):.3f} | {max(gaps):.3f} | {equal} | {above} | {proven} | "
            f"{statistics.fmean(times):.2f} | {max(times):.2f} | {max(cpus):.2f} | "
            f"{feasible}/{len(rows)} |"
        )
    worst = max(details, key=lambda x: x[3])
    print(
        f"\nworst instance: {worst[0].set_name}/{worst[0].name} score {worst[1].score:g} "
        f"vs reference {worst[2]:g} ({worst[3]:.2f} %)"
    )
    for inst, run, _, _ in details:
        if run.problem:
            print(f"INFEASIBLE {inst.set_name}/{inst.name}: {run.problem}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--instances",
        type=Path,
        default=DEFAULT_INSTANCES,
        help="folder of the OP instances (default: ../shared/bench/op from the repo root)",
    )
    parser.add_argument(
        "--method", choices=("heuristic", "exact", "auto", "ortools"), default="heuristic"
    )
    parser.add_argument(
        "--sets", default=",".join(SETS), help="comma-separated set folders (default: all)"
    )
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per instance")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument(
        "--make-reference",
        action="store_true",
        help="run the exact solver on the sets and (re)write their rows of the reference table",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="per-instance lines")
    args = parser.parse_args(argv)
    if args.time_limit is None:
        args.time_limit = 600.0 if args.make_reference or args.method == "exact" else 10.0
    logging.basicConfig(level=logging.WARNING)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    instances = load_sets(args.instances, sets)
    if args.make_reference:
        make_reference(args, instances)
        return 0
    return benchmark(args, instances)


if __name__ == "__main__":
    sys.exit(main())
