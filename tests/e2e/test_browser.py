"""The running app in a real browser (headless Debian chromium via Playwright).

Proves what AppTest cannot: every page (the home page and each file in pages/, listed when
the tests run) renders in a browser with its title, its Plotly charts and its key figures and
no exception box; a filter changes the figure; a copied link reopens the same view; a CSV
download holds exactly the charted rows; hostile text from loaded files stays inert (no
script runs, no markup renders). Full-page screenshots go to test-artifacts/screenshots/.
"""
from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

from .conftest import HOSTILE, ROOT, SCREENSHOTS

PAGES_DIR = ROOT / "pages"
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
CHART_CALL = re.compile(r"plotly_chart|\bchart\(|go\.Figure|_view\(")


def _pages() -> list[Path]:
    """The home page and every page in pages/, as they are now (other pages are being added)."""
    def order(path: Path) -> tuple:
        number = path.stem.split("_", 1)[0]
        return (int(number) if number.isdigit() else 999, path.stem)
    return [ROOT / "dashboard.py"] + sorted(PAGES_DIR.glob("*.py"), key=order)


def _url_path(page_file: Path) -> str:
    """Streamlit's URL for a page file: pages/2_Standards.py -> /Standards."""
    if page_file.name == "dashboard.py":
        return "/"
    return "/" + re.sub(r"^\d+_", "", page_file.stem)


def _title(page_file: Path) -> str | None:
    # st.title("...") or, with translations, st.title(_("...")): the English text is shown by default.
    found = re.search(r"st\.title\(\s*(?:_\(\s*)?[\"']([^\"']+)[\"']", page_file.read_text(encoding="utf-8"))
    return found.group(1) if found else None


def wait_idle(page, started_timeout: float = 1500) -> None:
    """Wait until the script run an interaction triggered has finished rendering."""
    try:  # the run may already be over by the time we look
        page.wait_for_selector("[data-testid='stApp'][data-test-script-state='running']",
                               timeout=started_timeout)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: the run was quick
        pass
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_timeout(300)  # let charts and the last deltas paint


def open_page(page, server, path: str) -> None:
    """Open a URL and wait for its first run to finish (the app starts in state 'initial',
    so 'notRunning' together with rendered content means that run is over)."""
    page.goto(server["url"] + path)
    page.wait_for_selector("[data-testid='stMain'] [data-testid='stElementContainer']", timeout=90_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_timeout(500)  # let charts and the last deltas paint


def full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its main container, not the document: grow the viewport to the
    content's height so that the screenshot holds the whole page."""
    height = page.evaluate("Math.max(...[...document.querySelectorAll('[data-testid=stMain], "
                           "[data-testid=stAppViewContainer], [data-testid=stMainBlockContainer]')]"
                           ".map(e => e.scrollHeight), 900)")
    width = page.viewport_size["width"]
    page.set_viewport_size({"width": width, "height": min(int(height) + 100, 12_000)})
    page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": width, "height": 900})


def _assert_inert(page, where: str) -> None:
    """No hostile script ran, and no hostile markup became elements."""
    assert page.dialogs == [], f"{where}: a script opened a dialog: {page.dialogs}"
    assert page.evaluate("window.__ipdx_pwned === undefined"), f"{where}: an onerror handler ran"
    assert page.locator("img[src='x']").count() == 0, f"{where}: an <img> from data was rendered"
    assert page.locator("a[href^='http://x']").count() == 0, f"{where}: a Markdown link from data was rendered"
    scripts = page.evaluate("[...document.scripts].map(s => s.textContent).join('\\n')")
    assert "alert(1)" not in scripts, f"{where}: a <script> from data is in the page"


PAGE_FILES = _pages()


def check_page_rendered(page, page_file: Path) -> None:
    """The page, open in English, drew what its source asks for: no exception, its title, a
    chart where it charts (unless locked or empty), at least one figure, the illustrative-data
    notice where it shows bundled data, nothing from the hostile data made live, and no
    JavaScript error. A full-page screenshot is kept. Called by the accessibility test of every
    page (tests/e2e/test_accessibility.py), which opens each page anyway."""
    source = page_file.read_text(encoding="utf-8")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    assert page.locator("[data-testid='stException']").count() == 0, page.locator(
        "[data-testid='stException']").first.inner_text()
    assert page.locator("h1").first.inner_text().strip()  # every page has a visible title...
    title = _title(page_file)
    if title:  # ...and it is the one the page sets, where the source says it literally
        assert page.locator("h1", has_text=title).first.is_visible()
    body = page.locator("[data-testid='stMain']").inner_text()
    locked = "secretariat only" in body or "Sign in in the sidebar" in body  # a page for signed-in users
    # A page with nothing to show yet says so ("No XML batch ... is loaded yet") instead of charting.
    empty_state = any("loaded" in t for t in page.locator("[data-testid='stAlertContentInfo']").all_inner_texts())
    if CHART_CALL.search(source) and not locked and not empty_state:
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)
        assert page.locator(".js-plotly-plot").count() >= 1
        # Plotly really drew: the first chart has at least one trace with data.
        assert page.evaluate("document.querySelector('.js-plotly-plot').data.length") >= 1
    figures = (page.locator("[data-testid='stMetric']").count() + page.locator(".js-plotly-plot").count()
               + page.locator("[data-testid='stDataFrame'], [data-testid='stTable']").count())
    if locked:
        assert "sign in" in body.lower()
    elif not empty_state:
        assert figures >= 1, f"{page_file.name} shows no metric, chart or table"
    if "illustrative_notice" in source and not locked and not empty_state:  # bundled data shown
        assert "Illustrative data" in body
    full_page_screenshot(page, SCREENSHOTS / f"{page_file.stem}.png")
    _assert_inert(page, page_file.name)
    assert page.page_errors == [], page.page_errors  # no uncaught JavaScript error either


