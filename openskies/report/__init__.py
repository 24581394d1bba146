"""Self-contained HTML map reports (and static PNG maps): one page module per product.

Every report is one HTML file that opens with no network: Leaflet and jQuery are inlined, the
bundled country polygons are the base map (no tiles unless ``online_tiles=True``), user text is
escaped, and the same input gives the same bytes.

Pages: :mod:`.plan` (a flight plan), :mod:`.coverage` (a full-coverage flight set),
:mod:`.study` (an entry-point study), :mod:`.ranking` (an entry-point ranking),
:mod:`.exercise` (an exercise's CSBM obligations and time to image). Shared helpers:
:mod:`._leaflet` (offline folium/Leaflet machinery, byte-stable HTML, static PNG),
:mod:`._layers` (palette, base map, airfield/target/footprint/plan layers) and
:mod:`._tables` (colour ramp, the Markdown table writer, HTML table cells;
numbers through :func:`openskies._text.format_number`).

Coordinates are (lon, lat) degrees WGS84; lengths km; areas geodesic km².
"""

from __future__ import annotations

from ._layers import (
    BASE_SIMPLIFY_DEG,
    DISPLAY_PRECISION,
    PALETTE,
    _display_bounds,
    airfield_layer,
    base_layers,
    footprint_layer,
    plan_layers,
    targets_layer,
)
from ._tables import metrics_table_html
from .coverage import coverage_map, write_coverage_report
from .plan import plan_map, plan_png, plan_summary_rows, write_plan_report
from .study import (
    study_map,
    study_pdf,
    study_png,
    study_summary_html,
    write_study_documents,
    write_study_report,
)

__all__ = [
    "BASE_SIMPLIFY_DEG",
    "DISPLAY_PRECISION",
    "PALETTE",
    "_display_bounds",
    "airfield_layer",
    "base_layers",
    "coverage_map",
    "footprint_layer",
    "metrics_table_html",
    "plan_layers",
    "plan_map",
    "plan_png",
    "plan_summary_rows",
    "study_map",
    "study_pdf",
    "study_png",
    "study_summary_html",
    "targets_layer",
    "write_coverage_report",
    "write_plan_report",
    "write_study_documents",
    "write_study_report",
]
