"""SGP4/SDP4 for one object over a series of instants, written so that LLVM vectorises it.

The scalar evaluation (``_sgp4_core.sgp4_point``) branches per instant and calls glibc's
``sin``/``cos``/``atan2``, so it runs one instant at a time. Here the instants of one
object are processed in blocks of ``B``: each stage is a series of straight loops over the block
(selects instead of branches, the vectorisable ``sincos``/``atan2``/``fmod2pi`` of
``_sgp4_vmath``), and LLVM turns them into AVX2/AVX-512 code.

Short loops. A stage is split into several loops, each with a short dependency chain (one
sin/cos, or one group of divisions), passing values through rows of the scratch array: one long
loop body (hundreds of instructions on one chain of sin/cos, divisions and square roots) keeps
the out-of-order core waiting on latency, since its scheduler cannot hold two iterations. On a
Zen 3 core this alone made the Kepler and short-period stages 1.6-2x faster. No stored value is
a select of itself (``w[x] = a if c else w[x]``): LLVM turns that into a masked store, which is
slow on AMD cores. Every stage function starts with ``prefer_wide_vectors()``: LLVM's tuning for
AVX-512 Intel cores would otherwise keep the loops at 4 doubles per vector (8 is ~20 % faster
there, the same bits).

The equations and their operation order are those of ``_sgp4_core`` (Hoots & Roehrich
1980; Vallado et al. 2006), with these rewritings, each within about an ulp of the reference's
arithmetic:

* ``atan2`` of the argument of latitude is not needed: sin/cos of ``su + dsu`` are
  obtained by rotating the unit vector (sinu, cosu) by ``dsu``; the vector's length is 1 but for
  rounding, and it is normalised by the series 1 - eps/2 + 3 eps**2/8 of 1/sqrt(1 + eps);
* sin/cos of a small angle (the short-period corrections ``dsu`` and of the inclination, the
  drag correction of the mean anomaly, a Newton step on Kepler's equation) come from
  ``sincos_small`` (no range reduction) and rotate sin/cos already known (of the uncorrected
  inclination, of the mean anomaly without drag, of the previous Newton iterate). Each such
  choice is made per instant from that instant's own values, so an instant's result does not
  depend on the other instants of its block (``tests/test_sgp4_simd_blocks.py``);
* divisions by a common denominator are multiplications by its reciprocal; sqrt(pl) is
  sqrt(am) * sqrt(1 - e**2) with sqrt(am) kept from the secular stage;
* the resonance terms of SDP4 are integrated in a scalar pre-pass per block (the
  reference's own recurrence, with the derivatives cached while the integrator state is
  unchanged); the reference's ``pow(xke / nm, 2/3)`` is am0 * (1 + x)**(-2/3) with
  x = (nm - no)/no, a binomial series in the vector loop (|x| < 2e-4 within 10 days of the epoch);
* SGP4's Newton iteration for Kepler's equation runs on all lanes of a block until every
  lane has met the reference's stopping rule (|step| < 1e-12 or 10 passes); a lane that
  has stopped keeps its iterate and recomputes the same values.

The results differ from the reference by the rounding of sin/cos and of these rewritings (a few
ulp): about 1e-10 km. Instants where the kernel's assumptions do not hold are recomputed with the
scalar reference path: an angle beyond 1e6 rad, a state faster than 20 km/s or farther than
1e6 km (only decayed objects that SGP4 "resurrects" reach these, and there the reference
amplifies last-bit differences), a short-period correction beyond 1/16 rad or a unit vector off by
more than 1e-6 (nearly decayed orbits), a resonance with |x| > 1/128, and the Lyddane branch of
an object whose mean inclination is above 0.3 rad.
"""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

from ._sgp4_core import (FASX2, FASX4, FASX6, G22, G32, G44, G52, G54, RPTIM, STEP2, STEPN, STEPP, ZEL, ZES, ZNL,
                         ZNS, sgp4_point)
from ._sgp4_layout import (J2, J3OJ2, K_AYCOF, K_ARGPDOT, K_ARGPO, K_BSTAR, K_CC1, K_CC4, K_CC5, K_CON41, K_COSIO,
                           K_D2, K_D3, K_D4, K_D2201, K_D2211, K_D3210, K_D3222, K_D4410, K_D4422, K_D5220, K_D5232,
                           K_D5421, K_D5433, K_DEDT, K_DEL1, K_DEL2, K_DEL3, K_DELMO, K_DIDT, K_DMDT, K_DNODT,
                           K_DOMDT, K_E3, K_ECCO, K_EE2, K_ETA, K_GSTO, K_INCLO, K_IREZ, K_ISIMP, K_MDOT, K_METHOD,
                           K_MO, K_NO, K_NODECF, K_NODEDOT, K_NODEO, K_OMGCOF, K_PEO, K_PGHO, K_PHO, K_PINCO, K_PLO,
                           K_SE2, K_SE3, K_SGH2, K_SGH3, K_SGH4, K_SH2, K_SH3, K_SI2, K_SI3, K_SINIO, K_SINMAO, K_SL2,
                           K_SL3, K_SL4, K_T2COF, K_T3COF, K_T4COF, K_T5COF, K_X1MTH2, K_X7THM1, K_XFACT, K_XGH2,
                           K_XGH3, K_XGH4, K_XH2, K_XH3, K_XI2, K_XI3, K_XL2, K_XL3, K_XL4, K_XLAMO, K_XLCOF,
                           K_XMCOF, K_ZMOL, K_ZMOS, PI, RADIUS_EARTH_KM, TEMP4, TWOPI, VKMPERSEC, X2O3, XKE)
from ._sgp4_vmath import atan2 as vatan2
from ._sgp4_vmath import fmod2pi as vfmod2pi
from ._sgp4_vmath import SMALL_ANGLE, fma, prefer_wide_vectors, prefetch_w, sincos, sincos_small, store_u8x4, store_xyz4

#: instants per block
B = 64
#: beyond this |angle| (rad) the instant is recomputed by the scalar path
BIG_ANGLE = 1.0e6
#: states faster or farther than this are not Earth orbits (escape speed at the surface is
#: 11.2 km/s; TESS, the farthest catalogued object, reaches 375,000 km): scalar path
MAX_SPEED_KM_S = 20.0
MAX_RADIUS_KM = 1.0e6
INV_XKE = 1.0 / XKE


