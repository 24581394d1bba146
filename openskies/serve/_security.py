"""The workbench's front door: token, Host and Origin checks, body cap, security headers.

One pure-ASGI middleware (:class:`Guard`) sees every HTTP request before the app:

1. ``Host`` must name the bound address or a loopback name (``127.0.0.1``,
   ``localhost``, ``[::1]``): a page on another site that rebinds its DNS name
   to 127.0.0.1 sends its own name and is refused (403).
2. A request whose ``Origin`` is not this server's own origin (another site,
   another port, ``null``) is refused (403); so is one a browser marks
   ``Sec-Fetch-Site: cross-site`` or ``same-site`` (another port of the same
   host). A request without ``Origin`` (curl, a script) goes on to 3.
3. The launch token must be given: query ``token=``, ``Authorization: Bearer``,
   or the cookie set when the page was opened with the token (HttpOnly,
   SameSite=Strict, named after the port so that two servers do not share
   it). It is compared in constant time (:func:`secrets.compare_digest`).
   Missing or wrong: 401.
4. Bodies larger than the cap are refused (413) before the app reads them.

Answers carry a strict Content-Security-Policy (scripts, styles and requests
only from this origin; no inline script), ``X-Content-Type-Options: nosniff``,
``Referrer-Policy: no-referrer``, ``X-Frame-Options: DENY`` and
``Cache-Control: no-store``, and ``Server-Timing: app;dur=MS`` (time in the app).
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger(__name__)

__all__ = ["CSP", "Guard", "allowed_hosts", "cookie_name", "make_token"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Content-Security-Policy of every answer.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)

_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
_WILDCARDS = ("0.0.0.0", "::", "")
_ALLOWED_FETCH_SITES = ("same-origin", "none")


def make_token() -> str:
    """A fresh random URL-safe token (256 bits), made at each launch."""
    return secrets.token_urlsafe(32)


def cookie_name(port: int) -> str:
    """Name of the token cookie of the server on ``port``.

    Cookies are not isolated by port: two workbenches on one machine would
    overwrite each other's cookie under one name.
    """
    return f"openskies-token-{int(port)}"


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def allowed_hosts(bind_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host names (no port, lower case, IPv6 without brackets) accepted in ``Host``."""
    names = {*_LOOPBACK_NAMES, *(h.lower().strip("[]") for h in extra)}
    if bind_host not in _WILDCARDS:
        names.add(bind_host.lower().strip("[]"))
    return frozenset(names)


def _split_host(value: str) -> tuple[str, int | None] | None:
    """``host[:port]`` or ``[v6][:port]`` -> (host, port), or None when malformed."""
    value = value.strip().lower()
    if not value:
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        host, rest = value[1:end], value[end + 1 :]
        if rest and not rest.startswith(":"):
            return None
        port_s = rest[1:] if rest else ""
    else:
        host, sep, port_s = value.rpartition(":")
        if not sep or ":" in host:
            host, port_s = value, ""
    if port_s:
        if not port_s.isdigit():
            return None
        return host, int(port_s)
    return host, None


