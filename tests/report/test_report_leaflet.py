"""Offline, self-contained HTML maps (openskies.report._leaflet): static and real-browser checks."""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import struct
from html.parser import HTMLParser

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from openskies._errors import ValidationError
from openskies.report import _leaflet as _html

EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
# would break out of a JS template literal / a <script> block if inserted raw
JS_BREAKER = "route `${window.__pwned = 1}` </script><script>window.__pwned = 2</script>"

# Drawn vector features of the tiny map: 2 polygons + 1 line + 3 circle markers.
N_VECTOR_FEATURES = 6

# URLs that occur as plain text inside the inlined Leaflet code (an SVG namespace constant,
# the licence comment / attribution-prefix string, a CSS comment): never requested.
LIBRARY_TEXT_URLS = {
    "http://www.w3.org/2000/svg",
    "https://leafletjs.com",
    "https://bugzilla.mozilla.org/show_bug.cgi?id=888319",
}


def build_tiny_map(*, online_tiles: bool = False) -> folium.Map:
    m = _html.new_map(online_tiles=online_tiles)
    countries = gpd.GeoDataFrame(
        {"name": ["Alpha", EVIL], "area_km2": [12345.678, 99.0]},
        geometry=[box(10, 50, 14, 53), box(14, 50, 18, 54)],
        crs="EPSG:4326",
    )
    _html.add_geojson_layer(
        m,
        countries,
        name="Countries",
        style={"color": "#555555", "fillColor": "#dddddd", "fillOpacity": 1.0, "weight": 1},
        popup_fields={"name": "Country", "area_km2": "Area (km²)"},
        tooltip_fields=["name"],
        attribution="Borders: test boxes",
    )
    route = gpd.GeoDataFrame(
        {"name": [JS_BREAKER]},
        geometry=[LineString([(11, 51), (13, 52.5), (16, 51)])],
        crs="EPSG:4326",
    )
    _html.add_geojson_layer(
        m, route, name="Route", style={"color": "#d00000", "weight": 3}, popup_fields=["name"]
    )
    airfields = gpd.GeoDataFrame(
        {"icao": ["AAAA", "BBBB", EVIL]},
        geometry=[Point(11, 51), Point(13, 52.5), Point(16, 51)],
        crs="EPSG:4326",
    )
    _html.add_geojson_layer(
        m,
        airfields,
        name=f"Airfields {EVIL}",
        style={"color": "#000000", "fillColor": "#ffd700", "fillOpacity": 1.0, "radius": 6},
        popup_fields=["icao"],
    )
    _html.add_legend(m, [("Route", "#d00000"), (EVIL, "#ffd700")], title=f"Legend {EVIL}")
    _html.add_layer_control(m)
    _html.add_html_section(
        m,
        _html.html_table(["Metric", "Value"], [["name", EVIL], ["area (km²)", 12345.678]]),
        title=f"Metrics {EVIL}",
    )
    return m


def tiny_html(**kwargs: bool) -> str:
    return _html.render_offline(build_tiny_map(**kwargs), title=f"Tiny map {EVIL}")


