"""The bundled-data facade (``openskies.data``) returns what the bundled files hold.

Each test reads the file itself (``csv``, ``yaml``, ``hashlib``, GeoPackage through pyogrio,
areas with ``pyproj.Geod``), not through ``openskies._geodata``, and compares it with what
``data.regime``, ``data.airfield``, ``data.territory``, ``data.sites`` and ``data.info``
return.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pyogrio
import pytest
import shapely
import yaml
from pyproj import Geod

from openskies import data
from openskies._errors import UnknownCodeError

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
GEOD = Geod(ellps="WGS84")
YEARS = (2010, 2018, 2019, 2021, 2022)


def _csv(name: str) -> list[dict[str, str]]:
    with (GEODATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _treaty() -> dict:
    return yaml.safe_load((GEODATA / "treaty.yaml").read_text(encoding="utf-8"))


def _designated(row: dict[str, str], year: int) -> bool:
    """Designated in ``year``: from ``designated_from`` up to (not in) ``designated_until``."""
    start, until = row["designated_from"], row["designated_until"]
    return (not start or int(start) <= year) and (not until or year < int(until))


def _geodesic_km2(geom) -> float:
    """WGS84 area of a (multi)polygon, each ring oriented so the area is positive."""
    return (
        sum(
            abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(p))[0])
            for p in getattr(geom, "geoms", [geom])
        )
        / 1e6
    )


def test_the_facade_reads_this_geodata_folder() -> None:
    assert Path(data.info()["geodata_dir"]).resolve() == GEODATA.resolve()


# --------------------------------------------------------------------------- regime and airfields


@pytest.mark.parametrize("year", YEARS)
def test_regime_holds_every_row_of_airfields_csv(year) -> None:
    rows = _csv("airfields.csv")
    reg = data.regime(year)
    table = data.airfields(year=year)
    assert set(table.index) == {r["icao"] for r in rows}
    assert table.crs.to_epsg() == 4326
    osas = {r["icao"] for r in rows if "OSA" in r["roles"].split(";") and _designated(r, year)}
    assert {a.icao for a in reg.osas()} == osas
    assert set(table.index[table["is_osa"]]) == osas


@pytest.mark.parametrize("year", [2010, 2019])
def test_each_airfield_is_its_row(year) -> None:
    for row in _csv("airfields.csv"):
        af = data.airfield(row["icao"].lower(), regime=data.regime(year))
        assert af.icao == row["icao"]
        assert af.name == row["name"]
        assert (af.lon, af.lat) == (float(row["lon"]), float(row["lat"]))
        assert af.party == row["party"]
        assert af.group == (row["group"] or row["party"])
        roles = row["roles"].split(";")
        expect = roles if _designated(row, year) else [r for r in roles if r == "CANDIDATE"]
        assert list(af.roles) == expect
        if not af.is_osa:
            assert af.max_flight_distance_km is None
            continue
        # the practice value once it is known to apply, else the 1992 Annex A value
        practice, since, base = row["mfd_practice_km"], row["mfd_practice_year"], row["mfd_1992_km"]
        if practice and (not since or int(since) <= year):
            assert af.max_flight_distance_km == float(practice)
        elif base:
            assert af.max_flight_distance_km == float(base)
        else:
            assert af.max_flight_distance_km is None


def test_kubinka_limit_follows_the_year_of_the_practice_value() -> None:
    (row,) = [r for r in _csv("airfields.csv") if r["icao"] == "UUMB"]
    since = int(row["mfd_practice_year"])
    before = data.airfield("UUMB", regime=data.regime(since - 1))
    after = data.airfield("UUMB", regime=data.regime(since))
    assert before.max_flight_distance_km == float(row["mfd_1992_km"])
    assert after.max_flight_distance_km == float(row["mfd_practice_km"])
    assert data.airfield("UUMB") == data.regime(2019).airfield("UUMB")  # default regime


@pytest.mark.parametrize("year", YEARS)
def test_regime_parties_and_parameters_are_treaty_yaml(year) -> None:
    doc = _treaty()
    expect = {}
    for p in doc["parties"]:
        start = int(p.get("from") or p.get("party_by") or 0)
        until = p.get("until")
        if start <= year and (until in (None, "") or year < int(until)):
            expect[p["iso3"]] = p.get("name", p["iso3"])
    reg = data.regime(year)
    assert reg.parties == expect
    turn = doc["max_flight_distance"]["turn_margin"]["value"]
    assert reg.parameter("max_flight_distance", "turn_margin") == turn


# --------------------------------------------------------------------------- territories


@pytest.mark.parametrize("code", ["BLR", "POL"])
def test_territory_is_the_natural_earth_polygon(code) -> None:
    land = pyogrio.read_dataframe(GEODATA / "countries.gpkg", layer="land")
    sea = pyogrio.read_dataframe(GEODATA / "countries.gpkg", layer="treaty_area")
    row = land[land["adm0_a3"] == code].iloc[0]
    t = data.territory(code.lower())
    assert t.code == code
    assert t.name == row["name"]
    assert t.members == (code,)
    assert t.area_km2 == pytest.approx(_geodesic_km2(row.geometry), rel=1e-9)
    assert shapely.equals(t.geometry, shapely.make_valid(row.geometry))
    treaty = sea[sea["adm0_a3"] == code].iloc[0].geometry
    assert _geodesic_km2(t.treaty_geometry) == pytest.approx(_geodesic_km2(treaty), rel=1e-9)


def test_group_territory_is_the_union_of_its_members() -> None:
    (group,) = [g for g in _treaty()["groups"] if g["code"] == "BLR+RUS"]
    t = data.territory("BLR+RUS")
    assert t.members == tuple(group["members"])
    assert t.name == group["name"]
    parts = [data.territory(m).area_km2 for m in group["members"]]
    assert t.area_km2 == pytest.approx(sum(parts), rel=1e-6)  # they share a border, no overlap


# --------------------------------------------------------------------------- sites


def test_sites_are_the_rows_of_the_bundled_table() -> None:
    rows = _csv("sites_blr.csv")
    s = data.sites("blr")
    assert s.crs.to_epsg() == 4326
    assert list(s["name"]) == [r["name"] for r in rows]
    assert list(s["kind"]) == [r["kind"] for r in rows]
    assert list(s["lon"].astype(float)) == [float(r["lon"]) for r in rows]
    assert list(s["lat"].astype(float)) == [float(r["lat"]) for r in rows]
    assert list(s["value"].astype(float)) == [float(r["value"]) for r in rows]
    assert list(s["position_uncertainty_km"].astype(float)) == [
        float(r["position_uncertainty_km"]) for r in rows
    ]
    assert list(s.geometry.x) == [float(r["lon"]) for r in rows]
    assert list(s.geometry.y) == [float(r["lat"]) for r in rows]
    assert set(s["territory"]) == {"BLR"}
    # a group holds the sites of its members that have a table (Russia has none)
    group = data.sites("BLR+RUS")
    assert list(group["name"]) == list(s["name"])


def test_sites_inside_belarus_with_uncertainty() -> None:
    s = data.sites("BLR")
    assert len(s) >= 15
    assert (s["position_uncertainty_km"].astype(float) > 0).all()
    names = " ".join(s["name"]).lower()
    for ground in ("obuz", "domanov", "ruzhan", "brest"):
        assert ground in names
    data.territory("BLR").check_inside(s["lon"], s["lat"], what="site")
    with pytest.raises(UnknownCodeError, match="no sites are bundled"):
        data.sites("POL")


# --------------------------------------------------------------------------- info


def test_info_lists_every_bundled_file() -> None:
    facts = data.info()
    assert set(facts["files"]) == {
        "countries.gpkg",
        "airfields.csv",
        "treaty.yaml",
        "sites_blr.csv",
        "sunshine_blr.csv",
    }
    assert facts["parties_2019"] == len(data.regime(2019).parties)


def test_info_checksums_and_counts_are_the_files() -> None:
    facts = data.info()
    for name, digest in facts["files"].items():
        assert digest == hashlib.sha256((GEODATA / name).read_bytes()).hexdigest(), name
    land = pyogrio.read_info(GEODATA / "countries.gpkg", layer="land")
    assert facts["countries"] == land["features"]
    assert facts["airfields"] == len(_csv("airfields.csv"))
    assert facts["sites"] == {"BLR": len(_csv("sites_blr.csv"))}
    assert facts["treaty_source"] == _treaty().get("source", "")
