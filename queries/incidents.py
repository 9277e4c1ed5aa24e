"""Notices, incidents and their measures, over the delivery metrics of
`queries.delivery` (whose definitions of outcome, as_of, announcement and interruption they keep).

Definitions (UTC dates throughout):

- notice: a row of the table `notices` (loaders/notices.py): a provider's word that deliveries
  of a dataset (empty = every dataset) to a recipient (empty = every recipient) are or were
  affected from `starts` to `ends` (inclusive), of a kind (planned_interruption,
  unplanned_interruption, delay, format_change, other), published at `announced_at` (a UTC
  time; a file that leaves it empty: the time the notice was loaded).
- a notice covering an occurrence, an announced occurrence and an announced interruption are
  defined once, in `queries.delivery` (every kind of notice counts).
- incident: an interruption as `queries.delivery.delivery_interruptions` finds it (a run of 2 or
  more consecutive missed occurrences of one schedule, found over the whole calendar, kept when
  it overlaps the period), with:
  first_missed, last_missed, missed_occurrences; `recovered_at`, the delivery date of the first
  delivery (on time or late, delivered by as_of) of an occurrence after the run, empty while it is
  ongoing; `days_to_recover` = recovered_at - first_missed (days); `announced` = its first missed
  occurrence is announced; `notice_lead_days` = first_missed - the date of the earliest notice
  covering first_missed (by announced_at): negative when that notice came after the fact, empty
  when no notice covers it (even when the log says notice_given = yes).
- per schedule: scheduled (due: on time + late + missed), on_time, late, missed, on_time_rate =
  on time / due, announced_missed = missed occurrences that are announced,
  on_time_rate_excluding_announced = on time / (due - announced_missed) (empty when that is 0),
  mttr_days = mean days_to_recover over the schedule's recovered incidents (empty when none),
  and on_time_rate_30d / _90d / _365d: on time / due over the occurrences scheduled in the
  last 30, 90 or 365 days up to as_of (as_of - N < scheduled_date <= as_of), whatever the period.

Filter: every function takes `as_of` and `where`, a `queries.filters.DeliveryFilter`, as the
delivery metrics do. For notices, a provider choice keeps the notices of those providers, a
recipient or dataset choice keeps the notices naming one of them or naming none (all), and the
period keeps the notices whose starts..ends overlaps it.
"""
from __future__ import annotations

import pandas as pd

from .delivery import (
    NOTICES_SQL,
    announced_outcomes_sql,
    interruption_runs_sql,
    outcome_params,
    outcomes_sql,
    whole_calendar_params,
)
from .filters import EVERYTHING, DeliveryFilter

NOTICE_KINDS = ("planned_interruption", "unplanned_interruption", "delay", "format_change", "other")
#: The windows of the rolling on-time rates, in days before as_of.
ROLLING_DAYS = (30, 90, 365)

def _rolling_sql() -> str:
    """Aggregates over outcomes_sql rows: on_time_rate_<N>d = on time / due among the
    occurrences scheduled in the N days up to $as_of (as_of - N < scheduled_date <= as_of)."""
    return ",\n".join(
        f"""count(*) FILTER (WHERE outcome = 'on_time' AND scheduled_date > $as_of - INTERVAL {n} DAY)
              / nullif(count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')
                                        AND scheduled_date > $as_of - INTERVAL {n} DAY), 0) AS on_time_rate_{n}d"""
        for n in ROLLING_DAYS)


def _incidents_sql(con, params: dict) -> str:
    return f"""
WITH runs AS ({interruption_runs_sql(con, params)}),
o AS ({outcomes_sql(con, params)}),
recovery AS (
    SELECT r.provider, r.recipient, r.dataset, r.first_missed,
           min(CAST(o.delivered_at AS DATE)) FILTER (
               WHERE o.outcome IN ('on_time', 'late') AND o.scheduled_date > r.last_missed
                 AND CAST(o.delivered_at AS DATE) <= $as_of) AS recovered_at
    FROM runs r JOIN o USING (provider, recipient, dataset)
    GROUP BY ALL)
SELECT r.provider, r.recipient, r.dataset, r.frequency, r.first_missed, r.last_missed,
       r.missed AS missed_occurrences, r.ongoing, v.recovered_at,
       date_diff('day', r.first_missed, v.recovered_at) AS days_to_recover,
       r.announced, r.notice_given,
       r.earliest_notice_id AS notice_id, r.earliest_notice_at AS notice_announced_at,
       date_diff('day', CAST(r.earliest_notice_at AS DATE), r.first_missed) AS notice_lead_days,
       nt.kind AS notice_kind, nt.text AS notice_text, r.notes
FROM runs r
JOIN recovery v ON v.provider = r.provider AND v.recipient = r.recipient AND v.dataset = r.dataset
        AND v.first_missed = r.first_missed
LEFT JOIN notices nt ON nt.notice_id = r.earliest_notice_id"""


