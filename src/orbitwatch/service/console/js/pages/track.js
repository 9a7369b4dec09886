import { api } from "../api.js";
import { lineChart } from "../charts.js";
import { field, fmt, h, kv } from "../ui.js";
import { encounterPlot, trackPoints } from "./event.js";

const DEFAULT_HBR_M = 20;

/** One event track (GET /v1/tracks/{id}): its updates, and the encounter plane of the latest one
 *  that carries the library's `encounter_plane` (an uploaded CDM's covariances), else of the latest. */
export const page = {
  route: /^\/tracks\/(?<id>\d+)$/,
  title: "Event track",
  navParent: "#/conjunctions",
  async render(view, { id }) {
    const t = await api(`/v1/tracks/${id}`);
    const ups = t.updates || [];
    const withPlane = ups.filter((u) => u.encounter_plane);
    const u = withPlane.length ? withPlane[withPlane.length - 1] : ups[ups.length - 1] || t;
    const ep = u.encounter_plane || null;
    view.append(h("p", {}, h("a", { href: "#/conjunctions" }, "← Conjunctions")),
      h("h1", {}, `Track ${t.id}: ${t.norad_lo} × ${t.norad_hi}`));
    const hbrIn = h("input", { id: "hbr", type: "number", min: "0.1", step: "any",
      value: ep ? ep.hbr_m : u.hbr_m || DEFAULT_HBR_M });
    const plotBox = h("div");
    const note = h("p", { class: "muted small" });
    function draw() {
      const { svg, geometry } = encounterPlot(u, Math.max(parseFloat(hbrIn.value) || DEFAULT_HBR_M, 0.1), ep);
      plotBox.replaceChildren(svg);
      note.textContent = ep ? `Update ${u.id} (${u.source}): combined covariance of the CDM projected on the encounter `
        + `plane by the library, 1σ and 3σ; hard-body radius ${fmt.num(ep.hbr_m, 1)} m (${ep.hbr_source}).`
        : (geometry.ellipse ? "" : "No covariance for this update: the miss vector alone.");
    }
    hbrIn.addEventListener("input", draw);
    draw();
    const rows = [["TCA", fmt.utc(u.tca || t.tca)], ["Miss", `${fmt.num(u.miss_km, 4)} km`], ["Pc", fmt.pc(u.pc)],
      ["Status", t.status || "—"], ["Updates", String(ups.length)]];
    if (ep) {
      rows.push(["σ major", `${fmt.num(ep.sigma_major_km, 4)} km`], ["σ minor", `${fmt.num(ep.sigma_minor_km, 4)} km`],
        ["Relative speed", `${fmt.num(ep.rel_speed_km_s, 4)} km/s`]);
    }
    view.append(h("div", { class: "grid2" },
      h("section", { class: "panel", "aria-labelledby": "tp-h" }, h("h2", { id: "tp-h" }, "Encounter plane"), plotBox,
        h("div", { class: "filters" }, field("Hard-body radius (m)", hbrIn)), note),
      h("section", { class: "panel", "aria-labelledby": "td-h" }, h("h2", { id: "td-h" }, "Details"), kv(rows),
        u.has_cdm && u.id ? h("p", {}, h("a", { href: `/v1/tracks/${t.id}/updates/${u.id}/cdm?format=kvn`, download: "" },
          "CDM (KVN)")) : "")));
    if (ups.length) {
      const pts = trackPoints(t);
      view.append(h("section", { class: "panel", "aria-labelledby": "tu-h" }, h("h2", { id: "tu-h" }, `Updates (${ups.length})`),
        h("div", { class: "grid2" }, lineChart(pts.map((p) => [p.t, p.miss]), { label: "Miss", unit: "km" }),
          lineChart(pts.map((p) => [p.t, p.pc]), { label: "Pc", log: true, cls: "series2" }))));
    }
    document.body.dataset.ready = "track";
  },
};
