"""Every ``orbitwatch`` command in the README's tour runs, in order, on the shipped samples.

The commands are read from the README itself (so the tour cannot drift from the code),
run through the CLI in a fresh ``ORBITWATCH_HOME`` from a scratch folder, and must
exit 0 without a traceback. ``> FILE`` redirections are checked to be valid JSON.
Lines needing a Dask cluster are the only ones left out.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def tour_commands() -> list[str]:
    text = README.read_text()
    blocks = re.findall(r"```\n(.*?)```", text, flags=re.S)  # plain fences only (not ```python)
    out = []
    for block in blocks:
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.strip()
            if line.startswith("orbitwatch ") and "--dask" not in line:
                out.append(line)
    return out


COMMANDS = tour_commands()


def test_the_tour_is_found():
    assert len(COMMANDS) >= 20 and COMMANDS[0].startswith("orbitwatch catalog import")


@pytest.mark.slow
def test_readme_tour_runs_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = {"ORBITWATCH_HOME": str(tmp_path / "home"), "ORBITWATCH_DATABASE_URL": "", "COLUMNS": "120"}
    runner = CliRunner()
    for line in COMMANDS:
        cmd = line.split("  #")[0].strip()
        redirect = None
        if " > " in cmd:
            cmd, redirect = (x.strip() for x in cmd.split(" > ", 1))
        args = shlex.split(cmd)[1:]
        args = [str(ROOT / a) if a.startswith("src/") else a for a in args]
        r = runner.invoke(app, args, env=env)
        assert "Traceback" not in r.output, (line, r.output[-2000:])
        assert r.exit_code == 0, (line, r.exit_code, r.output[-2000:])
        if redirect:
            json.loads(r.stdout)
            Path(redirect).write_text(r.stdout)
    assert (tmp_path / "iss.csv").stat().st_size > 1000
    assert any((tmp_path / "cdms").iterdir())
    assert (tmp_path / "track-1.png").exists()
