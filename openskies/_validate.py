"""Shared input checks that raise :class:`~openskies._errors.ValidationError`."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ._errors import ValidationError

BUDGET_MSG = "budgets_km contains {value!r}: every budget must be a positive number of km"


def positive(value: Any, msg: str) -> float:
    """``value`` as a finite float > 0, else ``ValidationError(msg)``.

    Numbers only: bools and strings are refused, so ``True`` is not read as 1 km
    and ``"5500"`` is not silently converted.
    """
    if isinstance(value, bool | str | bytes):
        raise ValidationError(msg)
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValidationError(msg) from None
    if not (math.isfinite(v) and v > 0):
        raise ValidationError(msg)
    return v


def positive_budgets(budgets_km: Iterable[Any]) -> list[float]:
    """Every budget (km) as a positive float; the message names the first bad one."""
    return [positive(b, BUDGET_MSG.format(value=b)) for b in budgets_km]


def unique(values: Iterable[Any], what: str) -> list[Any]:
    """``values`` as a list, or ``ValidationError`` naming ``what`` and the first repeated value.

    Every list argument of openskies (candidates, budgets, sensors, home bases,
    regimes, entry points...) refuses duplicates the same way, so that a value
    given twice never doubles rows or breaks a table.
    """
    out = list(values)
    seen: dict[Any, int] = {}
    for i, v in enumerate(out):
        try:
            first = seen.setdefault(v, i)
        except TypeError:  # unhashable (a GeoDataFrame row...): not a list of codes
            continue
        if first != i:
            msg = f"{what} lists {v!r} twice (items {first} and {i}): give each value once"
            raise ValidationError(msg)
    return out
