import { api, optional } from "../api.js";
import { dataTable, errorText, field, fmt, h, kv, parseUtc, s, toast } from "../ui.js";
import { geometryRings, worldMap } from "../map.js";

function timeline(windows, t0, t1) {
  const W = 900, rowH = 18, L = 170;
  const rows = [...new Set(windows.map((w) => w.satellite || w.name || "?"))];
  const H = 30 + rows.length * rowH;
  const X = (t) => L + ((t - t0) / (t1 - t0 || 1)) * (W - L - 10);
  const svg = s("svg", { class: "plot timeline", viewBox: `0 0 ${W} ${H}`, role: "img", "data-testid": "timeline",
    "aria-label": `Timeline of ${windows.length} acquisition windows` });
  for (let k = 0; k <= 4; k++) {
    const t = t0 + ((t1 - t0) * k) / 4;
    svg.append(s("path", { class: "gridl", d: `M${X(t)} 0V${H - 18}` }),
      s("text", { x: X(t), y: H - 4, "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle" },
        new Date(t).toISOString().slice(5, 16).replace("T", " ")));
  }
  rows.forEach((r, i) => svg.append(s("text", { x: 4, y: 14 + i * rowH }, r)));
  for (const w of windows) {
    const i = rows.indexOf(w.satellite || w.name || "?");
    const a = parseUtc(w.start), b = parseUtc(w.stop || w.end || w.start);
    svg.append(s("rect", { class: "win", x: X(a), y: 4 + i * rowH, width: Math.max(X(b) - X(a), 2), height: rowH - 6 },
      s("title", {}, `${w.satellite || ""} ${fmt.utc(w.start)} ${w.status || ""}`)));
  }
  return svg;
}

/** The on-call officer's decision on a requested activation: Accept (naming the project manager's
 * agency; the API queues the planning job) or Reject (with the reason). Shown only to a coordinator
 * or admin of the activation's on-call agency; the API checks both again (403/409 shown here). */
function decisionPanel(a, app) {
  const me = app.me || {};
  const onCall = (a.actors || []).some((x) => x.role === "on_call_officer"
    && String(x.agency || "").toUpperCase() === String(me.agency || "").toUpperCase());
  if (a.status !== "requested" || !onCall || !app.can("coordinator")) return "";
  const msg = h("p", { role: "status", "aria-live": "polite", "data-testid": "decision-msg" });
  const pm = h("input", { id: "d-pm", required: true, maxlength: "100", value: me.agency || "",
    placeholder: "agency of the project manager" });
  const reason = h("input", { id: "d-reason", required: true, maxlength: "2000", placeholder: "why it is refused" });
  async function decide(e, what, body) {
    e.preventDefault();
    for (const b of e.target.querySelectorAll("button")) b.disabled = true;
    msg.className = ""; msg.textContent = what === "accept" ? "Accepting…" : "Rejecting…";
    try {
      const r = await api(`/v1/charter/activations/${a.id}/${what}`, { method: "POST", body });
      msg.className = "ok";
      msg.textContent = what === "accept" ? `Accepted: planning job ${r.job_id} queued.` : "Rejected.";
      toast(msg.textContent);
      app.go(location.hash);  // the page again, with the new status (and the planning job's result when done)
    } catch (err) {
      msg.className = "error";
      msg.textContent = `${err.status === 403 ? "Not allowed" : err.status === 409 ? "Conflict" : "Failed"}: `
        + errorText(err);
      for (const b of e.target.querySelectorAll("button")) b.disabled = false;
    }
  }
  return h("section", { class: "panel", "aria-labelledby": "dc-h" },
    h("h2", { id: "dc-h" }, "On-call officer: accept or reject"),
    h("form", { class: "inline", "aria-label": "Accept the activation",
      onsubmit: (e) => decide(e, "accept", { project_manager_agency: pm.value.trim() }) },
    field("Project manager agency", pm), h("button", { type: "submit" }, "Accept and plan")),
    h("form", { class: "inline", "aria-label": "Reject the activation",
      onsubmit: (e) => decide(e, "reject", { reason: reason.value.trim() }) },
    field("Reason for rejecting", reason), h("button", { type: "submit", class: "secondary" }, "Reject")),
    msg);
}

export const page = {
  route: /^\/activations\/(?<id>\d+)$/,
  title: "Activation",
  navParent: "#/charter",
  async render(view, { id }, app) {
    const a = await api(`/v1/charter/activations/${id}`);
    const plan = a.plan || {};
    const windows = (a.windows || plan.acquisitions || plan.windows || []).map((w) => ({ ...w,
      start: w.start || w.start_utc || w.acquisition_start, stop: w.stop || w.end_utc || w.acquisition_end }));
    const tk = await optional("/v1/charter/tasking", { query: { activation_id: id } }).catch(() => null);
    const tasking = (tk && tk.tasking) || a.tasking || plan.tasking || [];
    if (!a.stop && a.start && a.hours) a.stop = new Date(parseUtc(a.start) + a.hours * 3.6e6).toISOString();
    view.append(h("p", {}, h("a", { href: "#/charter" }, "← Charter")), h("h1", {}, `Activation ${a.id}: ${a.name || ""}`),
      decisionPanel(a, app));
    const history = (a.history || []).map((x) => `${fmt.utc(x.at)}: ${x.from || "—"} → ${x.to} (${x.actor})`);
    const m = worldMap({ label: "Activation area and planned footprints" });
    await m.ready;
    const area = a.area || a.geometry;
    for (const w of windows) if (w.footprint) m.polygon(w.footprint, "foot", `${w.satellite || ""} ${fmt.utc(w.start)}`);
    if (area) m.polygon(area, "area", "activation area");
    m.fit([...geometryRings(area), ...windows.flatMap((w) => geometryRings(w.footprint))], 2);
    // the timeline spans the activation (start to stop) and every window
    const times = [parseUtc(a.start), parseUtc(a.stop),
      ...windows.flatMap((w) => [parseUtc(w.start), parseUtc(w.stop || w.end || w.start)])].filter(Number.isFinite);
    view.append(h("div", { class: "grid2" },
      h("section", { class: "panel", "aria-labelledby": "am-h" }, h("h2", { id: "am-h" }, "Area and footprints"), m.svg),
      h("section", { class: "panel", "aria-labelledby": "ad-h" }, h("h2", { id: "ad-h" }, "Activation"),
        kv([["Hazard", a.hazard || "—"], ["Start", fmt.utc(a.start)], ["Stop", fmt.utc(a.stop)], ["Status", a.status || "—"],
          ["Windows", String(windows.length)], ["Plan version", String(a.plan_version ?? "—")]]),
        history.length ? h("ul", { class: "small", "aria-label": "Status history" }, history.map((x) => h("li", {}, x))) : "",
        h("h2", {}, "Tasking"), tasking.length ? dataTable({ label: "Tasking status", rows: tasking,
          columns: [{ key: "agency", label: "Agency", value: (t) => t.agency || t.fleet_agency, render: (t) => t.agency || t.fleet_agency || "" },
            { key: "satellite", label: "Satellite" }, { key: "status", label: "Status" }] }).el
          : h("p", { class: "muted" }, "No tasking yet."))),
    h("section", { class: "panel", "aria-labelledby": "at-h" }, h("h2", { id: "at-h" }, "Timeline"),
      windows.length ? timeline(windows, Math.min(...times), Math.max(...times)) : h("p", { class: "muted" }, "No windows planned yet.")));
    document.body.dataset.ready = "activation";
  },
};