def _binomial(a, n):
    """Coefficients 1..n of the series of (1 + x)**a."""
    out, c = [], 1.0
    for k in range(1, n + 1):
        c = c * (a - k + 1) / k
        out.append(c)
    return out


#: (1 + x)**(-2/3) to x**8 (first omitted term below 1.1e-19 for |x| <= 1/128)
PW1, PW2, PW3, PW4, PW5, PW6, PW7, PW8 = _binomial(-2.0 / 3.0, 8)

# Scratch: one flat float64 array of NW rows of B lanes; row X starts at X * B. One base
# pointer with constant row offsets lets LLVM prove that rows do not overlap (separate
# arrays would need a runtime alias check per pair, and LLVM gives up beyond a few).
(W_T, W_AM, W_NM, W_AXNL, W_AYNL, W_U, W_XINCP, W_NODEP, W_SINIP, W_COSIP, W_CON41, W_X1MTH2, W_X7THM1, W_ST,
 W_REDO, W_EO1, W_SIN, W_COS, W_ACT, W_XLR, W_NMR, W_SQAM, W_RX, W_RY, W_RZ, W_VX, W_VY, W_VZ, W_DEL,
 W_RL, W_RINV, W_BETAL, W_ESINE, W_PL, W_MRT, W_MVT, W_RVD, W_SU, W_CU, W_DSU, W_XNODE, W_DINC, W_SNOD, W_CNOD) = (
    r * B for r in range(44))
NW = 44
# temporaries of the secular stages: the short-period stage's rows and the output rows, which are
# written later
(W_X0, W_X1, W_X2, W_X3, W_X4, W_X5, W_X6, W_X7, W_X8, W_X9, W_X10, W_X11, W_X12, W_X13, W_X14, W_X15, W_X16,
 W_X17, W_X18, W_X19, W_X20) = [W_RL + r * B for r in range(15)] + [W_RX + r * B for r in range(6)]


def scratch():
    """A scratch array for one object (pure Python helper for tests)."""
    return np.empty(NW * B)


@register_jitable
def _resonance_derivatives(c, i, irez, atime, xli, xni):
    """d(xni)/dt, d(xli)/dt and d2(xni)/dt2 of the resonance integrator (DPSEC), as the reference."""
    prefer_wide_vectors()
    xfact = c[i, K_XFACT]
    if irez != 2.0:
        del1, del2, del3 = c[i, K_DEL1], c[i, K_DEL2], c[i, K_DEL3]
        xndt = (del1 * math.sin(xli - FASX2) + del2 * math.sin(2.0 * (xli - FASX4))
                + del3 * math.sin(3.0 * (xli - FASX6)))
        xldot = xni + xfact
        xnddt = (del1 * math.cos(xli - FASX2) + 2.0 * del2 * math.cos(2.0 * (xli - FASX4))
                 + 3.0 * del3 * math.cos(3.0 * (xli - FASX6)))
        xnddt = xnddt * xldot
    else:
        d2201, d2211, d3210, d3222 = c[i, K_D2201], c[i, K_D2211], c[i, K_D3210], c[i, K_D3222]
        d4410, d4422, d5220, d5232 = c[i, K_D4410], c[i, K_D4422], c[i, K_D5220], c[i, K_D5232]
        d5421, d5433 = c[i, K_D5421], c[i, K_D5433]
        xomi = c[i, K_ARGPO] + c[i, K_ARGPDOT] * atime
        x2omi = xomi + xomi
        x2li = xli + xli
        xndt = (d2201 * math.sin(x2omi + xli - G22) + d2211 * math.sin(xli - G22)
                + d3210 * math.sin(xomi + xli - G32) + d3222 * math.sin(-xomi + xli - G32)
                + d4410 * math.sin(x2omi + x2li - G44) + d4422 * math.sin(x2li - G44)
                + d5220 * math.sin(xomi + xli - G52) + d5232 * math.sin(-xomi + xli - G52)
                + d5421 * math.sin(xomi + x2li - G54) + d5433 * math.sin(-xomi + x2li - G54))
        xldot = xni + xfact
        xnddt = (d2201 * math.cos(x2omi + xli - G22) + d2211 * math.cos(xli - G22)
                 + d3210 * math.cos(xomi + xli - G32) + d3222 * math.cos(-xomi + xli - G32)
                 + d5220 * math.cos(xomi + xli - G52) + d5232 * math.cos(-xomi + xli - G52)
                 + 2.0 * (d4410 * math.cos(x2omi + x2li - G44) + d4422 * math.cos(x2li - G44)
                          + d5421 * math.cos(xomi + x2li - G54) + d5433 * math.cos(-xomi + x2li - G54)))
        xnddt = xnddt * xldot
    return xndt, xldot, xnddt


@register_jitable
def _resonance_prepass(c, i, w, nb, state):
    """Integrate the resonance terms to each instant of the block (scalar, exact recurrence).

    ``state`` (float64[9], see :func:`new_state`): atime, xli, xni of the integrator, the
    cached derivatives (xndt, xldot, xnddt) and the (atime, xli, xni) they belong to."""
    prefer_wide_vectors()
    irez = c[i, K_IREZ]
    no = c[i, K_NO]
    xlamo = c[i, K_XLAMO]
    atime, xli, xni = state[0], state[1], state[2]
    xndt, xldot, xnddt, c_atime, c_xli = state[3], state[4], state[5], state[6], state[7]
    for k in range(nb):
        t = w[W_T + k]
        if atime == 0.0 or t * atime <= 0.0 or abs(t) < abs(atime):
            atime = 0.0
            xni = no
            xli = xlamo
        delt = STEPP if t > 0.0 else STEPN
        while True:
            if not (c_atime == atime and c_xli == xli and state[8] == xni):
                xndt, xldot, xnddt = _resonance_derivatives(c, i, irez, atime, xli, xni)
                c_atime = atime
                c_xli = xli
                state[8] = xni
            if abs(t - atime) >= STEPP:
                xli = xli + xldot * delt + xndt * STEP2
                xni = xni + xndt * delt + xnddt * STEP2
                atime = atime + delt
            else:
                break
        ft = t - atime
        nm = xni + xndt * ft + xnddt * ft * ft * 0.5
        w[W_XLR + k] = xli + xldot * ft + xndt * ft * ft * 0.5
        dndt = nm - no
        nm = no + dndt
        w[W_NMR + k] = nm
        w[W_ST + k] = 2.0 if nm <= 0.0 else 0.0
    state[0], state[1], state[2] = atime, xli, xni
    state[3], state[4], state[5], state[6], state[7] = xndt, xldot, xnddt, c_atime, c_xli


