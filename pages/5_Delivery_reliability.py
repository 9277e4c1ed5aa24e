"""Delivery reliability: per provider office, against the shared update calendar and the SLA.

Layout only: every figure comes from `queries.delivery` through `ui.data.query`.
"""
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from queries import delivery
from ui import auth, common, data, key_charts

common.page("Delivery reliability", ":material/local_shipping:")
auth.sidebar()
st.title("Delivery reliability")
st.caption("Are scheduled IP data deliveries on time, late or missed; how long are the delays; are there "
           "interruptions without notice; how regular and how fresh is each delivery stream?")
common.illustrative_notice(data.provenance()["illustrative_deliveries"], "delivery data")

filters = common.delivery_filters()
as_of, since, until = filters["as_of"], filters["since"], filters["until"]
st.caption(f"As of **{as_of}** (UTC). Period: scheduled dates {since or 'start'} to {until or 'as of'}, "
           "inclusive, UTC. On time = delivered by scheduled date + grace days; pending = deadline not passed "
           "at the as-of date (never counted as missed).")

names = common.office_names()
overall = data.query(delivery.overall_on_time_rate, **filters)
scorecard = data.query(delivery.provider_scorecard, **filters)
if scorecard.empty:
    st.info("No scheduled delivery matches these filters.")
    st.stop()

top = st.columns(4)
rate = overall["on_time_rate"]
top[0].metric("On-time rate", "-" if rate is None else f"{rate:.1%}",
              help=f"{overall['on_time']} of {overall['due']} due deliveries arrived by their deadline")
top[1].metric("Providers meeting their SLA", f"{int(scorecard['sla_met'].sum())} of {len(scorecard)}",
              help="Every schedule of the provider reaches its on-time target over the period")
top[2].metric("Interruptions (unannounced)",
              f"{int(scorecard['interruptions'].sum())} ({int(scorecard['unannounced_interruptions'].sum())})",
              help="Runs of 2 or more consecutive missed deliveries of one schedule; unannounced: no notice given")
top[3].metric("Stale schedules", int(scorecard["stale_schedules"].sum()),
              help="No delivery for more than one period plus grace days at the as-of date")

st.subheader("Per provider office")
table = scorecard.assign(office=[common.office_label(c, names) for c in scorecard["provider"]])
st.dataframe(table[["office", "scheduled", "on_time", "late", "missed", "pending", "on_time_rate", "sla_met",
                    "delay_median_days", "delay_p90_days", "interruptions", "unannounced_interruptions",
                    "irregularity_max", "stale_schedules", "days_since_last_delivery"]],
             hide_index=True, key="table-provider-scorecard",
             column_config={"on_time_rate": st.column_config.NumberColumn("on-time rate", format="percent"),
                            "sla_met": st.column_config.CheckboxColumn("SLA met"),
                            "delay_median_days": st.column_config.NumberColumn("median delay (days)", format="%.1f"),
                            "delay_p90_days": st.column_config.NumberColumn("p90 delay (days)", format="%.1f"),
                            "irregularity_max": st.column_config.NumberColumn("irregularity (max)", format="%.2f"),
                            "days_since_last_delivery": st.column_config.NumberColumn(
                                "days since last delivery (max)")})
common.download_csv(scorecard, "delivery-reliability-by-provider", "provider-scorecard")
st.caption("Scheduled = due (on time + late + missed). Delay: median and 90th percentile of days late over late "
           "deliveries. Irregularity: standard deviation of (actual - scheduled interval) / scheduled interval, "
           "largest among the provider's schedules. Freshness columns are measured at the as-of date. "
           "Definitions: `queries/delivery.py`.")

st.subheader("Every scheduled delivery, by outcome")
outcomes = data.query(delivery.delivery_outcomes, **filters)
outcomes["schedule"] = [common.chart_text(f"{p} -> {r} · {d}") for p, r, d in
                        zip(outcomes["provider"], outcomes["recipient"], outcomes["dataset"])]
