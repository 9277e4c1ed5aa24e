"""Accessibility of the running app (WCAG 2.1 AA as the bar): axe-core, injected into every page in
English and in Arabic (right to left), in the real browser of the end-to-end tests.

axe-core comes from the npm registry at install time (`.ci/run`: `npm pack axe-core@AXE_VERSION`,
extracted to tests/e2e/vendor/axe.min.js, git-ignored). The test fails on serious or critical
violations in what the app controls: its content in the main area and its sidebar widgets (text,
colours, labels, charts, tables). Violations inside Streamlit's own chrome (header, toolbar, page
navigation, the collapse buttons) are reported, not failed: the app cannot change that markup.
Every violation of every page and language is written to
test-artifacts/accessibility/axe-report.json (CI keeps it as an artifact).
"""
from __future__ import annotations

import json
import subprocess

import pytest

from .conftest import ROOT, SCREENSHOTS
from .test_browser import PAGE_FILES, _url_path, check_page_rendered, open_page

AXE_VERSION = "4.14.1"  # the version .ci/run vendors
AXE = ROOT / "tests" / "e2e" / "vendor" / "axe.min.js"
REPORT = ROOT / "test-artifacts" / "accessibility"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
#: Streamlit's own chrome: markup the app does not write and cannot change.
FRAMEWORK_PARTS = ("[data-testid=\"stHeader\"]", "[data-testid=\"stToolbar\"]", "[data-testid=\"stSidebarNav\"]",
                   "[data-testid=\"stDecoration\"]", "[data-testid=\"stStatusWidget\"]",
                   "[data-testid=\"stMainMenu\"]", "[data-testid=\"stSidebarCollapseButton\"]",
                   "[data-testid=\"stSidebarHeader\"]", "[data-testid=\"stExpandSidebarButton\"]",
                   "[data-testid=\"stSidebarCollapsedControl\"]", "[data-testid=\"stAppDeployButton\"]")
#: Streamlit's own scroll containers: the app cannot make them focusable (no tabindex on them);
#: whether the sidebar overflows (and so is a "scrollable region") depends on the window height.
FRAMEWORK_SCROLL_CONTAINERS = ("[data-testid=\"stSidebarContent\"]", "[data-testid=\"stMain\"]")
LANGUAGES = ("en", "ar")

_RESULTS: list[dict] = []


def _in_framework_chrome(page, selector: str) -> bool:
    """True when the element is inside Streamlit's chrome (see FRAMEWORK_PARTS)."""
    return page.evaluate("""([selector, parts]) => {
        let element;
        try { element = document.querySelector(selector); } catch (e) { return false; }
        return !!element && parts.some(part => element.closest(part));
    }""", [selector, list(FRAMEWORK_PARTS)])


def _matches_any(page, selector: str, parts) -> bool:
    """True when the element is one of `parts` itself (not merely inside one)."""
    return page.evaluate("""([selector, parts]) => {
        let element;
        try { element = document.querySelector(selector); } catch (e) { return false; }
        return !!element && parts.some(part => element.matches(part));
    }""", [selector, list(parts)])


def _run_axe(page) -> dict:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (tags) => await axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""", WCAG_TAGS)


@pytest.fixture(scope="module", autouse=True)
def report():
    """Writes every violation found in this module to the report file, pass or fail."""
    yield
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / "axe-report.json").write_text(json.dumps(
        {"axe_core": AXE_VERSION, "tags": WCAG_TAGS, "pages": _RESULTS}, indent=1, ensure_ascii=False),
        encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def vendored_axe():
    """axe-core comes from the npm registry (pinned) the first time, via scripts/vendor_axe.sh."""
    if not AXE.exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "vendor_axe.sh"), AXE_VERSION], check=True,
                       timeout=300)


def test_axe_core_is_vendored():
    assert AXE.exists(), ("axe-core is not vendored: run scripts/vendor_axe.sh "
                          f"(npm pack axe-core@{AXE_VERSION}, extract package/axe.min.js to {AXE})")
    assert f"axe v{AXE_VERSION}" in AXE.read_text(encoding="utf-8")[:300]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("page_file", PAGE_FILES, ids=[p.stem for p in PAGE_FILES])
def test_every_page_renders_with_no_serious_accessibility_violation(server, page, page_file, lang):
    """Every page in the browser: in English it draws what its source asks for
    (`check_page_rendered`), in Arabic it is laid out right to left, and in both axe-core finds
    no serious violation in what the app controls."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not vendored at {AXE} (see .ci/run)")
    open_page(page, server, f"{_url_path(page_file)}?lang={lang}")
    assert page.locator("[data-testid='stException']").count() == 0
    if lang == "en":
        check_page_rendered(page, page_file)
    if lang == "ar":  # the app container is laid out right to left (fails on timeout if it never is)
        page.wait_for_function("getComputedStyle(document.querySelector('[data-testid=stMain]')).direction"
                               " === 'rtl'", timeout=15_000)
    failing = _violations(page, page_file.stem, lang)
    assert not failing, f"{page_file.stem} ({lang}): " + "; ".join(
        f"{f['rule']} ({f['impact']}) at {f['target']}: {f['help']}" for f in failing[:5])


