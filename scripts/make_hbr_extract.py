"""Build the compact HBR extract shipped in the package.

Input : ../shared/data/objects/hbr-mass-estimates-2026-06-01.csv
        (NASA CARA, github.com/nasa/CARA_Analysis_Tools DataFiles/HBRMassEstimates/
        HBR_Mass_Estimates_20260601_ForDistribution.csv @ a80d0163)
Output: src/orbitwatch/data/hbr-cara-2026-06-01.npz - rows that carry an HBR value:
        NORAD numbers delta-encoded, HBR and HBR sigma in whole centimetres, source code
        (index into orbitwatch.conjunction.hbr.SOURCES).

Run:  .venv/bin/python scripts/make_hbr_extract.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from orbitwatch.conjunction.hbr import HbrTable

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "data" / "objects" / "hbr-mass-estimates-2026-06-01.csv"
OUT = ROOT / "src" / "orbitwatch" / "data" / "hbr-cara-2026-06-01.npz"


def main() -> None:
    t = HbrTable.from_csv(SRC)
    ids = t.ids.astype(np.int64)
    delta = np.diff(np.concatenate([[0], ids])).astype(np.uint32)
    hbr_cm = np.round(t.hbr_m * 100.0).astype(np.uint32)
    sig_cm = np.round(t.sigma_m * 100.0).astype(np.uint32)
    np.savez_compressed(OUT, id_delta=delta, hbr_cm=hbr_cm, sigma_cm=sig_cm, source=t.source.astype(np.uint8))
    print(f"{len(ids)} objects -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
