"""The shared update calendar: who delivers what to whom, when; what is overdue; .ics export.

Layout only: every figure comes from `queries` through `ui.data.query`; the .ics file is built
by `queries.update_calendar`.
"""
import plotly.graph_objects as go
import streamlit as st

from queries import delivery, update_calendar
from ui import auth, common, data

common.page("Update calendar", ":material/calendar_month:")
auth.sidebar()
st.title("Shared update calendar")
st.caption("Who delivers which data set to whom, and when: the deliveries coming up, the ones overdue now, "
           "and the calendar as an iCalendar file for any calendar application.")
common.illustrative_notice(data.provenance()["illustrative_deliveries"], "delivery data")

filters = common.delivery_filters(period=False)
as_of = filters["as_of"]
weeks = common.url_select("Weeks ahead", [1, 2, 4, 8, 13, 26, 52], key="weeks", default=4)
st.caption(f"As of **{as_of}** (UTC). Upcoming: scheduled after the as-of date up to {weeks} week(s) ahead, "
           "plus deliveries still within their grace days. Dates are UTC calendar days; "
           "deadline = scheduled date + grace days.")
names = common.office_names()

st.subheader("Overdue now")
overdue = data.query(delivery.overdue_deliveries, **filters)
if overdue.empty:
    st.success("Nothing is overdue: every schedule's latest due delivery has arrived.")
else:
    st.error(f"{len(overdue)} delivery(ies) overdue: missed since the schedule's last delivery.",
             icon=":material/schedule:")
    shown = overdue.assign(provider=[common.office_label(c, names) for c in overdue["provider"]],
                           recipient=[common.office_label(c, names) for c in overdue["recipient"]],
                           notice=overdue["notice_given"].map({True: "yes", False: "no"}).fillna("none recorded"))
    st.dataframe(shown[["provider", "recipient", "dataset", "frequency", "scheduled_date", "deadline",
                        "days_overdue", "notice", "notes"]], hide_index=True, key="table-overdue")
    common.download_csv(overdue, "overdue-deliveries", "overdue")

st.subheader("Upcoming deliveries")
upcoming = data.query(delivery.upcoming_deliveries, as_of=as_of, days_ahead=7 * weeks,
                      providers=filters["providers"], recipients=filters["recipients"],
                      datasets=filters["datasets"])
if upcoming.empty:
    st.info("No delivery is scheduled in this window for these filters.")
else:
    upcoming["stream"] = [common.chart_text(f"{p} -> {r} · {d}") for p, r, d in
                          zip(upcoming["provider"], upcoming["recipient"], upcoming["dataset"])]
    fig = go.Figure()
    for status, symbol, colour in (("scheduled", "diamond", common.SERIES_COLOURS[0]),
                                   ("pending", "circle-open", common.OUTCOME_COLOURS["pending"]),
                                   ("delivered early", "circle", common.OUTCOME_COLOURS["on_time"])):
        rows = upcoming[upcoming["status"] == status]
        if rows.empty:
            continue
        fig.add_scatter(x=rows["scheduled_date"], y=rows["stream"], mode="markers",
                        name={"pending": "pending (due, within grace)"}.get(status, status),
                        marker=dict(symbol=symbol, size=10, color=colour, line=dict(width=1, color=colour)),
                        customdata=rows[["deadline"]],
                        hovertemplate="%{y}: scheduled %{x|%Y-%m-%d}, deadline %{customdata[0]|%Y-%m-%d}"
                                      "<extra></extra>")
    fig.update_layout(height=max(300, 22 * upcoming["stream"].nunique() + 160), xaxis_title="scheduled date (UTC)",
                      yaxis=dict(categoryorder="category descending"))
    common.chart(fig, upcoming.drop(columns=["stream"]), "upcoming-deliveries", "upcoming")
    table = upcoming.assign(provider=[common.office_label(c, names) for c in upcoming["provider"]],
                            recipient=[common.office_label(c, names) for c in upcoming["recipient"]])
    st.dataframe(table[["scheduled_date", "deadline", "status", "provider", "recipient", "dataset", "frequency",
                        "grace_days"]], hide_index=True, key="table-upcoming")

st.subheader("Subscribe: the calendar as an iCalendar (.ics) file")
horizon = common.url_select("Calendar file covers", [90, 180, 365, 730], key="ics_days", default=365,
                            format_func=lambda d: f"the next {d} days")
ics = data.query(update_calendar.calendar_ics, as_of=as_of, days_ahead=horizon,
                 providers=filters["providers"], recipients=filters["recipients"], datasets=filters["datasets"])
st.download_button("Download calendar (.ics)", data=ics, file_name="ip-data-exchange-calendar.ics",
                   mime="text/calendar", key="download-ics", icon=":material/event:")
st.caption("One all-day event per scheduled delivery, for the filters above (provider, recipient, dataset). "
           "Import it into Outlook, Google Calendar or Apple Calendar, or publish the file on a web server and "
           "subscribe to its address. Each event keeps the same identifier across exports, so importing a newer "
           "file updates the events rather than duplicating them.")
