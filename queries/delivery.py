"""Delivery metrics, measured from the delivery log against the shared update calendar.

Definitions (UTC dates throughout; `as_of` is the reference date, default today):

- scheduled occurrence: each date a schedule generates from `starts`, every 7 days (weekly),
  14 days (biweekly), 1 calendar month (monthly) or 3 calendar months (quarterly), up to
  `ends` (when set) and `as_of`. A schedule with `grace_unit = business_days` or a
  `holiday_calendar` (db/business_days.py): a date on a public holiday of that calendar (or, for
  business_days, a Saturday or Sunday) moves to the next business day (`nominal_date` keeps the
  generated one; two dates moved onto one day are one occurrence), and the log row carries the
  moved date.
- deadline: scheduled_date + grace_days; for `grace_unit = business_days`, the business day
  grace_days business days after scheduled_date.
- on time: delivered (delivered_at's UTC date) no later than the deadline.
- late: delivered after the deadline; days late = delivered date - deadline (>= 1).
- missed: not delivered, and the deadline has passed (as_of > deadline). A scheduled
  occurrence with no row in the log at all is missed too (nothing arrived).
- pending: not delivered, and the deadline has not passed yet. Never counted as missed.
- The default as_of is `data_as_of`: the latest delivery date in the log.
- on-time rate = on time / (on time + late + missed); pending does not count.
- SLA met: on-time rate >= the schedule's on_time_target (for a provider: every schedule met).
- delay: over late deliveries only, the median and the 90th percentile of days late
  (`quantile_cont`: linear interpolation between the ordered values, as numpy's default).
- announced occurrence: one that a notice (`notices`, loaders/notices.py) published no later
  than its scheduled date covers (same provider; recipient and dataset equal or empty in the
  notice; scheduled date within starts..ends), or whose log row says notice_given = yes (the
  lead time then unknown). An occurrence with no row in the log and no notice is unannounced.
- interruption: a run of two or more consecutive missed occurrences of one schedule (any on
  time or late delivery ends the run); announced when its first missed occurrence is announced,
  else unannounced (a notice that only covers later misses came too late to warn of it). Runs
  are found over the whole calendar; a period keeps the runs that overlap it, so a period
  boundary never cuts a run in two.
- irregularity of a schedule: the sample standard deviation of (actual interval - scheduled
  interval) in days over consecutive delivered occurrences (on time or late; a missed one in
  between is skipped), divided by the mean scheduled interval of those pairs. 0 = every
  delivery exactly as regular as the calendar; 0.5 = the timing wobbles by half a period.
  Needs 3 deliveries (2 intervals), else empty.
- freshness of a schedule: days from its last delivery (any delivery row of that provider,
  recipient and dataset delivered by as_of) to as_of. Stale when that exceeds one period plus
  grace_days, the period being 7, 14, 31 (monthly: the longest month) or 92 (quarterly) days;
  with no delivery yet, counted from `starts`. A schedule that ended before as_of is never
  stale. Freshness is measured at as_of: the period filter does not apply.
- upcoming: occurrences scheduled after as_of up to as_of + days_ahead, plus pending ones
  (scheduled by as_of, not delivered, deadline not passed).
- overdue: missed occurrences later than the schedule's last delivered occurrence (the
  deliveries still outstanding now); days overdue = as_of - deadline.
- monthly trend: the outcomes above per calendar month of scheduled_date; a month is
  incomplete while it has not ended by as_of or any of its occurrences is still pending.

Filter: every function takes `as_of` and `where`, a `queries.filters.DeliveryFilter` (the
providers, recipients and datasets, empty = all, and the period `since`/`until`, inclusive, on
scheduled_date, UTC; None = everything). The functions measured at as_of (freshness, upcoming,
overdue) use its offices and datasets only, and every function the months its viewer may see
(`queries.filters.visible_sql`: a month in draft or in review is left out of public figures).
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from db.calendar import CALENDAR_TABLE, calendar_horizon, occurrence_rows_sql, with_deliveries_sql
from db.calendar import OCCURRENCES_HORIZON_KEY as OCCURRENCES_HORIZON_KEY  # read by tests that drop the calendar

from .filters import (
    EVERYTHING,
    DeliveryFilter,
    as_date,
    dates_sql,
    offices_sql,
    period_sql,
    seen_deliveries_sql,
    where_sql,
)

OUTCOMES = ("on_time", "late", "missed", "pending")


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def data_as_of(con, where: DeliveryFilter | None = None) -> dt.date:
    """The default reference date: the latest delivery date in the loaded log (UTC) among the
    rows `where`'s viewer sees (default: the public, so that every viewer's pages judge at the
    same date and a log under review does not move the public's), or today when nothing was
    delivered. A log exported last week must not show this week's scheduled deliveries as missed
    merely because the export is older than today."""
    rows = con.execute(f"SELECT max(CAST(delivered_at AS DATE)) FROM {seen_deliveries_sql()} d",
                       (where or EVERYTHING).viewer_params()).fetchall()
    return rows[0][0] or _today()


def outcome_params(as_of, where: DeliveryFilter | None = None) -> dict:
    """Query parameters of outcomes_sql: the reference date (default today) and the filter's."""
    return {"as_of": as_date(as_of) or _today(), **(where or EVERYTHING).sql_params()}


