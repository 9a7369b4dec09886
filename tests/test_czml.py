"""CZML from an ephemeris: positions are the propagated Earth-fixed states, checked against
Skyfield's independent SGP4 + TEME->ITRS; failed samples are left out."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.elements import format_elements, read_elements
from orbitwatch.propagation import ephemeris_czml, propagate
from orbitwatch.samples import sample_catalog_path


@pytest.fixture(scope="module")
def two():
    es = read_elements(sample_catalog_path()).elements
    idx = [int(np.flatnonzero(es.norad_id == n)[0]) for n in (25544, 20580)]  # ISS, HST
    return es[np.array(idx)]


def test_czml_positions_match_skyfield_itrs(two):
    from datetime import timezone

    from skyfield.api import EarthSatellite, load
    from skyfield.framelib import itrs

    t = np.datetime64("2023-10-09T12:00", "ns") + np.arange(0, 3600, 60).astype("timedelta64[s]")
    doc = ephemeris_czml(propagate(two, t, backend="sgp4"), name="test")
    assert doc[0]["id"] == "document" and doc[0]["clock"]["interval"].startswith("2023-10-09T12:00:00.000Z/")
    ts = load.timescale(builtin=True)
    sky_t = ts.from_datetimes([x.astype("datetime64[us]").item().replace(tzinfo=timezone.utc)
                               for x in t])
    for k, pkt in enumerate(doc[1:]):
        assert pkt["id"] == str(int(two.norad_id[k])) and pkt["position"]["referenceFrame"] == "FIXED"
        c = np.array(pkt["position"]["cartesian"]).reshape(-1, 4)
        assert np.allclose(c[:, 0], np.arange(0, 3600, 60))
        l1, l2 = format_elements(two[np.array([k])], "tle").strip().splitlines()[:2]
        sat = EarthSatellite(l1, l2, ts=ts)
        ref_m = sat.at(sky_t).frame_xyz(itrs).km.T * 1000.0
        # different TEME->ITRF details (polar motion, UT1) stay well under 100 m at LEO
        assert np.max(np.linalg.norm(c[:, 1:] - ref_m, axis=1)) < 100.0


def test_czml_drops_failed_samples_and_refuses_unknown_frames(two):
    t = np.datetime64("2023-10-09T12:00", "ns") + np.arange(3).astype("timedelta64[m]")
    eph = propagate(two, t, frame="ITRF", backend="sgp4")
    eph.position_km[0, 1] = np.nan
    doc = ephemeris_czml(eph, labels=["a", "b"])
    assert len(doc[1]["position"]["cartesian"]) == 8 and len(doc[2]["position"]["cartesian"]) == 12
    assert doc[1]["label"]["text"] == "a"
    eph.frame = "XYZ"
    with pytest.raises(ValueError, match="XYZ"):
        ephemeris_czml(eph)
