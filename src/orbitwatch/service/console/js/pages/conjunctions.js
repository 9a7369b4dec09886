import { api } from "../api.js";
import { dataTable, field, fmt, h, parseUtc, risk } from "../ui.js";

/** Status of an event: the API's own when it has one (coordination), else upcoming/past by TCA. */
export function status(ev, now = Date.now()) {
  return ev.status || (parseUtc(ev.tca) >= now ? "upcoming" : "past");
}

export const page = {
  route: /^\/conjunctions(?:\?job=(?<job>\d+))?$/,
  title: "Conjunctions",
  nav: "#/conjunctions",
  async render(view, { job }, app) {
    view.append(h("h1", {}, job ? `Conjunctions found by job ${job}` : "Conjunctions"));
    if (job) view.append(h("p", {}, h("a", { href: "#/conjunctions" }, "All events")));
    const [fleet, evs, jobs] = await Promise.all([api("/v1/fleet"), api("/v1/events", { query: { limit: 10000, job_id: job } }),
      api("/v1/jobs", { query: { limit: 1000 } })]);
    const now = Date.now();
    const finished = Object.fromEntries(jobs.jobs.map((j) => [j.id, parseUtc(j.finished_at || j.created_at)]));
    const rows = evs.events.map((e) => ({
      ...e,
      _status: status(e, now),
      _risk: risk(e),
      _age: now - (e.updated_at ? parseUtc(e.updated_at) : finished[e.job_id]),
      _objects: `${e.norad_1} ${e.name_1} ${e.norad_2} ${e.name_2}`.toLowerCase(),
    }));

    view.append(h("section", { class: "panel", "aria-labelledby": "fleet-h" },
      h("h2", { id: "fleet-h" }, `Fleet of ${app.me.agency} (${fleet.entries.length})`),
      fleet.entries.length ? h("p", { class: "small" }, fleet.entries.map((f, i) => [i ? ", " : "",
        h("span", { title: `operated by ${f.agency}` }, `${f.norad_id} ${f.name || f.label || ""}`.trim())]))
        : h("p", { class: "muted" }, "No fleet objects declared yet (POST /v1/fleet or the CLI).")));

    const q = h("input", { id: "f-text", type: "search", placeholder: "NORAD id or name" });
    const maxMiss = h("input", { id: "f-miss", type: "number", min: "0", step: "any", placeholder: "any" });
    const minPc = h("input", { id: "f-pc", type: "number", min: "0", step: "any", placeholder: "any" });
    const riskSel = h("select", { id: "f-risk" }, ["all", "high", "medium", "low"].map((r) => h("option", { value: r }, r)));
    const statusSel = h("select", { id: "f-status" }, ["all", "upcoming", "past",
      ...new Set(rows.map((r) => r._status).filter((x) => x !== "upcoming" && x !== "past"))].map((r) => h("option", { value: r }, r)));

    const cols = [
      { key: "tca", label: "TCA (UTC)", value: (r) => r.tca, render: (r) => h("a", { href: `#/events/${r.id}` }, fmt.utc(r.tca)) },
      { key: "objects", label: "Objects", value: (r) => r._objects,
        render: (r) => `${r.norad_1} ${r.name_1} × ${r.norad_2} ${r.name_2}` },
      { key: "miss_km", label: "Miss (km)", num: true, render: (r) => fmt.num(r.miss_km, 3) },
      { key: "pc", label: "Pc", num: true, render: (r) => fmt.pc(r.pc) },
      { key: "rel_speed_km_s", label: "v rel (km/s)", num: true, render: (r) => fmt.num(r.rel_speed_km_s, 2) },
      { key: "_risk", label: "Risk", value: (r) => ({ high: 0, medium: 1, low: 2 }[r._risk]),
        render: (r) => h("span", {}, h("span", { class: `sw ${r._risk}`, "aria-hidden": "true" }), r._risk) },
      { key: "_status", label: "Status" },
      { key: "_age", label: "Data age", num: true, render: (r) => fmt.age(r._age) },
      { key: "agency", label: "Screened by" },
    ];
    const table = dataTable({ columns: cols, rows, label: "Conjunction events", rowClass: (r) => `risk-${r._risk}`,
      onOpen: (r) => app.go(`#/events/${r.id}`), sort: { key: "tca", dir: 1 } });

    function apply() {
      const text = q.value.trim().toLowerCase();
      const mm = parseFloat(maxMiss.value), mp = parseFloat(minPc.value);
      table.setRows(rows.filter((r) => (!text || r._objects.includes(text))
        && (Number.isNaN(mm) || r.miss_km <= mm)
        && (Number.isNaN(mp) || (r.pc !== null && r.pc >= mp))
        && (riskSel.value === "all" || r._risk === riskSel.value)
        && (statusSel.value === "all" || r._status === statusSel.value)));
    }
    for (const el of [q, maxMiss, minPc]) el.addEventListener("input", apply);
    for (const el of [riskSel, statusSel]) el.addEventListener("change", apply);

    view.append(h("section", { class: "panel", "aria-labelledby": "ev-h" },
      h("h2", { id: "ev-h" }, `Events (${rows.length})`),
      h("div", { class: "filters", role: "search", "aria-label": "Filter events" },
        field("Objects", q), field("Max miss (km)", maxMiss),
        field("Min Pc", minPc), field("Risk", riskSel),
        field("Status", statusSel),
        h("div", { class: "legend", "aria-label": "Risk colours" },
          h("span", {}, h("span", { class: "sw high" }), "high: Pc ≥ 1e-4 (or miss < 1 km without Pc)"),
          h("span", {}, h("span", { class: "sw medium" }), "medium: Pc ≥ 1e-7 (miss < 5 km)"),
          h("span", {}, h("span", { class: "sw low" }), "low"))),
      table.el));
    document.body.dataset.ready = "conjunctions";
  },
};
