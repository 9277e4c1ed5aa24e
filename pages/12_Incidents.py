"""Incidents: interruptions of the delivery streams, how long they lasted, whether (and how far
ahead) they were announced; the sender x receiver on-time matrix; the Atom feed of notices and
incidents.

Layout only: every figure comes from `queries.incidents` and `queries.delivery` through
`ui.data.query`; the figures are built in `ui.incident_views`.
"""
import streamlit as st

from queries import delivery
from queries import incidents as incident_queries
from ui import common, data, delivery_views, i18n, incident_views, page
from ui.i18n import _

page.page_header(_("Incidents"), ":material/report:",
                 _("When did deliveries stop, for how long, and did the provider announce it beforehand? An "
                   "incident is a run of two or more consecutive missed deliveries of one schedule."),
                 "deliveries")

filters = delivery_views.delivery_filters()
as_of = filters["as_of"]
names = common.office_names()
found = data.query(incident_queries.incidents, **filters)

for row in found[found["recovered_at"].isna()].itertuples():
    st.warning(incident_views.banner_text(row, names), icon=":material/report:")

top = st.columns(4)
recovered = found[found["recovered_at"].notna()]
top[0].metric(_("Incidents"), i18n.number(len(found)),
              help=_("Runs of 2 or more consecutive missed deliveries of one schedule overlapping the period"))
top[1].metric(_("Ongoing"), i18n.number(int(found["recovered_at"].isna().sum())),
              help=_("No delivery of the schedule since the first missed date, at the as-of date"))
top[2].metric(_("Announced"), i18n.percent(found["announced"].astype(bool).mean()) if len(found) else "-",
              help=_("Share of incidents whose first missed delivery was covered by a notice published no later "
                     "than its scheduled date (or notice recorded in the delivery log)"))
top[3].metric(_("Mean time to recover"),
              _("{days} days").format(days=i18n.number(recovered["days_to_recover"].mean(), 1))
              if len(recovered) else "-",
              help=_("Mean days from the first missed scheduled date to the first delivery after the run, over "
                     "recovered incidents"))

st.subheader(_("Timeline"))
if found.empty:
    st.success(_("No incident (two or more consecutive missed deliveries) in the period."))
else:
    timeline = incident_views.incident_timeline_frame(found, as_of)
    common.chart(incident_views.incident_timeline_figure(timeline), found, "incidents-timeline", "incidents-timeline")
    st.caption(_("Bars run from the first missed scheduled date to the recovery delivery; an ongoing incident runs "
                 "to the as-of date and ends in an arrow. Blue with stripes: announced; red with crosses: not "
                 "announced. A diamond marks the date of the earliest notice covering the first missed date."))
    shown = found.assign(provider=[common.office_label(c, names) for c in found["provider"]],
                         recipient=[common.office_label(c, names) for c in found["recipient"]])
    common.show_table(shown[["provider", "recipient", "dataset", "first_missed", "missed_occurrences", "recovered_at",
                             "days_to_recover", "announced", "notice_lead_days"]], key="table-incidents")

st.subheader(_("On-time rate per provider and recipient"))
pairs = data.query(delivery.delivery_reliability_by_pair, **filters)
if pairs.empty:
    st.info(_("No scheduled delivery matches these filters."))
else:
    common.chart(incident_views.pair_matrix_figure(pairs, names), pairs, "on-time-rate-by-pair", "pair-matrix")
    st.caption(_("Each cell: on-time rate (on time / due) of the deliveries from the provider (row) to the "
                 "recipient (column) over the period, with the counts. {symbol} marks a pair with a schedule below "
                 "its on-time target (SLA).").format(symbol=incident_views.BELOW_SLA_SYMBOL))

incident_views.show_feed_downloads(sorted(set(pairs["provider"]) | set(pairs["recipient"])), names, as_of)
