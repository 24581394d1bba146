"""The print-ready PDF (openskies.report._pdf): the answer as text on page 1, deterministic."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from _report_tables import make_tables

from openskies.report import _answer as ans_mod
from openskies.report import _figures as figs
from openskies.report import _pdf as pdf_mod

SENSOR = "optical_high_pan"
PDFTOTEXT = shutil.which("pdftotext")
# Locally a missing pdftotext skips these tests; under CI (CI set) they run and fail without it
# (.ci/run installs poppler-utils through scripts/install-system-packages.sh)
_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes", "on"}
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None and not _CI,
    reason="pdftotext (Debian poppler-utils) is not installed: scripts/install-system-packages.sh",
)


def _pdftotext() -> str:
    if PDFTOTEXT is None:
        pytest.fail("pdftotext is not installed (CI is set: the PDF tests must run)")
    return PDFTOTEXT


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    m, b, s = make_tables()
    ans = ans_mod.answer(m, b, s, territory_name="Belarus")
    data = pdf_mod.report_pdf(
        ans,
        title="Is Belarus easier to inspect from Minsk?",
        subtitle="configs/study.yaml (bundled)",
        key_figure=lambda f: figs.flights_figure(m, sensor=SENSOR, break_even=b, fig=f),
        figures=[
            lambda f: figs.share_figure(m, sensor=SENSOR, break_even=b, fig=f),
            lambda f: figs.ferry_figure(m, fig=f),
            lambda f: figs.sensitivity_figure(s, fig=f),
        ],
        tables=[("Sensitivity", s)],
    )
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    path.write_bytes(data)
    return ans, data, path


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.slow
@needs_pdftotext
def test_page_one_holds_the_answer(report):
    ans, _data, path = report
    page1 = subprocess.run(
        [_pdftotext(), "-f", "1", "-l", "1", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    words = _words(page1)
    for s in ans:
        assert _words(s.text) in words, s.text
    assert "Is Belarus easier to inspect from Minsk?" in words
    # and the rest of the document is there too, after page 1
    rest = subprocess.run(
        [_pdftotext(), "-f", "2", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Sensitivity" in rest
    assert _words(ans[0].text) not in _words(rest)


@pytest.mark.slow
def test_pdf_is_small_and_has_no_date_or_path(report):
    _ans, data, _path = report
    assert data.startswith(b"%PDF-")
    assert len(data) < 400_000
    assert b"/CreationDate" not in data
    assert b"/ModDate" not in data
    assert b"/Producer" not in data
    assert not re.search(rb"(/work/|/tmp/|/home/|/root/)", data)


@pytest.mark.slow
def test_pdf_is_deterministic():
    ans = [ans_mod.Sentence("helps", "Minsk {{x}} <script> $x$ helps.", "fig-flights")]
    m, b, _s = make_tables(sensors=(SENSOR,), months=(None,))

    def build():
        return pdf_mod.report_pdf(
            ans,
            title="t $x$",
            key_figure=lambda f: figs.ferry_figure(m, fig=f),
            tables=[("Break-even", b)],
        )

    assert build() == build()


@needs_pdftotext
def test_pdf_text_is_literal(tmp_path):
    text = "Minsk {{7*7}} <script>alert(1)</script> $x$ helps."
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf_mod.report_pdf([text], title="$a$ title"))
    out = subprocess.run([_pdftotext(), str(path), "-"], capture_output=True, text=True, check=True)
    assert text in _words(out.stdout)
    assert "$a$ title" in out.stdout


def test_pdf_needs_an_answer():
    with pytest.raises(ValueError, match="answer"):
        pdf_mod.report_pdf([], title="t")
