"""The shared update calendar as an iCalendar (RFC 5545) file, written with `icalendar`.

One all-day event per scheduled delivery occurrence from `delivery.upcoming_deliveries`
(scheduled after as_of up to as_of + days_ahead, plus the pending ones still within grace),
so the file shows exactly the dates the dashboard computes: no recurrence rule is written,
because RFC 5545 skips a 31st in a short month while the calendar moves it to the month's last
day. Each event's UID is derived from the delivery key, so re-importing an updated file updates
the same events instead of duplicating them. DTSTAMP is as_of (00:00 UTC), so the same data
gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from icalendar import Calendar, Event

from . import delivery
from .filters import DeliveryFilter, as_date

PRODID = "-//WIPO CWS Task No. 67//IP Data Exchange Transparency Dashboard//EN"
CALENDAR_NAME = "IP data exchange: shared update calendar"


def _uid(provider: str, recipient: str, dataset: str, scheduled: dt.date) -> str:
    key = "\x1f".join((provider, recipient, dataset, scheduled.isoformat()))
    return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@ipdx-dashboard"


def _name(code: str, name) -> str:
    return f"{code} - {name}" if isinstance(name, str) and name else code


def calendar_ics(con, as_of=None, days_ahead=365, where: DeliveryFilter | None = None) -> bytes:
    """The .ics bytes of the upcoming (and pending) deliveries, filtered like the page (the
    offices and datasets of `where`; as_of default: the data's as-of date)."""
    as_of = as_date(as_of) or delivery.data_as_of(con)
    entries = delivery.upcoming_deliveries(con, as_of=as_of, days_ahead=days_ahead, where=where)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", CALENDAR_NAME)
    cal.add("x-wr-caldesc", f"Scheduled IP data deliveries from {as_of.isoformat()} for {int(days_ahead)} days "
                            "(dates in UTC; deadline = scheduled date + grace days).")
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
                  f"(+{int(row.grace_days)} grace days, UTC). Status at {as_of.isoformat()}: {row.status}.")
        event.add("categories", [row.provider, row.dataset])
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
