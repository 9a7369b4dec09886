"""OEM in KVN (CCSDS 502.0-B-3 section 5.2 and 7): read and write.

Structure: header keywords, then per segment ``META_START`` ... ``META_STOP``,
comments, ephemeris data lines (``epoch x y z vx vy vz [ax ay az]``) and an
optional ``COVARIANCE_START`` ... ``COVARIANCE_STOP`` section of lower-triangular
6x6 matrices, each after ``EPOCH =`` and an optional ``COV_REF_FRAME =``.

Data blocks are parsed as blocks: the epoch column as one byte matrix and the
numbers with NumPy's C text reader; a block that does not parse that way is read
line by line to find and name the bad line.
"""

from __future__ import annotations

import re

import numpy as np

from ..ccsds.epochs import EpochError, decimals_needed, decimals_of, format_epochs, parse_epoch, parse_epochs
from ..ccsds.kvn import is_data_line, split_kvn_line
from ..ccsds.problems import Problems
from .errors import ODMError
from .keywords import (ACC_KEYS, HEADER_KEYS, HEADER_V3_ONLY, META_EPOCH_KEYS, OEM_META_KEYS, OEM_META_REQUIRED,
                       OEM_VERSIONS, STATE_KEYS, cov_key)
from .model import OEM, Covariance, ODMHeader, OEMMetadata, OEMSegment

__all__ = ["parse_oem_kvn", "write_oem_kvn"]

_DATA_KEYS = STATE_KEYS + ACC_KEYS


def _float(tok: str) -> float:
    x = float(tok)
    if not np.isfinite(x):
        raise ValueError(tok)
    return x


_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_KEYWORD_LINE = re.compile(r"\n[ \t]*[A-Za-z]")


def _block_rows(blocks: list[tuple[str, int]]) -> tuple[list[str], list[int]]:
    rows, linenos = [], []
    for block, first in blocks:
        for j, line in enumerate(block.split("\n")):
            t = line.strip()
            if t:
                rows.append(t)
                linenos.append(first + j)
    return rows, linenos


def _block_lines(blocks: list[tuple[str, int]]) -> np.ndarray:
    """Line number of every non-blank line of the blocks."""
    parts = []
    for block, first in blocks:
        if _BLANK_LINE.search(block) is None:
            n = block.count("\n") + (1 if block[block.rfind("\n") + 1:].strip() else 0)
            parts.append(first + np.arange(n, dtype=np.int64))
        else:
            parts.append(np.asarray(_block_rows([(block, first)])[1], dtype=np.int64))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def parse_states(blocks: list[tuple[str, int]], problems: Problems):
    """Ephemeris data blocks ``(text, first line)`` -> (epochs, pos, vel, acc or None, lines, decimals).

    The fast path splits all blocks into tokens at once, parses the epoch column
    as a byte matrix and the numbers with ``float`` in one C-level map; any
    irregularity (a bad number, a short line) sends the blocks line by line to
    name each bad line.
    """
    lines = _block_lines(blocks)
    k = int(lines.shape[0])
    if k == 0:
        z = np.zeros((0, 3))
        return np.empty(0, "datetime64[ns]"), z, z.copy(), None, lines, 3
    toks = "".join(b for b, _ in blocks).split()
    width = len(toks) // k if len(toks) in (7 * k, 10 * k) else 0
    if width:
        try:
            ep_text = toks[0::width]
            epochs = parse_epochs(ep_text)
            del toks[0::width]
            nums = np.fromiter(map(float, toks), dtype=np.float64, count=len(toks)).reshape(k, width - 1)
            if np.isfinite(nums).all():
                acc = nums[:, 6:9].copy() if width == 10 else None
                return (epochs, nums[:, 0:3].copy(), nums[:, 3:6].copy(), acc, lines, decimals_of(ep_text[0]))
        except (EpochError, ValueError):
            pass
    rows, linenos = _block_rows(blocks)
    k = len(rows)
    lines = np.asarray(linenos, dtype=np.int64)
    # line by line: name the first (or, when collecting, every) bad line
    ep = np.empty(k, "datetime64[ns]")
    vals = np.full((k, 9), np.nan)
    keep = np.ones(k, dtype=bool)
    for i, (row, ln) in enumerate(zip(rows, linenos)):
        toks = row.split()
        if len(toks) not in (7, 10):
            n_tok = len(toks)
            key = _DATA_KEYS[n_tok - 1] if 1 <= n_tok < 7 else ACC_KEYS[n_tok - 7] if n_tok < 10 else "-"
            problems.add(ln, key, f"an ephemeris data line holds 7 values (epoch, x, y, z, x_dot, y_dot, z_dot) "
                                  f"or 10 (with accelerations); found {len(toks)}")
            keep[i] = False
            continue
        try:
            ep[i] = parse_epoch(toks[0])
        except EpochError as exc:
            problems.add(ln, "EPOCH", f"{exc.reason}: {toks[0]!r}")
            keep[i] = False
            continue
        for j, tok in enumerate(toks[1:]):
            try:
                vals[i, j] = _float(tok)
            except ValueError:
                problems.add(ln, _DATA_KEYS[j], f"not a number: {tok!r}")
                keep[i] = False
                break
    ep, vals, lines = ep[keep], vals[keep], lines[keep]
    acc = vals[:, 6:9].copy() if np.isfinite(vals[:, 6:9]).any() else None
    dec = decimals_of(rows[0].split()[0]) if rows[0].split() else 3
    return ep, vals[:, 0:3].copy(), vals[:, 3:6].copy(), acc, lines, dec


