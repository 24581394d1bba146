"""The page's assets: vendored from npm with pinned hashes and licences, nothing remote."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from openskies.serve.app import STATIC_DIR

REPO = Path(__file__).resolve().parents[2]
OWN = ["index.html", "docs.html", "app.js", "docs.js", "app.css", "docs.css"]


def test_vendored_files_match_their_pins():
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "vendor_js.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "match their pins" in done.stdout


def test_a_changed_vendored_file_is_caught(tmp_path):
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import vendor_js
    finally:
        sys.path.pop(0)
    import shutil

    copy = tmp_path / "vendor"
    shutil.copytree(STATIC_DIR / "vendor", copy)
    assert vendor_js.check(copy) == []
    (copy / "leaflet" / "leaflet.js").write_bytes(b"/* tampered */")
    (copy / "extra.js").write_text("")
    problems = vendor_js.check(copy)
    assert "leaflet/leaflet.js: sha256 differs from the pin" in problems
    assert "extra.js: not pinned (remove it or pin it)" in problems


@pytest.mark.parametrize(
    ("path", "licence"),
    [("leaflet/LICENSE", "BSD 2-Clause License"), ("geoman/LICENSE", "MIT License")],
)
def test_licences_ship_with_the_code(path, licence):
    assert (STATIC_DIR / "vendor" / path).read_text().startswith(licence)


@pytest.mark.parametrize("name", OWN)
def test_own_assets_reference_nothing_remote(name):
    text = (STATIC_DIR / name).read_text()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, re.I), name
    assert "innerHTML" not in text
    assert "insertAdjacentHTML" not in text
    assert "eval(" not in text
    assert "new Function" not in text


@pytest.mark.parametrize("name", ["index.html", "docs.html"])
def test_pages_load_only_existing_local_files_and_no_inline_script(name):
    html = (STATIC_DIR / name).read_text()
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert refs
    for ref in refs:
        if ref.startswith("data:"):
            continue
        assert ref.startswith("/"), ref
        if ref.startswith("/static/"):
            assert (STATIC_DIR / ref.removeprefix("/static/")).is_file(), ref
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline script
    assert " style=" not in html
    assert "onclick" not in html.lower()
