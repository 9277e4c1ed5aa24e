"""Survey page helpers: round and office filters in the URL, counts beside the published
figures, office x option matrices, round comparisons (like-for-like on a toggle in the URL, with
the questionnaire changes beside them), and the disclosure notes they need."""
from __future__ import annotations

from typing import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from queries import comparison, labels, release
from queries import survey as survey_queries

from . import data, disclosure, i18n, key_charts, methodology
from .common import (
    ANSWER_COLOURS,
    ANSWER_LABELS,
    PUBLISHED_COLOUR,
    SERIES_COLOURS,
    chart,
    chart_text,
    office_axis_label,
    office_hover_label,
    office_label,
    office_names,
    plain,
    share_text,
    show_table,
    style_figure,
    url_multiselect,
    url_select,
    url_toggle,
)
from .i18n import N_, _
from .page import page_header

SUPPRESSED_TEXT = N_("suppressed")
#: Office kinds of the ST.3 office list (a fixed set in the schema), shown translated.
KIND_LABELS = {"national": N_("national"), "regional": N_("regional"), "international": N_("international")}


def round_select(rounds: Sequence[str], key: str = "round", label: str | None = None) -> str | None:
    """The survey round shown, mirrored in the URL (?round=2026); the latest round by default."""
    rounds = [str(r) for r in rounds]
    return url_select(label or _("Survey round"), rounds, key=key, default=rounds[-1] if rounds else None)


def office_filter(key_prefix: str = "") -> list[str] | None:
    """Office kind, region and a set of offices, all mirrored in the URL (?kind=national&region=
    Europe&office=JP). Returns the ST.3 codes that pass every filter, or None when no filter is
    set (every office). The choices come from the ST.3 office list, so the list names no
    respondent."""
    offices = data.offices()
    names = office_names()
    columns = st.columns(3)
    with columns[0]:
        kinds = url_multiselect(_("Office kind"), sorted(offices["kind"].unique()), key=f"{key_prefix}kind",
                                placeholder=_("all kinds"), format_func=lambda k: _(KIND_LABELS.get(k, k)))
    with columns[1]:
        regions = url_multiselect(_("Region"), sorted(offices["region"].unique()), key=f"{key_prefix}region",
                                  placeholder=_("all regions"))
    with columns[2]:
        chosen = url_multiselect(_("Offices"), list(offices["code"]), key=f"{key_prefix}office",
                                 format_func=lambda c: office_label(c, names), placeholder=_("all offices"))
    if not (kinds or regions or chosen):
        return None
    keep = offices
    if kinds:
        keep = keep[keep["kind"].isin(kinds)]
    if regions:
        keep = keep[keep["region"].isin(regions)]
    if chosen:
        keep = keep[keep["code"].isin(chosen)]
    return sorted(keep["code"])


def answer_matrix(frame: pd.DataFrame, name: str, key: str, column: str = "code",
                  row: str = "office", state: str = "state", title: str | None = None,
                  names: dict[str, str] | None = None) -> None:
    """Office x option matrix: one square per cell, coloured by answer state (ANSWER_COLOURS:
    ticked, not ticked, no answer, not asked), with a legend and a CSV of exactly its cells.
    Rows are the ST.3 codes of `row`: the code and a short name on the axis, the full name on hover."""
    fig = go.Figure()
    names = office_names() if names is None else names
    axis = {code: office_axis_label(code, names) for code in dict.fromkeys(frame[row])}
    for value, colour in ANSWER_COLOURS.items():
        cells = frame[frame[state] == value]
        if cells.empty:
            continue
        fig.add_scatter(x=[chart_text(c) for c in cells[column]], y=[axis[r] for r in cells[row]],
                        hovertext=[office_hover_label(r, names) for r in cells[row]],
                        mode="markers", name=_(ANSWER_LABELS[value]),
                        marker=dict(symbol="square", size=16, color=colour,
                                    line=dict(color="#777777", width=1)),
                        hovertemplate="%{hovertext}<br>%{x}: " + _(ANSWER_LABELS[value]) + "<extra></extra>")
    fig.update_layout(title=title, height=max(260, 26 * len(axis) + 140),
                      yaxis=dict(categoryorder="array", categoryarray=list(axis.values())[::-1], automargin=True),
                      xaxis=dict(categoryorder="array",
                                 categoryarray=[chart_text(c) for c in dict.fromkeys(frame[column])],
                                 side="top"))
    chart(fig, frame, name, key, alternative=False)  # matrix_view shows the cells as a table


