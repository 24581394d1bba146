"""Hostile user text: shown literally in every output, never run as a template, markup or code.

Issue 12, item 1 (and the text parts of items 12 and 13). Every field a user can type (plan,
config and exercise names, target and site names, designated airfields' names, the exercise's
sources, a config's file name, report titles) is given text that each interpreter on the way
would act on:

- Jinja (folium / branca render templates): ``{{ 7*7 }}`` would show as ``49``, a
  ``cycler.__init__.__globals__.os.mkdir(...)`` expression would create a directory,
  ``{% raw %}`` / ``{#`` would fail the compile;
- rich markup on the console (``[/nope]`` raises MarkupError, ``[bold]`` styles);
- matplotlib mathtext (``$\\frac{$`` fails the drawing);
- HTML / JavaScript (``<script>``, ``onerror=``, ``${...}`` in a template literal);
- Markdown (raw HTML, links, images, ``|`` in a table row);
- spreadsheets reading CSV (``=...`` formulas).

Each report type (plan, coverage, study, ranking, exercise) is built once per module, through
the CLI where a command writes it; the tests check that the text appears as typed, that no
evaluated form (``TAG49``) appears anywhere, and that no payload created a file or directory
(cwd, output directory, temporary directory, an absolute path named in the payload).
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import yaml
from _pdftotext import PDFTOTEXT, pages_text
from typer.testing import CliRunner

from openskies import _ranking, coverage, data, report, study
from openskies import config as cfgmod
from openskies import io as osio
from openskies._text import csv_text, csv_untext, markdown_text
from openskies.cli import app
from openskies.cli.study import write_study_outputs
from openskies.flightplan import FlightPlan
from openskies.report import _leaflet as _html
from openskies.report import ranking as ranking_report

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

#: Evaluated by Jinja, this is "49": a field ``TAG{{ 7*7 }}`` would show as ``TAG49``.
EXPR = "{{ 7*7 }}"
#: Text each interpreter on the way would act on (or fail on).
BREAKERS = (
    "{% raw %} {# c {%- if x %} $\\frac{$ [/nope] [bold]b :smile: "
    "<script>alert(1)</script> <img src=x onerror=alert(2)> `c` ${alert(3)} "
    "[l](javascript:alert(4)) ![i](http://example.invalid/i.png) a|b &lt;"
)
#: Quote-free sandbox escape of the issue: creates ./Cycler in the current directory.
MKDIR_CWD = "m{{ cycler.__init__.__globals__.os.mkdir(cycler.__name__) }}"
#: Names of files and directories a payload would create.
PWNED_NAMES = ("Cycler", "pwned")


def hostile(tag: str) -> str:
    """A field value: ``TAG{{ 7*7 }}`` followed by every breaker."""
    return f"{tag}{EXPR} {BREAKERS}"


def hostile_file(tag: str) -> str:
    """:func:`hostile` as a file name (no ``/``)."""
    return hostile(tag).replace("/", "")


def mkdir_abs(path: Path) -> str:
    """A payload that would create ``path`` (absolute) when evaluated by Jinja."""
    return "a{{ cycler.__init__.__globals__.os.mkdir('" + str(path) + "') }}"


def designate(reg, code: str, party: str, lonlat: tuple[float, float], name: str, km: float):
    """``reg`` with a new (hypothetical) airfield ``code`` named ``name``."""
    lon, lat = lonlat
    return reg.designate(code, party=party, lon=lon, lat=lat, name=name, max_flight_distance_km=km)


def text_files(out: Path) -> dict[str, str]:
    """Every output file as text: UTF-8 files as they are, a PDF by pdftotext when installed.

    PNGs are checked by their exit status (no text in them to evaluate).
    """
    files = {}
    for p in sorted(out.rglob("*")):
        if not p.is_file() or p.suffix == ".png":
            continue
        if p.suffix == ".pdf":
            if PDFTOTEXT is not None:
                files[p.relative_to(out).as_posix()] = pages_text(p, 1)
            continue
        files[p.relative_to(out).as_posix()] = p.read_text(encoding="utf-8")
    return files


def assert_inert(out: Path, tags: list[str], *, workdir: Path, pwned: Path) -> dict[str, str]:
    """No evaluated template anywhere in ``out``; no payload created anything."""
    files = text_files(out)
    assert files, f"no output in {out}"
    for name, text in files.items():
        for tag in tags:
            assert f"{tag}49" not in text, f"{tag}{EXPR} was evaluated in {name}"
    assert not pwned.exists(), f"a payload created {pwned}"
    for where in (workdir, out, Path.cwd(), Path(tempfile.gettempdir()), REPO):
        made = [n for n in PWNED_NAMES if (where / n).exists()]
        assert made == [], f"a payload created {made} in {where}"
    return files


def plain(text: str) -> str:
    """Console text with rich's line wrapping undone."""
    return " ".join(text.split())


