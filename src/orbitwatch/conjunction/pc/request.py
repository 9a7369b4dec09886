"""What a caller may ask of the CDM-level Pc analysis, validated before any work.

The CLI (``orbitwatch pc``) and the service build the same :class:`PcRequest`, so
both get the same defaults and the same refusals
(:class:`~orbitwatch.errors.InvalidRequestError` naming the field).

>>> PcRequest(hbr_m=20).hbr_m
20.0
>>> PcRequest(hbr_m=0)
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: hbr_m: must be in (0, 10000] m, got 0
>>> PcRequest(mc_samples=-5)
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: mc_samples: must be in 0..1000000000, got -5
>>> PcRequest(window_s=3600).window_s, PcRequest(window_s=3600).window_bounds_s
(3600.0, (-3600.0, 3600.0))
>>> PcRequest(window_s=0)
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: window_s: must be in (0, 2.592e+06] s, got 0
"""

from __future__ import annotations

from dataclasses import dataclass

from ...requests import check_int, check_range

__all__ = ["PcRequest", "MAX_MC_SAMPLES", "MAX_WINDOW_S"]

#: largest accepted hard-body radius (m)
MAX_HBR_M = 10_000.0
#: more Monte Carlo samples than this (~ an hour at 3e5 samples/s) is refused as a typo
MAX_MC_SAMPLES = 1_000_000_000
#: a time window around TCA longer than this (30 days) is refused as a typo
MAX_WINDOW_S = 30 * 86400.0


@dataclass(frozen=True)
class PcRequest:
    """Options of :func:`~orbitwatch.conjunction.pc.assess_cdm`.

    ``hbr_m``: combined hard-body radius in metres (None: the message's, else CARA's HBR
    table per object, else defaults by type); ``mc_samples``: Monte Carlo samples (0 =
    none); ``mc_seed``: its seed (None = random); ``three_d``: run Hall's 3D-Nc;
    ``coppola``: run Coppola's 3D-Pc (default: as ``three_d``); ``window_s``: time bounds
    +/- ``window_s`` seconds around TCA for the 3D-Nc, Coppola and the Monte Carlo (CARA's
    ``Tmin_limit``/``Tmax_limit``, for long encounters; None: each method's own span, see
    :mod:`.nc3d`)."""

    hbr_m: float | None = None
    mc_samples: int = 0
    mc_seed: int | None = 0
    three_d: bool = True
    coppola: bool | None = None
    window_s: float | None = None

    @property
    def window_bounds_s(self) -> tuple[float, float] | None:
        """``(-window_s, window_s)``, or None."""
        return None if self.window_s is None else (-self.window_s, self.window_s)

    def __post_init__(self):
        if self.hbr_m is not None:
            # the largest structures in orbit are ~100 m across: 10 km is a typo, not a hard body
            object.__setattr__(self, "hbr_m", check_range("hbr_m", self.hbr_m, 0.0, MAX_HBR_M, lo_open=True,
                                                          unit="m"))
        object.__setattr__(self, "mc_samples", check_int("mc_samples", self.mc_samples, 0, MAX_MC_SAMPLES))
        if self.mc_seed is not None:
            object.__setattr__(self, "mc_seed", check_int("mc_seed", self.mc_seed, 0, 2**63 - 1))
        object.__setattr__(self, "three_d", bool(self.three_d))
        object.__setattr__(self, "coppola", self.three_d if self.coppola is None else bool(self.coppola))
        if self.window_s is not None:
            object.__setattr__(self, "window_s", check_range("window_s", self.window_s, 0.0, MAX_WINDOW_S,
                                                             lo_open=True, unit="s"))
