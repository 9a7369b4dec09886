"""A demo agency for the web console (``orbitwatch demo --serve``): the sample catalog, an agency
with one admin user and a fleet of Earth-observation satellites, and one screening job run to
completion, so the console has events to show. Everything through the service's own code
(accounts, jobs, the worker); running it again keeps what exists and sets a new password."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, insert, select, update

from .db import ServiceDB, now_ns
from .settings import ServiceSettings

DEMO_AGENCY = "DEMO"
DEMO_USER = "demo"
DEMO_FLEET = ("ISS (ZARYA)", "HST", "SENTINEL 1A", "SENTINEL 2A", "SENTINEL 2B", "LANDSAT 8", "RADARSAT 2",
              "RCM 1", "ALOS 2", "TANDEM X", "SAOCOM 1-A", "CSG-1", "PLEIADES 1B", "KOMPSAT 3A")
DEMO_START = "2023-10-09T12:00:00Z"
# the demo agency's Charter fleet rows: these satellites of the shipped fleet (orbitwatch/data/fleet),
# radar and optical, with their sensors, under DEMO, so that an activation with DEMO on call is planned
DEMO_CHARTER = ("RCM-1", "RCM-2", "RCM-3", "RADARSAT-2", "Sentinel-1A", "Sentinel-1C", "TerraSAR-X", "TanDEM-X",
                "SAOCOM-1A", "SAOCOM-1B", "CSG-1", "CSG-2", "ALOS-2", "KOMPSAT-5",
                "Sentinel-2A", "Sentinel-2B", "Sentinel-2C", "Landsat 8", "Landsat 9", "Pleiades 1A", "Pleiades 1B",
                "SPOT 6", "SPOT 7", "KOMPSAT-3A")


@dataclass
class DemoAgency:
    agency: str
    username: str
    password: str
    fleet: list[int]
    job_id: int
    n_events: int
    charter_satellites: int = 0


def demo_charter_csv(agency: str = DEMO_AGENCY) -> dict[str, str]:
    """The demo agency's Charter fleet rows as CSV text per kind ('satellites', 'sensors'): the shipped
    rows of :data:`DEMO_CHARTER` with the agency column set to ``agency``, and their platforms' sensors."""
    import csv
    import io
    from importlib import resources

    def rows(name):
        text = resources.files("orbitwatch").joinpath("data", "fleet", name).read_text(encoding="utf-8")
        r = list(csv.reader(io.StringIO("\n".join(x for x in text.splitlines()
                                                   if x.strip() and not x.lstrip().startswith("#")))))
        return r[0], r[1:]

    def text(header, body):
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        w.writerows(body)
        return buf.getvalue()

    head, sats = rows("satellites.csv")
    i_name, i_agency, i_platform = head.index("name"), head.index("agency"), head.index("platform")
    mine = [[*r[:i_agency], agency, *r[i_agency + 1:]] for r in sats if r[i_name] in DEMO_CHARTER]
    platforms = {r[i_platform] for r in mine}
    shead, sens = rows("sensors.csv")
    return {"satellites": text(head, mine),
            "sensors": text(shead, [r for r in sens if r[shead.index("platform")] in platforms])}


def seed_charter_fleet(conn, ctx, aid: int, agency: str) -> int:
    """Store the demo agency's Charter fleet rows (parsed with the shipped files' validation) unless it
    has some already; returns its number of satellite rows."""
    from ..response.fleet import parse_satellites, parse_sensors
    from ..store.charter_schema import charter_fleet

    have = {r.kind: int(r.rows) for r in conn.execute(select(charter_fleet.c.kind, charter_fleet.c.rows)
                                                          .where(charter_fleet.c.agency_id == aid))}
    for kind, text in demo_charter_csv(agency).items():
        if kind in have:
            continue
        n = len((parse_satellites if kind == "satellites" else parse_sensors)(text, f"demo {kind}.csv"))
        conn.execute(insert(charter_fleet).values(agency_id=aid, kind=kind, csv=text, rows=n, updated_at_ns=now_ns()))
        ctx.audit(conn, "charter.fleet.put", object=f"fleet:{kind}", detail={"kind": kind, "rows": n})
        have[kind] = n
    return have.get("satellites", 0)