def markdown_checks(md: str, values: list[str]) -> None:
    """Each value is in the Markdown escaped, renders as text, and no row of a table breaks."""
    markdown_it = pytest.importorskip("markdown_it")
    for v in values:
        assert markdown_text(v) in md, v
    # tables: every row has as many unescaped cell separators as its header
    header_bars = None
    for line in md.splitlines():
        if not line.startswith("|"):
            header_bars = None
            continue
        bars = len(re.findall(r"(?<!\\)\|", line))
        if header_bars is None:
            header_bars = bars
        assert bars == header_bars, f"a table row breaks: {line!r}"
    rendered = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    assert "<script" not in rendered
    assert "<img" not in rendered
    assert re.findall(r"<a\s", rendered) == []  # no link (javascript: or any other)
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    for v in values:
        assert " ".join(v.split()) in " ".join(text.split()), v


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def assert_no_formula_cells(name: str, text: str) -> None:
    """No text cell of a CSV starts with a character a spreadsheet reads as a formula."""
    for row in csv_rows(text):
        for cell in row:
            if not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
                continue
            try:
                float(cell)
            except ValueError:
                pytest.fail(f"{name}: cell {cell!r} would run as a spreadsheet formula")


# --------------------------------------------------------------------------------------------
# plan: `openskies plan` with a hostile config and target file
# --------------------------------------------------------------------------------------------

PLAN_TAGS = ["PLANNAME", "TGTA", "TGTB"]


