"""OEM in NDM/XML (CCSDS 505.0-B-2 with 502.0-B-3): read and write.

Reading ignores namespaces (qualified and unqualified instances both read) and
reports problems with the element's line.  Writing produces the qualified form
of the NDM/XML 2.0.0 schemas (``xmlns="urn:ccsds:schema:ndmxml"``) by default,
which is what the schemas in the reference data validate; ``qualified=False``
writes the unqualified form most tools emit.

The 2.0.0 schema knows OEM 2.0 only; an OEM 3.0 message is written with
``version="3.0"`` and the 3.0 header keywords (``CLASSIFICATION``, ``MESSAGE_ID``)
in the order 502.0-B-3 gives them, which that schema cannot check.
"""

from __future__ import annotations

import numpy as np

from ..ccsds.epochs import EpochError, decimals_needed, decimals_of, format_epochs, parse_epoch, parse_epochs
from ..ccsds.kvn import units_match
from ..ccsds.problems import Problems
from ..ccsds.xml import NDM_NAMESPACE, elements, local, parse_xml, text
from .errors import ODMError
from .keywords import (ACC_KEYS, COV_KEYS, HEADER_KEYS, HEADER_V3_ONLY, META_EPOCH_KEYS, OEM_META_KEYS,
                       OEM_META_REQUIRED, OEM_VERSIONS, STATE_KEYS, STATE_UNITS)
from .model import OEM, Covariance, ODMHeader, OEMMetadata, OEMSegment

__all__ = ["parse_oem_xml", "write_oem_xml"]


def _float(problems: Problems, el, key: str) -> float:
    t = text(el)
    try:
        x = float(t)
        if not np.isfinite(x):
            raise ValueError
        return x
    except ValueError:
        problems.add(el.sourceline, key, f"not a number: {t!r}")
        return float("nan")


def _check_units(problems: Problems, root) -> None:
    for el in root.xpath("//*[@units]"):
        key = local(el.tag)
        want = STATE_UNITS.get(key)
        if want is not None and not units_match(el.get("units"), want):
            problems.add(el.sourceline, key, f"unit {el.get('units')!r} is not {want!r}")


def read_header(problems: Problems, el, header: ODMHeader, version_key: str) -> None:
    seen = set()
    for c in elements(el):
        key = local(c.tag)
        if key == "COMMENT":
            header.comments.append(text(c))
        elif key in HEADER_KEYS:
            if key in HEADER_V3_ONLY and header.version != "3.0":
                problems.add(c.sourceline, key, f"{key} exists from version 3.0 on; this message is version "
                                                f"{header.version}")
            setattr(header, key.lower(), text(c))
            seen.add(key)
        else:
            problems.add(c.sourceline, key, "not a header keyword")
    for req in ("CREATION_DATE", "ORIGINATOR"):
        if req not in seen:
            problems.add(el.sourceline, req, "missing from the header")


def _metadata(problems: Problems, el, time_system0: list) -> OEMMetadata:
    md = OEMMetadata(line=el.sourceline)
    for c in elements(el):
        key = local(c.tag)
        value = text(c)
        if key == "COMMENT":
            md.comments.append(value)
            continue
        if key not in OEM_META_KEYS:
            problems.add(c.sourceline, key, "not an OEM metadata keyword")
            continue
        if key in md.values:
            problems.add(c.sourceline, key, f"given twice in one metadata block (first at line {md.lines[key]})")
        md.values[key] = value
        md.lines[key] = c.sourceline
        if key in META_EPOCH_KEYS:
            try:
                md.epochs[key] = parse_epoch(value)
            except EpochError as exc:
                problems.add(c.sourceline, key, f"{exc.reason}: {value!r}")
        elif key == "INTERPOLATION_DEGREE" and (not value.isdigit() or int(value) < 1):
            problems.add(c.sourceline, key, f"must be a whole number >= 1, got {value!r}")
        elif key == "TIME_SYSTEM":
            if not time_system0:
                time_system0.append((value.upper(), c.sourceline))
            elif value.upper() != time_system0[0][0]:
                problems.add(c.sourceline, key, f"{value} differs from {time_system0[0][0]} given at line "
                                                f"{time_system0[0][1]}; the segments of one OEM share one time "
                                                "system")
    for req in OEM_META_REQUIRED:
        if req not in md.values:
            problems.add(el.sourceline, req, "missing from the metadata")
    return md


