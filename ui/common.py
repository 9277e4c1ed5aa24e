"""Look and feel shared by every page: page set-up, colours, office labels, the
illustrative-data notice, CSV downloads, and filters that live in the URL."""
from __future__ import annotations

import html
import re
from typing import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from . import data

# Okabe-Ito palette: distinguishable for the common kinds of colour blindness.
OUTCOME_COLOURS = {"on_time": "#009E73", "late": "#E69F00", "missed": "#D55E00", "pending": "#999999"}
OUTCOME_LABELS = {"on_time": "On time", "late": "Late", "missed": "Missed", "pending": "Pending"}
# Outcome marker shapes, so an outcome never rests on colour alone.
OUTCOME_SYMBOLS = {"on_time": "circle", "late": "triangle-up", "missed": "x", "pending": "circle-open"}
ANSWER_COLOURS = {"yes": "#0072B2", "no": "#E5E5E5", "no_answer": "#F0E442", "not_asked": "#FFFFFF"}
ANSWER_LABELS = {"yes": "Ticked / yes", "no": "Not ticked / no", "no_answer": "No answer",
                 "not_asked": "Not asked in this round"}
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PUBLISHED_COLOUR = "#999999"

ILLUSTRATIVE_TEXT = (
    "Illustrative data: the per-office answers, schedules and deliveries shown here are bundled "
    "sample data, not real office answers. The 2025 answers were made up so that they reproduce "
    "every aggregate published in CWS/13/14 exactly; per-office answers were never published."
)


def page(title: str, icon: str = ":material/monitoring:") -> None:
    st.set_page_config(page_title=f"{title} · IP Data Exchange Transparency Dashboard",
                       page_icon=icon, layout="wide")