@register_jitable
def _fresh_sincos(w, nb, rx, rs, rc):
    """sin/cos of w[rx + k] into w[rs + k], w[rc + k] (three distinct rows, taken as views: the
    offsets are not constants here, and three views cost LLVM only three overlap checks)."""
    prefer_wide_vectors()
    x = w[rx:rx + B]
    so = w[rs:rs + B]
    co = w[rc:rc + B]
    for k in range(nb):
        s, c = sincos(x[k])
        so[k] = s
        co[k] = c


@register_jitable
def _stage_near(c, i, w, nb):
    """Secular, drag and long-period terms of SGP4 (near Earth) for the block; Kepler inputs.
    Split into short loops (see the module doc)."""
    prefer_wide_vectors()
    mo, mdot = c[i, K_MO], c[i, K_MDOT]
    argpo, argpdot = c[i, K_ARGPO], c[i, K_ARGPDOT]
    nodeo, nodedot, nodecf = c[i, K_NODEO], c[i, K_NODEDOT], c[i, K_NODECF]
    cc1, cc4, cc5, bstar = c[i, K_CC1], c[i, K_CC4], c[i, K_CC5], c[i, K_BSTAR]
    t2cof, t3cof, t4cof, t5cof = c[i, K_T2COF], c[i, K_T3COF], c[i, K_T4COF], c[i, K_T5COF]
    omgcof, eta, xmcof, delmo = c[i, K_OMGCOF], c[i, K_ETA], c[i, K_XMCOF], c[i, K_DELMO]
    d2, d3, d4, sinmao = c[i, K_D2], c[i, K_D3], c[i, K_D4], c[i, K_SINMAO]
    no, ecco, inclo = c[i, K_NO], c[i, K_ECCO], c[i, K_INCLO]
    sinio, cosio = c[i, K_SINIO], c[i, K_COSIO]
    aycof, xlcof = c[i, K_AYCOF], c[i, K_XLCOF]
    con41, x1mth2, x7thm1 = c[i, K_CON41], c[i, K_X1MTH2], c[i, K_X7THM1]
    full = c[i, K_ISIMP] != 1.0
    am0 = (XKE / no) ** X2O3  # the reference's pow(xke / nm, 2/3) with nm = no
    if full:
        # full drag model (isimp = 0): delm from cos(xmdf), then sin(mm) with mm = xmdf + temp, by
        # rotating sin/cos(xmdf) by temp where |temp| <= SMALL_ANGLE (the usual case), else afresh;
        # a per-instant choice, so that an instant's result does not depend on the others of the block
        nbig = 0
        for k in range(nb):
            xmdf = mo + mdot * w[W_T + k]
            sxm, cxm = sincos(xmdf)
            delmtemp = 1.0 + eta * cxm
            delm = xmcof * (delmtemp * delmtemp * delmtemp - delmo)
            temp = omgcof * w[W_T + k] + delm
            mm_f = xmdf + temp
            w[W_X0 + k] = temp
            w[W_X1 + k] = mm_f
            w[W_X3 + k] = sxm
            w[W_X4 + k] = cxm
            w[W_X5 + k] = mm_f - xmdf
            nbig += 1 if abs(temp) > SMALL_ANGLE else 0
        for k in range(nb):
            sd, cdm1 = sincos_small(w[W_X5 + k])
            sxm = w[W_X3 + k]
            w[W_X2 + k] = sxm + fma(sxm, cdm1, w[W_X4 + k] * sd)
        if nbig != 0:
            _fresh_sincos(w, nb, W_X1, W_X6, W_X7)
    for k in range(nb):
        t = w[W_T + k]
        xmdf = mo + mdot * t
        argpdf = argpo + argpdot * t
        nodedf = nodeo + nodedot * t
        t2 = t * t
        nodem = nodedf + nodecf * t2
        tempa = 1.0 - cc1 * t
        tempe = bstar * cc4 * t
        templ = t2cof * t2
        # the full drag terms; a select on a per-object constant (W_X0..2 unset when not full)
        temp = w[W_X0 + k]
        mm_f = w[W_X1 + k] if full else xmdf
        t3 = t2 * t
        t4 = t3 * t
        mm = mm_f
        argpm = (argpdf - temp) if full else argpdf
        tempa = (tempa - d2 * t2 - d3 * t3 - d4 * t4) if full else tempa
        smm_fresh = w[W_X6 + k]  # set where needed (both loaded: a load in a branch is not vectorised)
        smm_rot = w[W_X2 + k]
        smm = smm_fresh if abs(temp) > SMALL_ANGLE else smm_rot
        tempe = (tempe + bstar * cc5 * (smm - sinmao)) if full else tempe
        templ = (templ + t3cof * t3 + t4 * (t4cof + t * t5cof)) if full else templ
        am = am0 * tempa * tempa
        w[W_AM + k] = am
        sqam = math.sqrt(am)
        w[W_SQAM + k] = sqam
        w[W_NM + k] = XKE / (am * sqam)
        em = ecco - tempe
        err1 = (em >= 1.0) | (em < -0.001)
        em = 1.0e-6 if em < 1.0e-6 else em
        w[W_X3 + k] = em
        mm = mm + no * templ
        xlm = mm + argpm + nodem
        redo = ((abs(xmdf) > BIG_ANGLE) | (abs(mm_f) > BIG_ANGLE) | (abs(xlm) > BIG_ANGLE)
                | (abs(nodem) > BIG_ANGLE) | (abs(argpm) > BIG_ANGLE))
        w[W_X4 + k] = nodem
        w[W_X5 + k] = argpm
        w[W_X6 + k] = xlm
        w[W_ST + k] = 1.0 if err1 else 0.0
        w[W_REDO + k] = 1.0 if redo else 0.0
    for k in range(nb):
        nodem = vfmod2pi(w[W_X4 + k])
        argpm = vfmod2pi(w[W_X5 + k])
        xlm = vfmod2pi(w[W_X6 + k])
        w[W_NODEP + k] = nodem
        w[W_X5 + k] = argpm
        w[W_X6 + k] = vfmod2pi(xlm - argpm - nodem)
    _fresh_sincos(w, nb, W_X5, W_X7, W_X8)
    for k in range(nb):
        # long-period periodics
        em = w[W_X3 + k]
        am = w[W_AM + k]
        nodem = w[W_NODEP + k]
        argpm = w[W_X5 + k]
        axnl = em * w[W_X8 + k]
        temp = 1.0 / (am * (1.0 - em * em))
        aynl = em * w[W_X7 + k] + temp * aycof
        xl = w[W_X6 + k] + argpm + nodem + temp * xlcof * axnl
        w[W_U + k] = vfmod2pi(xl - nodem)
        w[W_AXNL + k] = axnl
        w[W_AYNL + k] = aynl
        w[W_XINCP + k] = inclo
        w[W_SINIP + k] = sinio
        w[W_COSIP + k] = cosio
        w[W_CON41 + k] = con41
        w[W_X1MTH2 + k] = x1mth2
        w[W_X7THM1 + k] = x7thm1


