"""The review of survey rounds and delivery periods (months) before publication: each round's and
month's status, which rounds are public, an office's entries, the contests and their answers,
and the audit of every review event.

A round is **public** (`public_rounds`, the one rule every public view, export and the command
line's headline metrics apply) when it is published, or in review and the secretariat chose to
show it provisionally (every page showing it then says "Provisional: under review by the offices
until DATE"). A draft round is never public; a round in review is seen by the offices, each its
own entries, on the Review page. The status itself is derived in `db/review.py` from the
append-only `review_events` (the loader checks the moves: draft -> review -> published, and back
from review to draft; published is final).

A delivery period (a month 'YYYY-MM' of the scheduled date) has a status too, by the same rules,
except that a month no status event names is published. Public delivery figures leave out the
occurrences of a month in draft, or in review and not shown provisionally
(`queries.filters.visible_sql`); in review, each provider office sees its own figures of the
month (`period_deliveries`) and confirms or contests them per schedule.
"""
from __future__ import annotations

import pandas as pd

from db.review import PUBLIC_SQL, corrects_sql, period_status_sql, round_status_sql

from . import delivery
from .filters import EVERYTHING, DeliveryFilter

#: The snapshot's public rounds, worked out once per snapshot: every public figure asks.
_PUBLIC: dict[str, list[str]] = {}


def round_status(con) -> pd.DataFrame:
    """One row per loaded survey round: `status` ('draft', 'review' or 'published'), `until` (the
    end of the review, for a round in review), `show_provisional` (a round in review shown to the
    public, marked provisional), `status_since` (UTC time of its status event; NULL for a round
    published by default, i.e. bundled), `status_set_by` and `bundled`; `public` says whether
    public views show it (`public_rounds`)."""
    return con.execute(f"SELECT *, {PUBLIC_SQL} AS public FROM ({round_status_sql()}) ORDER BY round").df()


def _snapshot(con) -> str | None:
    return con.execute("SELECT max(value) FROM meta WHERE key = 'snapshot_id'").fetchone()[0]


def public_rounds(con) -> list[str]:
    """The rounds a public view may show, in order: published ones, and those in review that the
    secretariat shows provisionally. The one rule of what is public: survey rounds listed to
    pickers and home metrics (`survey.survey_rounds`), every `queries.release` figure, the
    command line's headline metrics."""
    snapshot = _snapshot(con)
    if snapshot is None or snapshot not in _PUBLIC:
        if len(_PUBLIC) > 16:
            _PUBLIC.clear()
        status = round_status(con)
        _PUBLIC[snapshot] = [str(r) for r in status.loc[status["public"], "round"]]
    return list(_PUBLIC[snapshot])


def provisional_rounds(con) -> pd.DataFrame:
    """The public rounds still in review (round, until): the pages showing them say they are
    provisional, under review by the offices until `until`."""
    return _provisional(round_status(con), "round")


def period_status(con) -> pd.DataFrame:
    """One row per month a status event names (every other month is published): `period`
    ('YYYY-MM'), `status`, `until`, `show_provisional`, `status_since`, `status_set_by`, as
    `round_status`; `public` as there; `held_on`: the day the month was held back after the
    public had seen it (`db.held`: while the public does not see the month, it sees the month as
    it was that day), NULL when it was not or is published."""
    return con.execute(f"""
        SELECT st.*, {PUBLIC_SQL} AS public, h.held_on
        FROM ({period_status_sql()}) st LEFT JOIN held_periods h USING (period)
        ORDER BY period""").df()


def provisional_periods(con) -> pd.DataFrame:
    """The months in review that the public sees marked provisional (period, until): the delivery
    pages say they are under review by the offices until `until`."""
    return _provisional(period_status(con), "period")


def _provisional(status: pd.DataFrame, subject: str) -> pd.DataFrame:
    """The rows of a status table (`round_status`, `period_status`) public while in review:
    `subject` ('round' or 'period') and `until`."""
    return status.loc[status["public"] & (status["status"] == "review"), [subject, "until"]].reset_index(drop=True)


