"""Who sees the delivery figures of a month under review (`queries.filters`: the period filter
of the occurrences and the sources of the delivery and completeness rows every delivery and
completeness metric uses): a month held back before any of it was due is absent from every
public delivery metric and from the open data package, and present for the secretariat; a month
in review not shown provisionally is seen, of its live figures, by its provider office only;
shown provisionally, by everyone; with no status event, nothing changes. A month held back after
the public saw it keeps, for the public, its last published state (`db.held`): the corrections
loaded while it is under review are seen by the secretariat and the provider, and by the public
once the month is published."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from conftest import BUNDLED_AS_OF, load, rows

import loaders
from loaders import review as review_events
from queries import completeness, delivery, incidents, open_data, review, update_calendar
from queries.filters import EVERYTHING, DeliveryFilter

MONTH = "2026-10"
START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)
AS_OF = dt.date.fromisoformat(BUNDLED_AS_OF)
PUBLIC = EVERYTHING
SECRETARIAT = EVERYTHING.seen_by(everything=True)
#: A status event recorded before MONTH began: nothing of the month was public yet.
BEFORE_MONTH = "2026-09-30T12:00:00Z"


def _hold_before_month(db, status: str, **event) -> None:
    review_events.record_events([{"event": "status", "period": MONTH, "status": status,
                                  "recorded_at": BEFORE_MONTH, **event}], loaded_by="sec", db_path=db)


def _in_month(values) -> list:
    return [v for v in pd.to_datetime(pd.Series(list(values)), errors="coerce").dropna()
            if START <= v.date() <= END]


def _figures(con, where: DeliveryFilter) -> dict[str, pd.DataFrame]:
    """Every delivery figure a public page or export builds, for `where`'s viewer."""
    early = dt.date(2026, 9, 20)  # the calendar ahead of this date reaches into the month
    return {
        "outcomes": delivery.delivery_outcomes(con, AS_OF, where),
        "by_office": delivery.delivery_reliability_by_office(con, AS_OF, where),
        "by_schedule": delivery.delivery_reliability_by_schedule(con, AS_OF, where),
        "by_pair": delivery.delivery_reliability_by_pair(con, AS_OF, where),
        "trend": delivery.monthly_on_time_trend(con, AS_OF, where),
        "calendar": delivery.outcomes_by_provider_month(con, AS_OF, where),
        "delay": delivery.delivery_delay_by_office(con, AS_OF, where),
        "irregularity": delivery.delivery_irregularity(con, AS_OF, where),
        "interruptions": delivery.delivery_interruptions(con, AS_OF, where),
        "unscheduled": delivery.unscheduled_deliveries(con, AS_OF, where),
        "freshness": delivery.delivery_freshness(con, dt.date(2026, 10, 31), where),
        "upcoming": delivery.upcoming_deliveries(con, early, 60, where),
        "scorecard": delivery.provider_scorecard(con, AS_OF, where),
        "incidents": incidents.incidents(con, AS_OF, where),
        "schedule_incidents": incidents.schedule_incident_metrics(con, AS_OF, where),
        "completeness": completeness.field_completeness(con, where),
        "completeness_trend": completeness.field_completeness_trend(con, where),
        "volumes": completeness.delivery_volumes(con, where),
        "calendar_ics": pd.DataFrame({"ics": [update_calendar.calendar_ics(con, early, 60, where).decode()]}),
    }


