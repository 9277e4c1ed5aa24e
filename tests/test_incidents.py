"""Incidents, announced occurrences and their measures (queries/incidents.py), the Atom feed
(queries/feed.py), the notices in the .ics calendar and the metrics --json contract, on the
hand-made case of tests/data/incidents/, worked out by hand below, and on the bundled data.

The case, judged at AS_OF = 2026-03-31 (UTC):

JP -> EP patent-bibliographic, weekly from Monday 2026-01-05, grace 0 (deadline = the date):
    01-05 on time
    01-12 missed, 01-19 missed                 -> incident A (2 occurrences)
    01-26 delivered 01-28                      -> late; A recovered_at 01-28
    02-02 on time, 02-09 on time
    02-16 missed, 02-23 missed, 03-02 missed (no row at all)  -> incident B (3 occurrences)
    03-09 delivered 03-10                      -> late; B recovered_at 03-10
    03-16, 03-23, 03-30 on time
    => due 13, on time 6, late 2, missed 5; on_time_rate 6/13.
KR -> JP patent-bibliographic, weekly from 2026-03-02:
    03-02 on time; 03-09, 03-16 missed with notice_given = yes -> incident C; 03-23 on time
    (recovered_at 03-23); 03-30 delivered 03-31 -> late.  => due 5, on time 2, late 1, missed 2.

Notices (notices.csv):
    N1 JP, recipient all, patent-bibliographic, 01-12..01-25, planned, published 2026-01-06
    N2 JP, EP, dataset all, 02-16..03-06, unplanned, published 2026-02-20T15:30Z
    N3 JP, US only, 02-16..02-28, published 02-01: another recipient, covers nothing of JP -> EP
    N4 KR, all, all, 02-16..02-28, published 02-01: another provider (and before KR's schedule)

Announced occurrences: JP -> EP 01-12 and 01-19 (N1 published 01-06 <= the date); 02-16 is NOT
(N2 came 02-20 > 02-16) but 02-23 and 03-02 are (N2 by then); KR -> JP 03-09 and 03-16 by the
log's notice_given = yes (no notice: lead unknown).

Incidents:
    A: first_missed 01-12, 2 missed, recovered_at 01-28, days_to_recover 28 - 12 = 16,
       announced (N1 by 01-12), notice_lead_days = 01-12 - 01-06 = 6.
    B: first_missed 02-16, 3 missed, recovered_at 03-10, days_to_recover 14 + 8 = 22,
       not announced (N2 after 02-16), notice_lead_days = 02-16 - 02-20 = -4 (after the fact).
    C: first_missed 03-09, 2 missed, recovered_at 03-23, days 14, announced (notice_given),
       notice_lead_days empty.
Per schedule:
    JP -> EP: announced missed 4 (01-12, 01-19, 02-23, 03-02) => excluding announced
              6 / (13 - 4) = 6/9 = 0.6667; MTTR (16 + 22) / 2 = 19.0;
              rolling 30 days (scheduled after 03-01): 03-02 missed, 03-09 late, 3 on time -> 3/5 = 0.6;
              90 and 365 days: every occurrence -> 6/13.
    KR -> JP: announced missed 2 => 2 / (5 - 2) = 0.6667; MTTR 14.0; rolling 30: 03-02 is 29
              days before as_of, so all 5 -> 2/5 = 0.4.
Per provider (scorecard): JP 2 incidents, 1 announced (share 0.5), median notice lead of 6 and -4
    = 1.0, MTTR 19.0; KR 1 incident, announced (share 1.0), no notice so no median lead, MTTR 14.0.
"""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest
from conftest import BUNDLED_AS_OF, FIXTURES, ROOT, load
from icalendar import Calendar

from loaders import build, connect_read_only
from queries import delivery, feed, incidents, update_calendar
from queries.filters import DeliveryFilter

AS_OF = "2026-03-31"
FIXTURE = FIXTURES / "incidents"
D = dt.date.fromisoformat
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def incidents_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("incidents") / "ipdx.duckdb"
    build(path, include_bundled=False)
    for kind in ("schedule", "deliveries", "notices"):
        load(path, kind, FIXTURE / f"{kind}.csv")
    return path


