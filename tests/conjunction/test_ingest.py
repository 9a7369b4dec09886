"""CDM ingest into event tracks: CARA's 53 real CDMs, the CCSDS/Orekit examples, hand-made
updates of one encounter, quirky messages, strict against tolerant batches, the CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from orbitwatch.conjunction.cdm import read_cdm
from orbitwatch.conjunction.ingest import (COVARIANCE_SOURCE_CDM, FOSTER_NOT_VALIDATED, CdmIngestRequest, cdm_events,
                                           ingest_cdms)
from orbitwatch.conjunction.pc import PcRequest, assess_cdm
from orbitwatch.errors import CancelledError, InputNotFoundError, InvalidRequestError
from orbitwatch.progress import Progress

runner = CliRunner()
NO_3D = CdmIngestRequest(pc=PcRequest(three_d=False))
# the newest encounter of CARA's set: NOAA 18 x NOAA 16 DEB, TCA 2023-08-30 14:43, created 2023-08-28 00:40
LATEST = "000028654_conj_000042397_20230830_144301_20230828_004035.cdm"
SLOW = "000048901_conj_000048903_20211219_182317_20211217_232706.cdm"


def _cara(shared_data):
    return sorted((shared_data / "pc" / "cara-cdms").glob("*.cdm"))


def _edit(text: str, **values) -> str:
    """Replace the first line of each keyword (``TCA="..."``) with a new value."""
    lines = text.splitlines()
    for key, value in values.items():
        for i, ln in enumerate(lines):
            if ln.split("=")[0].strip() == key:
                lines[i] = f"{key} = {value}"
                break
        else:
            raise AssertionError(key)
    return "\n".join(lines) + "\n"


def _update_of(text: str, *, created: str, msg: str, tca_shift_s: float, miss_m: float) -> str:
    """The same encounter seen again: a later message, TCA moved by seconds, another miss distance."""
    tca = read_cdm_text(text).tca + np.timedelta64(int(tca_shift_s * 1e9), "ns")
    return _edit(text, CREATION_DATE=created, MESSAGE_ID=msg, TCA=np.datetime_as_string(tca, unit="ms"),
                 MISS_DISTANCE=f"{miss_m} [m]")


def read_cdm_text(text: str):
    from orbitwatch.conjunction.cdm import parse_cdm

    return parse_cdm(text)


def test_cara_cdms_each_their_own_encounter(store, shared_data):
    files = _cara(shared_data)
    report = ingest_cdms(store, files, request=NO_3D)
    assert report.status == "ok" and report.rejected == [] and report.warnings == []
    assert len(report.recorded) == 53 and all(x.outcome == "new" for x in report.ingested)
    tracks = store.tracks(limit=None)
    assert len(tracks) == 53
    pairs: dict[tuple[int, int], list] = {}
    for t in tracks:
        pairs.setdefault((t.norad_lo, t.norad_hi), []).append(t)
    # the repeated pairs are not updates: their TCAs are one or more orbits apart (ICESat-2 x SPACEBEE-114:
    # 1 h 34 min, one ICESat-2 period; TROPICS x LINCS2: 1 h 35 min and 5 h 27 min), beyond the tolerance
    # of a fifth of the shorter period - each is its own encounter and track
    assert len(pairs[(43613, 52010)]) == 2 and len(pairs[(48901, 48903)]) == 3
    tcas = sorted(t.tca for t in pairs[(43613, 52010)])
    assert 5600 < (tcas[1] - tcas[0]) / np.timedelta64(1, "s") < 5700
    # replayed on the messages' own clock: every TCA but the newest had passed when the last CDM was made
    assert sum(t.status == "past" for t in tracks) == 52
    # each update keeps the CDM's Pc beside the recomputed one, and where it came from
    by_file = {x.file: x for x in report.ingested}
    x = by_file[SLOW]
    u = store.track(x.track_id).updates[0]
    cdm = read_cdm(shared_data / "pc" / "cara-cdms" / SLOW)
    assert u.source == "cdm" and u.source_ref == f"CARA:{cdm.message_id}"
    assert u.covariance_source == COVARIANCE_SOURCE_CDM == "CDM"
    assert u.source_pc == pytest.approx(4.514e-81) and u.pc_method == FOSTER_NOT_VALIDATED
    assert u.pc == pytest.approx(float(assess_cdm(cdm, three_d=False).pc2d.foster[0]), rel=1e-12)
    assert u.computed_at == cdm.creation_date and u.tca == cdm.tca
    assert u.miss_km == pytest.approx(0.532) and u.radial_km == pytest.approx(0.4194)
    assert u.in_track_km == pytest.approx(-0.2589) and u.cross_track_km == pytest.approx(0.1998)
    assert u.age_1_days is None and u.age_2_days is None          # CARA's CDMs carry no OD epoch
    # ingesting the folder again changes nothing: every message is a duplicate
    again = ingest_cdms(store, files, request=NO_3D)
    assert {x.outcome for x in again.ingested} == {"duplicate"} and again.recorded == []
    assert len(store.tracks(limit=None)) == 53


def test_updates_of_one_encounter_update_one_track(store, shared_data, tmp_path):
    src = (shared_data / "pc" / "cara-cdms" / LATEST).read_text()
    first = read_cdm_text(src)
    # two later messages of the same encounter (TCA moves by seconds), and one of the pair's next
    # encounter one orbit later (NOAA 18: 102 min): given in shuffled order, recorded oldest first
    upd1 = _update_of(src, created="2023-08-28T12:00:00.000", msg="UPD-1", tca_shift_s=2.5, miss_m=2600)
    upd2 = _update_of(src, created="2023-08-29T06:00:00.000", msg="UPD-2", tca_shift_s=-1.0, miss_m=1500)
    nxt = _update_of(src, created="2023-08-29T07:00:00.000", msg="NEXT-ORBIT", tca_shift_s=6120, miss_m=4000)
    files = []
    for name, text in (("c-upd2.cdm", upd2), ("a-next.cdm", nxt), ("b-upd1.cdm", upd1)):
        files.append(tmp_path / name)
        files[-1].write_text(text)
    files.append(shared_data / "pc" / "cara-cdms" / LATEST)
    report = ingest_cdms(store, files, request=NO_3D)
    assert report.status == "ok"
    assert [x.file for x in report.ingested] == [LATEST, "b-upd1.cdm", "c-upd2.cdm", "a-next.cdm"]
    assert [x.outcome for x in report.ingested] == ["new", "updated", "updated", "new"]
    one = report.ingested[0].track_id
    assert [x.track_id for x in report.ingested[:3]] == [one] * 3 and report.ingested[3].track_id != one
    tr = store.track(one)
    assert tr.n_updates == 3 and tr.miss_km == pytest.approx(1.5)
    assert [u.source_ref for u in tr.updates] == [f"CARA:{first.message_id}", "CARA:UPD-1", "CARA:UPD-2"]
    assert [u.miss_km for u in tr.updates] == pytest.approx([2.818, 2.6, 1.5])
    assert [np.datetime_as_string(u.computed_at, unit="s") for u in tr.updates] == [
        "2023-08-28T00:40:35", "2023-08-28T12:00:00", "2023-08-29T06:00:00"]
    assert tr.updates[2].tca == first.tca - np.timedelta64(1, "s")
    # what changed in the latest run (the next-orbit CDM): a new track
    assert [t["track_id"] for t in store.changes()["new"]] == [report.ingested[3].track_id]


def test_ccsds_and_orekit_examples(store, shared_data):
    ex = shared_data / "cdm" / "examples"
    files = sorted(f for f in ex.iterdir() if f.suffix in (".kvn", ".xml")) + [ex / "ION_SCV8_vs_STARLINK_1233.txt"]
    report = ingest_cdms(store, files, request=NO_3D)
    assert report.status == "partial"
    bad = {r.file: r.problems for r in report.rejected}
    assert set(bad) == {"CDM-missing-object1-covariance-block.xml", "CDMExample_issue1319_mandatory_empty_value.xml"}
    p = bad["CDMExample_issue1319_mandatory_empty_value.xml"][0]
    assert (p.source, p.line, p.keyword) == ("CDMExample_issue1319_mandatory_empty_value.xml", 88, "X")
    # the blue-book encounter (12345 x 30337, TCA 2010-03-13 22:37:52.618) comes in many copies: two distinct
    # messages (ids 20111371985 and 201113719185-1) update one track, the other copies are duplicates
    rec = [x for x in report.ingested if x.outcome in ("new", "updated")]
    blue = [x for x in rec if {x.event["norad_1"], x.event["norad_2"]} == {12345, 30337}]
    assert sorted(x.source_ref for x in blue) == sorted(["JSPOC:20111371985", "JSPOC:201113719185-1"])
    assert len({x.track_id for x in blue}) == 1
    assert store.track(blue[0].track_id).n_updates == 2
    dups = [x for x in report.ingested if x.outcome == "duplicate"]
    assert len(dups) == 7 and all(x.source_ref in ("JSPOC:20111371985", "JSPOC:201113719185-1") for x in dups)
    # ages from the last observation: TCA - TIME_LASTOB_END, per object
    e = next(x.event for x in blue if x.source_ref == "JSPOC:20111371985")
    assert e["age_1_days"] == pytest.approx(1 + (20 * 3600 + 23 * 60 + 39.872) / 86400)
    assert e["age_2_days"] == pytest.approx(1 + (19 * 3600 + 23 * 60 + 39.872) / 86400)
    assert e["source_pc"] == pytest.approx(4.835e-05)
    ion = next(x for x in report.ingested if x.file.startswith("ION"))
    assert ion.event["norad_1"] == 55051 and ion.event["source_pc"] == pytest.approx(0.004450713)
    assert len(store.tracks(limit=None)) == 4


def test_strict_batch_records_nothing_when_one_file_is_bad(store, shared_data, tmp_path):
    src = (shared_data / "pc" / "cara-cdms" / LATEST).read_text()
    quirky = tmp_path / "quirky.cdm"
    quirky.write_text(src.replace("RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_T", 1).replace(
        next(ln for ln in src.splitlines() if ln.startswith("RELATIVE_VELOCITY_T")),
        "RELATIVE_VELOCITY_T = 1.5 [m]"))
    files = [shared_data / "pc" / "cara-cdms" / SLOW, quirky]
    strict = ingest_cdms(store, files, strict=True, request=None)
    assert strict.status == "failed" and len(strict.rejected) == 1 and strict.rejected[0].file == "quirky.cdm"
    assert [x.outcome for x in strict.ingested] == ["not recorded"]
    assert store.tracks(limit=None) == []
    # the default (tolerant) batch accepts the mislabelled unit with a warning and records both
    ok = ingest_cdms(store, files, request=NO_3D)
    assert ok.status == "ok" and len(ok.recorded) == 2
    [w] = ok.warnings
    assert w.source == "quirky.cdm" and w.keyword == "RELATIVE_VELOCITY_T" and w.line > 1
    assert len(store.tracks(limit=None)) == 2


def test_missing_relative_state_is_computed_from_the_states(shared_data, tmp_path):
    src = (shared_data / "pc" / "cara-cdms" / LATEST).read_text()
    stated = cdm_events([read_cdm_text(src)], request=PcRequest(three_d=False))
    bare = "\n".join(ln for ln in src.splitlines() if not ln.startswith(("RELATIVE_", "COLLISION_PROBABILITY")))
    ev = cdm_events([read_cdm_text(bare + "\n")], request=PcRequest(three_d=False))
    for col in ("radial_km", "in_track_km", "cross_track_km"):
        assert getattr(ev, col)[0] == pytest.approx(getattr(stated, col)[0], abs=2e-3), col   # CDM: 0.1 m steps
    assert ev.rel_speed_km_s[0] == pytest.approx(stated.rel_speed_km_s[0], rel=1e-3)
    assert math.isnan(ev.source_pc[0]) and not math.isnan(stated.source_pc[0])
    rec = ev.to_records()[0]
    assert rec["source_pc"] is None and rec["tca"].endswith("Z") and rec["norad_1"] == 28654


def test_three_d_recommendation_is_recorded(store, shared_data):
    report = ingest_cdms(store, [shared_data / "pc" / "cara-cdms" / SLOW])
    [x] = report.ingested
    assert x.event["pc_method"] == "3D-Nc (Hall 2021)"
    assert x.event["pc"] == pytest.approx(1.309945e-06, rel=0.01)        # CARA Nc3D
    assert store.track(x.track_id).updates[0].pc_method == "3D-Nc (Hall 2021)"


def test_ingest_request_checks_and_cancel(store, shared_data):
    with pytest.raises(InvalidRequestError):
        CdmIngestRequest(pc=PcRequest(window_s=-1))
    with pytest.raises(InvalidRequestError):
        ingest_cdms(store, [], request=CdmIngestRequest(strict=False), strict=True)
    prog = Progress()
    prog.cancel()
    with pytest.raises(CancelledError):
        ingest_cdms(store, _cara(shared_data)[:2], request=NO_3D, progress=prog)
    assert store.tracks(limit=None) == []
    missing = ingest_cdms(store, [shared_data / "no-such.cdm"], request=NO_3D)
    # a missing input is "not found" (one exit code everywhere), with the path
    assert missing.status == "failed" and isinstance(missing.rejected[0].problems[0], InputNotFoundError)
    assert missing.to_dict()["rejected"][0]["problems"][0]["type"] == "InputNotFoundError"


# ----------------------------------------------------------------------------------------------- the CLI
def _no_traceback(res):
    assert "Traceback" not in res.output and "Traceback" not in (res.stderr or "")


def test_cli_ingest_partial_then_duplicates(shared_data, tmp_path, wide_console):
    db = f"sqlite:///{tmp_path / 'ev.db'}"
    ex = shared_data / "cdm" / "examples"
    res = runner.invoke(app, ["cdm", "ingest", str(ex), str(ex / "ION_SCV8_vs_STARLINK_1233.txt"), "--no-3d",
                              "--db-url", db])
    assert res.exit_code == 3, res.output
    _no_traceback(res)
    assert "CDMExample_issue1319_mandatory_empty_value.xml:88: X: mandatory keyword has no value" in res.stderr
    assert "5 CDM(s) recorded (4 new track(s), 1 update(s)), 7 duplicate(s) skipped, 2 file(s) rejected" in res.stderr
    assert "ION_SCV8_vs_STARLINK_1233.txt" in res.stdout and "error" not in res.stdout
    listed = runner.invoke(app, ["events", "list", "--db-url", db, "--json"])
    assert listed.exit_code == 0 and len(json.loads(listed.stdout)["tracks"]) == 4
    again = runner.invoke(app, ["cdm", "ingest", str(ex / "cdm_example_section4.kvn"), "--no-3d", "--db-url", db,
                                "--json"])
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert doc["status"] == "ok" and doc["n_recorded"] == 0 and doc["n_duplicates"] == 1
    assert doc["ingested"][0]["outcome"] == "duplicate" and doc["units"]["miss_km"] == "km"


def test_cli_strict_records_nothing(shared_data, tmp_path):
    db = f"sqlite:///{tmp_path / 'ev.db'}"
    ex = shared_data / "cdm" / "examples"
    res = runner.invoke(app, ["cdm", "ingest", str(ex / "cdm_example_section4.kvn"), str(ex / "CDM-missing-TCA.txt"),
                              "--strict", "--no-3d", "--db-url", db, "--json"])
    assert res.exit_code == 65, res.output
    _no_traceback(res)
    doc = json.loads(res.stdout)
    assert doc["status"] == "failed" and doc["n_recorded"] == 0
    assert doc["rejected"][0]["problems"][0]["field"] == "TCA" and doc["rejected"][0]["problems"][0]["line"] == 5
    assert "CDM-missing-TCA.txt:5: TCA:" in res.stderr and "nothing was recorded" in res.stderr
    listed = runner.invoke(app, ["events", "list", "--db-url", db, "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout)["tracks"] == []


def test_cli_warnings_print_verbatim(shared_data, tmp_path):
    src = (shared_data / "pc" / "cara-cdms" / LATEST).read_text()
    line = next(ln for ln in src.splitlines() if ln.startswith("RELATIVE_SPEED"))
    f = tmp_path / "op[new].cdm"
    f.write_text(src.replace(line, "RELATIVE_SPEED = 463.4 [m]"))
    db = f"sqlite:///{tmp_path / 'ev.db'}"
    res = runner.invoke(app, ["cdm", "ingest", str(f), "--no-3d", "--db-url", db])
    assert res.exit_code == 0, res.output
    _no_traceback(res)
    assert "warning: op[new].cdm:" in res.stderr and "unit [m] cannot measure RELATIVE_SPEED" in res.stderr
    assert "[m/s]" in res.stderr
    strict = runner.invoke(app, ["cdm", "ingest", str(f), "--no-3d", "--db-url", db, "--strict"])
    assert strict.exit_code == 65 and "unit [m] is not the CDM unit [m/s]" in strict.stderr


@pytest.mark.parametrize("args", [["--window-s", "0"], ["--hbr-m", "-1"], ["--window-s", "nan"]])
def test_cli_ingest_rejects_bad_options_before_work(shared_data, tmp_path, args):
    db_file = tmp_path / "ev.db"
    res = runner.invoke(app, ["cdm", "ingest", str(shared_data / "pc" / "cara-cdms" / LATEST), "--db-url",
                              f"sqlite:///{db_file}", *args])
    assert res.exit_code == 2, res.output
    _no_traceback(res)
    assert args[0] in res.stderr and not db_file.exists()