def seed_demo(db: ServiceDB, settings: ServiceSettings, password: str, *, agency: str = DEMO_AGENCY,
              username: str = DEMO_USER, hours: float = 24.0, threshold_km: float = 5.0,
              backend: str | None = None, catalog=None) -> DemoAgency:
    """Seed (or refresh) the demo agency; runs its screening job here when it has none done yet.

    ``catalog``: element-set file to import (default: the packaged sample catalog)."""
    import json

    from ..samples import sample_catalog_path
    from ..store import schema
    from ..store.service_schema import agencies, events, fleet_objects, jobs, users
    from . import accounts
    from . import jobs as q
    from .auth import cli_context
    from .security import hash_password
    from .worker import Worker

    ctx = cli_context("demo")
    db.store.import_files([catalog or sample_catalog_path()])  # unique by (object, epoch): a rerun adds nothing
    with db.tx() as conn:
        if conn.execute(select(agencies.c.id).where(agencies.c.name == agency)).first() is None:
            accounts.create_agency(conn, ctx, agency, "orbitwatch demo agency")
        aid = accounts.agency_id(conn, agency)
        uid = conn.execute(select(users.c.id).where(and_(users.c.agency_id == aid, users.c.username == username))
                           ).scalar()
        if uid is None:
            accounts.create_user(conn, ctx, agency, username, "admin", password=password)
        else:
            conn.execute(update(users).where(users.c.id == uid).values(password_hash=hash_password(password),
                                                                       active=True))
            ctx.audit(conn, "user.password", object=f"user:{uid}", detail={"agency": agency, "username": username})
        names = {r.name: int(r.norad_id) for r in conn.execute(
            select(schema.objects.c.norad_id, schema.objects.c.name).where(schema.objects.c.name.in_(DEMO_FLEET)))}
        fleet = [names[n] for n in DEMO_FLEET if n in names]
        have = set(conn.execute(select(fleet_objects.c.norad_id).where(fleet_objects.c.agency_id == aid)).scalars())
        for norad in fleet:
            if norad not in have:
                conn.execute(insert(fleet_objects).values(agency_id=aid, norad_id=norad, label="demo",
                                                          created_at_ns=now_ns()))
                ctx.audit(conn, "fleet.add", object=f"object:{norad}", detail={"agency": agency})
        n_charter = seed_charter_fleet(conn, ctx, aid, agency)
        done = conn.execute(select(jobs.c.id).where(and_(jobs.c.agency_id == aid, jobs.c.status == "done",
                                                         jobs.c.kind == "screening"))
                            .order_by(jobs.c.id.desc())).scalar()
        if done is None:
            req = q.ScreeningJobRequest.validate(start=DEMO_START, hours=hours, threshold_km=threshold_km,
                                                 backend=backend, max_hours=settings.screening_max_hours)
            q.submit(conn, aid, "screening", req.to_params(), f"cli:{agency}/demo")
    if done is None:
        w = Worker(db, settings, name="demo")
        while (jid := w.run_once()) is not None:
            done = jid
    with db.read() as conn:
        row = conn.execute(select(jobs.c.status, jobs.c.error).where(jobs.c.id == done)).one()
        if row.status != "done":
            from ..errors import UnavailableError

            raise UnavailableError("demo screening", f"job {done} ended {row.status}: "
                                                     f"{json.loads(row.error or '{}').get('message', '')}")
        n = len(conn.execute(select(events.c.id).where(events.c.job_id == done)).all())
    return DemoAgency(agency, username, password, fleet, int(done), n, n_charter)
