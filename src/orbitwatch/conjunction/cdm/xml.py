"""CDM in XML (CCSDS 505.0-B-1 NDM/XML; schema ``ndmxml-*-cdm-1.0.xsd``).

Reading accepts the messages with no namespace (as CSpOC, the blue book and Orekit
write them) and with the NDM/XML 2.0 namespace ``urn:ccsds:schema:ndmxml``.  An element
marked ``nil="true"`` is an absent value; on a mandatory keyword it is an error.

Writing produces the no-namespace form by default; ``namespace=True`` writes the
NDM/XML 2.0 qualified form.  Keywords go out in schema order, every value with a unit
carries its ``units`` attribute, comments lead their block: a 1.0 message written here
validates against ``ndmxml-2.0.0-cdm-1.0.xsd``.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from .errors import CDMError
from .model import Block, Cdm, CdmObject
from .schema import (BLOCK_XML, RELATIVE_STATE_KEYS, SHARED_COV_KEYS, USER_DEFINED_PREFIX,
                     XYZ_COV_KEYS, block_keywords, lookup, normalize_unit)
from .tolerant import CdmWarning, check_hbr_comment, is_nan_text, judge_unit
from .validate import check_cdm, format_value, parse_value, tolerate_partial_relative_state

__all__ = ["read_xml", "parse_xml", "write_xml", "NDM_NAMESPACE"]

NDM_NAMESPACE = "urn:ccsds:schema:ndmxml"
_XYZ_NAMES = [k for k, _, _ in XYZ_COV_KEYS]
_XML_TO_BLOCK = {"odParameters": "od", "additionalParameters": "additional", "stateVector": "state",
                 "userDefinedParameters": "user"}


def _local(tag) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _is_nil(el) -> bool:
    for k, v in el.attrib.items():
        if _local(k) == "nil" and v.strip().lower() == "true":
            return True
    return False


def read_xml(path) -> Cdm:
    p = Path(path)
    return parse_xml(p.read_bytes(), source=p.name)


def _report(problems: list[CDMError] | None, err: CDMError, block: Block | None = None) -> None:
    """Raise ``err``, or (collecting) keep it and note the keyword as rejected in ``block``."""
    if problems is None:
        raise err
    problems.append(err)
    if block is not None and lookup(err.keyword) is not None:
        block.invalid[err.keyword] = err.line


def parse_xml(data: bytes | str, source: str = "<string>", problems: list[CDMError] | None = None,
              warnings: list[CdmWarning] | None = None) -> Cdm:
    """Parse an XML CDM; raises :class:`CDMError` naming the keyword, line and reason.

    With a ``problems`` list, every problem is appended to it instead and the message
    read so far is returned; a document that is not well-formed XML, or not a
    ``<cdm>``, stops at that one problem.  With a ``warnings`` list the read is
    tolerant (see :mod:`.tolerant`): a ``units`` attribute that is clearly a wrong
    label, and ``NaN`` as an optional value, are accepted with one warning each."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
    cdm = Cdm(source=source, objects=[])
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if hasattr(exc, "lineno") else None
        _report(problems, CDMError(source, line, "-", f"not well-formed XML: {exc.msg}"))
        return cdm
    if _local(root.tag) != "cdm":
        _report(problems, CDMError(source, root.sourceline, _local(root.tag), "the root element of a CDM is <cdm>"))
        return cdm
    version = root.get("version")
    if version not in ("1.0", "2.0"):
        _report(problems, CDMError(source, root.sourceline, "CCSDS_CDM_VERS",
                                   f"the <cdm> version attribute must be 1.0 or 2.0, found {version!r}"))
    else:
        cdm.version = version
    children = [c for c in root if isinstance(c.tag, str)]
    names = [_local(c.tag) for c in children]
    if names[:1] != ["header"]:
        _report(problems, CDMError(source, root.sourceline, "header", "the <header> element is missing"))
    else:
        _read_flat(children[0], cdm.header, source, problems=problems, warnings=warnings)
    if "body" not in names:
        _report(problems, CDMError(source, root.sourceline, "body", "the <body> element is missing"))
        return cdm
    body = children[names.index("body")]
    rel = None
    for el in body:
        if not isinstance(el.tag, str):
            continue
        tag = _local(el.tag)
        if tag == "relativeMetadataData":
            if rel is not None or cdm.objects:
                _report(problems, CDMError(source, el.sourceline, tag, "must appear once, before the segments"))
                continue
            rel = el
            _read_flat(el, cdm.relative, source, nested={"relativeStateVector"}, problems=problems, warnings=warnings)
        elif tag == "segment":
            if len(cdm.objects) >= 2:
                _report(problems, CDMError(source, el.sourceline, "OBJECT", "a CDM has only two segments"))
                continue
            cdm.objects.append(_read_segment(el, source, problems, warnings))
        else:
            _report(problems, CDMError(source, el.sourceline, tag, "unexpected element in <body>"))
    if rel is None:
        _report(problems, CDMError(source, body.sourceline, "TCA",
                                   "mandatory keyword missing: the <relativeMetadataData> element is absent"))
        cdm.relative.invalid.update({k.name: None for k in block_keywords("relative") if k.mandatory})
    while len(cdm.objects) < 2:
        cdm.objects.append(CdmObject(start_line=body.sourceline))
    if warnings is not None:
        tolerate_partial_relative_state(cdm, warnings)
    check_cdm(cdm, problems)
    return cdm


