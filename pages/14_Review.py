"""Review (office users and the secretariat): a survey round's entries, and a delivery period's
figures per provider, before publication; their confirmation and contests, and the secretariat's
answers. Layout only: what each role sees and does is in `ui.review` and `ui.period_review`;
every action is recorded through `loaders.review`."""
from __future__ import annotations

import streamlit as st

from ui import common, page, period_review
from ui import review as review_ui
from ui.i18n import _

who = page.page_header(_("Review"), ":material/rate_review:",
                       _("Before a survey round is published, each office checks its own entries: it confirms "
                         "them or contests one, with a comment and evidence; the secretariat answers every contest. "
                         "Every step is recorded (Manage data lists the audit)."), "survey")

if not who.signed_in or who.role not in ("office", "secretariat"):
    st.info(_("This page is for office users and the secretariat. Sign in in the sidebar: an office user sees its "
              "own office's entries of a round in review."), icon=":material/lock:")
    st.stop()

review_ui.show_flash()
rounds = review_ui.rounds_for(who)
if not rounds:
    st.info(_("No survey round is in review now."))
else:
    round_ = st.selectbox(_("Survey round"), rounds, index=len(rounds) - 1, key="review-round")
    st.markdown(review_ui.status_text(round_))
    if who.sees_everything:
        respondents = sorted(review_ui.entries(round_, None)["office"].unique())
        names = common.office_names()
        office = st.selectbox(_("Office"), [None, *respondents], key="review-office",
                              format_func=lambda c: _("every office") if c is None else common.office_label(c, names))
        st.subheader(_("Entries"))
        review_ui.show_entries(round_, office, "review-entries")
        review_ui.secretariat_contests(round_, who)
    else:
        st.subheader(_("Your office's entries: {office}").format(office=common.plain(common.office_label(who.office))))
        entries = review_ui.show_entries(round_, who.office, "review-entries")
        review_ui.office_actions(round_, who, entries)
        review_ui.own_contests(round_, who)

st.divider()
st.subheader(_("Delivery periods"))
st.caption(_("Before a month's delivery figures are published, each provider office checks its own: it confirms "
             "them or contests one schedule's, with a comment; the secretariat answers every contest."))
period_review.show_review(who)