def _states_fast(svs: list, ns: str, data_el):
    """All state vectors at once (libxml2 XPath per column) when every one has the same children."""
    from lxml import etree

    k = len(svs)
    sizes = set(map(len, svs))
    if len(sizes) != 1 or next(iter(sizes)) not in (7, 10):
        return None
    width = len(svs[0])
    keys = ("EPOCH",) + STATE_KEYS + (ACC_KEYS if width == 10 else ())
    nsmap = {"n": ns[1:-1]} if ns else None
    pre = "n:" if ns else ""
    cols = {}
    for key in keys:
        found = etree.XPath(f"{pre}stateVector/{pre}{key}/text()", namespaces=nsmap, smart_strings=False)(data_el)
        if len(found) != k:
            return None
        cols[key] = found
    try:
        epochs = parse_epochs([t.strip() for t in cols["EPOCH"]])
        nums = np.empty((k, width - 1))
        for j, key in enumerate(keys[1:]):
            nums[:, j] = np.fromiter(map(float, cols[key]), dtype=np.float64, count=k)
    except (EpochError, ValueError):
        return None
    if not np.isfinite(nums).all():
        return None
    return epochs, nums, decimals_of(cols["EPOCH"][0].strip())


def _states_slow(problems: Problems, svs: list):
    k = len(svs)
    epochs = np.empty(k, "datetime64[ns]")
    vals = np.full((k, 9), np.nan)
    keep = np.ones(k, dtype=bool)
    for i, sv in enumerate(svs):
        got = {}
        for c in elements(sv):
            key = local(c.tag)
            if key == "COMMENT":
                continue
            if key not in ("EPOCH",) + STATE_KEYS + ACC_KEYS:
                problems.add(c.sourceline, key, "not a stateVector element")
                keep[i] = False
                continue
            got[key] = c
        missing = [key for key in ("EPOCH",) + STATE_KEYS if key not in got]
        if missing:
            problems.add(sv.sourceline, missing[0], "missing from the stateVector")
            keep[i] = False
            continue
        try:
            epochs[i] = parse_epoch(text(got["EPOCH"]))
        except EpochError as exc:
            problems.add(got["EPOCH"].sourceline, "EPOCH", f"{exc.reason}: {text(got['EPOCH'])!r}")
            keep[i] = False
            continue
        for j, key in enumerate(STATE_KEYS + ACC_KEYS):
            if key in got:
                vals[i, j] = _float(problems, got[key], key)
        if not np.isfinite(vals[i, :6]).all():
            keep[i] = False
    dec = decimals_of(text(svs[0].find("./*"))) if k and len(svs[0]) else 3
    return epochs[keep], vals[keep], keep, dec


def _covariance(problems: Problems, el) -> Covariance | None:
    got = {}
    comments = []
    for c in elements(el):
        key = local(c.tag)
        if key == "COMMENT":
            comments.append(text(c))
        elif key in ("EPOCH", "COV_REF_FRAME") or key in COV_KEYS:
            got[key] = c
        else:
            problems.add(c.sourceline, key, "not a covarianceMatrix element")
    missing = [k for k in ("EPOCH",) + COV_KEYS if k not in got]
    if missing:
        problems.add(el.sourceline, missing[0], "missing from the covarianceMatrix")
        return None
    epoch_text = text(got["EPOCH"])
    try:
        epoch = parse_epoch(epoch_text)
    except EpochError as exc:
        problems.add(got["EPOCH"].sourceline, "EPOCH", f"{exc.reason}: {epoch_text!r}")
        return None
    m = np.zeros((6, 6))
    idx = 0
    for r in range(6):
        for c in range(r + 1):
            m[r, c] = m[c, r] = _float(problems, got[COV_KEYS[idx]], COV_KEYS[idx])
            idx += 1
    return Covariance(epoch=epoch, matrix=m, ref_frame=text(got["COV_REF_FRAME"]) if "COV_REF_FRAME" in got else None,
                      comments=comments, epoch_text=epoch_text, line=el.sourceline)


