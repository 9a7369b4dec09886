// An offline world map in SVG: equirectangular (x = lon, y = -lat), land from the shipped
// Natural Earth layer (/console/basemap.geojson), layers for areas, footprints and tracks.
import { s } from "./ui.js";

let basemap = null;
function loadBasemap() {
  if (!basemap) basemap = fetch("/console/basemap.geojson", { credentials: "same-origin" }).then((r) => r.json());
  return basemap;
}

export function ringPath(ring) {
  let d = "";
  let prev = null;
  for (const [lon, lat] of ring) {
    // break the line where it crosses the antimeridian
    d += (prev === null || Math.abs(lon - prev) > 180 ? "M" : "L") + lon.toFixed(3) + " " + (-lat).toFixed(3);
    prev = lon;
  }
  return d;
}

export function geometryRings(g) {
  if (!g) return [];
  if (g.type === "Polygon") return g.coordinates;
  if (g.type === "MultiPolygon") return g.coordinates.flat();
  if (g.type === "Feature") return geometryRings(g.geometry);
  if (g.type === "FeatureCollection") return g.features.flatMap((f) => geometryRings(f.geometry));
  if (g.type === "GeometryCollection") return g.geometries.flatMap(geometryRings);
  return [];
}

export function worldMap({ label = "World map", onClick = null } = {}) {
  const svg = s("svg", { class: "map", viewBox: "-180 -90 360 180", role: "img", "aria-label": label,
    preserveAspectRatio: "xMidYMid meet" });
  const land = s("g", { class: "land-layer" });
  const grat = s("g", { class: "grat-layer" });
  for (let lon = -150; lon <= 150; lon += 30) grat.append(s("path", { class: "grat", d: `M${lon} -90V90` }));
  for (let lat = -60; lat <= 60; lat += 30) grat.append(s("path", { class: "grat", d: `M-180 ${-lat}H180` }));
  const layers = s("g", { class: "layers" });
  svg.append(land, grat, layers);
  const ready = loadBasemap().then((fc) => {
    const d = fc.features.flatMap((f) => geometryRings(f.geometry)).map((r) => ringPath(r) + "Z").join("");
    land.append(s("path", { class: "land", d, "fill-rule": "evenodd" }));
    svg.dataset.basemap = "loaded";
  }).catch(() => { svg.dataset.basemap = "missing"; });

  function toLonLat(ev) {
    const pt = svg.createSVGPoint();
    pt.x = ev.clientX; pt.y = ev.clientY;
    const p = pt.matrixTransform(svg.getScreenCTM().inverse());
    return [Math.max(-180, Math.min(180, p.x)), Math.max(-90, Math.min(90, -p.y))];
  }
  if (onClick) svg.addEventListener("click", (ev) => onClick(toLonLat(ev), ev));

  return {
    svg, ready, toLonLat,
    clear() { layers.replaceChildren(); },
    polygon(geom, cls, title) {
      const p = s("path", { class: cls, d: geometryRings(geom).map((r) => ringPath(r) + "Z").join(""), "fill-rule": "evenodd" });
      if (title) p.append(s("title", {}, title));
      layers.append(p);
      return p;
    },
    line(lonlats, cls, title) {
      const p = s("path", { class: cls, d: ringPath(lonlats), "vector-effect": "non-scaling-stroke" });
      if (title) p.append(s("title", {}, title));
      layers.append(p);
      return p;
    },
    point(lon, lat, cls = "foot", r = 0.8) { const c = s("circle", { cx: lon, cy: -lat, r, class: cls }); layers.append(c); return c; },
    fit(rings, padDeg = 5) {
      const pts = rings.flat();
      if (!pts.length) { svg.setAttribute("viewBox", "-180 -90 360 180"); return; }
      let x0 = Math.min(...pts.map((p) => p[0])) - padDeg, x1 = Math.max(...pts.map((p) => p[0])) + padDeg;
      let y0 = Math.min(...pts.map((p) => p[1])) - padDeg, y1 = Math.max(...pts.map((p) => p[1])) + padDeg;
      const w = Math.max(x1 - x0, (y1 - y0) * 2), hgt = w / 2;
      const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
      svg.setAttribute("viewBox", `${(cx - w / 2).toFixed(2)} ${(-cy - hgt / 2).toFixed(2)} ${w.toFixed(2)} ${hgt.toFixed(2)}`);
    },
    reset() { svg.setAttribute("viewBox", "-180 -90 360 180"); },
  };
}
