"""The SGP4/SDP4 evaluation of one object at one instant, for every compilation target.

Written for orbitwatch from Hoots & Roehrich 1980 (Spacetrack Report #3: SGP4, SDP4
with DEEP's DPSEC secular/resonance integration and DPPER lunar-solar periodics)
as revised by Vallado, Crawford, Hujsak & Kelso 2006 (AIAA 2006-6753): the Lyddane
choice on the perturbed inclination, the 1e-12 Kepler tolerance with a 0.95 rad
step limit, and the error codes (1 mean eccentricity, 2 mean motion, 3 perturbed
eccentricity, 4 semi-latus rectum, 6 decayed).

The functions are plain Python over scalars and a coefficient table
(``orbitwatch.propagation._sgp4_layout``), registered with numba's
``register_jitable``: the same source is compiled into the CPU kernels
(``sgp4_numba``) and the CUDA kernels (``sgp4_cuda``), and runs as ordinary Python
under numba's CUDA simulator.

Deep-space resonance state. SDP4 integrates the resonance terms with fixed 720 min
steps from the epoch. The reference keeps (atime, xli, xni) between calls and restarts
from the epoch when the request goes backwards or changes sign; since the steps are
always multiples of 720 min from the epoch, the state it reaches is the same whatever
the call history. The kernels carry that state along a time series the same way
(ascending series integrate incrementally), and a fresh state (atime = 0) restarts.
"""

from __future__ import annotations

import math

from numba.extending import register_jitable

from ._sgp4_layout import (J2, K_AYCOF, K_ARGPDOT, K_ARGPO, K_BSTAR, K_CC1, K_CC4, K_CC5, K_CON41, K_COSIO, K_D2,
                           K_D3, K_D4, K_D2201, K_D2211, K_D3210, K_D3222, K_D4410, K_D4422, K_D5220, K_D5232,
                           K_D5421, K_D5433, K_DEDT, K_DEL1, K_DEL2, K_DEL3, K_DELMO, K_DIDT, K_DMDT, K_DNODT,
                           K_DOMDT, K_E3, K_ECCO, K_EE2, K_ETA, K_GSTO, K_INCLO, K_IREZ, K_ISIMP, K_MDOT,
                           K_METHOD, K_MO, K_NO, K_NODECF, K_NODEDOT, K_NODEO, K_OMGCOF, K_PEO, K_PGHO, K_PHO,
                           K_PINCO, K_PLO, K_SE2, K_SE3, K_SGH2, K_SGH3, K_SGH4, K_SH2, K_SH3, K_SI2, K_SI3,
                           K_SINIO, K_SINMAO, K_SL2, K_SL3, K_SL4, K_T2COF, K_T3COF, K_T4COF, K_T5COF, K_X1MTH2,
                           K_X7THM1, K_XFACT, K_XGH2, K_XGH3, K_XGH4, K_XH2, K_XH3, K_XI2, K_XI3, K_XL2, K_XL3,
                           K_XL4, K_XLAMO, K_XLCOF, K_XMCOF, K_ZMOL, K_ZMOS, J3OJ2, PI, RADIUS_EARTH_KM, TEMP4,
                           TWOPI, VKMPERSEC, X2O3, XKE)

# DPPER / DPSEC constants (Spacetrack Report #3)
ZNS, ZES, ZNL, ZEL = 1.19459e-5, 0.01675, 1.5835218e-4, 0.05490
FASX2, FASX4, FASX6 = 0.13130908, 2.8843198, 0.37448087
G22, G32, G44, G52, G54 = 5.7686396, 0.95240898, 1.8014998, 1.0508330, 4.4108898
RPTIM = 4.37526908801129966e-3
STEPP, STEPN, STEP2 = 720.0, -720.0, 259200.0


# 2*pi split into a 26-bit head and the exact rest (TWOPI_HI + TWOPI_LO == TWOPI in float64)
TWOPI_HI = float.fromhex("0x1.921fb50000000p+2")
TWOPI_LO = float.fromhex("0x1.110b460000000p-24")


@register_jitable
def fmod2pi(x):
    """C ``fmod(x, 2*pi)`` (exact remainder, sign of x) from arithmetic every target has.

    The remainder is exact in floating point; it is computed here as
    (x - q*HI) - q*LO with q = trunc(x / 2pi): q*HI is exact for |q| < 2**26 and the
    first difference is exact (Sterbenz), so the result is fmod's to the last bit except
    in contrived cases. Matching the reference's fmod matters: SGP4's mean anomaly can
    reach 1e4 rad for decaying objects, where an ordinary x - q*2pi loses 1e-12 rad."""
    q = x / TWOPI
    if q >= 0.0:
        q = math.floor(q)
    else:
        q = math.ceil(q)
    r = (x - q * TWOPI_HI) - q * TWOPI_LO
    if x >= 0.0:
        if r < 0.0:
            r = (r + TWOPI_HI) + TWOPI_LO
    elif r > 0.0:
        r = (r - TWOPI_HI) - TWOPI_LO
    return r


