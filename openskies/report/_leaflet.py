"""Offline, self-contained HTML maps: the private machinery behind every openskies report.

A report page is ONE HTML file that opens with no network: Leaflet (JS + CSS, marker images as
``data:`` URIs) and jQuery are inlined from the ``xstatic.pkg.leaflet`` / ``xstatic.pkg.jquery``
Python packages, and every CDN reference folium adds (Bootstrap, Font Awesome, awesome-markers,
leaflet.awesome.rotate) is dropped; the page needs none of them. There are no map tiles by default
(``tiles=None``): the country polygons are the base map. Online OpenStreetMap tiles are an opt-in.

Output is byte-stable: folium gives every element a random 32-hex ``_id``; :func:`render_offline`
replaces each of those tokens with a counter in order of first appearance in the page, so the same
input gives a byte-identical file (there are no timestamps either).

User text is never trusted: popups, tooltips, layer names, legend labels and attributions are
HTML-escaped in Python and travel inside JSON (with ``<`` and ``>`` escaped) rather than inside JS
template literals. Do not put user text through ``folium.Popup`` / ``folium.Tooltip`` /
``GeoJsonPopup`` / ``GeoJsonTooltip``: folium inserts that text as raw HTML (``Popup`` even inside
a JS template literal, where ``${...}`` runs); :func:`render_offline` refuses ``Popup`` and
``Tooltip``. Use :func:`add_geojson_layer`, whose points are drawn as Leaflet circle markers with
escaped popups.

User text is never template source either. branca's ``MacroElement.render`` wraps the text its
macros rendered in ``Element(text)``, whose constructor compiles that text as a new Jinja
template, rendered again with the page: a name ``{{ 7*7 }}`` would show as ``49``,
``{{ cycler.__init__.__globals__.os... }}`` would run Python, ``{% raw %}`` would crash. Every
element openskies puts on a map (the map itself, layers, the layer control, legends, tiles)
derives from :class:`_SafeMacroElement`, which keeps the rendered text as a :class:`_Literal`
(returned as is, never compiled). User text is only ever a template *variable* (data), never
template *source*.

Coordinates are (lon, lat) in WGS84 (EPSG:4326) everywhere, as in shapely.
"""

from __future__ import annotations

import base64
import functools
import html as htmllib
import io
import json
import logging
import math
import os
import re
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.template import Template

from .._errors import OpenSkiesError, ValidationError
from .._text import format_number

logger = logging.getLogger(__name__)

__all__ = [
    "add_geojson_layer",
    "add_html_section",
    "add_layer_control",
    "add_legend",
    "html_table",
    "literal_text",
    "new_map",
    "render_offline",
    "save_static_png",
    "split_antimeridian_line",
    "write_html",
]

#: Decimal places kept in embedded coordinates (5 decimals of a degree is about 1.1 m).
DEFAULT_PRECISION = 5
#: Height of the map on screen: leaves room to see that sections follow under the map.
MAP_HEIGHT_CSS = "75vh"
#: Leaflet path options (https://leafletjs.com/reference.html#path) accepted in ``style``.
_LEAFLET_STYLE_KEYS = frozenset(
    {
        "stroke",
        "color",
        "weight",
        "opacity",
        "lineCap",
        "lineJoin",
        "dashArray",
        "dashOffset",
        "fill",
        "fillColor",
        "fillOpacity",
        "fillRule",
        "className",
        "radius",
        "interactive",
        "bubblingMouseEvents",
    }
)
DEFAULT_STYLE: dict[str, Any] = {
    "color": "#3388ff",
    "weight": 2,
    "opacity": 1.0,
    "fillColor": "#3388ff",
    "fillOpacity": 0.2,
    "radius": 5,
}
#: folium's CDN links (folium.folium._default_js / _default_css names) that are inlined ...
_INLINED_LINKS = frozenset({"leaflet", "jquery", "leaflet_css"})
#: ... and the ones dropped: the page needs no Bootstrap, Font Awesome or awesome-markers.
_DROPPED_LINKS = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
)
_LEAFLET_IMAGES = (
    "layers.png",
    "layers-2x.png",
    "marker-icon.png",
    "marker-icon-2x.png",
    "marker-shadow.png",
)
_RANDOM_ID = re.compile(r"(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])")
_CSS_COLOR = re.compile(
    r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})|[a-zA-Z]{3,30}"
    r"|rgba?\(\s*[\d.]+%?\s*,\s*[\d.]+%?\s*,\s*[\d.]+%?\s*(?:,\s*[\d.]+%?\s*)?\)"
)
_EXTERNAL_URL = re.compile(r"^\s*(?:[a-zA-Z][a-zA-Z0-9+.-]*:)?//", re.ASCII)
_CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.DOTALL)

_PAGE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial,
  sans-serif; color: #1b1f24; background: #ffffff; }