def _read_value(el, block: Block, source: str, expect_block: str | None = None,
                warnings: list[CdmWarning] | None = None) -> None:
    name = _local(el.tag)
    line = el.sourceline
    if name == "COMMENT":
        block.comments.append((el.text or "").strip())
        if warnings is not None:
            check_hbr_comment((el.text or "").strip(), source, line, warnings)
        return
    if name == "USER_DEFINED":
        param = el.get("parameter")
        if not param:
            raise CDMError(source, line, name, "USER_DEFINED needs a 'parameter' attribute")
        name = USER_DEFINED_PREFIX + param
    kw = lookup(name)
    if kw is None:
        raise CDMError(source, line, name, "not a CDM keyword")
    if expect_block is not None and kw.block != expect_block and not (
            name in SHARED_COV_KEYS and expect_block == "xyz"):
        raise CDMError(source, line, name, f"does not belong in <{BLOCK_XML.get(expect_block, expect_block)}>")
    if name in block.values:
        raise CDMError(source, line, name, f"appears twice (first on line {block.lines[name]})")
    if _is_nil(el):
        if kw.mandatory:
            raise CDMError(source, line, name, "mandatory keyword has no value (nil)")
        return
    unit = el.get("units")
    text = el.text or ""
    if warnings is not None and kw.kind != "str" and is_nan_text(text) and not kw.mandatory:
        warnings.append(CdmWarning(source, line, name, "optional value NaN: the keyword is treated as absent"))
        return
    if unit is not None and unit.strip() and kw.unit is not None and normalize_unit(unit) != normalize_unit(kw.unit):
        if warnings is not None:
            judge_unit(kw, unit, source, line, warnings)
        else:
            raise CDMError(source, line, name, f"unit {unit!r} is not the CDM unit {kw.unit!r}")
    if text.strip() == "" and kw.mandatory:
        raise CDMError(source, line, name, "mandatory keyword has an empty value")
    if text.strip() == "":
        return
    block.values[name] = parse_value(kw, text, source, line)
    block.lines[name] = line
    if block.start_line is None:
        block.start_line = line


def _read_flat(parent, block: Block, source: str, nested: set[str] = frozenset(),
               problems: list[CDMError] | None = None, warnings: list[CdmWarning] | None = None) -> None:
    block.start_line = parent.sourceline
    for el in parent:
        if not isinstance(el.tag, str):
            continue
        tag = _local(el.tag)
        try:
            if tag in nested:
                for sub in el:
                    if isinstance(sub.tag, str):
                        try:
                            if _local(sub.tag) not in RELATIVE_STATE_KEYS:
                                raise CDMError(source, sub.sourceline, _local(sub.tag), f"does not belong in <{tag}>")
                            _read_value(sub, block, source, warnings=warnings)
                        except CDMError as exc:
                            _report(problems, exc, block)
                continue
            if tag in RELATIVE_STATE_KEYS and nested:
                raise CDMError(source, el.sourceline, tag, "belongs inside <relativeStateVector>")
            _read_value(el, block, source, expect_block=block.name, warnings=warnings)
        except CDMError as exc:
            _report(problems, exc, block)


def _read_segment(seg, source: str, problems: list[CDMError] | None = None,
                  warnings: list[CdmWarning] | None = None) -> CdmObject:
    obj = CdmObject(start_line=seg.sourceline)
    meta = data = None
    for el in seg:
        if not isinstance(el.tag, str):
            continue
        tag = _local(el.tag)
        if tag == "metadata":
            meta = el
        elif tag == "data":
            data = el
        else:
            _report(problems, CDMError(source, el.sourceline, tag, "unexpected element in <segment>"))
    if meta is None:
        _report(problems, CDMError(source, seg.sourceline, "OBJECT", "the segment has no <metadata>"))
        obj.block("metadata").invalid["OBJECT"] = seg.sourceline
        return obj
    _read_flat(meta, obj.block("metadata"), source, problems=problems, warnings=warnings)
    if data is None:
        _report(problems, CDMError(source, seg.sourceline, "X",
                                   "the segment has no <data> (state vector and covariance)"))
        for name in ("state", "rtn"):
            obj.block(name).invalid.update({k.name: None for k in block_keywords(name) if k.mandatory})
        return obj
    for el in data:
        if not isinstance(el.tag, str):
            continue
        tag = _local(el.tag)
        if tag == "COMMENT":
            obj.data_comments.append((el.text or "").strip())
            if warnings is not None:
                check_hbr_comment((el.text or "").strip(), source, el.sourceline, warnings)
        elif tag in _XML_TO_BLOCK:
            _read_flat(el, obj.block(_XML_TO_BLOCK[tag]), source, problems=problems, warnings=warnings)
        elif tag == "covarianceMatrix":
            try:
                _read_covariance(el, obj, source, problems, warnings)
            except CDMError as exc:
                _report(problems, exc)
        else:
            _report(problems, CDMError(source, el.sourceline, tag, "unexpected element in <data>"))
    return obj


