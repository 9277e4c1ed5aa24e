"""The incidents view: the timeline, the ongoing-incident banners, the sender x
receiver matrix (figures from hand-made frames, worked out below), and AppTest of the incidents
page, the home page's and the office profile's banners, the scorecard's new columns and the
notices on the update calendar page."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, load, rows

from loaders import build, connect_read_only
from queries import delivery
from ui import incident_views

D = dt.date


def _incidents() -> pd.DataFrame:
    """Two incidents: JP->EP recovered, announced 6 days ahead; KR->US ongoing, not announced."""
    return pd.DataFrame({
        "provider": ["JP", "KR"], "recipient": ["EP", "US"], "dataset": ["patent-bibliographic", "gazette"],
        "first_missed": [D(2026, 3, 16), D(2026, 4, 6)], "missed_occurrences": [2, 3],
        "recovered_at": [D(2026, 3, 31), None], "days_to_recover": [15, None],
        "announced": [True, False], "notice_lead_days": [6, None]})


def test_timeline_draws_announced_and_not_by_colour_and_pattern_with_the_notice_and_open_end():
    frame = incident_views.incident_timeline_frame(_incidents(), D(2026, 4, 20))
    # The ongoing incident runs to the as-of date; the notice came 6 days before 2026-03-16.
    assert frame["bar_end"].tolist() == [D(2026, 3, 31), D(2026, 4, 20)]
    assert frame["notice_date"].tolist() == [D(2026, 3, 10), None]
    fig = incident_views.incident_timeline_figure(frame)
    bars = [t for t in fig.data if t.type == "bar"]
    assert [(b.marker.color, b.marker.pattern.shape) for b in bars] == [("#0072B2", "/"), ("#D55E00", "x")]
    day = 24 * 3600 * 1000
    assert (bars[0].base[0], bars[0].x[0]) == ("2026-03-16", 15 * day)   # first miss to recovery
    assert (bars[1].base[0], bars[1].x[0]) == ("2026-04-06", 14 * day)   # open-ended: to the as-of date
    marks = {t.name: list(t.x) for t in fig.data if t.type == "scatter"}
    assert marks == {"ongoing at the as-of date": ["2026-04-20"], "notice published": ["2026-03-10"]}


def test_banner_says_since_when_and_how_far_ahead():
    rows = list(_incidents().itertuples())
    names = {"JP": "Japan Patent Office", "EP": "European Patent Office"}
    assert incident_views.banner_text(rows[0], names) == (
        r"Deliveries of patent\-bibliographic from JP \- Japan Patent Office to EP \- European Patent Office "
        r"interrupted since 2026\-03\-16, announced 6 days ahead")
    assert incident_views.banner_text(rows[1], {}).endswith("interrupted since 2026\\-04\\-06, not announced")
    late = rows[0]._replace(notice_lead_days=-2)
    assert incident_views.banner_text(late, {}).endswith("notice given 2 days after it began")
    hostile = rows[1]._replace(dataset="**x** [y](http://z)")
    assert "\\*\\*x\\*\\* \\[y\\]\\(http\\://z\\)" in incident_views.banner_text(hostile, {})


def test_pair_matrix_sums_the_pair_and_marks_cells_below_the_sla_by_a_symbol():
    """The matrix's cells are `delivery_reliability_by_pair`, drawn with the symbol for a pair below
    its SLA (a frame in that metric's columns: JP -> EP over two datasets, one below its target)."""
    pairs = pd.DataFrame({"provider": ["JP", "KR"], "recipient": ["EP", "EP"], "schedules": [2, 1],
                          "scheduled": [14, 5], "on_time": [13, 5], "on_time_rate": [13 / 14, 1.0],
                          "below_sla": [True, False]})
    fig = incident_views.pair_matrix_figure(pairs, {})
    heat = json.loads(fig.to_json())["data"][0]
    assert heat["text"] == [["▼ 93% (13/14)"], ["100% (5/5)"]]


def test_pair_metric_sums_the_schedules_of_each_pair(bundled_db):
    """On the bundled data: each pair's counts are the sums of its schedules' (a separate
    computation over `delivery_reliability_by_schedule`), below_sla when one schedule misses."""
    con = connect_read_only(bundled_db)
    try:
        as_of = delivery.data_as_of(con)
        by_schedule = delivery.delivery_reliability_by_schedule(con, as_of=as_of)
        pairs = delivery.delivery_reliability_by_pair(con, as_of=as_of).set_index(["provider", "recipient"])
    finally:
        con.close()
    assert len(pairs) == len(by_schedule.groupby(["provider", "recipient"]))
    for (provider, recipient), group in by_schedule.groupby(["provider", "recipient"]):
        row = pairs.loc[(provider, recipient)]
        assert (int(row.schedules), int(row.scheduled), int(row.on_time)) == (
            len(group), int(group["scheduled"].sum()), int(group["on_time"].sum()))
        assert bool(row.below_sla) == (not group["sla_met"].astype(bool).all())
    assert pairs["below_sla"].any() and not pairs["below_sla"].all()


# ------------------------------------------------------------------ pages (AppTest)

INCIDENTS_PAGE = "pages/12_Incidents.py"
FIXTURE = ROOT / "tests" / "data" / "incidents"
PAGE_AS_OF = "2026-03-31"  # the fixture's last delivery


@pytest.fixture(scope="module")
def incidents_db(tmp_path_factory) -> Path:
    """The notices helper's hand-made fixture (tests/data/incidents: JP->EP with an announced and a
    late-noticed incident, KR->JP announced in the log) plus CN->EP, delivered on 2026-03-02 and
    missed every Monday since: an ongoing incident from 2026-03-09, announced by a notice of
    2026-03-03 (6 days ahead)."""
    folder = tmp_path_factory.mktemp("incidents-pages")
    path = folder / "ipdx.duckdb"
    build(path, include_bundled=False)
    extra = {"schedule.csv": "provider,recipient,dataset,frequency,grace_days,starts,on_time_target\n"
                             "CN,EP,patent-bibliographic,weekly,0,2026-03-02,0.9\n",
             "deliveries.csv": "provider,recipient,dataset,scheduled_date,delivered_at,records\n"
                               "CN,EP,patent-bibliographic,2026-03-02,2026-03-02,80\n",
             "notices.csv": "provider,recipient,dataset,starts,ends,kind,text,announced_at\n"
                            "CN,EP,patent-bibliographic,2026-03-09,2026-04-30,planned_interruption,"
                            "System migration,2026-03-03\n"}
    for kind in ("schedule", "deliveries", "notices"):
        load(path, kind, FIXTURE / f"{kind}.csv")
        (folder / f"cn-{kind}.csv").write_text(extra[f"{kind}.csv"], encoding="utf-8")
        load(path, kind, folder / f"cn-{kind}.csv")
    return path


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _charts(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def _frame_with(at, column):
    return next(d.value for d in at.dataframe if column in d.value.columns)


CN_BANNER = r"interrupted since 2026\-03\-09, announced 6 days ahead"


def test_incidents_page_on_the_fixture(app, incidents_db):
    """Four incidents: JP->EP 2026-01-12 (announced, recovered 01-28: 16 days), JP->EP 2026-02-16
    (noticed on 02-20, after the fact: not announced; recovered 03-10: 22 days), KR->JP 2026-03-09
    (notice_given = yes in the log; recovered 03-23: 14 days), CN->EP 2026-03-09 (ongoing,
    announced). Announced 3 of 4; mean time to recover (16 + 22 + 14) / 3 = 17.3 days."""
    at = app(incidents_db, INCIDENTS_PAGE, {"as_of": PAGE_AS_OF})
    assert not at.exception
    assert _metrics(at) == {"Incidents": "4", "Ongoing": "1", "Announced": "75.0%", "Mean time to recover": "17.3 days"}
    banners = [w.value for w in at.warning if "interrupted since" in w.value]
    assert len(banners) == 1 and banners[0].startswith(r"Deliveries of patent\-bibliographic from CN \- ")
    assert banners[0].endswith(CN_BANNER)
    timeline, matrix = _charts(at)[:2]
    bars = [t for t in timeline["data"] if t["type"] == "bar"]
    assert {b["marker"]["pattern"]["shape"]: len(b["y"]) for b in bars} == {"/": 3, "x": 1}
    marks = {t["name"]: t["x"] for t in timeline["data"] if t["type"] == "scatter"}
    assert marks["ongoing at the as-of date"] == [PAGE_AS_OF]
    # Notices: JP's of 01-06 (6 days ahead), JP's of 02-20 (4 days after), CN's of 03-03.
    assert sorted(marks["notice published"]) == ["2026-01-06", "2026-02-20", "2026-03-03"]
    heat = matrix["data"][0]
    assert heat["type"] == "heatmap"
    # Rows are 'CN · China National…' (code and short name): keyed here by the code.
    cells = {(y.split(" · ")[0], x): t for y, row in zip(heat["y"], heat["text"]) for x, t in zip(heat["x"], row) if t}
    # CN -> EP: 1 of 5 due on time (03-02), below its 90% target: marked by the symbol, not only colour.
    assert cells[("CN", "EP")] == "▼ 20% (1/5)"
    table = _frame_with(at, "notice_lead_days")
    assert sorted(table["notice_lead_days"].dropna().astype(int)) == [-4, 6, 6]
    downloads = [b.proto.label for b in at.get("download_button")]
    assert "Download feed (Atom)" in downloads


def test_home_and_office_profile_banners(app, incidents_db):
    home = app(incidents_db)
    assert not home.exception
    assert [w.value for w in home.warning if "interrupted since" in w.value][0].endswith(CN_BANNER)
    profile = app(incidents_db, "pages/8_Office_profile.py", {"office": "EP", "as_of": PAGE_AS_OF})
    assert not profile.exception
    assert any(w.value.endswith(CN_BANNER) for w in profile.warning)
    notices = _frame_with(profile, "announced_at")
    assert "System migration" in set(notices["text"])   # addressed to EP by name (CN's)
    kr = app(incidents_db, "pages/8_Office_profile.py", {"office": "KR", "as_of": PAGE_AS_OF})
    assert not any("interrupted since" in w.value for w in kr.warning)


def test_scorecard_gains_recovery_notice_and_rolling_columns(app, incidents_db):
    """JP: MTTR (16 + 22) / 2 = 19 days; 1 of 2 incidents announced; notice leads 6 and -4,
    median 1. Last 30 days (03-02..03-31): 03-02 missed, 03-09 late, 03-16/23/30 on time: 3/5."""
    at = app(incidents_db, "pages/5_Delivery_reliability.py", {"as_of": PAGE_AS_OF})
    assert not at.exception
    jp = _frame_with(at, "mttr_days").set_index("office").loc["JP - Japan Patent Office"]
    assert (jp.mttr_days, jp.share_announced, jp.median_notice_lead_days) == (19.0, 0.5, 1.0)
    assert jp.on_time_rate_30d == pytest.approx(0.6)


def test_calendar_lists_notices_and_an_office_publishes_one(incidents_db, tmp_path, monkeypatch):
    from conftest import copy_database
    from signin import open_page, users_secrets
    db = copy_database(incidents_db, tmp_path)
    public = open_page(db, "pages/6_Update_calendar.py", monkeypatch)
    assert not public.exception
    assert "System migration" in set(_frame_with(public, "announced_at")["text"])
    assert not [b for b in public.button if b.key == "notice-submit"]  # the public has no form
    at = open_page(db, "pages/6_Update_calendar.py", monkeypatch, users_secrets(), "jp-office")
    assert at.selectbox(key="notice-provider").options == ["JP - Japan Patent Office"]  # its own office only
    at.selectbox(key="notice-kind").set_value("delay")
    at.date_input(key="notice-starts").set_value(dt.date(2026, 4, 6))
    at.date_input(key="notice-ends").set_value(dt.date(2026, 4, 10))
    at.text_area(key="notice-text").input("Files of week 15 one day late")
    at.button(key="notice-submit").click().run()
    assert not at.exception
    assert any("Notice published" in s.value for s in at.success)
    published = rows(db, "SELECT provider, recipient, kind, starts, ends, text FROM notices WHERE text LIKE 'Files%'")
    assert published == [("JP", None, "delay", dt.date(2026, 4, 6), dt.date(2026, 4, 10),
                          "Files of week 15 one day late")]
    assert rows(db, "SELECT loaded_by FROM loads WHERE kind = 'notices' ORDER BY seq DESC LIMIT 1") == [("jp-office",)]
