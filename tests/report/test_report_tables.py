"""The one number formatter (openskies._text.format_number) and the one Markdown table writer
(openskies.report._tables.markdown_table) that every report uses."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from openskies._errors import ValidationError
from openskies._text import format_number
from openskies.report import _leaflet as _html
from openskies.report._tables import markdown_table, metric_text, round_for_display

#: Finite floats across the magnitudes a report shows (a fraction to a continent's area).
FINITE = st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False)
#: A number with thousands separators: 1-3 leading digits, then groups of exactly 3.
GROUPED = re.compile(r"-?\d{1,3}(,\d{3})*(\.\d+)?")


def _cells(row: str) -> list[str]:
    """Cells of a Markdown table row, split at the pipes a renderer splits at (unescaped)."""
    assert row.startswith("| "), row
    assert row.endswith(" |"), row
    return [c.strip() for c in re.split(r"(?<!\\)\|", row[1:-1])]


# --------------------------------------------------------------------------- format_number


@pytest.mark.parametrize("value", [None, math.nan, np.float64("nan"), np.float32("nan"), pd.NA])
def test_missing_values_get_the_missing_text(value) -> None:
    assert format_number(value) == ""
    assert format_number(value, decimals=2, missing="—") == "—"
    # not followed by the unit: "n/a", not "n/a km"
    assert format_number(value, decimals=0, unit="km", missing="n/a") == "n/a"


def test_missing_none_writes_nan_as_python_does_with_its_unit() -> None:
    assert format_number(math.nan, decimals=0, unit="km", missing=None) == "nan km"
    assert format_number(pd.NaT, missing="—") == "—"


def test_infinities_python_text_or_the_given_text() -> None:
    assert format_number(math.inf, decimals=2) == "inf"
    assert format_number(-math.inf, significant=3, whole_from=100) == "-inf"
    assert format_number(-math.inf, significant=3, infinite="") == ""
    # whole_numbers does not try to round an infinity to an integer
    assert format_number(math.inf, decimals=1, whole_numbers=True) == "inf"


def test_negative_numbers() -> None:
    assert format_number(-1234.56, decimals=1) == "-1,234.6"
    assert format_number(-0.0123456, significant=3) == "-0.0123"
    assert format_number(-12345.6, significant=3, whole_from=100) == "-12,346"
    assert format_number(-7, thousands=False) == "-7"
    assert format_number(-3.0000000001, decimals=1, whole_numbers=True) == "-3"
    # a negative zero is not written "-0" when it is a whole number
    assert format_number(-0.0, decimals=1, whole_numbers=True) == "0"
    assert format_number(-0.25, percent=True, decimals=1) == "-25.0%"


def test_large_numbers_keep_every_digit() -> None:
    assert format_number(10**18) == "1,000,000,000,000,000,000"
    assert format_number(np.int64(-(10**12)), thousands=False) == "-1000000000000"
    assert format_number(1e15, decimals=0) == "1,000,000,000,000,000"
    assert format_number(17_098_246.7, significant=3, whole_from=100) == "17,098,247"
    assert format_number(1.5e20, significant=3) == "1.5e+20"


def test_thresholds_between_significant_digits_and_no_decimals() -> None:
    # below whole_from: significant digits; from it up: no decimals
    assert format_number(99.94, significant=3, whole_from=100) == "99.9"
    assert format_number(100.4, significant=3, whole_from=100) == "100"
    assert format_number(0.000123456, significant=3, whole_from=100) == "0.000123"
    assert format_number(9.87654, significant=4, whole_from=10) == "9.877"
    assert format_number(10.5, significant=4, whole_from=10) == "10"  # half to even


def test_integers_booleans_units_and_text() -> None:
    assert format_number(13000) == "13,000"
    assert format_number(np.int64(13000), thousands=False) == "13000"
    assert format_number(True) == "yes"
    assert format_number(np.False_) == "no"
    assert format_number(4950.0, decimals=0, unit="km") == "4,950 km"
    assert format_number(4950, decimals=0, unit="km") == "4,950 km"
    assert format_number(0.3842, percent=True, decimals=1) == "38.4%"
    assert format_number(3.0, decimals=1, whole_numbers=True) == "3"
    assert format_number(2.75, decimals=1, whole_numbers=True) == "2.8"
    assert format_number("UMMS | x") == "UMMS | x"  # text is the caller's to escape


def test_decimals_and_significant_together_are_refused() -> None:
    with pytest.raises(ValueError, match="decimals=2 and significant=3"):
        format_number(1.0, decimals=2, significant=3)


@given(FINITE, st.integers(min_value=0, max_value=4))
def test_decimals_round_to_the_nearest_and_group_thousands(x: float, d: int) -> None:
    text = format_number(x, decimals=d)
    assert GROUPED.fullmatch(text), text
    assert len(text.partition(".")[2]) == d
    # the exact decimal value of the float is within half a unit of the last place
    assert abs(Decimal(text.replace(",", "")) - Decimal(x)) <= Decimal(5) * Decimal(10) ** (-d - 1)


@given(FINITE.filter(lambda v: v != 0), st.integers(min_value=1, max_value=6))
def test_significant_digits_bound_the_relative_error(x: float, n: int) -> None:
    text = format_number(x, significant=n, thousands=False)
    mantissa = re.sub(r"e[+-]\d+$", "", text).lstrip("-").replace(".", "").lstrip("0")
    assert len(mantissa) <= n, text
    assert abs(float(text) - x) <= 0.5 * 10 ** (1 - n) * abs(x) * (1 + 1e-12)


# --------------------------------------------------------------------------- markdown_table


def test_text_with_pipes_and_markup_stays_in_its_cell() -> None:
    df = pd.DataFrame(
        {
            "name | evil": ["a|b", "<script>alert(1)</script>", "[x](javascript:y) $m$ & `c`"],
            "n": [1.0, 2.0, 3.0],
        }
    )
    lines = markdown_table(df).split("\n")
    assert len(lines) == 2 + 3
    for row in lines[:1] + lines[2:]:
        assert len(_cells(row)) == 2, row  # no pipe ends a cell early
    assert _cells(lines[0]) == [r"name \| evil", "n"]
    assert _cells(lines[2])[0] == r"a\|b"
    assert _cells(lines[3])[0] == "&lt;script>alert(1)&lt;/script>"
    assert _cells(lines[4])[0] == r"\[x](javascript:y) \$m\$ &amp; \`c\`"
    assert "<script" not in markdown_table(df)


def test_a_line_break_in_a_cell_does_not_start_a_new_row() -> None:
    df = pd.DataFrame({"note": ["first\nsecond\r\n# heading"]})
    lines = markdown_table(df).split("\n")
    assert len(lines) == 3
    assert _cells(lines[2]) == ["first second # heading"]


def test_empty_frame_gives_the_header_and_alignment_rows() -> None:
    df = pd.DataFrame({"metric": pd.Series([], dtype=str), "value": pd.Series([], dtype=float)})
    assert markdown_table(df) == "| metric | value |\n|---|---|"
    assert markdown_table(df, columns={"value": "v"}) == "| v |\n|---|"


def test_default_cells_are_a_studys_metrics() -> None:
    df = pd.DataFrame(
        {
            "metric": ["a", "b", "c", "d", "e", "f"],
            "value": [math.nan, math.inf, -0.012345678, 12345.6, -1234.4, 1e15],
        }
    )
    rows = [_cells(r) for r in markdown_table(df).split("\n")[2:]]
    assert [r[1] for r in rows] == [
        "",
        "",
        "-0.01235",
        "12,346",
        "-1,234",
        "1,000,000,000,000,000",
    ]
    assert [metric_text(v) for v in df["value"]] == [r[1] for r in rows]


def test_columns_select_order_and_rename() -> None:
    df = pd.DataFrame({"a": [1], "b": [2.5], "c": ["x"]})
    assert markdown_table(df, columns=["c", "a"], fmt=str) == "| c | a |\n|---|---|\n| x | 1 |"
    renamed = markdown_table(df, columns={"b": "B (km)", "c": "C"}, fmt=str)
    assert renamed == "| B (km) | C |\n|---|---|\n| 2.5 | x |"
    with pytest.raises(ValidationError, match=r"\['nope'\].*name existing columns"):
        markdown_table(df, columns=["a", "nope"])


def test_per_column_formats_replace_the_default() -> None:
    df = pd.DataFrame({"lat": [53.89999], "rank": [pd.NA], "share": [0.5]})
    df["rank"] = df["rank"].astype("Int64")
    text = markdown_table(
        df,
        fmt=lambda v: format_number(v, percent=True, decimals=1),
        formats={
            "lat": lambda v: format_number(v, decimals=3),
            "rank": lambda v: format_number(v, decimals=0),
        },
    )
    assert _cells(text.split("\n")[2]) == ["53.900", "", "50.0%"]


def test_formatted_cells_are_escaped_too() -> None:
    df = pd.DataFrame({"x": [1.0]})
    assert _cells(markdown_table(df, fmt=lambda v: "1 | 2").split("\n")[2]) == [r"1 \| 2"]


# --------------------------------------------------------------------------- HTML cells


def test_html_cells_are_numbers_formatted_by_the_one_formatter() -> None:
    rows = [[round_for_display(v)] for v in (math.pi, 1234.5678, math.nan, 1.23456789012e12)]
    table = _html.html_table(["v"], rows)
    cells = re.findall(r"<td[^>]*>[^<]*</td>", table)
    assert cells == [
        '<td class="num">3.1416</td>',
        '<td class="num">1234.6</td>',
        "<td></td>",  # a missing value is an empty text cell
        '<td class="num">1.23456789e+12</td>',  # 10 significant digits
    ]
    assert _html.html_table(["n", "flag"], [[13000, True]]).count("13000") == 1
    assert "<td>yes</td>" in _html.html_table(["flag"], [[np.True_]])