outcomes["hover"] = [common.chart_text(f"{s}: scheduled {str(d)[:10]}, deadline {str(dl)[:10]}"
                                       + (f", {int(n)} days late" if pd.notna(n) else ""))
                     for s, d, dl, n in zip(outcomes["schedule"], outcomes["scheduled_date"], outcomes["deadline"],
                                            outcomes["days_late"])]
fig = common.outcome_scatter(go.Figure(), outcomes, "scheduled_date", "schedule", "hover")
fig.update_layout(height=max(320, 22 * outcomes["schedule"].nunique() + 160), xaxis_title="scheduled date (UTC)",
                  yaxis=dict(categoryorder="category descending"))
common.chart(fig, outcomes.drop(columns=["schedule", "hover"]), "delivery-outcomes", "outcome-timeline")

st.subheader("On-time rate by month")
trend = data.query(delivery.monthly_on_time_trend, **filters)
common.chart(key_charts.monthly_trend_figure(trend, as_of), trend, "on-time-rate-by-month", "monthly-trend")
if trend["incomplete"].any():
    st.caption("A month is incomplete while it has not ended at the as-of date or still has pending deliveries: "
               "its rate is provisional, drawn apart and not joined to the finished months.")

st.subheader("Interruptions")
interruptions = data.query(delivery.delivery_interruptions, **filters)
if interruptions.empty:
    st.success("No interruption (two or more consecutive missed deliveries) in the period.")
else:
    shown = interruptions.assign(
        provider=[common.office_label(c, names) for c in interruptions["provider"]],
        recipient=[common.office_label(c, names) for c in interruptions["recipient"]],
        notice=["announced (notice given)" if a else "unannounced (no notice)" for a in interruptions["announced"]])
    st.dataframe(shown[["provider", "recipient", "dataset", "frequency", "first_missed", "last_missed", "missed",
                        "notice", "ongoing", "notes"]], hide_index=True, key="table-interruptions")
    common.download_csv(interruptions, "delivery-interruptions", "interruptions")

st.subheader("Deliveries matching no schedule")
unscheduled = data.query(delivery.unscheduled_deliveries, **filters)
if unscheduled.empty:
    st.caption("Every delivery in the period matches a scheduled occurrence.")
else:
    st.warning(f"{len(unscheduled)} delivery row(s) match no scheduled occurrence: listed here, not counted "
               "in reliability.", icon=":material/event_busy:")
    st.dataframe(unscheduled, hide_index=True, key="table-unscheduled")
    common.download_csv(unscheduled, "unscheduled-deliveries", "unscheduled")

st.subheader("One provider office in detail")
office = common.url_select("Provider office", list(scorecard["provider"]), key="detail",
                           format_func=lambda c: common.office_label(c, names))
if office:
    detail = {**filters, "providers": [office]}
    schedules = data.query(delivery.schedule_scorecard, **detail)
    schedules = schedules.assign(recipient=[common.office_label(c, names) for c in schedules["recipient"]])
    st.dataframe(schedules.drop(columns=["provider"]), hide_index=True, key="table-detail-schedules",
                 column_config={"on_time_rate": st.column_config.NumberColumn("on-time rate", format="percent"),
                                "on_time_target": st.column_config.NumberColumn("target", format="percent"),
                                "irregularity": st.column_config.NumberColumn(format="%.2f"),
                                "mean_interval_days": st.column_config.NumberColumn(format="%.1f")})
    common.download_csv(schedules, f"schedules-{office}", "detail-schedules")
    late = data.query(delivery.delivery_outcomes, **detail)
    late = late[late["outcome"].isin(["late", "missed"])]
    st.markdown(f"**Late and missed deliveries of {common.plain(common.office_label(office, names))}**")
    if late.empty:
        st.caption("None in the period.")
    else:
        st.dataframe(late[["recipient", "dataset", "scheduled_date", "deadline", "delivered_at", "outcome",
                           "days_late", "notice_given", "notes"]], hide_index=True, key="table-detail-late")
