"""Review events: the secretariat's status changes of a survey round or a delivery period (a
month), and the offices' confirmations and contests of their entries with the secretariat's answers. Each is one row of a
small CSV file (written by `loaders.review` for the command line and the app, or by hand), loaded
as kind `review` like any file: checked, archived, all or nothing, replayed by a rebuild. Rows are
only ever added (`review_events`): nothing is edited in place.

Columns: `event` (status | confirm | contest | answer) and `recorded_at` (UTC) always; the subject,
either `round` (a loaded survey round) or `period` (a month, YYYY-MM, of the scheduled date of
deliveries), never both; then per event
- status: `status` (draft | review | published), `until` (review: the end of the review, a date)
  and `show_provisional` (yes | no; review only: the public sees the round marked provisional,
  which needs `until`). The moves allowed are in `db.review.MOVES`; published is final.
  A month no status event names is published by default and may first move to draft or review
  (`db.review.FIRST_PERIOD_MOVES`).
- confirm: `office` (its entries of the round, or its delivery figures as provider of the
  month, which must be in review, are right).
- contest: `office`, `comment`, optional `evidence_url` (http or https only), and the entry: of
  a round `question_id` and optional `option_code`; of a period the schedule `recipient` and
  `dataset` (the office is its provider). The subject must be in review; its id is a hash of its
  content, so the same contest loaded again is the same contest.
- answer: `contest_id`, `decision` (accepted | rejected), `correction_file` and/or
  `correction_seq` (accepted: the load after the contest that corrected the entry: of the round,
  or of the delivery log or schedule for a period) and `comment` (rejected: the reason).
  `correction_file` is the correcting load's archived name (`loads.archived_as`): the load is
  found by it each time the file is loaded, a rebuild included, and `correction_seq` is set to
  that load's number then, so the answer keeps naming the same load when an earlier removal
  renumbers the loads (a removal of the correcting load itself is refused: the answer would name
  none). A `correction_seq` alone is a number as of the time the file was written.
Who and when: the load's `loaded_by`, and `recorded_at`.
A contest's evidence file (`evidence_file`, its archived name `<sha256><ext>`, and
`evidence_name`, the name it was uploaded under) is one the load attaches (`loaders.review`):
a file can name only the attachments of its own load.
"""
from __future__ import annotations

import csv
import io

from db import held
from db.review import (
    FIRST_PERIOD_MOVES,
    MOVES,
    PERIOD_PATTERN,
    STATUSES,
    corrects_sql,
    period_status_sql,
    round_status_sql,
)

from .archive import ATTACHMENT_NAME, attachments_of
from .checks import Checker
from .kinds import Prepared, TableHandler
from .problems import ProblemList

EVENTS = ("status", "confirm", "contest", "answer")
DECISIONS = ("accepted", "rejected")
YES_NO = ["yes", "no"]
EVENT_COLUMNS = ["event", "round", "period", "status", "until", "show_provisional", "office", "question_id",
                 "option_code", "recipient", "dataset", "comment", "evidence_url", "evidence_file", "evidence_name",
                 "contest_id", "decision", "correction_seq", "correction_file", "recorded_at"]
#: The columns each event may fill (beside event, round and recorded_at) ...
USED = {"status": ("status", "until", "show_provisional"), "confirm": ("office",),
        "contest": ("office", "question_id", "option_code", "recipient", "dataset", "comment", "evidence_url",
                    "evidence_file", "evidence_name"),
        "answer": ("contest_id", "decision", "correction_seq", "correction_file", "comment")}
#: ... and those it needs.
NEEDED = {"status": ("status",), "confirm": ("office",), "contest": ("office", "comment"),
          "answer": ("contest_id", "decision")}
#: An evidence address: http or https, no spaces, quotes or angle brackets (shown as a link, never fetched).
URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s<>\"'`\\]+$"
MAX_URL_CHARS = 2000


