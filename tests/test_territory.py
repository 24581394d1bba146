"""Territories: areas, groups, validity, neighbours and input errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import shapely
from geographiclib.geodesic import Geodesic

from openskies import data, geodesy
from openskies._errors import UnknownCodeError, ValidationError

# Official areas: Belarus 207,600 km² (Belstat); Russia 17,098,246 km² (Rosstat).
BLR_OFFICIAL_KM2 = 207_600.0
RUS_OFFICIAL_KM2 = 17_098_246.0


def test_belarus_area_within_half_percent_of_official() -> None:
    blr = data.territory("BLR")
    assert blr.area_km2 == pytest.approx(BLR_OFFICIAL_KM2, rel=0.005)


def test_group_is_valid_split_and_sized() -> None:
    grp = data.territory("BLR+RUS")
    assert grp.members == ("BLR", "RUS")
    assert grp.geometry.is_valid
    assert grp.treaty_geometry.is_valid
    for part in grp.parts:
        xmin, _, xmax, _ = part.bounds
        assert xmax - xmin < 180.0  # no part spans the globe (no world-wide sliver)
    assert grp.area_km2 == pytest.approx(RUS_OFFICIAL_KM2 + BLR_OFFICIAL_KM2, rel=0.01)
    # Chukotka lies on both sides of the antimeridian
    assert grp.geometry.bounds[0] <= -179.9
    assert grp.geometry.bounds[2] >= 179.9


@pytest.mark.slow
def test_local_projection_of_every_part_of_the_group() -> None:
    """Each part (cut in cells) projects locally with < 0.5 % distance distortion."""
    grp = data.territory("BLR+RUS")
    rng = np.random.default_rng(0)
    worst = 0.0
    ncells = 0
    for part in grp.parts:
        for cell in geodesy.split_cells(part):
            ncells += 1
            xy = shapely.get_coordinates(cell)
            if len(xy) < 2:
                continue
            projected, inv = geodesy.to_local(cell)
            pxy = shapely.get_coordinates(projected)
            # round trip of the vertices
            lon, lat = inv.transform(pxy[:, 0], pxy[:, 1])
            assert np.allclose(geodesy.normalize_lon(lon - xy[:, 0]), 0, atol=1e-7)
            assert np.allclose(lat, xy[:, 1], atol=1e-7)
            # planar distances between random vertex pairs vs WGS84 geodesics
            i = rng.integers(0, len(xy), 20)
            j = rng.integers(0, len(xy), 20)
            geo = geodesy.distance_km(xy[i, 0], xy[i, 1], xy[j, 0], xy[j, 1])
            plan = np.hypot(*(pxy[i] - pxy[j]).T) / 1000.0
            ok = geo > 50.0
            if ok.any():
                worst = max(worst, float(np.max(np.abs(plan[ok] / geo[ok] - 1.0))))
    assert ncells > 100
    assert worst < 0.005


def test_treaty_area_adds_territorial_sea_only_where_there_is_sea() -> None:
    blr, pol = data.territory("BLR"), data.territory("POL")
    # landlocked Belarus: treaty area = land
    assert blr.treaty_geometry.symmetric_difference(blr.geometry).area < 1e-9
    # Poland gains a 12 nm belt along the Baltic coast (~ 440 km × 22 km ≈ 10,000 km²)
    extra = geodesy.area_km2(pol.treaty_geometry) - pol.area_km2
    assert 6_000 < extra < 16_000
    # a point 15 km off the Polish coast is in the treaty area, 40 km off is not
    lon, lat = 18.0, 54.83  # coast near Łeba is at ~54.77 N
    off15 = geodesy.destination(lon, lat, 0.0, 15.0)
    off40 = geodesy.destination(lon, lat, 0.0, 40.0)
    assert bool(pol.contains(*off15))
    assert not bool(pol.contains(*off40))


def test_neighbours_and_party_status() -> None:
    grp = data.territory("BLR+RUS")
    status = {n.code: n.party for n in grp.neighbours}
    for non_party in ("KAZ", "CHN", "MNG", "PRK", "AZE"):
        assert status[non_party] is False
    for party in ("POL", "LTU", "LVA", "UKR", "FIN", "NOR", "EST", "GEO"):
        assert status[party] is True
    assert {n.code for n in data.territory("BLR").neighbours} == {"LTU", "LVA", "POL", "RUS", "UKR"}


def test_kaliningrad_sub_region() -> None:
    grp = data.territory("BLR+RUS")
    kgd = grp.sub_regions["RUS-KGD"]
    assert kgd.limit_km == 500.0
    # Kaliningrad oblast: 15,125 km² including lagoon waters; Natural Earth land is smaller
    assert 12_000 < geodesy.area_km2(kgd.geometry) < 15_200
    t = data.territory("RUS-KGD")
    assert t.members == ("RUS",)
    assert bool(t.contains(20.51, 54.71))  # Kaliningrad city


def test_nearest_border_distance_matches_vertex_scan() -> None:
    # Independent check: brute-force geodesic distance to every densified border vertex.
    blr = data.territory("BLR")
    lon, lat = 36.650002, 55.611695  # Kubinka
    d = blr.distance_to_km(lon, lat)
    ring = geodesy.densify(shapely.get_coordinates(blr.geometry.boundary), 0.5)
    xy = np.asarray(ring.coords)
    g = Geodesic.WGS84
    brute = min(g.Inverse(lat, lon, y, x)["s12"] for x, y in xy) / 1000.0
    assert d == pytest.approx(brute, abs=0.3)
    assert d == pytest.approx(343.0, abs=5.0)  # treaty-facts.md §6: ≈ 343 km


@pytest.mark.parametrize("code", ["BLRR", "XXX", "BLR+POL", "", 42])
def test_unknown_territory_code(code: object) -> None:
    with pytest.raises(UnknownCodeError, match="unknown territory code") as exc:
        data.territory(code)  # type: ignore[arg-type]
    assert "BLR+RUS" in str(exc.value)
    assert isinstance(exc.value, KeyError)


def test_swapped_pair_hint() -> None:
    blr = data.territory("BLR")
    blr.check_inside(27.56, 53.90)  # Minsk as (lon, lat): fine
    with pytest.raises(ValidationError, match=r"probably \(lat, lon\)"):
        blr.check_inside(53.90, 27.56)
    with pytest.raises(ValidationError, match="outside territory BLR"):
        blr.check_inside(21.0, 52.2)  # Warsaw
    with pytest.raises(ValidationError, match="NaN"):
        blr.check_inside(float("nan"), 53.9)
    with pytest.raises(ValidationError, match=r"outside \[-90, 90\]"):
        blr.check_inside(27.5, 153.9)


def test_import_is_light() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); import openskies; "
        "dt = time.perf_counter() - t; "
        "heavy = [m for m in ('geopandas', 'shapely', 'pyproj', 'folium') if m in sys.modules]; "
        "print(dt, heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    _, heavy = out.stdout.split(" ", 1)
    assert heavy.strip() == "[]"  # heavy modules load lazily, on first use
