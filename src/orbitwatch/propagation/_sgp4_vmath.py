"""Branch-free sin/cos, atan2 and fmod(x, 2*pi) that LLVM can vectorise inside numba loops.

glibc's ``sin``/``cos``/``atan2`` are opaque calls, so a loop that calls them runs one
lane at a time; these are written as straight-line float arithmetic with selects, so a
loop over instants becomes SIMD code (AVX2/AVX-512). They are accurate to about one
unit in the last place of the result (measured in ``tests/test_sgp4_numba.py``):

* ``sincos(x)``: Cody & Waite reduction by pi/2 with a three-part pi/2 (33 + 33 + 53
  bits, so k*P1 and k*P2 are exact for |x| < 2**20 * pi/2; three fused multiply-adds, one
  rounding), then the Taylor series of sin to x**17 and of cos to x**16 on |r| <= pi/4
  (truncation below 1e-17), quadrant by selects.
* ``sincos_small(x)``: (sin x, cos x - 1) for |x| <= 1/16 without reduction (series to x**9 and
  x**8), for rotating a known sin/cos by a small angle.
* ``atan2(y, x)``: reduction to a = min/max in [0, 1], then to the nearest of the
  centres c_j = j/4 (j = 0..4) with atan(a) = atan(c_j) + atan((a - c_j)/(1 + a c_j)),
  |z| <= 0.123, Taylor series of atan to z**19; atan(j/4) and pi/2, pi are stored as
  head + tail pairs (computed to 60 digits for this module).
* ``fmod2pi(x)``: C's fmod(x, 2pi), exact (see ``_sgp4_core.fmod2pi``), without branches or a
  division (the quotient from a multiplication, corrected by one where it is off).
* ``store_xyz4`` / ``store_u8x4``: the kernel's output stores, four lanes at a time, as explicit
  vector IR (LLVM does not vectorise the stride-3 interleaving of x, y, z into (N, T, 3) by itself;
  see the intrinsics' docs); ``prefetch_w``: a write prefetch of an output line.

The helpers are inlined into the calling kernel at numba-IR level (``inline='always'``),
so LLVM sees straight-line code it can vectorise; their polynomials use explicit fused
multiply-adds (:func:`fma`, the ``llvm.fma.f64`` intrinsic), while the kernels around them
are compiled without any fastmath flag.
"""

from __future__ import annotations

import math

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.core.extending import intrinsic

_OPTS = dict(error_model="numpy", inline="always")


@intrinsic
def fma(typingctx, a, b, c):
    """a * b + c with one rounding (llvm.fma.f64: one instruction on x86-64-v3 and later)."""
    if not all(isinstance(x, types.Float) for x in (a, b, c)):
        return None
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        args = [context.cast(builder, v, t, types.float64) for v, t in zip(args, signature.args)]
        fnty = ir.FunctionType(ir.DoubleType(), [ir.DoubleType()] * 3)
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fma.f64")
        return builder.call(fn, args)

    return sig, codegen


TWO_OVER_PI = float.fromhex("0x1.45f306dc9c883p-1")
P1 = float.fromhex("0x1.921fb54400000p+0")   # pi/2, first 33 bits
P2 = float.fromhex("0x1.0b4611a600000p-34")  # next 33 bits
P3 = float.fromhex("0x1.3198a2e037073p-69")  # rest

# 1/n! with alternating signs (sin: odd n from 3, cos: even n from 4)
S3, S5, S7, S9 = -1.0 / 6.0, 1.0 / 120.0, -1.0 / 5040.0, 1.0 / 362880.0
S11, S13, S15, S17 = -1.0 / 39916800.0, 1.0 / 6227020800.0, -1.0 / 1307674368000.0, 1.0 / 355687428096000.0
C4, C6, C8, C10 = 1.0 / 24.0, -1.0 / 720.0, 1.0 / 40320.0, -1.0 / 3628800.0
C12, C14, C16 = 1.0 / 479001600.0, -1.0 / 87178291200.0, 1.0 / 20922789888000.0

