"""The shipped fleet: size, sources, NORAD numbers cross-checked with UCS and Space-Track, user overrides."""

import csv

import numpy as np
import pytest

from orbitwatch.elements import read_elements
from orbitwatch.response import FleetError, default_fleet_elements, fleet_elements, load_fleet, replicate


def test_fleet_size_agencies_and_sources(fleet):
    assert len(fleet) >= 100
    assert len(fleet.agencies) >= 12
    types = {s.type for s in fleet.sensors}
    assert types == {"SAR", "optical"}
    for s in fleet.sensors:
        assert s.source.strip(), f"{s.platform}/{s.sensor} has no source"
    for s in fleet.satellites:
        assert fleet.sensors_of(s.platform), s
    ids = fleet.norad_ids
    assert len(set(ids)) == len(ids)


def test_shipped_elements_are_the_latest_of_the_2026_catalog(fleet, shared_data):
    es = default_fleet_elements()
    assert set(es.norad_id) == set(fleet.norad_ids)
    cat, _ = read_elements(shared_data / "catalog" / "payloads-2026-06-10.3le")
    names = {}
    for n, name, ep in zip(cat.norad_id, cat.name, cat.epoch):
        if n in set(fleet.norad_ids) and (n not in names or ep > names[n][1]):
            names[int(n)] = (name.strip(), ep)
    for sat in fleet.satellites:
        assert names[sat.norad_id][0] == sat.catalog_name, sat
    for n, ep in zip(es.norad_id, es.epoch):
        assert ep == names[int(n)][1]
    assert es.epoch.min() >= np.datetime64("2026-06-09") and es.epoch.max() < np.datetime64("2026-06-11")


def test_norad_numbers_match_ucs_database(fleet, shared_data):
    ucs = {}
    with open(shared_data / "eo" / "ucs-satellite-database-2023-05-01.csv", encoding="utf-8", errors="replace") as f:
        for row in csv.reader(f):
            if len(row) > 26 and row[26].strip().isdigit():
                ucs[int(row[26])] = (row[1].strip(), row[6].strip())
    checked = 0
    for s in fleet.satellites:
        if s.ucs_name:
            assert s.norad_id in ucs, s
            assert ucs[s.norad_id][0] == s.ucs_name, (s, ucs[s.norad_id])
            assert ucs[s.norad_id][1].startswith("Earth"), (s, ucs[s.norad_id])
            checked += 1
        else:
            assert s.norad_id not in ucs or s.norad_id > 55000, s
    assert checked >= 70


def test_user_files_add_and_replace(tmp_path):
    sats = tmp_path / "sats.csv"
    sats.write_text("norad_id,name,platform,agency\n39634,Sentinel-1A (ours),SENTINEL-1,ESA\n"
                    "99999,MySat,MYPLAT,XSA\n")
    sens = tmp_path / "sens.csv"
    sens.write_text("platform,sensor,type,pointing,angle_kind,angle_min_deg,angle_max_deg,look_side,swath_km,"
                    "resolution_m,source\nMYPLAT,CAM,optical,agile,off_nadir,0,30,both,12,0.7,our spec sheet\n"
                    "SENTINEL-1,C-SAR-IW,SAR,cross_track,incidence,30,45,right,250,5,test\n")
    f = load_fleet(sats, sens)
    assert len(f) == 101
    s1a = next(s for s in f.satellites if s.norad_id == 39634)
    assert s1a.name == "Sentinel-1A (ours)"
    iw = next(s for s in f.sensors if s.sensor == "C-SAR-IW")
    assert iw.angle_min_deg == 30
    es, missing = fleet_elements(f)
    assert [m.norad_id for m in missing] == [99999]


@pytest.mark.parametrize("line, field", [
    ("MYPLAT,CAM,optical,agile,off_nadir,0,30,left,12,0.7,x", "look_side"),
    ("MYPLAT,CAM,lidar,agile,off_nadir,0,30,both,12,0.7,x", "type"),
    ("MYPLAT,CAM,optical,agile,off_nadir,40,30,both,12,0.7,x", "angle_max_deg"),
    ("MYPLAT,CAM,optical,agile,off_nadir,0,abc,both,12,0.7,x", "angle_max_deg"),
    ("MYPLAT,CAM,optical,wobbly,off_nadir,0,30,both,12,0.7,x", "pointing"),
])
def test_bad_sensor_rows_name_line_and_field(tmp_path, line, field):
    p = tmp_path / "s.csv"
    p.write_text("# my sensors\nplatform,sensor,type,pointing,angle_kind,angle_min_deg,angle_max_deg,look_side,"
                 "swath_km,resolution_m,source\n" + line + "\n")
    with pytest.raises(FleetError) as e:
        load_fleet(sensors=p)
    assert e.value.line == 3 and e.value.field == field and str(p) in str(e.value)


def test_satellite_without_sensor_is_an_error(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("norad_id,name,platform,agency\n12345,X,NOPLATFORM,XSA\n")
    with pytest.raises(FleetError, match="NOPLATFORM"):
        load_fleet(satellites=p)


def test_replicate_keeps_orbits_and_spreads_copies(fleet):
    es, _ = fleet_elements(fleet)
    f2, es2 = replicate(fleet, es, 270)
    assert len(f2) == 270 and len(es2) == 270
    assert len(set(es2.norad_id)) == 270
    assert np.allclose(es2.inclination_deg[100:200], es.inclination_deg[:100])
    assert not np.allclose(es2.mean_anomaly_deg[100:200], es.mean_anomaly_deg[:100])