.os-header { padding: 8px 16px; border-bottom: 1px solid #d0d7de; }
.os-header h1 { font-size: 1.25rem; font-weight: 600; margin: 0; }
.leaflet-container { background: #eef3f7; }
.os-section { padding: 8px 16px; max-width: 1100px; }
.os-section h2 { font-size: 1.1rem; margin: 0.6em 0 0.4em; }
table.os-table { border-collapse: collapse; font-size: 0.9rem; }
table.os-table caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.os-table th, table.os-table td { border: 1px solid #d0d7de; padding: 3px 8px;
  text-align: left; vertical-align: top; }
table.os-table th { background: #f3f5f7; }
table.os-table td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.os-popup { border-collapse: collapse; font-size: 12px; }
table.os-popup th { text-align: left; padding: 1px 8px 1px 0; font-weight: 600;
  vertical-align: top; }
table.os-popup td { padding: 1px 0; }
.os-legend { background: rgba(255, 255, 255, 0.92); padding: 6px 10px; font-size: 12px;
  line-height: 1.5; }
.os-legend-title { font-weight: 600; margin-bottom: 2px; }
section#answer p { font-size: 1.05rem; line-height: 1.55; margin: 0.3em 0; }
section#answer a.os-evidence { font-size: 0.85rem; white-space: nowrap; }
figure.os-figure { margin: 14px 0 20px; break-inside: avoid; page-break-inside: avoid; }
figure.os-figure svg, figure.os-figure img { display: block; width: 100%; max-width: 1000px;
  height: auto; }
figure.os-figure.os-small svg { max-width: 640px; }
figure.os-figure figcaption { font-size: 0.9rem; color: #3d444d; max-width: 900px; }
.os-summary { font-size: 1.05rem; font-weight: 600; cursor: pointer; margin: 0.4em 0; }
.os-swatch { display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: -2px; border: 1px solid rgba(0, 0, 0, 0.35); }
@media print {
  @page { size: A4; margin: 12mm; }
  html, body { height: auto !important; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .folium-map { height: 160mm !important; break-inside: avoid; page-break-inside: avoid; }
  .leaflet-control-zoom, .leaflet-control-layers:not(.os-legend) { display: none !important; }
  .os-section { break-inside: avoid-page; }
  table.os-table { break-inside: auto; }
  table.os-table tr { break-inside: avoid; }
}
"""


# --------------------------------------------------------------------------------------------
# per-map and per-document state (kept outside the folium objects)
# --------------------------------------------------------------------------------------------


@dataclass
class _MapState:
    explicit_bounds: tuple[float, float, float, float] | None = None
    data_bounds: tuple[float, float, float, float] | None = None
    online_tiles: bool = False
    features_shown: int = 0  #: vector features in layers that are on when the page opens


@dataclass
class _DocState:
    lead: list[str] = field(default_factory=list)  #: sections above the map
    sections: list[str] = field(default_factory=list)  #: sections under the map


_MAP_STATE: weakref.WeakKeyDictionary[Element, _MapState] = weakref.WeakKeyDictionary()
_DOC_STATE: weakref.WeakKeyDictionary[Element, _DocState] = weakref.WeakKeyDictionary()


def _map_state(m: folium.Map) -> _MapState:
    return _MAP_STATE.setdefault(m, _MapState())


def _root_figure(m_or_doc: Element) -> Figure:
    if not isinstance(m_or_doc, Element):
        msg = (
            f"expected a folium.Map (or its branca Figure), got {type(m_or_doc).__name__}; "
            "build the map with openskies.report._leaflet.new_map()"
        )
        raise ValidationError(msg)
    root = m_or_doc.get_root()
    if not isinstance(root, Figure):
        msg = (
            f"the element {m_or_doc.get_name()!r} is not attached to a document (its root is a "
            f"{type(root).__name__}, not a branca Figure); add it to a map first"
        )
        raise ValidationError(msg)
    return root


# --------------------------------------------------------------------------------------------
# small custom Leaflet elements
# --------------------------------------------------------------------------------------------


class _Literal(Element):
    """Text that an element's macro already rendered, kept as is: never compiled as a template.

    ``branca.element.Element(text)`` compiles ``text`` as a Jinja template; this element only
    returns it. Like the Jinja template it replaces, it drops one trailing newline (Jinja's
    ``keep_trailing_newline=False``), so a page without template syntax gets the same bytes.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "Literal"
        self.text = text[:-1] if text.endswith("\n") else text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _SafeMacroElement(MacroElement):
    """A MacroElement whose rendered header / html / script are kept as literals.

    The same as ``MacroElement.render`` (branca 0.8) except that the output of each macro is
    wrapped in :class:`_Literal` instead of ``Element``, which would compile it (user text
    included) as a second template. Used as the last base of openskies' subclasses of folium
    classes (``class _LayerGroup(folium.FeatureGroup, _SafeMacroElement)``), so that folium's own
    ``render`` steps (layer ``addTo`` calls, the layer control's list of layers, links) run first
    and only the final branca step is replaced.
    """

    def render(self, **kwargs: Any) -> None:
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = f"cannot render {self.get_name()}: it is not in a branca Figure"
            raise ValidationError(msg)
        module = self._template.module.__dict__
        for part in ("header", "html", "script"):
            macro = module.get(part)
            if macro is not None:
                getattr(figure, part).add_child(
                    _Literal(str(macro(self, kwargs))), name=self.get_name()
                )
        for child in self._children.values():
            child.render(**kwargs)


class _Map(folium.Map, _SafeMacroElement):
    """folium.Map rendered without the second template pass."""


class _LayerGroup(folium.FeatureGroup, _SafeMacroElement):
    """folium.FeatureGroup (its name is user text) rendered without the second template pass."""


class _LayerControl(folium.LayerControl, _SafeMacroElement):
    """folium.LayerControl (it lists the layer names) without the second template pass."""


class _TileLayer(folium.TileLayer, _SafeMacroElement):
    """folium.TileLayer rendered without the second template pass."""


def _script_json(obj: Any) -> str:
    """JSON for a ``<script>`` block: ``<`` and ``>`` escaped so no text can close the tag."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


class _GeoJsonLayer(_SafeMacroElement):
    """A Leaflet GeoJSON layer whose popups / tooltips are pre-escaped HTML strings.

    ``data`` is a FeatureCollection whose feature properties hold only ``p`` (popup HTML),
    ``t`` (tooltip HTML) and ``s`` (per-feature style); points are drawn as circle markers.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function () {
            var base = {{ this.base_style_js }};
            function styleOf(f) {
                var s = f.properties && f.properties.s;
                return s ? Object.assign({}, base, s) : base;
            }
            return L.geoJSON({{ this.data_js }}, {
                style: styleOf,
                pointToLayer: function (f, latlng) { return L.circleMarker(latlng, styleOf(f)); },
                onEachFeature: function (f, layer) {
                    var p = f.properties || {};
                    if (p.p) { layer.bindPopup(p.p, {maxWidth: 420}); }
                    if (p.t) { layer.bindTooltip(p.t, {sticky: true}); }
                }{% if this.attribution_js %},
                attribution: {{ this.attribution_js }}{% endif %}
            });
        })();
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: dict[str, Any],
        *,
        base_style: Mapping[str, Any],
        attribution_html: str | None,
    ) -> None:
        super().__init__()
        self._name = "GeoJsonLayer"
        self.data = data
        self.data_js = _script_json(data)
        self.base_style_js = _script_json(dict(base_style))
        self.attribution_js = _script_json(attribution_html) if attribution_html else ""


class _Legend(_SafeMacroElement):
    """A Leaflet control holding pre-escaped legend HTML."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position_js }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "os-legend leaflet-control-layers");
                div.innerHTML = {{ this.html_js }};
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, legend_html: str, *, position: str) -> None:
        super().__init__()
        self._name = "Legend"
        self.html_js = _script_json(legend_html)
        self.position_js = _script_json(position)


class _AttributionPrefix(_SafeMacroElement):
    """Replace Leaflet's linked attribution prefix with plain text (no link off the page)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        if ({{ this._parent.get_name() }}.attributionControl) {
            {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix_js }});
        }
        {% endmacro %}
        """
    )

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self._name = "AttributionPrefix"
        self.prefix_js = _script_json(htmllib.escape(prefix))


# --------------------------------------------------------------------------------------------
# building maps
# --------------------------------------------------------------------------------------------


def _validate_bounds(bounds: Sequence[float]) -> tuple[float, float, float, float]:
    try:
        values = tuple(float(v) for v in bounds)
    except (TypeError, ValueError):
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        msg = (
            f"bounds={bounds!r} is not 4 finite numbers; pass (min_lon_deg, min_lat_deg, "
            "max_lon_deg, max_lat_deg) in WGS84 degrees, e.g. a GeoDataFrame's total_bounds"
        )
        raise ValidationError(msg)
    min_lon, min_lat, max_lon, max_lat = values
    if not (-90.0 <= min_lat <= max_lat <= 90.0):
        msg = (
            f"bounds={bounds!r}: latitudes must satisfy -90 <= min_lat <= max_lat <= 90 "
            "(order is min_lon, min_lat, max_lon, max_lat)"
        )
        raise ValidationError(msg)
    if not (min_lon <= max_lon and max_lon - min_lon <= 360.0 and -540 <= min_lon <= 540):
        msg = (
            f"bounds={bounds!r}: need min_lon <= max_lon and a span of at most 360 degrees; "
            "across the antimeridian give max_lon > 180 (e.g. 170, ..., 190, ...)"
        )
        raise ValidationError(msg)
    return values  # type: ignore[return-value]


def new_map(
    *,
    bounds: Sequence[float] | None = None,
    online_tiles: bool = False,
) -> folium.Map:
    """Create a folium map for an offline report.

    Parameters
    ----------
    bounds : sequence of 4 float, optional
        ``(min_lon_deg, min_lat_deg, max_lon_deg, max_lat_deg)`` in WGS84 (EPSG:4326) degrees
        to fit the view to. ``max_lon_deg`` may exceed 180 for an area across the antimeridian.
        When omitted, the view fits the union of the layers added with ``fit=True``.
    online_tiles : bool, default False
        Add OpenStreetMap raster tiles (with their attribution). They are fetched from the
        network when the page is opened: off by default, the page then makes no request.

    Returns
    -------
    folium.Map
        A map without tiles (unless ``online_tiles``), with a metric scale bar, drawn in SVG
        (one DOM element per feature).
    """
    explicit = _validate_bounds(bounds) if bounds is not None else None
    m = _Map(
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        height=MAP_HEIGHT_CSS,
        zoom_snap=0.25,
    )
    state = _map_state(m)
    state.explicit_bounds = explicit
    state.online_tiles = bool(online_tiles)
    if online_tiles:
        _TileLayer("OpenStreetMap", name="OpenStreetMap", control=True).add_to(m)
    else:
        _AttributionPrefix("Leaflet").add_to(m)
    logger.debug("new offline map (bounds=%s, online_tiles=%s)", explicit, online_tiles)
    return m


def _iter_geometries_with_properties(
    data: Any,
) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Yield ``(shapely geometry, properties)`` from a GeoDataFrame, GeoSeries or GeoJSON."""
    from shapely.geometry import shape
    from shapely.geometry.base import BaseGeometry

    if hasattr(data, "geometry") and hasattr(data, "crs") and hasattr(data, "columns"):
        gdf = data
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            logger.debug("reprojecting layer from %s to EPSG:4326", gdf.crs)
            gdf = gdf.to_crs(4326)
        geom_col = gdf.geometry.name
        columns = [c for c in gdf.columns if c != geom_col]
        records = gdf[columns].to_dict(orient="records") if columns else [{}] * len(gdf)
        for geom, props in zip(gdf.geometry, records, strict=True):
            yield geom, props
        return
    if hasattr(data, "crs") and hasattr(data, "geom_type"):  # GeoSeries
        series = data
        if series.crs is not None and series.crs.to_epsg() != 4326:
            series = series.to_crs(4326)
        for geom in series:
            yield geom, {}
        return
    if isinstance(data, BaseGeometry):
        yield data, {}
        return
    if isinstance(data, Mapping):
        kind = data.get("type")
        if kind == "FeatureCollection":
            for feature in data.get("features", []):
                yield from _iter_geometries_with_properties(feature)
            return
        if kind == "Feature":
            geometry = data.get("geometry")
            yield (shape(geometry) if geometry else None), dict(data.get("properties") or {})
            return
        if kind is not None:
            yield shape(data), {}
            return
    if isinstance(data, Iterable) and not isinstance(data, str | bytes):
        for item in data:
            if isinstance(item, BaseGeometry) or item is None:
                yield item, {}
            else:
                yield from _iter_geometries_with_properties(item)
        return
    msg = (
        f"cannot read features from a {type(data).__name__}; pass a GeoDataFrame, a GeoSeries, "
        "a GeoJSON dict (FeatureCollection, Feature or geometry) or shapely geometries"
    )
    raise ValidationError(msg)


