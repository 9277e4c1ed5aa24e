"""The review of a delivery period (a month of the scheduled date) before its figures are public:
what each role sees and may do, as for a survey round (`ui.review`).

- An office user sees, for each month in review, its own delivery figures as provider (per
  schedule: due, on time, late, missed), confirms them or contests one schedule's figures with a
  comment and optional evidence (an address, a file), and reads the secretariat's answers; the
  office and the secretariat download a contest's evidence file (`ui.review.contests_table`).
- The secretariat sees every month with a status, every provider's figures of a month in review
  and every contest, and answers each: accepted (with the load of the delivery log or schedule
  that corrected the figures) or rejected (with the reason). It sets a month's status on the
  Manage data page (`status_controls`).

Every action is a review event recorded through `loaders.review`; texts are shown in table cells
or through `ui.common.plain`, never as HTML.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from loaders import review as review_events
from queries import delivery, review

from . import data
from .auth import Viewer
from .common import office_label, office_names, plain, show_table
from .i18n import _
from .review import (
    STATUS_LABELS,
    answer_form,
    contests_table,
    evidence_upload,
    evidence_uploader,
    record,
    review_details,
    reviewed_by,
)

#: The statuses a month may move to from its current one ('default': no status event names it).
TARGETS = {"default": ["draft", "review"], "draft": ["review"], "review": ["review", "published", "draft"]}
#: The schedule columns a contest of a month names, not a round's question.
_ROUND_ONLY = ["round", "question_id", "option_code"]


def statuses() -> pd.DataFrame:
    """Every month a status event names, with its status (`queries.review.period_status`)."""
    return data.query(review.period_status)


def status_of(period: str) -> str:
    """'draft', 'review' or 'published'; 'default' for a month no status event names (published)."""
    frame = statuses()
    rows = frame[frame["period"] == str(period)]
    return "default" if rows.empty else str(rows["status"].iloc[0])


def status_text(period: str) -> str:
    """'Deliveries scheduled in 2026-10: in review by the offices until 15 Dec 2026 (...).'"""
    frame = statuses()
    rows = frame[frame["period"] == str(period)]
    status = "published" if rows.empty else str(rows["status"].iloc[0])
    text = _("Deliveries scheduled in {month}: {status}").format(month=plain(period), status=_(STATUS_LABELS[status]))
    return text + (review_details(rows.iloc[0]) if not rows.empty else "") + "."


def periods_for(who: Viewer) -> list[str]:
    """The months this viewer reviews (`ui.review.reviewed_by`; the secretariat: every month
    with a status)."""
    return reviewed_by(who, statuses(), "period")


def figures(period: str, office: str | None) -> pd.DataFrame:
    """The month's delivery figures per schedule (of provider `office`; None = every provider)."""
    return data.query(review.period_deliveries, period=str(period), office=office)


def show_figures(period: str, office: str | None, key: str) -> pd.DataFrame:
    frame = figures(period, office)
    if frame.empty:
        st.info(_("No delivery of this office as provider is scheduled in {month}.").format(month=plain(period)))
        return frame
    names = office_names()
    shown = frame.drop(columns=["period"]).assign(
        provider=[office_label(c, names) for c in frame["provider"]],
        recipient=[office_label(c, names) for c in frame["recipient"]])
    show_table(shown, key=key, width="stretch")
    return frame


def _contests(period: str, office: str | None = None) -> pd.DataFrame:
    frame = data.query(review.contests, period=str(period), office=office)
    return frame.drop(columns=[c for c in _ROUND_ONLY if c in frame.columns])


def office_actions(period: str, who: Viewer, frame: pd.DataFrame) -> None:
    """An office user's confirmation of its figures of the month and its contest of one
    schedule's, while the month is in review."""
    if status_of(period) != "review" or frame.empty:
        return
    db = data.database_path()
    confirmed = data.query(review.confirmations, period=str(period))
    if who.office in set(confirmed["office"]):
        st.caption(_("Your office confirmed its delivery figures of this month."))
    elif st.button(_("Confirm our delivery figures"), key="review-period-confirm", icon=":material/task_alt:"):
        record(lambda: review_events.confirm_deliveries(period, who.office, loaded_by=who.username, db_path=db),
               _("Your delivery figures of {month} are confirmed.").format(month=plain(period)), "period-confirm")
    st.markdown("**" + _("Contest the figures of a schedule") + "**")
    names = office_names()
    schedules = {f"{r}|{d}": f"{office_label(r, names)} · {d}" for r, d in zip(frame["recipient"], frame["dataset"])}
    with st.form("review-period-contest", clear_on_submit=True):
        schedule = st.selectbox(_("Schedule (recipient and dataset)"), list(schedules), format_func=schedules.get,
                                key="review-period-contest-schedule")
        comment = st.text_area(_("What is wrong, and what the figures should be"),
                               key="review-period-contest-comment", max_chars=2000)
        evidence = st.text_input(_("Evidence: an address (http or https), optional"),
                                 key="review-period-contest-url", max_chars=2000)
        upload = evidence_uploader("review-period-contest-file")
        submitted = st.form_submit_button(_("Contest these figures"), key="review-period-contest-submit")
    if submitted:
        if not comment.strip():
            st.error(_("Say what is wrong with the figures: a contest needs a comment."))
            return
        file = evidence_upload(upload)
        if file is False:
            return
        content, name = file or (None, None)
        recipient, dataset = schedule.split("|", 1)
        record(lambda: review_events.contest_deliveries(period, who.office, recipient, dataset, comment.strip(),
                                                        evidence_url=evidence.strip() or None, evidence=content,
                                                        evidence_name=name, loaded_by=who.username, db_path=db),
               _("Your contest of the figures of {schedule} is recorded; the secretariat will answer it.").format(
                   schedule=plain(schedules[schedule])), "period-contest")