class Guard:
    """ASGI middleware enforcing the workbench's access rules (see the module docstring).

    Parameters
    ----------
    app : ASGI app
        The application behind the guard.
    token : str
        The launch token.
    bind_host : str
        The address the server listens on (``127.0.0.1`` by default). When it
        is a wildcard (``0.0.0.0``), ``Host`` may also be any IP literal (no
        DNS name, so no rebinding) or one of ``extra_hosts``.
    max_body_bytes : int
        Largest request body accepted (413 above).
    extra_hosts : iterable of str
        More host names to accept (e.g. the machine's name when bound to 0.0.0.0).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str,
        bind_host: str = "127.0.0.1",
        max_body_bytes: int,
        extra_hosts: Iterable[str] = (),
    ) -> None:
        if not token:
            msg = "the workbench needs a non-empty token"
            raise ValueError(msg)
        self.app = app
        self._token = token.encode()
        self._hosts = allowed_hosts(bind_host, extra_hosts)
        self._any_ip = bind_host in _WILDCARDS
        self.max_body_bytes = int(max_body_bytes)

    # -- checks ---------------------------------------------------------------------------
    def _host_ok(self, host: str) -> bool:
        return host in self._hosts or (self._any_ip and _is_ip(host))

    def _token_ok(self, candidate: str | None) -> bool:
        if not candidate:
            return False
        return secrets.compare_digest(candidate.encode(), self._token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":  # no websockets in the workbench
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        headers: dict[str, str] = {}
        for k, v in scope.get("headers", []):
            key = k.decode("latin-1").lower()
            # A repeated Host/Origin/Authorization header is ambiguous: keep a marker.
            headers[key] = "\0" if key in headers else v.decode("latin-1")

        host_value = headers.get("host", "")
        parsed = _split_host(host_value)
        if parsed is None or not self._host_ok(parsed[0]):
            await _refuse(
                send,
                403,
                ["header", "host"],
                f"Host {host_value!r} is not this workbench's address",
                "open the URL the server printed (http://127.0.0.1:PORT/?token=...); "
                "another name for this machine is refused (DNS rebinding)",
            )
            return

        origin = headers.get("origin")
        if origin is not None:
            o = urlsplit(origin) if origin != "\0" else None
            same = (
                o is not None
                and o.scheme == "http"
                and not o.path.strip("/")
                and o.netloc.lower() == host_value.strip().lower()
            )
            if not same:
                await _refuse(
                    send,
                    403,
                    ["header", "origin"],
                    f"Origin {origin!r} is another site: cross-site requests are refused",
                    "use the workbench page itself, or a script without an Origin header "
                    "that sends the token",
                )
                return
        site = headers.get("sec-fetch-site")
        if site is not None and site not in _ALLOWED_FETCH_SITES:
            await _refuse(
                send,
                403,
                ["header", "sec-fetch-site"],
                f"a {site} request is refused: only the workbench page may call it",
                "open the workbench page with the URL the server printed",
            )
            return

        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        from_query = (query.get("token") or [None])[-1]
        auth = headers.get("authorization", "")
        from_header = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        port = (scope.get("server") or (None, 0))[1] or 0
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # a malformed cookie header carries no token
            cookie = SimpleCookie()
        morsel = cookie.get(cookie_name(port))
        from_cookie = morsel.value if morsel is not None else None
        if not (
            self._token_ok(from_query) or self._token_ok(from_header) or self._token_ok(from_cookie)
        ):
            given = from_query or from_header or from_cookie
            await _refuse(
                send,
                401,
                ["query", "token"],
                "wrong token" if given else "this workbench needs its token",
                "open the URL the server printed (…/?token=...), or send "
                "'Authorization: Bearer <token>'",
                extra_headers=[(b"www-authenticate", b'Bearer realm="openskies"')],
            )
            return
        set_cookie = self._token_ok(from_query) and not self._token_ok(from_cookie)

        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await _refuse(
                send,
                413,
                ["body"],
                f"the request body ({length} bytes) is larger than the "
                f"{self.max_body_bytes:,} bytes the workbench accepts",
                "send a smaller file or plan (the caps are listed by GET /api/options)",
            )
            return
        body, too_big = await _read_body(receive, self.max_body_bytes)
        if too_big:
            await _refuse(
                send,
                413,
                ["body"],
                f"the request body is larger than the {self.max_body_bytes:,} bytes the "
                "workbench accepts",
                "send a smaller file or plan",
            )
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        t0 = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = list(_SECURITY_HEADERS)
                dur = (time.perf_counter() - t0) * 1000.0
                extra.append((b"server-timing", f"app;dur={dur:.1f}".encode()))
                if set_cookie:
                    value = (
                        f"{cookie_name(port)}={self._token.decode()}; HttpOnly; "
                        "SameSite=Strict; Path=/"
                    )
                    extra.append((b"set-cookie", value.encode()))
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *((k, v) for k, v in extra if k not in present or k == b"set-cookie"),
                ]
            await send(message)

        await self.app(scope, replay, send_wrapper)


_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)


async def _read_body(receive: Receive, cap: int) -> tuple[bytes, bool]:
    """The whole request body, or (partial, True) as soon as it passes ``cap`` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > cap:
            return b"", True
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), False


async def _refuse(
    send: Send,
    status: int,
    loc: list[str | int],
    msg: str,
    fix: str,
    *,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    logger.warning("refused (%d): %s", status, msg)
    body = json.dumps(
        {"detail": [{"loc": loc, "msg": msg, "type": "access_refused", "fix": fix}]}
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *_SECURITY_HEADERS,
                *(extra_headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