def parse_oem_xml(data: bytes | str, source: str = "<string>", *, problems: Problems | None = None) -> OEM:
    """An OEM from NDM/XML; the first problem raises :class:`ODMError` unless ``problems`` collects."""
    problems = Problems(source, ODMError) if problems is None else problems
    root = parse_xml(data, source, ODMError)
    header = ODMHeader(version=root.get("version", ""))
    oem = OEM(header=header, segments=[], source=source, format="XML")
    if local(root.tag) != "oem":
        problems.add(root.sourceline, "oem", f"not an OEM: the root element is <{local(root.tag)}>")
        return oem
    if header.version not in OEM_VERSIONS:
        problems.add(root.sourceline, "version", f"version {header.version!r} is not one of "
                                                 f"{', '.join(OEM_VERSIONS)}")
    ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
    _check_units(problems, root)
    kids = list(elements(root))
    names = [local(c.tag) for c in kids]
    if names != ["header", "body"]:
        problems.add(root.sourceline, "body" if "header" in names else "header",
                     f"an <oem> holds <header> then <body>; found {', '.join(names) or 'nothing'}")
        if "header" not in names or "body" not in names:
            return oem
    read_header(problems, kids[names.index("header")], header, "CCSDS_OEM_VERS")
    body = kids[names.index("body")]
    time_system0: list = []
    for seg_el in elements(body):
        if local(seg_el.tag) != "segment":
            problems.add(seg_el.sourceline, local(seg_el.tag), "a <body> holds <segment> elements only")
            continue
        parts = list(elements(seg_el))
        pnames = [local(p.tag) for p in parts]
        if pnames != ["metadata", "data"]:
            problems.add(seg_el.sourceline, "metadata", f"a <segment> holds <metadata> then <data>; found "
                                                        f"{', '.join(pnames) or 'nothing'}")
            if "metadata" not in pnames or "data" not in pnames:
                continue
        md = _metadata(problems, parts[pnames.index("metadata")], time_system0)
        data_el = parts[pnames.index("data")]
        comments, svs, covs = [], [], []
        for c in elements(data_el):
            key = local(c.tag)
            if key == "COMMENT":
                comments.append(text(c))
            elif key == "stateVector":
                svs.append(c)
            elif key == "covarianceMatrix":
                cov = _covariance(problems, c)
                if cov is not None:
                    covs.append(cov)
            else:
                problems.add(c.sourceline, key, "not an OEM data element (COMMENT, stateVector, covarianceMatrix)")
        if not svs:
            problems.add(data_el.sourceline, "stateVector", "the segment has no state vectors")
        fast = _states_fast(svs, ns, data_el) if svs else None
        if fast is not None:
            epochs, nums, dec = fast
            lines = np.fromiter((sv.sourceline or 0 for sv in svs), dtype=np.int64, count=len(svs))
            acc = nums[:, 6:9].copy() if nums.shape[1] == 9 else None
            pos, vel = nums[:, 0:3].copy(), nums[:, 3:6].copy()
        else:
            epochs, vals, keep, dec = _states_slow(problems, svs)
            lines = np.array([sv.sourceline or 0 for sv in svs], dtype=np.int64)[keep]
            acc = vals[:, 6:9].copy() if np.isfinite(vals[:, 6:9]).any() else None
            pos, vel = vals[:, 0:3].copy(), vals[:, 3:6].copy()
        dec = max(dec, decimals_needed(epochs)) if len(epochs) else dec
        oem.segments.append(OEMSegment(metadata=md, epochs=epochs, position_km=pos, velocity_km_s=vel,
                                       acceleration_km_s2=acc, covariances=covs, comments=comments, lines=lines,
                                       epoch_decimals=dec))
    if not oem.segments:
        problems.add(body.sourceline, "segment", "the message has no segment")
    return oem


# --------------------------------------------------------------------------- writing

def write_header(parent, header: ODMHeader, q) -> None:
    from lxml import etree

    h = etree.SubElement(parent, q("header"))
    for c in header.comments:
        etree.SubElement(h, q("COMMENT")).text = c
    if header.classification is not None:
        etree.SubElement(h, q("CLASSIFICATION")).text = header.classification
    etree.SubElement(h, q("CREATION_DATE")).text = header.creation_date
    etree.SubElement(h, q("ORIGINATOR")).text = header.originator
    if header.message_id is not None:
        etree.SubElement(h, q("MESSAGE_ID")).text = header.message_id


