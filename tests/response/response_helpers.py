"""Shared pieces of the disaster-response tests."""

import numpy as np

from orbitwatch.response import make_activation

#: a ~90 km x 70 km quadrilateral on the Po plain (northern Italy), used by the window tests
PO_PLAIN = {"type": "Polygon", "coordinates": [[[9.6, 44.95], [10.7, 44.85], [10.8, 45.45], [9.75, 45.55],
                                                [9.6, 44.95]]]}




def activation(geom=PO_PLAIN, hazard="flood", start="2026-06-10T00:00:00", hours=24.0, **kw):
    return make_activation({"type": "Feature", "properties": {}, "geometry": geom}, hazard=hazard, start=start,
                           hours=hours, **kw)


def seconds(a, b) -> float:
    return float((np.datetime64(a, "ns") - np.datetime64(b, "ns")) / np.timedelta64(1, "ns")) / 1e9
