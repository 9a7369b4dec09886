"""Sensor-to-ground geometry on the WGS-84 ellipsoid, compiled with numba.

Conventions (all Earth-fixed, ITRF, km, s, rad):

* ``r``, ``v``: satellite position and velocity relative to the rotating Earth, so the
  zero-Doppler condition for a ground point ``p`` is ``(p - r) . v = 0``.
* nadir ``n``: minus the ellipsoid normal through the satellite (geodetic nadir).
* off-nadir angle ``eta``: between the line of sight ``p - r`` and ``n``.
* incidence angle ``theta``: between the line of sight (reversed) and the ellipsoid normal at
  ``p``; the target's elevation angle is ``90 deg - theta`` (no refraction).
* roll ``c``: the look angle in the plane normal to ``v`` (the zero-Doppler plane), measured
  from the component of ``n`` normal to ``v``; positive to the right of the velocity.
* satellite states between samples come from cubic Hermite interpolation of SGP4 positions and
  velocities (for LEO at a 30 s sample step the interpolation error is ~1 cm).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..constants import F_WGS84 as F
from ..constants import RE_WGS84_KM as A_KM

B_KM = A_KM * (1.0 - F)
E2 = F * (2.0 - F)
EP2 = E2 / (1.0 - E2)

_jit = nb.njit(cache=True, fastmath=False, nogil=True)


@_jit
def geodetic_up(x, y, z):
    """Unit ellipsoid normal through (x, y, z) (Bowring 1976, one iteration; < 1e-9 rad for LEO)."""
    p = math.sqrt(x * x + y * y)
    lam = math.atan2(y, x)
    th = math.atan2(z * A_KM, p * B_KM)
    st, ct = math.sin(th), math.cos(th)
    phi = math.atan2(z + EP2 * B_KM * st * st * st, p - E2 * A_KM * ct * ct * ct)
    # second Bowring iteration for high altitudes
    beta = math.atan2((1.0 - F) * math.sin(phi), math.cos(phi))
    sb, cb = math.sin(beta), math.cos(beta)
    phi = math.atan2(z + EP2 * B_KM * sb * sb * sb, p - E2 * A_KM * cb * cb * cb)
    cp = math.cos(phi)
    return cp * math.cos(lam), cp * math.sin(lam), math.sin(phi)


@_jit
def hermite(t, n0, n, dt, R, V, out):
    """State at ``t`` s after the first of ``n`` nodes ``R[n0:n0+n]``, ``V[...]`` spaced ``dt`` s.

    Writes r (0:3), v (3:6) and acceleration (6:9) into ``out``; returns False outside the nodes.
    """
    if n < 2 or t < -1e-9 or t > (n - 1) * dt + 1e-9:
        return False
    k = int(t // dt)
    if k > n - 2:
        k = n - 2
    if k < 0:
        k = 0
    s = (t - k * dt) / dt
    s2 = s * s
    s3 = s2 * s
    h00 = 2 * s3 - 3 * s2 + 1
    h10 = s3 - 2 * s2 + s
    h01 = -2 * s3 + 3 * s2
    h11 = s3 - s2
    d00 = 6 * s2 - 6 * s
    d10 = 3 * s2 - 4 * s + 1
    d01 = -6 * s2 + 6 * s
    d11 = 3 * s2 - 2 * s
    a00 = 12 * s - 6
    a10 = 6 * s - 4
    a01 = -12 * s + 6
    a11 = 6 * s - 2
    i0 = n0 + k
    i1 = i0 + 1
    for j in range(3):
        r0 = R[i0, j]
        r1 = R[i1, j]
        v0 = V[i0, j] * dt
        v1 = V[i1, j] * dt
        out[j] = h00 * r0 + h10 * v0 + h01 * r1 + h11 * v1
        out[3 + j] = (d00 * r0 + d10 * v0 + d01 * r1 + d11 * v1) / dt
        out[6 + j] = (a00 * r0 + a10 * v0 + a01 * r1 + a11 * v1) / (dt * dt)
    return True


@_jit
def look_angles(st, px, py, pz, ux, uy, uz, res):
    """Angles of ground point p (normal u) seen from state ``st`` (r, v).

    res[0] off-nadir eta, res[1] incidence theta, res[2] roll c (zero-Doppler plane, + right),
    res[3] along-track offset (p - r) . v_hat (km), res[4] range (km), res[5] side (+1 right, -1 left).
    """
    rx, ry, rz = st[0], st[1], st[2]
    vx, vy, vz = st[3], st[4], st[5]
    lx, ly, lz = px - rx, py - ry, pz - rz
    rng = math.sqrt(lx * lx + ly * ly + lz * lz)
    nx, ny, nz = geodetic_up(rx, ry, rz)
    nx, ny, nz = -nx, -ny, -nz
    vn = math.sqrt(vx * vx + vy * vy + vz * vz)
    vhx, vhy, vhz = vx / vn, vy / vn, vz / vn
    cos_eta = (lx * nx + ly * ny + lz * nz) / rng
    res[0] = math.acos(min(1.0, max(-1.0, cos_eta)))
    cos_th = -(lx * ux + ly * uy + lz * uz) / rng
    res[1] = math.acos(min(1.0, max(-1.0, cos_th)))
    # zero-Doppler frame: n_perp = n - (n.vh) vh ; y = n_perp x vh (right)
    nv = nx * vhx + ny * vhy + nz * vhz
    qx, qy, qz = nx - nv * vhx, ny - nv * vhy, nz - nv * vhz
    qn = math.sqrt(qx * qx + qy * qy + qz * qz)
    qx, qy, qz = qx / qn, qy / qn, qz / qn
    yx = qy * vhz - qz * vhy
    yy = qz * vhx - qx * vhz
    yz = qx * vhy - qy * vhx
    ly_ = lx * yx + ly * yy + lz * yz
    lq = lx * qx + ly * qy + lz * qz
    res[2] = math.atan2(ly_, lq)
    res[3] = lx * vhx + ly * vhy + lz * vhz
    res[4] = rng
    res[5] = 1.0 if ly_ >= 0 else -1.0


@_jit
def zero_doppler(n0, n, dt, R, V, px, py, pz, t_guess, st):
    """Time (s after the first node) when (p - r).v = 0, by Newton from ``t_guess``; NaN if outside."""
    t = t_guess
    tmax = (n - 1) * dt
    for _ in range(30):
        if t < 0.0:
            t = 0.0
        if t > tmax:
            t = tmax
        hermite(t, n0, n, dt, R, V, st)
        lx, ly, lz = px - st[0], py - st[1], pz - st[2]
        f = lx * st[3] + ly * st[4] + lz * st[5]
        fp = -(st[3] * st[3] + st[4] * st[4] + st[5] * st[5]) + lx * st[6] + ly * st[7] + lz * st[8]
        if fp >= 0.0:
            return np.nan
        step = -f / fp
        t_new = t + step
        if t_new < -1.0 or t_new > tmax + 1.0:
            # the root is outside the sampled pass: try to confirm with one clamped step
            if (t <= 0.0 and step < 0) or (t >= tmax and step > 0):
                return np.nan
        t = t_new
        if abs(step) < 1e-6:
            break
    if t < 0.0 or t > tmax:
        return np.nan
    return t


@nb.njit(cache=True, parallel=True)
def map_points(pass_n0, pass_n, dt, R, V, P, U, t_guess, iters=0):
    """Zero-Doppler time and look angles of every point for every pass.

    Newton on (p - r(t)) . v(t) = 0 from ``t_guess[pass]`` (the first step reuses the state at
    the guess for every point). ``iters = 0``: iterate to 1e-6 s; ``iters = k``: exactly k steps
    (from a guess within ~20 s two steps leave < 1e-4 s, enough for coverage cells).
    Returns (tau, eta, theta, roll) arrays of shape (n_pass, n_point); NaN where the point's
    zero-Doppler time is outside the pass's samples.
    """
    npass = pass_n0.shape[0]
    npt = P.shape[0]
    tau = np.full((npass, npt), np.nan)
    eta = np.full((npass, npt), np.nan)
    theta = np.full((npass, npt), np.nan)
    roll = np.full((npass, npt), np.nan)
    for j in nb.prange(npass):
        st = np.empty(9)
        st0 = np.empty(9)
        res = np.empty(6)
        n0 = pass_n0[j]
        n = pass_n[j]
        tmax = (n - 1) * dt
        tg = min(max(t_guess[j], 0.0), tmax)
        hermite(tg, n0, n, dt, R, V, st0)
        for k in range(npt):
            px, py, pz = P[k, 0], P[k, 1], P[k, 2]
            lx, ly, lz = px - st0[0], py - st0[1], pz - st0[2]
            f = lx * st0[3] + ly * st0[4] + lz * st0[5]
            fp = -(st0[3] * st0[3] + st0[4] * st0[4] + st0[5] * st0[5]) + lx * st0[6] + ly * st0[7] + lz * st0[8]
            if fp >= 0.0:
                continue
            t = tg - f / fp
            if iters == 0:
                t = zero_doppler(n0, n, dt, R, V, px, py, pz, t, st)
                if t != t or t < 0.0 or t > tmax:
                    continue
                hermite(t, n0, n, dt, R, V, st)
            else:
                # fixed steps; the angles use the state of the last step (within ~1e-4 s of the root)
                for _ in range(iters - 1):
                    if t < 0.0 or t > tmax:
                        break
                    hermite(t, n0, n, dt, R, V, st)
                    lx, ly, lz = px - st[0], py - st[1], pz - st[2]
                    f = lx * st[3] + ly * st[4] + lz * st[5]
                    fp = -(st[3] * st[3] + st[4] * st[4] + st[5] * st[5]) + lx * st[6] + ly * st[7] + lz * st[8]
                    t = t - f / fp
                if t != t or t < 0.0 or t > tmax:
                    continue
                if iters == 1:
                    hermite(t, n0, n, dt, R, V, st)
            look_angles(st, px, py, pz, U[k, 0], U[k, 1], U[k, 2], res)
            tau[j, k] = t
            eta[j, k] = res[0]
            theta[j, k] = res[1]
            roll[j, k] = res[2]
    return tau, eta, theta, roll


@_jit
def band_extent(tau, coord, ring_start, lo, hi):
    """Extent in ``tau`` of {polygon} intersected with the band lo <= coord <= hi.

    The polygon is given in (tau, coord) coordinates by its rings (points ring_start[i] ..
    ring_start[i+1]-1, closed implicitly). Straight edges in these coordinates; the extreme of
    tau over the intersection is at a vertex inside the band or where an edge crosses a band
    edge. Returns (tmin, tmax), NaN when empty or when a vertex is unmapped.
    """
    tmin = np.inf
    tmax = -np.inf
    nr = ring_start.shape[0] - 1
    for ri in range(nr):
        a0 = ring_start[ri]
        a1 = ring_start[ri + 1]
        m = a1 - a0
        for i in range(m):
            k0 = a0 + i
            k1 = a0 + (i + 1) % m
            t0, c0 = tau[k0], coord[k0]
            t1, c1 = tau[k1], coord[k1]
            if t0 != t0 or t1 != t1 or c0 != c0 or c1 != c1:
                return np.nan, np.nan
            # clip segment parameter s in [0, 1] to lo <= c0 + s (c1 - c0) <= hi
            s_lo, s_hi = 0.0, 1.0
            dc = c1 - c0
            if dc == 0.0:
                if c0 < lo or c0 > hi:
                    continue
            else:
                sa = (lo - c0) / dc
                sb = (hi - c0) / dc
                if sa > sb:
                    sa, sb = sb, sa
                if sa > s_lo:
                    s_lo = sa
                if sb < s_hi:
                    s_hi = sb
                if s_lo > s_hi:
                    continue
            ta = t0 + s_lo * (t1 - t0)
            tb = t0 + s_hi * (t1 - t0)
            if ta < tmin:
                tmin = ta
            if tb < tmin:
                tmin = tb
            if ta > tmax:
                tmax = ta
            if tb > tmax:
                tmax = tb
    if tmin > tmax:
        return np.nan, np.nan
    return tmin, tmax


@_jit
def _laea(lat, lon, lat0, lon0, R0):
    dl = lon - lon0
    cosc = math.sin(lat0) * math.sin(lat) + math.cos(lat0) * math.cos(lat) * math.cos(dl)
    k = math.sqrt(2.0 / max(1.0 + cosc, 1e-15))
    x = R0 * k * math.cos(lat) * math.sin(dl)
    y = R0 * k * (math.cos(lat0) * math.sin(lat) - math.sin(lat0) * math.cos(lat) * math.cos(dl))
    return x, y


@_jit
def _inside(x, y, XY, ring_start):
    inside = False
    nr = ring_start.shape[0] - 1
    for ri in range(nr):
        a0 = ring_start[ri]
        a1 = ring_start[ri + 1]
        m = a1 - a0
        if m < 3:
            continue
        for i in range(m):
            x0, y0 = XY[a0 + i, 0], XY[a0 + i, 1]
            x1, y1 = XY[a0 + (i + 1) % m, 0], XY[a0 + (i + 1) % m, 1]
            if (y0 > y) != (y1 > y):
                xc = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
                if x < xc:
                    inside = not inside
    return inside


@_jit
def cone_g(t, n0, n, dt, R, V, P, U, XY, ring_start, lat0, lon0, R0, use_inc, lo, hi, st, res):
    """g(t) = max(min_p a - hi, lo - max_p a) over the area (a: off-nadir or incidence, rad).

    Access in a cone field of regard <=> g <= 0. The minimum is 0 when the nadir point lies
    inside the area (the boundary holds the extremes otherwise). Extremes are taken on the
    cosines, so only two arc-cosines are evaluated per call.
    """
    if not hermite(t, n0, n, dt, R, V, st):
        return np.inf
    rx, ry, rz = st[0], st[1], st[2]
    ux, uy, uz = geodetic_up(rx, ry, rz)
    cmax = -2.0  # largest cosine = smallest angle
    cmin = 2.0
    for k in range(P.shape[0]):
        lx, ly, lz = P[k, 0] - rx, P[k, 1] - ry, P[k, 2] - rz
        rng = math.sqrt(lx * lx + ly * ly + lz * lz)
        if use_inc:
            c = -(lx * U[k, 0] + ly * U[k, 1] + lz * U[k, 2]) / rng
        else:
            c = -(lx * ux + ly * uy + lz * uz) / rng
        if c > cmax:
            cmax = c
        if c < cmin:
            cmin = c
    amin = math.acos(min(1.0, max(-1.0, cmax)))
    amax = math.acos(min(1.0, max(-1.0, cmin)))
    if P.shape[0] >= 3:
        lat = math.asin(max(-1.0, min(1.0, uz)))
        lon = math.atan2(uy, ux)
        while lon - lon0 > math.pi:
            lon -= 2 * math.pi
        while lon - lon0 < -math.pi:
            lon += 2 * math.pi
        x, y = _laea(lat, lon, lat0, lon0, R0)
        if _inside(x, y, XY, ring_start):
            amin = 0.0
    return max(amin - hi, lo - amax)


@nb.njit(cache=True, parallel=True)
def cone_windows(job_pass, job_lo, job_hi, job_inc, pass_n0, pass_n, dt, R, V, P, U, XY, ring_start,
                 lat0, lon0, R0, lipschitz, min_step_s, tol_s, max_windows):
    """Access windows of cone (agile) fields of regard: one job = (pass, limits).

    Samples g at the pass nodes, subdivides every interval that the Lipschitz bound
    ``|dg/dt| <= lipschitz[pass]`` cannot exclude down to ``min_step_s``, and bisects every
    change of sign to ``tol_s``. Returns (start, end) arrays (n_job, max_windows), NaN-padded.
    """
    nj = job_pass.shape[0]
    ws = np.full((nj, max_windows), np.nan)
    we = np.full((nj, max_windows), np.nan)
    for j in nb.prange(nj):
        p = job_pass[j]
        n0 = pass_n0[p]
        n = pass_n[p]
        L = lipschitz[p]
        lo = job_lo[j]
        hi = job_hi[j]
        inc = job_inc[j]
        st = np.empty(9)
        res = np.empty(6)
        # evaluated points (t, g) in increasing t, built by subdivision
        ts = np.empty(4096)
        gs = np.empty(4096)
        cnt = 0
        stack_a = np.empty(256)
        stack_b = np.empty(256)
        stack_ga = np.empty(256)
        stack_gb = np.empty(256)
        prev_t = 0.0
        prev_g = cone_g(0.0, n0, n, dt, R, V, P, U, XY, ring_start, lat0, lon0, R0, inc, lo, hi, st, res)
        ts[0] = prev_t
        gs[0] = prev_g
        cnt = 1
        for k in range(1, n):
            t1 = k * dt
            g1 = cone_g(t1, n0, n, dt, R, V, P, U, XY, ring_start, lat0, lon0, R0, inc, lo, hi, st, res)
            # depth-first subdivision of [prev_t, t1], emitting points in order
            sp = 0
            stack_a[0] = prev_t
            stack_b[0] = t1
            stack_ga[0] = prev_g
            stack_gb[0] = g1
            sp = 1
            while sp > 0:
                sp -= 1
                a = stack_a[sp]
                b = stack_b[sp]
                ga = stack_ga[sp]
                gb = stack_gb[sp]
                excluded = ga > 0 and gb > 0 and (ga + gb) > L * (b - a)
                change = (ga <= 0) != (gb <= 0)
                if excluded or change or (b - a) <= min_step_s or (ga <= 0 and gb <= 0) or sp >= 250 \
                        or cnt >= 4090:
                    if cnt < 4096:
                        ts[cnt] = b
                        gs[cnt] = gb
                        cnt += 1
                    continue
                m = 0.5 * (a + b)
                gm = cone_g(m, n0, n, dt, R, V, P, U, XY, ring_start, lat0, lon0, R0, inc, lo, hi, st, res)
                # push right half first so the left half is processed first
                stack_a[sp] = m
                stack_b[sp] = b
                stack_ga[sp] = gm
                stack_gb[sp] = gb
                sp += 1
                stack_a[sp] = a
                stack_b[sp] = m
                stack_ga[sp] = ga
                stack_gb[sp] = gm
                sp += 1
            prev_t = t1
            prev_g = g1
        # windows from sign changes, bisected
        nw = 0
        inside = gs[0] <= 0
        start = 0.0 if inside else np.nan
        for i in range(1, cnt):
            now = gs[i] <= 0
            if now != inside:
                a = ts[i - 1]
                b = ts[i]
                while b - a > tol_s:
                    m = 0.5 * (a + b)
                    gm = cone_g(m, n0, n, dt, R, V, P, U, XY, ring_start, lat0, lon0, R0, inc, lo, hi, st, res)
                    if (gm <= 0) == now:
                        b = m
                    else:
                        a = m
                edge = 0.5 * (a + b)
                if now:
                    start = edge
                else:
                    if nw < max_windows:
                        ws[j, nw] = start
                        we[j, nw] = edge
                        nw += 1
                inside = now
        if inside and nw < max_windows:
            ws[j, nw] = start
            we[j, nw] = ts[cnt - 1]
            nw += 1
    return ws, we


@nb.njit(cache=True)
def strip_points(n0, n, dt, R, V, taus, roll, out):
    """Ground points (ITRF, on the ellipsoid) seen at roll angle ``roll`` at times ``taus``.

    out[i] = NaN where the ray misses the Earth.
    """
    st = np.empty(9)
    for i in range(taus.shape[0]):
        if not hermite(taus[i], n0, n, dt, R, V, st):
            out[i, 0] = out[i, 1] = out[i, 2] = np.nan
            continue
        rx, ry, rz = st[0], st[1], st[2]
        vx, vy, vz = st[3], st[4], st[5]
        nx, ny, nz = geodetic_up(rx, ry, rz)
        nx, ny, nz = -nx, -ny, -nz
        vn = math.sqrt(vx * vx + vy * vy + vz * vz)
        vhx, vhy, vhz = vx / vn, vy / vn, vz / vn
        nv = nx * vhx + ny * vhy + nz * vhz
        qx, qy, qz = nx - nv * vhx, ny - nv * vhy, nz - nv * vhz
        qn = math.sqrt(qx * qx + qy * qy + qz * qz)
        qx, qy, qz = qx / qn, qy / qn, qz / qn
        yx = qy * vhz - qz * vhy
        yy = qz * vhx - qx * vhz
        yz = qx * vhy - qy * vhx
        c, s = math.cos(roll), math.sin(roll)
        dx, dy, dz = c * qx + s * yx, c * qy + s * yy, c * qz + s * yz
        # ray-ellipsoid: scale z by a/b
        k = A_KM / B_KM
        ox, oy, oz = rx, ry, rz * k
        ex, ey, ez = dx, dy, dz * k
        aa = ex * ex + ey * ey + ez * ez
        bb = 2.0 * (ox * ex + oy * ey + oz * ez)
        cc = ox * ox + oy * oy + oz * oz - A_KM * A_KM
        disc = bb * bb - 4 * aa * cc
        if disc < 0:
            out[i, 0] = out[i, 1] = out[i, 2] = np.nan
            continue
        tt = (-bb - math.sqrt(disc)) / (2 * aa)
        out[i, 0] = rx + tt * dx
        out[i, 1] = ry + tt * dy
        out[i, 2] = rz + tt * dz


def ground_normals(lat_deg, lon_deg) -> np.ndarray:
    """Unit ellipsoid normals (..., 3) at geodetic latitude/longitude."""
    la = np.radians(np.asarray(lat_deg, float))
    lo = np.radians(np.asarray(lon_deg, float))
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def ground_points(lat_deg, lon_deg, height_km=0.0) -> np.ndarray:
    """ITRF positions (..., 3) of geodetic coordinates on WGS-84 (closed form)."""
    la = np.radians(np.asarray(lat_deg, float))
    lo = np.radians(np.asarray(lon_deg, float))
    N = A_KM / np.sqrt(1.0 - E2 * np.sin(la) ** 2)
    h = np.asarray(height_km, float)
    return np.stack([(N + h) * np.cos(la) * np.cos(lo), (N + h) * np.cos(la) * np.sin(lo),
                     (N * (1 - E2) + h) * np.sin(la)], axis=-1)


def itrf_to_latlon(xyz: np.ndarray):
    """Geodetic latitude/longitude (deg) of ITRF points (Bowring, vectorised)."""
    x, y, z = xyz[..., 0], xyz[..., 1], xyz[..., 2]
    p = np.hypot(x, y)
    th = np.arctan2(z * A_KM, p * B_KM)
    phi = np.arctan2(z + EP2 * B_KM * np.sin(th) ** 3, p - E2 * A_KM * np.cos(th) ** 3)
    beta = np.arctan2((1 - F) * np.sin(phi), np.cos(phi))
    phi = np.arctan2(z + EP2 * B_KM * np.sin(beta) ** 3, p - E2 * A_KM * np.cos(beta) ** 3)
    return np.degrees(phi), np.degrees(np.arctan2(y, x))


@_jit
def _roll_to_ground(c, r, R):
    x = r / R * math.sin(abs(c))
    if x > 1.0:
        x = 1.0
    g = R * (math.asin(x) - abs(c))
    return g if c >= 0 else -g


@_jit
def _ground_to_roll(s, r, R):
    lam = abs(s) / R
    c = math.atan2(R * math.sin(lam), r - R * math.cos(lam))
    return c if s >= 0 else -c


@nb.njit(cache=True)
def strip_options(rows, lo, hi, use_inc, nadir_only, swath_km, r_sat, R_loc, tau_c, eta_c, th_c, roll_c,
                  tau_b, roll_b, ring_start, win_s, win_e, clip_to_window, max_options):
    """Swath positions offered by each opportunity and what each covers.

    One opportunity per index: ``rows[i]`` is its row in the cell arrays (tau_c ...), the
    boundary arrays are per opportunity (tau_b[i], roll_b[i]). The field of regard is
    ``lo <= sign(roll) * angle <= hi`` (angle: incidence if ``use_inc`` else off-nadir). Strips are
    roll intervals of ground width ``swath_km`` (spherical relation with radii r_sat, R_loc),
    inside the field of regard, spread over the accessible part (at most ``max_options``).

    Returns per (opportunity, option): roll0, roll1, t_start, t_end (pass-relative s), covered
    cells (bool), min/max off-nadir and incidence over covered cells, and per opportunity the
    accessible angle ranges.
    """
    nopp = rows.shape[0]
    nc = tau_c.shape[1]
    r0 = np.full((nopp, max_options), np.nan)
    r1 = np.full((nopp, max_options), np.nan)
    ts = np.full((nopp, max_options), np.nan)
    te = np.full((nopp, max_options), np.nan)
    cov = np.zeros((nopp, max_options, nc), dtype=np.bool_)
    ang = np.full((nopp, max_options, 4), np.nan)
    acc_ang = np.full((nopp, 4), np.nan)
    for i in range(nopp):
        row = rows[i]
        # accessible cells
        cmin, cmax = np.inf, -np.inf
        emin, emax, tmin, tmax = np.inf, -np.inf, np.inf, -np.inf
        acc = np.zeros(nc, dtype=np.bool_)
        for k in range(nc):
            if tau_c[row, k] != tau_c[row, k]:
                continue
            a = th_c[row, k] if use_inc[i] else eta_c[row, k]
            sgn = 1.0 if roll_c[row, k] >= 0 else -1.0
            x = a * sgn
            if x < lo[i] or x > hi[i]:
                continue
            acc[k] = True
            rc = roll_c[row, k]
            cmin = min(cmin, rc)
            cmax = max(cmax, rc)
            emin = min(emin, eta_c[row, k])
            emax = max(emax, eta_c[row, k])
            tmin = min(tmin, th_c[row, k])
            tmax = max(tmax, th_c[row, k])
        acc_ang[i, 0] = emin
        acc_ang[i, 1] = emax
        acc_ang[i, 2] = tmin
        acc_ang[i, 3] = tmax
        if cmin > cmax:
            continue
        r, R = r_sat[i], R_loc[i]
        if use_inc[i]:
            b0 = math.asin(min(1.0, R / r * math.sin(abs(lo[i]))))
            b0 = b0 if lo[i] >= 0 else -b0
            b1 = math.asin(min(1.0, R / r * math.sin(abs(hi[i]))))
            b1 = b1 if hi[i] >= 0 else -b1
        else:
            b0, b1 = lo[i], hi[i]
        W = swath_km[i]
        nopt = 0
        starts = np.empty(max_options)
        if nadir_only[i]:
            r0[i, 0], r1[i, 0] = b0, b1
            nopt = 1
        else:
            g0, g1 = _roll_to_ground(b0, r, R), _roll_to_ground(b1, r, R)
            a0 = _roll_to_ground(max(cmin, b0), r, R)
            a1 = _roll_to_ground(min(cmax, b1), r, R)
            if g1 - g0 <= W:
                r0[i, 0], r1[i, 0] = b0, b1
                nopt = 1
            else:
                if a1 - a0 <= W:
                    mid = 0.5 * (a0 + a1)
                    s0 = min(max(mid - W / 2, g0), g1 - W)
                    starts[0] = s0
                    nopt = 1
                else:
                    k = int(math.ceil((a1 - a0 - W) / (W / 2))) + 1
                    if k > max_options:
                        k = max_options
                    for q in range(k):
                        starts[q] = a0 + (a1 - W - a0) * (q / (k - 1) if k > 1 else 0.0)
                    nopt = k
                for q in range(nopt):
                    c0 = _ground_to_roll(starts[q], r, R)
                    c1 = _ground_to_roll(starts[q] + W, r, R)
                    r0[i, q] = max(c0, b0)
                    r1[i, q] = min(c1, b1)
        for q in range(nopt):
            c0, c1 = r0[i, q], r1[i, q]
            e0, e1, h0, h1 = np.inf, -np.inf, np.inf, -np.inf
            t0c, t1c = np.inf, -np.inf
            n_in = 0
            for k in range(nc):
                if acc[k] and roll_c[row, k] >= c0 and roll_c[row, k] <= c1:
                    cov[i, q, k] = True
                    n_in += 1
                    e0 = min(e0, eta_c[row, k])
                    e1 = max(e1, eta_c[row, k])
                    h0 = min(h0, th_c[row, k])
                    h1 = max(h1, th_c[row, k])
                    t0c = min(t0c, tau_c[row, k])
                    t1c = max(t1c, tau_c[row, k])
            ta, tb = band_extent(tau_b[i], roll_b[i], ring_start, c0, c1)
            if ta != ta:
                ta, tb = t0c, t1c
            if clip_to_window[i]:
                ta = max(ta, win_s[i])
                tb = min(tb, win_e[i])
            if n_in == 0 and nc > 1:
                r0[i, q] = np.nan
                continue
            if not (tb >= ta):
                r0[i, q] = np.nan
                continue
            ts[i, q], te[i, q] = ta, tb
            ang[i, q, 0], ang[i, q, 1], ang[i, q, 2], ang[i, q, 3] = e0, e1, h0, h1
    return r0, r1, ts, te, cov, ang, acc_ang


@nb.njit(cache=True)
def band_windows(job_pass, job_inc, job_lo, job_hi, tau_b, eta_b, th_b, roll_b, ring_start):
    """band_extent for many (pass, field of regard) jobs; the coordinate is sign(roll) * angle."""
    nj = job_pass.shape[0]
    ws = np.full(nj, np.nan)
    we = np.full(nj, np.nan)
    npt = tau_b.shape[1]
    coord = np.empty(npt)
    for j in range(nj):
        p = job_pass[j]
        for k in range(npt):
            a = th_b[p, k] if job_inc[j] else eta_b[p, k]
            coord[k] = a if roll_b[p, k] >= 0 else -a
        ws[j], we[j] = band_extent(tau_b[p], coord, ring_start, job_lo[j], job_hi[j])
    return ws, we
