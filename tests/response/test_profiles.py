"""Hazard profiles: applied by default, overridable, and falling back (with a note) when no
sensor qualifies."""

from __future__ import annotations

import pytest

from orbitwatch.response import HAZARDS, PROFILES, ResponseRequest, apply_profile, load_fleet, run_response


def test_every_hazard_has_a_profile_with_sources():
    assert set(PROFILES) == set(HAZARDS)
    for h, p in PROFILES.items():
        assert set(p.penalty_h) == {"SAR", "optical"}
        assert h == "other" or p.sources, h


def test_earthquake_plan_uses_only_fine_sensors_by_default():
    req = ResponseRequest.resolve(None, hazard="earthquake", hours=24)
    fleet = req.fleet()
    assert fleet.sensors and all(s.resolution_m <= (2.0 if s.type == "optical" else 5.0) for s in fleet.sensors)
    plan = run_response(req)
    assert plan.acquisitions and all(a.sensor.resolution_m <= 5.0 for a in plan.acquisitions)
    assert any("earthquake profile applied" in n for n in plan.notes)
    # without the profile the full fleet is searched, coarse sensors included
    raw = ResponseRequest.resolve(None, hazard="earthquake", hours=24, profile=False)
    assert max(s.resolution_m for s in raw.fleet().sensors) > 100
    assert raw.to_dict()["profile"] is False and req.to_dict()["profile"] is True


def test_explicit_resolution_overrides_the_profile():
    req = ResponseRequest.resolve(None, hazard="earthquake", hours=24, max_resolution_m=20)
    assert max(s.resolution_m for s in req.fleet().sensors) > 5.0  # 10-20 m sensors the profile excludes
    assert req.profile_notes == ()


def test_profile_falls_back_with_a_note_when_nothing_qualifies():
    coarse = load_fleet().select(max_resolution_m=1e6)
    coarse = coarse.select(norad_ids=[s.norad_id for s in coarse.satellites
                                      if all(x.resolution_m > 100 for x in coarse.sensors_of(s.platform))])
    assert len(coarse)
    kept, notes = apply_profile(coarse, "earthquake")
    assert kept == coarse and "planned with every sensor" in notes[0]


@pytest.mark.parametrize("hazard", ["flood", "wildfire"])
def test_profile_keeps_the_penalty_table(hazard):
    from orbitwatch.response.plan import HAZARD_PENALTY_H

    assert PROFILES[hazard].penalty_h == HAZARD_PENALTY_H[hazard]
    pref = ResponseRequest.resolve(None, hazard=hazard, hours=6).preferences()
    assert pref.penalty_h == HAZARD_PENALTY_H[hazard]
