"""The ``openskies plan``, ``validate`` and ``export`` commands (typer CliRunner)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from openskies import refuel
from openskies.cli import app

FIXTURES = Path(__file__).parent.parent / "fixtures"
runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "160"})


def test_validate_legal_plan_exits_0() -> None:
    res = _run("validate", FIXTURES / "kubinka_belarus.geojson")
    assert res.exit_code == 0, res.output
    assert "LEGAL" in res.output
    assert "UUMB -> UUMB over BLR+RUS" in res.output


def test_validate_illegal_plan_prints_table_and_exits_1() -> None:
    res = _run("validate", FIXTURES / "kubinka_ukraine.csv")
    assert res.exit_code == 1, res.output
    assert "outside_territory" in res.output
    assert "Art. II para 8" in res.output
    assert "ILLEGAL: 2 violation(s)" in res.output


def test_validate_designate_adds_a_hypothetical_osa() -> None:
    res = _run("validate", FIXTURES / "minsk_start.csv")
    assert res.exit_code == 1
    assert "start_osa" in res.output
    assert "--designate UMMS=KM" in res.output
    res = _run("validate", FIXTURES / "minsk_start.csv", "--designate", "UMMS=5500")
    assert res.exit_code == 0, res.output
    assert "hypothetical" in res.output
    assert "5,500.0 km" in res.output


def test_validate_options_territory_from_to() -> None:
    res = _run("validate", FIXTURES / "kubinka_belarus.geojson", "--territory", "BLR")
    assert res.exit_code == 1  # the legs over Russia are outside the observed territory
    assert "outside_territory" in res.output
    res = _run("validate", FIXTURES / "kubinka_belarus.geojson", "--from", "ZZZZ")
    assert res.exit_code == 2
    assert "unknown ICAO code 'ZZZZ'" in res.output


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("empty.geojson", "is empty"),
        ("one_point.csv", "has 1 waypoint"),
        ("nan.csv", "NaN"),
        ("lat_over_90.csv", "latitude 95.0 is outside"),
        ("unknown_icao.geojson", "unknown ICAO code 'ZZZZ'"),
        ("polygon.geojson", "geometry type Polygon"),
        ("truncated.geojson", "not valid JSON"),
        ("does_not_exist.gpx", "does not exist"),
    ],
)
def test_unusable_plan_files_exit_2_and_write_nothing(name, expected, tmp_path) -> None:
    res = _run("validate", FIXTURES / name)
    assert res.exit_code == 2, res.output
    assert expected in res.output
    assert name in res.output or "does not exist" in res.output
    out = tmp_path / "out.geojson"
    res = _run("export", FIXTURES / name, "--format", "geojson", "-o", out)
    assert res.exit_code == 2, res.output
    assert expected in res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["geojson", "kml", "gpx", "csv", "txt"])
def test_export_each_format(fmt, tmp_path) -> None:
    out = tmp_path / f"plan.{fmt}"
    res = _run("export", FIXTURES / "kubinka_belarus.geojson", "--format", fmt, "-o", out)
    assert res.exit_code == 0, res.output
    assert out.is_file()
    text = out.read_text(encoding="utf-8")
    if fmt == "geojson":
        assert json.loads(text)["openskies"]["start"] == "UUMB"
    elif fmt in ("kml", "gpx"):
        assert "MINSK" in {el.text for el in ET.fromstring(text.encode()).iter()}
    elif fmt == "csv":
        # the metadata block (#,key,value rows) comes first, then the waypoint table
        table = [ln for ln in text.splitlines() if not ln.startswith("#")]
        assert table[0].startswith("index,name,lon,lat")
        assert "#,start,UUMB" in text.splitlines()
        assert "N53-54-00 E027-30-00" in text
    else:
        assert "ICAO route (Item 15)" in text
        assert "LEGAL" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_export_bad_options_exit_2(tmp_path) -> None:
    res = _run(
        "export", FIXTURES / "kubinka_belarus.geojson", "--format", "shp", "-o", tmp_path / "x.shp"
    )
    assert res.exit_code == 2
    assert "choose one of" in res.output
    res = _run(
        "export",
        FIXTURES / "kubinka_belarus.geojson",
        "--format",
        "csv",
        "-o",
        tmp_path / "missing" / "x.csv",
    )
    assert res.exit_code == 2
    assert "does not exist" in res.output
    res = _run("validate", FIXTURES / "minsk_start.csv", "--designate", "UMMS")
    assert res.exit_code == 2
    assert "ICAO=KM" in res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_plan_cli_writes_every_output(tmp_path) -> None:
    from typer.testing import CliRunner

    from openskies import config, flightplan
    from openskies.cli import app

    cfg = config.bundled_config("plan-belarus-minsk.yaml")
    out = tmp_path / "plan-out"
    r = CliRunner().invoke(app, ["plan", str(cfg), "-o", str(out)])
    assert r.exit_code == 0, r.output
    names = {p.name for p in out.iterdir()}
    assert {
        "plan.geojson",
        "plan.kml",
        "plan.gpx",
        "plan.csv",
        "plan.txt",
        "report.html",
        "summary.json",
        "map.png",
        "routes.geojson",
    } <= names
    back = flightplan.read(out / "plan.geojson")
    assert back.validate() == []
    assert back.regime.airfield("UMMS").hypothetical
    # the An-30B's usable range is shorter than the route: a refuelling stop at Minsk
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["feasible"] is True
    assert [s["airfield"] for s in summary["refuel"]["stops"]] == ["UMMS"]
    assert [s.kind for s in back.stops] == ["refuel"]
    assert refuel.check(back).feasible
    routes = json.loads((out / "routes.geojson").read_text(encoding="utf-8"))
    kinds = [f["properties"]["kind"] for f in routes["features"]]
    assert kinds == ["flight", "refuel"]
    assert routes["features"][0]["properties"]["feasible"] is True
    # a bad config writes nothing
    bad = tmp_path / "bad.yaml"
    bad.write_text("plan:\n  start: UMMS\n  sensr: optical_low\n")
    r = CliRunner().invoke(app, ["plan", str(bad), "-o", str(tmp_path / "none")])
    assert r.exit_code == 2
    assert "plan.sensr (line 3): unknown key" in " ".join(r.output.split())
    assert not (tmp_path / "none").exists()
