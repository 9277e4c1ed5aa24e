"""The status (draft, review, published) of every survey round and of every delivery period (a
calendar month 'YYYY-MM' of the scheduled date), derived from the append-only `review_events`
table: one status machine for both subjects, written once here, read by the review loader (which
checks a status change against it) and by `queries` (which decide from it what is public).

A subject's status is that of its latest status event (in load order, then row order). A round
that no status event names is 'published' when a bundled file loaded it (the illustrative rounds
were public before rounds had a status) and 'draft' otherwise: a newly loaded round is seen by
the secretariat only until it is moved to review and then published. A month that no status
event names is 'published' (delivery logs were public when loaded before months had a status);
the secretariat may move such a month to draft or review (`FIRST_PERIOD_MOVES`), then on as a
round moves; the public then keeps seeing it as it was that day (`db.held`).
"""
from __future__ import annotations

import re

STATUSES = ("draft", "review", "published")
#: The status changes the secretariat may make: (from, to). Published is final: a correction is
#: a new load of the round, public at once.
MOVES = (("draft", "review"), ("review", "draft"), ("review", "review"), ("review", "published"))
#: A month no status event names is published by default, yet not final: its first status event
#: may hold it back, as a draft (e.g. before its log is loaded) or in review by the offices.
FIRST_PERIOD_MOVES = ("draft", "review")
#: A period: a calendar month of the scheduled date.
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


def schema_prefix(schema: str) -> str:
    """The prefix of the tables of snapshot `schema` ('nxt.' while a load builds it; '' for the default)."""
    if schema and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise ValueError(f"not a schema name: {schema!r}")
    return f"{schema}." if schema else ""


def _latest_sql(p: str, subject: str) -> str:
    """The latest status event per `subject` ('round' or 'period') with who loaded it."""
    return f"""
            SELECT e.{subject}, e.status, e.until, e.show_provisional, e.recorded_at, l.loaded_by
            FROM {p}review_events e JOIN {p}loads l ON l.seq = e.load_seq
            WHERE e.event = 'status' AND e.{subject} IS NOT NULL
            QUALIFY row_number() OVER (PARTITION BY e.{subject} ORDER BY e.load_seq DESC, e.source_row DESC) = 1"""


def _status_columns(default_status: str) -> str:
    return f"""coalesce(latest.status, {default_status}) AS status,
               CASE WHEN latest.status = 'review' THEN latest.until END AS until,
               coalesce(latest.status = 'review' AND latest.show_provisional, false) AS show_provisional,
               latest.recorded_at AS status_since, latest.loaded_by AS status_set_by"""


def round_status_sql(schema: str = "") -> str:
    """SELECT of one row per loaded round: round, status, until (review: the end of the review),
    show_provisional (review: shown to the public, marked provisional), status_since (UTC time of
    the status event; NULL for a status by default), status_set_by (who loaded it) and bundled.
    `schema`: the attached snapshot's name ('nxt' while a load builds it), '' for the default."""
    p = schema_prefix(schema)
    return f"""
        WITH latest AS ({_latest_sql(p, "round")}),
        bundled AS (
            SELECT round, bool_or(bundled) AS bundled FROM {p}loads WHERE kind = 'survey' GROUP BY round)
        SELECT r.round,
               {_status_columns("CASE WHEN coalesce(b.bundled, false) THEN 'published' ELSE 'draft' END")},
               coalesce(b.bundled, false) AS bundled
        FROM {p}survey_rounds r
        LEFT JOIN latest ON latest.round = r.round
        LEFT JOIN bundled b ON b.round = r.round"""


def period_status_sql(schema: str = "") -> str:
    """SELECT of one row per month that a status event names (every other month is published):
    period ('YYYY-MM'), status, until, show_provisional, status_since, status_set_by, as
    `round_status_sql`. `schema` as there."""
    p = schema_prefix(schema)
    return f"""
        WITH latest AS ({_latest_sql(p, "period")})
        SELECT latest.period, {_status_columns("'published'")}
        FROM latest"""


#: Whether public views show a round or month, over the columns `status` and `show_provisional`
#: of `round_status_sql` / `period_status_sql`: published, or in review and shown provisionally.
PUBLIC_SQL = "(status = 'published' OR (status = 'review' AND show_provisional))"


def hidden_periods_sql(schema: str = "") -> str:
    """SELECT of the months public views leave out (`period`, `status`): those not PUBLIC_SQL,
    i.e. drafts and months in review that the secretariat does not show provisionally (their
    provider offices see their own figures of such a month; `queries.filters.visible_sql`)."""
    return f"""SELECT period, status FROM ({period_status_sql(schema)}) WHERE NOT {PUBLIC_SQL}"""


def corrects_sql(load: str, contest_round: str) -> str:
    """Whether load `load` (an alias of `loads`) is of a kind that corrects a contest of round
    `contest_round` (an SQL expression; NULL for a month's contest): a load of that survey round,
    or, for a month, a load of the delivery log or the schedule."""
    return (f"CASE WHEN {contest_round} IS NOT NULL THEN {load}.kind = 'survey' AND {load}.round = {contest_round}"
            f" ELSE {load}.kind IN ('deliveries', 'schedule') END")
