"""``orbitwatch cam``: collision-avoidance maneuver options for one event (a CDM or a stored track).

A thin front end of :mod:`orbitwatch.maneuver`: builds a :class:`~orbitwatch.maneuver.CamRequest`,
calls :func:`~orbitwatch.maneuver.plan_avoidance` and
:func:`~orbitwatch.maneuver.screen_maneuver`, prints the table and writes the OPM, OEM and plot.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Optional

import numpy as np
import typer

from .common import check_output_dir, console, print_json, print_note, print_table, print_warning

_HELP = """Collision-avoidance maneuver options for one conjunction.

EVENT is a CDM file (KVN or XML) or a stored event-track id ('orbitwatch events list'); a track's
latest CDM update is looked up by its ORIGINATOR:MESSAGE_ID among the CDM files of --cdm-dir.

A grid of impulsive burns (burn time x direction x magnitude) is evaluated through the state-transition
matrix of a numerical propagation (satkit: gravity field, Sun/Moon, drag, SRP; docs/maneuvers.md); the
least delta-v option meeting the target is flown with full propagation, its Pc recomputed, and the
maneuvered trajectory screened against the catalog from the burn to TCA + --horizon-days.

Examples:

  orbitwatch cam conj.cdm --target-pc 1e-6 --no-screen
  orbitwatch cam conj.cdm --target-pc 1e-6 --max-dv-mps 0.5 --burn-window 36h,2h --out cam/
  orbitwatch cam 17 --cdm-dir cdms/ --min-miss-km 2 --directions +T,-T,free
