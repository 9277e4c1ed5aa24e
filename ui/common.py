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
    """Show a chart with a download of exactly the data behind it."""
    st.plotly_chart(style_figure(fig), width="stretch", key=f"chart-{key}")
    download_csv(frame, name, key)


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
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8")


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
