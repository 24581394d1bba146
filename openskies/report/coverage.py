"""The coverage report: the HTML page of a full-coverage flight set."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd

from .. import geodesy
from . import _leaflet as _html
from ._layers import (
    DISPLAY_PRECISION,
    PALETTE,
    _display_bounds,
    airfield_layer,
    base_layers,
    footprint_layer,
)
from ._tables import metrics_table_html

logger = logging.getLogger(__name__)


def coverage_map(flights: Any, *, title: str | None = None, online_tiles: bool = False) -> str:
    """Build the HTML report of a full-coverage flight set (:func:`coverage.plan_full_coverage`).

    Parameters
    ----------
    flights : FlightSet
        The flights, with ``.summary``, ``.footprints`` and ``.coverage``.
    title : str, optional
        Page title (escaped).
    online_tiles : bool
        Opt in to OpenStreetMap tiles (needs the network; attribution shown).
    """
    if not len(flights):
        msg = "the flight set is empty: nothing to draw"
        raise ValueError(msg)
    first = flights[0]
    summary = flights.summary
    paths = [geodesy.split_antimeridian(f.path_densified(10.0)) for f in flights]
    bounds = _display_bounds(paths)
    m = _html.new_map(online_tiles=online_tiles)
    base_layers(m, bounds, territory=first.territory)
    footprint_layer(m, flights.footprint, name="Imaged area (all flights)")
    cols = [PALETTE["route"], PALETTE["route_alt"], PALETTE["observed"], PALETTE["skipped"]]
    rows = []
    for k, (f, geom) in enumerate(zip(flights, paths, strict=True), start=1):
        rows.append(
            {
                "flight": k,
                "length_km": round(f.length_km, 1),
                "hours": round(f.duration_h, 2),
                "geometry": geom,
            }
        )
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    _html.add_geojson_layer(
        m,
        gdf,
        name=f"Flights ({len(flights)})",
        style=lambda pr: {"color": cols[(int(pr.get("flight", 1)) - 1) % len(cols)], "weight": 2},
        popup_fields={"flight": "Flight", "length_km": "Counted km", "hours": "Hours"},
        tooltip_fields={"flight": "Flight"},
        precision=DISPLAY_PRECISION,
    )
    airfield_layer(m, [first.regime.airfield(first.start)])
    _html.add_legend(
        m,
        [
            ("Flights", PALETTE["route"]),
            ("Imaged area", PALETTE["footprint"]),
            ("Observed territory", PALETTE["territory"]),
        ],
        title="Legend",
    )
    _html.add_layer_control(m)
    table = [
        (k, round(v, 4) if isinstance(v, float) else v)
        for k, v in summary.as_dict().items()
        if k != "runtime_s"  # a timing: the same flights give the same page
    ]
    _html.add_html_section(
        m, _html.html_table(["Figure", "Value"], table), title="Full-coverage plan"
    )
    by_region = flights.coverage.by_region.reset_index()
    _html.add_html_section(m, metrics_table_html(by_region.round(4)), title="Coverage by region")
    return _html.render_offline(
        m, title=title or f"openskies coverage of {summary.area_code} from {summary.airfield}"
    )


def write_coverage_report(flights: Any, path: str | Path, **kwargs: Any) -> Path:
    """Write :func:`coverage_map` to ``path`` atomically."""
    return _html.write_html(coverage_map(flights, **kwargs), path)
