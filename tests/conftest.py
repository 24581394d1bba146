"""Shared pytest configuration for openskies.

The headless-Chromium driver of the browser tests (the ``chromium`` and
``browser_artifacts_dir`` fixtures) is the plugin module ``tests/chromium_plugin.py``.
Tests marked ``slow`` (whole studies, rankings, Dask clusters, browsers, golden outputs) are
left out of the fast run: ``pytest -m "not slow"``.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path

import pytest

# A pytest-xdist worker starts with COLUMNS=80 and LINES=24 in its environment (a plain run
# has neither): rich would fix the CLI consoles' width at 80 when openskies.cli is imported,
# and the tests that give CliRunner a wider COLUMNS would see their messages wrapped anyway.
for _var in ("COLUMNS", "LINES"):
    os.environ.pop(_var, None)

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


#: The repository root: the golden cases run from here, as a user would.
REPO = Path(__file__).resolve().parent.parent


def _regen_goldens():
    """``scripts/regen_goldens.py`` as a module: the one place that knows how a case runs."""
    spec = importlib.util.spec_from_file_location(
        "regen_goldens", REPO / "scripts" / "regen_goldens.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def golden_output(tmp_path_factory) -> Callable[[str], Path]:
    """Run a case of ``tests/golden/cases.json`` once per session; returns its output directory.

    Each case is the ``openskies`` command of the case in a fresh process, from the repository
    root, into a fresh temporary directory (``{out}`` of its argv), run by the same function
    that records the goldens (``scripts/regen_goldens.py``). The golden test compares its
    files with the recorded ones; other tests read the same run instead of running it again.
    """
    regen = _regen_goldens()
    cases = regen.cases()
    done: dict[str, Path] = {}

    def run(name: str) -> Path:
        if name not in done:
            out = tmp_path_factory.mktemp(f"golden-{name}") / "out"
            regen.run_case(cases[name], out)  # raises with the command's stderr if it fails
            done[name] = out
        return done[name]

    return run


@pytest.fixture(scope="session")
def study_reduced_output(golden_output):
    """``openskies compare`` of the golden reduced study (slow: about 1.5 min, once a session).

    The golden case ``study-reduced``: the config is given by its path relative to the
    repository, and the output goes to a fresh temporary directory, so that tests can look for
    either path (or the absolute path of the config) in the outputs. Returns ``(output dir,
    absolute config path)``.
    """
    cfg = REPO / "tests" / "golden" / "configs" / "study-reduced.yaml"
    return golden_output("study-reduced"), cfg
