"""Formatting shared by the report pages: colour ramp, numbers, escaping, the metrics table."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import numpy as np
import pandas as pd

from .._text import markdown_text
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


_ramp = ramp


def _fmt(v: Any) -> Any:
    if isinstance(v, float):
        if v != v:
            return ""
        return round(v, 4) if abs(v) < 10 else round(v, 1)
    return v


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def markdown_table(df: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table; every cell literal, floats to 4 significant digits."""
    cols = [markdown_text(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        cells = []
        for v in row:
            if isinstance(v, float):
                cells.append(
                    "" if not np.isfinite(v) else f"{v:,.4g}" if abs(v) < 10 else f"{v:,.0f}"
                )
            else:
                cells.append(markdown_text(v))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
