"""The fleet: Earth-observation satellites, their sensors and their element sets.

The default fleet ships in ``orbitwatch/data/fleet/``: ``satellites.csv`` (NORAD number,
agency, platform), ``sensors.csv`` (one row per sensor mode of a platform, with the public
source of every figure) and ``fleet-elements.3le.gz`` (the most recent element sets of those
satellites, cut from a Space-Track payload catalog; see ``PROVENANCE.md`` there).

Users add or replace satellites and sensors with CSV files of the same columns
(:func:`load_fleet`), and pass their own element sets (any format
:func:`orbitwatch.elements.read_elements` reads).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from ..elements import ElementSets, parse_elements, read_elements
from ..errors import InvalidRequestError
from ..requests import check_choice, check_positive
from .errors import FleetError

SENSOR_TYPES = ("SAR", "optical")
POINTING = ("agile", "cross_track", "nadir")
ANGLE_KINDS = ("incidence", "off_nadir")
LOOK_SIDES = ("right", "left", "both")

SATELLITE_COLUMNS = ("norad_id", "name", "catalog_name", "ucs_name", "platform", "agency", "operator", "source")
SENSOR_COLUMNS = ("platform", "sensor", "type", "pointing", "angle_kind", "angle_min_deg", "angle_max_deg",
                  "look_side", "swath_km", "resolution_m", "uncertain", "source")

DEFAULT_ELEMENTS = "fleet-elements.3le.gz"


@dataclass(frozen=True)
class Sensor:
    """One imaging mode of a platform.

    ``pointing``: ``agile`` (the field of regard is a cone of off-nadir angles in any
    direction; acquisitions are roll-only strips), ``cross_track`` (a strip steered by roll
    within the field of regard, imaged at zero Doppler: SAR and steerable push-brooms) or
    ``nadir`` (a fixed swath centred on the ground track). ``angle_kind`` says whether the
    field of regard ``[angle_min_deg, angle_max_deg]`` is an incidence angle at the target
    or an off-nadir angle at the satellite.
    """

    platform: str
    sensor: str
    type: str
    pointing: str
    angle_kind: str
    angle_min_deg: float
    angle_max_deg: float
    look_side: str
    swath_km: float
    resolution_m: float
    uncertain: bool = False
    source: str = ""

    @property
    def is_sar(self) -> bool:
        return self.type == "SAR"

    def to_dict(self) -> dict:
        """The sensor as a JSON-ready mapping (units in the keys), with its public source."""
        return {"platform": self.platform, "sensor": self.sensor, "type": self.type, "pointing": self.pointing,
                "angle_kind": self.angle_kind, "angle_min_deg": self.angle_min_deg,
                "angle_max_deg": self.angle_max_deg, "look_side": self.look_side, "swath_km": self.swath_km,
                "resolution_m": self.resolution_m, "uncertain": self.uncertain, "source": self.source}


@dataclass(frozen=True)
class Satellite:
    norad_id: int
    name: str
    platform: str
    agency: str
    operator: str = ""
    catalog_name: str = ""
    ucs_name: str = ""
    source: str = ""

    def to_dict(self) -> dict:
        """The satellite as a JSON-ready mapping."""
        return {"norad_id": self.norad_id, "name": self.name, "platform": self.platform, "agency": self.agency,
                "operator": self.operator, "catalog_name": self.catalog_name, "ucs_name": self.ucs_name,
                "source": self.source}


@dataclass(frozen=True)
class Fleet:
    """Satellites and the sensors of their platforms."""

    satellites: tuple[Satellite, ...]
    sensors: tuple[Sensor, ...]

    def __len__(self) -> int:
        return len(self.satellites)

    def __repr__(self) -> str:
        return (f"<Fleet satellites={len(self.satellites)} sensors={len(self.sensors)} "
                f"agencies={len(self.agencies)}>")

    @property
    def agencies(self) -> list[str]:
        return sorted({s.agency for s in self.satellites})

    @property
    def norad_ids(self) -> np.ndarray:
        return np.array([s.norad_id for s in self.satellites], dtype=np.int64)

    def sensors_of(self, platform: str) -> list[Sensor]:
        return [s for s in self.sensors if s.platform == platform]

    def pairs(self) -> list[tuple[Satellite, Sensor]]:
        """Every (satellite, sensor) combination, in fleet order."""
        by_platform: dict[str, list[Sensor]] = {}
        for s in self.sensors:
            by_platform.setdefault(s.platform, []).append(s)
        return [(sat, sen) for sat in self.satellites for sen in by_platform.get(sat.platform, [])]

    def select(self, *, agencies: Iterable[str] | None = None, types: Iterable[str] | None = None,
               max_resolution_m: float | None = None, norad_ids: Iterable[int] | None = None) -> "Fleet":
        """A sub-fleet: by agency, sensor type ('SAR'/'optical'), best resolution, catalog number.

        Agencies and types match case-insensitively; one the fleet does not have is an
        :class:`~orbitwatch.errors.InvalidRequestError` listing those it has (never an
        empty fleet by a typo).

        >>> len(load_fleet().select(agencies=["jaxa"])) > 0
        True
        >>> load_fleet().select(agencies=["NOSUCH"])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        orbitwatch.errors.InvalidRequestError: agencies: unknown agency 'NOSUCH'; the fleet has ABAE, ASAL, ASI, ...
        """
        sats = list(self.satellites)
        sens = list(self.sensors)
        if agencies is not None:
            want = set(self.canonical_agencies(agencies))
            sats = [s for s in sats if s.agency in want]
        if norad_ids is not None:
            ids = {int(i) for i in norad_ids}
            sats = [s for s in sats if s.norad_id in ids]
        if types is not None:
            want_t = {check_choice("types", str(t).strip(), SENSOR_TYPES) for t in types}
            sens = [s for s in sens if s.type in want_t]
        if max_resolution_m is not None:
            max_resolution_m = check_positive("max_resolution_m", max_resolution_m)
            sens = [s for s in sens if s.resolution_m <= max_resolution_m]
        platforms = {s.platform for s in sens}
        sats = [s for s in sats if s.platform in platforms]
        return Fleet(tuple(sats), tuple(s for s in sens if s.platform in {x.platform for x in sats}))

    def canonical_agencies(self, agencies: Iterable[str]) -> list[str]:
        """The fleet's spelling of each agency (matched case-insensitively), or an error naming the unknown one."""
        by_upper = {a.upper(): a for a in self.agencies}
        out = []
        for a in agencies:
            key = str(a).strip().upper()
            if key not in by_upper:
                raise InvalidRequestError("agencies", f"unknown agency {str(a).strip()!r}; the fleet has "
                                                      f"{', '.join(self.agencies)}", a)
            out.append(by_upper[key])
        return list(dict.fromkeys(out))

    def merged(self, satellites: Sequence[Satellite] = (), sensors: Sequence[Sensor] = ()) -> "Fleet":
        """Add or replace satellites (by NORAD number) and sensors (by platform and sensor name)."""
        sat_by_id = {s.norad_id: s for s in self.satellites}
        for s in satellites:
            sat_by_id[s.norad_id] = s
        sen_by_key = {(s.platform, s.sensor): s for s in self.sensors}
        for s in sensors:
            sen_by_key[(s.platform, s.sensor)] = s
        return Fleet(tuple(sat_by_id.values()), tuple(sen_by_key.values()))


