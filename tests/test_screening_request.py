"""The screening request: options validated before any work (library and CLI), the memory a
screening would need, element-set ages, and the exit codes and messages of ``orbitwatch screen``
for each refused request."""

from __future__ import annotations

import time

import numpy as np
import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from orbitwatch.conjunction.screening import (ScreeningRequest, check_screening_memory, estimate_memory_bytes,
                                              parse_primaries, screen)
from orbitwatch.elements import read_elements
from orbitwatch.errors import DataError, InvalidRequestError, ResourceLimitError
from orbitwatch.propagation import element_age_report

CATALOG = "catalog/full-catalog-2023-10-09.3le"


@pytest.fixture(scope="module")
def catalog(shared_data):
    return read_elements(shared_data / CATALOG).elements


@pytest.fixture(scope="module")
def small_file(shared_data, tmp_path_factory):
    """The first 200 objects of the real catalog, as a 3LE file."""
    lines = (shared_data / CATALOG).read_text().splitlines()[:600]
    p = tmp_path_factory.mktemp("request") / "small.3le"
    p.write_text("\n".join(lines) + "\n")
    return p


def run(*args):
    return CliRunner().invoke(app, ["screen", *map(str, args)], catch_exceptions=False)


def refused(res, code, *words):
    """The command stopped with ``code``, one message on stderr naming ``words``, no traceback."""
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    for w in words:
        assert w in res.stderr, (w, res.stderr)
    assert res.stdout == ""


# ----------------------------------------------------------------------------- the request object

def test_defaults_and_span():
    req = ScreeningRequest.resolve(start="2023-10-09T12:00Z", hours=6)
    assert req.volume.radius_km == 5.0 and req.sort == "miss" and req.top == 20 and not req.include_slow
    assert req.max_age_days == 14.0
    assert req.stop == np.datetime64("2023-10-09T18:00", "ns")
    # without a start, the catalog decides: the median epoch rounded down to the hour, 24 h
    req = ScreeningRequest.resolve()
    assert req.start is None and req.hours == 24.0


def test_default_start_from_the_catalog(catalog):
    span = ScreeningRequest.resolve(days=2).span_for(catalog)
    assert span.start == np.datetime64("2023-10-09T11:00", "ns")  # median epoch 11:37:38
    assert span.seconds == 2 * 86400


@pytest.mark.parametrize("kwargs, field", [
    (dict(days=float("inf")), "days"),
    (dict(hours=1, days=1), "hours"),                        # was silently 24 h
    (dict(start="2023-10-09", hours=1, days=1), "hours"),
    (dict(stop="2023-10-10", hours=3), "hours"),
    (dict(hours=0), "hours"),
    (dict(hours=-5), "hours"),
    (dict(days=1000), "days"),
    (dict(threshold_km=0), "threshold_km"),
    (dict(threshold_km=-1), "threshold_km"),
    (dict(threshold_km=float("nan")), "threshold_km"),
    (dict(threshold_km=5, volume="2,25,25"), "volume"),
    (dict(volume="1,2"), "volume"),
    (dict(volume="0,25,25"), "volume"),
    (dict(sort="pc"), "sort"),                               # Pc not computed
    (dict(sort="pc-max"), "sort"),
    (dict(sort="probability", pc=True), "sort"),
    (dict(top=-1), "top"),
    (dict(hbr_m=0), "hbr_m"),
    (dict(max_age_days=0), "max_age_days"),
    (dict(workers=0), "workers"),
    (dict(dask="localhost:8786"), "dask"),
    (dict(dask_timeout_s=-1), "dask_timeout_s"),
    (dict(primaries=[-3]), "primaries"),
    (dict(start="yesterday"), "start"),
])
def test_refused_before_any_work(kwargs, field):
    with pytest.raises(InvalidRequestError) as e:
        ScreeningRequest.resolve(**kwargs)
    assert e.value.field == field


def test_primaries_text():
    assert parse_primaries("# fleet\n25544, 48274\n\n43013 # NOAA 20\n") == [25544, 48274, 43013]
    with pytest.raises(DataError) as e:
        parse_primaries("25544\nISS\n", "fleet.txt")
    assert e.value.source == "fleet.txt" and e.value.line == 2
    req = ScreeningRequest.resolve(primaries=[25544], primaries_text="25544 48274")
    assert req.primaries == (25544, 48274)


def test_sort_keys_name_their_columns():
    assert ScreeningRequest.resolve(sort="pc", pc=True).sort_column == ("pc", True)
    assert ScreeningRequest.resolve(sort="pc-max", pc=True).sort_column == ("pc_max", True)
    assert ScreeningRequest.resolve(sort="tca").sort_column == ("tca", False)


# ----------------------------------------------------------------------------- memory

def test_memory_estimate_scales_and_refuses_with_the_number(monkeypatch):
    monkeypatch.setenv("ORBITWATCH_MAX_MEMORY_GB", "8")
    # the benchmark's screening (full catalog, 1 day, 5 km: 24,991 events) fits easily
    est = estimate_memory_bytes(26140, 26140, 5.0, 86400.0)
    assert 24_991 < est["expected_events"] < 5 * 24_991 and est["total"] < 2e9
    # a 1,000,000 km threshold (a MemoryError before) is refused with the figures
    with pytest.raises(ResourceLimitError) as e:
        check_screening_memory(26140, 26140, 1e6, 86400.0)
    assert e.value.field == "threshold_km" and e.value.needed > e.value.limit == 8e9
    assert "GB" in str(e.value)
    # a fleet has fewer pairs than all-vs-all
    assert estimate_memory_bytes(26140, 10, 50.0, 86400.0)["events"] < estimate_memory_bytes(
        26140, 26140, 50.0, 86400.0)["events"] / 1000


