"""Compiled kernels of the screening: segment bounding volumes, the 4-D grid broad phase and the
Bernstein narrow phase, all in one pass over a time window (see ``docs/screening.md``).

Data of a window (``t = 0`` at its start; every time here is in seconds from it):

* objects are sorted by *step class*: class ``c`` holds objects ``cls_start[c] <= i <
  cls_start[c + 1]``, sampled every ``h = S * 2**cls_k[c]`` seconds (``cls_np[c]`` pieces);
* node ``n`` of object ``i`` of class ``c`` is column ``cls_base[c] + n * M + (i - cls_start[c])``
  (``M`` objects in the class) of ``RX``/``VX`` (3, rows: TEME km, km/s), so the objects of a
  class at one node are contiguous and the box pass vectorises; ``OK`` says whether SGP4
  gave a usable state there;
* between two nodes the trajectory is the cubic Hermite interpolant of the two states; the
  SGP4 position is within ``eps[i]`` km of it (the bound measured by :mod:`.sampling`);
* the broad phase works on segments of ``S`` seconds.

The kernels never allocate per object or per pair and are compiled with ``nogil`` (an
in-process executor runs windows on threads). They are compiled *without* fastmath: the code
uses infinities as sentinels, and fastmath's no-inf assumption makes results vary between
compilations.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_JIT = dict(cache=True, nogil=True, error_model="numpy")
#: for the functions called per pair: without numba's reference counting (NRT), which counted every
#: array they take in and out on each call (20 % of a window in NRT_incref/NRT_decref, by perf). They
#: allocate nothing; numba refuses to compile such a function if it would.
_JIT_NO_RC = dict(_nrt=False, **_JIT)

# kinds of candidate minima
KIND_INTERIOR = 0
KIND_SPAN_START = 1
KIND_SPAN_STOP = 2

# counters returned by screen_window (index into the stats array)
STAT_OBJECT_SEGMENTS = 0
STAT_ENTRIES = 1
STAT_BOX_TESTS = 2
STAT_PAIR_SEGMENTS = 3
STAT_NARROW_INTERVALS = 4
STAT_CANDIDATES = 5
N_STATS = 6

_KEY_OFF = 8192          # Cartesian cell index offset (14 bits per axis)
_KEY_MAX = 16383
LMAX = 7                 # sub-piece tables split a piece into up to 2**LMAX equal parts


@njit(inline="always", **_JIT)
def _hermite(P0, m0, P1, m1, t):
    """Value and derivative (w.r.t. the unit parameter) of the cubic Hermite interpolant.

    At t = 0 and t = 1 the basis values are exactly 0 or 1, so a node evaluated from either
    neighbouring piece gives the same bits (the ownership rule of minima relies on it)."""
    t2 = t * t
    t3 = t2 * t
    h00 = 2.0 * t3 - 3.0 * t2 + 1.0
    h10 = t3 - 2.0 * t2 + t
    h01 = -2.0 * t3 + 3.0 * t2
    h11 = t3 - t2
    d00 = 6.0 * t2 - 6.0 * t
    d10 = 3.0 * t2 - 4.0 * t + 1.0
    d01 = -6.0 * t2 + 6.0 * t
    d11 = 3.0 * t2 - 2.0 * t
    return h00 * P0 + h10 * m0 + h01 * P1 + h11 * m1, d00 * P0 + d10 * m0 + d01 * P1 + d11 * m1


@njit(**_JIT)
def subpiece_matrices():
    """A[(2**L - 1) + q] (4 x 4): Bezier control points of part q of a Hermite piece split into
    2**L equal parts, as combinations of (P0, h v0, P1, h v1)."""
    A = np.zeros((2 ** (LMAX + 1) - 1, 4, 4))
    for L in range(LMAX + 1):
        M = 1 << L
        for q in range(M):
            ta = q / M
            tb = (q + 1) / M
            w = tb - ta
            for e in range(4):
                x0 = 1.0 if e == 0 else 0.0
                x1 = 1.0 if e == 1 else 0.0
                x2 = 1.0 if e == 2 else 0.0
                x3 = 1.0 if e == 3 else 0.0
                pa, da = _hermite(x0, x1, x2, x3, ta)
                pb, db = _hermite(x0, x1, x2, x3, tb)
                k = M - 1 + q
                A[k, 0, e] = pa
                A[k, 1, e] = pa + w * da / 3.0
                A[k, 2, e] = pb - w * db / 3.0
                A[k, 3, e] = pb
    return A


@njit(inline="always", **_JIT)
def _part4(A, k, x0, x1, x2, x3):
    """One coordinate of the 4 control points of sub-piece table entry k."""
    return (A[k, 0, 0] * x0 + A[k, 0, 1] * x1 + A[k, 0, 2] * x2 + A[k, 0, 3] * x3,
            A[k, 1, 0] * x0 + A[k, 1, 1] * x1 + A[k, 1, 2] * x2 + A[k, 1, 3] * x3,
            A[k, 2, 0] * x0 + A[k, 2, 1] * x1 + A[k, 2, 2] * x2 + A[k, 2, 3] * x3,
            A[k, 3, 0] * x0 + A[k, 3, 1] * x1 + A[k, 3, 2] * x2 + A[k, 3, 3] * x3)


@njit(inline="always", **_JIT)
def _ctrl_general(RX, VX, row, stride, h, ta, tb, c):
    """One coordinate of the control points of the piece starting at node column ``row``,
    restricted to local parameters [ta, tb]."""
    P0 = RX[c, row]
    P1 = RX[c, row + stride]
    m0 = h * VX[c, row]
    m1 = h * VX[c, row + stride]
    w = tb - ta
    pa, da = _hermite(P0, m0, P1, m1, ta)
    pb, db = _hermite(P0, m0, P1, m1, tb)
    return pa, pa + w * da / 3.0, pb - w * db / 3.0, pb


@njit(inline="always", **_JIT)
def _bern_sq_s(ax, ay, az, bx, by, bz, cx, cy, cz, dx, dy, dz):
    """min and max of the degree-6 Bernstein coefficients of |B(u)|^2 (cubic Bezier a, b, c, d)."""
    d00 = ax * ax + ay * ay + az * az
    d01 = ax * bx + ay * by + az * bz
    d02 = ax * cx + ay * cy + az * cz
    d03 = ax * dx + ay * dy + az * dz
    d11 = bx * bx + by * by + bz * bz
    d12 = bx * cx + by * cy + bz * cz
    d13 = bx * dx + by * dy + bz * dz
    d22 = cx * cx + cy * cy + cz * cz
    d23 = cx * dx + cy * dy + cz * dz
    d33 = dx * dx + dy * dy + dz * dz
    c2 = (2.0 * d02 + 3.0 * d11) / 5.0
    c3 = (d03 + 9.0 * d12) / 10.0
    c4 = (2.0 * d13 + 3.0 * d22) / 5.0
    lo = min(min(min(d00, d01), min(c2, c3)), min(min(c4, d23), d33))
    hi = max(max(max(d00, d01), max(c2, c3)), max(max(c4, d23), d33))
    return lo, hi


@njit(inline="always", **_JIT)
def _bern_sq_coef(D, c):
    """All 7 degree-6 Bernstein coefficients of |B(u)|^2 for control points D (4, 3)."""
    d00 = D[0, 0] * D[0, 0] + D[0, 1] * D[0, 1] + D[0, 2] * D[0, 2]
    d01 = D[0, 0] * D[1, 0] + D[0, 1] * D[1, 1] + D[0, 2] * D[1, 2]
    d02 = D[0, 0] * D[2, 0] + D[0, 1] * D[2, 1] + D[0, 2] * D[2, 2]
    d03 = D[0, 0] * D[3, 0] + D[0, 1] * D[3, 1] + D[0, 2] * D[3, 2]
    d11 = D[1, 0] * D[1, 0] + D[1, 1] * D[1, 1] + D[1, 2] * D[1, 2]
    d12 = D[1, 0] * D[2, 0] + D[1, 1] * D[2, 1] + D[1, 2] * D[2, 2]
    d13 = D[1, 0] * D[3, 0] + D[1, 1] * D[3, 1] + D[1, 2] * D[3, 2]
    d22 = D[2, 0] * D[2, 0] + D[2, 1] * D[2, 1] + D[2, 2] * D[2, 2]
    d23 = D[2, 0] * D[3, 0] + D[2, 1] * D[3, 1] + D[2, 2] * D[3, 2]
    d33 = D[3, 0] * D[3, 0] + D[3, 1] * D[3, 1] + D[3, 2] * D[3, 2]
    c[0] = d00
    c[1] = d01
    c[2] = (2.0 * d02 + 3.0 * d11) / 5.0
    c[3] = (d03 + 9.0 * d12) / 10.0
    c[4] = (2.0 * d13 + 3.0 * d22) / 5.0
    c[5] = d23
    c[6] = d33


@njit(inline="always", **_JIT)
def _down(x):
    """A float32 not above x (boxes are stored in float32, rounded outwards): moving x down by
    two half-ulps of float32 before rounding to nearest; branch-free so the box loop vectorises."""
    return np.float32(x - abs(x) * 1.2e-7)


@njit(inline="always", **_JIT)
def _up(x):
    """A float32 not below x."""
    return np.float32(x + abs(x) * 1.2e-7)


@njit(inline="always", **_JIT)
def _min4(a, b, c, d):
    return min(min(a, b), min(c, d))


@njit(inline="always", **_JIT)
def _max4(a, b, c, d):
    return max(max(a, b), max(c, d))


@njit(inline="always", **_JIT)
def _casteljau(a, n, u):
    """Value at u of the Bernstein polynomial of degree n with coefficients a[0..n] (a is copied)."""
    w0 = a[0]
    w1 = a[1]
    w2 = a[2] if n >= 2 else 0.0
    w3 = a[3] if n >= 3 else 0.0
    w4 = a[4] if n >= 4 else 0.0
    w5 = a[5] if n >= 5 else 0.0
    w6 = a[6] if n >= 6 else 0.0
    v = 1.0 - u
    for level in range(n):
        k = n - level  # number of values after this level
        w0 = v * w0 + u * w1
        if k > 1:
            w1 = v * w1 + u * w2
        if k > 2:
            w2 = v * w2 + u * w3
        if k > 3:
            w3 = v * w3 + u * w4
        if k > 4:
            w4 = v * w4 + u * w5
        if k > 5:
            w5 = v * w5 + u * w6
    return w0


@njit(inline="always", **_JIT)
def _split_half(a, n, left, right, tmp):
    """de Casteljau subdivision at 1/2 of degree-n Bernstein coefficients a into left/right
    (tmp: scratch of length >= n + 1)."""
    for k in range(n + 1):
        tmp[k] = a[k]
    left[0] = tmp[0]
    right[n] = tmp[n]
    for level in range(1, n + 1):
        for k in range(n - level + 1):
            tmp[k] = 0.5 * (tmp[k] + tmp[k + 1])
        left[level] = tmp[0]
        right[n - level] = tmp[n - level]


@njit(**_JIT)
def _grow(arr, n):
    new = np.empty(max(2 * arr.shape[0], n + 1), arr.dtype)
    new[: arr.shape[0]] = arr
    return new


@njit(**_JIT_NO_RC)
def _dips_below(c, D2, stack_c, left, right, tmp):
    """Whether q(u) = sum c_k B_k^6(u) goes below D2 somewhere on [0, 1] (conservative: True
    when undecided after 16 halvings). End coefficients are actual values; the minimum
    coefficient is a lower bound (convex hull property)."""
    for k in range(7):
        stack_c[0, k] = c[k]
    stack_c[0, 7] = 0.0
    sp = 1
    while sp > 0:
        sp -= 1
        lo = stack_c[sp, 0]
        for k in range(1, 7):
            lo = min(lo, stack_c[sp, k])
        if lo > D2:
            continue
        if stack_c[sp, 0] <= D2 or stack_c[sp, 6] <= D2:
            return True
        if stack_c[sp, 7] >= 16.0 or sp + 2 > stack_c.shape[0]:
            return True
        for k in range(7):
            tmp[k] = stack_c[sp, k]
        dd = stack_c[sp, 7] + 1.0
        _split_half(tmp, 6, left, right, stack_c[sp + 1])
        for k in range(7):
            stack_c[sp, k] = right[k]
            stack_c[sp + 1, k] = left[k]
        stack_c[sp, 7] = dd
        stack_c[sp + 1, 7] = dd
        sp += 2
    return False


@njit(**_JIT_NO_RC)
def _isolate_minima(c, sL, sR, D2, stack_c, stack_u, b, left, right, tmp, ta, w, i, j,
                    out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, nout):
    """Local minima of q(u) = sum c_k B_k^6(u) on (0, 1] with q <= D2, appended to the outputs.

    Roots of q' are isolated by Bernstein subdivision (Descartes' rule of signs for the
    Bernstein basis: one sign variation, one root) and located by bisection. A root is owned
    by the interval whose right end it is (intervals are half-open (a, b]); sL and sR are the
    signs of q' at the interval ends computed from the Hermite states (the same bits for both
    neighbours of a boundary) and replace the first/last coefficient's sign there. Returns the
    new output count."""
    for k in range(7):
        stack_c[0, k] = c[k]
    stack_u[0, 0] = 0.0
    stack_u[0, 1] = 1.0
    stack_u[0, 2] = 1.0  # touches the left end
    stack_u[0, 3] = 1.0  # touches the right end
    sp = 1
    while sp > 0:
        sp -= 1
        u0 = stack_u[sp, 0]
        u1 = stack_u[sp, 1]
        fl = stack_u[sp, 2] != 0.0
        fr = stack_u[sp, 3] != 0.0
        cmin = stack_c[sp, 0]
        for k in range(7):
            tmp[k] = stack_c[sp, k]
            if tmp[k] < cmin:
                cmin = tmp[k]
        if cmin > D2:
            continue
        for k in range(6):
            b[k] = tmp[k + 1] - tmp[k]
        neg0 = (sL < 0.0) if fl else (b[0] < 0.0)
        neg5 = (sR < 0.0) if fr else (b[5] < 0.0)
        var = 0
        prev = neg0
        for k in range(1, 6):
            cur = neg5 if k == 5 else (b[k] < 0.0)
            if cur != prev:
                var += 1
            prev = cur
        if var == 0:
            continue
        if var == 1:
            if not neg0 or neg5:
                continue  # a maximum of q
            la = 0.0
            lb = 1.0
            for _ in range(48):
                lm = 0.5 * (la + lb)
                if _casteljau(b, 5, lm) < 0.0:
                    la = lm
                else:
                    lb = lm
            q = _casteljau(tmp, 6, lb)
            if q <= D2:
                nout = _emit(out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, nout, i, j,
                             ta + (u0 + lb * (u1 - u0)) * w, q, ta + u0 * w, ta + u1 * w, KIND_INTERIOR)
            continue
        if u1 - u0 < 1e-9 or sp + 2 > stack_c.shape[0]:
            # unresolvable cluster of roots: hand its middle to the exact refinement
            q = _casteljau(tmp, 6, 0.5)
            if q <= D2:
                nout = _emit(out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, nout, i, j,
                             ta + 0.5 * (u0 + u1) * w, q, ta + u0 * w, ta + u1 * w, KIND_INTERIOR)
            continue
        _split_half(tmp, 6, left, right, b)
        um = 0.5 * (u0 + u1)
        # push the right half first so that the left one is processed first
        for k in range(7):
            stack_c[sp, k] = right[k]
        stack_u[sp, 0] = um
        stack_u[sp, 1] = u1
        stack_u[sp, 2] = 0.0
        stack_u[sp, 3] = 1.0 if fr else 0.0
        sp += 1
        for k in range(7):
            stack_c[sp, k] = left[k]
        stack_u[sp, 0] = u0
        stack_u[sp, 1] = um
        stack_u[sp, 2] = 1.0 if fl else 0.0
        stack_u[sp, 3] = 0.0
        sp += 1
    return nout


@njit(inline="always", **_JIT)
def _hash(a):
    a = (a ^ (a >> np.uint64(33))) * np.uint64(0xFF51AFD7ED558CCD)
    a = (a ^ (a >> np.uint64(33))) * np.uint64(0xC4CEB9FE1A85EC53)
    return a ^ (a >> np.uint64(33))


@njit(inline="always", **_JIT)
def _cell(x, inv):
    k = int(np.floor(x * inv)) + _KEY_OFF
    if k < 0:
        return 0
    if k > _KEY_MAX:
        return _KEY_MAX
    return k


@njit(inline="always", **_JIT)
def _rbin(r, inv):
    if r <= 0.0:
        return 0
    k = int(np.floor(r * inv))
    if k > 4194303:
        return 4194303
    return k


@njit(inline="always", **_JIT)
def _key(rb, cx, cy, cz):
    return ((np.uint64(rb) << np.uint64(42)) | (np.uint64(cx) << np.uint64(28))
            | (np.uint64(cy) << np.uint64(14)) | np.uint64(cz))


@njit(inline="always", **_JIT)
def _emit(out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, n, i, j, t, q, lo, hi, kind):
    if n < out_i.shape[0]:
        out_i[n] = i
        out_j[n] = j
        out_t[n] = t
        out_q[n] = q
        out_lo[n] = lo
        out_hi[n] = hi
        out_kind[n] = kind
    return n + 1


# ----------------------------------------------------------------------------- boxes


#: objects per block of the box pass: its scratch (21 rows of _BLK float64) stays in L1
_BLK = 256


@njit(inline="always", **_JIT)
def _coord_rows(X, V, e, ra, rb, nb, h, a, W):
    """Coordinate e of the cubic control points of nb objects (Hermite nodes in columns ra.. and rb..
    of ``X``/``V``) into rows 6e..6e+3 of the block scratch ``W``, their min and max into 6e+4, 6e+5.

    Reads through 1-D views and writes one array at constant row offsets, so LLVM can prove the
    accesses independent with a few run-time checks and vectorise the loop."""
    xa = X[e, ra:ra + nb]
    va = V[e, ra:ra + nb]
    xb = X[e, rb:rb + nb]
    vb = V[e, rb:rb + nb]
    o = 6 * e * _BLK
    a00, a01, a02, a03 = a[0], a[1], a[2], a[3]
    a10, a11, a12, a13 = a[4], a[5], a[6], a[7]
    a20, a21, a22, a23 = a[8], a[9], a[10], a[11]
    a30, a31, a32, a33 = a[12], a[13], a[14], a[15]
    for j in range(nb):
        x0 = xa[j]
        x1 = h * va[j]
        x2 = xb[j]
        x3 = h * vb[j]
        p = a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3
        q = a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3
        r = a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3
        s = a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3
        W[o + j] = p
        W[o + _BLK + j] = q
        W[o + 2 * _BLK + j] = r
        W[o + 3 * _BLK + j] = s
        W[o + 4 * _BLK + j] = _min4(p, q, r, s)
        W[o + 5 * _BLK + j] = _max4(p, q, r, s)


@njit(inline="always", **_JIT)
def _radius_rows(W, nb, padv, jmpv, jumpv):
    """Bounds of |r| over the piece (rows 18, 19 of ``W``) from the Bernstein coefficients of |r|^2,
    the piece's jump into ``jumpv`` and the box padding (row 20)."""
    for j in range(nb):
        lo, hi = _bern_sq_s(W[j], W[6 * _BLK + j], W[12 * _BLK + j],
                            W[_BLK + j], W[7 * _BLK + j], W[13 * _BLK + j],
                            W[2 * _BLK + j], W[8 * _BLK + j], W[14 * _BLK + j],
                            W[3 * _BLK + j], W[9 * _BLK + j], W[15 * _BLK + j])
        W[18 * _BLK + j] = np.sqrt(max(lo, 0.0))
        W[19 * _BLK + j] = np.sqrt(hi)
        jp = jmpv[j]
        jumpv[j] = jp
        W[20 * _BLK + j] = padv[j] + jp


