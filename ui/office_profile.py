"""Office profile helpers: the peer comparison in the page's language, the summary sentences made
only of its numbers, the office's answers per round and what changed between rounds, and the
sections of the printable report; the dot-and-range chart of the office against its peers and
its sentences; the standards "twins" table. Survey figures come through `queries.release` (via
`ui.survey_views.public`); the comparison itself is `queries.peers.compare`.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from queries import peers, release

from . import i18n, survey_views
from .common import SERIES_COLOURS, chart_text, labelled_frame
from .i18n import N_, _

SECTIONS = {"standards": N_("Standards"), "ip_rights": N_("IP rights"), "data_types": N_("Data types"),
            "formats": N_("File formats"), "challenges": N_("Challenges")}
#: A peer group named with the office's kind or region (the query's own words are English).
PEER_GROUP_OF = {"kind": N_("same kind ({value})"), "region": N_("same region ({value})")}

#: Summary sentences by (above the median, better direction) (msgids, whole sentences).
SENTENCES = {(True, "higher"): N_("{metric}: {value}, above the peer median of {median} (higher is better; "
                                  "percentile {percentile} among {peers} peers, {group})."),
             (False, "higher"): N_("{metric}: {value}, below the peer median of {median} (higher is better; "
                                   "percentile {percentile} among {peers} peers, {group})."),
             (True, "lower"): N_("{metric}: {value}, above the peer median of {median} (lower is better; "
                                 "percentile {percentile} among {peers} peers, {group})."),
             (False, "lower"): N_("{metric}: {value}, below the peer median of {median} (lower is better; "
                                  "percentile {percentile} among {peers} peers, {group}).")}

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


def peer_group_label(group: str) -> str:
    """A peer group ("all", "kind", "region") in the page's language."""
    return _(peers.PEER_GROUPS[group])


def localized_comparison(comparison: pd.DataFrame, office: str, group: str, offices: pd.DataFrame) -> pd.DataFrame:
    """`comparison` (`queries.peers.compare`) with its metric labels and peer group in the page's
    language (the query names them in English); `offices` is the ST.3 office list."""
    if not len(comparison):
        return comparison
    comparison = comparison.copy()
    comparison["label"] = [_(label) for label in comparison["label"]]
    own_office = offices.set_index("code")
    if group in PEER_GROUP_OF and office in own_office.index:
        value = own_office.loc[office, group]
        value = _(survey_views.KIND_LABELS.get(value, value)) if group == "kind" else value
        comparison["peer_group"] = _(PEER_GROUP_OF[group]).format(value=value)
    elif group == "all":
        comparison["peer_group"] = _(peers.PEER_GROUPS["all"])
    return comparison


def shown_value(value, unit: str) -> str:
    if value is None or pd.isna(value):
        return "-"
    return i18n.percent(value) if unit == "rate" else i18n.number(value)


def sentence(row) -> str:
    """A summary line made only of the numbers in the comparison table."""
    above = row.value > row.peer_median
    return _(SENTENCES[(above, "higher" if row.better == "higher" else "lower")]).format(
        metric=row.label, value=shown_value(row.value, row.unit), median=shown_value(row.peer_median, row.unit),
        percentile=i18n.number(row.percentile, 0), peers=i18n.number(row.peers), group=row.peer_group)


def summary_lines(strengths: pd.DataFrame, gaps: pd.DataFrame) -> list[str]:
    """The report's summary: a line per strength, then per gap."""
    return ([_("Strength: {sentence}").format(sentence=sentence(r)) for r in strengths.itertuples()]
            + [_("Gap: {sentence}").format(sentence=sentence(r)) for r in gaps.itertuples()])


def fewer_than_three(count: int, better: bool, min_peers: int) -> str:
    """Says how many metrics are better (or worse) than the peer median, when fewer than three."""
    fewer = (i18n.ngettext(
        "{count} metric better than the peer median among those compared over at least {min_peers} peers.",
        "{count} metrics better than the peer median among those compared over at least {min_peers} peers.",
        count) if better else i18n.ngettext(
        "{count} metric worse than the peer median among those compared over at least {min_peers} peers.",
        "{count} metrics worse than the peer median among those compared over at least {min_peers} peers.",
        count))
    return fewer.format(count=i18n.number(count), min_peers=i18n.number(min_peers))


