"""Recording review events from the command line and the app: a status change of a round or of
a delivery period (a month 'YYYY-MM'), an office's confirmation or contest of its entries (its
answers of a round, its delivery figures as provider of a month), the secretariat's answer to a
contest. Each is written as a one-row review file (`review_events.review_csv`) and loaded as kind `review` by
`store.load_file`, with `loaded_by` the user: checked against the loaded state, archived and
replayed by a rebuild exactly as a file would be. Nothing is ever edited in place.

A contest's evidence may be a file (PDF, PNG, JPEG, CSV, XLSX or TXT, at most
`MAX_EVIDENCE_BYTES`): archived with the contest's load under its SHA-256, like any upload
(`store.LoadRequest.attachments`), and named in the event by its archived name and the name it
was uploaded under (`evidence_file`, `evidence_name`); `evidence_bytes` reads it back.
"""
from __future__ import annotations

import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from db.paths import Paths
from db.review import PERIOD_PATTERN, period_status_sql, round_status_sql

from .archive import ATTACHMENT_NAME, attachment_name
from .problems import LoadRejected, Problem
from .review_events import review_csv
from .store import LoadRequest, LoadResult, connect_read_only, load_file

#: The evidence files a contest may attach: the extension uploaded -> the extension archived.
EVIDENCE_TYPES = {".pdf": ".pdf", ".png": ".png", ".jpg": ".jpg", ".jpeg": ".jpg", ".csv": ".csv",
                  ".xlsx": ".xlsx", ".txt": ".txt"}
#: The media type each archived evidence file is downloaded as.
EVIDENCE_MIMES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".csv": "text/csv",
                  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  ".txt": "text/plain"}
#: The first bytes a binary evidence file of each kind starts with (a text file must be UTF-8).
_SIGNATURES = {".pdf": (b"%PDF-",), ".png": (b"\x89PNG\r\n\x1a\n",), ".jpg": (b"\xff\xd8\xff",),
               ".xlsx": (b"PK\x03\x04",)}
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
MAX_EVIDENCE_NAME_CHARS = 120


@dataclass(frozen=True)
class RoundStatus:
    round: str
    status: str
    until: date | None
    show_provisional: bool


@dataclass(frozen=True)
class PeriodStatus:
    period: str
    status: str
    until: date | None
    show_provisional: bool
    by_default: bool  # no status event names the month: published by default


def _now() -> str:
    """The time an event is recorded, UTC to the microsecond: two events of the same content
    recorded apart are two events, and the very same file loaded again is one."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_events(events: list[dict], *, loaded_by: str, db_path: Path | None = None,
                  name: str = "review", attachments: dict[str, Path] | None = None) -> LoadResult:
    """Load review events (dicts of `review_events.EVENT_COLUMNS`; `recorded_at` now when not
    given) as one review file, all or nothing. Raises LoadRejected naming the row and column of
    a bad value (an unknown round, a move that is not allowed, a contest of a round not in review)."""
    stamped = [{**e, "recorded_at": e.get("recorded_at") or _now()} for e in events]
    with tempfile.TemporaryDirectory(prefix="ipdx-review-") as folder:
        path = Path(folder) / "review.csv"
        path.write_bytes(review_csv(stamped))
        display = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:80] + ".csv"
        return load_file(LoadRequest("review", path, display, loaded_by=loaded_by,
                                     attachments=dict(attachments or {})), db_path)


def _live_rows(sql: str, params: dict, db_path: Path | None) -> list[tuple]:
    """The rows of `sql` on the live database (made first when there is none yet)."""
    con = connect_read_only(db_path)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def round_status(round: str, db_path: Path | None = None) -> RoundStatus | None:
    """The current status of `round` in the live database (None: no such round)."""
    row = _live_rows(f"SELECT status, until, show_provisional FROM ({round_status_sql()}) WHERE round = $r",
                     {"r": str(round)}, db_path)
    return RoundStatus(str(round), row[0][0], row[0][1], bool(row[0][2])) if row else None


def period_status(period: str, db_path: Path | None = None) -> PeriodStatus:
    """The current status of month `period` ('YYYY-MM') in the live database: published by
    default when no status event names it. Raises ValueError for a text that is not a month."""
    if not re.fullmatch(PERIOD_PATTERN, str(period)):
        raise ValueError(f"a period is a month as YYYY-MM (it is {period!r})")
    row = _live_rows(f"SELECT status, until, show_provisional FROM ({period_status_sql()}) WHERE period = $p",
                     {"p": str(period)}, db_path)
    if not row:
        return PeriodStatus(str(period), "published", None, False, True)
    return PeriodStatus(str(period), row[0][0], row[0][1], bool(row[0][2]), False)


def _set_status(subject: str, key: str, current, status: str, until, show_provisional: bool, loaded_by: str,
                db_path: Path | None) -> LoadResult | None:
    """Record a status event of `subject` ('round' or 'period') `key`, unless `current` already is
    exactly that status (then None: nothing is recorded)."""
    wanted_until = date.fromisoformat(str(until)) if until else None
    if (current is not None and current.status == status and current.until == wanted_until
            and current.show_provisional == bool(show_provisional)):
        return None
    event = {"event": "status", subject: key, "status": status, "until": wanted_until,
             "show_provisional": "yes" if show_provisional else ("no" if status == "review" else None)}
    return record_events([event], loaded_by=loaded_by, db_path=db_path, name=f"review-{key}-{status}")


def set_round_status(round: str, status: str, *, until: date | str | None = None, show_provisional: bool = False,
                     loaded_by: str = "cli", db_path: Path | None = None) -> LoadResult | None:
    """Move `round` to `status` (draft, review, published), with the review's end date and whether
    the public sees it provisionally. Returns None when the round already has exactly this status
    (nothing is recorded: the same command twice changes nothing), else the load's result."""
    return _set_status("round", round, round_status(round, db_path), status, until, show_provisional, loaded_by,
                       db_path)


