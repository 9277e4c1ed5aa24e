"""Subscriptions: an Atom feed (RFC 4287), written with `feedgen`, of the notices and
incidents of `queries.incidents`, for everyone (all.atom) and per office (<CODE>.atom: what it
provides or receives).

Entry ids are `tag:` URIs (RFC 4151) derived from the content, so a feed reader shows an entry
once and an update of it (an incident that recovered) as an update, not as a new entry:
- a notice: `tag:ipdx-dashboard,2026:notice/<notice_id>` (the hash of its content);
- an incident: `tag:ipdx-dashboard,2026:incident/<hash of provider, recipient, dataset, first_missed>`.
`updated` is the notice's announced_at, or for an incident its recovery date (else its last
missed scheduled date), 00:00 UTC; the feed's own is the latest entry's, so the same data gives
the same bytes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pandas as pd
from feedgen.feed import FeedGenerator

from . import incidents as incident_metrics
from .delivery import data_as_of
from .filters import DeliveryFilter, as_date

TAG = "tag:ipdx-dashboard,2026:"
FEED_TITLE = "IP data exchange: notices and incidents"
#: A feed file's name is an office code (validated by the loaders as an ST.3 code); anything else
#: is refused rather than used as a path.
_OFFICE_CODE = re.compile(r"^[A-Z0-9]{2,4}$")


def _utc(value) -> dt.datetime:
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)
    return dt.datetime.combine(as_date(value), dt.time(0, 0), tzinfo=dt.timezone.utc)


def _present(value) -> bool:
    return not (value is None or value is pd.NaT or value is pd.NA or (isinstance(value, float) and value != value))


def incident_entry_id(provider: str, recipient: str, dataset: str, first_missed) -> str:
    """The stable id of an incident: its schedule and first missed date."""
    key = "\x1f".join((provider, recipient, dataset, as_date(first_missed).isoformat()))
    return f"{TAG}incident/{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}"


def notice_entry_id(notice_id: str) -> str:
    return f"{TAG}notice/{notice_id}"


def _scope(value) -> str:
    return value if _present(value) else "all"


def _notice_entries(table: pd.DataFrame) -> list[dict]:
    out = []
    for n in table.itertuples():
        starts, ends = as_date(n.starts).isoformat(), as_date(n.ends).isoformat()
        out.append({
            "id": notice_entry_id(n.notice_id), "updated": _utc(n.announced_at),
            "title": f"Notice ({n.kind.replace('_', ' ')}): {n.provider} to {_scope(n.recipient)}, "
                     f"{_scope(n.dataset)}, {starts} to {ends}",
            "content": f"{n.text}\n\nProvider: {n.provider}. Recipient: {_scope(n.recipient)}. "
                       f"Dataset: {_scope(n.dataset)}. From {starts} to {ends} (inclusive, UTC). "
                       f"Kind: {n.kind}. Published {_utc(n.announced_at).isoformat()}.",
            "category": "notice"})
    return out


def _incident_entries(table: pd.DataFrame) -> list[dict]:
    out = []
    for i in table.itertuples():
        first = as_date(i.first_missed).isoformat()
        recovered = _present(i.recovered_at)
        if i.announced and _present(i.notice_lead_days):
            notice = f"announced {int(i.notice_lead_days)} days ahead"
        elif i.announced:
            notice = "announced (the log says notice was given)"
        elif _present(i.notice_lead_days):
            notice = f"notice came {-int(i.notice_lead_days)} days after the first missed delivery"
        else:
            notice = "no notice"
        state = (f"recovered on {as_date(i.recovered_at).isoformat()} after {int(i.days_to_recover)} days"
                 if recovered else "ongoing")
        out.append({
            "id": incident_entry_id(i.provider, i.recipient, i.dataset, i.first_missed),
            "updated": _utc(i.recovered_at if recovered else i.last_missed),
            "title": f"Incident: {i.dataset} from {i.provider} to {i.recipient} interrupted since {first} ({state})",
            "content": f"{int(i.missed_occurrences)} consecutive scheduled deliveries missed from {first} to "
                       f"{as_date(i.last_missed).isoformat()}; {state}; {notice}.",
            "category": "incident"})
    return out


def _concerns(office: str, notices: pd.DataFrame, incidents: pd.DataFrame, receivers: dict) -> tuple:
    """The notices and incidents of one office: those it provides or receives (a notice to every
    recipient concerns each office that receives from its provider)."""
    to_all = notices["recipient"].isna() & notices["provider"].map(lambda p: office in receivers.get(p, ()))
    mine = notices[(notices["provider"] == office) | (notices["recipient"] == office) | to_all]
    return mine, incidents[(incidents["provider"] == office) | (incidents["recipient"] == office)]


def _atom(entries: list[dict], feed_id: str, title: str, as_of: dt.date) -> bytes:
    fg = FeedGenerator()
    fg.id(feed_id)
    fg.title(title)
    fg.author({"name": "IP Data Exchange Transparency Dashboard"})
    fg.subtitle("Notices given by providers and incidents measured from the delivery log "
                f"(2 or more consecutive missed deliveries), as of {as_of.isoformat()} (UTC).")
    fg.language("en")
    fg.updated(max((e["updated"] for e in entries), default=_utc(as_of)))
    # feedgen writes entries in the reverse order they were added: newest first in the file.
    for e in sorted(entries, key=lambda e: (e["updated"], e["id"])):
        fe = fg.add_entry()
        fe.id(e["id"])
        fe.title(e["title"])
        fe.updated(e["updated"])
        fe.content(e["content"], type="text")
        fe.category(term=e["category"])
    return fg.atom_str(pretty=True)


def _data(con, as_of, where: DeliveryFilter | None):
    as_of = as_date(as_of) or data_as_of(con)
    return (as_of, incident_metrics.notices(con, as_of, where), incident_metrics.incidents(con, as_of, where))


def feed_atom(con, as_of=None, where: DeliveryFilter | None = None, office: str | None = None) -> bytes:
    """The Atom feed bytes of the notices and incidents (filtered like the pages; `office`: only
    those it provides or receives), one entry each, newest first (as_of default: the data's as-of
    date). For the pages' download button."""
    as_of, notices, incidents = _data(con, as_of, where)
    if office is not None:
        notices, incidents = _concerns(office, notices, incidents, _receivers(con))
    entries = _notice_entries(notices) + _incident_entries(incidents)
    feed_id = f"{TAG}feed/{'office/' + office if office else 'all'}"
    title = FEED_TITLE + (f" ({office})" if office else "")
    return _atom(entries, feed_id, title, as_of)


def _receivers(con) -> dict[str, set[str]]:
    rows = con.execute("SELECT DISTINCT provider, recipient FROM delivery_schedule").fetchall()
    out: dict[str, set[str]] = {}
    for provider, recipient in rows:
        out.setdefault(provider, set()).add(recipient)
    return out


def write_feeds(con, outdir: Path, as_of=None) -> list[Path]:
    """Write all.atom and <CODE>.atom for every office that a schedule or notice names into
    `outdir` (created if needed): for a web server to serve. Returns the files written."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    offices = [r[0] for r in con.execute(
        "SELECT provider FROM delivery_schedule UNION SELECT recipient FROM delivery_schedule "
        "UNION SELECT provider FROM notices UNION SELECT recipient FROM notices WHERE recipient IS NOT NULL "
        "ORDER BY 1").fetchall()]
    as_of = as_date(as_of) or data_as_of(con)
    written = []
    for office, name in [(None, "all")] + [(o, o) for o in offices if _OFFICE_CODE.match(o)]:
        path = outdir / f"{name}.atom"
        path.write_bytes(feed_atom(con, as_of, office=office))
        written.append(path)
    return written