def _violations(page, name: str, lang: str) -> list[dict]:
    """Runs axe-core on the page as it is, records every violation in the report under `name`
    and `lang`, and returns those that fail the test (serious or critical, in what the app controls)."""
    results = _run_axe(page)
    failing, reported = [], []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            selector = node["target"][0] if isinstance(node["target"][0], str) else json.dumps(node["target"])
            entry = {"rule": violation["id"], "impact": node.get("impact") or violation["impact"],
                     "help": violation["help"], "target": node["target"], "html": node["html"][:300],
                     "summary": node.get("failureSummary", "")[:300]}
            framework = _in_framework_chrome(page, selector) or (
                violation["id"] == "scrollable-region-focusable"
                and _matches_any(page, selector, FRAMEWORK_SCROLL_CONTAINERS))
            entry["owner"] = "streamlit chrome" if framework else "app"
            if entry["impact"] in FAILING_IMPACTS and not framework:
                failing.append(entry)
            else:
                reported.append(entry)
    _RESULTS.append({"page": name, "lang": lang, "failing": failing, "reported": reported})
    return failing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_office_profile_chart_is_accessible(server, page, lang):
    """The office profile with its dot-and-range chart drawn: the direction of "better" is written
    on every row and the marks differ in shape (not colour alone), the chart has its text
    alternative (its data as a table, and a sentence per row), and axe-core finds no serious
    violation, in English and in Arabic (right to left)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is not vendored at {AXE} (see .ci/run)")
    open_page(page, server, f"/Office_profile?office=JP&lang={lang}")
    assert page.locator("[data-testid='stException']").count() == 0
    chart = page.locator(".st-key-chart-peer-chart .js-plotly-plot")
    chart.wait_for(timeout=30_000)
    if lang == "ar":  # fails on timeout if the page is never laid out right to left
        page.wait_for_function("getComputedStyle(document.querySelector('[data-testid=stMain]')).direction"
                               " === 'rtl'", timeout=15_000)
    rows = chart.locator(".yaxislayer-above text").evaluate_all("texts => texts.map(t => t.textContent)")
    assert len(rows) >= 5
    signs = {"\u25b2", "\u25bc", "\u25c6"}  # higher, lower, no direction: written beside each metric
    assert all(any(sign in row for sign in signs) for row in rows), rows
    # Office dot, median mark and IQR bar: three legend entries, three different kinds of mark.
    assert chart.locator(".legend .traces").count() == 3
    assert chart.locator(".barlayer .point").count() >= 1
    # The text alternative follows the chart: its data as a table, one row per metric, and a
    # sentence per metric (each names the office).
    expander = page.locator(".st-key-chart-peer-chart ~ * [data-testid='stExpander'], "
                            ".st-key-chart-peer-chart ~ [data-testid='stExpander']").first
    expander.locator("summary").click()
    table_rows = expander.locator("table tbody tr")
    table_rows.first.wait_for(timeout=15_000)
    assert table_rows.count() == len(rows)
    assert page.locator("[data-testid='stMain'] li").filter(has_text="JP - ").count() == len(rows)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    chart.screenshot(path=str(SCREENSHOTS / f"office-profile-chart-{lang}.png"))
    failing = _violations(page, "8_Office_profile (chart)", lang)
    assert not failing, f"office profile chart ({lang}): " + "; ".join(
        f"{f['rule']} ({f['impact']}) at {f['target']}: {f['help']}" for f in failing[:5])
