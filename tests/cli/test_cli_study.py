"""The ``openskies compare`` command (CliRunner): bad configs refused, a small study end to end."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from openskies.cli import app

runner = CliRunner()


BAD_CONFIGS = {
    "unknown key": "study:\n  territory: BLR\n  colour: red\n",
    "negative budget": "study:\n  territory: BLR\n  budgets_km: [5500, -1]\n",
    "unknown sensor": "study:\n  sensors: [optical_high_pan, lidar]\n",
    "territory typo": "study:\n  territory: BLRR\n",
    "malformed yaml": "study:\n  territory: [BLR\n",
    "unknown icao": "study:\n  candidates: [UUMB, UMMX]\n",
    "unknown scenario": "study:\n  scenarios: [status_quo, moon_base]\n",
    "scenario typo": "study:\n  scenarios: al\n",
    "sensitivity text": "study:\n  sensitivity: 'yes'\n",
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_compare_rejects_unusable_configs(tmp_path, case) -> None:
    cfg = tmp_path / "study.yaml"
    cfg.write_text(BAD_CONFIGS[case])
    out = tmp_path / "out"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out), "--no-progress"])
    assert r.exit_code == 2, r.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [cfg]  # no partial directory either
    text = " ".join(r.output.split())
    expect = {
        "unknown key": "study.colour (line 3): unknown key",
        "negative budget": "study.budgets_km",
        "unknown sensor": "lidar",
        "territory typo": "BLRR",
        "malformed yaml": "not valid YAML (line",
        "unknown icao": "UMMX",
        "unknown scenario": (
            "study.scenarios.1 (line 2): Input should be 'status_quo', 'poe_only', "
            "'added_osa', 'replacement' or 'single_state'; got 'moon_base'"
        ),
        "scenario typo": "study.scenarios (line 2)",
        "sensitivity text": "study.sensitivity (line 2): Input should be a valid boolean",
    }[case]
    assert expect in text


@pytest.mark.slow
def test_compare_cli_small_end_to_end(tmp_path) -> None:
    cfg = tmp_path / "small.yaml"
    cfg.write_text(
        "study:\n  territory: BLR\n  candidates: [UUMB, UMMS]\n  budgets_km: [5500]\n"
        "  sensors: [optical_high_pan]\n  targets: none\n  reach_cell_km: 25\n"
    )
    out = tmp_path / "out"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out), "--no-progress"])
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {
        "report.html",
        "metrics.csv",
        "metrics.md",
        "provenance.json",
        "routes.geojson",
        "reach.geojson",
    } <= names
    prov = json.loads((out / "provenance.json").read_text())
    assert set(prov["data_sha256"]) >= {"countries.gpkg", "airfields.csv"}
    assert len(prov["config_sha256"]) == 64
    # identical configs give identical metrics
    out2 = tmp_path / "out2"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out2), "--no-progress"])
    assert r.exit_code == 0
    assert (out / "metrics.csv").read_text() == (out2 / "metrics.csv").read_text()
    assert (out / "report.html").read_bytes() == (out2 / "report.html").read_bytes()
