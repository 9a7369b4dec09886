"""Collision probability for screened events (the hook to :mod:`orbitwatch.conjunction.pc`).

Screened objects are known only by their TLEs, so the covariances are the Pc module's default
TLE model (orbit regime and element-set age at TCA); the hard-body radii come from NASA CARA's
table shipped with orbitwatch, with defaults by object type.
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
