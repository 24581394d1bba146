"""An exercise's CSBM obligations and time to image, computed from its config.

:func:`run` evaluates an :class:`openskies.config.ExerciseConfig` (obligations per regime,
time to image per entry point with its timeline, the trigger-time sensitivity);
:mod:`openskies.report.exercise` renders the result and ``openskies exercise`` writes it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .config import ExerciseConfig

__all__ = ["run"]


def _build_exercise(cfg: ExerciseConfig) -> Any:
    from . import csbm

    spec = cfg.exercise.model_dump(exclude={"sources"})
    loc = spec["location"]
    spec["location"] = list(loc) if isinstance(loc, tuple) else loc
    return csbm.Exercise.from_dict(spec)


# --------------------------------------------------------------------------- computation


def _timeline(cfg: ExerciseConfig) -> Any:
    from . import csbm

    overrides = {k: v for k, v in cfg.time_to_image.timeline.model_dump().items() if v is not None}
    return csbm.Timeline.from_treaty(**overrides)


def run(cfg: ExerciseConfig, config_path: Path) -> dict[str, Any]:
    """Evaluate an exercise config: obligations, time to image, timeline steps, sensitivity."""
    from . import _geodata, csbm, data

    ex = _build_exercise(cfg)
    tti = cfg.time_to_image
    tl = _timeline(cfg)
    reg = data.regime(cfg.year)
    kwargs: dict[str, Any] = {
        "entry_points": tti.entry_points,
        "home_base": tti.home_base,
        "sensor": tti.sensor,
        "timeline": tl,
        "regime": reg,
        "aircraft": tti.aircraft,
        "hypothetical_party": tti.hypothetical_party,
        "hypothetical_max_flight_distance_km": tti.hypothetical_max_flight_distance_km,
    }
    obl = csbm.obligations(ex, regimes=cfg.regimes)
    steps = csbm.time_to_image(ex, trigger_at=tti.trigger_at, steps=True, **kwargs)
    summary = csbm.time_to_image(ex, trigger_at=tti.trigger_at, steps=False, **kwargs)
    base = (
        ex.start
        if tti.trigger_at is None
        else csbm._as_datetime(tti.trigger_at, field_name="trigger_at")
    )
    sens_rows = []
    for off in tti.trigger_offsets_h:
        t = base + dt.timedelta(hours=float(off))
        s = csbm.time_to_image(ex, trigger_at=t, steps=False, **kwargs)
        for rec in s.to_dict("records"):
            sens_rows.append(
                {
                    "trigger_utc": t,
                    "entry_point": rec["entry_point"],
                    "label": rec["label"],
                    "imageable": rec["imageable"],
                    "earliest_imaging_utc": rec["earliest_imaging_utc"],
                    "hours_to_image": rec["hours_to_image"],
                    "daylight_wait_h": rec["daylight_wait_h"],
                    "inside_window": rec["inside_window"],
                    "complete_inside_window": rec["complete_inside_window"],
                }
            )
    import pandas as pd

    sensitivity = pd.DataFrame(sens_rows)
    if not sensitivity.empty:
        sensitivity["trigger_utc"] = pd.to_datetime(sensitivity["trigger_utc"], utc=True)
    return {
        "exercise": ex,
        "timeline": tl,
        "regime": reg,
        "obligations": obl,
        "steps": steps,
        "summary": summary,
        "sensitivity": sensitivity,
        "thresholds": csbm.thresholds(cfg.regimes),
        "provenance": _geodata.provenance(
            files=(csbm.DATA_FILE, "treaty.yaml", "sites_blr.csv", "airfields.csv"),
            config_file_sha256=_geodata.file_sha256(config_path),
        ),
    }
