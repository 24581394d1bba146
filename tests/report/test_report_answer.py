"""The generated answer (openskies.report._answer) on synthetic tables shaped like the contract."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from _report_tables import CAND, GRID_KM, grid_break_even, make_tables

from openskies.report import _answer as ans_mod
from openskies.report._figures import fmt_km

SENSOR = "optical_high_pan"


@pytest.fixture(scope="module")
def tables():
    return make_tables()


def _year(m, scenario, metric, budget=None):
    r = m[(m.scenario == scenario) & (m.metric == metric) & (m.sensor == SENSOR) & m.month.isna()]
    if budget is not None:
        r = r[r.budget_km == budget]
    return float(r.value.iloc[0])


def test_answer_has_two_to_four_linked_sentences(tables):
    out = ans_mod.answer(*tables, territory_name="Belarus")
    assert 2 <= len(out) <= 4
    assert [s.key for s in out] == ["helps", "break_even", "season", "assumption"]
    for s in out:
        assert s.anchor == ans_mod.ANCHORS[s.key]
        assert s.text.endswith(".")
    assert ans_mod.answer_text(out) == " ".join(s.text for s in out)


def test_break_even_names_minsk_and_the_distance(tables):
    m, b, s = tables
    text = ans_mod.answer(m, b, s)[1].text
    assert "Minsk" in text
    for scen in ("replacement", "single_state"):
        be, lo, hi = grid_break_even(m, scen, SENSOR, "flights_100pct")
        assert np.isfinite(be)
        assert fmt_km(be) in text
        assert f"{fmt_km(lo)}–{fmt_km(hi)}" in text
    assert re.search(r"\d[\d,]* km", text)


@pytest.mark.slow
def test_no_break_even_says_so():
    # so much work that Minsk never matches Kubinka's flights on the grid
    m, b, s = make_tables(work_km=60000.0)
    for scen in ("replacement", "single_state"):
        assert math.isnan(grid_break_even(m, scen, SENSOR, "flights_100pct")[0])
    out = ans_mod.answer(m, b, s)
    text = next(x.text for x in out if x.key == "break_even")
    assert "Minsk" in text
    assert text.count("never within the grid") == 2
    assert fmt_km(max(GRID_KM)) in text
    assert "from a maximum flight distance" not in text
    # and the headline says no scenario needs fewer flights
    assert out[0].text.startswith("No scenario needs fewer flights than Kubinka")


@pytest.mark.slow
def test_headline_numbers_come_from_the_table():
    for kub in (3.0, 4.0):
        m, b, s = make_tables(kubinka_flights=kub)
        first = ans_mod.answer(m, b, s)[0].text
        sq = _year(m, "status_quo", "flights_100pct")
        assert sq == kub
        best = _year(m, "added_osa", "flights_100pct", 5500.0)
        lo = _year(m, "added_osa", "flights_lower_bound", 5500.0)
        sq_lo = _year(m, "status_quo", "flights_lower_bound")
        assert f"takes {best:.0f} flights (proved minimum {lo:.0f})" in first
        assert f"against {sq:.0f} (minimum {sq_lo:.0f})" in first
        saving = sq - best
        assert f"{saving:.0f} flight" in first
        assert f"({100 * saving / sq:.0f} %;" in first
        assert f"between {sq_lo - best:.0f} and {sq - lo:.0f}" in first


def test_season_names_the_dark_month(tables):
    out = ans_mod.answer(*tables)
    season = next(x.text for x in out if x.key == "season")
    assert "December no optical imaging is possible" in season
    assert "March, June and September" in season


def test_most_important_assumption_is_the_flipping_one(tables):
    out = ans_mod.answer(*tables)
    text = next(x.text for x in out if x.key == "assumption")
    assert text.startswith("The assumption that matters most is swath width: at -20 %")
    assert "flips the conclusion" in text


@pytest.mark.slow
def test_names_stay_literal():
    hostile = "Minsk {{7*7}} <script>alert(1)</script> $x$ {0} %s"
    m, b, s = make_tables(names={CAND: hostile})
    text = ans_mod.answer_text(ans_mod.answer(m, b, s, territory_name="<b>{{t}}</b>"))
    assert hostile in text
    assert "<b>{{t}}</b>" in text


def test_unknown_sensor_is_refused(tables):
    with pytest.raises(ValueError, match=r"sensor 'radar'.*optical_high_pan"):
        ans_mod.answer(*tables, sensor="radar")


def test_evidence_tables_in_plain_words(tables):
    m, b, _s = tables
    be = ans_mod.break_even_table(b, metrics=m)
    row = be[(be.scenario == "Minsk replaces Kubinka") & (be.sensor == SENSOR)]
    row = row[row.result == "flights for full coverage"].iloc[0]
    km, lo, hi = grid_break_even(m, "replacement", SENSOR, "flights_100pct")
    assert row["break-even (km)"] == f"{km:,.0f}"
    assert row["bracket (km)"] == f"{lo:,.0f}–{hi:,.0f}"
    mt = ans_mod.months_table(m, sensor=SENSOR)
    assert list(mt.month) == ["year", "March", "June", "September", "December"]
    dec = mt[mt.month == "December"].iloc[0]
    assert set(dec.drop("month")) == {"no imaging"}
    year = mt[mt.month == "year"].iloc[0]
    sq = _year(m, "status_quo", "flights_100pct")
    sq_lo = _year(m, "status_quo", "flights_lower_bound")
    assert year["enter and fly from Kubinka (5,500 km)"] == f"{sq:.0f} (≥ {sq_lo:.0f})"
