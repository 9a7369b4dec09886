"""Files an on-call officer sends and looks at: tasking requests, plan GeoJSON, timeline, maps.

Everything is offline: the map's basemap is the shipped Natural Earth layer
(:mod:`orbitwatch.response.basemap`), the HTML page is one self-contained file (inline SVG,
inline CSS, a few lines of inline JavaScript for zoom), with no external URL.
"""

from __future__ import annotations

import csv
import html
import json
from pathlib import Path

import numpy as np

from ..constants import R_EARTH_MEAN_KM
from ..timeutil import format_iso
from .plan import Plan, tasking_requests

TYPE_COLORS = {"SAR": "#1f77b4", "optical": "#e6820e"}
TASKING_CSV_COLUMNS = ("agency", "satellite", "norad_id", "sensor", "sensor_type", "resolution_m",
                       "acquisition_start_utc", "acquisition_end_utc", "orbit_direction", "look_side", "roll_deg",
                       "off_nadir_min_deg", "off_nadir_max_deg", "incidence_min_deg", "incidence_max_deg",
                       "sun_elevation_deg", "area_fraction", "footprint_geojson")


def _iso(t) -> str:
    return format_iso(t, 0) + "Z"


def _plain(text: str) -> str:
    """User text for a matplotlib label, verbatim: ``$`` would start mathtext (and may fail to parse)."""
    return str(text).replace("$", r"\$")


