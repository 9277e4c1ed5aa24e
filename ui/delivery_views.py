"""Delivery page helpers: the filter bar (as-of date, period, offices, datasets in the URL)
and the outcome marks (colour, shape and label per outcome)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from queries import delivery as delivery_queries
from queries.filters import DeliveryFilter

from . import data
from .common import (
    OUTCOME_COLOURS,
    OUTCOME_LABELS,
    OUTCOME_SYMBOLS,
    office_label,
    office_names,
    url_date,
    url_date_range,
    url_multiselect,
)
from .i18n import _


def delivery_filters(period: bool = True) -> dict:
    """The delivery pages' filter bar, all in the URL: as-of date (default: the latest delivery
    in the log), period (inclusive, on scheduled date, UTC), providers, recipients, datasets.
    Returns the keyword arguments of the `queries.delivery` / `queries.completeness` metrics:
    `as_of` and `where`, a `DeliveryFilter` (nothing chosen = all); without `period`, no
    since/until."""
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
    return {"as_of": as_of, "where": DeliveryFilter(since=since, until=until, **filters)}


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
