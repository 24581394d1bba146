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
