"""Take the screenshot of docs/workbench.md in headless Chromium (Debian's binary).

    .venv/bin/python scripts/workbench_screenshot.py [--out docs/img/workbench.png]

Starts the workbench on a free loopback port, loads Belarus's bundled sites, asks for
the best route from Kubinka, shows its footprint, then drags one waypoint of the route
into Lithuania so that the meter and a violation show; every step uses the page's own
buttons and mouse events, as a planner would.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SETTLED = (
    "() => document.body.dataset.checked === String(openskiesWorkbench.state.seq)"
    " && !openskiesWorkbench.state.inflight"
)


def _find_chromium() -> str | None:
    spec = importlib.util.spec_from_file_location("_top_conftest", REPO / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["_top_conftest"] = module
    spec.loader.exec_module(module)
    return module.find_chromium()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "img" / "workbench.png")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from openskies.serve import Workbench

    chromium = _find_chromium()
    if chromium is None:
        sys.exit("needs Debian's chromium: scripts/install-system-packages.sh")
    with Workbench(port=0) as wb, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(wb.url)
        page.wait_for_selector("body[data-ready=yes]", state="attached", timeout=120_000)
        page.evaluate("openskiesWorkbench.fitTo(22.8, 51.0, 37.5, 56.6)")
        page.click("#bundled-sites")
        page.wait_for_function("() => openskiesWorkbench.state.targets.length > 0")
        page.click("#best-route")
        page.wait_for_function("() => document.getElementById('route-result').textContent")
        page.wait_for_function(SETTLED, timeout=120_000)
        page.check("#show-footprint")
        page.wait_for_function("() => document.getElementById('footprint-info').textContent")
        # drag the westernmost waypoint of the route over the border into Lithuania
        wps = page.evaluate("openskiesWorkbench.waypoints()")
        west = min(wps[1:-1], key=lambda p: p[0])
        a = page.evaluate("p => openskiesWorkbench.pointOf(p[0], p[1])", west)
        b = page.evaluate("p => openskiesWorkbench.pointOf(p[0], p[1])", [25.2, 54.9])
        page.mouse.move(a["x"], a["y"])
        page.mouse.down()
        page.mouse.move(b["x"], b["y"], steps=10)
        page.mouse.up()
        page.wait_for_function(SETTLED, timeout=120_000)
        before = page.inner_text("#footprint-info")
        page.wait_for_function(  # the footprint follows the check after its debounce
            "t => document.getElementById('footprint-info').textContent !== t",
            arg=before,
            timeout=120_000,
        )
        page.evaluate("document.getElementById('plan').scrollIntoView()")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out))
        print(f"wrote {args.out}: {page.inner_text('#verdict')}")
        browser.close()


if __name__ == "__main__":
    main()
