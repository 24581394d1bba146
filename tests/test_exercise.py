"""openskies.exercise: an exercise config evaluated (obligations, time to image, sensitivity)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest

from openskies import _geodata, csbm, exercise
from openskies.config import load_exercise_config

ZAPAD = _geodata.configs_dir() / "zapad-2021.yaml"


@pytest.fixture(scope="module")
def result():
    cfg = load_exercise_config(ZAPAD)
    return cfg, exercise.run(cfg, ZAPAD)


def test_the_result_holds_every_table_the_report_renders(result) -> None:
    _, res = result
    assert {"obligations", "steps", "summary", "sensitivity", "thresholds", "provenance"} <= set(
        res
    )
    assert not res["summary"].empty
    assert not res["obligations"].empty


def test_sensitivity_triggers_are_the_configured_offsets_from_the_base_time(result) -> None:
    cfg, res = result
    tti = cfg.time_to_image
    ex = res["exercise"]
    base = ex.start if tti.trigger_at is None else pd.Timestamp(tti.trigger_at).to_pydatetime()
    expected = sorted(
        pd.Timestamp(base + dt.timedelta(hours=float(h))).tz_convert("UTC")
        if pd.Timestamp(base).tzinfo
        else pd.Timestamp(base + dt.timedelta(hours=float(h)), tz="UTC")
        for h in tti.trigger_offsets_h
    )
    sens = res["sensitivity"]
    got = sorted(set(sens["trigger_utc"]))
    assert got == expected
    # one row per trigger and entry point
    assert len(sens) == len(tti.trigger_offsets_h) * len(tti.entry_points)


def test_obligations_are_csbm_obligations_of_the_configured_regimes(result) -> None:
    cfg, res = result
    ex = csbm.Exercise.from_dict(
        {
            **cfg.exercise.model_dump(exclude={"sources"}),
            "location": (
                list(cfg.exercise.location)
                if isinstance(cfg.exercise.location, tuple)
                else cfg.exercise.location
            ),
        }
    )
    pd.testing.assert_frame_equal(res["obligations"], csbm.obligations(ex, regimes=cfg.regimes))


def test_provenance_hashes_the_config_file_as_read(result) -> None:
    _, res = result
    assert res["provenance"]["config_file_sha256"] == hashlib.sha256(ZAPAD.read_bytes()).hexdigest()
