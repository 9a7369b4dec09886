"""Two-line element sets: 2-line, 3-line (``0 NAME``) and CelesTrak bare-name 3-line.

Reading is vectorised: the record lines are stacked into an ``(N, 69)`` byte
matrix and every fixed-column field is decoded with numpy for all records at
once; Python only walks the lines once to group them. The format follows the
Space-Track / CelesTrak description of the TLE (column numbers below are the
1-based columns of that description).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ElementSetError
from ..timeutil import NS_PER_DAY, is_leap, year_doy_to_datetime64
from .names import object_type_from_name
from .sets import ElementSets, validate_domain
from .text import clip, quote

LINE_LEN = 69

# Alpha-5: A=10 ... Z=33, skipping I and O (Space-Track, 2020)
_ALPHA5_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_ALPHA5_VALUE = np.full(256, -1, dtype=np.int64)
for _i, _c in enumerate(_ALPHA5_LETTERS):
    _ALPHA5_VALUE[ord(_c)] = 10 + _i
for _d in range(10):
    _ALPHA5_VALUE[ord("0") + _d] = _d
_ALPHA5_VALUE[ord(" ")] = 0

_ZERO, _NINE, _SPACE, _MINUS, _PLUS, _DOT = (ord(c) for c in "09 -+.")


class ParseResult(tuple):
    """``(elements, rejected)``: the good records and one :class:`ElementSetError` per bad one."""

    def __new__(cls, elements: ElementSets, rejected: list[ElementSetError]):
        return super().__new__(cls, (elements, list(rejected)))

    @property
    def elements(self) -> ElementSets:
        return self[0]

    @property
    def rejected(self) -> list[ElementSetError]:
        return self[1]

    def __repr__(self) -> str:
        return f"ParseResult(loaded={len(self[0])}, rejected={len(self[1])})"


def alpha5_encode(norad_id: int) -> str:
    """Five-character catalog-number field; numbers from 100000 use Alpha-5."""
    if norad_id < 0 or norad_id > 339999:
        raise ValueError(f"catalog number {norad_id} cannot be written in a TLE (0..339999)")
    if norad_id < 100000:
        return f"{norad_id:05d}"
    return _ALPHA5_LETTERS[norad_id // 10000 - 10] + f"{norad_id % 10000:04d}"


def alpha5_decode(text: str) -> int:
    """Catalog number from a 5-character TLE field (digits or Alpha-5)."""
    text = text.strip().rjust(5)
    vals = _ALPHA5_VALUE[np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)]
    if len(text) != 5 or (vals < 0).any() or (vals[1:] > 9).any():
        raise ValueError(f"not a catalog number: {text!r}")
    return int(vals[0] * 10000 + vals[1] * 1000 + vals[2] * 100 + vals[3] * 10 + vals[4])


def checksum(line: str) -> int:
    """TLE modulo-10 checksum of the first 68 characters (digits, and 1 for each '-')."""
    s = 0
    for ch in line[:68]:
        if ch.isdigit():
            s += ord(ch) - 48
        elif ch == "-":
            s += 1
    return s % 10


# ----------------------------------------------------------------------------- reading
def _group_lines(lines: list[str], source: str, errors: list[ElementSetError]):
    """Group raw lines into (name, name_lineno, l1, l1no, l2, l2no) records."""
    recs = []
    name = None
    name_no = None
    i = 0
    n = len(lines)
    while i < n:
        raw = lines[i]
        line = raw.rstrip()
        lineno = i + 1
        if not line.strip():
            i += 1
            continue
        if line.startswith("1 "):
            # line 1: the next non-blank line must be line 2
            j = i + 1
            while j < n and not lines[j].strip():
                j += 1
            if j < n and lines[j].startswith("2"):
                recs.append((name, name_no, line, lineno, lines[j].rstrip(), j + 1))
                name = None
                i = j + 1
                continue
            errors.append(ElementSetError(source, lineno, "line 2", "line 1 is not followed by a line 2",
                                          text=clip(line)))
            name = None
            i += 1
            continue
        if line.startswith("2 ") and len(line) >= 60:
            errors.append(ElementSetError(source, lineno, "line 1", "line 2 without a preceding line 1",
                                          text=clip(line)))
            name = None
            i += 1
            continue
        # a name line (3LE '0 NAME' or CelesTrak's bare padded name)
        if name is not None:
            errors.append(ElementSetError(source, name_no, "name", f"name line {quote(name)} has no element lines",
                                          text=clip(name)))
        name = line[2:].strip() if line.startswith("0 ") else line.strip()
        name_no = lineno
        i += 1
    if name is not None:
        errors.append(ElementSetError(source, name_no, "name", f"name line {quote(name)} has no element lines",
                                      text=clip(name)))
    return recs


def _group_regular(lines: list[str]):
    """Fast path for files that are strictly 3-line (name, 1, 2) or 2-line: None if irregular."""
    n = len(lines)
    while n and not lines[n - 1].strip():
        n -= 1
    if n == 0:
        return []
    if n % 3 == 0 and lines[1].startswith("1 "):
        l0, l1, l2 = lines[0:n:3], lines[1:n:3], lines[2:n:3]
        if (all(x.startswith("1 ") for x in l1) and all(x.startswith("2") for x in l2)
                and not any(x.startswith(("1 ", "2 ")) or not x.strip() for x in l0)):
            names = [x[2:].strip() if x.startswith("0 ") else x.strip() for x in l0]
            return [(names[k], 3 * k + 1, l1[k].rstrip(), 3 * k + 2, l2[k].rstrip(), 3 * k + 3)
                    for k in range(len(l1))]
    if n % 2 == 0 and lines[0].startswith("1 "):
        l1, l2 = lines[0:n:2], lines[1:n:2]
        if all(x.startswith("1 ") for x in l1) and all(x.startswith("2") for x in l2):
            return [(None, None, l1[k].rstrip(), 2 * k + 1, l2[k].rstrip(), 2 * k + 2) for k in range(len(l1))]
    return None


def _digits(mat: np.ndarray, a: int, b: int, allow_space: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Integer value of 1-based columns a..b (inclusive) and a per-row 'bad' mask.

    Spaces are allowed only as leading padding (they count as zeros)."""
    sub = mat[:, a - 1:b]
    isdig = (sub >= _ZERO) & (sub <= _NINE)
    issp = sub == _SPACE
    if allow_space:
        # spaces only before the first digit: cumulative "seen digit" must be False where space
        seen = np.logical_or.accumulate(isdig, axis=1)
        ok = (isdig | (issp & ~seen)).all(axis=1)
    else:
        ok = isdig.all(axis=1)
    vals = np.where(isdig, sub - _ZERO, 0).astype(np.int64)
    w = b - a + 1
    weights = 10 ** np.arange(w - 1, -1, -1, dtype=np.int64)
    return vals @ weights, ~ok