def _format_value(value: Any) -> str:
    """Plain text for a property value or table cell (escaping is the caller's job).

    Floats to 10 significant digits, integers in full, no thousands separator; missing is a
    dash (:func:`openskies._text.format_number`).
    """
    return format_number(value, significant=10, thousands=False, missing="—")


def _normalise_fields(
    fields: Sequence[str] | Mapping[str, str] | None, argname: str
) -> list[tuple[str, str]]:
    if fields is None:
        return []
    if isinstance(fields, str):
        msg = f"{argname}={fields!r} is a string; pass a list of property names, e.g. [{fields!r}]"
        raise ValidationError(msg)
    if isinstance(fields, Mapping):
        return [(str(k), str(v)) for k, v in fields.items()]
    return [(str(f), str(f)) for f in fields]


def _fields_html(props: Mapping[str, Any], fields: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><th>{htmllib.escape(label)}</th>"
        f"<td>{htmllib.escape(_format_value(props.get(key)))}</td></tr>"
        for key, label in fields
    )
    return f'<table class="os-popup">{rows}</table>'


def _check_style(style: Mapping[str, Any], *, where: str) -> dict[str, Any]:
    if not isinstance(style, Mapping):
        msg = f"{where} must be a dict of Leaflet path options, got {type(style).__name__}"
        raise ValidationError(msg)
    unknown = sorted(set(style) - _LEAFLET_STYLE_KEYS)
    if unknown:
        msg = (
            f"{where} has unknown key(s) {unknown}; accepted Leaflet path options are "
            f"{sorted(_LEAFLET_STYLE_KEYS)} (camelCase, e.g. 'fillColor', not 'fill_color')"
        )
        raise ValidationError(msg)
    for key, value in style.items():
        if not isinstance(value, str | int | float | bool) or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            msg = f"{where}[{key!r}]={value!r} must be a string, a finite number or a bool"
            raise ValidationError(msg)
    return dict(style)


