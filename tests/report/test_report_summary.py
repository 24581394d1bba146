"""The study summary's pieces (openskies.report._summary) and the year clause of the answer."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from _report_tables import make_tables
from matplotlib.figure import Figure

from openskies.report import _answer as ans_mod
from openskies.report import _summary

SENSOR = "optical_high_pan"


def test_without_months_the_answer_says_the_year() -> None:
    m, b, s = make_tables(sensors=(SENSOR,), months=(None,))
    m = m.drop(columns="month")
    out = ans_mod.answer(m, b.drop(columns="month", errors="ignore"), s)
    season = [x for x in out if x.key == "season"]
    assert len(season) == 1
    assert "year as a whole" in season[0].text
    assert season[0].anchor == "sec-assumptions"
    assert not re.search(r"\d", season[0].text)  # no number typed into the clause
    assert 2 <= len(out) <= 4


def test_with_months_the_answer_names_them() -> None:
    m, b, s = make_tables(sensors=(SENSOR,))
    season = next(x for x in ans_mod.answer(m, b, s) if x.key == "season")
    assert "year as a whole" not in season.text
    assert "December" in season.text


def test_answer_html_escapes_and_links_only_to_what_exists() -> None:
    sentences = [
        ans_mod.Sentence("helps", "Minsk <script>alert(1)</script> & co.", "fig-flights"),
        ans_mod.Sentence("break_even", "Elsewhere.", "tab-break-even"),
    ]
    page = _summary.answer_html(sentences, {"fig-flights"})
    assert "<script>" not in page
    assert html.escape("Minsk <script>alert(1)</script> & co.") in page
    assert 'href="#fig-flights"' in page
    assert 'href="#sec-tables"' in page  # the missing anchor falls back to the tables
    bare = _summary.answer_html(sentences, {"fig-flights"}, fallback=None)
    assert bare.count("<a ") == 1


def test_inline_svgs_get_ids_of_their_own() -> None:
    def svg(prefix: str) -> str:
        fig = Figure(figsize=(2, 2))
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        return _summary.inline_svg(fig, prefix)

    a, b = svg("fig-a"), svg("fig-b")
    ids_a = set(re.findall(r'\bid="([^"]+)"', a))
    ids_b = set(re.findall(r'\bid="([^"]+)"', b))
    assert ids_a
    assert ids_b
    assert not ids_a & ids_b  # two identical figures on one page: no id twice
    assert all(i.startswith("fig-a-") for i in ids_a)
    # every reference points to an id of the same figure
    for ref in re.findall(r"url\(#([^)]+)\)", a):
        assert ref in ids_a
    ET.fromstring(a)  # still one well-formed SVG element


def test_metric_words_and_numbers() -> None:
    assert _summary.metric_words("flights_100pct").startswith("flights to image the whole")
    assert _summary.metric_words("ferry_km_EPWA") == "ferry distance from EPWA, round trip"
    assert _summary.metric_words("no_such_metric") == "no_such_metric"
    assert _summary.unit_words("fraction") == "share (0-1)"
    assert _summary.number(0.384, "fraction") == "38.4 %"
    assert _summary.number(1.0, "bool") == "yes"
    assert _summary.number(4950.4, "km") == "4,950"
    assert _summary.number(float("nan"), "km") == ""
    assert _summary.sensor_text("optical_high_pan") == "panoramic optical (optical_high_pan)"
    assert _summary.sensor_text("optical_high_pan", title=True) == (
        "optical_high_pan: panoramic optical"
    )


def test_headline_prefers_an_option_the_35_percent_rule_allows() -> None:
    m, b, s = make_tables(sensors=(SENSOR,), months=(None,))
    assert ans_mod.answer(m, b, s)[0].text.startswith("Minsk added beside Kubinka")
    m = m.copy()
    m.loc[(m.metric == "annex_e_ok") & (m.scenario == "added_osa"), "value"] = 0.0
    text = ans_mod.answer(m, b, s)[0].text
    assert not text.startswith("Minsk added beside Kubinka")
    assert "does not allow" not in text
    # when no option is allowed the best is still named, and said to be not allowed
    m.loc[m.metric == "annex_e_ok", "value"] = 0.0
    text = ans_mod.answer(m, b, s)[0].text
    assert text.startswith("Minsk added beside Kubinka")
    assert "Annex E para 5(A) does not allow this option at that distance" in text
