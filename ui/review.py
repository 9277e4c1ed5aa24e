"""The review of a survey round before publication: what each role sees and may do.

- An office user sees its own office's entries (its answers per question) of a round in review,
  confirms them or contests one with a comment and optional evidence (an address, a file), and
  sees the secretariat's answer to each of its contests. It never sees another office's entries here.
- The secretariat sees every round (draft, in review, published), every office's entries, every
  contest with the entry, comment and evidence, and answers each: accepted (with the load that
  corrected it) or rejected (with the reason). It sets a round's status on the Manage data page.

Every action is a review event recorded through `loaders.review` (a one-row file loaded like any
file: archived, rebuilt, append-only). Comments, addresses and names are shown in table cells or
through `ui.common.plain`, never as HTML; an address is one the loader accepted (http or https).
An evidence file is archived with its contest (`loaders.review.check_evidence`: its kind and
size) and offered for download, on click, under its uploaded name made safe (`download_name`).
"""
from __future__ import annotations

import re
from functools import partial
from pathlib import PurePosixPath
from typing import Callable

import pandas as pd
import streamlit as st

from loaders import LoadRejected
from loaders import review as review_events
from queries import review

from . import data, i18n
from .auth import Viewer
from .common import office_label, office_names, plain, show_table
from .i18n import N_, _
from .manage import BUSY_TEXT, show_rejection

STATUS_LABELS = {"draft": N_("draft (the secretariat only)"), "review": N_("in review by the offices"),
                 "published": N_("published")}
DECISION_LABELS = {"accepted": N_("accepted"), "rejected": N_("rejected")}
FLASH_KEY = "review-flash"
#: The kinds of evidence file the contest form accepts (the loader's EVIDENCE_TYPES, without dots).
EVIDENCE_UPLOAD_TYPES = sorted(ext.lstrip(".") for ext in review_events.EVIDENCE_TYPES)
MEGABYTE = 1024 * 1024


def statuses() -> pd.DataFrame:
    """Every loaded round with its status (`queries.review.round_status`)."""
    return data.query(review.round_status)


def status_of(round: str) -> str | None:
    frame = statuses()
    rows = frame[frame["round"] == str(round)]
    return None if rows.empty else str(rows["status"].iloc[0])


def status_text(round: str) -> str:
    """'Round 2027: in review by the offices until 31 Dec 2026 (shown to the public as provisional).'"""
    frame = statuses()
    row = frame[frame["round"] == str(round)].iloc[0]
    text = _("Round {round}: {status}").format(round=plain(round), status=_(STATUS_LABELS[row["status"]]))
    return text + review_details(row) + "."


def review_details(row) -> str:
    """What a status text adds for a round or month in review (a row of `queries.review`'s
    status tables): ' until 31 Dec 2026 (shown to the public as provisional)'; '' otherwise."""
    if row["status"] != "review":
        return ""
    until = "" if pd.isna(row["until"]) else " " + _("until {date}").format(date=i18n.date(row["until"]))
    return until + " " + (_("(shown to the public as provisional)") if row["show_provisional"]
                          else _("(not public until published)"))


def reviewed_by(who: Viewer, frame: pd.DataFrame, subject: str) -> list[str]:
    """The rounds or months (`subject`: 'round' or 'period', a column of the status table `frame`)
    viewer `who` reviews: the secretariat every one; an office user those in review and those in
    which its office contested an entry (to read the answers)."""
    if who.sees_everything:
        return [str(v) for v in frame[subject]]
    contested = (set(data.query(review.contests, office=who.office)[subject].dropna().astype(str))
                 if who.office else set())
    return [str(v) for v, s in zip(frame[subject], frame["status"]) if s == "review" or str(v) in contested]


def rounds_for(who: Viewer) -> list[str]:
    """The rounds this viewer reviews (`reviewed_by`)."""
    return reviewed_by(who, statuses(), "round")


def show_flash() -> None:
    """The outcome of the action before the rerun that refreshed the figures."""
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash, icon=":material/check_circle:")


def record(action: Callable[[], object], done: str, key: str) -> None:
    """Run a recording `action` (a `loaders.review` call); on success say `done` after a rerun,
    on a rejection list its problems (nothing changed)."""
    try:
        action()
    except LoadRejected as err:
        show_rejection(err, _("Not recorded"), key)
        return
    except TimeoutError:
        st.error(_(BUSY_TEXT))
        return
    st.session_state[FLASH_KEY] = done
    st.rerun()


