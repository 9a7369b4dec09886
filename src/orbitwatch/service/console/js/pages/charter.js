import { api, optional } from "../api.js";
import { dataTable, errorText, field, fmt, h, notice } from "../ui.js";
import { geometryRings, worldMap } from "../map.js";

export const ACTIVATIONS = "/v1/charter/activations";

export const HAZARDS = ["flood", "storm", "oil_spill", "ice", "tsunami", "wildfire", "earthquake", "landslide",
  "explosion", "volcano", "other"];

/** The first polygon of a GeoJSON document (FeatureCollection, Feature or geometry), or throws. */
export function polygonOf(doc) {
  const g = doc.type === "FeatureCollection" ? (doc.features[0] || {}).geometry : doc.type === "Feature" ? doc.geometry : doc;
  if (!g || (g.type !== "Polygon" && g.type !== "MultiPolygon")) throw new Error("the GeoJSON has no Polygon or MultiPolygon");
  return { geometry: g, props: doc.properties || {} };
}

export const page = {
  route: /^\/charter$/,
  title: "Charter",
  nav: "#/charter",
  async render(view, _p, app) {
    view.append(h("h1", {}, "Charter activations"));
    const list = await optional(ACTIVATIONS);
    if (list === null) {
      view.append(notice(`This server has no Charter activations yet (GET ${ACTIVATIONS} answers 404). `
        + "The page will work as soon as the endpoint is deployed."));
      document.body.dataset.ready = "charter";
      return;
    }
    const acts = list.activations || list.items || [];
    view.append(h("section", { class: "panel", "aria-labelledby": "al-h" }, h("h2", { id: "al-h" }, `Activations (${acts.length})`),
      dataTable({ label: "Activations", rows: acts, onOpen: (a) => app.go(`#/activations/${a.id}`), sort: { key: "id", dir: -1 },
        columns: [{ key: "id", label: "Id", num: true, render: (a) => h("a", { href: `#/activations/${a.id}` }, String(a.id)) },
          { key: "name", label: "Name" }, { key: "hazard", label: "Hazard" }, { key: "start", label: "Start", render: (a) => fmt.utc(a.start) },
          { key: "status", label: "Status" }, { key: "agency", label: "Agency" }] }).el));
    if (!app.can("coordinator") && !app.can("analyst")) return;

    // request: draw the area on the map (click to add vertices) or upload GeoJSON
    let vertices = [], uploaded = null;
    const m = worldMap({ label: "Draw the area: click to add vertices", onClick: ([lon, lat]) => {
      uploaded = null; vertices.push([+lon.toFixed(3), +lat.toFixed(3)]); drawDraft();
    } });
    const coords = h("p", { class: "small muted", "aria-live": "polite", "data-testid": "draft-vertices" });
    function geometry() {
      if (uploaded) return uploaded;
      if (vertices.length < 3) return null;
      return { type: "Polygon", coordinates: [[...vertices, vertices[0]]] };
    }
    function drawDraft() {
      m.clear();
      const g = geometry();
      if (g) m.polygon(g, "draft", "requested area");
      else if (vertices.length) m.line(vertices, "draft");
      coords.textContent = uploaded ? "Area from the uploaded file." : `${vertices.length} vertices` +
        (vertices.length ? `: ${vertices.map((v) => v.join(" ")).join(", ")}` : " (click the map; at least 3)");
    }
    drawDraft();
    const file = h("input", { id: "a-file", type: "file", accept: ".geojson,.json,application/geo+json" });
    const name = h("input", { id: "a-name", required: true, placeholder: "e.g. Indus floods" });
    const hazard = h("select", { id: "a-hazard" }, HAZARDS.map((x) => h("option", { value: x }, x)));
    const start = h("input", { id: "a-start", placeholder: "YYYY-MM-DDTHH:MMZ", value: new Date().toISOString().slice(0, 16) + "Z" });
    const hours = h("input", { id: "a-hours", type: "number", min: "1", max: "336", value: "48" });
    const onCall = h("input", { id: "a-oncall", required: true, value: app.me.agency });
    const msg = h("p", { role: "status" });
    file.addEventListener("change", async () => {
      try {
        const { geometry: g, props } = polygonOf(JSON.parse(await file.files[0].text()));
        uploaded = g; vertices = [];
        if (props.name && !name.value) name.value = props.name;
        if (props.hazard && HAZARDS.includes(props.hazard)) hazard.value = props.hazard;
        if (props.start) start.value = props.start;
        if (props.hours) hours.value = props.hours;
        m.fit(geometryRings(g), 4);
        drawDraft();
        msg.textContent = "";
      } catch (e) { msg.className = "error"; msg.textContent = `GeoJSON: ${e.message}`; }
    });
    view.append(h("section", { class: "panel", "aria-labelledby": "ar-h" }, h("h2", { id: "ar-h" }, "Request an activation"),
      h("div", { class: "grid2" }, h("div", {}, m.svg, coords,
        h("div", { class: "filters" }, h("button", { type: "button", class: "secondary", onclick: () => { vertices.pop(); drawDraft(); } }, "Undo vertex"),
          h("button", { type: "button", class: "secondary", onclick: () => { vertices = []; uploaded = null; m.reset(); drawDraft(); } }, "Clear"))),
      h("form", { class: "inline", onsubmit: async (e) => {
        e.preventDefault();
        const g = geometry();
        if (!g) { msg.className = "error"; msg.textContent = "Draw an area (3 or more vertices) or upload GeoJSON."; return; }
        try {
          const area = { type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry: g }] };
          const a = await api(ACTIVATIONS, { method: "POST", body: { name: name.value.trim(), hazard: hazard.value,
            start: start.value.trim(), hours: parseFloat(hours.value), on_call_agency: onCall.value.trim(), area } });
          app.go(`#/activations/${a.id}`);
        } catch (err) { msg.className = "error"; msg.textContent = errorText(err); }
      } }, field("Name", name), field("Hazard", hazard),
      field("Start (UTC)", start), field("Hours", hours), field("On-call agency", onCall),
      field("Or upload GeoJSON", file), h("button", { type: "submit" }, "Request activation"), msg))));
    document.body.dataset.ready = "charter";
  },
};
