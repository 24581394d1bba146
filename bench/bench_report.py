"""Benchmark of the default study report in a real browser: size and load time.

Run: python bench/bench_report.py [REPORT_HTML]
Without an argument it first runs the default study (`openskies compare`). Opens the report in
headless Chromium (Debian `chromium`; scripts/install-system-packages.sh) with networking off, and
reads the navigation timing (load event end) and the number of drawn map features.
Target (issue 7): at most 5 MB, opening in under 3 s.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _conftest():
    spec = importlib.util.spec_from_file_location("os_conftest", ROOT / "tests" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["os_conftest"] = mod  # dataclasses look their module up while defining
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    return mod


def main() -> None:
    if len(sys.argv) > 1:
        report = Path(sys.argv[1])
    else:
        out = Path(tempfile.mkdtemp()) / "study"
        exe = Path(sys.executable).with_name("openskies")
        subprocess.run(
            [str(exe), "compare", "-o", str(out), "--no-progress"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        report = out / "report.html"
    cf = _conftest()
    chromium = cf.find_chromium()
    if chromium is None:
        sys.exit("chromium not found: run scripts/install-system-packages.sh")
    shot = Path(tempfile.mkdtemp()) / "report.png"
    res = cf.render_in_chromium(
        report,
        chromium_path=chromium,
        screenshot=shot,
        evaluate="JSON.stringify(performance.getEntriesByType('navigation')[0].toJSON())",
    )
    import json

    nav = json.loads(res.evaluated)
    print("| measurement | value |")
    print("|---|---|")
    print(f"| report size (MB) | {report.stat().st_size / 1e6:.2f} |")
    print(f"| DOMContentLoaded (s) | {nav['domContentLoadedEventEnd'] / 1000:.2f} |")
    print(f"| load event end (s) | {nav['loadEventEnd'] / 1000:.2f} |")
    print(f"| leaflet-interactive elements | {res.count_class('leaflet-interactive')} |")
    print(f"| console errors | {len(res.console_errors)} |")
    print(f"| requests leaving the page | {len(res.requests)} |")
    print(f"| screenshot | {shot} |")


if __name__ == "__main__":
    main()
