"""Standards adoption: which WIPO standards each office uses, per round, and what changed.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import streamlit as st

from queries import survey
from ui import common, data, disclosure

common.page("Standards adoption", ":material/rule:")
st.title("Standards adoption")
st.caption("Which WIPO standards offices use for IP data exchange (ST.26, ST.36, ST.96, ST.97, ...), "
           "per survey round, per office, and what changed between rounds.")
common.illustrative_notice(data.provenance()["illustrative_survey"], "survey answers")

rounds = list(data.query(survey.survey_rounds)["round"])
if not rounds:
    st.info("No survey round is loaded yet (Manage data, or `python -m loaders load survey ...`).")
    st.stop()

top = st.columns([1, 1, 3])
with top[0]:
    round_ = common.round_select(rounds)
with top[1]:
    as_share = common.url_toggle("Share of respondents", key="share")
with top[2]:
    st.caption("Filters: office kind, region or a set of offices (the link keeps them).")
selection = common.office_filter()
base = common.respondents(round_, selection)

st.subheader(f"Offices using each standard, {round_}")
if not base:
    st.info("No respondent of this round matches the filter.")
elif disclosure.suppressed(round_, base):
    st.info(f"Counts {common.SMALL_CELL_TEXT}: the filter leaves {len(base)} respondent(s), too few to "
            "show without singling out an office that did not consent to publication.")
else:
    counts = data.query(survey.option_counts, section="standards", offices=selection)
    counts = counts[counts["round"] == round_]
    published = data.query(survey.published_vs_computed)
    published = published[published["section"] == "standards"]
    st.markdown(f"Base: **{len(base)} respondents** of the {round_} round"
                + (" in the filter" if selection is not None else "")
                + ". The published CWS/13/14 figures count all 20 respondents of 2025.")
    common.option_counts_view(counts, published, f"standards-{round_}", "standards-counts", as_share)

st.subheader(f"Office x standard, {round_}")
if base:
    matrix = data.query(survey.option_matrix, section="standards", round=round_, offices=selection)
    common.matrix_view(matrix, round_, f"standards-matrix-{round_}", "standards-matrix")

st.subheader("Compare two rounds")
common.round_comparison("standards", rounds, selection, "standards-compare", what="standard")