@pytest.fixture(scope="module")
def plan_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("plan")
    pwned = work / "pwned"
    names = {
        "TGTA": hostile("TGTA"),
        "TGTB": f"TGTB{EXPR}",
        "formula": '=HYPERLINK("http://example.invalid","x")',
        "mkdir_cwd": MKDIR_CWD,
        "mkdir_abs": mkdir_abs(pwned),
    }
    points = [(27.55, 53.9), (27.9, 53.7), (27.2, 53.6), (28.1, 54.0), (27.4, 54.1)]
    features = [
        {
            "type": "Feature",
            "properties": {"name": n, "value": 5, "kind": hostile("KIND")},
            "geometry": {"type": "Point", "coordinates": list(xy)},
        }
        for n, xy in zip(names.values(), points, strict=True)
    ]
    (work / "targets.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    cfg = {
        "plan": {
            "name": hostile("PLANNAME"),
            "start": "UMMS",
            "designate": [{"icao": "UMMS", "party": "BLR", "max_flight_distance_km": 1500}],
            "targets": "targets.geojson",
            "time_limit_s": 2,
        }
    }
    (work / "plan.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True))
    out = work / "out"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        res = runner.invoke(app, ["plan", "plan.yaml", "-o", "out"], env={"COLUMNS": "300"})
    return {"res": res, "out": out, "work": work, "pwned": pwned, "names": names}


def test_plan_command_accepts_hostile_names(plan_run) -> None:
    res = plan_run["res"]
    assert res.exit_code == 0, res.output
    # printed as typed: no MarkupError, no [bold] styling swallowed, no :smile: emoji
    assert plain(hostile("PLANNAME")) in plain(res.output)


def test_plan_outputs_show_text_literally(plan_run) -> None:
    out, names = plan_run["out"], plan_run["names"]
    files = assert_inert(out, PLAN_TAGS, workdir=plan_run["work"], pwned=plan_run["pwned"])
    assert set(files) >= {"report.html", "plan.geojson", "plan.kml", "plan.gpx", "plan.csv"}
    page = files["report.html"]
    for tag in PLAN_TAGS:
        assert f"{tag}{EXPR}" in page, tag
    assert "{% raw %}" in page
    assert "<script>alert(1)" not in page
    assert "<img src=x" not in page
    # every target was observed and is listed by its name, exactly
    assert json.loads(files["summary.json"])["observed"] == list(names.values())
    # GeoJSON, KML, GPX carry the plan and waypoint names as data, exactly
    gj = json.loads(files["plan.geojson"])
    assert gj["name"] == hostile("PLANNAME")
    waypoints = gj["openskies"]["names"]
    text_values = json.dumps(gj, ensure_ascii=False)
    assert json.dumps(names["TGTA"], ensure_ascii=False) in text_values
    for xml_name in ("plan.kml", "plan.gpx"):
        root = ET.fromstring(files[xml_name].encode())
        shown = {el.text for el in root.iter() if el.tag.endswith("}name")}
        assert hostile("PLANNAME") in shown, xml_name
        assert names["TGTA"] in shown, xml_name
        assert set(filter(None, waypoints)) <= shown, xml_name
    assert hostile("PLANNAME") in files["plan.txt"]


def test_plan_csv_neutralises_formulas_and_reads_back(plan_run) -> None:
    out, names = plan_run["out"], plan_run["names"]
    text = (out / "plan.csv").read_text(encoding="utf-8")
    assert_no_formula_cells("plan.csv", text)
    cells = {row[1] for row in csv_rows(text)[1:]}
    assert "'" + names["formula"] in cells
    assert names["TGTA"] in cells
    back = osio.read_plan(out / "plan.csv")
    original = osio.read_plan(out / "plan.geojson")
    assert [w.name for w in back.waypoints] == [w.name for w in original.waypoints]
    assert names["formula"] in [w.name for w in back.waypoints]


def test_plan_report_api_with_a_hostile_designation(tmp_path) -> None:
    """A designated airfield's name and every API text argument (plan, waypoint, title)."""
    pwned = tmp_path / "pwned"
    code = "ZZ<I>Q"  # a new designation's code is free text too
    reg = designate(data.regime(), code, "BLR", (27.6, 53.9), hostile("AIRFIELD"), 1500)
    plan = FlightPlan.from_waypoints(
        [(27.6, 53.9), (28.2, 53.5), (27.0, 53.3), (27.6, 53.9)],
        territory="BLR",
        start=code,
        regime=reg,
        name=hostile("APIPLAN"),
        names=["", hostile("WPT"), mkdir_abs(pwned), ""],
    )
    out = tmp_path / "out"
    out.mkdir()
    report.write_plan_report(plan, out / "plan.html", title=hostile("TITLE"))
    report.write_plan_report(plan, out / "plan_default_title.html")
    report.plan_png(plan, out / "plan.png", title=hostile("TITLE"))
    for fmt in osio.FORMATS:
        osio.write(plan, out / f"plan.{fmt}", format=fmt)
    tags = ["AIRFIELD", "APIPLAN", "WPT", "TITLE"]
    files = assert_inert(out, tags, workdir=tmp_path, pwned=pwned)
    for tag in tags:
        assert f"{tag}{EXPR}" in files["plan.html"], tag
    assert "APIPLAN{{ 7*7 }}" in files["plan_default_title.html"]
    assert (out / "plan.png").stat().st_size > 0
    assert "<I>" not in files["plan.html"]
    # KML viewers show <description> as HTML: the code is text there too
    kml = ET.fromstring(files["plan.kml"].encode())
    desc = next(el.text for el in kml.iter() if el.tag.endswith("}description"))
    assert "ZZ&lt;I&gt;Q -> ZZ&lt;I&gt;Q" in desc


# --------------------------------------------------------------------------------------------
# coverage report (Python API: the `coverage` command writes no report)
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_coverage_report_with_hostile_airfield_and_title(tmp_path) -> None:
    pwned = tmp_path / "pwned"
    name = hostile("COVAF") + mkdir_abs(pwned)
    reg = designate(data.regime(), "ZZQB", "RUS", (20.5, 54.7), name, 1500)
    flights = coverage.plan_full_coverage(
        "RUS-KGD", airfield="ZZQB", sensor="optical_high_pan", regime=reg
    )
    out = tmp_path / "out"
    out.mkdir()
    report.write_coverage_report(flights, out / "coverage.html", title=hostile("COVTITLE"))
    for k, plan in enumerate(flights):
        osio.write(plan, out / f"flight_{k}.geojson")
    files = assert_inert(out, ["COVAF", "COVTITLE"], workdir=tmp_path, pwned=pwned)
    page = files["coverage.html"]
    assert "COVAF{{ 7*7 }}" in page
    assert "COVTITLE{{ 7*7 }}" in page
    assert "{% raw %}" in page


# --------------------------------------------------------------------------------------------
# study: the `compare` writer on a small study with hostile site names and config name
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("study")
    pwned = work / "pwned"
    sites = gpd.GeoDataFrame(
        {
            "name": [hostile("SITE"), mkdir_abs(pwned), "=1+2"],
            "kind": [hostile("SITEKIND"), "x", "y"],
            "value": [3, 2, 1],
        },
        geometry=[shapely.Point(24.1, 56.9), shapely.Point(25.5, 56.5), shapely.Point(22.5, 57.0)],
        crs="EPSG:4326",
    )
    st = study.compare_entry_points(
        "LVA",
        ("EVRA",),
        budgets_km=[800.0],
        sensors=("optical_high_pan",),
        targets=sites,
        home_bases=("EPWA",),
        progress=False,
        reach_cell_km=25.0,
        time_limit_s=2.0,
    )
    # what `openskies compare` records: the config by its (user-chosen) file name
    st.provenance["config"] = cfgmod.display_name(work / f"{hostile_file('CFGFILE')}.yaml")
    out = work / "out"
    out.mkdir()
    write_study_outputs(st, out)
    _html.write_html(report.study_map(st, title=hostile("STUDYTITLE")), out / "titled.html")
    return {"study": st, "out": out, "work": work, "pwned": pwned}


@pytest.mark.slow
def test_study_outputs_show_text_literally(study_run) -> None:
    out = study_run["out"]
    tags = ["SITE", "SITEKIND", "CFGFILE", "STUDYTITLE"]
    files = assert_inert(out, tags, workdir=study_run["work"], pwned=study_run["pwned"])
    page = files["report.html"]
    for tag in ("SITE", "SITEKIND", "CFGFILE"):
        assert f"{tag}{EXPR}" in page, tag
    assert "STUDYTITLE{{ 7*7 }}" in files["titled.html"]
    assert "<script>alert(1)" not in page
    markdown_checks(files["metrics.md"], [f"{hostile_file('CFGFILE')}.yaml"])
    for name, text in files.items():
        if name.endswith(".csv"):
            assert_no_formula_cells(name, text)
        if name.endswith(".geojson"):
            assert json.loads(text)["name"] == Path(name).stem  # not GDAL's temp file name


# --------------------------------------------------------------------------------------------
# ranking: `openskies rank` with a hostile name, and the API with a hostile designation
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_rank_command_with_a_hostile_name(tmp_path, monkeypatch) -> None:
    pwned = tmp_path / "pwned"
    body = {
        "name": hostile("RANKNAME") + mkdir_abs(pwned),
        "territory": "BLR",
        "candidates": ["UMMS", "UMBB"],
        "grid_km": None,
        "reference": "UUMB",
        "highlight": ["UMMS"],
        "budgets_km": [5500],
        "sensors": ["optical_high_pan"],
        "reach_cell_km": 50,
    }
    cfg = tmp_path / f"{hostile_file('RANKFILE')}.yaml"
    cfg.write_text(yaml.safe_dump({"rank": body}, allow_unicode=True))
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(
        app,
        ["rank", cfg.name, "-o", "out", "--scheduler", "sync", "--no-progress"],
        env={"COLUMNS": "300"},
    )
    assert res.exit_code == 0, res.output
    out = tmp_path / "out"
    files = assert_inert(out, ["RANKNAME", "RANKFILE"], workdir=tmp_path, pwned=pwned)
    assert "RANKNAME{{ 7*7 }}" in files["ranking.html"]
    markdown_checks(files["ranking.md"], [hostile("RANKNAME")])
    summary = json.loads(files["summary.json"])
    assert summary["config_path"] == cfg.name
    assert summary["config"]["name"] == body["name"]


@pytest.mark.slow  # a ranking: the lanes of all of Belarus, three candidates evaluated
def test_ranking_api_with_a_hostile_designation(tmp_path) -> None:
    pwned = tmp_path / "pwned"
    name = hostile("RANKAF") + mkdir_abs(pwned)
    reg = designate(data.regime(), "ZZQC", "BLR", (27.0, 53.5), name, 5500)
    reg = designate(reg, "ZZQD", "BLR", (28.0, 53.0), '=HYPERLINK("http://x.invalid")', 5500)
    ranking = _ranking.rank_entry_points(
        "BLR",
        candidates=("UMMS", "ZZQC", "ZZQD"),
        grid_km=None,
        reference="UUMB",
        budgets_km=(5500.0,),
        sensors=("optical_high_pan",),
        reach_cell_km=50.0,
        executor="sync",
        regime=reg,
        progress=False,
    )
    out = tmp_path / "out"
    out.mkdir()
    ranking_report.write_ranking(ranking, out, highlight=("ZZQC",), title=hostile("RANKTITLE"))
    files = assert_inert(out, ["RANKAF", "RANKTITLE"], workdir=tmp_path, pwned=pwned)
    assert "RANKAF{{ 7*7 }}" in files["ranking.html"]
    assert "RANKTITLE{{ 7*7 }}" in files["ranking.html"]
    markdown_checks(files["ranking.md"], [hostile("RANKTITLE"), hostile("RANKAF")])
    assert_no_formula_cells("ranking.csv", files["ranking.csv"])
    names = {
        p["name"]
        for p in (f["properties"] for f in json.loads(files["ranking.geojson"])["features"])
    }
    assert name in names
    assert json.loads(files["ranking.geojson"])["name"] == "ranking"


# --------------------------------------------------------------------------------------------
# exercise: `openskies exercise` with hostile names and sources
# --------------------------------------------------------------------------------------------


def test_exercise_command_with_hostile_names(tmp_path, monkeypatch) -> None:
    pwned = tmp_path / "pwned"
    cfg = {
        "name": hostile("EXCFG") + mkdir_abs(pwned),
        "exercise": {
            "name": hostile("EXNAME"),
            "troops": 14000,
            "start": "2021-09-10",
            "end": "2021-09-16",
            "location": [27.5, 53.9],
            "radius_km": 30,
            "sources": [hostile("EXSRC"), MKDIR_CWD, "=1+2", "[ref]: javascript:alert(5)"],
        },
        "time_to_image": {"entry_points": ["UUMB", "UMMS"]},
    }
    path = tmp_path / "ex.yaml"
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True))
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["exercise", "ex.yaml", "-o", "out"], env={"COLUMNS": "300"})
    assert res.exit_code == 0, res.output
    out = tmp_path / "out"
    files = assert_inert(out, ["EXCFG", "EXNAME", "EXSRC"], workdir=tmp_path, pwned=pwned)
    assert "EXNAME{{ 7*7 }}" in files["exercise.html"]
    assert "{% raw %}" in files["exercise.html"]
    md = files["exercise_report.md"]
    markdown_checks(md, [hostile("EXNAME"), hostile("EXSRC"), "[ref]: javascript:alert(5)"])
    gj = json.loads(files["exercise.geojson"])
    assert hostile("EXNAME") in {f["properties"].get("exercise") for f in gj["features"]}
    for name, text in files.items():
        if name.endswith(".csv"):
            assert_no_formula_cells(name, text)