class _Refs(HTMLParser):
    """Independent collector of tags, URL attributes and inline CSS of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.css: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.css.append(data)


def parse(page: str) -> _Refs:
    refs = _Refs()
    refs.feed(page)
    refs.close()
    return refs


def layer_data(group: folium.FeatureGroup) -> dict:
    (layer,) = [c for c in group._children.values() if isinstance(c, _html._GeoJsonLayer)]
    return json.loads(json.dumps(layer.data))  # as emitted into the page


# ----------------------------------------------------------------------------------------------
# static checks
# ----------------------------------------------------------------------------------------------


def test_render_is_byte_identical_across_builds_and_renders():
    first = tiny_html()
    second = tiny_html()
    assert first == second
    m = build_tiny_map()
    assert _html.render_offline(m, title="t") == _html.render_offline(m, title="t")
    # folium's random 32-hex element ids are all gone, replaced by counters
    assert re.findall(r"[0-9a-f]{32}", first) == []
    assert 'id="map_1"' in first
    assert "var map_1 = L.map(" in first


def test_page_is_self_contained_offline():
    page = tiny_html()
    refs = parse(page)
    scripts = [attrs for tag, attrs in refs.tags if tag == "script"]
    assert scripts
    assert all("src" not in attrs for attrs in scripts)
    assert [attrs for tag, attrs in refs.tags if tag == "link"] == []
    for tag, attrs in refs.tags:
        for key in ("src", "href", "srcset", "poster", "data", "action"):
            value = attrs.get(key)
            assert value is None or not re.match(r"\s*(https?:)?//", value), (tag, key, value)
    css_urls = [u for css in refs.css for _, u in re.findall(r"url\((['\"]?)(.*?)\1\)", css)]
    assert css_urls  # Leaflet's images are referenced ...
    assert all(u.startswith(("data:image/png;base64,", "#")) for u in css_urls)  # ... inlined
    # any http(s) text left is a constant inside the inlined Leaflet code, never a reference
    assert set(re.findall(r"https?://[^\s\"'<>)\\]+", page)) <= LIBRARY_TEXT_URLS
    for cdn in ("cdn.jsdelivr.net", "code.jquery.com", "cdnjs.cloudflare.com", "bootstrapcdn"):
        assert cdn not in page
    # Leaflet and jQuery really are inside
    assert "Leaflet 1.9.3" in page
    assert "jQuery v3.7.1" in page
    assert "L.Icon.Default.imagePath = ''" in page
    assert "sourceMappingURL" not in page
    assert "@media print" in page
    # the attribution prefix is plain text, not Leaflet's link to leafletjs.com
    assert 'setPrefix("Leaflet")' in page


def test_online_tiles_are_opt_in():
    offline = tiny_html()
    online = tiny_html(online_tiles=True)
    assert "openstreetmap" not in offline.lower()
    assert "https://tile.openstreetmap.org/{z}/{x}/{y}.png" in online
    assert "openstreetmap.org/copyright" in online  # attribution link (a JS string)
    refs = parse(online)
    assert all("src" not in attrs for tag, attrs in refs.tags if tag == "script")
    assert [attrs for tag, attrs in refs.tags if tag == "link"] == []


def test_user_text_is_escaped_everywhere():
    page = tiny_html()
    assert "<img src=x" not in page
    assert "<script>window.__pwned" not in page
    assert "</script><script>" not in page
    # popups / tooltips / legend: escaped HTML inside JSON; title, section, table: escaped text
    assert page.count(EVIL_ESCAPED) >= 7
    assert f"<title>Tiny map {EVIL_ESCAPED}</title>" in page
    assert f"<h2>Metrics {EVIL_ESCAPED}</h2>" in page
    assert f"<td>{EVIL_ESCAPED}</td>" in page
    # the layer name reaches Leaflet's layer control (innerHTML) escaped
    assert "Airfields \\u0026lt;img src=x onerror=alert(1)\\u0026gt;" in page
    # the template-literal payload survives only as inert JSON string text
    assert "`${window.__pwned = 1}`" in page
    assert "$(`" not in page.split("<main>")[1]  # no folium Popup template literal in our part


def test_popups_and_tooltips_are_tables_of_escaped_values():
    m = _html.new_map()
    gdf = gpd.GeoDataFrame(
        {"name": ['A & "B"'], "n": [3], "x": [float("nan")], "ok": [True]},
        geometry=[Point(1, 2)],
        crs="EPSG:4326",
    )
    group = _html.add_geojson_layer(
        m, gdf, name="p", popup_fields=["name", "n", "x", "ok"], tooltip_fields={"n": "Count"}
    )
    props = layer_data(group)["features"][0]["properties"]
    assert props["p"] == (
        '<table class="os-popup"><tr><th>name</th><td>A &amp; &quot;B&quot;</td></tr>'
        "<tr><th>n</th><td>3</td></tr><tr><th>x</th><td>—</td></tr>"
        "<tr><th>ok</th><td>yes</td></tr></table>"
    )
    assert props["t"] == '<table class="os-popup"><tr><th>Count</th><td>3</td></tr></table>'


def test_coordinates_are_rounded_and_simplified_for_display():
    m = _html.new_map()
    group = _html.add_geojson_layer(m, [Point(10.123456789, 50.987654321)], name="pt")
    assert layer_data(group)["features"][0]["geometry"]["coordinates"] == [10.12346, 50.98765]
    group = _html.add_geojson_layer(m, [Point(10.123456789, -0.5)], name="pt3", precision=3)
    assert layer_data(group)["features"][0]["geometry"]["coordinates"] == [10.123, -0.5]
    # 1001 vertices zig-zagging by 1e-6 deg along a 10 deg line: 2 vertices after simplify
    x = np.linspace(0.0, 10.0, 1001)
    y = np.where(np.arange(1001) % 2 == 0, 0.0, 1e-6)
    line = LineString(np.column_stack([x, y]))
    group = _html.add_geojson_layer(m, [line], name="l", simplify_tolerance_deg=1e-4)
    coords = layer_data(group)["features"][0]["geometry"]["coordinates"]
    assert coords == [[0.0, 0.0], [10.0, 0.0]]
    # empty and missing geometries are skipped
    group = _html.add_geojson_layer(m, [Point(), None, Point(1, 1)], name="e")
    assert len(layer_data(group)["features"]) == 1


def test_projected_layers_are_reprojected_to_wgs84():
    lon, lat = 27.5615, 53.9023
    x, y = Transformer.from_crs(4326, 3857, always_xy=True).transform(lon, lat)
    gdf = gpd.GeoDataFrame({"n": [1]}, geometry=[Point(x, y)], crs="EPSG:3857")
    group = _html.add_geojson_layer(_html.new_map(), gdf, name="p")
    assert layer_data(group)["features"][0]["geometry"]["coordinates"] == [lon, lat]


def test_style_function_and_geojson_input():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "a"},
                "geometry": {"type": "Point", "coordinates": [1, 2]},
            },
            {
                "type": "Feature",
                "properties": {"kind": "b"},
                "geometry": {"type": "Point", "coordinates": [3, 4]},
            },
        ],
    }
    group = _html.add_geojson_layer(
        _html.new_map(),
        collection,
        name="k",
        style=lambda p: {"color": "#ff0000" if p["kind"] == "a" else "#0000ff"},
    )
    styles = [f["properties"]["s"] for f in layer_data(group)["features"]]
    assert styles == [{"color": "#ff0000"}, {"color": "#0000ff"}]


def test_view_fits_layers_or_explicit_bounds():
    page = tiny_html()
    assert 'map_1.fitBounds([[50.0,10.0],[54.0,18.0]], {"padding": [12, 12]});' in page
    m = _html.new_map(bounds=(170.0, 60.0, 190.0, 70.0))
    _html.add_geojson_layer(m, [Point(0, 0)], name="far")
    page = _html.render_offline(m, title="x")
    assert "map_1.fitBounds([[60.0,170.0],[70.0,190.0]]" in page
    # a layer with fit=False does not move the view
    m = _html.new_map()
    _html.add_geojson_layer(m, [box(-10, -10, 10, 10)], name="base", fit=False)
    _html.add_geojson_layer(m, [Point(5, 6), Point(7, 8)], name="pts")
    assert "fitBounds([[6.0,5.0],[8.0,7.0]]" in _html.render_offline(m, title="x")


def test_layer_control_is_moved_after_the_layers():
    m = _html.new_map()
    _html.add_layer_control(m)
    _html.add_geojson_layer(m, [Point(1, 1)], name="late layer")
    page = _html.render_offline(m, title="x")
    assert page.index("L.control.layers(") > page.index("feature_group_")
    assert '"late layer" : feature_group_' in page


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"style": {"fill_color": "#fff"}}, "fill_color"),
        ({"popup_fields": ["nope"]}, "'nope'"),
        ({"popup_fields": "name"}, "popup_fields='name'"),
        ({"precision": 12}, "precision=12"),
        ({"name": " "}, "name=' '"),
    ],
)
def test_layer_validation_names_the_bad_value(kwargs, fragment):
    gdf = gpd.GeoDataFrame({"name": ["a"]}, geometry=[Point(0, 0)], crs="EPSG:4326")
    args = {"name": "layer", **kwargs}
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        _html.add_geojson_layer(_html.new_map(), gdf, **args)


def test_latitude_out_of_range_is_rejected():
    with pytest.raises(ValidationError, match="outside"):
        _html.add_geojson_layer(_html.new_map(), [Point(53.9, 127.5)], name="swapped")


@pytest.mark.parametrize(
    "bounds", [(0, 0, 1), (0, 10, 1, 5), (10, 0, 5, 1), (0, 0, 400, 1), (0, 0, float("nan"), 1)]
)
def test_bad_bounds_are_rejected(bounds):
    with pytest.raises(ValidationError, match="bounds="):
        _html.new_map(bounds=bounds)


def test_legend_validation_and_escaping():
    m = _html.new_map()
    with pytest.raises(ValidationError, match="not a CSS colour"):
        _html.add_legend(m, [("x", "red;background:url(http://evil)")], title="t")
    with pytest.raises(ValidationError, match="map corner"):
        _html.add_legend(m, [("x", "red")], title="t", position="middle")


def test_html_table_escapes_and_aligns():
    table = _html.html_table(["a<b", "n"], [["<i>x</i>", 1.5], ["y", None]], caption="c&d")
    assert table == (
        '<table class="os-table"><caption>c&amp;d</caption><thead><tr><th>a&lt;b</th>'
        "<th>n</th></tr></thead><tbody><tr><td>&lt;i&gt;x&lt;/i&gt;</td>"
        '<td class="num">1.5</td></tr><tr><td>y</td><td>—</td></tr></tbody></table>'
    )
    with pytest.raises(ValidationError, match="2 cells"):
        _html.html_table(["a", "b", "c"], [[1, 2]])


def test_elements_needing_a_cdn_are_refused():
    m = _html.new_map()
    folium.Marker([50, 10], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(ValidationError, match="awesome-markers"):
        _html.render_offline(m, title="x")
    m = _html.new_map()
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(ValidationError, match="offline report cannot load"):
        _html.render_offline(m, title="x")
    m = _html.new_map()
    _html.add_html_section(m, '<img src="https://example.org/x.png">')
    with pytest.raises(ValidationError, match=r"example\.org"):
        _html.render_offline(m, title="x")


# ----------------------------------------------------------------------------------------------
# antimeridian
# ----------------------------------------------------------------------------------------------


def test_split_antimeridian_known_answers():
    east = [[(170.0, 0.0), (180.0, 5.0)], [(-180.0, 5.0), (-170.0, 10.0)]]
    assert _html.split_antimeridian_line([(170, 0), (190, 10)]) == east
    assert _html.split_antimeridian_line([(170, 0), (-170, 10)]) == east  # wrapped input
    west = [[(-170.0, 0.0), (-180.0, 5.0)], [(180.0, 5.0), (170.0, 10.0)]]
    assert _html.split_antimeridian_line([(-170, 0), (-190, 10)]) == west
    # a line wholly in the next world copy is shifted, not split
    assert _html.split_antimeridian_line([(200, 1), (210, 2)]) == [[(-160.0, 1.0), (-150.0, 2.0)]]
    # no crossing: one part, unchanged
    assert _html.split_antimeridian_line([(10, 1), (20, 2), (30, 3)]) == [
        [(10.0, 1.0), (20.0, 2.0), (30.0, 3.0)]
    ]
    # touching the meridian exactly then going on: split there, no duplicated vertex
    assert _html.split_antimeridian_line([(170, 0), (180, 1), (190, 2)]) == [
        [(170.0, 0.0), (180.0, 1.0)],
        [(-180.0, 1.0), (-170.0, 2.0)],
    ]
    assert _html.split_antimeridian_line([]) == []
    with pytest.raises(ValidationError):
        _html.split_antimeridian_line([(0, 95), (1, 0)])


@settings(max_examples=200, deadline=None)
@given(
    start=st.floats(-180, 180),
    steps=st.lists(st.tuples(st.floats(-170, 170), st.floats(-80, 80)), min_size=1, max_size=12),
)
def test_split_antimeridian_properties(start, steps):
    lons = np.cumsum([start] + [s[0] for s in steps])
    lats = [0.0] + [s[1] for s in steps]
    parts = _html.split_antimeridian_line(list(zip(lons, lats, strict=True)))
    flat = [p for part in parts for p in part]
    assert all(-180.0 <= lon <= 180.0 for lon, _ in flat)
    assert all(len(part) >= 2 for part in parts) or len(flat) <= 2
    # no segment inside a part jumps across the map
    for part in parts:
        assert all(abs(b[0] - a[0]) <= 170.0 + 1e-9 for a, b in itertools.pairwise(part))
    # the parts meet on the meridian: same latitude, opposite edges
    for a, b in itertools.pairwise(parts):
        assert a[-1][1] == pytest.approx(b[0][1], abs=1e-9)
        assert {a[-1][0], b[0][0]} == {180.0, -180.0}
    # longitude travelled is preserved (each crossing only removes a 360-degree jump)
    travelled = sum(part[-1][0] - part[0][0] for part in parts)
    assert travelled == pytest.approx(lons[-1] - lons[0], abs=1e-6)
    # the end points are the input's, wrapped
    assert parts[-1][-1][1] == lats[-1]
    assert math.isclose((parts[-1][-1][0] - lons[-1]) % 360.0 % 360.0, 0.0, abs_tol=1e-6) or (
        math.isclose((parts[-1][-1][0] - lons[-1]) % 360.0, 360.0, abs_tol=1e-6)
    )


# ----------------------------------------------------------------------------------------------
# files
# ----------------------------------------------------------------------------------------------


def test_write_html_is_atomic(tmp_path, monkeypatch):
    target = tmp_path / "sub" / "report.html"
    # one rule for every writer (openskies._files): the directory must exist
    with pytest.raises(ValidationError, match="does not exist"):
        _html.write_html("<p>one</p>", target)
    assert list(tmp_path.iterdir()) == []
    target.parent.mkdir()
    assert _html.write_html("<p>one</p>", target) == target
    assert target.read_text(encoding="utf-8") == "<p>one</p>"
    assert oct(target.stat().st_mode & 0o777) == oct(0o644)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _html.write_html("<p>two, half written</p>", target)
    assert target.read_text(encoding="utf-8") == "<p>one</p>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]

    monkeypatch.undo()

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        _html.write_html("<p>three</p>", target)
    assert target.read_text(encoding="utf-8") == "<p>one</p>"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_save_static_png(tmp_path):
    from matplotlib.image import imread

    polygons = gpd.GeoDataFrame(geometry=[box(10, 50, 14, 53), box(14, 50, 18, 54)], crs=4326)
    line = gpd.GeoSeries([LineString([(11, 51), (16, 51)])], crs=4326)
    points = [Point(11, 51), Point(16, 51)]
    layers = [
        (polygons, {"facecolor": "#ff0000", "edgecolor": "#000000", "label": "boxes"}),
        (line, {"color": "#0000ff", "label": "route"}),
        (points, {"color": "#000000", "markersize": 6, "label": f"fields {EVIL} $x$"}),
    ]
    out = _html.save_static_png(
        layers, tmp_path / "map.png", title="Static $map$", figsize_in=(4, 3), dpi=50
    )
    data = out.read_bytes()
    assert _png_size(data) == (200, 150)
    pixels = imread(out)[:, :, :3]
    red = np.all(np.isclose(pixels, [1.0, 0.0, 0.0], atol=1e-3), axis=-1).sum()
    blue = np.all(np.isclose(pixels, [0.0, 0.0, 1.0], atol=1e-3), axis=-1).sum()
    green = np.all(np.isclose(pixels, [0.0, 1.0, 0.0], atol=1e-3), axis=-1).sum()
    assert red > 500
    assert blue > 10
    assert green == 0
    again = _html.save_static_png(
        layers, tmp_path / "map2.png", title="Static $map$", figsize_in=(4, 3), dpi=50
    )
    assert again.read_bytes() == data  # no timestamp / version metadata
    with pytest.raises(ValidationError, match="fill_color"):
        _html.save_static_png([(polygons, {"fill_color": "red"})], tmp_path / "x.png", title="t")


# ----------------------------------------------------------------------------------------------
# real browser (headless Chromium, no network)
# ----------------------------------------------------------------------------------------------

# Clicks every vector feature (as a user would), reads the popup shown, hovers the last
# country for its tooltip, then reopens the popup of the feature named EVIL for the screenshot.
PROBE_JS = """
(async function () {
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    const map = window.openskiesMaps[0];
    function fire(el, type) {
        const r = el.getBoundingClientRect();
        el.dispatchEvent(new MouseEvent(type, {bubbles: true, cancelable: true, view: window,
            clientX: r.left + r.width / 2, clientY: r.top + r.height / 2}));
    }
    async function clickForPopup(el) {  // a click during a pan animation can be swallowed
        for (let attempt = 0; attempt < 3; attempt++) {
            const opened = new Promise((r) => map.once("popupopen", (e) => r(e.popup)));
            fire(el, "click");
            const popup = await Promise.race([opened, sleep(2000).then(() => null)]);
            if (popup) {
                await sleep(350);  // let the auto-pan finish
                return popup.getElement().querySelector(".leaflet-popup-content").textContent;
            }
        }
        return null;
    }
    const out = {popups: [], tooltips: [], imgX: 0, pwned: 0, interactive: 0};
    const els = Array.from(document.querySelectorAll("path.leaflet-interactive"));
    out.interactive = els.length;
    let evil = null;
    for (const el of els) {
        const text = await clickForPopup(el);
        out.popups.push(text);
        if (text && text.includes("onerror") && !evil) { evil = el; }
        out.imgX = Math.max(out.imgX, document.querySelectorAll('img[src="x"]').length);
        fire(el, "mouseover");
        await sleep(30);
        const t = document.querySelector(".leaflet-tooltip");
        if (t) { out.tooltips.push(t.textContent); }
        fire(el, "mouseout");
    }
    if (evil) { await clickForPopup(evil); }
    out.imgX = Math.max(out.imgX, document.querySelectorAll('img[src="x"]').length);
    out.pwned = window.__pwned || 0;
    return out;
})()
"""


def assert_nothing_left_the_page(result):
    assert result.requests == [], f"the page requested {result.requests}"
    loopback = ("http://127.0.0.1:", "https://127.0.0.1:")
    outside = [u for u in result.background_requests if not u.startswith(loopback)]
    assert outside == [], f"chromium itself contacted {outside}; add a flag to conftest"
    assert result.hosts_resolved == [], f"DNS lookups for {result.hosts_resolved}"


@pytest.mark.browser
def test_browser_renders_offline_map(chromium, browser_artifacts_dir, tmp_path):
    path = _html.write_html(tiny_html(), tmp_path / "tiny.html")
    shot = browser_artifacts_dir / "html_offline_tiny_map.png"
    result = chromium.render(path, screenshot=shot)
    assert result.count_class("leaflet-interactive") == N_VECTOR_FEATURES
    assert len(re.findall(r'<path class="leaflet-interactive"', result.dom)) == N_VECTOR_FEATURES
    assert result.console_errors == []
    assert result.stderr_uncaught == []
    assert result.dialogs == []
    assert_nothing_left_the_page(result)
    # controls and text built by the page
    assert result.count_class("leaflet-control-scale") == 1
    assert result.count_class("os-legend") == 1
    assert result.count_class("leaflet-control-layers-overlays") == 1
    assert "Borders: test boxes" in result.dom  # layer attribution
    attribution = re.findall(r'class="leaflet-control-attribution[^>]*>(.*?)</div>', result.dom)
    assert attribution == ['Leaflet <span aria-hidden="true">|</span> Borders: test boxes']
    assert _html.external_references(result.dom) == []  # the live DOM loads nothing either
    assert f"Airfields {EVIL_ESCAPED}" in result.dom  # layer control label shown as text
    assert f"Legend {EVIL_ESCAPED}" in result.dom
    assert '<img src="x"' not in result.dom
    assert "<img src=x" not in result.dom
    assert result.screenshot == shot
    assert _png_size(shot.read_bytes()) == (1200, 900)


@pytest.mark.browser
def test_browser_shows_hostile_names_as_text(chromium, browser_artifacts_dir, tmp_path):
    path = _html.write_html(tiny_html(), tmp_path / "tiny.html")
    shot = browser_artifacts_dir / "html_offline_tiny_map_popup.png"
    result = chromium.render(path, screenshot=shot, evaluate=PROBE_JS)
    probe = result.evaluated
    assert probe["interactive"] == N_VECTOR_FEATURES
    assert len(probe["popups"]) == N_VECTOR_FEATURES
    assert all(probe["popups"])
    assert sum(EVIL in text for text in probe["popups"]) == 2  # a country and an airfield
    assert any(JS_BREAKER in text for text in probe["popups"])  # route popup, verbatim text
    assert any("Area (km²)12345.678" in text for text in probe["popups"])
    assert probe["tooltips"] == ["nameAlpha", f"name{EVIL}"]  # only the countries have them
    assert probe["imgX"] == 0
    assert probe["pwned"] == 0
    assert result.dialogs == []  # alert(1) never ran
    assert result.console_errors == []
    assert_nothing_left_the_page(result)
    assert EVIL_ESCAPED in result.dom
    assert '<img src="x"' not in result.dom


@pytest.mark.browser
def test_browser_default_marker_icon_is_inlined(chromium, tmp_path):
    m = _html.new_map(bounds=(9, 49, 11, 51))
    folium.Marker([50.0, 10.0]).add_to(m)
    path = _html.write_html(_html.render_offline(m, title="marker"), tmp_path / "marker.html")
    result = chromium.render(
        path,
        evaluate="Array.from(document.querySelectorAll('img.leaflet-marker-icon,"
        " img.leaflet-marker-shadow')).map(i => [i.src.slice(0, 22), i.naturalWidth,"
        " i.naturalHeight])",
    )
    assert sorted(result.evaluated) == [
        ["data:image/png;base64,", 25, 41],  # marker-icon.png
        ["data:image/png;base64,", 41, 41],  # marker-shadow.png
    ]
    assert result.console_errors == []
    assert_nothing_left_the_page(result)


@pytest.mark.browser
def test_browser_check_detects_requests_and_errors(chromium, tmp_path):
    """Negative control: the harness does see requests, console errors and dialogs."""
    page = tmp_path / "leaky.html"
    page.write_text(
        "<!DOCTYPE html><html><body>"
        '<img src="http://127.0.0.1:9/leak.png">'
        '<script src="missing-local.js"></script>'
        "<script>console.error('boom'); alert('hi'); undefinedFunction();</script>"
        "</body></html>",
        encoding="utf-8",
    )
    result = chromium.render(page)
    assert "http://127.0.0.1:9/leak.png" in result.requests
    assert (tmp_path / "missing-local.js").as_uri() in result.requests
    assert "boom" in result.console_errors
    assert any("undefinedFunction" in e for e in result.console_errors)
    assert any("Failed to load resource" in e for e in result.console_errors)
    assert any("undefinedFunction" in line for line in result.stderr_uncaught)
    assert result.dialogs == ["alert: hi"]


@pytest.mark.browser
def test_browser_netlog_attributes_page_requests(chromium, browser_artifacts_dir, tmp_path):
    """The NetLog half of the proof, read independently of the DevTools events."""
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://127.0.0.1:9/netlog-probe.png"></body></html>',
        encoding="utf-8",
    )
    shot = browser_artifacts_dir / "html_offline_netlog_probe.png"
    result = chromium.render(page, screenshot=shot)
    netlog = json.loads(result.netlog.read_text(encoding="utf-8"))
    start_job = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    started = [
        e["params"] for e in netlog["events"] if e["type"] == start_job and "url" in e["params"]
    ]
    probe = [p for p in started if p["url"] == "http://127.0.0.1:9/netlog-probe.png"]
    assert len(probe) == 1
    assert probe[0]["initiator"] == "null"  # the file:// page's opaque origin
    assert all(p["initiator"] == "not an origin" for p in started if p not in probe)
