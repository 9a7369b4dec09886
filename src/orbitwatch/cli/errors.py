"""The CLI's one table from library exceptions to exit codes, and its one error handler.

The exception classes live with the library (``orbitwatch.errors``); this table is
the CLI's own, as the service owns its table of HTTP statuses. Every command is
wrapped by :func:`handle_errors` when it is registered (``cli/main.py``), so no
exception reaches a user as a traceback, and every message is printed verbatim
(no rich markup is read in user text: ``[m/s]`` stays ``[m/s]``).
"""

from __future__ import annotations

import functools
import os
from typing import Callable

from ..errors import (CancelledError, ConflictError, DataError, InvalidRequestError, NotFoundError, OrbitwatchError,
                      PropagationError, UnavailableError)

#: exit codes a shell user can act on (sysexits.h meanings where they exist)
EXIT_OK = 0
EXIT_FAILED = 1        # the command ran a check and it failed (sgp4 verify)
EXIT_USAGE = 2          # bad arguments or an invalid request (typer's own code for bad options)
EXIT_PARTIAL = 3        # the command ran but rejected part of its input
EXIT_DATAERR = 65       # input data was malformed
EXIT_NOINPUT = 66       # an input file or object does not exist or cannot be read
EXIT_UNAVAILABLE = 69   # a service (database, Dask scheduler, GPU) is unavailable
EXIT_SOFTWARE = 70      # internal error: a bug, please report it
EXIT_CANTCREAT = 73     # an output cannot be created (exists, is a folder, folder missing)
EXIT_INTERRUPTED = 130  # stopped by Ctrl-C or cancelled

#: (class, exit code), first match wins: specific classes before their bases
EXIT_CODES: list[tuple[type[BaseException], int]] = [
    (InvalidRequestError, EXIT_USAGE),
    (DataError, EXIT_DATAERR),
    (NotFoundError, EXIT_NOINPUT),
    (FileNotFoundError, EXIT_NOINPUT),
    (IsADirectoryError, EXIT_NOINPUT),
    (NotADirectoryError, EXIT_NOINPUT),
    (PermissionError, EXIT_NOINPUT),
    (ConflictError, EXIT_CANTCREAT),
    (UnavailableError, EXIT_UNAVAILABLE),
    (PropagationError, EXIT_DATAERR),
    (CancelledError, EXIT_INTERRUPTED),
    (KeyboardInterrupt, EXIT_INTERRUPTED),
    (MemoryError, EXIT_USAGE),
    (OrbitwatchError, EXIT_SOFTWARE),
]

#: the table as people read it (printed by ``orbitwatch --help``)
EXIT_CODE_HELP = (
    "Exit codes: 0 ok; 1 a check the command ran found a failure; 2 bad option or request; "
    "3 part of the input rejected; 65 malformed input data; "
    "66 input file or object not found; 69 database or cluster unavailable; 70 internal error (a bug); "
    "73 output cannot be written; 130 interrupted."
)


def exit_code_for(exc: BaseException) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return EXIT_SOFTWARE


def message_for(exc: BaseException) -> str:
    """One line for a person: the library's own message, or what an OS error means."""
    if isinstance(exc, OrbitwatchError):
        return str(exc)
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    if isinstance(exc, MemoryError):
        return "not enough memory for this request; ask for fewer objects, instants or a shorter span"
    if isinstance(exc, OSError) and exc.filename is not None:
        what = {FileNotFoundError: "no such file or folder", IsADirectoryError: "is a folder, not a file",
                NotADirectoryError: "a part of the path is not a folder",
                PermissionError: "permission denied"}.get(type(exc), exc.strerror or str(exc))
        return f"{exc.filename}: {what}"
    return f"{type(exc).__name__}: {exc}"


def _click_modules() -> list:
    """click itself and the copy typer vendors (typer >= 0.20 carries its own)."""
    import click

    mods = [click]
    try:
        import typer._click as vendored  # noqa: PLC2701 - typer's own copy of click
        import typer._click.globals  # noqa: F401

        mods.insert(0, vendored.globals)
    except ImportError:  # pragma: no cover - older typer uses click directly
        pass
    return mods


def _click_passthrough() -> tuple:
    """Exceptions click handles itself (usage errors, exit, abort), from both copies of click."""
    import click
    import typer

    out = [typer.Exit, typer.Abort, click.exceptions.Exit, click.ClickException, click.exceptions.Abort]
    try:
        from typer._click import exceptions as vendored  # noqa: PLC2701
    except ImportError:  # pragma: no cover - older typer uses click directly
        return tuple(out)
    for name in ("Exit", "ClickException", "Abort"):
        cls = getattr(vendored, name, None)
        if isinstance(cls, type):
            out.append(cls)
    return tuple(out)


def handle_errors(fn: Callable) -> Callable:
    """Run a command; turn any exception into one verbatim line on stderr and the mapped exit code.

    Internal errors (exit 70) print a traceback only when ``ORBITWATCH_DEBUG`` is set.
    """
    if getattr(fn, "_orbitwatch_handled", False):
        return fn

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        import typer

        try:
            return fn(*args, **kwargs)
        except _click_passthrough():
            raise
        except BaseException as exc:  # noqa: BLE001 - the CLI's last line of defence
            if isinstance(exc, SystemExit):
                raise
            from .common import print_error

            code = exit_code_for(exc)
            if code == EXIT_SOFTWARE:
                if os.environ.get("ORBITWATCH_DEBUG"):
                    from .common import err_console

                    err_console.print_exception(show_locals=False)
                print_error(f"internal error, please report it: {message_for(exc)} "
                            "(set ORBITWATCH_DEBUG=1 for the traceback)")
            else:
                print_error(_with_option_name(exc, message_for(exc)))
            raise typer.Exit(code) from None

    wrapper._orbitwatch_handled = True
    return wrapper


def _with_option_name(exc: BaseException, message: str) -> str:
    """Name the option as the user typed it: ``--step: must be ...`` rather than ``step_s: must be ...``."""
    if not isinstance(exc, InvalidRequestError):
        return message
    ctx = None
    for mod in _click_modules():
        ctx = ctx or mod.get_current_context(silent=True)
    if ctx is None:
        return message
    field = exc.field

    def tokens(name: str) -> frozenset:
        return frozenset(t for t in name.lower().replace("-", "_").split("_") if t)

    for param in ctx.command.params:
        names = {param.name, *(o.lstrip("-").replace("-", "_") for o in param.opts)}
        # same name, or the same words in another order (inclination_deg_max ~ --inclination-max-deg)
        if field in names or tokens(field) in {tokens(n) for n in names if n}:
            label = max(param.opts, key=len) if param.opts and param.opts[0].startswith("-") else param.name.upper()
            if message.startswith(f"{field}: "):
                return f"{label}: {message[len(field) + 2:]}"
            return f"{label}: {message}"
    return message


def wrap_commands(app) -> None:
    """Wrap every command and group callback of a typer app (recursively) in :func:`handle_errors`."""
    from typer.models import DefaultPlaceholder

    def real(cb) -> bool:
        return cb is not None and not isinstance(cb, DefaultPlaceholder)

    for cmd in app.registered_commands:
        if real(cmd.callback):
            cmd.callback = handle_errors(cmd.callback)
    if app.registered_callback is not None and real(app.registered_callback.callback):
        app.registered_callback.callback = handle_errors(app.registered_callback.callback)
    for group in app.registered_groups:
        if real(group.callback):
            group.callback = handle_errors(group.callback)
        wrap_commands(group.typer_instance)
