"""The page's own language: every page run mounts the element that sets `<html lang dir>` in the
browser (tests/e2e/test_language_and_charts.py checks the browser's document), with the reader's
language as data and never as code."""
import json

import pytest

from ui import i18n


def _document_language(at) -> dict:
    found = [e for e in at.get("bidi_component") if e.proto.component_name == "ipdx_document_language"]
    assert len(found) == 1, "exactly one document-language element per run"
    assert found[0].proto.js_content == i18n.DOCUMENT_LANGUAGE_JS  # fixed code: the language is data
    return json.loads(found[0].proto.json)


@pytest.mark.parametrize("lang", list(i18n.LANGUAGES))
def test_every_language_sets_the_document_language_and_direction(app, bundled_db, lang):
    at = app(bundled_db, query={"lang": lang})
    assert not at.exception
    assert _document_language(at) == {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr"}


def test_an_unknown_language_in_the_url_falls_back_to_english(app, bundled_db):
    at = app(bundled_db, query={"lang": "<script>"})
    assert _document_language(at) == {"lang": "en", "dir": "ltr"}


def test_the_picker_and_a_page_change_keep_the_document_language(app, bundled_db):
    at = app(bundled_db)
    assert _document_language(at) == {"lang": "en", "dir": "ltr"}
    at.selectbox(key=i18n.URL_KEY).set_value("ar").run()
    assert _document_language(at) == {"lang": "ar", "dir": "rtl"}
    at.switch_page("pages/12_Incidents.py").run()
    assert not at.exception
    assert _document_language(at) == {"lang": "ar", "dir": "rtl"}


def test_document_language_only_gives_a_language_of_the_list():
    assert i18n.document_language("zh") == {"lang": "zh", "dir": "ltr"}
    assert i18n.document_language("ar") == {"lang": "ar", "dir": "rtl"}
    assert i18n.document_language("xx\" onload=\"") == {"lang": "en", "dir": "ltr"}
