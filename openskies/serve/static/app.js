/* openskies workbench page.
 *
 * Everything the page shows comes from the app's own API (same origin, the
 * token in an HttpOnly cookie). User text (plan, waypoint and target names,
 * file contents echoed in messages) only ever reaches the DOM through
 * textContent or DOM nodes: never as HTML markup. Leaflet tooltips get DOM nodes.
 * Coordinates are [lon, lat] in the API and L.latLng(lat, lon) in Leaflet.
 */
(function () {
  "use strict";

  // ------------------------------------------------------------------ helpers
  const $ = (id) => document.getElementById(id);

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value === undefined || value === null) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else node.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const km = (v) =>
    v === null || v === undefined
      ? "–"
      : Number(v).toLocaleString("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  /** Display longitude: the far-east part of Russia is drawn east of 180 degrees. */
  const dispLon = (lon) => (lon < -160 ? lon + 360 : lon);
  const toLatLng = (p) => L.latLng(p[1], dispLon(p[0]));

  class ApiError extends Error {
    constructor(status, detail) {
      const items = Array.isArray(detail) ? detail : [{ loc: [], msg: String(detail || status) }];
      super(items.map(describeError).join("; "));
      this.status = status;
      this.items = items;
    }
  }

  function describeError(item) {
    const loc = (item.loc || []).filter((x) => x !== "body").join(".");
    let text = (loc ? loc + ": " : "") + (item.msg || "");
    if (item.fix) text += " (fix: " + item.fix + ")";
    return text;
  }

  async function api(method, path, body) {
    const init = { method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (!response.ok) {
      let detail = null;
      try {
        detail = (await response.json()).detail;
      } catch (_) {
        detail = response.statusText;
      }
      throw new ApiError(response.status, detail);
    }
    return response;
  }

  function status(text, isError) {
    const node = $("status");
    node.textContent = text || "";
    node.classList.toggle("error", Boolean(isError));
  }

  function tooltipNode(title, body) {
    return el("div", {}, el("div", { class: "tip-title", text: title }),
      body ? el("div", { class: "tip-body", text: body }) : null);
  }

  // ------------------------------------------------------------------ state
  const state = {
    options: null,
    planLayer: null,
    transit: null, // per leg, aligned with the editable line (null: none declared)
    sensorsOn: null,
    names: null,
    planName: "",
    designateExtra: [], // designations from an imported file
    targets: [],
    addingTargets: false,
    seq: 0,
    renderedSeq: 0,
    inflight: false,
    sentSeq: 0,
    pendingFinal: false,
    lastFetchMs: 0,
    lastBody: "",
    changes: new Map(),
    finals: new Map(),
    latencies: [],
    lastCheck: null,
    lastError: null,
    job: null,
    footprintTimer: null,
  };

  // The page's own hook for scripts and tests (read-only use).
  window.openskiesWorkbench = {
    state,
    latencies: state.latencies,
    waypoints: () => currentWaypoints(),
    pointOf: (lon, lat) => {
      const p = map.latLngToContainerPoint(L.latLng(lat, dispLon(lon)));
      const box = map.getContainer().getBoundingClientRect();
      return { x: box.left + p.x, y: box.top + p.y };
    },
    fitTo: (lon1, lat1, lon2, lat2) => {
      map.fitBounds([[lat1, dispLon(lon1)], [lat2, dispLon(lon2)]], { animate: false });
    },
  };

  // ------------------------------------------------------------------ map
  const map = L.map("map", { zoomSnap: 0.25, preferCanvas: false }).setView([54.5, 31.5], 5);
  // panes: borders under the territory under footprints under the editable line (400)
  // under the geodesic legs; our markers stay below Geoman's vertex handles (600)
  map.createPane("basePane").style.zIndex = 250;
  map.createPane("territoryPane").style.zIndex = 350;
  map.createPane("footprintPane").style.zIndex = 380;
  map.createPane("legsPane").style.zIndex = 420;
  map.createPane("markersPane").style.zIndex = 590;
  map.pm.setGlobalOptions({ snappable: false, allowSelfIntersection: true });

  const layers = {
    borders: L.layerGroup().addTo(map),
    territory: L.layerGroup().addTo(map),
    airfields: L.layerGroup().addTo(map),
    footprint: L.layerGroup().addTo(map),
    legs: L.layerGroup().addTo(map),
    violations: L.layerGroup().addTo(map),
    targets: L.layerGroup().addTo(map),
    compare: L.layerGroup().addTo(map),
  };

  function shiftCoords(coords) {
    if (typeof coords[0] === "number") return [dispLon(coords[0]), coords[1]];
    return coords.map(shiftCoords);
  }

  function shiftGeoJSON(geom) {
    if (!geom) return geom;
    if (geom.type === "FeatureCollection") {
      return { ...geom, features: geom.features.map((f) => ({ ...f, geometry: shiftGeoJSON(f.geometry) })) };
    }
    if (geom.type === "GeometryCollection") {
      return { ...geom, geometries: geom.geometries.map(shiftGeoJSON) };
    }
    return { ...geom, coordinates: shiftCoords(geom.coordinates) };
  }

  async function loadBorders() {
    const data = await (await api("GET", "/api/borders")).json();
    layers.borders.clearLayers();
    L.geoJSON(shiftGeoJSON(data), {
      pane: "basePane",
      pmIgnore: true,
      interactive: false,
      style: { color: "#8b8f98", weight: 0.7, fillColor: "#f3f0e8", fillOpacity: 1 },
    }).addTo(layers.borders);
    map.attributionControl.addAttribution("Borders: Natural Earth (public domain)");
  }

  async function loadTerritory() {
    const code = $("territory").value;
    const year = $("year").value;
    const data = await (await api("GET", `/api/territory/${encodeURIComponent(code)}?year=${year}`)).json();
    layers.territory.clearLayers();
    L.geoJSON(shiftGeoJSON(data), {
      pane: "territoryPane",
      pmIgnore: true,
      interactive: false,
      style: (f) =>
        f.properties.kind === "territory"
          ? { color: "#1f5fbf", weight: 1.5, fillColor: "#dfe9f8", fillOpacity: 0.55 }
          : { color: "#7a3fb0", weight: 1.2, dashArray: "4 3", fillOpacity: 0.08 },
    }).addTo(layers.territory);
  }

  function drawAirfields() {
    layers.airfields.clearLayers();
    const terr = currentTerritory();
    if (!terr) return;
    for (const a of state.options.airfields) {
      if (a.group !== terr.group) continue;
      const marker = L.circleMarker(toLatLng([a.lon, a.lat]), {
        pane: "markersPane",
        pmIgnore: true,
        radius: a.is_osa ? 6 : 4,
        color: a.is_osa ? "#0b3d91" : "#7a3fb0",
        weight: 2,
        fillColor: "#fff",
        fillOpacity: 1,
      });
      const what = a.is_osa
        ? `Open Skies airfield; maximum flight distance ${km(a.max_flight_distance_km)} km`
        : "candidate airfield (hypothetical if designated)";
      marker.bindTooltip(tooltipNode(a.label, what));
      marker.addTo(layers.airfields);
    }
  }

  // ------------------------------------------------------------------ setup controls
  function fillSelect(select, items, value) {
    select.replaceChildren(...items.map(([v, label]) => el("option", { value: v, text: label })));
    if (value !== undefined && items.some(([v]) => v === value)) select.value = value;
  }

  function currentTerritory() {
    return state.options.territories.find((t) => t.code === $("territory").value);
  }

  function airfield(icao) {
    return state.options.airfields.find((a) => a.icao === icao);
  }

  function fillAirfields(keepStart, keepEnd) {
    const terr = currentTerritory();
    const items = state.options.airfields
      .filter((a) => a.group === terr.group)
      .map((a) => [a.icao, a.is_osa ? `${a.label}, ${km(a.max_flight_distance_km)} km` : `${a.name} (${a.icao}), hypothetical`]);
    fillSelect($("start"), items, keepStart || state.options.default.start);
    fillSelect($("end"), items, keepEnd || $("start").value);
    updateHypothetical();
  }

  function updateHypothetical() {
    const hyp = [$("start").value, $("end").value].some((c) => airfield(c) && !airfield(c).is_osa);
    $("hyp").hidden = !hyp;
  }

  async function loadOptions(year, keep) {
    const opts = await (await api("GET", `/api/options?year=${year}`)).json();
    state.options = opts;
    fillSelect($("year"), opts.years.map((y) => [String(y), String(y)]), String(opts.year));
    fillSelect($("territory"), opts.territories.map((t) => [t.code, `${t.name} (${t.code})`]),
      (keep && keep.territory) || opts.default.territory);
    fillAirfields(keep && keep.start, keep && keep.end);
    fillSelect($("sensor"), opts.sensors.map((s) => [s.name, `${s.name} (${km(s.width_km)} km)`]),
      (keep && keep.sensor) || opts.default.sensor);
    fillSelect($("aircraft"), opts.aircraft.map((a) => [a.name, a.name]),
      (keep && keep.aircraft) || opts.default_aircraft);
    fillSelect($("export-format"), opts.export_formats.map((f) => [f, f.toUpperCase()]), "gpx");
    fillSelect($("cmp-territory"), opts.territories.filter((t) => t.area_km2 <= 1e6).map((t) => [t.code, `${t.name} (${t.code})`]),
      opts.default.compare_territory);
  }

  function context() {
    const designate = [...state.designateExtra];
    const seen = new Set(designate.map((d) => d.icao));
    for (const code of [$("start").value, $("end").value]) {
      const a = airfield(code);
      if (a && !a.is_osa && !seen.has(code)) {
        designate.push({ icao: code, party: a.party, max_flight_distance_km: Number($("hyp-km").value) });
        seen.add(code);
      }
    }
    return {
      territory: $("territory").value,
      start: $("start").value,
      end: $("end").value,
      year: Number($("year").value),
      designate,
      aircraft: $("aircraft").value,
    };
  }

  // ------------------------------------------------------------------ the plan layer
  function currentWaypoints() {
    if (!state.planLayer) return [];
    return state.planLayer.getLatLngs().map((ll) => [ll.lng, ll.lat]);
  }

  function planRequest() {
    const wps = currentWaypoints();
    const req = { ...context(), waypoints: wps, name: state.planName };
    const legs = wps.length - 1;
    if (state.transit && state.transit.length === legs) req.transit = state.transit;
    if (state.sensorsOn && state.sensorsOn.length === legs) req.sensors_on = state.sensorsOn;
    if (state.names && state.names.length === wps.length) req.names = state.names;
    return req;
  }

  function setPlan(waypoints, spec) {
    clearPlan(false);
    const layer = L.polyline(waypoints.map(toLatLng), {});
    layer.addTo(map);
    state.transit = spec && spec.transit ? [...spec.transit] : null;
    state.sensorsOn = spec && spec.sensors_on ? [...spec.sensors_on] : null;
    state.names = spec && spec.names ? [...spec.names] : null;
    state.planName = (spec && spec.name) || "";
    adoptLayer(layer);
  }

  function clearPlan(validateAfter) {
    if (state.planLayer) {
      state.planLayer.pm.disable();
      map.removeLayer(state.planLayer);
    }
    state.planLayer = null;
    // an answer still in flight is for the old plan: never render it
    state.seq += 1;
    state.renderedSeq = state.sentSeq = state.seq;
    state.lastBody = "";
    state.changes.clear();
    state.transit = state.sensorsOn = state.names = null;
    state.designateExtra = [];
    state.planName = "";
    layers.legs.clearLayers();
    layers.violations.clearLayers();
    layers.footprint.clearLayers();
    if (validateAfter) renderEmpty();
  }

  function alignFlags(index, added) {
    for (const key of ["transit", "sensorsOn"]) {
      const flags = state[key];
      if (!flags) continue;
      if (added) flags.splice(Math.max(0, index - 1), 0, flags[Math.max(0, index - 1)] ?? false);
      else flags.splice(Math.min(index, flags.length - 1), 1);
    }
    if (state.names) {
      if (added) state.names.splice(index, 0, "");
      else state.names.splice(index, 1);
    }
  }

  function adoptLayer(layer) {
    state.planLayer = layer;
    layer.setStyle({ color: "#39404d", weight: 1.5, dashArray: "5 5", opacity: 0.8 });
    layer.pm.enable({ allowSelfIntersection: true, snappable: false, draggable: false });
    layer.on("pm:markerdrag", () => edited("drag"));
    layer.on("pm:markerdragend", () => edited("dragend"));
    layer.on("pm:vertexadded", (e) => {
      alignFlags(e.indexPath ? e.indexPath[e.indexPath.length - 1] : currentWaypoints().length - 1, true);
      edited("vertexadded");
    });
    layer.on("pm:vertexremoved", (e) => {
      alignFlags(e.indexPath ? e.indexPath[e.indexPath.length - 1] : currentWaypoints().length, false);
      edited("vertexremoved");
    });
    layer.on("pm:remove", () => clearPlan(true));
    edited("plan");
  }

  map.on("pm:create", (e) => {
    if (e.shape !== "Line") return;
    clearPlan(false);
    adoptLayer(e.layer);
  });

  $("draw").addEventListener("click", () => {
    setAddingTargets(false);
    clearPlan(true);
    map.pm.enableDraw("Line", {
      snappable: false,
      pathOptions: { color: "#39404d", weight: 1.5, dashArray: "5 5" },
      templineStyle: { color: "#39404d", dashArray: "5 5" },
      hintlineStyle: { color: "#39404d", dashArray: "2 6" },
    });
    status("Drawing: click the map to add waypoints, click the last one again to finish.");
  });
  $("clear").addEventListener("click", () => {
    map.pm.disableDraw();
    clearPlan(true);
  });

  // ------------------------------------------------------------------ validation loop
  /* Every change of the plan (a request body that differs from the last one) gets a
   * sequence number. One validation request is in flight at a time; changes made
   * meanwhile are coalesced into the next request (the latest state wins), so a drag
   * never queues stale work on the server. An event that changes nothing (the drop
   * at the end of a drag, whose position the last drag event already sent) sends
   * nothing. For each change, the time from the change to the render of the first
   * answer that includes it is recorded in state.latencies; the last change of a
   * gesture (a drop, an added or removed vertex, an import) is marked final.
   * Live previews while dragging are sent only when the last round trip took at most
   * PREVIEW_MAX_MS: a preview in flight delays the answer to the final position by up
   * to one round trip, so previews run only while two round trips and the rendering
   * fit in the 300 ms the planner should wait for an edit's answer. */
  const PREVIEW_MAX_MS = 100;
  function edited(kind) {
    const body = currentWaypoints().length >= 2 ? JSON.stringify(planRequest()) : "";
    const final = kind !== "drag";
    if (body !== state.lastBody) {
      state.seq += 1;
      state.lastBody = body;
      state.changes.set(state.seq, { t: performance.now(), kind });
    }
    if (final) {
      const done = state.latencies.find((x) => x.seq === state.seq);
      if (done) {
        done.final = true;
        done.ms_from_event = 0;
      } else {
        state.finals.set(state.seq, performance.now());
        state.pendingFinal = true;
      }
    }
    if (!state.inflight && state.seq > state.sentSeq && wantSend()) sendValidate();
  }

  function wantSend() {
    return state.pendingFinal || state.lastFetchMs <= PREVIEW_MAX_MS;
  }

  async function sendValidate() {
    const body = state.lastBody;
    const seq = state.seq;
    state.sentSeq = seq;
    state.pendingFinal = false;
    if (!body) {
      state.changes.clear();
      renderEmpty();
      return;
    }
    state.inflight = true;
    const t0 = performance.now();
    try {
      const response = await fetch("/api/validate", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body,
      });
      if (!response.ok) {
        let detail = response.statusText;
        try {
          detail = (await response.json()).detail;
        } catch (_) {
          // keep the status text
        }
        throw new ApiError(response.status, detail);
      }
      const check = await response.json();
      const t1 = performance.now();
      state.lastFetchMs = t1 - t0;
      if (seq > state.renderedSeq) {
        renderCheck(check);
        const now = performance.now();
        for (const [s, info] of state.changes) {
          if (s > seq) continue;
          const finalAt = state.finals.get(s);
          state.finals.delete(s);
          state.latencies.push({
            seq: s,
            kind: info.kind,
            final: finalAt !== undefined,
            ms: now - info.t,
            ms_from_event: finalAt !== undefined ? now - finalAt : null,
            server_cpu_ms: check.cpu_ms,
            fetch_ms: t1 - t0,
            render_ms: now - t1,
            server_ms: check.elapsed_ms,
            waypoints: check.waypoints.length,
          });
          state.changes.delete(s);
        }
        state.renderedSeq = seq;
      }
      state.lastError = null;
      status("");
      scheduleFootprint();
    } catch (err) {
      state.lastError = err;
      for (const s of [...state.changes.keys()]) if (s <= seq) state.changes.delete(s);
      state.renderedSeq = seq;
      renderProblem(err);
    } finally {
      state.inflight = false;
      if (state.seq > seq && wantSend()) sendValidate();
    }
  }

  function renderEmpty() {
    state.lastCheck = null;
    $("verdict").textContent = "No plan yet: draw one, import a file or ask for the best route.";
    $("verdict").className = "verdict";
    $("meter").replaceChildren();
    $("violations").replaceChildren();
    $("vcount").textContent = "";
    layers.legs.clearLayers();
    layers.violations.clearLayers();
    document.body.dataset.checked = String(state.seq);
  }

  function renderProblem(err) {
    $("verdict").textContent = "Unusable plan";
    $("verdict").className = "verdict illegal";
    $("violations").replaceChildren(...err.items.map((item) => el("li", { class: "problem", text: describeError(item) })));
    status(err.message, true);
    document.body.dataset.checked = String(state.seq);
  }

  function meterRow(label, value, limit, cls) {
    const row = el("div", { class: "meter-row" + (cls ? " " + cls : "") });
    const text = limit ? `${km(value)} of ${km(limit)} km` : `${km(value)} km`;
    row.append(el("div", { class: "meter-label" }, el("span", { text: label }), el("span", { class: "km", text })));
    if (limit) {
      const ratio = value / limit;
      const fill = el("div", { class: "fill" + (ratio > 1 ? " over" : ratio > 0.9 ? " warn" : "") });
      fill.style.width = Math.min(100, 100 * ratio).toFixed(1) + "%";
      row.append(el("div", { class: "bar", role: "meter", "aria-valuemin": 0, "aria-valuemax": limit, "aria-valuenow": value.toFixed(1) }, fill));
    }
    return row;
  }

  function renderCheck(check) {
    state.lastCheck = check;
    const verdict = $("verdict");
    verdict.textContent = check.legal ? "LEGAL: no rule broken" : `ILLEGAL: ${check.violations.length} violation(s)`;
    verdict.className = "verdict " + (check.legal ? "legal" : "illegal");
    const rows = [meterRow(`Counted (${check.start_label})`, check.length_km, check.budget_km, "total")];
    for (const r of check.regions) {
      const label = r.kind === "sub_region" ? `${r.name} (${r.code}) sub-limit` : `${r.name} (${r.code})`;
      rows.push(meterRow(label, r.kind === "transit" ? r.geodesic_km : r.counted_km, r.limit_km, "region region-" + r.code));
    }
    rows.push(el("p", { class: "note", text: `${km(check.geodesic_km)} km geodesic (WGS84), ${Math.round(check.turn_margin * 100)} % turn margin; ${check.flight_time_h.toFixed(1)} h flying` + (check.hypothetical ? "; uses a hypothetical designation" : "") }));
    $("meter").replaceChildren(...rows);
    $("vcount").textContent = check.violations.length ? `(${check.violations.length})` : "";
    const items = check.violations.map((v) => {
      const li = el("li", { "data-rule": v.rule },
        el("span", { class: "rule", text: v.rule }), " ",
        el("span", { class: "article", text: v.article }),
        el("span", { class: "msg", text: v.message }));
      if (v.where) {
        const b = el("button", { type: "button", text: "show on map" });
        b.addEventListener("click", () => map.setView(toLatLng(v.where), Math.max(map.getZoom(), 7)));
        li.append(b);
      }
      return li;
    });
    $("violations").replaceChildren(...items);
    // legs as densified geodesics; legs with a violation in red
    const bad = new Set(check.violations.filter((v) => v.leg !== null).map((v) => v.leg));
    layers.legs.clearLayers();
    for (const leg of check.legs) {
      for (const line of leg.lines) {
        L.polyline(line.map(toLatLng), {
          pane: "legsPane",
          pmIgnore: true,
          interactive: false,
          color: bad.has(leg.leg) ? "#b3261e" : leg.transit ? "#8a8f99" : "#1f5fbf",
          dashArray: leg.transit ? "6 6" : null,
          weight: 3,
        }).addTo(layers.legs);
      }
    }
    layers.violations.clearLayers();
    for (const v of check.violations) {
      if (!v.where) continue;
      const marker = L.circleMarker(toLatLng(v.where), {
        pane: "markersPane", pmIgnore: true, radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.15,
        className: "violation-marker",
      });
      marker.bindTooltip(tooltipNode(v.rule, v.message));
      marker.addTo(layers.violations);
    }
    document.body.dataset.checked = String(state.seq);
  }

  // ------------------------------------------------------------------ setup changes
  $("year").addEventListener("change", async () => {
    const keep = { territory: $("territory").value, start: $("start").value, end: $("end").value, sensor: $("sensor").value, aircraft: $("aircraft").value };
    await loadOptions($("year").value, keep);
    await loadTerritory();
    drawAirfields();
    edited("year");
  });
  /** The comparison follows the chosen territory (a small member state of a group). */
  function syncCompare() {
    const terr = currentTerritory();
    const small = (code) => {
      const t = state.options.territories.find((x) => x.code === code);
      return t && t.area_km2 <= 1e6;
    };
    const code = small(terr.code) ? terr.code : terr.members.find(small);
    if (!code) return;
    $("cmp-territory").value = code;
    if (code === state.options.default.compare_territory) {
      $("cmp-candidates").value = state.options.default.compare_candidates.join(", ");
      return;
    }
    const group = state.options.airfields.filter((a) => a.group === terr.group);
    const status = group.filter((a) => a.is_osa && a.roles.includes("POE")).slice(0, 1);
    const other = group.filter((a) => !a.is_osa && a.party === code).slice(0, 1);
    const picks = [...status, ...other].map((a) => a.icao);
    if (picks.length) $("cmp-candidates").value = picks.join(", ");
  }

  $("territory").addEventListener("change", async () => {
    syncCompare();
    fillAirfields();
    await loadTerritory();
    drawAirfields();
    edited("territory");
  });
  for (const id of ["start", "end"]) {
    $(id).addEventListener("change", () => {
      if (id === "start" && $("end").dataset.touched !== "yes") $("end").value = $("start").value;
      if (id === "end") $("end").dataset.touched = "yes";
      updateHypothetical();
      edited(id);
    });
  }
  $("hyp-km").addEventListener("change", () => edited("hyp"));
  $("aircraft").addEventListener("change", () => edited("aircraft"));
  $("sensor").addEventListener("change", () => scheduleFootprint());

  // ------------------------------------------------------------------ import / export
  function formatOf(name) {
    const ext = name.toLowerCase().split(".").pop();
    if (ext === "json" || ext === "geojson") return "geojson";
    if (ext === "gpx" || ext === "csv") return ext;
    return null;
  }

  function applySpec(spec) {
    if (String(spec.year) !== $("year").value) {
      $("year").value = String(spec.year);
    }
    $("territory").value = spec.territory;
    fillAirfields(spec.start, spec.end);
    state.designateExtra = [];
    for (const d of spec.designate || []) {
      if (d.icao === spec.start || d.icao === spec.end) $("hyp-km").value = String(d.max_flight_distance_km);
      else state.designateExtra.push(d);
    }
    updateHypothetical();
  }

  $("import").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (!file) return;
    const format = formatOf(file.name);
    if (!format) {
      status(`${file.name}: give a .geojson, .json, .gpx or .csv file`, true);
      return;
    }
    try {
      const text = await file.text();
      const out = await (await api("POST", "/api/import", { format, text, filename: file.name })).json();
      if (String(out.plan.year) !== $("year").value) await loadOptions(out.plan.year);
      applySpec(out.plan);
      await loadTerritory();
      drawAirfields();
      setPlan(out.plan.waypoints, out.plan);
      $("notes").replaceChildren(...out.notes.map((n) => el("li", { text: n })));
      map.fitBounds(L.latLngBounds(out.plan.waypoints.map(toLatLng)), { padding: [30, 30] });
      status(`Imported ${file.name}: ${out.plan.waypoints.length} waypoints.`);
    } catch (err) {
      status(err.message, true);
    }
  });

  $("export").addEventListener("click", async () => {
    if (currentWaypoints().length < 2) {
      status("Nothing to export: draw or import a plan first.", true);
      return;
    }
    const fmt = $("export-format").value;
    try {
      const response = await api("POST", `/api/export/${fmt}`, planRequest());
      const blob = await response.blob();
      const match = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "");
      const a = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : `plan.${fmt}` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      status(`Downloaded ${a.download}.`);
    } catch (err) {
      status(err.message, true);
    }
  });

  // ------------------------------------------------------------------ targets
  function drawTargets() {
    layers.targets.clearLayers();
    state.targets.forEach((t, i) => {
      const marker = L.circleMarker(toLatLng([t.lon, t.lat]), {
        pane: "markersPane", pmIgnore: true, radius: 6, color: "#a34f00", weight: 2, fillColor: "#ffb347", fillOpacity: 0.9,
        className: "target-marker",
      });
      marker.bindTooltip(tooltipNode(t.name || `target ${i}`, `value ${t.value}; right-click to remove`));
      marker.on("contextmenu", () => {
        state.targets.splice(i, 1);
        drawTargets();
      });
      marker.addTo(layers.targets);
    });
    $("targets-count").textContent = state.targets.length ? `${state.targets.length} target(s)` : "No targets.";
  }

  function setAddingTargets(on) {
    state.addingTargets = on;
    $("add-targets").setAttribute("aria-pressed", String(on));
    map.getContainer().style.cursor = on ? "crosshair" : "";
  }

  $("add-targets").addEventListener("click", () => {
    map.pm.disableDraw();
    setAddingTargets(!state.addingTargets);
  });
  map.on("click", (e) => {
    if (!state.addingTargets) return;
    let lon = e.latlng.lng;
    if (lon > 180) lon -= 360;
    state.targets.push({ lon, lat: e.latlng.lat, name: `T${state.targets.length + 1}`, value: 1 });
    drawTargets();
  });
  $("clear-targets").addEventListener("click", () => {
    state.targets = [];
    drawTargets();
  });
  $("bundled-sites").addEventListener("click", async () => {
    const terr = currentTerritory();
    const code = terr.members.includes("BLR") ? "BLR" : terr.code;
    try {
      const out = await (await api("GET", `/api/sites?territory=${encodeURIComponent(code)}`)).json();
      state.targets = out.targets;
      drawTargets();
      status(`${out.targets.length} bundled sites of ${code}.`);
    } catch (err) {
      status(err.message, true);
    }
  });
  $("targets-file").addEventListener("change", async (e) => {
    const file = e.target.files[0];
    e.target.value = "";
    if (!file) return;
    const format = formatOf(file.name);
    if (format !== "csv" && format !== "geojson") {
      status(`${file.name}: give a .csv or .geojson targets file`, true);
      return;
    }
    try {
      const text = await file.text();
      const out = await (await api("POST", "/api/targets/import", { format, text, filename: file.name })).json();
      state.targets = out.targets;
      drawTargets();
      status(`${out.targets.length} targets from ${file.name}.`);
    } catch (err) {
      status(err.message, true);
    }
  });

  $("best-route").addEventListener("click", async () => {
    if (!state.targets.length) {
      status("Add targets first (click, a file, or the bundled sites).", true);
      return;
    }
    const button = $("best-route");
    button.disabled = true;
    status("Planning the best route…");
    try {
      const req = { ...context(), targets: state.targets, sensor: $("sensor").value };
      const out = await (await api("POST", "/api/route", req)).json();
      applySpec(out.plan);
      setPlan(out.plan.waypoints, out.plan);
      const list = el("ul");
      for (const s of out.skipped) list.append(el("li", { text: `${s.name}: ${s.reason}` }));
      $("route-result").replaceChildren(
        el("p", { text: `Observes ${out.observed.length} of ${state.targets.length} targets (value ${out.value_observed} of ${out.value_total}).` }),
        list,
      );
      status("Best route planned.");
    } catch (err) {
      status(err.message, true);
    } finally {
      button.disabled = false;
    }
  });

  // ------------------------------------------------------------------ footprint
  function scheduleFootprint() {
    clearTimeout(state.footprintTimer);
    if (!$("show-footprint").checked) {
      layers.footprint.clearLayers();
      $("footprint-info").textContent = "";
      return;
    }
    state.footprintTimer = setTimeout(loadFootprint, 400);
  }

  async function loadFootprint() {
    if (currentWaypoints().length < 2) return;
    try {
      const out = await (await api("POST", "/api/footprint", { ...planRequest(), sensor: $("sensor").value })).json();
      layers.footprint.clearLayers();
      L.geoJSON(shiftGeoJSON(out.geometry), {
        pane: "footprintPane", pmIgnore: true, interactive: false,
        style: { color: "#2f7d4f", weight: 0.5, fillColor: "#5cb87a", fillOpacity: 0.35 },
      }).addTo(layers.footprint);
      $("footprint-info").textContent = `Footprint (${out.sensor}): ${Math.round(out.area_km2).toLocaleString("en-GB")} km² imaged.`;
    } catch (err) {
      status(err.message, true);
    }
  }
  $("show-footprint").addEventListener("change", scheduleFootprint);

  // ------------------------------------------------------------------ comparison
  const COLOURS = ["#0b3d91", "#c2410c", "#15803d", "#7e22ce"];

  async function pollJob() {
    if (!state.job) return;
    try {
      const job = await (await api("GET", `/api/compare/${state.job}`)).json();
      if (job.status === "running") {
        $("cmp-status").textContent = `Running… ${Math.round(job.elapsed_s)} s`;
        setTimeout(pollJob, 1000);
        return;
      }
      state.job = null;
      $("compare").disabled = false;
      $("compare-cancel").hidden = true;
      if (job.status !== "done") {
        $("cmp-status").textContent = `Comparison ${job.status}` + (job.error ? `: ${describeError(job.error)}` : "");
        return;
      }
      showComparison(job.result);
    } catch (err) {
      state.job = null;
      $("compare").disabled = false;
      $("cmp-status").textContent = err.message;
    }
  }

  function showComparison(result) {
    $("cmp-status").textContent = `Done in ${Math.round(result.elapsed_s)} s: ${result.labels.join(" vs ")} over ${result.territory}.`;
    const findings = result.findings.length ? result.findings : ["No finding: a single candidate has nothing to compare with."];
    $("cmp-findings").replaceChildren(...findings.map((f) => el("li", { text: f })));
    const keys = ["flights_100pct", "flights_90pct", "best_flight_fraction", "km_outside_target_per_flight", "reach_fraction"];
    const table = el("table", { class: "summary" });
    table.append(el("tr", {}, el("th", { text: "candidate" }), ...keys.map((k) => el("th", { text: k.replaceAll("_", " ") }))));
    for (const row of result.summary) {
      const name = `${row.icao}${row.hypothetical ? " (hyp.)" : ""} ${km(row.budget_km)} km`;
      table.append(el("tr", {}, el("td", { text: name }), ...keys.map((k) => {
        const v = row[k];
        const text = v === null || v === undefined ? "–" : k.endsWith("fraction") ? (100 * v).toFixed(1) + " %" : Number(v).toLocaleString("en-GB", { maximumFractionDigits: 1 });
        return el("td", { text });
      })));
    }
    $("cmp-table").replaceChildren(table);
    layers.compare.clearLayers();
    const icaos = [...new Set(result.routes.features.map((f) => f.properties.icao))];
    L.geoJSON(shiftGeoJSON(result.routes), {
      pmIgnore: true,
      style: (f) => ({ color: COLOURS[icaos.indexOf(f.properties.icao) % COLOURS.length], weight: 2, opacity: 0.8 }),
      onEachFeature: (f, layer) => layer.bindTooltip(tooltipNode(`best single flight from ${f.properties.icao}`, `${km(f.properties.length_km)} km, ${f.properties.sensor}`)),
    }).addTo(layers.compare);
  }

  $("compare").addEventListener("click", async () => {
    const candidates = $("cmp-candidates").value.split(/[\s,;]+/).filter(Boolean).map((c) => c.toUpperCase());
    const req = {
      territory: $("cmp-territory").value,
      candidates,
      budgets_km: [Number($("cmp-budget").value)],
      sensors: [$("sensor").value],
      year: Number($("year").value),
      aircraft: $("aircraft").value,
    };
    try {
      const job = await (await api("POST", "/api/compare", req)).json();
      state.job = job.id;
      $("compare").disabled = true;
      $("compare-cancel").hidden = false;
      $("cmp-findings").replaceChildren();
      $("cmp-table").replaceChildren();
      $("cmp-status").textContent = "Started…";
      setTimeout(pollJob, 1000);
    } catch (err) {
      $("cmp-status").textContent = err.message;
    }
  });
  $("compare-cancel").addEventListener("click", async () => {
    if (!state.job) return;
    try {
      await api("DELETE", `/api/compare/${state.job}`);
    } catch (err) {
      $("cmp-status").textContent = err.message;
    }
  });

  // ------------------------------------------------------------------ start
  async function start() {
    // the token stays in the cookie; keep it out of the address bar and history
    if (window.location.search.includes("token=")) window.history.replaceState(null, "", "/");
    try {
      await loadOptions(2019);
      await Promise.all([loadBorders(), loadTerritory()]);
      drawAirfields();
      drawTargets();
      renderEmpty();
      document.body.dataset.ready = "yes";
      status("Ready.");
    } catch (err) {
      status(err.message, true);
    }
  }
  start();
})();
