"""Benchmark of the default entry-point study: wall time and peak memory of `openskies compare`.

Run: python bench/bench_study.py   (target, issue 6: under 5 minutes on 2 cores, peak < 2 GiB)

Runs the CLI on the bundled configs/belarus-entry-point.yaml in a child process and reads the
child's peak resident set size from getrusage (the same figure `/usr/bin/time -v` prints).
"""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    out = Path(tempfile.mkdtemp()) / "study-out"
    exe = Path(sys.executable).with_name("openskies")
    t = time.perf_counter()
    subprocess.run(
        [str(exe), "compare", "-o", str(out), "--no-progress"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - t
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    report = out / "report.html"
    print("| measurement | value |")
    print("|---|---|")
    print(f"| wall time (s) | {wall:.1f} |")
    print(f"| peak RSS (MiB) | {peak_mib:.0f} |")
    print(f"| report.html (MB) | {report.stat().st_size / 1e6:.2f} |")
    print(f"| outputs | {', '.join(sorted(p.name for p in out.iterdir()))} |")
    shutil.rmtree(out.parent)


if __name__ == "__main__":
    main()