def plain(text) -> str:
    """Untrusted text made inert for Markdown rendering (office names, free text, file names)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])", r"\\\1", str(text))


def chart_text(text) -> str:
    """Untrusted text made inert for Plotly labels (Plotly renders a subset of HTML)."""
    return html.escape(str(text), quote=False)


def office_label(code: str, names: dict[str, str] | None = None) -> str:
    """'JP - Japan Patent Office' (ST.3 code + name)."""
    names = names if names is not None else office_names()
    name = names.get(code)
    return f"{code} - {name}" if name else str(code)


def office_names() -> dict[str, str]:
    offices = data.offices()
    return dict(zip(offices["code"], offices["name"]))


def illustrative_notice(illustrative: bool, what: str = "data") -> None:
    """The badge every page shows while any of its data comes from the bundled sample files."""
    if illustrative:
        st.warning(ILLUSTRATIVE_TEXT, icon=":material/science:")
    else:
        st.caption(f"Real {what}: loaded from the secretariat's files (see Manage data for provenance).")


def style_figure(fig: go.Figure, height: int | None = None) -> go.Figure:
    fig.update_layout(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10),
                      font=dict(size=13), legend=dict(orientation="h", y=-0.15),
                      colorway=SERIES_COLOURS, height=height)
    return fig


def chart(fig: go.Figure, frame: pd.DataFrame, name: str, key: str) -> None:
    """Show a chart with a download of exactly the data behind it (CSV) and of the chart itself
    (PNG, SVG: rendered server-side only when clicked)."""
    st.plotly_chart(style_figure(fig), width="stretch", key=f"chart-{key}")
    with st.container(horizontal=True, key=f"downloads-{key}"):
        download_csv(frame, name, key)
        download_images(fig, name, key)


def download_images(fig: go.Figure, name: str, key: str) -> None:
    """PNG and SVG buttons whose bytes kaleido renders on click (deferred), not on every run."""
    from functools import partial

    from .exports import IMAGE_MIMES, image_bytes
    frozen = go.Figure(fig)  # the figure as shown now, whatever the page does with `fig` later
    for fmt, mime in IMAGE_MIMES.items():
        st.download_button(f"Chart ({fmt.upper()})", data=partial(image_bytes, frozen, fmt),
                           file_name=f"{name}.{fmt}", mime=mime, key=f"{fmt}-{key}", on_click="ignore",
                           icon=":material/image:")


def download_csv(frame: pd.DataFrame, name: str, key: str) -> None:
    st.download_button("Download data (CSV)", data=to_csv_bytes(frame), file_name=f"{name}.csv",
                       mime="text/csv", key=f"csv-{key}", icon=":material/download:")


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    # CRLF rows (RFC 4180): the csv writer then quotes any field holding a bare carriage return,
    # which with "\n" rows would split a row in two for every reader.
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


# ------------------------------------------------------------------ filters that live in the URL

def url_select(label: str, options: Sequence, key: str, default=None, **kwargs):
    """A selectbox whose value is mirrored in the URL as ?key=value."""
    options = list(options)
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        st.session_state[key] = next((o for o in options if str(o) == wanted),
                                     default if default in options else (options[0] if options else None))
    value = st.selectbox(label, options, key=key, **kwargs)
    _set_param(key, None if value is None else str(value))
    return value


def url_multiselect(label: str, options: Sequence, key: str, default: Iterable = (), **kwargs) -> list:
    """A multiselect mirrored in the URL as repeated ?key=a&key=b."""
    options = list(options)
    if key not in st.session_state:
        wanted = st.query_params.get_all(key)
        chosen = [o for o in options if str(o) in wanted] if wanted else [o for o in default if o in options]
        st.session_state[key] = chosen
    value = st.multiselect(label, options, key=key, **kwargs)
    if value:
        st.query_params[key] = [str(v) for v in value]
    elif key in st.query_params:
        del st.query_params[key]
    return value


def url_toggle(label: str, key: str, default: bool = False, **kwargs) -> bool:
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        st.session_state[key] = default if wanted is None else wanted in ("1", "true", "yes")
    value = st.toggle(label, key=key, **kwargs)
    _set_param(key, "1" if value else None)
    return value


def url_date_range(label: str, key: str, default: tuple, min_value=None, max_value=None):
    import datetime as dt
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        value = default
        if wanted and ".." in wanted:
            try:
                a, b = (dt.date.fromisoformat(x) for x in wanted.split("..", 1))
                value = (a, b)
            except ValueError:
                pass
        st.session_state[key] = value
    value = st.date_input(label, key=key, min_value=min_value, max_value=max_value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        _set_param(key, f"{value[0].isoformat()}..{value[1].isoformat()}")
        return tuple(value)
    return None


def _set_param(key: str, value: str | None) -> None:
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != value:
        st.query_params[key] = value



def url_date(label: str, key: str, default, **kwargs):
    """A single date mirrored in the URL as ?key=YYYY-MM-DD."""
    import datetime as dt
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        try:
            st.session_state[key] = dt.date.fromisoformat(wanted) if wanted else default
        except ValueError:
            st.session_state[key] = default
    value = st.date_input(label, key=key, **kwargs)
    _set_param(key, value.isoformat() if value else None)
    return value


# ------------------------------------------------------------------ delivery page helpers

def delivery_filters(period: bool = True) -> dict:
    """The delivery pages' filter bar, all in the URL: as-of date (default: the latest delivery
    in the log), period (inclusive, on scheduled date, UTC), providers, recipients, datasets.
    Returns keyword arguments for `queries.delivery` / `queries.completeness` functions (lists
    are None when nothing is chosen = all); without `period`, no since/until."""
    from queries import delivery as delivery_queries
    dimensions = data.query(delivery_queries.delivery_dimensions)
    default_as_of = data.provenance()["deliveries_as_of"]
    names = office_names()
    columns = st.columns([1, 2] if period else [1])
    with columns[0]:
        as_of = url_date("As of (UTC)", key="as_of", default=default_as_of,
                         help="Reference date: occurrences whose deadline is after it are pending, not missed. "
                              "Default: the latest delivery date in the loaded log.")
    since = until = None
    if period:
        first = pd.Timestamp(dimensions["first_date"].min()).date() if len(dimensions) else as_of
        with columns[1]:
            chosen = url_date_range("Period: scheduled date, inclusive (UTC)", key="period",
                                    default=(first, as_of))
        since, until = chosen if chosen else (None, None)
    columns = st.columns(3)
    filters = {}
    for column, (name, label) in zip(columns, (("provider", "Provider offices"), ("recipient", "Recipient offices"),
                                                 ("dataset", "Datasets"))):
        with column:
            values = sorted(dimensions[name].unique()) if len(dimensions) else []
            fmt = (lambda c: office_label(c, names)) if name != "dataset" else str
            filters[f"{name}s"] = url_multiselect(label, values, key=name, format_func=fmt,
                                                  placeholder=f"all {label.lower()}") or None
    out = {"as_of": as_of, **filters}
    if period:
        out.update(since=since, until=until)
    return out


def outcome_scatter(fig: go.Figure, frame: pd.DataFrame, x: str, y: str, hover: str) -> go.Figure:
    """One marker trace per outcome on `fig`: colour, shape and legend label per outcome."""
    for outcome, colour in OUTCOME_COLOURS.items():
        rows = frame[frame["outcome"] == outcome]
        if rows.empty:
            continue
        fig.add_scatter(x=rows[x], y=rows[y], mode="markers", name=OUTCOME_LABELS[outcome],
                        marker=dict(color=colour, symbol=OUTCOME_SYMBOLS[outcome], size=8,
                                    line=dict(width=1, color=colour)),
                        customdata=rows[[hover]], hovertemplate="%{customdata[0]}<extra>"
                        + OUTCOME_LABELS[outcome] + "</extra>")
    return fig

# ------------------------------------------------------------------ survey page helpers

SMALL_CELL_TEXT = "suppressed (small cell)"


def round_select(rounds: Sequence[str], key: str = "round", label: str = "Survey round") -> str | None:
    """The survey round shown, mirrored in the URL (?round=2026); the latest round by default."""
    rounds = [str(r) for r in rounds]
    return url_select(label, rounds, key=key, default=rounds[-1] if rounds else None)


def office_filter(key_prefix: str = "") -> list[str] | None:
    """Office kind, region and a set of offices, all mirrored in the URL (?kind=national&region=
    Europe&office=JP). Returns the ST.3 codes that pass every filter, or None when no filter is
    set (every office). The choices come from the ST.3 office list, so the list names no
    respondent."""
    offices = data.offices()
    names = dict(zip(offices["code"], offices["name"]))
    columns = st.columns(3)
    with columns[0]:
        kinds = url_multiselect("Office kind", sorted(offices["kind"].unique()), key=f"{key_prefix}kind",
                                placeholder="all kinds")
    with columns[1]:
        regions = url_multiselect("Region", sorted(offices["region"].unique()), key=f"{key_prefix}region",
                                  placeholder="all regions")
    with columns[2]:
        chosen = url_multiselect("Offices", list(offices["code"]), key=f"{key_prefix}office",
                                 format_func=lambda c: office_label(c, names), placeholder="all offices")
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


def share_text(offices: int, base: int) -> str:
    """'12 of 20 (60%)': a share always with its base."""
    return f"{offices} of {base} ({offices / base:.0%})" if base else f"{offices} of 0"


def answer_matrix(frame: pd.DataFrame, name: str, key: str, column: str = "code",
                  row: str = "office_label", state: str = "state", title: str | None = None) -> None:
    """Office x option matrix: one square per cell, coloured by answer state (ANSWER_COLOURS:
    ticked, not ticked, no answer, not asked), with a legend and a CSV of exactly its cells."""
    fig = go.Figure()
    rows = list(dict.fromkeys(frame[row]))
    for value, colour in ANSWER_COLOURS.items():
        cells = frame[frame[state] == value]
        if cells.empty:
            continue
        fig.add_scatter(x=[chart_text(c) for c in cells[column]], y=[chart_text(r) for r in cells[row]],
                        mode="markers", name=ANSWER_LABELS[value],
                        marker=dict(symbol="square", size=16, color=colour,
                                    line=dict(color="#777777", width=1)),
                        hovertemplate="%{y}<br>%{x}: " + ANSWER_LABELS[value] + "<extra></extra>")
    fig.update_layout(title=title, height=max(260, 26 * len(rows) + 140),
                      yaxis=dict(categoryorder="array", categoryarray=[chart_text(r) for r in rows][::-1]),
                      xaxis=dict(categoryorder="array",
                                 categoryarray=[chart_text(c) for c in dict.fromkeys(frame[column])],
                                 side="top"))
    chart(fig, frame, name, key)


def respondents(round: str, selection: list[str] | None = None) -> set[str]:
    """Respondents of `round` within the office filter (None = every respondent): the base of
    the round's aggregates, which `ui.disclosure.suppressed` judges."""
    from queries import survey as survey_queries
    frame = data.query(survey_queries.respondents_by_round)
    codes = set(frame.loc[frame["round"] == str(round), "office"])
    return codes if selection is None else codes & set(selection)


