import { api, optional } from "../api.js";
import { eventGeometry, planeGeometry } from "../encounter.js";
import { lineChart } from "../charts.js";
import { worldMap } from "../map.js";
import { field, fmt, h, kv, parseUtc, risk, s } from "../ui.js";

const DEFAULT_HBR_M = 20;

/** The encounter-plane plot: hard-body circle at the origin, miss vector to the secondary's
 *  relative position, the combined covariance ellipse (1 and 3 sigma) around it when known.
 *  With `ep` (an update's `encounter_plane`, computed by the library from a CDM) the plot is that. */
export function encounterPlot(ev, hbrM, ep = null) {
  const g = ep ? planeGeometry(ep, hbrM / 1000) : eventGeometry(ev, hbrM / 1000);
  const [mx, my] = g.miss2;
  const W = 420, c = W / 2;
  let extent = Math.max(Math.hypot(mx, my), g.hbrKm);
  if (g.ellipse) extent = Math.max(extent, Math.hypot(mx, my) + 3 * g.ellipse.major);
  const k = (0.42 * W) / (extent || 1); // px per km
  const svg = s("svg", { class: "plot", viewBox: `0 0 ${W} ${W}`, role: "img", "data-testid": "encounter-plot",
    "data-px-per-km": String(k),
    "aria-label": `Encounter plane: miss ${fmt.num(ev.miss_km, 3)} km${g.ellipse ? " with covariance ellipse" : ""}` });
  svg.append(s("title", {}, "Encounter plane (x along the miss vector, y = v_rel × x), km"));
  for (let i = 1; i < 4; i++) {
    svg.append(s("path", { class: "gridl", d: `M${(W * i) / 4} 0V${W}M0 ${(W * i) / 4}H${W}` }));
  }
  svg.append(s("path", { class: "axis", d: `M${c} 8V${W - 8}M8 ${c}H${W - 8}` }));
  const px = c + mx * k, py = c - my * k;
  if (g.ellipse) {
    const deg = (-g.ellipse.angle * 180) / Math.PI;
    for (const n of [3, 1]) {
      svg.append(s("ellipse", { class: "ell", "data-testid": `ellipse-${n}sigma`, cx: px, cy: py,
        rx: Math.max(g.ellipse.major * n * k, 0.5), ry: Math.max(g.ellipse.minor * n * k, 0.5),
        transform: `rotate(${deg.toFixed(3)} ${px} ${py})` }));
    }
  }
  const rHbr = g.hbrKm * k, shown = Math.max(rHbr, 3);
  svg.append(s("circle", { class: "hbr", "data-testid": "hbr-circle", cx: c, cy: c, r: shown },
    s("title", {}, `hard-body radius ${hbrM} m${shown > rHbr ? " (enlarged to be visible)" : ""}`)));
  svg.append(s("line", { class: "miss", "data-testid": "miss-vector", x1: c, y1: c, x2: px, y2: py },
    s("title", {}, `miss vector ${fmt.num(ev.miss_km, 3)} km`)));
  svg.append(s("circle", { cx: px, cy: py, r: 3.5, class: "miss" }));
  const scaleKm = Number((extent / 2).toPrecision(2));
  svg.append(s("path", { class: "axis", "data-testid": "scale-bar", d: `M12 ${W - 14}h${scaleKm * k}` }),
    s("text", { x: 12, y: W - 18, class: "lbl", "data-testid": "scale-label" }, `${scaleKm} km`),
    s("text", { x: W - 10, y: c - 6, class: "lbl", "text-anchor": "end" }, "x (miss)"),
    s("text", { x: c + 6, y: 16, class: "lbl" }, "y = v × x"));
  return { svg, geometry: g };
}

export function trackPoints(track) {
  const list = track.updates || track.points || track.cdms || track.history || [];
  return list.map((u) => ({ t: parseUtc(u.computed_at || u.updated_at || u.creation_date || u.created_at || u.at || u.time),
    miss: u.miss_km, pc: u.pc }));
}

/** The event track (GET /v1/tracks/{id}: updates with computed_at, miss_km, pc) of the event's pair
 *  whose TCA is nearest, or null. */
async function eventTrack(ev) {
  const t = parseUtc(ev.tca), day = 86400e3;
  const list = await optional("/v1/tracks", { query: { norad_id: ev.norad_1, limit: 200,
    tca_from: new Date(t - day).toISOString(), tca_to: new Date(t + day).toISOString() } });
  if (!list) return null;
  const pair = [ev.norad_1, ev.norad_2].sort((x, y) => x - y).join(" ");
  const mine = (list.tracks || []).filter((k) => [k.norad_lo, k.norad_hi].join(" ") === pair)
    .sort((x, y) => Math.abs(parseUtc(x.tca) - t) - Math.abs(parseUtc(y.tca) - t));
  return mine.length ? optional(`/v1/tracks/${mine[0].id}`) : null;
}

/** Positions of a CZML document's two objects (cartesian, FIXED frame, km or m) as lon/lat tracks. */
export function czmlTracks(doc) {
  const out = [];
  for (const p of doc) {
    const pos = p.position;
    if (!pos || !Array.isArray(pos.cartesian)) continue;
    const a = pos.cartesian, pts = [];
    for (let i = 0; i + 3 < a.length; i += 4) {
      const [x, y, z] = [a[i + 1], a[i + 2], a[i + 3]];
      pts.push([(Math.atan2(y, x) * 180) / Math.PI, (Math.atan2(z, Math.hypot(x, y)) * 180) / Math.PI]);
    }
    out.push({ id: p.id, name: p.name || p.id, pts });
  }
  return out;
}