# --------------------------------------------------------------------------------------------
# the pieces: HTML machinery, PNG text, console, escaping functions
# --------------------------------------------------------------------------------------------


def test_map_elements_render_without_a_second_template_pass(tmp_path) -> None:
    """The root cause: every element openskies puts on a map keeps its rendered text."""
    m = _html.new_map(bounds=(26, 53, 29, 55), online_tiles=True)
    gdf = gpd.GeoDataFrame(
        {"name": [hostile("FEAT")]}, geometry=[shapely.Point(27.5, 53.9)], crs="EPSG:4326"
    )
    _html.add_geojson_layer(
        m, gdf, name=hostile("LAYER"), popup_fields=["name"], tooltip_fields=["name"],
        attribution=hostile("ATTR"),
    )  # fmt: skip
    _html.add_legend(m, [(hostile("LEGEND"), "#ff0000")], title=hostile("LEGTITLE"))
    _html.add_layer_control(m)
    page = _html.render_offline(m, title=hostile("PAGE"))
    for tag in ("FEAT", "LAYER", "ATTR", "LEGEND", "LEGTITLE", "PAGE"):
        assert f"{tag}{EXPR}" in page, tag
        assert f"{tag}49" not in page, tag
    assert page == _html.render_offline(m, title=hostile("PAGE"))  # no side effect
    unsafe = [
        type(el).__name__
        for el in _html._walk(m.get_root())
        if isinstance(el, _html.MacroElement) and not isinstance(el, _html._SafeMacroElement)
    ]
    assert unsafe == []


