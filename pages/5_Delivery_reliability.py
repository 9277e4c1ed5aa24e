"""Delivery reliability: per provider office, against the shared update calendar and the SLA.

Layout only: every figure comes from `queries.delivery` through `ui.data.query`.
"""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from queries import delivery
from ui import common, data, delivery_views, i18n, incident_views, key_charts, page
from ui.i18n import _

page.page_header(_("Delivery reliability"), ":material/local_shipping:",
                 _("Are scheduled IP data deliveries on time, late or missed; how long are the delays; are there "
                   "interruptions without notice; how regular and how fresh is each delivery stream?"),
                 "deliveries")

filters = delivery_views.delivery_filters()
as_of, since, until = filters["as_of"], filters["where"].since, filters["where"].until
st.caption(_("As of **{as_of}** (UTC). Period: scheduled dates {since} to {until}, inclusive, UTC. On time = "
             "delivered by scheduled date + grace days, counted in business days where the schedule says so; "
             "pending = deadline not passed at the as-of date (never counted as missed).").format(as_of=i18n.date(as_of), since=i18n.date(since) if since else _("start"),
                                           until=i18n.date(until) if until else _("as of")))

names = common.office_names()
overall = data.query(delivery.overall_on_time_rate, **filters)
scorecard = data.query(delivery.provider_scorecard, **filters)
if scorecard.empty:
    st.info(_("No scheduled delivery matches these filters."))
    st.stop()

top = st.columns(4)
rate = overall["on_time_rate"]
top[0].metric(_("On-time rate"), i18n.percent(rate),
              help=_("{on_time} of {due} due deliveries arrived by their deadline").format(
                  on_time=i18n.number(overall["on_time"]), due=i18n.number(overall["due"])))
top[1].metric(_("Providers meeting their SLA"), _("{count} of {total}").format(
                  count=i18n.number(int(scorecard["sla_met"].sum())), total=i18n.number(len(scorecard))),
              help=_("Every schedule of the provider reaches its on-time target over the period"))
top[2].metric(_("Interruptions (unannounced)"),
              f"{i18n.number(int(scorecard['interruptions'].sum()))} "
              f"({i18n.number(int(scorecard['unannounced_interruptions'].sum()))})",
              help=_("Runs of 2 or more consecutive missed deliveries of one schedule; unannounced: no notice by its "
                     "first missed delivery"))
top[3].metric(_("Stale schedules"), i18n.number(int(scorecard["stale_schedules"].sum())),
              help=_("No delivery for more than one period plus grace days at the as-of date"))

st.subheader(_("Per provider office"))
scorecard = incident_views.scorecard_with_incidents(scorecard, as_of, filters["where"])
table = scorecard.assign(office=[common.office_label(c, names) for c in scorecard["provider"]])
common.show_table(table[["office", "scheduled", "on_time", "late", "missed", "pending", "on_time_rate", "sla_met",
                         "delay_median_days", "delay_p90_days", "interruptions", "unannounced_interruptions",
                         "irregularity_max", "stale_schedules", "days_since_last_delivery"]
                        + list(incident_views.SCORECARD_INCIDENT_COLUMNS)],
                  key="table-provider-scorecard",
                  column_config={"on_time_rate": st.column_config.NumberColumn(format="percent"),
                                 "sla_met": st.column_config.CheckboxColumn(),
                                 "delay_median_days": st.column_config.NumberColumn(format="%.1f"),
                                 "delay_p90_days": st.column_config.NumberColumn(format="%.1f"),
                                 "irregularity_max": st.column_config.NumberColumn(format="%.2f"),
                                 "days_since_last_delivery": st.column_config.NumberColumn(
                                     _("days since last delivery (max)")),
                                 **incident_views.scorecard_column_config()})
common.download_csv(scorecard, "delivery-reliability-by-provider", "provider-scorecard")
st.caption(_("Scheduled = due (on time + late + missed). Delay: median and 90th percentile of days late over late "
             "deliveries. Irregularity: standard deviation of (actual - scheduled interval) / scheduled interval, "
             "largest among the provider's schedules. Freshness columns are measured at the as-of date. "
             "Definitions: `queries/delivery.py`."))

st.subheader(_("Every scheduled delivery, by outcome"))
occurrences = data.query(delivery.scheduled_occurrence_count, **filters)
if occurrences <= delivery.TIMELINE_MAX_MARKS:
    outcomes = data.query(delivery.delivery_outcomes, **filters)
    outcomes["schedule"] = [common.chart_text(f"{p} -> {r} · {d}") for p, r, d in
                            zip(outcomes["provider"], outcomes["recipient"], outcomes["dataset"])]
    late_hover = _("{schedule}: scheduled {scheduled}, deadline {deadline}, {days} days late")
    on_time_hover = _("{schedule}: scheduled {scheduled}, deadline {deadline}")
    outcomes["hover"] = [common.chart_text((late_hover if pd.notna(n) else on_time_hover).format(
                             schedule=s, scheduled=i18n.date(d), deadline=i18n.date(dl),
                             days=i18n.number(int(n)) if pd.notna(n) else ""))
                         for s, d, dl, n in zip(outcomes["schedule"], outcomes["scheduled_date"],
                                                outcomes["deadline"], outcomes["days_late"])]
    fig = delivery_views.outcome_scatter(go.Figure(), outcomes, "scheduled_date", "schedule", "hover")
    fig.update_layout(height=max(320, 22 * outcomes["schedule"].nunique() + 160),
                      xaxis_title=_("scheduled date (UTC)"), yaxis=dict(categoryorder="category descending"))
    common.chart(fig, outcomes.drop(columns=["schedule", "hover"]), "delivery-outcomes", "outcome-timeline")