def named_offices(frame: pd.DataFrame, rounds: Sequence[str], column: str = "office") -> tuple[pd.DataFrame, int]:
    """The rows of `frame` about offices whose answers of every one of `rounds` the viewer may
    see, and the number of other offices (counted, never named)."""
    from . import disclosure
    hidden = set().union(*(disclosure.hidden_offices(str(r)) for r in rounds))
    keep = ~frame[column].isin(hidden)
    return frame[keep], int(frame.loc[~keep, column].nunique())


def not_named_text(count: int, what: str = "respondent") -> str:
    return (f"{count} {what}{'s' if count != 1 else ''} not named here: no consent to publication of "
            "individual answers (counted in every total).") if count else ""


def option_counts_view(counts: pd.DataFrame, published: pd.DataFrame, name: str, key: str,
                       as_share: bool, label_column: str = "code") -> None:
    """Bar chart of offices ticking each option in one round (count, or share of its base),
    the published CWS/13/14 figure beside it, and the table of both with their bases."""
    rnd, base = str(counts["round"].iloc[0]), int(counts["base"].iloc[0])
    table = counts[["round", "direction", "code", "label", "offices", "base", "share", "no_answer"]].merge(
        published[["direction", "code", "round", "published", "published_base"]].rename(
            columns={"round": "published_round"}), on=["direction", "code"], how="left")
    table = table.astype({"published": "Int64", "published_base": "Int64"})
    table["published_share"] = (table["published"] / table["published_base"]).astype("Float64").round(4)
    y, y_published = ("share", "published_share") if as_share else ("offices", "published")
    x = [chart_text(v) for v in table[label_column]]
    fig = go.Figure()
    fig.add_bar(x=x, y=table[y], name=f"{rnd} computed (base {base})", marker_color=SERIES_COLOURS[0],
                customdata=table[["offices", "base"]],
                hovertemplate="%{x}: %{customdata[0]} of %{customdata[1]} offices<extra></extra>")
    if table["published"].notna().any():
        bases = sorted({int(b) for b in table["published_base"].dropna()})
        rounds = sorted({str(r) for r in table["published_round"].dropna()})
        fig.add_bar(x=x, y=table[y_published], marker_color=PUBLISHED_COLOUR,
                    name=f"published CWS/13/14, {', '.join(rounds)} (base {', '.join(map(str, bases))})",
                    customdata=table[["published", "published_base"]],
                    hovertemplate="%{x}: %{customdata[0]} of %{customdata[1]} offices (published)<extra></extra>")
    fig.update_layout(barmode="group", yaxis_title="share of respondents" if as_share else "offices",
                      yaxis_tickformat=".0%" if as_share else None)
    chart(fig, table, name, key)
    st.dataframe(table.drop(columns=["round", "direction"]), hide_index=True, key=f"table-{key}",
                 column_config={"share": st.column_config.NumberColumn(format="percent"),
                                "published_share": st.column_config.NumberColumn(format="percent")})


