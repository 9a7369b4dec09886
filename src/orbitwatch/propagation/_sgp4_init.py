"""SGP4/SDP4 initialisation for a whole catalog at once (numba, CPU).

Written for orbitwatch from the published algorithm: Hoots & Roehrich 1980
(Spacetrack Report #3: SGP4, and SDP4's DEEP/DPINIT lunar-solar and resonance
initialisation), as revised by Vallado, Crawford, Hujsak & Kelso 2006 ("Revisiting
Spacetrack Report #3", AIAA 2006-6753: initl, dscom, dsinit, gstime, 'improved'
operation mode). The operation order of every expression follows that paper's
reference implementation so that the coefficients agree with it to the last bit:
the deep-space propagation is sensitive to a few ulps of ``gsto`` (1 ulp of the
sidereal angle is ~4e-12 rad, i.e. ~0.2 mm at 60,000 km).

The initialisation is compiled *without* fastmath (no FMA contraction, no
reassociation): it runs once per catalog and must be exact. One row of the
coefficient table is filled per object (the parallel loop over objects is
``sgp4_numba``'s ``init_table``).
"""

from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

from ._sgp4_layout import (J2, J3OJ2, J4, K_AYCOF, K_ARGPDOT, K_ARGPO, K_BSTAR, K_CC1, K_CC4, K_CC5, K_CON41,
                           K_COSIO, K_D2, K_D3, K_D4, K_D2201, K_D2211, K_D3210, K_D3222, K_D4410, K_D4422,
                           K_D5220, K_D5232, K_D5421, K_D5433, K_DEDT, K_DEL1, K_DEL2, K_DEL3, K_DELMO, K_DIDT,
                           K_DMDT, K_DNODT, K_DOMDT, K_E3, K_ECCO, K_EE2, K_ETA, K_GSTO, K_INCLO, K_IREZ,
                           K_ISIMP, K_MDOT, K_METHOD, K_MO, K_NO, K_NODECF, K_NODEDOT, K_NODEO, K_OMGCOF,
                           K_SE2, K_SE3, K_SGH2, K_SGH3, K_SGH4, K_SH2,
                           K_SH3, K_SI2, K_SI3, K_SINIO, K_SINMAO, K_SL2, K_SL3, K_SL4, K_T2COF, K_T3COF,
                           K_T4COF, K_T5COF, K_X1MTH2, K_X7THM1, K_XFACT, K_XGH2, K_XGH3, K_XGH4, K_XH2, K_XH3,
                           K_XI2, K_XI3, K_XL2, K_XL3, K_XL4, K_XLAMO, K_XLCOF, K_XMCOF, K_ZMOL, K_ZMOS, NCOEF,
                           PI, RADIUS_EARTH_KM, TEMP4, TWOPI, X2O3, XKE)


# Lunar-solar constants of Spacetrack Report #3 (DEEP): solar/lunar mean motions (rad/min),
# eccentricities, and the solar/lunar perturbation coefficients.
ZNS, ZES, ZNL, ZEL = 1.19459e-5, 0.01675, 1.5835218e-4, 0.05490
C1SS, C1L = 2.9864797e-6, 4.7968065e-7
ZSINIS, ZCOSIS, ZCOSGS, ZSINGS = 0.39785416, 0.91744867, 0.1945905, -0.98088458
# Resonance constants (DPINIT): geopotential resonance coefficients and Earth rotation rad/min.
Q22, Q31, Q33 = 1.7891679e-6, 2.1460748e-6, 2.2123015e-7
ROOT22, ROOT44, ROOT54 = 1.7891679e-6, 7.3636953e-9, 2.1765803e-9
ROOT32, ROOT52 = 3.7393792e-7, 1.1428639e-7
RPTIM = 4.37526908801129966e-3  # 7.29211514668855e-5 rad/s in rad/min


@register_jitable
def gstime(jdut1):
    """Greenwich mean sidereal angle (rad), IAU 1982 (Vallado et al. 2006, 'improved' mode)."""
    tut1 = (jdut1 - 2451545.0) / 36525.0
    temp = (-6.2e-6 * tut1 * tut1 * tut1 + 0.093104 * tut1 * tut1
            + (876600.0 * 3600 + 8640184.812866) * tut1 + 67310.54841)
    temp = np.fmod(temp * (PI / 180.0) / 240.0, TWOPI)
    if temp < 0.0:
        temp += TWOPI
    return temp