def _display_geometry(geom: Any, *, precision: int, simplify_tolerance_deg: float | None) -> Any:
    if simplify_tolerance_deg:
        geom = shapely.simplify(geom, simplify_tolerance_deg, preserve_topology=True)
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        msg = "a geometry has a non-finite coordinate (NaN or inf); drop or repair it first"
        raise ValidationError(msg)
    if coords.size and (np.abs(coords[:, 1]) > 90.0).any():
        worst = float(coords[np.argmax(np.abs(coords[:, 1])), 1])
        msg = (
            f"a geometry has latitude {worst} outside [-90, 90]; coordinates must be "
            "(lon, lat) in WGS84 degrees (EPSG:4326), not (lat, lon) or projected metres"
        )
        raise ValidationError(msg)
    return shapely.transform(geom, lambda xy: np.round(xy, precision))


def add_geojson_layer(
    m: folium.Map,
    gdf_or_geojson: Any,
    *,
    name: str,
    style: Mapping[str, Any] | Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None,
    popup_fields: Sequence[str] | Mapping[str, str] | None = None,
    tooltip_fields: Sequence[str] | Mapping[str, str] | None = None,
    show: bool = True,
    precision: int = DEFAULT_PRECISION,
    simplify_tolerance_deg: float | None = None,
    attribution: str | None = None,
    fit: bool = True,
) -> folium.FeatureGroup:
    """Add vector features as one toggleable layer (a folium FeatureGroup).

    Parameters
    ----------
    m : folium.Map
        Map from :func:`new_map`.
    gdf_or_geojson : GeoDataFrame, GeoSeries, dict or shapely geometries
        Features in WGS84 lon/lat (a GeoDataFrame in another CRS is reprojected to EPSG:4326).
        Points are drawn as circle markers. Empty or missing geometries are skipped.
    name : str
        Layer name shown in the layer control (escaped, shown as text).
    style : dict or callable, optional
        Leaflet path options (``color``, ``weight``, ``fillColor``, ``fillOpacity``,
        ``dashArray``, ``radius`` in pixels for points, ...) merged over :data:`DEFAULT_STYLE`,
        or a function of a feature's properties returning such a dict.
    popup_fields, tooltip_fields : list of str or dict, optional
        Properties shown in the click popup / hover tooltip, as a table. A dict maps property
        name to the label shown. Every value and label is HTML-escaped.
    show : bool, default True
        Whether the layer is on when the page opens.
    precision : int, default 5
        Decimal places of degrees kept for display (5 is about 1.1 m).
    simplify_tolerance_deg : float, optional
        Douglas-Peucker tolerance in degrees (topology-preserving) applied before rounding.
    attribution : str, optional
        Data credit shown in the attribution control while the layer is on (escaped text).
    fit : bool, default True
        Include this layer in the automatic view extent (when ``new_map`` got no bounds).

    Returns
    -------
    folium.FeatureGroup
        The layer, already added to ``m``.
    """
    if not isinstance(name, str) or not name.strip():
        msg = f"name={name!r} must be a non-empty string (it labels the layer in the control)"
        raise ValidationError(msg)
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 9:
        msg = f"precision={precision!r} must be an int in [0, 9] (decimal places of degrees)"
        raise ValidationError(msg)
    if simplify_tolerance_deg is not None and not (
        math.isfinite(simplify_tolerance_deg) and simplify_tolerance_deg >= 0
    ):
        msg = f"simplify_tolerance_deg={simplify_tolerance_deg!r} must be a finite number >= 0"
        raise ValidationError(msg)
    base_style = dict(DEFAULT_STYLE)
    style_fn: Callable[[Mapping[str, Any]], Mapping[str, Any]] | None = None
    if callable(style):
        style_fn = style
    elif style is not None:
        base_style.update(_check_style(style, where="style"))
    popups = _normalise_fields(popup_fields, "popup_fields")
    tooltips = _normalise_fields(tooltip_fields, "tooltip_fields")

    items = [
        (geom, props)
        for geom, props in _iter_geometries_with_properties(gdf_or_geojson)
        if geom is not None and not geom.is_empty
    ]
    available = set().union(*(props.keys() for _, props in items)) if items else set()
    for key, _ in popups + tooltips:
        if items and key not in available:
            msg = (
                f"popup/tooltip field {key!r} is not a property of layer {name!r}; "
                f"available properties: {sorted(map(str, available))}"
            )
            raise ValidationError(msg)

    features = []
    bounds = [math.inf, math.inf, -math.inf, -math.inf]
    for geom, props in items:
        shown = _display_geometry(
            geom, precision=precision, simplify_tolerance_deg=simplify_tolerance_deg
        )
        min_x, min_y, max_x, max_y = shapely.bounds(shown).tolist()
        bounds = [
            min(bounds[0], min_x),
            min(bounds[1], min_y),
            max(bounds[2], max_x),
            max(bounds[3], max_y),
        ]
        properties: dict[str, Any] = {}
        if popups:
            properties["p"] = _fields_html(props, popups)
        if tooltips:
            properties["t"] = _fields_html(props, tooltips)
        if style_fn is not None:
            properties["s"] = _check_style(style_fn(props), where="style(properties)")
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(shown),
                "properties": properties,
            }
        )
    data = {"type": "FeatureCollection", "features": features}
    layer = _GeoJsonLayer(
        data,
        base_style=base_style,
        attribution_html=htmllib.escape(attribution) if attribution else None,
    )
    group = _LayerGroup(name=htmllib.escape(name), show=show)
    group.add_child(layer)
    m.add_child(group)
    if show:
        _map_state(m).features_shown += len(features)
    if fit and features:
        state = _map_state(m)
        old = state.data_bounds
        state.data_bounds = (
            tuple(bounds)  # type: ignore[assignment]
            if old is None
            else (
                min(old[0], bounds[0]),
                min(old[1], bounds[1]),
                max(old[2], bounds[2]),
                max(old[3], bounds[3]),
            )
        )
    logger.info("layer %r: %d feature(s) added", name, len(features))
    return group


