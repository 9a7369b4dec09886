// The console's shell: who is signed in, the navigation, and a hash router over the pages.
// A page module exports `page = {route, title, nav, minRole, render(view, params, app)}`;
// render may return a cleanup function (timers, streams). Add a page: write pages/x.js, list it here.
import { api, forgetCsrf, rememberCsrf } from "./api.js";
import { h } from "./ui.js";
import { page as signin } from "./pages/signin.js";
import { page as conjunctions } from "./pages/conjunctions.js";
import { page as event } from "./pages/event.js";
import { page as track } from "./pages/track.js";
import { page as jobs } from "./pages/jobs.js";
import { page as charter } from "./pages/charter.js";
import { page as activation } from "./pages/activation.js";
import { page as products } from "./pages/products.js";
import { page as admin } from "./pages/admin.js";

const PAGES = [conjunctions, event, track, jobs, charter, activation, products, admin];
const ROLES = ["viewer", "analyst", "coordinator", "admin"];

const app = {
  me: null,
  can(role) { return this.me && ROLES.indexOf(this.me.role) >= ROLES.indexOf(role); },
  go(hash) { if (location.hash === hash) route(); else location.hash = hash; },
  async signIn(agency, username, password) {
    const r = await api("/v1/auth/login", { method: "POST", body: { agency, username, password } });
    rememberCsrf(r.csrf_token);
    this.me = r.user;
    shell();
    this.go("#/conjunctions");
  },
  async signOut() {
    try { await api("/v1/auth/logout", { method: "POST" }); } catch (e) { /* the session is gone either way */ }
    forgetCsrf();
    this.me = null;
    shell();
    this.go("#/signin");
  },
};

let cleanup = null;

function shell() {
  const nav = document.getElementById("nav");
  const who = document.getElementById("who");
  if (!app.me) {
    nav.hidden = true;
    nav.replaceChildren();
    who.replaceChildren();
    return;
  }
  nav.hidden = false;
  nav.replaceChildren(...PAGES.filter((p) => p.nav && (!p.minRole || app.can(p.minRole)))
    .map((p) => h("a", { href: p.nav, "data-page": p.title }, p.title)));
  who.replaceChildren(
    h("span", { "data-testid": "who-user" }, app.me.user),
    h("span", { class: "badge", title: "agency", "data-testid": "who-agency" }, app.me.agency),
    h("span", { class: "badge", title: "role", "data-testid": "who-role" }, app.me.role),
    h("button", { type: "button", class: "secondary", onclick: () => app.signOut() }, "Sign out"));
}

async function route() {
  if (cleanup) { try { cleanup(); } catch (e) { /* ignore */ } cleanup = null; }
  const view = document.getElementById("view");
  const hash = location.hash.replace(/^#/, "") || "/conjunctions";
  if (!app.me) {
    view.replaceChildren();
    cleanup = signin.render(view, {}, app) || null;
    document.title = "Sign in · orbitwatch";
    return;
  }
  if (hash === "/signin") { app.go("#/conjunctions"); return; }
  for (const p of PAGES) {
    const m = hash.match(p.route);
    if (!m) continue;
    document.title = `${p.title} · orbitwatch`;
    for (const a of document.querySelectorAll("#nav a")) {
      if (a.getAttribute("href") === p.nav || (p.navParent && a.getAttribute("href") === p.navParent)) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    view.replaceChildren();
    if (p.minRole && !app.can(p.minRole)) {
      view.append(h("h1", {}, p.title), h("p", { class: "error" }, `This page needs the ${p.minRole} role.`));
      return;
    }
    try {
      cleanup = (await p.render(view, m.groups || {}, app)) || null;
    } catch (e) {
      view.append(h("p", { class: "error", role: "alert" }, `Could not load: ${e.message}`));
    }
    // focus moves to the new page for screen readers, unless the user is already typing in it
    // (a form can be filled while the map of a slow page loads; Enter must still reach its form)
    if (!view.contains(document.activeElement) || document.activeElement === view) view.focus({ preventScroll: true });
    return;
  }
  view.replaceChildren(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/conjunctions" }, "Conjunctions")));
}

window.addEventListener("hashchange", route);
window.addEventListener("ow:signed-out", () => { if (app.me) { app.me = null; shell(); route(); } });

(async function start() {
  try { app.me = await api("/v1/me"); } catch (e) { app.me = null; }
  shell();
  route();
})();