@register_jitable
def _lunar_solar(c, i, epoch, ep, argpp, inclp, nodep, np_):
    """Deep-space common terms (DSCOM): fills the lunar-solar periodic coefficients of row i
    and returns the quantities the secular/resonance initialisation needs."""
    snodm = math.sin(nodep)
    cnodm = math.cos(nodep)
    sinomm = math.sin(argpp)
    cosomm = math.cos(argpp)
    sinim = math.sin(inclp)
    cosim = math.cos(inclp)
    em = ep
    emsq = em * em
    betasq = 1.0 - emsq
    rtemsq = math.sqrt(betasq)

    # lunar orbit orientation at epoch (days since 1900 Jan 0.5)
    day = epoch + 18261.5
    xnodce = np.fmod(4.5236020 - 9.2422029e-4 * day, TWOPI)
    stem = math.sin(xnodce)
    ctem = math.cos(xnodce)
    zcosil = 0.91375164 - 0.03568096 * ctem
    zsinil = math.sqrt(1.0 - zcosil * zcosil)
    zsinhl = 0.089683511 * stem / zsinil
    zcoshl = math.sqrt(1.0 - zsinhl * zsinhl)
    gam = 5.8351514 + 0.0019443680 * day
    zx = 0.39785416 * stem / zsinil
    zy = zcoshl * ctem + 0.91744867 * zsinhl * stem
    zx = math.atan2(zx, zy)
    zx = gam + zx - xnodce
    zcosgl = math.cos(zx)
    zsingl = math.sin(zx)

    xnoi = 1.0 / np_
    # two passes: k = 0 the Sun, k = 1 the Moon
    out = np.empty((2, 19))  # s1..s7, z1, z2, z3, z11, z12, z13, z21, z22, z23, z31, z32, z33
    for k in range(2):
        if k == 0:
            zcosg, zsing, zcosi, zsini = ZCOSGS, ZSINGS, ZCOSIS, ZSINIS
            zcosh, zsinh, cc = cnodm, snodm, C1SS
        else:
            zcosg, zsing, zcosi, zsini = zcosgl, zsingl, zcosil, zsinil
            zcosh = zcoshl * cnodm + zsinhl * snodm
            zsinh = snodm * zcoshl - cnodm * zsinhl
            cc = C1L
        a1 = zcosg * zcosh + zsing * zcosi * zsinh
        a3 = -zsing * zcosh + zcosg * zcosi * zsinh
        a7 = -zcosg * zsinh + zsing * zcosi * zcosh
        a8 = zsing * zsini
        a9 = zsing * zsinh + zcosg * zcosi * zcosh
        a10 = zcosg * zsini
        a2 = cosim * a7 + sinim * a8
        a4 = cosim * a9 + sinim * a10
        a5 = -sinim * a7 + cosim * a8
        a6 = -sinim * a9 + cosim * a10

        x1 = a1 * cosomm + a2 * sinomm
        x2 = a3 * cosomm + a4 * sinomm
        x3 = -a1 * sinomm + a2 * cosomm
        x4 = -a3 * sinomm + a4 * cosomm
        x5 = a5 * sinomm
        x6 = a6 * sinomm
        x7 = a5 * cosomm
        x8 = a6 * cosomm

        z31 = 12.0 * x1 * x1 - 3.0 * x3 * x3
        z32 = 24.0 * x1 * x2 - 6.0 * x3 * x4
        z33 = 12.0 * x2 * x2 - 3.0 * x4 * x4
        z1 = 3.0 * (a1 * a1 + a2 * a2) + z31 * emsq
        z2 = 6.0 * (a1 * a3 + a2 * a4) + z32 * emsq
        z3 = 3.0 * (a3 * a3 + a4 * a4) + z33 * emsq
        z11 = -6.0 * a1 * a5 + emsq * (-24.0 * x1 * x7 - 6.0 * x3 * x5)
        z12 = -6.0 * (a1 * a6 + a3 * a5) + emsq * (-24.0 * (x2 * x7 + x1 * x8) - 6.0 * (x3 * x6 + x4 * x5))
        z13 = -6.0 * a3 * a6 + emsq * (-24.0 * x2 * x8 - 6.0 * x4 * x6)
        z21 = 6.0 * a2 * a5 + emsq * (24.0 * x1 * x5 - 6.0 * x3 * x7)
        z22 = 6.0 * (a4 * a5 + a2 * a6) + emsq * (24.0 * (x2 * x5 + x1 * x6) - 6.0 * (x4 * x7 + x3 * x8))
        z23 = 6.0 * a4 * a6 + emsq * (24.0 * x2 * x6 - 6.0 * x4 * x8)
        z1 = z1 + z1 + betasq * z31
        z2 = z2 + z2 + betasq * z32
        z3 = z3 + z3 + betasq * z33
        s3 = cc * xnoi
        s2 = -0.5 * s3 / rtemsq
        s4 = s3 * rtemsq
        s1 = -15.0 * em * s4
        s5 = x1 * x3 + x2 * x4
        s6 = x2 * x3 + x1 * x4
        s7 = x2 * x4 - x1 * x3
        o = out[k]
        o[0], o[1], o[2], o[3], o[4], o[5], o[6] = s1, s2, s3, s4, s5, s6, s7
        o[7], o[8], o[9] = z1, z2, z3
        o[10], o[11], o[12], o[13], o[14], o[15] = z11, z12, z13, z21, z22, z23
        o[16], o[17], o[18] = z31, z32, z33

    c[i, K_ZMOL] = np.fmod(4.7199672 + 0.22997150 * day - gam, TWOPI)
    c[i, K_ZMOS] = np.fmod(6.2565837 + 0.017201977 * day, TWOPI)
    ss, sl = out[0], out[1]
    # solar terms
    c[i, K_SE2] = 2.0 * ss[0] * ss[5]
    c[i, K_SE3] = 2.0 * ss[0] * ss[6]
    c[i, K_SI2] = 2.0 * ss[1] * ss[11]
    c[i, K_SI3] = 2.0 * ss[1] * (ss[12] - ss[10])
    c[i, K_SL2] = -2.0 * ss[2] * ss[8]
    c[i, K_SL3] = -2.0 * ss[2] * (ss[9] - ss[7])
    c[i, K_SL4] = -2.0 * ss[2] * (-21.0 - 9.0 * emsq) * ZES
    c[i, K_SGH2] = 2.0 * ss[3] * ss[17]
    c[i, K_SGH3] = 2.0 * ss[3] * (ss[18] - ss[16])
    c[i, K_SGH4] = -18.0 * ss[3] * ZES
    c[i, K_SH2] = -2.0 * ss[1] * ss[14]
    c[i, K_SH3] = -2.0 * ss[1] * (ss[15] - ss[13])
    # lunar terms
    c[i, K_EE2] = 2.0 * sl[0] * sl[5]
    c[i, K_E3] = 2.0 * sl[0] * sl[6]
    c[i, K_XI2] = 2.0 * sl[1] * sl[11]
    c[i, K_XI3] = 2.0 * sl[1] * (sl[12] - sl[10])
    c[i, K_XL2] = -2.0 * sl[2] * sl[8]
    c[i, K_XL3] = -2.0 * sl[2] * (sl[9] - sl[7])
    c[i, K_XL4] = -2.0 * sl[2] * (-21.0 - 9.0 * emsq) * ZEL
    c[i, K_XGH2] = 2.0 * sl[3] * sl[17]
    c[i, K_XGH3] = 2.0 * sl[3] * (sl[18] - sl[16])
    c[i, K_XGH4] = -18.0 * sl[3] * ZEL
    c[i, K_XH2] = -2.0 * sl[1] * sl[14]
    c[i, K_XH3] = -2.0 * sl[1] * (sl[15] - sl[13])
    # peo .. plo stay 0 (the epoch periodics are not subtracted in Vallado's 2006 revision)
    return sinim, cosim, emsq, out