def add_legend(
    m: folium.Map,
    items: Sequence[tuple[str, str]],
    *,
    title: str,
    position: str = "bottomright",
) -> None:
    """Add a legend box (a Leaflet control) with one colour swatch per item.

    Parameters
    ----------
    m : folium.Map
        The map.
    items : list of (label, color)
        Labels are escaped text; colours are CSS colours (``#rgb``, ``#rrggbb``, ``#rrggbbaa``,
        ``rgb()/rgba()`` or a colour name).
    title : str
        Legend heading (escaped text).
    position : str, default "bottomright"
        Map corner: ``topleft``, ``topright``, ``bottomleft`` or ``bottomright``.
    """
    corners = ("topleft", "topright", "bottomleft", "bottomright")
    if position not in corners:
        msg = f"position={position!r} is not a map corner; use one of {corners}"
        raise ValidationError(msg)
    parts = [f'<div class="os-legend-title">{htmllib.escape(str(title))}</div>']
    for item in items:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            msg = f"legend item {item!r} must be a (label, color) pair"
            raise ValidationError(msg)
        label, color = item
        if not isinstance(color, str) or not _CSS_COLOR.fullmatch(color.strip()):
            msg = (
                f"legend colour {color!r} for {label!r} is not a CSS colour; use '#rrggbb', "
                "'#rgb', 'rgba(r, g, b, a)' or a colour name like 'red'"
            )
            raise ValidationError(msg)
        parts.append(
            f'<div class="os-legend-item"><span class="os-swatch" '
            f'style="background:{color.strip()}"></span>{htmllib.escape(str(label))}</div>'
        )
    _Legend("".join(parts), position=position).add_to(m)


def add_layer_control(m: folium.Map, *, collapsed: bool = False) -> folium.LayerControl:
    """Add a layer switcher listing every layer (it is moved last when the page is rendered)."""
    control = _LayerControl(collapsed=collapsed)
    m.add_child(control)
    return control


def add_html_section(
    m_or_doc: Element,
    html: str,
    *,
    title: str | None = None,
    section_id: str | None = None,
    above_map: bool = False,
    collapsed: bool = False,
) -> None:
    """Append a block of HTML under the map (metrics tables, notes), or above it.

    Parameters
    ----------
    m_or_doc : folium.Map or branca Figure
        The map, or the document (``m.get_root()``) holding it.
    html : str
        Trusted markup written by openskies code. It is inserted as is: escape any user text
        first (:func:`html_table` does). It must not reference external resources.
    title : str, optional
        Section heading (escaped text).
    section_id : str, optional
        The section's ``id`` (an anchor links to it): letters, digits, ``-`` and ``_``.
    above_map : bool
        Put the section above the map (in the order added), e.g. the answer of a study.
    collapsed : bool
        Wrap the section in a closed ``<details>`` element, its title the summary (raw
        tables a reader opens on demand; they print closed).
    """
    if not isinstance(html, str):
        msg = f"html must be a str of markup, got {type(html).__name__}"
        raise ValidationError(msg)
    if section_id is not None and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,63}", section_id):
        msg = (
            f"section_id {section_id!r} is not a usable HTML id; give letters, digits, '-' "
            "or '_', starting with a letter"
        )
        raise ValidationError(msg)
    root = _root_figure(m_or_doc)
    ident = f' id="{section_id}"' if section_id else ""
    if collapsed:
        summary = htmllib.escape(title or "Details")
        block = (
            f'<section class="os-section"{ident}>\n<details>\n'
            f'<summary class="os-summary">{summary}</summary>\n{html}\n</details>\n</section>'
        )
    else:
        heading = f"<h2>{htmllib.escape(title)}</h2>\n" if title else ""
        block = f'<section class="os-section"{ident}>\n{heading}{html}\n</section>'
    state = _DOC_STATE.setdefault(root, _DocState())
    (state.lead if above_map else state.sections).append(block)