def test_folium_popup_and_tooltip_are_refused() -> None:
    import folium

    for make in (lambda: folium.Popup("x"), lambda: folium.Tooltip("x")):
        m = _html.new_map(bounds=(26, 53, 29, 55))
        marker = folium.CircleMarker([53.9, 27.5])
        marker.add_child(make())
        marker.add_to(m)
        with pytest.raises(_html.ValidationError, match="raw HTML"):
            _html.render_offline(m, title="x")


def test_png_text_is_never_mathtext_or_latex(tmp_path, monkeypatch) -> None:
    from matplotlib.figure import Figure
    from matplotlib.mathtext import MathTextParser

    def no_math(*args, **kwargs):
        raise AssertionError("user text went through mathtext")

    monkeypatch.setattr(MathTextParser, "parse", no_math)
    gdf = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:4326")
    path = _html.save_static_png(
        [(gdf, {"label": "$\\frac{$ legend"})], tmp_path / "m.png", title="$\\frac{$ $x^2$"
    )
    assert path.stat().st_size > 0
    fig = Figure()
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title("$x$")
    ax.set_xlabel("$y$")
    ax.plot([0, 1], label="$z$")
    ax.legend()
    _html.literal_text(fig)
    texts = [ax.title, ax.xaxis.label, *ax.get_legend().get_texts()]
    assert all(not t.get_usetex() for t in texts)
    assert all(not t.get_parse_math() for t in texts)


