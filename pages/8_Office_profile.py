"""Office profile: one office's survey answers per round and what changed, its delivery
reliability and completeness as provider and what it receives as recipient, and every metric
next to the peer median and the office's percentile; a printable one-page report.

Layout only: every figure comes from `queries` (peer metrics: `queries/peers.py`) through
`ui.data.query`.
"""
import pandas as pd
import streamlit as st

from queries import completeness, delivery, peers, survey
from ui import auth, common, data, disclosure, exports, key_charts

SECTIONS = {"standards": "Standards", "ip_rights": "IP rights", "data_types": "Data types",
            "formats": "File formats", "challenges": "Challenges"}

common.page("Office profile", ":material/badge:")
auth.sidebar()
st.title("Office profile")
st.caption("One office's answers and delivery record, each metric next to its peers: the peer median and the "
           "office's percentile, with the peer group stated and how many peers the comparison rests on.")
provenance = data.provenance()
illustrative = provenance["illustrative_survey"] or provenance["illustrative_deliveries"]
common.illustrative_notice(illustrative)

names = common.office_names()
rounds = [str(r["round"]) for r in provenance["rounds"]]
# Survey answers only of offices this viewer may see; delivery data is not subject to consent.
visible = {r: disclosure.visible_respondents(r) for r in rounds}
dimensions = data.query(delivery.delivery_dimensions)
in_deliveries = set(dimensions["provider"]) | set(dimensions["recipient"])
choices = sorted(set().union(set(), *visible.values()) | in_deliveries)
if not choices:
    st.info("Nothing is loaded yet: no survey answers that may be shown and no deliveries.")
    st.stop()

controls = st.columns([2, 1, 1, 1])
with controls[0]:
    office = common.url_select("Office", choices, key="office", format_func=lambda c: common.office_label(c, names))
with controls[1]:
    round_ = common.round_select(rounds, label="Survey round compared") if rounds else None
with controls[2]:
    group = common.url_select("Peer group", list(peers.PEER_GROUPS), key="peers",
                              format_func=lambda g: peers.PEER_GROUPS[g])
with controls[3]:
    as_of = common.url_date("Deliveries as of (UTC)", key="as_of", default=provenance["deliveries_as_of"])
label = common.office_label(office, names)
answer_rounds = [r for r in rounds if office in visible[r]]

# ------------------------------------------------------------------ comparison with peers

values = data.query(peers.metric_values, round=round_, as_of=as_of)
if round_ not in answer_rounds:  # no survey answer of this office that the viewer may see
    values = values[~((values["office"] == office) & (values["source"] == "survey"))]
# A peer median over fewer than k offices could single out an office without consent.
min_peers = max(peers.MIN_PEERS, disclosure.small_cell_k())
comparison = peers.compare(values, office, group, min_peers=min_peers)


