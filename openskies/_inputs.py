"""Reading untrusted vector files (targets, avoid areas) into GeoDataFrames.

A targets or avoid file named in a config may come from someone else: it must be
a regular file within the ``data_file_bytes`` cap, in a format GDAL recognises,
with at most the allowed number of features, and any failure of the reader
(pyogrio's ``DataSourceError`` for a missing, truncated or foreign file, a
``DataLayerError`` for an unreadable layer) becomes a
:class:`~openskies._errors.ValidationError` naming the file, the key that named it
and the fix. Nothing is read from the network: only a path to an existing
regular file is opened (GDAL's ``/vsicurl/`` and similar prefixes are not files).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from . import _limits
from ._errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

logger = logging.getLogger(__name__)

__all__ = ["read_features"]


def read_features(
    path: str | Path, *, what: str, max_features: str | None = None
) -> gpd.GeoDataFrame:
    """Read a vector file (GeoJSON, GeoPackage, Shapefile, KML, CSV with WKT...) safely.

    Parameters
    ----------
    path : str or Path
        The file.
    what : str
        How the message names it, e.g. ``"targets file (plan.targets)"``.
    max_features : str, optional
        Name of the cap (:data:`openskies._limits.CAPS`) on its number of
        features, checked before the features are read.

    Returns
    -------
    geopandas.GeoDataFrame
        In the file's CRS (None if it declares none).

    Raises
    ------
    ValidationError
        Missing, not a regular file, too large, empty, unreadable or too many
        features; the message names ``what``, the path and the fix.
    """
    import geopandas as gpd
    import pyogrio
    import pyogrio.errors

    p = Path(path)
    label = f"{what} {str(p)!r}"
    if not p.exists():
        msg = f"{label} not found: check the path (relative paths start at the config's folder)"
        raise ValidationError(msg)
    if not p.is_file():
        msg = f"{label} is not a regular file: give a GeoJSON, GeoPackage or Shapefile"
        raise ValidationError(msg)
    size = p.stat().st_size
    _limits.cap("data_file_bytes").check(size, label, fix="give a smaller file")
    if size == 0:
        msg = f"{label} is empty: it holds no features"
        raise ValidationError(msg)
    unreadable = (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError)
    try:
        info = pyogrio.read_info(p, force_feature_count=True)
        if max_features is not None:
            _limits.cap(max_features).check(
                int(info.get("features", 0)), label, fix="give fewer features"
            )
        gdf = gpd.read_file(p)
    except unreadable as exc:
        detail = str(exc).split("; It might help")[0].strip()
        msg = (
            f"{label} cannot be read as a vector file ({detail}): give a complete GeoJSON, "
            "GeoPackage or Shapefile"
        )
        raise ValidationError(msg) from None
    except (OSError, UnicodeDecodeError) as exc:
        msg = f"{label} cannot be read: {exc}"
        raise ValidationError(msg) from None
    if len(gdf) == 0:
        msg = f"{label} holds no features: give at least one"
        raise ValidationError(msg)
    logger.info("read %d features from %s", len(gdf), p)
    return gdf