# atan(j/4), j = 1..4, head and tail
AT1_HI, AT1_LO = float.fromhex("0x1.f5b75f92c80ddp-3"), float.fromhex("0x1.8ab6e3cf7afbdp-57")
AT2_HI, AT2_LO = float.fromhex("0x1.dac670561bb4fp-2"), float.fromhex("0x1.a2b7f222f65e2p-56")
AT3_HI, AT3_LO = float.fromhex("0x1.4978fa3269ee1p-1"), float.fromhex("0x1.2419a87f2a458p-56")
AT4_HI, AT4_LO = float.fromhex("0x1.921fb54442d18p-1"), float.fromhex("0x1.1a62633145c07p-55")
PIO2_HI, PIO2_LO = float.fromhex("0x1.921fb54442d18p+0"), float.fromhex("0x1.1a62633145c07p-54")
PI_HI, PI_LO = float.fromhex("0x1.921fb54442d18p+1"), float.fromhex("0x1.1a62633145c07p-53")
A3, A5, A7, A9, A11, A13, A15, A17, A19 = (1.0 / n for n in (3, 5, 7, 9, 11, 13, 15, 17, 19))
# switch centre at the angular midpoints between atan(j/4) and atan((j+1)/4)
T01 = math.tan(0.5 * AT1_HI)
T12 = math.tan(0.5 * (AT1_HI + AT2_HI))
T23 = math.tan(0.5 * (AT2_HI + AT3_HI))
T34 = math.tan(0.5 * (AT3_HI + AT4_HI))

TWOPI_HI = float.fromhex("0x1.921fb50000000p+2")
TWOPI_LO = float.fromhex("0x1.110b460000000p-24")
TWOPI = 2.0 * math.pi
INV_TWOPI = 1.0 / TWOPI


@njit(**_OPTS)
def sincos(x):
    """(sin x, cos x) to about 1 ulp for |x| < 1e6; no branches."""
    k = np.floor(fma(x, TWO_OVER_PI, 0.5))
    r = fma(-k, P3, fma(-k, P2, fma(-k, P1, x)))  # the first two exact (|k| < 2**20), one rounding
    r2 = r * r
    ps = fma(fma(fma(fma(fma(fma(fma(S17, r2, S15), r2, S13), r2, S11), r2, S9), r2, S7), r2, S5), r2, S3)
    s = fma(r * r2, ps, r)
    pc = fma(fma(fma(fma(fma(fma(C16, r2, C14), r2, C12), r2, C10), r2, C8), r2, C6), r2, C4)
    c = fma(r2 * r2, pc, fma(-0.5, r2, 1.0))
    q = k - 4.0 * np.floor(k * 0.25)  # quadrant 0..3
    odd = (q == 1.0) | (q == 3.0)
    a = c if odd else s
    b = s if odd else c
    sn = -a if q >= 2.0 else a
    cs = -b if (q == 1.0) | (q == 2.0) else b
    return sn, cs


#: |x| bound of :func:`sincos_small` (truncation of its series below 3e-19 there)
SMALL_ANGLE = 1.0 / 16.0


@njit(**_OPTS)
def sincos_small(x):
    """(sin x, cos x - 1) for |x| <= SMALL_ANGLE, without range reduction: Taylor series of sin
    to x**9 and of cos - 1 to x**8 (first omitted terms x**11/11! < 2e-21 and
    x**10/10! < 3e-19 there). Returning cos - 1 keeps a rotation by x accurate:
    sin(a + x) = sin a + (sin a * (cos x - 1) + cos a * sin x)."""
    x2 = x * x
    s = fma(x * x2, fma(fma(fma(S9, x2, S7), x2, S5), x2, S3), x)
    cm1 = x2 * fma(fma(fma(C8, x2, C6), x2, C4), x2, -0.5)
    return s, cm1