"""


def _window(text: Optional[str], tca: np.datetime64):
    """'EARLIEST,LATEST': each a UTC time or hours before TCA ('36h')."""
    from ..errors import InvalidRequestError
    from ..requests import parse_time

    if text is None:
        return None, None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != 2:
        raise InvalidRequestError("burn_window", "give EARLIEST,LATEST (UTC times or hours before TCA like 36h)",
                                  text)
    out = []
    for p in parts:
        if p.lower().endswith("h"):
            try:
                h = float(p[:-1])
            except ValueError:
                raise InvalidRequestError("burn_window", "hours before TCA must be a number followed by h",
                                          p) from None
            if not (math.isfinite(h) and h > 0):
                raise InvalidRequestError("burn_window", "hours before TCA must be > 0", p)
            out.append(tca - np.timedelta64(int(round(h * 3600e9)), "ns"))
        else:
            out.append(np.datetime64(parse_time("burn_window", p), "ns"))
    return out[0], out[1]


def _load_event(event: str, cdm_dir: Optional[Path], db: Optional[str]):
    from ..conjunction import read_cdm
    from ..errors import NotFoundError

    p = Path(event)
    if p.exists() or not event.isdigit():
        return read_cdm(p)
    from ..conjunction.ingest import cdm_source_ref
    from ..store import open_store

    with open_store(db, must_exist=True) as store:
        track = store.track(int(event))
    cdm_updates = [u for u in track.updates if u.source == "cdm"]
    if not cdm_updates:
        raise NotFoundError(f"event track {event} has no CDM update (screening updates carry no covariance); "
                            "give the CDM file instead")
    ref = max(cdm_updates, key=lambda u: int(u.computed_at.astype(np.int64))).source_ref
    if cdm_dir is None:
        raise NotFoundError(f"event track {event}: its latest CDM is {ref}; give the folder holding it with "
                            "--cdm-dir")
    from .cdm import expand_cdm_paths

    for f in expand_cdm_paths([cdm_dir]):
        try:
            c = read_cdm(f)
        except Exception:       # unreadable files are not the one we want
            continue
        if cdm_source_ref(c) == ref:
            return c
    raise NotFoundError(f"event track {event}: no CDM {ref} in {cdm_dir}")


def _pc(x) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2e}"


def cam_command(
    event: str = typer.Argument(..., help="CDM file, or a stored event-track id."),
    target_pc: Optional[float] = typer.Option(1e-6, "--target-pc", help="Acceptable Pc (at or below)."),
    min_miss_km: Optional[float] = typer.Option(None, "--min-miss-km",
                                                help="Acceptable miss distance in km (with --target-pc: both)."),
    max_dv_mps: float = typer.Option(1.0, "--max-dv-mps", help="Largest delta-v per burn, m/s."),
    burn_window: Optional[str] = typer.Option(None, "--burn-window",
                                              help="EARLIEST,LATEST burn: UTC times or hours before TCA "
                                                   "(default 48h,0.5h)."),
    directions: str = typer.Option("+T,-T,+R,-R,+N,-N", "--directions",
                                   help="Comma list of +T -T +R -R +N -N free."),
    n_times: int = typer.Option(48, "--n-times", help="Burn times in the window."),
    n_magnitudes: int = typer.Option(40, "--n-magnitudes", help="Magnitudes (geometric, max/1000 .. max)."),
    degree: int = typer.Option(20, "--degree", help="Gravity field degree and order."),
    no_drag: bool = typer.Option(False, "--no-drag", help="Leave drag out of the force model."),
    hbr_m: Optional[float] = typer.Option(None, "--hbr-m", help="Combined hard-body radius, m."),
    screen: bool = typer.Option(True, "--screen/--no-screen", help="Screen the maneuvered trajectory."),
    catalog: Optional[list[Path]] = typer.Option(None, "--catalog",
                                                 help="Element files to screen against (default: the database, "
                                                      "else the packaged sample catalog)."),
    horizon_days: float = typer.Option(7.0, "--horizon-days", help="Screen until TCA + this many days."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for maneuver.opm, maneuvered.oem, "
                                                           "tradespace.png, options.json."),
    cdm_dir: Optional[Path] = typer.Option(None, "--cdm-dir", help="Where a track's CDMs are (EVENT = track id)."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db-url", help="Database URL (event tracks, catalog).",
                                     envvar="ORBITWATCH_DATABASE_URL"),
):
    from ..maneuver import CamRequest, ForceModel, maneuver_opm, options_table, plan_avoidance, plot_trade_space
    from ..maneuver import event_from_cdm, screen_maneuver

    from ..errors import InvalidRequestError

    if not 0 < horizon_days <= 60:
        raise InvalidRequestError("horizon_days", "must be in (0, 60] days", horizon_days)
    if hbr_m is not None and not 0 < hbr_m <= 1000:
        raise InvalidRequestError("hbr_m", "must be in (0, 1000] m", hbr_m)
    if out is not None:
        out = check_output_dir(out)
    cdm = _load_event(event, cdm_dir, db)
    ev = event_from_cdm(cdm, hbr_m=hbr_m)
    earliest, latest = _window(burn_window, ev.tca)
    req = CamRequest(target_pc=target_pc, min_miss_km=min_miss_km, earliest=earliest, latest=latest,
                     max_dv_mps=max_dv_mps, directions=tuple(d.strip() for d in directions.split(",") if d.strip()),
                     n_times=n_times, n_magnitudes=n_magnitudes, hbr_m=hbr_m,
                     force_model=ForceModel(degree=degree, drag=not no_drag))
    res = plan_avoidance(ev, req)
    if res.best is not None and screen:
        from ..catalog import Catalog
        from ..elements import read_elements
        from ..samples import sample_catalog_path

        if catalog:
            from .common import load_catalog
            cat = load_catalog(catalog, None)
        else:
            try:
                from .common import load_catalog
                cat = load_catalog(None, db)
            except Exception:
                print_note("no catalog in the database: screening against the packaged sample catalog")
                cat = Catalog(read_elements(sample_catalog_path()).elements)
        with console.status("screening the maneuvered trajectory"):
            screen_maneuver(res, cat, horizon_days=horizon_days)
    rows = options_table(res)
    doc = {"event": {"primary": ev.primary_id, "secondary": ev.secondary_id, "tca": str(ev.tca) + "Z",
                     "pc": ev.pc, "force_model": req.force_model.describe()},
           "grid_seconds": res.grid.seconds, "options": rows,
           "chosen": None if res.best is None else res.best.to_dict(), "confirmed": res.confirmed,
           "rejected": [o.to_dict() for o in res.rejected],
           "screening": None if res.screening is None else res.screening.to_dict()}
    if out is not None:
        import json

        (out / "options.json").write_text(json.dumps(doc, indent=1, default=str))
        try:
            plot_trade_space(res, out / "tradespace.png")
        except Exception as exc:      # plotting is optional
            print_warning(f"no plot: {exc}")
        if res.best is not None:
            from ..odm import write_opm

            write_opm(maneuver_opm(res), out / "maneuver.opm")
            traj = getattr(res, "screened_trajectory", None) or res.trajectory
            from ..odm import write_oem

            write_oem(traj.to_oem(object_name=ev.primary_name, object_id=ev.primary_id), out / "maneuvered.oem")
    if as_json:
        print_json(doc)
        return
    print_note(f"{ev.primary_name} vs {ev.secondary_name}, TCA {str(ev.tca)[:23]}Z, Pc {_pc(ev.pc)}; "
               f"force model: {req.force_model.describe()}")
    if res.best is None:
        print_warning("no option in the grid meets the target; widen --burn-window or raise --max-dv-mps")
        return
    print_table("least delta-v options (linear map; the chosen one also fully propagated)",
                ["burn UTC", "lead h", "dir", "dv m/s", "Pc lin", "miss km lin", "Pc full", "miss km full", ""],
                [[r["burn_time"][:16].replace("T", " "), f"{r['lead_h']:.1f}", r["direction"], f"{r['dv_mps']:.4f}",
                  _pc(r["pc_linear"]),
                  f"{r['miss_linear_km']:.3f}", _pc(r["pc_full"]),
                  "-" if r["miss_full_km"] is None else f"{r['miss_full_km']:.3f}",
                  "chosen" if r["chosen"] else ""] for r in rows])
    b = res.best
    console.print(f"chosen: {b.direction} {b.dv_mps:.4f} m/s at {str(b.burn_time)[:19]}Z; linear vs propagated miss "
                  f"differ by {b.miss_difference_m:.1f} m", markup=False)
    for o in res.rejected:
        print_note(f"rejected {o.direction} {o.dv_mps:.4f} m/s at {str(o.burn_time)[:16]}: linear Pc "
                   f"{_pc(o.pc_linear)}, propagated {_pc(o.pc_full)}")
    if res.confirmed is False:
        print_warning("no option met the target when fully propagated (slow or curved encounter?): the "
                      "cheapest is shown; widen --burn-window or raise --max-dv-mps")
    s = res.screening
    if s is not None:
        rows = [["new", e["norad_2"], e["name_2"], e["tca"], f"{e['miss_km']:.3f}", _pc(e["pc"])] for e in s.new]
        rows += [["avoided", e["norad_2"], e["name_2"], e["tca"], f"{e['miss_km']:.3f}", _pc(e["pc"])]
                 for e in s.avoided]
        print_table(f"screening {str(s.start)[:16]} .. {str(s.stop)[:16]} vs {s.n_objects} objects",
                    ["", "object", "name", "TCA UTC", "miss km", "Pc"], rows)
        if s.worse:
            print_warning(f"the maneuver creates a worse event (Pc {s.worst_new_pc:.2e}) than it removes "
                          f"({s.removed_pc:.2e})")


cam_command.__doc__ = _HELP
