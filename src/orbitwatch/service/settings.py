"""Service settings, read by pydantic-settings from the environment (prefix ``ORBITWATCH_``)
and, when given, an env file. Every setting is listed in docs/service.md (one table).

>>> s = ServiceSettings(home="/tmp/ow-doc", database_url=None, _env_file=None)
>>> s.resolved_database_url()
'sqlite:////tmp/ow-doc/orbitwatch.db'
>>> s.max_upload_bytes
67108864
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ..config import DEFAULT_HOME, SQLITE_FILENAME


class ServiceSettings(BaseSettings):
    """What a deployment of the service can set (environment ``ORBITWATCH_<NAME>``)."""

    model_config = SettingsConfigDict(env_prefix="ORBITWATCH_", env_file=None, extra="ignore",
                                      validate_default=True)

    home: Path = Field(Path(DEFAULT_HOME), description="folder of local state; the default SQLite database "
                                                       "is HOME/orbitwatch.db")
    database_url: str | None = Field(None, description="SQLAlchemy URL (postgresql://... for several API and "
                                                       "job workers); default: the SQLite file in HOME")
    jobs_in_process: bool = Field(True, description="run jobs in a thread of the API process; set false when "
                                                    "`orbitwatch worker` processes run them")
    job_poll_s: float = Field(1.0, gt=0, le=60, description="seconds between a worker's looks for queued jobs")
    job_heartbeat_s: float = Field(5.0, gt=0, le=600, description="seconds between a running job's heartbeats")
    job_stale_s: float = Field(60.0, gt=0, description="a running job whose heartbeat is older is taken again")
    job_max_attempts: int = Field(3, ge=1, le=100, description="claims of one job before it is marked failed")
    max_upload_bytes: int = Field(64 * 1024 * 1024, gt=0, description="largest accepted upload, bytes")
    session_ttl_s: float = Field(8 * 3600.0, gt=0, description="lifetime of a sign-in session, seconds")
    cookie_secure: bool = Field(True, description="mark session cookies Secure (HTTPS only); false only for "
                                                  "plain-HTTP development on loopback")
    key_pepper: str = Field("", description="secret mixed into API-key and session-token hashes (HMAC key); "
                                            "changing it invalidates every key and session")
    api_key_days: float = Field(365.0, gt=0, description="default lifetime of a new API key, days")
    screening_backend: str = Field("numba", description="propagation backend of screening jobs: numba or sgp4")
    screening_max_hours: float = Field(7 * 24.0, gt=0, description="longest screening span a job may ask for")
    alert_pc: float = Field(1e-4, gt=0, le=1, description="an event update with a collision probability at or "
                                                        "above this is announced as event.alert")
    alert_miss_km: float = Field(0.0, ge=0, description="an event update with a miss distance below this (km) is "
                                                       "announced as event.alert (0: Pc alone decides)")
    max_ephemeris_bytes: int = Field(16 * 1024 * 1024, gt=0, description="largest accepted ephemeris or CDM "
                                                                        "upload (after gunzip), bytes")
    rate_limit_key_per_minute: int = Field(1200, ge=0, description="requests per minute per API key or session "
                                                                   "user, per API process (0: no limit)")
    rate_limit_address_per_minute: int = Field(2400, ge=0, description="requests per minute per client address, "
                                                                       "per API process (0: no limit)")
    trust_forwarded_for: bool = Field(False, description="take the client address from X-Forwarded-For "
                                                        "(only behind a proxy you control)")

    # notifications, webhooks, the event stream (docs/service.md, "Notifications")
    webhook_max_attempts: int = Field(8, ge=1, le=100, description="HTTP attempts of one webhook delivery before "
                                                                   "it is marked failed")
    webhook_backoff_s: float = Field(10.0, gt=0, le=86400, description="wait before the second attempt; doubled "
                                                                       "after each failure")
    webhook_backoff_max_s: float = Field(3600.0, gt=0, description="longest wait between two attempts")
    webhook_timeout_s: float = Field(10.0, gt=0, le=300, description="time limit of one HTTP attempt")
    webhook_concurrency: int = Field(8, ge=1, le=256, description="deliveries sent at once by one dispatcher")
    webhook_allowed_hosts: str = Field("", description="comma-separated host names or addresses webhooks may "
                                                       "target although they are private, loopback or link-local")
    stream_poll_s: float = Field(1.0, gt=0, le=60, description="seconds between an event stream's looks for "
                                                               "new notifications")
    stream_heartbeat_s: float = Field(15.0, gt=0, le=3600, description="seconds of silence before a heartbeat "
                                                                       "comment on an event stream")
    stream_max_s: float = Field(3600.0, gt=0, description="lifetime of one event-stream connection (the client "
                                                          "reconnects with Last-Event-ID)")
    progress_notify_s: float = Field(5.0, gt=0, description="at most one job.progress notification per job "
                                                            "per this many seconds")
    dispatch_poll_s: float = Field(1.0, gt=0, le=600, description="seconds between the dispatcher's rounds "
                                                                  "(webhooks, schedules, drop folder, pulls)")
    schedule_every_hours: float = Field(8.0, gt=0, description="default period of a screening schedule")
    schedule_min_every_hours: float = Field(1.0, gt=0, description="shortest period a schedule may have")
    drop_dir: Path | None = Field(None, description="folder watched for element-set files to import; unset: none")
    drop_settle_s: float = Field(2.0, ge=0, description="a dropped file is imported once unchanged this long")
    celestrak_url: str = Field("https://celestrak.org", description="base URL of CelesTrak's GP API")
    spacetrack_url: str = Field("https://www.space-track.org", description="base URL of Space-Track")
    spacetrack_identity: str = Field("", description="Space-Track account (user name) for catalog pulls")
    spacetrack_password: str = Field("", description="Space-Track password for catalog pulls")
    pull_timeout_s: float = Field(120.0, gt=0, description="time limit of one catalog pull request")

    @field_validator("drop_dir", mode="before")
    @classmethod
    def _blank_dir(cls, v):
        return None if v is None or str(v).strip() == "" else v

    def allowed_webhook_hosts(self) -> set[str]:
        return {h.strip().lower() for h in self.webhook_allowed_hosts.split(",") if h.strip()}

    @field_validator("database_url")
    @classmethod
    def _blank_is_none(cls, v):
        return (v or "").strip() or None

    @field_validator("home")
    @classmethod
    def _expand(cls, v: Path) -> Path:
        v = Path(v).expanduser()
        return v if v.is_absolute() else v.resolve()

    @field_validator("screening_backend")
    @classmethod
    def _backend(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in ("numba", "sgp4"):
            raise ValueError("must be numba or sgp4")
        return v

    def resolved_database_url(self) -> str:
        """``database_url``, else the SQLite file ``HOME/orbitwatch.db``."""
        return self.database_url or f"sqlite:///{self.home / SQLITE_FILENAME}"

    def store_settings(self):
        """The core's :class:`orbitwatch.config.Settings` equivalent of these settings."""
        from ..config import Settings

        return Settings(home=self.home, database_url_override=self.database_url)


def load_settings(env_file: str | None = None, **overrides) -> ServiceSettings:
    """Settings from the environment (and ``env_file``), with keyword overrides.

    A bad value is an :class:`~orbitwatch.errors.InvalidRequestError` naming the variable.
    """
    from pydantic import ValidationError

    from ..errors import InvalidRequestError

    try:
        return ServiceSettings(_env_file=env_file, **overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        name = "ORBITWATCH_" + str(err["loc"][0]).upper() if err.get("loc") else "settings"
        raise InvalidRequestError(name, err.get("msg", "invalid value"), err.get("input")) from None