def incidents(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Every incident (an interruption of `delivery_interruptions`: 2+ consecutive missed
    occurrences of one schedule overlapping the period), one row each, by schedule and
    first_missed: provider, recipient, dataset, frequency, first_missed, last_missed,
    missed_occurrences, ongoing (no delivered occurrence after it by as_of), recovered_at
    (delivery date of the first delivery after the run; empty while ongoing), days_to_recover
    (recovered_at - first_missed), announced (its first missed occurrence is announced: a
    covering notice published by that date, or notice_given = yes), notice_given (the log's,
    for the first missed occurrence), notice_id / notice_announced_at / notice_kind / notice_text
    of the earliest notice covering first_missed, notice_lead_days (first_missed - that notice's
    date; negative when it came after; empty with no notice) and the log's notes."""
    params = whole_calendar_params(as_of, where)
    return con.execute(_incidents_sql(con, params) + " ORDER BY r.provider, r.recipient, r.dataset, r.first_missed",
                       params).df()


def schedule_incident_metrics(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per schedule (provider, recipient, dataset) with an occurrence due or pending in the
    period: scheduled (due = on time + late + missed), on_time, late, missed, on_time_rate
    (on time / due), announced_missed (missed occurrences that are announced),
    on_time_rate_excluding_announced (on time / (due - announced_missed); empty when 0),
    incidents and recovered_incidents (incidents overlapping the period), mttr_days (mean
    days_to_recover over the recovered ones; empty when none) and on_time_rate_30d,
    on_time_rate_90d, on_time_rate_365d (on time / due over occurrences scheduled in the last
    30 / 90 / 365 days up to as_of, the period aside; empty when none was due)."""
    where = where or EVERYTHING
    key = ["provider", "recipient", "dataset"]
    params = outcome_params(as_of, where)
    counts = con.execute(f"""
        WITH a AS ({announced_outcomes_sql(con, params)}),
        c AS (
            SELECT provider, recipient, dataset,
                   count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')) AS scheduled,
                   count(*) FILTER (WHERE outcome = 'on_time') AS on_time,
                   count(*) FILTER (WHERE outcome = 'late') AS late,
                   count(*) FILTER (WHERE outcome = 'missed') AS missed,
                   count(*) FILTER (WHERE outcome = 'missed' AND announced) AS announced_missed
            FROM a GROUP BY ALL)
        SELECT provider, recipient, dataset, scheduled, on_time, late, missed,
               on_time / nullif(scheduled, 0) AS on_time_rate, announced_missed,
               on_time / nullif(scheduled - announced_missed, 0) AS on_time_rate_excluding_announced
        FROM c ORDER BY provider, recipient, dataset""", params).df()
    incident_params = whole_calendar_params(as_of, where)
    recovery = con.execute(f"""
        SELECT provider, recipient, dataset, count(*) AS incidents,
               count(recovered_at) AS recovered_incidents, avg(days_to_recover) AS mttr_days
        FROM ({_incidents_sql(con, incident_params)}) GROUP BY ALL""", incident_params).df()
    rolling_params = outcome_params(as_of, where.without_period())
    rates = con.execute(f"SELECT provider, recipient, dataset, {_rolling_sql()} FROM ({outcomes_sql(con, rolling_params)}) "
                        "GROUP BY ALL", rolling_params).df()
    table = counts.merge(recovery, on=key, how="left").merge(rates, on=key, how="left")
    table[["incidents", "recovered_incidents"]] = table[["incidents", "recovered_incidents"]].fillna(0).astype(int)
    return table[key + ["scheduled", "on_time", "late", "missed", "on_time_rate", "announced_missed",
                        "on_time_rate_excluding_announced", "incidents", "recovered_incidents", "mttr_days"]
                 + [f"on_time_rate_{n}d" for n in ROLLING_DAYS]]


def provider_incident_metrics(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per provider office with an occurrence due or pending in the period, for the provider
    scorecard: incidents (overlapping the period), announced_incidents, share_announced
    (announced / incidents; empty with none), median_notice_lead_days (the median of
    notice_lead_days over its incidents that a notice covers, negative leads included; empty
    when none), mttr_days (mean days_to_recover over its recovered incidents), and
    on_time_rate_30d / _90d / _365d (on time / due over all its schedules' occurrences scheduled
    in the last 30 / 90 / 365 days up to as_of, the period aside)."""
    where = where or EVERYTHING
    params = outcome_params(as_of, where)
    providers = con.execute(f"SELECT DISTINCT provider FROM ({outcomes_sql(con, params)}) ORDER BY provider",
                            params).df()
    incident_params = whole_calendar_params(as_of, where)
    summary = con.execute(f"""
        SELECT provider, count(*) AS incidents, count(*) FILTER (WHERE announced) AS announced_incidents,
               count(*) FILTER (WHERE announced) / count(*) AS share_announced,
               median(notice_lead_days) AS median_notice_lead_days, avg(days_to_recover) AS mttr_days
        FROM ({_incidents_sql(con, incident_params)}) GROUP BY provider""", incident_params).df()
    rolling_params = outcome_params(as_of, where.without_period())
    rates = con.execute(f"SELECT provider, {_rolling_sql()} FROM ({outcomes_sql(con, rolling_params)}) "
                        "GROUP BY provider", rolling_params).df()
    table = providers.merge(summary, on="provider", how="left").merge(rates, on="provider", how="left")
    table[["incidents", "announced_incidents"]] = table[["incidents", "announced_incidents"]].fillna(0).astype(int)
    return table


def notices(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Every notice that passes the filter (see the module docstring; `as_of` is not used: a
    notice is listed whatever the reference date), newest first: notice_id (a hash of its
    content, stable across loads), provider, recipient and dataset (empty = all), starts, ends,
    kind, text, announced_at (UTC; the load time when the file left it empty), load_seq."""
    # A notice is a provider's own public word, listed whatever the status of the months it covers.
    params = (where or EVERYTHING).params()
    return con.execute(f"""
        SELECT * FROM ({NOTICES_SQL}) n
        WHERE ($providers IS NULL OR list_contains($providers, n.provider))
          AND ($recipients IS NULL OR n.recipient IS NULL OR list_contains($recipients, n.recipient))
          AND ($datasets IS NULL OR n.dataset IS NULL OR list_contains($datasets, n.dataset))
          AND ($since IS NULL OR n.ends >= $since) AND ($until IS NULL OR n.starts <= $until)
        ORDER BY n.announced_at DESC, n.provider, n.starts, n.notice_id""", params).df()


def incidents_contract(con, as_of=None, where: DeliveryFilter | None = None) -> list[dict]:
    """The incidents for scripts (`python -m loaders metrics --json`, key incidents): provider,
    recipient, dataset, first_missed, missed_occurrences, recovered_at, days_to_recover,
    announced, notice_lead_days; dates as YYYY-MM-DD, empty values null."""
    table = incidents(con, as_of, where)
    return [{"provider": r.provider, "recipient": r.recipient, "dataset": r.dataset,
             "first_missed": _iso(r.first_missed), "missed_occurrences": int(r.missed_occurrences),
             "recovered_at": _iso(r.recovered_at), "days_to_recover": _int(r.days_to_recover),
             "announced": bool(r.announced), "notice_lead_days": _int(r.notice_lead_days)}
            for r in table.itertuples()]


def schedules_contract(con, as_of=None, where: DeliveryFilter | None = None) -> list[dict]:
    """The per-schedule measures for scripts (`python -m loaders metrics --json`, key
    schedules): provider, recipient, dataset, scheduled, on_time, late, missed, on_time_rate,
    on_time_rate_excluding_announced, mttr_days (rates to 4 decimals, days to 2; empty null)."""
    table = schedule_incident_metrics(con, as_of, where)
    return [{"provider": r.provider, "recipient": r.recipient, "dataset": r.dataset,
             "scheduled": int(r.scheduled), "on_time": int(r.on_time), "late": int(r.late), "missed": int(r.missed),
             "on_time_rate": _round(r.on_time_rate, 4),
             "on_time_rate_excluding_announced": _round(r.on_time_rate_excluding_announced, 4),
             "mttr_days": _round(r.mttr_days, 2)}
            for r in table.itertuples()]


def _missing(value) -> bool:
    return value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value)


def _iso(value) -> str | None:
    if _missing(value):
        return None
    return value.date().isoformat() if hasattr(value, "date") and callable(value.date) else str(value)[:10]


def _int(value) -> int | None:
    return None if _missing(value) else int(value)


def _round(value, digits: int) -> float | None:
    return None if _missing(value) else round(float(value), digits)