def period_deliveries(con, period: str | None = None, office: str | None = None, as_of=None) -> pd.DataFrame:
    """The delivery figures of month `period` ('YYYY-MM'; None = every month in review), per
    month (`period`) and schedule (provider, recipient, dataset) of provider `office` (None =
    every provider): due (on time + late + missed), on_time, late, missed and pending, judged at
    `as_of` (default: the latest delivery in the log), as `queries.delivery` counts them,
    whatever the month's status."""
    if period is None:
        status = period_status(con)
        months = [str(m) for m in status.loc[status["status"] == "review", "period"]]
    else:
        months = [str(period)]
    as_of = as_of or delivery.data_as_of(con, EVERYTHING.seen_by(everything=True))
    frames = []
    for month in months:
        start = pd.Timestamp(f"{month}-01")
        where = DeliveryFilter(since=start.date(), until=(start + pd.offsets.MonthEnd(0)).date(),
                               providers=[office] if office else None).seen_by(everything=True)
        frame = delivery.delivery_reliability_by_schedule(con, as_of, where)
        frames.append(frame.assign(period=month))
    columns = ["period", "provider", "recipient", "dataset", "scheduled", "on_time", "late", "missed", "pending"]
    if not frames:
        return pd.DataFrame(columns=columns).rename(columns={"scheduled": "due"})
    return pd.concat(frames, ignore_index=True)[columns].rename(columns={"scheduled": "due"})


def office_entries(con, round: str, office: str | None = None) -> pd.DataFrame:
    """The entries of `round` under review, per respondent (`office`; None = every respondent)
    and question of the codebook, in codebook order: `question_id`, `text`, `type`, `answer` (the
    answer as loaded: the ticked options' codes joined by '; ' for a multiple-choice question,
    the choice, yes/no, the number or the text; NULL when the question was left blank) and
    `status` ('answered' or 'no_answer')."""
    return con.execute("""
        WITH rows AS (
            SELECT p.office, q.question_id, q.ord, q.text, q.type, a.status, a.option_code, a.value_text,
                   a.value_num, o.ord AS option_ord
            FROM survey_respondents p
            JOIN survey_questions q ON q.round = p.round
            LEFT JOIN survey_answers a ON a.round = p.round AND a.office = p.office AND a.question_id = q.question_id
            LEFT JOIN survey_options o ON o.round = q.round AND o.question_id = q.question_id
                 AND o.option_code = a.option_code
            WHERE p.round = $round AND ($office IS NULL OR p.office = $office))
        SELECT office, question_id, any_value(text) AS text, any_value(type) AS type,
               CASE WHEN any_value(type) = 'multiple_choice' THEN
                        nullif(string_agg(option_code, '; ' ORDER BY option_ord)
                               FILTER (WHERE status = 'answered' AND value_text = 'yes'), '')
                    WHEN any_value(type) = 'single_choice' THEN any_value(option_code) FILTER (WHERE status = 'answered')
                    WHEN any_value(type) = 'number' THEN CAST(any_value(value_num) FILTER (WHERE status = 'answered')
                                                              AS VARCHAR)
                    ELSE any_value(value_text) FILTER (WHERE status = 'answered') END AS answer,
               CASE WHEN bool_or(status = 'answered') THEN 'answered' ELSE 'no_answer' END AS status
        FROM rows GROUP BY office, question_id, ord ORDER BY office, ord""",
        {"round": str(round), "office": office}).df()


def contests(con, round: str | None = None, office: str | None = None, period: str | None = None) -> pd.DataFrame:
    """Every contest (of `round`, `period` and `office`; None = all), oldest first: `contest_id`,
    round, office, `question_id`, `option_code` (a round's entry), `period`, `recipient`, `dataset`
    (a month's figures of a schedule), the office's `comment`, `evidence_url`, `contested_at`
    (UTC) and `contested_by`; and its answer, if any: `decision` ('accepted' or 'rejected';
    NULL while open), `reason`, `correction_seq` (the load that corrected the entry),
    `answered_at`, `answered_by`; `contest_seq` is the load that recorded the contest;
    `evidence_file` the evidence file attached (its archived name) and `evidence_name` the name
    it was uploaded under (`loaders.review.evidence_bytes` reads it)."""
    return con.execute("""
        SELECT k.contest_id, k.round, k.office, k.question_id, k.option_code, k.period, k.recipient, k.dataset,
               k.comment, k.evidence_url,
               k.recorded_at AS contested_at, lk.loaded_by AS contested_by,
               a.decision, a.comment AS reason, a.correction_seq, a.recorded_at AS answered_at,
               la.loaded_by AS answered_by, k.load_seq AS contest_seq, k.evidence_file, k.evidence_name
        FROM review_events k JOIN loads lk ON lk.seq = k.load_seq
        LEFT JOIN review_events a ON a.event = 'answer' AND a.contest_id = k.contest_id
        LEFT JOIN loads la ON la.seq = a.load_seq
        WHERE k.event = 'contest' AND ($round IS NULL OR k.round = $round) AND ($office IS NULL OR k.office = $office)
          AND ($period IS NULL OR k.period = $period)
        ORDER BY k.load_seq, k.source_row""",
        {"round": None if round is None else str(round), "office": office, "period": period}).df()


