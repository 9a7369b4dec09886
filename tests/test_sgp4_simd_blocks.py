"""The SIMD kernel's per-instant choices (rotate sin/cos by a small step, or evaluate afresh) are the
instant's own: its result must not depend on which other instants share its block of 64.

``test_sgp4_numba.py::test_entries_agree_bitwise`` permutes instants 97 minutes apart; here they are
one minute apart (the spacing screening uses, where the small-step paths are taken), for near-Earth,
deep-space, resonant and Lyddane objects, compared bit for bit with the instants in random order and
against python-sgp4 within the kernel's tolerances."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.elements import read_elements
from orbitwatch.propagation import SGP4ReferenceBackend
from orbitwatch.propagation import sgp4_numba as sn

CATALOG = "catalog/full-catalog-2023-10-09.3le"


@pytest.fixture(scope="module")
def sample(shared_data):
    es = read_elements(shared_data / CATALOG).elements
    st = sn.init_state(es)
    incl_rad = np.radians(es.inclination_deg)
    lyddane = st.deep_space & (incl_rad < 0.2)
    idx = np.unique(np.r_[np.flatnonzero(~st.deep_space)[::200], np.flatnonzero(st.deep_space)[::20],
                          np.flatnonzero(st.resonance == 2)[::20], np.flatnonzero(lyddane)[::20],
                          np.argsort(es.bstar)[-5:]])
    return es[idx], st.subset(idx)


def test_instants_independent_of_their_block(sample):
    es, st = sample
    t = np.arange(-1440.0, 1440.0, 1.0) + 0.3
    perm = np.random.default_rng(11).permutation(t.size)
    r1, v1, s1 = sn.propagate_tsince(st, t, threads=1)
    r2, v2, s2 = sn.propagate_tsince(st, t[perm], threads=1)
    assert np.array_equal(s2, s1[:, perm])
    assert np.array_equal(r2, r1[:, perm], equal_nan=True)
    assert np.array_equal(v2, v1[:, perm], equal_nan=True)
    ref = SGP4ReferenceBackend()
    tr = (t / 1440.0) * 1440.0  # the float minutes the reference evaluates (see test_sgp4_numba)
    r0, v0, s0 = ref.propagate_tsince(ref.prepare(es), tr)
    r3, v3, s3 = sn.propagate_tsince(st, tr)
    assert np.array_equal(s0, s3)
    ok = s0 == 0
    assert np.abs(r0[ok] - r3[ok]).max() <= 1e-6 and np.abs(v0[ok] - v3[ok]).max() <= 1e-9
