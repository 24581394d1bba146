"""Fixtures of the workbench tests: a live server on loopback, API clients, a browser.

The server is the real thing (uvicorn on 127.0.0.1, a free port), so the tests see the
same Host, Origin and cookie handling a browser does. The browser is Playwright driving
Debian's Chromium (the ``chromium`` fixture of ``tests/conftest.py`` finds it, skips
without it locally and fails under CI); ``playwright install`` is never needed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from openskies.serve import Workbench

#: Chromium flags: no sandbox (root in a container), no GPU, no background traffic.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--disable-features=NetworkTimeServiceQuerying,Translate,MediaRouter,OptimizationHints",
]


@pytest.fixture(scope="session")
def workbench() -> Iterator[Workbench]:
    """One live workbench for the session (127.0.0.1, a free port, a fresh token)."""
    wb = Workbench(port=0).start()
    try:
        yield wb
    finally:
        wb.stop()


@pytest.fixture
def client(workbench: Workbench) -> Iterator[httpx.Client]:
    """An API client that sends the token as a bearer header (no cookies kept)."""
    with httpx.Client(
        base_url=workbench.base_url,
        headers={"Authorization": f"Bearer {workbench.token}"},
        timeout=120,
    ) as c:
        yield c


@pytest.fixture
def anon(workbench: Workbench) -> Iterator[httpx.Client]:
    """A client without the token."""
    with httpx.Client(base_url=workbench.base_url, timeout=60) as c:
        yield c


class PageRecorder:
    """Every request a page makes, and every console error."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.foreign: list[str] = []
        self.console_errors: list[str] = []

    def on_request(self, request: Any) -> None:
        self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.scheme in ("data", "blob", "about"):
            return
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign.append(request.url)

    def on_console(self, message: Any) -> None:
        if message.type in ("error", "assert"):
            self.console_errors.append(message.text)


@pytest.fixture(scope="session")
def pw_browser(chromium: Any) -> Iterator[Any]:
    """Playwright's Chromium, launched from Debian's binary (required under CI)."""
    if os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}:
        import playwright.sync_api as sync_api  # a test extra: missing under CI is a failure
    else:
        sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium.path, args=BROWSER_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def wb_page(pw_browser: Any, workbench: Workbench, tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """A fresh page (own cookies) with a recorder; foreign requests are blocked and logged."""
    context = pw_browser.new_context(
        viewport={"width": 1400, "height": 900}, accept_downloads=True, service_workers="block"
    )
    rec = PageRecorder(workbench.base_url)

    def guard(route: Any) -> None:
        parts = urlsplit(route.request.url)
        if f"{parts.scheme}://{parts.netloc}" == workbench.base_url or parts.scheme in (
            "data",
            "blob",
        ):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", rec.on_request)
    page.on("console", rec.on_console)
    page.on("pageerror", lambda exc: rec.console_errors.append(f"uncaught: {exc}"))
    try:
        yield page, rec
    finally:
        context.close()
