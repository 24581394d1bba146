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