def set_period_status(period: str, status: str, *, until: date | str | None = None, show_provisional: bool = False,
                      loaded_by: str = "cli", db_path: Path | None = None) -> LoadResult | None:
    """Move month `period` ('YYYY-MM') to `status`, as `set_round_status` moves a round (a month
    no event names is published by default and may move to draft or review). None: unchanged."""
    return _set_status("period", str(period), period_status(period, db_path), status, until, show_provisional,
                       loaded_by, db_path)


def confirm_entries(round: str, office: str, *, loaded_by: str, db_path: Path | None = None) -> LoadResult:
    """Office `office` confirms its entries of `round` (in review)."""
    return record_events([{"event": "confirm", "round": round, "office": office}], loaded_by=loaded_by,
                         db_path=db_path, name=f"review-{round}-{office}-confirm")


def contest_entry(round: str, office: str, question_id: str, comment: str, *, option_code: str | None = None,
                  evidence_url: str | None = None, evidence: bytes | None = None, evidence_name: str | None = None,
                  loaded_by: str, db_path: Path | None = None) -> LoadResult:
    """Office `office` contests its entry for `question_id` (and `option_code`) of `round`, with
    a comment, an optional evidence address (http or https) and an optional evidence file (its
    bytes `evidence`, uploaded as `evidence_name`; `check_evidence`), archived with the contest.
    Raises LoadRejected naming the file when it is refused (too big, not of a kind accepted)."""
    event = {"event": "contest", "round": round, "office": office, "question_id": question_id,
             "option_code": option_code, "comment": comment, "evidence_url": evidence_url}
    return _record_contest(event, evidence, evidence_name, loaded_by=loaded_by, db_path=db_path,
                           name=f"review-{round}-{office}-contest")


def _record_contest(event: dict, evidence: bytes | None, evidence_name: str | None, *, loaded_by: str,
                    db_path: Path | None, name: str) -> LoadResult:
    """Record contest `event`, with its evidence file (bytes `evidence` uploaded as
    `evidence_name`) checked, attached to the load and named in the event when there is one."""
    if evidence is None:
        return record_events([event], loaded_by=loaded_by, db_path=db_path, name=name)
    shown, ext = check_evidence(evidence_name or "", evidence)
    with tempfile.TemporaryDirectory(prefix="ipdx-evidence-") as folder:
        path = Path(folder) / f"evidence{ext}"
        path.write_bytes(evidence)
        archived = attachment_name(path, ext)
        return record_events([{**event, "evidence_file": archived, "evidence_name": shown}], loaded_by=loaded_by,
                             db_path=db_path, name=name, attachments={archived: path})


def confirm_deliveries(period: str, office: str, *, loaded_by: str, db_path: Path | None = None) -> LoadResult:
    """Office `office` confirms its delivery figures as provider of month `period` (in review)."""
    return record_events([{"event": "confirm", "period": period, "office": office}], loaded_by=loaded_by,
                         db_path=db_path, name=f"review-{period}-{office}-confirm")