def _float_field(mat: np.ndarray, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
    """Decimal float in 1-based columns a..b: [sign] digits . digits, spaces padding."""
    sub = np.ascontiguousarray(mat[:, a - 1:b])
    w = b - a + 1
    allowed = ((sub >= _ZERO) & (sub <= _NINE)) | (sub == _SPACE) | (sub == _DOT) | (sub == _MINUS) | (sub == _PLUS)
    ok = allowed.all(axis=1) & ((sub >= _ZERO) & (sub <= _NINE)).any(axis=1) & ((sub == _DOT).sum(axis=1) <= 1)
    # signs only as the first non-space character
    issign = (sub == _MINUS) | (sub == _PLUS)
    nonspace = sub != _SPACE
    first_nonspace = np.argmax(nonspace, axis=1)
    sign_ok = (issign.sum(axis=1) == 0) | ((issign.sum(axis=1) == 1) & issign[np.arange(len(sub)), first_nonspace])
    # no embedded spaces between non-space characters
    seen = np.logical_or.accumulate(nonspace, axis=1)
    seen_rev = np.logical_or.accumulate(nonspace[:, ::-1], axis=1)[:, ::-1]
    inner_space = (~nonspace & seen & seen_rev).any(axis=1)
    ok &= sign_ok & ~inner_space
    out = np.full(len(sub), np.nan)
    if ok.any():
        strs = sub[ok].view(f"S{w}").ravel()
        out[ok] = strs.astype(np.float64)
    return out, ~ok


def _implied_exp_field(mat: np.ndarray, a: int) -> tuple[np.ndarray, np.ndarray]:
    """TLE 'implied decimal point' exponent field (8 columns from a): sMMMMMsE = s0.MMMMM x 10^(sE)."""
    sgn_c = mat[:, a - 1]
    mant, bad_m = _digits(mat, a + 1, a + 5)
    esgn_c = mat[:, a + 5]
    exp_c = mat[:, a + 6]
    bad = bad_m.copy()
    bad |= ~np.isin(sgn_c, (_SPACE, _PLUS, _MINUS))
    bad |= ~np.isin(esgn_c, (_SPACE, _PLUS, _MINUS))
    bad |= ~((exp_c >= _ZERO) & (exp_c <= _NINE))
    sign = np.where(sgn_c == _MINUS, -1.0, 1.0)
    esign = np.where(esgn_c == _MINUS, -1, 1)
    e = esign * (exp_c.astype(np.int64) - _ZERO)
    # 0.MMMMM x 10^e = MMMMM / 10^(5-e): dividing by an exactly representable power of ten
    # gives the correctly rounded double, the same value float("0.MMMMMe<e>") gives
    k = 5 - e
    m = mant.astype(np.float64)
    val = sign * np.where(k >= 0, m / np.power(10.0, np.maximum(k, 0)), m * np.power(10.0, np.maximum(-k, 0)))
    return np.where(bad, np.nan, val), bad


def parse_tle(text: str | bytes, source: str = "<string>", strict: bool = False,
              verify_checksum: bool = True) -> ParseResult:
    """Parse 2-line, 3-line (``0 NAME``) or bare-name 3-line element sets.

    Parameters
    ----------
    text : str or bytes
        File contents. Any mix of the three layouts is accepted.
    source : str
        Name used in error messages (normally the file name).
    strict : bool
        If True, raise the first :class:`ElementSetError`; otherwise load every
        good record and return each rejected one with its reason.
    verify_checksum : bool
        Reject records whose modulo-10 checksum is wrong (default). Vallado's
        verification set deliberately carries three bad checksums.

    Returns
    -------
    ParseResult
        ``(elements, rejected)``.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    errors: list[ElementSetError] = []
    lines = text.splitlines()
    recs = _group_regular(lines)
    if recs is None:
        recs = _group_lines(lines, source, errors)
    if strict and errors:
        raise errors[0]

    # --- line-level checks (one cheap pass; a per-record loop only when something is off) ---
    good = recs
    all_l1 = [r[2] for r in recs]
    all_l2 = [r[4] for r in recs]
    if not (all(len(x) == LINE_LEN for x in all_l1) and all(len(x) == LINE_LEN for x in all_l2)
            and "".join(all_l1).isascii() and "".join(all_l2).isascii()):
        good = []
        for r in recs:
            name, name_no, l1, n1, l2, n2 = r
            bad = None
            for ln, no, which in ((l1, n1, "line 1"), (l2, n2, "line 2")):
                if not ln.isascii():
                    bad = ElementSetError(source, no, which, "non-ASCII character in element line", text=clip(ln))
                    break
                if len(ln) != LINE_LEN:
                    bad = ElementSetError(source, no, which,
                                          f"wrong line length: {len(ln)} characters, expected {LINE_LEN}",
                                          text=clip(ln))
                    break
            if bad is not None:
                errors.append(bad)
                if strict:
                    raise bad
                continue
            good.append(r)

    m = len(good)
    if m == 0:
        if strict and errors:
            raise errors[0]
        return ParseResult(ElementSets.empty(), errors)

    l1s = "".join(r[2] for r in good).encode("ascii")
    l2s = "".join(r[4] for r in good).encode("ascii")
    A = np.frombuffer(l1s, dtype=np.uint8).reshape(m, LINE_LEN)
    B = np.frombuffer(l2s, dtype=np.uint8).reshape(m, LINE_LEN)
    l1no = np.array([r[3] for r in good], dtype=np.int64)
    l2no = np.array([r[5] for r in good], dtype=np.int64)

    bad_any = np.zeros(m, dtype=bool)
    rec_err: dict[int, ElementSetError] = {}

    def flag(mask, which, fieldname, reason_fn):
        nonlocal bad_any
        new = mask & ~bad_any
        for i in np.flatnonzero(new):
            line_no = int(l1no[i] if which == 1 else l2no[i])
            txt = good[i][2] if which == 1 else good[i][4]
            rec_err[int(i)] = ElementSetError(source, line_no, fieldname, reason_fn(int(i)), text=txt)
        bad_any |= mask

    # line numbers
    flag(A[:, 0] != ord("1"), 1, "line number", lambda i: "line 1 must start with '1'")
    flag(B[:, 0] != ord("2"), 2, "line number", lambda i: "line 2 must start with '2'")

    # checksums (col 69)
    for M, which in ((A, 1), (B, 2)) if verify_checksum else ():
        body = M[:, :68]
        isdig = (body >= _ZERO) & (body <= _NINE)
        s = (np.where(isdig, body - _ZERO, 0).astype(np.int64).sum(axis=1) + (body == _MINUS).sum(axis=1)) % 10
        ck = M[:, 68].astype(np.int64) - _ZERO
        badck = (ck < 0) | (ck > 9) | (ck != s)
        flag(badck, which, "checksum",
             lambda i, M=M, s=s: f"checksum is {chr(M[i, 68])!r}, computed {s[i]}")

    # catalog numbers (cols 3-7) and their agreement
    def decode_catnum(M):
        vals = _ALPHA5_VALUE[M[:, 2:7]]
        ok = (vals >= 0).all(axis=1) & (vals[:, 1:] <= 9).all(axis=1) & (M[:, 6] != _SPACE)
        num = vals[:, 0] * 10000 + vals[:, 1] * 1000 + vals[:, 2] * 100 + vals[:, 3] * 10 + vals[:, 4]
        return num, ~ok

    cat1, bad1 = decode_catnum(A)
    cat2, bad2 = decode_catnum(B)
    flag(bad1, 1, "catalog number", lambda i: f"not a catalog number: {A[i, 2:7].tobytes().decode()!r}")
    flag(bad2, 2, "catalog number", lambda i: f"not a catalog number: {B[i, 2:7].tobytes().decode()!r}")
    flag(cat1 != cat2, 2, "catalog number",
         lambda i: f"line 2 catalog number {cat2[i]} differs from line 1's {cat1[i]}")

    # epoch: cols 19-20 year, 21-32 day of year with fraction
    yy, bad_yy = _digits(A, 19, 20, allow_space=False)
    day_int, bad_day = _digits(A, 21, 23)
    dot_ok = A[:, 23] == _DOT
    frac_digits = A[:, 24:32]
    frac_isdig = (frac_digits >= _ZERO) & (frac_digits <= _NINE)
    # trailing spaces in the fraction are tolerated as zeros
    seen_sp = np.logical_or.accumulate(frac_digits == _SPACE, axis=1)
    frac_ok = (frac_isdig | (frac_digits == _SPACE)).all(axis=1) & ~(frac_isdig & seen_sp).any(axis=1)
    place = 10 ** np.arange(7, -1, -1, dtype=np.int64)
    frac_val = np.where(frac_isdig, frac_digits - _ZERO, 0).astype(np.int64) @ place
    year = np.where(yy < 57, 2000 + yy, 1900 + yy)
    flag(bad_yy | bad_day | ~dot_ok | ~frac_ok, 1, "epoch",
         lambda i: f"not an epoch: {A[i, 18:32].tobytes().decode()!r}")
    ndays = np.where(is_leap(year), 366, 365)
    flag((day_int < 1) | (day_int > ndays), 1, "epoch",
         lambda i: f"impossible epoch: day {day_int[i]} of {year[i]} (year has {ndays[i]} days)")
    frac_ns = frac_val * (NS_PER_DAY // 10**8)

    ndot, b = _float_field(A, 34, 43)
    flag(b, 1, "mean_motion_dot", lambda i: f"non-numeric field {A[i, 33:43].tobytes().decode()!r}")
    nddot, b = _implied_exp_field(A, 45)
    flag(b, 1, "mean_motion_ddot", lambda i: f"non-numeric field {A[i, 44:52].tobytes().decode()!r}")
    bstar, b = _implied_exp_field(A, 54)
    flag(b, 1, "bstar", lambda i: f"non-numeric field {A[i, 53:61].tobytes().decode()!r}")
    eph_c = A[:, 62]
    flag(~(((eph_c >= _ZERO) & (eph_c <= _NINE)) | (eph_c == _SPACE)), 1, "ephemeris_type",
         lambda i: f"non-numeric field {chr(A[i, 62])!r}")
    ephtype = np.where(eph_c == _SPACE, 0, eph_c.astype(np.int64) - _ZERO)
    elnum, b = _digits(A, 65, 68)
    flag(b, 1, "element_set_no", lambda i: f"non-numeric field {A[i, 64:68].tobytes().decode()!r}")

    fields2 = [("inclination", 9, 16), ("raan", 18, 25), ("arg_perigee", 35, 42),
               ("mean_anomaly", 44, 51), ("mean_motion", 53, 63)]
    vals2 = {}
    for fname, a, bcol in fields2:
        v, bmask = _float_field(B, a, bcol)
        flag(bmask, 2, fname, lambda i, a=a, bcol=bcol: f"non-numeric field {B[i, a - 1:bcol].tobytes().decode()!r}")
        vals2[fname] = v
    ecc_int, b = _digits(B, 27, 33)
    flag(b, 2, "eccentricity", lambda i: f"non-numeric field {B[i, 26:33].tobytes().decode()!r}")
    ecc = ecc_int / 1e7
    rev, b = _digits(B, 64, 68)
    flag(b, 2, "rev_at_epoch", lambda i: f"non-numeric field {B[i, 63:68].tobytes().decode()!r}")
    # angle ranges (inclination is checked in validate_domain with the other physics)
    for fname in ("raan", "arg_perigee", "mean_anomaly"):
        v = vals2[fname]
        flag(~((v >= 0.0) & (v <= 360.0)) & ~np.isnan(v), 2, fname,
             lambda i, v=v, fname=fname: f"{fname} {v[i]} deg outside [0, 360]")
    flag(~(vals2["mean_motion"] > 0.0) & ~np.isnan(vals2["mean_motion"]), 2, "mean_motion",
         lambda i: f"mean motion {vals2['mean_motion'][i]} rev/day is not positive")

    # international designator cols 10-17 -> 'YYYY-NNNP'
    intl = np.char.strip(A[:, 9:17].copy().view("S8").ravel().astype("U8"))
    yy_i, bad_yy_i = _digits(A, 10, 11, allow_space=False)
    century = np.where(yy_i >= 57, "19", "20")
    has_year = ~bad_yy_i & (np.char.str_len(intl) >= 5)
    full = np.char.add(np.char.add(np.char.add(century, np.char.ljust(intl, 2).astype("U2")), "-"),
                       np.array([x[2:] for x in intl.tolist()], dtype="U6") if m else np.zeros(0, "U6"))
    intl_full = np.where(has_year, full, intl).astype("U11")
    classification = A[:, 7].copy().view("S1").astype("U1")

    names = np.array([r[0] if r[0] is not None else "" for r in good], dtype=object).astype(str)
    safe_day = np.where(bad_any, 1, day_int)
    safe_year = np.where(bad_any, 2000, year)
    epoch = year_doy_to_datetime64(safe_year, safe_day, np.where(bad_any, 0, frac_ns))
    es = ElementSets(
        norad_id=cat1, name=names, intl_designator=intl_full, classification=classification,
        epoch=epoch, mean_motion_dot=ndot, mean_motion_ddot=nddot, bstar=bstar,
        ephemeris_type=ephtype, element_set_no=elnum,
        inclination_deg=vals2["inclination"], raan_deg=vals2["raan"], eccentricity=ecc,
        arg_perigee_deg=vals2["arg_perigee"], mean_anomaly_deg=vals2["mean_anomaly"],
        mean_motion_rev_per_day=vals2["mean_motion"], rev_at_epoch=rev,
        object_type=object_type_from_name(names),
        source_line=np.array([r[1] if r[1] is not None else r[3] for r in good], dtype=np.int64),
        source=source,
    )
    # physics checks on the records that decoded
    es_ok_idx = np.flatnonzero(~bad_any)
    sub = es[es_ok_idx]
    sub.source_line = l2no[es_ok_idx]
    okmask, dom_errors = validate_domain(sub, source)
    for e in dom_errors:
        i = int(es_ok_idx[e.record])
        line_no = int(l1no[i]) if e.field == "epoch" else int(l2no[i])
        rec_err[i] = ElementSetError(source, line_no, e.field, e.reason, text=good[i][4])
        bad_any[i] = True

    all_errors = errors + [rec_err[i] for i in sorted(rec_err)]
    all_errors.sort(key=lambda e: (e.line or 0))
    if strict and all_errors:
        raise all_errors[0]
    return ParseResult(es[~bad_any], all_errors)


# ----------------------------------------------------------------------------- writing
def _fmt_ndot(v: float) -> str:
    if not math.isfinite(v) or abs(v) >= 1.0:
        raise ValueError(f"mean_motion_dot {v} cannot be written in a TLE")
    s = f"{abs(v):.8f}"[1:]  # '.00000274'
    return ("-" if v < 0 and s != ".00000000" else " ") + s


def _fmt_exp(v: float) -> str:
    """8-column implied-decimal exponent field."""
    if not math.isfinite(v):
        raise ValueError(f"{v} cannot be written in a TLE exponent field")
    if v == 0.0:
        return " 00000-0"
    a = abs(v)
    e = math.floor(math.log10(a)) + 1
    mant = round(a / 10.0 ** e * 1e5)
    if mant >= 100000:
        mant //= 10
        e += 1
    if e < -9:
        return " 00000-0"
    if e > 9:
        raise ValueError(f"{v} is too large for a TLE exponent field")
    return f"{'-' if v < 0 else ' '}{mant:05d}{'-' if e < 0 else '+'}{abs(e)}"


def _fmt_epoch(epoch: np.datetime64) -> str:
    ns = int(np.datetime64(epoch, "ns").astype(np.int64))
    year = int(np.datetime64(epoch, "Y").astype(int)) + 1970
    jan1 = int(np.datetime64(f"{year}-01-01", "ns").astype(np.int64))
    into = ns - jan1
    day0, rem = divmod(into, NS_PER_DAY)
    frac8 = (rem * 10**8 + NS_PER_DAY // 2) // NS_PER_DAY
    if frac8 >= 10**8:
        frac8 -= 10**8
        day0 += 1
        ndays = 366 if (year % 4 == 0 and year % 100 != 0) or year % 400 == 0 else 365
        if day0 >= ndays:
            day0 -= ndays
            year += 1
    if not 1957 <= year <= 2056:
        raise ValueError(f"epoch year {year} cannot be written in a TLE (1957..2056)")
    return f"{year % 100:02d}{day0 + 1:03d}.{frac8:08d}"


def _fmt_intl(s: str) -> str:
    s = str(s).strip()
    if len(s) >= 8 and s[4] == "-" and s[:4].isdigit():
        return (s[2:4] + s[5:]).ljust(8)[:8]
    return s.ljust(8)[:8]


def format_tle(es: ElementSets, i: int, name_style: str = "3le") -> list[str]:
    """Lines of record ``i``. ``name_style``: '3le' (``0 NAME``), 'celestrak' (bare, 24 wide) or 'tle' (none)."""
    satnum = alpha5_encode(int(es.norad_id[i]))
    l1 = (f"1 {satnum}{(str(es.classification[i]) or 'U')[:1]} {_fmt_intl(es.intl_designator[i])} "
          f"{_fmt_epoch(es.epoch[i])} {_fmt_ndot(float(es.mean_motion_dot[i]))} "
          f"{_fmt_exp(float(es.mean_motion_ddot[i]))} {_fmt_exp(float(es.bstar[i]))} "
          f"{int(es.ephemeris_type[i]) % 10:d} {int(es.element_set_no[i]) % 10000:4d}")
    ecc7 = int(round(float(es.eccentricity[i]) * 1e7))
    if ecc7 >= 10**7:
        raise ValueError(f"eccentricity {es.eccentricity[i]} cannot be written in a TLE")
    l2 = (f"2 {satnum} {float(es.inclination_deg[i]):8.4f} {float(es.raan_deg[i]):8.4f} {ecc7:07d} "
          f"{float(es.arg_perigee_deg[i]):8.4f} {float(es.mean_anomaly_deg[i]):8.4f} "
          f"{float(es.mean_motion_rev_per_day[i]):11.8f}{int(es.rev_at_epoch[i]) % 100000:5d}")
    l1 += str(checksum(l1))
    l2 += str(checksum(l2))
    out = []
    nm = str(es.name[i])
    if name_style == "3le":
        out.append(f"0 {nm}")
    elif name_style == "celestrak":
        out.append(nm.ljust(24))
    elif name_style != "tle":
        raise ValueError(f"unknown name_style {name_style!r}")
    return out + [l1, l2]


def write_tle(es: ElementSets, name_style: str = "3le") -> str:
    """Text of all records in TLE form (see :func:`format_tle` for ``name_style``)."""
    out = []
    for i in range(len(es)):
        out.extend(format_tle(es, i, name_style))
    return "\n".join(out) + ("\n" if out else "")
