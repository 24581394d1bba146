"""``openskies serve``: one URL line with a fresh token, loopback by default, warnings."""

from __future__ import annotations

import re
import select
import signal
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from openskies.cli import app
from openskies.serve import Workbench, is_loopback

URL = re.compile(r"^http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{43,})$")


def _launch() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "openskies", "serve", "--port", "0", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    if not ready:
        proc.kill()
        pytest.fail("openskies serve printed no URL within 60 s")
    return proc, proc.stdout.readline().rstrip("\n")


def _stop(proc: subprocess.Popen) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    return proc.returncode, out, err


@pytest.mark.slow
def test_serve_prints_one_url_line_and_serves_it():
    proc, line = _launch()
    try:
        m = URL.match(line)
        assert m, line
        port, token = int(m.group(1)), m.group(2)
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(line, timeout=30)
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert r.status_code == 200
        assert "openskies workbench" in r.text
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/options").status_code == 401
        assert httpx.get(f"{base}/api/options?token=nope").status_code == 401
    finally:
        code, out, err = _stop(proc)
    assert code in (0, 130, -signal.SIGINT), err  # Ctrl-C: uvicorn re-raises SIGINT
    assert out.strip() == "", out  # nothing else on stdout: the one line is the URL
    assert token not in err  # no access log: request lines would carry the token

    proc2, line2 = _launch()
    _stop(proc2)
    assert URL.match(line2).group(2) != token  # a new token at each launch


def test_a_port_in_use_is_a_clear_error():
    wb = Workbench(port=0)
    wb.socket.listen()
    try:
        result = CliRunner().invoke(app, ["serve", "--port", str(wb.port), "--no-browser"])
        assert result.exit_code == 2
        assert f"cannot listen on 127.0.0.1:{wb.port}" in result.output
    finally:
        wb.socket.close()


def test_port_out_of_range():
    result = CliRunner().invoke(app, ["serve", "--port", "70000", "--no-browser"])
    assert result.exit_code == 2
    assert "--port 70000" in result.output


def test_another_host_is_warned_about_and_the_browser_opened(monkeypatch):
    """Bound but never listening (run is replaced), so nothing is exposed."""
    opened: list[str] = []
    monkeypatch.setattr(Workbench, "run", lambda self: None)
    monkeypatch.setattr(Workbench, "open_browser_when_ready", lambda self: opened.append(self.url))
    result = CliRunner().invoke(app, ["serve", "--host", "0.0.0.0", "--port", "0"])
    assert result.exit_code == 0, result.output
    assert "warning" in result.output
    assert "0.0.0.0" in result.output
    assert opened
    assert opened[0].startswith("http://127.0.0.1:")
    quiet = CliRunner().invoke(app, ["serve", "--port", "0", "--no-browser"])
    assert quiet.exit_code == 0
    assert "warning" not in quiet.output
    assert len(opened) == 1


@pytest.mark.parametrize(
    ("host", "loop"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.0.2.1", False),
        ("example.org", False),
    ],
)
def test_is_loopback(host, loop):
    assert is_loopback(host) is loop
