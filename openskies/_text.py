r"""Text of the outputs: numbers as people read them, and user text shown, never interpreted.

**Numbers**: :func:`format_number` is the one number formatter of openskies' outputs (report
tables, Markdown, map popups, figure labels, the CSBM trigger texts). Each product states its
style as options (digits, significant digits, thousands separator, unit, the text of a missing
value) instead of writing its own formatter.

Names, paths and notes in a config or a target file come from whoever wrote them. An output
shows such text as typed; it must not become markup or code in the program that opens the
output:

- **Markdown** (``metrics.md``, ``ranking.md``, ``exercise_report.md``): renderers pass raw HTML
  through (``<script>``, ``<img onerror=...>``), turn ``[x](javascript:...)`` into a link and
  ``![x](http://host/...)`` into a request, split a table row at ``|`` and math-render ``$...$``.
  :func:`markdown_text` writes ``<`` and ``&`` as entities (every Markdown dialect, old
  ``Markdown.pl`` included, shows them literally: no tag, no autolink, no entity can start)
  and backslash-escapes ``\``, `````, ``[``, ``|`` and ``$`` (CommonMark / GFM escapes: no
  code span, link, image, footnote or link definition can open, no table cell can end, no
  math can start); line breaks become spaces, so text cannot start a new block (a heading, a
  list, a quote). Characters that can only change the look of the text are left alone
  (``*``, ``_``, ``>``, ``]``), so ``->`` and ``>=`` stay readable in the Markdown source.
- **CSV** opened in a spreadsheet: a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return is taken as a formula (``=HYPERLINK(...)``, ``=cmd|'/c calc'!A1``, the
  OWASP "CSV injection"). :func:`csv_text` prefixes such a *text* cell with an apostrophe, the
  spreadsheet convention for "this is text" (numbers, negative ones included, are written as
  numbers and never prefixed). :func:`csv_untext` is its exact inverse, used when openskies
  reads its own CSV back, so a name survives the round trip unchanged.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

__all__ = ["csv_frame", "csv_text", "csv_untext", "format_number", "markdown_text"]

_MD_ENTITIES = {"&": "&amp;", "<": "&lt;"}
_MD_BACKSLASHED = frozenset("\\`[|$")
_MD_SPECIAL = re.compile(r"[&<\\`\[|$]|\r\n|[\r\n]")

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CSV_QUOTE = "'"


#: Type names of pandas' missing-value singletons (``pd.NA``, ``pd.NaT``); matched by name so
#: that this module does not import pandas.
_MISSING_TYPES = frozenset({"NAType", "NaTType"})


def _is_missing(value: Any) -> bool:
    return value is None or type(value).__name__ in _MISSING_TYPES


def format_number(
    value: Any,
    *,
    decimals: int | None = None,
    significant: int | None = None,
    whole_from: float | None = None,
    whole_numbers: bool = False,
    percent: bool = False,
    thousands: bool = True,
    unit: str = "",
    missing: str | None = "",
    infinite: str | None = None,
) -> str:
    """A number as the text a report shows: the one number formatter of openskies.

    Integers print in full; booleans as ``yes`` / ``no``; a float by the first rule that
    applies: ``whole_numbers`` (a float within 1e-9 of an integer prints as that integer),
    ``percent``, ``whole_from`` (no decimals from that magnitude up), ``significant``,
    ``decimals``; with none of them, Python's shortest text of the float. Any other value
    (text, a date) is ``str(value)``.

    ``format_number(4950.0, decimals=0, unit="km")`` is ``"4,950 km"``;
    ``format_number(0.12345, significant=3, whole_from=100)`` is ``"0.123"`` and
    ``format_number(12345.6, significant=3, whole_from=100)`` is ``"12,346"``;
    ``format_number(0.384, percent=True, decimals=1)`` is ``"38.4%"``.

    Parameters
    ----------
    value : float, int, bool, None or any
        The number (Python or NumPy scalar). ``None``, NaN, ``pd.NA`` and ``pd.NaT`` are
        missing.
    decimals : int, optional
        Digits after the decimal point (fixed: ``2.5`` with 2 is ``2.50``); with ``percent``,
        those of the percentage (default 0).
    significant : int, optional
        Significant digits, trailing zeros dropped (``"g"`` format: ``0.3842``, ``1.23e-05``).
        Not together with ``decimals``.
    whole_from : float, optional
        Magnitude from which a float prints with no decimals (``abs(x) >= whole_from``).
    whole_numbers : bool
        A float within 1e-9 of an integer prints as that integer (``3.0`` is ``3``).
    percent : bool
        A float is a fraction shown as a percentage (``0.5`` is ``50%``).
    thousands : bool
        Separate thousands with ``,`` (integers and floats).
    unit : str
        Appended after a space (``"km"``); not after ``missing`` or ``infinite`` text.
    missing : str or None
        Text of a missing value; None formats NaN as Python does (``nan``, then the unit) and
        other missing values as ``str(value)``.
    infinite : str or None
        Text of an infinite float; None formats it as Python does (``inf``, ``-inf``).

    Returns
    -------
    str
        Plain text; escape it for the output it goes into (:func:`markdown_text`, HTML).
    """
    if decimals is not None and significant is not None and not percent:
        msg = (
            f"format_number: decimals={decimals!r} and significant={significant!r} both given; "
            "give one of them"
        )
        raise ValueError(msg)
    if _is_missing(value):
        return str(value) if missing is None else missing
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    sep = "," if thousands else ""
    suffix = f" {unit}" if unit else ""
    if isinstance(value, int | np.integer):
        return f"{int(value):{sep}d}{suffix}"
    if not isinstance(value, float | np.floating):
        return str(value)
    x = float(value)
    if math.isnan(x) and missing is not None:
        return missing
    if math.isinf(x) and infinite is not None:
        return infinite
    if whole_numbers and math.isfinite(x) and abs(x - round(x)) < 1e-9:
        text = f"{round(x):{sep}d}"
    elif percent:
        text = f"{x:{sep}.{decimals or 0}%}"
    elif whole_from is not None and abs(x) >= whole_from:
        text = f"{x:{sep}.0f}"
    elif significant is not None:
        text = f"{x:{sep}.{significant}g}"
    elif decimals is not None:
        text = f"{x:{sep}.{decimals}f}"
    else:
        text = f"{x:{sep}}"
    return text + suffix


def _md_replace(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _MD_ENTITIES:
        return _MD_ENTITIES[ch]
    if ch in _MD_BACKSLASHED:
        return "\\" + ch
    return " "  # a line break


def markdown_text(text: Any) -> str:
    r"""``text`` (any value, as ``str``) for Markdown: shown literally, inside or outside a table.

    ``markdown_text("<b>x</b> | [a](b) $x$")`` is ``&lt;b>x&lt;/b> \| \[a](b) \$x\$``.
    """
    return _MD_SPECIAL.sub(_md_replace, str(text))


def _needs_quote(text: str) -> bool:
    if text.startswith(CSV_FORMULA_START):
        return True
    # an apostrophe already in front of a formula character is quoted again, so that
    # csv_untext(csv_text(x)) == x for every string x
    return (
        len(text) > 1
        and text[0] == _CSV_QUOTE
        and text[1:].startswith((*CSV_FORMULA_START, _CSV_QUOTE))
    )


def csv_text(value: Any) -> Any:
    """A CSV cell: a string a spreadsheet would run as a formula gets a leading apostrophe.

    ``csv_text("=1+2")`` is ``"'=1+2"`` and ``csv_text("-5 km")`` is ``"'-5 km"``; values that
    are not strings (numbers, negative ones included, booleans, None) are returned unchanged.
    """
    if isinstance(value, str) and _needs_quote(value):
        return _CSV_QUOTE + value
    return value


def csv_untext(text: str) -> str:
    """The inverse of :func:`csv_text` for a cell read back from an openskies CSV."""
    if text.startswith(_CSV_QUOTE) and _needs_quote(text[1:]):
        return text[1:]
    return text


def csv_frame(df: Any) -> Any:
    """A copy of a DataFrame with :func:`csv_text` applied to its text cells (numbers untouched)."""
    from pandas.api.types import is_object_dtype, is_string_dtype

    out = df.copy()
    for col in out.columns:
        if is_object_dtype(out[col].dtype) or is_string_dtype(out[col].dtype):
            out[col] = out[col].map(csv_text)
    return out