@pytest.fixture
def con(incidents_db):
    c = connect_read_only(incidents_db)
    yield c
    c.close()


def _date(value):
    return None if pd.isna(value) else (value.date() if hasattr(value, "date") else value)


def _int(value):
    return None if pd.isna(value) else int(value)


def test_incidents_fix_every_definition(con):
    table = incidents.incidents(con, AS_OF)
    got = [(r.provider, r.recipient, _date(r.first_missed), r.missed_occurrences, _date(r.recovered_at),
            _int(r.days_to_recover), bool(r.announced), _int(r.notice_lead_days))
           for r in table.itertuples()]
    assert got == [
        ("JP", "EP", D("2026-01-12"), 2, D("2026-01-28"), 16, True, 6),
        ("JP", "EP", D("2026-02-16"), 3, D("2026-03-10"), 22, False, -4),
        ("KR", "JP", D("2026-03-09"), 2, D("2026-03-23"), 14, True, None),
    ]
    assert list(table["notice_kind"][:2]) == ["planned_interruption", "unplanned_interruption"]
    assert not table["ongoing"].any()


def test_an_ongoing_incident_has_no_recovery(con):
    """At 2026-03-05, B's third miss (03-02, deadline 03-02) has passed and nothing came after."""
    table = incidents.incidents(con, "2026-03-05", DeliveryFilter(providers=["JP"]))
    last = table.iloc[-1]
    assert (_date(last.first_missed), int(last.missed_occurrences), bool(last.ongoing)) == (D("2026-02-16"), 3, True)
    assert pd.isna(last.recovered_at) and pd.isna(last.days_to_recover)


def test_per_schedule_rates_mttr_and_rolling(con):
    table = incidents.schedule_incident_metrics(con, AS_OF).set_index(["provider", "recipient"])
    jp = table.loc[("JP", "EP")]
    assert (jp.scheduled, jp.on_time, jp.late, jp.missed, jp.announced_missed) == (13, 6, 2, 5, 4)
    assert jp.on_time_rate == pytest.approx(6 / 13)
    assert jp.on_time_rate_excluding_announced == pytest.approx(6 / 9)
    assert jp.mttr_days == pytest.approx(19.0)
    assert (jp.on_time_rate_30d, jp.on_time_rate_90d, jp.on_time_rate_365d) == pytest.approx((0.6, 6 / 13, 6 / 13))
    kr = table.loc[("KR", "JP")]
    assert (kr.scheduled, kr.on_time, kr.late, kr.missed, kr.announced_missed) == (5, 2, 1, 2, 2)
    assert kr.on_time_rate_excluding_announced == pytest.approx(2 / 3)
    assert kr.mttr_days == pytest.approx(14.0)
    assert kr.on_time_rate_30d == pytest.approx(0.4)


def test_per_provider_share_announced_median_lead_and_mttr(con):
    table = incidents.provider_incident_metrics(con, AS_OF).set_index("provider")
    jp, kr = table.loc["JP"], table.loc["KR"]
    assert (jp.incidents, jp.announced_incidents, jp.share_announced) == (2, 1, 0.5)
    assert (jp.median_notice_lead_days, jp.mttr_days) == pytest.approx((1.0, 19.0))
    assert jp.on_time_rate_30d == pytest.approx(0.6)
    assert (kr.incidents, kr.announced_incidents, kr.share_announced) == (1, 1, 1.0)
    assert pd.isna(kr.median_notice_lead_days) and kr.mttr_days == pytest.approx(14.0)


