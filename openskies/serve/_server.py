"""Start the workbench on a socket with uvicorn (``openskies serve``, tests, benchmarks)."""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
import webbrowser
from typing import Any

from ._security import make_token

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "Workbench", "is_loopback"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or ``localhost``."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class Workbench:
    """The workbench bound to ``host:port`` with a fresh token.

    The socket is bound at construction (``port=0`` picks a free port), so
    :attr:`url` is known before the server runs.

    Parameters
    ----------
    host : str
        Address to listen on; loopback by default. Another address exposes the
        workbench to the network (the token still guards it).
    port : int
        TCP port; 0 for a free one.
    token : str, optional
        Default: :func:`~openskies.serve._security.make_token`, new at each launch.
    log_level : str
        uvicorn's log level. Access logs are off: request lines carry the token.
    **app_options
        Passed to :func:`openskies.serve.create_app`.
    """

    def __init__(
        self,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        token: str | None = None,
        log_level: str = "warning",
        **app_options: Any,
    ) -> None:
        import uvicorn

        from .app import create_app

        self.host = host.strip("[]")
        self.token = token or make_token()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.socket.bind((self.host, port))
        except OSError:
            self.socket.close()
            raise
        self.port = int(self.socket.getsockname()[1])
        self.app = create_app(token=self.token, host=self.host, **app_options)
        config = uvicorn.Config(
            self.app,
            log_level=log_level,
            access_log=False,
            server_header=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT`` as a browser on this machine reaches it."""
        shown = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        if shown == "::":
            shown = "::1"
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self.port}"

    @property
    def url(self) -> str:
        """The page's URL with the token: ``http://127.0.0.1:8765/?token=...``."""
        return f"{self.base_url}/?token={self.token}"

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C) or :meth:`stop`."""
        self.server.run(sockets=[self.socket])

    def start(self, *, timeout_s: float = 30.0) -> Workbench:
        """Serve in a background thread; return once it accepts connections."""
        self._thread = threading.Thread(target=self.run, name="openskies-serve", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                msg = "the workbench server did not start"
                raise RuntimeError(msg)
            time.sleep(0.02)
        return self

    def stop(self, *, timeout_s: float = 30.0) -> None:
        """Stop a server started with :meth:`start`."""
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
        self.socket.close()

    def open_browser_when_ready(self) -> None:
        """Open :attr:`url` in the default browser once the server accepts connections."""

        def _open() -> None:
            while not self.server.started and not self.server.should_exit:
                time.sleep(0.05)
            if self.server.started:
                webbrowser.open(self.url)

        threading.Thread(target=_open, name="openskies-browser", daemon=True).start()

    def __enter__(self) -> Workbench:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