def test_cli_errors_print_user_text_literally(tmp_path) -> None:
    bad = tmp_path / "[/nope] [bold]x :smile:.geojson"
    res = runner.invoke(app, ["validate", str(bad)], env={"COLUMNS": "300"})
    assert res.exit_code == 2
    assert "[/nope] [bold]x :smile:.geojson" in plain(res.output)
    assert "MarkupError" not in res.output


def test_markdown_text_escapes_what_a_renderer_would_act_on() -> None:
    assert markdown_text("<b>x</b> & [l](u) a|b `c` $m$ \\") == (
        "&lt;b>x&lt;/b> &amp; \\[l](u) a\\|b \\`c\\` \\$m\\$ \\\\"
    )
    assert markdown_text("a\nb\r\nc\rd") == "a b c d"
    assert markdown_text("UUMB -> UMMS >= 5,500 km (optical_high_pan)") == (
        "UUMB -> UMMS >= 5,500 km (optical_high_pan)"
    )
    markdown_checks(f"| a | b |\n|---|---|\n| {markdown_text(hostile('MD'))} | 1 |\n", [])


@pytest.mark.parametrize(
    "value",
    ["=1+2", "+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx", "'", "''", "'=x", "''=x",
     "x", "", "'x", "-", "Zapad-2021"],
)  # fmt: skip
def test_csv_text_is_safe_and_reversible(value) -> None:
    cell = csv_text(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert csv_untext(cell) == value
    assert csv_text(-5.5) == -5.5  # numbers stay numbers


def test_yaml_sets_are_refused_with_the_key(tmp_path) -> None:
    cfg = tmp_path / "study.yaml"
    cfg.write_text("study:\n  territory: BLR\n  candidates: !!set {UUMB, UMMS}\n")
    out = tmp_path / "out"
    res = runner.invoke(app, ["compare", str(cfg), "-o", str(out)], env={"COLUMNS": "300"})
    assert res.exit_code == 2
    assert "study.candidates (line 3): a YAML set (!!set) has no order" in plain(res.output)
    assert "[UMMS, UUMB]" in res.output
    assert not out.exists()


def test_config_display_name_is_path_independent(tmp_path) -> None:
    bundled = cfgmod.bundled_config("belarus-entry-point.yaml")
    assert cfgmod.display_name(bundled) == "configs/belarus-entry-point.yaml"
    assert cfgmod.display_name(os.path.relpath(bundled)) == "configs/belarus-entry-point.yaml"
    copy = tmp_path / "sub" / "mine.yaml"
    copy.parent.mkdir()
    shutil.copy(bundled, copy)
    assert cfgmod.display_name(copy) == "mine.yaml"


# --------------------------------------------------------------------------------------------
# real browser
# --------------------------------------------------------------------------------------------

#: Opens every popup and tooltip of the first map and returns what the page shows.
SHOW_ALL_JS = """
(async function () {
    const map = window.openskiesMaps[0];
    const out = {popups: [], tooltips: [], pwned: window.__pwned || 0};
    const layers = [];
    map.eachLayer((l) => layers.push(l));
    for (const l of layers) {
        if (l.getPopup && l.getPopup() && (l.getLatLng || l.getBounds)) {
            l.openPopup();
            const el = l.getPopup().getElement();
            if (el) { out.popups.push(el.querySelector(".leaflet-popup-content").textContent); }
            l.closePopup();
        }
        if (l.getTooltip && l.getTooltip() && (l.getLatLng || l.getBounds)) {
            l.openTooltip();
            const el = l.getTooltip().getElement();
            if (el) { out.tooltips.push(el.textContent); }
            l.closeTooltip();
        }
    }
    out.scripts = document.querySelectorAll("script").length;
    out.imgX = document.querySelectorAll('img[src="x"]').length;
    out.text = document.body.innerText;
    out.pwned = window.__pwned || 0;
    return out;
})()
"""


@pytest.mark.browser
def test_browser_shows_hostile_plan_report_literally(plan_run, chromium, browser_artifacts_dir):
    assert plan_run["res"].exit_code == 0, plan_run["res"].output
    page = plan_run["out"] / "report.html"
    shot = browser_artifacts_dir / "hostile_text_plan_report.png"
    result = chromium.render(page, screenshot=shot, evaluate=SHOW_ALL_JS)
    probe = result.evaluated
    assert result.dialogs == []  # alert() never ran
    assert result.console_errors == []
    assert result.requests == []
    assert probe["pwned"] == 0
    assert probe["imgX"] == 0
    shown = " ".join(probe["popups"] + probe["tooltips"] + [probe["text"]])
    for value in (hostile("PLANNAME"), hostile("TGTA"), f"TGTB{EXPR}", hostile("KIND")):
        assert " ".join(value.split()) in " ".join(shown.split()), value
    for tag in PLAN_TAGS:
        assert f"{tag}49" not in shown
    assert any(hostile("TGTA") in t for t in probe["tooltips"])
    assert any(MKDIR_CWD in p for p in probe["popups"])


# --------------------------------------------------------------------------------------------
# determinism (item 12): identical inputs give byte-identical outputs
# --------------------------------------------------------------------------------------------


def _inputs(root: Path) -> Path:
    """A directory of small configs (and a target file) for plan, compare, rank, exercise."""
    cfgs = root / "configs in a dir [x]"
    cfgs.mkdir(parents=True)
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"site {k}", "value": k + 1},
            "geometry": {"type": "Point", "coordinates": list(xy)},
        }
        for k, xy in enumerate([(27.55, 53.9), (28.4, 53.2), (26.9, 54.3)])
    ]
    (cfgs / "targets.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features})
    )
    (cfgs / "plan.yaml").write_text(
        yaml.safe_dump({"plan": {"name": "det", "start": "UUMB", "targets": "targets.geojson"}})
    )
    (cfgs / "study.yaml").write_text(
        yaml.safe_dump(
            {
                "study": {
                    "territory": "LVA",
                    "candidates": ["EVRA"],
                    "budgets_km": [800],
                    "sensors": ["optical_high_pan"],
                    "home_bases": ["EPWA"],
                    "targets": "none",
                    "reach_cell_km": 25,
                }
            }
        )
    )
    (cfgs / "rank.yaml").write_text(
        yaml.safe_dump(
            {
                "rank": {
                    "name": "det",
                    "territory": "BLR",
                    "candidates": ["UMMS", "UMBB"],
                    "grid_km": None,
                    "reference": "UUMB",
                    "budgets_km": [5500],
                    "sensors": ["optical_high_pan"],
                    "reach_cell_km": 50,
                }
            }
        )
    )
    shutil.copy(REPO / "configs" / "zapad-2021.yaml", cfgs / "exercise.yaml")
    return cfgs


