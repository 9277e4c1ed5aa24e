"""What is exchanged: IP rights, data types and file formats, per round and per office.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import streamlit as st

from queries import release
from ui import survey_views
from ui.common import plain
from ui.i18n import N_, _

#: Per section: tab title, matrix heading and comparison heading (msgids, whole phrases).
SECTIONS = {"ip_rights": (N_("IP rights"), N_("Office x IP rights, {round}"), N_("IP rights: compare two rounds")),
            "data_types": (N_("Data types"), N_("Office x data types, {round}"),
                           N_("Data types: compare two rounds")),
            "formats": (N_("File formats"), N_("Office x file formats, {round}"),
                        N_("File formats: compare two rounds"))}

rounds, round_, as_share, selection, base = survey_views.survey_page(
    _("What is exchanged"), ":material/swap_horiz:",
    _("On which IP rights, which types of data and in which file formats offices exchange IP data, per survey "
      "round and per office, with the figures published in CWS/13/14."))
published = survey_views.public(release.public_published_vs_computed)

if not base:
    st.info(_("No respondent of this round matches the filter."))
    st.stop()
survey_views.base_note(round_, base, selection)

for tab, (section, (title, matrix_heading, compare_heading)) in zip(
        st.tabs([_(t[0]) for t in SECTIONS.values()]), SECTIONS.items()):
    with tab:
        st.subheader(_("{section}, {round}").format(section=_(title), round=plain(round_)))
        counts = survey_views.public(release.public_option_counts, section=section, offices=selection)
        counts = counts[counts["round"] == round_]
        survey_views.option_counts_view(counts, published[published["section"] == section],
                                        f"{section}-{round_}", f"{section}-counts", as_share, label_column="label",
                                        section=section)
        st.markdown("**" + _(matrix_heading).format(round=plain(round_)) + "**")
        matrix = survey_views.public(release.public_option_matrix, section=section, round=round_, offices=selection)
        survey_views.matrix_view(matrix, round_, f"{section}-matrix-{round_}", f"{section}-matrix", column="label",
                                 section=section, selection=selection)
        st.markdown("**" + _(compare_heading) + "**")
        survey_views.round_comparison(section, rounds, selection, f"{section}-compare")
