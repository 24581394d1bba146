"""The workbench page in a real browser (Playwright driving Debian's Chromium).

Every request the page makes is recorded; a request outside the app's own origin is
blocked and fails the test. Plans are drawn and edited with mouse events on the map.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import numpy as np
import pytest

from openskies import data, flightplan, io

pytestmark = pytest.mark.browser

KUB = data.airfield("UUMB")
VILNIUS = (25.3, 54.7)  # in Lithuania: outside the observed territory
FIXED = (26.6, 53.8)  # in Belarus
DRAWN = [(KUB.lon, KUB.lat), (30.5, 54.5), (27.5, 53.5), VILNIUS, (29.0, 55.2)]
SETTLED = (
    "() => document.body.dataset.checked === String(openskiesWorkbench.state.seq)"
    " && !openskiesWorkbench.state.inflight"
)


def open_page(page, workbench):
    page.goto(workbench.url)
    page.wait_for_selector("body[data-ready=yes]", state="attached", timeout=60_000)
    assert "token=" not in page.url  # the token moved to the cookie, out of the address bar


def point(page, lon, lat):
    xy = page.evaluate("([lon, lat]) => openskiesWorkbench.pointOf(lon, lat)", [lon, lat])
    return xy["x"], xy["y"]


def settle(page, timeout_ms=60_000):
    page.wait_for_function(SETTLED, timeout=timeout_ms)


def drag(page, src, dst, steps=8):
    x0, y0 = point(page, *src)
    x1, y1 = point(page, *dst)
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x1, y1, steps=steps)
    page.mouse.up()


def assert_clean(rec):
    assert rec.foreign == [], rec.foreign
    assert rec.console_errors == [], rec.console_errors
    assert rec.requests, "no request recorded"


def test_draw_check_fix_export_and_import(wb_page, workbench, tmp_path, browser_artifacts_dir):
    page, rec = wb_page
    open_page(page, workbench)
    page.evaluate("openskiesWorkbench.fitTo(24.5, 52.0, 37.5, 56.5)")

    # draw: click every waypoint, then the last one again to finish
    page.click("#draw")
    for lon, lat in DRAWN:
        page.mouse.click(*point(page, lon, lat))
    page.mouse.click(*point(page, *DRAWN[-1]))
    settle(page)

    meter = page.inner_text("#meter")
    assert "of 5,500.0 km" in meter  # Kubinka's maximum flight distance
    assert "Kaliningrad region (RUS-KGD) sub-limit" in meter
    assert "of 500.0 km" in meter
    assert page.inner_text("#verdict").startswith("ILLEGAL")
    rules = page.eval_on_selector_all("#violations li", "els => els.map(e => e.dataset.rule)")
    assert "outside_territory" in rules
    assert page.locator("path.violation-marker").count() >= 1  # marked on the map
    check = page.evaluate("openskiesWorkbench.state.lastCheck")
    drawn = page.evaluate("openskiesWorkbench.waypoints()")
    assert len(drawn) == len(DRAWN)
    assert np.allclose(drawn[3], VILNIUS, atol=0.02)  # within a pixel at this zoom
    plan = flightplan.FlightPlan.from_waypoints(
        drawn, start="UUMB", end="UUMB", territory="BLR+RUS"
    )
    assert check["length_km"] == pytest.approx(plan.length_km, rel=1e-9)
    page.screenshot(path=str(browser_artifacts_dir / "workbench-violation.png"))

    # fix it: drag the Lithuanian waypoint into Belarus
    drag(page, drawn[3], FIXED)
    settle(page)
    assert page.inner_text("#verdict").startswith("LEGAL"), page.inner_text("#violations")
    assert page.locator("#violations li").count() == 0
    assert page.locator("path.violation-marker").count() == 0
    fixed_km = page.evaluate("openskiesWorkbench.state.lastCheck.length_km")
    fixed_wps = page.evaluate("openskiesWorkbench.waypoints()")
    assert np.allclose(fixed_wps[3], FIXED, atol=0.02)

    # export GPX, clear, import it again
    page.select_option("#export-format", "gpx")
    with page.expect_download() as dl:
        page.click("#export")
    gpx = tmp_path / dl.value.suggested_filename
    dl.value.save_as(gpx)
    assert gpx.suffix == ".gpx"
    assert "<rtept" in gpx.read_text()
    page.click("#clear")
    assert page.inner_text("#verdict").startswith("No plan yet")
    page.set_input_files("#import", str(gpx))
    page.wait_for_function("() => openskiesWorkbench.waypoints().length > 0")
    settle(page)
    assert page.inner_text("#verdict").startswith("LEGAL")
    again = page.evaluate("openskiesWorkbench.state.lastCheck")
    assert again["length_km"] == pytest.approx(fixed_km, rel=1e-12)
    # the file holds the plan as checked: the end airfield the library appended is a waypoint
    imported = page.evaluate("openskiesWorkbench.waypoints()")
    assert np.allclose(imported[: len(fixed_wps)], fixed_wps, atol=1e-9)
    assert np.allclose(imported[-1], (KUB.lon, KUB.lat), atol=1e-9)
    assert_clean(rec)


def _plan_200(tmp_path: Path) -> Path:
    """200 drawn waypoints over Belarus in 5 rows (202 with the two Kubinka ends)."""
    pts = []
    for r, lat in enumerate(np.linspace(52.9, 54.9, 5)):
        lons = np.linspace(26.3, 30.3, 40)
        pts += [(float(x), float(lat)) for x in (lons[::-1] if r % 2 else lons)]
    plan = flightplan.FlightPlan.from_waypoints(
        pts, start="UUMB", end="UUMB", territory="BLR+RUS", name="lawnmower"
    )
    assert plan.validate() == []
    return io.write(plan, tmp_path / "lawnmower.geojson")


def test_edits_of_a_200_waypoint_plan_update_the_meter(
    wb_page, workbench, tmp_path, browser_artifacts_dir
):
    page, rec = wb_page
    open_page(page, workbench)
    page.set_input_files("#import", str(_plan_200(tmp_path)))
    page.wait_for_function("() => openskiesWorkbench.waypoints().length === 202")
    settle(page)
    assert page.inner_text("#verdict").startswith("LEGAL")
    wps = page.evaluate("openskiesWorkbench.waypoints()")
    k = 61  # a waypoint of the second row
    lon, lat = wps[k]
    # zoom in until neighbouring waypoints are far apart on screen (the import fits the map to
    # the plan once it is drawn, which may come after a first zoom): a drag at 10 px spacing
    # grabs Geoman's middle marker and inserts a waypoint instead of moving one
    zoom = f"openskiesWorkbench.fitTo({lon - 0.3}, {lat - 0.2}, {lon + 0.3}, {lat + 0.2})"
    for _ in range(50):
        page.evaluate(zoom)
        page.wait_for_timeout(100)
        if abs(point(page, *wps[k])[0] - point(page, *wps[k - 1])[0]) > 100:
            break
    assert abs(point(page, *wps[k])[0] - point(page, *wps[k - 1])[0]) > 100
    page.evaluate("openskiesWorkbench.state.latencies.length = 0")
    texts = []
    targets = [(lon, lat + 0.04 * (i + 1)) for i in range(6)]
    here = (lon, lat)
    for dst in targets:
        drag(page, here, dst)
        settle(page)
        here = dst
        texts.append(page.inner_text("#meter").split("\n")[1])
    # every edit changed the counted distance, and the new number is the library's
    assert len(set(texts)) == len(texts)
    last = page.evaluate("openskiesWorkbench.state.lastCheck")
    now = page.evaluate("openskiesWorkbench.waypoints()")
    plan = flightplan.FlightPlan.from_waypoints(now, start="UUMB", end="UUMB", territory="BLR+RUS")
    assert last["length_km"] == pytest.approx(plan.length_km, rel=1e-9)
    assert len(last["waypoints"]) == 202

    # a violation: drag one waypoint across the border into Lithuania, then back
    page.evaluate("openskiesWorkbench.fitTo(24.0, 52.0, 31.0, 56.0)")
    first = page.evaluate("openskiesWorkbench.waypoints()")[1]
    drag(page, first, (25.0, 55.0))
    settle(page)
    assert "outside_territory" in page.eval_on_selector_all(
        "#violations li", "els => els.map(e => e.dataset.rule)"
    )
    drag(page, (25.0, 55.0), first)
    settle(page)
    assert page.inner_text("#verdict").startswith("LEGAL")

    lat_ms = page.evaluate("openskiesWorkbench.state.latencies")
    finals = [x for x in lat_ms if x["final"]]
    per_edit = [x["ms"] for x in finals]
    record = {
        "waypoints": 202,
        "edits": len(per_edit),
        "change_to_render_ms": per_edit,
        "median_ms": statistics.median(per_edit),
        "max_ms": max(per_edit),
        "server_ms": [x["server_ms"] for x in finals],
        "fetch_ms": [x["fetch_ms"] for x in finals],
        "render_ms": [x["render_ms"] for x in finals],
        "updates_while_dragging": len(lat_ms) - len(finals),
    }
    (browser_artifacts_dir / "workbench-latency.json").write_text(json.dumps(record, indent=2))
    assert len(per_edit) == 8  # one final change per drag gesture
    # Measured, not asserted tightly: a shared 2-core machine. The 300 ms target is
    # measured by bench/bench_serve.py --browser; here every edit must be answered.
    assert max(per_edit) < 5_000, record
    assert_clean(rec)


def test_targets_best_route_and_footprint(wb_page, workbench):
    page, rec = wb_page
    open_page(page, workbench)
    page.evaluate("openskiesWorkbench.fitTo(23.0, 51.0, 33.0, 56.5)")
    page.click("#add-targets")
    for lonlat in [(27.6, 53.9), (30.3, 55.2), (24.0, 52.1)]:
        page.mouse.click(*point(page, *lonlat))
    page.click("#add-targets")
    assert page.inner_text("#targets-count") == "3 target(s)"
    assert page.locator("path.target-marker").count() == 3
    page.click("#best-route")
    page.wait_for_function("() => document.getElementById('route-result').textContent !== ''")
    settle(page)
    assert page.inner_text("#verdict").startswith("LEGAL")
    assert "Observes 3 of 3 targets" in page.inner_text("#route-result")
    page.check("#show-footprint")
    page.wait_for_function(
        "() => document.getElementById('footprint-info').textContent.includes('km²')"
    )
    assert "optical_high_pan" in page.inner_text("#footprint-info")
    assert_clean(rec)


def test_user_text_is_shown_literally(wb_page, workbench, tmp_path):
    page, rec = wb_page
    open_page(page, workbench)
    evil = '<img src=x onerror="window.__pwned=1">{{ 7*7 }}'
    targets = tmp_path / "evil.csv"
    targets.write_text(f'name,lon,lat,value\n"{evil.replace(chr(34), chr(34) * 2)}",27.6,53.9,1\n')
    page.set_input_files("#targets-file", str(targets))
    page.wait_for_function("() => openskiesWorkbench.state.targets.length === 1")
    page.evaluate("openskiesWorkbench.fitTo(26.0, 53.0, 29.0, 55.0)")
    page.hover("path.target-marker")
    tip = page.wait_for_selector(".leaflet-tooltip")
    assert evil in tip.inner_text()  # literally, {{ 7*7 }} not evaluated
    assert tip.query_selector("img") is None
    assert page.evaluate("window.__pwned") is None
    # a plan named with markup, through a file
    plan = flightplan.FlightPlan.from_waypoints(
        [(KUB.lon, KUB.lat), (28.0, 53.9), (KUB.lon, KUB.lat)], start="UUMB", name=evil
    )
    path = io.write(plan, tmp_path / "evil.geojson")
    page.set_input_files("#import", str(path))
    page.wait_for_function(
        "() => document.getElementById('status').textContent.startsWith('Imported')"
    )
    settle(page)
    assert page.evaluate("openskiesWorkbench.state.planName") == evil
    assert page.evaluate("window.__pwned") is None
    assert [u for u in rec.requests if u.endswith("/x")] == []
    assert_clean(rec)


def test_bad_file_shows_the_servers_message(wb_page, workbench, tmp_path):
    page, rec = wb_page
    open_page(page, workbench)
    bad = tmp_path / "broken.gpx"
    bad.write_text("<gpx><rte><rtept lat='95' lon='27'/><rtept lat='53' lon='27'/></rte></gpx>")
    page.set_input_files("#import", str(bad))
    page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
    text = page.inner_text("#status")
    assert "broken.gpx" in text
    assert "latitude" in text
    assert "fix:" in text
    # the failed request is the page's own and expected: not counted as a console error
    rec.console_errors = [e for e in rec.console_errors if "422" not in e]
    assert_clean(rec)


def test_api_docs_page_renders_offline(wb_page, workbench):
    page, rec = wb_page
    open_page(page, workbench)
    page.goto(f"{workbench.base_url}/docs")
    page.wait_for_selector(".endpoint")
    text = page.inner_text("#paths")
    assert "/api/validate" in text
    assert "PlanIn" in text
    assert_clean(rec)


@pytest.mark.slow
def test_entry_point_comparison_from_the_page(wb_page, workbench):
    page, rec = wb_page
    open_page(page, workbench)
    page.select_option("#cmp-territory", "LTU")
    page.fill("#cmp-candidates", "EYSA")
    page.click("#compare")
    page.wait_for_function(
        "() => document.getElementById('cmp-status').textContent.startsWith('Done')",
        timeout=300_000,
    )
    assert "EYSA" in page.inner_text("#cmp-table")
    assert page.locator("#cmp-findings li").count() >= 1
    assert_clean(rec)


def test_setup_hypothetical_minsk_and_territory_change(wb_page, workbench):
    page, rec = wb_page
    open_page(page, workbench)
    minsk = data.airfield("UMMS")
    page.select_option("#start", "UMMS")
    assert page.is_visible("#hyp")
    page.fill("#hyp-km", "1500")
    page.evaluate(f"openskiesWorkbench.fitTo({minsk.lon - 2}, {minsk.lat - 2}, 31, 55)")
    page.click("#draw")
    for lonlat in [(minsk.lon, minsk.lat), (30.0, 53.0), (30.0, 53.0)]:
        page.mouse.click(*point(page, *lonlat))
    settle(page)
    assert page.inner_text("#verdict").startswith("LEGAL")
    meter = page.inner_text("#meter")
    assert "Minsk National (UMMS) (hypothetical)" in meter
    assert "of 1,500.0 km" in meter
    assert "hypothetical designation" in meter
    # another territory: its airfields, and the comparison follows it
    page.select_option("#territory", "POL")
    assert page.eval_on_selector_all("#start option", "os => os.map(o => o.value)") == ["EPWA"]
    assert page.input_value("#cmp-territory") == "POL"
    assert page.input_value("#cmp-candidates") == "EPWA"
    page.select_option("#territory", "BLR+RUS")
    assert page.input_value("#cmp-territory") == "BLR"
    assert page.input_value("#cmp-candidates") == "UUMB, UMMS"
    assert_clean(rec)
