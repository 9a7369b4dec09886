"""Settings read from the environment at call time (no module-level state).

=========================== ==========================================================
variable                    meaning
=========================== ==========================================================
``ORBITWATCH_HOME``         directory for local state; default ``~/.orbitwatch``. The
                            default SQLite database is ``$ORBITWATCH_HOME/orbitwatch.db``.
``ORBITWATCH_DATABASE_URL`` SQLAlchemy URL of the database, e.g.
                            ``postgresql+psycopg://user@host:5432/orbitwatch``; when set
                            it wins over the SQLite file in ``ORBITWATCH_HOME``.
=========================== ==========================================================

>>> s = get_settings({"ORBITWATCH_HOME": "/tmp/ow"})
>>> s.database_url
'sqlite:////tmp/ow/orbitwatch.db'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ENV_HOME = "ORBITWATCH_HOME"
ENV_DATABASE_URL = "ORBITWATCH_DATABASE_URL"
DEFAULT_HOME = "~/.orbitwatch"
SQLITE_FILENAME = "orbitwatch.db"


@dataclass(frozen=True)
class Settings:
    """Resolved settings. Build one with :func:`get_settings`."""

    #: directory for local state (expanded, not necessarily existing yet)
    home: Path
    #: ``ORBITWATCH_DATABASE_URL`` as given, or None when unset or blank
    database_url_override: str | None = None

    @property
    def sqlite_path(self) -> Path:
        """The default SQLite database file, ``<home>/orbitwatch.db``."""
        return self.home / SQLITE_FILENAME

    @property
    def database_url(self) -> str:
        """The URL to use: the override when given, else the SQLite file in ``home``."""
        if self.database_url_override:
            return self.database_url_override
        return f"sqlite:///{self.sqlite_path}"

    @property
    def uses_default_sqlite(self) -> bool:
        return not self.database_url_override


def get_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings from ``environ`` (``os.environ`` when None), now."""
    env = os.environ if environ is None else environ
    home_text = (env.get(ENV_HOME) or "").strip() or DEFAULT_HOME
    home = Path(home_text).expanduser()
    if not home.is_absolute():
        home = home.resolve()
    url = (env.get(ENV_DATABASE_URL) or "").strip() or None
    return Settings(home=home, database_url_override=url)
