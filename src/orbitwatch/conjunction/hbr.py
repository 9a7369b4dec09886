"""Hard-body radius (HBR) of catalogued objects, and the combined HBR of a conjunction.

Source
------
NASA CARA's monthly HBR and mass estimates (``HBR_Mass_Estimates_<date>_ForDistribution.csv``,
github.com/nasa/CARA_Analysis_Tools, DataFiles/HBRMassEstimates): per NORAD number an
HBR (m), its sigma and its source, in priority order "CARA Protected Primary",
"DISCOS DB", "SFK RCS Estimate" (Space Fence radar cross sections through NASA's Size
Estimation Model; Baars & Hall, AAS 22-586, 2022) and "Default".  The DISCOS rows are
published without values (ESA licensing), so those objects fall back to the defaults
below.

orbitwatch ships a compact extract of the 2026-06-01 table (rows with a value, HBR and
sigma rounded to the centimetre: ``orbitwatch/data/hbr-cara-2026-06-01.npz``, made by
``scripts/make_hbr_extract.py``) and reads the full CSV when one is given.

Defaults by CCSDS ``OBJECT_TYPE`` (metres), used when an object is not in the table:

=============  =====  ==========================================================
PAYLOAD        3.5    median CARA HBR of catalogued payloads in the 2026-06-01
                      table (1,139 payloads with values; quartiles 2.3 / 14.5 m)
ROCKET BODY    4.0    circumscribing sphere of a typical upper stage (Delta II
                      second stage, 2.4 m x 6 m: 3.2 m; Zenit second stage,
                      3.9 m x 11.5 m: 6.1 m); CARA publishes none (DISCOS rows)
DEBRIS         1.1    CARA's own default for debris without an RCS estimate (736
                      of the 738 defaulted debris rows of the 2026-06-01 table)
UNKNOWN/OTHER  1.1    as debris
=============  =====  ==========================================================

Combined HBR (Baars & Hall 2022, eq. 8): ``sqrt((R1 + R2)^2 + s1^2 + s2^2)``; with zero
sigmas it is the plain sum ``R1 + R2``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = ["DEFAULT_HBR_M", "HbrTable", "combined_hbr_m", "default_hbr_m"]

#: orbitwatch's default HBR (m) by CCSDS OBJECT_TYPE (see the module docstring).
DEFAULT_HBR_M = {"PAYLOAD": 3.5, "ROCKET BODY": 4.0, "UPPER STAGE": 4.0, "DEBRIS": 1.1,
                 "UNKNOWN": 1.1, "OTHER": 1.1}

SOURCES = ("CARA Protected Primary", "CARA Override", "DISCOS DB", "SFK RCS Estimate", "Default", "orbitwatch default")
_EXTRACT = "hbr-cara-2026-06-01.npz"


def default_hbr_m(object_type: str | None) -> float:
    """orbitwatch's documented default HBR for an object type (UNKNOWN if None)."""
    key = (object_type or "UNKNOWN").strip().upper()
    if key in ("R/B", "ROCKET_BODY", "RB"):
        key = "ROCKET BODY"
    if key in ("DEB",):
        key = "DEBRIS"
    if key in ("PAY",):
        key = "PAYLOAD"
    return DEFAULT_HBR_M.get(key, DEFAULT_HBR_M["UNKNOWN"])


@dataclass(frozen=True)
class HbrEntry:
    hbr_m: float
    sigma_m: float
    source: str


class HbrTable:
    """NORAD number -> (HBR, sigma, source).  Immutable, vectorised lookups."""

    def __init__(self, ids: np.ndarray, hbr_m: np.ndarray, sigma_m: np.ndarray, source: np.ndarray,
                 origin: str = ""):
        order = np.argsort(ids)
        self.ids = np.asarray(ids, dtype=np.int64)[order]
        self.hbr_m = np.asarray(hbr_m, dtype=np.float64)[order]
        self.sigma_m = np.asarray(sigma_m, dtype=np.float64)[order]
        self.source = np.asarray(source, dtype=np.int8)[order]
        self.origin = origin

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_csv(cls, path) -> "HbrTable":
        """Read CARA's ``HBR_Mass_Estimates_*.csv`` (rows without an HBR are skipped)."""
        ids, hbr, sig, src = [], [], [], []
        p = Path(path)
        with open(p, newline="") as fh:
            for row in csv.DictReader(fh):
                h = (row.get("HBR") or "").strip()
                if not h:
                    continue
                ids.append(int(row["ObjectID"]))
                hbr.append(float(h))
                s = (row.get("HBRSigma") or "").strip()
                sig.append(float(s) if s else 0.0)
                name = (row.get("HBRSource") or "").strip()
                src.append(SOURCES.index(name) if name in SOURCES else SOURCES.index("Default"))
        return cls(np.array(ids), np.array(hbr), np.array(sig), np.array(src), origin=str(p.name))

    @classmethod
    def packaged(cls) -> "HbrTable":
        """The extract shipped with orbitwatch (CARA table of 2026-06-01, cm resolution)."""
        ref = resources.files("orbitwatch") / "data" / _EXTRACT
        with resources.as_file(ref) as f, np.load(f) as z:
            ids = np.cumsum(z["id_delta"].astype(np.int64))
            return cls(ids, z["hbr_cm"] / 100.0, z["sigma_cm"] / 100.0, z["source"], origin=_EXTRACT)

    def lookup(self, norad_ids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(hbr_m, sigma_m, found) arrays for the given NORAD numbers (NaN where absent)."""
        q = np.atleast_1d(np.asarray(norad_ids, dtype=np.int64))
        i = np.searchsorted(self.ids, q)
        i = np.clip(i, 0, max(len(self.ids) - 1, 0))
        found = (len(self.ids) > 0) & (self.ids[i] == q)
        hbr = np.where(found, self.hbr_m[i], np.nan)
        sig = np.where(found, self.sigma_m[i], np.nan)
        return hbr, sig, found

    def get(self, norad_id: int) -> HbrEntry | None:
        h, s, f = self.lookup([norad_id])
        if not f[0]:
            return None
        i = int(np.searchsorted(self.ids, norad_id))
        return HbrEntry(float(h[0]), float(s[0]), SOURCES[int(self.source[i])])

    def hbr_m_for(self, norad_ids, object_types=None) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Per-object HBR with fall-back to :data:`DEFAULT_HBR_M`: (hbr_m, sigma_m, sources)."""
        hbr, sig, found = self.lookup(norad_ids)
        n = len(hbr)
        types = list(object_types) if object_types is not None else [None] * n
        sources = []
        for k in range(n):
            if found[k]:
                i = int(np.searchsorted(self.ids, int(np.atleast_1d(norad_ids)[k])))
                sources.append(SOURCES[int(self.source[i])])
            else:
                hbr[k] = default_hbr_m(types[k])
                sig[k] = 0.0
                sources.append("orbitwatch default")
        return hbr, sig, sources


def combined_hbr_m(r1_m, r2_m, sigma1_m=0.0, sigma2_m=0.0) -> np.ndarray:
    """Effective combined HBR, Baars & Hall (2022) eq. 8: sqrt((R1+R2)^2 + s1^2 + s2^2)."""
    r1, r2, s1, s2 = (np.asarray(a, dtype=float) for a in (r1_m, r2_m, sigma1_m, sigma2_m))
    return np.sqrt((r1 + r2) ** 2 + s1 ** 2 + s2 ** 2)
