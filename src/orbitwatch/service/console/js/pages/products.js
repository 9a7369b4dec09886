import { optional } from "../api.js";
import { dataTable, field, fmt, h, notice } from "../ui.js";
import { geometryRings, worldMap } from "../map.js";

export const page = {
  route: /^\/products$/,
  title: "Products",
  nav: "#/products",
  async render(view) {
    view.append(h("h1", {}, "Products (STAC)"));
    const first = await optional("/stac/search", { query: { limit: 200 } });
    if (first === null) {
      view.append(notice("This server has no STAC catalogue yet (/stac/search answers 404). The page will list "
        + "products as soon as the endpoint is deployed."));
      document.body.dataset.ready = "products";
      return;
    }
    const m = worldMap({ label: "Footprints of the products" });
    const q = h("input", { id: "p-q", type: "search", placeholder: "collection, id or platform" });
    const items = first.features || [];
    const table = dataTable({ label: "STAC items", rows: items, sort: { key: "datetime", dir: -1 },
      columns: [{ key: "id", label: "Item" }, { key: "collection", label: "Collection" },
        { key: "datetime", label: "Acquired", value: (i) => (i.properties || {}).datetime, render: (i) => fmt.utc((i.properties || {}).datetime) },
        { key: "platform", label: "Platform", value: (i) => (i.properties || {}).platform },
        { key: "assets", label: "Assets", sortable: false, render: (i) => Object.entries(i.assets || {}).slice(0, 3)
          .flatMap(([k, a], n) => [n ? " · " : "", new URL(a.href, location.href).origin === location.origin
            ? h("a", { href: a.href, download: "" }, k) : k]) }] });
    function draw(list) {
      m.clear();
      for (const it of list) if (it.geometry) m.polygon(it.geometry, "item", it.id);
      m.fit(list.flatMap((it) => geometryRings(it.geometry)), 3);
    }
    q.addEventListener("input", () => {
      const t = q.value.trim().toLowerCase();
      const list = items.filter((i) => !t || JSON.stringify([i.id, i.collection, i.properties]).toLowerCase().includes(t));
      table.setRows(list); draw(list);
    });
    draw(items);
    view.append(h("div", { class: "grid2" }, h("section", { class: "panel" }, m.svg),
      h("section", { class: "panel" }, h("div", { class: "filters" }, field("Filter", q)), table.el)));
    if (first.links && first.links.some((l) => l.rel === "next")) view.append(h("p", { class: "muted small" }, "First 200 items shown."));
    document.body.dataset.ready = "products";
  },
};

