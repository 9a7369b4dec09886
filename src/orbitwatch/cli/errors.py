"""One table from library exceptions to CLI exit codes (the service maps the same classes to HTTP)."""

from __future__ import annotations

from ..errors import ElementSetError, NotFoundError, OrbitwatchError, PropagationError, StoreError

#: exit codes a shell user can act on (sysexits.h meanings where they exist)
EXIT_OK = 0
EXIT_USAGE = 2          # bad arguments (typer's own code)
EXIT_DATAERR = 65       # input data was malformed
EXIT_NOINPUT = 66       # an input file or object does not exist
EXIT_SOFTWARE = 70      # internal error
EXIT_UNAVAILABLE = 69   # a service (database) is unavailable
EXIT_PARTIAL = 3        # the command ran but rejected part of its input

EXIT_CODES: list[tuple[type[BaseException], int]] = [
    (ElementSetError, EXIT_DATAERR),
    (NotFoundError, EXIT_NOINPUT),
    (FileNotFoundError, EXIT_NOINPUT),
    (StoreError, EXIT_UNAVAILABLE),
    (PropagationError, EXIT_DATAERR),
    (ValueError, EXIT_DATAERR),
    (OrbitwatchError, EXIT_SOFTWARE),
]


def exit_code_for(exc: BaseException) -> int:
    for cls, code in EXIT_CODES:
        if isinstance(exc, cls):
            return code
    return EXIT_SOFTWARE