@njit(inline="always", **_JIT)
def _box_rows(W, nb, bv):
    """The padded 4-D boxes, rounded outwards to float32, into ``bv`` (nb rows of 8, flat)."""
    for j in range(nb):
        pd = W[20 * _BLK + j]
        q = 8 * j
        bv[q] = _down(W[4 * _BLK + j] - pd)
        bv[q + 1] = _up(W[5 * _BLK + j] + pd)
        bv[q + 2] = _down(W[10 * _BLK + j] - pd)
        bv[q + 3] = _up(W[11 * _BLK + j] + pd)
        bv[q + 4] = _down(W[16 * _BLK + j] - pd)
        bv[q + 5] = _up(W[17 * _BLK + j] + pd)
        bv[q + 6] = _down(max(W[18 * _BLK + j] - pd, 0.0))
        bv[q + 7] = _up(W[19 * _BLK + j] + pd)


@njit(**_JIT)
def _class_boxes(RX, VX, OK, JMP, A, i0, i1, base, k, h, s, pad, boxes, ok, cpx, jump, W):
    """Boxes of the objects i0 <= i < i1 of a class with step >= the segment, over segment s, and
    their control points ``cpx[e, i, a]`` (coordinate e, point a).

    In blocks of ``_BLK`` objects, one pass per quantity through the scratch ``W`` (rows of
    ``_BLK``): each pass reads and writes few arrays at constant offsets, so every one vectorises
    (one loop over all of it did not: its many arrays would need more run-time alias checks than
    LLVM makes). The results are the same bits as that loop's; 3.3x faster."""
    M = i1 - i0
    kk = (1 << k) - 1 + (s & ((1 << k) - 1))
    ra = base + (s >> k) * M
    rb = ra + M
    a = A[kk].reshape(-1)  # the sub-piece matrix, row by row
    bflat = boxes.reshape(-1)
    for j0 in range(0, M, _BLK):
        nb = min(_BLK, M - j0)
        g = i0 + j0
        for e in range(3):
            _coord_rows(RX, VX, e, ra + j0, rb + j0, nb, h, a, W)
        _radius_rows(W, nb, pad[g:g + nb], JMP[ra + j0:ra + j0 + nb], jump[g:g + nb])
        _box_rows(W, nb, bflat[8 * g:8 * (g + nb)])
        for e in range(3):
            cv = cpx[e, g:g + nb].reshape(-1)
            o = 6 * e * _BLK
            for j in range(nb):
                cv[4 * j] = W[o + j]
                cv[4 * j + 1] = W[o + _BLK + j]
                cv[4 * j + 2] = W[o + 2 * _BLK + j]
                cv[4 * j + 3] = W[o + 3 * _BLK + j]
    oka = OK[ra:ra + M]
    okb = OK[rb:rb + M]
    okv = ok[i0:i1]
    for j in range(M):
        okv[j] = oka[j] & okb[j]