def own_contests(period: str, who: Viewer) -> None:
    st.markdown("**" + _("Your office's contests and the secretariat's answers") + "**")
    contests_table(_contests(period, who.office), "review-period-own-contests")


def secretariat_contests(period: str, who: Viewer) -> None:
    """Every contest of the month's figures, and the answer form for the open ones."""
    frame = _contests(period)
    st.markdown("**" + _("Contests") + "**")
    contests_table(frame, "review-period-all-contests")
    open_ = frame[frame["decision"].isna()]
    if open_.empty:
        return
    labels = {c: f"{c} · {o} → {r} · {d}" for c, o, r, d in
              zip(open_["contest_id"], open_["office"], open_["recipient"], open_["dataset"])}
    answer_form(
        open_, labels, "review-period-answer", "period-answer",
        missing_correction=_("Load the corrected delivery log or schedule first (Manage data): an accepted contest "
                             "links the load that corrected the figures."),
        correction_label=_("The load that corrected the figures"),
        answer=lambda contest, decision, correction, reason: review_events.answer_contest(
            None, contest, decision, correction_seq=correction, reason=reason, period=period,
            loaded_by=who.username, db_path=data.database_path()))


def show_review(who: Viewer) -> None:
    """The Review page's part for delivery periods, for an office user or the secretariat."""
    periods = periods_for(who)
    if not periods:
        st.info(_("No delivery period is in review now."))
        return
    period = st.selectbox(_("Month of the scheduled date"), periods, index=len(periods) - 1, key="review-period")
    st.markdown(status_text(period))
    if who.sees_everything:
        show_figures(period, None, "review-period-figures")
        secretariat_contests(period, who)
    else:
        st.markdown("**" + _("Your office's delivery figures as provider: {office}").format(
            office=plain(office_label(who.office))) + "**")
        frame = show_figures(period, who.office, "review-period-figures")
        office_actions(period, who, frame)
        own_contests(period, who)


# ------------------------------------------------------------------ Manage data: a month's status

def month_choices() -> list[str]:
    """The months the secretariat may set: every month of the delivery calendar up to today and
    the next three (to hold one back before its log is loaded), and every month with a status."""
    trend = data.query(delivery.monthly_on_time_trend)
    months = {pd.Timestamp(m).strftime("%Y-%m") for m in trend["month"]}
    today = dt.datetime.now(dt.timezone.utc).date().replace(day=1)
    months |= {(pd.Timestamp(today) + pd.DateOffset(months=n)).strftime("%Y-%m") for n in range(0, 4)}
    months |= set(statuses()["period"].astype(str))
    return sorted(months)


def status_controls(who: Viewer) -> None:
    """The secretariat's table of the months with a status, and the form that sets a month's."""
    frame = statuses()
    if frame.empty:
        st.caption(_("Every month is published: no month was held back."))
    else:
        show_table(frame.assign(status=[_(STATUS_LABELS[s]) for s in frame["status"]]),
                   key="manage-period-status", width="stretch")
    movable = [m for m in month_choices() if status_of(m) != "published"]
    if not movable:
        st.caption(_("Every month is published (final: a correction is a new load of the log)."))
        return
    cols = st.columns([1, 1, 1, 2])
    period = cols[0].selectbox(_("Month"), movable, index=len(movable) - 1, key="manage-period-month")
    targets = TARGETS[status_of(period)]
    status = cols[1].selectbox(_("New status"), targets, key="manage-period-to",
                               format_func=lambda s: _(STATUS_LABELS[s]))
    until = cols[2].date_input(_("Review ends (UTC)"), value=None, key="manage-period-until",
                               disabled=status != "review")
    provisional = cols[3].checkbox(_("Show its figures to the public meanwhile, marked provisional"),
                                   key="manage-period-provisional", disabled=status != "review")
    if st.button(_("Set the month's status"), key="manage-period-set", icon=":material/flag:"):
        if status == "review" and provisional and until is None:
            st.error(_("Give the date the review ends: the provisional banner says until when."))
            return
        record(lambda: review_events.set_period_status(
                   period, status, until=until if status == "review" else None,
                   show_provisional=bool(provisional) and status == "review", loaded_by=who.username,
                   db_path=data.database_path()),
               _("Deliveries scheduled in {month} are now {status}.").format(month=plain(period),
                                                                           status=_(STATUS_LABELS[status])),
               "period-status")
