"""Delivery metrics, measured from the delivery log against the shared update calendar.

Definitions (UTC dates throughout; `as_of` is the reference date, default today):

- scheduled occurrence: each date a schedule generates from `starts`, every 7 days (weekly),
  14 days (biweekly), 1 calendar month (monthly) or 3 calendar months (quarterly), up to
  `ends` (when set) and `as_of`.
- deadline: scheduled_date + grace_days.
- on time: delivered (delivered_at's UTC date) no later than the deadline.
- late: delivered after the deadline; days late = delivered date - deadline (>= 1).
- missed: not delivered, and the deadline has passed (as_of > deadline). A scheduled
  occurrence with no row in the log at all is missed too (nothing arrived).
- pending: not delivered, and the deadline has not passed yet. Never counted as missed.
- The default as_of is `data_as_of`: the latest delivery date in the log.
- on-time rate = on time / (on time + late + missed); pending does not count.
- SLA met: on-time rate >= the schedule's on_time_target (for a provider: every schedule met).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

OUTCOMES = ("on_time", "late", "missed", "pending")


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def data_as_of(con) -> dt.date:
    """The default reference date: the latest delivery date in the loaded log (UTC), or today
    when nothing was delivered. A log exported last week must not show this week's scheduled
    deliveries as missed merely because the export is older than today."""
    rows = con.execute("SELECT max(CAST(delivered_at AS DATE)) FROM deliveries").fetchall()
    return rows[0][0] or _today()


def _params(as_of, since=None, until=None) -> dict:
    as_of = dt.date.fromisoformat(str(as_of)) if as_of else _today()
    return {"as_of": as_of, "since": dt.date.fromisoformat(str(since)) if since else None,
            "until": dt.date.fromisoformat(str(until)) if until else None}


#: Every scheduled occurrence up to as_of with its outcome; the base of all reliability metrics.
#: Parameters: $as_of, $since, $until (the period filter on scheduled_date, inclusive; NULL = open).
OUTCOMES_SQL = """
WITH occurrences AS (
    SELECT s.provider, s.recipient, s.dataset, s.frequency, s.grace_days, s.on_time_target,
           CAST(CASE s.frequency
                  WHEN 'weekly' THEN s.starts + to_days(CAST(7 * n AS INTEGER))
                  WHEN 'biweekly' THEN s.starts + to_days(CAST(14 * n AS INTEGER))
                  WHEN 'monthly' THEN s.starts + to_months(CAST(n AS INTEGER))
                  ELSE s.starts + to_months(CAST(3 * n AS INTEGER)) END AS DATE) AS scheduled_date,
           least(coalesce(s.ends, $as_of), $as_of) AS last_date
    FROM delivery_schedule s,
         LATERAL (SELECT unnest(range(0, greatest(date_diff('day', s.starts,
                  least(coalesce(s.ends, $as_of), $as_of)), 0) // 7 + 2)) AS n)
),
scheduled AS (
    SELECT * EXCLUDE (last_date) FROM occurrences
    WHERE scheduled_date <= last_date
      AND ($since IS NULL OR scheduled_date >= $since)
      AND ($until IS NULL OR scheduled_date <= $until)
)
SELECT s.*, d.delivered_at, d.records, d.notice_given, d.format, d.standard, d.notes,
       s.scheduled_date + s.grace_days AS deadline,
       CASE WHEN d.delivered_at IS NOT NULL AND CAST(d.delivered_at AS DATE) <= s.scheduled_date + s.grace_days
                 THEN 'on_time'
            WHEN d.delivered_at IS NOT NULL THEN 'late'
            WHEN $as_of > s.scheduled_date + s.grace_days THEN 'missed'
            ELSE 'pending' END AS outcome,
       CASE WHEN CAST(d.delivered_at AS DATE) > s.scheduled_date + s.grace_days
            THEN date_diff('day', s.scheduled_date + s.grace_days, CAST(d.delivered_at AS DATE)) END AS days_late
FROM scheduled s
LEFT JOIN deliveries d USING (provider, recipient, dataset, scheduled_date)
"""


def delivery_outcomes(con, as_of=None, since=None, until=None) -> pd.DataFrame:
    """Every scheduled occurrence (up to as_of, within the period) with its outcome:
    on_time, late, missed or pending, as defined in this module's docstring."""
    return con.execute(OUTCOMES_SQL + " ORDER BY provider, recipient, dataset, scheduled_date",
                       _params(as_of, since, until)).df()


def delivery_reliability_by_office(con, as_of=None, since=None, until=None) -> pd.DataFrame:
    """Per provider office: scheduled occurrences (due: on time + late + missed), on time,
    late, missed, pending, on-time rate = on_time / (on_time + late + missed), and SLA met
    when every one of its schedules reaches its own on_time_target."""
    return con.execute(f"""
        WITH o AS ({OUTCOMES_SQL}),
        per_schedule AS (
            SELECT provider, recipient, dataset, any_value(on_time_target) AS target,
                   count(*) FILTER (WHERE outcome = 'on_time') AS on_time,
                   count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')) AS due
            FROM o GROUP BY ALL)
        SELECT o.provider,
               count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')) AS scheduled,
               count(*) FILTER (WHERE outcome = 'on_time') AS on_time,
               count(*) FILTER (WHERE outcome = 'late') AS late,
               count(*) FILTER (WHERE outcome = 'missed') AS missed,
               count(*) FILTER (WHERE outcome = 'pending') AS pending,
               count(*) FILTER (WHERE outcome = 'on_time')
                 / nullif(count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')), 0) AS on_time_rate,
               (SELECT bool_and(ps.on_time / nullif(ps.due, 0) >= ps.target OR ps.due = 0)
                FROM per_schedule ps WHERE ps.provider = o.provider) AS sla_met
        FROM o GROUP BY o.provider ORDER BY o.provider""", _params(as_of, since, until)).df()


def overall_on_time_rate(con, as_of=None, since=None, until=None) -> dict:
    """All providers together: on time / (on time + late + missed), with the counts."""
    rows = con.execute(f"""
        WITH o AS ({OUTCOMES_SQL})
        SELECT count(*) FILTER (WHERE outcome = 'on_time'),
               count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')),
               count(DISTINCT provider) FILTER (WHERE outcome IN ('on_time', 'late')),
               max(CAST(delivered_at AS DATE))
        FROM o""", _params(as_of, since, until)).fetchall()
    on_time, due, providers, last = rows[0]
    return {"on_time": on_time, "due": due, "on_time_rate": (on_time / due) if due else None,
            "delivering_offices": providers, "last_delivery": last}


def unscheduled_deliveries(con) -> pd.DataFrame:
    """Delivery rows whose key matches no scheduled occurrence: no schedule for the
    provider/recipient/dataset, or a scheduled_date that is not on that schedule's calendar.
    They are listed, never dropped, and never counted in reliability."""
    return con.execute(f"""
        WITH o AS ({OUTCOMES_SQL})
        SELECT d.*, CASE WHEN s.provider IS NULL THEN 'no schedule for this provider, recipient and dataset'
                         ELSE 'date not on the schedule''s calendar' END AS reason
        FROM deliveries d
        LEFT JOIN delivery_schedule s USING (provider, recipient, dataset)
        WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.provider = d.provider AND o.recipient = d.recipient
                          AND o.dataset = d.dataset AND o.scheduled_date = d.scheduled_date)
          AND (s.provider IS NULL OR d.scheduled_date <= $as_of)
        ORDER BY d.provider, d.scheduled_date""", _params(None)).df()