def respondents(round: str, selection: list[str] | None = None) -> set[str]:
    """Respondents of `round` that the page's figures count: with no office filter, every
    respondent (the round totals); with a filter, the released respondents in it, so that an
    office hidden from the viewer behaves exactly like one that never answered."""
    frame = data.query(survey_queries.respondents_by_round)
    codes = set(frame.loc[frame["round"] == str(round), "office"])
    if selection is None:
        return codes
    return (codes - disclosure.hidden_offices(str(round))) & set(selection)


def public(fn, **kwargs):
    """A `queries.release` figure for this viewer: hidden offices withheld, cells suppressed."""
    return data.query(fn, withheld=disclosure.withheld(), **kwargs)


def not_named_text(round: str) -> str:
    """How many respondents of `round` are not named (hidden from this viewer); '' if none."""
    count = len(disclosure.hidden_offices(str(round)))
    if not count:
        return ""
    return _("Respondents not named here (no consent to publication of individual answers): {count}. They count "
             "only in the round totals.").format(count=i18n.number(count))


def suppression_note(shown) -> None:
    """The caption that explains suppressed figures: when `shown` (a frame with a `suppressed`
    column, or a flag) has any."""
    if isinstance(shown, pd.DataFrame):
        shown = "suppressed" in shown and shown["suppressed"].astype(bool).any()
    if shown:
        st.caption(_("Figures marked as suppressed are withheld so that no combination of the figures shown "
                     "gives away the answers of an office that did not consent to publication "
                     "(complementary suppression; see Methodology in the documentation)."))


def option_labels(frame: pd.DataFrame, round: str, section: str) -> tuple[pd.DataFrame, int]:
    """`frame` (with direction, code, label) with each label in the page's language where the
    round's codebook has it (`queries.labels`), and how many stay in English (0 in English)."""
    if i18n.language() == i18n.DEFAULT or frame.empty or "label" not in frame:
        return frame, 0
    translations = data.query(labels.codebook_option_labels, round=str(round), section=section)
    return i18n.localized_option_labels(frame, translations)


def localized_options(frame: pd.DataFrame, round: str, section: str | None) -> pd.DataFrame:
    """Answer options' labels in the page's language where the round's codebook translates them
    (`option_labels`), with a caption saying how many stay in English."""
    if section is None:
        return frame
    frame, english = option_labels(frame, str(round), section)
    if english:
        st.caption(i18n.option_labels_note(plain(round), english))
    return frame


