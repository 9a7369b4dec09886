"""Propagation backends: a small protocol and a registry, so callers pass a backend in.

A backend turns :class:`~orbitwatch.elements.ElementSets` into a *prepared* state
(SGP4 initialisation, paid once per catalog) and evaluates it at instants. Every
backend returns the same arrays:

* ``r`` (N, T, 3) TEME position, km
* ``v`` (N, T, 3) TEME velocity, km/s
* ``status`` (N, T) uint8: 0 ok, otherwise the SGP4 error code of Vallado's
  reference (1 mean eccentricity out of range, 2 mean motion negative,
  3 perturbed eccentricity out of range, 4 semi-latus rectum negative,
  6 decayed); r and v are NaN where status != 0.

Nothing raises half-way through a batch.

Capabilities
------------
The three methods of :class:`PropagationBackend` are all a backend must have. Callers that
need more (a subset of a prepared catalog, per-object instants, results written into their
own buffers, a thread count, a CPU copy of a device state) ask for it through
:class:`Capabilities`, which a backend declares in its ``capabilities`` attribute, and
:class:`BatchPropagator` serves every access pattern with one generic fallback built from
plain ``prepare``/``propagate_ns`` for what a backend does not declare. Screening and
tasking talk only to :class:`BatchPropagator`, never to a backend's class, so a CuPy/JAX or a
sharded backend plugs in without editing them.

>>> from importlib.resources import files
>>> from orbitwatch.elements import read_elements
>>> es = read_elements(files("orbitwatch") / "data" / "sample" / "catalog-2023-10-09.3le.gz").elements[:3]
>>> bp = BatchPropagator(SGP4ReferenceBackend(), es)
>>> r, v, st = bp.rows([2, 0], np.array([[1696852800 * 10**9], [1696856400 * 10**9]]))
>>> r.shape, int(st.sum())
((2, 1, 3), 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..elements.sets import ElementSets
from ..timeutil import NS_PER_DAY, JD_UNIX_EPOCH

#: SGP4 status codes (python-sgp4 / Vallado 2006).
STATUS_MESSAGES = {
    0: "ok",
    1: "mean eccentricity is not within the range 0.0 <= e < 1.0",
    2: "mean motion has fallen below zero",
    3: "perturbed eccentricity is not within the range 0.0 <= e <= 1.0",
    4: "length of the orbit's semi-latus rectum has fallen below zero",
    5: "epoch elements are sub-orbital",
    6: "mrt is less than 1.0 which indicates the satellite has decayed",
}

XPDOTP = 1440.0 / (2.0 * np.pi)  # rev/day -> rad/min divisor, as in Spacetrack Report #3
DEG2RAD = np.pi / 180.0


@dataclass(frozen=True)
class Capabilities:
    """What a backend offers beyond ``prepare``/``propagate_ns``/``propagate_tsince``.

    Each flag promises the methods named here (all take the backend's prepared state):

    ``subset``
        ``backend.subset(prepared, index) -> prepared``: some objects of a prepared state
        without preparing them again.
    ``propagate_into``
        ``backend.propagate_ns_into(prepared, times_ns (T,), r, v, status)``: writes into the
        caller's C-contiguous ``r``/``v`` (N, T, 3) float64 (``v`` may be None) and ``status``
        (N, T) uint8.
    ``time_matrix``
        ``backend.propagate_ns_matrix(prepared, times_ns (N, T), out=None)``: a row of instants
        per object (``out``: ``(r, v, status)`` buffers, honoured with ``propagate_into``).
    ``threads``
        ``backend.with_threads(n) -> backend``: the same backend running on ``n`` CPU threads
        (executors give each parallel worker one thread).
    ``host_state``
        ``backend.host(prepared) -> (backend, prepared)``: a CPU backend and state giving the same
        numbers, for many small batches (a GPU backend's CPU twin).
    ``picklable_state``
        the prepared state may be sent to other processes; otherwise each worker prepares.
    """

    subset: bool = False
    propagate_into: bool = False
    time_matrix: bool = False
    threads: bool = False
    host_state: bool = False
    picklable_state: bool = False


#: what a backend without a ``capabilities`` attribute offers
NO_CAPABILITIES = Capabilities()


def capabilities_of(backend) -> Capabilities:
    """The backend's declared :class:`Capabilities` (none when it declares nothing)."""
    caps = getattr(backend, "capabilities", None)
    return caps if isinstance(caps, Capabilities) else NO_CAPABILITIES


@runtime_checkable
class PropagationBackend(Protocol):
    """What :func:`orbitwatch.propagation.propagate` needs from a backend."""

    name: str

    def prepare(self, elements: ElementSets) -> Any:
        """Initialise SGP4 for every element set (once per catalog)."""

    def propagate_ns(self, prepared: Any, times_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """States at UTC instants given as int64 nanoseconds since 1970 (shape (T,))."""

    def propagate_tsince(self, prepared: Any, tsince_min: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """States at minutes since each object's own epoch (shape (T,), the same for every object)."""


def sgp4_init_arrays(es: ElementSets) -> dict[str, np.ndarray]:
    """The SGP4 initialisation inputs in the units sgp4init expects (radians, rad/min, days since 1949)."""
    ep_ns = es.epoch.astype(np.int64)
    days, rem = np.divmod(ep_ns, NS_PER_DAY)
    return {
        "satnum": np.where(es.norad_id < 340000, es.norad_id, 0).astype(np.int64),
        # sgp4init's epoch input is formed exactly as Vallado's twoline2rv forms it, from the
        # float sum of the two-part Julian date: the deep-space initialisation (gsto, lunar-solar
        # terms) is sensitive to its last bits, and tcppver.out was produced that way.
        "epoch_days_1949": ((days + JD_UNIX_EPOCH) + rem / NS_PER_DAY) - 2433281.5,
        "jd_epoch": days + JD_UNIX_EPOCH,
        "jd_epoch_frac": rem / NS_PER_DAY,
        "bstar": es.bstar,
        "ndot": es.mean_motion_dot / (XPDOTP * 1440.0),
        "nddot": es.mean_motion_ddot / (XPDOTP * 1440.0 * 1440.0),
        "ecco": es.eccentricity,
        "argpo": es.arg_perigee_deg * DEG2RAD,
        "inclo": es.inclination_deg * DEG2RAD,
        "mo": es.mean_anomaly_deg * DEG2RAD,
        "no_kozai": es.mean_motion_rev_per_day / XPDOTP,
        "nodeo": es.raan_deg * DEG2RAD,
    }


class SGP4ReferenceBackend:
    """Vallado's C++ SGP4 through python-sgp4's ``SatrecArray`` (WGS-72, improved mode).

    This is the reference every faster kernel is checked against.
    """

    name = "sgp4"
    capabilities = Capabilities(subset=True, time_matrix=True)

    def __init__(self, opsmode: str = "i"):
        from sgp4.api import accelerated

        self.opsmode = opsmode
        self.accelerated = bool(accelerated)
        if not self.accelerated:
            self.name = "sgp4-python"

    def prepare(self, elements: ElementSets):
        from sgp4.api import WGS72, Satrec, SatrecArray

        a = sgp4_init_arrays(elements)
        sats = []
        for i in range(len(elements)):
            s = Satrec()
            s.sgp4init(WGS72, self.opsmode, int(a["satnum"][i]), float(a["epoch_days_1949"][i]),
                       float(a["bstar"][i]), float(a["ndot"][i]), float(a["nddot"][i]), float(a["ecco"][i]),
                       float(a["argpo"][i]), float(a["inclo"][i]), float(a["mo"][i]),
                       float(a["no_kozai"][i]), float(a["nodeo"][i]))
            # exact two-part epoch from integer nanoseconds (sgp4init's single float loses ~0.3 us)
            s.jdsatepoch = float(a["jd_epoch"][i])
            s.jdsatepochF = float(a["jd_epoch_frac"][i])
            sats.append(s)
        return {"sats": sats, "array": SatrecArray(sats) if sats else None}

    def propagate_ns(self, prepared, times_ns):
        times_ns = np.asarray(times_ns, dtype=np.int64)
        n = len(prepared["sats"])
        if n == 0 or times_ns.size == 0:
            return _empty(n, times_ns.size)
        days, rem = np.divmod(times_ns, NS_PER_DAY)
        jd = (days + JD_UNIX_EPOCH).astype(np.float64)
        fr = rem / NS_PER_DAY
        e, r, v = prepared["array"].sgp4(jd, fr)
        return _clean(r, v, e)

    def subset(self, prepared, index):
        """Some objects of a prepared catalog (index array, boolean mask or slice)."""
        from sgp4.api import SatrecArray

        sats = prepared["sats"]
        idx = np.arange(len(sats))[index]
        sub = [sats[i] for i in np.atleast_1d(idx)]
        return {"sats": sub, "array": SatrecArray(sub) if sub else None}

    def propagate_ns_matrix(self, prepared, times_ns, out=None):
        """States of object i at its own instants ``times_ns[i]`` ((N, T) int64 ns)."""
        times_ns = np.asarray(times_ns, dtype=np.int64)
        sats = prepared["sats"]
        if times_ns.ndim != 2 or times_ns.shape[0] != len(sats):
            raise ValueError(f"times_ns must have shape (N={len(sats)}, T), got {times_ns.shape}")
        n, t = times_ns.shape
        r, v, st = (np.empty((n, t, 3)), np.empty((n, t, 3)), np.empty((n, t), np.uint8)) if out is None else out
        days, rem = np.divmod(times_ns, NS_PER_DAY)
        jd = (days + JD_UNIX_EPOCH).astype(np.float64)
        fr = rem / NS_PER_DAY
        for i, s in enumerate(sats):
            e, rr, vv = s.sgp4_array(jd[i], fr[i])
            r[i], st[i] = rr, e
            if v is not None:
                v[i] = vv
        _clean(r, v if v is not None else r, st)
        return r, v, st

    def propagate_tsince(self, prepared, tsince_min):
        from sgp4.api import SatrecArray

        tsince_min = np.atleast_1d(np.asarray(tsince_min, dtype=np.float64))
        sats = prepared["sats"]
        if not sats:
            return _empty(0, tsince_min.size)
        saved = [(s.jdsatepoch, s.jdsatepochF) for s in sats]
        try:
            for s in sats:
                s.jdsatepoch, s.jdsatepochF = 0.0, 0.0
            arr = SatrecArray(sats)
            e, r, v = arr.sgp4(np.zeros_like(tsince_min), tsince_min / 1440.0)
        finally:
            for s, (a, b) in zip(sats, saved):
                s.jdsatepoch, s.jdsatepochF = a, b
        return _clean(r, v, e)


def _empty(n, t):
    return (np.full((n, t, 3), np.nan), np.full((n, t, 3), np.nan), np.zeros((n, t), dtype=np.uint8))


def _clean(r, v, e):
    e = np.asarray(e, dtype=np.uint8)
    bad = e != 0
    if bad.any():
        r[bad] = np.nan
        v[bad] = np.nan
    return r, v, e


# --------------------------------------------------------------------------- batches by capability


def _writeable(a, dtype, shape):
    a = np.asarray(a, dtype=dtype).reshape(shape)
    if not (a.flags.c_contiguous and a.flags.writeable):
        a = np.array(a, dtype=dtype, order="C")
    return a


class BatchPropagator:
    """A backend with its prepared catalog: states of any objects, at common or per-object instants.

    The one place that looks at a backend's :class:`Capabilities`: each access pattern uses
    the backend's own entry when it declares one, else a generic path built from
    ``prepare``/``propagate_ns`` (a subset is prepared from its element sets; per-object
    instants are served object by object).

    Parameters
    ----------
    backend : PropagationBackend
    elements : ElementSets
        The N element sets (object index i is row i).
    prepared : optional
        ``backend.prepare(elements)`` when already done.
    """

    #: per-object evaluations per backend call in :meth:`rows`: bounds the copied state rows (88 float64
    #: each with the numba backend) to a buffer the allocator reuses; 200,000 took 0.73 s for the
    #: 462,000 rows of a 7-day screening's events, fresh memory faulted in each time, 16,384 0.19 s
    ROWS_BATCH = 16_384

    def __init__(self, backend, elements: ElementSets, prepared=None):
        self.backend = backend
        self.elements = elements
        self.prepared = backend.prepare(elements) if prepared is None else prepared
        self.capabilities = capabilities_of(backend)
        self._subsets: dict = {}

    def __len__(self) -> int:
        return len(self.elements)

    @property
    def name(self) -> str:
        return getattr(self.backend, "name", type(self.backend).__name__)

    # ------------------------------------------------------------------ derived propagators
    def on_host(self) -> "BatchPropagator":
        """The CPU twin of a device backend (``host_state``), else this propagator."""
        if not self.capabilities.host_state:
            return self
        be, prepared = self.backend.host(self.prepared)
        return BatchPropagator(be, self.elements, prepared)

    def with_threads(self, threads: int | None) -> "BatchPropagator":
        """The same catalog on ``threads`` CPU threads (``threads`` capability), else this propagator."""
        if not self.capabilities.threads:
            return self
        return BatchPropagator(self.backend.with_threads(threads), self.elements, self.prepared)

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_subsets"] = {}
        if not self.capabilities.picklable_state:
            d["prepared"] = None  # prepared again where it lands (e.g. python-sgp4's Satrec does not pickle)
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)
        if self.prepared is None:
            self.prepared = self.backend.prepare(self.elements)

    # ------------------------------------------------------------------ states
    def state_of(self, idx, *, cache: bool = True):
        """Prepared state of objects ``idx`` (the backend's ``subset``, or prepared anew)."""
        idx = np.asarray(idx, dtype=np.int64)
        if idx.size == len(self.elements) and np.array_equal(idx, np.arange(idx.size)):
            return self.prepared
        key = (idx.size, hash(idx.tobytes()))
        sub = self._subsets.get(key) if cache else None
        if sub is None:
            if self.capabilities.subset:
                sub = self.backend.subset(self.prepared, idx)
            else:
                sub = self.backend.prepare(self.elements[idx])
            if cache:
                if len(self._subsets) > 16:
                    self._subsets.clear()
                self._subsets[key] = sub
        return sub

    def grid(self, idx, times_ns):
        """States of objects ``idx`` at the common instants ``times_ns`` (T,): r, v (M, T, 3)
        float64 (TEME km, km/s; NaN where status != 0), status (M, T) uint8; writeable arrays."""
        idx = np.asarray(idx, dtype=np.int64)
        times_ns = np.asarray(times_ns, dtype=np.int64).reshape(-1)
        m, t = idx.size, times_ns.size
        if m == 0 or t == 0:
            return _empty(m, t)
        sub = self.state_of(idx)
        if self.capabilities.propagate_into:
            r, v, st = np.empty((m, t, 3)), np.empty((m, t, 3)), np.empty((m, t), np.uint8)
            self.backend.propagate_ns_into(sub, times_ns, r, v, st)
            return r, v, st
        r, v, st = self.backend.propagate_ns(sub, times_ns)
        return _writeable(r, np.float64, (m, t, 3)), _writeable(v, np.float64, (m, t, 3)), \
            _writeable(st, np.uint8, (m, t))

    def rows(self, idx, times_ns):
        """States of object ``idx[k]`` at its own instants ``times_ns[k, :]`` ((M, K) int64 ns;
        one instant per row when (M,)): r, v (M, K, 3), status (M, K)."""
        idx = np.asarray(idx, dtype=np.int64)
        times_ns = np.asarray(times_ns, dtype=np.int64)
        if times_ns.ndim == 1:
            times_ns = times_ns[:, None]
        m, k = times_ns.shape
        if m == 0 or k == 0:
            return _empty(m, k)
        r, v, st = np.empty((m, k, 3)), np.empty((m, k, 3)), np.empty((m, k), np.uint8)
        caps = self.capabilities
        if caps.time_matrix:
            for a in range(0, m, self.ROWS_BATCH):
                b = min(m, a + self.ROWS_BATCH)
                sub = self.state_of(idx[a:b], cache=False)
                tm = np.ascontiguousarray(times_ns[a:b])
                if caps.propagate_into:
                    self.backend.propagate_ns_matrix(sub, tm, out=(r[a:b], v[a:b], st[a:b]))
                else:
                    rr, vv, ss = self.backend.propagate_ns_matrix(sub, tm)
                    r[a:b], v[a:b], st[a:b] = rr, vv, ss
            return r, v, st
        # generic: one call per object, at all of its instants
        order = np.argsort(idx, kind="stable")
        uniq, starts = np.unique(idx[order], return_index=True)
        ends = np.r_[starts[1:], m]
        for o, a, b in zip(uniq, starts, ends):
            sel = order[a:b]
            rr, vv, ss = self.backend.propagate_ns(self.state_of(np.array([o]), cache=False),
                                                   times_ns[sel].ravel())
            r[sel] = np.asarray(rr, dtype=np.float64).reshape(sel.size, k, 3)
            v[sel] = np.asarray(vv, dtype=np.float64).reshape(sel.size, k, 3)
            st[sel] = np.asarray(ss, dtype=np.uint8).reshape(sel.size, k)
        return r, v, st


_REGISTRY: dict[str, type] = {"sgp4": SGP4ReferenceBackend}


def register_backend(name: str, factory) -> None:
    """Make a backend available by name (used by optional kernels)."""
    _REGISTRY[name] = factory


def available_backends() -> list[str]:
    return list(_REGISTRY)


def get_backend(backend: str | PropagationBackend | None = None) -> PropagationBackend:
    """A backend instance: by name, passed through, or the default (the fastest available)."""
    if backend is None:
        backend = default_backend_name()
    if isinstance(backend, str):
        try:
            factory = _REGISTRY[backend]
        except KeyError:
            from ..errors import InvalidRequestError

            raise InvalidRequestError("backend", f"unknown propagation backend {backend!r}; available: "
                                                 f"{', '.join(available_backends())}", backend) from None
        return factory()
    return backend


def default_backend_name() -> str:
    for name in ("numba", "sgp4"):
        if name in _REGISTRY:
            return name
    return "sgp4"
