"""Office profile: one office's survey answers per round and what changed, its delivery
reliability and completeness as provider and what it receives as recipient, and every metric
next to the peer median and the office's percentile; a printable one-page report.

Layout only: every figure comes from `queries` (peer metrics: `queries/peers.py`) through
`ui.data.query`.
"""
import pandas as pd
import streamlit as st

from queries import completeness, delivery, peers, release
from queries.filters import DeliveryFilter
from ui import common, data, disclosure, exports, i18n, incident_views, key_charts, office_profile, page, survey_views
from ui import review as review_ui
from ui.i18n import _

who = page.page_header(_("Office profile"), ":material/badge:",
                       _("One office's answers and delivery record, each metric next to its peers: the peer median "
                         "and the office's percentile, with the peer group stated and how many peers the comparison "
                         "rests on."),
                       "all")
provenance = data.provenance()
illustrative = provenance["illustrative_survey"] or provenance["illustrative_deliveries"]

names = common.office_names()
rounds = [str(r["round"]) for r in provenance["rounds"]]
# Survey answers only of offices this viewer may see; delivery data is not subject to consent.
visible = {r: disclosure.visible_respondents(r) for r in rounds}
dimensions = data.query(delivery.delivery_dimensions)
in_deliveries = set(dimensions["provider"]) | set(dimensions["recipient"])
choices = sorted(set().union(set(), *visible.values()) | in_deliveries)
if not choices:
    st.info(_("Nothing is loaded yet: no survey answers that may be shown and no deliveries."))
    st.stop()

controls = st.columns([2, 1, 1, 1])
with controls[0]:
    office = common.url_select(_("Office"), choices, key="office", format_func=lambda c: common.office_label(c, names))
with controls[1]:
    round_ = survey_views.round_select(rounds, label=_("Survey round compared")) if rounds else None
with controls[2]:
    group = common.url_select(_("Peer group"), list(peers.PEER_GROUPS), key="peers",
                              format_func=office_profile.peer_group_label)
with controls[3]:
    as_of = common.url_date(_("Deliveries as of (UTC)"), key="as_of", default=provenance["deliveries_as_of"])
label = common.office_label(office, names)
incident_views.show_ongoing_banners(as_of, office)
answer_rounds = [r for r in rounds if office in visible[r]]

# ------------------------------------------------------------------ comparison with peers

values = survey_views.public(release.public_peer_values, round=round_, as_of=as_of)
if round_ not in answer_rounds:  # no survey answer of this office that the viewer may see
    values = values[~((values["office"] == office) & (values["source"] == "survey"))]
# A peer median over fewer than k offices could single out an office without consent.
min_peers = max(peers.MIN_PEERS, disclosure.small_cell_k())
comparison = office_profile.localized_comparison(peers.compare(values, office, group, min_peers=min_peers),
                                                 office, group, data.offices())
strengths, gaps = peers.strengths_and_gaps(comparison)
summary = office_profile.summary_lines(strengths, gaps)
st.subheader(_("Summary: {office}").format(office=common.plain(label)))
left, right = st.columns(2)
for column, title, rows, better in ((left, _("Strengths"), strengths, True), (right, _("Gaps"), gaps, False)):
    with column:
        st.markdown(f"**{title}**")
        for row in rows.itertuples():
            st.markdown(f"- {common.plain(office_profile.sentence(row))}")
        if len(rows) < 3:
            st.caption(office_profile.fewer_than_three(len(rows), better, min_peers))

st.subheader(_("Compared with peers"))
table = office_profile.comparison_table(comparison, round_, as_of, min_peers)
if table.empty:
    st.info(_("No metric has a value for this office."))
else:
    common.chart(office_profile.peer_chart(comparison, label, min_peers), office_profile.chart_frame(comparison),
                 f"peer-chart-{office}", "peer-chart")
    st.caption(_("Dot: the office's value (written next to it). Vertical mark: the peer median. Grey bar: the "
                 "middle half of the peers (25th to 75th percentile). Counts and rates have their own scales; "
                 "each row says whether higher or lower is better."))
    st.markdown("\n".join(f"- {common.plain(line)}"
                          for line in office_profile.chart_sentences(comparison, label, min_peers)))
    common.show_table(table, key="table-peer-comparison")
    common.download_csv(comparison, f"peer-comparison-{office}", "peer-comparison")
st.caption(_("Peers: the other offices with a value for the metric in the peer group. Peer median: the median of "
             "their values. Percentile: the share of peers whose value is less than or equal to the office's, in "
             "percent. No median or percentile over fewer than {count} peers. Definitions: `queries/peers.py`.")
           .format(count=i18n.number(min_peers)))

# ------------------------------------------------------------------ what would move this

st.subheader(_("What would move this: standards that similar offices use"))
if round_ is None or round_ not in answer_rounds:
    st.caption(_("No survey answers of this office in the round compared may be shown: no standard to suggest."))