@njit(**_OPTS)
def atan2(y, x):
    """atan2(y, x) to about 2 ulp; no branches."""
    ax = abs(x)
    ay = abs(y)
    swap = ay > ax
    num = ax if swap else ay
    den = ay if swap else ax
    a = num / den if den > 0.0 else 0.0
    j = 0.0
    j = j + (1.0 if a > T01 else 0.0)
    j = j + (1.0 if a > T12 else 0.0)
    j = j + (1.0 if a > T23 else 0.0)
    j = j + (1.0 if a > T34 else 0.0)
    cj = 0.25 * j
    z = (a - cj) / (1.0 + a * cj)
    z2 = z * z
    pa = fma(fma(fma(fma(fma(fma(fma(fma(-A19, z2, A17), z2, -A15), z2, A13), z2, -A11), z2, A9), z2, -A7), z2, A5),
             z2, -A3)
    p = fma(z * z2, pa, z)
    bh = AT4_HI if j == 4.0 else (AT3_HI if j == 3.0 else (AT2_HI if j == 2.0 else (AT1_HI if j == 1.0 else 0.0)))
    bl = AT4_LO if j == 4.0 else (AT3_LO if j == 3.0 else (AT2_LO if j == 2.0 else (AT1_LO if j == 1.0 else 0.0)))
    th = bh + (bl + p)
    th = ((PIO2_HI - th) + PIO2_LO) if swap else th
    xneg = (x < 0.0) | ((x == 0.0) & (1.0 / x < 0.0))  # -0.0 counts as negative, as in C
    th = ((PI_HI - th) + PI_LO) if xneg else th
    yneg = (y < 0.0) | ((y == 0.0) & (1.0 / y < 0.0))
    return -th if yneg else th


@njit(**_OPTS)
def fmod2pi(x):
    """C fmod(x, 2*pi), exact, without branches or a division.

    On a = |x|: q = trunc(a * (1/2pi)) is the true quotient or off by one (a < 2**26 * 2pi);
    a - q*2pi is then formed exactly as (a - q*HI) - q*LO with one rounding (see
    ``_sgp4_core.fmod2pi``), and when it falls outside [0, 2pi), q is corrected by one and the
    remainder formed again, exactly. The result takes the sign of x, as fmod's does."""
    a = abs(x)
    q = np.trunc(a * INV_TWOPI)
    r = fma(-q, TWOPI_LO, a - q * TWOPI_HI)
    q = q - 1.0 if r < 0.0 else (q + 1.0 if r >= TWOPI else q)
    return np.copysign(fma(-q, TWOPI_LO, a - q * TWOPI_HI), x)


_V4 = ir.VectorType(ir.DoubleType(), 4)
_I32 = ir.IntType(32)


def _elem_ptr(context, builder, aryty, ary, index, elt):
    """Pointer to element ``index`` (flat, C order) of a C-contiguous array, as an ``elt`` pointer."""
    a = context.make_array(aryty)(context, builder, ary)
    return builder.bitcast(builder.gep(a.data, [index], inbounds=True), elt.as_pointer())


def _c_float_array(a):
    return isinstance(a, types.Array) and a.dtype == types.float64 and a.layout == "C"


