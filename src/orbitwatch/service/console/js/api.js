// The console's one way to the API: same origin, the session cookie, the CSRF token on writes.
// Every error is {"error": {...}} (docs/service.md); `optional` turns a 404 into null so pages can
// hide panels whose endpoint this server does not have yet.

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.detail = e;
  }
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)ow_csrf=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : sessionStorage.getItem("ow_csrf") || "";
}

export async function api(path, { method = "GET", body, query, form } = {}) {
  let url = path;
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") q.set(k, v);
    const s = q.toString();
    if (s) url += (url.includes("?") ? "&" : "?") + s;
  }
  const headers = { Accept: "application/json" };
  const init = { method, headers, credentials: "same-origin" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken();
  if (form) init.body = form;
  else if (body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  const r = await fetch(url, init);
  if (r.status === 204) return null;
  const ct = r.headers.get("content-type") || "";
  const data = ct.includes("json") ? await r.json().catch(() => null) : await r.text();
  if (!r.ok) {
    const err = new ApiError(r.status, data);
    if (r.status === 401 && !path.startsWith("/v1/auth/")) window.dispatchEvent(new CustomEvent("ow:signed-out"));
    throw err;
  }
  return data;
}

/** Like api(), but null when the endpoint (or object) is not there: 404 or 405. */
export async function optional(path, opts) {
  try { return await api(path, opts); } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

export function rememberCsrf(token) { sessionStorage.setItem("ow_csrf", token); }
export function forgetCsrf() { sessionStorage.removeItem("ow_csrf"); }