def test_home_key_figures(server, page):
    open_page(page, server, "/")
    # The metrics render after the page's first elements, and not always in one step under load:
    # wait for each figure read below.
    for label in ("Respondents 2025", "Respondents 2026", "Offices delivering"):
        page.wait_for_selector(f"[data-testid='stMetric']:has-text('{label}')", timeout=90_000)
    metrics = {m.locator("[data-testid='stMetricLabel']").inner_text().strip():
               m.locator("[data-testid='stMetricValue']").inner_text().strip()
               for m in page.locator("[data-testid='stMetric']").all()}
    assert metrics["Respondents 2025"] == "20"  # CWS/13/14
    assert metrics["Respondents 2026"] == "26"
    # The hostile rows add six deliveries from JP (already a provider): 15 providers still.
    assert metrics["Offices delivering"] == "15"


_FIRST_CHART_DATA = """() => {
  const plot = document.querySelector("[data-testid='stPlotlyChart']")?.querySelector('.js-plotly-plot');
  return plot && plot.data ? JSON.stringify(plot.data) : null;
}"""


def _first_chart_data(page) -> str:
    """The traces of the page's first chart, in page order, as Plotly holds them (arrays may be
    base64-packed: compared whole). Charts draw in any order, so this waits for that one."""
    return page.wait_for_function(_FIRST_CHART_DATA).json_value()


def test_filter_changes_figure_and_copied_url_reopens_the_view(server, page, browser):
    if not (PAGES_DIR / "2_Standards.py").exists():
        pytest.skip("the Standards page is not in pages/")
    open_page(page, server, "/Standards")
    page.wait_for_selector(".js-plotly-plot")
    before = _first_chart_data(page)
    heading_before = page.locator("h3", has_text="Offices using each standard").first.inner_text()

    # The round filter (a selectbox mirrored in ?round=): switch from the latest round to 2025.
    page.locator("[data-testid='stSelectbox']", has_text="Survey round").first.click()
    page.get_by_role("option", name="2025", exact=True).click()
    wait_idle(page)
    page.wait_for_selector(".js-plotly-plot")
    after = _first_chart_data(page)
    heading_after = page.locator("h3", has_text="Offices using each standard").first.inner_text()
    assert "2025" in heading_after and heading_after != heading_before
    assert after != before
    assert "round=2025" in page.url

    # A copied link, opened in a new browser context (no shared session), shows the same view.
    other = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        tab = other.new_page()
        open_page(tab, server, page.url.removeprefix(server["url"]))
        tab.wait_for_selector(".js-plotly-plot")
        assert tab.locator("h3", has_text="Offices using each standard").first.inner_text() == heading_after
        assert _first_chart_data(tab) == after
    finally:
        other.close()


