"""Reconciliation with CWS/13/14: every published aggregate beside the value computed from the
loaded answers, the inconsistency inside the published figures, and answers that contradict
each other within an office.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import pandas as pd
import streamlit as st

from queries import consistency, survey
from ui import auth, common, data

common.page("Published figures", ":material/fact_check:")
auth.sidebar()
st.title("Published figures and contradictions")
st.caption("Every aggregate published in WIPO document CWS/13/14 (2025 survey, 20 respondents) next to "
           "the value computed from the loaded answers, and answers that contradict each other.")
common.illustrative_notice(data.provenance()["illustrative_survey"], "survey answers")

st.subheader("Published vs computed")
reconciliation = data.query(survey.published_vs_computed)
if reconciliation.empty:
    st.info("No published figures are loaded.")
else:
    matched = int(reconciliation["matches"].sum())
    columns = st.columns(3)
    columns[0].metric("Published aggregates", len(reconciliation))
    columns[1].metric("Reproduced exactly", matched)
    columns[2].metric("Differing", len(reconciliation) - matched)
    reconciliation["status"] = [
        "matches" if r.matches else ("not in the loaded codebook" if pd.isna(r.computed)
                                     else f"differs by {int(r.difference):+d}"
                                     + ("" if r.computed_base == r.published_base
                                        else f" (base {r.computed_base} vs {r.published_base})"))
        for r in reconciliation.itertuples()]
    table = reconciliation[["round", "section", "direction", "category", "item", "code", "published",
                            "published_base", "computed", "computed_base", "difference", "status"]]
    styled = table.style.apply(
        lambda row: ["background-color: #FBE3D6" if row["status"] != "matches" else "" for _ in row], axis=1)
    st.dataframe(styled, hide_index=True, key="table-reconciliation")
    common.download_csv(table, "published-vs-computed", "reconciliation")
    (st.success if matched == len(reconciliation) else st.error)(
        f"{matched} of {len(reconciliation)} published aggregates are reproduced exactly by the loaded answers."
        + ("" if matched == len(reconciliation) else " Differing rows are highlighted with the difference."))

st.subheader("Inconsistency inside the published figures")
published_conflicts = data.query(consistency.published_contradictions)
for row in published_conflicts[published_conflicts["at_least"] > 0].itertuples():
    st.warning(f"CWS/13/14 ({row.round}): {row.premise_offices} of {row.base} respondents are counted as "
               f"\"{common.plain(row.premise_item)}\", yet {row.conflict_offices} of {row.base} report "
               f"\"{common.plain(row.conflict_item)}\". So at least {row.at_least} office(s) gave both answers "
               f"(rule `{row.rule}`). The published counts are shown as published, not smoothed.",
               icon=":material/warning:")
if not (published_conflicts["at_least"] > 0).any():
    st.caption("The published figures imply no contradiction under the rules below.")

st.subheader("Answers that contradict each other within an office")
rounds = list(data.query(survey.survey_rounds)["round"])
if not rounds:
    st.info("No survey round is loaded yet.")
    st.stop()
round_ = common.round_select(rounds)
rules = data.query(consistency.contradiction_rules)
rules = rules[rules["round"] == round_]
found = data.query(consistency.contradictions, round=round_)
named, not_named = common.named_offices(found, [round_])
names = common.office_names()
rules_table = rules.assign(
    result=["not asked in this round" if not r.asked else common.share_text(int(r.offices), int(r.base))
            for r in rules.itertuples()],
    offices_named=[", ".join(common.office_label(c, names) for c in named.loc[named["rule"] == r.rule, "office"])
                   for r in rules.itertuples()],
    not_named=[int((found["rule"] == r.rule).sum() - (named["rule"] == r.rule).sum()) for r in rules.itertuples()])
st.dataframe(rules_table[["rule", "description", "result", "offices_named", "not_named"]].rename(
                 columns={"result": "offices found (of respondents)", "offices_named": "offices",
                          "not_named": "not named (no consent)"}),
             hide_index=True, key="table-contradiction-rules")
common.download_csv(rules_table.drop(columns=["offices_named"]), f"contradiction-rules-{round_}", "contradiction-rules")
st.markdown(f"**Offices whose {round_} answers contradict each other**")
if named.empty:
    st.caption("No office that may be named.")
else:
    shown = named.assign(office=[common.office_label(c, names) for c in named["office"]])
    st.dataframe(shown[["office", "rule", "description", "evidence"]], hide_index=True,
                 key="table-contradictions")
if not_named:
    st.caption(common.not_named_text(not_named, "office with a contradiction"))
st.caption("A rule is \"not asked\" when the round's codebook lacks a question it needs (the 2025 "
           "questionnaire had no question on collecting data). A blank question never counts as a contradiction.")
