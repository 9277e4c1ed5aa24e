"""Home page of the IP Data Exchange Transparency Dashboard (CWS Task No. 67).

Layout only: every figure comes from `queries` through `ui.data.query`.
Run: streamlit run dashboard.py  [-- --db PATH]
"""
import streamlit as st

import queries
from queries import release
from ui import common, data, i18n, incident_views, key_charts, open_data, page, survey_views
from ui.i18n import _

if st.query_params.get("present") == "1":  # ?present=1: the presentation view, same filters
    st.switch_page("pages/11_Presentation.py", query_params=st.query_params.to_dict())
page.page_header(_("Home"), ":material/home:",
                 _("WIPO CWS Task No. 67 · how IP data really flows between offices: standards, challenges, "
                   "completeness and delivery reliability"), "all",
                 heading=_("IP Data Exchange Transparency Dashboard"))

prov = data.provenance()
incident_views.show_ongoing_banners(prov["deliveries_as_of"])

rounds = data.query(queries.survey_rounds)
overall = data.query(queries.overall_on_time_rate, as_of=prov["deliveries_as_of"])
reconciliation = survey_views.public(release.public_published_vs_computed)

st.subheader(_("At a glance"))
columns = st.columns(len(rounds) + 3)
for column, r in zip(columns, rounds.itertuples()):
    column.metric(_("Respondents {round}").format(round=common.plain(r.round)), i18n.number(int(r.respondents)),
                  help=(_("Offices that answered the {round} survey round (illustrative)") if r.bundled
                        else _("Offices that answered the {round} survey round")).format(round=common.plain(r.round)))
rest = columns[len(rounds):]
rest[0].metric(_("Offices delivering"), i18n.number(overall["delivering_offices"]),
               help=_("Provider offices with at least one delivery in the log"))
rate = overall["on_time_rate"]
rest[1].metric(_("On-time rate, all deliveries"), i18n.percent(rate),
               help=_("{on_time} of {due} due deliveries arrived by their deadline (scheduled date + grace days, "
                      "counted in business days where the schedule says so)")
               .format(on_time=i18n.number(overall["on_time"]), due=i18n.number(overall["due"])))
rest[2].metric(_("Deliveries as of"), i18n.date(prov["deliveries_as_of"]),
               help=_("Latest delivery date in the loaded log (UTC); pending vs missed is judged at this date"))

matched = int(reconciliation["matches"].sum())
if len(reconciliation):
    message = _("{matched} of {total} aggregates published in CWS/13/14 are reproduced exactly by the loaded "
                "2025 answers.").format(matched=i18n.number(matched), total=i18n.number(len(reconciliation)))
    (st.success if matched == len(reconciliation) else st.error)(message)

left, right = st.columns(2)
with left:
    st.markdown("**" + _("Standards used, share of respondents by round") + "**")
    standards = survey_views.public(release.public_option_counts, section="standards")[
        ["round", "code", "label", "offices", "base", "share", "suppressed"]]
    common.chart(key_charts.standards_by_round_figure(standards), standards, "standards-by-round", "home-standards")
with right:
    st.markdown("**" + _("On-time rate by provider office") + "**")
    reliability = data.query(queries.delivery_reliability_by_office, as_of=prov["deliveries_as_of"])
    common.chart(key_charts.on_time_by_provider_figure(reliability, common.office_names()),
                 reliability.sort_values("on_time_rate"), "on-time-rate-by-provider", "home-reliability")

st.subheader(_("Pages"))
for page_file in page.page_files():
    st.page_link(f"pages/{page_file.name}", label=page.page_label(page_file.stem))

st.subheader(_("All public data"))
st.markdown(_("Every table the public pages show, for every published survey round and delivery period, in one "
              "download: a Frictionless Data Package (datapackage.json) with each table as CSV and Parquet, its "
              "schema, the definitions of the figures, the disclosure rules applied and the licence (CC BY 4.0 "
              "for the project's texts)."))
if prov["illustrative_survey"] or prov["illustrative_deliveries"]:
    st.caption(_("The bundled data in it is illustrative, and each table that holds it says so."))
st.caption(_("Built from the data shown now, as a first release; the versioned releases, with a changelog, are "
             "written by `python -m loaders publish`."))
open_data.all_public_data_button()
