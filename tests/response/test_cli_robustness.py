"""`orbitwatch respond` refuses nonsense up front, names the field or file, never prints a traceback,
prints user text verbatim, and writes data (tables, JSON, CSV) to stdout and everything else to stderr."""

import csv
import io
import json
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from orbitwatch.cli.errors import EXIT_CANTCREAT, EXIT_DATAERR, EXIT_OK, EXIT_USAGE
from orbitwatch.cli.main import app

runner = CliRunner()

SQUARE = {"type": "Polygon", "coordinates": [[[67.8, 26.8], [68.3, 26.8], [68.3, 27.2], [67.8, 27.2], [67.8, 26.8]]]}
QUICK = ["--hazard", "flood", "--start", "2026-06-10T12:00Z", "--hours", "6", "--no-files", "--rows", "0"]


def _area(tmp_path, geometry=SQUARE, filename="area.geojson", **props):
    p = tmp_path / filename
    p.write_text(json.dumps({"type": "Feature", "properties": props, "geometry": geometry}))
    return p


def _run(args):
    r = runner.invoke(app, ["respond", *args])
    assert "Traceback" not in r.stdout and "Traceback" not in r.stderr, r.output
    return r


def _refused(args, code, *words):
    r = _run(args)
    assert r.exit_code == code, (r.exit_code, r.output)
    assert r.stderr.startswith("error: "), r.stderr
    for w in words:
        # a library field is printed as the option the user typed (max_resolution_m -> --max-resolution-m)
        words_of = set(w.split("_"))
        named = w in r.stderr or any(set(tok.lstrip("-").split("-")) == words_of
                                     for tok in r.stderr.replace(":", " ").split() if tok.startswith("--"))
        assert named, (w, r.stderr)
    assert r.stdout == "", r.stdout  # errors go to stderr only
    return r


# ------------------------------------------------------------------ numbers out of range
@pytest.mark.parametrize("value, why", [("-1", "(0, 1]"), ("1.5", "(0, 1]"), ("0", "(0, 1]"), ("nan", "NaN")])
def test_coverage_outside_0_1_is_refused(value, why):
    _refused(["--sample", "--coverage", value, *QUICK], EXIT_USAGE, "coverage", why)


@pytest.mark.parametrize("value", ["-1", "0", "inf"])
def test_max_resolution_must_be_positive(value):
    _refused(["--sample", "--max-resolution-m", value, *QUICK], EXIT_USAGE, "max_resolution_m")


def test_max_resolution_finer_than_any_sensor_is_refused_not_an_empty_plan():
    _refused(["--sample", "--max-resolution-m", "0.01", *QUICK], EXIT_USAGE, "max_resolution_m", "finest")


@pytest.mark.parametrize("args, field", [
    (["--rows", "-1"], "rows"), (["--planner", "best"], "planner"), (["--types", "lidar"], "types"),
    (["--hazard", "alien invasion"], "hazard"), (["--min-sun-elevation-deg", "95"], "min_sun_elevation_deg"),
    (["--prefer-fine-h", "-2"], "prefer_fine_h"), (["--backend", "warp"], "backend"),
])
def test_other_bad_options_name_their_field(args, field):
    _refused(["--sample", *QUICK, *args], EXIT_USAGE, field)  # the last of a repeated option counts


# ------------------------------------------------------------------ agencies
def test_unknown_agency_is_refused_listing_those_that_exist():
    r = _refused(["--sample", "--agency", "ESA,NOSUCH", *QUICK], EXIT_USAGE, "agencies", "NOSUCH")
    assert "JAXA" in r.stderr and "ESA" in r.stderr


def test_agency_matches_case_insensitively():
    r = _run(["--sample", "--agency", "cnsa", "--json", *QUICK])
    assert r.exit_code == EXIT_OK, r.output
    plan = json.loads(r.stdout)
    assert plan["acquisitions"] and {a["agency"] for a in plan["acquisitions"]} == {"CNSA"}


# ------------------------------------------------------------------ the area
def test_radius_on_a_polygon_is_an_error_not_ignored(tmp_path):
    p = _area(tmp_path)
    _refused(["--area", str(p), "--radius-km", "50", *QUICK], EXIT_USAGE, "radius_km", "Point")


