"""Locate and read the bundled data files (the lowest layer of openskies).

The files live in ``geodata/`` at the top of the source tree and are shipped
inside the wheel as ``openskies/geodata``; both locations are searched, so the
package works from a source checkout, an editable install and a wheel alike.
Every reader is cached: the files are read once per process.
"""

from __future__ import annotations

import hashlib
import logging
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import yaml

logger = logging.getLogger(__name__)

_PKG = Path(__file__).resolve().parent

#: Bundled data files, by role.
FILES = {
    "countries": "countries.gpkg",
    "airfields": "airfields.csv",
    "treaty": "treaty.yaml",
    "sites_blr": "sites_blr.csv",
    "sunshine_blr": "sunshine_blr.csv",
}


def _find_dir(name: str) -> Path:
    for candidate in (_PKG / name, _PKG.parent / name):
        if candidate.is_dir():
            return candidate
    msg = (
        f"bundled folder {name!r} not found next to the openskies package ({_PKG}); "
        "reinstall openskies (pip install openskies) or run from a complete source checkout"
    )
    raise FileNotFoundError(msg)


def geodata_dir() -> Path:
    """Directory holding the bundled geodata files."""
    return _find_dir("geodata")


def configs_dir() -> Path:
    """Directory holding the bundled example configs."""
    return _find_dir("configs")


def path(role_or_name: str) -> Path:
    """Path of a bundled data file, by role (``"countries"``) or file name."""
    name = FILES.get(role_or_name, role_or_name)
    p = geodata_dir() / name
    if not p.is_file():
        msg = f"bundled data file {name!r} is missing from {geodata_dir()}"
        raise FileNotFoundError(msg)
    return p


@cache
def sha256(role_or_name: str) -> str:
    """SHA-256 of a bundled data file (hex)."""
    return hashlib.sha256(path(role_or_name).read_bytes()).hexdigest()


@cache
def countries(layer: str = "land") -> gpd.GeoDataFrame:
    """Country polygons (Natural Earth 10m, v5.1.1) indexed by ADM0_A3 code.

    ``layer`` is ``"land"`` or ``"treaty_area"`` (land plus 12 nm territorial sea).
    """
    df = gpd.read_file(path("countries"), layer=layer)
    df = df.set_index("adm0_a3", drop=False)
    logger.debug("read %d countries (%s)", len(df), layer)
    return df


@cache
def treaty() -> dict[str, Any]:
    """The treaty parameter file as a dict (``geodata/treaty.yaml``)."""
    with path("treaty").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@cache
def airfields_table() -> pd.DataFrame:
    """The raw airfield table (``geodata/airfields.csv``)."""
    return pd.read_csv(path("airfields"), dtype={"icao": str}, keep_default_na=False)


@cache
def sites_table(code: str) -> pd.DataFrame:
    """The raw site table for a territory code (``geodata/sites_<code>.csv``)."""
    return pd.read_csv(path(f"sites_{code.lower()}.csv"), keep_default_na=False)


def available_site_codes() -> list[str]:
    """Territory codes for which a site table is bundled."""
    return sorted(p.stem.split("_", 1)[1].upper() for p in geodata_dir().glob("sites_*.csv"))


def versions() -> dict[str, str]:
    """Checksums of every bundled data file, for provenance records in outputs."""
    return {name: sha256(role) for role, name in FILES.items() if (geodata_dir() / name).exists()}
