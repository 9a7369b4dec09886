"""OEM reading, writing and interpolation: orbitwatch.odm, and the ``oem`` package from PyPI beside it.

    .venv/bin/python benchmarks/odm.py [--days 7] [--step 10] [--repeat 3] [--queries 100000]

* builds a two-body ephemeris of ``--days`` at ``--step`` seconds (a week at 10 s is
  60,481 states), writes it as KVN and XML, and times (best of ``--repeat``) reading
  and writing both forms and interpolating ``--queries`` random instants;
* when the ``oem`` package is installed (``pip install oem``; it is no dependency of
  orbitwatch), times its reading of the same KVN file and reads Orekit's OEM examples
  in the reference data with both libraries: which files each reads, which malformed
  files each refuses and with what message, and whether the states agree;
* prints the tables; ``--json FILE`` also writes the numbers.

Numbers depend on the machine; the header states cores and versions.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "src"))

MU_KM3_S2 = 398600.4418


def kepler(t_s, a=7000.0, e=0.001, inc=0.9):
    n = np.sqrt(MU_KM3_S2 / a**3)
    M = n * t_s
    E = M.copy()
    for _ in range(20):
        E = E - (E - e * np.sin(E) - M) / (1 - e * np.cos(E))
    cE, sE = np.cos(E), np.sin(E)
    r = a * (1 - e * cE)
    x, y = a * (cE - e), a * np.sqrt(1 - e * e) * sE
    xd, yd = -np.sqrt(MU_KM3_S2 * a) / r * sE, np.sqrt(MU_KM3_S2 * a * (1 - e * e)) / r * cE
    ci, si = np.cos(inc), np.sin(inc)
    pos = np.stack([x, y * ci, y * si], axis=1)
    vel = np.stack([xd, yd * ci, yd * si], axis=1)
    return pos, vel


def build(days: float, step: float):
    from orbitwatch.odm import OEM, ODMHeader, OEMMetadata, OEMSegment

    ts = np.arange(0.0, days * 86400 + step / 2, step)
    pos, vel = kepler(ts)
    t0 = np.datetime64("2024-01-01T00:00:00", "ns")
    ep = t0 + np.round(ts * 1e9).astype(np.int64).astype("timedelta64[ns]")
    md = OEMMetadata(values={"OBJECT_NAME": "BENCH", "OBJECT_ID": "2024-001A", "CENTER_NAME": "EARTH",
                             "REF_FRAME": "EME2000", "TIME_SYSTEM": "UTC", "START_TIME": str(ep[0])[:23],
                             "STOP_TIME": str(ep[-1])[:23], "INTERPOLATION": "HERMITE",
                             "INTERPOLATION_DEGREE": "5"},
                     epochs={"START_TIME": ep[0], "STOP_TIME": ep[-1]})
    return OEM(header=ODMHeader(version="2.0", creation_date="2024-01-01T00:00:00", originator="BENCH"),
               segments=[OEMSegment(metadata=md, epochs=ep, position_km=pos, velocity_km_s=vel)])


def best(fn, repeat: int) -> tuple[float, object]:
    out, t_best = None, float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        t_best = min(t_best, time.perf_counter() - t)
    return t_best, out


def examples_table() -> list[dict]:
    """Each Orekit example read by both libraries."""
    from orbitwatch.odm import ODMError, read_oem

    try:
        from oem import OrbitEphemerisMessage
    except ImportError:
        OrbitEphemerisMessage = None
    rows = []
    for path in sorted((SHARED / "odm" / "oem").glob("*")):
        if path.suffix in (".pre", ".post"):
            continue
        row = {"file": path.name}
        ours = None
        try:
            ours = read_oem(path)
            row["orbitwatch"] = f"read: {len(ours.segments)} segments, {ours.states()} states"
        except ODMError as exc:
            row["orbitwatch"] = f"ODMError line {exc.line} {exc.keyword}: {exc.reason}"
        if OrbitEphemerisMessage is not None:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    theirs = OrbitEphemerisMessage.open(str(path))
                segs = list(theirs.segments)
                row["oem"] = f"read: {len(segs)} segments"
                if ours is not None and len(segs) == len(ours.segments):
                    diff = 0.0
                    for a, b in zip(ours.segments, segs):
                        st = np.array([s.vector[:6] for s in b.states], dtype=float)
                        mine = np.hstack([a.position_km, a.velocity_km_s])
                        if st.shape[0] == mine.shape[0]:
                            diff = max(diff, float(np.abs(st[:, :6] - mine).max()))
                        else:
                            diff = float("nan")
                    row["max |state difference|"] = diff
            except Exception as exc:  # noqa: BLE001 - report whatever the other library raises
                row["oem"] = f"{type(exc).__name__}: {str(exc)[:70]}"
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=float, default=7.0)
    ap.add_argument("--step", type=float, default=10.0)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    from orbitwatch.odm import read_oem
    from orbitwatch.odm.interpolation import interpolate

    oem = build(args.days, args.step)
    n = oem.states()
    print(f"# OEM benchmark: {n:,} states ({args.days:g} d at {args.step:g} s); python {platform.python_version()}, "
          f"numpy {np.__version__}, {os.cpu_count()} cores")
    results: dict = {"states": n}
    with tempfile.TemporaryDirectory() as tmp:
        kvn_path, xml_path = Path(tmp) / "bench.oem", Path(tmp) / "bench.xml"
        results["write_kvn_s"], text = best(oem.to_kvn, args.repeat)
        kvn_path.write_text(text)
        results["write_xml_s"], xml = best(oem.to_xml, args.repeat)
        xml_path.write_text(xml)
        results["read_kvn_s"], back = best(lambda: read_oem(kvn_path), args.repeat)
        assert np.array_equal(back.segments[0].position_km, oem.segments[0].position_km)
        results["read_xml_s"], _ = best(lambda: read_oem(xml_path), args.repeat)
        rng = np.random.default_rng(1)
        span_ns = int(args.days * 86400e9)
        q = np.datetime64("2024-01-01T00:00:00", "ns") + np.sort(rng.integers(0, span_ns, args.queries)).astype(
            "timedelta64[ns]")
        results["interpolate_s"], st = best(lambda: interpolate(back, q), args.repeat)
        tq = (q - q[0].astype("datetime64[D]")).astype(np.int64) / 1e9
        want, _ = kepler(tq)
        results["interpolation_max_error_m"] = float(np.linalg.norm(st.position_km[0] - want, axis=1).max() * 1e3)
        try:
            from oem import OrbitEphemerisMessage

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                results["oem_read_kvn_s"], _ = best(lambda: OrbitEphemerisMessage.open(str(kvn_path)),
                                                    min(args.repeat, 2))
        except ImportError:
            results["oem_read_kvn_s"] = None
    rows = [("orbitwatch read KVN", results["read_kvn_s"]), ("orbitwatch read XML", results["read_xml_s"]),
            ("orbitwatch write KVN", results["write_kvn_s"]), ("orbitwatch write XML", results["write_xml_s"]),
            (f"orbitwatch interpolate {args.queries:,} instants", results["interpolate_s"]),
            ("oem (PyPI) read KVN", results["oem_read_kvn_s"])]
    print("\n| operation | seconds |\n|---|---:|")
    for name, s in rows:
        print(f"| {name} | {'not installed' if s is None else f'{s:.3f}'} |")
    print(f"\ninterpolation error against the analytic orbit: {results['interpolation_max_error_m']:.2e} m (max)")
    table = examples_table()
    results["examples"] = table
    print("\n| Orekit example | orbitwatch | oem (PyPI) | max state difference |\n|---|---|---|---:|")
    for r in table:
        d = r.get("max |state difference|")
        print(f"| {r['file']} | {r['orbitwatch']} | {r.get('oem', 'not installed')} | "
              f"{'' if d is None else f'{d:.1e}'} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
