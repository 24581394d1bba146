"""pdftotext (Debian poppler-utils) for the PDF tests: page text, and the skip/fail rule.

Locally a missing pdftotext skips the tests marked ``needs_pdftotext``; under CI (``CI`` set to
a true value) they run and fail without it (.ci/run installs poppler-utils through
scripts/install-system-packages.sh).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

PDFTOTEXT = shutil.which("pdftotext")
_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None and not _CI,
    reason="pdftotext (Debian poppler-utils) is not installed: scripts/install-system-packages.sh",
)


def pdftotext() -> str:
    """The pdftotext executable; fails the test when it is missing (only reached under CI)."""
    if PDFTOTEXT is None:
        pytest.fail("pdftotext is not installed (CI is set: the PDF tests must run)")
    return PDFTOTEXT


def pages_text(path: str | os.PathLike[str], first: int, last: int | None = None) -> str:
    """Text of pages ``first`` to ``last`` (default: to the end) of a PDF, by pdftotext."""
    cmd = [pdftotext(), "-f", str(first)]
    if last is not None:
        cmd += ["-l", str(last)]
    return subprocess.run(
        [*cmd, str(Path(path)), "-"], capture_output=True, text=True, check=True
    ).stdout


def words(text: str) -> str:
    """Text with every run of white space one space (pdftotext breaks lines)."""
    return re.sub(r"\s+", " ", text).strip()