def _read_covariance(el, obj: CdmObject, source: str, problems: list[CDMError] | None = None,
                     warnings: list[CdmWarning] | None = None) -> None:
    """A <covarianceMatrix>: the RTN block, or (CDM 2.0) the XYZ, CSIG3EIGVEC3 or
    additional-covariance-metadata block, told apart by the keywords inside."""
    items = [c for c in el if isinstance(c.tag, str)]
    target = None
    for c in items:
        n = _local(c.tag)
        if n == "COMMENT" or n in SHARED_COV_KEYS:
            continue
        kw = lookup(n)
        if kw is None:
            raise CDMError(source, c.sourceline, n, "not a CDM keyword")
        target = kw.block
        break
    if target is None:
        target = "rtn" if "rtn" not in obj.blocks else "xyz"
    if target not in ("rtn", "xyz", "csig", "covmeta"):
        raise CDMError(source, el.sourceline, _local(items[0].tag) if items else "covarianceMatrix",
                       "does not belong in <covarianceMatrix>")
    block = obj.block(target)
    block.start_line = block.start_line or el.sourceline
    for c in items:
        try:
            _read_value(c, block, source, expect_block=target, warnings=warnings)
        except CDMError as exc:
            _report(problems, exc, block)


# --- writing ---------------------------------------------------------------------------

def _block_order(name: str) -> list[str]:
    if name == "xyz":
        return _XYZ_NAMES
    return [k.name for k in block_keywords(name)]


def _sub(parent, tag, ns):
    return etree.SubElement(parent, f"{{{ns}}}{tag}" if ns else tag)


def _emit(parent, block: Block | None, ns, nested_rel: bool = False) -> None:
    if block is None:
        return
    for c in block.comments:
        _sub(parent, "COMMENT", ns).text = c
    order = _block_order(block.name)
    names = [k for k in order if k in block.values]
    names += sorted(k for k in block.values if k not in order)
    rsv = None
    for name in names:
        kw = lookup(name)
        if nested_rel and name in RELATIVE_STATE_KEYS:
            if rsv is None:
                rsv = _sub(parent, "relativeStateVector", ns)
            target = rsv
        else:
            target = parent
        el = _sub(target, name, ns)
        el.text = format_value(kw, block.values[name])
        if kw.unit:
            el.set("units", kw.unit)


def write_xml(cdm: Cdm, namespace: bool = False) -> str:
    """The CDM as an XML document (UTF-8 text with declaration)."""
    check_cdm(cdm)
    ns = NDM_NAMESPACE if namespace else None
    nsmap = {None: NDM_NAMESPACE} if namespace else {"xsi": "http://www.w3.org/2001/XMLSchema-instance"}
    root = etree.Element(f"{{{ns}}}cdm" if ns else "cdm", nsmap=nsmap)
    root.set("id", "CCSDS_CDM_VERS")
    root.set("version", cdm.version)
    _emit(_sub(root, "header", ns), cdm.header, ns)
    body = _sub(root, "body", ns)
    _emit(_sub(body, "relativeMetadataData", ns), cdm.relative, ns, nested_rel=True)
    for obj in cdm.objects:
        seg = _sub(body, "segment", ns)
        _emit(_sub(seg, "metadata", ns), obj.blocks.get("metadata"), ns)
        data = _sub(seg, "data", ns)
        for c in obj.data_comments:
            _sub(data, "COMMENT", ns).text = c
        for name in ("od", "additional", "state", "rtn", "xyz", "csig", "covmeta", "user"):
            b = obj.blocks.get(name)
            if b is None or b.is_empty():
                continue
            if name == "user":
                el = _sub(data, "userDefinedParameters", ns)
                _emit(el, b, ns)
            else:
                _emit(_sub(data, BLOCK_XML[name], ns), b, ns)
    return etree.tostring(root, pretty_print=True, xml_declaration=True, encoding="UTF-8").decode("utf-8")
