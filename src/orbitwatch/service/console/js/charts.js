// Small SVG charts: a line chart of (time, value) points, linear or log10 scale.
import { h, s } from "./ui.js";

export function lineChart(points, { label, unit = "", log = false, cls = "series1", width = 480, height = 200 } = {}) {
  const pts = points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!log || p[1] > 0));
  const svg = s("svg", { class: "plot", viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  if (!pts.length) { svg.append(s("text", { x: 20, y: 30, class: "lbl" }, `${label}: no values`)); return svg; }
  const L = 64, R = 10, T = 16, B = 28;
  const f = log ? Math.log10 : (x) => x;
  const xs = pts.map((p) => p[0]), ys = pts.map((p) => f(p[1]));
  let x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (x1 === x0) { x0 -= 3.6e6; x1 += 3.6e6; }
  if (y1 === y0) { y0 -= log ? 1 : Math.abs(y0) * 0.1 + 1e-9; y1 += log ? 1 : Math.abs(y1) * 0.1 + 1e-9; }
  const X = (x) => L + ((x - x0) / (x1 - x0)) * (width - L - R);
  const Y = (y) => height - B - ((y - y0) / (y1 - y0)) * (height - T - B);
  svg.append(s("path", { class: "axis", d: `M${L} ${T}V${height - B}H${width - R}` }));
  for (const yv of [y0, (y0 + y1) / 2, y1]) {
    svg.append(s("text", { x: L - 4, y: Y(yv) + 4, class: "lbl", "text-anchor": "end" },
      log ? `1e${yv.toFixed(1)}` : yv.toPrecision(3)));
  }
  for (const xv of [x0, x1]) {
    svg.append(s("text", { x: X(xv), y: height - 8, class: "lbl", "text-anchor": xv === x0 ? "start" : "end" },
      new Date(xv).toISOString().slice(5, 16).replace("T", " ")));
  }
  svg.append(s("text", { x: L + 4, y: T - 3, class: "lbl" }, `${label}${unit ? ` (${unit})` : ""}`));
  svg.append(s("path", { class: cls, d: pts.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)} ${Y(f(p[1])).toFixed(1)}`).join("") }));
  for (const p of pts) svg.append(s("circle", { cx: X(p[0]), cy: Y(f(p[1])), r: 2.5, class: cls }));
  return svg;
}

export function figure(svg, caption) { return h("figure", { class: "fig" }, svg, h("figcaption", { class: "muted small" }, caption)); }
