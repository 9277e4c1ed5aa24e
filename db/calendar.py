"""The derived calendar of a snapshot: the table `schedule_calendar` (every scheduled occurrence
of every schedule, up to a horizon) and the view `scheduled_occurrences` (that calendar joined to
the delivery log), rebuilt inside the transaction of every load of the schedule or the log.

The occurrence rule (queries/delivery.py's docstring defines it) is written here once: the
metrics read the view, and generate the same rows with `occurrence_rows_sql` for a date past the
horizon.
"""
from __future__ import annotations

import datetime as dt

from .business_days import business_day_shift_sql, write_business_days

CALENDAR_TABLE = "schedule_calendar"
OCCURRENCES_TABLE = "scheduled_occurrences"
#: The `meta` key of the last date the calendar reaches.
OCCURRENCES_HORIZON_KEY = "scheduled_occurrences_horizon"
#: The calendar must reach a year past the data (calendar_ics looks 365 days past as_of) ...
OCCURRENCES_DAYS_NEEDED = 365
#: ... and is built to reach this far, so that the loads of the next month need not rebuild it.
OCCURRENCES_DAYS_AHEAD = 400


def occurrences_sql(horizon: str, schedule_filter: str = "TRUE", period_filter: str = "TRUE") -> str:
    """A WITH clause whose CTE `scheduled` holds every occurrence of the schedules (alias `s`)
    that pass the SQL condition `schedule_filter`, from `starts` up to `ends` and the SQL
    expression `horizon`, keeping those whose `scheduled_date` passes `period_filter`; with the
    `nominal_date` and the `deadline`. A business-day schedule's dates move to the next business
    day and its grace counts business days (db/business_days.py, over the snapshot's table
    `business_days`, which materialise_scheduled_occurrences writes first)."""
    return f"""
WITH occurrences AS (
    SELECT s.provider, s.recipient, s.dataset, s.frequency, s.grace_days, s.on_time_target,
           s.grace_unit, s.holiday_calendar,
           CAST(CASE s.frequency
                  WHEN 'weekly' THEN s.starts + to_days(CAST(7 * n AS INTEGER))
                  WHEN 'biweekly' THEN s.starts + to_days(CAST(14 * n AS INTEGER))
                  WHEN 'monthly' THEN s.starts + to_months(CAST(n AS INTEGER))
                  ELSE s.starts + to_months(CAST(3 * n AS INTEGER)) END AS DATE) AS scheduled_date,
           least(coalesce(s.ends, {horizon}), {horizon}) AS last_date
    FROM delivery_schedule s,
         LATERAL (SELECT unnest(range(0, greatest(date_diff('day', s.starts,
                  least(coalesce(s.ends, {horizon}), {horizon})), 0) // 7 + 2)) AS n)
    WHERE {schedule_filter}
),
scheduled AS (
    SELECT * EXCLUDE (last_date) FROM ({business_day_shift_sql("occurrences")})
    WHERE scheduled_date <= last_date
      AND {period_filter}
)"""


def with_deliveries_sql(calendar: str, deliveries: str = "deliveries") -> str:
    """The occurrences of `calendar` (a table or CTE of occurrences_sql's columns) with their
    delivery row (if any, from `deliveries`: the table, or a subquery of its columns such as the
    rows a viewer sees) and deadline: all an outcome needs except as_of."""
    return f"""
SELECT s.*, d.delivered_at, d.records, d.notice_given, d.format, d.standard, d.notes
FROM {calendar} s
LEFT JOIN {deliveries} d USING (provider, recipient, dataset, scheduled_date)"""


def occurrence_rows_sql(horizon: str, schedule_filter: str = "TRUE", period_filter: str = "TRUE",
                        deliveries: str = "deliveries") -> str:
    """Every scheduled occurrence with its delivery row (from `deliveries`, as in
    with_deliveries_sql) and deadline, generated up to `horizon`: the rows of the view
    `scheduled_occurrences`, for a query that reaches past its horizon."""
    return occurrences_sql(horizon, schedule_filter, period_filter) + with_deliveries_sql("scheduled", deliveries)


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def calendar_horizon(con) -> dt.date | None:
    """The last date the snapshot's calendar reaches (None: no calendar yet)."""
    rows = con.execute("SELECT value FROM meta WHERE key = $key", {"key": OCCURRENCES_HORIZON_KEY}).fetchall()
    return dt.date.fromisoformat(rows[0][0]) if rows else None


def materialise_scheduled_occurrences(con, schedule_changed: bool = True) -> dt.date:
    """Keep the snapshot's scheduled occurrences ready for the metrics, in the connection's
    current database: the table `schedule_calendar` (every occurrence of every schedule, up to
    a horizon OCCURRENCES_DAYS_AHEAD days past the latest of: scheduled dates in the log,
    delivery dates, today; the horizon is recorded in `meta`) and the view
    `scheduled_occurrences` (that calendar joined to the log). Returns the horizon.

    Called by the loader inside the transaction of every load of the schedule or the log. The
    calendar depends on the schedule only, so a load of the log rebuilds it only when the
    horizon no longer reaches OCCURRENCES_DAYS_NEEDED days past the data: a million-row log
    load then costs nothing here. (Materialising the join as well cost 0.7 s per load at 1M
    rows; the view costs each metric query a hash join, about 0.1 s at 1M, paid once per
    snapshot and filter thanks to the page cache.)"""
    latest = con.execute("SELECT max(scheduled_date), max(CAST(delivered_at AS DATE)) FROM deliveries").fetchall()[0]
    reach = max([d for d in latest if d is not None] + [_today()])
    stored = calendar_horizon(con)
    if not schedule_changed and stored and stored >= reach + dt.timedelta(days=OCCURRENCES_DAYS_NEEDED):
        return stored
    horizon = reach + dt.timedelta(days=OCCURRENCES_DAYS_AHEAD)
    write_business_days(con, horizon)
    con.execute(f"CREATE OR REPLACE TABLE {CALENDAR_TABLE} AS {occurrences_sql('$horizon')} "
                "SELECT * FROM scheduled", {"horizon": horizon})
    con.execute(f"CREATE OR REPLACE VIEW {OCCURRENCES_TABLE} AS {with_deliveries_sql(CALENDAR_TABLE)}")
    con.execute("INSERT OR REPLACE INTO meta VALUES ($key, $value)",
                {"key": OCCURRENCES_HORIZON_KEY, "value": horizon.isoformat()})
    return horizon
