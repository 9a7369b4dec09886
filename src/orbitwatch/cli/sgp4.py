"""``orbitwatch sgp4``: which SGP4 kernel runs, is it right, how fast is it here.

Registered on the main app as the ``sgp4`` group (``info``, ``verify``, ``bench``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import numpy as np
import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..errors import DataError
from ..requests import check_int
from .common import console, err_console, fail, print_json

app = typer.Typer(
    name="sgp4",
    rich_markup_mode="rich",
    no_args_is_help=True,
    help=(
        "The SGP4/SDP4 propagator: which kernel runs, a self-check, a throughput test.\n\n"
        "orbitwatch propagates with its own compiled kernel ([bold]numba[/bold]: SIMD on the CPU, "
        "CUDA when a GPU is visible) and keeps python-sgp4 ([bold]sgp4[/bold], Vallado's C++) as "
        "the reference. Every result says which one ran.\n\n"
        "  [bold]orbitwatch sgp4 info[/bold]            backends, device, threads, compile cache\n"
        "  [bold]orbitwatch sgp4 verify[/bold]          Vallado's 33 verification cases (AIAA 2006-6753)\n"
        "  [bold]orbitwatch sgp4 bench CATALOG[/bold]   propagations per second on your machine"
    ),
)


def _kv_table(title: str, rows: dict) -> Table:
    table = Table(title=Text(title), header_style="bold cyan", show_header=False)
    table.add_column("item")
    table.add_column("value")
    for k, v in rows.items():
        table.add_row(Text(str(k)), v if isinstance(v, Text) else Text(str(v)))
    return table


@app.command("info")
def info_command(
    warm: bool = typer.Option(False, "--warm", help="Compile (or load from cache) the kernels now and time it."),
    as_json: bool = typer.Option(False, "--json", help="Print the facts as JSON on stdout."),
):
    """Show the propagation backends, the device and thread count, and the kernel cache.

    The first use of the numba kernel on a machine compiles it (about 10-30 s); later runs load
    it from numba's on-disk cache in a fraction of a second. [bold]--warm[/bold] does that now.
    """
    import numba

    from ..propagation import available_backends, default_backend_name, sgp4_device

    facts: dict = {"default backend": default_backend_name(), "available": ", ".join(available_backends()),
                   "numba kernel runs on": sgp4_device(),
                   "numba": f"{numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads "
                            "(NUMBA_NUM_THREADS to change)"}
    try:
        import llvmlite.binding as llvm

        facts["CPU (LLVM target)"] = llvm.get_host_cpu_name()
    except Exception:  # pragma: no cover
        pass
    try:
        from sgp4.api import accelerated

        facts["python-sgp4 reference"] = "C++ (accelerated)" if accelerated else "pure Python (slow)"
    except ImportError:  # pragma: no cover
        facts["python-sgp4 reference"] = "not installed"
    if warm:
        from ..elements import ElementSets
        from ..propagation import sgp4_numba as sn

        es = ElementSets(norad_id=[1, 2], epoch=np.array(["2024-01-01T00:00"] * 2, dtype="datetime64[ns]"),
                         mean_motion_dot=[0.0, 0.0], mean_motion_ddot=[0.0, 0.0], bstar=[1e-4, 1e-4],
                         inclination_deg=[51.6, 63.4], raan_deg=[10.0, 10.0], eccentricity=[0.001, 0.7],
                         arg_perigee_deg=[30.0, 270.0], mean_anomaly_deg=[40.0, 10.0],
                         mean_motion_rev_per_day=[15.5, 2.006])
        with err_console.status("compiling or loading the SGP4 kernels ..."):
            st = sn.init_state(es)
            sn.propagate_tsince(st, [0.0, 60.0])
        for name, seconds in sn.compile_report().items():
            facts[f"first use: {name} [s]"] = round(seconds, 3)
    if as_json:
        print_json(facts)
    else:
        console.print(_kv_table("SGP4 propagation", facts))


@app.command("verify")
def verify_command(
    backend: Optional[str] = typer.Option(None, "--backend", "-b",
                                          help="Backend to check: numba, sgp4, cuda (default: the default)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Folder with SGP4-VER.TLE and tcppver.out "
                                                             "(default: the copy inside python-sgp4)."),
    as_json: bool = typer.Option(False, "--json", help="Print each case's result as JSON on stdout."),
):
    """Check a backend against Vallado's SGP4 verification output (tcppver.out).

    33 element sets chosen to reach every branch of SGP4/SDP4 (deep space, resonances,
    decay, bad eccentricity, ...); positions must match to 2e-7 km, velocities to 2e-9 km/s,
    and cases the reference stops with an error must stop at the same instant here.
    Exit code 0 when every case passes, 1 otherwise.
    """
    from ..propagation.backends import get_backend
    from ..propagation.sgp4_verify import verify_vallado

    be = get_backend(backend)
    results = verify_vallado(be, data)
    bad = [r.satnum for r in results if not r.ok]
    if as_json:
        print_json({"backend": be.name, "cases": [
            {"satnum": int(r.satnum), "states": int(r.states), "max_dr_km": float(r.max_dr_km),
             "max_dv_km_s": float(r.max_dv_km_s), "error_code": int(r.error_code or 0), "ok": bool(r.ok),
             "note": r.note} for r in results], "failed": [int(x) for x in bad]})
        if bad:
            raise typer.Exit(1)
        return
    table = Table(title=Text(f"Vallado SGP4 verification, backend {be.name}"), header_style="bold cyan")
    for col, just in (("satnum", "right"), ("states", "right"), ("max |dr| km", "right"),
                      ("max |dv| km/s", "right"), ("error", "right"), ("", "left"), ("note", "left")):
        table.add_column(col, justify=just)
    for r in results:
        table.add_row(str(r.satnum), str(r.states), f"{r.max_dr_km:.1e}", f"{r.max_dv_km_s:.1e}",
                      str(r.error_code or ""), Text("ok", "green") if r.ok else Text("FAIL", "bold red"),
                      Text(r.note))
    console.print(table)
    if bad:
        fail(f"{len(bad)} of {len(results)} cases fail: {bad}", 1)
    err_console.print(Text(f"all {len(results)} cases agree with Vallado's reference output", "green"))


@app.command("bench")
def bench_command(
    catalog: Path = typer.Argument(..., help="TLE/3LE/OMM file to propagate."),
    instants: int = typer.Option(1440, "--instants", "-n", help="Instants, one minute apart (1 to 100,000)."),
    objects: int = typer.Option(0, "--objects", help="Only the first N objects (0: all)."),
    threads: Optional[int] = typer.Option(None, "--workers", "--threads", "-j",
                                          help="CPU threads (default: all)."),
    check: int = typer.Option(500, "--check", help="Objects compared with python-sgp4 (0: none)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON on stdout."),
):
    """Propagate a catalog on this machine and report propagations per second.

    The catalog is propagated at [bold]--instants[/bold] instants one minute apart from its median
    epoch, on the CPU kernel, in chunks (with a progress bar); then [bold]--check[/bold] objects
    are compared with python-sgp4. For the side-by-side comparison with python-sgp4 and astroz,
    run [bold]benchmarks/sgp4_throughput.py[/bold] from the repository.
    """
    from ..elements import read_elements
    from ..propagation import sgp4_numba as sn
    from ..propagation.backends import SGP4ReferenceBackend

    import numba

    instants = check_int("instants", instants, 1, 100_000)
    objects = check_int("objects", objects, 0)
    check = check_int("check", check, 0)
    if threads is not None:
        threads = check_int("workers", threads, 1, numba.config.NUMBA_NUM_THREADS)
    es = read_elements(catalog).elements
    if objects:
        es = es[np.arange(min(objects, len(es)))]
    if len(es) == 0:
        raise DataError(str(catalog), None, "file", "no element sets in this file")
    n = len(es)
    times = (int(np.median(es.epoch.astype(np.int64))) // 60_000_000_000 * 60_000_000_000
             + np.arange(instants, dtype=np.int64) * 60_000_000_000)
    with err_console.status("SGP4 initialisation (compiles the kernels on first use) ..."):
        t0 = time.perf_counter()
        state = sn.init_state(es)
        sn.propagate_ns_into(state.subset(slice(0, 1)), times[:1], np.empty((1, 1, 3)), None,
                             np.empty((1, 1), np.uint8), threads=threads)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        state = sn.init_state(es)
        init_s = time.perf_counter() - t0
    chunk = max(1, min(n, 2_000_000 // max(instants, 1)))
    r = np.empty((chunk, instants, 3))
    v = np.empty((chunk, instants, 3))
    st = np.empty((chunk, instants), np.uint8)
    counts = np.zeros(256, np.int64)
    busy = 0.0
    with Progress(TextColumn("propagating"), BarColumn(), TextColumn("{task.completed}/{task.total} objects"),
                  TimeElapsedColumn(), console=err_console) as progress:
        task = progress.add_task("sgp4", total=n)
        for a in range(0, n, chunk):
            b = min(n, a + chunk)
            part = state.subset(slice(a, b))
            t0 = time.perf_counter()
            sn.propagate_ns_into(part, times, r[: b - a], v[: b - a], st[: b - a], threads=threads)
            busy += time.perf_counter() - t0
            counts += np.bincount(st[: b - a].ravel(), minlength=256)
            progress.update(task, advance=b - a)
    props = n * instants
    fig: dict = {"objects": n, "instants": instants, "states": props, "threads": threads or
                 numba.config.NUMBA_NUM_THREADS, "first_use_s": round(first, 3), "init_ms": round(init_s * 1e3, 2),
                 "propagation_s": round(busy, 4), "states_per_s": round(props / busy), "status_ok": int(counts[0]),
                 "status_error": int(props - counts[0])}
    rows = {"objects x instants": f"{n:,} x {instants:,} = {props / 1e6:.1f} M states",
            "threads": fig["threads"],
            "first use (compile or cache load)": f"{first:.2f} s",
            "initialisation": f"{init_s * 1e3:.1f} ms",
            "propagation": f"{busy:.3f} s",
            "throughput (all threads)": f"{props / busy / 1e6:.1f} M states/s",
            "status 0 (ok) / errors": f"{counts[0]:,} / {props - counts[0]:,}"}
    if check:
        idx = np.linspace(0, n - 1, min(check, n)).astype(np.int64)
        with err_console.status(f"comparing {idx.size} objects with python-sgp4 ..."):
            ref = SGP4ReferenceBackend()
            r1, v1, s1 = ref.propagate_ns(ref.prepare(es[idx]), times)
            r2, v2, s2 = sn.propagate_ns_into(state.subset(idx), times, np.empty_like(r1), np.empty_like(v1),
                                              np.empty_like(s1), threads=threads)
        ok = (s1 == 0) & (s2 == 0)
        same = bool(np.array_equal(s1, s2))
        fig["checked_objects"] = int(idx.size)
        fig["status_equal_to_python_sgp4"] = same
        rows["status codes equal to python-sgp4"] = "yes" if same else Text("NO", "red")
        if ok.any():
            fig["max_dr_mm"] = float(np.abs(r1[ok] - r2[ok]).max() * 1e6)
            fig["max_dv_um_s"] = float(np.abs(v1[ok] - v2[ok]).max() * 1e9)
            rows["max |dr| vs python-sgp4"] = f"{fig['max_dr_mm']:.4f} mm"
            rows["max |dv| vs python-sgp4"] = f"{fig['max_dv_um_s']:.4f} um/s"
    if as_json:
        print_json(fig)
    else:
        console.print(_kv_table(f"SGP4 throughput: {catalog.name}", rows))