@register_jitable
def _deep_space_rates(c, i, sinim, cosim, emsq, out, eccsq, xpidot):
    """Lunar-solar secular rates and resonance coefficients (DSINIT) for row i, at t = 0."""
    ss, sl = out[0], out[1]
    s1, s2, s3, s4, s5 = sl[0], sl[1], sl[2], sl[3], sl[4]
    z1, z3, z11, z13, z21, z23, z31, z33 = sl[7], sl[9], sl[10], sl[12], sl[13], sl[15], sl[16], sl[18]
    ss1, ss2, ss3, ss4, ss5 = ss[0], ss[1], ss[2], ss[3], ss[4]
    sz1, sz3, sz11, sz13, sz21, sz23, sz31, sz33 = ss[7], ss[9], ss[10], ss[12], ss[13], ss[15], ss[16], ss[18]
    nm = c[i, K_NO]
    em = c[i, K_ECCO]
    inclm = c[i, K_INCLO]

    irez = 0
    if 0.0034906585 < nm < 0.0052359877:
        irez = 1
    if 8.26e-3 <= nm <= 9.24e-3 and em >= 0.5:
        irez = 2

    # solar secular terms
    ses = ss1 * ZNS * ss5
    sis = ss2 * ZNS * (sz11 + sz13)
    sls = -ZNS * ss3 * (sz1 + sz3 - 14.0 - 6.0 * emsq)
    sghs = ss4 * ZNS * (sz31 + sz33 - 6.0)
    shs = -ZNS * ss2 * (sz21 + sz23)
    if inclm < 5.2359877e-2 or inclm > PI - 5.2359877e-2:
        shs = 0.0
    if sinim != 0.0:
        shs = shs / sinim
    sgs = sghs - cosim * shs
    # lunar secular terms
    dedt = ses + s1 * ZNL * s5
    didt = sis + s2 * ZNL * (z11 + z13)
    dmdt = sls - ZNL * s3 * (z1 + z3 - 14.0 - 6.0 * emsq)
    sghl = s4 * ZNL * (z31 + z33 - 6.0)
    shll = -ZNL * s2 * (z21 + z23)
    if inclm < 5.2359877e-2 or inclm > PI - 5.2359877e-2:
        shll = 0.0
    domdt = sgs + sghl
    dnodt = shs
    if sinim != 0.0:
        domdt = domdt - cosim / sinim * shll
        dnodt = dnodt + shll / sinim
    c[i, K_DEDT] = dedt
    c[i, K_DIDT] = didt
    c[i, K_DMDT] = dmdt
    c[i, K_DNODT] = dnodt
    c[i, K_DOMDT] = domdt
    c[i, K_IREZ] = irez
    if irez == 0:
        return

    theta = np.fmod(c[i, K_GSTO], TWOPI)  # + tc * rptim with tc = 0
    no = c[i, K_NO]
    mo, nodeo, argpo = c[i, K_MO], c[i, K_NODEO], c[i, K_ARGPO]
    aonv = (nm / XKE) ** X2O3
    if irez == 2:
        # half-day resonance: the eccentricity functions use the epoch eccentricity
        cosisq = cosim * cosim
        em = c[i, K_ECCO]
        emsq2 = eccsq
        eoc = em * emsq2
        g201 = -0.306 - (em - 0.64) * 0.440
        if em <= 0.65:
            g211 = 3.616 - 13.2470 * em + 16.2900 * emsq2
            g310 = -19.302 + 117.3900 * em - 228.4190 * emsq2 + 156.5910 * eoc
            g322 = -18.9068 + 109.7927 * em - 214.6334 * emsq2 + 146.5816 * eoc
            g410 = -41.122 + 242.6940 * em - 471.0940 * emsq2 + 313.9530 * eoc
            g422 = -146.407 + 841.8800 * em - 1629.014 * emsq2 + 1083.4350 * eoc
            g520 = -532.114 + 3017.977 * em - 5740.032 * emsq2 + 3708.2760 * eoc
        else:
            g211 = -72.099 + 331.819 * em - 508.738 * emsq2 + 266.724 * eoc
            g310 = -346.844 + 1582.851 * em - 2415.925 * emsq2 + 1246.113 * eoc
            g322 = -342.585 + 1554.908 * em - 2366.899 * emsq2 + 1215.972 * eoc
            g410 = -1052.797 + 4758.686 * em - 7193.992 * emsq2 + 3651.957 * eoc
            g422 = -3581.690 + 16178.110 * em - 24462.770 * emsq2 + 12422.520 * eoc
            if em > 0.715:
                g520 = -5149.66 + 29936.92 * em - 54087.36 * emsq2 + 31324.56 * eoc
            else:
                g520 = 1464.74 - 4664.75 * em + 3763.64 * emsq2
        if em < 0.7:
            g533 = -919.22770 + 4988.6100 * em - 9064.7700 * emsq2 + 5542.21 * eoc
            g521 = -822.71072 + 4568.6173 * em - 8491.4146 * emsq2 + 5337.524 * eoc
            g532 = -853.66600 + 4690.2500 * em - 8624.7700 * emsq2 + 5341.4 * eoc
        else:
            g533 = -37995.780 + 161616.52 * em - 229838.20 * emsq2 + 109377.94 * eoc
            g521 = -51752.104 + 218913.95 * em - 309468.16 * emsq2 + 146349.42 * eoc
            g532 = -40023.880 + 170470.89 * em - 242699.48 * emsq2 + 115605.82 * eoc
        sini2 = sinim * sinim
        f220 = 0.75 * (1.0 + 2.0 * cosim + cosisq)
        f221 = 1.5 * sini2
        f321 = 1.875 * sinim * (1.0 - 2.0 * cosim - 3.0 * cosisq)
        f322 = -1.875 * sinim * (1.0 + 2.0 * cosim - 3.0 * cosisq)
        f441 = 35.0 * sini2 * f220
        f442 = 39.3750 * sini2 * sini2
        f522 = 9.84375 * sinim * (sini2 * (1.0 - 2.0 * cosim - 5.0 * cosisq)
                                  + 0.33333333 * (-2.0 + 4.0 * cosim + 6.0 * cosisq))
        f523 = sinim * (4.92187512 * sini2 * (-2.0 - 4.0 * cosim + 10.0 * cosisq)
                        + 6.56250012 * (1.0 + 2.0 * cosim - 3.0 * cosisq))
        f542 = 29.53125 * sinim * (2.0 - 8.0 * cosim + cosisq * (-12.0 + 8.0 * cosim + 10.0 * cosisq))
        f543 = 29.53125 * sinim * (-2.0 - 8.0 * cosim + cosisq * (12.0 + 8.0 * cosim - 10.0 * cosisq))
        xno2 = nm * nm
        ainv2 = aonv * aonv
        temp1 = 3.0 * xno2 * ainv2
        temp = temp1 * ROOT22
        c[i, K_D2201] = temp * f220 * g201
        c[i, K_D2211] = temp * f221 * g211
        temp1 = temp1 * aonv
        temp = temp1 * ROOT32
        c[i, K_D3210] = temp * f321 * g310
        c[i, K_D3222] = temp * f322 * g322
        temp1 = temp1 * aonv
        temp = 2.0 * temp1 * ROOT44
        c[i, K_D4410] = temp * f441 * g410
        c[i, K_D4422] = temp * f442 * g422
        temp1 = temp1 * aonv
        temp = temp1 * ROOT52
        c[i, K_D5220] = temp * f522 * g520
        c[i, K_D5232] = temp * f523 * g532
        temp = 2.0 * temp1 * ROOT54
        c[i, K_D5421] = temp * f542 * g521
        c[i, K_D5433] = temp * f543 * g533
        c[i, K_XLAMO] = np.fmod(mo + nodeo + nodeo - theta - theta, TWOPI)
        c[i, K_XFACT] = c[i, K_MDOT] + dmdt + 2.0 * (c[i, K_NODEDOT] + dnodt - RPTIM) - no
    else:
        # one-day (geosynchronous) resonance
        g200 = 1.0 + emsq * (-2.5 + 0.8125 * emsq)
        g310 = 1.0 + 2.0 * emsq
        g300 = 1.0 + emsq * (-6.0 + 6.60937 * emsq)
        f220 = 0.75 * (1.0 + cosim) * (1.0 + cosim)
        f311 = 0.9375 * sinim * sinim * (1.0 + 3.0 * cosim) - 0.75 * (1.0 + cosim)
        f330 = 1.0 + cosim
        f330 = 1.875 * f330 * f330 * f330
        del1 = 3.0 * nm * nm * aonv * aonv
        c[i, K_DEL2] = 2.0 * del1 * f220 * g200 * Q22
        c[i, K_DEL3] = 3.0 * del1 * f330 * g300 * Q33 * aonv
        c[i, K_DEL1] = del1 * f311 * g310 * Q31 * aonv
        c[i, K_XLAMO] = np.fmod(mo + nodeo + argpo - theta, TWOPI)
        c[i, K_XFACT] = c[i, K_MDOT] + xpidot - RPTIM + dmdt + domdt + dnodt - no


