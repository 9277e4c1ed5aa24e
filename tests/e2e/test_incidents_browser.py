"""Browser test of the incidents page in English and Arabic: a real server on the
bundled data (which has an announced and an unannounced incident), Debian's chromium.

The page renders without an exception, draws the timeline with both the announced and the
not-announced bars (each with its own pattern) and the sender x receiver matrix, and in
Arabic is laid out right to left. Screenshots go to test-artifacts/screenshots/.
"""
from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS
from .test_browser import _assert_inert, full_page_screenshot, open_page


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_incidents_page_renders_with_its_timeline(server, page, lang):
    open_page(page, server, f"/Incidents?lang={lang}")
    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()
    if lang == "ar":
        page.wait_for_function("getComputedStyle(document.querySelector('[data-testid=stMain]')).direction"
                               " === 'rtl'", timeout=15_000)
    else:
        assert page.locator("h1", has_text="Incidents").first.is_visible()
    # The timeline is the first chart with bars: wait until Plotly has drawn it (a chart's element
    # exists a moment before its data is attached, and right-to-left pages re-render once more).
    timeline = ("[...document.querySelectorAll('.js-plotly-plot')]"
                ".find(p => (p.data || []).some(t => t.type === 'bar'))")
    page.wait_for_function(f"{timeline} !== undefined", timeout=60_000)
    # Bars of both kinds, told apart by their pattern too.
    patterns = page.evaluate(f"{timeline}.data.filter(t => t.type === 'bar')"
                             ".map(t => t.marker.pattern.shape)")
    assert sorted(patterns) == ["/", "x"], patterns
    # The sender x receiver matrix is drawn as well.
    assert page.evaluate("[...document.querySelectorAll('.js-plotly-plot')]"
                         ".some(p => p.data.some(t => t.type === 'heatmap'))")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    full_page_screenshot(page, SCREENSHOTS / f"12_Incidents-{lang}.png")
    _assert_inert(page, f"incidents ({lang})")
    assert page.page_errors == [], page.page_errors
