"""What is exchanged: IP rights, data types and file formats, per round and per office.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import streamlit as st

from queries import survey
from ui import auth, common, data, disclosure

SECTIONS = {"ip_rights": "IP rights", "data_types": "Data types", "formats": "File formats"}

auth.sidebar()
rounds, round_, as_share, selection, base = common.survey_page(
    "What is exchanged", ":material/swap_horiz:",
    "On which IP rights, which types of data and in which file formats offices exchange IP data, per survey "
    "round and per office, with the figures published in CWS/13/14.")
published = data.query(survey.published_vs_computed)

if not base:
    st.info("No respondent of this round matches the filter.")
    st.stop()
small_cell = disclosure.suppressed(round_, base)
common.base_note(round_, base, selection)

for tab, (section, title) in zip(st.tabs(list(SECTIONS.values())), SECTIONS.items()):
    with tab:
        st.subheader(f"{title}, {round_}")
        if small_cell:
            common.small_cell_info(base)
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