class _Cov:
    """A covariance matrix being read row by row."""

    def __init__(self, line: int, epoch_text: str | None, epoch, comments: list[str]):
        self.line = line
        self.epoch_text = epoch_text
        self.epoch = epoch
        self.ref_frame: str | None = None
        self.rows: list[list[float]] = []
        self.comments = comments

    def finish(self, problems: Problems, at_line: int | None) -> Covariance | None:
        if len(self.rows) != 6:
            problems.add(at_line, cov_key(len(self.rows), 0) if len(self.rows) < 6 else "-",
                         f"the covariance matrix that starts at line {self.line} has {len(self.rows)} rows; "
                         "6 (lower triangle) are required")
            return None
        m = np.zeros((6, 6))
        for r, row in enumerate(self.rows):
            m[r, : r + 1] = row
        m = np.tril(m) + np.tril(m, -1).T
        return Covariance(epoch=self.epoch, matrix=m, ref_frame=self.ref_frame, comments=self.comments,
                          epoch_text=self.epoch_text, line=self.line)


def _epoch(problems: Problems, line: int, key: str, value: str):
    try:
        return parse_epoch(value)
    except EpochError as exc:
        problems.add(line, key, f"{exc.reason}: {value!r}")
        return None


def parse_oem_kvn(text: str, source: str = "<string>", *, problems: Problems | None = None) -> OEM:
    """An OEM from KVN text; the first problem raises :class:`ODMError` unless ``problems`` collects."""
    problems = Problems(source, ODMError) if problems is None else problems
    n = len(text)
    header = ODMHeader(version="")
    segments: list[OEMSegment] = []
    state = "start"
    meta: OEMMetadata | None = None
    blocks: list[tuple[str, int]] = []
    data_comments: list[str] = []
    covs: list[Covariance] = []
    cov: _Cov | None = None
    pending_cov_comments: list[str] = []
    time_system0: tuple[str, int] | None = None
    last_line = 0

    def close_segment(at_line: int | None) -> None:
        nonlocal meta, blocks, data_comments, covs
        if meta is None:
            return
        ep, pos, vel, acc, lns, dec = parse_states(blocks, problems)
        if not blocks:
            problems.add(at_line, "-", f"the segment whose metadata starts at line {meta.line} has no ephemeris "
                                       "data lines")
        dec = max(dec, decimals_needed(ep)) if len(ep) else dec
        segments.append(OEMSegment(metadata=meta, epochs=ep, position_km=pos, velocity_km_s=vel,
                                   acceleration_km_s2=acc, covariances=covs, comments=data_comments, lines=lns,
                                   epoch_decimals=dec))
        meta, blocks, data_comments, covs = None, [], [], []

    pos = 0
    lineno = 0
    while pos < n:
        nl = text.find("\n", pos)
        if nl < 0:
            nl = n
        s = text[pos:nl].strip()
        lineno += 1
        if not s:
            pos = nl + 1
            continue
        last_line = lineno
        if state == "data" and is_data_line(s):
            # a data block runs to the next line that starts with a letter (keyword or COMMENT)
            m = _KEYWORD_LINE.search(text, nl)
            end = m.start() + 1 if m else n
            block = text[pos:end]
            blocks.append((block, lineno))
            lineno += block.count("\n") - (0 if end == n and not block.endswith("\n") else 1)
            last_line = lineno
            pos = end
            continue
        pos = nl + 1
        kv = split_kvn_line(s)
        if state == "cov" and is_data_line(s):
            if cov is None:
                problems.add(lineno, "EPOCH", "a covariance matrix row before the EPOCH of its matrix")
                continue
            r = len(cov.rows)
            toks = s.split()
            if r >= 6:
                problems.add(lineno, "COVARIANCE_STOP", f"a 7th row: the covariance matrix that starts at line "
                                                        f"{cov.line} has 6 rows (6x6 lower triangle), then EPOCH of "
                                                        "the next matrix or COVARIANCE_STOP")
                continue
            if len(toks) != r + 1:
                problems.add(lineno, cov_key(r, min(len(toks), r)),
                             f"row {r + 1} of a covariance matrix holds {r + 1} value{'s' if r else ''} "
                             f"(lower triangle); found {len(toks)}")
                cov.rows.append([float("nan")] * (r + 1))
                continue
            row = []
            for c, tok in enumerate(toks):
                try:
                    row.append(_float(tok))
                except ValueError:
                    problems.add(lineno, cov_key(r, c), f"not a number: {tok!r}")
                    row.append(float("nan"))
            cov.rows.append(row)
            continue
        if kv is None:
            where = {"data": "ephemeris data", "cov": "covariance section", "after_cov": "segment after "
                     "COVARIANCE_STOP", "meta": "metadata", "header": "header"}.get(state, "message")
            problems.add(lineno, "-", f"not a KVN line in the {where}: {s[:60]!r}")
            continue
        key, value, unit, raw = kv
        if unit is not None and (state in ("start", "header", "meta") or key in ("COV_REF_FRAME", "EPOCH")):
            value = raw  # text values carry no unit: "[...]" at their end is part of the text
        if state == "start":
            if key == "COMMENT":
                header.comments.append(value)
                continue
            if key != "CCSDS_OEM_VERS":
                problems.add(lineno, "CCSDS_OEM_VERS", f"not an OEM: the first keyword must be CCSDS_OEM_VERS, "
                                                       f"found {key}")
                return OEM(header=header, segments=segments, source=source)
            if value not in OEM_VERSIONS:
                problems.add(lineno, key, f"version {value!r} is not one of {', '.join(OEM_VERSIONS)}")
            header.version = value
            state = "header"
            continue
        if state == "header":
            if key == "COMMENT":
                header.comments.append(value)
            elif key in HEADER_KEYS:
                if key in HEADER_V3_ONLY and header.version not in ("3.0",):
                    problems.add(lineno, key, f"{key} exists from OEM 3.0 on; this message is version "
                                              f"{header.version}")
                setattr(header, key.lower(), value)
            elif key == "META_START":
                for req in ("CREATION_DATE", "ORIGINATOR"):
                    if not getattr(header, req.lower()):
                        problems.add(lineno, req, "missing from the header")
                meta = OEMMetadata(line=lineno)
                state = "meta"
            else:
                problems.add(lineno, key, "not an OEM header keyword")
            continue
        if state == "meta":
            if key == "COMMENT":
                meta.comments.append(value)
            elif key == "META_STOP":
                for req in OEM_META_REQUIRED:
                    if req not in meta.values:
                        problems.add(lineno, req, f"missing from the metadata that starts at line {meta.line}")
                state = "data"
            elif key in OEM_META_KEYS:
                if key in meta.values:
                    problems.add(lineno, key, f"given twice in one metadata block (first at line "
                                              f"{meta.lines[key]})")
                meta.values[key] = value
                meta.lines[key] = lineno
                if key in META_EPOCH_KEYS:
                    t = _epoch(problems, lineno, key, value)
                    if t is not None:
                        meta.epochs[key] = t
                elif key == "INTERPOLATION_DEGREE":
                    if not value.isdigit() or int(value) < 1:
                        problems.add(lineno, key, f"must be a whole number >= 1, got {value!r}")
                elif key == "TIME_SYSTEM":
                    if time_system0 is None:
                        time_system0 = (value.upper(), lineno)
                    elif value.upper() != time_system0[0]:
                        problems.add(lineno, key, f"{value} differs from {time_system0[0]} given at line "
                                                  f"{time_system0[1]}; the segments of one OEM share one time "
                                                  "system")
            elif key == "META_START":
                problems.add(lineno, "META_STOP", f"META_START before the META_STOP of the block at line "
                                                  f"{meta.line}")
            else:
                problems.add(lineno, key, "not an OEM metadata keyword")
            continue
        if state == "data":
            if key == "COMMENT":
                data_comments.append(value)
            elif key == "META_START":
                close_segment(lineno)
                meta = OEMMetadata(line=lineno)
                state = "meta"
            elif key == "COVARIANCE_START":
                state = "cov"
                cov = None
                pending_cov_comments = []
            else:
                problems.add(lineno, key, "a keyword inside ephemeris data; only data lines and comments may "
                                          "follow META_STOP")
            continue
        if state == "cov":
            if key == "COMMENT":
                pending_cov_comments.append(value)
            elif key == "EPOCH":
                if cov is not None:
                    done = cov.finish(problems, lineno)
                    if done is not None:
                        covs.append(done)
                cov = _Cov(lineno, value, _epoch(problems, lineno, "EPOCH", value), pending_cov_comments)
                pending_cov_comments = []
            elif key == "COV_REF_FRAME":
                if cov is None:
                    problems.add(lineno, key, "COV_REF_FRAME before the EPOCH of its matrix")
                else:
                    cov.ref_frame = value
            elif key == "COVARIANCE_STOP":
                if cov is not None:
                    done = cov.finish(problems, lineno)
                    if done is not None:
                        covs.append(done)
                cov = None
                state = "after_cov"
            else:
                problems.add(lineno, key, "a keyword not allowed in a covariance section (EPOCH, COV_REF_FRAME, "
                                          "COMMENT and matrix rows)")
            continue
        if state == "after_cov":
            if key == "META_START":
                close_segment(lineno)
                meta = OEMMetadata(line=lineno)
                state = "meta"
            elif key == "COMMENT":
                data_comments.append(value)
            else:
                problems.add(lineno, key, "only META_START may follow COVARIANCE_STOP")
            continue
    # end of text
    if state == "start":
        problems.add(None, "CCSDS_OEM_VERS", "empty: no CCSDS_OEM_VERS line")
    elif state == "header":
        problems.add(None, "META_START", "the message has no segment (no META_START)")
    elif state == "meta":
        problems.add(None, "META_STOP", f"the metadata that starts at line {meta.line} has no META_STOP")
    elif state == "cov":
        problems.add(None, "COVARIANCE_STOP", "the covariance section has no COVARIANCE_STOP")
        if cov is not None:
            done = cov.finish(problems, last_line)
            if done is not None:
                covs.append(done)
    if meta is not None and state != "meta":
        close_segment(None)
    return OEM(header=header, segments=segments, source=source, format="KVN")


