"""Business-day schedules (issue 17): `grace_unit = business_days` and `holiday_calendar`.

The holidays come from the maintained `holidays` package; office codes that are not countries
map to their seat's calendar through data/reference/holiday-calendars.csv. A schedule file
without the two columns keeps today's meaning (calendar days, no holidays).
"""
from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from conftest import load, rows
from loaders import LoadRejected
from loaders import holiday_calendars as hc

HEADER = ["provider", "recipient", "dataset", "frequency", "grace_days", "starts", "ends", "on_time_target"]


def _write(path: Path, header: list[str], table: list[list]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header, *table])
    return path


def test_a_schedule_file_without_the_new_columns_keeps_its_meaning(empty_db, tmp_path):
    path = _write(tmp_path / "schedule.csv", HEADER,
                  [["US", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "", "0.9"]])
    load(empty_db, "schedule", path)
    assert rows(empty_db, "SELECT grace_unit, holiday_calendar FROM delivery_schedule") == [("days", None)]


def test_grace_unit_and_calendar_are_stored_in_their_plain_form(empty_db, tmp_path):
    path = _write(tmp_path / "schedule.csv", HEADER + ["grace_unit", "holiday_calendar"],
                  [["US", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "", "0.9", "Business_Days", "us"],
                   ["EP", "WO", "patent-bibliographic", "weekly", "1", "2026-11-04", "", "0.9", "", "EP"],
                   ["KR", "JP", "patent-bibliographic", "weekly", "1", "2026-11-04", "", "0.9", "business_days", ""]])
    load(empty_db, "schedule", path)
    assert rows(empty_db, "SELECT provider, grace_unit, holiday_calendar FROM delivery_schedule ORDER BY 1") == [
        ("EP", "days", "EP"), ("KR", "business_days", None), ("US", "business_days", "US")]


@pytest.mark.parametrize("column, value, fragment", [
    ("holiday_calendar", "ZZ", "a holiday calendar"),
    ("holiday_calendar", "Japan", "a holiday calendar"),
    ("grace_unit", "weeks", "one of days, business_days"),
])
def test_an_unknown_calendar_or_unit_is_refused_naming_row_and_column(empty_db, tmp_path, column, value, fragment):
    good = ["US", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "", "0.9", "business_days", "US"]
    bad = ["KR", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "", "0.9", "business_days", "KR"]
    bad[9 if column == "holiday_calendar" else 8] = value
    path = _write(tmp_path / "schedule.csv", HEADER + ["grace_unit", "holiday_calendar"], [good, bad])
    with pytest.raises(LoadRejected) as caught:
        load(empty_db, "schedule", path)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (3, column, value), str(caught.value)
    assert fragment in problem.expected
    assert rows(empty_db, "SELECT count(*) FROM delivery_schedule") == [(0,)]


def test_office_codes_map_to_their_seat_calendar_as_data():
    """EP observes Munich's (Bavarian) holidays: Epiphany (6 January) is one, and not a
    holiday of Germany as a whole; WO observes Geneva's (Jeune genevois, a Thursday in
    September). Both mappings are rows of the reference file, not code."""
    assert hc.resolve("EP") == ("DE", "BY")
    assert dt.date(2026, 1, 6) in hc.holiday_dates("EP", 2026, 2026)
    assert dt.date(2026, 1, 6) not in hc.holiday_dates("DE", 2026, 2026)
    assert dt.date(2026, 9, 10) in hc.holiday_dates("WO", 2026, 2026)
    assert {"EP", "WO", "EM", "JP", "US"} <= set(hc.known_codes())
    with pytest.raises(ValueError, match="unknown holiday calendar 'ZZ'"):
        hc.resolve("ZZ")
