"""Challenges: what offices report when sharing and when collecting IP data, per round,
per category and per office, next to the standards each office uses.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import streamlit as st

from queries import survey
from ui import auth, common, data, disclosure, key_charts
from ui.key_charts import CATEGORY_LABELS, DIRECTIONS

#: Named in CWS/13/14 without any count: listed as such, never given a number.
STRATEGIC_ISSUES = [
    ("Data governance and access policy", "who may use the data, how it is stored, redistribution rights"),
    ("Data integrity", "incomplete records"),
    ("Data dictionary problems", "no shared definitions or data structures"),
]

auth.sidebar()
rounds, round_, as_share, selection, base = common.survey_page(
    "Challenges", ":material/report:",
    "Challenges offices report when sharing IP data with other offices and when collecting it from them, by "
    "category (technical, legal/policy, organizational, business/coordination).")
if not base:
    st.info("No respondent of this round matches the filter.")
    st.stop()
small_cell = disclosure.suppressed(round_, base)

st.subheader(f"Challenges per category, {round_}")
common.base_note(round_, base, selection)
if small_cell:
    common.small_cell_info(base)
else:
    categories = data.query(survey.challenge_category_counts, offices=selection)
    categories = categories[categories["round"] == round_].assign(
        category_label=lambda f: f["category"].map(CATEGORY_LABELS).fillna(f["category"]))
    common.chart(key_charts.challenge_categories_figure(categories, as_share), categories,
                 f"challenge-categories-{round_}", "challenge-categories")
    st.dataframe(categories[["direction", "category_label", "offices", "no_answer", "base", "share"]].rename(
                     columns={"category_label": "category"}), hide_index=True, key="table-challenge-categories",
                 column_config={"share": st.column_config.NumberColumn(format="percent")})

published = data.query(survey.published_vs_computed)
for tab, (direction, title) in zip(st.tabs(list(DIRECTIONS.values())), DIRECTIONS.items()):
    with tab:
        st.subheader(f"{title}, {round_}")
        if not small_cell:
            counts = data.query(survey.option_counts, section="challenges", direction=direction, offices=selection)
            counts = counts[counts["round"] == round_]
            counts["label"] = [f"{CATEGORY_LABELS.get(c, c)}: {lab}" for c, lab in zip(counts["category"], counts["label"])]
            common.option_counts_view(counts, published[(published["section"] == "challenges")
                                                        & (published["direction"] == direction)],
                                      f"challenges-{direction}-{round_}", f"challenges-{direction}", as_share,
                                      label_column="code")
        st.markdown(f"**Office x challenge {title.lower()}, {round_}**")
        matrix = data.query(survey.option_matrix, section="challenges", direction=direction, round=round_,
                            offices=selection)
        common.matrix_view(matrix, round_, f"challenges-{direction}-matrix-{round_}",
                           f"challenges-{direction}-matrix")

st.subheader("One office: its challenges next to the standards it uses")
names = common.office_names()
named = sorted(disclosure.visible_respondents(round_) & base)
if named:
    office = common.url_select("Office", named, key="profile", format_func=lambda c: common.office_label(c, names))
    challenges = data.query(survey.option_matrix, section="challenges", round=round_, offices=[office])
    standards = data.query(survey.option_matrix, section="standards", round=round_, offices=[office])
    left, right = st.columns(2)
    with left:
        st.markdown("**Challenges ticked**")
        ticked = challenges[challenges["state"] == "yes"].assign(
            category=lambda f: f["category"].map(CATEGORY_LABELS).fillna(f["category"]))
        blank = challenges.loc[challenges["state"] == "no_answer", "direction"].unique()
        st.dataframe(ticked[["direction", "category", "label"]].rename(columns={"label": "challenge"}),
                     hide_index=True, key="table-profile-challenges")
        for direction in blank:
            st.caption(f"Left the question on challenges {DIRECTIONS[direction].lower()} blank (no answer).")
    with right:
        st.markdown("**Standards used**")
        st.dataframe(standards.loc[standards["state"] == "yes", ["code", "label"]].rename(
            columns={"code": "standard"}), hide_index=True, key="table-profile-standards")
else:
    st.info("No respondent of this round in the filter may be named.")

st.subheader("Compare two rounds")
common.round_comparison("challenges", rounds, selection, "challenges-compare", what="challenge")

st.subheader("Strategic issues named in CWS/13/14 without counts")
st.markdown("The report names these issues but publishes no number of offices for them, so none is shown:\n\n"
            + "\n".join(f"- **{issue}**: {detail}" for issue, detail in STRATEGIC_ISSUES))