def test_announced_means_the_same_on_every_view(con):
    """One definition of an announced interruption (its first missed occurrence is announced):
    JP's A, announced by a notice alone (no notice_given in the log), counts as announced in the
    delivery metrics too; B, whose notice covers only a later miss, is unannounced in both."""
    runs = delivery.delivery_interruptions(con, as_of=AS_OF)
    jp = runs[runs["provider"] == "JP"].set_index(runs[runs["provider"] == "JP"]["first_missed"].map(_date))
    assert (bool(jp.loc[D("2026-01-12"), "announced"]), bool(jp.loc[D("2026-02-16"), "announced"])) == (True, False)
    found = incidents.incidents(con, AS_OF)
    assert sorted(zip(runs["provider"], runs["first_missed"].map(_date), runs["announced"].astype(bool))) == sorted(
        zip(found["provider"], found["first_missed"].map(_date), found["announced"].astype(bool)))
    scorecard = delivery.provider_scorecard(con, AS_OF).set_index("provider")
    per_provider = incidents.provider_incident_metrics(con, AS_OF).set_index("provider")
    for provider in per_provider.index[per_provider["incidents"] > 0]:
        row = scorecard.loc[provider]
        assert row["interruptions"] - row["unannounced_interruptions"] == per_provider.loc[provider,
                                                                                           "announced_incidents"]


def test_period_filter_keeps_runs_that_overlap_it(con):
    """February only: incident B overlaps it, A (January) does not; counts are February's."""
    where = DeliveryFilter(since="2026-02-01", until="2026-02-28")
    assert [_date(d) for d in incidents.incidents(con, AS_OF, where)["first_missed"]] == [D("2026-02-16")]
    jp = incidents.schedule_incident_metrics(con, AS_OF, where).set_index("provider").loc["JP"]
    # 02-02, 02-09 on time; 02-16, 02-23 missed (02-23 announced by N2)
    assert (jp.scheduled, jp.on_time, jp.missed, jp.announced_missed) == (4, 2, 2, 1)
    assert jp.on_time_rate_excluding_announced == pytest.approx(2 / 3)
    assert jp.on_time_rate_30d == pytest.approx(0.6)  # rolling rates ignore the period


def test_notices_follow_the_filter(con):
    everything = incidents.notices(con)
    assert len(everything) == 4
    to_ep = incidents.notices(con, where=DeliveryFilter(recipients=["EP"]))
    # N1 (all recipients), N2 (EP) and N4 (KR to all) concern EP; N3 (to US) does not
    assert sorted(to_ep["text"].str[:6]) == sorted(["Server", "Export", "KR not"])
    january = incidents.notices(con, where=DeliveryFilter(since="2026-01-01", until="2026-01-31"))
    assert list(january["kind"]) == ["planned_interruption"]


