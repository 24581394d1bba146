"""``openskies exercise``: its output files, and its refusals of an unusable config."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from openskies._errors import ConfigError
from openskies.cli import app


def test_cli_writes_report_layer_and_tables(tmp_path) -> None:
    from openskies import _geodata

    cfg = _geodata.configs_dir() / "zapad-2021.yaml"
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["exercise", str(cfg), "-o", str(out)])
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {
        "exercise_report.md",
        "obligations.csv",
        "time_to_image.csv",
        "exercise.geojson",
    } <= names
    fc = json.loads((out / "exercise.geojson").read_text(encoding="utf-8"))
    layers = [f["properties"]["layer"] for f in fc["features"]]
    assert layers.count("exercise_area") == 4
    assert layers.count("entry_point") == 2
    area = next(f for f in fc["features"] if f["properties"]["layer"] == "exercise_area")
    assert area["properties"]["notify_vd2011"] is True
    assert area["properties"]["observe_vd2011"] is False
    report = (out / "exercise_report.md").read_text(encoding="utf-8")
    assert "Minsk National (UMMS) (hypothetical)" in report
    assert "troops 12,800 ≥ 9,000" in report
    assert _geodata.sha256("csbm.yaml") in report


def test_cli_unknown_key_names_its_path_and_writes_nothing(tmp_path) -> None:
    from openskies import _geodata

    text = (_geodata.configs_dir() / "zapad-2021.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  tanks: 140", "  tankz: 140"), encoding="utf-8")
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["exercise", str(bad), "-o", str(out)])
    assert r.exit_code == 2
    assert "exercise.tankz" in r.output
    assert "allowed keys here" in r.output
    assert not out.exists()
    bad.write_text(text.replace("Brestsky]", "Brestsky, Nowhere]"), encoding="utf-8")
    r = CliRunner().invoke(app, ["exercise", str(bad), "-o", str(out)])
    assert r.exit_code == 2
    assert "unknown training ground 'Nowhere'" in r.output
    assert not out.exists()


def test_config_errors_are_config_errors(tmp_path) -> None:
    from openskies.cli.exercise import load_config

    p = tmp_path / "c.yaml"
    p.write_text(
        "exercise: {troops: -3, start: 2021-09-10, end: 2021-09-11, location: Brestsky}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"exercise.troops \(line 1\)"):
        load_config(p)
    p.write_text(
        "exercise: {troops: 3, start: 2021-09-10, end: 2021-09-11, location: Brestsky}\n"
        "time_to_image: {timeline: {sun_angle: 10}}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match=r"time_to_image.timeline.sun_angle.*sun_elevation_min_deg"
    ):
        load_config(p)