STATE_SYMBOLS = {"yes": "✔", "no": "·", "no_answer": "no answer", "not_asked": "not asked"}


def matrix_view(matrix: pd.DataFrame, round: str, name: str, key: str, column: str = "code") -> None:
    """The office x option matrix of `round` for the offices the viewer may see (chart, CSV,
    and the same cells as a table), saying how many respondents are left out unnamed."""
    shown, not_named = named_offices(matrix, [round])
    if shown.empty:
        st.info("No respondent of this round in the filter may be named.")
    else:
        names = office_names()
        shown = shown.assign(office_label=[office_label(c, names) for c in shown["office"]])
        answer_matrix(shown, name, key, column=column)
        with st.expander("The matrix as a table"):
            wide = shown.assign(answer=shown["state"].map(STATE_SYMBOLS)).pivot(
                index="office_label", columns=column, values="answer")
            wide = wide[list(dict.fromkeys(shown[column]))].reset_index().rename(
                columns={"office_label": "office"})
            st.dataframe(wide, hide_index=True, key=f"matrix-table-{key}")
    if not_named:
        st.caption(not_named_text(not_named))


def _names_cell(codes: Iterable[str], names: dict[str, str], not_named: int) -> str:
    text = ", ".join(office_label(c, names) for c in codes)
    extra = f"{not_named} not named" if not_named else ""
    return " + ".join(t for t in (text, extra) if t) or "-"


