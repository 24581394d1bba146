"""Shared pytest configuration for openskies.

The headless-Chromium driver of the browser tests (the ``chromium`` and
``browser_artifacts_dir`` fixtures) is the plugin module ``tests/chromium_plugin.py``.
Tests marked ``slow`` (whole studies, rankings, Dask clusters, golden outputs) are left out
of the fast run: ``pytest -m "not slow"``.
"""

from __future__ import annotations

pytest_plugins = ["chromium_plugin"]