def option_counts_view(counts: pd.DataFrame, published: pd.DataFrame, name: str, key: str,
                       as_share: bool, label_column: str = "code", section: str | None = None) -> None:
    """Bar chart of offices ticking each option in one round (count, or share of its base),
    the published CWS/13/14 figure beside it, and the table of both with their bases."""
    rnd, base = str(counts["round"].iloc[0]), int(counts["base"].iloc[0])
    counts = localized_options(counts, rnd, section)
    suppressed = counts["suppressed"] if "suppressed" in counts else pd.Series(False, index=counts.index)
    table = counts.assign(suppressed=suppressed.astype(bool))[
        ["round", "direction", "code", "label", "offices", "base", "share", "no_answer", "suppressed"]].merge(
        published[["direction", "code", "round", "published", "published_base"]].rename(
            columns={"round": "published_round"}), on=["direction", "code"], how="left")
    table = table.astype({"published": "Int64", "published_base": "Int64"})
    table["published_share"] = (table["published"] / table["published_base"]).astype("Float64").round(4)
    y, y_published = ("share", "published_share") if as_share else ("offices", "published")
    marked = _(SUPPRESSED_TEXT)
    x = [chart_text(f"{v} ({marked})" if hide else v) for v, hide in zip(table[label_column], table["suppressed"])]
    fig = go.Figure()
    fig.add_bar(x=x, y=table[y], name=_("{round} computed (base {base})").format(round=chart_text(rnd), base=base),
                marker_color=SERIES_COLOURS[0], customdata=table[["offices", "base"]],
                hovertemplate=_("%{x}: %{customdata[0]} of %{customdata[1]} offices") + "<extra></extra>")
    if table["published"].notna().any():
        bases = sorted({int(b) for b in table["published_base"].dropna()})
        rounds = sorted({str(r) for r in table["published_round"].dropna()})
        fig.add_bar(x=x, y=table[y_published], marker_color=PUBLISHED_COLOUR,
                    name=_("published CWS/13/14, {rounds} (base {bases})").format(
                        rounds=", ".join(rounds), bases=", ".join(map(str, bases))),
                    customdata=table[["published", "published_base"]],
                    hovertemplate=_("%{x}: %{customdata[0]} of %{customdata[1]} offices (published)")
                    + "<extra></extra>")
    fig.update_layout(barmode="group", yaxis_title=_("share of respondents") if as_share else _("offices"),
                      yaxis_tickformat=".0%" if as_share else None)
    chart(fig, table, name, key, alternative=False)  # the same rows follow as a table
    table_view = table.drop(columns=["round", "direction"] + ([] if table["suppressed"].any() else ["suppressed"]))
    show_table(table_view, key=f"table-{key}",
               column_config={"share": st.column_config.NumberColumn(format="percent"),
                              "published_share": st.column_config.NumberColumn(format="percent")})
    suppression_note(table)


STATE_SYMBOLS = {"yes": "✔", "no": "·", "no_answer": N_("no answer"), "not_asked": N_("not asked"),
                 "suppressed": SUPPRESSED_TEXT}


def matrix_view(matrix: pd.DataFrame, round: str, name: str, key: str, column: str = "code",
                section: str | None = None, selection: list[str] | None = None) -> None:
    """The office x option matrix of `round` (from `queries.release.public_option_matrix`:
    released offices only, suppressed cells marked) as a chart, CSV and the same cells as a
    table; without an office filter it says how many respondents are not named."""
    shown = localized_options(matrix, round, section)
    if shown.empty:
        st.info(_("No respondent of this round in the filter may be named."))
    else:
        names = office_names()
        shown = shown.assign(office_label=[office_label(c, names) for c in shown["office"]])
        answer_matrix(shown, name, key, column=column, names=names)
        with st.expander(_("The matrix as a table"), icon=":material/table_view:"):
            symbols = {state: _(symbol) for state, symbol in STATE_SYMBOLS.items()}
            wide = shown.assign(answer=shown["state"].map(symbols)).pivot(
                index="office_label", columns=column, values="answer")
            wide = wide[list(dict.fromkeys(shown[column]))].reset_index().rename(
                columns={"office_label": "office"})
            show_table(wide, key=f"matrix-table-{key}")
    if selection is None and not_named_text(round):
        st.caption(not_named_text(round))
    suppression_note(bool(len(shown)) and (shown["state"] == "suppressed").any())


def _names_cell(codes: Iterable[str], names: dict[str, str]) -> str:
    return ", ".join(office_label(c, names) for c in codes) or "-"