@njit(**_JIT)
def _fine_boxes(RX, VX, OK, JMP, A, i0, i1, base, k, h, s, pad, boxes, ok, jump):
    """Boxes of the objects of a class with step < the segment (2**-k pieces per segment)."""
    M = i1 - i0
    m = 1 << (-k)
    for j in range(M):
        i = i0 + j
        x0 = np.inf
        x1 = -np.inf
        y0 = np.inf
        y1 = -np.inf
        z0 = np.inf
        z1 = -np.inf
        rmin = np.inf
        rmax = 0.0
        good = True
        jp = 0.0
        for p in range(s * m, s * m + m):
            ra = base + p * M + j
            good = good and OK[ra] and OK[ra + M]
            jp = max(jp, JMP[ra])
            ax, bx, cx, dx = _part4(A, 0, RX[0, ra], h * VX[0, ra], RX[0, ra + M], h * VX[0, ra + M])
            ay, by, cy, dy = _part4(A, 0, RX[1, ra], h * VX[1, ra], RX[1, ra + M], h * VX[1, ra + M])
            az, bz, cz, dz = _part4(A, 0, RX[2, ra], h * VX[2, ra], RX[2, ra + M], h * VX[2, ra + M])
            lo, hi = _bern_sq_s(ax, ay, az, bx, by, bz, cx, cy, cz, dx, dy, dz)
            x0 = min(x0, _min4(ax, bx, cx, dx))
            x1 = max(x1, _max4(ax, bx, cx, dx))
            y0 = min(y0, _min4(ay, by, cy, dy))
            y1 = max(y1, _max4(ay, by, cy, dy))
            z0 = min(z0, _min4(az, bz, cz, dz))
            z1 = max(z1, _max4(az, bz, cz, dz))
            rmin = min(rmin, lo)
            rmax = max(rmax, hi)
        jump[i] = jp
        pd = pad[i] + jp
        boxes[i, 0] = _down(x0 - pd)
        boxes[i, 1] = _up(x1 + pd)
        boxes[i, 2] = _down(y0 - pd)
        boxes[i, 3] = _up(y1 + pd)
        boxes[i, 4] = _down(z0 - pd)
        boxes[i, 5] = _up(z1 + pd)
        boxes[i, 6] = _down(max(np.sqrt(max(rmin, 0.0)) - pd, 0.0))
        boxes[i, 7] = _up(np.sqrt(rmax) + pd)
        ok[i] = good


