"""Event tracks: one encounter keeps its identity across runs (matching, statuses, history) on both databases."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.catalog import Catalog
from orbitwatch.conjunction import screen
from orbitwatch.conjunction.tracks import TrackKeys, match_events, tca_tolerance_s
from orbitwatch.elements import read_elements
from orbitwatch.errors import NotFoundError
from orbitwatch.samples import sample_catalog_path

T0 = np.datetime64("2023-10-09T12:00:00", "ns")
LEO_N = 15.5  # rev/day: P = 92.9 min
S = np.timedelta64(1, "s")


def test_tolerance_is_a_fifth_of_the_shorter_period():
    tol = tca_tolerance_s([15.5, 1.0027], [14.0, 1.0027])
    assert tol[0] == pytest.approx(0.2 * 86400 / 15.5) and tol[1] == pytest.approx(0.2 * 86400 / 1.0027)
    assert tca_tolerance_s([np.nan], [0.0])[0] == 60.0


@pytest.mark.parametrize("per_orbit", [1, 2])
def test_encounters_repeating_every_orbit_keep_their_own_tracks(per_orbit):
    """A pair meeting once (or twice, at both nodes) per orbit for a day: each encounter of a
    later run, TCA moved by up to +-90 s, continues exactly its own track, in any event order."""
    rng = np.random.default_rng(1)
    period = 86400 / LEO_N
    k = np.arange(int(15 * per_orbit))
    first = T0 + (k * period / per_orbit * 1e9).astype("timedelta64[ns]")
    known = TrackKeys(track_id=100 + k, norad_lo=np.full(k.size, 25544), norad_hi=np.full(k.size, 40000),
                      tca=first)
    moved = first + (rng.uniform(-90, 90, k.size) * 1e9).astype("timedelta64[ns]")
    perm = rng.permutation(k.size)
    tol = tca_tolerance_s(np.full(k.size, LEO_N), np.full(k.size, LEO_N))
    got = match_events(known, np.full(k.size, 40000)[perm], np.full(k.size, 25544)[perm], moved[perm], tol)
    assert np.array_equal(got, (100 + k)[perm])


def test_other_pairs_and_far_tcas_start_new_tracks():
    known = TrackKeys(np.array([1, 2]), np.array([10, 10]), np.array([20, 30]), np.array([T0, T0]))
    got = match_events(known, np.array([20, 10, 10, 10]), np.array([30, 20, 20, 30]),
                       np.array([T0, T0 + 30 * S, T0 + 40 * S, T0 + 4000 * S]), 1000.0)
    # (20, 30) is another pair; the second (10, 20) event loses to the nearer one; 4000 s is beyond tolerance
    assert got.tolist() == [-1, 1, -1, -1]


@pytest.fixture(scope="module")
def runs():
    """The same real 1,200-object catalog screened twice: as published, then with every object moved
    ~30 m along its track (what a new element set does), 12 h, 10 km."""
    cat = Catalog(read_elements(sample_catalog_path()).elements)
    es = cat.latest()
    leo = es[np.nonzero((es.mean_motion_rev_per_day > 14.0) & (es.eccentricity < 0.01))[0][:1200]]
    cat1 = Catalog(leo)
    moved = leo[np.arange(len(leo))]
    a_km = (398600.4418 / (moved.mean_motion_rev_per_day * 2 * np.pi / 86400) ** 2) ** (1 / 3)
    moved.mean_anomaly_deg[:] = (moved.mean_anomaly_deg + np.degrees(0.03 / a_km)) % 360.0
    cat2 = Catalog(moved)
    start, stop = "2023-10-09T12:00", "2023-10-10T00:00"
    ev1 = screen(cat1, start, stop, threshold_km=10.0).events
    ev2 = screen(cat2, start, stop, threshold_km=10.0).events
    return ev1, ev2, leo.norad_id, (start, stop)


def test_real_rescreen_continues_the_same_encounters(store, runs):
    ev1, ev2, ids, span = runs
    assert len(ev1) > 20 and len(ev2) > 20
    r1 = store.record_conjunctions(ev1, span=span, screened_ids=ids, threshold_km=10.0, label="run 1",
                                   computed_at="2023-10-09T06:00")
    assert len(r1.new) == len(ev1) and not r1.updated
    r2 = store.record_conjunctions(ev2, span=span, screened_ids=ids, threshold_km=10.0, label="run 2",
                                   computed_at="2023-10-09T07:00")
    # ground truth, independent of the tolerance: the run-1 event of the same pair within 60 s
    first = {}
    for i in range(len(ev1)):
        first.setdefault((min(ev1.norad_1[i], ev1.norad_2[i]), max(ev1.norad_1[i], ev1.norad_2[i])), []).append(
            ev1.tca[i])
    n_cont = 0
    for t in store.tracks(run_id=r2.run_id, status=["updated"]):
        full = store.track(t.track_id)
        assert len(full.updates) == 2
        a, b = full.updates
        assert abs((b.tca - a.tca) / S) < 60 and (a.norad_1, a.norad_2) in {(b.norad_1, b.norad_2),
                                                                              (b.norad_2, b.norad_1)}
        n_cont += 1
    expected = sum(1 for i in range(len(ev2)) if any(
        abs((ev2.tca[i] - t) / S) < 60 for t in first.get(
            (min(ev2.norad_1[i], ev2.norad_2[i]), max(ev2.norad_1[i], ev2.norad_2[i])), [])))
    assert n_cont == expected == len(r2.updated)
    assert len(r2.new) == len(ev2) - expected
    # encounters of run 1 no longer within 10 km in run 2 are "below threshold", nothing is lost
    assert len(r1.new) == len(r2.updated) + len(r2.below_threshold)
    ch = store.changes()
    assert ch["run_id"] == r2.run_id and len(ch["updated"]) == len(r2.updated)
    assert all("previous_miss_km" in x for x in ch["updated"])


def test_tracks_become_past_and_filters_run_in_sql(store, runs):
    ev1, _, ids, span = runs
    store.record_conjunctions(ev1, span=span, screened_ids=ids, threshold_km=10.0)
    later = store.record_conjunctions(ev1[np.zeros(0, dtype=np.int64)], kind="cdm",
                                      computed_at="2023-10-10T06:00")
    assert len(later.past) == len(ev1)
    assert store.tracks(status=["new"]) == []
    close = store.tracks(max_miss_km=1.0)
    assert all(t.miss_km <= 1.0 for t in close) and len(close) == int((ev1.miss_km <= 1.0).sum())
    iss = store.tracks(norad_ids=[25544])
    assert all(25544 in (t.norad_lo, t.norad_hi) for t in iss)
    with pytest.raises(NotFoundError):
        store.track(10**9)


def test_cli_lists_shows_and_plots_tracks(tmp_path, runs):
    import json

    from typer.testing import CliRunner

    from orbitwatch.cli.main import app
    from orbitwatch.store import open_store

    ev1, ev2, ids, span = runs
    url = f"sqlite:///{tmp_path / 'ev.db'}"
    with open_store(url) as s:
        s.record_conjunctions(ev1, span=span, screened_ids=ids, computed_at="2023-10-09T06:00")
        r2 = s.record_conjunctions(ev2, span=span, screened_ids=ids, computed_at="2023-10-09T07:00")
    run = CliRunner().invoke
    r = run(app, ["events", "list", "--db-url", url, "--status", "updated", "--json", "--limit", "0"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)["tracks"]
    assert len(got) == len(r2.updated) and all(t["status"] == "updated" for t in got)
    tid = got[0]["track_id"]
    png = tmp_path / "track.png"
    r = run(app, ["events", "show", str(tid), "--db-url", url, "--plot", str(png)])
    assert r.exit_code == 0 and png.stat().st_size > 5000, r.output
    r = run(app, ["events", "show", "999999", "--db-url", url])
    assert r.exit_code == 66 and "no event track 999999" in r.output
    r = run(app, ["events", "list", "--db-url", url, "--min-pc", "2"])
    assert r.exit_code == 2 and "--min-pc" in r.output
    r = run(app, ["events", "changes", "--db-url", url, "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["run_id"] == r2.run_id
