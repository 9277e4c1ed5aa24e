"""Challenges: what offices report when sharing and when collecting IP data, per round,
per category and per office, next to the standards each office uses.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import streamlit as st

from queries import release
from ui import common, disclosure, key_charts, survey_views
from ui.i18n import N_, _
from ui.key_charts import DIRECTIONS, category_label

#: Named in CWS/13/14 without any count: listed as such, never given a number.
STRATEGIC_ISSUES = [
    (N_("Data governance and access policy"), N_("who may use the data, how it is stored, redistribution rights")),
    (N_("Data integrity"), N_("incomplete records")),
    (N_("Data dictionary problems"), N_("no shared definitions or data structures")),
]
#: Per direction: the matrix heading and the note on a blank question (whole phrases).
MATRIX_HEADINGS = {"sharing": N_("Office x challenge when sharing IP data, {round}"),
                   "collecting": N_("Office x challenge when collecting IP data, {round}")}
BLANK_NOTES = {"sharing": N_("Left the question on challenges when sharing IP data blank (no answer)."),
               "collecting": N_("Left the question on challenges when collecting IP data blank (no answer).")}

rounds, round_, as_share, selection, base = survey_views.survey_page(
    _("Challenges"), ":material/report:",
    _("Challenges offices report when sharing IP data with other offices and when collecting it from them, by "
      "category (technical, legal/policy, organizational, business/coordination)."))
if not base:
    st.info(_("No respondent of this round matches the filter."))
    st.stop()

st.subheader(_("Challenges per category, {round}").format(round=common.plain(round_)))
survey_views.base_note(round_, base, selection)
categories = survey_views.public(release.public_category_counts, offices=selection)
categories = categories[categories["round"] == round_].assign(
    category_label=lambda f: f["category"].map(category_label))
common.chart(key_charts.challenge_categories_figure(categories, as_share), categories,
             f"challenge-categories-{round_}", "challenge-categories", alternative=False)  # table follows
common.show_table(categories[["direction", "category_label", "offices", "no_answer", "base", "share"]].rename(
                      columns={"category_label": "category"}), key="table-challenge-categories",
                  column_config={"share": st.column_config.NumberColumn(format="percent")})
if survey_views.not_named_text(round_):
    st.caption(_("Challenge categories count the offices that consented to publication of their answers."))
survey_views.suppression_note(categories)

published = survey_views.public(release.public_published_vs_computed)
for tab, (direction, title) in zip(st.tabs([_(t) for t in DIRECTIONS.values()]), DIRECTIONS.items()):
    with tab:
        st.subheader(_("{section}, {round}").format(section=_(title), round=common.plain(round_)))
        counts = survey_views.public(release.public_option_counts, section="challenges", direction=direction,
                                     offices=selection)
        counts = survey_views.localized_options(counts[counts["round"] == round_], round_, "challenges")
        counts["label"] = [f"{category_label(c)}: {lab}" for c, lab in zip(counts["category"], counts["label"])]
        survey_views.option_counts_view(counts, published[(published["section"] == "challenges")
                                                          & (published["direction"] == direction)],
                                        f"challenges-{direction}-{round_}", f"challenges-{direction}", as_share,
                                        label_column="code")
        st.markdown("**" + _(MATRIX_HEADINGS[direction]).format(round=common.plain(round_)) + "**")
        matrix = survey_views.public(release.public_option_matrix, section="challenges", direction=direction,
                                     round=round_, offices=selection)
        survey_views.matrix_view(matrix, round_, f"challenges-{direction}-matrix-{round_}",
                                 f"challenges-{direction}-matrix", section="challenges", selection=selection)

st.subheader(_("One office: its challenges next to the standards it uses"))
names = common.office_names()
named = sorted(disclosure.visible_respondents(round_) & base)
if named:
    office = common.url_select(_("Office"), named, key="profile", format_func=lambda c: common.office_label(c, names))
    challenges, _english = survey_views.option_labels(survey_views.public(
        release.public_option_matrix, section="challenges", round=round_, offices=[office]), round_, "challenges")
    standards, _english = survey_views.option_labels(survey_views.public(
        release.public_option_matrix, section="standards", round=round_, offices=[office]), round_, "standards")
    left, right = st.columns(2)
    with left:
        st.markdown("**" + _("Challenges ticked") + "**")
        ticked = challenges[challenges["state"] == "yes"].assign(
            category=lambda f: f["category"].map(category_label))
        blank = challenges.loc[challenges["state"] == "no_answer", "direction"].unique()
        common.show_table(ticked[["direction", "category", "label"]].rename(columns={"label": "challenge"}),
                          key="table-profile-challenges")
        for direction in blank:
            st.caption(_(BLANK_NOTES[direction]))
    with right:
        st.markdown("**" + _("Standards used") + "**")
        common.show_table(standards.loc[standards["state"] == "yes", ["code", "label"]].rename(
            columns={"code": "standard"}), key="table-profile-standards")
    survey_views.suppression_note((challenges["state"] == "suppressed").any()
                                  or (standards["state"] == "suppressed").any())
else:
    st.info(_("No respondent of this round in the filter may be named."))

st.subheader(_("Compare two rounds"))
survey_views.round_comparison("challenges", rounds, selection, "challenges-compare")

st.subheader(_("Strategic issues named in CWS/13/14 without counts"))
st.markdown(_("The report names these issues but publishes no number of offices for them, so none is shown:")
            + "\n\n" + "\n".join(f"- **{_(issue)}**: {_(detail)}" for issue, detail in STRATEGIC_ISSUES))
