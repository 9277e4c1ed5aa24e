"""The shared update calendar as an iCalendar (RFC 5545) file, written with `icalendar`.

One all-day event per scheduled delivery occurrence from `delivery.upcoming_deliveries`
(scheduled after as_of up to as_of + days_ahead, plus the pending ones still within grace),
so the file shows exactly the dates the dashboard computes: no recurrence rule is written,
because RFC 5545 skips a 31st in a short month while the calendar moves it to the month's last
day. Each event's UID is derived from the delivery key, so re-importing an updated file updates
the same events instead of duplicating them. DTSTAMP is as_of (00:00 UTC), so the same data
gives the same bytes.

Notices of interruptions and delays (queries.incidents) are all-day events from their
starts to their ends, with a UID from the notice's content hash.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import Calendar, Event

from . import delivery
from .filters import DeliveryFilter, as_date
from .incidents import notices

PRODID = "-//WIPO CWS Task No. 67//IP Data Exchange Transparency Dashboard//EN"
CALENDAR_NAME = "IP data exchange: shared update calendar"


def _uid(provider: str, recipient: str, dataset: str, scheduled: dt.date) -> str:
    key = "\x1f".join((provider, recipient, dataset, scheduled.isoformat()))
    return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@ipdx-dashboard"


def _name(code: str, name) -> str:
    return f"{code} - {name}" if isinstance(name, str) and name else code


def _grace(days, unit: str) -> str:
    """The grace of a schedule in words: "2 grace days" or "2 business days' grace"."""
    return f"{int(days)} business days' grace" if unit == "business_days" else f"{int(days)} grace days"


def calendar_ics(con, as_of=None, days_ahead=365, where: DeliveryFilter | None = None) -> bytes:
    """The .ics bytes of the upcoming (and pending) deliveries and of the notices of
    interruptions and delays running from as_of to as_of + days_ahead (`_notice_events`),
    filtered like the page (the offices and datasets of `where`; as_of default: the data's
    as-of date)."""
    as_of = as_date(as_of) or delivery.data_as_of(con)
    entries = delivery.upcoming_deliveries(con, as_of=as_of, days_ahead=days_ahead, where=where)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", CALENDAR_NAME)
    cal.add("x-wr-caldesc", f"Scheduled IP data deliveries from {as_of.isoformat()} for {int(days_ahead)} days "
                            "(dates in UTC; deadline = scheduled date + grace days, counted in business days "
                            "where a schedule says so).")
    stamp = dt.datetime.combine(as_of, dt.time(0, 0), tzinfo=dt.timezone.utc)
    for row in entries.itertuples():
        scheduled = row.scheduled_date.date() if hasattr(row.scheduled_date, "date") else row.scheduled_date
        deadline = row.deadline.date() if hasattr(row.deadline, "date") else row.deadline
        event = Event()
        event.add("uid", _uid(row.provider, row.recipient, row.dataset, scheduled))
        event.add("dtstamp", stamp)
        event.add("dtstart", scheduled)
        event.add("dtend", scheduled + dt.timedelta(days=1))
        event.add("summary", f"{row.dataset}: {row.provider} -> {row.recipient}")
        event.add("description",
                  f"{row.frequency.capitalize()} delivery of {row.dataset} from "
                  f"{_name(row.provider, row.provider_name)} to {_name(row.recipient, row.recipient_name)}.\n"
                  f"Scheduled {scheduled.isoformat()}; deadline {deadline.isoformat()} "
                  f"(+{_grace(row.grace_days, row.grace_unit)}, UTC). Status at {as_of.isoformat()}: {row.status}.")
        event.add("categories", [row.provider, row.dataset])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    for event in _notice_events(con, as_of, days_ahead, where, stamp):
        cal.add_component(event)
    return cal.to_ical()


#: The kinds of notice that the calendar shows as events: those that say deliveries stop or slip.
INTERRUPTION_KINDS = ("planned_interruption", "unplanned_interruption", "delay")


def _notice_events(con, as_of: dt.date, days_ahead, where: DeliveryFilter | None, stamp: dt.datetime) -> list[Event]:
    """One all-day event per notice of an interruption or delay (queries.incidents.notices,
    filtered like the page) running on some day from as_of to as_of + days_ahead, from its
    starts to its ends (inclusive); its UID is derived from the notice's content hash."""
    window = (where or DeliveryFilter()).replace(since=as_of, until=as_of + dt.timedelta(days=int(days_ahead)))
    table = notices(con, as_of, window)
    events = []
    for n in table[table["kind"].isin(INTERRUPTION_KINDS)].sort_values(["starts", "notice_id"]).itertuples():
        starts, ends = as_date(n.starts), as_date(n.ends)
        recipient = n.recipient if isinstance(n.recipient, str) else "all recipients"
        dataset = n.dataset if isinstance(n.dataset, str) else "all datasets"
        event = Event()
        event.add("uid", f"{n.notice_id[:32]}@ipdx-dashboard-notice")
        event.add("dtstamp", stamp)
        event.add("dtstart", starts)
        event.add("dtend", ends + dt.timedelta(days=1))
        event.add("summary", f"Notice ({n.kind.replace('_', ' ')}): {dataset}: {n.provider} -> {recipient}")
        event.add("description", f"{n.text}\nFrom {starts.isoformat()} to {ends.isoformat()} (inclusive, UTC); "
                                 f"published {as_date(n.announced_at).isoformat()}.")
        event.add("categories", ["notice", n.kind])
        event.add("transp", "TRANSPARENT")
        events.append(event)
    return events