@register_jitable
def init_one(c, i, epoch, bstar, ecco, argpo, inclo, mo, no_kozai, nodeo):
    """sgp4init for one object (WGS-72, 'improved' mode) into row i of the coefficient table."""
    for k in range(NCOEF):
        c[i, k] = 0.0
    c[i, K_BSTAR] = bstar
    c[i, K_ECCO] = ecco
    c[i, K_ARGPO] = argpo
    c[i, K_INCLO] = inclo
    c[i, K_MO] = mo
    c[i, K_NODEO] = nodeo

    ss = 78.0 / RADIUS_EARTH_KM + 1.0
    qzms2ttemp = (120.0 - 78.0) / RADIUS_EARTH_KM
    qzms2t = qzms2ttemp * qzms2ttemp * qzms2ttemp * qzms2ttemp

    # --- initl: un-Kozai the mean motion (Brouwer mean motion), epoch sidereal angle
    eccsq = ecco * ecco
    omeosq = 1.0 - eccsq
    rteosq = math.sqrt(omeosq)
    cosio = math.cos(inclo)
    cosio2 = cosio * cosio
    ak = (XKE / no_kozai) ** X2O3
    d1 = 0.75 * J2 * (3.0 * cosio2 - 1.0) / (rteosq * omeosq)
    del_ = d1 / (ak * ak)
    adel = ak * (1.0 - del_ * del_ - del_ * (1.0 / 3.0 + 134.0 * del_ * del_ / 81.0))
    del_ = d1 / (adel * adel)
    no = no_kozai / (1.0 + del_)
    ao = (XKE / no) ** X2O3
    sinio = math.sin(inclo)
    po = ao * omeosq
    con42 = 1.0 - 5.0 * cosio2
    con41 = -con42 - cosio2 - cosio2
    posq = po * po
    rp = ao * (1.0 - ecco)
    gsto = gstime(epoch + 2433281.5)
    c[i, K_NO] = no
    c[i, K_CON41] = con41
    c[i, K_GSTO] = gsto
    c[i, K_SINIO] = sinio
    c[i, K_COSIO] = cosio

    if not (omeosq >= 0.0 or no >= 0.0):
        return

    isimp = 0
    if rp < 220.0 / RADIUS_EARTH_KM + 1.0:
        isimp = 1
    sfour = ss
    qzms24 = qzms2t
    perige = (rp - 1.0) * RADIUS_EARTH_KM
    # atmosphere below 156 km: adjust the density parameter s
    if perige < 156.0:
        sfour = perige - 78.0
        if perige < 98.0:
            sfour = 20.0
        qzms24temp = (120.0 - sfour) / RADIUS_EARTH_KM
        qzms24 = qzms24temp * qzms24temp * qzms24temp * qzms24temp
        sfour = sfour / RADIUS_EARTH_KM + 1.0
    pinvsq = 1.0 / posq

    tsi = 1.0 / (ao - sfour)
    eta = ao * ecco * tsi
    etasq = eta * eta
    eeta = ecco * eta
    psisq = abs(1.0 - etasq)
    coef = qzms24 * tsi ** 4.0
    coef1 = coef / psisq ** 3.5
    cc2 = coef1 * no * (ao * (1.0 + 1.5 * etasq + eeta * (4.0 + etasq))
                        + 0.375 * J2 * tsi / psisq * con41 * (8.0 + 3.0 * etasq * (8.0 + etasq)))
    cc1 = bstar * cc2
    cc3 = 0.0
    if ecco > 1.0e-4:
        cc3 = -2.0 * coef * tsi * J3OJ2 * no * sinio / ecco
    x1mth2 = 1.0 - cosio2
    cc4 = 2.0 * no * coef1 * ao * omeosq * (
        eta * (2.0 + 0.5 * etasq) + ecco * (0.5 + 2.0 * etasq)
        - J2 * tsi / (ao * psisq) * (-3.0 * con41 * (1.0 - 2.0 * eeta + etasq * (1.5 - 0.5 * eeta))
                                     + 0.75 * x1mth2 * (2.0 * etasq - eeta * (1.0 + etasq))
                                     * math.cos(2.0 * argpo)))
    cc5 = 2.0 * coef1 * ao * omeosq * (1.0 + 2.75 * (etasq + eeta) + eeta * etasq)
    cosio4 = cosio2 * cosio2
    temp1 = 1.5 * J2 * pinvsq * no
    temp2 = 0.5 * temp1 * J2 * pinvsq
    temp3 = -0.46875 * J4 * pinvsq * pinvsq * no
    mdot = no + 0.5 * temp1 * rteosq * con41 + 0.0625 * temp2 * rteosq * (13.0 - 78.0 * cosio2 + 137.0 * cosio4)
    argpdot = (-0.5 * temp1 * con42 + 0.0625 * temp2 * (7.0 - 114.0 * cosio2 + 395.0 * cosio4)
               + temp3 * (3.0 - 36.0 * cosio2 + 49.0 * cosio4))
    xhdot1 = -temp1 * cosio
    nodedot = xhdot1 + (0.5 * temp2 * (4.0 - 19.0 * cosio2) + 2.0 * temp3 * (3.0 - 7.0 * cosio2)) * cosio
    xpidot = argpdot + nodedot
    omgcof = bstar * cc3 * math.cos(argpo)
    xmcof = 0.0
    if ecco > 1.0e-4:
        xmcof = -X2O3 * coef * bstar / eeta
    nodecf = 3.5 * omeosq * xhdot1 * cc1
    t2cof = 1.5 * cc1
    if abs(cosio + 1.0) > 1.5e-12:
        xlcof = -0.25 * J3OJ2 * sinio * (3.0 + 5.0 * cosio) / (1.0 + cosio)
    else:
        xlcof = -0.25 * J3OJ2 * sinio * (3.0 + 5.0 * cosio) / TEMP4
    aycof = -0.5 * J3OJ2 * sinio
    delmotemp = 1.0 + eta * math.cos(mo)
    delmo = delmotemp * delmotemp * delmotemp
    sinmao = math.sin(mo)
    x7thm1 = 7.0 * cosio2 - 1.0

    c[i, K_ETA] = eta
    c[i, K_CC1] = cc1
    c[i, K_CC4] = cc4
    c[i, K_CC5] = cc5
    c[i, K_X1MTH2] = x1mth2
    c[i, K_MDOT] = mdot
    c[i, K_ARGPDOT] = argpdot
    c[i, K_NODEDOT] = nodedot
    c[i, K_OMGCOF] = omgcof
    c[i, K_XMCOF] = xmcof
    c[i, K_NODECF] = nodecf
    c[i, K_T2COF] = t2cof
    c[i, K_XLCOF] = xlcof
    c[i, K_AYCOF] = aycof
    c[i, K_DELMO] = delmo
    c[i, K_SINMAO] = sinmao
    c[i, K_X7THM1] = x7thm1

    # --- deep space (period >= 225 min): lunar-solar terms and resonances
    if TWOPI / no >= 225.0:
        c[i, K_METHOD] = 1.0
        isimp = 1
        sinim, cosim, emsq, out = _lunar_solar(c, i, epoch, ecco, argpo, inclo, nodeo, no)
        _deep_space_rates(c, i, sinim, cosim, emsq, out, eccsq, xpidot)

    if isimp != 1:
        cc1sq = cc1 * cc1
        d2 = 4.0 * ao * tsi * cc1sq
        temp = d2 * tsi * cc1 / 3.0
        d3 = (17.0 * ao + sfour) * temp
        d4 = 0.5 * temp * ao * tsi * (221.0 * ao + 31.0 * sfour) * cc1
        c[i, K_D2] = d2
        c[i, K_D3] = d3
        c[i, K_D4] = d4
        c[i, K_T3COF] = d2 + 2.0 * cc1sq
        c[i, K_T4COF] = 0.25 * (3.0 * d3 + cc1 * (12.0 * d2 + 10.0 * cc1sq))
        c[i, K_T5COF] = 0.2 * (3.0 * d4 + 12.0 * cc1 * d3 + 6.0 * d2 * d2 + 15.0 * cc1sq * (2.0 * d2 + cc1sq))
    c[i, K_ISIMP] = isimp
