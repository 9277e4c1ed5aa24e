"""Incident page helpers (issue 17): the incident timeline, the ongoing-incident banners, the
sender x receiver on-time matrix, the notices table and the form that publishes a notice.

Figures are built by pure functions (`*_figure`) from the metric layer's frames
(`queries.incidents`, `queries.delivery`); the `show_*` functions lay them out. Untrusted text
(dataset names, notice texts) reaches Markdown only through `common.plain` and Plotly only
through `common.chart_text`.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from . import common, data, i18n
from .i18n import N_, _

#: Announced or not: colour AND bar pattern, so the distinction never rests on colour alone.
ANNOUNCED_STYLE = {True: ("#0072B2", "/", N_("announced (notice before the first missed date)")),
                   False: ("#D55E00", "x", N_("not announced"))}
NOTICE_MARK = dict(symbol="diamond", size=11, color="#000000")
ONGOING_MARK = dict(symbol="triangle-right", size=12, color="#000000")
#: Cells of the matrix below their SLA carry this symbol (besides their colour).
BELOW_SLA_SYMBOL = "▼"


def schedule_label(provider: str, recipient: str, dataset: str) -> str:
    return f"{provider} -> {recipient} · {dataset}"


def _day(value) -> dt.date | None:
    if value is None or (not isinstance(value, dt.date) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def incident_timeline_frame(incidents: pd.DataFrame, as_of) -> pd.DataFrame:
    """The incidents with what the timeline draws: `schedule` (label), `bar_end` (recovery, or
    as_of for an ongoing one), `ongoing`, and `notice_date` (first missed - notice lead)."""
    as_of = _day(as_of)
    frame = incidents.copy()
    frame["schedule"] = [schedule_label(p, r, d) for p, r, d in
                         zip(frame["provider"], frame["recipient"], frame["dataset"])]
    frame["ongoing"] = frame["recovered_at"].isna()
    frame["bar_end"] = [as_of if _day(end) is None else _day(end) for end in frame["recovered_at"]]
    frame["notice_date"] = [None if pd.isna(lead) else _day(first) - dt.timedelta(days=int(lead))
                            for first, lead in zip(frame["first_missed"], frame["notice_lead_days"])]
    return frame


def incident_timeline_figure(frame: pd.DataFrame) -> go.Figure:
    """Bars per schedule from the first missed date to recovery (open-ended with an arrow at the
    as-of date while ongoing); announced or not by colour and pattern; the notice's date marked."""
    fig = go.Figure()
    day_ms = 24 * 3600 * 1000
    for announced, (colour, pattern, label) in ANNOUNCED_STYLE.items():
        rows = frame[frame["announced"].fillna(False).astype(bool) == announced]
        if rows.empty:
            continue
        starts = [_day(d) for d in rows["first_missed"]]
        widths = [max((end - start).days, 1) * day_ms for start, end in zip(starts, rows["bar_end"])]
        hover = [common.chart_text(_("{schedule}: {missed} missed from {first}, {state}").format(
                     schedule=s, missed=i18n.number(int(m)), first=i18n.date(f),
                     state=_("ongoing") if o else _("recovered {date}").format(date=i18n.date(_day(r)))))
                 for s, m, f, o, r in zip(rows["schedule"], rows["missed_occurrences"], starts,
                                          rows["ongoing"], rows["recovered_at"])]
        fig.add_bar(y=[common.chart_text(s) for s in rows["schedule"]], x=widths,
                    base=[d.isoformat() for d in starts], orientation="h", name=_(label),
                    marker=dict(color=colour, pattern=dict(shape=pattern, fgcolor="#FFFFFF")),
                    hovertext=hover, hovertemplate="%{hovertext}<extra></extra>")
    ongoing = frame[frame["ongoing"]]
    if len(ongoing):
        fig.add_scatter(x=[d.isoformat() for d in ongoing["bar_end"]],
                        y=[common.chart_text(s) for s in ongoing["schedule"]], mode="markers",
                        name=_("ongoing at the as-of date"), marker=ONGOING_MARK, hoverinfo="skip")
    noticed = frame[frame["notice_date"].notna()]
    if len(noticed):
        fig.add_scatter(x=[d.isoformat() for d in noticed["notice_date"]],
                        y=[common.chart_text(s) for s in noticed["schedule"]], mode="markers",
                        name=_("notice published"), marker=NOTICE_MARK,
                        hovertext=[common.chart_text(_("notice {lead} days before the first missed date").format(
                            lead=i18n.number(int(lead)))) for lead in noticed["notice_lead_days"]],
                        hovertemplate="%{hovertext}<extra></extra>")
    fig.update_layout(barmode="overlay", xaxis=dict(type="date", title=_("date (UTC)")),
                      yaxis=dict(categoryorder="category descending", title=None),
                      height=max(300, 28 * frame["schedule"].nunique() + 180),
                      title=_("Incidents: from the first missed delivery to recovery"))
    return fig


