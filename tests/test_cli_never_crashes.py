"""The CLI never shows a traceback: every command x bad numeric values, bad files, bracketed text.

For each command (found by walking the app, so a new command is covered or fails
here until it has a base invocation), every int/float option is given values a
person might type by mistake. Each run must end with an exit code from the one
table (``cli/errors.py``), print no traceback, and, when it refuses the value,
name the option.
"""

from __future__ import annotations

import gzip
import inspect
import typing

from pathlib import Path

import pytest
from typer.models import DefaultPlaceholder
from typer.testing import CliRunner

from orbitwatch.cli.errors import (EXIT_CANTCREAT, EXIT_DATAERR, EXIT_NOINPUT, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE)
from orbitwatch.cli.main import app
from orbitwatch.samples import sample_activation_path, sample_catalog_path, sample_cdm_paths

runner = CliRunner()
TABLE_CODES = {EXIT_OK, EXIT_USAGE, EXIT_PARTIAL, EXIT_DATAERR, EXIT_NOINPUT, EXIT_CANTCREAT, 1}
#: a real ISS ephemeris (Orekit's example, EME2000), when the reference data is here
OEM = str(Path(__file__).resolve().parents[2] / "shared" / "data" / "odm" / "oem" / "OEMExample5.txt")
BAD_VALUES = ["inf", "-inf", "nan", "-1", "0", "1e300", "abc"]
#: values no option accepts
ALWAYS_REFUSED = {"inf", "-inf", "nan", "abc"}


def _commands(a=app, path=()):
    for c in a.registered_commands:
        name = c.name if isinstance(c.name, str) else c.callback.__name__.removesuffix("_command")
        yield (*path, name), c.callback
    cb = a.registered_callback
    if cb is not None and not isinstance(cb.callback, DefaultPlaceholder) and cb.callback is not None and path:
        yield path, cb.callback
    for g in a.registered_groups:
        name = g.name if isinstance(g.name, str) else g.typer_instance.info.name
        seg = () if isinstance(name, DefaultPlaceholder) or name is None else (name,)
        yield from _commands(g.typer_instance, (*path, *seg))


def _numeric_options(callback) -> list[tuple[str, str]]:
    out = []
    for name, p in inspect.signature(callback, eval_str=True).parameters.items():
        t = p.annotation
        base = t if t in (int, float) else next((x for x in typing.get_args(t) if x in (int, float)), None)
        if base is None or type(p.default).__name__ == "ArgumentInfo":   # options only
            continue
        decls = [d for d in (getattr(p.default, "param_decls", None) or ()) if d.startswith("--")]
        out.append((name, decls[0] if decls else "--" + name.replace("_", "-")))
    return out


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("robust")
    lines = gzip.open(sample_catalog_path(), "rt").read().splitlines()
    # the ISS and its neighbours in the file, 40 objects
    i = next(k for k, line in enumerate(lines) if line.startswith("1 25544"))
    start = (i - 1) - 60
    tiny = d / "tiny.3le"
    tiny.write_text("\n".join(lines[start:start + 120]) + "\n")
    home = d / "home"
    home.mkdir()
    return {"tiny": str(tiny), "home": str(home), "dir": d}


