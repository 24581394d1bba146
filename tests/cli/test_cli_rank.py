"""``openskies rank``: every output file, failures reported, nothing left by an interrupted run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from _report_order import assert_in_order
from typer.testing import CliRunner

from openskies.cli import app
from openskies.report import _leaflet as _html
from openskies.report import ranking as ranking_report

runner = CliRunner()


def _cfg(tmp_path: Path, **over) -> Path:
    body = {
        "name": "test-rank",
        "territory": "BLR",
        "candidates": ["UMMS", "EPWA"],
        "grid_km": None,
        "reference": "UUMB",
        "budgets_km": [5500],
        "sensors": ["optical_high_pan"],
        "reach_cell_km": 25,
        **over,
    }
    p = tmp_path / "rank.yaml"
    p.write_text(json.dumps({"rank": body}))  # JSON is YAML
    return p


@pytest.mark.slow
def test_cli_writes_every_output_and_reports_failures(tmp_path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        ["rank", str(_cfg(tmp_path)), "-o", str(out), "--scheduler", "sync", "--no-progress"],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    outputs = {"ranking.csv", "ranking.md", "ranking.html", "ranking.geojson", "summary.json"}
    # and the marker of an openskies output directory, listing exactly those files
    assert {p.name for p in out.iterdir()} == {*outputs, ".openskies-output.json"}
    marker = json.loads((out / ".openskies-output.json").read_text())
    assert (marker["command"], set(marker["files"])) == ("rank", outputs)
    csv = pd.read_csv(out / "ranking.csv")
    assert "icao" in csv.columns
    # Warsaw's flights observe Poland, not Belarus: reported, not dropped
    epwa = csv[csv["icao"] == "EPWA"].iloc[0]
    assert epwa["status"] == "failed"
    assert "observes POL" in epwa["error"]
    assert "EPWA" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert list(summary["failed"]) == ["EPWA"]
    assert len(summary["config_sha256"]) == 64
    page = (out / "ranking.html").read_text()
    assert "Minsk National" in page
    assert _html.external_references(page) == []
    # the same order as the study's report: the answer, the figure, the map, the tables
    assert_in_order(page, 'id="answer"', 'id="figures"', 'class="folium-map', 'id="tab-ranking-1"')
    answer = page[page.index('id="answer"') : page.index('id="figures"')]
    best = csv[(csv["status"] == "ok") & (csv["rank"] == csv["rank"].min())].iloc[0]
    assert f"the best of {int((csv['status'] == 'ok').sum())} candidates" in answer
    assert str(best["icao"]) in answer
    assert 'href="#tab-ranking-1"' in answer


@pytest.mark.slow
def test_cli_interrupted_run_leaves_nothing(tmp_path, monkeypatch) -> None:
    out = tmp_path / "out"

    def boom(*args, **kwargs):
        msg = "disk full"
        raise OSError(msg)

    monkeypatch.setattr(ranking_report, "ranking_html", boom)
    res = runner.invoke(
        app,
        ["rank", str(_cfg(tmp_path)), "-o", str(out), "--scheduler", "sync", "--no-progress"],
        catch_exceptions=False,
    )
    assert res.exit_code == 2  # an OSError is unusable output, reported by cli.exit_codes
    assert "disk full" in res.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_cli_bad_config_exit_2_and_no_output(tmp_path) -> None:
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
            "rank",
            str(_cfg(tmp_path, objective=["flights_full"])),
            "-o",
            str(out),
            "--scheduler",
            "sync",
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 2
    assert "rank.objective" in res.output
    assert not out.exists()
