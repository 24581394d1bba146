"""Full-page screenshot of a study report in headless Chromium (Debian's binary).

    .venv/bin/python scripts/study_report_screenshot.py OUT/report.html [--out FILE.png]

OUT is what ``openskies compare ... -o OUT`` wrote; the page is opened offline through the
browser tests' plugin (no network) and captured at its whole height,
1200 CSS px wide (default FILE: docs/img/study-report.png).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("report", type=Path)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "img" / "study-report.png")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO / "tests"))
    import chromium_plugin as cp

    path = cp.find_chromium()
    if path is None:
        print(cp.CHROMIUM_MISSING, file=sys.stderr)
        return 1
    r = cp.render_in_chromium(args.report, chromium_path=path, screenshot=args.out, full_page=True)
    args.out.with_suffix(".netlog.json").unlink(missing_ok=True)  # the plugin's network log
    if r.console_errors or r.requests:
        print(f"console errors {r.console_errors}, requests {r.requests}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
