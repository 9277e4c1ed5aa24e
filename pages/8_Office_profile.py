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
from ui import auth, common, data, disclosure, exports, i18n, key_charts, survey_views
from ui.i18n import N_, _

SECTIONS = {"standards": N_("Standards"), "ip_rights": N_("IP rights"), "data_types": N_("Data types"),
            "formats": N_("File formats"), "challenges": N_("Challenges")}
#: The peer metrics of `queries/peers.py` by key, and the peer groups (msgids).
METRIC_LABELS = {"standards_used": N_("WIPO standards used"), "ip_rights_exchanged": N_("IP rights exchanged"),
                 "data_types_exchanged": N_("Data types exchanged"), "formats_used": N_("File formats used"),
                 "challenges_reported": N_("Challenges reported"),
                 "provider_on_time_rate": N_("On-time rate as provider"),
                 "provider_missed_share": N_("Missed deliveries as provider"),
                 "provider_interruptions": N_("Interruptions as provider"),
                 "provider_completeness": N_("Field completeness as provider"),
                 "recipient_on_time_rate": N_("On-time rate of deliveries received")}
PEER_GROUP_LABELS = {"all": N_("all offices with a value"), "kind": N_("same kind"), "region": N_("same region")}
PEER_GROUP_OF = {"kind": N_("same kind ({value})"), "region": N_("same region ({value})")}

common.page(_("Office profile"), ":material/badge:")
auth.sidebar()
st.title(_("Office profile"))
st.caption(_("One office's answers and delivery record, each metric next to its peers: the peer median and the "
             "office's percentile, with the peer group stated and how many peers the comparison rests on."))
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
    st.info(_("Nothing is loaded yet: no survey answers that may be shown and no deliveries."))
    st.stop()

controls = st.columns([2, 1, 1, 1])
with controls[0]:
    office = common.url_select(_("Office"), choices, key="office", format_func=lambda c: common.office_label(c, names))
with controls[1]:
    round_ = survey_views.round_select(rounds, label=_("Survey round compared")) if rounds else None
with controls[2]:
    group = common.url_select(_("Peer group"), list(peers.PEER_GROUPS), key="peers",
                              format_func=lambda g: _(PEER_GROUP_LABELS.get(g, peers.PEER_GROUPS[g])))
with controls[3]:
    as_of = common.url_date(_("Deliveries as of (UTC)"), key="as_of", default=provenance["deliveries_as_of"])
label = common.office_label(office, names)
answer_rounds = [r for r in rounds if office in visible[r]]

# ------------------------------------------------------------------ comparison with peers

values = survey_views.public(release.public_peer_values, round=round_, as_of=as_of)
if round_ not in answer_rounds:  # no survey answer of this office that the viewer may see
    values = values[~((values["office"] == office) & (values["source"] == "survey"))]
# A peer median over fewer than k offices could single out an office without consent.
min_peers = max(peers.MIN_PEERS, disclosure.small_cell_k())
comparison = peers.compare(values, office, group, min_peers=min_peers)
own_office = data.offices().set_index("code")
if len(comparison):  # metric labels and peer groups in the page's language (the query names them in English)
    comparison["label"] = [_(METRIC_LABELS[m]) if m in METRIC_LABELS else lab
                           for m, lab in zip(comparison["metric"], comparison["label"])]
    if group in PEER_GROUP_OF and office in own_office.index:
        value = own_office.loc[office, group]
        value = _(survey_views.KIND_LABELS.get(value, value)) if group == "kind" else value
        comparison["peer_group"] = _(PEER_GROUP_OF[group]).format(value=value)
    elif group == "all":
        comparison["peer_group"] = _(PEER_GROUP_LABELS["all"])


