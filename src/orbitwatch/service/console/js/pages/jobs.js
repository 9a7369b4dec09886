import { api } from "../api.js";
import { dataTable, errorText, field, fmt, h, toast } from "../ui.js";

function progressCell(j) {
  const p = j.progress || {};
  if (j.status === "running" && p.total) {
    const pct = Math.round((100 * (p.done || 0)) / p.total);
    return h("span", {}, h("progress", { max: p.total, value: p.done || 0, "aria-label": `job ${j.id} progress` }),
      ` ${pct}% ${p.stage || ""}`);
  }
  if (j.status === "done" && j.result) return `${j.result.n_events ?? j.result.events ?? ""} events`.trim();
  if (j.status === "failed" && j.error) return j.error.message || "failed";
  return p.stage || "";
}

export const page = {
  route: /^\/jobs$/,
  title: "Screening jobs",
  nav: "#/jobs",
  async render(view, _p, app) {
    view.append(h("h1", {}, "Screening jobs"));
    const live = h("p", { class: "muted small", "data-testid": "jobs-live" });
    const cols = [
      { key: "id", label: "Job", num: true },
      { key: "status", label: "Status" },
      { key: "progress", label: "Progress", sortable: false, render: progressCell },
      { key: "params", label: "Span", sortable: false,
        render: (j) => j.params ? `${fmt.utc(j.params.start)} → ${fmt.utc(j.params.stop)} (${j.params.threshold_km ?? "?"} km)` : "" },
      { key: "created_by", label: "By" },
      { key: "created_at", label: "Created", render: (j) => fmt.utc(j.created_at) },
      { key: "actions", label: "", sortable: false, render: (j) => [
        j.status === "done" ? h("a", { href: `#/conjunctions?job=${j.id}` }, "events") : "",
        (j.status === "queued" || j.status === "running") && app.can("analyst") && j.agency === app.me.agency
          ? h("button", { type: "button", class: "secondary", onclick: async () => {
            try { await api(`/v1/jobs/${j.id}/cancel`, { method: "POST" }); refresh(); } catch (e) { toast(errorText(e)); }
          } }, "Cancel") : ""] },
    ];
    const table = dataTable({ columns: cols, rows: [], label: "Screening jobs", sort: { key: "id", dir: -1 } });

    if (app.can("analyst")) {
      const start = h("input", { id: "j-start", placeholder: "now", size: 22 });
      const hours = h("input", { id: "j-hours", type: "number", min: "0.1", step: "any", value: "24" });
      const thr = h("input", { id: "j-thr", type: "number", min: "0.001", step: "any", value: "5" });
      const msg = h("span", { role: "status" });
      view.append(h("section", { class: "panel", "aria-labelledby": "new-h" }, h("h2", { id: "new-h" }, "Screen the fleet"),
        h("form", { class: "inline", onsubmit: async (e) => {
          e.preventDefault();
          msg.textContent = "";
          try {
            const j = await api("/v1/jobs/screening", { method: "POST", body: { start: start.value.trim() || null,
              hours: parseFloat(hours.value), threshold_km: parseFloat(thr.value) } });
            msg.textContent = `job ${j.id} queued`;
            refresh();
          } catch (err) { msg.className = "error"; msg.textContent = errorText(err); }
        } }, field("Start (UTC ISO-8601)", start), field("Hours", hours),
        field("Threshold (km)", thr), h("button", { type: "submit" }, "Submit"), msg)));
    }
    view.append(h("section", { class: "panel" }, live, table.el));

    let timer = null, stream = null, stopped = false, source = null;
    async function refresh() {
      try {
        const r = await api("/v1/jobs", { query: { limit: 200 } });
        table.setRows(r.jobs);
        const active = r.jobs.some((j) => j.status === "queued" || j.status === "running");
        clearTimeout(timer);
        if (!stopped && (active || !stream)) timer = setTimeout(refresh, active ? 1000 : 5000);
        live.textContent = stream ? "Live: server events (/v1/stream)" : `Polling /v1/jobs every ${active ? 1 : 5} s`;
      } catch (e) { live.textContent = errorText(e); }
    }
    // server-sent events when the server has /v1/stream; polling otherwise (and as a fallback)
    if (window.EventSource) {
      const es = source = new EventSource("/v1/stream");
      es.onopen = () => { stream = es; refresh(); };
      es.onmessage = () => refresh();
      for (const kind of ["job.progress", "job.done", "job.failed", "job.cancelled"]) es.addEventListener(kind, () => refresh());
      es.onerror = () => { es.close(); if (stream === es) { stream = null; refresh(); } };
    }
    await refresh();
    document.body.dataset.ready = "jobs";
    return () => { stopped = true; clearTimeout(timer); if (source) source.close(); };
  },
};
