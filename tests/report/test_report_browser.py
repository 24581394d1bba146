"""Every kind of report (plan, coverage, study) opens fully offline in headless Chromium."""

from __future__ import annotations

import re

import pytest

from openskies import coverage, data, report, routing, study

pytestmark = pytest.mark.browser

EVIL = "<img src=x onerror=alert(1)>"


def _shown(html: str) -> int:
    return int(re.search(r'name="openskies:features-shown" content="(\d+)"', html).group(1))


def _check(result, expected: int) -> None:
    assert result.count_class("leaflet-interactive") == expected
    assert result.console_errors == []
    assert result.stderr_uncaught == []
    assert result.dialogs == []
    assert result.requests == [], f"the page requested {result.requests}"
    assert result.hosts_resolved == []
    loopback = ("http://127.0.0.1:", "https://127.0.0.1:")
    assert [u for u in result.background_requests if not u.startswith(loopback)] == []
    assert '<img src="x"' not in result.dom


@pytest.fixture(scope="module")
def minsk():
    return data.regime().designate("UMMS", party="BLR", max_flight_distance_km=1500)


def test_plan_report(chromium, browser_artifacts_dir, tmp_path, minsk) -> None:
    sites = data.sites("BLR").head(6).copy()
    sites.loc[sites.index[0], "name"] = EVIL
    plan = routing.plan_route("BLR", sites, start="UMMS", sensor="optical_high_pan", regime=minsk)
    fp = coverage.footprint(plan, "optical_high_pan")
    path = report.write_plan_report(plan, tmp_path / "plan.html", targets=sites, footprint=fp)
    html = path.read_text()
    # independent count of what must be drawn: countries in view, the territory outline,
    # the footprint, one path per leg, named waypoints, the airfield, the targets
    named = sum(bool(w.name) for w in plan.waypoints)
    assert _shown(html) >= len(plan.legs) + named + 1 + len(sites) + 2
    result = chromium.render(path, screenshot=browser_artifacts_dir / "report_plan.png")
    _check(result, _shown(html))
    assert "(hypothetical)" in result.dom
    assert "&lt;img src=x onerror=alert(1)&gt;" in html or "\\u003cimg" in html


def test_coverage_report(chromium, browser_artifacts_dir, tmp_path) -> None:
    flights = coverage.plan_full_coverage("BLR", airfield="UUMB", sensor="optical_high_pan")
    path = report.write_coverage_report(flights, tmp_path / "coverage.html")
    html = path.read_text()
    assert _shown(html) >= len(flights) + 3
    result = chromium.render(path, screenshot=browser_artifacts_dir / "report_coverage.png")
    _check(result, _shown(html))


def test_study_report(chromium, browser_artifacts_dir, tmp_path) -> None:
    st = study.compare_entry_points(
        "BLR",
        ("UUMB", "UMMS"),
        budgets_km=[5500.0],
        sensors=("optical_high_pan",),
        targets="none",
        progress=False,
        reach_cell_km=25.0,
    )
    path = st.to_html(tmp_path / "study.html")
    html = path.read_text()
    assert path.stat().st_size < 5_000_000
    result = chromium.render(path, screenshot=browser_artifacts_dir / "report_study.png")
    _check(result, _shown(html))
    assert "Minsk National (UMMS) (hypothetical)" in result.dom
    assert "Methods, assumptions and provenance" in result.dom
    assert "<svg" in result.dom  # the reach-curve chart
