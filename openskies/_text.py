r"""User text in plain-text outputs: Markdown and CSV cells that are shown, never interpreted.

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

import re
from typing import Any

__all__ = ["csv_frame", "csv_text", "csv_untext", "markdown_text"]

_MD_ENTITIES = {"&": "&amp;", "<": "&lt;"}
_MD_BACKSLASHED = frozenset("\\`[|$")
_MD_SPECIAL = re.compile(r"[&<\\`\[|$]|\r\n|[\r\n]")

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CSV_QUOTE = "'"


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