def shown_value(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    return f"{value:.1%}" if unit == "rate" else f"{value:g}"


def sentence(row) -> str:
    """A summary line made only of the numbers in the comparison table."""
    side = "above" if row.value > row.peer_median else "below"
    direction = "higher is better" if row.better == "higher" else "lower is better"
    return (f"{row.label}: {shown_value(row.value, row.unit)}, {side} the peer median of "
            f"{shown_value(row.peer_median, row.unit)} ({direction}; percentile {row.percentile:.0f} "
            f"among {row.peers} peers, {row.peer_group}).")


strengths, gaps = peers.strengths_and_gaps(comparison)
summary = ([f"Strength: {sentence(r)}" for r in strengths.itertuples()]
           + [f"Gap: {sentence(r)}" for r in gaps.itertuples()])
st.subheader(f"Summary: {common.plain(label)}")
left, right = st.columns(2)
for column, title, rows in ((left, "Strengths", strengths), (right, "Gaps", gaps)):
    with column:
        st.markdown(f"**{title}**")
        for row in rows.itertuples():
            st.markdown(f"- {common.plain(sentence(row))}")
        if len(rows) < 3:
            st.caption(f"{len(rows)} metric(s) {'better' if title == 'Strengths' else 'worse'} than the peer "
                       f"median among those compared over at least {min_peers} peers.")

st.subheader("Compared with peers")
table = pd.DataFrame({
    "metric": comparison["label"],
    "office": [shown_value(v, u) for v, u in zip(comparison["value"], comparison["unit"])],
    "peer median": [shown_value(v, u) if v is not None else "-" for v, u in
                    zip(comparison["peer_median"], comparison["unit"])],
    "percentile": [f"{p:.1f}" if p is not None and pd.notna(p) else f"- (fewer than {min_peers} peers)"
                   for p in comparison["percentile"]],
    "peers": comparison["peers"],
    "peer group": comparison["peer_group"],
    "direction": comparison["better"].map({"higher": "higher is better", "lower": "lower is better"}).fillna(""),
    "source": [f"survey {round_}" if s == "survey" else f"deliveries as of {as_of}" for s in comparison["source"]],
})
if table.empty:
    st.info("No metric has a value for this office.")
else:
    st.dataframe(table, hide_index=True, key="table-peer-comparison")
    common.download_csv(comparison, f"peer-comparison-{office}", "peer-comparison")
st.caption(f"Peers: the other offices with a value for the metric in the peer group. Peer median: the median of "
           f"their values. Percentile: the share of peers whose value is less than or equal to the office's, in "
           f"percent. No median or percentile over fewer than {min_peers} peers. Definitions: `queries/peers.py`.")

# ------------------------------------------------------------------ survey answers per round

st.subheader("Survey answers per round")
answers = pd.DataFrame()
changes_rows = []
if not answer_rounds:
    st.caption("No survey answers of this office may be shown.")
else:
    cells = {}
    for section, title in SECTIONS.items():
        for r in answer_rounds:
            matrix = data.query(survey.option_matrix, section=section, round=r, offices=[office])
            for direction, rows in matrix.groupby(matrix["direction"].fillna("")):
                row = f"{title}" + (f" ({direction})" if direction else "")
                if (rows["state"] == "no_answer").all():
                    text = "no answer"
                elif (rows["state"] == "not_asked").all():
                    text = "not asked"
                else:
                    text = ", ".join(rows.loc[rows["state"] == "yes", "label"]) or "none ticked"
                cells.setdefault(row, {})[r] = text
    answers = pd.DataFrame.from_dict(cells, orient="index").reset_index(names="question")
    st.dataframe(answers, hide_index=True, key="table-office-answers")
    common.download_csv(answers, f"answers-{office}", "office-answers")
    for earlier, later in zip(rounds, rounds[1:]):
        if earlier not in answer_rounds or later not in answer_rounds:
            continue
        for section, title in SECTIONS.items():
            change = data.query(survey.option_changes, section=section, from_round=earlier, to_round=later,
                                offices=[office])
            for kind in ("adopted", "dropped"):
                picked = change[change["change"] == kind]
                if len(picked):
                    changes_rows.append({"rounds": f"{earlier} -> {later}", "question": title, "change": kind,
                                         "options": ", ".join(picked["label"])})
    st.markdown("**What changed since the previous round**")
    changes = pd.DataFrame(changes_rows, columns=["rounds", "question", "change", "options"])
    if changes.empty:
        st.caption("No option adopted or dropped between consecutive rounds this office answered "
                   "(or it answered only one round that may be shown).")
    else:
        st.dataframe(changes, hide_index=True, key="table-office-changes")

# ------------------------------------------------------------------ deliveries: provider and recipient

def delivery_side(side: str, heading: str, verb: str):
    """The office's schedules as `side` ("provider" or "recipient") with their reliability, and
    the completeness of those deliveries; returns the table shown (None without any schedule)."""
    other = "recipient" if side == "provider" else "provider"
    office_filter = {f"{side}s": [office]}
    st.subheader(f"{heading}, as of {as_of}")
    schedules = data.query(delivery.schedule_scorecard, as_of=as_of, **office_filter)
    fields = data.query(completeness.field_completeness, until=as_of, **office_filter)
    shown = None
    if schedules.empty:
        st.caption(f"No scheduled delivery: this office {verb} nothing on the calendar.")
    else:
        shown = schedules.assign(**{other: [common.office_label(c, names) for c in schedules[other]]})[
            [other, "dataset", "frequency", "scheduled", "on_time", "late", "missed", "pending", "on_time_rate",
             "on_time_target", "sla_met", "stale"]]
        st.dataframe(shown, hide_index=True, key=f"table-office-{side}",
                     column_config={"on_time_rate": st.column_config.NumberColumn("on-time rate", format="percent"),
                                    "on_time_target": st.column_config.NumberColumn("target", format="percent")})
        common.download_csv(schedules, f"{side}-{office}", f"office-{side}")
    if not fields.empty:
        weak = fields[fields["below_threshold"]]
        st.markdown(f"**Completeness of what it {verb}**: {len(weak)} of {len(fields)} dataset fields below "
                    f"{completeness.DEFAULT_THRESHOLD:.0%} populated.")
        st.dataframe(fields, hide_index=True, key=f"table-office-{side}-fields",
                     column_config={"completeness": st.column_config.NumberColumn(format="percent")})
    return shown


provided_shown = delivery_side("provider", "As provider: what it delivers", "delivers")
received_shown = delivery_side("recipient", "As recipient: what it receives", "receives")

# ------------------------------------------------------------------ printable report

st.subheader("Printable office report")
context = key_charts.app_context(round_, as_of)
sections = [("Compared with peers", table if not table.empty else "No metric has a value for this office.")]
if len(answers):
    sections.append(("Survey answers per round", answers))
    sections.append(("What changed since the previous round",
                     pd.DataFrame(changes_rows) if changes_rows else "No option adopted or dropped."))
sections.append(("As provider", provided_shown if provided_shown is not None else "No scheduled delivery."))
sections.append(("As recipient", received_shown if received_shown is not None else "No scheduled delivery."))
report = exports.office_report_html(
    label, summary or ["No metric differs from the peer median over enough peers."], sections,
    [("Peer group", peers.PEER_GROUPS[group]), *key_charts.provenance_rows(context)],
    common.ILLUSTRATIVE_TEXT if illustrative else None)
st.download_button("Download office report (HTML, print to PDF)", data=report,
                   file_name=f"office-profile-{office}.html", mime="text/html", key="download-office-report",
                   icon=":material/print:")
st.caption("One self-contained page with the same content, laid out for A4: open it and print (or save as PDF).")
