import { api, optional } from "../api.js";
import { dataTable, errorText, field, fmt, h, toast } from "../ui.js";

const MAX_AUDIT = 10000;

async function optionalPanel(view, title, path, key, columns) {
  const r = await optional(path);
  if (r === null) return false; // endpoint not on this server: no panel (see docs/console.md)
  view.append(h("section", { class: "panel" }, h("h2", {}, title),
    dataTable({ label: title, rows: r[key] || [], columns }).el));
  return true;
}

export const page = {
  route: /^\/admin$/,
  title: "Administration",
  nav: "#/admin",
  minRole: "admin",
  async render(view, _p, app) {
    view.append(h("h1", {}, `Administration of ${app.me.agency}`));
    const missing = [];
    if (!(await optionalPanel(view, "Agencies", "/v1/admin/agencies", "agencies",
      [{ key: "name", label: "Agency" }, { key: "title", label: "Title" }, { key: "created_at", label: "Created", render: (a) => fmt.utc(a.created_at) }]))) missing.push("agencies");
    if (!(await optionalPanel(view, "Users", "/v1/admin/users", "users",
      [{ key: "username", label: "User" }, { key: "role", label: "Role" }, { key: "active", label: "Active", render: (u) => (u.active ? "yes" : "no") }]))) missing.push("users");
    if (!(await optionalPanel(view, "API keys", "/v1/admin/keys", "keys",
      [{ key: "key_id", label: "Key" }, { key: "user", label: "User" }, { key: "role", label: "Role" },
        { key: "expires_at", label: "Expires", render: (k) => fmt.utc(k.expires_at) }, { key: "state", label: "State" }]))) missing.push("keys");
    if (missing.length) {
      view.append(h("p", { class: "muted small" }, `Managed with the CLI on this server: ${missing.join(", ")} `
        + "(orbitwatch admin agency|user|key ...)."));
    }

    // sharing agreements
    const shares = h("div");
    async function loadShares() {
      const r = await api("/v1/shares");
      shares.replaceChildren(dataTable({ label: "Sharing agreements", rows: r.shares, sort: { key: "id", dir: -1 },
        columns: [{ key: "id", label: "Id", num: true }, { key: "grantor", label: "From" }, { key: "grantee", label: "To" },
          { key: "what", label: "What" }, { key: "until", label: "Until", render: (x) => fmt.utc(x.until) }, { key: "state", label: "State" },
          { key: "x", label: "", sortable: false, render: (x) => x.grantor === app.me.agency && x.state === "active"
            ? h("button", { type: "button", class: "secondary", "aria-label": `Revoke agreement ${x.id}`, onclick: async () => {
              try { await api(`/v1/shares/${x.id}`, { method: "DELETE" }); loadShares(); } catch (e) { toast(errorText(e)); }
            } }, "Revoke") : ""}] }).el);
    }
    const grantee = h("input", { id: "s-to", required: true, placeholder: "agency" });
    const what = h("select", { id: "s-what" }, ["events", "fleet", "ephemerides", "products"].map((w) => h("option", { value: w }, w)));
    const until = h("input", { id: "s-until", placeholder: "until revoked" });
    const smsg = h("span", { role: "status" });
    view.append(h("section", { class: "panel", "aria-labelledby": "sh-h" }, h("h2", { id: "sh-h" }, "Sharing agreements"),
      h("form", { class: "inline", onsubmit: async (e) => {
        e.preventDefault();
        try {
          await api("/v1/shares", { method: "POST", body: { grantee: grantee.value.trim(), what: what.value, until: until.value.trim() || null } });
          smsg.className = "ok"; smsg.textContent = "granted"; loadShares();
        } catch (err) { smsg.className = "error"; smsg.textContent = errorText(err); }
      } }, field("Share with", grantee), field("What", what),
      field("Until (UTC)", until), h("button", { type: "submit" }, "Grant"), smsg), shares));
    await loadShares();

    // audit log: filters (server: since, until, action; here: actor, outcome), chain check, export
    const since = h("input", { id: "au-since", placeholder: "YYYY-MM-DDTHH:MMZ" });
    const untilA = h("input", { id: "au-until", placeholder: "YYYY-MM-DDTHH:MMZ" });
    const action = h("input", { id: "au-action", placeholder: "e.g. event.read" });
    const actor = h("input", { id: "au-actor", type: "search", placeholder: "e.g. user:CSA/ops" });
    const outcome = h("select", { id: "au-outcome" }, ["all", "ok", "denied", "not-found", "invalid", "conflict", "error"].map((o) => h("option", { value: o }, o)));
    const verifyOut = h("span", { role: "status", "data-testid": "verify-result" });
    const info = h("p", { class: "muted small", "aria-live": "polite", "data-testid": "audit-info" });
    let records = [];
    const table = dataTable({ label: "Audit log", rows: [], sort: { key: "id", dir: -1 },
      rowClass: (r) => (r.outcome === "ok" ? "" : "risk-medium"),
      columns: [{ key: "id", label: "Id", num: true }, { key: "at", label: "Time", render: (r) => fmt.utc(r.at) },
        { key: "actor", label: "Actor" }, { key: "action", label: "Action" }, { key: "object", label: "Object" },
        { key: "outcome", label: "Outcome" }, { key: "client", label: "Client" }, { key: "request_id", label: "Request" }] });
    function local() {
      const a = actor.value.trim().toLowerCase();
      table.setRows(records.filter((r) => (!a || r.actor.toLowerCase().includes(a)) && (outcome.value === "all" || r.outcome === outcome.value)));
    }
    async function loadAudit() {
      records = [];
      let after = null;
      info.textContent = "Loading…";
      try {
        do {
          const r = await api("/v1/admin/audit", { query: { since: since.value.trim(), until: untilA.value.trim(),
            action: action.value.trim(), after_id: after, limit: 1000 } });
          records.push(...r.records);
          after = r.next_after_id;
        } while (after !== null && records.length < MAX_AUDIT);
        info.textContent = `${records.length} records${after !== null ? ` (first ${MAX_AUDIT}; narrow the filters)` : ""}`;
      } catch (e) { info.textContent = errorText(e); }
      local();
    }
    actor.addEventListener("input", local);
    outcome.addEventListener("change", local);
    const exportQ = () => new URLSearchParams(Object.entries({ since: since.value.trim(), until: untilA.value.trim() }).filter(([, v]) => v)).toString();
    const csv = h("a", { href: "/v1/admin/audit/export?format=csv", download: "audit.csv" }, "Export CSV");
    const jsonl = h("a", { href: "/v1/admin/audit/export?format=jsonl", download: "audit.jsonl" }, "Export JSON lines");
    for (const [a, f] of [[csv, "csv"], [jsonl, "jsonl"]]) a.addEventListener("focus", () => { const q = exportQ(); a.href = `/v1/admin/audit/export?format=${f}${q ? `&${q}` : ""}`; });
    view.append(h("section", { class: "panel", "aria-labelledby": "au-h" }, h("h2", { id: "au-h" }, "Audit log"),
      h("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); loadAudit(); } },
        field("Since (UTC)", since), field("Until (UTC)", untilA),
        field("Action", action), h("button", { type: "submit" }, "Apply"),
        field("Actor", actor), field("Outcome", outcome),
        h("button", { type: "button", class: "secondary", onclick: async () => {
          verifyOut.textContent = "checking…";
          try {
            const v = await api("/v1/admin/audit/verify");
            verifyOut.className = v.ok ? "ok" : "error";
            verifyOut.textContent = v.ok ? `chain intact (${v.n_records} records)` : `chain broken at record ${v.first_bad_id}: ${v.reason}`;
          } catch (e) { verifyOut.className = "error"; verifyOut.textContent = errorText(e); }
        } }, "Check chain"), verifyOut),
      h("p", { class: "small" }, csv, " · ", jsonl), info, table.el));
    await loadAudit();
    document.body.dataset.ready = "admin";
  },
};