def entries(round: str, office: str | None) -> pd.DataFrame:
    """The entries of `round` (of `office`; None = every respondent) with the contest state of
    each: the latest contest of the entry, 'open' while unanswered, else its decision."""
    frame = data.query(review.office_entries, round=str(round), office=office)
    contested = data.query(review.contests, round=str(round), office=office)
    state = {(o, q): (_("contested, open") if pd.isna(d) else _(DECISION_LABELS[d]))
             for o, q, d in zip(contested["office"], contested["question_id"], contested["decision"])}
    frame["contest"] = [state.get((o, q), "") for o, q in zip(frame["office"], frame["question_id"])]
    return frame


def show_entries(round: str, office: str | None, key: str) -> pd.DataFrame:
    frame = entries(round, office)
    if frame.empty:
        st.info(_("No entries of this office in round {round}: it is not a respondent of the round.").format(
            round=plain(round)))
        return frame
    shown = frame if office is None else frame.drop(columns=["office"])
    show_table(shown, key=key, width="stretch")
    return frame


def office_actions(round: str, who: Viewer, frame: pd.DataFrame) -> None:
    """An office user's confirmation of its entries and its contest of one, while in review."""
    if status_of(round) != "review" or frame.empty:
        return
    db = data.database_path()
    confirmed = data.query(review.confirmations, round=str(round))
    if who.office in set(confirmed["office"]):
        st.caption(_("Your office confirmed its entries of this round."))
    elif st.button(_("Confirm our entries"), key="review-confirm", icon=":material/task_alt:"):
        record(lambda: review_events.confirm_entries(round, who.office, loaded_by=who.username, db_path=db),
               _("Your entries of round {round} are confirmed.").format(round=plain(round)), "confirm")
    st.markdown("**" + _("Contest an entry") + "**")
    questions = dict(zip(frame["question_id"], frame["text"]))
    with st.form("review-contest", clear_on_submit=True):
        question = st.selectbox(_("Entry (question)"), list(questions), key="review-contest-question",
                                format_func=lambda q: f"{q}: {questions[q]}")
        comment = st.text_area(_("What is wrong, and what the entry should be"), key="review-contest-comment",
                               max_chars=2000)
        evidence = st.text_input(_("Evidence: an address (http or https), optional"), key="review-contest-url",
                                 max_chars=2000)
        upload = evidence_uploader("review-contest-file")
        submitted = st.form_submit_button(_("Contest this entry"), key="review-contest-submit")
    if submitted:
        if not comment.strip():
            st.error(_("Say what is wrong with the entry: a contest needs a comment."))
            return
        file = evidence_upload(upload)
        if file is False:
            return
        content, name = file or (None, None)
        record(lambda: review_events.contest_entry(round, who.office, question, comment.strip(),
                                                   evidence_url=evidence.strip() or None, evidence=content,
                                                   evidence_name=name, loaded_by=who.username, db_path=db),
               _("Your contest of {question} is recorded; the secretariat will answer it.").format(
                   question=plain(question)), "contest")


