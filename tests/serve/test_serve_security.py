"""The workbench's refusals: token, Host (DNS rebinding), Origin, body size, headers, files."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import tempfile
from pathlib import Path

import httpx
import pytest

from openskies.serve import create_app
from openskies.serve._security import CSP, make_token

KUB = (36.650002, 55.611695)
PLAN = {"start": "UUMB", "waypoints": [KUB, (28.0, 53.9), KUB]}

#: (method, path, json body) of every route, the page and its files included.
ROUTES = [
    ("GET", "/", None),
    ("GET", "/docs", None),
    ("GET", "/openapi.json", None),
    ("GET", "/static/app.js", None),
    ("GET", "/static/vendor/leaflet/leaflet.js", None),
    ("GET", "/api/options", None),
    ("GET", "/api/borders", None),
    ("GET", "/api/territory/BLR", None),
    ("GET", "/api/sites", None),
    ("POST", "/api/validate", PLAN),
    ("POST", "/api/footprint", PLAN),
    ("POST", "/api/route", {"start": "UUMB", "targets": [{"lon": 28, "lat": 54}]}),
    ("POST", "/api/export/gpx", PLAN),
    ("POST", "/api/import", {"format": "csv", "text": "lon,lat\n"}),
    ("POST", "/api/targets/import", {"format": "csv", "text": "lon,lat\n"}),
    ("POST", "/api/compare", {"territory": "LTU", "candidates": ["EYSA"]}),
    ("GET", "/api/compare/abc", None),
    ("DELETE", "/api/compare/abc", None),
]


def test_token_is_random_url_safe_and_new_each_time():
    tokens = {make_token() for _ in range(50)}
    assert len(tokens) == 50
    for t in tokens:
        assert len(t) >= 43
        assert set(t) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_route_needs_the_token(anon, method, path, body):
    r = anon.request(method, path, json=body)
    assert r.status_code == 401
    item = r.json()["detail"][0]
    assert item["loc"] == ["query", "token"]
    assert "token" in item["fix"]
    assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic d3Jvbmc="},
        {"cookie": "openskies-token-1=wrong"},
    ],
)
def test_a_wrong_token_is_refused(anon, headers):
    assert anon.get("/api/options", headers=headers).status_code == 401


def test_a_token_prefix_is_not_enough(workbench, anon):
    assert anon.get(f"/api/options?token={workbench.token[:-1]}").status_code == 401
    assert anon.get(f"/api/options?token={workbench.token}x").status_code == 401


def test_the_token_works_in_query_header_and_cookie(workbench):
    name = f"openskies-token-{workbench.port}"
    for kwargs in (
        {"params": {"token": workbench.token}},
        {"headers": {"Authorization": f"Bearer {workbench.token}"}},
        {"headers": {"cookie": f"{name}={workbench.token}"}},
    ):
        with httpx.Client(base_url=workbench.base_url) as c:
            assert c.get("/api/options", **kwargs).status_code == 200, kwargs


def test_the_cookie_of_another_port_is_not_this_servers(workbench):
    other = f"openskies-token-{workbench.port + 1}"
    with httpx.Client(base_url=workbench.base_url) as c:
        r = c.get("/api/options", headers={"cookie": f"{other}={workbench.token}"})
        assert r.status_code == 401


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://evil.example",
        "null",
        "http://127.0.0.1:1",  # another port: another origin
        "http://localhost.evil.example",
        "file://",
    ],
)
def test_another_sites_origin_is_refused_even_with_the_token(client, origin):
    r = client.post("/api/validate", json=PLAN, headers={"Origin": origin})
    assert r.status_code == 403
    assert r.json()["detail"][0]["loc"] == ["header", "origin"]


def test_the_pages_own_origin_and_no_origin_are_accepted(workbench, client):
    assert client.post("/api/validate", json=PLAN).status_code == 200
    r = client.post("/api/validate", json=PLAN, headers={"Origin": workbench.base_url})
    assert r.status_code == 200


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_cross_site_fetch_is_refused(client, site):
    r = client.get("/api/options", headers={"Sec-Fetch-Site": site})
    assert r.status_code == 403
    assert r.json()["detail"][0]["loc"] == ["header", "sec-fetch-site"]


@pytest.mark.parametrize("site", ["same-origin", "none"])
def test_a_same_origin_fetch_is_accepted(client, site):
    assert client.get("/api/options", headers={"Sec-Fetch-Site": site}).status_code == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:8765", "127.0.0.1.nip.io", "", "[::1", "a:b:c"]
)
def test_a_foreign_host_is_refused_dns_rebinding(client, workbench, host):
    r = client.get(f"/?token={workbench.token}", headers={"Host": host})
    assert r.status_code == 403
    assert r.json()["detail"][0]["loc"] == ["header", "host"]


@pytest.mark.parametrize("name", ["127.0.0.1", "localhost", "LOCALHOST", "[::1]"])
def test_loopback_host_names_are_accepted(client, workbench, name):
    r = client.get("/api/options", headers={"Host": f"{name}:{workbench.port}"})
    assert r.status_code == 200


def _asgi_get(app, host: str, token: str) -> int:
    async def go() -> int:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as c:
            r = await c.get("/api/compare/x", headers={"Authorization": f"Bearer {token}"})
            return r.status_code

    # in a thread of its own: Playwright's sync API may hold an event loop in this one
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(go())).result()


def test_bound_to_all_interfaces_accepts_ip_literals_only():
    """Served on 0.0.0.0: an IP literal cannot be rebound, a DNS name can."""
    token = make_token()
    app = create_app(token=token, host="0.0.0.0", warm_up=False)
    assert _asgi_get(app, "192.0.2.7:8765", token) == 404  # past the guard: no such job
    assert _asgi_get(app, "[2001:db8::1]:8765", token) == 404
    assert _asgi_get(app, "evil.example:8765", token) == 403
    only_loopback = create_app(token=token, warm_up=False)
    assert _asgi_get(only_loopback, "192.0.2.7:8765", token) == 403


def test_an_empty_token_is_a_programming_error():
    with pytest.raises(ValueError, match="token"):
        create_app(token="", warm_up=False)


def test_a_body_over_the_cap_is_413(client):
    from openskies.serve.app import MAX_BODY_BYTES

    big = b'{"start": "UUMB", "waypoints": [' + b" " * (MAX_BODY_BYTES + 10) + b"]}"
    r = client.post("/api/validate", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["detail"][0]["loc"] == ["body"]


def test_a_chunked_body_over_the_cap_is_413(client):
    from openskies.serve.app import MAX_BODY_BYTES

    def chunks():
        yield b'{"start": "UUMB", "name": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    r = client.post("/api/validate", content=chunks(), headers={"content-type": "application/json"})
    assert "content-length" not in r.request.headers  # really chunked
    assert r.status_code == 413


def test_malformed_json_is_422_with_a_fix(client):
    r = client.post("/api/validate", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(("method", "path", "body"), [ROUTES[0], ROUTES[3], ROUTES[9]])
def test_security_headers_on_answers_and_refusals(client, anon, method, path, body):
    for c in (client, anon):
        r = c.request(method, path, json=body)
        h = r.headers
        assert h["content-security-policy"] == CSP
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"
        assert h["cache-control"] == "no-store"
        assert "server" not in h


def test_the_csp_allows_no_inline_script_and_no_other_origin():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert "unsafe" not in CSP
    assert "http" not in CSP
    assert "*" not in CSP


@pytest.mark.parametrize(
    "path",
    [
        "/static/%2e%2e/app.py",
        "/static/%2e%2e/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..%2f..%2fapp.py",
        "/static//etc/passwd",
    ],
)
def test_static_files_stay_inside_the_package(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "import" not in r.text
    assert "root:" not in r.text


def _serve_temp_dirs() -> set[str]:
    return {p for p in os.listdir(tempfile.gettempdir()) if p.startswith("openskies-serve-")}


def test_uploads_and_downloads_touch_no_path_of_the_client(client, tmp_path, monkeypatch):
    """A file name is shown, never used as a path; scratch files are gone after each answer."""
    before_cwd = sorted(os.listdir(Path.cwd()))
    before_tmp = _serve_temp_dirs()
    gpx = client.post("/api/export/gpx", json={**PLAN, "name": "../../../../tmp/evil"})
    assert gpx.status_code == 200
    assert "/" not in gpx.headers["content-disposition"].split("filename=")[1]
    for name in ("../../evil.gpx", "/etc/passwd", "..\\..\\x.gpx", "a\x00b.gpx"):
        r = client.post("/api/import", json={"format": "gpx", "text": gpx.text, "filename": name})
        assert r.status_code == 200, r.text
    assert not Path("/tmp/evil.gpx").exists()
    assert not (tmp_path.parent / "evil.gpx").exists()
    assert sorted(os.listdir(Path.cwd())) == before_cwd
    assert _serve_temp_dirs() == before_tmp


def test_no_endpoint_takes_a_path(client):
    """The API has no field that names a file or directory on the server."""
    doc = client.get("/openapi.json").json()
    for name, schema in doc["components"]["schemas"].items():
        for field, spec in (schema.get("properties") or {}).items():
            assert spec.get("format") != "path", (name, field)
            assert field not in ("path", "output", "directory", "config"), (name, field)
