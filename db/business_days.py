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


#: The snapshot's table of business days (weekdays that are not holidays), numbered in order per
#: calendar ('' = weekends only, for a business-day schedule without holiday_calendar).
BUSINESS_DAYS_TABLE = "business_days"
#: The table reaches this far past the calendar's horizon: room for a shift past a long holiday
#: and for grace counted in business days. A deadline beyond it is unknown (the occurrence stays
#: pending), which only a grace of years could reach.
BUSINESS_DAYS_MARGIN = dt.timedelta(days=3 * 366)


def schedule_day_calendar_sql(alias: str = "s") -> str:
    """SQL: the business-day calendar an occurrence of schedule `alias` moves on, or NULL when
    its dates never move (a calendar-day schedule without holiday_calendar: today's meaning)."""
    return (f"CASE WHEN {alias}.grace_unit = 'business_days' OR {alias}.holiday_calendar IS NOT NULL "
            f"THEN coalesce({alias}.holiday_calendar, '') END")


def write_business_days(con, horizon: dt.date) -> None:
    """(Re)write BUSINESS_DAYS_TABLE in the connection's current database for every calendar the
    schedules use, from the earliest `starts` of such a schedule to horizon + BUSINESS_DAYS_MARGIN.
    The holidays come from the `holidays` package (`holiday_dates`)."""
    used = con.execute(f"SELECT {schedule_day_calendar_sql()} AS calendar, min(s.starts) FROM delivery_schedule s "
                       "GROUP BY 1 HAVING calendar IS NOT NULL ORDER BY 1").fetchall()
    con.execute(f"CREATE OR REPLACE TABLE {BUSINESS_DAYS_TABLE} (calendar VARCHAR, day DATE, n BIGINT)")
    last = horizon + BUSINESS_DAYS_MARGIN
    for calendar, first in used:
        # Holidays are looked up a year before `starts` too, harmlessly: the table starts at `starts`.
        closed = set(holiday_dates(calendar, first.year - 1, last.year)) if calendar else set()
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        open_days = [d for d in days if is_business_day(d, closed)]
        con.execute(f"INSERT INTO {BUSINESS_DAYS_TABLE} SELECT $calendar, unnest($days), "
                    "generate_subscripts($days, 1)", {"calendar": calendar, "days": open_days})


def business_day_shift_sql(occurrences: str) -> str:
    """SQL over `occurrences` (a subquery or table of a schedule's occurrences: the schedule's
    columns with `scheduled_date` the nominal date): the same rows with
    - `scheduled_date` moved to the next business day (not a weekend, not a holiday of the
      schedule's holiday_calendar) when the schedule says business_days or names a calendar
      and the nominal date is not a business day; else unchanged (today's meaning);
    - `nominal_date`, the date before any move;
    - `deadline`: scheduled_date + grace_days (grace_unit days), or the business day grace_days
      business days after scheduled_date (business_days; grace 0 = scheduled_date itself).
    Two nominal dates moved onto the same day are one occurrence (the earlier nominal date)."""
    return f"""
SELECT * EXCLUDE (day_calendar, business_n, duplicate) FROM (
    SELECT m.* EXCLUDE (deadline_day),
           CASE WHEN m.grace_unit = 'business_days' THEN m.deadline_day
                ELSE m.scheduled_date + m.grace_days END AS deadline,
           row_number() OVER (PARTITION BY m.provider, m.recipient, m.dataset, m.scheduled_date
                              ORDER BY m.nominal_date) AS duplicate
    FROM (
        SELECT sh.*, g.day AS deadline_day
        FROM (
            SELECT o.* EXCLUDE (scheduled_date), coalesce(b.day, o.scheduled_date) AS scheduled_date,
                   o.scheduled_date AS nominal_date, b.n AS business_n
            FROM (SELECT *, {schedule_day_calendar_sql('x')} AS day_calendar FROM {occurrences} x) o
            ASOF LEFT JOIN {BUSINESS_DAYS_TABLE} b
              ON o.day_calendar = b.calendar AND o.scheduled_date <= b.day) sh
        LEFT JOIN {BUSINESS_DAYS_TABLE} g
          ON sh.grace_unit = 'business_days' AND g.calendar = sh.day_calendar
         AND g.n = sh.business_n + sh.grace_days) m
) WHERE duplicate = 1"""
