"""Standards adoption: which WIPO standards each office uses, per round, and what changed.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import streamlit as st

from queries import release
from ui import survey_views
from ui.common import plain
from ui.i18n import _

rounds, round_, as_share, selection, base = survey_views.survey_page(
    _("Standards adoption"), ":material/rule:",
    _("Which WIPO standards offices use for IP data exchange (ST.26, ST.36, ST.96, ST.97, ...), per survey "
      "round, per office, and what changed between rounds."))

st.subheader(_("Offices using each standard, {round}").format(round=plain(round_)))
if not base:
    st.info(_("No respondent of this round matches the filter."))
else:
    counts = survey_views.public(release.public_option_counts, section="standards", offices=selection)
    counts = counts[counts["round"] == round_]
    published = survey_views.public(release.public_published_vs_computed)
    published = published[published["section"] == "standards"]
    survey_views.base_note(round_, base, selection)
    survey_views.option_counts_view(counts, published, f"standards-{round_}", "standards-counts", as_share,
                              section="standards")

st.subheader(_("Office x standard, {round}").format(round=plain(round_)))
if base:
    matrix = survey_views.public(release.public_option_matrix, section="standards", round=round_, offices=selection)
    survey_views.matrix_view(matrix, round_, f"standards-matrix-{round_}", "standards-matrix", section="standards",
                             selection=selection)

st.subheader(_("Compare two rounds"))
survey_views.round_comparison("standards", rounds, selection, "standards-compare")
