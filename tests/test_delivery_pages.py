"""AppTest of the delivery reliability, update calendar and data completeness pages, on the
hand-made fixture (numbers worked out in test_delivery_metrics.py) and on the bundled data."""
from __future__ import annotations

import json

from conftest import BUNDLED_AS_OF
from test_delivery_metrics import AS_OF, delivery_db  # noqa: F401  (fixture)

RELIABILITY = "pages/5_Delivery_reliability.py"
CALENDAR = "pages/6_Update_calendar.py"
COMPLETENESS = "pages/7_Data_completeness.py"


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def frame_with(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_reliability_page_on_the_fixture(app, delivery_db):  # noqa: F811
    at = app(delivery_db, RELIABILITY, {"as_of": AS_OF})
    assert not at.exception
    # 17 of 27 due deliveries on time; KR and EM meet their SLA; KR (announced) and UA
    # (unannounced) interruptions; MX stale.
    assert metrics(at) == {"On-time rate": "63.0%", "Providers meeting their SLA": "2 of 5",
                           "Interruptions (unannounced)": "2 (1)", "Stale schedules": "1"}
    assert any(f"As of **{AS_OF}** (UTC)" in c.value and "inclusive, UTC" in c.value for c in at.caption)
    table = frame_with(at, "sla_met").set_index("office")
    jp = table.loc["JP - Japan Patent Office"]
    assert (jp.scheduled, jp.on_time, jp.late, jp.missed, jp.pending, jp.on_time_rate) == (5, 2, 2, 1, 1, 0.4)
    assert jp.delay_p90_days == 3.7 and not jp.sla_met
    timeline, trend = charts(at)
    # Every outcome has its colour, its own marker shape and a legend label.
    assert [(t["name"], t["marker"]["symbol"]) for t in timeline["data"]] == [
        ("On time", "circle"), ("Late", "triangle-up"), ("Missed", "x"), ("Pending", "circle-open")]
    assert sum(len(t["x"]) for t in timeline["data"]) == 29       # 27 due + 2 pending occurrences
    finished, unfinished = trend["data"]
    assert len(finished["x"]) == 4 and unfinished["name"] == f"incomplete (as of {AS_OF})"
    assert unfinished["x"] == ["2026-02-01T00:00:00"] and unfinished["text"] == ["incomplete"]
    interruptions = frame_with(at, "first_missed")
    assert sorted(interruptions["notice"]) == ["announced (notice given)", "unannounced (no notice)"]
    assert any("1 delivery row(s) match no scheduled occurrence" in w.value for w in at.warning)
    assert frame_with(at, "reason")["provider"].tolist() == ["JP"]
    # Real (non-bundled) data: no illustrative badge.
    assert not any("Illustrative data" in w.value for w in at.warning)


def test_reliability_filters_live_in_the_url(app, delivery_db):  # noqa: F811
    at = app(delivery_db, RELIABILITY, {"as_of": AS_OF, "period": "2026-01-01..2026-01-31", "detail": "UA"})
    assert not at.exception
    # January only: 4 on time of 11 due (see the trend row for 2026-01).
    assert metrics(at)["On-time rate"] == "36.4%"
    assert at.query_params["period"] == "2026-01-01..2026-01-31"
    # Drill-down on UA: its one schedule, 2 due in January (01-13 missed, 01-27 late).
    detail = frame_with(at, "mean_interval_days")
    assert (int(detail.iloc[0]["scheduled"]), int(detail.iloc[0]["missed"]), int(detail.iloc[0]["late"])) == (2, 1, 1)
    # Choosing a provider writes it into the URL and narrows every figure.
    at.multiselect(key="provider").set_value(["KR"]).run()
    assert at.query_params["provider"] == "KR"
    assert metrics(at)["On-time rate"] == "50.0%"                # KR in January: 2 on time, 2 missed


def test_reliability_page_on_bundled_data(app, bundled_db):
    at = app(bundled_db, RELIABILITY)
    assert not at.exception
    assert any("Illustrative data" in w.value for w in at.warning)
    assert metrics(at)["On-time rate"] == "94.2%"                # as on the home page
    assert metrics(at)["Interruptions (unannounced)"] == "3 (2)"  # SA announced; UA, AU unannounced
    assert at.query_params["as_of"] == BUNDLED_AS_OF
    trend = charts(at)[1]
    assert trend["data"][1]["x"] == ["2026-11-01T00:00:00"]              # November 2026 not over on 11-20


def test_calendar_page(app, delivery_db, monkeypatch):  # noqa: F811
    from signin import MediaRecorder
    media = MediaRecorder(monkeypatch)
    at = app(delivery_db, CALENDAR, {"as_of": AS_OF, "weeks": "2"})
    assert not at.exception
    overdue = frame_with(at, "days_overdue")
    assert list(zip(overdue["dataset"], overdue["days_overdue"])) == [("trademark-bibliographic", 21),
                                                                       ("patent-bibliographic", 6)]
    upcoming = frame_with(at, "status")
    assert len(upcoming) == 8 and sorted(upcoming["status"]).count("pending") == 2
    (chart,) = charts(at)
    assert {t["name"]: len(t["x"]) for t in chart["data"]} == {"scheduled": 6, "pending (due, within grace)": 2}
    (ics_button,) = [b for b in at.get("download_button") if b.proto.label == "Download calendar (.ics)"]
    # The .ics is built on click (deferred): made here as a click would, it is the calendar of
    # queries.update_calendar for the page's as-of date and filters (365 days by default).
    from icalendar import Calendar

    from loaders import open_snapshot
    from queries.update_calendar import calendar_ics
    assert ics_button.proto.deferred_file_id
    made = media.bytes_of(ics_button)
    con = open_snapshot(delivery_db)
    assert made == calendar_ics(con, as_of=AS_OF, days_ahead=365)
    con.close()
    assert len(Calendar.from_ical(made).walk("VEVENT")) > 0
    # The dataset filter narrows the calendar and stays in the URL.
    at.multiselect(key="dataset").set_value(["patent-fulltext"]).run()
    assert at.query_params["dataset"] == "patent-fulltext"
    assert len(frame_with(at, "status")) == 2                    # UA 02-10 pending, 02-24 scheduled


def test_completeness_page_on_the_fixture(app, delivery_db):  # noqa: F811
    at = app(delivery_db, COMPLETENESS, {"as_of": AS_OF})
    assert not at.exception
    below = frame_with(at, "populated")
    assert list(zip(below["field"], below["records"])) == [("abstract", 2020)]   # KR abstract 94.1 %
    heatmap = charts(at)[0]["data"][0]
    cells = [c for row in heatmap["text"] for c in row if c]
    assert sorted(cells) == ["100.0%", "94.1% ▼", "95.0%"]      # the mark, not only the colour
    anomalies = frame_with(at, "band_high")
    assert list(zip(anomalies["records"], anomalies["band_high"])) == [(5000, 1500)]
    at.selectbox(key="threshold").set_value(96).run()
    assert at.query_params["threshold"] == "96"
    assert sorted(frame_with(at, "populated")["field"]) == ["abstract", "title"]  # JP title 95 % < 96 %


def test_completeness_page_on_bundled_data(app, bundled_db):
    at = app(bundled_db, COMPLETENESS, {"threshold": "90"})
    assert not at.exception
    assert any("Illustrative data" in w.value for w in at.warning)
    # Below 90 %: BR abstract ~85 %, MX inventor ~80 %, UA priority claims ~70 % (CN applicant
    # ~93 % and GB title 94 % over the whole period pass at 90 %).
    below = frame_with(at, "populated")
    assert sorted(below["field"]) == ["abstract", "inventor", "priority_claims"]
    anomalies = frame_with(at, "band_high")
    assert sorted(anomalies["records"]) == [315, 1900, 33600]


def test_large_log_draws_the_outcome_calendar_per_provider_and_month(app, bundled_db, monkeypatch):
    """Above TIMELINE_MAX_MARKS occurrences the page draws provider x month cells instead of one
    mark per delivery. The bundled log has 1628 occurrences up to 2026-11-20: with the limit at
    1000 the aggregate is drawn; its cells add up to the same counts as the scorecard."""
    from loaders import open_snapshot
    from queries import delivery
    monkeypatch.setattr(delivery, "TIMELINE_MAX_MARKS", 1000)
    at = app(bundled_db, RELIABILITY)
    assert not at.exception
    assert any("1628 scheduled deliveries in the filter: too many to draw one by one" in c.value
               for c in at.caption)
    heatmap = charts(at)[0]["data"][0]
    assert heatmap["type"] == "heatmap"
    assert len(heatmap["y"]) == 15  # one row per provider office
    con = open_snapshot(bundled_db)
    cells = delivery.outcomes_by_provider_month(con, as_of=BUNDLED_AS_OF)
    by_office = delivery.delivery_reliability_by_office(con, as_of=BUNDLED_AS_OF).set_index("provider")
    con.close()
    totals = cells.groupby("provider")[["scheduled", "on_time", "late", "missed"]].sum()
    assert totals.equals(by_office[["scheduled", "on_time", "late", "missed"]].loc[totals.index])
    assert int(totals.loc["UA", "missed"]) == 4
