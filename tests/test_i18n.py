"""The interface in WIPO's six languages: the catalogs are complete and compiled, the
messages keep their placeholders, pages render translated text and localized numbers, Arabic lays
out right to left, office names follow the language, and every chart has its text alternative."""
from __future__ import annotations

import gettext
import json
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TRANSLATED = ["ar", "zh", "fr", "ru", "es"]  # English is the msgids themselves
PLACEHOLDER = re.compile(r"%\{[^}]*\}|\{[a-z_]*\}")


def source_messages() -> set:
    """Every message the code marks now (`_`, `ngettext`, `N_`), extracted as `pybabel extract` does."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {message for _file, _line, message, _comments, _context in
            extract_from_dir(str(ROOT), method_map, options_map) if message}


def catalog(lang: str):
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=lang)


def test_the_six_languages_are_offered():
    from ui import i18n
    assert set(i18n.LANGUAGES) == {"ar", "zh", "en", "fr", "ru", "es"} and i18n.DEFAULT == "en"
    assert {p.name for p in LOCALES.iterdir() if p.is_dir()} == set(TRANSLATED)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_has_every_message_translated(lang):
    """Fails when the code has a message the catalog lacks (run pybabel extract + update), or a
    message is fuzzy, untranslated or has the wrong number of plural forms."""
    cat = catalog(lang)
    in_catalog = {m.id for m in cat if m.id}
    missing = source_messages() - in_catalog
    assert not missing, f"{lang}: {len(missing)} messages not in the catalog, e.g. {sorted(map(str, missing))[:3]}"
    problems = []
    for m in cat:
        if not m.id:
            continue
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.fuzzy or not all(f and f.strip() for f in forms):
            problems.append(("fuzzy or empty", m.id))
        if isinstance(m.id, tuple) and len(forms) != cat.num_plurals:
            problems.append((f"{len(forms)} plural forms, the language has {cat.num_plurals}", m.id))
    assert not problems, f"{lang}: {problems[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang):
    """A translation uses exactly the msgid's {names} and Plotly %{...} fields (a plural form may
    leave the number out, as in "one value"), so formatting never fails or drops a figure."""
    wrong = []
    for m in catalog(lang):
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids))
        for form in (m.string if isinstance(m.string, tuple) else (m.string,)):
            found = set(PLACEHOLDER.findall(form))
            if not found <= wanted or (not isinstance(m.id, tuple) and found != wanted):
                wrong.append((m.id, form))
            if form.count("**") % 2:
                wrong.append(("unbalanced bold", form))
    assert not wrong, f"{lang}: {wrong[:3]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_compiled_catalog_matches_the_po_file(lang):
    """The committed .mo says what the .po says (pybabel compile -d locales after every edit)."""
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for m in catalog(lang):
        if not m.id:
            continue
        if isinstance(m.id, tuple):  # every plural form, chosen by the language's own rule
            if any(compiled.ngettext(m.id[0], m.id[1], n) != m.string[compiled.plural(n)] for n in range(120)):
                stale.append(m.id)
        elif compiled.gettext(m.id) != m.string:
            stale.append(m.id)
    assert not stale, f"{lang}: .mo out of date for {stale[:3]} (run pybabel compile -d locales)"


# ------------------------------------------------------------------ formatting

@pytest.mark.parametrize("lang,percent,count,day", [
    ("en", "94.2%", "12,345", "2026-11-20"),
    ("fr", "94,2 %", "12 345", "20 nov. 2026"),
    ("es", "94,2 %", "12.345", "20 nov 2026"),
    ("ru", "94,2 %", "12 345", "20 нояб. 2026 г."),
    ("zh", "94.2%", "12,345", "2026年11月20日"),
])
def test_numbers_percentages_and_dates_follow_the_language(lang, percent, count, day, monkeypatch):
    from ui import i18n
    monkeypatch.setattr(i18n, "language", lambda: lang)
    spaces = str.maketrans({"\u202f": " ", "\xa0": " "})
    assert i18n.percent(0.942).translate(spaces) == percent
    assert i18n.number(12345).translate(spaces) == count
    assert i18n.number(1533) == "1533"               # four digits stay one word in every language
    assert i18n.date("2026-11-20").translate(spaces) == day


# ------------------------------------------------------------------ pages in other languages

def test_home_in_french_translates_titles_and_localizes_numbers(app, bundled_db):
    at = app(bundled_db, query={"lang": "fr"})
    assert not at.exception
    assert at.title[0].value == "Tableau de bord de transparence de l'échange de données de PI"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Taux de ponctualité, toutes livraisons"].replace("\u202f", " ").replace("\xa0", " ") == "94,2 %"
    assert metrics["Répondants 2025"] == "20" and metrics["Livraisons au"] == "20 nov. 2026"
    assert any("63 des 63 agrégats publiés dans le CWS/13/14" in s.value for s in at.success)
    assert any("Données illustratives" in w.value for w in at.warning)
    assert at.query_params["lang"] == "fr"                   # the picker keeps it in the link


def test_home_in_chinese(app, bundled_db):
    at = app(bundled_db, query={"lang": "zh"})
    assert not at.exception
    assert at.title[0].value == "知识产权数据交换透明度仪表板"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["按时率，全部交付"] == "94.2%" and metrics["交付截至"] == "2026年11月20日"
    assert [s.value for s in at.subheader][:1] == ["概览"]


def test_home_in_arabic_is_right_to_left(app, bundled_db):
    at = app(bundled_db, query={"lang": "ar"})
    assert not at.exception
    assert at.title[0].value == "لوحة معلومات شفافية تبادل بيانات الملكية الفكرية"
    metrics = {m.label: m.value for m in at.metric}
    assert "معدل التسليم في الموعد، جميع عمليات التسليم" in metrics
    assert "94.2" in metrics["معدل التسليم في الموعد، جميع عمليات التسليم"]
    assert any("direction: rtl" in h.proto.body for h in at.get("html"))
    for chart in at.get("plotly_chart"):            # legends and value axes on the right
        spec = json.loads(chart.proto.spec)
        assert spec["layout"]["legend"]["xanchor"] == "right" and spec["layout"]["yaxis"]["side"] == "right"
        if spec["data"][0].get("orientation") == "h":  # bars grow from the right, next to their labels
            right, left = spec["layout"]["xaxis"]["range"]
            assert right == 1 and left < right


def test_english_stays_left_to_right_and_unchanged(app, bundled_db):
    at = app(bundled_db)
    assert at.title[0].value == "IP Data Exchange Transparency Dashboard"
    assert not any("direction: rtl" in h.proto.body for h in at.get("html"))
    assert at.sidebar.selectbox(key="lang").value == "en"
    assert "lang" not in at.query_params or at.query_params["lang"] == "en"


def test_language_picker_switches_and_survives_a_page_change(app, bundled_db):
    at = app(bundled_db)
    at.sidebar.selectbox(key="lang").set_value("ru").run()
    assert at.title[0].value == "Панель прозрачности обмена данными ИС"
    assert at.query_params["lang"] == "ru"
    at.switch_page("pages/5_Delivery_reliability.py").run()
    assert not at.exception
    assert at.title[0].value == "Надежность поставок"


def test_sidebar_navigation_names_every_page_in_the_language(app, bundled_db):
    from ui import page
    at = app(bundled_db, query={"lang": "es"})
    links = [link.proto.label for link in at.sidebar.get("page_link")]
    assert links[:3] == ["Inicio", "Cifras publicadas", "Normas"]
    assert len(links) == 1 + len(page.page_files()) and "Gestión de datos" in links


def test_delivery_page_in_spanish_translates_tables_and_values(app, bundled_db):
    at = app(bundled_db, "pages/5_Delivery_reliability.py", {"lang": "es", "detail": "JP"})
    assert not at.exception
    assert at.title[0].value == "Fiabilidad de las entregas"
    late = next(d for d in at.dataframe if {"outcome", "notice_given"} <= set(d.value.columns))
    assert set(late.value["outcome"]) == {"con retraso"}                    # enumerated values translated
    headers = json.loads(late.proto.columns)                               # headers through the catalog
    assert headers["outcome"]["label"] == "resultado" and headers["days_late"]["label"] == "días de retraso"


def test_office_names_follow_the_language(monkeypatch, bundled_db):
    from loaders import open_snapshot
    from queries import reference
    from ui import i18n
    con = open_snapshot(bundled_db)
    translated = reference.office_name_translations(con)  # the snapshot's table of office-names.csv
    con.close()
    english = {"EP": "European Patent Office", "JP": "Japan Patent Office", "WO": "International Bureau of WIPO"}
    monkeypatch.setattr(i18n, "language", lambda: "fr")
    names = i18n.localized_office_names(english, translated)
    assert names["EP"] == "Office européen des brevets" and names["WO"] == "Bureau international de l'OMPI"
    assert names["JP"] == "Japon · Japan Patent Office"           # country translated, office name English
    assert "anglais" in i18n.office_names_note()
    monkeypatch.setattr(i18n, "language", lambda: "en")
    assert i18n.localized_office_names(english) == english and i18n.office_names_note() == ""


# ------------------------------------------------------------------ accessibility inside the app

def test_every_chart_has_a_text_alternative(app, bundled_db):
    """Each chart of the delivery page is followed by its summary and its data as a table."""
    at = app(bundled_db, "pages/5_Delivery_reliability.py")
    charts = at.get("plotly_chart")
    expanders = [e for e in at.expander if e.label == "Chart as text and table"]
    assert len(charts) == 2 and len(expanders) == 2
    for expander in expanders:
        summary = expander.caption[0].value.replace("\\", "")  # Markdown escapes of plain()
        assert summary.startswith("Chart with") and "series: " in summary and "rows of data" in summary
        assert len(expander.table) == 1 and len(expander.table[0].value) > 0


def test_outcomes_never_rest_on_colour_alone():
    """Every outcome has its own marker shape and label; the palette is Okabe-Ito."""
    from ui import common
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#999999"}
    assert set(common.OUTCOME_COLOURS.values()) <= okabe_ito and set(common.SERIES_COLOURS) <= okabe_ito
    assert len(set(common.OUTCOME_SYMBOLS.values())) == len(common.OUTCOME_COLOURS)
    assert set(common.OUTCOME_LABELS) == set(common.OUTCOME_COLOURS)


# ------------------------------------------------------------------ codebook translations

def test_codebook_labels_show_in_the_language_else_english_and_say_so(app, empty_db, tmp_path):
    """`label_fr = "..."` on a codebook option is shown on French pages; options without it stay
    English and the page says how many; the database stores only the English label."""
    from conftest import load_published, rows
    fixture = ROOT / "tests" / "data" / "survey"
    codebook = tmp_path / "codebook-fr.toml"
    codebook.write_text((fixture / "codebook-r1.toml").read_text(encoding="utf-8").replace(
        'label = "non-standard data formats"',
        'label = "non-standard data formats"\nlabel_fr = "formats de données non normalisés"'), encoding="utf-8")
    load_published(empty_db, "survey", fixture / "survey-r1.csv", "2030", codebook)
    assert rows(empty_db, "SELECT label FROM survey_options WHERE option_code = 'non_standard_formats'") == [
        ("non-standard data formats",)]
    at = app(empty_db, "pages/4_Challenges.py", {"lang": "fr", "round": "2030"})
    assert not at.exception
    labels = [v for d in at.dataframe if "label" in d.value.columns for v in d.value["label"]]
    assert any("formats de données non normalisés" in str(v) for v in labels)
    assert not any(str(v).endswith("non-standard data formats") for v in labels)
    assert any("sont affichées en anglais" in c.value and "label_fr" in c.value.replace("\\", "") for c in at.caption)
    english = app(empty_db, "pages/4_Challenges.py", {"round": "2030"})
    assert any(str(v).endswith("non-standard data formats") for d in english.dataframe
               if "label" in d.value.columns for v in d.value["label"])


def test_meeting_pack_made_on_click_keeps_the_page_language(app, bundled_db, monkeypatch):
    """The pack is assembled after the page run (on click, in no session): still in French."""
    from signin import MediaRecorder
    media = MediaRecorder(monkeypatch)
    at = app(bundled_db, "pages/11_Presentation.py", {"lang": "fr"})
    assert not at.exception
    pack = next(b for b in at.get("download_button") if b.proto.label.startswith("Dossier de réunion (HTML"))
    html = media.bytes_of(pack).decode("utf-8")
    assert '<html lang="fr" dir="ltr">' in html and "Filtres en vigueur" in html and "Provenance" in html
    assert "Filters in force" not in html


def test_no_message_falls_back_to_english_on_any_page(bundled_db, monkeypatch):
    """Every page, rendered in French (the secretariat signed in, so Manage data shows all), asks
    the catalog only for messages it has: a message pybabel could not extract (inside an f-string,
    built at run time) would show in English and fails here."""
    from signin import sign_in, users_secrets
    from streamlit.testing.v1 import AppTest

    from ui import i18n
    french = i18n.translations("fr")
    known = set(french._catalog)
    misses, asked = set(), []

    class Recording:
        def gettext(self, message):
            asked.append(message)
            if message not in known and any(ch.isalpha() for ch in message):
                misses.add(message)
            return french.gettext(message)

        def ngettext(self, singular, plural, n):
            if (singular, 0) not in known:
                misses.add(singular)
            return french.ngettext(singular, plural, n)

    monkeypatch.setattr(i18n, "translations", lambda lang: Recording())
    monkeypatch.setenv("IPDX_DB", str(bundled_db))
    monkeypatch.chdir(ROOT)
    for page in ["dashboard.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))]:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
        at.secrets.update(users_secrets())
        at.query_params["lang"] = "fr"
        at.run()
        sign_in(at, "secretariat-1")
        if page != "dashboard.py":
            at.switch_page(page)
            at.run()
        assert not at.exception, (page, at.exception)
    assert len(set(asked)) > 300                     # the pages did ask the catalog
    assert not misses, f"messages shown in English: {sorted(misses)[:10]}"