else:
    twins = survey_views.public(release.public_standard_twins, round=round_, office=office, as_of=as_of)
    st.caption(_("The WIPO standards this office said in round {round} it does not use, and the offices of the same "
                 "kind or region that said they use them, with their delivery figures as provider as of {date} "
                 "(- where an office delivers nothing on the calendar). Only offices whose answers may be shown "
                 "are listed, and counted.").format(round=common.plain(round_), date=i18n.date(as_of)))
    if twins.empty:
        st.info(_("No standard to suggest: no office of the same kind or region that may be shown uses a standard "
                  "this office does not."))
    else:
        st.markdown("\n".join(f"- {common.plain(line)}" for line in office_profile.twins_summary(twins)))
        twins_shown = office_profile.twins_table(twins, names, common.office_label)
        common.show_table(twins_shown, key="table-office-twins",
                          column_config={"on_time_rate": st.column_config.NumberColumn(format="percent"),
                                         "completeness": st.column_config.NumberColumn(format="percent")})
        common.download_csv(twins, f"standards-twins-{office}", "office-twins")

# ------------------------------------------------------------------ survey answers per round

review_ui.office_contests(office, who)

st.subheader(_("Survey answers per round"))
answers = pd.DataFrame()
changes_rows = []
if not answer_rounds:
    st.caption(_("No survey answers of this office may be shown."))
else:
    answers, english_labels = office_profile.answers_by_round(office, answer_rounds)
    common.show_table(answers, key="table-office-answers")
    for r in answer_rounds:  # says which rounds' answer options stay in English
        note = i18n.option_labels_note(common.plain(r), english_labels[r])
        if note:
            st.caption(note)
    common.download_csv(answers, f"answers-{office}", "office-answers")
    changes_rows = office_profile.changes_between_rounds(office, rounds, answer_rounds)
    st.markdown("**" + _("What changed since the previous round") + "**")
    changes = pd.DataFrame(changes_rows, columns=["rounds", "question", "change", "options"])
    if changes.empty:
        st.caption(_("No option adopted or dropped between consecutive rounds this office answered "
                     "(or it answered only one round that may be shown)."))
    else:
        common.show_table(changes, key="table-office-changes")

# ------------------------------------------------------------------ deliveries: provider and recipient

def delivery_side(side: str):
    """The office's schedules as `side` ("provider" or "recipient") with their reliability, and
    the completeness of those deliveries; returns the table shown (None without any schedule)."""
    heading, nothing, completeness_line = office_profile.SIDE_TEXTS[side]
    other = "recipient" if side == "provider" else "provider"
    office_filter = DeliveryFilter(**{f"{side}s": [office]})
    st.subheader(_(heading).format(date=i18n.date(as_of)))
    schedules = data.query(delivery.schedule_scorecard, as_of=as_of, where=office_filter)
    fields = data.query(completeness.field_completeness, where=office_filter.replace(until=as_of))
    shown = None
    if schedules.empty:
        st.caption(_(nothing))
    else:
        shown = schedules.assign(**{other: [common.office_label(c, names) for c in schedules[other]]})[
            [other, "dataset", "frequency", "scheduled", "on_time", "late", "missed", "pending", "on_time_rate",
             "on_time_target", "sla_met", "stale"]]
        common.show_table(shown, key=f"table-office-{side}",
                          column_config={"on_time_rate": st.column_config.NumberColumn(format="percent"),
                                         "on_time_target": st.column_config.NumberColumn(format="percent")})
        common.download_csv(schedules, f"{side}-{office}", f"office-{side}")
    if not fields.empty:
        weak = fields[fields["below_threshold"]]
        st.markdown(_(completeness_line).format(weak=i18n.number(len(weak)), total=i18n.number(len(fields)),
                                                threshold=i18n.percent(completeness.DEFAULT_THRESHOLD, 0)))
        common.show_table(fields, key=f"table-office-{side}-fields",
                          column_config={"completeness": st.column_config.NumberColumn(format="percent")})
    return shown


provided_shown = delivery_side("provider")
received_shown = delivery_side("recipient")
incident_views.show_office_notices(office, names)

# ------------------------------------------------------------------ printable report

st.subheader(_("Printable office report"))
context = key_charts.app_context(round_, as_of)
sections = office_profile.report_sections(table, answers, changes_rows, provided_shown, received_shown)
report = exports.office_report_html(
    label, summary or [_("No metric differs from the peer median over enough peers.")], sections,
    [(_("Peer group"), office_profile.peer_group_label(group)),
     *key_charts.provenance_rows(context)],
    _(common.ILLUSTRATIVE_TEXT) if illustrative else None)
st.download_button(_("Download office report (HTML, print to PDF)"), data=report,
                   file_name=f"office-profile-{office}.html", mime="text/html", key="download-office-report",
                   icon=":material/print:")
st.caption(_("One self-contained page with the same content, laid out for A4: open it and print (or save as PDF)."))
