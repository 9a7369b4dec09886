import { errorText, field, h } from "../ui.js";

export const page = {
  title: "Sign in",
  render(view, _params, app) {
    const msg = h("p", { class: "error", role: "alert", "aria-live": "assertive" });
    const agency = h("input", { id: "si-agency", name: "agency", required: true, autocomplete: "organization" });
    const user = h("input", { id: "si-user", name: "username", required: true, autocomplete: "username" });
    const pw = h("input", { id: "si-pw", name: "password", type: "password", required: true, autocomplete: "current-password" });
    const btn = h("button", { type: "submit" }, "Sign in");
    const form = h("form", {
      onsubmit: async (e) => {
        e.preventDefault();
        msg.textContent = "";
        btn.disabled = true;
        try { await app.signIn(agency.value.trim(), user.value.trim(), pw.value); } catch (err) {
          msg.textContent = err.status === 401 ? "Wrong agency, user name or password." : errorText(err);
          btn.disabled = false;
          pw.select();
        }
      },
    },
    field("Agency", agency),
    field("User name", user),
    field("Password", pw), btn, msg);
    view.append(h("section", { class: "panel signin", "aria-labelledby": "si-h" },
      h("h1", { id: "si-h" }, "Sign in to orbitwatch"), form,
      h("p", { class: "muted small" }, "Programs use API keys (Authorization: Bearer); people sign in here.")));
    agency.focus();
  },
};
