"""Incident page helpers: the incident timeline, the ongoing-incident banners, the
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

from loaders import LoadRejected
from loaders.notices import NOTICE_KINDS
from loaders.publish import publish_notice
from queries import delivery, feed
from queries import incidents as incident_queries
from queries.filters import DeliveryFilter

from . import common, data, i18n
from .auth import Viewer
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
    if value is None or pd.isna(value):  # NaT is a datetime too
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


@i18n.language_fixed
def incident_timeline_figure(frame: pd.DataFrame) -> go.Figure:
    """Bars per schedule from the first missed date to recovery (open-ended with an arrow at the
    as-of date while ongoing); announced or not by colour and pattern; the notice's date marked."""
    fig = go.Figure()
    day_ms = 24 * 3600 * 1000
    # Texts and formatted values looked up once, not per bar: thousands of incidents at scale.
    hover_text = _("{schedule}: {missed} missed from {first}, {state}")
    ongoing_text, recovered_text = _("ongoing"), _("recovered {date}")
    date, number = i18n.date, i18n.number
    for announced, (colour, pattern, label) in ANNOUNCED_STYLE.items():
        rows = frame[frame["announced"].fillna(False).astype(bool) == announced]
        if rows.empty:
            continue
        starts = [_day(d) for d in rows["first_missed"]]
        widths = [max((end - start).days, 1) * day_ms for start, end in zip(starts, rows["bar_end"])]
        hover = [common.chart_text(hover_text.format(
                     schedule=s, missed=number(int(m)), first=date(f),
                     state=ongoing_text if o else recovered_text.format(date=date(_day(r)))))
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
        notice_text = _("notice {lead} days before the first missed date")
        fig.add_scatter(x=[d.isoformat() for d in noticed["notice_date"]],
                        y=[common.chart_text(s) for s in noticed["schedule"]], mode="markers",
                        name=_("notice published"), marker=NOTICE_MARK,
                        hovertext=[common.chart_text(notice_text.format(lead=number(int(lead))))
                                   for lead in noticed["notice_lead_days"]],
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
    as_of = as_of or data.provenance()["deliveries_as_of"]
    found = data.query(incident_queries.incidents, as_of=as_of)
    found = found[found["ongoing"].astype(bool)]
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


@i18n.language_fixed
def pair_matrix_figure(pairs: pd.DataFrame, names: dict[str, str]) -> go.Figure:
    """Heatmap of `queries.delivery.delivery_reliability_by_pair`: providers (rows, code and
    short name) x recipients (columns, codes), the on-time rate as colour, each cell
    written '93% (41/44)' and prefixed with BELOW_SLA_SYMBOL when below the SLA; both offices'
    full names on hover."""
    providers = sorted(pairs["provider"].unique())
    recipients = sorted(pairs["recipient"].unique())
    # Texts, labels and formatted counts looked up once: a matrix of 100+ offices has 10 000+ cells.
    cell_text, pair_text = _("{rate} ({on_time}/{due})"), _("{provider} to {recipient}")
    number, percent = i18n.number, (lambda rate: i18n.percent(rate, 0))
    cells = [f"{BELOW_SLA_SYMBOL} {cell}" if below else cell for cell, below in zip(
        (cell_text.format(rate=percent(rate) if pd.notna(rate) else "-", on_time=number(int(on_time)),
                          due=number(int(due)))
         for rate, on_time, due in zip(pairs["on_time_rate"], pairs["on_time"], pairs["scheduled"])),
        pairs["below_sla"].astype(bool))]
    grid = pairs.assign(cell=cells)
    z = grid.pivot(index="provider", columns="recipient", values="on_time_rate").reindex(
        index=providers, columns=recipients).astype(float)
    text = grid.pivot(index="provider", columns="recipient", values="cell").reindex(
        index=providers, columns=recipients).fillna("")
    full = {code: common.office_label(code, names) for code in set(providers) | set(recipients)}
    hover = [[common.chart_text(pair_text.format(provider=full[p], recipient=full[r])) for r in recipients]
             for p in providers]
    fig = go.Figure(go.Heatmap(
        z=z.values, x=[common.chart_text(c) for c in recipients],
        y=[common.office_axis_label(c, names) for c in providers], hovertext=hover,
        text=text.values, texttemplate="%{text}", zmin=0, zmax=1, colorscale="Cividis",
        colorbar=dict(title=_("on-time rate"), tickformat=".0%"),
        hovertemplate="%{hovertext}: %{text}<extra></extra>"))
    fig.update_layout(xaxis_title=_("recipient office"), yaxis_title=_("provider office"),
                      yaxis=dict(autorange="reversed", automargin=True), height=max(320, 34 * len(providers) + 160),
                      title=_("On-time rate per provider and recipient ({symbol} = below the SLA)").format(
                          symbol=BELOW_SLA_SYMBOL))
    return fig


def scorecard_with_incidents(scorecard: pd.DataFrame, as_of, where) -> pd.DataFrame:
    """The provider scorecard with `queries.incidents.provider_incident_metrics`: MTTR, the share
    of interruptions announced, the median notice lead and the rolling 30/90/365-day on-time rates."""
    extra = data.query(incident_queries.provider_incident_metrics, as_of=as_of, where=where)
    return scorecard.merge(extra[["provider", *SCORECARD_INCIDENT_COLUMNS]], on="provider", how="left")


#: The scorecard's new columns and their display settings (percent / one decimal).
SCORECARD_INCIDENT_COLUMNS = {"mttr_days": "%.1f", "share_announced": "percent", "median_notice_lead_days": "%.1f",
                              "on_time_rate_30d": "percent", "on_time_rate_90d": "percent",
                              "on_time_rate_365d": "percent"}

#: Notice kinds as shown (msgids), in the loader's order.
NOTICE_KIND_LABELS = {"planned_interruption": N_("planned interruption"),
                      "unplanned_interruption": N_("unplanned interruption"), "delay": N_("delay"),
                      "format_change": N_("format change"), "other": N_("other")}


def show_notices(notices: pd.DataFrame, names: dict[str, str], key: str) -> None:
    """The notices as a table (newest first): who, to whom, which dataset (empty = all), from,
    to, kind, text and when published."""
    if notices.empty:
        st.caption(_("No notice has been published for these offices and datasets."))
        return
    everyone = _("all")
    shown = notices.assign(
        provider=[common.office_label(c, names) for c in notices["provider"]],
        recipient=[common.office_label(c, names) if isinstance(c, str) else everyone for c in notices["recipient"]],
        dataset=[d if isinstance(d, str) else everyone for d in notices["dataset"]],
        kind=[_(NOTICE_KIND_LABELS.get(k, k)) for k in notices["kind"]])
    common.show_table(shown[["announced_at", "provider", "recipient", "dataset", "starts", "ends", "kind", "text"]],
                      key=f"table-notices-{key}")
    common.download_csv(notices, "notices", f"notices-{key}")


def notice_providers(viewer: Viewer, offices: list[str]) -> list[str]:
    """The providers this viewer may publish a notice for: its own office (office role), any
    office (secretariat), none (public)."""
    if viewer.role == "secretariat":
        return list(offices)
    if viewer.role == "office" and viewer.office:
        return [viewer.office]
    return []


def notice_form(viewer: Viewer, offices: list[str], datasets: list[str], names: dict[str, str]) -> None:
    """The form that publishes a notice through the notices loader (`loaders.publish.publish_notice`:
    validated, archived and loaded as a file would be, `loaded_by` the signed-in user)."""
    providers = notice_providers(viewer, offices)
    if not providers:
        st.caption(_("Signed-in offices publish notices of their own deliveries here; the secretariat, for any "
                     "office."))
        return
    everyone = "__all__"
    with st.form("notice-form", clear_on_submit=True):
        st.markdown("**" + _("Publish a notice") + "**")
        left, right = st.columns(2)
        provider = left.selectbox(_("Provider office"), providers, key="notice-provider",
                                  format_func=lambda c: common.office_label(c, names))
        recipient = right.selectbox(_("Recipient office"), [everyone] + [o for o in offices],
                                    key="notice-recipient",
                                    format_func=lambda c: _("all recipients") if c == everyone
                                    else common.office_label(c, names))
        dataset = left.selectbox(_("Dataset"), [everyone] + list(datasets), key="notice-dataset",
                                 format_func=lambda d: _("all datasets") if d == everyone else d)
        kind = right.selectbox(_("Kind"), NOTICE_KINDS, key="notice-kind",
                               format_func=lambda k: _(NOTICE_KIND_LABELS.get(k, k)))
        starts = left.date_input(_("From (UTC, inclusive)"), key="notice-starts")
        ends = right.date_input(_("To (UTC, inclusive)"), key="notice-ends")
        text = st.text_area(_("Notice text"), key="notice-text", max_chars=2000)
        submitted = st.form_submit_button(_("Publish notice"), key="notice-submit")
    if not submitted:
        return
    try:
        publish_notice(provider, None if recipient == everyone else recipient,
                       None if dataset == everyone else dataset, starts, ends, kind, text,
                       loaded_by=viewer.username or viewer.role, db_path=data.database_path())
    except LoadRejected as err:
        st.error(_("The notice was not published: {problems}").format(
            problems=common.plain("; ".join(f"{p.column}: {p.expected}" for p in err.problems))),
            icon=":material/error:")
        return
    except TimeoutError:
        st.error(_("The database is busy: another load is running. Nothing was changed; try again in a moment."),
                 icon=":material/hourglass:")
        return
    st.success(_("Notice published."), icon=":material/campaign:")


def show_feed_downloads(offices: list[str], names: dict[str, str], as_of) -> None:
    """Downloads of the Atom feed of notices and incidents (`queries.feed.feed_atom`): every
    office's, or one office's (what it provides or receives). Built on click."""
    st.subheader(_("Subscribe: notices and incidents as an Atom feed"))
    everyone = "__all__"
    office = common.url_select(_("Feed of"), [everyone] + list(offices), key="feed",
                               format_func=lambda c: _("every office") if c == everyone
                               else common.office_label(c, names))
    chosen = None if office == everyone else office
    st.download_button(_("Download feed (Atom)"), data=data.deferred(feed.feed_atom, as_of=as_of, office=chosen),
                       file_name=f"ipdx-{'all' if chosen is None else chosen}.atom", mime="application/atom+xml",
                       key="download-feed", on_click="ignore", icon=":material/rss_feed:")
    st.caption(_("A feed reader shows each notice and incident once, and an incident again when it recovers. The "
                 "same files are written by 'python -m loaders feed OUTDIR' for a web server to serve."))


def scorecard_column_config() -> dict:
    """Display settings of the scorecard's new columns (`SCORECARD_INCIDENT_COLUMNS`)."""
    return {name: st.column_config.NumberColumn(format=fmt) for name, fmt in SCORECARD_INCIDENT_COLUMNS.items()}


def show_notices_section(where, names: dict[str, str], viewer: Viewer) -> None:
    """The update calendar's notices: the published ones for the filters, and the form that
    publishes one (office role for its own office, secretariat for any)."""
    st.subheader(_("Notices"))
    show_notices(data.query(incident_queries.notices, where=where), names, "calendar")
    dimensions = data.query(delivery.delivery_dimensions)
    offices = sorted(set(dimensions["provider"]) | set(dimensions["recipient"]) | set(data.offices()["code"]))
    notice_form(viewer, offices, sorted(dimensions["dataset"].unique()), names)


def show_office_notices(office: str, names: dict[str, str]) -> None:
    """The notices an office published, and those addressed to it by name."""
    st.subheader(_("Notices"))
    published = data.query(incident_queries.notices, where=DeliveryFilter(providers=[office]))
    addressed = data.query(incident_queries.notices, where=DeliveryFilter(recipients=[office]))
    addressed = addressed[addressed["recipient"] == office]
    show_notices(pd.concat([published, addressed]).drop_duplicates("notice_id")
                 .sort_values("announced_at", ascending=False), names, f"office-{office}")
