"""Bundled data: the treaty regime, territories, airfields and sites of interest.

This is the entry point to the geospatial core::

    import openskies
    reg = openskies.data.regime(2019)
    blr = openskies.data.territory("BLR")
    kubinka = openskies.data.airfield("UUMB")

All coordinates are (lon, lat) degrees, WGS84 (EPSG:4326); distances are km and
areas geodesic km². Sources and licences of every file: ``geodata/README.md``.
"""

from __future__ import annotations

import logging
from typing import Any

import geopandas as gpd

from . import _geodata
from . import airfields as _airfields
from . import territory as _territory
from ._errors import UnknownCodeError
from .airfields import Airfield, Regime
from .territory import Territory

logger = logging.getLogger(__name__)

__all__ = [
    "Airfield",
    "Regime",
    "Territory",
    "airfield",
    "airfields",
    "countries",
    "info",
    "regime",
    "sites",
    "territory",
]


def regime(year: int = _territory.DEFAULT_YEAR) -> Regime:
    """The treaty as it stood in ``year``: parties, airfields with roles and budgets, parameters.

    Parameters
    ----------
    year : int
        Modelled year (default 2019: every party still in; the USA left in
        2020 and Russia in 2021).

    Returns
    -------
    Regime
        Add a hypothetical airfield with ``Regime.designate(...)``.
    """
    return _airfields.regime(year)


def territory(code: str, *, year: int = _territory.DEFAULT_YEAR) -> Territory:
    """An observed territory by ISO3 code (``"BLR"``), group (``"BLR+RUS"``) or sub-region.

    Parameters
    ----------
    code : str
        ISO3 country code (Natural Earth ADM0_A3), treaty group or sub-region
        code (``"RUS-KGD"``, Kaliningrad). Case-insensitive.
    year : int
        Year of the regime used for the party status of neighbours.

    Returns
    -------
    Territory
        Geometries in (lon, lat) degrees WGS84; areas geodesic km².
    """
    return _territory.get(code, year=year)


def airfields(*, year: int = _territory.DEFAULT_YEAR) -> gpd.GeoDataFrame:
    """All bundled airfields with their roles in ``year`` (GeoDataFrame, EPSG:4326)."""
    return _airfields.regime(year).airfields()


def airfield(icao: str, *, regime: Regime | None = None) -> Airfield:
    """One airfield by ICAO code, with its roles in ``regime`` (default: 2019)."""
    return _airfields.as_regime(regime).airfield(icao)


def sites(territory_code: str = "BLR") -> gpd.GeoDataFrame:
    """Sites of interest bundled for a territory (GeoDataFrame of points, EPSG:4326).

    Columns include ``name``, ``kind``, ``value`` (a default planning value, an
    assumption), ``position_uncertainty_km`` and ``source``.
    """
    code = str(territory_code).strip().upper()
    available = _geodata.available_site_codes()
    members = [code]
    if code not in available:
        t = _territory.get(code)
        members = [m for m in t.members if m in available]
    if not members:
        msg = (
            f"no sites are bundled for territory {territory_code!r}; bundled: "
            f"{', '.join(available)}. Pass your own GeoDataFrame of targets instead"
        )
        raise UnknownCodeError(msg)
    frames = [_geodata.sites_table(m).assign(territory=m) for m in members]
    df = frames[0] if len(frames) == 1 else gpd.pd.concat(frames, ignore_index=True)
    return gpd.GeoDataFrame(
        df.copy(), geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs="EPSG:4326"
    )


def countries(*, treaty_area: bool = False) -> gpd.GeoDataFrame:
    """Bundled country polygons (Natural Earth 10m v5.1.1), land or treaty area."""
    return _geodata.countries("treaty_area" if treaty_area else "land")


def info() -> dict[str, Any]:
    """What data is bundled: files with checksums, counts and sources."""
    reg = _airfields.regime()
    tr = _geodata.treaty()
    return {
        "geodata_dir": str(_geodata.geodata_dir()),
        "files": _geodata.versions(),
        "countries": len(_geodata.countries("land")),
        "airfields": len(reg.airfields()),
        "osas": [a.icao for a in reg.osas()],
        "parties_2019": len(reg.parties),
        "site_tables": _geodata.available_site_codes(),
        "sites": {c: len(_geodata.sites_table(c)) for c in _geodata.available_site_codes()},
        "borders": "Natural Earth 10m admin-0 countries v5.1.1 (deu view), public domain",
        "treaty_source": tr.get("source", ""),
    }