def comparison_table(comparison: pd.DataFrame, round_, as_of, min_peers: int) -> pd.DataFrame:
    """The comparison as the page shows it: every value formatted, the direction and the source."""
    fewer_peers = _("- (fewer than {count} peers)").format(count=i18n.number(min_peers))
    return pd.DataFrame({
        "metric": comparison["label"],
        "office": [shown_value(v, u) for v, u in zip(comparison["value"], comparison["unit"])],
        "peer median": [shown_value(v, u) if v is not None else "-" for v, u in
                        zip(comparison["peer_median"], comparison["unit"])],
        "percentile": [i18n.number(p, 1) if p is not None and pd.notna(p) else fewer_peers
                       for p in comparison["percentile"]],
        "peers": comparison["peers"],
        "peer group": comparison["peer_group"],
        "direction": comparison["better"].map({"higher": _("higher is better"),
                                               "lower": _("lower is better")}).fillna(""),
        "source": [_("survey {round}").format(round=round_) if s == "survey"
                   else _("deliveries as of {date}").format(date=i18n.date(as_of)) for s in comparison["source"]],
    })


def _answer_text(rows: pd.DataFrame) -> str:
    """One question's answer of one round: the options ticked, or why there are none."""
    if (rows["state"] == "no_answer").all():
        return _("no answer")
    if (rows["state"] == "not_asked").all():
        return _("not asked")
    if (rows["state"] == "suppressed").any():
        return "; ".join(t for t in (", ".join(rows.loc[rows["state"] == "yes", "label"]),
                                      f"{_(survey_views.SUPPRESSED_TEXT)}: "
                                      f"{i18n.number(int((rows['state'] == 'suppressed').sum()))}") if t)
    return ", ".join(rows.loc[rows["state"] == "yes", "label"]) or _("none ticked")


def answers_by_round(office: str, answer_rounds: list[str]) -> tuple[pd.DataFrame, dict[str, int]]:
    """The office's answers, a row per question (and direction) and a column per round, and per
    round how many answer options stay in English (no label in the page's language)."""
    cells, english = {}, {}
    for section, title in SECTIONS.items():
        for r in answer_rounds:
            matrix, untranslated = survey_views.option_labels(
                survey_views.public(release.public_option_matrix, section=section, round=r, offices=[office]),
                r, section)
            english[r] = english.get(r, 0) + untranslated
            for direction, rows in matrix.groupby(matrix["direction"].fillna("")):
                row = _(title) + (f" ({i18n.value_label('direction', direction)})" if direction else "")
                cells.setdefault(row, {})[r] = _answer_text(rows)
    return pd.DataFrame.from_dict(cells, orient="index").reset_index(names="question"), english


def changes_between_rounds(office: str, rounds: list[str], answer_rounds: list[str]) -> list[dict]:
    """The options the office adopted or dropped between consecutive rounds it answered."""
    changes = []
    for earlier, later in zip(rounds, rounds[1:]):
        if earlier not in answer_rounds or later not in answer_rounds:
            continue
        for section, title in SECTIONS.items():
            change, _english = survey_views.option_labels(
                survey_views.public(release.public_option_changes, section=section, from_round=earlier,
                                    to_round=later, offices=[office]), later, section)
            for kind in ("adopted", "dropped"):
                picked = change[change["change"] == kind]
                if len(picked):
                    changes.append({"rounds": f"{earlier} -> {later}", "question": _(title), "change": _(kind),
                                    "options": ", ".join(picked["label"])})
    return changes


def report_sections(table: pd.DataFrame, answers: pd.DataFrame, changes: list[dict],
                    provided: pd.DataFrame | None, received: pd.DataFrame | None) -> list[tuple]:
    """The printable report's (heading, table or sentence) sections, in the page's order."""
    no_delivery = _("No scheduled delivery.")
    sections = [(_("Compared with peers"), labelled_frame(table) if not table.empty
                 else _("No metric has a value for this office."))]
    if len(answers):
        sections.append((_("Survey answers per round"), labelled_frame(answers)))
        sections.append((_("What changed since the previous round"),
                         labelled_frame(pd.DataFrame(changes)) if changes else _("No option adopted or dropped.")))
    sections.append((_("As provider"), labelled_frame(provided) if provided is not None else no_delivery))
    sections.append((_("As recipient"), labelled_frame(received) if received is not None else no_delivery))
    return sections