def _base(path: tuple, files) -> list[str] | None:
    tiny = files["tiny"]
    some_cdm = sample_cdm_paths()[0]
    admin_db = f"sqlite:///{files['dir'] / 'admin.db'}"
    return {
        ("propagate",): ["propagate", "25544", "--elements", tiny, "--start", "2023-10-09T12:00", "--hours", "0.2"],
        ("screen",): ["screen", tiny, "--start", "2023-10-09T12:00"],
        ("catalog", "import"): ["catalog", "import", tiny],
        ("catalog", "list"): ["catalog", "list", "--limit", "3"],
        ("catalog", "show"): ["catalog", "show", "25544"],
        ("pc",): ["pc", str(some_cdm)],
        ("cdm", "show"): ["cdm", "show", str(some_cdm)],
        ("cdm", "convert"): ["cdm", "convert", str(some_cdm), "-f", "xml", "-o", str(files["dir"] / "x.xml"),
                             "--force"],
        ("cdm", "validate"): ["cdm", "validate", str(some_cdm)],
        ("cdm", "ingest"): ["cdm", "ingest", str(some_cdm), "--no-3d", "--db-url",
                            f"sqlite:///{files['dir'] / 'ingest.db'}"],
        ("respond",): ["respond", "--area", str(sample_activation_path()), "--hazard", "flood",
                       "--start", "2026-06-10T12:00", "--hours", "6", "--out", str(files["dir"] / "resp")],
        ("respond", "fleet"): ["respond", "fleet"],
        ("sgp4", "info"): ["sgp4", "info"],
        ("sgp4", "verify"): ["sgp4", "verify"],
        ("sgp4", "bench"): ["sgp4", "bench", tiny, "--instants", "5", "--check", "3"],
        ("demo",): None,
        ("oem", "show"): ["oem", "show", OEM],
        ("oem", "convert"): ["oem", "convert", OEM, "-o", str(files["dir"] / "x.xml"), "--force"],
        ("oem", "validate"): ["oem", "validate", OEM],
        ("oem", "interpolate"): ["oem", "interpolate", OEM],
        # the servers would run until stopped: their option checks are in tests/service/test_serve.py
        ("serve",): None,
        ("worker",): None,
        ("admin", "agency", "create"): ["admin", "agency", "create", "ROBUST", "--db-url", admin_db],
        ("admin", "agency", "list"): ["admin", "agency", "list", "--db-url", admin_db],
        ("admin", "user", "create"): ["admin", "user", "create", "u1", "--agency", "NOPE", "--role", "viewer",
                                      "--db-url", admin_db],
        ("admin", "user", "list"): ["admin", "user", "list", "--db-url", admin_db],
        ("admin", "key", "create"): ["admin", "key", "create", "--agency", "NOPE", "--user", "nobody",
                                     "--db-url", admin_db],
        ("admin", "key", "revoke"): ["admin", "key", "revoke", "nokey", "--db-url", admin_db],
        ("admin", "key", "list"): ["admin", "key", "list", "--db-url", admin_db],
        ("admin", "share", "grant"): None,
        ("admin", "share", "revoke"): ["admin", "share", "revoke", "99", "--db-url", admin_db],
        ("admin", "share", "list"): ["admin", "share", "list", "--db-url", admin_db],
        ("admin", "audit", "verify"): ["admin", "audit", "verify", "--db-url", admin_db],
        ("admin", "audit", "export"): ["admin", "audit", "export", "--db-url", admin_db],
        ("admin", "ingest", "pull-add"): ["admin", "ingest", "pull-add", "celestrak", "--group", "active",
                                          "--db-url", admin_db],
        ("admin", "ingest", "pull-list"): ["admin", "ingest", "pull-list", "--db-url", admin_db],
        ("admin", "ingest", "pull-remove"): ["admin", "ingest", "pull-remove", "999", "--db-url", admin_db],
        ("admin", "ingest", "pull-run"): ["admin", "ingest", "pull-run", "999", "--db-url", admin_db],  # no network
        ("admin", "ingest", "drop-scan"): ["admin", "ingest", "drop-scan", "--dir", str(files["dir"] / "drop"),
                                           "--db-url", admin_db],
        ("events", "list"): ["events", "list"],
        ("events", "show"): ["events", "show", "1"],
        ("events", "changes"): ["events", "changes"],
    }.get(path, "missing")


#: long-running servers: their option checks are in tests/service/test_serve.py
SERVERS = {("serve",), ("worker",)}
CASES = [(path, name, flag, value) for path, cb in _commands() if path not in SERVERS
         for name, flag in _numeric_options(cb) for value in BAD_VALUES]


def test_every_command_has_a_base_invocation(files):
    missing = [" ".join(p) for p, _ in _commands() if _base(p, files) == "missing"]
    assert not missing, f"add a base invocation for: {missing}"


def _run(args, home):
    return runner.invoke(app, args, env={"ORBITWATCH_HOME": home, "ORBITWATCH_DATABASE_URL": "", "COLUMNS": "200"})


@pytest.fixture(scope="module")
def seeded(files):
    r = _run(["catalog", "import", files["tiny"]], files["home"])
    assert r.exit_code == 0, r.output
    return files


