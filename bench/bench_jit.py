"""Cold and warm start of the orienteering kernels (numba): compile or cache-load cost.

Each measurement runs in a new Python process. *cold*: an empty numba cache
(``NUMBA_CACHE_DIR`` set to a fresh temporary directory), as on the first use of an
installation; *warm*: the same cache again, as in every later process. The child
imports ``openskies._orienteering_ils`` (which compiles or loads every kernel, one
explicit signature each) and runs one default heuristic call on a 60-node instance.
CPU is the child's user + system time (``RUSAGE_CHILDREN``), so other jobs on the
machine change the wall time, not the CPU time. ``--kernels`` adds the compile CPU
of each kernel in the cold run, its LLVM part apart (numba's ``numba:compile`` and
``numba:llvm_lock`` events).

    .venv/bin/python bench/bench_jit.py              # cold, then warm, 1 repeat
    .venv/bin/python bench/bench_jit.py --repeat 3 --kernels
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

_CHILD = r"""
import json, math, random, sys, time
t0 = time.process_time()
timings = []
if sys.argv[1] == "1":
    from numba.core import event

    llvm = [0.0]

    class _Compile(event.Listener):
        def __init__(self):
            self.stack = []

        def on_start(self, ev):
            self.stack.append((time.process_time(), llvm[0]))

        def on_end(self, ev):
            t, l0 = self.stack.pop()
            name = ev.data["dispatcher"].py_func.__name__
            timings.append((name, time.process_time() - t, llvm[0] - l0))

    class _Llvm(event.Listener):
        def on_start(self, ev):
            self.t = time.process_time()

        def on_end(self, ev):
            llvm[0] += time.process_time() - self.t

    event.register("numba:compile", _Compile())
    event.register("numba:llvm_lock", _Llvm())
from openskies import _orienteering_ils  # noqa: F401  (compiles or loads the kernels)
t1 = time.process_time()
from openskies.routing import solve_orienteering
rng = random.Random(0)
pts = [(rng.uniform(0, 1000), rng.uniform(0, 1000)) for _ in range(60)]
d = [[math.dist(p, q) for q in pts] for p in pts]
scores = [rng.randint(1, 100) for _ in pts]
res = solve_orienteering(d, scores, 2500, start=0, end=0, method="heuristic", seed=0)
t2 = time.process_time()
print(json.dumps({"import_cpu": t1 - t0, "call_cpu": t2 - t1, "score": res.score,
                  "kernels": timings}))
"""


def _run(cache: str, kernels: bool) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env.pop("NUMBA_DISABLE_JIT", None)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    w0 = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, "1" if kernels else "0"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.monotonic() - w0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime + r1.ru_stime) - (r0.ru_utime + r0.ru_stime)
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row.update(cpu=cpu, wall=wall)
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="cold/warm pairs (default 1)")
    ap.add_argument("--kernels", action="store_true", help="compile CPU per kernel (cold)")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()[0]
    print("| run | process CPU s | wall s | import CPU s | first call CPU s | score |")
    print("|---|---|---|---|---|---|")
    cold_rows = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="openskies-numba-") as cache:
            for label in ("cold", "warm"):
                row = _run(cache, args.kernels and label == "cold")
                if label == "cold":
                    cold_rows.append(row)
                print(
                    f"| {label} | {row['cpu']:.2f} | {row['wall']:.2f} | {row['import_cpu']:.2f}"
                    f" | {row['call_cpu']:.2f} | {row['score']:g} |"
                )
    load1 = os.getloadavg()[0]
    print(
        f"\nnumba cache: a fresh NUMBA_CACHE_DIR per cold run; load average (1 min) "
        f"{load0:.2f} at start, {load1:.2f} at end; {os.cpu_count()} CPUs"
    )
    if args.kernels and cold_rows:
        ks = cold_rows[0]["kernels"]
        print("\n| kernel | compile CPU s | of which LLVM s |")
        print("|---|---|---|")
        for name, t, llvm in sorted(ks, key=lambda k: -k[1]):
            print(f"| {name} | {t:.2f} | {llvm:.2f} |")
        print(f"| all ({len(ks)}) | {sum(k[1] for k in ks):.2f} | {sum(k[2] for k in ks):.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