#: Titles of the round-comparison chart per survey section (whole sentences, for translators).
CHANGE_TITLES = {
    "standards": N_("Offices that adopted or dropped each standard, {from_round} -> {to_round}"),
    "challenges": N_("Offices that adopted or dropped each challenge, {from_round} -> {to_round}"),
    "ip_rights": N_("Offices that adopted or dropped each IP right, {from_round} -> {to_round}"),
    "data_types": N_("Offices that adopted or dropped each data type, {from_round} -> {to_round}"),
    "formats": N_("Offices that adopted or dropped each file format, {from_round} -> {to_round}"),
}
CHANGE_TITLE_OTHER = N_("Offices that adopted or dropped each option, {from_round} -> {to_round}")
#: Titles of the like-for-like chart per survey section (whole sentences, for translators).
LIKE_TITLES = {
    "standards": N_("Share of the same offices using each standard, {from_round} and {to_round}"),
    "challenges": N_("Share of the same offices reporting each challenge, {from_round} and {to_round}"),
    "ip_rights": N_("Share of the same offices exchanging data on each IP right, {from_round} and {to_round}"),
    "data_types": N_("Share of the same offices exchanging each data type, {from_round} and {to_round}"),
    "formats": N_("Share of the same offices using each file format, {from_round} and {to_round}"),
}
LIKE_TITLE_OTHER = N_("Share of the same offices ticking each option, {from_round} and {to_round}")


def like_for_like_offices(from_round: str, to_round: str, selection: list[str] | None) -> list[str]:
    """The offices a like-for-like comparison counts for this viewer: respondents of both rounds
    (within `selection`) whose answers of both may be shown (`queries.comparison`)."""
    both = public(comparison.like_for_like_offices, from_round=str(from_round), to_round=str(to_round),
                  offices=selection)
    return list(both["office"])


def like_for_like_note(count: int, from_round: str, to_round: str, selection: list[str] | None) -> str:
    """How many offices the like-for-like comparison counts, as a sentence."""
    text = (i18n.ngettext("Like-for-like: both rounds are counted over the same **{count} office** in the filter, "
                          "which answered both {from_round} and {to_round}.",
                          "Like-for-like: both rounds are counted over the same **{count} offices** in the "
                          "filter, which answered both {from_round} and {to_round}.", count)
            if selection is not None else
            i18n.ngettext("Like-for-like: both rounds are counted over the same **{count} office**, which "
                          "answered both {from_round} and {to_round}.",
                          "Like-for-like: both rounds are counted over the same **{count} offices**, which "
                          "answered both {from_round} and {to_round}.", count))
    return text.format(count=i18n.number(count), from_round=plain(from_round), to_round=plain(to_round))


def like_for_like_figure(summary: pd.DataFrame, from_round: str, to_round: str, title: str) -> go.Figure:
    """Per option, the share of the like-for-like offices that tick it in each round, side by
    side (the later round hatched: not told apart by colour alone). An option a round's codebook
    lacks has no bar in that round; a suppressed cell counts in neither bar nor base."""
    fig = go.Figure()
    x = [chart_text(c if not d else f"{d}: {c}") for c, d in zip(summary["code"], summary["direction"])]
    for round_, side, colour, pattern in ((from_round, "from", SERIES_COLOURS[0], ""),
                                          (to_round, "to", SERIES_COLOURS[2], "/")):
        offices, base, asked = summary[f"{side}_offices"], summary[f"{side}_base"], summary[f"asked_{side}"]
        share = [o / b if a and b else None for o, b, a in zip(offices, base, asked)]
        fig.add_bar(x=x, y=share, name=chart_text(round_), marker_color=colour, marker_pattern_shape=pattern,
                    customdata=list(zip(offices, base)),
                    hovertemplate=_("%{x}: %{customdata[0]} of %{customdata[1]} offices") + "<extra></extra>")
    fig.update_layout(barmode="group", yaxis_title=_("share of the same offices"), yaxis_tickformat=".0%",
                      title=title)
    return fig


