"""Locate and read the bundled data files (the lowest layer of openskies).

The files live in ``geodata/`` at the top of the source tree and are shipped
inside the wheel as ``openskies/geodata``; both locations are searched, so the
package works from a source checkout, an editable install and a wheel alike.
Every reader is cached: the files are read once per process.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
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
    return file_sha256(path(role_or_name))


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


def provenance(
    *,
    files: Iterable[str] | None = None,
    params_sha256: str | None = None,
    config_sha256: str | None = None,
    config_file_sha256: str | None = None,
) -> dict[str, Any]:
    """The provenance record of an output: the one place it is assembled.

    Parameters
    ----------
    files : iterable of str, optional
        Bundled files (roles or file names) whose checksums to record; every file of
        :data:`FILES` that exists when omitted.
    params_sha256 : str, optional
        SHA-256 of the computation's parameters (a study's or ranking's canonical JSON).
    config_sha256 : str, optional
        SHA-256 of the *effective* config (:func:`openskies.config.config_hash`: every field,
        defaults included, as canonical JSON). Two config files that differ only in comments,
        key order or spelled-out defaults have the same one.
    config_file_sha256 : str, optional
        SHA-256 of the config file's bytes as read (:func:`file_sha256`). Any edit changes it,
        a comment included.

    Returns
    -------
    dict
        ``openskies_version``, ``data_sha256`` (file name -> hex SHA-256), then the given
        hashes in the order of the parameters; absent ones are left out.
    """
    from . import __version__

    data = versions() if files is None else {path(f).name: sha256(f) for f in files}
    record: dict[str, Any] = {"openskies_version": __version__, "data_sha256": data}
    for key, value in (
        ("params_sha256", params_sha256),
        ("config_sha256", config_sha256),
        ("config_file_sha256", config_file_sha256),
    ):
        if value is not None:
            record[key] = value
    return record


#: Significant digits a float keeps in :func:`params_sha256`. Parameters include derived
#: values (the sun's noon elevation, the Annex E floor) whose last bits differ between CPUs,
#: as numpy's vectorised trigonometry does (AVX-512 against AVX2 paths); 12 digits hold
#: every input exactly as typed and drop only that noise.
PARAMS_FLOAT_DIGITS = 12


def _canonical(value: Any) -> Any:
    """``value`` with every float rounded to :data:`PARAMS_FLOAT_DIGITS` significant digits."""
    if isinstance(value, float):
        return float(f"{value:.{PARAMS_FLOAT_DIGITS}g}")
    if isinstance(value, Mapping):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    return value


def params_sha256(params: Mapping[str, Any]) -> str:
    """SHA-256 of a computation's parameters as JSON.

    Keys sorted, non-JSON values as ``str``, floats to :data:`PARAMS_FLOAT_DIGITS` significant
    digits, so that the same parameters give the same hash on every machine.
    """
    text = json.dumps(_canonical(params), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def file_sha256(file: str | Path) -> str:
    """SHA-256 of any file's bytes (hex), e.g. a user's config as read."""
    return hashlib.sha256(Path(file).read_bytes()).hexdigest()
