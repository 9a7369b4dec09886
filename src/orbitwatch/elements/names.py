"""Object type from the naming conventions of the public catalog.

Space-Track and CelesTrak names follow conventions that carry the object type:
``... R/B`` rocket bodies, ``... DEB`` debris, ``OBJECT A``/``TBA - TO BE ASSIGNED``
for objects not yet identified. Apogee/perigee kick motors (``AKM``, ``PKM``) are
spent stages and counted with rocket bodies; NaK ``COOLANT`` droplets from
RORSAT reactors and fragment/shroud pieces are debris. Everything else is taken
as a payload. An OMM ``OBJECT_TYPE`` field, when present, wins over the name.
"""

from __future__ import annotations

import re

import numpy as np

_RB = re.compile(r"(\bR/B\b|\bAKM\b|\bPKM\b|\bROCKET BODY\b)")
_DEB = re.compile(r"(\bDEB\b|\bCOOLANT\b|\bFRAG\b|\bSHROUD\b|\bDEBRIS\b)")
_UNK = re.compile(r"^(OBJECT [A-Z]{1,3}|TBA\b|UNKNOWN\b|$)")


def object_type_from_name(names) -> np.ndarray:
    """int8 codes (0 unknown, 1 payload, 2 rocket body, 3 debris) for an array of names."""
    names = np.asarray(names)
    if names.size == 0:
        return np.zeros(names.shape, dtype=np.int8)
    uniq, inv = np.unique(names.ravel(), return_inverse=True)
    codes = np.fromiter((_code(str(u)) for u in uniq), dtype=np.int8, count=len(uniq))
    return codes[inv].reshape(names.shape)


def _code(name: str) -> int:
    up = name.strip().upper()
    if _RB.search(up):
        return 2
    if _DEB.search(up):
        return 3
    if _UNK.match(up):
        return 0
    return 1
