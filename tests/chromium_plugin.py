"""pytest plugin: headless Chromium for the browser tests (registered by tests/conftest.py).

Sections are delimited; append new fixtures in their own section at the end.
"""

from __future__ import annotations

# =============================================================================================
# BEGIN headless Chromium (browser tests) -- owner: HTML/offline-report machinery
#
#   @pytest.mark.browser
#   def test_x(chromium, browser_artifacts_dir, tmp_path):
#       result = chromium.render(page_path, screenshot=browser_artifacts_dir / "x.png")
#       assert result.console_errors == [] and result.requests == []
#
# How a page is checked (all of it works as root in a container, no extra packages):
# * Debian's ``chromium`` is driven over the DevTools protocol on ``--remote-debugging-pipe``
#   (fds 3/4, NUL-separated JSON): console messages with their level, uncaught exceptions,
#   Log entries (failed resource loads), JS dialogs (alert/confirm/prompt) and every request
#   the page makes (Network.requestWillBeSent, all schemes, file:// included).
# * Independently, Chromium's NetLog (``--log-net-log``) records every URL_REQUEST the network
#   stack starts. A request whose ``initiator`` is an origin (``"null"`` for a file:// page)
#   comes from the page; ``"not an origin"`` marks the browser's own background traffic
#   (component updater, ...), reported apart in ``background_requests``.
# * When ``unshare -n`` works (root, or user namespaces), Chromium runs in a network namespace
#   with no interfaces at all, so nothing can leave the machine whatever the page does.
# * With ``CI`` set to a true value a missing Chromium FAILS the browser tests (never skips).
# =============================================================================================
import base64
import contextlib
import dataclasses
import fcntl
import functools
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
BROWSER_ARTIFACTS_DIR = REPO_ROOT / "test-artifacts"
CHROMIUM_MISSING = "Debian chromium not installed: run scripts/install-system-packages.sh"
#: Page viewport in CSS pixels (screenshots have this size).
VIEWPORT = (1200, 900)
#: Where the browser's own background requests are sent (port 9 = discard, closed).
LOOPBACK_SINK = "http://127.0.0.1:9/update"

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--disable-features=NetworkTimeServiceQuerying,Translate,MediaRouter,OptimizationHints",
    # The component updater still asks for on-demand components despite
    # --disable-component-update: point it at a closed loopback port so it cannot go out.
    f"--component-updater=url-source={LOOPBACK_SINK}",
    f"--gaia-url={LOOPBACK_SINK.rsplit('/', 1)[0]}",
    f"--window-size={VIEWPORT[0]},{VIEWPORT[1]}",
    "--enable-logging=stderr",
    "--v=0",
)
_NOT_AN_ORIGIN = "not an origin"
_IP_LITERAL = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\])$")
_LOCAL_SCHEMES = ("data:", "blob:", "about:", "chrome:", "devtools:")


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def find_chromium() -> str | None:
    """Path of the Chromium executable, or None.

    Debian's ``/usr/bin/chromium`` is a shell wrapper that adds ``--enable-remote-extensions``
    (extension update traffic) and other flags; the real binary next to it is used instead.
    """
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and Path("/usr/bin/chromium").exists():
        found = "/usr/bin/chromium"
    if found is None:
        return None
    real = Path("/usr/lib/chromium/chromium")
    if Path(found).resolve() == Path("/usr/bin/chromium").resolve() and real.exists():
        return str(real)
    return found


@functools.lru_cache(maxsize=1)
def network_namespace_available() -> bool:
    """True when ``unshare -n`` can start a process with no network (root or user ns)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    try:
        done = subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@dataclasses.dataclass
class BrowserResult:
    """What a page did in headless Chromium."""

    url: str
    dom: str  #: document.documentElement.outerHTML after load (and after ``evaluate``)
    console_errors: list[str]  #: console.error/assert, uncaught exceptions, Log errors
    console_messages: list[str]  #: every console message, "level: text"
    requests: list[str]  #: URLs the page asked for (beyond itself and data:/blob:)
    background_requests: list[str]  #: the browser's own http(s) requests (not the page's)
    hosts_resolved: list[str]  #: host names (not IP literals) the network stack looked up
    dialogs: list[str]  #: alert/confirm/prompt dialogs the page opened
    evaluated: Any  #: value of the ``evaluate`` expression, if any
    network_isolated: bool  #: ran under ``unshare -n``
    stderr_uncaught: list[str]  #: "Uncaught ..." console lines in Chromium's stderr log
    screenshot: Path | None
    netlog: Path | None

    def count_class(self, css_class: str) -> int:
        """Number of elements whose class attribute contains ``css_class``."""
        pattern = re.compile(r'class="([^"]*)"')
        return sum(css_class in m.group(1).split() for m in pattern.finditer(self.dom))


class _Pipe:
    """Minimal DevTools-protocol client over Chromium's --remote-debugging-pipe."""

    def __init__(self, write_fd: int, read_fd: int) -> None:
        self._w = write_fd
        self._r = read_fd
        self._buf = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no message from chromium before the deadline")
            ready, _, _ = select.select([self._r], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._r, 1 << 20)
            if not chunk:
                raise ConnectionError("chromium closed the DevTools pipe")
            self._buf += chunk
        raw, _, self._buf = self._buf.partition(b"\0")
        message = json.loads(raw)
        if message.get("method") == "Page.javascriptDialogOpening":
            # an alert()/confirm() would block the page: record it (events) and dismiss it
            self._send("Page.handleJavaScriptDialog", {"accept": False}, message.get("sessionId"))
        return message

    def _send(self, method: str, params: dict[str, Any], session: str | None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        while data:
            data = data[os.write(self._w, data) :]
        return self._next_id

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session: str | None = None,
        timeout_s: float = 30.0,
    ) -> dict[str, Any]:
        call_id = self._send(method, params or {}, session)
        deadline = time.monotonic() + timeout_s
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, *, timeout_s: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._read_message(deadline)
            self.events.append(event)
            if event.get("method") == method:
                return event

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        with contextlib.suppress(TimeoutError):
            while True:
                self.events.append(self._read_message(deadline))


