"""The shared CCSDS layer: epochs in bulk, KVN lines, time systems."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.ccsds import (EpochError, decimals_needed, format_epochs, from_utc, parse_epoch, parse_epochs,
                              split_kvn_line, to_tai_ns, to_utc, utc_to_tai_ns)


def test_calendar_and_day_of_year_forms_agree():
    assert parse_epoch("1996-353T12:00:00.331") == parse_epoch("1996-12-18T12:00:00.331")
    assert parse_epoch("2004-100T00:00:00") == np.datetime64("2004-04-09T00:00:00", "ns")
    assert parse_epoch("2022-03-28T19:06:42.912Z") == np.datetime64("2022-03-28T19:06:42.912", "ns")


def test_digits_beyond_the_nanosecond_are_dropped_not_rounded_into_errors():
    assert parse_epoch("2017-04-11T22:31:43.121856000000") == np.datetime64("2017-04-11T22:31:43.121856", "ns")


def test_the_bulk_parser_matches_one_by_one_on_both_paths():
    t0 = np.datetime64("2024-02-28T23:59:00", "ns")
    ts = t0 + np.arange(500) * np.timedelta64(7_300_000_001, "ns")
    uniform = format_epochs(ts, 9)                      # equal width: the byte-matrix path
    assert (parse_epochs(uniform) == ts).all()
    mixed = [s.rstrip("0") for s in uniform]            # ragged widths: the careful path
    assert (parse_epochs(mixed) == ts).all()
    assert all(parse_epoch(s) == t for s, t in zip(mixed[:20], ts[:20]))
    doy = [f"{t.astype('datetime64[Y]')}-{(t.astype('datetime64[D]') - t.astype('datetime64[Y]')).astype(int) + 1:03d}"
           f"{str(t)[10:]}" for t in ts[:50]]
    assert (parse_epochs(doy) == ts[:50]).all()


@pytest.mark.parametrize("text, reason", [
    ("2022-13-01T00:00:00", "month 13"),
    ("2023-02-29T00:00:00", "day 29"),
    ("2022-366T00:00:00", "day of year 366"),
    ("2022-01-01T24:00:00", "hour 24"),
    ("2022-01-01", "not a CCSDS epoch"),
    ("2022-01-01 12:00:00", "not a CCSDS epoch"),
    ("0000-023T02:28:01", "outside"),
])
def test_bad_epochs_say_why(text, reason):
    with pytest.raises(EpochError, match=reason):
        parse_epoch(text)


def test_a_bad_epoch_in_a_batch_is_named_by_index():
    texts = ["2022-01-01T00:00:00"] * 5 + ["2022-01-01T00:61:00"] + ["2022-01-01T00:00:00"] * 3
    with pytest.raises(EpochError) as exc:
        parse_epochs(texts)
    assert exc.value.index == 5 and "minute 61" in exc.value.reason


def test_a_leap_second_reads_as_the_next_minute():
    assert parse_epoch("2016-12-31T23:59:60.5") == np.datetime64("2017-01-01T00:00:00.5", "ns")


def test_written_epochs_use_as_few_digits_as_exact():
    ts = np.array(["2022-01-17T12:00:00", "2022-01-17T12:00:00.25"], dtype="datetime64[ns]")
    assert decimals_needed(ts) == 2
    assert format_epochs(ts) == ["2022-01-17T12:00:00.00", "2022-01-17T12:00:00.25"]


def test_kvn_lines():
    assert split_kvn_line("X = 6655.9942 [km]")[:3] == ("X", "6655.9942", "km")
    assert split_kvn_line("STOP_TIME=1996-12-30T01:28:02.267")[:3] == ("STOP_TIME", "1996-12-30T01:28:02.267", None)
    assert split_kvn_line("COMMENT")[:3] == ("COMMENT", "", None)
    assert split_kvn_line("META_START")[:3] == ("META_START", "", None)
    assert split_kvn_line("OBJECT_NAME = [bold]SAT[/x]").text == "[bold]SAT[/x]"
    assert split_kvn_line("1996-12-18T12:00:00.331 2789.619") is None


# ---------------------------------------------------------------------- time systems (known offsets)

def test_tai_gps_tt_offsets_against_the_published_values():
    # TAI - UTC = 37 s from 2017-01-01 (IERS Bulletin C 52); GPS = TAI - 19 s; TT = TAI + 32.184 s
    utc = np.array(["2020-06-01T00:00:00"], dtype="datetime64[ns]")
    assert from_utc(utc, "TAI")[0] == np.datetime64("2020-06-01T00:00:37", "ns")
    assert from_utc(utc, "GPS")[0] == np.datetime64("2020-06-01T00:00:18", "ns")
    assert from_utc(utc, "TT")[0] == np.datetime64("2020-06-01T00:01:09.184", "ns")
    for system in ("TAI", "GPS", "TT", "UTC"):
        assert to_utc(from_utc(utc, system), system)[0] == utc[0]
    # 1996: TAI - UTC = 30 s (before the 1997-07-01 leap second)
    assert to_utc(np.array(["1996-12-18T12:00:30"], dtype="datetime64[ns]"), "TAI")[0] == \
        np.datetime64("1996-12-18T12:00:00", "ns")


def test_the_tai_scale_is_continuous_over_a_leap_second():
    utc = np.array(["2016-12-31T23:59:00", "2017-01-01T00:00:00"], dtype="datetime64[ns]")
    tai = utc_to_tai_ns(utc)
    assert tai[1] - tai[0] == 61 * 10**9  # the minute that held the leap second


def test_ut1_uses_skyfield_s_table():
    from orbitwatch.propagation.frames import skyfield_time

    utc = np.array(["2017-04-12T00:00:00"], dtype="datetime64[ns]")
    dut1 = float(skyfield_time(utc.astype(np.int64)).dut1[0])
    ut1 = from_utc(utc, "UT1")[0]
    assert abs((ut1 - utc[0]) / np.timedelta64(1, "ns") / 1e9 - dut1) < 1e-9
    assert abs((to_utc(np.array([ut1]), "UT1")[0] - utc[0]) / np.timedelta64(1, "ns")) < 1000  # < 1 us


def test_unsupported_time_systems_refuse_to_convert():
    with pytest.raises(ValueError, match="MRT"):
        to_tai_ns(np.array(["2020-01-01T00:00:00"], dtype="datetime64[ns]"), "MRT")