def _start_all(
    cfgs: Path, out_root: Path, *, cwd: Path, seed: str, relative: bool
) -> subprocess.Popen:
    """Start the four commands in a fresh interpreter with the given hash seed."""
    env = {**os.environ, "PYTHONHASHSEED": seed, "COLUMNS": "200"}

    def cfg(name: str) -> str:
        p = cfgs / name
        return os.path.relpath(p, cwd) if relative else str(p)

    commands = [
        ["plan", cfg("plan.yaml"), "-o", str(out_root / "plan")],
        ["compare", cfg("study.yaml"), "-o", str(out_root / "compare"), "--no-progress"],
        ["rank", cfg("rank.yaml"), "-o", str(out_root / "rank"), "--scheduler", "sync",
         "--no-progress"],
        ["exercise", cfg("exercise.yaml"), "-o", str(out_root / "exercise")],
    ]  # fmt: skip
    script = (
        "import sys\nfrom typer.testing import CliRunner\nfrom openskies.cli import app\n"
        "r = CliRunner()\n"
        f"for args in {commands!r}:\n"
        "    res = r.invoke(app, args)\n"
        "    if res.exit_code:\n"
        "        sys.exit(f'{args[0]}: exit {res.exit_code}: {res.output}')\n"
    )
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_identical_inputs_give_byte_identical_outputs(tmp_path) -> None:
    """Each command twice: another hash seed, another cwd, the config by another path."""
    cfgs = _inputs(tmp_path / "inputs")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(cfgs, target_is_directory=True)
    first = tmp_path / "run1"
    second = elsewhere / "deeper" / "run2"
    second.mkdir(parents=True)
    first.mkdir()
    runs = [
        _start_all(cfgs, first, cwd=tmp_path, seed="0", relative=False),
        _start_all(link, second, cwd=elsewhere, seed="4242", relative=True),
    ]
    for proc in runs:  # the two runs side by side: half the wall time on two cores
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-3000:]
    a = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    b = sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert a == b
    assert len(a) >= 20
    differ = [str(p) for p in a if (first / p).read_bytes() != (second / p).read_bytes()]
    assert differ == []
    # nothing of this machine's layout is recorded
    for p in a:
        blob = (first / p).read_bytes()
        for local in (str(tmp_path), str(REPO)):
            assert local.encode() not in blob, f"{p} records the path {local}"
    prov = json.loads((first / "compare" / "provenance.json").read_text())
    assert prov["config"]["territory"] == "LVA"
    assert "study.yaml" in (first / "compare" / "metrics.md").read_text()
    assert json.loads((first / "rank" / "summary.json").read_text())["config_path"] == "rank.yaml"


def test_csv_metadata_block_neutralises_a_formula_plan_name(tmp_path) -> None:
    """The plan name travels in the CSV header block: guarded there too, read back exactly."""
    name = '=HYPERLINK("http://x","y")'
    plan = FlightPlan.from_waypoints(
        [(28.03, 53.88), (28.2, 53.5), (27.0, 53.3), (28.03, 53.88)],
        territory="BLR",
        start="UMMS",
        end="UMMS",
        regime=data.regime().designate("UMMS", party="BLR", max_flight_distance_km=1500),
        name=name,
    )
    path = osio.write_csv(plan, tmp_path / "p.csv")
    text = path.read_text(encoding="utf-8")
    assert_no_formula_cells("p.csv", text)
    assert ["#", "name", "'" + name] in csv_rows(text)
    back = osio.read_plan(path)
    assert back.name == name
    assert back.validate() == plan.validate()
