"""Look and feel shared by every page: page set-up, colours, office labels, the
illustrative-data notice, CSV downloads, and filters that live in the URL."""
from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from . import data, i18n
from .i18n import N_, _

# Okabe-Ito palette: distinguishable for the common kinds of colour blindness.
OUTCOME_COLOURS = {"on_time": "#009E73", "late": "#E69F00", "missed": "#D55E00", "pending": "#999999"}
# Labels are msgids: shown through `_()` (the language is known only inside a page run).
OUTCOME_LABELS = {"on_time": N_("On time"), "late": N_("Late"), "missed": N_("Missed"), "pending": N_("Pending")}
# Outcome marker shapes, so an outcome never rests on colour alone.
OUTCOME_SYMBOLS = {"on_time": "circle", "late": "triangle-up", "missed": "x", "pending": "circle-open"}
ANSWER_COLOURS = {"yes": "#0072B2", "no": "#E5E5E5", "no_answer": "#F0E442", "not_asked": "#FFFFFF"}
ANSWER_LABELS = {"yes": N_("Ticked / yes"), "no": N_("Not ticked / no"), "no_answer": N_("No answer"),
                 "not_asked": N_("Not asked in this round")}
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PUBLISHED_COLOUR = "#999999"

ILLUSTRATIVE_TEXT = N_(
    "Illustrative data: the per-office answers, schedules and deliveries shown here are bundled "
    "sample data, not real office answers. The 2025 answers were made up so that they reproduce "
    "every aggregate published in CWS/13/14 exactly; per-office answers were never published."
)


def page(title: str, icon: str = ":material/monitoring:") -> None:
    """Page set-up; `title` is already in the page's language."""
    app_name = _("IP Data Exchange Transparency Dashboard")
    st.set_page_config(page_title=f"{title} · {app_name}", page_icon=icon, layout="wide")


#: The pages' names (msgids) by file name: the navigation and the home page's links say them in
#: the page's language (Streamlit's own page list, named from the file names, is switched off in
#: .streamlit/config.toml: client.showSidebarNavigation).
PAGE_LABELS = {"dashboard": N_("Home"), "1_Published_figures": N_("Published figures"),
               "2_Standards": N_("Standards"), "3_Exchanged_data": N_("Exchanged data"),
               "4_Challenges": N_("Challenges"), "5_Delivery_reliability": N_("Delivery reliability"),
               "6_Update_calendar": N_("Update calendar"), "7_Data_completeness": N_("Data completeness"),
               "8_Office_profile": N_("Office profile"), "9_Manage_data": N_("Manage data"),
               "10_Document_coverage": N_("Document coverage"), "11_Presentation": N_("Presentation")}
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


def page_files() -> list[Path]:
    """The files of pages/, in their number order."""
    def order(path: Path) -> tuple:
        number = path.stem.split("_", 1)[0]
        return (int(number) if number.isdigit() else 999, path.stem)
    return sorted(PAGES_DIR.glob("*.py"), key=order)


def page_label(stem: str) -> str:
    """A page's name in the page's language (a new page without a label: from its file name)."""
    label = PAGE_LABELS.get(stem)
    return _(label) if label else stem.split("_", 1)[-1].replace("_", " ")


def page_links() -> None:
    """The navigation in the sidebar: every page under its name in the page's language."""
    from streamlit.errors import StreamlitPageNotFoundError
    with st.sidebar:
        try:
            with st.container(key="ipdx-navigation"):
                st.page_link("dashboard.py", label=page_label("dashboard"), icon=":material/home:")
                for page_file in page_files():
                    st.page_link(f"pages/{page_file.name}", label=page_label(page_file.stem))
        except StreamlitPageNotFoundError:
            return  # a script run on its own (not from dashboard.py) has no pages to link to
        st.divider()


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
    """Office names in the page's language (`ui.i18n.localized_office_names`)."""
    offices = data.offices()
    return i18n.localized_office_names(dict(zip(offices["code"], offices["name"])))


