"""Charts with office labels read at a glance, in the real browser at 1280 x 900, in English and
Arabic: read from each rendered Plotly figure (`.js-plotly-plot`'s data and _fullLayout), the
axis carries the ST.3 code and a short name while the hover carries the full name; an office
bar chart's plot area keeps at least 60 % of the figure's width (the other office charts, a
matrix or heatmap with more columns, at least half) and its rate axis shows at least 3 ticks.
"""
from __future__ import annotations

import re

import pytest

from ui import common, key_charts

from .test_browser import _assert_inert, open_page

WIDTH, HEIGHT = 1280, 900
#: The home page (on-time rate by provider office, in a half-width column), the least complete
#: fields as a presentation slide, and the pages whose matrices and heatmaps have office rows.
PAGES = ("/", f"/Presentation?present=1&slide={key_charts.KEY_CHARTS.index(key_charts.weakest_fields) + 1}",
         "/Standards", "/Incidents", "/Data_completeness")
#: An axis label of an office: its ST.3 code, then (when it has a name) ' · ' and the short name.
AXIS_LABEL = re.compile(r"^([A-Z]{2})(?: · (.*))?$", re.S)

#: Every drawn figure: its width, plot area, axes' tick labels and each trace's categories and
#: hover texts (a heatmap's first column: a row's cells share it).
FIGURES = """[...document.querySelectorAll('.js-plotly-plot')].filter(p => p._fullLayout && p.data).map(p => ({
  width: p._fullLayout.width, plot: p._fullLayout._size.w,
  xticks: (p._fullLayout.xaxis._vals || []).map(v => v.text),
  traces: p.data.map(t => ({type: t.type, orientation: t.orientation || 'v',
    y: Array.from(t.y || []).map(String),
    hover: Array.from(t.hovertext || []).map(h => String(Array.isArray(h) ? h[0] : h))}))}))"""
#: True once some figure has a trace whose categories are office axis labels.
HAS_OFFICE_CHART = """[...document.querySelectorAll('.js-plotly-plot')].some(p => p._fullLayout
  && (p.data || []).some(t => t.hovertext && Array.from(t.y || []).some(y => / · /.test(String(y)))))"""


def _office_rows(trace: dict) -> list[tuple[str, str, str]]:
    """(code, axis label, hover) of a trace whose categories are office labels, else []."""
    if not trace["hover"] or len(trace["hover"]) != len(trace["y"]):
        return []
    rows = [(AXIS_LABEL.match(y), y, h) for y, h in zip(trace["y"], trace["hover"])]
    if not all(m for m, _y, _h in rows):
        return []
    return [(m.group(1), y, h) for m, y, h in rows]


def _office_figures(page) -> list[dict]:
    figures = page.evaluate(FIGURES)
    found = []
    for figure in figures:
        traces = [(t, _office_rows(t)) for t in figure["traces"]]
        traces = [(t, rows) for t, rows in traces if rows]
        if traces:
            found.append({**figure, "office_traces": traces})
    return found


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_office_charts_have_short_labels_full_names_on_hover_and_most_of_the_width(server, page, lang, path):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    open_page(page, server, f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert page.locator("[data-testid='stException']").count() == 0
    page.wait_for_function(HAS_OFFICE_CHART, timeout=60_000)
    page.wait_for_timeout(500)  # a right-to-left page renders its charts once more
    figures = _office_figures(page)
    assert figures, f"{path} ({lang}): no chart with office labels"
    for figure in figures:
        bars = any(t["type"] == "bar" and t["orientation"] == "h" for t, _rows in figure["office_traces"])
        share = figure["plot"] / figure["width"]
        assert share >= (0.6 if bars else 0.5), f"{path} ({lang}): the plot has {share:.0%} of the width"
        if bars:  # the value axis of an office bar chart is a rate axis
            assert len(figure["xticks"]) >= 3, f"{path} ({lang}): rate axis ticks {figure['xticks']}"
            assert all(t.endswith("%") or t.startswith("٪") for t in figure["xticks"]), figure["xticks"]
        shortened = 0
        for _trace, rows in figure["office_traces"]:
            for code, label, hover in rows:
                # The full name is on hover ('JP - Japan Patent Office'), the axis has the short form;
                # a hover text may put words around it ('من JP - ... إلى ...' in Arabic).
                assert f"{code} - " in hover or hover.startswith(code), (label, hover)
                rest = label[len(code) + 3:]
                if "…" in rest:  # 'JP · Japan Patent… · dataset': the name up to its ellipsis
                    name = rest[:rest.index("…") + 1]
                    assert len(name) <= common.AXIS_NAME_CHARS, label
                    assert name[:-1] in hover and len(hover) > len(f"{code} - {name}"), (label, hover)
                    shortened += 1
                else:  # a name short enough is kept whole: the label is the full one
                    assert (f"{code} - {rest}" if rest else code) in hover, (label, hover)
        assert shortened, f"{path} ({lang}): no long office name was shortened on the axis"
    _assert_inert(page, f"{path} ({lang})")
    assert page.page_errors == [], page.page_errors
