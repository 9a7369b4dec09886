"""Build a CDM for one conjunction event (a screening row, or any two states at TCA).

The numbers come straight from the inputs, so a CDM written from a screening event
agrees with the screening table: ``MISS_DISTANCE`` is ``|r2 - r1|``, the relative
state is object 2 relative to object 1 in object 1's RTN frame (CCSDS 508.0-B-1
3.5.2), covariances are converted from km-based units to the CDM's m-based ones.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np

from ...errors import InvalidRequestError

from ..pc.encounter import cov_eci_to_rtn, relative_rtn
from .model import Block, Cdm, CdmObject
from .schema import RTN_COV_KEYS, STATE_KEYS
from .validate import check_cdm

__all__ = ["CdmObjectInfo", "ObjectInfo", "conjunction_cdm"]


@dataclass
class CdmObjectInfo:
    """Metadata of one object for a CDM being built (CDM metadata keywords; defaults
    describe a TLE object).  Not the parsed segment: that is
    :class:`~orbitwatch.conjunction.cdm.model.CdmObject`."""

    designator: str
    name: str = "UNKNOWN"
    international_designator: str = "UNKNOWN"
    object_type: str | None = None
    catalog_name: str = "SATCAT"
    ephemeris_name: str = "NONE"
    covariance_method: str = "CALCULATED"
    maneuverable: str = "N/A"
    comments: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)   # any other metadata / OD / additional keyword


#: former name, kept importable for existing callers (the store has its own ``ObjectInfo``)
ObjectInfo = CdmObjectInfo


def _now() -> np.datetime64:
    return np.datetime64(_dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None), "ms").astype("datetime64[ns]")


def _object(info: CdmObjectInfo, label: str, r, v, cov_rtn_km) -> CdmObject:
    from .schema import lookup

    o = CdmObject()
    meta = o.block("metadata")
    meta.comments.extend(info.comments)
    meta.values.update({
        "OBJECT": label, "OBJECT_DESIGNATOR": str(info.designator), "CATALOG_NAME": info.catalog_name,
        "OBJECT_NAME": info.name, "INTERNATIONAL_DESIGNATOR": info.international_designator,
        "EPHEMERIS_NAME": info.ephemeris_name, "COVARIANCE_METHOD": info.covariance_method,
        "MANEUVERABLE": info.maneuverable, "REF_FRAME": "EME2000",
    })
    if info.object_type:
        meta.values["OBJECT_TYPE"] = info.object_type.upper()
    for k, val in info.extra.items():
        kw = lookup(k)
        if kw is None:
            raise InvalidRequestError(f"{label.lower()}.extra", f"{k} is not a CDM keyword", k)
        o.block(kw.block).values[k] = val
    st = o.block("state")
    for k, x in zip(STATE_KEYS, np.r_[r, v]):
        st.values[k] = float(x)
    C = np.asarray(cov_rtn_km, float)
    n = C.shape[0]
    Cm = C.copy()
    Cm[:6, :6] *= 1e6
    if n > 6:
        Cm[6:, :6] *= 1e3
        Cm[:6, 6:] *= 1e3
    cov = o.block("rtn")
    for k, i, j in RTN_COV_KEYS:
        if i < n:
            cov.values[k] = float(Cm[i, j])
    return o


def conjunction_cdm(*, tca, r1_km, v1_km_s, r2_km, v2_km_s, object1: CdmObjectInfo, object2: CdmObjectInfo,
                    cov1_km=None, cov2_km=None, cov1_rtn_km=None, cov2_rtn_km=None,
                    originator: str = "ORBITWATCH", message_id: str | None = None, message_for: str | None = None,
                    creation_date=None, collision_probability: float | None = None,
                    collision_probability_method: str | None = "FOSTER-1992", hbr_m: float | None = None,
                    relative_extra: dict | None = None, comments: list[str] | None = None,
                    version: str = "1.0") -> Cdm:
    """A :class:`Cdm` for one event.  States are EME2000 at TCA (km, km/s); give each
    covariance either inertial (``cov*_km``, 6x6 km-based, rotated to RTN here) or RTN
    (``cov*_rtn_km``).  ``hbr_m`` is recorded as a ``COMMENT HBR = ... [m]`` line (the
    convention NASA CARA's CDMs use, read back by ``Cdm.hbr_m``)."""
    r1, v1, r2, v2 = (np.asarray(a, float).reshape(3) for a in (r1_km, v1_km_s, r2_km, v2_km_s))
    if cov1_rtn_km is None:
        if cov1_km is None:
            raise InvalidRequestError("cov1_km", "object 1 needs a covariance (cov1_km or cov1_rtn_km)")
        cov1_rtn_km = cov_eci_to_rtn(np.asarray(cov1_km, float)[:6, :6], r1, v1)
    if cov2_rtn_km is None:
        if cov2_km is None:
            raise InvalidRequestError("cov2_km", "object 2 needs a covariance (cov2_km or cov2_rtn_km)")
        cov2_rtn_km = cov_eci_to_rtn(np.asarray(cov2_km, float)[:6, :6], r2, v2)
    tca = np.datetime64(tca, "ns")
    created = np.datetime64(creation_date, "ns") if creation_date is not None else _now()
    cdm = Cdm(version=version, source="<built>", objects=[])
    h = cdm.header
    h.comments.extend(comments or [])
    h.values["CREATION_DATE"] = created
    h.values["ORIGINATOR"] = originator
    if message_for:
        h.values["MESSAGE_FOR"] = message_for
    t_tag = np.datetime_as_string(tca, unit="s").replace("-", "").replace(":", "")
    h.values["MESSAGE_ID"] = message_id or f"{object1.designator}_conj_{object2.designator}_{t_tag}"
    rel: Block = cdm.relative
    if hbr_m is not None:
        rel.comments.append(f"HBR = {float(hbr_m)!r} [m]")
    dr_rtn, dv_rtn = relative_rtn(r1, v1, r2, v2)
    rel.values["TCA"] = tca
    rel.values["MISS_DISTANCE"] = float(np.linalg.norm(r2 - r1) * 1000.0)
    rel.values["RELATIVE_SPEED"] = float(np.linalg.norm(v2 - v1) * 1000.0)
    for k, x in zip(("RELATIVE_POSITION_R", "RELATIVE_POSITION_T", "RELATIVE_POSITION_N"), dr_rtn * 1000.0):
        rel.values[k] = float(x)
    for k, x in zip(("RELATIVE_VELOCITY_R", "RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_N"), dv_rtn * 1000.0):
        rel.values[k] = float(x)
    for k, x in (relative_extra or {}).items():
        rel.values[k] = x
    if collision_probability is not None:
        rel.values["COLLISION_PROBABILITY"] = float(collision_probability)
        if collision_probability_method:
            rel.values["COLLISION_PROBABILITY_METHOD"] = collision_probability_method
    cdm.objects.append(_object(object1, "OBJECT1", r1, v1, cov1_rtn_km))
    cdm.objects.append(_object(object2, "OBJECT2", r2, v2, cov2_rtn_km))
    check_cdm(cdm)
    return cdm