# --------------------------------------------------------------------------- writing

def _num(x: float) -> str:
    return repr(float(x))


def _kv(key: str, value: str, width: int = 20) -> str:
    return f"{key:<{width}} = {value}"


def write_oem_kvn(oem: OEM) -> str:
    """KVN text of ``oem``; values written back exactly (floats as their shortest round-trip text)."""
    h = oem.header
    out = [_kv("CCSDS_OEM_VERS", h.version or "2.0")]
    out += [f"COMMENT {c}".rstrip() for c in h.comments]
    if h.classification is not None:
        out.append(_kv("CLASSIFICATION", h.classification))
    out.append(_kv("CREATION_DATE", h.creation_date))
    out.append(_kv("ORIGINATOR", h.originator))
    if h.message_id is not None:
        out.append(_kv("MESSAGE_ID", h.message_id))
    for seg in oem.segments:
        md = seg.metadata
        out += ["", "META_START"]
        out += [f"COMMENT {c}".rstrip() for c in md.comments]
        for key in OEM_META_KEYS:
            if key in md.values:
                out.append(_kv(key, md.values[key]))
        out += ["META_STOP", ""]
        out += [f"COMMENT {c}".rstrip() for c in seg.comments]
        out += _data_lines(seg)
        if seg.covariances:
            out += ["", "COVARIANCE_START"]
            for cov in seg.covariances:
                out += [f"COMMENT {c}".rstrip() for c in cov.comments]
                if cov.epoch is not None:
                    out.append(_kv("EPOCH", cov.epoch_text or format_epochs(cov.epoch)[0], 13))
                if cov.ref_frame:
                    out.append(_kv("COV_REF_FRAME", cov.ref_frame, 13))
                for r in range(6):
                    out.append(" ".join(_num(cov.matrix[r, c]) for c in range(r + 1)))
            out.append("COVARIANCE_STOP")
    return "\n".join(out) + "\n"


def _data_lines(seg: OEMSegment) -> list[str]:
    if len(seg) == 0:
        return []
    dec = max(seg.epoch_decimals, decimals_needed(seg.epochs))
    ep = format_epochs(seg.epochs, dec)
    cols = [seg.position_km, seg.velocity_km_s]
    body = np.hstack(cols)
    text = [" ".join(map(repr, row)) for row in body.tolist()]
    if seg.acceleration_km_s2 is not None:
        acc = seg.acceleration_km_s2
        has = np.isfinite(acc).all(axis=1)
        acc_l = acc.tolist()
        text = [t + (" " + " ".join(map(repr, a)) if h else "") for t, a, h in zip(text, acc_l, has.tolist())]
    return [f"{e} {t}" for e, t in zip(ep, text)]
