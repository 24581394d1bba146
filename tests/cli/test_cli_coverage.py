"""The ``openskies reach`` and ``openskies coverage`` commands (typer CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


@pytest.mark.slow
def test_cli_reach_and_coverage(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from openskies.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["reach", "BLR", "--from", "UUMB", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["nearest_km"] == pytest.approx(343.45, rel=0.01)
    assert out["curve"][-1]["fraction"] == 1.0
    r = runner.invoke(app, ["coverage", "BLR", "--from", "EPWA"])
    assert r.exit_code == 2
    assert "cannot image BLR" in r.output
    r = runner.invoke(app, ["coverage", "BLR", "--from", "UMMS"])
    assert r.exit_code == 2  # not an OSA without --designate
    r = runner.invoke(
        app,
        [
            "coverage",
            "BLR",
            "--from",
            "UMMS",
            "--designate",
            "UMMS=5500",
            "--json",
            "--out-dir",
            str(tmp_path),
        ],
    )
    assert r.exit_code == 0, r.output
    summary = json.loads(r.output)
    assert summary["violations"] == 0
    assert summary["n_flights"] == len(list(tmp_path.glob("*.geojson")))
