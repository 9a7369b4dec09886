"""Recording a full-catalog screening into event tracks, and matching the next run into them.

    .venv/bin/python benchmarks/event_tracks.py                 # a 7-day screening (about 230,000 events)
    .venv/bin/python benchmarks/event_tracks.py --days 1 --repeat-days 7
    .venv/bin/python benchmarks/event_tracks.py --pg-url postgresql+psycopg://user@host/db

1. The events: a screening of the packaged 2023-10-09 catalog (26,140 objects, 5 km) from
   2023-10-09 12:00 UTC over ``--days`` (saved to ``--cache`` and reused when it exists). With
   ``--repeat-days K`` a shorter run is laid end to end K times (TCAs moved by whole days), to
   reach a week's count when a week's screening is too long for the machine at hand.
2. ``store.record_conjunctions`` into an empty store (SQLite in a temporary folder, or the
   PostgreSQL URL given): every event opens a track.
3. The next run: the same encounters with TCAs moved by a few seconds (normal, sigma 5 s) and
   miss distances by 1 %, computed 8 hours later; ``record_conjunctions`` again matches every
   event to its track (pair and TCA within the tolerance) and updates it.

Printed: seconds of both calls, events, and what the second one matched.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
START = "2023-10-09T12:00:00"
NS = 1_000_000_000


def screened_events(days: float, cache: Path | None):
    from orbitwatch.conjunction import screen
    from orbitwatch.conjunction.screening.events import ConjunctionEvents
    from orbitwatch.elements import read_elements

    if cache is not None and cache.exists():
        z = np.load(cache, allow_pickle=False)
        cols = {k: z[k] for k in z.files}
        return ConjunctionEvents(**cols), None
    es = read_elements(ROOT / "src" / "orbitwatch" / "data" / "sample" / "catalog-2023-10-09.3le.gz").elements
    start = np.datetime64(START, "ns")
    t = time.perf_counter()
    res = screen(es, start, start + np.timedelta64(int(days * 86400), "s"), threshold_km=5.0)
    sec = time.perf_counter() - t
    ev = res.events
    if cache is not None:
        np.savez(cache, **{k: (v.astype(str) if v.dtype.kind == "U" else v) for k, v in ev.columns().items()})
    return ev, sec


def laid_end_to_end(ev, k: int):
    """The events of a run repeated k times, the TCAs of copy j moved by j days."""
    if k <= 1:
        return ev
    idx = np.tile(np.arange(len(ev)), k)
    out = ev[idx]
    out.tca = out.tca + (np.repeat(np.arange(k), len(ev)) * 86400 * NS).astype("timedelta64[ns]")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--repeat-days", type=int, default=1)
    ap.add_argument("--cache", type=Path, default=None, help="npz file of the screened events (made if absent)")
    ap.add_argument("--pg-url", default=None, help="record into this PostgreSQL database instead of SQLite")
    args = ap.parse_args()
    from orbitwatch.store import open_store

    ev, sec = screened_events(args.days, args.cache)
    if sec is not None:
        print(f"screened {args.days:g} day(s): {len(ev)} events in {sec:.1f} s")
    ev = laid_end_to_end(ev, args.repeat_days)
    rng = np.random.default_rng(1)
    nxt = ev[np.arange(len(ev))]
    nxt.tca = nxt.tca + np.round(rng.normal(0.0, 5.0, len(ev)) * NS).astype("timedelta64[ns]")
    nxt.miss_km = nxt.miss_km * (1.0 + 0.01 * rng.standard_normal(len(ev)))
    span = (np.datetime64(START, "ns"), np.datetime64(START, "ns")
            + np.timedelta64(int(args.days * args.repeat_days * 86400), "s"))
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg_url or f"sqlite:///{Path(tmp) / 'tracks.db'}"
        with open_store(url) as store:
            t = time.perf_counter()
            r1 = store.record_conjunctions(ev, computed_at="2023-10-09T06:00", span=span, threshold_km=5.0)
            t1 = time.perf_counter() - t
            t = time.perf_counter()
            r2 = store.record_conjunctions(nxt, computed_at="2023-10-09T14:00", span=span, threshold_km=5.0,
                                           as_of=span[0])
            t2 = time.perf_counter() - t
    print(f"{len(ev)} events ({args.days:g} day(s) x {args.repeat_days}) into {url.split(':')[0]}:")
    print(f"  first run  (every event a new track): {t1:6.1f} s  ({len(r1.new)} new)")
    print(f"  second run (matched into the tracks): {t2:6.1f} s  ({len(r2.updated)} updated, {len(r2.new)} new)")


if __name__ == "__main__":
    main()