def round_comparison(section: str, rounds: Sequence[str], selection: list[str] | None, key: str,
                     direction: str | None = None, what: str = "option") -> None:
    """Two rounds side by side for the questions tagged `section`: per option the offices that
    adopted, dropped or kept it (answered both rounds), the ticks of offices that answered only
    one round (not counted as change), and per office what changed. Offices are named only when
    the viewer may see their answers in both rounds; the others are counted."""
    from . import disclosure
    from queries import survey as survey_queries
    rounds = [str(r) for r in rounds]
    if len(rounds) < 2:
        st.info("Only one survey round is loaded: nothing to compare yet.")
        return
    left, right = st.columns(2)
    with left:
        from_round = url_select("Earlier round", rounds[:-1], key=f"{key}-from", default=rounds[-2])
    with right:
        later = [r for r in rounds if r > from_round]
        to_round = url_select("Later round", later, key=f"{key}-to", default=later[-1])
    base_from, base_to = respondents(from_round, selection), respondents(to_round, selection)
    if disclosure.suppressed(from_round, base_from) or disclosure.suppressed(to_round, base_to):
        st.info(f"Comparison {SMALL_CELL_TEXT}: the filter leaves too few offices to show without "
                "singling out an office that did not consent to publication.")
        return
    kwargs = dict(section=section, direction=direction, offices=selection,
                  from_round=from_round, to_round=to_round)
    summary = data.query(survey_queries.option_change_summary, **kwargs)
    changes = data.query(survey_queries.option_changes, **kwargs)
    changes["item"] = [c if not d else f"{d}: {c}" for c, d in zip(changes["code"], changes["direction"])]
    named, _ = named_offices(changes, [from_round, to_round])
    names = office_names()
    for change in ("adopted", "dropped"):
        cells = []
        for option in summary.itertuples():
            rows = changes[(changes["code"] == option.code) & (changes["direction"].fillna("") == (option.direction or ""))
                           & (changes["change"] == change)]
            shown = named[named.index.isin(rows.index)]
            cells.append(_names_cell(shown["office"], names, len(rows) - len(shown)))
        summary[f"{change} by"] = cells
    summary[f"{from_round}"] = [share_text(r.from_offices, r.from_base) if r.asked_from else "not asked"
                                for r in summary.itertuples()]
    summary[f"{to_round}"] = [share_text(r.to_offices, r.to_base) if r.asked_to else "not asked"
                              for r in summary.itertuples()]
    fig = go.Figure()
    x = [chart_text(c if not d else f"{d}: {c}") for c, d in zip(summary["code"], summary["direction"])]
    fig.add_bar(x=x, y=summary["adopted"], name="adopted", marker_color=SERIES_COLOURS[2])
    fig.add_bar(x=x, y=-summary["dropped"], name="dropped", marker_color=SERIES_COLOURS[5],
                customdata=summary["dropped"], hovertemplate="%{x}: %{customdata} dropped<extra></extra>")
    fig.add_bar(x=x, y=summary["only_to"], name=f"new respondents in {to_round} ticking it",
                marker_color=SERIES_COLOURS[4])
    fig.update_layout(barmode="relative", yaxis_title="offices",
                      title=f"Offices that adopted or dropped each {what}, {from_round} -> {to_round}")
    chart(fig, summary, f"{section}-changes-{from_round}-{to_round}", f"{key}-changes")
    direction_column = ["direction"] if summary["direction"].notna().any() else []
    st.dataframe(summary[direction_column + ["code", "label", from_round, to_round, "adopted", "dropped", "kept", "only_from",
                          "only_to", "adopted by", "dropped by"]].rename(columns={
                     "only_from": f"ticked by offices answering only {from_round}",
                     "only_to": f"ticked by offices answering only {to_round}"}),
                 hide_index=True, key=f"table-{key}-changes")
    st.caption("Adopted, dropped and kept count offices that answered both rounds. Offices that answered "
               "only one round, left the question blank in one round, or were not asked an option in one "
               "round are not counted as a change.")
    st.markdown(f"**What changed per office, {from_round} -> {to_round}**")
    per_office = []
    for office, rows in named.groupby("office"):
        only = rows["change"].iloc[0]
        if only in ("only_from_round", "only_to_round"):
            per_office.append({"office": office_label(office, names), "adopted": "", "dropped": "",
                               "note": f"answered only {from_round if only == 'only_from_round' else to_round}"})
            continue
        adopted = ", ".join(rows.loc[rows["change"] == "adopted", "item"])
        dropped = ", ".join(rows.loc[rows["change"] == "dropped", "item"])
        notes = []
        if rows["change"].eq("no_answer_in_one_round").any():
            notes.append("left the question blank in one round")
        new_options = rows[(rows["change"] == "not_asked_in_one_round") & (rows["to_state"] == "yes")]
        if len(new_options):
            notes.append(f"ticks {', '.join(new_options['item'])} (not asked in {from_round})")
        per_office.append({"office": office_label(office, names), "adopted": adopted, "dropped": dropped,
                           "note": "; ".join(notes) or ("" if adopted or dropped else "no change")})
    st.dataframe(pd.DataFrame(per_office, columns=["office", "adopted", "dropped", "note"]),
                 hide_index=True, key=f"table-{key}-per-office")
    not_named = changes["office"].nunique() - named["office"].nunique()
    if not_named:
        st.caption(not_named_text(not_named, "office"))


