"""Office profile helpers: the peer comparison in the page's language, the summary sentences made
only of its numbers, the office's answers per round and what changed between rounds, and the
sections of the printable report. Survey figures come through `queries.release` (via
`ui.survey_views.public`); the comparison itself is `queries.peers.compare`.
"""
from __future__ import annotations

import pandas as pd

from queries import peers, release

from . import i18n, survey_views
from .common import labelled_frame
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