def illustrative_notice(illustrative: bool, what: str = N_("data")) -> None:
    """The badge every page shows while any of its data comes from the bundled sample files."""
    if illustrative:
        st.warning(_(ILLUSTRATIVE_TEXT), icon=":material/science:")
    else:
        st.caption(_("Real {what}: loaded from the secretariat's files (see Manage data for provenance).")
                   .format(what=_(what)))
    if i18n.office_names_note():
        st.caption(i18n.office_names_note())


def style_figure(fig: go.Figure, height: int | None = None) -> go.Figure:
    """The shared look, with the language's decimal and thousands separators; dates on axes as
    numbers (Plotly's month names would stay English); mirrored for right-to-left languages."""
    fig.update_layout(template="plotly_white", margin=dict(l=10, r=10, t=50, b=10),
                      font=dict(size=13), legend=dict(orientation="h", y=-0.15),
                      colorway=SERIES_COLOURS, height=height, separators=i18n.plotly_separators())
    if fig.layout.xaxis.tickformat is None and any(
            _is_date_axis(trace.x) for trace in fig.data if getattr(trace, "x", None) is not None):
        fig.update_xaxes(tickformat="%Y-%m-%d")
    if i18n.is_rtl():
        i18n.mirror_figure(fig)
    return fig


def _is_date_axis(values) -> bool:
    import datetime as dt
    first = next(iter(values), None) if len(values) else None
    return isinstance(first, (dt.date, pd.Timestamp)) or pd.api.types.is_datetime64_any_dtype(
        getattr(values, "dtype", None))


#: Rows of a chart's data shown in its text alternative (the CSV always holds every row).
ALTERNATIVE_ROWS = 200


def chart(fig: go.Figure, frame: pd.DataFrame, name: str, key: str, alternative: bool = True) -> None:
    """Show a chart with a download of exactly the data behind it (CSV) and of the chart itself
    (PNG, SVG: rendered server-side only when clicked), and its text alternative: an expander
    with a one-line summary and the data as a table (`alternative=False` only where the page
    shows the same data as a table right after the chart)."""
    st.plotly_chart(style_figure(fig), width="stretch", key=f"chart-{key}")
    if alternative:
        chart_alternative(fig, frame, key)
    with st.container(horizontal=True, key=f"downloads-{key}"):
        download_csv(frame, name, key)
        download_images(fig, name, key)


def chart_summary(fig: go.Figure, frame: pd.DataFrame) -> str:
    """One sentence saying what a chart draws: its title, its series and how many values."""
    title = html.unescape(str(fig.layout.title.text or "")) if fig.layout.title else ""
    series = [html.unescape(str(t.name)) for t in fig.data if getattr(t, "name", None)]
    points = sum(len(t.x) if getattr(t, "x", None) is not None else 0 for t in fig.data)
    text = i18n.ngettext("Chart with {points} value", "Chart with {points} values", points).format(
        points=i18n.number(points))
    if title:
        text = _("{title}: {description}").format(title=title, description=text)
    if series:
        text += " · " + _("series: {names}").format(names=", ".join(series))
    return text + ". " + i18n.ngettext("The table below holds its {rows} row of data.",
                                       "The table below holds its {rows} rows of data.",
                                       len(frame)).format(rows=i18n.number(len(frame)))


def chart_alternative(fig: go.Figure, frame: pd.DataFrame, key: str) -> None:
    """The text alternative of a chart (WCAG 1.1.1): a summary and its data as a plain table."""
    with st.expander(_("Chart as text and table"), icon=":material/table_view:"):
        st.caption(plain(chart_summary(fig, frame)))
        if len(frame) > ALTERNATIVE_ROWS:
            st.caption(_("The first {shown} of {rows} rows; the CSV download holds them all.").format(
                shown=i18n.number(ALTERNATIVE_ROWS), rows=i18n.number(len(frame))))
        st.table(labelled_frame(frame.head(ALTERNATIVE_ROWS)))


