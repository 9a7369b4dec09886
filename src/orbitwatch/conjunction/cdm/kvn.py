"""CDM in Keyword = Value Notation (CCSDS 508.0-B-1 section 3; KVN rules of 502.0-B-2 7.4).

Lines are ``KEYWORD = value [unit]`` or ``COMMENT text``; blank lines are ignored.
Units in brackets are optional; when given they must be the unit the standard
prescribes for the keyword (compared without case or blanks).  Comments belong to the
block of the keyword that follows them.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import CDMError
from .model import Block, Cdm, CdmObject
from .schema import (BLOCK_ORDER, DATA_BLOCKS, SHARED_COV_KEYS, VERSION_KEYWORD, XYZ_COV_KEYS, block_keywords,
                     lookup, normalize_unit)
from .tolerant import CdmWarning, check_hbr_comment, is_nan_text, judge_cut_unit, judge_unit
from .validate import check_cdm, format_value, parse_value, tolerate_partial_relative_state

__all__ = ["read_kvn", "parse_kvn", "write_kvn"]

_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*=(.*)$")
_UNIT = re.compile(r"^(.*?)\s*\[([^\[\]]*)\]\s*$")
_CUT_UNIT = re.compile(r"^(.*?)\s*\[([^\[\]]*)$")      # "85.4 [" or "85.4 [m/": a unit cut short
_XYZ_NAMES = [k for k, _, _ in XYZ_COV_KEYS]

# section rank: header < relative < object1 metadata < object1 data < object2 ...
_RANK = {"header": 0, "relative": 1, "metadata": 2}


def _rank(block: str, obj_index: int) -> int:
    if block in _RANK and block in ("header", "relative"):
        return _RANK[block]
    base = 2 + 2 * obj_index
    return base if block == "metadata" else base + 1


def read_kvn(path) -> Cdm:
    """Read a KVN CDM file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        text = p.read_text(encoding="latin-1")
    return parse_kvn(text, source=str(p.name))


def _mark_invalid(cdm: Cdm, obj: CdmObject | None, keyword: str, line: int | None) -> None:
    """Note a keyword whose line was rejected, so the whole-message check does not
    report it a second time as missing."""
    kw = lookup(keyword)
    if kw is None:
        return
    if kw.block == "header":
        cdm.header.invalid[keyword] = line
    elif kw.block == "relative":
        cdm.relative.invalid[keyword] = line
    elif obj is not None:
        obj.block(kw.block).invalid[keyword] = line


