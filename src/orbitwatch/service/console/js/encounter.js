// Encounter-plane geometry, computed in the browser from an event's RTN miss vector (km) and,
// when the API gives them, the relative velocity (RTN, km/s) and the combined position
// covariance (RTN, km^2). The encounter plane is normal to the relative velocity at TCA.
// Without the velocity vector it is assumed horizontal (no radial component) and normal to the
// miss vector, which holds for near-circular orbits (at TCA the miss is normal to the velocity).

export const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
export const cross = (a, b) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
export const norm = (a) => Math.sqrt(dot(a, a));
const scale = (a, k) => a.map((x) => x * k);
const sub = (a, b) => a.map((x, i) => x - b[i]);
const unit = (a) => scale(a, 1 / norm(a));

/** Orthonormal axes of the encounter plane: x along the miss (projected), y = v × x, v. */
export function encounterFrame(missRtn, vrelRtn = null) {
  let v = vrelRtn, assumed = false;
  if (!v || norm(v) === 0) {
    v = cross([1, 0, 0], missRtn);
    assumed = true;
    if (norm(v) < 1e-12) v = [0, 1, 0];
  }
  const vhat = unit(v);
  let x = sub(missRtn, scale(vhat, dot(missRtn, vhat)));
  if (norm(x) < 1e-12) x = Math.abs(vhat[0]) < 0.9 ? cross(vhat, [1, 0, 0]) : cross(vhat, [0, 1, 0]);
  const xhat = unit(x);
  return { xhat, yhat: cross(vhat, xhat), vhat, assumed };
}

/** P C P^T for the 2x3 projection onto (xhat, yhat): [[cxx, cxy], [cxy, cyy]]. */
export function projectCovariance(C, xhat, yhat) {
  const Cx = [0, 1, 2].map((i) => dot(C[i], xhat));
  const Cy = [0, 1, 2].map((i) => dot(C[i], yhat));
  return [[dot(xhat, Cx), dot(xhat, Cy)], [dot(yhat, Cx), dot(yhat, Cy)]];
}

/** Semi-axes (1 sigma) and the angle of the major axis from x (radians) of a 2x2 covariance. */
export function ellipseOf(C2) {
  const a = C2[0][0], b = (C2[0][1] + C2[1][0]) / 2, c = C2[1][1];
  const m = (a + c) / 2, d = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  return { major: Math.sqrt(Math.max(m + d, 0)), minor: Math.sqrt(Math.max(m - d, 0)), angle: 0.5 * Math.atan2(2 * b, a - c) };
}

/** The combined 3x3 RTN position covariance of an event, if the API gives one (km^2). */
export function combinedCovariance(ev) {
  const as3 = (m) => (Array.isArray(m) && m.length >= 3 ? m.slice(0, 3).map((r) => r.slice(0, 3)) : null);
  if (ev.covariance_rtn_km2) return as3(ev.covariance_rtn_km2);
  const c1 = as3(ev.covariance_1_rtn_km2), c2 = as3(ev.covariance_2_rtn_km2);
  if (c1 && c2) return c1.map((r, i) => r.map((x, j) => x + c2[i][j]));
  return null;
}

export function eventGeometry(ev, hbrKm) {
  const miss = [ev.radial_km, ev.in_track_km, ev.cross_track_km];
  const vrel = ev.rel_velocity_rtn_km_s || null;
  const f = encounterFrame(miss, vrel);
  const C = combinedCovariance(ev);
  const ell = C ? ellipseOf(projectCovariance(C, f.xhat, f.yhat)) : null;
  return { frame: f, miss2: [dot(miss, f.xhat), dot(miss, f.yhat)], ellipse: ell, hbrKm };
}

/** The geometry from the API's encounter-plane summary of a CDM update (library-computed:
 *  x along the miss, z = r x v; miss on +x; principal sigmas and the major axis's angle theta
 *  from x towards z). The plot's y axis is v x x = -z, so the angle changes sign. */
export function planeGeometry(ep, hbrKm) {
  return { frame: { assumed: false, source: "api" }, miss2: [ep.miss_km, 0],
    ellipse: { major: ep.sigma_major_km, minor: ep.sigma_minor_km, angle: -ep.theta_rad }, hbrKm };
}
