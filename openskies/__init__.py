"""openskies: an Open Skies overflight and inspection planner.

Public modules load lazily, so ``import openskies`` stays fast; use them as
``openskies.data.territory("BLR")`` or ``from openskies import geodesy``.
Coordinates are (lon, lat) in WGS84 (EPSG:4326) everywhere, like shapely.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

try:
    __version__ = version("openskies")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

_PUBLIC_MODULES = (
    "aircraft",
    "airfields",
    "cli",
    "config",
    "coverage",
    "csbm",
    "data",
    "daylight",
    "exercise",
    "flightplan",
    "geodesy",
    "io",
    "legality",
    "ranking",
    "report",
    "routing",
    "sensors",
    "study",
    "territory",
    "weather",
)

if TYPE_CHECKING:  # pragma: no cover
    from . import aircraft as aircraft
    from . import airfields as airfields
    from . import cli as cli
    from . import config as config
    from . import coverage as coverage
    from . import csbm as csbm
    from . import data as data
    from . import daylight as daylight
    from . import exercise as exercise
    from . import flightplan as flightplan
    from . import geodesy as geodesy
    from . import io as io
    from . import legality as legality
    from . import ranking as ranking
    from . import report as report
    from . import routing as routing
    from . import sensors as sensors
    from . import study as study
    from . import territory as territory
    from . import weather as weather


__all__ = ["__version__", *_PUBLIC_MODULES]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC_MODULES:
        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    msg = f"module 'openskies' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(__all__)