def test_metrics_json_gains_incidents_and_schedules(incidents_db):
    out = subprocess.run([sys.executable, "-m", "loaders", "metrics", "--json", "--db", str(incidents_db),
                          "--as-of", AS_OF], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    data = json.loads(out)
    assert {"reliability", "xml_batches", "measured_completeness", "incidents", "schedules"} <= set(data)
    assert data["incidents"][1] == {
        "provider": "JP", "recipient": "EP", "dataset": "patent-bibliographic", "first_missed": "2026-02-16",
        "missed_occurrences": 3, "recovered_at": "2026-03-10", "days_to_recover": 22, "announced": False,
        "notice_lead_days": -4}
    assert data["incidents"][2]["notice_lead_days"] is None
    assert data["schedules"][0] == {
        "provider": "JP", "recipient": "EP", "dataset": "patent-bibliographic", "scheduled": 13, "on_time": 6,
        "late": 2, "missed": 5, "on_time_rate": 0.4615, "on_time_rate_excluding_announced": 0.6667,
        "mttr_days": 19.0}


def _parse_feed(data: bytes) -> ElementTree.Element:
    root = ElementTree.fromstring(data)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None and root.find(f"{ATOM}{name}").text
    for entry in root.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            element = entry.find(f"{ATOM}{name}")
            assert element is not None and element.text, name
        dt.datetime.fromisoformat(entry.find(f"{ATOM}updated").text)  # RFC 3339
    ids = [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]
    assert len(ids) == len(set(ids))
    return root


def test_feed_is_well_formed_atom_with_unique_stable_ids(incidents_db, tmp_path):
    out = subprocess.run([sys.executable, "-m", "loaders", "feed", str(tmp_path / "one"), "--db", str(incidents_db),
                          "--as-of", AS_OF], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    con = connect_read_only(incidents_db)
    feed.write_feeds(con, tmp_path / "two", AS_OF)
    con.close()
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == ["EP.atom", "JP.atom", "KR.atom", "US.atom", "all.atom"]
    for name in names:  # the same data gives the same bytes, so the same ids
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    root = _parse_feed((tmp_path / "one" / "all.atom").read_bytes())
    ids = [e.find(f"{ATOM}id").text for e in root.findall(f"{ATOM}entry")]
    assert len(ids) == 4 + 3  # every notice and every incident
    assert all(i.startswith("tag:ipdx-dashboard,2026:") for i in ids)
    titles = [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]
    assert any("JP to EP interrupted since 2026-02-16" in t for t in titles)
    # untrusted text is escaped by the XML writer, never markup
    contents = "".join(e.find(f"{ATOM}content").text for e in root.findall(f"{ATOM}entry"))
    assert "KR notice, <b>not</b> JP's" in contents
    us = _parse_feed((tmp_path / "one" / "US.atom").read_bytes())
    assert [e.find(f"{ATOM}title").text.split(":")[0] for e in us.findall(f"{ATOM}entry")] == ["Notice (delay)"]


def test_feed_ids_stay_when_more_data_arrives(incidents_db, tmp_path):
    con = connect_read_only(incidents_db)
    before = {e.find(f"{ATOM}id").text: e.find(f"{ATOM}title").text
              for e in _parse_feed(feed.feed_atom(con, "2026-03-05")).findall(f"{ATOM}entry")}
    after = {e.find(f"{ATOM}id").text: e.find(f"{ATOM}title").text
             for e in _parse_feed(feed.feed_atom(con, AS_OF)).findall(f"{ATOM}entry")}
    con.close()
    # the ongoing incident B of 03-05 keeps its id once it has recovered; its title says so
    b = feed.incident_entry_id("JP", "EP", "patent-bibliographic", "2026-02-16")
    assert "ongoing" in before[b] and "recovered on 2026-03-10" in after[b]
    assert set(before) <= set(after)


def test_ics_has_the_notices_of_interruptions_as_events(con):
    data = update_calendar.calendar_ics(con, as_of="2026-02-10", days_ahead=30)
    cal = Calendar.from_ical(data)
    notices = [e for e in cal.walk("VEVENT") if "notice" in [str(c) for c in e.get("categories").cats]]
    got = sorted((str(e["summary"]), e.decoded("dtstart"), e.decoded("dtend")) for e in notices)
    assert got == [
        ("Notice (delay): patent-bibliographic: JP -> US", D("2026-02-16"), D("2026-03-01")),
        ("Notice (unplanned interruption): all datasets: JP -> EP", D("2026-02-16"), D("2026-03-07")),
    ]  # N1 ended before 02-10; N4 (kind other) is not an interruption
    uids = [str(e["uid"]) for e in cal.walk("VEVENT")]
    assert len(uids) == len(set(uids))
    # the filter applies: to US only
    us = Calendar.from_ical(update_calendar.calendar_ics(con, as_of="2026-02-10", days_ahead=30,
                                                         where=DeliveryFilter(recipients=["US"])))
    assert [str(e["summary"]) for e in us.walk("VEVENT")] == ["Notice (delay): patent-bibliographic: JP -> US"]


def test_bundled_data_has_an_announced_and_a_late_noticed_incident(bundled_db):
    con = connect_read_only(bundled_db)
    table = incidents.incidents(con, BUNDLED_AS_OF).set_index("provider")
    ahead, late = table.loc["SA"], table.loc["UA"]
    assert (bool(ahead.announced), int(ahead.notice_lead_days)) == (True, 7)
    assert (bool(late.announced), int(late.notice_lead_days)) == (False, -5)
    assert not table.loc["AU"].announced and pd.isna(table.loc["AU"].notice_lead_days)
    texts = incidents.notices(con)["text"]
    assert len(texts) == 4 and texts.str.startswith("Illustrative:").all()
    _parse_feed(feed.feed_atom(con))
    con.close()