def correcting_loads(con, contest_id: str) -> pd.DataFrame:
    """The loads that may correct contest `contest_id`, oldest first (`seq`, `original_name`):
    those made after the contest, of its round's survey, or for a month's contest of the delivery
    log or the schedule (`db.review.corrects_sql`, the rule the review loader checks an answer by)."""
    return con.execute(f"""
        SELECT l.seq, l.original_name
        FROM review_events k JOIN loads l ON l.seq > k.load_seq AND {corrects_sql('l', 'k.round')}
        WHERE k.event = 'contest' AND k.contest_id = $contest
        ORDER BY l.seq""", {"contest": str(contest_id)}).df()


def confirmations(con, round: str | None = None, period: str | None = None) -> pd.DataFrame:
    """Offices that confirmed their entries (of `round`, or of month `period`; None = all): round,
    office, `confirmed_at` (UTC) and `confirmed_by`, oldest first; `period` the month confirmed."""
    return con.execute("""
        SELECT e.round, e.office, e.recorded_at AS confirmed_at, l.loaded_by AS confirmed_by, e.period
        FROM review_events e JOIN loads l ON l.seq = e.load_seq
        WHERE e.event = 'confirm' AND ($round IS NULL OR e.round = $round) AND ($period IS NULL OR e.period = $period)
        ORDER BY e.load_seq, e.source_row""",
        {"round": None if round is None else str(round), "period": period}).df()


def review_audit(con) -> pd.DataFrame:
    """The audit of the review, oldest first: every status change, confirmation, contest and
    answer (`review_events`), of a round or of a month, and every load of a survey round (a
    correction when the round was already loaded), with `at` (UTC), `by`, `load_seq`, `event`
    ('status', 'confirm', 'contest', 'answer' or 'load'), `round`, `office`, `what` (status moved
    to, entry contested and the comment, decision and reason or correcting load, file loaded)
    and `period` (the month of a period's event)."""
    return con.execute("""
        SELECT e.recorded_at AS "at", l.loaded_by AS "by", e.load_seq, e.event, e.round, e.office,
               CASE e.event
                 WHEN 'status' THEN 'status ' || e.status
                      || CASE WHEN e.until IS NOT NULL THEN ' until ' || CAST(e.until AS VARCHAR) ELSE '' END
                      || CASE WHEN e.show_provisional THEN ', shown provisionally' ELSE '' END
                 WHEN 'confirm' THEN 'entries confirmed'
                 WHEN 'contest' THEN 'contest ' || e.contest_id || ' of '
                      || coalesce(e.question_id || coalesce('/' || e.option_code, ''),
                                  'the deliveries to ' || e.recipient || ' of ' || e.dataset) || ': ' || e.comment
                      || coalesce(' (evidence: ' || e.evidence_url || ')', '')
                      || coalesce(' (evidence file: ' || e.evidence_name || ')', '')
                 ELSE 'contest ' || e.contest_id || ' ' || e.decision
                      || coalesce(' by load #' || CAST(e.correction_seq AS VARCHAR), '')
                      || coalesce(': ' || e.comment, '') END AS what, e.period
        FROM review_events e JOIN loads l ON l.seq = e.load_seq
        UNION ALL
        SELECT l.loaded_at, l.loaded_by, l.seq, 'load', l.round, NULL,
               CASE WHEN l.seq > (SELECT min(seq) FROM loads f WHERE f.kind = 'survey' AND f.round = l.round)
                    THEN 'correction: ' ELSE 'first load: ' END || l.original_name, NULL
        FROM loads l WHERE l.kind = 'survey'
        ORDER BY load_seq, "at"
        """).df()