def _dates_in_month(figures: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Per figure, how many of its date cells fall in MONTH."""
    found = {}
    for name, frame in figures.items():
        for column in ("scheduled_date", "month", "first_missed", "last_missed"):  # a scheduled date
            if column in frame.columns:
                found[f"{name}.{column}"] = len(_in_month(frame[column]))
    found["calendar_ics"] = figures["calendar_ics"]["ics"].iloc[0].count("DTSTART;VALUE=DATE:202610")
    return found


@pytest.fixture(scope="module")
def baseline(bundled_db):
    con = loaders.open_snapshot(bundled_db)
    try:
        yield _figures(con, PUBLIC)
    finally:
        con.close()


def test_with_no_period_event_every_viewer_sees_the_same_figures(bundled_db, baseline):
    con = loaders.open_snapshot(bundled_db)
    try:
        for where in (SECRETARIAT, EVERYTHING.seen_by(office="JP")):
            for name, frame in _figures(con, where).items():
                pd.testing.assert_frame_equal(frame, baseline[name], obj=name)
    finally:
        con.close()
    assert sum(_dates_in_month(baseline).values()) > 0  # the month has figures to hide


def test_a_draft_month_is_absent_from_every_public_figure_and_present_for_the_secretariat(fresh_bundled_db,
                                                                                         baseline):
    _hold_before_month(fresh_bundled_db, "draft")
    con = loaders.open_snapshot(fresh_bundled_db)
    try:
        public = _figures(con, PUBLIC)
        secretariat = _figures(con, SECRETARIAT)
        office = _figures(con, EVERYTHING.seen_by(office="JP"))
        tables = open_data.public_tables(con)
        scope = open_data.published_scope(con)
    finally:
        con.close()
    in_month = _dates_in_month(baseline)
    for name, count in _dates_in_month(public).items():
        assert count == 0, f"{name}: {count} cells of the draft month shown to the public"
    assert all(v == 0 for v in _dates_in_month(office).values())  # a draft is the secretariat's only
    for name, frame in secretariat.items():
        pd.testing.assert_frame_equal(frame, baseline[name], obj=name)
    # The totals drop by exactly the month's occurrences.
    month_due = baseline["outcomes"][[START <= d.date() <= END for d in baseline["outcomes"]["scheduled_date"]]]
    month_due = month_due[month_due["outcome"].isin(["on_time", "late", "missed"])]
    assert len(month_due) > 0
    assert public["by_office"]["scheduled"].sum() == baseline["by_office"]["scheduled"].sum() - len(month_due)
    assert in_month["completeness_trend.month"] > 0
    assert dt.date(2026, 10, 1) not in scope.months and dt.date(2026, 9, 1) in scope.months
    for key, frame in tables.items():
        for column in frame.columns:
            if column in ("month", "scheduled_date", "first_missed", "last_missed"):
                assert not _in_month(frame[column]), f"open data {key}.{column} holds the draft month"


def test_a_month_in_review_is_seen_by_its_provider_office_only_unless_shown_provisionally(fresh_bundled_db,
                                                                                          baseline):
    _hold_before_month(fresh_bundled_db, "draft")
    review_events.set_period_status(MONTH, "review", until="2026-12-15", loaded_by="sec", db_path=fresh_bundled_db)
    con = loaders.open_snapshot(fresh_bundled_db)
    try:
        public = delivery.delivery_outcomes(con, AS_OF, PUBLIC)
        jp = delivery.delivery_outcomes(con, AS_OF, EVERYTHING.seen_by(office="JP"))
        figures = review.period_deliveries(con, office="JP", as_of=AS_OF)
        assert list(review.provisional_periods(con)["period"]) == []
    finally:
        con.close()
    everything = baseline["outcomes"]
    in_month = [START <= d.date() <= END for d in everything["scheduled_date"]]
    assert not _in_month(public["scheduled_date"])
    jp_month = jp[[START <= d.date() <= END for d in jp["scheduled_date"]]]
    assert set(jp_month["provider"]) == {"JP"}
    assert len(jp_month) == int((everything[in_month]["provider"] == "JP").sum()) > 0
    # Outside the month JP sees what the public sees.
    pd.testing.assert_frame_equal(jp[[not (START <= d.date() <= END) for d in jp["scheduled_date"]]]
                                  .reset_index(drop=True), public.reset_index(drop=True))
    # The Review page's figures of the month: JP's schedules, counted as the outcomes are.
    assert set(figures["period"]) == {MONTH} and set(figures["provider"]) == {"JP"}
    assert figures["due"].sum() == int(jp_month["outcome"].isin(["on_time", "late", "missed"]).sum())

    review_events.set_period_status(MONTH, "review", until="2026-12-15", show_provisional=True, loaded_by="sec",
                                    db_path=fresh_bundled_db)
    con = loaders.open_snapshot(fresh_bundled_db)
    try:
        pd.testing.assert_frame_equal(delivery.delivery_outcomes(con, AS_OF, PUBLIC), everything)
        provisional = review.provisional_periods(con)
    finally:
        con.close()
    assert list(provisional["period"]) == [MONTH] and str(provisional["until"].iloc[0].date()) == "2026-12-15"


CORRECTED_AT = "2026-11-30T09:00:00Z"


def _correct_a_jp_row(db, folder) -> tuple:
    """Load a correction of one of JP's delivery rows of MONTH: delivered on CORRECTED_AT, after
    every other delivery of the log, and with other record counts. Returns the row's key."""
    row = rows(db, "SELECT provider, recipient, dataset, format, standard, scheduled_date, "
                   f"'{CORRECTED_AT}', records + 1000, notice_given, "
                   "notes FROM deliveries WHERE provider = 'JP' AND strftime(scheduled_date, '%Y-%m') = $m "
                   "AND delivered_at IS NOT NULL AND records IS NOT NULL ORDER BY ALL LIMIT 1", {"m": MONTH})[0]
    cells = ["" if v is None else ("yes" if v is True else "no" if v is False else str(v)) for v in row]
    path = folder / "correction.csv"
    path.write_text("provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,"
                    "notice_given,notes\n" + ",".join(cells) + "\n")
    assert load(db, "deliveries", path).status == "loaded"
    return row[:3] + (row[5],)


def test_a_month_held_back_after_the_public_saw_it_keeps_its_last_published_state(fresh_bundled_db, baseline,
                                                                                  bundled_db, tmp_path):
    db = fresh_bundled_db
    review_events.set_period_status(MONTH, "review", until="2026-12-15", loaded_by="sec", db_path=db)
    con = loaders.open_snapshot(db)
    try:
        held = _figures(con, PUBLIC)
        held_on = review.period_status(con).set_index("period").loc[MONTH, "held_on"]
        scope = open_data.published_scope(con)
    finally:
        con.close()
    assert pd.Timestamp(held_on).date() > END  # held back today, after the whole month was public
    for name, frame in held.items():
        pd.testing.assert_frame_equal(frame, baseline[name], obj=name)
    assert START in scope.months  # the open data keeps the month's published state too

    provider, recipient, dataset, scheduled = _correct_a_jp_row(db, tmp_path)
    con = loaders.open_snapshot(db)
    try:
        public = _figures(con, PUBLIC)
        secretariat = delivery.delivery_outcomes(con, AS_OF, SECRETARIAT)
        jp = delivery.delivery_outcomes(con, AS_OF, EVERYTHING.seen_by(office="JP"))
        kr = delivery.delivery_outcomes(con, AS_OF, EVERYTHING.seen_by(office="KR"))
        package = open_data.public_tables(con)
        # The default reference date is the public's: the correction's later date does not move it.
        as_of = (delivery.data_as_of(con), delivery.data_as_of(con, SECRETARIAT))
    finally:
        con.close()
    assert as_of == (AS_OF, dt.date(2026, 11, 30))
    for name, frame in public.items():  # the correction under review is not public
        pd.testing.assert_frame_equal(frame, baseline[name], obj=name)
    pd.testing.assert_frame_equal(kr, baseline["outcomes"])  # nor seen by another office
    con = loaders.open_snapshot(bundled_db)
    try:
        published_package = open_data.public_tables(con)
    finally:
        con.close()
    assert package.keys() == published_package.keys()
    for key, frame in package.items():  # the open data holds the month's published state too
        pd.testing.assert_frame_equal(frame, published_package[key], obj=key)

    def the_row(frame):
        found = frame[(frame["provider"] == provider) & (frame["recipient"] == recipient)
                      & (frame["dataset"] == dataset) & (frame["scheduled_date"] == pd.Timestamp(scheduled))]
        assert len(found) == 1
        return found.iloc[0]

    before = the_row(baseline["outcomes"])
    for viewer in (secretariat, jp):
        corrected = the_row(viewer)
        assert corrected["records"] == before["records"] + 1000
        assert corrected["delivered_at"] == pd.Timestamp(CORRECTED_AT[:-1]) != before["delivered_at"]

    review_events.set_period_status(MONTH, "published", loaded_by="sec", db_path=db)
    con = loaders.open_snapshot(db)
    try:
        published = delivery.delivery_outcomes(con, AS_OF, PUBLIC)
        assert review.period_status(con).set_index("period").loc[MONTH, "held_on"] is pd.NaT
    finally:
        con.close()
    assert the_row(published)["records"] == before["records"] + 1000
    assert rows(db, "SELECT (SELECT count(*) FROM held_deliveries) + (SELECT count(*) FROM held_completeness)"
                    " + (SELECT count(*) FROM held_periods)") == [(0,)]


def test_a_held_month_is_rebuilt_with_the_same_published_state(fresh_bundled_db, baseline, tmp_path):
    db = fresh_bundled_db
    review_events.set_period_status(MONTH, "draft", loaded_by="sec", db_path=db)
    _correct_a_jp_row(db, tmp_path)
    copies = "SELECT * FROM held_deliveries ORDER BY ALL"
    kept = rows(db, copies)
    assert kept and rows(db, "SELECT count(*) FROM held_completeness")[0][0] > 0
    loaders.build(db)
    assert rows(db, copies) == kept
    con = loaders.open_snapshot(db)
    try:
        pd.testing.assert_frame_equal(delivery.delivery_outcomes(con, AS_OF, PUBLIC), baseline["outcomes"])
        pd.testing.assert_frame_equal(completeness.field_completeness(con, PUBLIC), baseline["completeness"])
    finally:
        con.close()


def test_the_xml_batches_of_a_held_back_month_are_the_secretariat_s_and_the_provider_s(fresh_bundled_db):
    """The bundled XML batches (US and EP, scheduled in 2026-11) and their measured completeness
    and problems are left out of public views while their month is held back, as its figures."""
    from queries import coverage
    db = fresh_bundled_db
    review_events.record_events([{"event": "status", "period": "2026-11", "status": "draft",
                                  "recorded_at": "2026-10-31T12:00:00Z"}], loaded_by="sec", db_path=db)

    def seen(where: DeliveryFilter) -> tuple:
        con = loaders.open_snapshot(db)
        try:
            batches = coverage.xml_batch_summary(con, where=where)
            measured = coverage.measured_completeness(con, where=where)
            problems = coverage.xml_batch_problems(con, where=where)
        finally:
            con.close()
        return sorted(batches["provider"]), sorted(set(measured["provider"])), len(problems)

    everything = seen(SECRETARIAT)
    assert everything[:2] == (["EP", "US"], ["EP", "US"])
    assert seen(PUBLIC) == ([], [], 0)
    assert seen(EVERYTHING.seen_by(office="US")) == ([], [], 0)  # a draft is the secretariat's only
    review_events.set_period_status("2026-11", "review", until="2026-12-15", loaded_by="sec", db_path=db)
    assert seen(PUBLIC) == ([], [], 0)
    assert seen(EVERYTHING.seen_by(office="US"))[:2] == (["US"], ["US"])


def test_the_delivery_filter_names_no_stream_seen_only_in_a_held_back_month(fresh_bundled_db, tmp_path):
    """A delivery stream (provider, recipient, dataset) that no schedule names and whose only
    row lies in a draft month is no filter choice of the public's or the provider's, and is one
    of the secretariat's; once the month is published it is everyone's."""
    db = fresh_bundled_db
    log = tmp_path / "unscheduled.csv"
    log.write_text("provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,notice_given,notes\n"
                   "UY,BR,draft-only-stream,XML,ST.36,2026-10-14,2026-10-14,10,,\n", encoding="utf-8")
    assert load(db, "deliveries", log).status == "loaded"
    _hold_before_month(db, "draft")

    def streams(where: DeliveryFilter) -> set:
        con = loaders.open_snapshot(db)
        try:
            return set(delivery.delivery_dimensions(con, where)["dataset"])
        finally:
            con.close()
    assert "draft-only-stream" not in streams(PUBLIC)
    assert "draft-only-stream" not in streams(EVERYTHING.seen_by(office="UY"))
    assert "draft-only-stream" in streams(SECRETARIAT)
    assert "patent-bibliographic" in streams(PUBLIC)  # a schedule's stream stays a choice
    review_events.set_period_status(MONTH, "review", until="2026-12-15", loaded_by="sec", db_path=db)
    review_events.set_period_status(MONTH, "published", loaded_by="sec", db_path=db)
    assert "draft-only-stream" in streams(PUBLIC)


def test_document_coverage_counts_only_the_batches_the_viewer_sees(fresh_bundled_db):
    """The bundled EP authority file against the bundled XML batches (scheduled in 2026-11):
    while that month is a draft, the public's and the offices' coverage counts no document of
    its batches (covered 0, every expected document missing, no extra one), the secretariat's
    all of them; published, everyone's figures are the secretariat's."""
    from queries import coverage
    db = fresh_bundled_db

    def seen(where: DeliveryFilter) -> tuple:
        con = loaders.open_snapshot(db)
        try:
            cov = coverage.coverage_by_kind_year(con, "EP", where)
            return (int(cov["expected"].sum()), int(cov["covered"].sum()), int(cov["extra"].sum()),
                    len(coverage.missing_documents(con, "EP", where)), len(coverage.extra_documents(con, "EP", where)))
        finally:
            con.close()
    before = seen(PUBLIC)
    expected, covered, extra, missing, extra_rows = before
    assert covered > 0 and missing == expected - covered and extra_rows == extra
    review_events.record_events([{"event": "status", "period": "2026-11", "status": "draft",
                                  "recorded_at": "2026-10-31T12:00:00Z"}], loaded_by="sec", db_path=db)
    assert seen(SECRETARIAT) == before
    assert seen(PUBLIC) == (expected, 0, 0, expected, 0)
    assert seen(EVERYTHING.seen_by(office="EP")) == (expected, 0, 0, expected, 0)  # a draft is the secretariat's
    review_events.set_period_status("2026-11", "review", until="2026-12-15", loaded_by="sec", db_path=db)
    assert seen(EVERYTHING.seen_by(office="EP")) == before  # its own batch, in review
    review_events.set_period_status("2026-11", "published", loaded_by="sec", db_path=db)
    assert seen(PUBLIC) == before