# ------------------------------------------------------------------ dot-and-range chart

#: The direction of "better" per metric, in words (the chart marks it with a sign and these words).
DIRECTION_TEXTS = {"higher": N_("higher is better"), "lower": N_("lower is better"),
                   None: N_("no better or worse direction")}
DIRECTION_SIGNS = {"higher": "\u25b2", "lower": "\u25bc", None: "\u25c6"}  # up, down triangle; diamond
#: The chart's panels: counts and rates never share a scale.
PANELS = (("count", N_("Counts")), ("rate", N_("Rates")))
IQR_COLOUR, MEDIAN_COLOUR = "#BBBBBB", "#000000"


def direction_text(better) -> str:
    return _(DIRECTION_TEXTS.get(better if isinstance(better, str) else None))


def _row_label(row) -> str:
    better = row.better if isinstance(row.better, str) else None
    return f"{chart_text(row.label)}<br>{DIRECTION_SIGNS[better]} {chart_text(direction_text(better))}"


def chart_frame(comparison: pd.DataFrame) -> pd.DataFrame:
    """The data behind the chart, one row per metric: exactly the comparison's numbers."""
    return pd.DataFrame({
        "metric": comparison["label"], "direction": [direction_text(b) for b in comparison["better"]],
        "unit": comparison["unit"], "value": comparison["value"], "peer_p25": comparison["peer_p25"],
        "peer_median": comparison["peer_median"], "peer_p75": comparison["peer_p75"],
        "peers": comparison["peers"], "peer_group": comparison["peer_group"]})


def _has(value) -> bool:
    return value is not None and not pd.isna(value)


def peer_chart(comparison: pd.DataFrame, office: str, min_peers: int) -> go.Figure:
    """One row per metric of `comparison` (`queries.peers.compare`, localized): the office's value
    as a dot labelled with it, the peer median as a vertical mark and the interquartile range of
    the peers as a bar; counts and rates in their own panels. Without `min_peers` peers a row has
    the dot only. Marks differ by shape, and the direction of "better" is written on each row."""
    panels = [(unit, title) for unit, title in PANELS if (comparison["unit"] == unit).any()]
    heights = [int((comparison["unit"] == unit).sum()) for unit, _title in panels]
    fig = make_subplots(rows=len(panels), cols=1, subplot_titles=[_(t) for _u, t in panels],
                        row_heights=heights, vertical_spacing=0.25 / max(len(panels), 1))
    office_name = chart_text(office)
    few = chart_text(_("fewer than {count} peers: no peer median or range").format(count=i18n.number(min_peers)))
    for index, (unit, _title) in enumerate(panels, start=1):
        rows = comparison[comparison["unit"] == unit]
        labels = [_row_label(r) for r in rows.itertuples()]
        shown = [shown_value(v, unit) for v in rows["value"]]
        ranged = [_has(p) for p in rows["peer_p25"]]
        first = index == 1
        fig.add_bar(
            y=[lab for lab, r in zip(labels, ranged) if r], orientation="h",
            base=[float(v) for v, r in zip(rows["peer_p25"], ranged) if r],
            x=[float(hi) - float(lo) for lo, hi, r in zip(rows["peer_p25"], rows["peer_p75"], ranged) if r],
            name=_("Peers' middle half (25th to 75th percentile)"), legendgroup="iqr", showlegend=first,
            marker=dict(color=IQR_COLOUR, line=dict(color="#555555", width=1)), width=0.32,
            customdata=[[shown_value(lo, unit), shown_value(hi, unit), i18n.number(n)]
                        for lo, hi, n, r in zip(rows["peer_p25"], rows["peer_p75"], rows["peers"], ranged) if r],
            hovertemplate="%{y}<br>" + chart_text(_("Peers' middle half")) + ": %{customdata[0]} - %{customdata[1]}"
                          " (%{customdata[2]} " + chart_text(_("peers")) + ")<extra></extra>",
            row=index, col=1)
        fig.add_scatter(
            y=[lab for lab, r in zip(labels, ranged) if r],
            x=[float(m) for m, r in zip(rows["peer_median"], ranged) if r], mode="markers",
            name=_("Peer median"), legendgroup="median", showlegend=first,
            marker=dict(symbol="line-ns", size=15, line=dict(color=MEDIAN_COLOUR, width=3)),
            customdata=[[shown_value(m, unit)] for m, r in zip(rows["peer_median"], ranged) if r],
            hovertemplate="%{y}<br>" + chart_text(_("Peer median")) + ": %{customdata[0]}<extra></extra>",
            row=index, col=1)
        fig.add_scatter(
            y=labels, x=[float(v) for v in rows["value"]], mode="markers+text", text=shown,
            textposition="top center", cliponaxis=False, name=office_name,
            legendgroup="office", showlegend=first,
            textfont=dict(shadow="0 0 3px #FFFFFF, 0 0 3px #FFFFFF"),  # readable over the median mark
            marker=dict(symbol="circle", size=13, color=SERIES_COLOURS[0], line=dict(color="#FFFFFF", width=1)),
            customdata=[[s if r else f"{s} ({few})"] for s, r in zip(shown, ranged)],
            hovertemplate="%{y}<br>" + office_name + ": %{customdata[0]}<extra></extra>", row=index, col=1)
        fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1], row=index, col=1)
        fig.update_xaxes(rangemode="tozero", tickformat=".0%" if unit == "rate" else None, row=index, col=1)
    fig.update_layout(title=_("{office} against its peers: median and middle half").format(office=office_name),
                      height=130 + 55 * len(comparison) + 40 * len(panels), barmode="overlay")
    return fig


