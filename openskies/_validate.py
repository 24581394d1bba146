"""Shared input checks that raise :class:`~openskies._errors.ValidationError`.

Every coercion of openskies behaves one way, defined here: numbers
(:func:`finite`, :func:`positive`), lists (:func:`unique`) and the model objects
given either as an instance or by a preset name (:func:`instance_or_preset`).
This module sits at the bottom of the import layers (``docs/architecture.md``)
and imports no model: each model module binds :func:`instance_or_preset` to its
class and presets, once (:func:`openskies.sensors.as_sensor`,
:func:`openskies.aircraft.as_aircraft`, :func:`openskies.airfields.as_regime`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from ._errors import UnknownCodeError, UnknownPresetError, ValidationError

BUDGET_MSG = "budgets_km contains {value!r}: every budget must be a positive number of km"


#: Longest repr of an unusable value quoted in a message (a GeoDataFrame's is pages long).
MAX_SHOWN = 80


def shown(value: Any) -> str:
    """``repr(value)``, cut to :data:`MAX_SHOWN` characters for an error message."""
    text = repr(value)
    return text if len(text) <= MAX_SHOWN else f"{text[: MAX_SHOWN - 3]}..."


def number(value: Any) -> float:
    """``float(value)`` for a number; NaN for a bool, a string or anything else."""
    if isinstance(value, bool | str | bytes):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def finite(value: Any, field: str) -> float:
    """``value`` as a finite float, else ``ValidationError`` naming ``field`` and the value.

    Numbers only, as :func:`positive`: ``True`` is not read as 1 and ``"5"`` is
    not silently converted; NaN and infinities are refused.
    """
    v = number(value)
    if not math.isfinite(v):
        msg = f"{field}={shown(value)} must be a finite number"
        raise ValidationError(msg)
    return v


def positive(value: Any, msg: str) -> float:
    """``value`` as a finite float > 0, else ``ValidationError(msg)``.

    Numbers only: bools and strings are refused, so ``True`` is not read as 1 km
    and ``"5500"`` is not silently converted.
    """
    v = number(value)
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


def instance_or_preset(
    value: Any,
    *,
    field: str,
    cls: type,
    kind: str,
    instance: str,
    lookup: Callable[[str], Any] | None = None,
    names: Iterable[str] = (),
    allow_none: bool = False,
    default: Callable[[], Any] | None = None,
) -> Any:
    """A model object given as an instance of ``cls`` or by a preset name.

    The one behaviour of every such argument (``sensor=``, ``aircraft=``,
    ``regime=``): an instance of ``cls`` is returned as it is; a string is
    looked up with ``lookup``; None is ``default()`` when a default is given,
    None when ``allow_none``, and refused otherwise; anything else is refused.

    Parameters
    ----------
    value : Any
        What the caller gave.
    field : str
        The argument's name, as the message shows it (``"sensor"``).
    cls : type
        The model class (:class:`openskies.sensors.Sensor`...).
    kind : str
        What the value is, in words (``"sensor"``).
    instance : str
        How to build an instance yourself (``"an openskies.sensors.Sensor"``).
    lookup : callable, optional
        Preset name -> instance; raises :class:`UnknownCodeError` for an unknown
        name. None: no presets, a string is refused.
    names : iterable of str
        The preset names, listed in the message.
    allow_none : bool
        Whether None is accepted (and returned) when there is no ``default``.
    default : callable, optional
        Builds the value that None stands for.

    Returns
    -------
    Any
        An instance of ``cls`` (None only when ``allow_none`` and no default).

    Raises
    ------
    UnknownPresetError
        An unknown preset name (also an :class:`UnknownCodeError`, a
        ``KeyError``); the message lists the preset names.
    ValidationError
        Anything else that is not an instance of ``cls``; the message names the
        field, the value and what to give.
    """
    if isinstance(value, cls):
        return value
    presets = ", ".join(names)
    fix = f"give a preset name ({presets}) or {instance}" if lookup else f"give {instance}"
    if value is None:
        if default is not None:
            return default()
        if allow_none:
            return None
    elif isinstance(value, str) and lookup is not None:
        try:
            return lookup(value)
        except UnknownCodeError:
            msg = f"{field}={shown(value)} is an unknown {kind} preset: {fix}"
            raise UnknownPresetError(msg) from None
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    msg = f"{field}={shown(value)} is not {article} {kind}: {fix}"
    raise ValidationError(msg)