def survey_page(title: str, icon: str, caption: str):
    """The top of every survey page: set-up, title, the illustrative notice, the round selector,
    the count/share toggle and the office filters (all in the URL). Returns (rounds, round,
    as_share, selection, base): `selection` None = no office filter, `base` the round's
    respondents within it. Stops the page when no round is loaded."""
    from queries import survey as survey_queries
    page(title, icon)
    st.title(title)
    st.caption(caption)
    illustrative_notice(data.provenance()["illustrative_survey"], "survey answers")
    rounds = [str(r) for r in data.query(survey_queries.survey_rounds)["round"]]
    if not rounds:
        st.info("No survey round is loaded yet (Manage data, or `python -m loaders load survey ...`).")
        st.stop()
    top = st.columns([1, 1, 3])
    with top[0]:
        round_ = round_select(rounds)
    with top[1]:
        as_share = url_toggle("Share of respondents", key="share")
    selection = office_filter()
    return rounds, round_, as_share, selection, respondents(round_, selection)


def base_note(round: str, base: set[str], selection: list[str] | None) -> None:
    st.markdown(f"Base: **{len(base)} respondents** of the {round} round"
                + (" in the filter" if selection is not None else "")
                + ". The published CWS/13/14 figures count all 20 respondents of 2025.")


def small_cell_info(base: set[str]) -> None:
    st.info(f"Counts {SMALL_CELL_TEXT}: the filter leaves {len(base)} respondent(s), too few to show "
            "without singling out an office that did not consent to publication.")