def _cap_text() -> str:
    return _("{count} MB").format(count=i18n.number(review_events.MAX_EVIDENCE_BYTES // MEGABYTE))


def evidence_uploader(key: str):
    """A contest form's optional evidence file input (the kinds and cap the loader accepts)."""
    return st.file_uploader(
        _("Evidence: a file, optional (PDF, PNG, JPEG, CSV, XLSX or TXT, at most {size})").format(size=_cap_text()),
        type=EVIDENCE_UPLOAD_TYPES, key=key, max_upload_size=review_events.MAX_EVIDENCE_BYTES // MEGABYTE)


def evidence_upload(upload) -> tuple[bytes, str] | None | bool:
    """The bytes and uploaded name of the contest form's evidence file (None: no file); False,
    with the reason shown, when it is refused before anything is recorded: larger than the cap
    (named with the file), or not of a kind accepted (`loaders.review.check_evidence`)."""
    if upload is None:
        return None
    content = upload.getvalue()
    if len(content) > review_events.MAX_EVIDENCE_BYTES:
        st.error(_("The file {name} is {size}: an evidence file may be at most {cap}. Nothing was recorded.").format(
            name=plain(upload.name), size=_("{count} MB").format(count=i18n.number(len(content) / MEGABYTE, 1)),
            cap=_cap_text()), icon=":material/error:")
        return False
    try:
        review_events.check_evidence(upload.name, content)
    except LoadRejected as err:
        show_rejection(err, _("Not recorded"), "evidence")
        return False
    return content, upload.name


def download_name(name, evidence_file: str) -> str:
    """The uploaded name of an evidence file made safe to offer as a download's file name: its
    last path part, letters, digits, spaces and . _ - ( ) only, no leading dot, at most 100
    characters, ending in the extension it was archived with."""
    ext = PurePosixPath(evidence_file).suffix
    last = PurePosixPath(str(name or "").replace("\\", "/").rsplit("/", 1)[-1])
    stem = last.stem if review_events.EVIDENCE_TYPES.get(last.suffix.lower()) == ext else last.name
    safe = re.sub(r"[^\w .()-]", "_", stem).strip(" .")[:100]
    return (safe or "evidence") + ext


def evidence_downloads(frame: pd.DataFrame, key: str) -> None:
    """A download of each contest's evidence file, read from the archive only on click."""
    db = data.database_path()
    for contest, stored, name in zip(frame["contest_id"], frame["evidence_file"], frame["evidence_name"]):
        if pd.isna(stored):
            continue
        st.download_button(
            _("Evidence of contest {contest}: {name}").format(contest=plain(contest), name=plain(name)),
            data=partial(review_events.evidence_bytes, stored, db), file_name=download_name(name, stored),
            mime=review_events.EVIDENCE_MIMES.get(PurePosixPath(stored).suffix, "application/octet-stream"),
            key=f"{key}-evidence-{contest}", on_click="ignore", icon=":material/attach_file:")


def contests_table(frame: pd.DataFrame, key: str) -> None:
    """Contests with the office's comment and evidence, and the answer: every text in a table
    cell; then a download of each evidence file."""
    if frame.empty:
        st.caption(_("No contest."))
        return
    names = office_names()
    shown = frame.assign(office=[office_label(c, names) for c in frame["office"]],
                         decision=[_("open") if pd.isna(d) else _(DECISION_LABELS[d]) for d in frame["decision"]])
    show_table(shown.drop(columns=["contest_seq", "evidence_file"]), key=key, width="stretch",
               column_config={"evidence_url": st.column_config.LinkColumn()})
    evidence_downloads(frame, key)


#: The columns of a contest of a delivery period's figures (`ui.period_review`), empty for a round's.
PERIOD_ONLY = ["period", "recipient", "dataset"]


def may_see_contests(who: Viewer, office: str) -> bool:
    """Contests are seen by the secretariat and by the contesting office itself, never by the
    public: a contest's comment may tell an answer that the office did not consent to show."""
    return who.role == "secretariat" or (who.role == "office" and who.office == office)


def office_contests(office: str, who: Viewer) -> None:
    """The office profile's contested entries: every contest of `office` (survey entries and
    delivery figures, every round and month) with its answer, for a viewer who may see them."""
    if not may_see_contests(who, office):
        return
    st.subheader(_("Contested entries"))
    st.caption(_("Shown to the office and the secretariat only. An open contest is under review; an accepted one "
                 "names the load that corrected the entry."))
    contests_table(data.query(review.contests, office=office), "profile-contests")


def round_contests(round: str, office: str | None = None) -> pd.DataFrame:
    """The contests of `round` (of `office`; None = all), without the columns of a period's."""
    return data.query(review.contests, round=str(round), office=office).drop(columns=PERIOD_ONLY)


def own_contests(round: str, who: Viewer) -> None:
    st.markdown("**" + _("Your office's contests and the secretariat's answers") + "**")
    contests_table(round_contests(round, who.office), "review-own-contests")


def secretariat_contests(round: str, who: Viewer) -> None:
    """Every contest of `round`, and the answer form for the open ones."""
    frame = round_contests(round)
    st.markdown("**" + _("Contests") + "**")
    contests_table(frame, "review-all-contests")
    open_ = frame[frame["decision"].isna()]
    if open_.empty:
        return
    labels = {c: f"{c} · {o} · {q}" for c, o, q in zip(open_["contest_id"], open_["office"], open_["question_id"])}
    answer_form(
        open_, labels, "review-answer", "answer",
        missing_correction=_("Load the corrected export of round {round} first (Manage data): an accepted contest "
                             "links the load that corrected the entry.").format(round=plain(round)),
        correction_label=_("The load that corrected the entry"),
        answer=lambda contest, decision, correction, reason: review_events.answer_contest(
            round, contest, decision, correction_seq=correction, reason=reason, loaded_by=who.username,
            db_path=data.database_path()))


def answer_form(open_: pd.DataFrame, labels: dict, key: str, done_key: str, *, missing_correction: str,
                correction_label: str, answer: Callable[[str, str, int | None, str | None], object]) -> None:
    """The secretariat's answer to one of the open contests `open_` (shown as `labels`), for a
    round's entries and a month's figures alike: accepted, naming one of the loads that may
    correct it (`queries.review.correcting_loads`), or rejected with a reason the office reads.
    `answer(contest, decision, correction_seq, reason)` records it."""
    st.markdown("**" + _("Answer a contest") + "**")
    contest = st.selectbox(_("Contest"), list(labels), format_func=labels.get, key=f"{key}-contest")
    decision = st.radio(_("Answer"), list(DECISION_LABELS), format_func=lambda d: _(DECISION_LABELS[d]),
                        key=f"{key}-decision", horizontal=True)
    correction, reason = None, ""
    if decision == "accepted":
        found = data.query(review.correcting_loads, contest_id=contest)
        if found.empty:
            st.info(missing_correction)
            return
        files = dict(zip(found["seq"].astype(int), found["original_name"]))
        correction = st.selectbox(correction_label, list(files), format_func=lambda s: f"#{s} {files[s]}",
                                  key=f"{key}-seq")
    else:
        reason = st.text_area(_("Reason for rejecting the contest"), key=f"{key}-reason", max_chars=2000)
    if st.button(_("Record the answer"), key=f"{key}-submit", icon=":material/gavel:"):
        if decision == "rejected" and not reason.strip():
            st.error(_("Give the reason: the office reads it."))
            return
        record(lambda: answer(contest, decision, correction, reason.strip() or None),
               _("Contest {contest} answered: {decision}.").format(contest=contest,
                                                                  decision=_(DECISION_LABELS[decision])),
               done_key)


# ------------------------------------------------------------------ Manage data: status and audit

def status_controls(who: Viewer) -> None:
    """The secretariat's table of every round's status, and the form that moves a round on."""
    frame = statuses()
    if frame.empty:
        st.caption(_("No survey round is loaded."))
        return
    show_table(frame.assign(status=[_(STATUS_LABELS[s]) for s in frame["status"]]), key="manage-round-status",
               width="stretch")
    movable = [str(r) for r, s in zip(frame["round"], frame["status"]) if s != "published"]
    if not movable:
        st.caption(_("Every round is published (final: a correction is a new load of the round)."))
        return
    cols = st.columns([1, 1, 1, 2])
    round_ = cols[0].selectbox(_("Round"), movable, key="manage-status-round")
    current = status_of(round_)
    targets = {"draft": ["review"], "review": ["review", "published", "draft"]}[current]
    status = cols[1].selectbox(_("New status"), targets, key="manage-status-to",
                               format_func=lambda s: _(STATUS_LABELS[s]))
    until = cols[2].date_input(_("Review ends (UTC)"), value=None, key="manage-status-until",
                               disabled=status != "review")
    provisional = cols[3].checkbox(_("Show it to the public meanwhile, marked provisional"),
                                   key="manage-status-provisional", disabled=status != "review")
    if status == "published":
        st.caption(_("Publishing is final: the round's figures become public; a correction later is a new load "
                     "of the round, public at once and listed in the audit."))
    if st.button(_("Set the status"), key="manage-status-set", icon=":material/flag:"):
        if status == "review" and provisional and until is None:
            st.error(_("Give the date the review ends: the provisional banner says until when."))
            return
        record(lambda: review_events.set_round_status(
                   round_, status, until=until if status == "review" else None,
                   show_provisional=bool(provisional) and status == "review", loaded_by=who.username,
                   db_path=data.database_path()),
               _("Round {round} is now {status}.").format(round=plain(round_), status=_(STATUS_LABELS[status])),
               "status")


def show_audit() -> None:
    """Every status change, confirmation, contest, answer and load of a round: who, when, what."""
    audit = data.query(review.review_audit)
    if audit.empty:
        st.caption(_("Nothing recorded yet."))
        return
    show_table(audit, key="manage-review-audit", width="stretch")
