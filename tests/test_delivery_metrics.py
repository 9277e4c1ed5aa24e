"""Delivery, calendar and completeness metrics on a small hand-made fixture (tests/data/delivery/),
whose expected numbers were worked out by hand below, and on the bundled illustrative data.

The fixture, judged at AS_OF = 2026-02-10 (UTC):

JP -> US patent-bibliographic, weekly from 2026-01-05 (Mondays), grace 2, target 0.8:
    01-05 delivered 01-07 = deadline exactly           -> on time (at the grace limit)
    01-12 delivered 01-15, deadline 01-14               -> late, 1 day
    01-19 delivered 01-19                               -> on time
    01-26 delivered 02-01, deadline 01-28               -> late, 4 days
    02-02 not delivered, deadline 02-04 < as-of         -> missed (single: not an interruption)
    02-09 not delivered, deadline 02-11 >= as-of        -> pending (not missed)
    => due 5, on time 2, late 2, missed 1, pending 1, rate 2/5 = 0.4 < 0.8: SLA not met.
    delay over late days [1, 4]: median 2.5; p90 = 1 + 0.9 * (4 - 1) = 3.7.
KR -> EP patent-bibliographic, weekly from 2025-12-01, grace 0, target 0.5: 11 occurrences to
    02-09; 01-05 and 01-12 missed with notice = yes (an announced interruption of 2); the 9 others
    delivered on their date => due 11, on time 9, rate 9/11, SLA met. Records 1000, 1020, 980, 1010,
    990, then 5000 on 01-19 (the anomaly), 1005, 1000, 995.
UA -> EP patent-fulltext, biweekly from 2025-12-02, grace 3, target 0.9:
    12-02 on time, 12-16 on time, 12-30 missed (notice no), 01-13 missed (no row at all),
    01-27 delivered 02-03, deadline 01-30 -> late, 4 days;
    02-10 pending (deadline 02-13). => an unannounced interruption of 2 (12-30, 01-13);
    due 5, on time 2, late 1, missed 2, pending 1, rate 0.4.
MX -> WO trademark-bibliographic, monthly from 2025-10-15, grace 5, target 0.9:
    10-15 on time, 11-15 delivered 11-20 = deadline (on time), 12-15 delivered 12-22 (2 days late),
    01-15 missed => due 4, on time 2, late 1, missed 1, rate 0.5.
EM -> GB design-bibliographic, monthly 2025-11-01 .. 2025-12-31 (ended): 2 on time.
JP -> SA legal-status 2026-01-20: no schedule => listed as unscheduled, never counted.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import BUNDLED_AS_OF, FIXTURES, ROOT, copy_database, load, rows
from icalendar import Calendar

from loaders import build, connect_read_only
from queries import completeness, delivery, update_calendar
from queries.filters import DeliveryFilter

AS_OF = "2026-02-10"
FIXTURE = FIXTURES / "delivery"
D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def delivery_db(tmp_path_factory) -> Path:
    """Reference tables plus the hand-made schedule, deliveries and completeness files."""
    path = tmp_path_factory.mktemp("delivery") / "ipdx.duckdb"
    build(path, include_bundled=False)
    for kind in ("schedule", "deliveries", "completeness"):
        load(path, kind, FIXTURE / f"{kind}.csv")
    return path


@pytest.fixture(scope="module")
def con(delivery_db):
    connection = connect_read_only(delivery_db)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def bundled(bundled_db):
    connection = connect_read_only(bundled_db)
    yield connection
    connection.close()


def test_outcomes_at_the_grace_limit_one_day_after_missed_and_pending(con):
    o = delivery.delivery_outcomes(con, as_of=AS_OF, where=DeliveryFilter(
        providers=["JP", "MX"], datasets=["patent-bibliographic", "trademark-bibliographic"]))
    outcome = {(r.provider, str(r.scheduled_date)[:10]): (r.outcome, r.days_late) for r in o.itertuples()}
    assert outcome[("JP", "2026-01-05")][0] == "on_time"        # delivered on the deadline itself
    assert outcome[("JP", "2026-01-12")] == ("late", 1)         # one day after the deadline
    assert outcome[("JP", "2026-01-26")] == ("late", 4)
    assert outcome[("JP", "2026-02-02")][0] == "missed"         # deadline 02-04 passed, nothing arrived
    assert outcome[("JP", "2026-02-09")][0] == "pending"        # deadline 02-11 not passed yet
    assert outcome[("MX", "2025-11-15")][0] == "on_time"        # monthly, at the 5-day grace limit
    assert outcome[("MX", "2025-12-15")] == ("late", 2)
    # One day later the same occurrence is no longer pending: its deadline 02-11 has passed.
    later = delivery.delivery_outcomes(con, as_of="2026-02-12", where=DeliveryFilter(providers=["JP"]))
    assert later.set_index(later["scheduled_date"].astype(str).str[:10]).loc["2026-02-09", "outcome"] == "missed"


def test_reliability_per_provider(con):
    r = delivery.delivery_reliability_by_office(con, as_of=AS_OF).set_index("provider")
    expected = {  # scheduled (due), on time, late, missed, pending, SLA met (worked out in the docstring)
        "JP": (5, 2, 2, 1, 1, False), "KR": (11, 9, 0, 2, 0, True), "UA": (5, 2, 1, 2, 1, False),
        "MX": (4, 2, 1, 1, 0, False), "EM": (2, 2, 0, 0, 0, True)}
    assert sorted(r.index) == sorted(expected)                  # JP -> SA (no schedule) adds nothing
    for provider, (due, on_time, late, missed, pending, sla) in expected.items():
        row = r.loc[provider]
        assert (row.scheduled, row.on_time, row.late, row.missed, row.pending) == (due, on_time, late, missed, pending)
        assert row.on_time_rate == pytest.approx(on_time / due)
        assert bool(row.sla_met) is sla
    overall = delivery.overall_on_time_rate(con, as_of=AS_OF)
    assert (overall["on_time"], overall["due"]) == (17, 27)     # 2+9+2+2+2 of 5+11+5+4+2


def test_period_filter_is_inclusive_and_sla_follows_the_period(con):
    # January 2026 only: JP 01-05, 01-12, 01-19, 01-26 -> 2 on time, 2 late (both ends inclusive).
    jan = delivery.delivery_reliability_by_office(con, as_of=AS_OF, where=DeliveryFilter(
        since="2026-01-05", until="2026-01-26", providers=["JP"])).iloc[0]
    assert (jan.scheduled, jan.on_time, jan.late, jan.missed) == (4, 2, 2, 0)
    # December 2025 for KR: 5 deliveries on time -> rate 1.0.
    dec = delivery.delivery_reliability_by_office(con, as_of=AS_OF, where=DeliveryFilter(
        since="2025-12-01", until="2025-12-31", providers=["KR"])).iloc[0]
    assert (dec.scheduled, dec.on_time, dec.on_time_rate) == (5, 5, 1.0)


def test_delay_median_and_p90(con):
    d = delivery.delivery_delay_by_office(con, as_of=AS_OF).set_index("provider")
    assert sorted(d.index) == ["JP", "MX", "UA"]                # only providers with a late delivery
    assert d.loc["JP", "delay_median_days"] == pytest.approx(2.5)   # median of [1, 4]
    assert d.loc["JP", "delay_p90_days"] == pytest.approx(3.7)      # 1 + 0.9 * 3
    assert d.loc["UA", "delay_median_days"] == d.loc["UA", "delay_p90_days"] == 4
    assert d.loc["MX", "delay_median_days"] == 2


def test_interruptions_with_and_without_notice(con):
    i = delivery.delivery_interruptions(con, as_of=AS_OF)
    runs = {r.provider: r for r in i.itertuples()}
    assert sorted(runs) == ["KR", "UA"]                         # JP and MX single misses are not runs
    kr, ua = runs["KR"], runs["UA"]
    assert (str(kr.first_missed)[:10], str(kr.last_missed)[:10], kr.missed) == ("2026-01-05", "2026-01-12", 2)
    assert kr.announced and not kr.unannounced                  # notice_given = yes
    assert (str(ua.first_missed)[:10], str(ua.last_missed)[:10], ua.missed) == ("2025-12-30", "2026-01-13", 2)
    assert ua.unannounced and not ua.announced                  # 'no' and a missing row: no notice
    assert not kr.ongoing and not ua.ongoing                    # both streams delivered again afterwards
    # A period that cuts the UA run (January only) still keeps it whole: runs are found over the
    # whole calendar and kept when they overlap the period.
    jan = delivery.delivery_interruptions(con, as_of=AS_OF, where=DeliveryFilter(since="2026-01-01", until="2026-01-31"))
    assert sorted(jan["provider"]) == ["KR", "UA"] and int(jan.set_index("provider").loc["UA", "missed"]) == 2
    feb = delivery.delivery_interruptions(con, as_of=AS_OF, where=DeliveryFilter(since="2026-02-01", until="2026-02-28"))
    assert feb.empty


def test_a_run_is_announced_as_its_first_missed_occurrence_even_when_that_has_no_notice_given(delivery_db, tmp_path):
    """The UA run misses 2025-12-30 and 2026-01-13. With the log saying nothing of notice for
    2025-12-30 (notice_given empty) and notice_given = yes for 2026-01-13, the run is NOT
    announced: its first missed occurrence had no notice. (A notice on a later occurrence of the
    run does not reach back to the first one: the metric must not take the first non-empty value.)"""
    db = copy_database(delivery_db, (tmp_path / "db").mkdir() or tmp_path / "db")
    correction = tmp_path / "correction.csv"
    correction.write_text("provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,"
                          "notice_given,notes\n"
                          "UA,EP,patent-fulltext,PDF,,2025-12-30,,,,\n"
                          "UA,EP,patent-fulltext,PDF,,2026-01-13,,,yes,told late\n")
    load(db, "deliveries", correction)
    with connect_read_only(db) as c:
        runs = delivery.delivery_interruptions(c, as_of=AS_OF).set_index("provider")
    ua = runs.loc["UA"]
    assert (str(ua["first_missed"])[:10], int(ua["missed"])) == ("2025-12-30", 2)
    assert not ua["announced"] and ua["unannounced"]


def test_irregularity(con):
    irr = delivery.delivery_irregularity(con, as_of=AS_OF).set_index("provider")
    # JP: delivered 01-07, 01-15, 01-19, 02-01 for 01-05, 01-12, 01-19, 01-26: actual intervals
    # 8, 4, 13 vs scheduled 7, 7, 7 -> differences 1, -3, 6; sample sd = sqrt(61/3) = 4.5092; / 7.
    assert irr.loc["JP", "irregularity"] == pytest.approx(math.sqrt(61 / 3) / 7)
    # KR: every delivery on its scheduled date (the gap over the 2 misses is scheduled too) -> 0.
    assert irr.loc["KR", "irregularity"] == 0
    # UA: intervals 13 (12-03 -> 12-16) and 49 (12-16 -> 02-03) vs 14 and 42: differences -1, 7;
    # sd = sqrt(32); mean scheduled interval 28.
    assert irr.loc["UA", "irregularity"] == pytest.approx(math.sqrt(32) / 28)
    # EM: 2 deliveries, 1 interval: no spread can be measured.
    assert math.isnan(irr.loc["EM", "irregularity"])


def test_freshness(con):
    f = delivery.delivery_freshness(con, as_of=AS_OF).set_index("provider")
    # JP: last delivery 02-01, 9 days before 02-10 = exactly 7 + 2 grace: not yet stale.
    assert (f.loc["JP", "days_since_last_delivery"], bool(f.loc["JP", "stale"])) == (9, False)
    # MX: last delivery 12-22, 50 days > 31 + 5: stale.
    assert (f.loc["MX", "days_since_last_delivery"], bool(f.loc["MX", "stale"])) == (50, True)
    # EM: ended 2025-12-31, never stale although 71 days have passed.
    assert (f.loc["EM", "days_since_last_delivery"], bool(f.loc["EM", "ended"]), bool(f.loc["EM", "stale"])) \
        == (71, True, False)
    assert int(f["stale"].sum()) == 1
    # One day later JP is stale (10 > 9).
    later = delivery.delivery_freshness(con, as_of="2026-02-11", where=DeliveryFilter(providers=["JP"])).iloc[0]
    assert bool(later.stale)


def test_monthly_trend_marks_the_unfinished_month(con):
    t = delivery.monthly_on_time_trend(con, as_of=AS_OF)
    rows = {str(r.month)[:7]: (r.scheduled, r.on_time, r.late, r.missed, r.pending, bool(r.incomplete))
            for r in t.itertuples()}
    assert rows == {
        "2025-10": (1, 1, 0, 0, 0, False),   # MX
        "2025-11": (2, 2, 0, 0, 0, False),   # MX, EM
        "2025-12": (10, 8, 1, 1, 0, False),  # KR x5, UA 12-02, 12-16 on time, 12-30 missed, MX late, EM
        "2026-01": (11, 4, 3, 4, 0, False),  # JP 2+2, KR 2 missed + 2 on time, UA missed + late, MX missed
        "2026-02": (3, 2, 0, 1, 2, True),    # not over on 02-10 and 2 pending: incomplete
    }


def test_upcoming_and_overdue(con):
    up = delivery.upcoming_deliveries(con, as_of=AS_OF, days_ahead=14)
    got = [(r.provider, str(r.scheduled_date)[:10], r.status) for r in up.itertuples()]
    assert got == [("JP", "2026-02-09", "pending"), ("UA", "2026-02-10", "pending"),
                   ("MX", "2026-02-15", "scheduled"), ("JP", "2026-02-16", "scheduled"),
                   ("KR", "2026-02-16", "scheduled"), ("JP", "2026-02-23", "scheduled"),
                   ("KR", "2026-02-23", "scheduled"), ("UA", "2026-02-24", "scheduled")]
    assert "EM" not in set(up["provider"])                       # the EM schedule ended
    od = delivery.overdue_deliveries(con, as_of=AS_OF)
    # MX 01-15 (deadline 01-20: 21 days) and JP 02-02 (deadline 02-04: 6 days). UA's misses are
    # not overdue: UA delivered 01-27 after them.
    assert [(r.provider, str(r.scheduled_date)[:10], r.days_overdue) for r in od.itertuples()] == [
        ("MX", "2026-01-15", 21), ("JP", "2026-02-02", 6)]


def test_unscheduled_delivery_is_listed(con):
    u = delivery.unscheduled_deliveries(con, as_of=AS_OF)
    assert [(r.provider, r.recipient, r.dataset, str(r.scheduled_date)[:10]) for r in u.itertuples()] == [
        ("JP", "SA", "legal-status", "2026-01-20")]
    assert u.iloc[0]["reason"].startswith("no schedule")
    assert delivery.unscheduled_deliveries(con, as_of=AS_OF, where=DeliveryFilter(providers=["KR"])).empty


def test_scorecard_joins_the_metrics(con):
    s = delivery.provider_scorecard(con, as_of=AS_OF).set_index("provider")
    assert (s.loc["KR", "interruptions"], s.loc["KR", "unannounced_interruptions"]) == (1, 0)
    assert (s.loc["UA", "interruptions"], s.loc["UA", "unannounced_interruptions"]) == (1, 1)
    assert (s.loc["MX", "stale_schedules"], s.loc["JP", "stale_schedules"]) == (1, 0)
    assert s.loc["JP", "delay_p90_days"] == pytest.approx(3.7)
    assert s.loc["EM", "days_since_last_delivery"] != s.loc["EM", "days_since_last_delivery"]  # ended: NaN
    sched = delivery.schedule_scorecard(con, as_of=AS_OF, where=DeliveryFilter(providers=["KR"])).iloc[0]
    assert (sched.scheduled, sched.on_time, bool(sched.sla_met), sched.irregularity) == (11, 9, True, 0)


def test_completeness_below_and_above_threshold(con):
    c = completeness.field_completeness(con).set_index(["provider", "field"])
    # KR abstract: (900 + 1000) / (1000 + 1020) = 0.9406 < 0.95; KR title 2020 / 2020 = 1.
    assert c.loc[("KR", "abstract"), "completeness"] == pytest.approx(1900 / 2020)
    assert bool(c.loc[("KR", "abstract"), "below_threshold"])
    assert not bool(c.loc[("KR", "title"), "below_threshold"])
    # JP title: (960 + 940) / 2000 = 0.95 exactly: at the threshold passes.
    assert c.loc[("JP", "title"), "completeness"] == 0.95
    assert not bool(c.loc[("JP", "title"), "below_threshold"])
    # A lower threshold (90 %) clears KR abstract; a higher one (96 %) flags JP title too.
    assert not completeness.field_completeness(con, threshold=0.90)["below_threshold"].any()
    assert int(completeness.field_completeness(con, threshold=0.96)["below_threshold"].sum()) == 2
    # Period: January only keeps the JP rows.
    jan = completeness.field_completeness(con, DeliveryFilter(since="2026-01-01", until="2026-01-31"))
    assert list(jan["provider"]) == ["JP"] and int(jan.iloc[0]["records"]) == 2000


def test_completeness_trend_per_field(con):
    t = completeness.field_completeness_trend(con)
    rows = {(str(r.month)[:7], r.field): (r.completeness, bool(r.below_threshold)) for r in t.itertuples()}
    assert rows[("2025-12", "abstract")] == (pytest.approx(1900 / 2020), True)
    assert rows[("2025-12", "title")] == (1.0, False)
    assert rows[("2026-01", "title")] == (0.95, False)
    assert len(rows) == 3


def test_volume_anomaly(con):
    a = completeness.volume_anomalies(con)
    # KR 01-19: the 5 earlier deliveries 1000, 1020, 980, 1010, 990 have median 1000 and MAD 10;
    # band 1000 +/- 10 x max(10, 5 % of 1000 = 50) = [500, 1500]; 5000 is outside.
    assert [(r.provider, str(r.scheduled_date)[:10], r.records) for r in a.itertuples()] == [("KR", "2026-01-19", 5000)]
    row = a.iloc[0]
    assert (row["median"], row["mad"], row["band_low"], row["band_high"], row["history"]) == (1000, 10, 500, 1500, 5)
    v = completeness.delivery_volumes(con, DeliveryFilter(providers=["KR"]))
    # The first 4 deliveries have fewer than 4 earlier ones: no band, never an anomaly.
    assert v["median"].isna().sum() == 4 and int(v["anomaly"].sum()) == 1
    # KR 01-26 (1005) after the anomaly: median of 1000,1020,980,1010,990,5000 = 1005, inside.
    assert not bool(v.set_index(v["scheduled_date"].astype(str).str[:10]).loc["2026-01-26", "anomaly"])
    # Requiring 6 earlier deliveries leaves 01-19 (5 earlier) unjudged.
    assert completeness.volume_anomalies(con, min_history=6).empty


def test_calendar_ics(con):
    raw = update_calendar.calendar_ics(con, as_of=AS_OF, days_ahead=14)
    cal = Calendar.from_ical(raw)
    events = cal.walk("VEVENT")
    # The 8 entries of upcoming_deliveries(days_ahead=14): 2 pending + 6 scheduled.
    assert len(events) == 8
    starts = sorted((str(e["summary"]), e.decoded("dtstart")) for e in events)
    assert ("patent-bibliographic: JP -> US", D("2026-02-16")) in starts
    assert ("trademark-bibliographic: MX -> WO", D("2026-02-15")) in starts
    mx = next(e for e in events if e.decoded("dtstart") == D("2026-02-15"))
    assert "deadline 2026-02-20" in str(mx["description"])
    assert "Mexican Institute of Industrial Property" in str(mx["description"])
    assert len({str(e["uid"]) for e in events}) == 8
    # Same data, same bytes (stable UIDs and DTSTAMP = as_of): re-importing updates, not duplicates.
    assert update_calendar.calendar_ics(con, as_of=AS_OF, days_ahead=14) == raw
    only_kr = Calendar.from_ical(update_calendar.calendar_ics(con, as_of=AS_OF, days_ahead=14, where=DeliveryFilter(providers=["KR"])))
    assert [e.decoded("dtstart") for e in only_kr.walk("VEVENT")] == [D("2026-02-16"), D("2026-02-23")]


def test_metrics_cli_reports_reliability_for_the_fixture(delivery_db):
    out = subprocess.run([sys.executable, "-m", "loaders", "metrics", "--json", "--db", str(delivery_db),
                          "--as-of", AS_OF], cwd=ROOT, capture_output=True, text=True, check=True)
    summary = json.loads(out.stdout)
    assert summary["reliability_as_of"] == AS_OF
    rel = summary["reliability"]
    assert rel["JP"] == {"scheduled": 5, "on_time": 2, "late": 2, "missed": 1, "pending": 1, "on_time_rate": 0.4,
                         "sla_met": False, "delay_median_days": 2.5, "delay_p90_days": 3.7, "interruptions": 0,
                         "unannounced_interruptions": 0, "stale_schedules": 0}
    assert rel["KR"]["on_time_rate"] == round(9 / 11, 4) and rel["KR"]["interruptions"] == 1
    assert rel["UA"]["unannounced_interruptions"] == 1 and rel["UA"]["on_time_rate"] == 0.4
    assert rel["MX"]["stale_schedules"] == 1 and rel["MX"]["delay_median_days"] == 2
    assert "SA" not in rel and sorted(rel) == ["EM", "JP", "KR", "MX", "UA"]


# ------------------------------------------------------------------ the bundled illustrative data

def test_bundled_interruptions_match_the_readme(bundled):
    i = delivery.delivery_interruptions(bundled, as_of=BUNDLED_AS_OF)
    got = {(r.provider, r.recipient): (str(r.first_missed)[:10], r.missed, bool(r.unannounced))
           for r in i.itertuples()}
    assert got == {("SA", "WO"): ("2026-04-14", 3, False),   # announced system migration
                   ("UA", "EP"): ("2026-01-02", 4, True),
                   ("AU", "WO"): ("2026-06-29", 2, True)}


def test_bundled_anomalies_and_weak_fields_match_the_readme(bundled):
    a = completeness.volume_anomalies(bundled)
    assert {(r.provider, r.recipient, str(r.scheduled_date)[:10]) for r in a.itertuples()} == {
        ("CN", "EP", "2026-04-23"), ("KR", "US", "2026-02-13"), ("EM", "WO", "2026-01-12")}
    c = completeness.field_completeness(bundled)
    below = {(r.provider, r.field) for r in c[c["below_threshold"]].itertuples()}
    assert below == {("BR", "abstract"), ("MX", "inventor"), ("UA", "priority_claims"), ("CN", "applicant"),
                     ("GB", "title")}
    # GB title drops only in March and April 2026: about 62 % then, 99 %+ elsewhere.
    spring = completeness.field_completeness(bundled, DeliveryFilter(since="2026-03-01", until="2026-04-30", providers=["GB"]))
    assert spring.set_index("field").loc["title", "completeness"] == pytest.approx(0.62, abs=0.02)
    summer = completeness.field_completeness(bundled, DeliveryFilter(since="2026-05-01", until="2026-10-31", providers=["GB"]))
    assert not summer["below_threshold"].any()


def test_bundled_unscheduled_and_provider_filters(bundled):
    u = delivery.unscheduled_deliveries(bundled, as_of=BUNDLED_AS_OF)
    assert {(r.provider, r.recipient, r.dataset) for r in u.itertuples()} == {
        ("JP", "SA", "patent-bibliographic"), ("EP", "UA", "legal-status")}
    jp = delivery.delivery_reliability_by_office(bundled, as_of=BUNDLED_AS_OF, where=DeliveryFilter(providers=["JP"]))
    assert list(jp["provider"]) == ["JP"] and int(jp.iloc[0]["scheduled"]) == 204
    to_us = delivery.delivery_reliability_by_office(bundled, as_of=BUNDLED_AS_OF, where=DeliveryFilter(recipients=["US"]))
    assert set(to_us["provider"]) == {"JP", "KR", "CA", "MX"}


#: Every function over the scheduled occurrences, with a period and filters and without.
OCCURRENCE_METRICS = (delivery.delivery_outcomes, delivery.delivery_reliability_by_schedule,
                      delivery.delivery_reliability_by_office, delivery.unscheduled_deliveries,
                      delivery.delivery_delay_by_office, delivery.delivery_interruptions,
                      delivery.delivery_irregularity, delivery.monthly_on_time_trend,
                      delivery.outcomes_by_provider_month, delivery.overdue_deliveries)


def _occurrence_metrics(db: Path, as_of: str) -> dict:
    con = connect_read_only(db)
    try:
        out = {}
        for fn in OCCURRENCE_METRICS:
            out[fn.__name__] = fn(con, as_of=as_of)
            out[fn.__name__ + " filtered"] = fn(con, as_of=as_of, where=DeliveryFilter(
                since="2025-12-15", until="2026-01-31", providers=["UA", "KR", "JP"], recipients=["EP", "US"]))
        out["overall"] = pd.DataFrame([delivery.overall_on_time_rate(con, as_of=as_of)])
        out["count"] = delivery.scheduled_occurrence_count(con, as_of=as_of, where=DeliveryFilter(providers=["UA"]))
        out["upcoming"] = delivery.upcoming_deliveries(con, as_of=as_of, days_ahead=365)
        out["ics"] = update_calendar.calendar_ics(con, as_of=as_of)
        return out
    finally:
        con.close()


def _without_materialised_occurrences(db: Path, folder: Path) -> Path:
    """A copy of `db` whose snapshot lacks the materialised occurrences (as one built before
    them): every metric then generates the occurrences on the fly."""
    folder.mkdir()
    copy = copy_database(db, folder)
    with duckdb.connect(str(copy)) as write:
        write.execute("DROP VIEW scheduled_occurrences")
        write.execute("DROP TABLE schedule_calendar")
        write.execute("DELETE FROM meta WHERE key = $k", {"k": delivery.OCCURRENCES_HORIZON_KEY})
    return copy


def _assert_same(materialised: dict, generated: dict) -> None:
    assert materialised.keys() == generated.keys()
    for name, value in materialised.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, generated[name], obj=name)
        else:
            assert value == generated[name], name


def test_materialised_occurrences_give_the_numbers_of_the_generated_ones(delivery_db, tmp_path):
    """A load of the schedule or the log materialises the scheduled occurrences in the snapshot
    (to a horizon past the data); the metrics read them, and fall back to generating them for
    an older snapshot or an as_of past that horizon: the same numbers either way."""
    horizon = D(rows(delivery_db, "SELECT value FROM meta WHERE key = $k",
                     {"k": delivery.OCCURRENCES_HORIZON_KEY})[0][0])
    assert horizon >= D(AS_OF) + dt.timedelta(days=365)  # so the calendar ahead is read from it too
    generated = _without_materialised_occurrences(delivery_db, tmp_path / "generated")
    _assert_same(_occurrence_metrics(delivery_db, AS_OF), _occurrence_metrics(generated, AS_OF))
    beyond = (horizon + dt.timedelta(days=30)).isoformat()  # past the horizon: generated in both
    _assert_same(_occurrence_metrics(delivery_db, beyond), _occurrence_metrics(generated, beyond))


def test_materialised_occurrences_follow_a_correcting_load(delivery_db, tmp_path):
    """A later load that corrects the log rebuilds the occurrences in the same snapshot: the
    missed JP occurrence of 2026-02-02, now delivered, counts as on time."""
    db = copy_database(delivery_db, (tmp_path / "db").mkdir() or tmp_path / "db")
    correction = tmp_path / "correction.csv"
    correction.write_text("provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,"
                          "notice_given,notes\nJP,US,patent-bibliographic,XML,ST.96,2026-02-02,2026-02-03,"
                          "1000,no,resent\n")
    load(db, "deliveries", correction)
    materialised = _occurrence_metrics(db, AS_OF)
    jp = materialised["delivery_reliability_by_schedule"].set_index("provider").loc["JP"]
    assert (int(jp["on_time"]), int(jp["missed"])) == (3, 0)
    _assert_same(materialised, _occurrence_metrics(_without_materialised_occurrences(db, tmp_path / "g"), AS_OF))


def test_a_log_load_keeps_the_calendar_and_a_schedule_load_rebuilds_it(delivery_db, tmp_path):
    """The materialised calendar depends on the schedule only: a load of the log leaves it as it
    is while its horizon reaches a year past the data (the view joins the new rows at once), and
    a load of the schedule rebuilds it."""
    db = copy_database(delivery_db, (tmp_path / "db").mkdir() or tmp_path / "db")
    calendar = "SELECT count(*), max(scheduled_date) FROM schedule_calendar"
    horizon = "SELECT value FROM meta WHERE key = 'scheduled_occurrences_horizon'"
    before = rows(db, calendar), rows(db, horizon)
    row_count = rows(db, "SELECT count(*) FROM scheduled_occurrences WHERE delivered_at IS NOT NULL")[0][0]
    extra = tmp_path / "extra.csv"
    extra.write_text("provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,"
                     "notice_given,notes\nJP,US,patent-bibliographic,XML,ST.96,2026-02-02,2026-02-03,"
                     "1000,no,resent\n")
    load(db, "deliveries", extra)
    assert (rows(db, calendar), rows(db, horizon)) == before
    assert rows(db, "SELECT count(*) FROM scheduled_occurrences WHERE delivered_at IS NOT NULL")[0][0] == row_count + 1
    schedule = tmp_path / "schedule.csv"
    schedule.write_text("provider,recipient,dataset,frequency,grace_days,starts,ends,on_time_target\n"
                        "KR,EP,patent-legal-status,weekly,2,2025-12-01,,0.9\n")
    load(db, "schedule", schedule)
    after = rows(db, calendar)[0]
    assert after[0] > before[0][0][0]
    assert rows(db, "SELECT count(*) FROM schedule_calendar WHERE provider = 'KR' AND recipient = 'EP' "
                    "AND dataset = 'patent-legal-status'")[0][0] > 0


def test_a_snapshot_with_the_earlier_occurrences_table_gets_the_calendar_on_the_next_load(delivery_db, tmp_path):
    """Snapshots written before the calendar held `scheduled_occurrences` as a table (and no
    schema version); the next load rebuilds such a database from the archive first, so it gets
    the calendar and the view, with the same numbers."""
    db = copy_database(delivery_db, (tmp_path / "db").mkdir() or tmp_path / "db")
    expected = _occurrence_metrics(db, AS_OF)
    with duckdb.connect(str(db)) as write:
        write.execute("CREATE TABLE materialised AS SELECT * FROM scheduled_occurrences")
        write.execute("DROP VIEW scheduled_occurrences")
        write.execute("DROP TABLE schedule_calendar")
        write.execute("ALTER TABLE materialised RENAME TO scheduled_occurrences")
        write.execute("DELETE FROM meta WHERE key = 'schema_version'")
    again = tmp_path / "again.csv"  # a correction that changes nothing
    again.write_text("provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,"
                     "notice_given,notes\n")
    log = rows(db, "SELECT provider, recipient, dataset, format, standard, scheduled_date, "
                   "strftime(delivered_at, '%Y-%m-%dT%H:%M:%SZ'), records, notice_given, notes "
                   "FROM deliveries ORDER BY ALL LIMIT 1")[0]
    cells = ["" if v is None else ("yes" if v is True else "no" if v is False else str(v)) for v in log]
    again.write_text(again.read_text() + ",".join(cells) + "\n")
    result = load(db, "deliveries", again)
    assert result.status == "loaded" and result.unchanged_rows == 1
    kinds = dict(rows(db, "SELECT table_name, table_type FROM information_schema.tables "
                          "WHERE table_name IN ('scheduled_occurrences', 'schedule_calendar')"))
    assert kinds == {"scheduled_occurrences": "VIEW", "schedule_calendar": "BASE TABLE"}
    _assert_same(expected, _occurrence_metrics(db, AS_OF))


def test_delivery_filter_is_one_hashable_value_and_its_sql_takes_parameters_only():
    a = DeliveryFilter(since="2026-01-05", until=dt.datetime(2026, 1, 26, 13, 0), providers=["JP", "KR"])
    b = DeliveryFilter(since=D("2026-01-05"), until="2026-01-26", providers=("JP", "KR"), recipients=[])
    assert a == b and hash(a) == hash(b) and {a: 1}[b] == 1  # a cache key: lists, texts and dates normalised
    assert (a.since, a.until, a.providers, a.recipients) == (D("2026-01-05"), D("2026-01-26"), ("JP", "KR"), None)
    assert a.params() == {"since": D("2026-01-05"), "until": D("2026-01-26"), "providers": ["JP", "KR"],
                          "recipients": None, "datasets": None}
    assert a.without_period() == DeliveryFilter(providers=["JP", "KR"])
    assert a.replace(providers=["MX"]).providers == ("MX",) and a.providers == ("JP", "KR")
    # The SQL never holds a value, and a prefix that is not an alias is refused.
    from queries import filters
    hostile = "x'); DROP TABLE deliveries; --"
    assert hostile not in filters.where_sql("s") and "$providers" in filters.where_sql("s")
    with pytest.raises(ValueError):
        filters.offices_sql(hostile)
    with pytest.raises(ValueError):
        filters.period_sql("d", since=hostile)


def test_delivery_filter_with_a_hostile_office_name_matches_nothing(con):
    hostile = "JP' OR '1'='1"
    assert delivery.delivery_outcomes(con, as_of=AS_OF, where=DeliveryFilter(providers=[hostile])).empty
    assert completeness.field_completeness(con, DeliveryFilter(providers=[hostile])).empty