def test_radius_property_on_a_polygon_is_a_data_error(tmp_path):
    p = _area(tmp_path, radius_km=30)
    _refused(["--area", str(p), *QUICK], EXIT_DATAERR, "radius_km", str(p))


def test_radius_on_a_point_makes_a_circle(tmp_path):
    p = _area(tmp_path, {"type": "Point", "coordinates": [68.0, 27.0]})
    r = _run(["--area", str(p), "--radius-km", "40", "--json", *QUICK])
    assert r.exit_code == EXIT_OK, r.output
    area = json.loads(r.stdout)["activation"]["area_km2"]
    assert area == pytest.approx(np.pi * 40.0 ** 2, rel=0.01)


@pytest.mark.parametrize("coords, what", [
    ([[268.2, 26.8], [268.7, 26.8], [268.7, 27.2], [268.2, 26.8]], "longitude 268.2"),
    ([[67.8, 26.8], [68.3, -91.0], [68.3, 27.2], [67.8, 26.8]], "latitude -91"),
])
def test_coordinates_outside_the_globe_are_data_errors(tmp_path, coords, what):
    p = _area(tmp_path, {"type": "Polygon", "coordinates": [coords]})
    r = _refused(["--area", str(p), *QUICK], EXIT_DATAERR, what, "position", str(p))
    assert "[-180, 180]" in r.stderr or "[-90, 90]" in r.stderr


@pytest.mark.parametrize("content, reason", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
    (b"\x1f\x8b\x08\x00" + bytes(200), "binary"),
    ('{"type": "Point", "coordinates": [1, 2], "name": "caf\xe9"}'.encode("latin-1"), "UTF-8"),
    (b"", "empty"),
])
def test_area_that_is_not_geojson_text_names_the_file(tmp_path, content, reason):
    p = tmp_path / "photo[1].geojson"
    p.write_bytes(content)
    _refused(["--area", str(p), *QUICK], EXIT_DATAERR, str(p), reason)


def test_area_and_sample_together_are_refused(tmp_path):
    _refused(["--sample", "--area", str(_area(tmp_path)), *QUICK], EXIT_USAGE, "area")


def test_element_file_without_any_fleet_satellite_is_refused(tmp_path, shared_data):
    """Before: 'fleet: 100 satellites; 0 windows' and an empty plan, as if no satellite could see the area."""
    lines = (shared_data / "catalog" / "full-catalog-2023-10-09.3le").read_text().splitlines()[:3]
    p = tmp_path / "vanguard.3le"
    p.write_text("\n".join(lines) + "\n")
    _refused(["--sample", "--elements", str(p), *QUICK], EXIT_USAGE, "elements", str(p), "no element set")


def test_binary_element_file_is_a_data_error(tmp_path):
    p = tmp_path / "elements[1].tle"
    p.write_bytes(b"\x00\x01\x02binary\xff" * 20)
    _refused(["--sample", "--elements", str(p), *QUICK], EXIT_DATAERR, str(p))


# ------------------------------------------------------------------ time options
@pytest.mark.parametrize("args, field", [
    (["--hours", "6", "--days", "1"], "days"),
    (["--hours", "6", "--stop", "2026-06-11T00:00Z"], "hours"),
    (["--hours", "1000"], "hours"),
    (["--hours", "-3"], "hours"),
    (["--stop", "2026-06-10T00:00Z"], "stop"),
    (["--start", "yesterday", "--hours", "6"], "start"),
])
def test_time_options_are_checked(args, field):
    _refused(["--sample", "--hazard", "flood", "--no-files", "--start", "2026-06-10T12:00Z", *args], EXIT_USAGE,
             field)


def test_stop_and_days_set_the_horizon():
    r = _run(["--sample", "--no-files", "--json", "--start", "2026-06-10T12:00Z", "--stop", "2026-06-10T18:30Z",
              "--agency", "CNSA"])
    assert r.exit_code == EXIT_OK, r.output
    act = json.loads(r.stdout)["activation"]
    assert act["hours"] == 6.5 and act["stop_utc"] == "2026-06-10T18:30:00Z"
    r = _run(["--sample", "--no-files", "--json", "--start", "2026-06-10T12:00Z", "--days", "0.25",
              "--agency", "CNSA"])
    assert json.loads(r.stdout)["activation"]["hours"] == 6.0


