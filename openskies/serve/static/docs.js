/* Renders /openapi.json offline (no CDN): endpoints, bodies, answers, models.
 * Built with textContent only. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === "text") node.textContent = String(v);
      else if (k === "class") node.className = v;
      else node.setAttribute(k, String(v));
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return node;
  }
  const refName = (s) => (s && s.$ref ? s.$ref.split("/").pop() : null);
  function typeOf(s) {
    if (!s) return "";
    if (s.$ref) return refName(s);
    if (s.anyOf) return s.anyOf.map(typeOf).join(" | ");
    if (s.type === "array") return `array of ${typeOf(s.items || (s.prefixItems ? { type: "[" + s.prefixItems.map(typeOf).join(", ") + "]" } : {}))}`;
    if (s.enum) return s.enum.map((x) => JSON.stringify(x)).join(" | ");
    if (s.const !== undefined) return JSON.stringify(s.const);
    return s.type || "any";
  }
  async function main() {
    const doc = await (await fetch("/openapi.json", { credentials: "same-origin" })).json();
    $("title").textContent = `${doc.info.title} ${doc.info.version}`;
    $("description").textContent = doc.info.description || "";
    const paths = $("paths");
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const box = el("div", { class: "endpoint" },
          el("div", {}, el("span", { class: "method", text: method.toUpperCase() }), el("span", { class: "path", text: path })),
          el("div", { class: "summary", text: op.description || op.summary || "" }));
        const params = (op.parameters || []).map((p) => `${p.name} (${p.in}${p.required ? ", required" : ""}): ${typeOf(p.schema)}`);
        if (params.length) box.append(el("div", { text: "Parameters: " + params.join("; ") }));
        const body = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
        if (body) box.append(el("div", { text: "Body: " + typeOf(body.schema) }));
        const answers = Object.entries(op.responses || {}).map(([code, r]) => {
          const c = r.content && (r.content["application/json"] || Object.values(r.content)[0]);
          return `${code} ${r.description || ""}${c && c.schema ? " → " + typeOf(c.schema) : ""}`;
        });
        box.append(el("div", { text: "Answers: " + answers.join("; ") }));
        paths.append(box);
      }
    }
    const schemas = $("schemas");
    for (const [name, s] of Object.entries((doc.components || {}).schemas || {})) {
      const table = el("table", {}, el("tr", {}, el("th", { text: "field" }), el("th", { text: "type" }), el("th", { text: "description" })));
      for (const [field, fs] of Object.entries(s.properties || {})) {
        const req = (s.required || []).includes(field) ? " (required)" : "";
        table.append(el("tr", {}, el("td", { text: field + req }), el("td", { text: typeOf(fs) }), el("td", { text: fs.description || "" })));
      }
      schemas.append(el("h3", { id: "schema-" + name, text: name }), el("p", { text: s.description || "" }), table);
    }
  }
  main().catch((err) => { $("description").textContent = "Could not load /openapi.json: " + err; });
})();
