"""Holiday calendars of business-day schedules, from the maintained `holidays` package.

A schedule's `holiday_calendar` is an ISO 3166 country code that `holidays` knows (JP, US, ...)
or the ST.3 code of an office that is not a country (EP, WO, EM, ...). Such an office observes
the public holidays of its seat: the mapping is data, in data/reference/holiday-calendars.csv
(office code -> country and subdivision, with the reason), never a hand-written list of dates.
An office code that is also a country code (JP, KR, US...) is that country's calendar.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path

import holidays

OFFICE_CALENDARS_FILE = Path(__file__).resolve().parent.parent / "data" / "reference" / "holiday-calendars.csv"
GRACE_UNITS = ["days", "business_days"]
#: Saturday and Sunday (date.weekday()), the weekend of every calendar the bundled data uses.
WEEKEND = (5, 6)


@functools.lru_cache(maxsize=1)
def office_calendars() -> dict[str, tuple[str, str | None]]:
    """Office code -> (country code, subdivision or None) for offices that are not countries."""
    with OFFICE_CALENDARS_FILE.open(encoding="utf-8", newline="") as f:
        return {row["code"].strip(): (row["country"].strip(), row["subdivision"].strip() or None)
                for row in csv.DictReader(f)}


@functools.lru_cache(maxsize=1)
def known_codes() -> tuple[str, ...]:
    """Every code a schedule's holiday_calendar may name (upper case), sorted."""
    return tuple(sorted(set(holidays.list_supported_countries()) | set(office_calendars())))


def resolve(code: str) -> tuple[str, str | None]:
    """(country, subdivision) of a holiday calendar code; ValueError for an unknown code."""
    code = code.strip().upper()
    if code in office_calendars():
        return office_calendars()[code]
    if code in holidays.list_supported_countries():
        return code, None
    raise ValueError(f"unknown holiday calendar {code!r}: expected an ISO 3166 country code supported by the "
                     f"'holidays' package or an office code listed in {OFFICE_CALENDARS_FILE.name}")


def holiday_dates(code: str, first_year: int, last_year: int) -> list[dt.date]:
    """The public holidays of calendar `code` from first_year to last_year (inclusive), sorted."""
    country, subdivision = resolve(code)
    found = holidays.country_holidays(country, subdiv=subdivision, years=range(first_year, last_year + 1))
    return sorted(found)


def is_business_day(day: dt.date, holiday_set: set[dt.date]) -> bool:
    return day.weekday() not in WEEKEND and day not in holiday_set


def add_schedule_calendar_columns(con, schema: str) -> None:
    """Give a snapshot made before business-day schedules existed their two columns (appended,
    as in schema.sql): its schedules keep their meaning, calendar days and no holidays."""
    con.execute(f"ALTER TABLE {schema}.delivery_schedule ADD COLUMN IF NOT EXISTS grace_unit VARCHAR DEFAULT 'days'")
    con.execute(f"ALTER TABLE {schema}.delivery_schedule ADD COLUMN IF NOT EXISTS holiday_calendar VARCHAR")