def download_images(fig: go.Figure, name: str, key: str) -> None:
    """PNG and SVG buttons whose bytes kaleido renders on click (deferred), not on every run."""
    from functools import partial

    from .exports import IMAGE_MIMES, image_bytes
    frozen = go.Figure(fig)  # the figure as shown now, whatever the page does with `fig` later
    for fmt, mime in IMAGE_MIMES.items():
        st.download_button(_("Chart ({format})").format(format=fmt.upper()), data=partial(image_bytes, frozen, fmt),
                           file_name=f"{name}.{fmt}", mime=mime, key=f"{fmt}-{key}", on_click="ignore",
                           icon=":material/image:")


def download_csv(frame: pd.DataFrame, name: str, key: str) -> None:
    """The CSV of `frame`. Headers: the data's column names in English (stable for scripts, as
    documented in `queries/`), the translated column labels in the other languages."""
    export = frame if i18n.language() == i18n.DEFAULT else labelled_frame(frame)
    st.download_button(_("Download data (CSV)"), data=to_csv_bytes(export), file_name=f"{name}.csv",
                       mime="text/csv", key=f"csv-{key}", icon=":material/download:")


def labelled_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose headers and enumerated values are in the page's language. Two
    columns with the same label (category and its label) keep apart: the second says its name."""
    labels, taken = {}, set()
    for column in frame.columns:
        label = i18n.column_label(column)
        labels[column] = label if label not in taken else f"{label} ({column})"
        taken.add(labels[column])
    return i18n.translated_values(frame).rename(columns=labels)


def show_table(frame, key: str, column_config: dict | None = None, **kwargs):
    """`st.dataframe` with every header in the page's language. The frame keeps its column names
    (tests and downloads read them); `column_config` entries keep their settings, and a label
    given there (already translated by the page) wins."""
    from pandas.io.formats.style import Styler
    if not isinstance(frame, Styler):
        frame = i18n.translated_values(frame)
    columns = frame.data.columns if isinstance(frame, Styler) else frame.columns
    config = {str(c): i18n.column_label(c) for c in columns}
    for name, setting in (column_config or {}).items():
        if isinstance(setting, dict):
            config[name] = {**setting, "label": setting.get("label") or i18n.column_label(name)}
        else:
            config[name] = setting
    kwargs.setdefault("hide_index", True)
    return st.dataframe(frame, key=key, column_config=config, **kwargs)


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
        as_of = url_date(_("As of (UTC)"), key="as_of", default=default_as_of,
                         help=_("Reference date: occurrences whose deadline is after it are pending, not missed. "
                                "Default: the latest delivery date in the loaded log."))
    since = until = None
    if period:
        first = pd.Timestamp(dimensions["first_date"].min()).date() if len(dimensions) else as_of
        with columns[1]:
            chosen = url_date_range(_("Period: scheduled date, inclusive (UTC)"), key="period",
                                    default=(first, as_of))
        since, until = chosen if chosen else (None, None)
    columns = st.columns(3)
    filters = {}
    for column, (name, label, placeholder) in zip(columns, (
            ("provider", _("Provider offices"), _("all provider offices")),
            ("recipient", _("Recipient offices"), _("all recipient offices")),
            ("dataset", _("Datasets"), _("all datasets")))):
        with column:
            values = sorted(dimensions[name].unique()) if len(dimensions) else []
            fmt = (lambda c: office_label(c, names)) if name != "dataset" else str
            filters[f"{name}s"] = url_multiselect(label, values, key=name, format_func=fmt,
                                                  placeholder=placeholder) or None
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
        fig.add_scatter(x=rows[x], y=rows[y], mode="markers", name=_(OUTCOME_LABELS[outcome]),
                        marker=dict(color=colour, symbol=OUTCOME_SYMBOLS[outcome], size=8,
                                    line=dict(width=1, color=colour)),
                        customdata=rows[[hover]], hovertemplate="%{customdata[0]}<extra>"
                        + _(OUTCOME_LABELS[outcome]) + "</extra>")
    return fig

# ------------------------------------------------------------------ survey page helpers

SMALL_CELL_TEXT = N_("suppressed (small cell)")
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


def share_text(offices: int, base: int) -> str:
    """'12 of 20 (60%)': a share always with its base."""
    if not base:
        return _("{offices} of {base}").format(offices=i18n.number(offices), base=i18n.number(0))
    return _("{offices} of {base} ({share})").format(offices=i18n.number(offices), base=i18n.number(base),
                                                    share=i18n.percent(offices / base, 0))


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
                        mode="markers", name=_(ANSWER_LABELS[value]),
                        marker=dict(symbol="square", size=16, color=colour,
                                    line=dict(color="#777777", width=1)),
                        hovertemplate="%{y}<br>%{x}: " + _(ANSWER_LABELS[value]) + "<extra></extra>")
    fig.update_layout(title=title, height=max(260, 26 * len(rows) + 140),
                      yaxis=dict(categoryorder="array", categoryarray=[chart_text(r) for r in rows][::-1]),
                      xaxis=dict(categoryorder="array",
                                 categoryarray=[chart_text(c) for c in dict.fromkeys(frame[column])],
                                 side="top"))
    chart(fig, frame, name, key, alternative=False)  # matrix_view shows the cells as a table


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
    """'2 respondents not named here: ...' for `what` in respondent, office, contradiction."""
    if not count:
        return ""
    if what == "office":
        text = i18n.ngettext("{count} office not named here: no consent to publication of individual answers "
                             "(counted in every total).",
                             "{count} offices not named here: no consent to publication of individual answers "
                             "(counted in every total).", count)
    elif what == "contradiction":
        text = i18n.ngettext("{count} office with a contradiction not named here: no consent to publication of "
                             "individual answers (counted in every total).",
                             "{count} offices with a contradiction not named here: no consent to publication of "
                             "individual answers (counted in every total).", count)
    else:
        text = i18n.ngettext("{count} respondent not named here: no consent to publication of individual answers "
                             "(counted in every total).",
                             "{count} respondents not named here: no consent to publication of individual answers "
                             "(counted in every total).", count)
    return text.format(count=i18n.number(count))


def localized_options(frame: pd.DataFrame, round: str, section: str | None) -> pd.DataFrame:
    """Answer options' labels in the page's language where the round's codebook translates them
    (`ui.i18n.option_labels`), with a caption saying how many stay in English."""
    if section is None:
        return frame
    frame, english = i18n.option_labels(frame, str(round), section)
    if english:
        st.caption(i18n.option_labels_note(str(round), english))
    return frame


def option_counts_view(counts: pd.DataFrame, published: pd.DataFrame, name: str, key: str,
                       as_share: bool, label_column: str = "code", section: str | None = None) -> None:
    """Bar chart of offices ticking each option in one round (count, or share of its base),
    the published CWS/13/14 figure beside it, and the table of both with their bases."""
    rnd, base = str(counts["round"].iloc[0]), int(counts["base"].iloc[0])
    counts = localized_options(counts, rnd, section)
    table = counts[["round", "direction", "code", "label", "offices", "base", "share", "no_answer"]].merge(
        published[["direction", "code", "round", "published", "published_base"]].rename(
            columns={"round": "published_round"}), on=["direction", "code"], how="left")
    table = table.astype({"published": "Int64", "published_base": "Int64"})
    table["published_share"] = (table["published"] / table["published_base"]).astype("Float64").round(4)
    y, y_published = ("share", "published_share") if as_share else ("offices", "published")
    x = [chart_text(v) for v in table[label_column]]
    fig = go.Figure()
    fig.add_bar(x=x, y=table[y], name=_("{round} computed (base {base})").format(round=rnd, base=base),
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
    table_view = table.drop(columns=["round", "direction"])
    show_table(table_view, key=f"table-{key}",
               column_config={"share": st.column_config.NumberColumn(format="percent"),
                              "published_share": st.column_config.NumberColumn(format="percent")})


STATE_SYMBOLS = {"yes": "✔", "no": "·", "no_answer": N_("no answer"), "not_asked": N_("not asked")}


def matrix_view(matrix: pd.DataFrame, round: str, name: str, key: str, column: str = "code",
                section: str | None = None) -> None:
    """The office x option matrix of `round` for the offices the viewer may see (chart, CSV,
    and the same cells as a table), saying how many respondents are left out unnamed."""
    shown, not_named = named_offices(localized_options(matrix, round, section), [round])
    if shown.empty:
        st.info(_("No respondent of this round in the filter may be named."))
    else:
        names = office_names()
        shown = shown.assign(office_label=[office_label(c, names) for c in shown["office"]])
        answer_matrix(shown, name, key, column=column)
        with st.expander(_("The matrix as a table"), icon=":material/table_view:"):
            symbols = {state: _(symbol) for state, symbol in STATE_SYMBOLS.items()}
            wide = shown.assign(answer=shown["state"].map(symbols)).pivot(
                index="office_label", columns=column, values="answer")
            wide = wide[list(dict.fromkeys(shown[column]))].reset_index().rename(
                columns={"office_label": "office"})
            show_table(wide, key=f"matrix-table-{key}")
    if not_named:
        st.caption(not_named_text(not_named))


def _names_cell(codes: Iterable[str], names: dict[str, str], not_named: int) -> str:
    text = ", ".join(office_label(c, names) for c in codes)
    extra = _("{count} not named").format(count=i18n.number(not_named)) if not_named else ""
    return " + ".join(t for t in (text, extra) if t) or "-"


#: Titles of the round-comparison chart per survey section (whole sentences, for translators).
CHANGE_TITLES = {
    "standards": N_("Offices that adopted or dropped each standard, {from_round} -> {to_round}"),
    "challenges": N_("Offices that adopted or dropped each challenge, {from_round} -> {to_round}"),
    "ip_rights": N_("Offices that adopted or dropped each IP right, {from_round} -> {to_round}"),
    "data_types": N_("Offices that adopted or dropped each data type, {from_round} -> {to_round}"),
    "formats": N_("Offices that adopted or dropped each file format, {from_round} -> {to_round}"),
}
CHANGE_TITLE_OTHER = N_("Offices that adopted or dropped each option, {from_round} -> {to_round}")


def round_comparison(section: str, rounds: Sequence[str], selection: list[str] | None, key: str,
                     direction: str | None = None) -> None:
    """Two rounds side by side for the questions tagged `section`: per option the offices that
    adopted, dropped or kept it (answered both rounds), the ticks of offices that answered only
    one round (not counted as change), and per office what changed. Offices are named only when
    the viewer may see their answers in both rounds; the others are counted."""
    from . import disclosure
    from queries import survey as survey_queries
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
    base_from, base_to = respondents(from_round, selection), respondents(to_round, selection)
    if disclosure.suppressed(from_round, base_from) or disclosure.suppressed(to_round, base_to):
        st.info(_("Comparison {suppressed}: the filter leaves too few offices to show without singling out an "
                  "office that did not consent to publication.").format(suppressed=_(SMALL_CELL_TEXT)))
        return
    kwargs = dict(section=section, direction=direction, offices=selection,
                  from_round=from_round, to_round=to_round)
    summary = localized_options(data.query(survey_queries.option_change_summary, **kwargs), to_round, section)
    changes = data.query(survey_queries.option_changes, **kwargs)
    changes["item"] = [c if not d else f"{d}: {c}" for c, d in zip(changes["code"], changes["direction"])]
    named, _not_named = named_offices(changes, [from_round, to_round])
    names = office_names()
    for change in ("adopted", "dropped"):
        cells = []
        for option in summary.itertuples():
            rows = changes[(changes["code"] == option.code) & (changes["direction"].fillna("") == (option.direction or ""))
                           & (changes["change"] == change)]
            shown = named[named.index.isin(rows.index)]
            cells.append(_names_cell(shown["office"], names, len(rows) - len(shown)))
        summary[f"{change} by"] = cells
    not_asked = _("not asked")
    summary[f"{from_round}"] = [share_text(r.from_offices, r.from_base) if r.asked_from else not_asked
                                for r in summary.itertuples()]
    summary[f"{to_round}"] = [share_text(r.to_offices, r.to_base) if r.asked_to else not_asked
                              for r in summary.itertuples()]
    fig = go.Figure()
    x = [chart_text(c if not d else f"{d}: {c}") for c, d in zip(summary["code"], summary["direction"])]
    fig.add_bar(x=x, y=summary["adopted"], name=_("adopted"), marker_color=SERIES_COLOURS[2],
                marker_pattern_shape="")
    fig.add_bar(x=x, y=-summary["dropped"], name=_("dropped"), marker_color=SERIES_COLOURS[5],
                marker_pattern_shape="x",  # dropped bars hatched: not told apart by colour alone
                customdata=summary["dropped"], hovertemplate=_("%{x}: %{customdata} dropped") + "<extra></extra>")
    fig.add_bar(x=x, y=summary["only_to"], name=_("new respondents in {round} ticking it").format(round=to_round),
                marker_color=SERIES_COLOURS[4], marker_pattern_shape=".")
    fig.update_layout(barmode="relative", yaxis_title=_("offices"),
                      title=_(CHANGE_TITLES.get(section, CHANGE_TITLE_OTHER)).format(from_round=from_round,
                                                                                     to_round=to_round))
    chart(fig, summary, f"{section}-changes-{from_round}-{to_round}", f"{key}-changes", alternative=False)
    direction_column = ["direction"] if summary["direction"].notna().any() else []
    show_table(summary[direction_column + ["code", "label", from_round, to_round, "adopted", "dropped", "kept",
                                           "only_from", "only_to", "adopted by", "dropped by"]].rename(columns={
                   "only_from": _("ticked by offices answering only {round}").format(round=from_round),
                   "only_to": _("ticked by offices answering only {round}").format(round=to_round),
                   "adopted by": _("adopted by"), "dropped by": _("dropped by")}),
               key=f"table-{key}-changes")
    st.caption(_("Adopted, dropped and kept count offices that answered both rounds. Offices that answered "
                 "only one round, left the question blank in one round, or were not asked an option in one "
                 "round are not counted as a change."))
    st.markdown("**" + _("What changed per office, {from_round} -> {to_round}").format(
        from_round=from_round, to_round=to_round) + "**")
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
    not_named = changes["office"].nunique() - named["office"].nunique()
    if not_named:
        st.caption(not_named_text(not_named, "office"))


def page_header(title: str, icon: str, caption: str, data_kind: str, heading: str | None = None) -> None:
    """The top of every page: page set-up, the sidebar (language, sign-in, pages), the title
    (`heading` when it differs from the browser tab's `title`), the caption, and the
    illustrative-data notice for the page's data: `data_kind` "survey" or "deliveries"."""
    from . import auth
    page(title, icon)
    auth.sidebar()
    st.title(heading or title)
    st.caption(caption)
    provenance = data.provenance()
    if data_kind == "survey":
        illustrative_notice(provenance["illustrative_survey"], N_("survey answers"))
    else:
        illustrative_notice(provenance["illustrative_deliveries"], N_("delivery data"))


def survey_page(title: str, icon: str, caption: str):
    """The top of every survey page: set-up, title, the illustrative notice, the round selector,
    the count/share toggle and the office filters (all in the URL). Returns (rounds, round,
    as_share, selection, base): `selection` None = no office filter, `base` the round's
    respondents within it. Stops the page when no round is loaded."""
    from queries import survey as survey_queries
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
    st.markdown(text.format(count=count, round=round) + " "
                + _("The published CWS/13/14 figures count all 20 respondents of 2025."))


def small_cell_info(base: set[str]) -> None:
    st.info(i18n.ngettext(
        "Counts {suppressed}: the filter leaves {count} respondent, too few to show without singling out an "
        "office that did not consent to publication.",
        "Counts {suppressed}: the filter leaves {count} respondents, too few to show without singling out an "
        "office that did not consent to publication.", len(base)).format(
            suppressed=_(SMALL_CELL_TEXT), count=i18n.number(len(base))))
