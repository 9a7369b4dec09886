"""CZML (Cesium's time-dynamic JSON) from an :class:`~orbitwatch.propagation.Ephemeris`.

One ``document`` packet (name, clock over the ephemeris span) and one packet per object with
its sampled positions (``cartesian`` [t_s, x_m, y_m, z_m, ...] from ``position.epoch``), a
path, a point and a label, so a Cesium viewer shows the orbits with no further work:
``viewer.dataSources.add(Cesium.CzmlDataSource.load(url))``. Positions are written in the
Earth-fixed frame (``FIXED``: ITRF) from TEME or ITRF ephemerides, or ``INERTIAL`` from GCRS /
EME2000 ones (Cesium's inertial frame is the ICRF; EME2000 differs from it by milliarcseconds).
Samples where the propagator failed (NaN) are left out. Format: Cesium's CZML guide
(github.com/AnalyticalGraphicsInc/czml-writer/wiki/CZML-Guide).

>>> import numpy as np
>>> from orbitwatch.propagation import Ephemeris
>>> t = np.array(["2024-01-01T00:00", "2024-01-01T00:01"], dtype="datetime64[ns]")
>>> eph = Ephemeris(norad_id=np.array([25544]), times=t, frame="ITRF",
...                 position_km=np.array([[[6778.0, 0, 0], [6770.0, 300.0, 0]]]),
...                 velocity_km_s=np.zeros((1, 2, 3)), status=np.zeros((1, 2), int))
>>> doc = ephemeris_czml(eph, name="ISS")
>>> doc[0]["id"], doc[1]["id"], doc[1]["position"]["referenceFrame"], doc[1]["position"]["cartesian"][:4]
('document', '25544', 'FIXED', [0.0, 6778000.0, 0.0, 0.0])
"""

from __future__ import annotations

import numpy as np

from ..timeutil import format_iso

#: default colours of the objects' paths (RGBA), cycled
COLORS = ((43, 108, 176, 255), (197, 48, 48, 255), (47, 133, 90, 255), (183, 121, 31, 255))
_FRAMES = {"ITRF": "FIXED", "GCRS": "INERTIAL", "EME2000": "INERTIAL"}


def _iso(t) -> str:
    return format_iso(np.datetime64(t, "ns"), 3) + "Z"


def ephemeris_czml(eph, *, name: str = "orbitwatch", labels=None, colors=COLORS, lead_s: float | None = None,
                   trail_s: float | None = None, interpolation_degree: int = 5) -> list[dict]:
    """The CZML document (a list of packets) of ``eph``; ``labels`` one per object (default: the
    ephemeris' names, else the catalog numbers). TEME input is converted to ITRF first."""
    if eph.frame == "TEME":
        eph = eph.to_frame("ITRF")
    if eph.frame not in _FRAMES:
        raise ValueError(f"CZML from frame {eph.frame} is not supported (ITRF, GCRS, EME2000 or TEME)")
    times = np.asarray(eph.times).astype("datetime64[ns]")
    if len(times) == 0:
        raise ValueError("the ephemeris has no instants")
    t0, t1 = times[0], times[-1]
    span = f"{_iso(t0)}/{_iso(t1)}"
    dt_s = (times - t0).astype(np.int64) / 1e9
    total_s = float(dt_s[-1]) if len(dt_s) > 1 else 0.0
    packets: list[dict] = [{"id": "document", "name": name, "version": "1.0",
                            "clock": {"interval": span, "currentTime": _iso(t0), "multiplier": 60,
                                      "range": "LOOP_STOP", "step": "SYSTEM_CLOCK_MULTIPLIER"}}]
    n = len(eph.norad_id)
    if labels is None:
        labels = [str(x) for x in eph.name] if eph.name is not None else [str(int(x)) for x in eph.norad_id]
    for i in range(n):
        r = np.asarray(eph.position_km[i], dtype=float) * 1000.0
        ok = np.all(np.isfinite(r), axis=1)
        samples = np.column_stack([dt_s[ok], r[ok]]).round(3).ravel().tolist()
        rgba = list(colors[i % len(colors)])
        packets.append({
            "id": str(int(eph.norad_id[i])), "name": labels[i], "availability": span,
            "position": {"epoch": _iso(t0), "referenceFrame": _FRAMES[eph.frame], "cartesian": samples,
                         "interpolationAlgorithm": "LAGRANGE", "interpolationDegree": int(interpolation_degree)},
            "point": {"pixelSize": 8, "color": {"rgba": rgba}},
            "label": {"text": labels[i], "font": "12pt sans-serif", "pixelOffset": {"cartesian2": [10, -10]},
                      "fillColor": {"rgba": rgba}},
            "path": {"material": {"solidColor": {"color": {"rgba": rgba}}}, "width": 2,
                     "leadTime": total_s if lead_s is None else float(lead_s),
                     "trailTime": total_s if trail_s is None else float(trail_s), "resolution": 60},
        })
    return packets
