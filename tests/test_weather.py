"""Weather model: analytic cases, an exact enumeration of the Markov chain, the bundled table.

No network: the bundled table is read from geodata/.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from pathlib import Path

import pandas as pd
import pytest

from openskies import _geodata, weather
from openskies._errors import UnknownCodeError, ValidationError
from openskies._limits import LimitError


@pytest.mark.parametrize("p", [0.0, 0.094, 0.3, 0.566, 1.0])
@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_independent_days_give_one_minus_the_chance_of_k_bad_days(p: float, k: int) -> None:
    assert weather.window_probability(p, days=k, persistence=0.0) == pytest.approx(
        1.0 - (1.0 - p) ** k, abs=1e-15
    )


def _enumerate_markov(p: float, r: float, k: int) -> float:
    """P(at least one usable day in k), summing the chain over all 2^k day sequences."""
    p_uu = p + r * (1.0 - p)  # usable after usable
    p_nu = p * (1.0 - r)  # usable after unusable
    total = 0.0
    for seq in itertools.product((0, 1), repeat=k):
        prob = p if seq[0] else 1.0 - p
        for a, b in itertools.pairwise(seq):
            up = p_uu if a else p_nu
            prob *= up if b else 1.0 - up
        if any(seq):
            total += prob
    return total


@pytest.mark.parametrize(("p", "r", "k"), [(0.1, 0.4, 3), (0.5, 0.6, 5), (0.37, 0.2, 8)])
def test_closed_form_matches_the_enumerated_markov_chain(p: float, r: float, k: int) -> None:
    assert weather.window_probability(p, days=k, persistence=r) == pytest.approx(
        _enumerate_markov(p, r, k), abs=1e-12
    )


def test_persistence_lowers_the_chance_and_more_days_raise_it() -> None:
    qs = [weather.window_probability(0.3, persistence=r) for r in (0.0, 0.2, 0.4, 0.6, 0.9)]
    assert qs == sorted(qs, reverse=True)
    ks = [weather.window_probability(0.3, days=k) for k in range(1, 8)]
    assert ks == sorted(ks)
    assert weather.window_probability(0.3, days=1, persistence=0.8) == pytest.approx(0.3)


def test_expected_flights_is_the_negative_binomial_mean() -> None:
    n, q = 3, 0.4
    # E[W] = sum over w of w * P(the n-th success comes at window w)
    mean = sum(w * math.comb(w - 1, n - 1) * q**n * (1 - q) ** (w - n) for w in range(n, 2000))
    assert weather.expected_flights(n, q) == pytest.approx(mean, rel=1e-9)
    assert weather.expected_flights(n, q) == pytest.approx(n / q)
    assert weather.expected_flights(1, 0.25) == pytest.approx(4.0)  # geometric: 1 / q
    assert weather.expected_flights(0, 0.0) == 0.0
    assert weather.expected_flights(2, 0.0) == math.inf
    # P(done within w) is the CDF of the same distribution
    cdf = sum(math.comb(w - 1, n - 1) * q**n * (1 - q) ** (w - n) for w in range(n, 11))
    assert weather.probability_done_within(n, q, 10) == pytest.approx(cdf, rel=1e-12)
    assert weather.probability_done_within(n, q, 2) == 0.0


def test_bundled_table_is_the_recorded_file() -> None:
    path = Path(_geodata.path(weather.SUNSHINE_FILE))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest.startswith("f65841ea")
    assert digest.endswith("acbbf")
    df = weather.sunshine_table()
    assert len(df) == 72
    assert set(df["station"]) == {
        "Minsk",
        "Brest",
        "Pinsk",
        "Vasilevichi",
        "Gomel",
        "Verkhnedvinsk",
    }
    # the relative sunshine column is the mean over the possible hours, as the script computes
    # (S and N are rounded to 0.1 h, S / N to 0.001: the bound of those roundings)
    ratio = df["sun_h_2004_2020_mean"] / df["possible_h"]
    bound = 0.0005 + 0.05 * (1 + ratio) / df["possible_h"]
    assert ((ratio - df["rel_sun_2004_2020"]).abs() <= bound + 1e-12).all()
    minsk_june = df[(df["station"] == "Minsk") & (df["month"] == 6)].iloc[0]
    assert minsk_june["sun_h_1961_1990"] == 262  # CLIMAT Section 2 normal (dossier 1.2)


def test_december_never_needs_fewer_flights_than_june() -> None:
    df = weather.sunshine_table()
    for column in ("rel_sun_2004_2020", "rel_sun_1961_1990"):
        reported = df.dropna(subset=[column])
        assert reported["station"].nunique() >= 5
        for station in sorted(set(reported["station"])):
            for r in (0.0, 0.4, 0.6):
                t = weather.expected_flights_table(
                    3, months=[6, 12], station=station, column=column, persistence=r
                ).set_index("month")
                assert t.loc[12, "expected_flights"] >= t.loc[6, "expected_flights"]


def test_country_mean_and_nearest_station() -> None:
    mean = weather.monthly_probability()
    df = weather.sunshine_table()
    assert mean.loc[6] == pytest.approx(df[df["month"] == 6]["rel_sun_2004_2020"].mean())
    assert list(mean.index) == list(range(1, 13))
    near_minsk = weather.monthly_probability(near=(27.6, 53.9))
    minsk = weather.monthly_probability(station="minsk")
    pd.testing.assert_series_equal(near_minsk, minsk)
    assert weather.monthly_probability(station="26850").equals(minsk)
    # the 1961-1990 normal: Verkhnedvinsk has none, the mean is over five stations
    normal = weather.monthly_probability(column="rel_sun_1961_1990")
    five = df[(df["month"] == 1) & (df["station"] != "Verkhnedvinsk")]["rel_sun_1961_1990"]
    assert normal.loc[1] == pytest.approx(five.mean())


def test_expected_flights_table_for_the_study_months() -> None:
    t = weather.expected_flights_table(2, months=[3, 6, 9, 12], spacing_days=5.0)
    assert list(t.columns) == [
        "month",
        "p_usable_day",
        "q_window",
        "expected_flights",
        "calendar_days",
    ]
    row = t.set_index("month").loc[12]
    q = 1 - (1 - row["p_usable_day"]) * (1 - row["p_usable_day"] * 0.6) ** 2
    assert row["q_window"] == pytest.approx(q)
    assert row["expected_flights"] == pytest.approx(2 / q)
    assert row["calendar_days"] == pytest.approx(5.0 * 2 / q)


def test_a_users_table_is_accepted(tmp_path: Path) -> None:
    f = tmp_path / "mine.csv"
    rows = ["station,lat,lon,month,p_clear"] + [f"X,50,20,{m},{m / 24:.3f}" for m in range(1, 13)]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    p = weather.monthly_probability(f, column="p_clear")
    assert p.loc[6] == pytest.approx(0.25)
    t = weather.expected_flights_table(1, months=[6], table=f, column="p_clear", persistence=0.0)
    assert t["q_window"].iloc[0] == pytest.approx(1 - 0.75**3)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("station,p_x\nA,0.5\n", r"column 'month' is missing"),
        ("month,station\n1,A\n", r"no probability column"),
        ("month,p_x\n13,0.5\n", r"row 1: month=13 must be an integer 1-12"),
        ("month,p_x\n1,0.5\n2.5,0.5\n", r"row 2: month=2.5"),
        ("month,p_x\n1,1.5\n", r"row 1: p_x=1.5 must be a number in \[0, 1\]"),
        ("month,p_x\n1,lots\n", r"p_x='lots'"),
        ("month,p_x,lat,lon\n1,0.5,95,10\n", r"lat=95"),
        ("month,p_x\n", r"no rows"),
    ],
)
def test_bad_user_tables_name_the_field_and_value(tmp_path: Path, text: str, match: str) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=match):
        weather.read_table(f)


def test_user_table_size_is_capped_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "big.csv"
    f.write_text("month,p_x\n" + "1,0.5\n" * 50, encoding="utf-8")
    monkeypatch.setenv("OPENSKIES_MAX_TABLE_ROWS", "20")
    with pytest.raises(LimitError, match="OPENSKIES_MAX_TABLE_ROWS"):
        weather.read_table(f)
    with pytest.raises(ValidationError, match="not found"):
        weather.read_table(tmp_path / "absent.csv")


def test_bad_parameters_name_the_field() -> None:
    with pytest.raises(ValidationError, match="persistence"):
        weather.window_probability(0.5, persistence=1.0)
    with pytest.raises(ValidationError, match="days"):
        weather.window_probability(0.5, days=0)
    with pytest.raises(ValidationError, match=r"p=1\.2"):
        weather.window_probability(1.2)
    with pytest.raises(ValidationError, match="flights_needed"):
        weather.expected_flights(-1, 0.5)
    with pytest.raises(UnknownCodeError, match="Minsk"):
        weather.monthly_probability(station="Vitebsk")
    with pytest.raises(ValidationError, match="column"):
        weather.monthly_probability(column="cloud_cover")
    with pytest.raises(ValidationError, match="spacing_days"):
        weather.expected_flights_table(1, spacing_days=0)


def test_year_window_probability_weights_the_months_by_their_days() -> None:
    q = weather.window_probabilities()
    assert list(q.index) == list(range(1, 13))
    p = weather.monthly_probability()
    for m in range(1, 13):
        assert q.loc[m] == weather.window_probability(float(p.loc[m]))
    # analytic: a constant q is its own average; q = 1 in January only gives 31/365
    assert weather.year_window_probability(pd.Series(0.3, index=range(1, 13))) == pytest.approx(0.3)
    jan = pd.Series([1.0] + [0.0] * 11, index=range(1, 13))
    assert weather.year_window_probability(jan) == pytest.approx(31.0 / 365.0)
    assert min(q) < weather.year_window_probability(q) < max(q)
    with pytest.raises(ValidationError, match="lacks months"):
        weather.year_window_probability(q.drop(index=12))