def _norm_type(value: str, source: str, line: int | None) -> str:
    v = value.strip()
    for t in SENSOR_TYPES:
        if v.lower() == t.lower():
            return t
    raise FleetError(source, line, "type", f"{value!r} is not one of {', '.join(SENSOR_TYPES)}")


def _read_rows(text: str, source: str, required: Sequence[str]) -> list[tuple[int, dict]]:
    lines = text.splitlines()
    body = []
    for i, line in enumerate(lines, 1):
        if line.strip() and not line.lstrip().startswith("#"):
            body.append((i, line))
    if not body:
        raise FleetError(source, None, "file", "no header line")
    reader = csv.reader(io.StringIO("\n".join(text for _, text in body)))
    rows = list(reader)
    header = [h.strip() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise FleetError(source, body[0][0], "header", f"missing column(s) {', '.join(missing)}")
    out = []
    for (lineno, _), row in zip(body[1:], rows[1:]):
        if len(row) != len(header):
            raise FleetError(source, lineno, "row", f"{len(row)} fields, header has {len(header)}")
        out.append((lineno, {h: v.strip() for h, v in zip(header, row)}))
    return out


def _float(row: dict, key: str, source: str, line: int, lo: float, hi: float) -> float:
    try:
        v = float(row[key])
    except ValueError:
        raise FleetError(source, line, key, f"{row[key]!r} is not a number") from None
    if not (lo <= v <= hi) or math.isnan(v):
        raise FleetError(source, line, key, f"{v} outside [{lo}, {hi}]")
    return v


def parse_sensors(text: str, source: str = "<sensors>") -> list[Sensor]:
    """Sensors from CSV text (columns :data:`SENSOR_COLUMNS`; ``uncertain`` and ``source`` optional)."""
    req = [c for c in SENSOR_COLUMNS if c not in ("uncertain", "source")]
    out = []
    for line, row in _read_rows(text, source, req):
        for key in ("platform", "sensor"):
            if not row[key]:
                raise FleetError(source, line, key, "empty")
        typ = _norm_type(row["type"], source, line)
        pointing = row["pointing"].lower()
        if pointing not in POINTING:
            raise FleetError(source, line, "pointing", f"{row['pointing']!r} is not one of {', '.join(POINTING)}")
        kind = row["angle_kind"].lower()
        if kind not in ANGLE_KINDS:
            raise FleetError(source, line, "angle_kind",
                             f"{row['angle_kind']!r} is not one of {', '.join(ANGLE_KINDS)}")
        lo = _float(row, "angle_min_deg", source, line, 0.0, 89.0)
        hi = _float(row, "angle_max_deg", source, line, 0.0, 89.9)
        if hi <= lo:
            raise FleetError(source, line, "angle_max_deg", f"{hi} is not above angle_min_deg {lo}")
        side = row["look_side"].lower()
        if side not in LOOK_SIDES:
            raise FleetError(source, line, "look_side", f"{row['look_side']!r} is not one of {', '.join(LOOK_SIDES)}")
        if pointing == "nadir" and (lo != 0.0 or side != "both"):
            raise FleetError(source, line, "pointing", "a nadir sensor needs angle_min_deg 0 and look_side both")
        if pointing == "agile" and side != "both":
            raise FleetError(source, line, "look_side", "an agile (cone) sensor looks to both sides")
        swath = _float(row, "swath_km", source, line, 0.01, 10000.0)
        res = _float(row, "resolution_m", source, line, 0.01, 100000.0)
        unc = row.get("uncertain", "0").strip().lower() in ("1", "true", "yes", "y")
        out.append(Sensor(row["platform"], row["sensor"], typ, pointing, kind, lo, hi, side, swath, res, unc,
                          row.get("source", "")))
    return out


def parse_satellites(text: str, source: str = "<satellites>") -> list[Satellite]:
    """Satellites from CSV text (``norad_id``, ``name``, ``platform``, ``agency`` required)."""
    out = []
    seen: dict[int, int] = {}
    for line, row in _read_rows(text, source, ("norad_id", "name", "platform", "agency")):
        try:
            nid = int(row["norad_id"])
        except ValueError:
            raise FleetError(source, line, "norad_id", f"{row['norad_id']!r} is not an integer") from None
        if not (0 < nid < 1_000_000):
            raise FleetError(source, line, "norad_id", f"{nid} outside 1..999999")
        if nid in seen:
            raise FleetError(source, line, "norad_id", f"{nid} already given on line {seen[nid]}")
        seen[nid] = line
        for key in ("name", "platform", "agency"):
            if not row[key]:
                raise FleetError(source, line, key, "empty")
        out.append(Satellite(nid, row["name"], row["platform"], row["agency"], row.get("operator", ""),
                             row.get("catalog_name", ""), row.get("ucs_name", ""), row.get("source", "")))
    return out


def _package_text(name: str) -> str:
    return resources.files("orbitwatch").joinpath("data", "fleet", name).read_text(encoding="utf-8")


def _file_text(path) -> tuple[str, str]:
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8"), str(p)
    except OSError as exc:
        raise FleetError(str(p), None, "file", exc.strerror or str(exc)) from None


def load_fleet(satellites: str | Path | None = None, sensors: str | Path | None = None, *,
               default: bool = True) -> Fleet:
    """The default fleet, with satellites and sensors from user CSV files added or replaced.

    With ``default=False`` only the user's files are used. Every satellite's platform must
    have at least one sensor, else :class:`FleetError` names the satellite's line.
    """
    sats: list[Satellite] = []
    sens: list[Sensor] = []
    fleet = Fleet((), ())
    if default:
        fleet = Fleet(tuple(parse_satellites(_package_text("satellites.csv"), "orbitwatch:fleet/satellites.csv")),
                      tuple(parse_sensors(_package_text("sensors.csv"), "orbitwatch:fleet/sensors.csv")))
    src_sat = None
    if sensors is not None:
        text, src = _file_text(sensors)
        sens = parse_sensors(text, src)
    if satellites is not None:
        text, src_sat = _file_text(satellites)
        sats = parse_satellites(text, src_sat)
    fleet = fleet.merged(sats, sens)
    platforms = {s.platform for s in fleet.sensors}
    for s in fleet.satellites:
        if s.platform not in platforms:
            raise FleetError(src_sat or "orbitwatch:fleet/satellites.csv", None, "platform",
                             f"satellite {s.norad_id} ({s.name}) has platform {s.platform!r} with no sensor row")
    return fleet


def default_fleet_elements() -> ElementSets:
    """The shipped element sets of the default fleet (see ``data/fleet/PROVENANCE.md``)."""
    import gzip

    raw = resources.files("orbitwatch").joinpath("data", "fleet", DEFAULT_ELEMENTS).read_bytes()
    es, rejected = parse_elements(gzip.decompress(raw), "tle", source=f"orbitwatch:fleet/{DEFAULT_ELEMENTS}")
    if rejected:  # pragma: no cover - the shipped file is checked by the tests
        raise rejected[0]
    return es


def fleet_elements(fleet: Fleet, elements: ElementSets | str | Path | None = None
                   ) -> tuple[ElementSets, list[Satellite]]:
    """One element set per fleet satellite, in fleet order, and the satellites that have none.

    ``elements`` may be an :class:`ElementSets`, a file name, or None for the shipped sets.
    When several element sets of one object are given, the most recent one is used.
    """
    if elements is None:
        es = default_fleet_elements()
    elif isinstance(elements, ElementSets):
        es = elements
    else:
        es, _rej = read_elements(elements)
    # latest epoch per object
    order = np.lexsort((es.epoch.astype(np.int64), es.norad_id))
    es = es[order]
    last = np.r_[es.norad_id[1:] != es.norad_id[:-1], True] if len(es) else np.zeros(0, bool)
    es = es[last]
    index = {int(n): i for i, n in enumerate(es.norad_id)}
    take, missing = [], []
    for s in fleet.satellites:
        if s.norad_id in index:
            take.append(index[s.norad_id])
        else:
            missing.append(s)
    return es[np.array(take, dtype=np.int64)], missing


def replicate(fleet: Fleet, elements: ElementSets, n: int) -> tuple[Fleet, ElementSets]:
    """Grow a fleet to ``n`` satellites by copying it (benchmarks: the Charter's ~270 satellites).

    ``elements`` must be in fleet order (as :func:`fleet_elements` returns them). Copy ``k``
    gets NORAD number 300000+k (an Alpha-5 number, writable in a TLE) and its mean anomaly
    advanced by k x 137.5 deg (the golden angle), so copies fly the same planes at other
    places, like a real constellation.
    """
    sats, idx = [], []
    m = len(fleet.satellites)
    for k in range(n):
        s = fleet.satellites[k % m]
        if k >= m:
            s = replace(s, norad_id=300000 + k, name=f"{s.name} copy {k // m}")
        sats.append(s)
        idx.append(k % m)
    es = elements[np.array(idx, dtype=np.int64)]
    k = np.arange(n)
    es.norad_id = np.where(k < m, es.norad_id, 300000 + k)
    es.mean_anomaly_deg = np.where(k < m, es.mean_anomaly_deg, (es.mean_anomaly_deg + 137.5 * k) % 360.0)
    return Fleet(tuple(sats), fleet.sensors), es


def extract_fleet_elements(catalog: str | Path, norad_ids: Iterable[int]) -> ElementSets:
    """The most recent element set of each listed object found in a catalog file.

    This is how ``data/fleet/fleet-elements.3le.gz`` was made (see ``PROVENANCE.md``).
    """
    es, _rej = read_elements(catalog)
    ids = np.fromiter((int(i) for i in norad_ids), dtype=np.int64)
    es = es[np.isin(es.norad_id, ids)]
    order = np.lexsort((es.epoch.astype(np.int64), es.norad_id))
    es = es[order]
    last = np.r_[es.norad_id[1:] != es.norad_id[:-1], True] if len(es) else np.zeros(0, bool)
    return es[last]
