"""The print-ready PDF (openskies.report._pdf): the answer as text on page 1, deterministic."""

from __future__ import annotations

import re

import pytest
from _pdftotext import needs_pdftotext, pages_text
from _pdftotext import words as _words
from _report_tables import make_tables

from openskies.report import _answer as ans_mod
from openskies.report import _figures as figs
from openskies.report import _pdf as pdf_mod

SENSOR = "optical_high_pan"


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


@pytest.mark.slow
@needs_pdftotext
def test_page_one_holds_the_answer(report):
    ans, _data, path = report
    words = _words(pages_text(path, 1, 1))
    for s in ans:
        assert _words(s.text) in words, s.text
    assert "Is Belarus easier to inspect from Minsk?" in words
    # and the rest of the document is there too, after page 1
    rest = pages_text(path, 2)
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
    out = pages_text(path, 1)
    assert text in _words(out)
    assert "$a$ title" in out


def test_pdf_needs_an_answer():
    with pytest.raises(ValueError, match="answer"):
        pdf_mod.report_pdf([], title="t")