@register_jitable
def _stage_deep(c, i, w, nb, lyddane):
    """Secular (with lunar-solar rates and resonances), lunar-solar periodic and long-period
    terms of SDP4 for the block; Kepler inputs. ``lyddane``: evaluate the small-inclination
    form of the periodics too (objects whose mean inclination is below 0.3 rad). Split into
    short loops (see the module doc)."""
    prefer_wide_vectors()
    mo, mdot = c[i, K_MO], c[i, K_MDOT]
    argpo, argpdot = c[i, K_ARGPO], c[i, K_ARGPDOT]
    nodeo, nodedot, nodecf = c[i, K_NODEO], c[i, K_NODEDOT], c[i, K_NODECF]
    cc1, cc4, bstar, t2cof = c[i, K_CC1], c[i, K_CC4], c[i, K_BSTAR], c[i, K_T2COF]
    no, ecco, inclo, gsto = c[i, K_NO], c[i, K_ECCO], c[i, K_INCLO], c[i, K_GSTO]
    dedt, didt, domdt, dnodt, dmdt = c[i, K_DEDT], c[i, K_DIDT], c[i, K_DOMDT], c[i, K_DNODT], c[i, K_DMDT]
    irez = c[i, K_IREZ]
    res = irez != 0.0
    res2 = irez == 2.0
    zmos, zmol = c[i, K_ZMOS], c[i, K_ZMOL]
    se2, se3, si2, si3 = c[i, K_SE2], c[i, K_SE3], c[i, K_SI2], c[i, K_SI3]
    sl2, sl3, sl4 = c[i, K_SL2], c[i, K_SL3], c[i, K_SL4]
    sgh2, sgh3, sgh4, sh2, sh3 = c[i, K_SGH2], c[i, K_SGH3], c[i, K_SGH4], c[i, K_SH2], c[i, K_SH3]
    ee2, e3, xi2, xi3 = c[i, K_EE2], c[i, K_E3], c[i, K_XI2], c[i, K_XI3]
    xl2, xl3, xl4 = c[i, K_XL2], c[i, K_XL3], c[i, K_XL4]
    xgh2, xgh3, xgh4, xh2, xh3 = c[i, K_XGH2], c[i, K_XGH3], c[i, K_XGH4], c[i, K_XH2], c[i, K_XH3]
    peo, pinco, plo, pgho, pho = c[i, K_PEO], c[i, K_PINCO], c[i, K_PLO], c[i, K_PGHO], c[i, K_PHO]
    am0 = (XKE / no) ** X2O3
    inv_no = 1.0 / no
    if res:
        for k in range(nb):
            w[W_X0 + k] = vfmod2pi(gsto + w[W_T + k] * RPTIM)  # theta
    for k in range(nb):
        t = w[W_T + k]
        xmdf = mo + mdot * t
        argpdf = argpo + argpdot * t
        nodedf = nodeo + nodedot * t
        t2 = t * t
        nodem = nodedf + nodecf * t2
        tempa = 1.0 - cc1 * t
        tempe = bstar * cc4 * t
        templ = t2cof * t2
        # lunar-solar secular rates and the resonance (integrated in the pre-pass)
        theta = w[W_X0 + k]
        em = ecco + dedt * t
        w[W_X1 + k] = inclo + didt * t  # inclm
        argpm = argpdf + domdt * t
        nodem = nodem + dnodt * t
        mm = xmdf + dmdt * t
        xl = w[W_XLR + k] if res else 0.0
        mm_r = (xl - 2.0 * nodem + 2.0 * theta) if res2 else (xl - nodem - argpm + theta)
        mm = mm_r if res else mm
        # (xke / nm)**(2/3) = am0 * (1 + x)**(-2/3), x = (nm - no) / no: the binomial series; |x| stays
        # below 2e-4 within 10 days of the epoch (5e-3 within a year), beyond 1/128 the scalar path
        x = (w[W_NMR + k] - no) * inv_no
        pw = am0 * fma(fma(fma(fma(fma(fma(fma(fma(PW8, x, PW7), x, PW6), x, PW5), x, PW4), x, PW3), x, PW2), x,
                               PW1), x, 1.0)
        pw = pw if res else am0
        far_res = res & (abs(x) > 1.0 / 128.0)
        st = w[W_ST + k] if res else 0.0  # 2 where the pre-pass found nm <= 0
        am = pw * tempa * tempa
        w[W_AM + k] = am
        sqam = math.sqrt(am)
        w[W_SQAM + k] = sqam
        w[W_NM + k] = XKE / (am * sqam)
        em = em - tempe
        err1 = (em >= 1.0) | (em < -0.001)
        em = 1.0e-6 if em < 1.0e-6 else em
        w[W_X2 + k] = em
        mm = mm + no * templ
        xlm = mm + argpm + nodem
        redo = ((abs(xmdf) > BIG_ANGLE) | (abs(xlm) > BIG_ANGLE) | (abs(nodem) > BIG_ANGLE) | (abs(argpm) > BIG_ANGLE)
                | far_res)
        w[W_X3 + k] = nodem
        w[W_X4 + k] = argpm
        w[W_X5 + k] = xlm
        w[W_ST + k] = st + ((1.0 if err1 else 0.0) if st == 0.0 else 0.0)  # not a select of st: no masked store
        w[W_REDO + k] = 1.0 if redo else 0.0
    for k in range(nb):
        nodem = vfmod2pi(w[W_X3 + k])
        argpm = vfmod2pi(w[W_X4 + k])
        xlm = vfmod2pi(w[W_X5 + k])
        w[W_X3 + k] = nodem
        w[W_X4 + k] = argpm
        w[W_X5 + k] = vfmod2pi(xlm - argpm - nodem)  # mm
    # lunar-solar periodics (DPPER): solar terms, then lunar terms added
    for k in range(nb):
        w[W_X11 + k] = zmos + ZNS * w[W_T + k]
    _fresh_sincos(w, nb, W_X11, W_X12, W_X0)
    for k in range(nb):
        w[W_X11 + k] = w[W_X11 + k] + 2.0 * ZES * w[W_X12 + k]
    _fresh_sincos(w, nb, W_X11, W_X12, W_X0)
    for k in range(nb):
        sinzf = w[W_X12 + k]
        coszf = w[W_X0 + k]
        f2 = 0.5 * sinzf * sinzf - 0.25
        f3 = -0.5 * sinzf * coszf
        w[W_X6 + k] = se2 * f2 + se3 * f3
        w[W_X7 + k] = si2 * f2 + si3 * f3
        w[W_X8 + k] = sl2 * f2 + sl3 * f3 + sl4 * sinzf
        w[W_X9 + k] = sgh2 * f2 + sgh3 * f3 + sgh4 * sinzf
        w[W_X10 + k] = sh2 * f2 + sh3 * f3
    for k in range(nb):
        w[W_X11 + k] = zmol + ZNL * w[W_T + k]
    _fresh_sincos(w, nb, W_X11, W_X12, W_X0)
    for k in range(nb):
        w[W_X11 + k] = w[W_X11 + k] + 2.0 * ZEL * w[W_X12 + k]
    _fresh_sincos(w, nb, W_X11, W_X12, W_X0)
    for k in range(nb):
        sinzf = w[W_X12 + k]
        coszf = w[W_X0 + k]
        f2 = 0.5 * sinzf * sinzf - 0.25
        f3 = -0.5 * sinzf * coszf
        sel = ee2 * f2 + e3 * f3
        sil = xi2 * f2 + xi3 * f3
        sll = xl2 * f2 + xl3 * f3 + xl4 * sinzf
        sghl = xgh2 * f2 + xgh3 * f3 + xgh4 * sinzf
        shll = xh2 * f2 + xh3 * f3
        w[W_X6 + k] = w[W_X6 + k] + sel - peo      # pe
        w[W_X7 + k] = w[W_X7 + k] + sil - pinco    # pinc
        w[W_X8 + k] = w[W_X8 + k] + sll - plo      # pl
        w[W_X9 + k] = w[W_X9 + k] + sghl - pgho    # pgh
        w[W_X10 + k] = w[W_X10 + k] + shll - pho   # ph
    for k in range(nb):
        w[W_X19 + k] = w[W_X1 + k] + w[W_X7 + k]  # inclp = inclm + pinc
    _fresh_sincos(w, nb, W_X19, W_X11, W_X12)
    for k in range(nb):
        # periodics applied directly
        sinip = w[W_X11 + k]
        cosip = w[W_X12 + k]
        pha = w[W_X10 + k] / sinip
        w[W_X13 + k] = w[W_X4 + k] + (w[W_X9 + k] - cosip * pha)  # argpp
        w[W_X14 + k] = w[W_X3 + k] + pha                          # nodep
    if not lyddane:
        # the Lyddane branch is not compiled in here: such instants take the scalar path
        for k in range(nb):
            direct = (w[W_X1 + k] + w[W_X7 + k]) >= 0.2
            w[W_REDO + k] = 1.0 if (w[W_REDO + k] != 0.0) | (not direct) else 0.0
    else:
        # Lyddane's form for small inclinations
        _fresh_sincos(w, nb, W_X3, W_X15, W_X16)
        for k in range(nb):
            inclp = w[W_X1 + k] + w[W_X7 + k]
            sinip = w[W_X11 + k]
            cosip = w[W_X12 + k]
            sinop = w[W_X15 + k]
            cosop = w[W_X16 + k]
            ph = w[W_X10 + k]
            pinc = w[W_X7 + k]
            alfdp = sinip * sinop
            betdp = sinip * cosop
            dalf = ph * cosop + pinc * cosip * sinop
            dbet = -ph * sinop + pinc * cosip * cosop
            w[W_X15 + k] = alfdp + dalf
            w[W_X16 + k] = betdp + dbet
        for k in range(nb):
            inclp = w[W_X1 + k] + w[W_X7 + k]
            direct = inclp >= 0.2
            nodem = w[W_X3 + k]
            sinip = w[W_X11 + k]
            cosip = w[W_X12 + k]
            pinc = w[W_X7 + k]
            mm = w[W_X5 + k]
            mp = mm + w[W_X8 + k]
            nodel = vfmod2pi(nodem)
            xls = mm + w[W_X4 + k] + w[W_X8 + k] + w[W_X9 + k] + (cosip - pinc * sinip) * nodel
            xnoh = nodel
            nodel = vatan2(w[W_X15 + k], w[W_X16 + k])
            far = abs(xnoh - nodel) > PI
            nodel = (nodel + TWOPI if nodel < xnoh else nodel - TWOPI) if far else nodel
            argpl = xls - mp - cosip * nodel
            # into other rows, then copied: a select of the stored value would be a masked store
            w[W_X17 + k] = w[W_X13 + k] if direct else argpl
            w[W_X18 + k] = w[W_X14 + k] if direct else nodel
        for k in range(nb):
            w[W_X13 + k] = w[W_X17 + k]
            w[W_X14 + k] = w[W_X18 + k]
    for k in range(nb):
        inclp = w[W_X1 + k] + w[W_X7 + k]
        ep = w[W_X2 + k] + w[W_X6 + k]
        mp = w[W_X5 + k] + w[W_X8 + k]
        argpp = w[W_X13 + k]
        nodep = w[W_X14 + k]
        flip = inclp < 0.0
        xincp = -inclp if flip else inclp
        nodep = nodep + PI if flip else nodep
        argpp = argpp - PI if flip else argpp
        err3 = (ep < 0.0) | (ep > 1.0)
        # sin/cos(xincp) from those of inclp (sin is odd, cos even)
        sinip = -w[W_X11 + k] if flip else w[W_X11 + k]
        cosip = w[W_X12 + k]
        aycof = -0.5 * J3OJ2 * sinip
        den = (1.0 + cosip) if abs(cosip + 1.0) > 1.5e-12 else TEMP4
        xlcof = -0.25 * J3OJ2 * sinip * (3.0 + 5.0 * cosip) / den
        cosisq = cosip * cosip
        w[W_XINCP + k] = xincp
        w[W_NODEP + k] = nodep
        w[W_X13 + k] = argpp
        w[W_X5 + k] = mp
        w[W_X2 + k] = ep
        w[W_X15 + k] = aycof
        w[W_X16 + k] = xlcof
        w[W_SINIP + k] = sinip
        w[W_COSIP + k] = cosip
        w[W_CON41 + k] = 3.0 * cosisq - 1.0
        w[W_X1MTH2 + k] = 1.0 - cosisq
        w[W_X7THM1 + k] = 7.0 * cosisq - 1.0
        st = w[W_ST + k]
        w[W_ST + k] = st + ((3.0 if err3 else 0.0) if st == 0.0 else 0.0)
    _fresh_sincos(w, nb, W_X13, W_X11, W_X12)
    for k in range(nb):
        # long-period periodics
        ep = w[W_X2 + k]
        am = w[W_AM + k]
        argpp = w[W_X13 + k]
        nodep = w[W_NODEP + k]
        axnl = ep * w[W_X12 + k]
        temp = 1.0 / (am * (1.0 - ep * ep))
        aynl = ep * w[W_X11 + k] + temp * w[W_X15 + k]
        xl = w[W_X5 + k] + argpp + nodep + temp * w[W_X16 + k] * axnl
        w[W_U + k] = vfmod2pi(xl - nodep)
        w[W_AXNL + k] = axnl
        w[W_AYNL + k] = aynl


