"""Outputs of a maneuver plan: options table, trade-space plots, the chosen burn as an OPM."""

from __future__ import annotations

import numpy as np

from ..timeutil import format_iso

__all__ = ["options_table", "maneuver_opm", "plot_trade_space"]


def options_table(result, limit: int = 10) -> list[dict]:
    """Rows (dicts) of the least-delta-v options, one per (burn time, direction), best first.
    The chosen option carries its fully propagated figures."""
    def row(o, chosen):
        return {"burn_time": format_iso(o.burn_time, 0) + "Z",
                "lead_h": float((result.event.tca - o.burn_time) / np.timedelta64(1, "h")),
                "direction": o.direction, "dv_mps": o.dv_mps, "pc_linear": o.pc_linear,
                "miss_linear_km": o.miss_linear_km, "pc_full": o.pc_full, "miss_full_km": o.miss_full_km,
                "chosen": chosen}

    b = result.best
    flown = {(o.burn_time, o.direction, o.dv_mps): o for o in [*result.rejected, *([b] if b else [])]}
    rows = []
    if b is not None:
        rows.append(row(b, True))
    for o in result.options()[:limit]:
        key = (o.burn_time, o.direction, o.dv_mps)
        if b is not None and key == (b.burn_time, b.direction, b.dv_mps):
            continue
        rows.append(row(flown.get(key, o), False))
    return rows[:limit]


def maneuver_opm(result, *, originator: str = "ORBITWATCH"):
    """The chosen maneuver as a CCSDS OPM (KVN): the primary's pre-burn EME2000 state at
    ignition and one impulsive maneuver (``MAN_DURATION = 0``, ``MAN_REF_FRAME = RTN``)."""
    from ..errors import InvalidRequestError
    from ..odm import parse_opm
    from .propagator import propagate_with_burns

    best = result.best
    if best is None:
        raise InvalidRequestError("option", "no option meets the target: no maneuver to write", None)
    ev = result.event
    if result.trajectory is not None:
        r, v = result.trajectory._pre_burn(best.burn_time)
    else:
        t = propagate_with_burns(ev.tca, ev.r1_km, ev.v1_km_s, best.burn_time,
                                 best.burn_time + np.timedelta64(60, "s"), force_model=result.request.force_model)
        r, v = t.position_km[0], t.velocity_km_s[0]
    dv = np.asarray(best.dv_rtn_mps, float) / 1000.0
    when = format_iso(best.burn_time, 6)
    pcs = f"Pc {ev.pc:.3g} -> {best.pc_linear:.3g} (linear)"
    if best.pc_full is not None:
        pcs += f", {best.pc_full:.3g} (propagated)"
    text = "\n".join([
        "CCSDS_OPM_VERS = 2.0", f"CREATION_DATE = {format_iso(np.datetime64('now', 'ns'), 3)}",
        f"ORIGINATOR = {originator}", "",
        f"COMMENT collision avoidance vs {ev.secondary_name} ({ev.secondary_id}), TCA {format_iso(ev.tca, 3)}Z",
        f"COMMENT {pcs}",
        f"OBJECT_NAME = {ev.primary_name}", f"OBJECT_ID = {ev.primary_id}", "CENTER_NAME = EARTH",
        "REF_FRAME = EME2000", "TIME_SYSTEM = UTC", "",
        f"EPOCH = {when}",
        *(f"{k} = {x:.9f} [{u}]" for k, x, u in zip(("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT"),
                                                    np.concatenate([r, v]), ["km"] * 3 + ["km/s"] * 3)), "",
        f"COMMENT impulsive burn, {best.direction}, |dv| {best.dv_mps:.6g} m/s",
        f"MAN_EPOCH_IGNITION = {when}", "MAN_DURATION = 0.0 [s]", "MAN_REF_FRAME = RTN",
        f"MAN_DV_1 = {dv[0]:.12f} [km/s]", f"MAN_DV_2 = {dv[1]:.12f} [km/s]", f"MAN_DV_3 = {dv[2]:.12f} [km/s]",
    ]) + "\n"
    return parse_opm(text, source="<maneuver>")


def plot_trade_space(result, path=None):
    """Two panels: Pc vs delta-v per burn time (best direction, a few burn times), and a heat
    map of the delta-v needed over burn time x direction.  Needs matplotlib (the 'plots' extra)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:     # pragma: no cover
        from ..errors import UnavailableError
        raise UnavailableError("plots need matplotlib (pip install 'orbitwatch[plots]')") from exc
    g = result.grid
    lead_h = (result.event.tca - g.burn_times) / np.timedelta64(1, "h")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    picks = np.unique(np.linspace(0, len(g.burn_times) - 1, min(6, len(g.burn_times))).astype(int))
    for i in picks:
        need = g.dv_needed_mps[i]
        j = int(np.nanargmin(need)) if np.isfinite(need).any() else 0
        a1.loglog(g.magnitudes_mps, np.maximum(g.pc[i, j], 1e-30), label=f"{lead_h[i]:.1f} h before TCA, "
                                                                          f"{g.directions[j]}")
    if result.request.target_pc is not None:
        a1.axhline(result.request.target_pc, color="k", ls="--", lw=1, label="target")
    a1.set_xlabel("delta-v [m/s]")
    a1.set_ylabel("Pc at new TCA")
    a1.set_ylim(1e-12, 1)
    a1.legend(fontsize=7)
    im = a2.pcolormesh(lead_h, np.arange(len(g.directions)), np.ma.masked_invalid(g.dv_needed_mps.T),
                       shading="nearest", cmap="viridis", norm=matplotlib.colors.LogNorm())
    a2.set_yticks(np.arange(len(g.directions)), g.directions)
    a2.set_xlabel("burn lead time before TCA [h]")
    a2.invert_xaxis()
    fig.colorbar(im, ax=a2, label="delta-v needed [m/s] (blank: not reachable)")
    fig.suptitle(f"{result.event.primary_name} vs {result.event.secondary_name}, TCA "
                 f"{format_iso(result.event.tca, 0)}Z, Pc {result.event.pc:.2g}")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig
