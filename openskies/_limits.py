"""Caps on untrusted input, checked before any work (``docs/security.md``, section "Caps").

A config, target list or plan file may come from someone else: every size that
drives memory or run time is capped here, in one place, and checked before the
work it would drive starts. Each cap has a default and an environment variable
that replaces it for one run, e.g.::

    OPENSKIES_MAX_WAYPOINTS=500000 openskies validate long-track.gpx

An exceeded cap raises :class:`LimitError` (a
:class:`~openskies._errors.ValidationError`, so a ``ValueError``) whose message
names the input, the amount, the cap and the variable that raises it.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from ._errors import ValidationError

__all__ = ["CAPS", "EXERCISE_YEARS", "Cap", "LimitError", "cap"]


class LimitError(ValidationError):
    """An input exceeds one of the documented caps (:data:`CAPS`)."""


@dataclass(frozen=True)
class Cap:
    """One cap: its name, default, unit and what it bounds.

    ``value`` reads ``OPENSKIES_MAX_<NAME>`` at each call, so that a run (or
    a test) can raise a cap without touching the code.
    """

    name: str
    default: float
    unit: str
    bounds: str

    @property
    def env(self) -> str:
        """The environment variable that replaces the default."""
        return f"OPENSKIES_MAX_{self.name.upper()}"

    @property
    def value(self) -> float:
        """The cap in force (the environment variable, else the default)."""
        raw = os.environ.get(self.env)
        if raw is None or not raw.strip():
            return self.default
        try:
            v = float(raw.replace("_", ""))
        except ValueError:
            v = math.nan
        if not (math.isfinite(v) and v > 0):
            msg = f"{self.env}={raw!r} must be a positive number (the cap on {self.bounds})"
            raise ValidationError(msg)
        return v

    def _fmt(self, x: float) -> str:
        if abs(x) >= 1e15:
            return f"{x:.3g}"
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}"

    def check(self, amount: float, what: str, *, fix: str | None = None) -> None:
        """Raise :class:`LimitError` when ``amount`` exceeds the cap.

        ``what`` names the input (``"config file 'a.yaml'"``); ``fix`` is the
        first remedy to offer (default: a smaller input); raising the cap via
        its environment variable is always offered as well.
        """
        limit = self.value
        if amount > limit:
            remedy = fix or "give a smaller input"
            msg = (
                f"{what}: {self._fmt(amount)} {self.unit} exceeds the cap of "
                f"{self._fmt(limit)} {self.unit} on {self.bounds}; {remedy}, or raise the cap "
                f"with the environment variable {self.env}=N (docs/security.md, Caps)"
            )
            raise LimitError(msg)


#: Every cap, by name. Defaults admit the real inputs named in the docs: recorded tracks of
#: 100,000 waypoints, target lists of 1,000 targets, every bundled config.
CAPS: dict[str, Cap] = {
    c.name: c
    for c in (
        Cap("config_bytes", 1_048_576, "bytes", "the size of a YAML config file"),
        Cap("yaml_depth", 50, "levels", "the nesting depth of a YAML config"),
        Cap(
            "yaml_nodes",
            200_000,
            "nodes",
            "the YAML nodes of a config once aliases are expanded (billion laughs)",
        ),
        Cap("list_items", 1_000, "items", "the length of any list in a config"),
        Cap("text_chars", 2_000, "characters", "any string in a config"),
        Cap("name_chars", 500, "characters", "a name (config, plan, target, waypoint)"),
        Cap(
            "data_file_bytes",
            67_108_864,
            "bytes",
            "the size of a plan, targets or avoid file",
        ),
        Cap("waypoints", 200_000, "waypoints", "the waypoints of one flight plan"),
        Cap(
            "self_pairs",
            20_000_000,
            "pairs",
            "the close pairs the self-intersection check of one plan examines",
        ),
        Cap(
            "refuel_steps",
            200_000_000,
            "steps",
            "the (stop, earlier stop, number of stops) triples the refuelling placement of one "
            "plan examines",
        ),
        Cap("targets", 5_000, "targets", "the targets of one route plan"),
        Cap("table_rows", 10_000, "rows", "the rows of a climatology table (openskies.weather)"),
        Cap(
            "grid_cells",
            1_000_000,
            "cells",
            "the cells of a reach or site grid (estimated from the bounding box before work)",
        ),
        Cap(
            "lane_km",
            150_000,
            "km",
            "the lanes that image a whole area (estimated as area / effective swath)",
        ),
        Cap("rank_evaluations", 100_000, "evaluations", "candidates x budgets x sensors of a rank"),
        Cap("study_scenarios", 200, "scenarios", "candidates x budgets x sensors of a study"),
        Cap("hours", 8_760, "hours", "a timeline duration or trigger offset of an exercise"),
        Cap("radius_km", 1_000, "km", "the radius of an exercise area disc"),
    )
}

#: The largest side overlap of neighbouring lanes (a fraction of the swath): above it every
#: lane images less than a tenth new ground and the lane length grows without bound. A
#: range of the model, not a cap to raise.
MAX_OVERLAP = 0.9

#: Calendar years an exercise (and its trigger) may fall in: the computation adds hours up
#: to the ``hours`` cap on either side, which Python datetimes cannot hold near years 1 and
#: 9999. A range of the model, not a cap to raise.
EXERCISE_YEARS = (1900, 2200)


def cap(name: str) -> Cap:
    """The cap called ``name`` (a key of :data:`CAPS`)."""
    return CAPS[name]
