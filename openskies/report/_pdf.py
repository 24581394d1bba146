"""A print-ready PDF of the study report, with matplotlib alone (no browser, no LaTeX).

Page 1 is the answer, as real text (TrueType fonts, ``pdf.fonttype = 42``, so ``pdftotext``
and screen readers get the words), above the key figure; then the other figures two to a page,
then tables (sensitivity, assumptions...) paginated. Pages are A4 portrait; figures are drawn
as vectors straight into the page (each figure function of :mod:`openskies._figures` takes
``fig=``), so the file stays small.

Deterministic: no creation date, no producer string, no path of the machine; the same inputs
give the same bytes. User text (names, titles) is drawn literally
(:func:`openskies._figures.literal_text`). The PDF is returned as bytes: the caller writes it
atomically inside the output directory.
"""

from __future__ import annotations

import io
import logging
import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure, SubFigure

from .._text import format_number
from ._figures import literal_text

logger = logging.getLogger(__name__)

__all__ = ["A4_IN", "report_pdf"]

#: A4 portrait, inches.
A4_IN = (8.27, 11.69)
_MARGIN = 0.06
_ROWS_PER_PAGE = 38
#: A figure for the PDF: draws into the (sub)figure it is given.
Draw = Callable[[SubFigure], Any]


def _page(*, layout: str | None = None) -> Figure:
    fig = Figure(figsize=A4_IN, layout=layout)
    if layout == "constrained":
        fig.get_layout_engine().set(w_pad=0.3, h_pad=0.25)  # inches: a printer's margin
    return fig


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=True)) or " "


def _text_block(
    fig: Figure | SubFigure, paragraphs: Sequence[str], *, top: float, size: float, width: int
) -> float:
    """Paragraphs from ``top`` (figure fraction) down; returns the fraction below the last."""
    y = top
    line_h = size * 1.45 / 72.0 / A4_IN[1]  # figure fraction per line
    for p in paragraphs:
        wrapped = _wrap(p, width)
        fig.text(_MARGIN + 0.01, y, wrapped, ha="left", va="top", fontsize=size, wrap=False)
        y -= line_h * (wrapped.count("\n") + 1) + line_h * 0.5
    return y


def _table_pages(pdf: PdfPages, caption: str, table: pd.DataFrame, *, footer: str) -> int:
    """Write ``table`` as text rows, paginated; returns the number of pages written."""
    cols = [str(c) for c in table.columns]
    body = [[_cell(v) for v in row] for row in table.itertuples(index=False)]
    pages = 0
    for start in range(0, max(len(body), 1), _ROWS_PER_PAGE):
        chunk = body[start : start + _ROWS_PER_PAGE]
        fig = _page()
        part = "" if len(body) <= _ROWS_PER_PAGE else f" ({start // _ROWS_PER_PAGE + 1})"
        fig.text(_MARGIN, 1 - _MARGIN, caption + part, fontsize=12, weight="bold", va="top")
        widths = _col_widths(cols, body)
        lines = [_row_line(cols, widths), _row_line(["-" * w for w in widths], widths)]
        lines += [_row_line(r, widths) for r in chunk] or ["(no rows)"]
        size = min(8.0, 7.0 * 112 / max(sum(widths) + 2 * len(widths), 112) / 0.6 * 0.6)
        line_h = size * 1.5 / 72.0 / A4_IN[1]
        y = 1 - _MARGIN - 0.04
        for k, line in enumerate(lines):
            fig.text(
                _MARGIN,
                y - k * line_h,
                line,
                fontsize=size,
                family="DejaVu Sans Mono",
                va="top",
                weight="bold" if k == 0 else "normal",
            )
        fig.text(_MARGIN, _MARGIN / 2, footer, fontsize=7, color="#666666")
        literal_text(fig)
        pdf.savefig(fig)
        pages += 1
    return pages


def _cell(v: Any) -> str:
    """A table cell: whole numbers as integers, else 3 significant digits below 1000."""
    if isinstance(v, float):
        return format_number(v, significant=3, whole_from=1000, whole_numbers=True)
    return str(v)


