"""Core benchmarks: import time of openskies and time to load all bundled data.

Run: python bench/bench_core.py   (each measurement in a fresh interpreter, best of 5)
"""

from __future__ import annotations

import subprocess
import sys

IMPORT = "import time; t=time.perf_counter(); import openskies; print(time.perf_counter()-t)"
LOAD_ALL = (
    "import time; t=time.perf_counter(); import openskies; from openskies import data; "
    "r=data.regime(); [data.territory(c) for c in ('BLR','POL','BLR+RUS','RUS-KGD')]; "
    "data.airfields(); data.sites('BLR'); data.countries(treaty_area=True); "
    "data.territory('BLR+RUS').neighbours; print(time.perf_counter()-t)"
)


def _best(code: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return min(times)


def main() -> None:
    print("| measurement | best of 5 (s) |")
    print("|---|---|")
    print(f"| `import openskies` | {_best(IMPORT):.3f} |")
    print(
        f"| import + load all bundled data (regime, 4 territories, airfields, sites, "
        f"treaty areas, neighbours) | {_best(LOAD_ALL):.3f} |"
    )


if __name__ == "__main__":
    main()
