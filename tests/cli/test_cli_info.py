"""The CLI skeleton: --help, --version, info."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

import openskies
from openskies import _geodata
from openskies.cli import app

runner = CliRunner()


def test_version_and_help() -> None:
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0
    assert openskies.__version__ in r.output
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    assert "info" in r.output


def test_info_json_reports_checksums() -> None:
    r = runner.invoke(app, ["info", "--json"])
    assert r.exit_code == 0, r.output
    facts = json.loads(r.output)
    assert facts["files"]["countries.gpkg"] == _geodata.sha256("countries")
    assert "UUMB" in facts["osas"]


@pytest.mark.slow
def test_console_script_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "openskies", "info"], capture_output=True, text=True, check=True
    )
    assert "Natural Earth" in out.stdout