# ----------------------------------------------------------------------------- interpolated states


@njit(inline="always", **_JIT)
def _state(RX, VX, row0, stride, h, npieces, t_s, at_end, pos, vel):
    """Interpolated position/velocity (km, km/s) at window time t_s of the object whose node n is
    column row0 + n * stride. A node is evaluated as the start of the next piece, or as the end
    (tau = 1) of the previous one when ``at_end``: the Hermite basis is exactly 0/1 at both ends,
    so both give the same bits."""
    if at_end:
        p = int(np.ceil(t_s / h)) - 1
    else:
        p = int(np.floor(t_s / h))
    if p < 0:
        p = 0
    if p > npieces - 1:
        p = npieces - 1
    row = row0 + p * stride
    tau = (t_s - p * h) / h
    for c in range(3):
        x, dx = _hermite(RX[c, row], h * VX[c, row], RX[c, row + stride], h * VX[c, row + stride], tau)
        pos[c] = x
        vel[c] = dx / h


@njit(inline="always", **_JIT)
def _sub_ctrl(RX, VX, A, row0, stride, h, kexp, npieces, g, kk, ta, tb, clipped, Q):
    """Control points (4, 3) over sub-interval g (length S * 2**kk, kk <= min(k, 0)) of an object
    with step exponent kexp; ``clipped``: [ta, tb] is cut short at the end of the span."""
    if clipped:
        p = int(np.floor(ta / h))
        if p > npieces - 1:
            p = npieces - 1
        row = row0 + p * stride
        base = p * h
        for c in range(3):
            a, b, cc, d = _ctrl_general(RX, VX, row, stride, h, (ta - base) / h, (tb - base) / h, c)
            Q[0, c] = a
            Q[1, c] = b
            Q[2, c] = cc
            Q[3, c] = d
    else:
        L = kexp - kk
        p = g >> L
        row = row0 + p * stride
        t = (1 << L) - 1 + (g & ((1 << L) - 1))
        for c in range(3):
            a, b, cc, d = _part4(A, t, RX[c, row], h * VX[c, row], RX[c, row + stride], h * VX[c, row + stride])
            Q[0, c] = a
            Q[1, c] = b
            Q[2, c] = cc
            Q[3, c] = d


# ----------------------------------------------------------------------------- narrow phase