def like_for_like_key_chart(ctx: key_charts.Context, section: str = "standards") -> key_charts.KeyChart | None:
    """The presentation's like-for-like slide: each option's share of the offices that answered
    both the round before `ctx.round` and `ctx.round` (the first two rounds when it is the
    first), with the questionnaire changes in the takeaway; None with fewer than two rounds."""
    rounds = ctx.rounds
    if len(rounds) < 2:
        return None
    later = max(rounds.index(ctx.round) if ctx.round in rounds else len(rounds) - 1, 1)
    from_round, to_round = rounds[later - 1], rounds[later]
    offices = list(ctx.run(comparison.like_for_like_offices, from_round=from_round, to_round=to_round,
                           withheld=ctx.withheld)["office"])
    summary = ctx.run(release.public_option_change_summary, section=section, from_round=from_round,
                      to_round=to_round, offices=offices, withheld=ctx.withheld)
    frame = summary[["code", "label", "asked_from", "asked_to", "from_offices", "from_base", "to_offices", "to_base",
                     "adopted", "dropped", "kept", "suppressed"]]
    title = _(LIKE_TITLES.get(section, LIKE_TITLE_OTHER)).format(from_round=from_round, to_round=to_round)
    figure = like_for_like_figure(summary, from_round, to_round, chart_text(title))
    comparable = frame[frame["asked_from"] & frame["asked_to"] & (frame["from_base"] > 0) & (frame["to_base"] > 0)]
    if not offices or comparable.empty:
        takeaway = _("No office that may be named answered both {from_round} and {to_round}.").format(
            from_round=from_round, to_round=to_round)
    else:
        moved = (comparable["to_offices"] / comparable["to_base"] - comparable["from_offices"] / comparable["from_base"])
        top = comparable.loc[moved.abs().sort_values(ascending=False, kind="stable").index[0]]
        takeaway = i18n.ngettext(
            "Over the same {count} office, which answered both rounds, {option} moved most: {from_share} in "
            "{from_round}, {to_share} in {to_round}.",
            "Over the same {count} offices, which answered both rounds, {option} moved most: {from_share} in "
            "{from_round}, {to_share} in {to_round}.", len(offices)).format(
            count=i18n.number(len(offices)), option=top["code"], from_round=from_round, to_round=to_round,
            from_share=share_text(int(top["from_offices"]), int(top["from_base"])),
            to_share=share_text(int(top["to_offices"]), int(top["to_base"])))
    changes = methodology.section_changes(from_round, to_round, section, run=ctx.run)
    if len(changes):
        takeaway += " " + _("The questionnaire changed between the two rounds: {changes}.").format(
            changes="; ".join(methodology.change_sentences(changes, markdown=False)))
    style_figure(figure)
    return key_charts.KeyChart("like-for-like", title, figure, frame, takeaway,
                               ctx.survey_provenance([from_round, to_round]), (from_round, to_round))