def contest_deliveries(period: str, office: str, recipient: str, dataset: str, comment: str, *,
                       evidence_url: str | None = None, evidence: bytes | None = None,
                       evidence_name: str | None = None, loaded_by: str, db_path: Path | None = None) -> LoadResult:
    """Office `office` contests its delivery figures of month `period` for the schedule to
    `recipient` of `dataset` (it is the provider), with a comment, an optional evidence address
    and an optional evidence file, as `contest_entry` takes them."""
    event = {"event": "contest", "period": period, "office": office, "recipient": recipient, "dataset": dataset,
             "comment": comment, "evidence_url": evidence_url}
    return _record_contest(event, evidence, evidence_name, loaded_by=loaded_by, db_path=db_path,
                           name=f"review-{period}-{office}-contest")


def answer_contest(round: str | None, contest_id: str, decision: str, *, correction_seq: int | None = None,
                   reason: str | None = None, period: str | None = None, loaded_by: str,
                   db_path: Path | None = None) -> LoadResult:
    """The secretariat answers contest `contest_id` of `round` (or, with round None, of month
    `period`): accepted (with the load that corrected the entry: of the round, or of the delivery
    log or schedule) or rejected (with the reason). The answer names the correcting load by its
    number and its archived name (`correction_file`): a rebuild finds it by the name, so a removal
    of an earlier load, which renumbers the loads, leaves the answer naming the same load."""
    return record_events([{"event": "answer", "round": round, "period": period, "contest_id": contest_id,
                           "decision": decision, "correction_seq": correction_seq,
                           "correction_file": _archived_as(correction_seq, db_path), "comment": reason}],
                         loaded_by=loaded_by, db_path=db_path, name=f"review-{round or period}-answer")


def _archived_as(seq: int | None, db_path: Path | None) -> str | None:
    """The archived name of load #`seq` in the live database (None: no such load, and the review
    file's check then names the number)."""
    if seq is None:
        return None
    row = _live_rows("SELECT archived_as FROM loads WHERE seq = $s", {"s": int(seq)}, db_path)
    return row[0][0] if row else None


# --------------------------------------------------------------------------- evidence files

def evidence_display_name(name: str) -> str:
    """The name an evidence file was uploaded under, kept as text: its last path part, without
    control characters, at most MAX_EVIDENCE_NAME_CHARS characters (its extension kept)."""
    name = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join("".join(c for c in name if not unicodedata.category(c).startswith("C")).split())
    if len(name) > MAX_EVIDENCE_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = dot + ext if dot and len(ext) <= 8 else ""
        name = (stem if ext else name)[:MAX_EVIDENCE_NAME_CHARS - len(ext)] + ext
    return name or "evidence"


def check_evidence(name: str, content: bytes) -> tuple[str, str]:
    """(The name to record, the extension to archive) of an evidence file uploaded as `name`;
    raises LoadRejected naming the file when it is empty, larger than MAX_EVIDENCE_BYTES, not of
    a kind of EVIDENCE_TYPES, or its bytes are not what its extension says."""
    shown = evidence_display_name(name)
    ext = EVIDENCE_TYPES.get(Path(shown).suffix.lower())
    cap = f"{MAX_EVIDENCE_BYTES // (1024 * 1024)} MB"

    def refuse(value: str, expected: str):
        raise LoadRejected([Problem(shown, None, "evidence_file", value, expected)])

    if ext is None:
        refuse(Path(shown).suffix or shown, "an evidence file of one of the kinds "
               + ", ".join(sorted({e.lstrip(".").upper() for e in EVIDENCE_TYPES.values()})))
    if len(content) > MAX_EVIDENCE_BYTES:
        refuse(f"{len(content)} bytes", f"an evidence file of at most {cap} ({MAX_EVIDENCE_BYTES} bytes)")
    if not content:
        refuse("0 bytes", "an evidence file with content")
    if ext in _SIGNATURES and not content.startswith(_SIGNATURES[ext]):
        refuse(ext, f"the content of a {ext.lstrip('.').upper()} file (its first bytes are not)")
    if ext not in _SIGNATURES:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            refuse(ext, f"a {ext.lstrip('.').upper()} file as UTF-8 text")
    return shown, ext


def evidence_bytes(evidence_file: str, db_path: Path | None = None) -> bytes:
    """The bytes of an archived evidence file, by the archived name a contest records (only a
    name of the archive's form: `<sha256><ext>`, never a path)."""
    if not ATTACHMENT_NAME.fullmatch(str(evidence_file)):
        raise ValueError(f"not an archived evidence file: {evidence_file!r}")
    return (Paths.of(db_path).archive / evidence_file).read_bytes()
