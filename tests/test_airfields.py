"""Airfields, regimes and hypothetical designations."""

from __future__ import annotations

import numpy as np
import pytest

from openskies import data, geodesy
from openskies._errors import UnknownCodeError, ValidationError


def test_kubinka_is_the_group_osa_with_5500_km() -> None:
    reg = data.regime(2019)
    kub = reg.airfield("UUMB")
    assert kub.is_osa
    assert reg.max_flight_distance_km("UUMB") == 5500.0
    assert reg.observed_territory("UUMB").code == "BLR+RUS"
    assert {a.icao for a in reg.osas("BLR+RUS")} == {"UUMB", "UIUU", "UHMM", "UUYW"}
    assert not kub.hypothetical


def test_minsk_is_not_an_osa_and_designation_makes_a_new_regime() -> None:
    reg = data.regime()
    assert not reg.is_osa("UMMS")
    with pytest.raises(ValidationError, match=r"designate\('UMMS'"):
        reg.max_flight_distance_km("UMMS")
    hyp = reg.designate("UMMS", party="BLR", max_flight_distance_km=1200)
    assert hyp.is_osa("UMMS")
    assert hyp.max_flight_distance_km("UMMS") == 1200.0
    assert hyp.airfield("UMMS").hypothetical
    assert "(hypothetical)" in hyp.airfield("UMMS").label
    assert hyp.observed_territory("UMMS").code == "BLR+RUS"
    assert not reg.is_osa("UMMS")  # the original is unchanged
    assert bool(hyp.airfields().loc["UMMS", "hypothetical"])


def test_designate_errors() -> None:
    reg = data.regime()
    with pytest.raises(ValidationError, match="positive"):
        reg.designate("UMMS", party="BLR", max_flight_distance_km=0)
    with pytest.raises(ValidationError, match="role"):
        reg.designate("UMMS", party="BLR", roles=("OSA", "HUB"), max_flight_distance_km=100)
    with pytest.raises(UnknownCodeError, match="lon= and lat="):
        reg.designate("ZZZZ", party="BLR", max_flight_distance_km=100)
    with pytest.raises(UnknownCodeError, match="unknown party"):
        reg.designate("UMMS", party="XYZ", max_flight_distance_km=100)
    new = reg.designate(
        "ZZZZ", party="BLR", max_flight_distance_km=900, lon=27.0, lat=53.0, name="Grid site"
    )
    assert new.airfield("ZZZZ").lon == 27.0


def test_unknown_icao() -> None:
    with pytest.raises(UnknownCodeError, match="unknown ICAO code 'XXXX'") as exc:
        data.airfield("XXXX")
    assert isinstance(exc.value, KeyError)


def test_regime_by_year() -> None:
    assert "RUS" in data.regime(2019).parties
    assert "USA" not in data.regime(2021).parties
    assert "RUS" not in data.regime(2022).parties
    with pytest.raises(ValidationError, match="year"):
        data.regime(1980)


def test_annex_e_printed_points_against_airport_positions() -> None:
    """Report every printed Annex E point more than 2 km from the airport position.

    treaty-facts.md §2: the printed Warsaw point is about 7 km from EPWA and the
    printed Magadan point about 37 km from Sokol (UHMM).
    """
    df = data.airfields()
    raw = df.join(
        __import__("openskies._geodata", fromlist=["x"])
        .airfields_table()
        .set_index("icao")[["annex_e_lon", "annex_e_lat"]]
    )
    raw = raw[(raw["annex_e_lon"] != "") & (raw["annex_e_lat"] != "")]
    d = geodesy.distance_km(
        raw["lon"].astype(float),
        raw["lat"].astype(float),
        raw["annex_e_lon"].astype(float),
        raw["annex_e_lat"].astype(float),
    )
    far = dict(zip(raw.index, np.round(d, 1), strict=True))
    far = {k: v for k, v in far.items() if v > 2.0}
    assert set(far) == {"EPWA", "UHMM"}, far
    assert far["EPWA"] == pytest.approx(7.0, abs=1.0)
    assert far["UHMM"] == pytest.approx(37.0, abs=1.5)


def test_airfield_positions_match_airportsdata() -> None:
    airportsdata = pytest.importorskip("airportsdata")
    ap = airportsdata.load()
    df = data.airfields()
    checked = 0
    for icao, row in df.iterrows():
        if icao in ap:
            d = geodesy.distance_km(row["lon"], row["lat"], ap[icao]["lon"], ap[icao]["lat"])
            assert d < 0.5, (icao, d)
            checked += 1
    assert checked >= 15


def test_candidates_inside_belarus() -> None:
    df = data.airfields()
    cands = df[df["roles"].str.contains("CANDIDATE")]
    assert {
        "UMMS",
        "UMLI",
        "UMMA",
        "UMDD",
        "UMNB",
        "UMMO",
        "UMII",
        "UMGG",
        "UMBB",
        "UMMG",
        "UMOO",
    } <= set(cands.index)
    data.territory("BLR").check_inside(cands["lon"], cands["lat"], what="candidate airfield")
