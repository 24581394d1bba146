"""Record the golden outputs of tests/golden/ on purpose (see tests/golden/README.md).

    .venv/bin/python scripts/regen_goldens.py            # every case
    .venv/bin/python scripts/regen_goldens.py plan-minsk # some cases

Runs each case of ``tests/golden/cases.json`` twice through the ``openskies`` command (a
fresh process each time), refuses to record a case whose two runs differ in any byte, and
replaces ``tests/golden/<case>/`` with the kept files. Commit the result in a commit of its
own whose message says why the outputs changed. ``tests/golden/ENVIRONMENT.txt`` records the
library versions the goldens were made with.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
#: Libraries whose versions decide the bytes (geometry, projections, floats, PNG, HTML).
LIBRARIES = (
    "numpy",
    "pandas",
    "shapely",
    "pyproj",
    "geopandas",
    "pyogrio",
    "networkx",
    "highspy",
    "numba",
    "folium",
    "branca",
    "matplotlib",
    "pillow",
    "xstatic-leaflet",
    "xstatic-jquery",
)


def cases() -> dict[str, dict]:
    """The cases of ``tests/golden/cases.json``, by name."""
    return json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8"))["cases"]


def run_case(case: dict, out: Path) -> None:
    """Run one case's command into ``out`` (which must not exist), from the repository root."""
    argv = [a.replace("{out}", str(out)) for a in case["argv"]]
    proc = subprocess.run(
        [sys.executable, "-m", "openskies", *argv],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        msg = f"openskies {' '.join(argv)} exited {proc.returncode}:\n{proc.stderr}"
        raise RuntimeError(msg)


def kept_files(case: dict, out: Path) -> list[str]:
    """The file names of ``out`` a case keeps ("all": every file the command wrote)."""
    if case["files"] == "all":
        return sorted(p.name for p in out.iterdir() if p.is_file())
    return sorted(case["files"])


def environment() -> str:
    """Python and the library versions, one per line."""
    from importlib.metadata import PackageNotFoundError, version

    import shapely

    lines = [f"python {sys.version.split()[0]}"]
    for name in LIBRARIES:
        try:
            lines.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            lines.append(f"{name} (not installed)")
    lines.append(f"GEOS {shapely.geos_version_string}")
    import pyproj

    lines.append(f"PROJ {pyproj.proj_version_str}")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="Cases to record (default: all).")
    args = ap.parse_args()
    todo = cases()
    unknown = sorted(set(args.names) - set(todo))
    if unknown:
        sys.exit(f"unknown case(s) {unknown}; known: {sorted(todo)}")
    for name in args.names or sorted(todo):
        case = todo[name]
        with tempfile.TemporaryDirectory() as tmp:
            first, second = Path(tmp, "a"), Path(tmp, "b")
            run_case(case, first)
            run_case(case, second)
            files = kept_files(case, first)
            _, mismatch, errors = filecmp.cmpfiles(first, second, files, shallow=False)
            if mismatch or errors:
                sys.exit(f"{name}: two runs differ in {mismatch + errors}: not recorded")
            dest = GOLDEN / name
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True)
            for f in files:
                shutil.copyfile(first / f, dest / f)
        print(f"{name}: {len(files)} files recorded")
    (GOLDEN / "ENVIRONMENT.txt").write_text(environment(), encoding="utf-8")


if __name__ == "__main__":
    main()