@njit(**_JIT_NO_RC)
def _narrow(RX, VX, cpx, A, row0, stride, h, kexp, npieces, i, j, s, S, t_stop, span_start, D2, Qi, Qj, D, c,
            pi_, vi_, pj_, vj_, stack_c, stack_u, scratch, out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind,
            nout, stats):
    """Candidate local minima of the interpolated distance of pair (i, j) in segment s."""
    ts = s * S
    kk = min(kexp[i], kexp[j], 0)
    m = 1 << (-kk)
    hmin = S / m
    for u in range(m):
        ta = ts + u * hmin
        if ta >= t_stop:
            break
        tb = ta + hmin
        clipped = False
        if tb >= t_stop:
            tb = t_stop
            clipped = True
        g = s * m + u
        if kk == 0 and not clipped:
            for a in range(4):
                for e in range(3):
                    Qi[a, e] = cpx[e, i, a]
                    Qj[a, e] = cpx[e, j, a]
        else:
            _sub_ctrl(RX, VX, A, row0[i], stride[i], h[i], kexp[i], npieces[i], g, kk, ta, tb, clipped, Qi)
            _sub_ctrl(RX, VX, A, row0[j], stride[j], h[j], kexp[j], npieces[j], g, kk, ta, tb, clipped, Qj)
        lo, _hi = _bern_sq_s(Qj[0, 0] - Qi[0, 0], Qj[0, 1] - Qi[0, 1], Qj[0, 2] - Qi[0, 2],
                             Qj[1, 0] - Qi[1, 0], Qj[1, 1] - Qi[1, 1], Qj[1, 2] - Qi[1, 2],
                             Qj[2, 0] - Qi[2, 0], Qj[2, 1] - Qi[2, 1], Qj[2, 2] - Qi[2, 2],
                             Qj[3, 0] - Qi[3, 0], Qj[3, 1] - Qi[3, 1], Qj[3, 2] - Qi[3, 2])
        stats[STAT_NARROW_INTERVALS] += 1
        if lo > D2:
            continue
        for a in range(4):
            for e in range(3):
                D[a, e] = Qj[a, e] - Qi[a, e]
        _bern_sq_coef(D, c)
        boundary = (span_start and ta == 0.0) or clipped
        if not _dips_below(c, D2, stack_c, scratch[1], scratch[2], scratch[3]):
            continue
        if not boundary:
            # q monotone on the interval with a clear margin: no minimum is owned here (a minimum at
            # its left end belongs to the previous interval, which sees the same derivative sign)
            scale = 1e-9 * max(max(abs(c[0]), abs(c[6])), 1.0)
            up = True
            down = True
            for e in range(6):
                de = c[e + 1] - c[e]
                up = up and de > scale
                down = down and de < -scale
            if up or down:
                continue
        # signs of d|delta|^2/dt at both ends from the Hermite states (same bits for neighbours)
        _state(RX, VX, row0[i], stride[i], h[i], npieces[i], ta, False, pi_, vi_)
        _state(RX, VX, row0[j], stride[j], h[j], npieces[j], ta, False, pj_, vj_)
        sL = 0.0
        qa = 0.0
        for e in range(3):
            dr = pj_[e] - pi_[e]
            sL += dr * (vj_[e] - vi_[e])
            qa += dr * dr
        _state(RX, VX, row0[i], stride[i], h[i], npieces[i], tb, True, pi_, vi_)
        _state(RX, VX, row0[j], stride[j], h[j], npieces[j], tb, True, pj_, vj_)
        sR = 0.0
        qb = 0.0
        for e in range(3):
            dr = pj_[e] - pi_[e]
            sR += dr * (vj_[e] - vi_[e])
            qb += dr * dr
        w = tb - ta
        if span_start and ta == 0.0 and sL >= 0.0 and qa <= D2:
            nout = _emit(out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, nout, i, j, 0.0, qa, 0.0, 0.0,
                         KIND_SPAN_START)
        nout = _isolate_minima(c, sL, sR, D2, stack_c, stack_u, scratch[0], scratch[1], scratch[2], scratch[3],
                               ta, w, i, j, out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, nout)
        if clipped and sR < 0.0 and qb <= D2:
            nout = _emit(out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, nout, i, j, tb, qb, tb, tb,
                         KIND_SPAN_STOP)
    return nout


@njit(inline="always", **_JIT)
def _overlap(b0, b1, b2, b3, b4, b5, b6, b7, boxes, j):
    """Do the 4-D box (b0..b7, as a row of ``boxes``) and row j of ``boxes`` overlap? (no branch)"""
    return ((b6 <= boxes[j, 7]) & (boxes[j, 6] <= b7) & (b0 <= boxes[j, 1]) & (boxes[j, 0] <= b1)
            & (b2 <= boxes[j, 3]) & (boxes[j, 2] <= b3) & (b4 <= boxes[j, 5]) & (boxes[j, 4] <= b5))


@njit(inline="always", **_JIT)
def _owner_key(b0, b2, b4, b6, boxes, j, invC, invW):
    """The cell of the lower corner of the overlap of the box with lower corner (b0, b2, b4, b6) and row j of
    ``boxes``: the pair's owner cell, so that a pair sharing several cells is taken once."""
    return _key(_rbin(max(b6, boxes[j, 6]), invW), _cell(max(b0, boxes[j, 0]), invC),
                _cell(max(b2, boxes[j, 2]), invC), _cell(max(b4, boxes[j, 4]), invC))


@njit(inline="always", **_JIT)
def _meet(b0, b1, b2, b3, b4, b5, b6, b7, boxes, j, kp, invC, invW):
    """Do the 4-D box (b0..b7) and row j of ``boxes`` overlap, with their owner cell kp?"""
    if not _overlap(b0, b1, b2, b3, b4, b5, b6, b7, boxes, j):
        return False
    return _owner_key(b0, b2, b4, b6, boxes, j, invC, invW) == kp


@njit(inline="always", **_JIT)
def _bern_pass(kexp, cpx, eps, jump, d, i, j, s, S, t_stop):
    """False when both arcs are single cubic pieces over segment s and the Bernstein lower bound of
    |delta|^2 from their control points (the box pass's) clears the pair's threshold."""
    if kexp[i] >= 0 and kexp[j] >= 0 and (s + 1) * S <= t_stop:
        lo, _hi = _bern_sq_s(
            cpx[0, j, 0] - cpx[0, i, 0], cpx[1, j, 0] - cpx[1, i, 0], cpx[2, j, 0] - cpx[2, i, 0],
            cpx[0, j, 1] - cpx[0, i, 1], cpx[1, j, 1] - cpx[1, i, 1], cpx[2, j, 1] - cpx[2, i, 1],
            cpx[0, j, 2] - cpx[0, i, 2], cpx[1, j, 2] - cpx[1, i, 2], cpx[2, j, 2] - cpx[2, i, 2],
            cpx[0, j, 3] - cpx[0, i, 3], cpx[1, j, 3] - cpx[1, i, 3], cpx[2, j, 3] - cpx[2, i, 3])
        dd = d + eps[i] + eps[j] + jump[i] + jump[j]
        if lo > dd * dd:
            return False
    return True


@njit(inline="always", **_JIT)
def _d2(d, eps, jump, i, j):
    """Squared threshold of pair (i, j): d plus both interpolation bounds and widened-piece jumps, in
    the order of (min, max) so the bits do not depend on which object found the other."""
    a = min(i, j)
    b = max(i, j)
    return (d + eps[a] + eps[b] + jump[a] + jump[b]) ** 2


@njit(**_JIT)
def _grow_out(out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, n):
    return (_grow(out_i, n), _grow(out_j, n), _grow(out_t, n), _grow(out_q, n), _grow(out_lo, n),
            _grow(out_hi, n), _grow(out_kind, n))


@njit(**_JIT_NO_RC)
def _bern_keep(npair, pair_i, pair_j, kexp, cpx, eps, jump, d, s, S, t_stop):
    """Keeps, in place and in order, the pairs of the list that pass :func:`_bern_pass`; returns their
    number (the list is compacted without a branch on the outcome)."""
    n = 0
    for m in range(npair):
        i = pair_i[m]
        j = pair_j[m]
        pair_i[n] = i
        pair_j[n] = j
        n += _bern_pass(kexp, cpx, eps, jump, d, i, j, s, S, t_stop)
    return n