@pytest.mark.parametrize("path,name,flag,value", CASES, ids=[f"{' '.join(c[0])} {c[2]} {c[3]}" for c in CASES])
def test_bad_numbers_never_crash(seeded, path, name, flag, value):
    base = _base(path, seeded)
    if base is None:
        pytest.skip(f"{' '.join(path)} needs an input that this test does not build")
    r = _run([*base, flag, value], seeded["home"])
    out = r.output
    assert "Traceback" not in out, out
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code in TABLE_CODES, (r.exit_code, out)
    if value in ALWAYS_REFUSED:
        assert r.exit_code == EXIT_USAGE, f"{flag} {value} was accepted: {out[-500:]}"
    if r.exit_code == EXIT_USAGE:
        assert flag in out or name in out or flag.lstrip("-") in out, out


BRACKETED = "[bold]SAT [/x] [m/s]"


def test_bracketed_names_and_file_names_print_verbatim(tmp_path, seeded):
    lines = gzip.open(sample_catalog_path(), "rt").read().splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith("1 25544"))
    f = tmp_path / "cat[new].tle"
    f.write_text(f"{BRACKETED}\n{lines[i]}\n{lines[i + 1]}\n")
    home = str(tmp_path / "h")
    r = _run(["catalog", "import", str(f)], home)
    assert r.exit_code == 0, r.output
    assert "cat[new].tle" in r.output
    r = _run(["catalog", "list"], home)
    assert r.exit_code == 0 and BRACKETED in r.output, r.output
    r = _run(["propagate", BRACKETED, "--elements", str(f), "--hours", "0.05"], home)
    assert r.exit_code == 0 and BRACKETED in r.output, r.output
    missing = tmp_path / "no[such].tle"
    r = _run(["propagate", "25544", "--elements", str(missing)], home)
    assert r.exit_code == EXIT_NOINPUT and "no[such].tle" in r.output, r.output


@pytest.mark.parametrize("args", [
    ["propagate", "25544", "--format", "xml"],
    ["propagate", ""],
    ["propagate", "25544", "--step", "1e-9", "--days", "1"],
    ["propagate", "25544", "--hours", "1", "--days", "1"],
    ["catalog", "list", "--name", "/[unclosed/"],
    ["catalog", "list", "--limit", "-1"],
    ["sgp4", "bench", "{tiny}", "--instants", "0"],
    ["sgp4", "bench", "{tiny}", "--check", "-1"],
])
def test_refused_before_any_work(seeded, args):
    args = [a.format(**seeded) for a in args]
    if args[0] == "propagate" and "--elements" not in args:
        args += ["--elements", seeded["tiny"]]
    r = _run(args, seeded["home"])
    assert "Traceback" not in r.output
    assert r.exit_code == EXIT_USAGE, r.output


@pytest.mark.parametrize("make", ["folder", "missing-folder"])
def test_output_paths_are_checked_first(seeded, tmp_path, make):
    target = tmp_path if make == "folder" else tmp_path / "nowhere" / "x.csv"
    r = _run(["propagate", "25544", "--elements", seeded["tiny"], "--format", "csv", "-o", str(target)],
             seeded["home"])
    assert r.exit_code == EXIT_CANTCREAT and str(target) in r.output, r.output


def test_reading_commands_never_create_a_database(tmp_path):
    home = tmp_path / "typo"
    r = _run(["catalog", "list"], str(home))
    assert r.exit_code == EXIT_NOINPUT and "no database" in r.output, r.output
    assert not home.exists()
    r = _run(["catalog", "list", "--db-url", str(tmp_path / "x.db")], str(home))
    assert r.exit_code == EXIT_USAGE and "is not a database URL" in r.output and "sqlite:///" in r.output


@pytest.mark.parametrize("args", [
    ["propagate", "25544", "--elements", "{missing}"],
    ["screen", "{missing}"],
    ["catalog", "import", "{missing}"],
    ["pc", "{missing}"],
    ["cdm", "show", "{missing}"],
    ["cdm", "validate", "{missing}"],
    ["respond", "--area", "{missing}", "--hazard", "flood", "--start", "2026-06-10T12:00", "--hours", "6"],
    ["sgp4", "bench", "{missing}"],
])
def test_a_missing_input_file_is_66_everywhere(seeded, tmp_path, args):
    missing = str(tmp_path / "no-such-file.txt")
    r = _run([a.format(missing=missing) for a in args], seeded["home"])
    assert "Traceback" not in r.output
    assert r.exit_code == EXIT_NOINPUT, (r.exit_code, r.output)
    assert "no-such-file.txt" in r.output