def banner_text(row, names: dict[str, str]) -> str:
    """'Deliveries of X from JP to EP interrupted since 2026-03-16, announced 6 days ahead' (or
    the not-announced / late-notice variants), as plain Markdown-safe text."""
    values = dict(dataset=row.dataset, provider=common.office_label(row.provider, names),
                  recipient=common.office_label(row.recipient, names), since=i18n.date(_day(row.first_missed)))
    lead = row.notice_lead_days
    if not bool(row.announced) and pd.isna(lead):
        text = _("Deliveries of {dataset} from {provider} to {recipient} interrupted since {since}, not announced")
    elif pd.isna(lead):
        text = _("Deliveries of {dataset} from {provider} to {recipient} interrupted since {since}, announced "
                 "(notice recorded in the delivery log, lead time unknown)")
    elif int(lead) >= 0:
        values["days"] = i18n.number(int(lead))
        text = i18n.ngettext(
            "Deliveries of {dataset} from {provider} to {recipient} interrupted since {since}, announced {days} "
            "day ahead",
            "Deliveries of {dataset} from {provider} to {recipient} interrupted since {since}, announced {days} "
            "days ahead", int(lead))
    else:
        values["days"] = i18n.number(-int(lead))
        text = i18n.ngettext(
            "Deliveries of {dataset} from {provider} to {recipient} interrupted since {since}, notice given {days} "
            "day after it began",
            "Deliveries of {dataset} from {provider} to {recipient} interrupted since {since}, notice given {days} "
            "days after it began", -int(lead))
    return common.plain(text.format(**values))


def ongoing_incidents(as_of=None, office: str | None = None) -> pd.DataFrame:
    """Incidents still going on at as_of (default: the data's as-of date); with `office`, those
    where it is the provider or the recipient."""
    from queries import incidents as incident_queries
    as_of = as_of or data.provenance()["deliveries_as_of"]
    found = data.query(incident_queries.incidents, as_of=as_of)
    found = found[found["recovered_at"].isna()]
    if office:
        found = found[(found["provider"] == office) | (found["recipient"] == office)]
    return found


def show_ongoing_banners(as_of=None, office: str | None = None) -> int:
    """One warning per ongoing incident (see `banner_text`); returns how many were shown."""
    found = ongoing_incidents(as_of, office)
    names = common.office_names()
    for row in found.itertuples():
        st.warning(banner_text(row, names), icon=":material/report:")
    return len(found)


def pair_matrix_frame(by_schedule: pd.DataFrame) -> pd.DataFrame:
    """Per provider-recipient pair: due (scheduled), on time, the on-time rate = on time / due
    (the definition of `queries.delivery`, summed over the pair's datasets) and below_sla = some
    schedule of the pair missed its own on_time_target."""
    grouped = (by_schedule.assign(below=~by_schedule["sla_met"].astype(bool))
               .groupby(["provider", "recipient"], as_index=False)
               .agg(scheduled=("scheduled", "sum"), on_time=("on_time", "sum"), schedules=("dataset", "size"),
                    below_sla=("below", "any")))
    grouped["on_time_rate"] = grouped["on_time"] / grouped["scheduled"].where(grouped["scheduled"] > 0)
    return grouped


def pair_matrix_figure(pairs: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """Heatmap: providers (rows) x recipients (columns), the on-time rate as colour, each cell
    written '93% (41/44)' and prefixed with BELOW_SLA_SYMBOL when below the SLA."""
    providers = sorted(pairs["provider"].unique())
    recipients = sorted(pairs["recipient"].unique())
    z = pd.DataFrame(index=providers, columns=recipients, dtype=float)
    text = pd.DataFrame("", index=providers, columns=recipients)
    for row in pairs.itertuples():
        z.loc[row.provider, row.recipient] = row.on_time_rate
        cell = _("{rate} ({on_time}/{due})").format(
            rate=i18n.percent(row.on_time_rate, 0) if pd.notna(row.on_time_rate) else "-",
            on_time=i18n.number(int(row.on_time)), due=i18n.number(int(row.scheduled)))
        text.loc[row.provider, row.recipient] = f"{BELOW_SLA_SYMBOL} {cell}" if row.below_sla else cell
    fig = go.Figure(go.Heatmap(
        z=z.values, x=[common.chart_text(c) for c in recipients], y=[common.chart_text(c) for c in providers],
        text=text.values, texttemplate="%{text}", zmin=0, zmax=1, colorscale="Cividis",
        colorbar=dict(title=_("on-time rate"), tickformat=".0%"),
        hovertemplate=_("%{y} to %{x}: %{text}") + "<extra></extra>"))
    fig.update_layout(xaxis_title=_("recipient office"), yaxis_title=_("provider office"),
                      yaxis=dict(autorange="reversed"), height=max(320, 34 * len(providers) + 160),
                      title=_("On-time rate per provider and recipient ({symbol} = below the SLA)").format(
                          symbol=BELOW_SLA_SYMBOL))
    return fig