def write_tasking(plan: Plan, out_dir: str | Path) -> list[Path]:
    """One JSON and one CSV file per agency in ``out_dir`` (``tasking-<AGENCY>.json``/``.csv``)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for agency, reqs in tasking_requests(plan).items():
        safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in agency)
        pj = out / f"tasking-{safe}.json"
        doc = {"type": "FeatureCollection",
               "properties": {"agency": agency, "activation": plan.activation.name, "hazard": plan.activation.hazard,
                              "requests": len(reqs)},
               "features": [{"type": "Feature", "geometry": r["footprint"],
                             "properties": {k: v for k, v in r.items() if k != "footprint"}} for r in reqs]}
        pj.write_text(json.dumps(doc, indent=1))
        pc = out / f"tasking-{safe}.csv"
        with pc.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(TASKING_CSV_COLUMNS)
            for r in reqs:
                row = [r.get(c) for c in TASKING_CSV_COLUMNS[:-1]]
                row.append(json.dumps(r["footprint"], separators=(",", ":")))
                w.writerow(row)
        written += [pj, pc]
    return written


def plan_geojson(plan: Plan) -> dict:
    """The area and every planned footprint as one GeoJSON FeatureCollection."""
    from shapely.geometry import mapping

    act = plan.activation
    feats = [{"type": "Feature", "properties": {"role": "area", "name": act.name, "hazard": act.hazard},
              "geometry": mapping(act.area.geometry)}]
    for n, a in enumerate(plan.acquisitions, 1):
        ring = plan.access.footprint_lonlat(a.option)
        feats.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring.round(5).tolist()]},
                      "properties": {"role": "acquisition", "order": n, "agency": a.satellite.agency,
                                     "satellite": a.satellite.name, "sensor": a.sensor.sensor,
                                     "sensor_type": a.sensor.type, "start_utc": _iso(a.start), "end_utc": _iso(a.end),
                                     "area_fraction": round(a.fraction, 4),
                                     "cumulative_fraction": round(a.cumulative_fraction, 4)}})
    return {"type": "FeatureCollection", "features": feats}


def write_opportunities_csv(plan: Plan, path: str | Path) -> Path:
    """Every opportunity (window) with its geometry, one row each."""
    path = Path(path)
    acc = plan.access
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["agency", "satellite", "norad_id", "sensor", "type", "resolution_m", "window_start_utc",
                    "window_end_utc", "duration_s", "orbit_direction", "look_side", "off_nadir_min_deg",
                    "off_nadir_max_deg", "incidence_min_deg", "incidence_max_deg", "sun_elevation_deg", "feasible",
                    "best_area_fraction"])
        for o in sorted(acc.opportunities, key=lambda o: o.window_start):
            w.writerow([o.satellite.agency, o.satellite.name, o.satellite.norad_id, o.sensor.sensor, o.sensor.type,
                        o.sensor.resolution_m, format_iso(o.window_start, 3) + "Z", format_iso(o.window_end, 3) + "Z",
                        round(float((o.window_end - o.window_start) / np.timedelta64(1, "ms")) / 1000, 3),
                        o.direction, o.side, round(o.off_nadir_min_deg, 2), round(o.off_nadir_max_deg, 2),
                        round(o.incidence_min_deg, 2), round(o.incidence_max_deg, 2),
                        round(o.sun_elevation_deg, 1), int(o.daylight_ok), round(o.best_fraction, 4)])
    return path


# ------------------------------------------------------------------------------ plots
def _hours(plan: Plan, t) -> np.ndarray:
    return (np.asarray(t, dtype="datetime64[ns]") - plan.activation.start) / np.timedelta64(1, "s") / 3600.0


def plot_timeline(plan: Plan, path: str | Path, max_rows: int = 40) -> Path:
    """Windows per satellite over the horizon (SAR blue, optical orange; night shaded; chosen
    acquisitions outlined) above the cumulative coverage of the plan."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .access import sun_elevation_at

    act = plan.activation
    acc = plan.access
    opps = acc.opportunities
    chosen_opp = {a.opportunity.index for a in plan.acquisitions}
    # rows: satellites ordered by their first feasible window
    first = {}
    for o in opps:
        if o.daylight_ok:
            k = o.satellite.norad_id
            first[k] = min(first.get(k, o.window_start), o.window_start)
    for a in plan.acquisitions:
        first[a.satellite.norad_id] = min(first.get(a.satellite.norad_id, a.start), a.start)
    sats = sorted(first, key=lambda k: first[k])
    keep = list(dict.fromkeys([a.satellite.norad_id for a in plan.acquisitions] + sats))[:max_rows]
    keep = sorted(keep, key=lambda k: first[k])
    row = {k: i for i, k in enumerate(keep)}
    names = {o.satellite.norad_id: _plain(f"{o.satellite.name} ({o.satellite.agency})") for o in opps}
    fig, (ax0, ax) = plt.subplots(2, 1, figsize=(11, 2.2 + 0.22 * len(keep)), sharex=True,
                                  gridspec_kw={"height_ratios": [1, max(3, len(keep) / 5)]})
    H = act.hours
    # night at the area centre
    tt = act.start + (np.arange(0, int(H * 60) + 1, 10) * 60e9).astype("timedelta64[ns]")
    sun = sun_elevation_at(np.full(tt.size, act.area.center_lat_deg), np.full(tt.size, act.area.center_lon_deg), tt)
    hh = _hours(plan, tt)
    for a_ in (ax0, ax):
        a_.fill_between(hh, 0, 1, where=sun < 0, transform=a_.get_xaxis_transform(), color="0.85", lw=0,
                        label="night at the area")
    for o in opps:
        k = o.satellite.norad_id
        if k not in row:
            continue
        x0 = float(_hours(plan, o.window_start))
        w = max(float(_hours(plan, o.window_end)) - x0, H / 600)
        col = TYPE_COLORS.get(o.sensor.type, "k")
        ax.broken_barh([(x0, w)], (row[k] - 0.35, 0.7), facecolors=col, alpha=0.9 if o.daylight_ok else 0.25,
                       edgecolor="k" if o.index in chosen_opp else "none", linewidth=1.2)
    ax.set_yticks(range(len(keep)))
    ax.set_yticklabels([names.get(k, str(k)) for k in keep], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, H)
    ax.set_xlabel(f"hours after {_iso(act.start)}")
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=TYPE_COLORS["SAR"], label="SAR window"),
                       Patch(color=TYPE_COLORS["optical"], label="optical window"),
                       Patch(facecolor="w", edgecolor="k", label="planned acquisition"),
                       Patch(color="0.85", label="night at the area")], loc="lower right", fontsize=7)
    # coverage curve
    xs, ys = [0.0], [0.0]
    for a in plan.acquisitions:
        x = float(_hours(plan, a.end))
        xs += [x, x]
        ys += [ys[-1], a.cumulative_fraction * 100]
    xs.append(H)
    ys.append(ys[-1])
    ax0.plot(xs, ys, color="k", lw=1.5)
    ax0.set_ylim(0, 105)
    ax0.set_ylabel("area covered %", fontsize=8)
    title = f"{_plain(act.name)} - {act.hazard}: {len(opps)} windows, {len(plan.acquisitions)} planned acquisitions"
    if plan.completion is not None:
        title += f", {plan.preferences.coverage_target:.0%} covered after {plan.hours_to_coverage:.1f} h"
        ax0.axvline(plan.hours_to_coverage, color="g", ls="--", lw=1)
    ax0.set_title(title, fontsize=10)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _map_layers(plan: Plan, margin: float = 0.25):
    """Projected (km, local equal-area) area, footprints and basemap clipped to the view."""
    from .basemap import clip_box

    act = plan.activation
    proj = act.area.projection
    rings = [plan.access.footprint_lonlat(a.option) for a in plan.acquisitions]
    area_rings = []
    g = act.area.geometry
    polys = getattr(g, "geoms", [g])
    for p in polys:
        if p.geom_type == "Point":
            area_rings.append(np.array([[p.x, p.y]]))
            continue
        area_rings.append(np.asarray(p.exterior.coords))
        area_rings += [np.asarray(r.coords) for r in p.interiors]
    pts = np.vstack(area_rings + rings) if rings else np.vstack(area_rings)
    x, y = proj.forward(pts[:, 1], pts[:, 0])
    x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
    span = max(x1 - x0, y1 - y0, 100.0)
    cx, cy = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    half = span * (0.5 + margin)
    box = (cx - half, cx + half, cy - half, cy + half)
    lat_c = act.area.center_lat_deg
    dlat = np.degrees(2 * half / R_EARTH_MEAN_KM) + 1
    dlon = dlat / max(np.cos(np.radians(min(abs(lat_c) + dlat, 89))), 0.05)
    lon_c = act.area.center_lon_deg
    land, borders = clip_box(lon_c - dlon, lon_c + dlon, lat_c - dlat, lat_c + dlat)

    def P(ring):
        xx, yy = proj.forward(ring[:, 1], ring[:, 0])
        return np.column_stack([xx, yy])

    return {"box": box, "area": [P(r) for r in area_rings], "footprints": [P(r) for r in rings],
            "land": [[P(r) for r in p] for p in land], "borders": [P(b) for b in borders]}