def parse_kvn(text: str, source: str = "<string>", problems: list[CDMError] | None = None,
              warnings: list[CdmWarning] | None = None) -> Cdm:
    """Parse KVN text; raises :class:`CDMError` naming the keyword, line and reason.

    With a ``problems`` list, every problem of the message is appended to it instead
    (each rejected line is skipped, the rest read on) and the message read so far is
    returned; only a text that is not a KVN CDM at all stops at its first line.

    With a ``warnings`` list the read is tolerant: the unambiguous quirks of real
    messages listed in :mod:`.tolerant` are accepted, one :class:`CdmWarning` each."""
    tolerant = warnings is not None
    cdm = Cdm(source=source, objects=[])
    pending: list[str] = []
    current_obj: CdmObject | None = None
    current_rank = -1
    cov_block = {}          # obj index -> "rtn" | "xyz": the covariance block last written
    version_seen = False
    last_block: Block | None = None

    lines = text.splitlines()
    for lineno, raw in enumerate(lines, 1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if line.upper().startswith("COMMENT") and (len(line) == 7 or not (line[7].isalnum() or line[7] == "_")):
            pending.append(line[7:].strip())
            if tolerant:
                check_hbr_comment(line[7:].strip(), source, lineno, warnings)
            continue
        try:
            m = _LINE.match(line)
            if not m:
                raise CDMError(source, lineno, line.split()[0][:40],
                               "not a 'KEYWORD = value' line or a COMMENT line")
            name, rest = m.group(1), m.group(2).strip()
            if name == VERSION_KEYWORD:
                if version_seen or cdm.header.values:
                    raise CDMError(source, lineno, name, "must be the first keyword, and appear once")
                version_seen = True
                cdm.header.start_line = lineno
                cdm.header.comments.extend(pending)
                pending = []
                last_block = cdm.header
                if rest.strip() not in ("1.0", "2.0"):
                    raise CDMError(source, lineno, name, f"unsupported CDM version {rest.strip()!r} (1.0 or 2.0)")
                cdm.version = rest.strip()
                continue
            if not version_seen:
                raise CDMError(source, lineno, name, f"the message must start with {VERSION_KEYWORD}")
            kw = lookup(name)
            if kw is None:
                raise CDMError(source, lineno, name, "not a CDM keyword")
            block_name = kw.block
            obj_index = len(cdm.objects) - 1
            if name == "OBJECT":
                if len(cdm.objects) >= 2:
                    raise CDMError(source, lineno, name, "a CDM has only two object segments")
                current_obj = CdmObject(start_line=lineno)
                cdm.objects.append(current_obj)
                obj_index = len(cdm.objects) - 1
            elif block_name in ("header", "relative"):
                pass
            elif current_obj is None:
                raise CDMError(source, lineno, name, "object keyword before the first 'OBJECT = OBJECT1' line")
            if block_name in ("rtn", "xyz") or name in SHARED_COV_KEYS:
                if name in SHARED_COV_KEYS:
                    block_name = cov_block.get(obj_index, "rtn")
                else:
                    cov_block[obj_index] = block_name
            rank = _rank(block_name, obj_index)
            if rank < current_rank:
                where = {0: "header", 1: "relative metadata/data section"}.get(rank, "metadata")
                raise CDMError(source, lineno, name,
                               f"{where} keyword out of place (the message is already past that section)")
            current_rank = rank
            if block_name in ("header", "relative"):
                block = cdm.header if block_name == "header" else cdm.relative
            else:
                block = current_obj.block(block_name)
            if block.start_line is None:
                block.start_line = lineno
            if name in block.values:
                raise CDMError(source, lineno, name, f"appears twice (first on line {block.lines[name]})")
            value_text, unit, cut = rest, None, None
            if kw.kind in ("float", "floats", "int", "ints") or kw.unit is not None:
                um = _UNIT.match(rest)
                if um:
                    value_text, unit = um.group(1), um.group(2).strip()
                elif tolerant:
                    cm = _CUT_UNIT.match(rest)
                    if cm:
                        value_text, cut = cm.group(1), cm.group(2)
            if tolerant and kw.kind != "str" and is_nan_text(value_text) and not kw.mandatory:
                warnings.append(CdmWarning(source, lineno, name,
                                           "optional value NaN: the keyword is treated as absent"))
                block.comments.extend(pending)
                pending = []
                last_block = block
                continue
            if tolerant:
                if unit is not None and not (kw.unit is not None and normalize_unit(unit) == normalize_unit(kw.unit)):
                    judge_unit(kw, unit, source, lineno, warnings)
                if cut is not None:
                    judge_cut_unit(kw, cut, source, lineno, warnings)
            else:
                if unit is not None and kw.unit is not None and normalize_unit(unit) != normalize_unit(kw.unit):
                    raise CDMError(source, lineno, name, f"unit [{unit}] is not the CDM unit [{kw.unit}]")
                if unit is not None and kw.unit is None and unit.strip() not in ("", "n/a", "-"):
                    raise CDMError(source, lineno, name, f"keyword takes no unit, found [{unit}]")
            block.values[name] = parse_value(kw, value_text, source, lineno)
            block.lines[name] = lineno
            block.comments.extend(pending)
            pending = []
            last_block = block
        except CDMError as exc:
            if problems is None:
                raise
            problems.append(exc)
            if not version_seen:       # not a KVN CDM: one line says so, the rest would only repeat it
                return cdm
            _mark_invalid(cdm, current_obj, exc.keyword, lineno)
    if not version_seen:
        err = CDMError(source, 1 if lines else None, VERSION_KEYWORD, "missing: not a CDM in KVN")
        if problems is None:
            raise err
        problems.append(err)
        return cdm
    if pending and last_block is not None:
        last_block.comments.extend(pending)
    end = len(lines)
    if cdm.header.start_line is None:
        cdm.header.start_line = 1
    if cdm.relative.start_line is None:
        cdm.relative.start_line = cdm.objects[0].start_line if cdm.objects else end
    while len(cdm.objects) < 2:
        cdm.objects.append(CdmObject(start_line=end))
    if tolerant:
        tolerate_partial_relative_state(cdm, warnings)
    check_cdm(cdm, problems)
    return cdm


def _block_order(name: str) -> list[str]:
    if name == "xyz":
        return _XYZ_NAMES
    return [k.name for k in block_keywords(name)]


def _emit_block(out: list[str], block: Block | None, width: int) -> None:
    if block is None:
        return
    for c in block.comments:
        out.append(f"COMMENT {c}".rstrip())
    order = _block_order(block.name)
    names = [k for k in order if k in block.values]
    names += sorted(k for k in block.values if k not in order)  # user-defined keywords
    for name in names:
        kw = lookup(name)
        text = format_value(kw, block.values[name])
        unit = f" [{kw.unit}]" if kw.unit else ""
        out.append(f"{name:<{width}} = {text}{unit}")


def write_kvn(cdm: Cdm, width: int = 36) -> str:
    """The CDM as KVN text (keywords in standard order, units in brackets)."""
    check_cdm(cdm)
    out = [f"{VERSION_KEYWORD:<{width}} = {cdm.version}"]
    _emit_block(out, cdm.header, width)
    _emit_block(out, cdm.relative, width)
    for obj in cdm.objects:
        _emit_block(out, obj.blocks.get("metadata"), width)
        first = True
        for name in DATA_BLOCKS:
            b = obj.blocks.get(name)
            if b is None or b.is_empty():
                continue
            if first and obj.data_comments:
                for c in obj.data_comments:
                    out.append(f"COMMENT {c}".rstrip())
            first = False
            _emit_block(out, b, width)
    return "\n".join(out) + "\n"


assert BLOCK_ORDER[0] == "header"
