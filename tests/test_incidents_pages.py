"""The incidents view (issue 17): the timeline, the ongoing-incident banners, the sender x
receiver matrix (figures from hand-made frames, worked out below), and AppTest of the incidents
page, the home page's and the office profile's banners, the scorecard's new columns and the
notices on the update calendar page."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd

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
    by_schedule = pd.DataFrame({
        "provider": ["JP", "JP", "KR"], "recipient": ["EP", "EP", "EP"], "dataset": ["a", "b", "a"],
        "scheduled": [10, 4, 5], "on_time": [9, 4, 5], "sla_met": [True, False, True]})
    pairs = incident_views.pair_matrix_frame(by_schedule).set_index("provider")
    assert (pairs.loc["JP", "scheduled"], pairs.loc["JP", "on_time"], pairs.loc["JP", "below_sla"]) == (14, 13, True)
    assert pairs.loc["KR", "on_time_rate"] == 1.0 and not pairs.loc["KR", "below_sla"]
    fig = incident_views.pair_matrix_figure(pairs.reset_index(), {})
    heat = json.loads(fig.to_json())["data"][0]
    assert heat["text"] == [["▼ 93% (13/14)"], ["100% (5/5)"]]