@register_jitable
def _kepler_step(w, k, e, s, c):
    """The Newton step of lane k from the iterate e and its sin/cos; stores the next iterate and the
    step (a lane that has stopped keeps its iterate: it recomputes the same step and stays
    stopped, so every store is unconditional; a conditional one becomes a masked store, slow on
    AMD). Returns (still going, step > SMALL_ANGLE)."""
    prefer_wide_vectors()
    ax = w[W_AXNL + k]
    ay = w[W_AYNL + k]
    tem5 = 1.0 - c * ax - s * ay
    tem5 = (w[W_U + k] - ay * c + ax * s - e) / tem5
    tem5 = 0.95 if tem5 >= 0.95 else tem5
    tem5 = -0.95 if tem5 <= -0.95 else tem5
    going = abs(tem5) >= 1.0e-12
    en = e + (tem5 if going else 0.0)  # not a select of e: that would be a masked store
    w[W_EO1 + k] = en
    w[W_DEL + k] = en - e
    return going, abs(tem5) > SMALL_ANGLE


@register_jitable
def _kepler_pass_first(w, nb):
    """The first Newton pass, from u, with sin/cos of u evaluated. Returns (lanes still going, lanes
    whose step exceeded SMALL_ANGLE). Each pass has its own copy of the step loop, with the iterate's
    row a constant: one loop shared by the passes, taking the row as an argument, made the Kepler
    stage twice as slow (7 -> 15 ns per near-Earth state; LLVM no longer proves the row read apart
    from the rows stored, so it does not vectorise)."""
    prefer_wide_vectors()
    for k in range(nb):
        s, c = sincos(w[W_U + k])
        w[W_SIN + k] = s
        w[W_COS + k] = c
    nact = 0
    nbig = 0
    for k in range(nb):
        going, big = _kepler_step(w, k, w[W_U + k], w[W_SIN + k], w[W_COS + k])
        nact += 1 if going else 0
        nbig += 1 if big else 0
    return nact, nbig