else:
    # One mark per delivery does not scale (a million marks crash a browser tab): the calendar
    # is drawn per provider and month; the drill-down below lists a provider's deliveries.
    st.caption(_("{count} scheduled deliveries in the filter: too many to draw one by one, so each cell is one "
                 "provider and month, coloured by on-time rate. Narrow the filters (below {limit}) to see every "
                 "delivery.").format(count=i18n.number(occurrences), limit=i18n.number(delivery.TIMELINE_MAX_MARKS)))
    calendar = data.query(delivery.outcomes_by_provider_month, **filters)
    wide = calendar.pivot(index="provider", columns="month", values="on_time_rate")
    fig = go.Figure(go.Heatmap(z=wide.values, x=list(wide.columns),
                               y=[common.office_axis_label(c, names) for c in wide.index],
                               hovertext=[[common.office_hover_label(c, names)] * len(wide.columns) for c in wide.index],
                               zmin=0, zmax=1, colorscale="Cividis", colorbar=dict(title=_("on-time rate"),
                                                                                   tickformat=".0%"),
                               hovertemplate="%{hovertext}<br>%{x|%Y-%m}: %{z:.0%}<extra></extra>"))
    fig.update_layout(height=max(320, 18 * len(wide) + 160), xaxis_title=_("month of scheduled date (UTC)"),
                      yaxis_automargin=True)
    common.chart(fig, calendar, "delivery-outcomes-by-provider-month", "outcome-timeline")

st.subheader(_("On-time rate by month"))
trend = data.query(delivery.monthly_on_time_trend, **filters)
common.chart(key_charts.monthly_trend_figure(trend, as_of), trend, "on-time-rate-by-month", "monthly-trend")
if trend["incomplete"].any():
    st.caption(_("A month is incomplete while it has not ended at the as-of date or still has pending deliveries: "
                 "its rate is provisional, drawn apart and not joined to the finished months."))

st.subheader(_("Interruptions"))
interruptions = data.query(delivery.delivery_interruptions, **filters)
if interruptions.empty:
    st.success(_("No interruption (two or more consecutive missed deliveries) in the period."))
else:
    shown = interruptions.assign(
        provider=[common.office_label(c, names) for c in interruptions["provider"]],
        recipient=[common.office_label(c, names) for c in interruptions["recipient"]],
        notice=[_("announced (notice given)") if a else _("unannounced (no notice)") for a in interruptions["announced"]])
    common.show_table(shown[["provider", "recipient", "dataset", "frequency", "first_missed", "last_missed", "missed",
                             "notice", "ongoing", "notes"]], key="table-interruptions")
    common.download_csv(interruptions, "delivery-interruptions", "interruptions")

st.subheader(_("Deliveries matching no schedule"))
unscheduled = data.query(delivery.unscheduled_deliveries, **filters)
if unscheduled.empty:
    st.caption(_("Every delivery in the period matches a scheduled occurrence."))
else:
    st.warning(_("{count} delivery row(s) match no scheduled occurrence: listed here, not counted in reliability.")
               .format(count=i18n.number(len(unscheduled))), icon=":material/event_busy:")
    common.show_table(unscheduled, key="table-unscheduled")
    common.download_csv(unscheduled, "unscheduled-deliveries", "unscheduled")

st.subheader(_("One provider office in detail"))
office = common.url_select(_("Provider office"), list(scorecard["provider"]), key="detail",
                           format_func=lambda c: common.office_label(c, names))
if office:
    detail = {**filters, "where": filters["where"].replace(providers=[office])}
    schedules = data.query(delivery.schedule_scorecard, **detail)
    schedules = schedules.assign(recipient=[common.office_label(c, names) for c in schedules["recipient"]])
    common.show_table(schedules.drop(columns=["provider"]), key="table-detail-schedules",
                      column_config={"on_time_rate": st.column_config.NumberColumn(format="percent"),
                                     "on_time_target": st.column_config.NumberColumn(format="percent"),
                                     "irregularity": st.column_config.NumberColumn(format="%.2f"),
                                     "mean_interval_days": st.column_config.NumberColumn(format="%.1f")})
    common.download_csv(schedules, f"schedules-{office}", "detail-schedules")
    late = data.query(delivery.delivery_outcomes, **detail)
    late = late[late["outcome"].isin(["late", "missed"])]
    st.markdown("**" + _("Late and missed deliveries of {office}").format(
        office=common.plain(common.office_label(office, names))) + "**")
    if late.empty:
        st.caption(_("None in the period."))
    else:
        common.show_table(late[["recipient", "dataset", "scheduled_date", "deadline", "delivered_at", "outcome",
                                "days_late", "notice_given", "notes"]], key="table-detail-late")