def html_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    caption: str | None = None,
) -> str:
    """Build an HTML table with every header, cell and caption escaped (numbers right-aligned)."""
    head = "".join(f"<th>{htmllib.escape(str(c))}</th>" for c in columns)
    body = []
    for row in rows:
        values = list(row)
        if len(values) != len(columns):
            msg = f"table row {values!r} has {len(values)} cells, expected {len(columns)}"
            raise ValidationError(msg)
        cells = "".join(
            (
                '<td class="num">'
                if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
                else "<td>"
            )
            + htmllib.escape(_format_value(v))
            + "</td>"
            for v in values
        )
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{htmllib.escape(caption)}</caption>" if caption else ""
    return (
        f'<table class="os-table">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


# --------------------------------------------------------------------------------------------
# antimeridian
# --------------------------------------------------------------------------------------------


def split_antimeridian_line(
    coords: Sequence[Sequence[float]],
) -> list[list[tuple[float, float]]]:
    """Split a lon/lat polyline into parts whose longitudes lie in [-180, 180], for display.

    Longitudes are first unwrapped (a step of more than 180 degrees between consecutive points
    is taken as a wrap-around), so both continuous input (e.g. 170 -> 190) and wrapped input
    (170 -> -170) work. Where the line crosses +-180 (or any 180 + 360k) a vertex is inserted
    on the meridian, the latitude interpolated linearly in longitude (densify geodesic legs
    first), and a new part starts at the opposite edge.

    Parameters
    ----------
    coords : sequence of (lon_deg, lat_deg)
        WGS84 degrees.

    Returns
    -------
    list of list of (lon_deg, lat_deg)
        One part per world copy visited, in order; no part crosses the antimeridian.
    """
    arr = np.asarray(coords, dtype=float)
    if arr.size == 0:
        return []
    if arr.ndim != 2 or arr.shape[1] != 2:
        msg = f"coords must be a sequence of (lon, lat) pairs, got an array of shape {arr.shape}"
        raise ValidationError(msg)
    if not np.isfinite(arr).all() or (np.abs(arr[:, 1]) > 90).any():
        msg = "coords must be finite (lon, lat) pairs with latitudes in [-90, 90] degrees"
        raise ValidationError(msg)
    lon = np.unwrap(arr[:, 0], period=360.0)
    lat = arr[:, 1]

    def copy_of(x: float) -> int:
        return 0 if -180.0 <= x <= 180.0 else math.floor((x + 180.0) / 360.0)

    k = copy_of(float(lon[0]))
    parts: list[list[tuple[float, float]]] = [[(float(lon[0]) - 360.0 * k, float(lat[0]))]]

    def append(part: list[tuple[float, float]], point: tuple[float, float]) -> None:
        if not part or part[-1] != point:
            part.append(point)

    for i in range(1, len(lon)):
        lon0, lat0, lon1, lat1 = float(lon[i - 1]), float(lat[i - 1]), float(lon[i]), float(lat[i])
        while not (360.0 * k - 180.0 <= lon1 <= 360.0 * k + 180.0):
            east = lon1 > 360.0 * k + 180.0
            edge = 360.0 * k + (180.0 if east else -180.0)
            t = (edge - lon0) / (lon1 - lon0)
            lat_x = lat0 + t * (lat1 - lat0)
            append(parts[-1], (180.0 if east else -180.0, lat_x))
            parts.append([(-180.0 if east else 180.0, lat_x)])
            k += 1 if east else -1
        append(parts[-1], (lon1 - 360.0 * k, lat1))
    return [part for part in parts if len(part) >= 2 or len(parts) == 1]


# --------------------------------------------------------------------------------------------
# rendering
# --------------------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _strip_source_map(js: str) -> str:
    return re.sub(r"\n?//# sourceMappingURL=\S*\s*$", "\n", js)


@functools.lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    """Leaflet + jQuery from the xstatic packages, with Leaflet's images as data: URIs."""
    import xstatic.pkg.jquery as xs_jquery
    import xstatic.pkg.leaflet as xs_leaflet

    leaflet_dir = Path(xs_leaflet.BASE_DIR)
    jquery_dir = Path(xs_jquery.BASE_DIR)
    images = {
        name: "data:image/png;base64,"
        + base64.b64encode((leaflet_dir / "images" / name).read_bytes()).decode("ascii")
        for name in _LEAFLET_IMAGES
    }
    css = _read_text(leaflet_dir / "leaflet.css")
    for name, uri in images.items():
        css = css.replace(f"url(images/{name})", f'url("{uri}")')
    leftover = [u for _, u in _CSS_URL.findall(css) if not u.startswith(("data:", "#"))]
    if leftover:  # pragma: no cover - a future leaflet.css with new image references
        msg = f"leaflet.css references files that were not inlined: {leftover}"
        raise OpenSkiesError(msg)
    icon_js = (
        "L.Icon.Default.imagePath = '';\n"
        "L.Icon.Default.mergeOptions("
        + _script_json(
            {
                "iconUrl": images["marker-icon.png"],
                "iconRetinaUrl": images["marker-icon-2x.png"],
                "shadowUrl": images["marker-shadow.png"],
            }
        )
        + ");\n"
    )
    assets = {
        "leaflet_js": _strip_source_map(_read_text(leaflet_dir / "leaflet.js")),
        "leaflet_css": css,
        "jquery_js": _strip_source_map(_read_text(jquery_dir / "jquery.min.js")),
        "icon_js": icon_js,
        "leaflet_version": str(xs_leaflet.VERSION),
        "jquery_version": str(xs_jquery.VERSION),
    }
    for key in ("leaflet_js", "jquery_js"):
        if "</script" in assets[key].lower():  # pragma: no cover - defensive
            assets[key] = re.sub(r"</(script)", r"<\\/\1", assets[key], flags=re.IGNORECASE)
    return assets


def _children(el: Element) -> list[Element]:
    kids = list(el._children.values())
    for attr in ("header", "html", "script"):
        sub = getattr(el, attr, None)
        if isinstance(sub, Element) and sub is not el:
            kids.append(sub)
    return kids


def _walk(root: Element) -> Iterator[Element]:
    seen: set[int] = set()
    stack = [root]
    while stack:
        el = stack.pop()
        if id(el) in seen:
            continue
        seen.add(id(el))
        yield el
        stack.extend(reversed(_children(el)))


def _prepare_tree(fig: Figure) -> list[folium.Map]:
    """Check for unsupported elements, move layer controls last; return the maps."""
    maps: list[folium.Map] = []
    for el in _walk(fig):
        if isinstance(el, folium.Icon):
            msg = (
                "folium.Icon needs Leaflet.awesome-markers, Bootstrap and Font Awesome from a "
                "CDN, which an offline report cannot load; draw points with add_geojson_layer "
                "(circle markers) or use a folium.Marker without icon="
            )
            raise ValidationError(msg)
        if isinstance(el, folium.Popup | folium.Tooltip):
            msg = (
                f"folium.{type(el).__name__} inserts its text as raw HTML inside a JavaScript "
                "template literal (and Popup compiles it as a template): draw features with "
                "add_geojson_layer, whose popup_fields / tooltip_fields are escaped"
            )
            raise ValidationError(msg)
        if isinstance(el, folium.Map):
            maps.append(el)
        controls = [k for k, v in el._children.items() if isinstance(v, folium.LayerControl)]
        if controls:
            items = [(k, v) for k, v in el._children.items() if k not in controls]
            items += [(k, el._children[k]) for k in controls]
            el._children = OrderedDict(items)
    return maps


class _RefScanner(HTMLParser):
    """Collect every URL an HTML document would load: src/href/... attributes and CSS url()."""

    _URL_ATTRS = frozenset(
        {"src", "href", "srcset", "poster", "data", "action", "formaction", "background"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for key, value in attrs:
            if value is None:
                continue
            if key in self._URL_ATTRS or key.endswith(":href"):
                self.refs.append(value)
            elif key == "style":
                self.refs.extend(u for _, u in _CSS_URL.findall(value))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.refs.extend(u for _, u in _CSS_URL.findall(data))
            self.refs.extend(re.findall(r"@import\s+['\"]([^'\"]+)", data))


def external_references(page: str) -> list[str]:
    """URLs in markup attributes or CSS that would be fetched from another host."""
    scanner = _RefScanner()
    scanner.feed(page)
    scanner.close()
    return [ref for ref in scanner.refs if _EXTERNAL_URL.match(ref)]


def render_offline(m: Element, *, title: str) -> str:
    """Render a map (and the sections added under it) as ONE self-contained HTML page.

    Parameters
    ----------
    m : folium.Map or branca Figure
        The map from :func:`new_map` (or the document holding one or more maps).
    title : str
        Page title, shown in the ``<title>`` and as a heading above the map (escaped).

    Returns
    -------
    str
        The page. It loads nothing from any host (online tiles aside, if opted in): Leaflet,
        jQuery and Leaflet's images are inlined. Element ids are counters, so the same input
        gives the same bytes.

    Raises
    ------
    ValidationError
        If the map holds an element that needs a CDN resource (folium.Icon, folium plugins).
    """
    if not isinstance(title, str):
        msg = f"title must be a str, got {type(title).__name__}"
        raise ValidationError(msg)
    fig = _root_figure(m)
    # folium's render adds children (script snippets, "addTo" calls with fresh random ids) to
    # the tree; restore the tree afterwards so that rendering has no side effect and a
    # second render gives the same bytes.
    snapshot = [(el, OrderedDict(el._children)) for el in _walk(fig)]
    try:
        page = _render_page(fig, title)
    finally:
        for el, children in snapshot:
            el._children = children
    external = external_references(page)
    if external:
        msg = (
            f"the page would load {external[:5]} from the network; an offline report must be "
            "self-contained (check sections added with add_html_section)"
        )
        raise ValidationError(msg)
    logger.info("rendered offline page %r: %d characters", title, len(page))
    return page


def _render_page(fig: Figure, title: str) -> str:
    maps = _prepare_tree(fig)
    assets = _assets()

    for child in list(fig._children.values()):
        child.render()

    head_extra: list[str] = []
    for name, child in fig.header._children.items():
        if isinstance(child, JavascriptLink | CssLink):
            if name in _INLINED_LINKS:
                if assets["leaflet_version"] not in child.url and name.startswith("leaflet"):
                    logger.debug(
                        "folium links %s; inlining Leaflet %s", child.url, assets["leaflet_version"]
                    )
                continue
            if name in _DROPPED_LINKS:
                continue
            msg = (
                f"an element of this map needs {name!r} from {child.url}, which an offline "
                "report cannot load; remove that folium plugin or feature from the map"
            )
            raise ValidationError(msg)
        if name == "meta_http":
            continue
        head_extra.append(child.render())

    body = fig.html.render()
    script = fig.script.render()

    extra_js: list[str] = []
    map_names = [mp.get_name() for mp in maps]
    for mp in maps:
        state = _MAP_STATE.get(mp)
        if state is None:
            continue
        bounds = state.explicit_bounds or state.data_bounds
        if bounds is not None:
            min_lon, min_lat, max_lon, max_lat = bounds
            extra_js.append(
                f"{mp.get_name()}.fitBounds("
                f"{_script_json([[min_lat, min_lon], [max_lat, max_lon]])}, "
                '{"padding": [12, 12]});'
            )
    extra_js.append(
        "(function () {\n"
        f"    var maps = [{', '.join(map_names)}];\n"
        "    window.openskiesMaps = maps;\n"
        "    function refresh() {\n"
        "        maps.forEach(function (m) { m.invalidateSize({animate: false}); });\n"
        "    }\n"
        '    window.addEventListener("beforeprint", refresh);\n'
        '    window.addEventListener("afterprint", refresh);\n'
        "    if (window.matchMedia) {\n"
        '        var mq = window.matchMedia("print");\n'
        '        if (mq.addEventListener) { mq.addEventListener("change", refresh); }\n'
        "    }\n"
        "})();"
    )
    doc = _DOC_STATE.get(fig)
    sections = "\n".join(doc.sections) if doc else ""
    lead = "\n".join(doc.lead) + "\n" if doc and doc.lead else ""
    shown = sum(_MAP_STATE[mp].features_shown for mp in maps if mp in _MAP_STATE)
    safe_title = htmllib.escape(title)
    page = (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{safe_title}</title>\n"
        f'<meta name="openskies:features-shown" content="{shown}">\n'
        f"<!-- Leaflet {assets['leaflet_version']} (BSD-2-Clause) and jQuery "
        f"{assets['jquery_version']} (MIT) are inlined below. -->\n"
        f"<style>\n{assets['leaflet_css']}\n</style>\n"
        f"<script>\n{assets['leaflet_js']}\n</script>\n"
        f"<script>\n{assets['jquery_js']}\n</script>\n"
        f"<script>\n{assets['icon_js']}</script>\n"
        + "\n".join(head_extra)
        + f"\n<style>{_PAGE_CSS}</style>\n"
        "</head>\n<body>\n"
        f'<header class="os-header"><h1>{safe_title}</h1></header>\n'
        f"<main>\n{lead}{body}\n{sections}\n</main>\n"
        f"<script>\n{script}\n{chr(10).join(extra_js)}\n</script>\n"
        "</body>\n</html>\n"
    )
    return _renumber_ids(page, fig)


def _renumber_ids(page: str, fig: Figure) -> str:
    """Replace folium's random element ids by counters, in order of first appearance."""
    known = {el._id for el in _walk(fig)}
    mapping: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token not in known:
            return token
        if token not in mapping:
            mapping[token] = str(len(mapping) + 1)
        return mapping[token]

    return _RANDOM_ID.sub(replace, page)


# --------------------------------------------------------------------------------------------
# writing files
# --------------------------------------------------------------------------------------------


def _atomic_write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    from .._files import write_bytes

    return write_bytes(data, path)


def write_html(html: str, path: str | os.PathLike[str]) -> Path:
    """Write a page atomically (temp file in the same directory, then ``os.replace``).

    An interrupted write leaves the previous file (or no file), never half a page. The
    directory must exist (:func:`openskies._files.atomic_write`). Returns the path written.
    """
    if not isinstance(html, str):
        msg = f"html must be a str, got {type(html).__name__}"
        raise ValidationError(msg)
    target = _atomic_write_bytes(html.encode("utf-8"), path)
    logger.info("wrote %s (%d bytes)", target, target.stat().st_size)
    return target


# --------------------------------------------------------------------------------------------
# static PNG (matplotlib, Agg, no pyplot)
# --------------------------------------------------------------------------------------------


def literal_text(fig: Any) -> None:
    r"""Draw every text of a matplotlib figure literally: no mathtext, no LaTeX.

    Titles, labels and legend entries may hold user text (plan and target names), and
    matplotlib interprets text between ``$`` signs as mathtext (``$\frac$`` fails the whole
    drawing) and hands it to LaTeX when ``text.usetex`` is set in the user's matplotlibrc. Call
    this after the last text is added and before saving.
    """
    texts = [*fig.texts]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            texts += [legend.get_title(), *legend.get_texts()]
    for text in texts:
        text.set_parse_math(False)
        text.set_usetex(False)


_MPL_STYLE_KEYS = frozenset(
    {"color", "facecolor", "edgecolor", "linewidth", "alpha", "markersize", "label", "zorder"}
)


def save_static_png(
    gdf_layers: Sequence[Any],
    path: str | os.PathLike[str],
    *,
    title: str,
    figsize_in: tuple[float, float] = (10.0, 7.0),
    dpi: int = 150,
    bounds: Sequence[float] | None = None,
) -> Path:
    """Draw layers into a static PNG map (matplotlib Agg canvas; no pyplot, no global state).

    Parameters
    ----------
    gdf_layers : sequence
        Layers drawn in order, each a GeoDataFrame / GeoSeries / geometries in WGS84 lon/lat,
        or a ``(layer, style)`` pair where style holds matplotlib keywords: ``facecolor``,
        ``edgecolor``, ``color``, ``linewidth`` (points), ``alpha``, ``markersize`` (points),
        ``label`` (legend entry), ``zorder``.
    path : path-like
        Output ``.png`` (written atomically).
    title : str
        Figure title (shown literally; no mathtext).
    figsize_in : (float, float), default (10, 7)
        Figure size in inches.
    dpi : int, default 150
        Resolution; the image is ``figsize_in * dpi`` pixels.
    bounds : sequence of 4 float, optional
        ``(min_lon_deg, min_lat_deg, max_lon_deg, max_lat_deg)``; default: the data extent.

    Returns
    -------
    pathlib.Path
        The PNG written. Axes are longitude/latitude degrees with the aspect set to
        1/cos(mean latitude), so shapes look right near the centre of the map.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, PathPatch
    from matplotlib.path import Path as MplPath

    fig = MplFigure(figsize=figsize_in, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    handles: list[Any] = []
    extent = [math.inf, math.inf, -math.inf, -math.inf]

    for index, entry in enumerate(gdf_layers):
        if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[1], Mapping):
            layer, style = entry
        else:
            layer, style = entry, {}
        unknown = sorted(set(style) - _MPL_STYLE_KEYS)
        if unknown:
            msg = (
                f"style of layer {index} has unknown key(s) {unknown}; accepted: "
                f"{sorted(_MPL_STYLE_KEYS)}"
            )
            raise ValidationError(msg)
        color = style.get("color", f"C{index % 10}")
        face = style.get("facecolor", color)
        edge = style.get("edgecolor", "#333333")
        lw = float(style.get("linewidth", 0.8))
        alpha = style.get("alpha")
        zorder = style.get("zorder", index + 1)
        polys: list[Any] = []
        lines: list[np.ndarray] = []
        points: list[tuple[float, float]] = []
        for geom, _ in _iter_geometries_with_properties(layer):
            if geom is None or geom.is_empty:
                continue
            for part in shapely.get_parts(geom):
                kind = part.geom_type
                if kind == "Polygon":
                    verts, codes = [], []
                    for ring in (part.exterior, *part.interiors):
                        xy = np.asarray(ring.coords)
                        verts.append(xy)
                        codes.append(
                            [MplPath.MOVETO]
                            + [MplPath.LINETO] * (len(xy) - 2)
                            + [MplPath.CLOSEPOLY]
                        )
                    polys.append(PathPatch(MplPath(np.concatenate(verts), np.concatenate(codes))))
                elif kind in ("LineString", "LinearRing"):
                    lines.append(np.asarray(part.coords))
                elif kind == "Point":
                    points.append((part.x, part.y))
                else:  # nested collections
                    for sub in shapely.get_parts(part):
                        if sub.geom_type == "Point":
                            points.append((sub.x, sub.y))
                        elif sub.geom_type in ("LineString", "LinearRing"):
                            lines.append(np.asarray(sub.coords))
            b = shapely.bounds(geom).tolist()
            extent = [
                min(extent[0], b[0]),
                min(extent[1], b[1]),
                max(extent[2], b[2]),
                max(extent[3], b[3]),
            ]
        if polys:
            ax.add_collection(
                PatchCollection(
                    polys, facecolor=face, edgecolor=edge, linewidth=lw, alpha=alpha, zorder=zorder
                )
            )
        if lines:
            ax.add_collection(
                LineCollection(
                    lines, colors=color, linewidths=max(lw, 1.5), alpha=alpha, zorder=zorder
                )
            )
        if points:
            xy = np.asarray(points)
            ms = float(style.get("markersize", 5.0))
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                s=ms**2,
                c=[color],
                edgecolors=edge,
                linewidths=0.5,
                alpha=alpha,
                zorder=zorder,
            )
        label = style.get("label")
        if label:
            if polys:
                handles.append(Patch(facecolor=face, edgecolor=edge, alpha=alpha, label=label))
            elif lines:
                handles.append(Line2D([], [], color=color, linewidth=max(lw, 1.5), label=label))
            else:
                handles.append(
                    Line2D(
                        [],
                        [],
                        marker="o",
                        linestyle="",
                        color=color,
                        markersize=float(style.get("markersize", 5.0)),
                        label=label,
                    )
                )

    if bounds is not None:
        extent = list(_validate_bounds(bounds))
    if not all(math.isfinite(v) for v in extent):
        extent = [-180.0, -90.0, 180.0, 90.0]
    pad_x = max((extent[2] - extent[0]) * 0.03, 0.01)
    pad_y = max((extent[3] - extent[1]) * 0.03, 0.01)
    ax.set_xlim(extent[0] - pad_x, extent[2] + pad_x)
    ax.set_ylim(max(extent[1] - pad_y, -90.0), min(extent[3] + pad_y, 90.0))
    mean_lat = 0.5 * (extent[1] + extent[3])
    ax.set_aspect(1.0 / max(math.cos(math.radians(mean_lat)), 0.05))
    ax.set_xlabel("Longitude (deg E)")
    ax.set_ylabel("Latitude (deg N)")
    ax.set_title(str(title))
    ax.grid(True, linewidth=0.3, color="#999999", alpha=0.6)
    if handles:
        ax.legend(handles=handles, loc="best", fontsize=8, framealpha=0.9)
    literal_text(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    target = _atomic_write_bytes(buf.getvalue(), path)
    logger.info("wrote static map %s", target)
    return target
