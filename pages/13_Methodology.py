"""Methodology: every definition (the metric registry and its docstrings, as in docs/metrics.md),
the disclosure rules, how an office contests an entry, and what changed between rounds'
questionnaires.

Layout only: the parts are drawn by `ui.methodology`, from `queries.registry` and `queries`.
"""
import streamlit as st

from ui import methodology, page
from ui.i18n import _

page.page_header(_("Methodology"), ":material/menu_book:",
                 _("How every figure of the dashboard is defined and computed, what is shown of offices that did "
                   "not consent to publication, how an office contests an entry, and what changed between the "
                   "survey rounds' questionnaires."), "survey")

st.header(_("Definitions"), anchor="definitions")
st.markdown(_("Every figure comes from one function of the metric layer, one SQL query each. Its description "
              "below says exactly what it counts, with its arguments and the columns it returns."))
methodology.show_definitions()

st.header(_("Disclosure rules"), anchor="disclosure")
methodology.show_disclosure_rules()

st.header(_("How to contest an entry"), anchor="contest")
methodology.show_contest_process()

st.header(_("What changed between rounds' questionnaires"), anchor="questionnaires")
methodology.show_questionnaire_changes()