@register_jitable
def _kepler_pass_rotate(w, nb):
    """A later pass where every lane's previous step was at most SMALL_ANGLE: sin/cos of the iterate
    by rotating the previous ones by that step (a stopped lane rotates by 0: unchanged)."""
    prefer_wide_vectors()
    for k in range(nb):
        sd, cdm1 = sincos_small(w[W_DEL + k])
        s0 = w[W_SIN + k]
        c0 = w[W_COS + k]
        w[W_SIN + k] = s0 + fma(s0, cdm1, c0 * sd)
        w[W_COS + k] = c0 + fma(c0, cdm1, -(s0 * sd))
    nact = 0
    nbig = 0
    for k in range(nb):
        going, big = _kepler_step(w, k, w[W_EO1 + k], w[W_SIN + k], w[W_COS + k])
        nact += 1 if going else 0
        nbig += 1 if big else 0
    return nact, nbig


@register_jitable
def _kepler_pass_mixed(w, nb):
    """A later pass where some lane's previous step exceeded SMALL_ANGLE: those lanes evaluate
    sin/cos of the iterate afresh, the others rotate as in ``_kepler_pass_rotate`` (the choice is
    the lane's own, so its result does not depend on the other instants of the block)."""
    prefer_wide_vectors()
    for k in range(nb):
        d = w[W_DEL + k]
        sd, cdm1 = sincos_small(d)
        s0 = w[W_SIN + k]
        c0 = w[W_COS + k]
        sf, cf = sincos(w[W_EO1 + k])
        sr = s0 + fma(s0, cdm1, c0 * sd)
        cr = c0 + fma(c0, cdm1, -(s0 * sd))
        big = abs(d) > SMALL_ANGLE
        w[W_SIN + k] = sf if big else sr
        w[W_COS + k] = cf if big else cr
    nact = 0
    nbig = 0
    for k in range(nb):
        going, big = _kepler_step(w, k, w[W_EO1 + k], w[W_SIN + k], w[W_COS + k])
        nact += 1 if going else 0
        nbig += 1 if big else 0
    return nact, nbig


