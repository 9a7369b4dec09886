// Small DOM helpers: h() builds elements (text is always text: no innerHTML of data), a sortable
// filterable table that renders large lists in pages, formatters, and the risk scale.

const SVG_NS = "http://www.w3.org/2000/svg";

export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

export function s(tag, attrs = {}, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
    else if (k === "class") el.setAttribute("class", v);
    else if (k === "text") el.textContent = v;
    else if (v === true) el.setAttribute(k, "");
    else el.setAttribute(k, String(v));
  }
}

function append(el, kids) {
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

export function toast(msg) {
  const t = document.getElementById("toast");
  t.textContent = msg;
  t.classList.add("show");
  clearTimeout(t._timer);
  t._timer = setTimeout(() => t.classList.remove("show"), 4000);
}

export function errorText(e) {
  const d = e && e.detail;
  if (d && d.field && d.reason) return `${d.field}: ${d.reason}`;
  return (e && e.message) || String(e);
}

export const fmt = {
  num(x, digits = 3) { return x === null || x === undefined || Number.isNaN(x) ? "—" : Number(x).toFixed(digits); },
  pc(x) { return x === null || x === undefined ? "—" : x === 0 ? "0" : Number(x).toExponential(2); },
  utc(iso) { return iso ? iso.replace("T", " ").replace(/\.\d+Z?$/, "").replace(/Z$/, "") + " UTC" : "—"; },
  age(ms) {
    if (ms === null || ms === undefined || Number.isNaN(ms)) return "—";
    const s = Math.abs(ms) / 1000;
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
    return `${(s / 86400).toFixed(1)} d`;
  },
};

/** Risk of an event: by Pc when known (>= 1e-4 high, >= 1e-7 medium), else by miss distance
 *  (< 1 km high, < 5 km medium). Documented in docs/console.md. */
export function risk(ev) {
  if (ev.pc !== null && ev.pc !== undefined) return ev.pc >= 1e-4 ? "high" : ev.pc >= 1e-7 ? "medium" : "low";
  return ev.miss_km < 1 ? "high" : ev.miss_km < 5 ? "medium" : "low";
}

export function parseUtc(iso) { return iso ? Date.parse(iso.endsWith("Z") ? iso : iso + "Z") : NaN; }

/**
 * A sortable table. columns: [{key, label, num, value(row) (sort key), render(row) (cell content)}].
 * Renders at most `pageSize` rows at a time ("show more" adds more), so 10,000 rows stay fast.
 */
export function dataTable({ columns, rows, caption, rowClass, onOpen, sort = null, pageSize = 200, label }) {
  let state = { rows, sort: sort || { key: columns[0].key, dir: 1 }, shown: pageSize };
  const table = h("table", { "aria-label": label || caption || "table" });
  const thead = h("thead");
  const tbody = h("tbody");
  const more = h("button", { class: "secondary", type: "button", onclick: () => { state.shown += pageSize * 5; draw(); } },
    "Show more");
  const count = h("p", { class: "muted small", "aria-live": "polite", "data-testid": "table-count" });
  if (caption) table.append(h("caption", { class: "muted small" }, caption));
  table.append(thead, tbody);
  const colBy = Object.fromEntries(columns.map((c) => [c.key, c]));

  function header() {
    thead.replaceChildren(h("tr", {}, columns.map((c) => {
      const sorted = state.sort.key === c.key;
      return h("th", { class: c.num ? "num" : "", scope: "col", "data-key": c.key,
        "aria-sort": sorted ? (state.sort.dir > 0 ? "ascending" : "descending") : "none" },
      c.sortable === false ? c.label : h("button", { type: "button", onclick: () => sortBy(c.key),
        "aria-label": `Sort by ${c.label}` }, c.label));
    })));
  }
  function sortBy(key) {
    state.sort = state.sort.key === key ? { key, dir: -state.sort.dir } : { key, dir: 1 };
    draw();
  }
  function sorted() {
    const c = colBy[state.sort.key];
    const get = c.value || ((r) => r[c.key]);
    const dir = state.sort.dir;
    return state.rows.map((r) => [get(r), r]).sort((a, b) => {
      const x = a[0], y = b[0];
      if (x === y) return 0;
      if (x === null || x === undefined || Number.isNaN(x)) return 1;
      if (y === null || y === undefined || Number.isNaN(y)) return -1;
      return (x < y ? -1 : 1) * dir;
    }).map((p) => p[1]);
  }
  function draw() {
    header();
    const all = sorted();
    const frag = document.createDocumentFragment();
    for (const r of all.slice(0, state.shown)) {
      const tr = h("tr", { class: [rowClass ? rowClass(r) : "", onOpen ? "clickable" : ""].join(" ").trim() || null },
        columns.map((c) => h("td", { class: c.num ? "num" : "" }, c.render ? c.render(r) : r[c.key])));
      if (onOpen) {
        tr.addEventListener("click", (ev) => { if (!ev.target.closest("a,button")) onOpen(r); });
      }
      frag.append(tr);
    }
    tbody.replaceChildren(frag);
    count.textContent = `${Math.min(state.shown, all.length)} of ${all.length} shown`;
    more.hidden = all.length <= state.shown;
  }
  const el = h("div", {}, h("div", { class: "tablewrap" }, table), h("div", { class: "filters" }, count, more));
  draw();
  return { el, setRows(rows) { state.rows = rows; state.shown = pageSize; draw(); }, sortBy, get rows() { return sorted(); } };
}

export function kv(pairs) {
  return h("dl", { class: "kv" }, pairs.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

export function notice(text) { return h("p", { class: "notice", role: "note" }, text); }

/** A labelled control: <div class="field"><label for=id>text</label>control</div>. */
export function field(text, control) {
  return h("div", { class: "field" }, h("label", { for: control.id }, text), control);
}