@njit(**_JIT_NO_RC)
def _narrow_pairs(m0, npass, pair_i, pair_j, RX, VX, cpx, A, row0, stride, h, kexp, npieces, eps, jump, d, s, S, t_stop,
                  span_start, Qi, Qj, D, c, pi_, vi_, pj_, vj_, stack_c, stack_u, scratch, out_i, out_j, out_t, out_q,
                  out_lo, out_hi, out_kind, nout, stats):
    """The narrow phase of pairs m0.. of the list, up to the first that might overflow the outputs (the
    caller grows them and calls again from there). Returns (next pair, output count)."""
    for m in range(m0, npass):
        if nout + 256 > out_i.shape[0]:
            return m, nout
        i = pair_i[m]
        j = pair_j[m]
        nout = _narrow(RX, VX, cpx, A, row0, stride, h, kexp, npieces, min(i, j), max(i, j), s, S, t_stop, span_start,
                       _d2(d, eps, jump, i, j), Qi, Qj, D, c, pi_, vi_, pj_, vj_, stack_c, stack_u, scratch, out_i,
                       out_j, out_t, out_q, out_lo, out_hi, out_kind, nout, stats)
        if nout > out_i.shape[0]:
            raise RuntimeError("screening kernel: candidate buffer overflow")
    return npass, nout


@njit(**_JIT_NO_RC)
def _fleet_pairs(N, primary, ok, boxes, skey, sobj, sbox, count, mask, invC, invW, pair_i, pair_j):
    """Fleet mode, one segment: every non-primary object j looks the cells of its box up among the
    primaries' sorted entries (``skey``/``sobj``, bucket ends ``count``); a pair is met in every cell
    both boxes touch and taken in its owner cell only. The pairs (primary, j) that pass the box test
    go to ``pair_i``/``pair_j``, as :func:`_walk`'s do; returns their number (when it exceeds the
    buffers, only that many were counted and the caller calls again with larger ones) and the number
    of box tests made."""
    n = 0
    tests = 0
    cap = pair_i.shape[0]
    for j in range(N):
        if primary[j] or not ok[j]:
            continue
        b0, b1, b2, b3 = boxes[j, 0], boxes[j, 1], boxes[j, 2], boxes[j, 3]
        b4, b5, b6, b7 = boxes[j, 4], boxes[j, 5], boxes[j, 6], boxes[j, 7]
        r0 = _rbin(b6, invW)
        r1 = _rbin(b7, invW)
        x0 = _cell(b0, invC)
        x1 = _cell(b1, invC)
        y0 = _cell(b2, invC)
        y1 = _cell(b3, invC)
        z0 = _cell(b4, invC)
        z1 = _cell(b5, invC)
        for rb in range(r0, r1 + 1):
            for cx in range(x0, x1 + 1):
                for cy in range(y0, y1 + 1):
                    for cz in range(z0, z1 + 1):
                        kp = _key(rb, cx, cy, cz)
                        b = np.int64(_hash(kp) & mask)
                        for p in range(count[b - 1] if b > 0 else 0, count[b]):
                            if skey[p] != kp:
                                continue
                            tests += 1
                            if not _meet(b0, b1, b2, b3, b4, b5, b6, b7, sbox, p, kp, invC, invW):
                                continue
                            if n < cap:
                                pair_i[n] = sobj[p]
                                pair_j[n] = j
                            n += 1
    return n, tests


@njit(**_JIT)
def _corners(N, boxes, invC, invW, ckey, cinc):
    """For each box, the key of its lowest cell (``ckey``) and, when it spans at most two cells along
    each axis, the sum of the one-cell steps of the axes where it spans two (``cinc``); else
    ``cinc`` has its top bit set. A straight loop over the boxes: it vectorises."""
    s_r = np.uint64(1) << np.uint64(42)
    s_x = np.uint64(1) << np.uint64(28)
    s_y = np.uint64(1) << np.uint64(14)
    s_z = np.uint64(1)
    wide_bit = np.uint64(1) << np.uint64(63)
    zero = np.uint64(0)
    bf = boxes.reshape(-1)
    for i in range(N):
        q = 8 * i
        r0 = _rbin(bf[q + 6], invW)
        r1 = _rbin(bf[q + 7], invW)
        x0 = _cell(bf[q], invC)
        x1 = _cell(bf[q + 1], invC)
        y0 = _cell(bf[q + 2], invC)
        y1 = _cell(bf[q + 3], invC)
        z0 = _cell(bf[q + 4], invC)
        z1 = _cell(bf[q + 5], invC)
        ckey[i] = _key(r0, x0, y0, z0)
        wide = (r1 - r0 > 1) | (x1 - x0 > 1) | (y1 - y0 > 1) | (z1 - z0 > 1)
        cinc[i] = ((s_r if r1 > r0 else zero) | (s_x if x1 > x0 else zero) | (s_y if y1 > y0 else zero)
                   | (s_z if z1 > z0 else zero) | (wide_bit if wide else zero))


@njit(inline="always", **_JIT)
def _put(ekey, eobj, ebkt, count, ne, kk, i, mask):
    """Entry ne: cell key kk of object i, its hash bucket, counted in ``count[bucket + 1]``."""
    b = np.int64(_hash(kk) & mask)
    ekey[ne] = kk
    eobj[ne] = i
    ebkt[ne] = b
    count[b + 1] += 1


@njit(**_JIT)
def _entries(N, ok, primary, all_vs_all, boxes, invC, invW, mask, ekey, eobj, ebkt, count, ckey, cinc):
    """One segment's grid entries (cell key, object, hash bucket) into ``ekey``/``eobj``/``ebkt``:
    every cell each box touches; ``count[b + 1]`` counts the entries of bucket b. Returns their number
    (when it exceeds the buffers, at least that many were counted and the caller calls again with
    larger ones) and the number of objects with a box.

    The lowest cell of every box first, in a loop that vectorises (:func:`_corners`); then a box
    that spans at most two cells along each axis (nearly all) takes its cells as the subsets of its
    axis steps, in one loop (the same order as the four nested loops over the axes, which the other
    boxes take). 2.3x faster than the nested loops for every box, whose exits were mispredicted."""
    for b in range(count.shape[0]):
        count[b] = 0
    _corners(N, boxes, invC, invW, ckey, cinc)
    wide_bit = np.uint64(1) << np.uint64(63)
    ne = 0
    n_ok = 0
    cap = ekey.shape[0]
    for i in range(N):
        if not ok[i]:
            continue
        n_ok += 1
        if not (all_vs_all or primary[i]):
            continue
        m = cinc[i]
        if m < wide_bit:
            if ne + 16 > cap:  # at most 16 cells; the caller calls again when the total exceeds cap
                ne += 16
                continue
            k0 = ckey[i]
            sub = np.uint64(0)
            while True:  # the subsets of the steps in m, in increasing order
                _put(ekey, eobj, ebkt, count, ne, k0 + sub, i, mask)
                ne += 1
                sub = (sub - m) & m
                if sub == 0:
                    break
            continue
        r0 = _rbin(boxes[i, 6], invW)
        r1 = _rbin(boxes[i, 7], invW)
        x0 = _cell(boxes[i, 0], invC)
        x1 = _cell(boxes[i, 1], invC)
        y0 = _cell(boxes[i, 2], invC)
        y1 = _cell(boxes[i, 3], invC)
        z0 = _cell(boxes[i, 4], invC)
        z1 = _cell(boxes[i, 5], invC)
        if ne + (r1 - r0 + 1) * (x1 - x0 + 1) * (y1 - y0 + 1) * (z1 - z0 + 1) > cap:
            ne += (r1 - r0 + 1) * (x1 - x0 + 1) * (y1 - y0 + 1) * (z1 - z0 + 1)
            continue
        for rb in range(r0, r1 + 1):
            for cx in range(x0, x1 + 1):
                for cy in range(y0, y1 + 1):
                    for cz in range(z0, z1 + 1):
                        _put(ekey, eobj, ebkt, count, ne, _key(rb, cx, cy, cz), i, mask)
                        ne += 1
    return ne, n_ok


