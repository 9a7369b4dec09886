"""Future populations: seeded, reproducible catalogs of 100,000 to 1,000,000 objects for load tests.

A synthetic catalog is built from three parts:

1. **The real catalog itself** (every object kept as it is), so today's encounters stay in it.
2. **The filed mega-constellation shells** (:data:`CONSTELLATION_SHELLS`), as Walker-delta
   patterns at their published altitude, inclination, number of planes and satellites per plane.
3. **A resampled background** that fills the catalog up to the requested size. Each new object
   copies the joint (semi-major axis, eccentricity, inclination, B*, object type) of a real object
   drawn at random *within its orbit regime*, in the real catalog's regime proportions, with a
   small jitter (1 km in semi-major axis, 2 % in eccentricity, 0.05° in inclination) so that no
   two objects fly the same orbit; node, argument of perigee and mean anomaly are uniform.

All element sets share one epoch (the real catalog's median epoch unless given), so screening
the catalog never trips on element-set ages. New objects take the catalog numbers from
``first_norad_id`` (100,000) up that the real catalog does not use: up to 339,999 they are valid
TLEs (Alpha-5), which a 100,000-object catalog stays within; beyond, OMM only (its
``NORAD_CAT_ID`` has no five-digit limit). ``docs/screening.md`` ("Future populations") says
how this differs from a real future catalog and why it is a fair load all the same.

>>> from orbitwatch.elements import read_elements
>>> from orbitwatch.samples import sample_catalog_path
>>> real = read_elements(sample_catalog_path()).elements
>>> pop = synthesize_population(real, 40_000, seed=1)
>>> len(pop), int(pop.norad_id.min()), int(pop.norad_id.max()) <= MAX_TLE_NORAD_ID
(40000, 5, True)
>>> synthesize_population(real, 40_000, seed=1).equals(pop)   # same seed, same catalog
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import MU_WGS72_KM3_S2, RE_WGS72_KM
from ..elements.sets import ElementSets
from ..errors import InvalidRequestError
from .catalog import orbit_regime

#: largest catalog number a TLE can carry (Alpha-5: Z9999)
MAX_TLE_NORAD_ID = 339_999


@dataclass(frozen=True)
class Shell:
    """One shell of a constellation: a Walker-delta pattern i: t/p/f of circular orbits."""

    constellation: str
    altitude_km: float
    inclination_deg: float
    planes: int
    per_plane: int
    phasing: int = 1
    bstar: float = 1.0e-4
    source: str = ""

    @property
    def count(self) -> int:
        return self.planes * self.per_plane


_FCC_STARLINK_2021 = "FCC 21-48 (SpaceX Gen1 modification order, 27 April 2021)"
_FCC_KUIPER_2020 = "FCC 20-102 (Kuiper Systems authorization, 30 July 2020)"
_FCC_ONEWEB_2021 = ("OneWeb (WorldVu) phase 1 modification granted by the FCC in May 2021: 716 satellites "
                    "at 1,200 km, 588 at 87.9 deg and 128 at 55 deg")
#: The mega-constellation shells put in every synthetic catalog (altitude, inclination, planes and
#: satellites per plane as filed and authorised; sources in ``source``). 8,360 satellites in all.
CONSTELLATION_SHELLS: tuple[Shell, ...] = (
    Shell("STARLINK", 550.0, 53.0, 72, 22, source=_FCC_STARLINK_2021),
    Shell("STARLINK", 540.0, 53.2, 72, 22, source=_FCC_STARLINK_2021),
    Shell("STARLINK", 570.0, 70.0, 36, 20, source=_FCC_STARLINK_2021),
    Shell("STARLINK", 560.0, 97.6, 6, 58, source=_FCC_STARLINK_2021),
    Shell("STARLINK", 560.0, 97.6, 4, 43, source=_FCC_STARLINK_2021),
    Shell("KUIPER", 630.0, 51.9, 34, 34, source=_FCC_KUIPER_2020),
    Shell("KUIPER", 610.0, 42.0, 36, 36, source=_FCC_KUIPER_2020),
    Shell("KUIPER", 590.0, 33.0, 28, 28, source=_FCC_KUIPER_2020),
    Shell("ONEWEB", 1200.0, 87.9, 12, 49, bstar=1.0e-5, source=_FCC_ONEWEB_2021),
    Shell("ONEWEB", 1200.0, 55.0, 8, 16, bstar=1.0e-5, source=_FCC_ONEWEB_2021),
)

#: jitter of the resampled background: semi-major axis (km), relative eccentricity, inclination (deg)
JITTER_A_KM = 1.0
JITTER_E_REL = 0.02
JITTER_I_DEG = 0.05


def _mean_motion_rev_per_day(a_km: np.ndarray) -> np.ndarray:
    n_rad_s = np.sqrt(MU_WGS72_KM3_S2 / np.asarray(a_km, dtype=float) ** 3)
    return n_rad_s * 86400.0 / (2.0 * np.pi)


def constellation_elements(shells=CONSTELLATION_SHELLS, *, epoch, first_norad_id: int) -> ElementSets:
    """The shells' satellites as circular element sets at ``epoch`` (Walker delta, phasing ``f``)."""
    parts = []
    nid = first_norad_id
    for s in shells:
        k = np.repeat(np.arange(s.planes), s.per_plane)
        j = np.tile(np.arange(s.per_plane), s.planes)
        raan = 360.0 * k / s.planes
        anomaly = (360.0 * j / s.per_plane + 360.0 * s.phasing * k / s.count) % 360.0
        n = s.count
        parts.append(ElementSets(
            norad_id=np.arange(nid, nid + n), epoch=np.full(n, epoch, dtype="datetime64[ns]"),
            name=np.array([f"{s.constellation}-S{int(s.altitude_km)}-{i:05d}" for i in range(n)]),
            mean_motion_dot=np.zeros(n), mean_motion_ddot=np.zeros(n), bstar=np.full(n, s.bstar),
            inclination_deg=np.full(n, s.inclination_deg), raan_deg=raan, eccentricity=np.full(n, 1.0e-4),
            arg_perigee_deg=np.zeros(n), mean_anomaly_deg=anomaly,
            mean_motion_rev_per_day=np.full(n, _mean_motion_rev_per_day(RE_WGS72_KM + s.altitude_km)),
            object_type=np.full(n, 1), source="<synthetic>"))
        nid += n
    return ElementSets.concat(parts)