@register_jitable
def _stage_kepler(w, nb):
    """Newton on Kepler's equation for the block, lane by lane with the reference's iterates and
    stopping rule (|step| < 1e-12 or 10 passes); leaves sin/cos of the last iterate in
    W_SIN/W_COS. The first pass evaluates sin/cos of u; in a later pass a lane whose previous step
    was at most SMALL_ANGLE (1/16 rad) rotates its previous sin/cos by that step
    (``sincos_small``: no range reduction, ~1 ulp per rotation), any other evaluates afresh."""
    prefer_wide_vectors()
    nact, nbig = _kepler_pass_first(w, nb)
    for _ in range(9):
        if nact == 0:
            break
        if nbig == 0:
            nact, nbig = _kepler_pass_rotate(w, nb)
        else:
            nact, nbig = _kepler_pass_mixed(w, nb)


@register_jitable
def _stage_short(w, nb):
    """Short-period periodics, orientation and the TEME state for the block.

    Divisions by a common denominator are multiplications by its reciprocal (rl, rho, xke), and
    sin/cos of the two small corrections come from ``sincos_small``: the argument of latitude's
    ``dsu`` rotates the unit vector (sinu, cosu)/rho, and the inclination's correction rotates
    (sin, cos) of the uncorrected inclination (W_SINIP, W_COSIP). Lanes where either correction
    exceeds SMALL_ANGLE (only nearly decayed orbits, pl < 0.1 earth radii) are flagged for the
    scalar path. The work is split into short loops (see the module doc: long dependency chains
    in one loop body stall the out-of-order core)."""
    prefer_wide_vectors()
    for k in range(nb):
        am = w[W_AM + k]
        ax = w[W_AXNL + k]
        ay = w[W_AYNL + k]
        s = w[W_SIN + k]
        c = w[W_COS + k]
        ecose = ax * c + ay * s
        el2 = ax * ax + ay * ay
        rl = am * (1.0 - ecose)
        w[W_RL + k] = rl
        w[W_RINV + k] = 1.0 / rl
        w[W_ESINE + k] = ax * s - ay * c
        w[W_PL + k] = am * (1.0 - el2)
        w[W_BETAL + k] = math.sqrt(1.0 - el2)
    for k in range(nb):
        am = w[W_AM + k]
        ax = w[W_AXNL + k]
        ay = w[W_AYNL + k]
        s = w[W_SIN + k]
        c = w[W_COS + k]
        con41 = w[W_CON41 + k]
        x1mth2 = w[W_X1MTH2 + k]
        cosip = w[W_COSIP + k]
        rl = w[W_RL + k]
        rinv = w[W_RINV + k]
        esine = w[W_ESINE + k]
        pl = w[W_PL + k]
        betal = w[W_BETAL + k]
        sqam = w[W_SQAM + k]
        rdotl = sqam * esine * rinv
        rvdotl = (sqam * betal) * rinv  # sqrt(pl) = sqrt(am) * sqrt(1 - el2)
        temp = esine / (1.0 + betal)
        amr = am * rinv
        sinu = amr * (s - ay - ax * temp)
        cosu = amr * (c - ax + ay * temp)
        sin2u = (cosu + cosu) * sinu
        cos2u = 1.0 - 2.0 * sinu * sinu
        temp = 1.0 / pl
        temp1 = 0.5 * J2 * temp
        temp2 = temp1 * temp
        w[W_MRT + k] = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
        w[W_DSU + k] = -(0.25 * temp2 * w[W_X7THM1 + k] * sin2u)
        w[W_XNODE + k] = w[W_NODEP + k] + 1.5 * temp2 * cosip * sin2u
        xincp = w[W_XINCP + k]
        w[W_DINC + k] = (xincp + 1.5 * temp2 * cosip * w[W_SINIP + k] * cos2u) - xincp
        nmk = w[W_NM + k] * temp1 * INV_XKE
        w[W_MVT + k] = rdotl - nmk * x1mth2 * sin2u
        w[W_RVD + k] = rvdotl + nmk * (x1mth2 * cos2u + 1.5 * con41)
        w[W_SU + k] = sinu
        w[W_CU + k] = cosu
    _fresh_sincos(w, nb, W_XNODE, W_SNOD, W_CNOD)
    for k in range(nb):
        sinu = w[W_SU + k]
        cosu = w[W_CU + k]
        dsu = w[W_DSU + k]
        dinc = w[W_DINC + k]
        sinip = w[W_SINIP + k]
        cosip = w[W_COSIP + k]
        # sin/cos(atan2(sinu, cosu) + dsu): rotate the unit vector by dsu
        # (sinu, cosu) is a unit vector but for rounding: 1/|.| = 1 - eps/2 + 3 eps^2/8 with
        # eps = |.|^2 - 1 (a few ulp; lanes beyond 1e-6 take the scalar path)
        eps = fma(sinu, sinu, fma(cosu, cosu, -1.0))
        rhoinv = fma(eps, fma(0.375, eps, -0.5), 1.0)
        su_s = sinu * rhoinv
        su_c = cosu * rhoinv
        sd, cdm1 = sincos_small(dsu)
        sinsu = su_s + fma(su_s, cdm1, su_c * sd)
        cossu = su_c + fma(su_c, cdm1, -(su_s * sd))
        # sin/cos(xinc): rotate (sinip, cosip) by the (exact) difference xinc - xincp
        si, cim1 = sincos_small(dinc)
        sini = sinip + fma(sinip, cim1, cosip * si)
        cosi = cosip + fma(cosip, cim1, -(sinip * si))
        snod = w[W_SNOD + k]
        cnod = w[W_CNOD + k]
        xmx = -snod * cosi
        xmy = cnod * cosi
        ux = xmx * sinsu + cnod * cossu
        uy = xmy * sinsu + snod * cossu
        uz = sini * sinsu
        vx = xmx * cossu - cnod * sinsu
        vy = xmy * cossu - snod * sinsu
        vz = sini * cossu
        mrt = w[W_MRT + k]
        mvt = w[W_MVT + k]
        rvdot = w[W_RVD + k]
        mr = mrt * RADIUS_EARTH_KM
        w[W_RX + k] = mr * ux
        w[W_RY + k] = mr * uy
        w[W_RZ + k] = mr * uz
        vxk = (mvt * ux + rvdot * vx) * VKMPERSEC
        vyk = (mvt * uy + rvdot * vy) * VKMPERSEC
        vzk = (mvt * uz + rvdot * vz) * VKMPERSEC
        w[W_VX + k] = vxk
        w[W_VY + k] = vyk
        w[W_VZ + k] = vzk
        st = w[W_ST + k]
        err4 = w[W_PL + k] < 0.0
        w[W_ST + k] = st + ((4.0 if err4 else (6.0 if mrt < 1.0 else 0.0)) if st == 0.0 else 0.0)
        big = ((abs(dsu) > SMALL_ANGLE) | (abs(dinc) > SMALL_ANGLE) | (abs(w[W_XNODE + k]) > BIG_ANGLE)
               | (abs(eps) > 1.0e-6))
        # not an Earth orbit (only decayed objects that SGP4 "resurrects" get there): there the
        # reference amplifies last-bit differences, so take its own (scalar) path
        vv = vxk * vxk + vyk * vyk + vzk * vzk
        wild = (vv > MAX_SPEED_KM_S * MAX_SPEED_KM_S) | (abs(mr) > MAX_RADIUS_KM)
        w[W_REDO + k] = 1.0 if (w[W_REDO + k] != 0.0) | big | wild else 0.0