def _scheduled_source(con, upper: str, upper_date: dt.date) -> str:
    """SQL of the occurrences of the filtered schedules from `starts` up to `ends` and the SQL
    expression `upper` (whose value is `upper_date`), within $since/$until, with the delivery
    rows the viewer sees (`seen_deliveries_sql`): read from the materialised calendar when it
    reaches `upper_date`, else generated (a date past its horizon)."""
    horizon = calendar_horizon(con)
    if horizon is None or upper_date > horizon:
        return occurrence_rows_sql(upper, offices_sql("s"), period_sql(), seen_deliveries_sql())
    return f"""
SELECT * FROM ({with_deliveries_sql(CALENDAR_TABLE, seen_deliveries_sql())}) s
WHERE s.scheduled_date <= {upper} AND {where_sql("s")}"""


def outcomes_sql(con, params: dict) -> str:
    """Every scheduled occurrence up to as_of with its outcome; the base of all reliability
    metrics. Parameters (`outcome_params`): $as_of, $since, $until (the period filter on
    scheduled_date, inclusive; NULL = open) and the filters."""
    return f"""
SELECT x.*,
       CASE WHEN x.delivered_at IS NOT NULL AND CAST(x.delivered_at AS DATE) <= x.deadline THEN 'on_time'
            WHEN x.delivered_at IS NOT NULL THEN 'late'
            WHEN $as_of > x.deadline THEN 'missed'
            ELSE 'pending' END AS outcome,
       CASE WHEN CAST(x.delivered_at AS DATE) > x.deadline
            THEN date_diff('day', x.deadline, CAST(x.delivered_at AS DATE)) END AS days_late
FROM ({_scheduled_source(con, "$as_of", params["as_of"])}) x
"""


#: Every notice with its effective publication time (announced_at, or the time of its load).
NOTICES_SQL = """
SELECT n.notice_id, n.provider, n.recipient, n.dataset, n.starts, n.ends, n.kind, n.text,
       coalesce(n.announced_at, l.loaded_at) AS announced_at, n.load_seq
FROM notices n LEFT JOIN loads l ON l.seq = n.load_seq"""


def _notice_covers(notice: str, occurrence: str) -> str:
    """SQL: notice alias `notice` covers the occurrence row of alias `occurrence`."""
    return (f"{notice}.provider = {occurrence}.provider"
            f" AND ({notice}.recipient IS NULL OR {notice}.recipient = {occurrence}.recipient)"
            f" AND ({notice}.dataset IS NULL OR {notice}.dataset = {occurrence}.dataset)"
            f" AND {occurrence}.scheduled_date BETWEEN {notice}.starts AND {notice}.ends")


def _with_announcement(rows_sql: str) -> str:
    """The occurrence rows of `rows_sql` (provider, recipient, dataset, scheduled_date,
    notice_given, ...) with `announced` as this module's docstring defines it, `notice_announced`
    (a covering notice published by the scheduled date) and the earliest covering notice's id
    and time (`earliest_notice_id`, `earliest_notice_at`)."""
    return f"""
SELECT o.*,
       e.first_at AS earliest_notice_at, e.first_id AS earliest_notice_id,
       coalesce(CAST(e.first_at AS DATE) <= o.scheduled_date, false) AS notice_announced,
       coalesce(CAST(e.first_at AS DATE) <= o.scheduled_date, false) OR coalesce(o.notice_given, false) AS announced
FROM ({rows_sql}) o
LEFT JOIN LATERAL (
    SELECT min(n.announced_at) AS first_at, arg_min(n.notice_id, n.announced_at) AS first_id
    FROM ({NOTICES_SQL}) n WHERE {_notice_covers("n", "o")}) e ON true"""