def round_comparison(section: str, rounds: Sequence[str], selection: list[str] | None, key: str,
                     direction: str | None = None) -> None:
    """Two rounds side by side for the questions tagged `section`: per option the offices that
    adopted, dropped or kept it (answered both rounds), the ticks of offices that answered only
    one round (not counted as change), and per office what changed. The like-for-like toggle
    (in the URL: ?<key>-like=1) counts both rounds over the offices that answered both
    (`queries.comparison`), says how many, and charts each round's share over them. A warning
    lists what changed in these questions between the two codebooks. Everything comes from the
    released answers of each round (`queries.release`): an office hidden from the viewer in a
    round counts as not answering that round; rows resting on a suppressed cell are left out."""
    rounds = [str(r) for r in rounds]
    if len(rounds) < 2:
        st.info(_("Only one survey round is loaded: nothing to compare yet."))
        return
    left, right = st.columns(2)
    with left:
        from_round = url_select(_("Earlier round"), rounds[:-1], key=f"{key}-from", default=rounds[-2])
    with right:
        later = [r for r in rounds if r > from_round]
        to_round = url_select(_("Later round"), later, key=f"{key}-to", default=later[-1])
    like = url_toggle(_("Like-for-like: only offices that answered both rounds"), key=f"{key}-like",
                      help=_("Counts both rounds over the same offices, so that a change in a figure is a change "
                             "of answers and not of who answered."))
    offices = selection
    if like:
        offices = like_for_like_offices(from_round, to_round, selection)
        st.markdown(like_for_like_note(len(offices), from_round, to_round, selection))
    methodology.comparison_warning(from_round, to_round, section, direction)
    if like and not offices:
        st.info(_("No office that may be named here answered both rounds: there is nothing to compare like for "
                  "like."))
        return
    kwargs = dict(section=section, direction=direction, offices=offices,
                  from_round=from_round, to_round=to_round)
    summary = localized_options(public(release.public_option_change_summary, **kwargs), to_round, section)
    changes = public(release.public_option_changes, **kwargs)
    changes["item"] = [c if not d else f"{d}: {c}" for c, d in zip(changes["code"], changes["direction"])]
    named = changes[changes["change"] != "suppressed"]
    names = office_names()
    for change in ("adopted", "dropped"):
        cells = []
        for option in summary.itertuples():
            rows = changes[(changes["code"] == option.code) & (changes["direction"].fillna("") == (option.direction or ""))
                           & (changes["change"] == change)]
            cells.append(_names_cell(rows["office"], names))
        summary[f"{change} by"] = cells
    not_asked = _("not asked")
    summary[f"{from_round}"] = [share_text(r.from_offices, r.from_base) if r.asked_from else not_asked
                                for r in summary.itertuples()]
    summary[f"{to_round}"] = [share_text(r.to_offices, r.to_base) if r.asked_to else not_asked
                              for r in summary.itertuples()]
    if like:
        title = _(LIKE_TITLES.get(section, LIKE_TITLE_OTHER)).format(from_round=chart_text(from_round),
                                                                     to_round=chart_text(to_round))
        chart(like_for_like_figure(summary, from_round, to_round, title), summary,
              f"{section}-like-for-like-{from_round}-{to_round}", f"{key}-like-chart", alternative=False)
    else:
        _changes_chart(summary, section, from_round, to_round, key)
    direction_column = ["direction"] if summary["direction"].notna().any() else []
    only_columns = [] if like else ["only_from", "only_to"]
    show_table(summary[direction_column + ["code", "label", from_round, to_round, "adopted", "dropped", "kept",
                                           *only_columns, "adopted by", "dropped by"]].rename(columns={
                   "only_from": _("ticked by offices answering only {round}").format(round=from_round),
                   "only_to": _("ticked by offices answering only {round}").format(round=to_round),
                   "adopted by": _("adopted by"), "dropped by": _("dropped by")}),
               key=f"table-{key}-changes")
    st.caption(_("Adopted, dropped and kept count offices that answered both rounds. Offices that answered "
                 "only one round, left the question blank in one round, or were not asked an option in one "
                 "round are not counted as a change."))
    _per_office_changes(named, from_round, to_round, key)
    if disclosure.hidden_offices(from_round) or disclosure.hidden_offices(to_round):
        st.caption(_("The comparison counts the offices that consented to publication of their answers in each "
                     "round: an office that did not consent in a round counts as not answering that round."))
    if summary["suppressed"].any():
        st.caption(_("Suppressed answers count in no column of the comparison, nor in its bases (see "
                     "complementary suppression in the documentation)."))


def _changes_chart(summary: pd.DataFrame, section: str, from_round: str, to_round: str, key: str) -> None:
    """Per option: offices that adopted it (up), dropped it (down, hatched) and the new
    respondents ticking it."""
    fig = go.Figure()
    x = [chart_text(c if not d else f"{d}: {c}") for c, d in zip(summary["code"], summary["direction"])]
    fig.add_bar(x=x, y=summary["adopted"], name=_("adopted"), marker_color=SERIES_COLOURS[2],
                marker_pattern_shape="")
    fig.add_bar(x=x, y=-summary["dropped"], name=_("dropped"), marker_color=SERIES_COLOURS[5],
                marker_pattern_shape="x",  # dropped bars hatched: not told apart by colour alone
                customdata=summary["dropped"], hovertemplate=_("%{x}: %{customdata} dropped") + "<extra></extra>")
    fig.add_bar(x=x, y=summary["only_to"], name=_("new respondents in {round} ticking it").format(round=chart_text(to_round)),
                marker_color=SERIES_COLOURS[4], marker_pattern_shape=".")
    fig.update_layout(barmode="relative", yaxis_title=_("offices"),
                      title=_(CHANGE_TITLES.get(section, CHANGE_TITLE_OTHER)).format(from_round=chart_text(from_round),
                                                                                     to_round=chart_text(to_round)))
    chart(fig, summary, f"{section}-changes-{from_round}-{to_round}", f"{key}-changes", alternative=False)