def test_screen_refuses_a_huge_threshold_before_any_work(catalog):
    t = time.perf_counter()
    with pytest.raises(ResourceLimitError, match="threshold_km"):
        screen(catalog, "2023-10-09T12:00", "2023-10-10T12:00", threshold_km=1e6, executor=1)
    assert time.perf_counter() - t < 10  # nothing propagated


# ----------------------------------------------------------------------------- element-set ages

def test_element_age_report(catalog):
    rep = element_age_report(catalog, "2023-10-09T12:00")
    ages = (np.datetime64("2023-10-09T12:00", "ns") - catalog.epoch) / np.timedelta64(1, "D")
    np.testing.assert_allclose(rep.age_days, ages, atol=1e-9)
    assert rep.n_stale == int((np.abs(ages) > 14).sum()) > 100
    assert len(rep.warnings) == 1 and f"{rep.n_stale} element sets" in rep.warnings[0]
    d = rep.to_dict()
    assert d["stale"] == rep.n_stale and d["max_age_days"] == 14.0 and d["at"] == "2023-10-09T12:00:00.000Z"
    assert d["oldest_days"] == pytest.approx(ages.max())
    rep.check_far()  # within a year: fine
    # three years later: refused, naming the field, unless forced
    late = element_age_report(catalog, "2026-10-09T12:00")
    with pytest.raises(InvalidRequestError) as e:
        late.check_far()
    assert e.value.field == "start" and "365 days" in str(e.value)
    late.check_far(force=True)
    # years before the epochs too
    with pytest.raises(InvalidRequestError):
        element_age_report(catalog, "2020-01-01").check_far()


def test_screen_result_carries_the_ages(catalog):
    few = catalog[np.arange(50)]
    res = screen(few, "2023-11-20T00:00", "2023-11-20T01:00", executor=1)
    assert res.element_ages.n_stale == 50
    assert res.summary()["element_age"]["stale"] == 50
    assert "older than 2023-11-20T00:00:00.000Z" in res.summary()["element_age"]["warnings"][0]
    # the service's form: JSON-ready, times with Z, frames and units stated
    import json

    doc = json.loads(json.dumps(res.to_dict(), allow_nan=False))
    assert doc["summary"]["start"] == "2023-11-20T00:00:00.000Z" and "tca" in doc["frames_and_units"]
    assert isinstance(doc["events"], list) and isinstance(doc["object_status"], list)


# ----------------------------------------------------------------------------- the command

@pytest.mark.parametrize("args, words", [
    (("--days", "inf"), ("--days", "finite")),
    (("--hours", 1, "--days", 1), ("give only one of",)),
    (("--threshold-km", -1), ("--threshold-km",)),
    (("--threshold-km", 0), ("--threshold-km",)),
    (("--hours", 0), ("--hours",)),
    (("--top", -1), ("--top",)),
    (("--workers", 0), ("--workers",)),
    (("--sort", "pc"), ("--sort", "pc")),
    (("--sort", "closest"), ("--sort", "closest")),
    (("--max-age-days", -3), ("--max-age-days",)),
    (("--dask-timeout", 0), ("--dask-timeout",)),
    (("--format", "xlsx", "-o", "x.xlsx"), ("--format",)),
    (("--cdm-format", "pdf"), ("--cdm-format",)),
    (("--volume", "1,2"), ("--volume",)),
])
def test_cli_refuses_bad_options_with_exit_2(small_file, args, words):
    refused(run(small_file, *args, "-q"), 2, *words)


def test_cli_refuses_a_huge_threshold_with_the_memory_figure(small_file):
    res = run(small_file, "--threshold-km", "1e6", "-q")
    refused(res, 2, "--threshold-km", "GB", "limit")


def test_cli_start_years_from_the_epochs(small_file):
    res = run(small_file, "--start", "2026-10-09T12:00Z", "--hours", 1, "-q")
    refused(res, 2, "--start", "365 days", "--force")


def test_cli_warns_about_old_element_sets(small_file):
    # 1,150 days after the epochs: refused without --force, reported with it (stderr and JSON)
    late = str(np.datetime64("2023-10-09T12:00") + np.timedelta64(1150, "D"))
    refused(run(small_file, "--start", late, "--hours", 1, "-q"), 2, "--start")
    res = run(small_file, "--start", late, "--hours", 1, "--force", "--json", "-q")
    assert res.exit_code == 0, res.output
    assert "warning: 200 element sets are more than 14 days older than" in res.stderr
    import json

    doc = json.loads(res.stdout)
    assert doc["meta"]["element_age"]["stale"] == 200 and doc["meta"]["element_age"]["warnings"]
    # a configurable limit: nothing to say within 30 days of a catalog whose oldest set is 29 days old
    res = run(small_file, "--start", "2023-10-09T12:00Z", "--hours", 1, "--max-age-days", 30, "-q")
    assert res.exit_code == 0 and "warning" not in res.stderr


def test_cli_existing_output_needs_force(small_file, tmp_path):
    out = tmp_path / "e.csv"
    out.write_text("keep me")
    refused(run(small_file, "--hours", 1, "-o", out, "-q"), 73, str(out), "--force")
    assert out.read_text() == "keep me"
    refused(run(small_file, "--hours", 1, "-o", tmp_path, "-q"), 73, "folder")
