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
    out = np.empty(names.shape, dtype=np.int8)
    cache: dict[str, int] = {}
    for i, nm in enumerate(names.ravel()):
        nm = str(nm)
        code = cache.get(nm)
        if code is None:
            up = nm.strip().upper()
            if _RB.search(up):
                code = 2
            elif _DEB.search(up):
                code = 3
            elif _UNK.match(up):
                code = 0
            else:
                code = 1
            cache[nm] = code
        out.flat[i] = code
    return out