def announced_outcomes_sql(con, params: dict) -> str:
    """SQL of the outcomes of `delivery_outcomes` with the announcement columns of
    `_with_announcement` (`announced` per occurrence), for the metrics that count announced
    occurrences (queries.incidents). Parameters: `outcome_params`."""
    return _with_announcement(outcomes_sql(con, params))


def delivery_outcomes(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Every scheduled occurrence (up to as_of, within the period) with its outcome:
    on_time, late, missed or pending, as defined in this module's docstring."""
    params = outcome_params(as_of, where)
    return con.execute(outcomes_sql(con, params) + " ORDER BY provider, recipient, dataset, scheduled_date",
                       params).df()


#: Outcome counts of a group of occurrences (an aggregate over outcomes_sql rows).
_OUTCOME_COUNTS = """
               count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')) AS scheduled,
               count(*) FILTER (WHERE outcome = 'on_time') AS on_time,
               count(*) FILTER (WHERE outcome = 'late') AS late,
               count(*) FILTER (WHERE outcome = 'missed') AS missed,
               count(*) FILTER (WHERE outcome = 'pending') AS pending,
               count(*) FILTER (WHERE outcome = 'on_time')
                 / nullif(count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')), 0) AS on_time_rate"""


def delivery_reliability_by_schedule(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per schedule (provider, recipient, dataset): scheduled (due: on time + late + missed),
    on time, late, missed, pending, on-time rate, its on_time_target and SLA met = on-time
    rate >= target over the period (true when nothing was due)."""
    params = outcome_params(as_of, where)
    return con.execute(_by_schedule_sql(con, params) + " ORDER BY provider, recipient, dataset", params).df()


def _by_schedule_sql(con, params: dict) -> str:
    """SQL of `delivery_reliability_by_schedule`'s rows (no ORDER BY)."""
    return f"""
        WITH o AS ({outcomes_sql(con, params)}),
        per_schedule AS (
            SELECT provider, recipient, dataset, any_value(frequency) AS frequency,
                   any_value(on_time_target) AS on_time_target, {_OUTCOME_COUNTS}
            FROM o GROUP BY provider, recipient, dataset)
        SELECT *, coalesce(on_time_rate >= on_time_target, scheduled = 0) AS sla_met
        FROM per_schedule"""


def delivery_reliability_by_pair(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per provider-recipient pair (the sender x receiver matrix): schedules (how many of the
    pair's datasets are scheduled), scheduled (due, summed over them), on_time, on_time_rate =
    on time / due (empty when nothing was due) and below_sla = some schedule of the pair missed
    its own on_time_target (`delivery_reliability_by_schedule`'s sla_met) over the period."""
    params = outcome_params(as_of, where)
    return con.execute(f"""
        SELECT provider, recipient, count(*) AS schedules, sum(scheduled) AS scheduled, sum(on_time) AS on_time,
               sum(on_time) / nullif(sum(scheduled), 0) AS on_time_rate, bool_or(NOT sla_met) AS below_sla
        FROM ({_by_schedule_sql(con, params)})
        GROUP BY provider, recipient ORDER BY provider, recipient""", params).df()


def delivery_reliability_by_office(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per provider office: scheduled occurrences (due: on time + late + missed), on time,
    late, missed, pending, on-time rate = on_time / (on_time + late + missed), and SLA met
    when every one of its schedules reaches its own on_time_target (over the period)."""
    params = outcome_params(as_of, where)
    return con.execute(f"""
        WITH o AS ({outcomes_sql(con, params)}),
        per_schedule AS (
            SELECT provider, recipient, dataset, any_value(on_time_target) AS target,
                   count(*) FILTER (WHERE outcome = 'on_time') AS on_time,
                   count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')) AS due
            FROM o GROUP BY ALL)
        SELECT o.provider, {_OUTCOME_COUNTS},
               (SELECT bool_and(ps.on_time / nullif(ps.due, 0) >= ps.target OR ps.due = 0)
                FROM per_schedule ps WHERE ps.provider = o.provider) AS sla_met
        FROM o GROUP BY o.provider ORDER BY o.provider""",
                       params).df()


def overall_on_time_rate(con, as_of=None, where: DeliveryFilter | None = None) -> dict:
    """All providers together: on time / (on time + late + missed), with the counts."""
    params = outcome_params(as_of, where)
    rows = con.execute(f"""
        WITH o AS ({outcomes_sql(con, params)})
        SELECT count(*) FILTER (WHERE outcome = 'on_time'),
               count(*) FILTER (WHERE outcome IN ('on_time', 'late', 'missed')),
               count(DISTINCT provider) FILTER (WHERE outcome IN ('on_time', 'late')),
               max(CAST(delivered_at AS DATE))
        FROM o""", params).fetchall()
    on_time, due, providers, last = rows[0]
    return {"on_time": on_time, "due": due, "on_time_rate": (on_time / due) if due else None,
            "delivering_offices": providers, "last_delivery": last}


def unscheduled_deliveries(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Delivery rows whose key matches no scheduled occurrence: no schedule for the
    provider/recipient/dataset, or a scheduled_date that is not on that schedule's calendar.
    They are listed, never dropped, and never counted in reliability. The period and the
    filters apply to the row's own scheduled_date, provider, recipient and dataset."""
    params = whole_calendar_params(as_of, where)
    return con.execute(f"""
        WITH o AS ({outcomes_sql(con, params)})
        SELECT d.* EXCLUDE (load_seq),
               CASE WHEN s.provider IS NULL THEN 'no schedule for this provider, recipient and dataset'
                    ELSE 'date not on the schedule''s calendar' END AS reason
        FROM {seen_deliveries_sql()} d
        LEFT JOIN delivery_schedule s USING (provider, recipient, dataset)
        WHERE NOT EXISTS (SELECT 1 FROM o WHERE o.provider = d.provider AND o.recipient = d.recipient
                          AND o.dataset = d.dataset AND o.scheduled_date = d.scheduled_date)
          AND (s.provider IS NULL OR d.scheduled_date <= $as_of)
          AND {offices_sql("d")}
          AND {dates_sql("d", "$period_since", "$period_until")}
        ORDER BY d.provider, d.scheduled_date""", params).df()


def delivery_delay_by_office(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per provider office with at least one late delivery in the period: late deliveries,
    the median and the 90th percentile (linear interpolation) of days late, and the longest."""
    params = outcome_params(as_of, where)
    return con.execute(f"""
        WITH o AS ({outcomes_sql(con, params)})
        SELECT provider, count(*) AS late,
               median(days_late) AS delay_median_days,
               quantile_cont(days_late, 0.9) AS delay_p90_days,
               max(days_late) AS delay_max_days
        FROM o WHERE outcome = 'late' GROUP BY provider ORDER BY provider""",
                       params).df()


def delivery_interruptions(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Every interruption: a run of >= 2 consecutive missed occurrences of one schedule, with
    its first and last missed date, the number missed, whether it was announced (its first missed
    occurrence was: module docstring) or not (unannounced), and
    whether it is still going on at as_of (no delivered occurrence after it). Runs are found
    over the whole calendar and kept when they overlap the period."""
    params = whole_calendar_params(as_of, where)
    return con.execute(f"""
        SELECT provider, recipient, dataset, frequency, first_missed, last_missed, missed, announced, unannounced,
               ongoing, notes
        FROM ({interruption_runs_sql(con, params)}) ORDER BY provider, recipient, dataset, first_missed""",
                       params).df()


def whole_calendar_params(as_of=None, where: DeliveryFilter | None = None) -> dict:
    """Parameters of a metric that reads the outcomes over the whole calendar and applies the
    period itself, as $period_since/$period_until (`interruption_runs_sql` keeps the runs that
    overlap it; `unscheduled_deliveries` filters the rows' own dates)."""
    where = where or EVERYTHING
    return outcome_params(as_of, where.without_period()) | {"period_since": where.since, "period_until": where.until}


def interruption_runs_sql(con, params: dict) -> str:
    """SQL of the interruptions as `delivery_interruptions` defines them (one row per run, its
    columns, plus the first missed occurrence's notice_given and its earliest covering notice,
    earliest_notice_id / earliest_notice_at; no ORDER BY), for a metric that builds on the runs
    (queries.incidents)."""
    return f"""
        WITH o AS ({outcomes_sql(con, params)}),
        numbered AS (
            SELECT *, row_number() OVER (PARTITION BY provider, recipient, dataset ORDER BY scheduled_date) AS i,
                   max(scheduled_date) FILTER (WHERE outcome IN ('on_time', 'late'))
                     OVER (PARTITION BY provider, recipient, dataset) AS last_delivered_occurrence
            FROM o),
        missed AS (
            -- consecutive missed occurrences share i - (rank among the missed ones): gaps and islands
            SELECT *, i - row_number() OVER (PARTITION BY provider, recipient, dataset ORDER BY scheduled_date) AS run
            FROM numbered WHERE outcome = 'missed'),
        runs AS (
            SELECT provider, recipient, dataset, any_value(frequency) AS frequency,
                   min(scheduled_date) AS scheduled_date, max(scheduled_date) AS last_missed,
                   -- the first missed occurrence's own notice_given, empty included (arg_min would
                   -- skip an empty one and take a later occurrence's)
                   count(*) AS missed, arg_min_null(notice_given, scheduled_date) AS notice_given,
                   coalesce(any_value(last_delivered_occurrence) < min(scheduled_date), true) AS ongoing,
                   string_agg(notes, '; ' ORDER BY scheduled_date) AS notes
            FROM missed
            GROUP BY provider, recipient, dataset, run
            HAVING count(*) >= 2
               AND ($period_since IS NULL OR max(scheduled_date) >= $period_since)
               AND ($period_until IS NULL OR min(scheduled_date) <= $period_until))
        -- announced or not as its first missed occurrence is (the module docstring)
        SELECT provider, recipient, dataset, frequency, scheduled_date AS first_missed, last_missed, missed,
               announced, NOT announced AS unannounced, ongoing, notes,
               coalesce(notice_given, false) AS notice_given, earliest_notice_id, earliest_notice_at
        FROM ({_with_announcement("SELECT * FROM runs")})"""


def delivery_irregularity(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per schedule: delivered occurrences in the period, intervals between consecutive ones,
    their mean actual and mean scheduled interval (days), and irregularity = sample standard
    deviation of (actual - scheduled interval) / mean scheduled interval (empty below 2 intervals)."""
    params = outcome_params(as_of, where)
    return con.execute(f"""
        WITH o AS ({outcomes_sql(con, params)}),
        delivered AS (
            SELECT provider, recipient, dataset, frequency, scheduled_date,
                   CAST(delivered_at AS DATE) AS delivered_on
            FROM o WHERE outcome IN ('on_time', 'late')),
        pairs AS (
            SELECT *, date_diff('day', lag(delivered_on) OVER w, delivered_on) AS actual_interval,
                      date_diff('day', lag(scheduled_date) OVER w, scheduled_date) AS scheduled_interval
            FROM delivered
            WINDOW w AS (PARTITION BY provider, recipient, dataset ORDER BY scheduled_date))
        SELECT provider, recipient, dataset, any_value(frequency) AS frequency,
               count(*) AS deliveries, count(actual_interval) AS intervals,
               avg(actual_interval) AS mean_interval_days,
               avg(scheduled_interval) AS mean_scheduled_interval_days,
               stddev_samp(actual_interval - scheduled_interval) / avg(scheduled_interval) AS irregularity
        FROM pairs GROUP BY provider, recipient, dataset
        ORDER BY provider, recipient, dataset""",
                       params).df()


#: Nominal period of each frequency in days, for freshness: the longest month / quarter, so a
#: provider delivering on every calendar date is never stale.
PERIOD_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 31, "quarterly": 92}


def delivery_freshness(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per schedule at as_of: last delivery date (any delivered row of that provider, recipient
    and dataset up to as_of), days since it, the period (PERIOD_DAYS), grace days, whether the
    schedule has ended, and stale = not ended and days since the last delivery (or since
    `starts` when none) > period + grace_days."""
    params = outcome_params(as_of, (where or EVERYTHING).without_period())
    del params["since"], params["until"]
    periods = " ".join(f"WHEN '{f}' THEN {d}" for f, d in PERIOD_DAYS.items())
    return con.execute(f"""
        WITH last AS (
            SELECT provider, recipient, dataset, max(CAST(delivered_at AS DATE)) AS last_delivered
            FROM {seen_deliveries_sql()} d WHERE CAST(delivered_at AS DATE) <= $as_of GROUP BY ALL),
        f AS (
            SELECT s.provider, s.recipient, s.dataset, s.frequency, s.grace_days, s.starts, s.ends,
                   l.last_delivered, date_diff('day', l.last_delivered, $as_of) AS days_since_last_delivery,
                   CASE s.frequency {periods} END AS period_days,
                   coalesce(s.ends < $as_of, false) AS ended,
                   date_diff('day', coalesce(l.last_delivered, s.starts), $as_of) AS days_without_delivery
            FROM delivery_schedule s LEFT JOIN last l USING (provider, recipient, dataset)
            WHERE {offices_sql("s")})
        SELECT * EXCLUDE (days_without_delivery),
               NOT ended AND days_without_delivery > period_days + grace_days AS stale
        FROM f ORDER BY provider, recipient, dataset""", params).df()


def monthly_on_time_trend(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per calendar month of scheduled_date: scheduled (due), on time, late, missed, pending,
    on-time rate, and incomplete = the month has not ended by as_of or still has pending
    occurrences (such a month's rate is provisional and must not be compared with finished months)."""
    params = outcome_params(as_of, where)
    return con.execute(f"""
        WITH o AS ({outcomes_sql(con, params)})
        SELECT CAST(date_trunc('month', scheduled_date) AS DATE) AS month, {_OUTCOME_COUNTS},
               last_day(min(scheduled_date)) > $as_of OR count(*) FILTER (WHERE outcome = 'pending') > 0
                 AS incomplete
        FROM o GROUP BY ALL ORDER BY month""",
                       params).df()


#: Above this many scheduled occurrences a page draws the outcome calendar per provider and
#: month instead of one mark per delivery (a million marks crash a browser tab).
TIMELINE_MAX_MARKS = 5000


def scheduled_occurrence_count(con, as_of=None, where: DeliveryFilter | None = None) -> int:
    """Number of scheduled occurrences (any outcome, pending included) in the period and filters."""
    params = outcome_params(as_of, where)
    return con.execute(f"WITH o AS ({outcomes_sql(con, params)}) SELECT count(*) FROM o",
                       params).fetchall()[0][0]


def outcomes_by_provider_month(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """The outcome calendar in aggregate: per provider office and calendar month of
    scheduled_date, the counts of scheduled (due), on time, late, missed and pending
    occurrences and the on-time rate (on time / due), as in delivery_reliability_by_office."""
    params = outcome_params(as_of, where)
    return con.execute(f"""
        WITH o AS ({outcomes_sql(con, params)})
        SELECT provider, CAST(date_trunc('month', scheduled_date) AS DATE) AS month, {_OUTCOME_COUNTS}
        FROM o GROUP BY ALL ORDER BY provider, month""",
                       params).df()


def upcoming_deliveries(con, as_of=None, days_ahead=28, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """The calendar ahead: occurrences scheduled after as_of up to as_of + days_ahead
    (status 'scheduled', or 'delivered early' when already in the log), plus those scheduled
    by as_of that are not delivered and whose deadline has not passed (status 'pending').
    With each its deadline (scheduled_date + grace_days, in the schedule's grace_unit: days or
    business_days) and the provider's and recipient's names."""
    params = outcome_params(as_of, (where or EVERYTHING).without_period())
    params["horizon"] = params["as_of"] + dt.timedelta(days=int(days_ahead))
    return con.execute(f"""
        SELECT s.provider, po.name AS provider_name, s.recipient, ro.name AS recipient_name, s.dataset,
               s.frequency, s.grace_days, s.grace_unit, s.scheduled_date, s.deadline,
               CASE WHEN s.scheduled_date <= $as_of THEN 'pending'
                    WHEN s.delivered_at IS NOT NULL THEN 'delivered early' ELSE 'scheduled' END AS status
        FROM ({_scheduled_source(con, "$horizon", params["horizon"])}) s
        LEFT JOIN offices po ON po.code = s.provider
        LEFT JOIN offices ro ON ro.code = s.recipient
        WHERE s.scheduled_date > $as_of
           OR (s.delivered_at IS NULL AND s.deadline >= $as_of)
        ORDER BY s.scheduled_date, s.provider, s.recipient, s.dataset""", params).df()


def overdue_deliveries(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Deliveries outstanding now: missed occurrences later than the schedule's last delivered
    occurrence, with days overdue = as_of - deadline."""
    params = outcome_params(as_of, (where or EVERYTHING).without_period())
    return con.execute(f"""
        WITH o AS ({outcomes_sql(con, params)}),
        flagged AS (
            SELECT *, max(scheduled_date) FILTER (WHERE outcome IN ('on_time', 'late'))
                        OVER (PARTITION BY provider, recipient, dataset) AS last_delivered_occurrence
            FROM o)
        SELECT provider, recipient, dataset, frequency, scheduled_date, deadline,
               date_diff('day', deadline, $as_of) AS days_overdue, notice_given, notes
        FROM flagged
        WHERE outcome = 'missed'
          AND (last_delivered_occurrence IS NULL OR scheduled_date > last_delivered_occurrence)
        ORDER BY days_overdue DESC, provider, recipient, dataset""",
                       params).df()


def provider_scorecard(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """One row per provider office joining the metrics above (no new definition): reliability
    counts, on-time rate, SLA met; delay median / p90; interruptions and unannounced ones
    overlapping the period; the largest irregularity of its schedules; stale schedules and
    the most days since a delivery among its running schedules (freshness, at as_of)."""
    table = delivery_reliability_by_office(con, as_of, where)
    delay = delivery_delay_by_office(con, as_of, where)
    interruptions = delivery_interruptions(con, as_of, where)
    irregularity = delivery_irregularity(con, as_of, where)
    freshness = delivery_freshness(con, as_of, where)
    running = freshness[~freshness["ended"].astype(bool)]
    table = table.merge(delay.drop(columns=["late"]), on="provider", how="left")
    counts = (interruptions.groupby("provider")
              .agg(interruptions=("missed", "size"), unannounced_interruptions=("unannounced", "sum"))
              .reset_index())
    table = table.merge(counts, on="provider", how="left")
    table[["interruptions", "unannounced_interruptions"]] = (
        table[["interruptions", "unannounced_interruptions"]].fillna(0).astype(int))
    table = table.merge(irregularity.groupby("provider")["irregularity"].max()
                        .rename("irregularity_max").reset_index(), on="provider", how="left")
    fresh = (running.groupby("provider")
             .agg(stale_schedules=("stale", "sum"), days_since_last_delivery=("days_since_last_delivery", "max"))
             .reset_index())
    table = table.merge(fresh, on="provider", how="left")
    table["stale_schedules"] = table["stale_schedules"].fillna(0).astype(int)
    return table


def schedule_scorecard(con, as_of=None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """One row per schedule joining `delivery_reliability_by_schedule`, `delivery_irregularity`
    (over the period) and `delivery_freshness` (at as_of); no new definition."""
    key = ["provider", "recipient", "dataset"]
    table = delivery_reliability_by_schedule(con, as_of, where)
    irregularity = delivery_irregularity(con, as_of, where)
    freshness = delivery_freshness(con, as_of, where)
    table = table.merge(irregularity[key + ["mean_interval_days", "irregularity"]], on=key, how="left")
    return table.merge(freshness[key + ["last_delivered", "days_since_last_delivery", "period_days",
                                        "grace_days", "ended", "stale"]], on=key, how="left")


def delivery_dimensions(con, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """The filter choices: every provider, recipient and dataset named by a schedule or by a
    delivery row the viewer of `where` sees (`seen_deliveries_sql`: a row of a month held back
    from it names nothing), with the earliest date it involves (a schedule's `starts`, a row's
    scheduled_date)."""
    return con.execute(f"""
        SELECT provider, recipient, dataset, min(first_date) AS first_date FROM (
            SELECT provider, recipient, dataset, starts AS first_date FROM delivery_schedule
            UNION ALL
            SELECT provider, recipient, dataset, scheduled_date FROM {seen_deliveries_sql()} d)
        GROUP BY ALL ORDER BY provider, recipient, dataset""", (where or EVERYTHING).viewer_params()).df()
