"""Reconciliation with CWS/13/14: every published aggregate beside the value computed from the
loaded answers, the inconsistency inside the published figures, and answers that contradict
each other within an office.

Layout only: every figure comes from `queries` through `ui.data.query`.
"""
import pandas as pd
import streamlit as st

from queries import consistency, release, survey
from ui import common, data, i18n, page, survey_views
from ui.i18n import N_, _

#: Descriptions of the contradiction rules of `queries/consistency.py`, by rule id (msgids).
RULE_DESCRIPTIONS = {
    "shares_yet_shares_none": N_('answers yes to "actively shares IP data" but ticks the challenge "office does not '
                                 'share any IP data"'),
    "collects_yet_collects_none": N_('answers yes to "collects IP data from other offices" but ticks the challenge '
                                     '"not collecting data from others"'),
    "xml_standard_without_xml": N_("ticks the XML standard ST.96 or ST.36 but not the file format XML"),
}


def rule_description(rule: str, description: str) -> str:
    """A rule's description in the page's language (as the query gives it for an unknown rule)."""
    return _(RULE_DESCRIPTIONS[rule]) if rule in RULE_DESCRIPTIONS else description


page.page_header(_("Published figures"), ":material/fact_check:",
                 _("Every aggregate published in WIPO document CWS/13/14 (2025 survey, 20 respondents) next to "
                   "the value computed from the loaded answers, and answers that contradict each other."),
                 "survey", heading=_("Published figures and contradictions"))

st.subheader(_("Published vs computed"))
reconciliation = survey_views.public(release.public_published_vs_computed)
if reconciliation.empty:
    st.info(_("No published figures are loaded."))
else:
    matched = int(reconciliation["matches"].sum())
    columns = st.columns(3)
    columns[0].metric(_("Published aggregates"), i18n.number(len(reconciliation)))
    columns[1].metric(_("Reproduced exactly"), i18n.number(matched))
    columns[2].metric(_("Differing"), i18n.number(len(reconciliation) - matched))
    matches_text = _("matches")
    reconciliation["status"] = [
        matches_text if r.matches else _(survey_views.SUPPRESSED_TEXT) if r.suppressed else (
            _("not in the loaded codebook") if pd.isna(r.computed)
            else (_("differs by {difference}") if r.computed_base == r.published_base
                  else _("differs by {difference} (base {computed_base} vs {published_base})")).format(
                difference=f"{int(r.difference):+d}", computed_base=r.computed_base, published_base=r.published_base))
        for r in reconciliation.itertuples()]
    table = reconciliation[["round", "section", "direction", "category", "item", "code", "published",
                            "published_base", "computed", "computed_base", "difference", "status"]]
    styled = table.style.apply(
        lambda row: ["background-color: #FBE3D6" if row["status"] != matches_text else "" for _cell in row], axis=1)
    common.show_table(styled, key="table-reconciliation")
    common.download_csv(table, "published-vs-computed", "reconciliation")
    total = len(reconciliation)
    (st.success if matched == total else st.error)(
        _("{matched} of {total} published aggregates are reproduced exactly by the loaded answers.").format(
            matched=i18n.number(matched), total=i18n.number(total))
        + ("" if matched == total else " " + _("Differing rows are highlighted with the difference.")))

st.subheader(_("Inconsistency inside the published figures"))
published_conflicts = data.query(consistency.published_contradictions)
for row in published_conflicts[published_conflicts["at_least"] > 0].itertuples():
    st.warning(_("CWS/13/14 ({round}): {premise} of {base} respondents are counted as \"{premise_item}\", yet "
                 "{conflict} of {base} report \"{conflict_item}\". So at least {at_least} office(s) gave both "
                 "answers (rule `{rule}`). The published counts are shown as published, not smoothed.").format(
                   round=row.round, premise=row.premise_offices, base=row.base,
                   premise_item=common.plain(row.premise_item), conflict=row.conflict_offices,
                   conflict_item=common.plain(row.conflict_item), at_least=row.at_least, rule=row.rule),
               icon=":material/warning:")
if not (published_conflicts["at_least"] > 0).any():
    st.caption(_("The published figures imply no contradiction under the rules below."))

st.subheader(_("Answers that contradict each other within an office"))
rounds = list(data.query(survey.survey_rounds)["round"])
if not rounds:
    st.info(_("No survey round is loaded yet."))
    st.stop()
round_ = survey_views.round_select(rounds)
rules = survey_views.public(release.public_contradiction_rules)
rules = rules[rules["round"] == round_]
named = survey_views.public(release.public_contradictions, round=round_)
names = common.office_names()
rules_table = rules.assign(
    description=[rule_description(r.rule, r.description) for r in rules.itertuples()],
    result=[_("not asked in this round") if not r.asked else survey_views.share_text(int(r.offices), int(r.base))
            for r in rules.itertuples()],
    offices_named=[", ".join(common.office_label(c, names) for c in named.loc[named["rule"] == r.rule, "office"])
                   for r in rules.itertuples()])
common.show_table(rules_table[["rule", "description", "result", "offices_named"]].rename(
                      columns={"result": _("offices found (of respondents)"), "offices_named": "offices"}),
                  key="table-contradiction-rules")
common.download_csv(rules_table.drop(columns=["offices_named"]), f"contradiction-rules-{round_}", "contradiction-rules")
st.markdown("**" + _("Offices whose {round} answers contradict each other").format(round=common.plain(round_)) + "**")
if named.empty:
    st.caption(_("No office that may be named."))
else:
    shown = named.assign(office=[common.office_label(c, names) for c in named["office"]],
                         description=[rule_description(r.rule, r.description) for r in named.itertuples()])
    common.show_table(shown[["office", "rule", "description", "evidence"]], key="table-contradictions")
if survey_views.not_named_text(round_):
    st.caption(_("Contradictions are looked for among the offices that consented to publication of their "
                 "answers; an office with a suppressed answer that a rule reads is left out of that rule."))
st.caption(_("A rule is \"not asked\" when the round's codebook lacks a question it needs (the 2025 "
             "questionnaire had no question on collecting data). A blank question never counts as a contradiction."))
