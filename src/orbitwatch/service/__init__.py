"""The multi-agency service: FastAPI app, accounts and sharing, audit log, jobs and workers.

Start it with ``orbitwatch serve`` (see docs/service.md). Needs the ``service`` extra:
``pip install "orbitwatch[service]"``.
"""

from .settings import ServiceSettings, load_settings


def create_app(settings=None, **kw):
    """The FastAPI app (see :func:`orbitwatch.service.app.create_app`)."""
    from .app import create_app as _create

    return _create(settings, **kw)


__all__ = ["create_app", "ServiceSettings", "load_settings"]