@register_jitable
def dspace(c, i, t, atime, xli, xni, em, argpm, inclm, mm, nodem, nm):
    """Deep-space secular effects and resonance integration (DPSEC) at t minutes.

    Returns (atime, xli, xni, em, argpm, inclm, mm, nodem, nm)."""
    theta = fmod2pi(c[i, K_GSTO] + t * RPTIM)
    em = em + c[i, K_DEDT] * t
    inclm = inclm + c[i, K_DIDT] * t
    argpm = argpm + c[i, K_DOMDT] * t
    nodem = nodem + c[i, K_DNODT] * t
    mm = mm + c[i, K_DMDT] * t
    irez = c[i, K_IREZ]
    if irez == 0.0:
        return atime, xli, xni, em, argpm, inclm, mm, nodem, nm

    no = c[i, K_NO]
    xfact = c[i, K_XFACT]
    if atime == 0.0 or t * atime <= 0.0 or abs(t) < abs(atime):
        atime = 0.0
        xni = no
        xli = c[i, K_XLAMO]
    delt = STEPP if t > 0.0 else STEPN
    ft = 0.0
    xndt = 0.0
    xnddt = 0.0
    xldot = 0.0
    while True:
        if irez != 2.0:
            # one-day resonance
            del1, del2, del3 = c[i, K_DEL1], c[i, K_DEL2], c[i, K_DEL3]
            xndt = (del1 * math.sin(xli - FASX2) + del2 * math.sin(2.0 * (xli - FASX4))
                    + del3 * math.sin(3.0 * (xli - FASX6)))
            xldot = xni + xfact
            xnddt = (del1 * math.cos(xli - FASX2) + 2.0 * del2 * math.cos(2.0 * (xli - FASX4))
                     + 3.0 * del3 * math.cos(3.0 * (xli - FASX6)))
            xnddt = xnddt * xldot
        else:
            # half-day resonance
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
        if abs(t - atime) >= STEPP:
            xli = xli + xldot * delt + xndt * STEP2
            xni = xni + xndt * delt + xnddt * STEP2
            atime = atime + delt
        else:
            ft = t - atime
            break
    nm = xni + xndt * ft + xnddt * ft * ft * 0.5
    xl = xli + xldot * ft + xndt * ft * ft * 0.5
    if irez != 1.0:
        mm = xl - 2.0 * nodem + 2.0 * theta
    else:
        mm = xl - nodem - argpm + theta
    dndt = nm - no
    nm = no + dndt
    return atime, xli, xni, em, argpm, inclm, mm, nodem, nm


@register_jitable
def dpper(c, i, t, ep, inclp, nodep, argpp, mp):
    """Lunar-solar long-period periodics (DPPER, Vallado 2006: Lyddane form below 0.2 rad).

    Returns (ep, inclp, nodep, argpp, mp)."""
    # solar
    zm = c[i, K_ZMOS] + ZNS * t
    zf = zm + 2.0 * ZES * math.sin(zm)
    sinzf = math.sin(zf)
    f2 = 0.5 * sinzf * sinzf - 0.25
    f3 = -0.5 * sinzf * math.cos(zf)
    ses = c[i, K_SE2] * f2 + c[i, K_SE3] * f3
    sis = c[i, K_SI2] * f2 + c[i, K_SI3] * f3
    sls = c[i, K_SL2] * f2 + c[i, K_SL3] * f3 + c[i, K_SL4] * sinzf
    sghs = c[i, K_SGH2] * f2 + c[i, K_SGH3] * f3 + c[i, K_SGH4] * sinzf
    shs = c[i, K_SH2] * f2 + c[i, K_SH3] * f3
    # lunar
    zm = c[i, K_ZMOL] + ZNL * t
    zf = zm + 2.0 * ZEL * math.sin(zm)
    sinzf = math.sin(zf)
    f2 = 0.5 * sinzf * sinzf - 0.25
    f3 = -0.5 * sinzf * math.cos(zf)
    sel = c[i, K_EE2] * f2 + c[i, K_E3] * f3
    sil = c[i, K_XI2] * f2 + c[i, K_XI3] * f3
    sll = c[i, K_XL2] * f2 + c[i, K_XL3] * f3 + c[i, K_XL4] * sinzf
    sghl = c[i, K_XGH2] * f2 + c[i, K_XGH3] * f3 + c[i, K_XGH4] * sinzf
    shll = c[i, K_XH2] * f2 + c[i, K_XH3] * f3

    pe = ses + sel - c[i, K_PEO]
    pinc = sis + sil - c[i, K_PINCO]
    pl = sls + sll - c[i, K_PLO]
    pgh = sghs + sghl - c[i, K_PGHO]
    ph = shs + shll - c[i, K_PHO]
    inclp = inclp + pinc
    ep = ep + pe
    sinip = math.sin(inclp)
    cosip = math.cos(inclp)
    if inclp >= 0.2:
        ph = ph / sinip
        pgh = pgh - cosip * ph
        argpp = argpp + pgh
        nodep = nodep + ph
        mp = mp + pl
    else:
        # Lyddane modification for small inclinations
        sinop = math.sin(nodep)
        cosop = math.cos(nodep)
        alfdp = sinip * sinop
        betdp = sinip * cosop
        dalf = ph * cosop + pinc * cosip * sinop
        dbet = -ph * sinop + pinc * cosip * cosop
        alfdp = alfdp + dalf
        betdp = betdp + dbet
        nodep = fmod2pi(nodep)
        xls = mp + argpp + pl + pgh + (cosip - pinc * sinip) * nodep
        xnoh = nodep
        nodep = math.atan2(alfdp, betdp)
        if abs(xnoh - nodep) > PI:
            if nodep < xnoh:
                nodep = nodep + TWOPI
            else:
                nodep = nodep - TWOPI
        mp = mp + pl
        argpp = xls - mp - cosip * nodep
    return ep, inclp, nodep, argpp, mp