@intrinsic
def store_xyz4(typingctx, w, ox, oy, oz, ost, dst, m):
    """Four lanes k = 0..3 of three rows of the scratch ``w`` (flat offsets ``ox``, ``oy``, ``oz``)
    into ``dst`` (C-contiguous float64, flat index ``m``) interleaved as x0 y0 z0 x1 ... z3, NaN
    where the status row (``w[ost + k]``) is not 0: the same values as twelve scalar stores, written
    with three 4-wide vector stores (loads, compare and selects 4-wide, the 4x3 transpose by
    shuffles). No bounds checks: the caller guarantees w[o..o+3] and dst[m..m+11] exist."""
    if not (_c_float_array(w) and _c_float_array(dst)):
        return None
    sig = types.void(w, ox, oy, oz, ost, dst, m)

    def codegen(context, builder, signature, args):
        wt, dt = signature.args[0], signature.args[5]
        w_, ox_, oy_, oz_, ost_, d_, m_ = args
        idx = [context.cast(builder, a, t, types.intp) for a, t in zip(args[1:5], signature.args[1:5])]
        mi = context.cast(builder, m_, signature.args[6], types.intp)
        x, y, z, st = (builder.load(_elem_ptr(context, builder, wt, w_, o, _V4), align=8) for o in idx)
        bad = builder.fcmp_unordered("!=", st, ir.Constant(_V4, [0.0] * 4))  # as Python's !=
        nan = ir.Constant(_V4, [math.nan] * 4)
        x, y, z = (builder.select(bad, nan, a) for a in (x, y, z))
        xy = builder.shuffle_vector(x, y, ir.Constant(ir.VectorType(_I32, 8), list(range(8))))
        zz = builder.shuffle_vector(z, z, ir.Constant(ir.VectorType(_I32, 8), [0, 1, 2, 3, 0, 1, 2, 3]))
        out = builder.shuffle_vector(xy, zz, ir.Constant(ir.VectorType(_I32, 12),
                                                         [0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]))
        builder.store(out, _elem_ptr(context, builder, dt, d_, mi, ir.VectorType(ir.DoubleType(), 12)), align=8)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def store_u8x4(typingctx, w, ost, dst, m):
    """uint8 of four lanes of the scratch ``w`` (from flat offset ``ost``; small non-negative
    integers) into the C-contiguous uint8 ``dst`` from flat index ``m``, in one 4-byte store."""
    if not (_c_float_array(w) and isinstance(dst, types.Array) and dst.dtype == types.uint8
            and dst.layout == "C"):
        return None
    sig = types.void(w, ost, dst, m)

    def codegen(context, builder, signature, args):
        wt, dt = signature.args[0], signature.args[2]
        o = context.cast(builder, args[1], signature.args[1], types.intp)
        mi = context.cast(builder, args[3], signature.args[3], types.intp)
        st = builder.load(_elem_ptr(context, builder, wt, args[0], o, _V4), align=8)
        b = builder.fptoui(st, ir.VectorType(ir.IntType(8), 4))
        builder.store(b, _elem_ptr(context, builder, dt, args[2], mi, ir.VectorType(ir.IntType(8), 4)), align=1)
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def prefetch_w(typingctx, dst, m):
    """Hint that element ``m`` (flat) of the C-contiguous ``dst`` is about to be written
    (llvm.prefetch for write: PREFETCHW where the CPU has it). No effect on results."""
    if not (isinstance(dst, types.Array) and dst.layout == "C"):
        return None
    sig = types.void(dst, m)

    def codegen(context, builder, signature, args):
        mi = context.cast(builder, args[1], signature.args[1], types.intp)
        p = _elem_ptr(context, builder, signature.args[0], args[0], mi, ir.IntType(8))
        fnty = ir.FunctionType(ir.VoidType(), [ir.IntType(8).as_pointer(), _I32, _I32, _I32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0i8")
        builder.call(fn, [p, _I32(1), _I32(3), _I32(1)])
        return context.get_dummy_value()

    return sig, codegen


@intrinsic
def prefer_wide_vectors(typingctx):
    """Let LLVM vectorise the calling function with the CPU's widest vectors (AVX-512: 8 doubles).

    LLVM's tuning for most AVX-512 Intel cores (``prefer-256-bit``) keeps loop vectors at 256 bits
    unless a function says otherwise; this sets the function attribute
    ``"prefer-vector-width"="512"`` (clang's ``-mprefer-vector-width=512``) on the function that
    calls it, so only that kernel is affected. A no-op on CPUs without AVX-512. Results are the
    same bits: the lanes are independent and the arithmetic per lane is unchanged."""
    sig = types.void()

    def codegen(context, builder, signature, args):
        # llvmlite's attribute set only accepts enum attributes by name; a string attribute is
        # written as is into the function's attribute list
        set.add(builder.function.attributes, '"prefer-vector-width"="512"')
        return context.get_dummy_value()

    return sig, codegen