def _col_widths(cols: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    return [min(max([len(c), *(len(r[i]) for r in rows)]), 48) for i, c in enumerate(cols)]


def _row_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    out = []
    for c, w in zip(cells, widths, strict=True):
        c = c if len(c) <= w else c[: w - 1] + "…"
        out.append(c.ljust(w))
    return "  ".join(out).rstrip()


def report_pdf(
    answer: Sequence[Any],
    *,
    title: str,
    key_figure: Draw | None = None,
    figures: Sequence[Draw] = (),
    tables: Sequence[tuple[str, pd.DataFrame]] = (),
    subtitle: str = "",
    footer: str = "openskies",
) -> bytes:
    """The study report as PDF bytes: the answer first, then the evidence.

    Parameters
    ----------
    answer : sequence of str or :class:`openskies._answer.Sentence`
        The answer's sentences (plain text; a Sentence's ``text`` is used), page 1.
    title : str
        Report title (plain text), top of page 1 and the PDF's Title metadata.
    key_figure : callable, optional
        Draws the key figure into the subfigure it is given (e.g.
        ``lambda f: _figures.flights_figure(metrics, sensor=s, fig=f)``), page 1 below the
        answer.
    figures : sequence of callables
        The other figures, two per page, in order.
    tables : sequence of (caption, DataFrame)
        Tables after the figures (sensitivity, assumptions with their sources...), as text,
        paginated (numbers formatted, NaN blank, long text cut at 90 characters).
    subtitle : str
        Line under the title (scope, version: plain text; no machine path).
    footer : str
        Small print at the bottom of every page.

    Returns
    -------
    bytes
        The PDF (A4 portrait), deterministic.
    """
    texts = [str(getattr(s, "text", s)) for s in answer]
    if not texts:
        msg = "report_pdf needs the answer (at least one sentence) for page 1"
        raise ValueError(msg)
    buf = io.BytesIO()
    rc = {"pdf.fonttype": 42, "pdf.compression": 9, "path.simplify": True}
    meta = {
        "Title": str(title),
        "Creator": "openskies",
        "Producer": None,
        "CreationDate": None,
        "ModDate": None,
    }
    pages = 0
    with mpl.rc_context(rc), PdfPages(buf, metadata=meta) as pdf:
        page = _page(layout="constrained")
        page.text(_MARGIN, 1 - _MARGIN, _wrap(title, 70), fontsize=15, weight="bold", va="top")
        y = 1 - _MARGIN - 0.035 * (_wrap(title, 70).count("\n") + 1)
        if subtitle:
            sub = _wrap(subtitle, 110)
            page.text(_MARGIN, y, sub, fontsize=8.5, color="#555555", va="top")
            # one line of 8.5 pt text (1.45 line spacing) per wrapped line, and a gap
            y -= (sub.count("\n") + 1) * 8.5 * 1.45 / 72.0 / A4_IN[1] + 0.015
        page.text(_MARGIN, y, "The answer", fontsize=11.5, weight="bold", va="top")
        y = _text_block(page, texts, top=y - 0.025, size=10, width=98)
        if key_figure is not None:
            # the key figure fills the space under the answer, at most half the page
            top = min(max(y - 0.01, _MARGIN + 0.2), 1.0)
            height = min(0.5, top - _MARGIN)
            ratios = [1.0 - top, height, max(top - height, 1e-3)]
            subs = page.subfigures(3, 1, height_ratios=ratios)
            key_figure(subs[1])
        page.text(_MARGIN, _MARGIN / 2, footer, fontsize=7, color="#666666")
        literal_text(page)
        pdf.savefig(page)
        pages += 1
        for i in range(0, len(figures), 2):
            page = _page(layout="constrained")
            subs = page.subfigures(2, 1, hspace=0.04)
            for sub, draw in zip(subs, figures[i : i + 2], strict=False):
                draw(sub)
            page.text(_MARGIN, _MARGIN / 4, footer, fontsize=7, color="#666666")
            literal_text(page)
            pdf.savefig(page)
            pages += 1
        for caption, table in tables:
            pages += _table_pages(pdf, str(caption), table, footer=footer)
    data = buf.getvalue()
    logger.info("report PDF: %d pages, %d bytes", pages, len(data))
    return data
