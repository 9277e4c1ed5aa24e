"""Home page of the IP Data Exchange Transparency Dashboard (CWS Task No. 67).

Layout only: every figure comes from `queries` through `ui.data.query`.
Run: streamlit run dashboard.py  [-- --db PATH]
"""
from pathlib import Path

import pandas as pd
import streamlit as st

import queries
from ui import auth, common, data, key_charts

common.page("Home", ":material/home:")
if st.query_params.get("present") == "1":  # ?present=1: the presentation view, same filters
    st.switch_page("pages/11_Presentation.py", query_params=st.query_params.to_dict())
auth.sidebar()
st.title("IP Data Exchange Transparency Dashboard")
st.caption("WIPO CWS Task No. 67 · how IP data really flows between offices: standards, challenges, "
           "completeness and delivery reliability")

prov = data.provenance()
common.illustrative_notice(prov["illustrative_survey"] or prov["illustrative_deliveries"])

rounds = data.query(queries.survey_rounds)
overall = data.query(queries.overall_on_time_rate, as_of=prov["deliveries_as_of"])
reconciliation = data.query(queries.published_vs_computed)

st.subheader("At a glance")
columns = st.columns(len(rounds) + 3)
for column, r in zip(columns, rounds.itertuples()):
    column.metric(f"Respondents {r.round}", int(r.respondents),
                  help=f"Offices that answered the {r.round} survey round"
                       + (" (illustrative)" if r.bundled else ""))
rest = columns[len(rounds):]
rest[0].metric("Offices delivering", overall["delivering_offices"],
               help="Provider offices with at least one delivery in the log")
rate = overall["on_time_rate"]
rest[1].metric("On-time rate, all deliveries", "-" if rate is None else f"{rate:.1%}",
               help=f"{overall['on_time']} of {overall['due']} due deliveries arrived by their deadline "
                    "(scheduled date + grace days)")
rest[2].metric("Deliveries as of", str(prov["deliveries_as_of"]),
               help="Latest delivery date in the loaded log (UTC); pending vs missed is judged at this date")

matched = int(reconciliation["matches"].sum())
if len(reconciliation):
    message = (f"{matched} of {len(reconciliation)} aggregates published in CWS/13/14 are reproduced "
               "exactly by the loaded 2025 answers.")
    (st.success if matched == len(reconciliation) else st.error)(message)

left, right = st.columns(2)
with left:
    st.markdown("**Standards used, share of respondents by round**")
    standards = data.query(queries.option_counts, section="standards")[
        ["round", "code", "label", "offices", "base", "share"]]
    common.chart(key_charts.standards_by_round_figure(standards), standards, "standards-by-round", "home-standards")
with right:
    st.markdown("**On-time rate by provider office**")
    reliability = data.query(queries.delivery_reliability_by_office, as_of=prov["deliveries_as_of"])
    common.chart(key_charts.on_time_by_provider_figure(reliability, common.office_names()),
                 reliability.sort_values("on_time_rate"), "on-time-rate-by-provider", "home-reliability")

st.subheader("Pages")
def _page_order(path: Path) -> tuple:
    number = path.stem.split("_", 1)[0]
    return (int(number) if number.isdigit() else 999, path.stem)


for page_file in sorted(Path(__file__).parent.joinpath("pages").glob("*.py"), key=_page_order):
    st.page_link(f"pages/{page_file.name}", label=page_file.stem.split("_", 1)[-1].replace("_", " "))