def synthesize_population(real: ElementSets, n_objects: int, *, seed: int = 0, epoch=None,
                          constellations=CONSTELLATION_SHELLS, include_real: bool = True,
                          first_norad_id: int = 100_000) -> ElementSets:
    """A catalog of ``n_objects`` element sets: the real catalog, the constellation shells and a
    background resampled from the real catalog's joint distribution by regime (module docs).

    Raises :class:`~orbitwatch.errors.InvalidRequestError` when ``n_objects`` is smaller than
    what is kept (the real catalog and the shells) or the real catalog is empty.
    """
    real = real[np.unique(real.norad_id, return_index=True)[1]]  # one set per object
    if len(real) == 0:
        raise InvalidRequestError("real", "the real catalog to resample from is empty")
    n_objects = int(n_objects)
    if epoch is None:
        epoch = np.sort(real.epoch)[len(real) // 2]
    epoch = np.datetime64(epoch, "ns")
    kept = real if include_real else ElementSets.empty()
    shells = constellation_elements(constellations, epoch=epoch, first_norad_id=0)
    n_background = n_objects - len(kept) - len(shells)
    if n_background < 0:
        raise InvalidRequestError("n_objects", f"must be at least {len(kept) + len(shells):,} (the real catalog "
                                  f"and the constellation shells)", n_objects)
    rng = np.random.default_rng(seed)
    # resample within regime, in the real proportions
    regime = orbit_regime(real.mean_motion_rev_per_day, real.eccentricity)
    pick = rng.integers(0, len(real), n_background)  # a real object's regime, in proportion
    order = np.argsort(regime, kind="stable")
    groups = {r: order[regime[order] == r] for r in np.unique(regime)}
    src = np.empty(n_background, dtype=np.int64)
    for r, members in groups.items():
        sel = regime[pick] == r
        src[sel] = members[rng.integers(0, len(members), int(sel.sum()))]
    base = real[src]
    a = base.semi_major_axis_km + rng.normal(0.0, JITTER_A_KM, n_background)
    e = np.clip(base.eccentricity * (1.0 + rng.normal(0.0, JITTER_E_REL, n_background)), 0.0, 0.95)
    # keep perigees above 120 km (a resampled decaying object must not start inside the atmosphere)
    a = np.maximum(a, (RE_WGS72_KM + 120.0) / (1.0 - e))
    inc = np.clip(base.inclination_deg + rng.normal(0.0, JITTER_I_DEG, n_background), 0.0, 180.0)
    # catalog numbers: the free ones from first_norad_id up, the real catalog's skipped
    n_new = len(shells) + n_background
    taken = np.unique(kept.norad_id[kept.norad_id >= first_norad_id])
    numbers = np.arange(first_norad_id, first_norad_id + n_new + len(taken), dtype=np.int64)
    numbers = numbers[~np.isin(numbers, taken)][:n_new]
    shells.norad_id = numbers[:len(shells)]
    bg_ids = numbers[len(shells):]
    background = ElementSets(
        norad_id=bg_ids, epoch=np.full(n_background, epoch, dtype="datetime64[ns]"),
        name=np.char.add("SYNTH ", bg_ids.astype(str)),
        mean_motion_dot=np.zeros(n_background), mean_motion_ddot=np.zeros(n_background), bstar=base.bstar,
        inclination_deg=inc, raan_deg=rng.uniform(0.0, 360.0, n_background), eccentricity=e,
        arg_perigee_deg=rng.uniform(0.0, 360.0, n_background), mean_anomaly_deg=rng.uniform(0.0, 360.0, n_background),
        mean_motion_rev_per_day=_mean_motion_rev_per_day(a), object_type=base.object_type, source="<synthetic>")
    out = ElementSets.concat([kept, shells, background])
    out.source = f"<synthetic population of {n_objects:,}, seed {seed}>"
    return out
