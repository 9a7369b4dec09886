"""The event table (states, frames, RTN, ages), its exports, screening volumes, fleet screening,
the interpolation bound the method's guarantee rests on, and bad input."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from sgp4.api import WGS72, Satrec

from orbitwatch.catalog import Catalog
from orbitwatch.conjunction import EllipsoidRTN, ScreeningOptions, Sphere, parse_volume, screen, socrates_report
from orbitwatch.conjunction.screening.kernels import piece_jumps
from orbitwatch.conjunction.screening.sampling import StateSource, calibrate
from orbitwatch.elements import ElementSets, read_elements
from orbitwatch.errors import ElementSetError, NotFoundError
from orbitwatch.propagation import get_backend
from orbitwatch.propagation.frames import teme_to_eme2000

CATALOG = "catalog/full-catalog-2023-10-09.3le"
START = np.datetime64("2023-10-09T12:00", "ns")
STOP = START + np.timedelta64(6, "h")


@pytest.fixture(scope="module")
def catalog(shared_data):
    return read_elements(shared_data / CATALOG).elements


@pytest.fixture(scope="module")
def sub(catalog):
    rng = np.random.default_rng(11)
    dense = np.flatnonzero((catalog.perigee_km > 530) & (catalog.apogee_km < 560))
    pick = np.unique(np.r_[rng.choice(dense, 500, replace=False), rng.choice(len(catalog), 300, replace=False)])
    return catalog[pick]


@pytest.fixture(scope="module")
def result(sub):
    res = screen(sub, START, STOP, threshold_km=25.0, executor=1)
    assert len(res.events) > 100
    return res


def satrec(es, norad):
    """python-sgp4 straight from the TLE fields (independent of orbitwatch's backends)."""
    k = int(np.flatnonzero(es.norad_id == norad)[0])
    xp = 1440.0 / (2.0 * np.pi)
    ep = es.epoch[k].astype(np.int64)
    days, rem = divmod(int(ep), 86400 * 10**9)
    s = Satrec()
    s.sgp4init(WGS72, "i", int(norad), days + 2440587.5 + rem / 8.64e13 - 2433281.5, es.bstar[k],
               es.mean_motion_dot[k] / (xp * 1440), es.mean_motion_ddot[k] / (xp * 1440 * 1440), es.eccentricity[k],
               np.radians(es.arg_perigee_deg[k]), np.radians(es.inclination_deg[k]), np.radians(es.mean_anomaly_deg[k]),
               es.mean_motion_rev_per_day[k] / xp, np.radians(es.raan_deg[k]))
    s.jdsatepoch, s.jdsatepochF = days + 2440587.5, rem / 8.64e13
    return s


def at(sat, t):
    ns = t.astype("datetime64[ns]").astype(np.int64)
    days, rem = divmod(int(ns), 86400 * 10**9)
    e, r, v = sat.sgp4(days + 2440587.5, rem / 8.64e13)
    assert e == 0
    return np.array(r), np.array(v)


def test_states_rtn_frames_and_ages(sub, result):
    ev = result.events
    for k in np.linspace(0, len(ev) - 1, 12).astype(int):
        s1, s2 = satrec(sub, ev.norad_1[k]), satrec(sub, ev.norad_2[k])
        r1, v1 = at(s1, ev.tca[k])
        r2, v2 = at(s2, ev.tca[k])
        # TEME states at TCA are SGP4's, to a micrometre
        assert np.allclose(ev.r1_teme_km[k], r1, atol=1e-9) and np.allclose(ev.v2_teme_km_s[k], v2, atol=1e-12)
        assert np.allclose(ev.r2_teme_km[k], r2, atol=1e-9) and np.allclose(ev.v1_teme_km_s[k], v1, atol=1e-12)
        assert ev.miss_km[k] == pytest.approx(np.linalg.norm(r2 - r1), abs=1e-9)
        assert ev.rel_speed_km_s[k] == pytest.approx(np.linalg.norm(v2 - v1), abs=1e-12)
        # RTN of object 2 in object 1's frame: R along r1, N along r1 x v1, T completes
        rh = r1 / np.linalg.norm(r1)
        nh = np.cross(r1, v1) / np.linalg.norm(np.cross(r1, v1))
        th = np.cross(nh, rh)
        d = r2 - r1
        assert [ev.radial_km[k], ev.in_track_km[k], ev.cross_track_km[k]] == pytest.approx(
            [d @ rh, d @ th, d @ nh], abs=1e-9)
        # EME2000 as the frames module computes it (skyfield), within 1 cm / 1 um/s
        e1r, e1v = teme_to_eme2000(r1[None], v1[None], ev.tca[k:k + 1])
        assert np.allclose(ev.r1_eme2000_km[k], e1r[0], atol=1e-5)
        assert np.allclose(ev.v1_eme2000_km_s[k], e1v[0], atol=1e-9)
        # element-set ages at TCA, days
        e1 = sub.epoch[sub.norad_id == ev.norad_1[k]][0]
        assert ev.age_1_days[k] == pytest.approx((ev.tca[k] - e1) / np.timedelta64(1, "D"), abs=1e-9)
    # range rate is zero at an interior TCA (the minimum of the distance)
    inner = ev.boundary == 0
    d = ev.r2_teme_km - ev.r1_teme_km
    range_rate = np.einsum("ij,ij->i", d, ev.v2_teme_km_s - ev.v1_teme_km_s)
    assert np.all(np.abs(range_rate[inner]) < 1e-3 * ev.miss_km[inner] + 1e-3)
    assert np.all(np.isnan(ev.pc)) and np.all(np.isnan(ev.pc_max))
    assert np.all(np.diff(ev.tca.astype(np.int64)) >= 0)


def assert_in_table_order(ev):
    """screen() orders its rows itself, on its inputs before the table is built; the table's own
    ``sort_by("tca")`` (TCA, then catalog numbers) states that order. The two must agree row for row,
    so neither tie-break can change without the other."""
    again = ev.sort_by("tca")
    for col in ("tca", "norad_1", "norad_2", "miss_km"):
        assert np.array_equal(getattr(again, col), getattr(ev, col)), col


def test_rows_come_in_sort_by_tca_order(sub, result):
    """Also where TCAs tie: copies of three busy objects under new catalog numbers meet everything
    their originals meet at the same instant, so the catalog numbers decide the order of those rows."""
    ev = result.events
    assert_in_table_order(ev)
    # the check can fail: the same rows in another order are caught
    with pytest.raises(AssertionError):
        assert_in_table_order(ev[np.arange(len(ev))[::-1]])
    dup = sub[np.flatnonzero(np.isin(sub.norad_id, np.unique(ev.norad_1)[:3]))]
    dup.norad_id[:] = 3 - np.arange(len(dup))  # numbers 3, 2, 1: not in the catalog, in reverse order
    tied = screen(ElementSets.concat([sub, dup]), START, STOP, threshold_km=25.0, executor=1).events
    assert (np.diff(tied.tca.astype(np.int64)) == 0).sum() >= 3
    assert_in_table_order(tied)


def test_csv_and_json(result):
    ev = result.events[np.arange(20)]
    rows = list(csv.DictReader(io.StringIO(ev.to_csv())))
    assert len(rows) == 20
    assert rows[3]["tca"] == np.datetime_as_string(ev.tca[3], unit="ms") + "Z"
    assert float(rows[3]["miss_km"]) == ev.miss_km[3]
    assert float(rows[5]["r2_y_eme2000_km"]) == ev.r2_eme2000_km[5, 1]
    assert rows[0]["pc"] == ""
    doc = json.loads(ev.to_json(meta={"threshold_km": 25.0}))
    assert doc["meta"]["threshold_km"] == 25.0
    rec = doc["events"][7]
    assert rec["norad_1"] == int(ev.norad_1[7]) and rec["pc"] is None
    assert rec["v1_teme_km_s"] == pytest.approx(list(ev.v1_teme_km_s[7]), abs=0)


def test_socrates_report(result):
    ev = result.events
    text = socrates_report(ev, top=5)
    lines = text.splitlines()
    assert "Top 5 of" in text and "minimum range" in text
    best = ev.sort_by("miss_km")
    assert f"{best.miss_km[0]:9.3f}" in lines[5] and str(best.norad_1[0]) in lines[5]
    with pytest.raises(ValueError, match="collision probability"):
        socrates_report(ev, by="pc")
    # once Pc exists (the Pc engineer's hook), the report sorts by it
    ev2 = ev[np.arange(len(ev))]
    ev2.pc_max[:] = np.linspace(1e-6, 1e-3, len(ev2))
    text = socrates_report(ev2, top=3, by="pc")
    assert "maximum probability" in text and "1.00e-03" in text.splitlines()[5]


@pytest.mark.parametrize("fleet_of", ["five", "half"])
def test_fleet_screening_is_the_all_vs_all_subset(sub, result, fleet_of):
    """Fleet mode grids the primaries and looks every other object up among them: its events are
    exactly the all-vs-all events that involve a primary. With half the catalog as the fleet, both
    kinds of pair occur (two primaries, met in the primaries' grid; one, met by a look-up)."""
    ev = result.events
    fleet = np.unique(ev.norad_1)[:5] if fleet_of == "five" else np.asarray(sub.norad_id)[::2]
    res = screen(sub, START, STOP, threshold_km=25.0, primaries=fleet, executor=1)
    f = res.events
    assert res.n_primaries == len(fleet)
    assert_in_table_order(f)
    assert np.all(np.isin(f.norad_1, fleet))
    want = np.isin(ev.norad_1, fleet) | np.isin(ev.norad_2, fleet)
    if fleet_of == "half":
        both = np.isin(ev.norad_1, fleet) & np.isin(ev.norad_2, fleet)
        assert both.sum() > 10 and (want & ~both).sum() > 10
    assert len(f) == want.sum()
    a = set(zip(np.minimum(f.norad_1, f.norad_2), np.maximum(f.norad_1, f.norad_2), f.tca.astype(np.int64)))
    b = set(zip(ev.norad_1[want], ev.norad_2[want], ev.tca[want].astype(np.int64)))
    assert a == b


def test_ellipsoid_volume(sub, result):
    """An event is kept when the secondary enters the primary's RTN ellipsoid: checked against the
    minimum of the normalised distance sampled every 0.05 s (exact SGP4) over the encounter."""
    vol = EllipsoidRTN(2.0, 25.0, 25.0)
    res = screen(sub, START, STOP, volume=vol, executor=1)
    sph = result.events  # the 25 km sphere contains the ellipsoid
    key = lambda e: set(zip(e.norad_1, e.norad_2, e.tca.astype(np.int64)))  # noqa: E731
    assert key(res.events) <= key(sph)
    assert 0 < len(res.events) < len(sph)
    inside = key(res.events)
    for k in range(0, len(sph), max(1, len(sph) // 40)):
        s1, s2 = satrec(sub, sph.norad_1[k]), satrec(sub, sph.norad_2[k])
        half = min(600.0, 3 * 25.0 / max(sph.rel_speed_km_s[k], 1e-3))
        ts = sph.tca[k] + (np.linspace(-half, half, 4001) * 1e9).astype("timedelta64[ns]")
        q = []
        for t in ts:
            r1, v1 = at(s1, t)
            r2, v2 = at(s2, t)
            if np.linalg.norm(r2 - r1) > 25.0:
                q.append(np.inf)
                continue
            rh = r1 / np.linalg.norm(r1)
            nh = np.cross(r1, v1) / np.linalg.norm(np.cross(r1, v1))
            d = r2 - r1
            q.append(np.sqrt((d @ rh / 2.0) ** 2 + (d @ np.cross(nh, rh) / 25.0) ** 2 + (d @ nh / 25.0) ** 2))
        qmin = min(q)
        is_in = (sph.norad_1[k], sph.norad_2[k], sph.tca[k].astype(np.int64)) in inside
        if abs(qmin - 1.0) > 0.01:  # sampling resolution
            assert is_in == (qmin < 1.0), (k, qmin)
        if is_in:
            j = np.flatnonzero((res.events.norad_1 == sph.norad_1[k]) & (res.events.tca == sph.tca[k]))[0]
            assert res.events.volume_ratio[j] <= qmin + 1e-6


def check_interpolation_bound(es, days=1.0):
    """The guarantee rests on |SGP4 - interpolant| <= eps for every object: measured over one
    orbit at the start, it must hold over the span at the quarters and middle of every piece
    (and at the eighths, where it was not measured)."""
    be = get_backend("numba")
    src = StateSource(be, es)
    start = int(START.astype(np.int64))
    samp = calibrate(src, start, 60.0, 0.3, stop_ns=start + int(days * 86400e9))
    worst = 0.0
    for k in np.unique(samp.k):
        idx = np.flatnonzero(samp.k == k)
        h = 60.0 * 2.0 ** k
        nodes = start + (np.arange(int(days * 86400 / h) + 1) * h * 1e9).astype(np.int64)
        r, v, st = src.grid(idx, nodes)
        jumps = np.zeros((idx.size, nodes.size - 1))
        piece_jumps(r, v, st, h, jumps)  # SGP4's own discontinuities widen the bound there
        for tau in (0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875):
            rt, _, stt = src.grid(idx, nodes[:-1] + int(tau * h * 1e9))
            t2, t3 = tau * tau, tau ** 3
            interp = ((2 * t3 - 3 * t2 + 1) * r[:, :-1] + (t3 - 2 * t2 + tau) * h * v[:, :-1]
                      + (-2 * t3 + 3 * t2) * r[:, 1:] + (t3 - t2) * h * v[:, 1:])
            err = np.linalg.norm(interp - rt, axis=-1)
            ok = (st[:, :-1] == 0) & (st[:, 1:] == 0) & (stt == 0) & (nodes[None, 1:] < samp.usable_until_ns[idx, None])
            over = np.where(ok, err - jumps, 0.0).max(axis=1)
            assert np.all(over <= samp.eps_km[idx]), (es.norad_id[idx][np.argmax(over - samp.eps_km[idx])],
                                                      np.max(over - samp.eps_km[idx]))
            err = np.where(ok, err, 0.0).max(axis=1)
            worst = max(worst, float(np.max(err / samp.eps_km[idx])))
    assert worst > 0.2  # the bound is not vacuous
    assert np.median(samp.eps_km) < 0.3


def test_interpolation_bound_holds(catalog):
    rng = np.random.default_rng(5)
    check_interpolation_bound(catalog[np.sort(rng.choice(len(catalog), 3000, replace=False))])


def _piece_jumps_reference(r, v, st, h):
    """piece_jumps as its docstring defines it, in NumPy: the trapezoid residual of every piece between
    two good states, kept where it exceeds 20 times the object's median residual and 10 m."""
    res = np.linalg.norm(r[:, 1:] - r[:, :-1] - 0.5 * h * (v[:, :-1] + v[:, 1:]), axis=-1)
    good = (st[:, :-1] == 0) & (st[:, 1:] == 0)
    out = np.zeros(res.shape)
    for j in range(res.shape[0]):
        if good[j].any():
            med = np.median(res[j][good[j]])
            keep = good[j] & (res[j] > 20.0 * med) & (res[j] > 0.01)
            out[j, keep] = res[j, keep]
    return out


def test_piece_jumps_equal_the_median_rule(catalog):
    # real nodes of 2,000 objects (every regime) at 240 s, then SGP4-like jumps put into some pieces, failed
    # states: the kernel (which skips the median where no piece can qualify) gives the reference's
    # output exactly, and finds every jump that was put in
    rng = np.random.default_rng(3)
    idx = np.sort(rng.choice(len(catalog), 2000, replace=False))
    src = StateSource(get_backend("numba"), catalog[idx])
    h = 240.0
    nodes = int(START.astype(np.int64)) + (np.arange(31) * h * 1e9).astype(np.int64)
    r, v, st = src.grid(np.arange(idx.size), nodes)
    r, v, st = r.copy(), v.copy(), st.copy()
    hit = rng.choice(idx.size, 40, replace=False)
    piece = rng.integers(0, 29, hit.size)
    smooth = np.median(np.linalg.norm(r[:, 1:] - r[:, :-1] - 0.5 * h * (v[:, :-1] + v[:, 1:]), axis=-1), axis=1)
    for j, p in zip(hit, piece):  # a step after node p, well above the object's smooth residual (a Lyddane switch)
        r[j, p + 1:] += (50.0 * smooth[j] + 1.0) * np.array([0.8, -0.36, 0.48])
    # and steps of 20-50 m on objects whose motion is smooth to a metre (high orbits): just above the 10 m floor
    calm = np.setdiff1d(np.flatnonzero(smooth < 1e-3), hit)[:10]
    small = 0.02 + 0.03 * rng.random(calm.size)
    for j, p, size in zip(calm, rng.integers(0, 29, calm.size), small):
        r[j, p + 1:] += size * np.array([0.0, 0.6, 0.8])
        hit, piece = np.r_[hit, j], np.r_[piece, p]
    assert calm.size == 10
    st[hit[:5], 7] = 1  # a failed state: its two pieces are not measured
    jumps = np.full((idx.size, 30), -1.0)
    piece_jumps(r, v, st, h, jumps)
    ref = _piece_jumps_reference(r, v, st, h)
    assert np.array_equal(jumps, ref)
    found = {(int(j), int(p)) for j, p in zip(*np.nonzero(jumps))}
    put = {(int(j), int(p)) for j, p in zip(hit, piece) if st[j, p] == 0 and st[j, p + 1] == 0}
    assert len(put) >= 40 and put <= found, sorted(put - found)[:5]  # (SGP4's own jumps are found too)


@pytest.mark.slow
def test_interpolation_bound_holds_whole_catalog_two_days(catalog):
    check_interpolation_bound(catalog, days=2.0)


def test_catalog_input_and_volume_parsing(sub):
    # a Catalog contributes the element set in force at the start
    res = screen(Catalog(sub), START, START + np.timedelta64(1, "h"), threshold_km=10.0, executor=1)
    assert res.n_objects == len(sub)
    assert parse_volume("5") == Sphere(5.0)
    assert parse_volume("2,25,25") == EllipsoidRTN(2.0, 25.0, 25.0)
    assert parse_volume("1x10x10") == EllipsoidRTN(1.0, 10.0, 10.0)
    with pytest.raises(ValueError):
        parse_volume("1,2")
    with pytest.raises(ValueError):
        Sphere(-1.0)


def test_bad_input(sub):
    with pytest.raises(ValueError, match="after start"):
        screen(sub, STOP, START)
    with pytest.raises(NotFoundError, match="99999999"):
        screen(sub, START, STOP, primaries=[99999999])
    with pytest.raises(ValueError, match="positive"):
        screen(sub, START, STOP, threshold_km=0.0)
    with pytest.raises(ValueError, match="multiple"):
        ScreeningOptions(window_s=1000.0)
    bad = sub[np.arange(3)]
    bad.eccentricity[1] = 1.5
    bad.source_line[1] = 42
    with pytest.raises(ElementSetError, match="eccentricity"):
        screen(bad, START, STOP)
    one = screen(sub[np.arange(1)], START, STOP)
    assert len(one.events) == 0


def test_event_cdm_agrees_with_the_table(result):
    """Issue 5 part 5: any screened event written as a CDM (KVN and XML) carries the table's numbers,
    and the Pc recomputed from the CDM's own states and covariances is the table's Pc."""
    from orbitwatch.conjunction import add_collision_probability, assess_cdm, event_cdm, parse_cdm, write_cdm

    ev = add_collision_probability(result.events.sort_by("miss_km"))
    assert np.isfinite(ev.pc).all() and (ev.pc_max >= ev.pc - 1e-15).all()
    for k in (0, len(ev) // 2):
        cdm = event_cdm(ev, k, creation_date="2023-10-09T12:00:00")
        for fmt in ("kvn", "xml"):
            back = parse_cdm(write_cdm(cdm, fmt))
            rel = back.relative.values
            assert abs(int((rel["TCA"] - ev.tca[k]).astype(np.int64))) <= 1_000_000      # 1 ms as written
            assert rel["MISS_DISTANCE"] == pytest.approx(ev.miss_km[k] * 1000.0, abs=1e-3)  # 1 mm
            assert rel["RELATIVE_SPEED"] == pytest.approx(ev.rel_speed_km_s[k] * 1000.0, abs=1e-6)
            np.testing.assert_allclose([rel["RELATIVE_POSITION_R"], rel["RELATIVE_POSITION_T"],
                                        rel["RELATIVE_POSITION_N"]],
                                       np.array([ev.radial_km[k], ev.in_track_km[k], ev.cross_track_km[k]]) * 1e3,
                                       atol=1e-3)
            assert rel["COLLISION_PROBABILITY"] == pytest.approx(ev.pc[k], rel=1e-12)
            assert back.objects[0].designator.lstrip("0") == str(ev.norad_1[k])
            assert back.objects[1].designator.lstrip("0") == str(ev.norad_2[k])
            # Pc from the message alone (its states, RTN covariances and HBR) is the table's
            a = assess_cdm(back, three_d=False, coppola=False)
            assert float(a.pc2d.foster[0]) == pytest.approx(ev.pc[k], rel=1e-6, abs=1e-300)