# ------------------------------------------------------------------ output folder
def test_out_naming_a_file_is_refused_before_any_work(tmp_path):
    f = tmp_path / "plan.txt"
    f.write_text("keep me")
    _refused(["--sample", "--out", str(f), "--hours", "6"], EXIT_CANTCREAT, str(f), "folder")
    assert f.read_text() == "keep me"
    _refused(["--sample", "--out", str(f / "sub"), "--hours", "6"], EXIT_CANTCREAT, str(f / "sub"))


def test_out_missing_folder_is_made(tmp_path):
    out = tmp_path / "new" / "deeper"
    r = _run(["--sample", "--out", str(out), "--hours", "6", "--agency", "CNSA", "--rows", "0"])
    assert r.exit_code == EXIT_OK, r.output
    assert (out / "plan.geojson").exists() and list((out / "tasking").glob("tasking-*.json"))
    assert str(out) in r.stderr and "files in" in r.stderr


# ------------------------------------------------------------------ numpy warnings
def test_no_runtime_warnings_when_a_satellite_cannot_be_propagated():
    """Element sets far from the start make SGP4 fail for some satellites over the whole horizon:
    they are reported as not searched, and no numpy RuntimeWarning escapes (All-NaN slice before)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = _run(["--sample", "--start", "2031-01-01T00:00Z", "--hours", "6", "--no-files", "--rows", "3"])
    assert r.exit_code == EXIT_OK, r.output
    assert "RuntimeWarning" not in r.stderr
    assert "could not be propagated" in r.stderr and "KOMPSAT-3A" in r.stderr


@pytest.mark.filterwarnings("error")
def test_library_reports_unpropagated_satellites_without_warnings():
    from orbitwatch.response import ResponseRequest, run_response

    req = ResponseRequest.resolve(None, start="2031-01-01T00:00Z", hours=6)
    plan = run_response(req)
    names = plan.to_dict()["satellites_not_propagated"]
    assert "KOMPSAT-3A" in names
    assert all(o.satellite.name not in names for o in plan.access.opportunities)


@pytest.mark.filterwarnings("error")
def test_point_area_plan_and_files_without_warnings(tmp_path):
    p = _area(tmp_path, {"type": "Point", "coordinates": [68.0, 27.0]})
    r = _run(["--area", str(p), "--hazard", "earthquake", "--start", "2026-06-10T00:00Z", "--hours", "12",
              "--out", str(tmp_path / "o"), "--rows", "2"])
    assert r.exit_code == EXIT_OK, r.output
    assert (tmp_path / "o" / "map.html").exists()


# ------------------------------------------------------------------ verbatim user text
NASTY = "[/x] [bold]Flood[/bold] [red]of[/] cat[new]"


def test_markup_in_the_activation_name_prints_verbatim(tmp_path):
    p = _area(tmp_path, filename="a[1].geojson", name=NASTY)
    r = _run(["--area", str(p), *QUICK[:6], "--no-files", "--rows", "5", "--agency", "CNSA"])
    assert r.exit_code == EXIT_OK, r.output
    assert NASTY in r.stdout
    r = _run(["--area", str(p), *QUICK[:6], "--no-files", "--json", "--agency", "CNSA"])
    assert json.loads(r.stdout)["activation"]["name"] == NASTY


def test_dollar_signs_in_names_do_not_break_the_plots(tmp_path):
    """matplotlib reads $...$ as mathtext: an unknown command made savefig fail (exit 70)."""
    p = _area(tmp_path, name=r"Flood $\nosuchcommand{x}$ [/x]")
    out = tmp_path / "o"
    r = _run(["--area", str(p), *QUICK[:6], "--out", str(out), "--agency", "CNSA", "--rows", "0"])
    assert r.exit_code == EXIT_OK, r.output
    assert (out / "timeline.png").exists() and (out / "map.png").exists()
    assert r"Flood $\nosuchcommand{x}$ [/x]" in (out / "map.html").read_text().replace("&#x27;", "'")


def test_markup_in_satellite_names_prints_verbatim(tmp_path):
    sats = tmp_path / "sats[x].csv"
    names = {"[/x]GF3-01": 41727, "[bold]GF3-02[/bold]": 49495, "[red]GF3-03": 52200}
    sats.write_text("norad_id,name,platform,agency\n" +
                    "".join(f"{n},{name},GAOFEN-3,CNSA\n" for name, n in names.items()))
    r = _run(["--sample", "--satellites", str(sats), "--agency", "CNSA", "--types", "SAR", "--hazard", "flood",
              "--start", "2026-06-10T12:00Z", "--hours", "24", "--no-files", "--rows", "40"])
    assert r.exit_code == EXIT_OK, r.output
    assert sum(name in r.stdout for name in names) >= 2, r.stdout
    r = _run(["fleet", "--satellites", str(sats), "--agency", "cnsa"])
    assert r.exit_code == EXIT_OK, r.output
    for name in names:
        assert name in r.stdout


# ------------------------------------------------------------------ JSON
def test_json_is_the_plan_on_stdout_with_units_and_iso_times():
    r = _run(["--sample", "--json", "--no-files", "--hours", "12"])
    assert r.exit_code == EXIT_OK, r.output
    plan = json.loads(r.stdout, parse_constant=lambda c: pytest.fail(f"{c} in JSON"))
    assert plan["activation"]["start_utc"] == "2026-06-10T12:00:00Z"
    assert plan["coverage_target_fraction"] == 0.99 and plan["coverage_fraction"] >= 0.99
    a = plan["acquisitions"][0]
    for key in ("start_utc", "end_utc", "off_nadir_deg", "incidence_deg", "sun_elevation_deg", "coverage_fraction",
                "cumulative_coverage_fraction", "roll_deg", "footprint"):
        assert key in a, key
    assert a["start_utc"].endswith("Z") and plan["completion_utc"].endswith("Z")
    assert a["footprint"]["type"] == "Polygon"
    assert "earliest acquisition" not in r.stdout


# ------------------------------------------------------------------ fleet
def _width80(monkeypatch):
    from orbitwatch.cli import common

    monkeypatch.setattr(common.console, "_width", 80)


def test_fleet_sources_fit_80_columns(monkeypatch):
    _width80(monkeypatch)
    r = _run(["fleet", "--sources"])
    assert r.exit_code == EXIT_OK, r.output
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    # every figure is still there: the sources are listed in full below the table
    assert "Sentinel-1 User Handbook" in r.stdout and "PALSAR-2-UBS" in r.stdout
    assert "…" not in r.stdout


def test_fleet_csv_and_json(fleet):
    r = _run(["fleet", "--format", "csv"])
    assert r.exit_code == EXIT_OK, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == len(fleet) and {"agency", "satellite", "norad_id", "element_epoch_utc"} <= set(rows[0])
    r = _run(["fleet", "-f", "csv", "--sources", "--agency", "jaxa"])
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert rows and all(x["platform"].startswith("ALOS") and x["source"] for x in rows)
    r = _run(["fleet", "--json", "--agency", "ESA,jaxa"])
    doc = json.loads(r.stdout)
    assert {s["agency"] for s in doc["satellites"]} == {"ESA", "JAXA"}
    assert {s["platform"] for s in doc["sensors"]} == {s["platform"] for s in doc["satellites"]}
    assert all(s["element_epoch_utc"].endswith("Z") for s in doc["satellites"])


def test_fleet_output_file_and_bad_options(tmp_path):
    out = tmp_path / "fleet.json"
    r = _run(["fleet", "--json", "-o", str(out)])
    assert r.exit_code == EXIT_OK and r.stdout == ""
    assert json.loads(out.read_text())["satellites"]
    _refused(["fleet", "--json", "-o", str(out)], EXIT_CANTCREAT, str(out), "--force")
    _refused(["fleet", "--format", "xml"], EXIT_USAGE, "format")
    _refused(["fleet", "--agency", "NASA"], EXIT_USAGE, "agencies", "JAXA")
