"""The ``openskies compare`` command (CliRunner): bad configs refused, a small study end to end."""

from __future__ import annotations

import calendar
import json

import pytest
from _pdftotext import PDFTOTEXT, needs_pdftotext, pages_text, words
from typer.testing import CliRunner

from openskies.cli import app

runner = CliRunner()


BAD_CONFIGS = {
    "unknown key": "study:\n  territory: BLR\n  colour: red\n",
    "negative budget": "study:\n  territory: BLR\n  budgets_km: [5500, -1]\n",
    "unknown sensor": "study:\n  sensors: [optical_high_pan, lidar]\n",
    "territory typo": "study:\n  territory: BLRR\n",
    "malformed yaml": "study:\n  territory: [BLR\n",
    "unknown icao": "study:\n  candidates: [UUMB, UMMX]\n",
    "unknown scenario": "study:\n  scenarios: [status_quo, moon_base]\n",
    "scenario typo": "study:\n  scenarios: al\n",
    "sensitivity text": "study:\n  sensitivity: 'yes'\n",
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_compare_rejects_unusable_configs(tmp_path, case) -> None:
    cfg = tmp_path / "study.yaml"
    cfg.write_text(BAD_CONFIGS[case])
    out = tmp_path / "out"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out), "--no-progress"])
    assert r.exit_code == 2, r.output
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [cfg]  # no partial directory either
    text = " ".join(r.output.split())
    expect = {
        "unknown key": "study.colour (line 3): unknown key",
        "negative budget": "study.budgets_km",
        "unknown sensor": "lidar",
        "territory typo": "BLRR",
        "malformed yaml": "not valid YAML (line",
        "unknown icao": "UMMX",
        "unknown scenario": (
            "study.scenarios.1 (line 2): Input should be 'status_quo', 'poe_only', "
            "'added_osa', 'replacement' or 'single_state'; got 'moon_base'"
        ),
        "scenario typo": "study.scenarios (line 2)",
        "sensitivity text": "study.sensitivity (line 2): Input should be a valid boolean",
    }[case]
    assert expect in text


@pytest.mark.slow
def test_compare_cli_small_end_to_end(tmp_path) -> None:
    cfg = tmp_path / "small.yaml"
    cfg.write_text(
        "study:\n  territory: BLR\n  candidates: [UUMB, UMMS]\n  budgets_km: [5500]\n"
        "  sensors: [optical_high_pan]\n  targets: none\n  reach_cell_km: 25\n"
    )
    out = tmp_path / "out"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out), "--no-progress"])
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {
        "report.html",
        "metrics.csv",
        "metrics.md",
        "provenance.json",
        "routes.geojson",
        "reach.geojson",
    } <= names
    prov = json.loads((out / "provenance.json").read_text())
    assert set(prov["data_sha256"]) >= {"countries.gpkg", "airfields.csv"}
    assert len(prov["config_sha256"]) == 64
    # identical configs give identical metrics
    out2 = tmp_path / "out2"
    r = runner.invoke(app, ["compare", str(cfg), "-o", str(out2), "--no-progress"])
    assert r.exit_code == 0
    assert (out / "metrics.csv").read_text() == (out2 / "metrics.csv").read_text()
    assert (out / "report.html").read_bytes() == (out2 / "report.html").read_bytes()


# --------------------------------------------------------------------------- the documents


#: The key figures of a study of the five legal options, each written as PNG and SVG.
KEY_FIGURES = ("flights", "share", "quota-years", "ferry", "maps", "sensitivity")


def _answer_sentences(html: str) -> list[str]:
    """The answer's sentences as the page shows them (the evidence link dropped)."""
    import html as htmllib
    import re

    section = html[html.index('<section class="os-section" id="answer">') :]
    section = section[: section.index("</section>")]
    paras = re.findall(r'<p data-claim="[^"]+">(.*?)</p>', section, flags=re.S)
    return [htmllib.unescape(re.sub(r"\s*<a [^>]*>.*?</a>", "", p)).strip() for p in paras]


@pytest.mark.slow
def test_compare_writes_the_report_pdf_figures_and_tables(study_reduced_output) -> None:
    import xml.etree.ElementTree as ET

    import pandas as pd

    from openskies import _files

    out, _cfg = study_reduced_output
    for name in ("report.html", "report.pdf", "metrics.csv", "metrics.md", "break_even.csv"):
        assert (out / name).is_file(), name
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF-")
    for key in KEY_FIGURES:
        png = (out / "figures" / f"{key}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), key
        root = ET.fromstring((out / "figures" / f"{key}.svg").read_bytes())
        assert root.tag.endswith("svg"), key
    # the marker lists the figures too: the directory is one output, replaced whole
    marker = _files.read_marker(out)
    assert {f"figures/{k}.{x}" for k in KEY_FIGURES for x in ("png", "svg")} <= set(marker["files"])
    size = (out / "report.html").stat().st_size
    assert size <= 5_000_000, f"report.html is {size:,} bytes"
    # the answer's numbers are the tables' (read here from the CSVs)
    sentences = _answer_sentences((out / "report.html").read_text())
    assert 2 <= len(sentences) <= 4
    m = pd.read_csv(out / "metrics.csv")
    year = m[m["month"].isna()] if "month" in m.columns else m
    sq = year[(year.scenario == "status_quo") & (year.metric == "flights_100pct")]
    assert f"against {sq['value'].iloc[0]:.0f} " in sentences[0]
    be = pd.read_csv(out / "break_even.csv")
    rep = be[(be.scenario == "replacement") & (be.metric == "flights_100pct")].iloc[0]
    assert f"{rep.break_even_km:,.0f} km" in sentences[1]
    assert "Minsk" in sentences[1]
    text = " ".join(sentences)
    months = sorted({int(v) for v in m["month"].dropna()}) if "month" in m.columns else []
    if months:  # the season sentence names the months the study has
        assert any(calendar.month_name[k] in text for k in months), text
    else:
        assert "year as a whole" in text


@pytest.mark.slow
@needs_pdftotext
def test_the_pdf_opens_with_the_answer(study_reduced_output) -> None:
    out, _cfg = study_reduced_output
    sentences = _answer_sentences((out / "report.html").read_text())
    page1 = words(pages_text(out / "report.pdf", 1, 1))
    for s in sentences:
        assert words(s) in page1, s
    assert "Is Belarus easier to inspect from Minsk than from Kubinka?" in page1
    rest = words(pages_text(out / "report.pdf", 2))
    assert "Assumptions and their sources" in rest


@pytest.mark.slow
def test_no_path_of_the_machine_in_any_output(study_reduced_output) -> None:
    from pathlib import Path

    import openskies

    out, cfg = study_reduced_output
    needles = {
        str(out),
        str(out.resolve()),
        str(out.parent),
        str(cfg),
        str(cfg.parent),
        str(cfg.relative_to(Path(openskies.__file__).resolve().parent.parent)),  # as given
        str(Path(openskies.__file__).resolve().parent),
        str(Path(openskies.__file__).resolve().parent.parent),
    }
    needles = {n.encode() for n in needles}
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "report.pdf" for p in files)
    for p in files:
        data = p.read_bytes()
        for n in needles:
            assert n not in data, f"{p.relative_to(out)} holds the path {n.decode()}"
    if PDFTOTEXT is not None:  # the PDF's streams are compressed: read its text too
        text = pages_text(out / "report.pdf", 1).encode()
        for n in needles:
            assert n not in text, f"report.pdf shows the path {n.decode()}"
    # the config is named by the name it was given, not by its path
    assert b"config: study-reduced.yaml" in (out / "metrics.md").read_bytes()
