"""The page's own language and charts that read at a glance, in the real browser.

- `<html lang dir>`: Streamlit serves every page as `lang="en"`; the app sets the document's
  language and direction to the reader's (WCAG 2.1, 3.1.1): the home page in each of the six
  languages and two more pages in English and Arabic (one page header sets it on every page),
  from the URL and after a switch in the picker.
- Charts with office labels, at 1280 px wide in English and Arabic: the plot area keeps most of
  the figure's width (short labels on the axis, the full name on hover) and a rate axis shows
  more than two tick labels; no bar's value lies outside the drawn axis.
"""
from __future__ import annotations

import pytest

from .test_browser import open_page, wait_idle

LANGUAGES = {"en": "English", "fr": "Français", "es": "Español", "ru": "Русский", "zh": "中文", "ar": "العربية"}
#: The home page, a page of pages/, and the presentation view without its sidebar.
PAGES = ("/", "/Delivery_reliability", "/Presentation?present=1")
#: Every language on the home page; the other pages (the same page header sets the language) in a
#: left-to-right and the right-to-left one.
CASES = [(lang, "/") for lang in LANGUAGES] + [(lang, path) for path in PAGES[1:] for lang in ("en", "ar")]
WIDTH = 1280


def _document_language(page) -> dict:
    return page.evaluate("({lang: document.documentElement.lang, dir: document.documentElement.dir})")


def _wait_for_language(page, lang: str) -> dict:
    """The document's lang and dir once they are those of `lang` (set in the browser after the
    page's run; Streamlit's page starts as lang="en" without dir); after the wait's timeout,
    whatever they are then."""
    try:
        page.wait_for_function("([lang, dir]) => document.documentElement.lang === lang "
                               "&& document.documentElement.dir === dir",
                               arg=[lang, _expected(lang)["dir"]], timeout=20_000)
    except Exception:  # noqa: BLE001 - playwright's TimeoutError: the assertion below says what it is
        pass
    return _document_language(page)


def _expected(lang: str) -> dict:
    return {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr"}


@pytest.mark.parametrize("lang,path", CASES)
def test_the_document_says_the_page_language(server, page, lang, path):
    open_page(page, server, f"{path}{'&' if '?' in path else '?'}lang={lang}")
    assert _wait_for_language(page, lang) == _expected(lang)
    # The language element draws nothing: no empty gap above the title.
    hidden = page.locator(".st-key-ipdx-document-language")
    assert hidden.count() == 1 and not hidden.is_visible()
    assert page.locator("[data-testid='stException']").count() == 0


def _choose_language(page, lang: str) -> None:
    page.locator("[data-testid='stSidebar'] .st-key-lang [data-testid='stSelectbox']").click()
    page.get_by_role("option", name=LANGUAGES[lang], exact=True).click()
    wait_idle(page)


def test_switching_language_in_the_picker_changes_the_document_language(server, page):
    open_page(page, server, "/")
    assert _wait_for_language(page, "en") == _expected("en")
    for lang in ("ar", "zh", "fr", "ru", "es", "en"):
        _choose_language(page, lang)
        assert _wait_for_language(page, lang) == _expected(lang), f"after choosing {lang}"
    _choose_language(page, "ar")
    # A page link keeps the session's language, and the new page says it too.
    page.locator("[data-testid='stSidebar'] a[href='Incidents']").click()
    page.wait_for_url("**/Incidents*")
    wait_idle(page)
    assert page.locator("h1").first.inner_text().strip() != "Incidents"  # the page is in Arabic...
    assert _wait_for_language(page, "ar") == _expected("ar")  # ...and so is its document
    _choose_language(page, "en")
    assert _wait_for_language(page, "en") == _expected("en")
