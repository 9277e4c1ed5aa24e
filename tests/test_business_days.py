"""Business-day schedules: `grace_unit = business_days` and `holiday_calendar`.

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

from db import business_days as hc
from loaders import LoadRejected

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


def test_a_weekly_thursday_schedule_over_thanksgiving(empty_db, tmp_path):
    """Hand-worked: three weekly schedules every Thursday from 2026-11-05 with 2 days' grace.
    Thursday 2026-11-26 is Thanksgiving, a US federal holiday.

    - US->JP, grace_unit business_days, holiday_calendar US: the 11-26 occurrence moves to
      Friday 11-27; its deadline is 2 business days later: Monday 11-30, Tuesday 12-01.
      The other deadlines: Thu 11-05 -> Mon 11-09, 11-12 -> Mon 11-16, 11-19 -> Mon 11-23,
      12-03 -> Mon 12-07. A delivery on Monday 11-30 is on time.
    - KR->JP, grace_unit days, holiday_calendar US: the occurrence moves to Friday 11-27 too,
      but grace counts calendar days: deadline Sunday 11-29, so the same delivery on 11-30 is
      one day late.
    - CA->JP without the columns: today's meaning, 11-26 stays, deadline 11-28.
    """
    from loaders import connect_read_only
    from queries import delivery

    schedule = _write(tmp_path / "schedule.csv", HEADER + ["grace_unit", "holiday_calendar"], [
        ["US", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "2026-12-03", "0.9", "business_days", "US"],
        ["KR", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "2026-12-03", "0.9", "days", "US"],
        ["CA", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "2026-12-03", "0.9", "", ""]])
    log = _write(tmp_path / "deliveries.csv",
                 ["provider", "recipient", "dataset", "scheduled_date", "delivered_at", "records"],
                 [["US", "JP", "patent-bibliographic", "2026-11-27", "2026-11-30", "10"],
                  ["KR", "JP", "patent-bibliographic", "2026-11-27", "2026-11-30", "10"],
                  ["CA", "JP", "patent-bibliographic", "2026-11-26", "2026-11-28", "10"]])
    load(empty_db, "schedule", schedule)
    load(empty_db, "deliveries", log)
    con = connect_read_only(empty_db)
    try:
        outcomes = delivery.delivery_outcomes(con, as_of="2026-12-01")
    finally:
        con.close()
    got = {(r.provider, str(r.scheduled_date)[:10]): (str(r.deadline)[:10], r.outcome, r.days_late)
           for r in outcomes.itertuples()}
    us = {k[1]: (v[0], v[1]) for k, v in got.items() if k[0] == "US"}
    assert us == {"2026-11-05": ("2026-11-09", "missed"), "2026-11-12": ("2026-11-16", "missed"),
                  "2026-11-19": ("2026-11-23", "missed"), "2026-11-27": ("2026-12-01", "on_time")}
    kr = got[("KR", "2026-11-27")]
    assert (kr[0], kr[1], kr[2]) == ("2026-11-29", "late", 1)
    assert ("KR", "2026-11-26") not in got
    assert got[("CA", "2026-11-26")][:2] == ("2026-11-28", "on_time")
    # Each moved occurrence keeps its nominal date.
    moved = outcomes[outcomes["nominal_date"] != outcomes["scheduled_date"]]
    assert sorted(zip(moved["provider"], moved["nominal_date"].astype(str).str[:10])) == [
        ("KR", "2026-11-26"), ("US", "2026-11-26")]


def test_the_ics_calendar_states_each_grace_in_its_own_unit(empty_db, tmp_path):
    """The .ics event of a business-day schedule says its deadline and "business days' grace";
    a calendar-day schedule says "grace days" (as_of 11-20: the 11-27 occurrences lie ahead)."""
    from icalendar import Calendar

    from loaders import connect_read_only
    from queries import update_calendar

    schedule = _write(tmp_path / "schedule.csv", HEADER + ["grace_unit", "holiday_calendar"], [
        ["US", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "2026-12-03", "0.9", "business_days", "US"],
        ["KR", "JP", "patent-bibliographic", "weekly", "2", "2026-11-05", "2026-12-03", "0.9", "days", "US"]])
    load(empty_db, "schedule", schedule)
    con = connect_read_only(empty_db)
    try:
        ics = update_calendar.calendar_ics(con, as_of=dt.date(2026, 11, 20), days_ahead=10)
    finally:
        con.close()
    events = {(str(e["summary"]), e.decoded("dtstart").isoformat()): str(e["description"])
              for e in Calendar.from_ical(ics).walk("VEVENT")}
    us = events[("patent-bibliographic: US -> JP", "2026-11-27")]
    kr = events[("patent-bibliographic: KR -> JP", "2026-11-27")]
    assert "deadline 2026-12-01 (+2 business days' grace, UTC)" in us
    assert "deadline 2026-11-29 (+2 grace days, UTC)" in kr