@njit(**_JIT)
def _sort_entries(ne, ekey, eobj, ebkt, count, skey, sobj, boxes, sbox):
    """Counting sort of the entries by hashed cell key (bucket ``ebkt``, counted by :func:`_entries`)
    into ``skey``/``sobj``; ``count[b]`` ends as the end of bucket b. ``sbox[p]`` is then the box of
    entry p, so that the walk of a bucket reads its boxes in sequence (a gather in entry order after
    the sort: sequential writes, reads from ``boxes``, which stays in L2; 10 % faster than reading
    ``boxes`` in the walk)."""
    M_b = count.shape[0] - 1
    for b in range(M_b):
        count[b + 1] += count[b]
    for e in range(ne):
        b = ebkt[e]
        p = count[b]
        count[b] = p + 1
        skey[p] = ekey[e]
        sobj[p] = eobj[e]
    for p in range(ne):
        o = sobj[p]
        for k in range(8):
            sbox[p, k] = boxes[o, k]


@njit(**_JIT)
def _walk(M_b, count, skey, sobj, sbox, invC, invW, pair_i, pair_j):
    """All-vs-all, one segment: the pairs of entries that share a cell, pass the 4-D box test and are
    in their owner cell, in bucket order, into ``pair_i``/``pair_j``. Returns their number (when it
    exceeds the buffers, only that many were counted and the caller calls again with larger ones),
    and the number of box tests made.

    Branch-free: every step of a bucket writes its pair of entries and advances the list by the
    outcome of the key and box tests (a branch there is mispredicted on most buckets, whose keys and
    boxes do not follow a pattern); the owner cell is then tested on the short list."""
    n = 0
    tests = 0
    cap = pair_i.shape[0]
    start = 0
    for b in range(M_b):
        end = count[b]
        for p in range(start, end - 1):
            kp = skey[p]
            b0, b1, b2, b3 = sbox[p, 0], sbox[p, 1], sbox[p, 2], sbox[p, 3]
            b4, b5, b6, b7 = sbox[p, 4], sbox[p, 5], sbox[p, 6], sbox[p, 7]
            for q in range(p + 1, end):
                same = skey[q] == kp
                hit = same & _overlap(b0, b1, b2, b3, b4, b5, b6, b7, sbox, q)
                tests += same
                m = min(n, cap - 1)
                pair_i[m] = p
                pair_j[m] = q
                n += hit
        start = end
    if n >= cap:  # the last slot was overwritten: the caller calls again with larger buffers
        return n + 1, tests
    # owner cell of the box pairs, in place: entries -> objects
    k = 0
    for m in range(n):
        p = pair_i[m]
        q = pair_j[m]
        if _owner_key(sbox[p, 0], sbox[p, 2], sbox[p, 4], sbox[p, 6], sbox, q, invC, invW) == skey[p]:
            pair_i[k] = sobj[p]
            pair_j[k] = sobj[q]
            k += 1
    return k, tests


# ----------------------------------------------------------------------------- the window


