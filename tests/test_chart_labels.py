"""Office labels on chart axes and zoomed rate axes (`ui.common.office_axis_label`,
`ui.common.rate_axis`): short labels that keep offices apart and stay inert, the full name on
hover, and a rate axis that zooms to high data without hiding a bar and says so.
The rendered charts at 1280 px are checked in tests/e2e/test_chart_labels_browser.py."""
from __future__ import annotations

import pandas as pd
import pytest

from ui import common, i18n, key_charts

NAMES = {"JP": "Japan Patent Office", "AU": "IP Australia",
         "UA": "Ukrainian National Office for Intellectual Property and Innovations",
         "XA": "National Institute of Industrial Property (Atlantis)",
         "XB": "National Institute of Industrial Property (Borduria)",
         "XH": "<img src=x onerror=alert(1)>", "XL": "Supercalifragilisticexpialidocious"}


def test_a_short_name_is_kept_whole():
    assert common.office_axis_label("AU", NAMES) == "AU · IP Australia"


def test_a_long_name_is_cut_at_a_word_boundary_within_the_budget():
    for name in NAMES.values():
        short = common.short_name(name)
        assert len(short) <= common.AXIS_NAME_CHARS, short
        if short != name:
            assert short.endswith("…")
            kept = short[:-1]
            # Cut at a word: what is kept is the name's beginning, ending where a word ends.
            assert name.startswith(kept) and (name[len(kept):][:1] in (" ", "") or " " not in kept), short
    assert common.office_axis_label("JP", NAMES) == "JP · Japan Patent…"
    assert common.office_axis_label("UA", NAMES) == "UA · Ukrainian…"
    assert common.short_name("Office of the Controller (India)", 20) == "Office of the…"  # no dangling 'Controller ('
    # A first word longer than the budget is cut inside it.
    assert common.office_axis_label("XL", NAMES) == "XL · Supercalifragil…"


def test_the_budget_is_a_parameter():
    assert common.office_axis_label("UA", NAMES, max_chars=28) == "UA · Ukrainian National Office…"


def test_offices_whose_names_share_a_beginning_keep_distinct_labels():
    assert common.short_name(NAMES["XA"]) == common.short_name(NAMES["XB"])
    labels = [common.office_axis_label(c, NAMES) for c in NAMES]
    assert len(set(labels)) == len(NAMES)
    assert common.office_axis_label("XA", NAMES) != common.office_axis_label("XB", NAMES)


def test_an_office_without_a_name_is_its_code():
    assert common.office_axis_label("ZZ", NAMES) == "ZZ"
    assert common.office_hover_label("ZZ", NAMES) == "ZZ"


def test_a_hostile_name_is_inert_on_the_axis_and_on_hover():
    short, full = common.office_axis_label("XH", NAMES), common.office_hover_label("XH", NAMES)
    for text in (short, full):
        assert "<" not in text and ">" not in text
    assert short.startswith("XH · &lt;img")
    assert full == "XH - &lt;img src=x onerror=alert(1)&gt;"


def test_the_hover_label_is_the_full_office_label():
    assert common.office_hover_label("UA", NAMES) == common.chart_text(common.office_label("UA", NAMES))


@pytest.mark.parametrize("values, start", [([0.72, 0.9, 1.0], 0.65), ([0.8, 0.95], 0.75), ([0.83], 0.8),
                                           ([1.0, 1.0], 0.95), ([0.97, 0.99], 0.9)])
def test_a_rate_axis_over_high_values_zooms_and_says_so(values, start):
    axis = common.rate_axis(values, "on-time rate")
    assert axis["range"] == [start, 1.0]
    assert axis["title"]["text"] == f"on-time rate (axis from {start:.0%})"
    # No bar is hidden: the smallest value lies at least half a 5 % step inside the axis.
    assert min(values) - axis["range"][0] >= 0.025 - 1e-9
    assert round(axis["range"][0] * 100) % 5 == 0
    ticks = axis["tickvals"]
    assert len(ticks) >= 3 and all(start <= t <= 1 for t in ticks) and ticks[-1] == 1.0


@pytest.mark.parametrize("values", [[0.1, 0.9], [0.3, 1.0], [], [None, float("nan")]])
def test_a_rate_axis_with_low_or_no_values_starts_at_zero(values):
    axis = common.rate_axis(values, "on-time rate")
    assert axis["range"] == [0.0, 1.0]
    assert axis["title"]["text"] == "on-time rate"
    assert axis["tickvals"] == [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_a_rate_axis_with_room_above_keeps_its_ticks_to_100_percent():
    axis = common.rate_axis([0.9, 0.95], "on-time rate", top=1.05)
    assert axis["range"] == [0.85, 1.05] and axis["tickvals"][-1] == 1.0


def test_the_zoomed_axis_title_is_translated():
    with i18n.using("fr"):
        axis = common.rate_axis([0.9], "taux")
    assert axis["title"]["text"].startswith("taux (") and "85" in axis["title"]["text"]


def _reliability() -> pd.DataFrame:
    return pd.DataFrame({"provider": ["XA", "XB", "XH", "JP"], "on_time_rate": [0.92, 0.88, 0.97, 1.0],
                         "on_time": [46, 44, 97, 10], "scheduled": [50, 50, 100, 10]})


def test_the_on_time_chart_has_short_labels_full_names_on_hover_and_a_zoomed_axis():
    fig = key_charts.on_time_by_provider_figure(_reliability(), NAMES)
    bar = fig.data[0]
    assert list(bar.y) == ["XB · National…", "XA · National…", "XH · &lt;img src=x…", "JP · Japan Patent…"]
    assert list(bar.hovertext) == [common.office_hover_label(c, NAMES) for c in ["XB", "XA", "XH", "JP"]]
    assert "%{hovertext}" in bar.hovertemplate and "%{y}" not in bar.hovertemplate
    assert list(fig.layout.xaxis.range) == [0.85, 1.0]
    assert fig.layout.xaxis.title.text == "on-time rate (axis from 85%)"
    assert fig.layout.yaxis.automargin is True


def test_the_right_to_left_on_time_chart_grows_from_the_right_over_the_zoomed_range():
    with i18n.using("ar"):
        fig = common.style_figure(key_charts.on_time_by_provider_figure(_reliability(), NAMES))
    assert list(fig.layout.xaxis.range) == [1.0, 0.85]


def test_the_monthly_trend_zooms_its_rate_axis():
    trend = pd.DataFrame({"month": pd.to_datetime(["2026-01-01", "2026-02-01"]), "on_time_rate": [0.93, 0.96],
                          "on_time": [93, 96], "scheduled": [100, 100], "pending": [0, 0],
                          "incomplete": [False, False]})
    fig = key_charts.monthly_trend_figure(trend, "2026-03-01")
    assert list(fig.layout.yaxis.range) == [0.9, 1.05]
    assert len(fig.layout.yaxis.tickvals) >= 3
