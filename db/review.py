"""The status of every survey round (draft, review, published), derived from the append-only
`review_events` table: written once here, read by the review loader (which checks a status
change against it) and by `queries.review` (which decides from it which rounds are public).

A round's status is that of its latest status event (in load order, then row order). A round
that no status event names is 'published' when a bundled file loaded it (the illustrative rounds
were public before rounds had a status) and 'draft' otherwise: a newly loaded round is seen by
the secretariat only until it is moved to review and then published.
"""
from __future__ import annotations

import re

STATUSES = ("draft", "review", "published")
#: The status changes the secretariat may make: (from, to). Published is final: a correction is
#: a new load of the round, public at once.
MOVES = (("draft", "review"), ("review", "draft"), ("review", "review"), ("review", "published"))


def round_status_sql(schema: str = "") -> str:
    """SELECT of one row per loaded round: round, status, until (review: the end of the review),
    show_provisional (review: shown to the public, marked provisional), status_since (UTC time of
    the status event; NULL for a status by default), status_set_by (who loaded it) and bundled.
    `schema`: the attached snapshot's name ('nxt' while a load builds it), '' for the default."""
    if schema and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", schema):
        raise ValueError(f"not a schema name: {schema!r}")
    p = f"{schema}." if schema else ""
    return f"""
        WITH latest AS (
            SELECT e.round, e.status, e.until, e.show_provisional, e.recorded_at, l.loaded_by
            FROM {p}review_events e JOIN {p}loads l ON l.seq = e.load_seq
            WHERE e.event = 'status'
            QUALIFY row_number() OVER (PARTITION BY e.round ORDER BY e.load_seq DESC, e.source_row DESC) = 1),
        bundled AS (
            SELECT round, bool_or(bundled) AS bundled FROM {p}loads WHERE kind = 'survey' GROUP BY round)
        SELECT r.round,
               coalesce(latest.status, CASE WHEN coalesce(b.bundled, false) THEN 'published' ELSE 'draft' END)
                   AS status,
               CASE WHEN latest.status = 'review' THEN latest.until END AS until,
               coalesce(latest.status = 'review' AND latest.show_provisional, false) AS show_provisional,
               latest.recorded_at AS status_since, latest.loaded_by AS status_set_by,
               coalesce(b.bundled, false) AS bundled
        FROM {p}survey_rounds r
        LEFT JOIN latest ON latest.round = r.round
        LEFT JOIN bundled b ON b.round = r.round"""