@njit(**_JIT)
def screen_window(RX, VX, OK, JMP, cls_start, cls_k, cls_base, cls_np, S, eps, primary, all_vs_all, n_seg, t_stop,
                  span_start, d, cell_km, rbin_km, stage=3):
    """Screen one window.

    Returns ``(i, j, t, q, t_lo, t_hi, kind, stats)``: for every candidate local minimum of
    the interpolated distance of a pair (i < j, in the kernel's class-sorted object order)
    under ``d + eps[i] + eps[j]``, its time ``t`` (window seconds), the interpolated squared
    distance ``q`` (km^2), the interval ``[t_lo, t_hi]`` in which it was isolated and its kind
    (``KIND_*``); and the counters ``stats`` (``STAT_*``). ``t_stop`` (window seconds) clips
    the last segment at the end of the span; ``span_start`` says the window starts the span
    (a pair that is already receding there has a boundary minimum at its start). ``stage``
    stops early (benchmarks of the parts): -1 after the boxes, 0 after the grid entries, 5 after their
    sort, 1 after the box tests (the walk, and in fleet mode the look-ups), 4 after the Bernstein test.
    """
    N = eps.shape[0]
    C = cls_k.shape[0]
    # per-object views of the class layout
    row0 = np.empty(N, np.int64)
    stride = np.empty(N, np.int64)
    h = np.empty(N)
    kexp = np.empty(N, np.int64)
    npieces = np.empty(N, np.int64)
    for cl in range(C):
        M = cls_start[cl + 1] - cls_start[cl]
        for i in range(cls_start[cl], cls_start[cl + 1]):
            row0[i] = cls_base[cl] + (i - cls_start[cl])
            stride[i] = M
            h[i] = S * 2.0 ** cls_k[cl]
            kexp[i] = cls_k[cl]
            npieces[i] = cls_np[cl]
    stats = np.zeros(N_STATS, np.int64)
    cap0 = 1024
    out_i = np.empty(cap0, np.int32)
    out_j = np.empty(cap0, np.int32)
    out_t = np.empty(cap0)
    out_q = np.empty(cap0)
    out_lo = np.empty(cap0)
    out_hi = np.empty(cap0)
    out_kind = np.empty(cap0, np.int8)
    scratch = np.empty((4, 7))
    boxes = np.empty((N, 8), np.float32)
    cpx = np.empty((3, N, 4))
    W = np.empty(21 * _BLK)
    ok = np.zeros(N, np.bool_)
    jump = np.zeros(N)
    Qi = np.empty((4, 3))
    Qj = np.empty((4, 3))
    D = np.empty((4, 3))
    c = np.empty(7)
    pi_ = np.empty(3)
    vi_ = np.empty(3)
    pj_ = np.empty(3)
    vj_ = np.empty(3)
    stack_c = np.empty((128, 8))
    stack_u = np.empty((128, 4))
    A = subpiece_matrices()
    invC = 1.0 / cell_km
    invW = 1.0 / rbin_km
    cap = max(4 * N, 1024)
    ekey = np.empty(cap, np.uint64)
    eobj = np.empty(cap, np.int32)
    ebkt = np.empty(cap, np.int32)
    skey = np.empty(cap, np.uint64)
    sobj = np.empty(cap, np.int32)
    sbox = np.empty((cap, 8), np.float32)
    nbits = 10
    while (1 << nbits) < 2 * N:
        nbits += 1
    M_b = 1 << nbits
    mask = np.uint64(M_b - 1)
    count = np.zeros(M_b + 1, np.int64)
    ckey = np.empty(N, np.uint64)
    cinc = np.empty(N, np.uint64)
    pair_i = np.empty(max(N, 1024), np.int32)
    pair_j = np.empty(max(N, 1024), np.int32)
    nout = 0
    n_objseg = 0
    n_tests = 0
    n_pairs = 0
    pad = np.empty(N)
    for i in range(N):
        pad[i] = 0.5 * d + eps[i]
    for s in range(n_seg):
        if s * S >= t_stop:
            break
        # --- boxes (vectorised per class)
        for cl in range(C):
            i0 = cls_start[cl]
            i1 = cls_start[cl + 1]
            if i1 == i0:
                continue
            k = cls_k[cl]
            hh = S * 2.0 ** k
            if k >= 0:
                _class_boxes(RX, VX, OK, JMP, A, i0, i1, cls_base[cl], k, hh, s, pad, boxes, ok, cpx, jump, W)
            else:
                _fine_boxes(RX, VX, OK, JMP, A, i0, i1, cls_base[cl], k, hh, s, pad, boxes, ok, jump)
        if stage < 0:
            continue
        # --- grid entries: every cell a box touches (all objects; in fleet mode the primaries only,
        # the others look their cells up below). Each hot loop is a function of its own: inside this
        # one, with the narrow phase's state live around them, they ran 20-40 % slower.
        ne, n_ok = _entries(N, ok, primary, all_vs_all, boxes, invC, invW, mask, ekey, eobj, ebkt, count, ckey,
                               cinc)
        if ne > ekey.shape[0]:
            ekey = np.empty(ne + ne // 2, np.uint64)
            eobj = np.empty(ne + ne // 2, np.int32)
            ebkt = np.empty(ne + ne // 2, np.int32)
            skey = np.empty(ekey.shape[0], np.uint64)
            sobj = np.empty(ekey.shape[0], np.int32)
            sbox = np.empty((ekey.shape[0], 8), np.float32)
            ne, n_ok = _entries(N, ok, primary, all_vs_all, boxes, invC, invW, mask, ekey, eobj, ebkt, count, ckey,
                               cinc)
        n_objseg += n_ok
        stats[STAT_ENTRIES] += ne
        if stage == 0:
            continue
        # --- counting sort of the entries by hashed cell key, their boxes gathered in that order
        _sort_entries(ne, ekey, eobj, ebkt, count, skey, sobj, boxes, sbox)
        if stage == 5:
            continue
        # --- pairs of entries sharing a cell: 4-D box test and owner cell, the pairs that pass listed
        # first (a tight loop: with the narrow phase inside it, the walk ran ~30 % slower), then the
        # Bernstein test and the narrow phase on the list, in the same order. In fleet mode the walk
        # pairs the primaries, then a second list pairs every other object with the primaries
        # whose cells it shares (the pair is met in every cell both boxes touch, taken in the owner
        # cell only).
        for phase in range(2):
            if phase == 0:
                npair, tests = _walk(M_b, count, skey, sobj, sbox, invC, invW, pair_i, pair_j)
            elif all_vs_all or ne == 0:
                break
            else:
                npair, tests = _fleet_pairs(N, primary, ok, boxes, skey, sobj, sbox, count, mask, invC, invW, pair_i,
                                            pair_j)
            if npair > pair_i.shape[0]:
                pair_i = np.empty(npair + npair // 2, np.int32)
                pair_j = np.empty(npair + npair // 2, np.int32)
                if phase == 0:
                    npair, tests = _walk(M_b, count, skey, sobj, sbox, invC, invW, pair_i, pair_j)
                else:
                    npair, tests = _fleet_pairs(N, primary, ok, boxes, skey, sobj, sbox, count, mask, invC, invW,
                                                pair_i, pair_j)
            n_tests += tests
            n_pairs += npair
            if stage == 1:
                continue
            # --- the Bernstein test, then the narrow phase, on the list (functions of their own, without
            # reference counting: inlined in this loop, every array they take was counted in and out per
            # pair)
            npass = _bern_keep(npair, pair_i, pair_j, kexp, cpx, eps, jump, d, s, S, t_stop)
            if stage == 4:
                continue
            m = 0
            while True:
                m, nout = _narrow_pairs(m, npass, pair_i, pair_j, RX, VX, cpx, A, row0, stride, h, kexp, npieces, eps,
                                        jump, d, s, S, t_stop, span_start, Qi, Qj, D, c, pi_, vi_, pj_, vj_, stack_c,
                                        stack_u, scratch, out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, nout,
                                        stats)
                if m >= npass:
                    break
                out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind = _grow_out(
                    out_i, out_j, out_t, out_q, out_lo, out_hi, out_kind, nout + 256)
    stats[STAT_OBJECT_SEGMENTS] = n_objseg
    stats[STAT_BOX_TESTS] = n_tests
    stats[STAT_PAIR_SEGMENTS] = n_pairs
    stats[STAT_CANDIDATES] = nout
    return (out_i[:nout], out_j[:nout], out_t[:nout], out_q[:nout], out_lo[:nout], out_hi[:nout], out_kind[:nout],
            stats)


@njit(**_JIT)
def piece_jumps(r, v, st, h, out):
    """Discontinuities of SGP4 inside pieces (M, T-1 into ``out``, km; 0 when none).

    SGP4 is not continuous everywhere: deep-space orbits whose perturbed inclination crosses
    0.2 rad switch between two forms of the lunar-solar periodics (the Lyddane modification),
    and the position jumps by up to ~10 km. A piece's trapezoid residual
    |r1 - r0 - h (v0 + v1) / 2| is h^3 |d3r/dt3| / 12 for smooth motion; a piece whose residual
    exceeds 20 times the object's median (and 10 m) is taken to hold a jump of that size, and
    the screening widens its bounds there by as much.

    The median is only taken when it could matter: when the largest residual is at most 10 m, or
    at most 20 times the smallest (which the median is not below), no piece qualifies (nearly every
    object; 5x faster than a median per object, the same output)."""
    M = r.shape[0]
    T = r.shape[1]
    res = np.empty(max(T - 1, 1))
    for j in range(M):
        n = 0
        lo = np.inf
        hi = 0.0
        nan = False
        for p in range(T - 1):
            out[j, p] = 0.0
            if st[j, p] != 0 or st[j, p + 1] != 0:
                continue
            e = 0.0
            for c in range(3):
                x = r[j, p + 1, c] - r[j, p, c] - 0.5 * h * (v[j, p, c] + v[j, p + 1, c])
                e += x * x
            e = np.sqrt(e)
            res[n] = e
            out[j, p] = e
            n += 1
            lo = min(lo, e)
            hi = max(hi, e)
            nan |= e != e
        if n == 0:
            continue
        if not nan and (hi <= 0.01 or hi <= 20.0 * lo):
            for p in range(T - 1):
                out[j, p] = 0.0
            continue
        med = np.median(res[:n])
        for p in range(T - 1):
            if not (out[j, p] > 20.0 * med and out[j, p] > 0.01):
                out[j, p] = 0.0


@njit(**_JIT)
def fill_nodes(r, v, st, jumps, base, RX, VX, OK, JMP):
    """Copy one class's propagated nodes r, v (M, T, 3), status (M, T) and piece jumps (M, T-1)
    into the window tables (column base + n * M + j). One layout serves both the box pass (which
    reads rows of RX/VX) and the narrow phase (a few nodes per pair): a second, node-major copy for
    the narrow phase cost 48 bytes of fresh memory per node and 30 % of this copy, for reads that
    are rare."""
    M = r.shape[0]
    T = r.shape[1]
    for n in range(T):
        for j in range(M):
            JMP[base + n * M + j] = jumps[j, n] if n < T - 1 else 0.0
    for n in range(T):
        for j in range(M):
            col = base + n * M + j
            good = st[j, n] == 0
            OK[col] = good
            for c in range(3):
                RX[c, col] = r[j, n, c] if good else 0.0
                VX[c, col] = v[j, n, c] if good else 0.0
