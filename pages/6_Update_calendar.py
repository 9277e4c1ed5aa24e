"""The shared update calendar: who delivers what to whom, when; what is overdue; .ics export.

Layout only: every figure comes from `queries` through `ui.data.query`; the .ics file is built
by `queries.update_calendar`.
"""
import plotly.graph_objects as go
import streamlit as st

from queries import delivery, update_calendar
from ui import common, data, delivery_views, i18n, incident_views, page
from ui.i18n import N_, _

#: Upcoming statuses: marker shape, colour and legend label (msgid), so no status rests on colour alone.
STATUS_MARKERS = (("scheduled", "diamond", common.SERIES_COLOURS[0], N_("scheduled")),
                  ("pending", "circle-open", common.OUTCOME_COLOURS["pending"], N_("pending (due, within grace)")),
                  ("delivered early", "circle", common.OUTCOME_COLOURS["on_time"], N_("delivered early")))

viewer = page.page_header(_("Update calendar"), ":material/calendar_month:",
                          _("Who delivers which data set to whom, and when: the deliveries coming up, the ones "
                            "overdue now, and the calendar as an iCalendar file for any calendar application."),
                          "deliveries", heading=_("Shared update calendar"))

filters = delivery_views.delivery_filters(period=False)
as_of = filters["as_of"]
weeks = common.url_select(_("Weeks ahead"), [1, 2, 4, 8, 13, 26, 52], key="weeks", default=4,
                          format_func=i18n.number)
st.caption(i18n.ngettext(
    "As of **{as_of}** (UTC). Upcoming: scheduled after the as-of date up to {weeks} week ahead, plus deliveries "
    "still within their grace days. Dates are UTC calendar days; deadline = scheduled date + grace days, counted "
    "in business days where the schedule says so.",
    "As of **{as_of}** (UTC). Upcoming: scheduled after the as-of date up to {weeks} weeks ahead, plus deliveries "
    "still within their grace days. Dates are UTC calendar days; deadline = scheduled date + grace days, counted "
    "in business days where the schedule says so.",
    weeks).format(as_of=i18n.date(as_of), weeks=i18n.number(weeks)))
names = common.office_names()

st.subheader(_("Overdue now"))
overdue = data.query(delivery.overdue_deliveries, **filters)
if overdue.empty:
    st.success(_("Nothing is overdue: every schedule's latest due delivery has arrived."))
else:
    st.error(i18n.ngettext("{count} delivery overdue: missed since the schedule's last delivery.",
                           "{count} deliveries overdue: missed since the schedule's last delivery.",
                           len(overdue)).format(count=i18n.number(len(overdue))),
             icon=":material/schedule:")
    shown = overdue.assign(provider=[common.office_label(c, names) for c in overdue["provider"]],
                           recipient=[common.office_label(c, names) for c in overdue["recipient"]],
                           notice=overdue["notice_given"].map({True: _("yes"), False: _("no")})
                           .fillna(_("none recorded")))
    common.show_table(shown[["provider", "recipient", "dataset", "frequency", "scheduled_date", "deadline",
                             "days_overdue", "notice", "notes"]], key="table-overdue")
    common.download_csv(overdue, "overdue-deliveries", "overdue")

st.subheader(_("Upcoming deliveries"))
upcoming = data.query(delivery.upcoming_deliveries, as_of=as_of, days_ahead=7 * weeks, where=filters["where"])
if upcoming.empty:
    st.info(_("No delivery is scheduled in this window for these filters."))
else:
    upcoming["stream"] = [common.chart_text(f"{p} -> {r} · {d}") for p, r, d in
                          zip(upcoming["provider"], upcoming["recipient"], upcoming["dataset"])]
    fig = go.Figure()
    for status, symbol, colour, label in STATUS_MARKERS:
        rows = upcoming[upcoming["status"] == status]
        if rows.empty:
            continue
        fig.add_scatter(x=rows["scheduled_date"], y=rows["stream"], mode="markers", name=_(label),
                        marker=dict(symbol=symbol, size=10, color=colour, line=dict(width=1, color=colour)),
                        customdata=rows[["deadline"]],
                        hovertemplate=_("%{y}: scheduled %{x|%Y-%m-%d}, deadline %{customdata[0]|%Y-%m-%d}")
                        + "<extra></extra>")
    fig.update_layout(height=max(300, 22 * upcoming["stream"].nunique() + 160), xaxis_title=_("scheduled date (UTC)"),
                      yaxis=dict(categoryorder="category descending"))
    common.chart(fig, upcoming.drop(columns=["stream"]), "upcoming-deliveries", "upcoming")
    table = upcoming.assign(provider=[common.office_label(c, names) for c in upcoming["provider"]],
                            recipient=[common.office_label(c, names) for c in upcoming["recipient"]])
    common.show_table(table[["scheduled_date", "deadline", "status", "provider", "recipient", "dataset", "frequency",
                             "grace_days"]], key="table-upcoming")

incident_views.show_notices_section(filters["where"], names, viewer)

st.subheader(_("Subscribe: the calendar as an iCalendar (.ics) file"))
horizon = common.url_select(_("Calendar file covers"), [90, 180, 365, 730], key="ics_days", default=365,
                            format_func=lambda d: _("the next {days} days").format(days=i18n.number(d)))
# Built on click (a year of events for a large log takes seconds), with the icalendar library.
ics = data.deferred(update_calendar.calendar_ics, as_of=as_of, days_ahead=horizon, where=filters["where"])
st.download_button(_("Download calendar (.ics)"), data=ics, file_name="ip-data-exchange-calendar.ics",
                   mime="text/calendar", key="download-ics", on_click="ignore", icon=":material/event:")
st.caption(_("One all-day event per scheduled delivery, for the filters above (provider, recipient, dataset). "
             "Import it into Outlook, Google Calendar or Apple Calendar, or publish the file on a web server and "
             "subscribe to its address. Each event keeps the same identifier across exports, so importing a newer "
             "file updates the events rather than duplicating them."))