def shown_value(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    return i18n.percent(value) if unit == "rate" else i18n.number(value)


def sentence(row) -> str:
    """A summary line made only of the numbers in the comparison table."""
    above = row.value > row.peer_median
    template = {(True, "higher"): N_("{metric}: {value}, above the peer median of {median} (higher is better; "
                                     "percentile {percentile} among {peers} peers, {group})."),
                (False, "higher"): N_("{metric}: {value}, below the peer median of {median} (higher is better; "
                                      "percentile {percentile} among {peers} peers, {group})."),
                (True, "lower"): N_("{metric}: {value}, above the peer median of {median} (lower is better; "
                                    "percentile {percentile} among {peers} peers, {group})."),
                (False, "lower"): N_("{metric}: {value}, below the peer median of {median} (lower is better; "
                                     "percentile {percentile} among {peers} peers, {group}).")}
    return _(template[(above, "higher" if row.better == "higher" else "lower")]).format(
        metric=row.label, value=shown_value(row.value, row.unit), median=shown_value(row.peer_median, row.unit),
        percentile=i18n.number(row.percentile, 0), peers=i18n.number(row.peers), group=row.peer_group)


strengths, gaps = peers.strengths_and_gaps(comparison)
summary = ([_("Strength: {sentence}").format(sentence=sentence(r)) for r in strengths.itertuples()]
           + [_("Gap: {sentence}").format(sentence=sentence(r)) for r in gaps.itertuples()])
st.subheader(_("Summary: {office}").format(office=common.plain(label)))
left, right = st.columns(2)
for column, title, rows, better in ((left, _("Strengths"), strengths, True), (right, _("Gaps"), gaps, False)):
    with column:
        st.markdown(f"**{title}**")
        for row in rows.itertuples():
            st.markdown(f"- {common.plain(sentence(row))}")
        if len(rows) < 3:
            fewer = (i18n.ngettext(
                "{count} metric better than the peer median among those compared over at least {min_peers} peers.",
                "{count} metrics better than the peer median among those compared over at least {min_peers} peers.",
                len(rows)) if better else i18n.ngettext(
                "{count} metric worse than the peer median among those compared over at least {min_peers} peers.",
                "{count} metrics worse than the peer median among those compared over at least {min_peers} peers.",
                len(rows)))
            st.caption(fewer.format(count=i18n.number(len(rows)), min_peers=i18n.number(min_peers)))

st.subheader(_("Compared with peers"))
fewer_peers = _("- (fewer than {count} peers)").format(count=i18n.number(min_peers))
table = pd.DataFrame({
    "metric": comparison["label"],
    "office": [shown_value(v, u) for v, u in zip(comparison["value"], comparison["unit"])],
    "peer median": [shown_value(v, u) if v is not None else "-" for v, u in
                    zip(comparison["peer_median"], comparison["unit"])],
    "percentile": [i18n.number(p, 1) if p is not None and pd.notna(p) else fewer_peers
                   for p in comparison["percentile"]],
    "peers": comparison["peers"],
    "peer group": comparison["peer_group"],
    "direction": comparison["better"].map({"higher": _("higher is better"), "lower": _("lower is better")}).fillna(""),
    "source": [_("survey {round}").format(round=round_) if s == "survey"
               else _("deliveries as of {date}").format(date=i18n.date(as_of)) for s in comparison["source"]],
})
if table.empty:
    st.info(_("No metric has a value for this office."))
else:
    common.show_table(table, key="table-peer-comparison")
    common.download_csv(comparison, f"peer-comparison-{office}", "peer-comparison")
st.caption(_("Peers: the other offices with a value for the metric in the peer group. Peer median: the median of "
             "their values. Percentile: the share of peers whose value is less than or equal to the office's, in "
             "percent. No median or percentile over fewer than {count} peers. Definitions: `queries/peers.py`.")
           .format(count=i18n.number(min_peers)))

# ------------------------------------------------------------------ survey answers per round

st.subheader(_("Survey answers per round"))
answers = pd.DataFrame()
changes_rows = []
if not answer_rounds:
    st.caption(_("No survey answers of this office may be shown."))
else:
    cells, english_labels = {}, {}
    for section, title in SECTIONS.items():
        for r in answer_rounds:
            matrix, english_labels[(section, r)] = i18n.option_labels(
                survey_views.public(release.public_option_matrix, section=section, round=r, offices=[office]),
                r, section)
            for direction, rows in matrix.groupby(matrix["direction"].fillna("")):
                row = _(title) + (f" ({i18n.value_label('direction', direction)})" if direction else "")
                if (rows["state"] == "no_answer").all():
                    text = _("no answer")
                elif (rows["state"] == "not_asked").all():
                    text = _("not asked")
                elif (rows["state"] == "suppressed").any():
                    text = "; ".join(t for t in (", ".join(rows.loc[rows["state"] == "yes", "label"]),
                                                  f"{_(survey_views.SUPPRESSED_TEXT)}: "
                                                  f"{i18n.number(int((rows['state'] == 'suppressed').sum()))}") if t)
                else:
                    text = ", ".join(rows.loc[rows["state"] == "yes", "label"]) or _("none ticked")
                cells.setdefault(row, {})[r] = text
    answers = pd.DataFrame.from_dict(cells, orient="index").reset_index(names="question")
    common.show_table(answers, key="table-office-answers")
    for r in answer_rounds:  # says which rounds' answer options stay in English
        note = i18n.option_labels_note(common.plain(r), sum(n for (_section, rnd), n in english_labels.items()
                                                            if rnd == r))
        if note:
            st.caption(note)
    common.download_csv(answers, f"answers-{office}", "office-answers")
    for earlier, later in zip(rounds, rounds[1:]):
        if earlier not in answer_rounds or later not in answer_rounds:
            continue
        for section, title in SECTIONS.items():
            change, _english = i18n.option_labels(
                survey_views.public(release.public_option_changes, section=section, from_round=earlier,
                                    to_round=later, offices=[office]), later, section)
            for kind in ("adopted", "dropped"):
                picked = change[change["change"] == kind]
                if len(picked):
                    changes_rows.append({"rounds": f"{earlier} -> {later}", "question": _(title), "change": _(kind),
                                         "options": ", ".join(picked["label"])})
    st.markdown("**" + _("What changed since the previous round") + "**")
    changes = pd.DataFrame(changes_rows, columns=["rounds", "question", "change", "options"])
    if changes.empty:
        st.caption(_("No option adopted or dropped between consecutive rounds this office answered "
                     "(or it answered only one round that may be shown)."))
    else:
        common.show_table(changes, key="table-office-changes")

# ------------------------------------------------------------------ deliveries: provider and recipient

#: Per side: heading, the note without schedules, and the completeness line (whole sentences).
SIDE_TEXTS = {
    "provider": (N_("As provider: what it delivers, as of {date}"),
                 N_("No scheduled delivery: this office delivers nothing on the calendar."),
                 N_("**Completeness of what it delivers**: {weak} of {total} dataset fields below {threshold} "
                    "populated.")),
    "recipient": (N_("As recipient: what it receives, as of {date}"),
                  N_("No scheduled delivery: this office receives nothing on the calendar."),
                  N_("**Completeness of what it receives**: {weak} of {total} dataset fields below {threshold} "
                     "populated.")),
}


def delivery_side(side: str):
    """The office's schedules as `side` ("provider" or "recipient") with their reliability, and
    the completeness of those deliveries; returns the table shown (None without any schedule)."""
    heading, nothing, completeness_line = SIDE_TEXTS[side]
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

# ------------------------------------------------------------------ printable report

st.subheader(_("Printable office report"))
context = key_charts.app_context(round_, as_of)
no_delivery = _("No scheduled delivery.")
sections = [(_("Compared with peers"), common.labelled_frame(table) if not table.empty
             else _("No metric has a value for this office."))]
if len(answers):
    sections.append((_("Survey answers per round"), common.labelled_frame(answers)))
    sections.append((_("What changed since the previous round"),
                     common.labelled_frame(pd.DataFrame(changes_rows)) if changes_rows
                     else _("No option adopted or dropped.")))
sections.append((_("As provider"), common.labelled_frame(provided_shown) if provided_shown is not None else no_delivery))
sections.append((_("As recipient"), common.labelled_frame(received_shown) if received_shown is not None
                 else no_delivery))
report = exports.office_report_html(
    label, summary or [_("No metric differs from the peer median over enough peers.")], sections,
    [(_("Peer group"), _(PEER_GROUP_LABELS.get(group, peers.PEER_GROUPS[group]))),
     *key_charts.provenance_rows(context)],
    _(common.ILLUSTRATIVE_TEXT) if illustrative else None)
st.download_button(_("Download office report (HTML, print to PDF)"), data=report,
                   file_name=f"office-profile-{office}.html", mime="text/html", key="download-office-report",
                   icon=":material/print:")
st.caption(_("One self-contained page with the same content, laid out for A4: open it and print (or save as PDF)."))