class ReviewHandler(TableHandler):
    required = ["event", "recorded_at"]
    optional = [c for c in EVENT_COLUMNS if c not in ("event", "recorded_at")]
    #: The columns naming the subject of an event (one of them per row), beside those of USED.
    subjects = ("round", "period")
    key: list[str] = []  # every row is a new event: nothing is replaced
    columns = ["source_row", "event", "round", "period", "status", "until", "show_provisional", "office",
               "question_id", "option_code", "recipient", "dataset", "comment", "evidence_url", "evidence_file",
               "evidence_name", "contest_id", "decision", "correction_seq", "correction_file", "recorded_at"]
    target = "review_events"

    def rules(self, ck: Checker) -> None:
        ck.cell_lengths()
        for name in self.required:
            ck.required_value(name)
        ck.one_of("event", list(EVENTS))
        ck.one_of("status", list(STATUSES))
        ck.one_of("show_provisional", YES_NO)
        ck.one_of("decision", list(DECISIONS))
        ck.iso_timestamp("recorded_at")
        ck.iso_date("until")
        ck.office_code("office")
        ck.office_code("recipient")
        ck.rows_where(f"({ck.ref('round')} IS NULL) = ({ck.ref('period')} IS NULL)", "round",
                      "either a round or a period (a month, YYYY-MM): each event is of one subject")
        ck.rows_where(f"{ck.ref('period')} IS NOT NULL AND NOT regexp_full_match({ck.ref('period')}, $pattern)",
                      "period", "a month as YYYY-MM (the scheduled date's month)", params={"pattern": PERIOD_PATTERN})
        for name, subject in (("question_id", "round"), ("recipient", "period"), ("dataset", "period")):
            other = "period" if subject == "round" else "round"
            ck.rows_where(f"lower({ck.ref('event')}) = 'contest' AND {ck.ref(subject)} IS NOT NULL "
                          f"AND {ck.ref(name)} IS NULL", name,
                          f"a value: a contest of a {subject} needs its {name}")
            ck.rows_where(f"{ck.ref(other)} IS NOT NULL AND {ck.ref(name)} IS NOT NULL", name,
                          f"an empty cell: a {name} names an entry of a {subject}, not of a {other}")
        ck.rows_where(f"{ck.ref('period')} IS NOT NULL AND {ck.ref('option_code')} IS NOT NULL", "option_code",
                      "an empty cell: an option_code names an entry of a round, not of a period")
        ck.whole_number("correction_seq")
        ck.rows_where(f"{ck.integer_sql('correction_seq')} > 2147483647", "correction_seq", "a load number")
        event = f"lower({ck.ref('event')})"
        for name, events in ((c, [e for e in EVENTS if c not in USED[e]]) for c in self.optional
                             if c not in self.subjects):
            if ck.has(name):
                ck.rows_where(f"{ck.ref(name)} IS NOT NULL AND list_contains($events, {event})", name,
                              "an empty cell: only " + " and ".join(e for e in EVENTS if name in USED[e])
                              + f" events have a {name}", params={"events": events})
        for kind, needed in NEEDED.items():
            for name in needed:
                ck.rows_where(f"{event} = '{kind}' AND {ck.ref(name)} IS NULL", name,
                              f"a value: a {kind} event needs its {name}")
        ck.rows_where(f"{ck.ref('evidence_url')} IS NOT NULL AND (length({ck.ref('evidence_url')}) > {MAX_URL_CHARS} "
                      f"OR NOT regexp_full_match({ck.ref('evidence_url')}, $pattern))", "evidence_url",
                      f"an http:// or https:// address of at most {MAX_URL_CHARS} characters, without spaces, "
                      "quotes or angle brackets", params={"pattern": URL_PATTERN})
        ck.rows_where(f"{ck.ref('evidence_file')} IS NOT NULL AND NOT regexp_full_match({ck.ref('evidence_file')}, "
                      "$pattern)", "evidence_file", "the archived name of the evidence file the load attaches "
                      "(its SHA-256 and extension)", params={"pattern": ATTACHMENT_NAME.pattern})
        ck.rows_where(f"({ck.ref('evidence_file')} IS NULL) <> ({ck.ref('evidence_name')} IS NULL)", "evidence_name",
                      "the name the evidence file was uploaded under, with an evidence_file (and only then)")
        ck.rows_where(f"lower({ck.ref('show_provisional')}) = 'yes' AND lower({ck.ref('status')}) IS DISTINCT FROM "
                      "'review'", "show_provisional", "'yes' only with status review (a draft is never public)")
        ck.rows_where(f"lower({ck.ref('show_provisional')}) = 'yes' AND {ck.ref('until')} IS NULL", "until",
                      "the date the review ends: a provisional round's banner says until when")
        ck.rows_where(f"{ck.ref('until')} IS NOT NULL AND lower({ck.ref('status')}) IS DISTINCT FROM 'review'",
                      "until", "an empty cell: only status review has an end date")
        ck.rows_where(f"{ck.ref('correction_file')} IS NOT NULL AND NOT regexp_full_match("
                      f"{ck.ref('correction_file')}, $pattern)", "correction_file",
                      "the archived name of the load that corrected the entry (its SHA-256 and extension)",
                      params={"pattern": ATTACHMENT_NAME.pattern})
        ck.rows_where(f"lower({ck.ref('decision')}) = 'accepted' AND {ck.ref('correction_seq')} IS NULL "
                      f"AND {ck.ref('correction_file')} IS NULL",
                      "correction_seq", "the number of the load that corrected the entry (an accepted contest "
                      "is corrected by a new load of the round), or its correction_file")
        for name in ("correction_seq", "correction_file"):
            ck.rows_where(f"lower({ck.ref('decision')}) = 'rejected' AND {ck.ref(name)} IS NOT NULL",
                          name, "an empty cell: a rejected contest corrects nothing")
        ck.rows_where(f"lower({ck.ref('decision')}) = 'rejected' AND {ck.ref('comment')} IS NULL", "comment",
                      "the reason a contest is rejected")

    def clean_select(self, ck: Checker) -> str:
        content = ", ".join(f"coalesce(CAST({e} AS VARCHAR), '')" for e in (
            ck.ref("round"), ck.ref("office"), ck.ref("question_id"), ck.ref("option_code"), ck.ref("comment"),
            ck.ref("evidence_url"), ck.timestamp_sql("recorded_at")))
        # A period's keys follow, NULL for a round's contest: concat_ws skips them, so a round's
        # contest keeps the id it had before periods (the answers in the archive name it).
        content += ", " + ", ".join(ck.ref(c) for c in ("period", "recipient", "dataset"))
        content += ", " + ck.ref("evidence_file")  # NULL (skipped) without a file: ids stay as they were
        return f"""SELECT _row, _row AS source_row, lower({ck.ref('event')}) AS event, {ck.ref('round')} AS round,
              {ck.ref('period')} AS period,
              lower({ck.ref('status')}) AS status, {ck.date_sql('until')} AS until,
              CASE lower({ck.ref('show_provisional')}) WHEN 'yes' THEN true WHEN 'no' THEN false END
                  AS show_provisional,
              {ck.ref('office')} AS office, {ck.ref('question_id')} AS question_id,
              {ck.ref('option_code')} AS option_code, {ck.ref('recipient')} AS recipient,
              {ck.ref('dataset')} AS dataset, {ck.ref('comment')} AS comment,
              {ck.ref('evidence_url')} AS evidence_url, {ck.ref('evidence_file')} AS evidence_file,
              {ck.ref('evidence_name')} AS evidence_name,
              CASE WHEN lower({ck.ref('event')}) = 'contest'
                   THEN left(sha256(concat_ws(chr(31), {content})), 16) ELSE {ck.ref('contest_id')} END AS contest_id,
              lower({ck.ref('decision')}) AS decision,
              CAST({ck.integer_sql('correction_seq')} AS INTEGER) AS correction_seq,
              {ck.ref('correction_file')} AS correction_file,
              {ck.timestamp_sql('recorded_at')} AS recorded_at
            FROM {ck.typed_source()}"""

    def load_screened(self, scratch, request, seq: int) -> dict | None:
        """Review files are a few rows checked against the loaded state: always the exact path."""
        return None

    def validate(self, scratch, request) -> Prepared:
        prepared = super().validate(scratch, request)
        found = ProblemList()
        attached = attachments_of({"options": request.options})
        for row, name in scratch.execute("SELECT _row, evidence_file FROM clean WHERE evidence_file IS NOT NULL "
                                         "ORDER BY _row").fetchall():
            if name not in attached:
                found.add(request.display, row, "evidence_file", name,
                          "an evidence file attached to this load (a file names only its own attachments)")
        # The correcting load is found by its archived name, so its number is the one it has in
        # this snapshot (an earlier load's removal renumbers the loads after it).
        scratch.execute(_RESOLVE_CORRECTION)
        for check in _STATE_CHECKS:
            for row, column, value, expected in scratch.execute(check).fetchall():
                found.add(request.display, row, column, value, expected)
        found.raise_if_any()
        return prepared

    def apply(self, scratch, request, prepared: Prepared, seq: int) -> dict:
        n = scratch.execute(f"SELECT count(*) FROM {prepared.table}").fetchall()[0][0]
        # As of before this file: a month leaving 'published' is held back with the figures the
        # public saw (db.held); a month published again is released.
        moves = scratch.execute(f"""
            SELECT c.period, c.status, coalesce(st.status, 'published') AS before, CAST(c.recorded_at AS DATE)
            FROM {prepared.table} c LEFT JOIN ({period_status_sql('nxt')}) st ON st.period = c.period
            WHERE c.event = 'status' AND c.period IS NOT NULL ORDER BY c._row""").fetchall()
        for period, status, before, on in moves:
            if status == "published":
                held.release(scratch, "nxt", period)
            elif before == "published":
                held.hold(scratch, "nxt", period, on, seq)
        scratch.execute(f"INSERT INTO nxt.review_events (load_seq, {', '.join(self.columns)}) "
                        f"SELECT {int(seq)}, {', '.join(self.columns)} FROM {prepared.table}")
        return {"rows": n, "new": n, "corrected": 0, "unchanged": 0}