def plot_map(plan: Plan, path: str | Path) -> Path:
    """The area, the planned footprints and the basemap in the area's equal-area projection."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon as MPoly

    L = _map_layers(plan)
    fig, ax = plt.subplots(figsize=(8.5, 8.5))
    ax.set_facecolor("#dbe9f4")
    for p in L["land"]:
        ax.add_patch(MPoly(p[0], closed=True, facecolor="#f2efe6", edgecolor="#9a9a9a", lw=0.6))
        for hole in p[1:]:
            ax.add_patch(MPoly(hole, closed=True, facecolor="#dbe9f4", edgecolor="#9a9a9a", lw=0.6))
    for b in L["borders"]:
        ax.plot(b[:, 0], b[:, 1], color="#b0a0b0", lw=0.6, ls="--")
    for n, (a, fp) in enumerate(zip(plan.acquisitions, L["footprints"]), 1):
        col = TYPE_COLORS.get(a.sensor.type, "k")
        ax.add_patch(MPoly(fp, closed=True, facecolor=col, alpha=0.22, edgecolor=col, lw=1.2))
        c = fp.mean(axis=0)
        ax.annotate(f"{n}", c, color=col, fontsize=9, ha="center", weight="bold")
    for r in L["area"]:
        if len(r) == 1:
            ax.plot(r[0, 0], r[0, 1], "r*", ms=14)
        else:
            ax.add_patch(MPoly(r, closed=True, facecolor="none", edgecolor="#d62728", lw=2.0, hatch="//"))
    x0, x1, y0, y1 = L["box"]
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal")
    ax.set_xlabel("km east of the area centre (Lambert azimuthal equal-area)")
    ax.set_ylabel("km north")
    act = plan.activation
    lines = [_plain(f"{n}. {a.satellite.name} {a.sensor.sensor} {_iso(a.start)} ({a.fraction:.0%})")
             for n, a in enumerate(plan.acquisitions, 1)]
    ax.set_title(f"{_plain(act.name)} ({act.hazard}) - planned footprints", fontsize=10)
    if lines:
        ax.text(0.01, 0.01, "\n".join(lines[:18]), transform=ax.transAxes, fontsize=7, va="bottom",
                bbox=dict(facecolor="w", alpha=0.8, edgecolor="0.7"))
    ax.text(0.99, 0.01, "Basemap: Natural Earth 1:50m (public domain)", transform=ax.transAxes, fontsize=6,
            ha="right", va="bottom", color="0.4")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_html(plan: Plan, path: str | Path) -> Path:
    """A self-contained page: SVG map (basemap, area, footprints with tooltips) and the plan table."""
    L = _map_layers(plan)
    x0, x1, y0, y1 = L["box"]
    W = 760.0
    s = W / (x1 - x0)

    def pts(a):
        return " ".join(f"{(x - x0) * s:.1f},{(y1 - y) * s:.1f}" for x, y in a)

    svg = [f'<svg id="map" viewBox="0 0 {W:.0f} {W:.0f}" xmlns="http://www.w3.org/2000/svg">',
           f'<rect width="{W:.0f}" height="{W:.0f}" fill="#dbe9f4"/>', '<g id="view">']
    for p in L["land"]:
        d = " ".join("M" + pts(r).replace(" ", " L") + " Z" for r in p)
        svg.append(f'<path d="{d}" fill="#f2efe6" fill-rule="evenodd" stroke="#9a9a9a" stroke-width="0.6"/>')
    for b in L["borders"]:
        svg.append(f'<polyline points="{pts(b)}" fill="none" stroke="#b0a0b0" stroke-width="0.6" '
                   'stroke-dasharray="3,2"/>')
    for n, (a, fp) in enumerate(zip(plan.acquisitions, L["footprints"]), 1):
        col = TYPE_COLORS.get(a.sensor.type, "#000")
        tip = html.escape(f"{n}. {a.satellite.name} ({a.satellite.agency}) {a.sensor.sensor} {a.sensor.type} "
                          f"{_iso(a.start)} incidence {a.incidence_deg[0]:.1f}-{a.incidence_deg[1]:.1f} deg, "
                          f"covers {a.fraction:.0%}")
        c = fp.mean(axis=0)
        svg.append(f'<g class="fp"><polygon points="{pts(fp)}" fill="{col}" fill-opacity="0.22" stroke="{col}" '
                   f'stroke-width="1.5"><title>{tip}</title></polygon>'
                   f'<text x="{(c[0] - x0) * s:.1f}" y="{(y1 - c[1]) * s:.1f}" fill="{col}" font-size="13" '
                   f'font-weight="bold" text-anchor="middle">{n}</text></g>')
    for r in L["area"]:
        if len(r) == 1:
            svg.append(f'<circle cx="{(r[0, 0] - x0) * s:.1f}" cy="{(y1 - r[0, 1]) * s:.1f}" r="6" fill="#d62728"/>')
        else:
            svg.append(f'<polygon points="{pts(r)}" fill="#d62728" fill-opacity="0.08" stroke="#d62728" '
                       'stroke-width="2.5"><title>activation area</title></polygon>')
    # scale bar: 100 km
    svg.append(f'</g><line x1="20" y1="{W - 20:.0f}" x2="{20 + 100 * s:.1f}" y2="{W - 20:.0f}" stroke="#000" '
               f'stroke-width="3"/><text x="20" y="{W - 28:.0f}" font-size="12">100 km</text></svg>')
    act = plan.activation
    rows = []
    for n, a in enumerate(plan.acquisitions, 1):
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (
            n, a.satellite.agency, a.satellite.name, a.sensor.sensor, a.sensor.type, a.sensor.resolution_m,
            _iso(a.start), a.opportunity.direction, f"{a.roll_deg:+.1f}",
            f"{a.incidence_deg[0]:.1f}-{a.incidence_deg[1]:.1f}",
            "" if not np.isfinite(a.sun_elevation_deg) else f"{a.sun_elevation_deg:.0f}",
            f"{a.fraction:.0%}", f"{a.cumulative_fraction:.0%}")) + "</tr>")
    summary = [f"Hazard: <b>{html.escape(act.hazard)}</b>. Start {_iso(act.start)}, horizon {act.hours:g} h, "
               f"area {act.area.area_km2:,.0f} km&sup2;."]
    if plan.earliest is not None:
        e = plan.earliest
        summary.append(f"Earliest acquisition: <b>{html.escape(e.satellite.name)}</b> ({html.escape(e.sensor.type)}, "
                       f"{html.escape(e.satellite.agency)}) at {_iso(e.start)}.")
    if plan.completion is not None:
        summary.append(f"{plan.preferences.coverage_target:.0%} of the area covered after "
                       f"<b>{plan.hours_to_coverage:.1f} h</b> with {len(plan.acquisitions)} acquisitions.")
    for note in plan.notes:
        summary.append(html.escape(note))
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>orbitwatch - {html.escape(act.name)}</title>
<style>
body{{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:16px;color:#222}}
#wrap{{display:flex;gap:18px;flex-wrap:wrap}} #wrap>div:first-child{{flex:0 0 762px}}
#wrap>div:last-child{{flex:1 1 420px;overflow-x:auto}}
svg{{border:1px solid #999;width:760px;height:760px;cursor:grab}}
table{{border-collapse:collapse;font-size:12px}} td,th{{border:1px solid #ccc;padding:3px 6px}}
th{{background:#eee}} .sar{{color:{TYPE_COLORS['SAR']}}} .opt{{color:{TYPE_COLORS['optical']}}}
.fp:hover polygon{{fill-opacity:0.5}} small{{color:#666}}
</style></head><body>
<h2>{html.escape(act.name)}</h2><p>{' '.join(summary)}</p>
<div id="wrap"><div>{''.join(svg)}<br><small>Drag to pan, wheel to zoom. <span class="sar">&#9632; SAR</span>
<span class="opt">&#9632; optical</span>; red: activation area. Basemap: Natural Earth 1:50m (public domain),
local Lambert azimuthal equal-area projection.</small></div>
<div><table><tr><th>#</th><th>agency</th><th>satellite</th><th>sensor</th><th>type</th><th>res. m</th>
<th>start UTC</th><th>pass</th><th>roll deg</th><th>incidence deg</th><th>sun deg</th><th>covers</th>
<th>cumulative</th></tr>{''.join(rows)}</table></div></div>
<script>
(function(){{var s=document.getElementById('map'),g=document.getElementById('view'),k=1,tx=0,ty=0,d=null;
function u(){{g.setAttribute('transform','translate('+tx+','+ty+') scale('+k+')');}}
s.addEventListener('wheel',function(e){{e.preventDefault();var r=s.getBoundingClientRect(),
mx=(e.clientX-r.left)*{W:.0f}/r.width,my=(e.clientY-r.top)*{W:.0f}/r.height,f=e.deltaY<0?1.25:0.8;
tx=mx-(mx-tx)*f;ty=my-(my-ty)*f;k*=f;u();}});
s.addEventListener('mousedown',function(e){{d=[e.clientX,e.clientY,tx,ty];}});
window.addEventListener('mouseup',function(){{d=null;}});
window.addEventListener('mousemove',function(e){{if(!d)return;var r=s.getBoundingClientRect();
tx=d[2]+(e.clientX-d[0])*{W:.0f}/r.width;ty=d[3]+(e.clientY-d[1])*{W:.0f}/r.height;u();}});}})();
</script></body></html>
"""
    path = Path(path)
    path.write_text(page, encoding="utf-8")
    return path


def write_all(plan: Plan, out_dir: str | Path) -> dict[str, Path]:
    """Tasking files, plan GeoJSON/JSON, opportunities CSV, timeline PNG, map PNG and HTML."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {}
    files["tasking"] = write_tasking(plan, out / "tasking")
    p = out / "plan.geojson"
    p.write_text(json.dumps(plan_geojson(plan)))
    files["plan_geojson"] = p
    files["opportunities_csv"] = write_opportunities_csv(plan, out / "opportunities.csv")
    files["timeline_png"] = plot_timeline(plan, out / "timeline.png")
    files["map_png"] = plot_map(plan, out / "map.png")
    files["map_html"] = write_html(plan, out / "map.html")
    return files