def _per_office_changes(named: pd.DataFrame, from_round: str, to_round: str, key: str) -> None:
    """Per office (released, shown cells only): what it adopted and dropped, and why a row is no change."""
    names = office_names()
    st.markdown("**" + _("What changed per office, {from_round} -> {to_round}").format(
        from_round=plain(from_round), to_round=plain(to_round)) + "**")
    per_office = []
    for office, rows in named.groupby("office"):
        only = rows["change"].iloc[0]
        if only in ("only_from_round", "only_to_round"):
            per_office.append({"office": office_label(office, names), "adopted": "", "dropped": "",
                               "note": _("answered only {round}").format(
                                   round=from_round if only == "only_from_round" else to_round)})
            continue
        adopted = ", ".join(rows.loc[rows["change"] == "adopted", "item"])
        dropped = ", ".join(rows.loc[rows["change"] == "dropped", "item"])
        notes = []
        if rows["change"].eq("no_answer_in_one_round").any():
            notes.append(_("left the question blank in one round"))
        new_options = rows[(rows["change"] == "not_asked_in_one_round") & (rows["to_state"] == "yes")]
        if len(new_options):
            notes.append(_("ticks {options} (not asked in {round})").format(
                options=", ".join(new_options["item"]), round=from_round))
        per_office.append({"office": office_label(office, names), "adopted": adopted, "dropped": dropped,
                           "note": "; ".join(notes) or ("" if adopted or dropped else _("no change"))})
    show_table(pd.DataFrame(per_office, columns=["office", "adopted", "dropped", "note"]),
               key=f"table-{key}-per-office")


def survey_page(title: str, icon: str, caption: str):
    """The top of every survey page: set-up, title, the illustrative notice, the round selector,
    the count/share toggle and the office filters (all in the URL). Returns (rounds, round,
    as_share, selection, base): `selection` None = no office filter, `base` the round's
    respondents within it. Stops the page when no round is loaded."""
    page_header(title, icon, caption, "survey")
    rounds = [str(r) for r in data.query(survey_queries.survey_rounds)["round"]]
    if not rounds:
        st.info(_("No survey round is loaded yet (Manage data, or `python -m loaders load survey ...`)."))
        st.stop()
    top = st.columns([1, 1, 3])
    with top[0]:
        round_ = round_select(rounds)
    with top[1]:
        as_share = url_toggle(_("Share of respondents"), key="share")
    selection = office_filter()
    return rounds, round_, as_share, selection, respondents(round_, selection)


def base_note(round: str, base: set[str], selection: list[str] | None) -> None:
    count = i18n.number(len(base))
    text = (i18n.ngettext("Base: **{count} respondent** of the {round} round in the filter.",
                          "Base: **{count} respondents** of the {round} round in the filter.", len(base))
            if selection is not None else
            i18n.ngettext("Base: **{count} respondent** of the {round} round.",
                          "Base: **{count} respondents** of the {round} round.", len(base)))
    st.markdown(text.format(count=count, round=plain(round)) + " "
                + _("The published CWS/13/14 figures count all 20 respondents of 2025."))
    if selection is not None and disclosure.hidden_offices(round):
        st.caption(_("With an office filter, the figures count only offices that consented to publication of "
                     "their answers; without a filter, the round totals count every respondent."))