@register_jitable
def sgp4_point(c, i, t, atime, xli, xni, deep_ok):
    """TEME state of object ``i`` at ``t`` minutes since its epoch.

    Returns (rx, ry, rz, vx, vy, vz, error, atime, xli, xni): km, km/s, the SGP4 error
    code (0 ok) and the updated resonance-integrator state (pass it back in for the next
    instant of the same object; atime = 0 starts afresh). ``deep_ok`` is a compile-time
    constant in the kernels: False compiles a near-Earth-only variant (no SDP4 code, fewer
    registers) that must only be given objects with period < 225 min."""
    nan = math.nan
    # ---- secular gravity and atmospheric drag
    xmdf = c[i, K_MO] + c[i, K_MDOT] * t
    argpdf = c[i, K_ARGPO] + c[i, K_ARGPDOT] * t
    nodedf = c[i, K_NODEO] + c[i, K_NODEDOT] * t
    argpm = argpdf
    mm = xmdf
    t2 = t * t
    nodem = nodedf + c[i, K_NODECF] * t2
    tempa = 1.0 - c[i, K_CC1] * t
    bstar = c[i, K_BSTAR]
    tempe = bstar * c[i, K_CC4] * t
    templ = c[i, K_T2COF] * t2
    if c[i, K_ISIMP] != 1.0:
        delomg = c[i, K_OMGCOF] * t
        delmtemp = 1.0 + c[i, K_ETA] * math.cos(xmdf)
        delm = c[i, K_XMCOF] * (delmtemp * delmtemp * delmtemp - c[i, K_DELMO])
        temp = delomg + delm
        mm = xmdf + temp
        argpm = argpdf - temp
        t3 = t2 * t
        t4 = t3 * t
        tempa = tempa - c[i, K_D2] * t2 - c[i, K_D3] * t3 - c[i, K_D4] * t4
        tempe = tempe + bstar * c[i, K_CC5] * (math.sin(mm) - c[i, K_SINMAO])
        templ = templ + c[i, K_T3COF] * t3 + t4 * (c[i, K_T4COF] + t * c[i, K_T5COF])
    no = c[i, K_NO]
    nm = no
    em = c[i, K_ECCO]
    inclm = c[i, K_INCLO]
    deep = deep_ok and c[i, K_METHOD] == 1.0
    if deep:
        atime, xli, xni, em, argpm, inclm, mm, nodem, nm = dspace(
            c, i, t, atime, xli, xni, em, argpm, inclm, mm, nodem, nm)
    if nm <= 0.0:
        return nan, nan, nan, nan, nan, nan, 2, atime, xli, xni
    am = (XKE / nm) ** X2O3 * tempa * tempa
    nm = XKE / am ** 1.5
    em = em - tempe
    if em >= 1.0 or em < -0.001:
        return nan, nan, nan, nan, nan, nan, 1, atime, xli, xni
    if em < 1.0e-6:
        em = 1.0e-6
    mm = mm + no * templ
    xlm = mm + argpm + nodem
    nodem = fmod2pi(nodem)
    argpm = fmod2pi(argpm)
    xlm = fmod2pi(xlm)
    mm = fmod2pi(xlm - argpm - nodem)

    # ---- lunar-solar periodics
    ep = em
    xincp = inclm
    argpp = argpm
    nodep = nodem
    mp = mm
    if deep:
        ep, xincp, nodep, argpp, mp = dpper(c, i, t, ep, xincp, nodep, argpp, mp)
        if xincp < 0.0:
            xincp = -xincp
            nodep = nodep + PI
            argpp = argpp - PI
        if ep < 0.0 or ep > 1.0:
            return nan, nan, nan, nan, nan, nan, 3, atime, xli, xni
        sinip = math.sin(xincp)
        cosip = math.cos(xincp)
        aycof = -0.5 * J3OJ2 * sinip
        if abs(cosip + 1.0) > 1.5e-12:
            xlcof = -0.25 * J3OJ2 * sinip * (3.0 + 5.0 * cosip) / (1.0 + cosip)
        else:
            xlcof = -0.25 * J3OJ2 * sinip * (3.0 + 5.0 * cosip) / TEMP4
        cosisq = cosip * cosip
        con41 = 3.0 * cosisq - 1.0
        x1mth2 = 1.0 - cosisq
        x7thm1 = 7.0 * cosisq - 1.0
    else:
        # near Earth: the inclination is constant
        sinip = c[i, K_SINIO]
        cosip = c[i, K_COSIO]
        aycof = c[i, K_AYCOF]
        xlcof = c[i, K_XLCOF]
        con41 = c[i, K_CON41]
        x1mth2 = c[i, K_X1MTH2]
        x7thm1 = c[i, K_X7THM1]

    # ---- long-period periodics
    axnl = ep * math.cos(argpp)
    temp = 1.0 / (am * (1.0 - ep * ep))
    aynl = ep * math.sin(argpp) + temp * aycof
    xl = mp + argpp + nodep + temp * xlcof * axnl

    # ---- Kepler's equation (Newton, step limited to 0.95 rad, tolerance 1e-12, at most 10 passes)
    u = fmod2pi(xl - nodep)
    eo1 = u
    tem5 = 9999.9
    ktr = 1
    sineo1 = 0.0
    coseo1 = 0.0
    while abs(tem5) >= 1.0e-12 and ktr <= 10:
        sineo1 = math.sin(eo1)
        coseo1 = math.cos(eo1)
        tem5 = 1.0 - coseo1 * axnl - sineo1 * aynl
        tem5 = (u - aynl * coseo1 + axnl * sineo1 - eo1) / tem5
        if abs(tem5) >= 0.95:
            tem5 = 0.95 if tem5 > 0.0 else -0.95
        eo1 = eo1 + tem5
        ktr += 1

    # ---- short-period periodics
    ecose = axnl * coseo1 + aynl * sineo1
    esine = axnl * sineo1 - aynl * coseo1
    el2 = axnl * axnl + aynl * aynl
    pl = am * (1.0 - el2)
    if pl < 0.0:
        return nan, nan, nan, nan, nan, nan, 4, atime, xli, xni
    rl = am * (1.0 - ecose)
    rdotl = math.sqrt(am) * esine / rl
    rvdotl = math.sqrt(pl) / rl
    betal = math.sqrt(1.0 - el2)
    temp = esine / (1.0 + betal)
    sinu = am / rl * (sineo1 - aynl - axnl * temp)
    cosu = am / rl * (coseo1 - axnl + aynl * temp)
    su = math.atan2(sinu, cosu)
    sin2u = (cosu + cosu) * sinu
    cos2u = 1.0 - 2.0 * sinu * sinu
    temp = 1.0 / pl
    temp1 = 0.5 * J2 * temp
    temp2 = temp1 * temp
    mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u
    su = su - 0.25 * temp2 * x7thm1 * sin2u
    xnode = nodep + 1.5 * temp2 * cosip * sin2u
    xinc = xincp + 1.5 * temp2 * cosip * sinip * cos2u
    mvt = rdotl - nm * temp1 * x1mth2 * sin2u / XKE
    rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) / XKE

    # ---- orientation vectors
    sinsu = math.sin(su)
    cossu = math.cos(su)
    snod = math.sin(xnode)
    cnod = math.cos(xnode)
    sini = math.sin(xinc)
    cosi = math.cos(xinc)
    xmx = -snod * cosi
    xmy = cnod * cosi
    ux = xmx * sinsu + cnod * cossu
    uy = xmy * sinsu + snod * cossu
    uz = sini * sinsu
    vx = xmx * cossu - cnod * sinsu
    vy = xmy * cossu - snod * sinsu
    vz = sini * cossu
    if mrt < 1.0:
        return nan, nan, nan, nan, nan, nan, 6, atime, xli, xni
    mr = mrt * RADIUS_EARTH_KM
    return (mr * ux, mr * uy, mr * uz,
            (mvt * ux + rvdot * vx) * VKMPERSEC, (mvt * uy + rvdot * vy) * VKMPERSEC,
            (mvt * uz + rvdot * vz) * VKMPERSEC, 0, atime, xli, xni)
