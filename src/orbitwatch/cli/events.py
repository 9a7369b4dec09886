"""``orbitwatch events``: conjunction event tracks followed across screening runs and CDMs."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import numpy as np
import typer

from ..requests import check_int, check_positive, check_range
from ..timeutil import format_iso, format_utc
from .common import check_output_file, console, print_json, print_note, print_table

app = typer.Typer(
    name="events",
    rich_markup_mode="rich",
    no_args_is_help=True,
    help=(
        "Conjunction event tracks: one encounter of one pair followed through every screening run "
        "([bold]orbitwatch screen --record[/bold]) and CDM that saw it.\n\n"
        "  [bold]orbitwatch events list --status new --min-pc 1e-5[/bold]\n"
        "  [bold]orbitwatch events show 12 --plot track-12.png[/bold]\n"
        "  [bold]orbitwatch events changes[/bold]          what the latest run changed\n\n"
        "Statuses: new (first seen in its latest run), updated (seen again), below threshold (screened "
        "again, no longer within the threshold), past (TCA has passed)."
    ),
)

DB_HELP = "Database URL (default: $ORBITWATCH_DATABASE_URL, else SQLite in $ORBITWATCH_HOME)."


def _iso_min(t) -> str:
    return format_utc(t, 0, sep=" ", zone="")[:16]


def _pc(x) -> str:
    return "-" if x is None else f"{x:.1e}"


def _objects(specs: list[str] | None) -> list[int] | None:
    if not specs:
        return None
    out = []
    for spec in specs:
        for tok in (t.strip() for t in spec.split(",")):
            if tok:
                out.append(check_int("object", tok, 1))
    return out


@app.command("list")
def list_command(
    objects: Optional[List[str]] = typer.Option(None, "--object", help="Catalog numbers (repeat, or a comma list)."),
    status: Optional[List[str]] = typer.Option(None, "--status", help="new, updated, 'below threshold', past."),
    min_pc: Optional[float] = typer.Option(None, "--min-pc", help="Only tracks whose latest Pc is at least this."),
    max_miss_km: Optional[float] = typer.Option(None, "--max-miss-km", help="Only tracks within this miss [km]."),
    tca_from: Optional[str] = typer.Option(None, "--tca-from", help="Only TCAs at or after this UTC time."),
    tca_to: Optional[str] = typer.Option(None, "--tca-to", help="Only TCAs at or before this UTC time."),
    sort: str = typer.Option("tca", "--sort", help="tca, pc (highest first), miss or updated."),
    limit: int = typer.Option(50, "--limit", help="At most this many rows (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the tracks as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
):
    """List event tracks, filtered in the database query."""
    from ..requests import parse_time
    from ..store import open_store

    if min_pc is not None:
        check_range("min_pc", min_pc, 0.0, 1.0)
    if max_miss_km is not None:
        check_positive("max_miss_km", max_miss_km)
    limit = check_int("limit", limit, 0)
    for name, t in (("tca_from", tca_from), ("tca_to", tca_to)):
        if t is not None:
            parse_time(name, t)
    with open_store(db, must_exist=True) as store:
        tracks = store.tracks(norad_ids=_objects(objects), status=status, min_pc=min_pc, max_miss_km=max_miss_km,
                              tca_from=tca_from, tca_to=tca_to, sort=sort, limit=limit or None)
    if as_json:
        print_json({"units": {"miss_km": "km", "tca": "UTC"}, "tracks": [t.to_dict() for t in tracks]})
        return
    if not tracks:
        print_note("no event track matches")
        return
    rows = [[t.track_id, f"{t.norad_lo} x {t.norad_hi}", _iso_min(t.tca), f"{t.miss_km * 1000:.0f}", _pc(t.pc),
             t.status, t.n_updates] for t in tracks]
    cols = ["id", "pair", "TCA UTC", "miss m", "Pc", "status", "upd"]
    print_table(f"{len(tracks)} event track(s)", cols, rows, justify={c: "right" for c in ("id", "miss m", "Pc",
                                                                                           "upd")})


@app.command("show")
def show_command(
    track_id: int = typer.Argument(..., help="Track id (from 'orbitwatch events list')."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write a PNG of miss and Pc against time of update."),
    force: bool = typer.Option(False, "--force", help="Overwrite --plot if it exists."),
    as_json: bool = typer.Option(False, "--json", help="Print the track and every update as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
):
    """One track: every update with its data source and ages, and how miss and Pc evolved."""
    from ..store import open_store

    check_output_file(plot, force=force, option="--plot")
    with open_store(db, must_exist=True) as store:
        tr = store.track(track_id)
    if as_json:
        print_json(tr.to_dict())
    else:
        rows = [[_iso_min(u.computed_at)[5:], u.source, format_iso(u.tca, 0)[5:19].replace("T", " "),
                 f"{u.miss_km * 1000:.0f}", "-" if u.radial_km is None else f"{u.radial_km * 1000:.0f}",
                 "-" if u.in_track_km is None else f"{u.in_track_km * 1000:.0f}",
                 "-" if u.cross_track_km is None else f"{u.cross_track_km * 1000:.0f}", _pc(u.pc),
                 "-" if u.age_1_days is None else f"{u.age_1_days:.1f}/{u.age_2_days:.1f}"] for u in tr.updates]
        cols = ["updated UTC", "source", "TCA UTC", "miss m", "R m", "T m", "N m", "Pc", "age d"]
        print_table(f"track {tr.track_id}: {tr.norad_lo} x {tr.norad_hi}, {tr.status}", cols, rows,
                    justify={c: "right" for c in cols[3:]})
    if plot is not None:
        _plot_history(tr, plot)
        print_note(f"wrote {plot}")


def _plot_history(tr, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = np.array([u.computed_at for u in tr.updates], dtype="datetime64[ns]").astype("datetime64[ms]").astype(object)
    miss_m = [u.miss_km * 1000 for u in tr.updates]
    pc = [np.nan if u.pc is None else u.pc for u in tr.updates]
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110)
    ax.plot(t, miss_m, "o-", color="tab:blue", label="miss distance")
    ax.set_ylabel("miss distance [m]", color="tab:blue")
    ax.set_xlabel("time of update (UTC)")
    ax2 = ax.twinx()
    if np.isfinite(pc).any():
        ax2.semilogy(t, pc, "s--", color="tab:red", label="Pc")
    ax2.set_ylabel("collision probability", color="tab:red")
    ax.set_title(f"Track {tr.track_id}: {tr.norad_lo} x {tr.norad_hi}, TCA {_iso_min(tr.tca)} UTC")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


@app.command("changes")
def changes_command(
    run: Optional[int] = typer.Option(None, "--run", help="Run id (default: the latest)."),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as JSON on stdout."),
    db: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
):
    """What a run changed: new tracks, updated ones (miss and Pc before and after), those now below threshold."""
    from ..store import open_store

    with open_store(db, must_exist=True) as store:
        ch = store.changes(run)
    if as_json:
        print_json(ch)
        return
    for key in ("new", "updated", "below threshold"):
        items = ch[key]
        rows = []
        for x in items[:30]:
            before = ""
            if "previous_miss_km" in x:
                before = f"{x['previous_miss_km'] * 1000:.0f} -> "
            rows.append([x["track_id"], f"{x['norad_lo']} x {x['norad_hi']}", x["tca"][:16].replace("T", " "),
                         before + f"{x['miss_km'] * 1000:.0f}", _pc(x["pc"])])
        if rows:
            print_table(f"run {ch['run_id']}: {len(items)} {key}", ["id", "pair", "TCA UTC", "miss m", "Pc"], rows,
                        justify={"id": "right", "miss m": "right", "Pc": "right"})
        else:
            console.print(f"run {ch['run_id']}: 0 {key}", markup=False)