def test_csv_download_holds_the_charted_rows(server, page):
    sys.path.insert(0, str(ROOT))
    import loaders

    open_page(page, server, "/")
    button = page.locator("[data-testid='stDownloadButton']").first
    with page.expect_download() as info:
        button.locator("button").click()
    download = info.value
    assert download.suggested_filename == "standards-by-round.csv"
    frame = pd.read_csv(io.BytesIO(Path(download.path()).read_bytes()), dtype={"round": str})
    from queries import release
    from queries.disclosure import consent_by_office
    con = loaders.open_snapshot(server["db"])
    try:
        expected = release.public_option_counts(con, "standards", withheld=release.withheld_keys(
            consent_by_office(con)))
    finally:
        con.close()
    # The public figures: round totals, less those complementary suppression withholds (empty).
    assert list(frame.columns) == ["round", "code", "label", "offices", "base", "share", "suppressed"]
    assert len(frame) == len(expected)
    got = {k: (None if pd.isna(v) else int(v)) for k, v in frame.set_index(["round", "code"])["offices"].items()}
    want = {(str(r.round), r.code): (None if pd.isna(r.offices) else int(r.offices)) for r in expected.itertuples()}
    assert got == want
    assert None in got.values() and expected["suppressed"].any()
    assert got[("2025", "ST.96")] >= 1


def test_hostile_dataset_names_are_listed_literally_and_stay_inert(server, page):
    """The delivery page lists dataset names (from the loaded log) in its filter: the hostile
    names appear there as literal text, and choosing one renders the page with it, inert."""
    if not (PAGES_DIR / "5_Delivery_reliability.py").exists():
        pytest.skip("the Delivery reliability page is not in pages/")
    open_page(page, server, "/Delivery_reliability")
    page.locator("[data-testid='stMultiSelect']", has_text="Datasets").first.click()
    options = page.get_by_role("option").all_inner_texts()
    for key in ("script", "img", "img_flag", "markdown", "sql", "formula"):
        assert HOSTILE[key] in options, (key, options)
    page.get_by_role("option", name=HOSTILE["img_flag"], exact=True).click()
    wait_idle(page)
    page.keyboard.press("Escape")
    assert page.locator("[data-testid='stException']").count() == 0
    assert HOSTILE["img_flag"] in page.locator("[data-testid='stMultiSelect']", has_text="Datasets").first.inner_text()
    _assert_inert(page, "Delivery reliability filtered on a hostile dataset name")


CONTROLS = ("[data-testid='stSelectbox'], [data-testid='stMultiSelect'], [data-testid='stDateInput'], "
            "[data-testid='stCheckbox'], [data-testid='stDownloadButton'], [data-testid='stSidebar']")


def _visible(page, selector: str) -> int:
    return sum(1 for element in page.locator(selector).all() if element.is_visible())


def test_presentation_view_hides_controls(server, page):
    toggle = re.compile(r"url_toggle\(\s*(?:_\(\s*)?[\"'][^\"']*[Pp]resentation[^\"']*[\"']\s*\)?\s*,"
                        r"\s*key=[\"'](\w+)[\"']")
    found = [(p, m.group(1)) for p in PAGE_FILES if (m := toggle.search(p.read_text(encoding="utf-8")))]
    if not found:
        pytest.skip("no presentation view exists yet (none is built): nothing to hide")
    page_file, key = found[0]
    open_page(page, server, _url_path(page_file))
    assert _visible(page, CONTROLS) > 0  # the normal view has filters and a sidebar...
    open_page(page, server, f"{_url_path(page_file)}?{key}=1")
    page.wait_for_selector(".js-plotly-plot")
    assert _visible(page, CONTROLS) == 0  # ...the presentation view hides them
    assert page.locator("[data-testid='stException']").count() == 0
    full_page_screenshot(page, SCREENSHOTS / f"{page_file.stem}-presentation.png")
