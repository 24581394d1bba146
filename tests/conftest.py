"""Shared pytest configuration for openskies.

The headless-Chromium driver of the browser tests (the ``chromium`` and
``browser_artifacts_dir`` fixtures) is the plugin module ``tests/chromium_plugin.py``.
Tests marked ``slow`` (whole studies, rankings, Dask clusters, browsers, golden outputs) are
left out of the fast run: ``pytest -m "not slow"``.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["chromium_plugin"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests are slow: each starts headless Chromium (seconds of CPU per page).

    Runs before ``-m`` selects, so ``pytest -m "not slow"`` leaves them out and ``pytest -m
    browser`` (or the full run) still runs them.
    """
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def study_reduced_output(tmp_path_factory):
    """``openskies compare`` of the golden reduced study, run once per session (slow: ~1 min).

    The config is given by its absolute path and written into a fresh temporary directory, so
    that tests can look for either path in the outputs. Returns ``(output dir, config path)``.
    """
    from pathlib import Path

    from typer.testing import CliRunner

    from openskies.cli import app

    cfg = Path(__file__).resolve().parent / "golden" / "configs" / "study-reduced.yaml"
    out = tmp_path_factory.mktemp("study-reduced") / "out"
    r = CliRunner().invoke(app, ["compare", str(cfg), "-o", str(out), "--no-progress"])
    assert r.exit_code == 0, r.output
    return out, cfg