def _e(value) -> str:
    from xml.sax.saxutils import escape

    return escape(str(value))


def write_oem_xml(oem: OEM, *, qualified: bool = True) -> str:
    """NDM/XML text of ``oem`` (qualified by default; see the module docstring).

    Written as text (user text escaped) rather than through an element tree: a
    week of 10 s states is 60,000 state vectors.
    """
    h = oem.header
    xmlns = f' xmlns="{NDM_NAMESPACE}"' if qualified else ""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<oem{xmlns} id="CCSDS_OEM_VERS" version="{_e(h.version or "2.0")}">', "  <header>"]
    out += [f"    <COMMENT>{_e(c)}</COMMENT>" for c in h.comments]
    if h.classification is not None:
        out.append(f"    <CLASSIFICATION>{_e(h.classification)}</CLASSIFICATION>")
    out.append(f"    <CREATION_DATE>{_e(h.creation_date)}</CREATION_DATE>")
    out.append(f"    <ORIGINATOR>{_e(h.originator)}</ORIGINATOR>")
    if h.message_id is not None:
        out.append(f"    <MESSAGE_ID>{_e(h.message_id)}</MESSAGE_ID>")
    out += ["  </header>", "  <body>"]
    for seg in oem.segments:
        md = seg.metadata
        out += ["    <segment>", "      <metadata>"]
        out += [f"        <COMMENT>{_e(c)}</COMMENT>" for c in md.comments]
        out += [f"        <{k}>{_e(md.values[k])}</{k}>" for k in OEM_META_KEYS if k in md.values]
        out += ["      </metadata>", "      <data>"]
        out += [f"        <COMMENT>{_e(c)}</COMMENT>" for c in seg.comments]
        if len(seg):
            ep = format_epochs(seg.epochs, max(seg.epoch_decimals, decimals_needed(seg.epochs)))
            rows = np.hstack([seg.position_km, seg.velocity_km_s]).tolist()
            acc = seg.acceleration_km_s2
            acc_rows = acc.tolist() if acc is not None else [None] * len(rows)
            has_acc = np.isfinite(acc).all(axis=1).tolist() if acc is not None else [False] * len(rows)
            for e, r, a, ha in zip(ep, rows, acc_rows, has_acc):
                sv = (f"        <stateVector>\n          <EPOCH>{e}</EPOCH>\n"
                      f"          <X>{r[0]!r}</X>\n          <Y>{r[1]!r}</Y>\n          <Z>{r[2]!r}</Z>\n"
                      f"          <X_DOT>{r[3]!r}</X_DOT>\n          <Y_DOT>{r[4]!r}</Y_DOT>\n"
                      f"          <Z_DOT>{r[5]!r}</Z_DOT>\n")
                if ha:
                    sv += (f"          <X_DDOT>{a[0]!r}</X_DDOT>\n          <Y_DDOT>{a[1]!r}</Y_DDOT>\n"
                           f"          <Z_DDOT>{a[2]!r}</Z_DDOT>\n")
                out.append(sv + "        </stateVector>")
        for cov in seg.covariances:
            out.append("        <covarianceMatrix>")
            out += [f"          <COMMENT>{_e(c)}</COMMENT>" for c in cov.comments]
            out.append(f"          <EPOCH>{_e(cov.epoch_text or format_epochs(cov.epoch)[0])}</EPOCH>")
            if cov.ref_frame:
                out.append(f"          <COV_REF_FRAME>{_e(cov.ref_frame)}</COV_REF_FRAME>")
            idx = 0
            for r in range(6):
                for c in range(r + 1):
                    out.append(f"          <{COV_KEYS[idx]}>{float(cov.matrix[r, c])!r}</{COV_KEYS[idx]}>")
                    idx += 1
            out.append("        </covarianceMatrix>")
        out += ["      </data>", "    </segment>"]
    out += ["  </body>", "</oem>"]
    return "\n".join(out) + "\n"
