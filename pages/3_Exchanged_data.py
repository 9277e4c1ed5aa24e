"""What is exchanged: IP rights, data types and file formats, per round and per office.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import streamlit as st

from queries import survey
from ui import common, data, disclosure

SECTIONS = {"ip_rights": "IP rights", "data_types": "Data types", "formats": "File formats"}

common.page("What is exchanged", ":material/swap_horiz:")
st.title("What is exchanged")
st.caption("On which IP rights, which types of data and in which file formats offices exchange IP data, "
           "per survey round and per office, with the figures published in CWS/13/14.")
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
selection = common.office_filter()
base = common.respondents(round_, selection)
published = data.query(survey.published_vs_computed)

if not base:
    st.info("No respondent of this round matches the filter.")
    st.stop()
small_cell = disclosure.suppressed(round_, base)
st.markdown(f"Base: **{len(base)} respondents** of the {round_} round"
            + (" in the filter" if selection is not None else "")
            + ". The published CWS/13/14 figures count all 20 respondents of 2025.")

for tab, (section, title) in zip(st.tabs(list(SECTIONS.values())), SECTIONS.items()):
    with tab:
        st.subheader(f"{title}, {round_}")
        if small_cell:
            st.info(f"Counts {common.SMALL_CELL_TEXT}: the filter leaves {len(base)} respondent(s), too few "
                    "to show without singling out an office that did not consent to publication.")
        else:
            counts = data.query(survey.option_counts, section=section, offices=selection)
            counts = counts[counts["round"] == round_]
            common.option_counts_view(counts, published[published["section"] == section],
                                      f"{section}-{round_}", f"{section}-counts", as_share, label_column="label")
        st.markdown(f"**Office x {title.lower()}, {round_}**")
        matrix = data.query(survey.option_matrix, section=section, round=round_, offices=selection)
        common.matrix_view(matrix, round_, f"{section}-matrix-{round_}", f"{section}-matrix", column="label")
        st.markdown(f"**{title}: compare two rounds**")
        common.round_comparison(section, rounds, selection, f"{section}-compare", what=title.lower()[:-1])
