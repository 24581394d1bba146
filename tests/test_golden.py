"""Golden outputs: every product's files are byte-identical to those recorded in tests/golden/.

Each case of ``tests/golden/cases.json`` runs the ``openskies`` command in a fresh process (as a
user would) and compares the files it keeps, byte for byte, with ``tests/golden/<case>/``. The
outputs change only on purpose: ``scripts/regen_goldens.py`` records them again, in a commit of
its own that says why (``tests/golden/README.md``).
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GOLDEN = REPO / "tests" / "golden"
CASES: dict[str, dict] = json.loads((GOLDEN / "cases.json").read_text(encoding="utf-8"))["cases"]


def _first_difference(expected: bytes, got: bytes, name: str) -> str:
    """Where two outputs part: a unified diff of text files, the first differing byte else."""
    try:
        a, b = expected.decode("utf-8"), got.decode("utf-8")
    except UnicodeDecodeError:
        k = next(
            (i for i, (x, y) in enumerate(zip(expected, got, strict=False)) if x != y),
            min(len(expected), len(got)),
        )
        sizes = f"{len(expected)} bytes recorded, {len(got)} now"
        return f"{name}: first differing byte at {k} ({sizes})"
    diff = difflib.unified_diff(a.splitlines(), b.splitlines(), "recorded", "now", n=1, lineterm="")
    lines = [line[:200] for line in diff]
    return f"{name}:\n" + "\n".join(lines[:40])


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_outputs_are_byte_identical(name: str, golden_output) -> None:
    case = CASES[name]
    out = golden_output(name)  # the case's command in a fresh process (tests/conftest.py)
    recorded = GOLDEN / name
    kept = sorted(p.name for p in recorded.iterdir())
    if case["files"] == "all":
        written = sorted(p.name for p in out.iterdir() if p.is_file())
        assert written == kept, "the command writes other files than recorded: regenerate"
    else:
        assert kept == sorted(case["files"])
    problems = []
    for f in kept:
        expected, got = (recorded / f).read_bytes(), (out / f).read_bytes()
        if expected != got:
            problems.append(_first_difference(expected, got, f))
    env = (GOLDEN / "ENVIRONMENT.txt").read_text(encoding="utf-8")
    assert not problems, (
        f"{name}: outputs differ from tests/golden/{name} (recorded with:\n{env}); if the change "
        "is on purpose, run scripts/regen_goldens.py and commit the goldens on their own:\n"
        + "\n".join(problems)
    )