export const page = {
  route: /^\/events\/(?<id>\d+)$/,
  title: "Event",
  navParent: "#/conjunctions",
  async render(view, { id }) {
    const ev = await api(`/v1/events/${id}`);
    const r = risk(ev);
    view.append(h("p", {}, h("a", { href: "#/conjunctions" }, "← Conjunctions")),
      h("h1", {}, `Event ${ev.id}: ${ev.norad_1} ${ev.name_1} × ${ev.norad_2} ${ev.name_2}`));
    const hbrIn = h("input", { id: "hbr", type: "number", min: "0.1", step: "any", value: ev.hbr_m || DEFAULT_HBR_M });
    const plotBox = h("div");
    const note = h("p", { class: "muted small" });
    function draw() {
      const { svg, geometry } = encounterPlot(ev, Math.max(parseFloat(hbrIn.value) || DEFAULT_HBR_M, 0.1));
      plotBox.replaceChildren(svg);
      note.textContent = [geometry.ellipse ? "Ellipses: combined covariance, 1σ and 3σ."
        : "No covariance for this event: the miss vector alone.",
      geometry.frame.assumed ? "Relative velocity direction assumed horizontal and normal to the miss vector." : ""].join(" ");
    }
    hbrIn.addEventListener("input", draw);
    draw();

    const downloads = h("p", {});
    view.append(h("div", { class: "grid2" },
      h("section", { class: "panel", "aria-labelledby": "ep-h" }, h("h2", { id: "ep-h" }, "Encounter plane"), plotBox,
        h("div", { class: "filters" }, field("Hard-body radius (m)", hbrIn)), note),
      h("section", { class: "panel", "aria-labelledby": "d-h" }, h("h2", { id: "d-h" }, "Details"),
        kv([["TCA", fmt.utc(ev.tca)], ["Miss", `${fmt.num(ev.miss_km, 4)} km`],
          ["Radial", `${fmt.num(ev.radial_km, 4)} km`], ["In-track", `${fmt.num(ev.in_track_km, 4)} km`],
          ["Cross-track", `${fmt.num(ev.cross_track_km, 4)} km`], ["Relative speed", `${fmt.num(ev.rel_speed_km_s, 3)} km/s`],
          ["Pc", fmt.pc(ev.pc)], ["Risk", h("span", {}, h("span", { class: `sw ${r}` }), r)],
          ["Screening job", h("a", { href: "#/jobs" }, `job ${ev.job_id} (${ev.agency})`)]]),
        h("p", { class: "muted small" }, "RTN of object 1 (radial, in-track, cross-track)."),
        h("h2", {}, "Downloads"), downloads)));

    // CDM and CZML downloads: links appear when this server answers them
    // the extras must not take the page down: an error there hides the extra only
    const czml = await optional(`/v1/events/${id}/czml`).catch(() => null);
    const links = [];
    for (const [label, url] of [["CDM (KVN)", `/v1/events/${id}/cdm?format=kvn`], ["CDM (XML)", `/v1/events/${id}/cdm?format=xml`]]) {
      const ok = await fetch(url, { method: "GET", credentials: "same-origin" }).then((x) => x.ok).catch(() => false);
      if (ok) links.push(h("a", { href: url, download: "" }, label));
    }
    if (czml) links.push(h("a", { href: `/v1/events/${id}/czml`, download: `event-${id}.czml` }, "CZML (Cesium)"));
    downloads.append(...(links.length ? links.flatMap((a, i) => [i ? " · " : "", a])
      : [h("span", { class: "muted" }, "No CDM or CZML download on this server yet.")]));

    // miss and Pc against update time (event tracks)
    const track = await eventTrack(ev).catch(() => null);
    if (track && (track.updates || []).length) {
      const pts = trackPoints(track);
      view.append(h("section", { class: "panel", "aria-labelledby": "tr-h" }, h("h2", { id: "tr-h" },
        h("a", { href: `#/tracks/${track.id}` }, `Updates of track ${track.id} (${track.updates.length})`)),
        h("div", { class: "grid2" }, lineChart(pts.map((p) => [p.t, p.miss]), { label: "Miss", unit: "km" }),
          lineChart(pts.map((p) => [p.t, p.pc]), { label: "Pc", log: true, cls: "series2" }))));
    }

    // the two objects around TCA, from the CZML the server makes (when it has the endpoint)
    if (czml) {
      const tracks = czmlTracks(czml);
      const m = worldMap({ label: "Ground tracks of the two objects around TCA" });
      tracks.forEach((t, i) => {
        m.line(t.pts, i ? "track2" : "track1", t.name);
        const mid = t.pts[Math.floor(t.pts.length / 2)];
        if (mid) m.point(mid[0], mid[1], i ? "track2" : "track1", 2);
      });
      m.svg.dataset.tracks = String(tracks.length);
      view.append(h("section", { class: "panel", "aria-labelledby": "gt-h" }, h("h2", { id: "gt-h" }, "Ground tracks around TCA"),
        m.svg, h("p", { class: "legend" }, tracks.map((t, i) => h("span", {}, h("span", { class: `sw ${i ? "t2" : "t1"}` }), t.name)))));
    }
    document.body.dataset.ready = "event";
  },
};

