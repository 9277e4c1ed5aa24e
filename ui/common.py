"""Look and feel shared by every page: colours, office labels, the illustrative-data notice,
charts with their downloads and text alternatives, tables, and filters that live in the URL.
The page frame (set-up, sidebar, header) is `ui.page`."""
from __future__ import annotations

import datetime as dt
import html
import math
import re
from functools import partial
from typing import Iterable, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from queries import reference

from . import data, i18n
from .exports import IMAGE_MIMES, image_bytes, to_csv_bytes
from .i18n import N_, _

# Okabe-Ito palette: distinguishable for the common kinds of colour blindness.
OUTCOME_COLOURS = {"on_time": "#009E73", "late": "#E69F00", "missed": "#D55E00", "pending": "#999999"}
# Labels are msgids: shown through `_()` (the language is known only inside a page run).
OUTCOME_LABELS = {"on_time": N_("On time"), "late": N_("Late"), "missed": N_("Missed"), "pending": N_("Pending")}
# Outcome marker shapes, so an outcome never rests on colour alone.
OUTCOME_SYMBOLS = {"on_time": "circle", "late": "triangle-up", "missed": "x", "pending": "circle-open"}
ANSWER_COLOURS = {"yes": "#0072B2", "no": "#E5E5E5", "no_answer": "#F0E442", "not_asked": "#FFFFFF",
                  "suppressed": "#777777"}
ANSWER_LABELS = {"yes": N_("Ticked / yes"), "no": N_("Not ticked / no"), "no_answer": N_("No answer"),
                 "not_asked": N_("Not asked in this round"),
                 "suppressed": N_("Suppressed (protects an office that did not consent)")}
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
PUBLISHED_COLOUR = "#999999"

ILLUSTRATIVE_TEXT = N_(
    "Illustrative data: the per-office answers, schedules and deliveries shown here are bundled "
    "sample data, not real office answers. The 2025 answers were made up so that they reproduce "
    "every aggregate published in CWS/13/14 exactly; per-office answers were never published."
)


def provisional_text(round, until, escape=str) -> str:
    """The notice of a public round still in review (`queries.review.provisional_rounds`): the one
    text of the pages' banner, the presentation's slides and the meeting pack. `escape` makes the
    round's name inert for where it is shown (`plain` for Markdown, `html.escape` for HTML)."""
    return _("Provisional: under review by the offices until {date} (survey round {round}).").format(
        date=i18n.date(until), round=escape(round))


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


#: Characters of an office's name kept on a chart's axis, ellipsis included: the ST.3 code
#: and a few words read at a glance and leave the plot most of the width; the full name is on hover.
AXIS_NAME_CHARS = 16
#: Characters that do not end a shortened name (a cut after them leaves a dangling separator).
_DANGLING = " ·-–—,;:/(&"


def short_name(name, max_chars: int = AXIS_NAME_CHARS) -> str:
    """`name` within `max_chars` characters: whole, or cut at the last word boundary that fits
    (a first word longer than that is cut inside it) and ended with an ellipsis."""
    name = " ".join(str(name).split())
    if len(name) <= max_chars:
        return name
    kept = name[:max_chars - 1]
    if name[max_chars - 1] != " " and " " in kept:
        kept = kept.rsplit(" ", 1)[0]
    return kept.rstrip(_DANGLING) + "…"


def office_axis_label(code: str, names: dict[str, str] | None = None, max_chars: int = AXIS_NAME_CHARS) -> str:
    """'JP · Japan Patent…': the ST.3 code and the office's name shortened (`short_name`), made
    inert for Plotly (`chart_text`). The code leads, so two offices whose names share a
    beginning keep distinct labels. The full label, for hover, is `office_label`."""
    names = names if names is not None else office_names()
    name = names.get(code)
    return chart_text(f"{code} · {short_name(name, max_chars)}" if name else code)


def office_hover_label(code: str, names: dict[str, str] | None = None) -> str:
    """`office_label` made inert for Plotly: the full name a chart shows on hover."""
    return chart_text(office_label(code, names))


#: A rate axis is zoomed to its data only when it would then start at this share or above
#: (lower, zooming hides little and a bar's length from 0 reads better).
RATE_ZOOM_FROM = 0.3
#: Tick spacings of a rate axis, widest first: the widest that gives at least RATE_TICKS ticks.
_RATE_DTICKS = (0.2, 0.1, 0.05, 0.02, 0.01)
RATE_TICKS = 4


def rate_axis(values, title: str, top: float = 1.0) -> dict:
    """Settings of a rate axis (shares 0..1 shown as %) for `fig.update_xaxes` / `update_yaxes`:
    from 0 to `top` (above 1 to leave room for markers' text); when every value sits high, zoomed
    to start below the smallest by at least half a step (rounded down to 5 %, or 10 % below
    50 %), so that no bar is hidden, and the title says where the axis starts. Ticks close
    enough that at least RATE_TICKS show."""
    rates = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").dropna()
    start, top = 0.0, float(top)
    if len(rates):
        top = max(top, float(rates.max()))
        low = float(rates.min())
        step = 0.05 if low >= 0.5 else 0.1
        start = round(math.floor(round((low - step / 2) / step, 9)) * step, 4)
        if start < RATE_ZOOM_FROM:
            start = 0.0
    return dict(range=[start, top], tickmode="array", tickvals=_rate_ticks(start, min(top, 1.0)),
                tickformat=".0%", title=dict(text=_("{title} (axis from {start})").format(
                    title=title, start=i18n.percent(start, 0)) if start > 0 else title))


def _rate_ticks(start: float, end: float) -> list[float]:
    """Multiples of the widest spacing of _RATE_DTICKS with at least RATE_TICKS of them from
    `start` to `end` (ticks stop at 100 %: room above it is for markers' text, not a rate)."""
    for dtick in _RATE_DTICKS:
        first, last = math.ceil(round(start / dtick, 9)), math.floor(round(end / dtick, 9))
        if last - first + 1 >= RATE_TICKS or dtick == _RATE_DTICKS[-1]:
            return [round(i * dtick, 4) for i in range(first, last + 1)]


def office_names() -> dict[str, str]:
    """Office names in the page's language (`ui.i18n.localized_office_names`), with the
    snapshot's table of translated names."""
    offices = data.offices()
    return i18n.localized_office_names(dict(zip(offices["code"], offices["name"])),
                                       data.query(reference.office_name_translations))


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
                      colorway=SERIES_COLOURS, height=height or fig.layout.height,
                      separators=i18n.plotly_separators())
    if fig.layout.xaxis.tickformat is None and any(
            _is_date_axis(trace.x) for trace in fig.data if getattr(trace, "x", None) is not None):
        fig.update_xaxes(tickformat="%Y-%m-%d")
    if i18n.is_rtl():
        i18n.mirror_figure(fig)
    return fig


def _is_date_axis(values) -> bool:
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
    if key not in st.session_state:
        wanted = st.query_params.get(key)
        try:
            st.session_state[key] = dt.date.fromisoformat(wanted) if wanted else default
        except ValueError:
            st.session_state[key] = default
    value = st.date_input(label, key=key, **kwargs)
    _set_param(key, value.isoformat() if value else None)
    return value


def share_text(offices: int, base: int) -> str:
    """'12 of 20 (60%)': a share always with its base."""
    if not base:
        return _("{offices} of {base}").format(offices=i18n.number(offices), base=i18n.number(0))
    return _("{offices} of {base} ({share})").format(offices=i18n.number(offices), base=i18n.number(base),
                                                    share=i18n.percent(offices / base, 0))
