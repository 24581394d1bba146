"""Shared by the report pages: the colour ramp, the Markdown table writer, HTML table cells.

Numbers are written by the one formatter, :func:`openskies._text.format_number` (it lives
below the reports because the CSBM trigger texts use it too); every Markdown table of a report
goes through :func:`markdown_table`.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from .._errors import ValidationError
from .._text import format_number, markdown_text
from . import _leaflet as _html

logger = logging.getLogger(__name__)


def metrics_table_html(df: pd.DataFrame, *, caption: str | None = None) -> str:
    """Escaped HTML table of a DataFrame (index dropped)."""
    return _html.html_table(list(map(str, df.columns)), df.itertuples(index=False), caption=caption)


#: Stops (position, RGB) of the colour ramps, Okabe-Ito colours: a study's reach (sky blue,
#: short round trip, through yellow to purple) and a ranking's score (green, best, to purple).
REACH_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.0, (86, 180, 233)),
    (0.5, (240, 228, 66)),
    (1.0, (204, 121, 167)),
)
SCORE_STOPS: tuple[tuple[float, tuple[int, int, int]], ...] = (
    (0.0, (0, 158, 115)),
    (0.5, (240, 228, 66)),
    (1.0, (204, 121, 167)),
)


def ramp(x: float, stops: tuple[tuple[float, tuple[int, int, int]], ...] = REACH_STOPS) -> str:
    """The one colour ramp of the reports: ``x`` in [0, 1] (clipped; NaN is 0) to ``#RRGGBB``."""
    x = min(1.0, max(0.0, float(x) if x == x else 0.0))
    for (x0, c0), (x1, c1) in itertools.pairwise(stops):
        if x <= x1:
            f = (x - x0) / (x1 - x0)
            r, g, b = (round(a + (bb - a) * f) for a, bb in zip(c0, c1, strict=True))
            return f"#{r:02X}{g:02X}{b:02X}"
    r, g, b = stops[-1][1]  # pragma: no cover - x <= 1 always meets the last stop
    return f"#{r:02X}{g:02X}{b:02X}"


def round_for_display(v: Any) -> Any:
    """A float rounded for an HTML table cell, kept a number (right-aligned, then formatted).

    4 decimals below 10, 1 from 10 up; NaN is an empty text cell; other values unchanged.
    :func:`openskies.report._leaflet.html_table` writes the number with
    :func:`openskies._text.format_number` (10 significant digits, no separator).
    """
    if isinstance(v, float):
        if v != v:
            return ""
        return round(v, 4) if abs(v) < 10 else round(v, 1)
    return v


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def metric_text(value: Any) -> str:
    """A study metric's Markdown cell: 4 significant digits below 10, none from 10 up.

    Not finite is an empty cell; a value that is not a float is its ``str``.
    """
    if isinstance(value, float):
        return format_number(value, significant=4, whole_from=10, infinite="")
    return str(value)


def markdown_table(
    df: pd.DataFrame,
    *,
    columns: Mapping[str, str] | Sequence[str] | None = None,
    fmt: Callable[[Any], str] = metric_text,
    formats: Mapping[str, Callable[[Any], str]] | None = None,
) -> str:
    r"""A DataFrame as a Markdown table: the one Markdown table writer of the reports.

    Every header and cell is shown literally (:func:`openskies._text.markdown_text`: ``|``,
    ``<``, ``[``, ``$`` ... cannot end a cell or become markup); the index is dropped.

    Parameters
    ----------
    df : pandas.DataFrame
        The rows, in order.
    columns : mapping or sequence of str, optional
        The columns to show, in order (default all); a mapping renames them
        (column -> header).
    fmt : callable
        Text of a cell (value -> str); default :func:`metric_text` (a study's metrics).
    formats : mapping of str to callable, optional
        Per-column replacements of ``fmt`` (column -> callable).

    Returns
    -------
    str
        The header row, the ``|---|`` alignment row and one row per record, joined by newlines
        (no trailing newline); an empty frame gives the two header lines.
    """
    if columns is None:
        names = list(df.columns)
        headers = [str(c) for c in names]
    elif isinstance(columns, Mapping):
        names, headers = list(columns), [str(h) for h in columns.values()]
    else:
        names = list(columns)
        headers = [str(c) for c in names]
    unknown = [c for c in names if c not in df.columns]
    if unknown:
        have = list(map(str, df.columns))
        msg = f"markdown_table: columns {unknown!r} are not among {have!r}; name existing columns"
        raise ValidationError(msg)
    cell = [(formats or {}).get(c, fmt) for c in names]
    lines = [
        "| " + " | ".join(markdown_text(h) for h in headers) + " |",
        "|" + "---|" * len(headers),
    ]
    for row in df[names].itertuples(index=False, name=None):
        texts = (markdown_text(f(v)) for f, v in zip(cell, row, strict=True))
        lines.append("| " + " | ".join(texts) + " |")
    return "\n".join(lines)
