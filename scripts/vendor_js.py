"""Regenerate (or check) the JavaScript vendored into ``openskies/serve/static/vendor/``.

The workbench page (``openskies serve``) runs offline: Leaflet and the Leaflet-Geoman
editing plug-in are shipped inside the package, with their licences. This script is the
only way they get there:

    python scripts/vendor_js.py           # npm pack the pinned versions, verify, extract
    python scripts/vendor_js.py --check   # offline: the committed files match the pins

Each package is fetched from the npm registry with the ordinary client (``npm pack``) at a
pinned version; the tarball must have the pinned npm integrity (sha512), and every file
taken from it must have the pinned sha256. Files are written atomically; the vendor
folder is replaced as a whole only when every file verified.

To move to a new version: change ``version`` and ``integrity`` (``npm view PKG@VER
dist.integrity``), run with ``--update-pins`` to print the new sha256 lines after
reading the changelog of the package, paste them, and run the browser tests.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
VENDOR = REPO / "openskies" / "serve" / "static" / "vendor"

#: Pinned packages: npm name -> version, tarball integrity, licence and the files taken
#: (path in the tarball -> path under ``vendor/``).
PACKAGES: dict[str, dict] = {
    "leaflet": {
        "version": "1.9.4",
        "integrity": (
            "sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA=="
        ),
        "licence": "BSD-2-Clause",
        "files": {
            "package/dist/leaflet.js": "leaflet/leaflet.js",
            "package/dist/leaflet.css": "leaflet/leaflet.css",
            "package/dist/images/layers.png": "leaflet/images/layers.png",
            "package/dist/images/layers-2x.png": "leaflet/images/layers-2x.png",
            "package/dist/images/marker-icon.png": "leaflet/images/marker-icon.png",
            "package/dist/images/marker-icon-2x.png": "leaflet/images/marker-icon-2x.png",
            "package/dist/images/marker-shadow.png": "leaflet/images/marker-shadow.png",
            "package/LICENSE": "leaflet/LICENSE",
        },
    },
    "@geoman-io/leaflet-geoman-free": {
        "version": "2.20.2",
        "integrity": (
            "sha512-KQpSe0VKyuVCudq/08rMjJW1vvIwFldTwBny2wZ7ABcyyUAP7/eoFo967hCu9yRqAAHb4QOxC6gY5dGqttY68g=="
        ),
        "licence": "MIT",
        "files": {
            "package/dist/leaflet-geoman.min.js": "geoman/leaflet-geoman.min.js",
            "package/dist/leaflet-geoman.css": "geoman/leaflet-geoman.css",
            "package/LICENSE": "geoman/LICENSE",
        },
    },
}

#: sha256 of every vendored file (path under ``vendor/``).
SHA256: dict[str, str] = {
    "leaflet/leaflet.js": "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a",
    "leaflet/leaflet.css": "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6",
    "leaflet/images/layers.png": "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6",
    "leaflet/images/layers-2x.png": (
        "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf"
    ),
    "leaflet/images/marker-icon.png": (
        "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437"
    ),
    "leaflet/images/marker-icon-2x.png": (
        "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528"
    ),
    "leaflet/images/marker-shadow.png": (
        "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da"
    ),
    "leaflet/LICENSE": "53e8dc25862014e4324741ca18fbe3611e11d42ef69f59f86ea8c5389647d4cb",
    "geoman/leaflet-geoman.min.js": (
        "20d0ba38069526be959287b8ae13234f660f92db28de86782ebcad028dda9ed3"
    ),
    "geoman/leaflet-geoman.css": (
        "a0df8e0f6301f9f71d772b2c61913bb9094ae0735fd2223ccd1aecd871ea250c"
    ),
    "geoman/LICENSE": "b8f81bc43788014a8be76982feb763d554b5b5218a1797fe4bedffd4df22e067",
}

MANIFEST = "MANIFEST.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest() -> bytes:
    doc = {
        "generated_by": "scripts/vendor_js.py",
        "packages": {
            name: {"version": p["version"], "integrity": p["integrity"], "licence": p["licence"]}
            for name, p in PACKAGES.items()
        },
        "files": SHA256,
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def check(vendor: Path = VENDOR) -> list[str]:
    """Problems with the committed vendor folder (empty: it matches the pins)."""
    problems = []
    for rel, digest in sorted(SHA256.items()):
        path = vendor / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
        elif _sha256(path.read_bytes()) != digest:
            problems.append(f"{rel}: sha256 differs from the pin")
    expected = {*SHA256, MANIFEST}
    extra = sorted(
        str(p.relative_to(vendor))
        for p in vendor.rglob("*")
        if p.is_file() and str(p.relative_to(vendor)) not in expected
    )
    problems += [f"{rel}: not pinned (remove it or pin it)" for rel in extra]
    man = vendor / MANIFEST
    if not man.is_file() or man.read_bytes() != _manifest():
        problems.append(f"{MANIFEST}: missing or out of date")
    return problems


def _npm_pack(name: str, version: str, dest: Path) -> Path:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is not installed: apt-get install npm (it talks to the npm registry)")
    done = subprocess.run(
        [npm, "pack", f"{name}@{version}", "--json", "--pack-destination", str(dest)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"npm pack {name}@{version} failed:\n{done.stderr}")
    info = json.loads(done.stdout)[0]
    return dest / info["filename"]


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def regenerate(*, update_pins: bool = False) -> None:
    """Fetch, verify and write every pinned file; replace the vendor folder as a whole."""
    with tempfile.TemporaryDirectory(prefix="openskies-vendor-") as tmp:
        tmp_path = Path(tmp)
        staged = tmp_path / "vendor"
        new_pins: dict[str, str] = {}
        for name, spec in PACKAGES.items():
            tarball = _npm_pack(name, spec["version"], tmp_path)
            raw = tarball.read_bytes()
            if _integrity(raw) != spec["integrity"]:
                sys.exit(f"{name}@{spec['version']}: tarball integrity differs from the pin")
            with tarfile.open(tarball, "r:gz") as tar:
                for member, rel in spec["files"].items():
                    fh = tar.extractfile(member)
                    if fh is None:
                        sys.exit(f"{name}: {member} is not a file in the tarball")
                    data = fh.read()
                    new_pins[rel] = _sha256(data)
                    if not update_pins and new_pins[rel] != SHA256.get(rel):
                        sys.exit(f"{rel}: sha256 {new_pins[rel]} differs from the pin")
                    out = staged / rel
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(data)
        if update_pins:
            for rel, digest in sorted(new_pins.items()):
                print(f'    "{rel}": "{digest}",')
            return
        (staged / MANIFEST).write_bytes(_manifest())
        old = VENDOR.with_name("vendor.old")
        if VENDOR.exists():
            VENDOR.rename(old)
        shutil.move(str(staged), VENDOR)
        if old.exists():
            shutil.rmtree(old)
    print(f"vendored {len(SHA256)} files into {VENDOR.relative_to(REPO)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="verify the committed files only")
    parser.add_argument(
        "--update-pins", action="store_true", help="print sha256 pins of a new version"
    )
    args = parser.parse_args()
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            sys.exit(1)
        print(f"{len(SHA256)} vendored files match their pins")
        return
    regenerate(update_pins=args.update_pins)


if __name__ == "__main__":
    main()