@register_jitable
def store_block(w, nb, r2, v2, st, i, j0, with_v):
    """Write the block's states into row i of r2, v2 ((N, 3T) views of the (N, T, 3) outputs) from
    column 3*j0, and the status codes into st[i, j0:]: NaN where the status is not 0. Four lanes
    at a time by explicit vector stores (``store_xyz4``: LLVM leaves the stride-3 interleaving
    scalar, one store per value behind a branch on the status), the block's last nb % 4 lanes one
    by one. Unsigned indices: numba then adds no negative-index wraparound."""
    prefer_wide_vectors()
    nan = math.nan
    iu = np.uint64(i)
    c0 = np.uint64(3 * j0)
    ju = np.uint64(j0)
    n4 = nb - nb % 4
    rbase = iu * np.uint64(r2.shape[1]) + c0
    vbase = iu * np.uint64(v2.shape[1]) + c0
    sbase = iu * np.uint64(st.shape[1]) + ju
    for k in range(0, n4, 4):
        ku = np.uint64(k)
        store_xyz4(w, np.uint64(W_RX) + ku, np.uint64(W_RY) + ku, np.uint64(W_RZ) + ku, np.uint64(W_ST) + ku, r2,
                   rbase + np.uint64(3) * ku)
        store_u8x4(w, np.uint64(W_ST) + ku, st, sbase + ku)
    if with_v:
        for k in range(0, n4, 4):
            ku = np.uint64(k)
            store_xyz4(w, np.uint64(W_VX) + ku, np.uint64(W_VY) + ku, np.uint64(W_VZ) + ku, np.uint64(W_ST) + ku,
                       v2, vbase + np.uint64(3) * ku)
    for k in range(n4, nb):
        bad = w[W_ST + k] != 0.0
        m = c0 + np.uint64(3 * k)
        r2[iu, m] = nan if bad else w[W_RX + k]
        r2[iu, m + np.uint64(1)] = nan if bad else w[W_RY + k]
        r2[iu, m + np.uint64(2)] = nan if bad else w[W_RZ + k]
        st[iu, ju + np.uint64(k)] = np.uint8(w[W_ST + k])
        if with_v:
            v2[iu, m] = nan if bad else w[W_VX + k]
            v2[iu, m + np.uint64(1)] = nan if bad else w[W_VY + k]
            v2[iu, m + np.uint64(2)] = nan if bad else w[W_VZ + k]


@register_jitable
def prefetch_block(nb, r2, v2, st, i, j0, with_v):
    """Prefetch for writing the output lines that ``store_block`` will write for this block, so
    that their reads for ownership overlap the block's arithmetic instead of stalling the stores."""
    prefer_wide_vectors()
    iu = np.uint64(i)
    rbase = iu * np.uint64(r2.shape[1]) + np.uint64(3 * j0)
    for m in range(0, 3 * nb, 8):
        prefetch_w(r2, rbase + np.uint64(m))
    prefetch_w(r2, rbase + np.uint64(3 * nb - 1))
    if with_v:
        vbase = iu * np.uint64(v2.shape[1]) + np.uint64(3 * j0)
        for m in range(0, 3 * nb, 8):
            prefetch_w(v2, vbase + np.uint64(m))
        prefetch_w(v2, vbase + np.uint64(3 * nb - 1))
    sbase = iu * np.uint64(st.shape[1]) + np.uint64(j0)
    prefetch_w(st, sbase)
    prefetch_w(st, sbase + np.uint64(nb - 1))


@register_jitable
def object_series(c, i, w, nb, state, lyddane):
    """States of object i at the nb instants of w[W_T] (minutes since epoch) into w[W_RX..W_VZ]
    and w[W_ST]; lanes flagged in w[W_REDO] must be recomputed with ``sgp4_point``."""
    prefer_wide_vectors()
    if c[i, K_METHOD] == 1.0:
        for k in range(nb):
            w[W_ST + k] = 0.0
        if c[i, K_IREZ] != 0.0:
            _resonance_prepass(c, i, w, nb, state)
        _stage_deep(c, i, w, nb, lyddane)
    else:
        _stage_near(c, i, w, nb)
    _stage_kepler(w, nb)
    _stage_short(w, nb)


@register_jitable
def new_state():
    """Resonance-integrator state for one object: atime, xli, xni, cached derivatives."""
    prefer_wide_vectors()
    s = np.zeros(9)
    s[6] = math.nan  # no cached derivative yet
    return s


@register_jitable
def needs_lyddane(c, i):
    """Whether the small-inclination (Lyddane) periodics may be needed for object i."""
    prefer_wide_vectors()
    return c[i, K_METHOD] == 1.0 and c[i, K_INCLO] < 0.3


@register_jitable
def redo_lane(c, i, t):
    """The scalar reference path for one instant (fresh resonance state)."""
    prefer_wide_vectors()
    return sgp4_point(c, i, t, 0.0, 0.0, 0.0, True)
