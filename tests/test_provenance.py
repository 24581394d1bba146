"""Every bundled data file has a provenance row whose checksum matches the file."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from openskies import _geodata

README = Path(_geodata.geodata_dir()) / "README.md"


def test_every_geodata_file_has_a_row_with_its_checksum() -> None:
    text = README.read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([^`]+)` \|.*$", text, re.M)}
    files = [p for p in _geodata.geodata_dir().iterdir() if p.is_file() and p.name != "README.md"]
    assert files
    for p in files:
        assert p.name in rows, f"{p.name} has no row in geodata/README.md"
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        assert digest in rows[p.name], f"checksum of {p.name} in geodata/README.md is stale"
        for field in ("licen", "python ", "hand-kept"):
            if field in rows[p.name].lower():
                break
        else:
            raise AssertionError(f"{p.name}: row names no licence or regenerate command")


def test_params_hash_ignores_the_last_bits_of_derived_floats() -> None:
    """The same parameters hash alike on every CPU; a changed input changes the hash.

    The sun's noon elevation (a derived parameter of the study) comes from numpy's vectorised
    trigonometry, whose last bits differ between CPUs: a few ulps must not move the hash.
    """
    import json
    import math

    elev = 13.15606839503987
    params = {"seed": 0, "budgets_km": [5500.0, 2500.0], "daylight": {"1": {"noon_deg": elev}}}
    two_ulps = math.nextafter(math.nextafter(elev, 99.0), 99.0)
    jitter = {**params, "daylight": {"1": {"noon_deg": two_ulps}}}
    assert _geodata.params_sha256(jitter) == _geodata.params_sha256(params)
    # the hash is SHA-256 of the sorted JSON with every float written to 12 significant digits
    text = (
        '{"budgets_km": [5500.0, 2500.0], "daylight": {"1": {"noon_deg": 13.156068395}}, "seed": 0}'
    )
    assert _geodata.params_sha256(params) == hashlib.sha256(text.encode()).hexdigest()
    assert json.loads(text)["daylight"]["1"]["noon_deg"] == float(f"{elev:.12g}")
    # inputs as typed keep their identity: a budget 1 m longer is another computation
    other = {**params, "budgets_km": [5500.001, 2500.0]}
    assert _geodata.params_sha256(other) != _geodata.params_sha256(params)