# Puts the pipe ends on the fds 3 (commands in) and 4 (replies out) that Chromium's
# --remote-debugging-pipe expects, then becomes Chromium (no shell: dash cannot name fd >= 10).
_FD_TRAMPOLINE = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


def _high_fd(fd: int) -> int:
    """Duplicate ``fd`` to a number >= 10, so that mapping it onto 3/4 clobbers nothing."""
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return new


def _read_netlog(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError:  # a log cut short: close the events array ourselves
        return json.loads(text.rstrip().rstrip(",") + "]}")


def _netlog_requests(netlog: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """(page requests, browser background requests, host names looked up) from a NetLog.

    Requests are the URL_REQUEST_START_JOB events; host names come from the
    HOST_RESOLVER_MANAGER_REQUEST events (whose ``host`` is "scheme://host[:port]").
    """
    types = netlog["constants"]["logEventTypes"]
    start_job = types["URL_REQUEST_START_JOB"]
    resolve = types.get("HOST_RESOLVER_MANAGER_REQUEST")
    page, background, hosts = [], [], []
    for event in netlog.get("events", []):
        params = event.get("params") or {}
        if event.get("type") == start_job and "url" in params:
            initiator = params.get("initiator", _NOT_AN_ORIGIN)
            (background if initiator == _NOT_AN_ORIGIN else page).append(params["url"])
        elif event.get("type") == resolve and "host" in params:
            host = urlsplit(params["host"]).hostname or params["host"]
            if not _IP_LITERAL.match(host) and host != "localhost":
                hosts.append(host)
    return page, background, hosts


_SETTLE_JS = (
    "new Promise(function (resolve) { requestAnimationFrame(function () {"
    " requestAnimationFrame(function () { setTimeout(resolve, 300); }); }); })"
)


def render_in_chromium(
    html_path: str | os.PathLike[str],
    *,
    chromium_path: str,
    screenshot: str | os.PathLike[str] | None = None,
    evaluate: str | None = None,
    isolate_network: bool | None = None,
    timeout_s: float = 60.0,
) -> BrowserResult:
    """Open a local HTML file in headless Chromium and report what it did.

    ``evaluate`` is a JS expression run after load (promises are awaited); its JSON value is
    returned in ``evaluated``, and the DOM / screenshot are taken after it. ``isolate_network``
    defaults to running under ``unshare -n`` whenever that works.
    """
    page = Path(html_path).resolve()
    url = page.as_uri()
    if isolate_network is None:
        isolate_network = network_namespace_available()
    shot = Path(screenshot) if screenshot is not None else None
    with tempfile.TemporaryDirectory(prefix="openskies-chromium-") as tmp:
        tmp_dir = Path(tmp)
        netlog = shot.with_suffix(".netlog.json") if shot is not None else tmp_dir / "netlog.json"
        netlog.parent.mkdir(parents=True, exist_ok=True)
        netlog.unlink(missing_ok=True)
        stderr_path = tmp_dir / "stderr.log"
        cmd_r, cmd_w = os.pipe()  # we write commands; chromium reads them on fd 3
        evt_r, evt_w = os.pipe()  # chromium writes replies/events on fd 4; we read them
        cmd_r, evt_w = _high_fd(cmd_r), _high_fd(evt_w)
        argv = [
            chromium_path,
            *CHROMIUM_FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={tmp_dir / 'profile'}",
            f"--log-net-log={netlog}",
            "--net-log-capture-mode=Default",
            "about:blank",
        ]
        if isolate_network:
            argv = [shutil.which("unshare") or "unshare", "-n", *argv]
        with stderr_path.open("wb") as err:
            proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _FD_TRAMPOLINE, str(cmd_r), str(evt_w), *argv],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                pass_fds=(cmd_r, evt_w),
                start_new_session=True,
            )
        os.close(cmd_r)
        os.close(evt_w)
        cdp = _Pipe(cmd_w, evt_r)
        evaluated: Any = None
        shot_bytes: bytes | None = None
        try:
            targets = cdp.call("Target.getTargets", timeout_s=timeout_s)["targetInfos"]
            target = next(t for t in targets if t["type"] == "page")
            session = cdp.call(
                "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}
            )["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                cdp.call(f"{domain}.enable", session=session)
            # --window-size sets the window, not the page viewport: pin the viewport too
            cdp.call(
                "Emulation.setDeviceMetricsOverride",
                {
                    "width": VIEWPORT[0],
                    "height": VIEWPORT[1],
                    "deviceScaleFactor": 1,
                    "mobile": False,
                },
                session=session,
            )
            cdp.call("Page.navigate", {"url": url}, session=session)
            cdp.wait_for("Page.loadEventFired", timeout_s=timeout_s)
            cdp.call(
                "Runtime.evaluate",
                {"expression": _SETTLE_JS, "awaitPromise": True},
                session=session,
                timeout_s=timeout_s,
            )
            if evaluate is not None:
                reply = cdp.call(
                    "Runtime.evaluate",
                    {"expression": evaluate, "awaitPromise": True, "returnByValue": True},
                    session=session,
                    timeout_s=timeout_s,
                )
                if "exceptionDetails" in reply:
                    raise RuntimeError(f"evaluate failed: {reply['exceptionDetails']}")
                evaluated = reply["result"].get("value")
                cdp.call(
                    "Runtime.evaluate",
                    {"expression": _SETTLE_JS, "awaitPromise": True},
                    session=session,
                )
            dom = cdp.call(
                "Runtime.evaluate",
                {"expression": "document.documentElement.outerHTML", "returnByValue": True},
                session=session,
            )["result"]["value"]
            if shot is not None:
                shot_bytes = base64.b64decode(
                    cdp.call("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
                )
            cdp.drain(0.2)
            with contextlib.suppress(Exception):
                cdp.call("Browser.close", timeout_s=5)
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
            os.close(cmd_w)
            os.close(evt_r)
        stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
        page_net, background, hosts = _netlog_requests(_read_netlog(netlog))
        if shot is None:
            netlog = None

    console_errors: list[str] = []
    console_messages: list[str] = []
    requests: list[str] = list(page_net)
    dialogs: list[str] = []
    for event in cdp.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(
                str(a.get("value", a.get("description", ""))) for a in params.get("args", [])
            )
            console_messages.append(f"{params.get('type')}: {text}")
            if params.get("type") in ("error", "assert"):
                console_errors.append(text)
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            exc = details.get("exception", {}).get("description") or details.get("text", "")
            console_errors.append(f"uncaught: {exc}")
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            if entry.get("level") == "error":
                console_errors.append(f"{entry.get('source')}: {entry.get('text')}")
        elif method == "Network.requestWillBeSent":
            req_url = params.get("request", {}).get("url", "")
            if req_url != url and not req_url.startswith(_LOCAL_SCHEMES):
                requests.append(req_url)
        elif method == "Page.javascriptDialogOpening":
            dialogs.append(f"{params.get('type')}: {params.get('message')}")
    stderr_uncaught = [
        line for line in stderr.splitlines() if ":CONSOLE" in line and "Uncaught" in line
    ]
    if shot is not None and shot_bytes is not None:
        shot.parent.mkdir(parents=True, exist_ok=True)
        shot.write_bytes(shot_bytes)
    return BrowserResult(
        url=url,
        dom=dom,
        console_errors=console_errors,
        console_messages=console_messages,
        requests=list(dict.fromkeys(requests)),
        background_requests=list(dict.fromkeys(background)),
        hosts_resolved=list(dict.fromkeys(hosts)),
        dialogs=dialogs,
        evaluated=evaluated,
        network_isolated=bool(isolate_network),
        stderr_uncaught=stderr_uncaught,
        screenshot=shot if shot_bytes is not None else None,
        netlog=netlog,
    )


@dataclasses.dataclass(frozen=True)
class Chromium:
    """Handle given to browser tests by the ``chromium`` fixture."""

    path: str

    def render(
        self,
        html_path: str | os.PathLike[str],
        *,
        screenshot: str | os.PathLike[str] | None = None,
        evaluate: str | None = None,
        timeout_s: float = 60.0,
    ) -> BrowserResult:
        return render_in_chromium(
            html_path,
            chromium_path=self.path,
            screenshot=screenshot,
            evaluate=evaluate,
            timeout_s=timeout_s,
        )


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    """Headless Chromium; skips when missing, except under CI where it fails."""
    path = find_chromium()
    if path is None:
        if _truthy(os.environ.get("CI")):
            pytest.fail(f"{CHROMIUM_MISSING} (CI is set: browser tests must run)")
        pytest.skip(CHROMIUM_MISSING)
    return Chromium(path)


@pytest.fixture(scope="session")
def browser_artifacts_dir() -> Path:
    """``test-artifacts/`` at the repository root (screenshots, NetLogs); not committed."""
    BROWSER_ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return BROWSER_ARTIFACTS_DIR


# =============================================================================================
# END headless Chromium
# =============================================================================================
