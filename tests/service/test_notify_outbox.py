"""The notification outbox commits with the change it announces, or not at all."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from orbitwatch.service import notify
from orbitwatch.store.service_schema import agencies


def _ids(db):
    with db.read() as conn:
        return dict(conn.execute(select(agencies.c.name, agencies.c.id)).all())


def test_publish_is_per_agency_and_resumable(world):
    a = _ids(world.db)
    with world.db.tx() as conn:
        first = notify.publish(conn, [a["CSA"], a["JAXA"], a["CSA"]], "job.done", "job:7", {"miss_km": 0.25})
        notify.publish(conn, [a["CSA"]], "event.alert", "event:3", {"pc": 2e-4})
    assert len(first) == 2  # one row per recipient, duplicates removed
    with world.db.read() as conn:
        csa = notify.since(conn, a["CSA"])
        jaxa = notify.since(conn, a["JAXA"])
        esa = notify.since(conn, a["ESA"])
        after = notify.since(conn, a["CSA"], after_id=csa[0]["id"])
    assert [n["kind"] for n in csa] == ["job.done", "event.alert"] and csa[0]["payload"] == {"miss_km": 0.25}
    assert [n["subject"] for n in jaxa] == ["job:7"] and esa == []
    assert [n["kind"] for n in after] == ["event.alert"]


def test_a_rolled_back_change_publishes_nothing(world):
    a = _ids(world.db)
    with pytest.raises(RuntimeError), world.db.tx() as conn:
        notify.publish(conn, [a["CSA"]], "job.done", "job:1")
        raise RuntimeError("the change failed")
    with world.db.read() as conn:
        assert notify.since(conn, a["CSA"]) == []


def test_unknown_kinds_are_refused(world):
    with pytest.raises(ValueError, match="unknown notification kind"), world.db.tx() as conn:
        notify.publish(conn, [1], "job.exploded")
