"""Every kind of report (plan, coverage, study) opens fully offline in headless Chromium."""

from __future__ import annotations

import calendar
import re

import pandas as pd
import pytest
from _report_order import assert_in_order

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


# what a reader sees at load: the answer, the figures (drawn, with a size), the routes drawn
# in the map (Leaflet SVG paths of weight 3: the best single flights), the evidence anchors
_READ_PAGE_JS = """(() => {
  const ans = document.querySelector('section#answer');
  const figs = Array.from(document.querySelectorAll(
      'section#figures figure svg, section#figures figure img'))
    .map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; });
  const routes = Array.from(document.querySelectorAll('path.leaflet-interactive'))
    .filter(p => p.getAttribute('stroke-width') === '3')
    .map(p => p.getAttribute('stroke').toUpperCase());
  const links = ans ? Array.from(ans.querySelectorAll('a.os-evidence'))
    .map(a => a.getAttribute('href')) : [];
  const raw = document.querySelector('#sec-tables details');
  return {
    answer: ans ? ans.innerText : '',
    claims: ans ? ans.querySelectorAll('p[data-claim]').length : 0,
    figures: figs,
    routes: routes,
    links: links,
    dangling: links.filter(h => !document.getElementById(h.slice(1))),
    rawOpen: raw ? raw.open : null,
  };
})()"""


def _check_study_page(result, candidates: int) -> dict:
    """The answer first and non-empty, figures drawn, every candidate's route at load."""
    from openskies.report import _figures as figs

    page = result.evaluated
    assert 2 <= page["claims"] <= 4, page["answer"]
    assert len(page["answer"].strip()) > 100
    assert page["figures"], "no figure in section#figures"
    assert all(w > 50 and h > 50 for w, h in page["figures"]), page["figures"]
    assert page["dangling"] == [], f"evidence links to nothing: {page['dangling']}"
    assert len(page["links"]) == page["claims"]
    # one best-flight path per candidate, drawn at load, in the role colours
    assert len(page["routes"]) == candidates, page["routes"]
    assert {figs.COLORS["incumbent"], figs.COLORS["candidate"]} <= set(page["routes"])
    assert page["rawOpen"] is False  # the raw tables are last and collapsed
    assert_in_order(
        result.dom,
        'id="answer"',
        'id="figures"',
        'class="folium-map',
        'id="sec-assumptions"',
        'id="sec-tables"',
    )
    return page


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
    result = chromium.render(
        path, screenshot=browser_artifacts_dir / "report_study.png", evaluate=_READ_PAGE_JS
    )
    _check(result, _shown(html))
    _check_study_page(result, candidates=2)
    assert "Minsk National (UMMS) (hypothetical)" in result.dom
    assert "Methods, assumptions and provenance" in result.dom
    assert 'id="fig-reach"' in result.dom  # the reach-curve chart


def test_study_report_of_the_legal_options(chromium, browser_artifacts_dir, study_reduced_output):
    out, _cfg = study_reduced_output
    path = out / "report.html"
    html = path.read_text()
    size = path.stat().st_size
    assert size <= 5_000_000, f"report.html is {size:,} bytes"
    result = chromium.render(
        path, screenshot=browser_artifacts_dir / "report_study_options.png", evaluate=_READ_PAGE_JS
    )
    _check(result, _shown(html))
    page = _check_study_page(result, candidates=2)
    # the key figures of the five options, each drawn
    for key in ("flights", "share", "quota-years", "ferry", "maps"):
        assert f'id="fig-{key}"' in result.dom, key
    assert len(page["figures"]) >= 5
    assert 'id="fig-sensitivity"' in result.dom
    assert "Break-even Minsk distance" in result.dom
    assert "#tab-break-even" in page["links"]
    # the season clause follows the table: the months the study has, else the year as a whole
    metrics = pd.read_csv(out / "metrics.csv")
    months = sorted({int(v) for v in metrics["month"].dropna()}) if "month" in metrics else []
    if months:
        assert any(calendar.month_name[k] in page["answer"] for k in months), page["answer"]
    else:
        assert "for the year as a whole" in page["answer"]