def chart_sentences(comparison: pd.DataFrame, office: str, min_peers: int) -> list[str]:
    """The chart in words, a sentence per row, made only of the comparison's numbers."""
    sentences = []
    for row in comparison.itertuples():
        values = dict(metric=row.label, direction=direction_text(row.better), office=office,
                      value=shown_value(row.value, row.unit), peers=i18n.number(row.peers), group=row.peer_group)
        if _has(row.peer_median):
            sentences.append(i18n.ngettext(
                "{metric} ({direction}): {office} {value}; peer median {median}, middle half of the peers from "
                "{low} to {high} ({peers} peer, {group}).",
                "{metric} ({direction}): {office} {value}; peer median {median}, middle half of the peers from "
                "{low} to {high} ({peers} peers, {group}).", int(row.peers)).format(
                median=shown_value(row.peer_median, row.unit), low=shown_value(row.peer_p25, row.unit),
                high=shown_value(row.peer_p75, row.unit), **values))
        else:
            sentences.append(i18n.ngettext(
                "{metric} ({direction}): {office} {value}; {peers} peer ({group}), fewer than {count}: no peer "
                "median or range.",
                "{metric} ({direction}): {office} {value}; {peers} peers ({group}), fewer than {count}: no peer "
                "median or range.", int(row.peers)).format(count=i18n.number(min_peers), **values))
    return sentences


# ------------------------------------------------------------------ what would move this

def twins_table(twins: pd.DataFrame, names: dict[str, str], office_label) -> pd.DataFrame:
    """`queries.peers.standard_twins` of one office as the page shows it: the standard, the office
    that uses it, what it shares with the office (kind, region or both), its delivery figures."""
    groups = []
    for row in twins.itertuples():
        shared = []
        if row.same_kind:
            shared.append(_(PEER_GROUP_OF["kind"]).format(value=_(survey_views.KIND_LABELS.get(row.kind, row.kind))))
        if row.same_region:
            shared.append(_(PEER_GROUP_OF["region"]).format(value=row.region))
        groups.append("; ".join(shared))
    return pd.DataFrame({"standard": twins["label"], "office": [office_label(c, names) for c in twins["twin"]],
                         "peer_group": groups, "on_time_rate": twins["on_time_rate"],
                         "completeness": twins["completeness"]})


def twins_summary(twins: pd.DataFrame) -> list[str]:
    """A line per missing standard: how many of the offices listed use it (only those listed)."""
    counts = twins.groupby(["code", "label"], sort=False).size()
    return [i18n.ngettext("{standard}: used by {count} office of the same kind or region listed below.",
                          "{standard}: used by {count} offices of the same kind or region listed below.",
                          int(n)).format(standard=label, count=i18n.number(int(n)))
            for (_code, label), n in counts.items()]