#: An accepted answer's correcting load, named by `correction_file`: the first load archived
#: under that name after the contest, of the contest's subject (a round's survey loads, or the
#: delivery log or schedule for a period); NULL when none is (then _STATE_CHECKS names the row).
_RESOLVE_CORRECTION = f"""
    UPDATE clean SET correction_seq = (
        SELECT min(l.seq) FROM nxt.loads l JOIN nxt.review_events k
          ON k.event = 'contest' AND k.contest_id = clean.contest_id
        WHERE l.archived_as = clean.correction_file AND l.seq > k.load_seq AND {corrects_sql('l', 'clean.round')})
    WHERE event = 'answer' AND decision = 'accepted' AND correction_file IS NOT NULL"""
_MOVES_SQL = ", ".join(f"'{a}>{b}'" for a, b in MOVES)
_FIRST_SQL = ", ".join(f"'{s}'" for s in FIRST_PERIOD_MOVES)
#: The rules against the loaded state, over the typed rows (`clean`) and the snapshot being built
#: (`nxt`), as of before this file: each query returns (row, column, value, expected).
_STATE_CHECKS = (
    """SELECT _row, 'round', round, 'a loaded survey round' FROM clean
       WHERE round IS NOT NULL AND round NOT IN (SELECT round FROM nxt.survey_rounds) ORDER BY _row""",
    f"""WITH st AS ({round_status_sql('nxt')})
        SELECT c._row, 'status', c.status,
               'a status the round may move to from ' || st.status || ' (' ||
               CASE WHEN st.status = 'published' THEN 'published is final: a correction is a new load of the round'
                    WHEN st.status = 'draft' THEN 'a draft goes to review first'
                    ELSE 'draft, review or published' END || ')'
        FROM clean c JOIN st ON st.round = c.round
        WHERE c.event = 'status' AND NOT list_contains([{_MOVES_SQL}], st.status || '>' || c.status)
        ORDER BY c._row""",
    """SELECT _row, 'round', round, 'one status event per round in a file (row ' || first || ' has one)'
       FROM (SELECT _row, round, min(_row) OVER (PARTITION BY round) AS first FROM clean
             WHERE event = 'status' AND round IS NOT NULL)
       WHERE _row > first ORDER BY _row""",
    f"""WITH st AS ({period_status_sql('nxt')})
        SELECT c._row, 'status', c.status,
               'a status the month may move to from ' || coalesce(st.status, 'published (by default)') || ' (' ||
               CASE WHEN st.period IS NULL THEN 'a month no status event names may be held back as draft or review'
                    WHEN st.status = 'published' THEN 'published is final: a correction is a new load of the log'
                    WHEN st.status = 'draft' THEN 'a draft goes to review first'
                    ELSE 'draft, review or published' END || ')'
        FROM clean c LEFT JOIN st ON st.period = c.period
        WHERE c.event = 'status' AND c.period IS NOT NULL
          AND NOT CASE WHEN st.period IS NULL THEN list_contains([{_FIRST_SQL}], c.status)
                       ELSE list_contains([{_MOVES_SQL}], st.status || '>' || c.status) END
        ORDER BY c._row""",
    """SELECT _row, 'period', period, 'one status event per period in a file (row ' || first || ' has one)'
       FROM (SELECT _row, period, min(_row) OVER (PARTITION BY period) AS first FROM clean
             WHERE event = 'status' AND period IS NOT NULL)
       WHERE _row > first ORDER BY _row""",
    f"""WITH st AS ({period_status_sql('nxt')})
        SELECT c._row, 'period', c.period, 'a period in review (' || c.period || ' is ' ||
               coalesce(st.status, 'published') || '): offices confirm or contest their delivery figures while '
               || 'the month is in review'
        FROM clean c LEFT JOIN st ON st.period = c.period
        WHERE c.event IN ('confirm', 'contest') AND c.period IS NOT NULL AND coalesce(st.status, 'published') <> 'review'
        ORDER BY c._row""",
    """SELECT c._row, 'office', c.office, 'a provider office of a schedule (its delivery figures are reviewed)'
       FROM clean c WHERE c.event = 'confirm' AND c.period IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM nxt.delivery_schedule s WHERE s.provider = c.office)
       ORDER BY c._row""",
    """SELECT c._row, 'dataset', c.dataset, 'a schedule of provider ' || c.office || ' to ' || c.recipient
              || ' (the delivery figures contested are of a schedule)'
       FROM clean c WHERE c.event = 'contest' AND c.period IS NOT NULL
         AND NOT EXISTS (SELECT 1 FROM nxt.delivery_schedule s WHERE s.provider = c.office
                         AND s.recipient = c.recipient AND s.dataset = c.dataset)
       ORDER BY c._row""",
    f"""WITH st AS ({round_status_sql('nxt')})
        SELECT c._row, 'round', c.round, 'a round in review (round ' || c.round || ' is ' || st.status ||
               '): offices confirm or contest their entries while the round is in review'
        FROM clean c JOIN st ON st.round = c.round
        WHERE c.event IN ('confirm', 'contest') AND st.status <> 'review' ORDER BY c._row""",
    """SELECT c._row, 'office', c.office, 'a respondent of round ' || c.round || ' (its entries are reviewed)'
       FROM clean c WHERE c.event IN ('confirm', 'contest') AND c.round IN (SELECT round FROM nxt.survey_rounds)
         AND NOT EXISTS (SELECT 1 FROM nxt.survey_respondents p WHERE p.round = c.round AND p.office = c.office)
       ORDER BY c._row""",
    """SELECT c._row, 'question_id', c.question_id, 'a question of round ' || c.round || '''s codebook'
       FROM clean c WHERE c.event = 'contest' AND c.round IN (SELECT round FROM nxt.survey_rounds)
         AND NOT EXISTS (SELECT 1 FROM nxt.survey_questions q WHERE q.round = c.round AND q.question_id = c.question_id)
       ORDER BY c._row""",
    """SELECT c._row, 'option_code', c.option_code, 'an option of question ' || c.question_id || ' (or empty)'
       FROM clean c WHERE c.event = 'contest' AND c.option_code IS NOT NULL
         AND EXISTS (SELECT 1 FROM nxt.survey_questions q WHERE q.round = c.round AND q.question_id = c.question_id)
         AND NOT EXISTS (SELECT 1 FROM nxt.survey_options o WHERE o.round = c.round AND o.question_id = c.question_id
                         AND o.option_code = c.option_code)
       ORDER BY c._row""",
    """SELECT _row, 'contest_id', contest_id, 'a contest not loaded before (this exact contest is already recorded)'
       FROM clean c WHERE event = 'contest'
         AND contest_id IN (SELECT contest_id FROM nxt.review_events WHERE event = 'contest') ORDER BY _row""",
    """SELECT c._row, 'contest_id', c.contest_id, 'the id of a recorded contest of '
              || coalesce('round ' || c.round, 'period ' || c.period)
       FROM clean c WHERE c.event = 'answer' AND NOT EXISTS (
           SELECT 1 FROM nxt.review_events k WHERE k.event = 'contest' AND k.contest_id = c.contest_id
             AND k.round IS NOT DISTINCT FROM c.round AND k.period IS NOT DISTINCT FROM c.period)
       ORDER BY c._row""",
    """SELECT c._row, 'contest_id', c.contest_id, 'a contest not answered yet (answers are final; it was answered '
               || a.decision || ')'
       FROM clean c JOIN nxt.review_events a ON a.event = 'answer' AND a.contest_id = c.contest_id
       WHERE c.event = 'answer' ORDER BY c._row""",
    """SELECT _row, 'contest_id', contest_id, 'one answer per contest in a file (row ' || first || ' answers it)'
       FROM (SELECT _row, contest_id, min(_row) OVER (PARTITION BY contest_id) AS first FROM clean
             WHERE event = 'answer')
       WHERE _row > first ORDER BY _row""",
    """SELECT c._row, 'correction_file', c.correction_file,
              'the archived name of a load of ' || coalesce('round ' || c.round, 'the delivery log or the schedule')
              || ' made after the contest (load #' || k.load_seq || '); no load here is (was it removed?)'
       FROM clean c JOIN nxt.review_events k ON k.event = 'contest' AND k.contest_id = c.contest_id
       WHERE c.event = 'answer' AND c.decision = 'accepted' AND c.correction_file IS NOT NULL
         AND c.correction_seq IS NULL
       ORDER BY c._row""",
    f"""SELECT c._row, 'correction_seq', CAST(c.correction_seq AS VARCHAR),
              coalesce('a load of round ' || c.round, 'a load of the delivery log or the schedule')
              || ' made after the contest (load #' || k.load_seq || ')'
       FROM clean c JOIN nxt.review_events k ON k.event = 'contest' AND k.contest_id = c.contest_id
       WHERE c.event = 'answer' AND c.decision = 'accepted' AND c.correction_file IS NULL AND NOT EXISTS (
           SELECT 1 FROM nxt.loads l WHERE l.seq = c.correction_seq AND l.seq > k.load_seq
             AND {corrects_sql('l', 'c.round')})
       ORDER BY c._row""",
)


def review_csv(events: list[dict]) -> bytes:
    """Review events (dicts of EVENT_COLUMNS; missing keys empty) as the CSV file the loader reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    for event in events:
        writer.writerow(["" if event.get(c) is None else str(event[c]) for c in EVENT_COLUMNS])
    return out.getvalue().encode("utf-8")
