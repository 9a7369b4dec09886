"""Collision probability for screened events (the hook to :mod:`orbitwatch.conjunction.pc`).

Screened objects are known only by their TLEs, so the covariances are the Pc module's default
TLE model (orbit regime and element-set age at TCA); the hard-body radii come from NASA CARA's
table shipped with orbitwatch, with defaults by object type. Objects flown on an operator's
ephemeris (OEM) get the same default model, aged from their first usable state: an OEM's own
covariance sections are not used yet (a conservative stand-in, documented in docs/screening.md).
"""

from __future__ import annotations

import numpy as np

from .events import ConjunctionEvents


def add_collision_probability(events: ConjunctionEvents, *, hbr_table=None, hbr_m: float | None = None,
                              model=None) -> ConjunctionEvents:
    """A copy of ``events`` with ``pc`` (Foster 2D Pc with the default TLE covariances) and
    ``pc_max`` (SOCRATES' maximum probability over covariance size) filled in.

    hbr_table : HbrTable, optional
        Per-object hard-body radii (default: the packaged CARA extract, falling back to the
        defaults by object type).
    hbr_m : float, optional
        One combined hard-body radius (m) for every event instead.
    """
    from ..hbr import HbrTable, combined_hbr_m
    from ..pc import pc_for_events

    out = events[np.arange(len(events))]
    if len(events) == 0:
        return out
    if hbr_m is not None:
        hbr_km = np.full(len(events), float(hbr_m) / 1000.0)
    else:
        table = hbr_table if hbr_table is not None else HbrTable.packaged()
        h1, s1, _ = table.hbr_m_for(events.norad_1, events.object_type_1)
        h2, s2, _ = table.hbr_m_for(events.norad_2, events.object_type_2)
        hbr_km = combined_hbr_m(h1, h2, s1, s2) / 1000.0
    t = pc_for_events(events.r1_eme2000_km, events.v1_eme2000_km_s, events.r2_eme2000_km, events.v2_eme2000_km_s,
                      hbr_km, age1_days=np.abs(events.age_1_days), age2_days=np.abs(events.age_2_days), model=model,
                      methods=("foster", "socrates"))
    out.pc = np.asarray(t.foster, dtype=float)
    out.pc_max = np.asarray(t.socrates_max_pc, dtype=float)
    return out


def event_cdm(events: ConjunctionEvents, index: int, *, hbr_table=None, hbr_m: float | None = None, model=None,
              originator: str = "ORBITWATCH", creation_date=None):
    """A CCSDS CDM (:class:`~orbitwatch.conjunction.cdm.Cdm`) for one screened event.

    The states are the event's EME2000 states at TCA; the covariances are the default TLE
    model's (regime and element-set age at TCA), written in RTN; the collision probability is
    the event's ``pc`` when it has been computed (else computed here with the same inputs), so
    that every number of the message agrees with the screening table.
    """
    from ..cdm import ObjectInfo, conjunction_cdm
    from ..covariance import DEFAULT_TLE_MODEL, tle_covariance_rtn
    from ..hbr import HbrTable, combined_hbr_m

    ev = events[np.array([index])]
    if hbr_m is None:
        table = hbr_table if hbr_table is not None else HbrTable.packaged()
        h1, s1, _ = table.hbr_m_for(ev.norad_1, ev.object_type_1)
        h2, s2, _ = table.hbr_m_for(ev.norad_2, ev.object_type_2)
        hbr = float(combined_hbr_m(h1, h2, s1, s2)[0])
    else:
        hbr = float(hbr_m)
    if not np.isfinite(ev.pc[0]):
        ev = add_collision_probability(ev, hbr_table=hbr_table, hbr_m=hbr, model=model)
    model = model or DEFAULT_TLE_MODEL
    r1, v1 = ev.r1_eme2000_km[0], ev.v1_eme2000_km_s[0]
    r2, v2 = ev.r2_eme2000_km[0], ev.v2_eme2000_km_s[0]
    c1 = tle_covariance_rtn(r1, v1, np.abs(ev.age_1_days), model)[0]
    c2 = tle_covariance_rtn(r2, v2, np.abs(ev.age_2_days), model)[0]

    def info(k):
        norad = int(getattr(ev, f"norad_{k}")[0])
        otype = str(getattr(ev, f"object_type_{k}")[0]).upper()
        age = float(getattr(ev, f"age_{k}_days")[0])
        intl = str(getattr(ev, f"intl_designator_{k}")[0]).strip()
        oem = str(getattr(ev, f"state_source_{k}")[0]) == "OEM"
        oid = str(getattr(ev, f"object_id_{k}")[0]).strip()
        if oem:
            # an ephemeris object: its catalog number when known, else its OEM OBJECT_ID
            designator = f"{norad:05d}" if norad > 0 else (oid or "UNKNOWN")
            state = (f"state interpolated from the operator's ephemeris (OEM OBJECT_ID {oid}), "
                     f"{age:+.3f} days from its first usable state")
        else:
            designator = f"{norad:05d}"
            state = f"SGP4 state from a TLE/OMM element set {age:+.3f} days from its epoch"
        return ObjectInfo(designator=designator, name=str(getattr(ev, f"name_{k}")[0]) or "UNKNOWN",
                          international_designator=intl or "UNKNOWN",
                          object_type={"PAYLOAD": "PAYLOAD", "ROCKET BODY": "ROCKET BODY", "DEBRIS": "DEBRIS"}
                          .get(otype, "UNKNOWN"),
                          ephemeris_name=(oid or "OEM") if oem else "NONE", covariance_method="DEFAULT",
                          comments=[state,
                                    "covariance: orbitwatch default TLE model (docs/collision-probability.md)"])

    return conjunction_cdm(tca=ev.tca[0], r1_km=r1, v1_km_s=v1, r2_km=r2, v2_km_s=v2, object1=info(1),
                           object2=info(2), cov1_rtn_km=c1, cov2_rtn_km=c2, originator=originator,
                           creation_date=creation_date, collision_probability=float(ev.pc[0]),
                           collision_probability_method="FOSTER-1992", hbr_m=hbr,
                           comments=["screened by orbitwatch (SGP4, TLE/OMM element sets"
                                     + (", operators' ephemerides)" if "OEM" in (str(ev.state_source_1[0]),
                                                                                str(ev.state_source_2[0])) else ")")])
