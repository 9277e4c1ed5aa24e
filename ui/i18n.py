"""The interface in WIPO's six official languages: the current language, message catalogs, numbers,
percentages and dates in the language's conventions, right-to-left layout for Arabic, and office
names in the chosen language.

- Messages: gettext catalogs in `locales/<lang>/LC_MESSAGES/messages.po`, compiled to `.mo`
  (committed; `tests/test_i18n.py` fails when a `.mo` is older in content than its `.po`).
  Manage them with Babel (`pybabel extract -F babel.cfg ...`, `update`, `compile`; see docs/languages.md).
  msgids are the English text; `_()` returns it unchanged in English.
- Module-level texts are marked with `N_()` (extracted, not translated at import) and passed
  through `_()` where they are shown, because the language is only known inside a page run.
- The language: the sidebar picker (`ui.page.picker`; `?lang=fr` in the URL, kept for the session
  when a page link drops the URL), English by default; `language()` can be called before the
  picker is drawn.
- Numbers, percentages and dates: Babel with the language's CLDR locale. Latin digits in every
  language (Babel's default numbering system), as Plotly's axes use them too. Dates in English
  stay ISO 8601 (WIPO ST.2; the form the URLs and the delivery log use); the other languages get
  Babel's medium date.
- Office names: national offices keep their English name (no maintained translation exists) after
  the country's name in the language (pycountry's ISO 3166 gettext catalogs); regional and
  international offices (EP, EM, WO, IB, AP, OA, EA, GC) come from the project's table
  `data/reference/office-names.csv`, loaded into each snapshot and passed in by the caller
  (`ui.common.office_names`, through `queries.reference.office_name_translations`).
  `office_names_note()` says which names stay English.
"""
from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import gettext as gettext_module
from collections.abc import Mapping
from pathlib import Path

import pycountry
import streamlit as st
import streamlit.components.v2 as components
from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, parse_pattern

from queries.text import N_ as N_  # the one marker of texts translated where shown

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
DOMAIN = "messages"

#: WIPO's official languages, each named in itself (the picker's options), English first as default.
LANGUAGES = {"en": "English", "ar": "العربية", "zh": "中文", "fr": "Français", "ru": "Русский",
             "es": "Español"}
DEFAULT = "en"
RTL_LANGUAGES = {"ar"}
URL_KEY = "lang"
#: Kept outside the widget's key, so that a page link that drops `?lang=` keeps the language.
SESSION_KEY = "ipdx_language"

#: Right-to-left for Arabic: static CSS (no data in it) on the app's containers. Plotly charts and
#: data grids keep their own left-to-right drawing; `mirror_figure` mirrors the charts instead.
#: Plotly measures its labels in a tester element it adds to the document's body: under
#: `<html dir="rtl">` the measures come out wrong and the axes get no room for their labels.
RTL_CSS = """<style>
[data-testid="stAppViewContainer"], [data-testid="stSidebar"], [data-testid="stMain"] { direction: rtl; }
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"], [data-testid="stHeading"],
[data-testid="stMetric"], [data-testid="stAlert"], [data-testid="stWidgetLabel"] { text-align: right; }
[data-testid="stPlotlyChart"], [data-testid="stDataFrame"], [data-testid="stDataFrameResizable"],
#js-plotly-tester, code, pre { direction: ltr; }
</style>"""


# ------------------------------------------------------------------ the current language

#: Set by `using()` for work done outside the page run (files made when a download is clicked).
_OVERRIDE: contextvars.ContextVar[str | None] = contextvars.ContextVar("ipdx_language", default=None)


@contextlib.contextmanager
def using(lang: str):
    """Runs the block in `lang`: for deferred downloads, made after the page run, in no session."""
    token = _OVERRIDE.set(lang)
    try:
        yield
    finally:
        _OVERRIDE.reset(token)


def language_fixed(function):
    """`function` run with the language looked up once (`using`): for figures that format
    thousands of values, each lookup reading the session and the URL again."""
    @functools.wraps(function)
    def run(*args, **kwargs):
        with using(language()):
            return function(*args, **kwargs)
    return run


def language() -> str:
    """The language of this run: the session's choice (set by the picker), else `?lang=` (a shared
    link, the first run), else English. Callable before the picker is drawn."""
    if _OVERRIDE.get() in LANGUAGES:
        return _OVERRIDE.get()
    try:
        remembered = st.session_state.get(SESSION_KEY)
        wanted = st.query_params.get(URL_KEY)
    except Exception:  # outside a Streamlit run (command line, plain tests)
        return DEFAULT
    if remembered in LANGUAGES:
        return remembered
    return wanted if wanted in LANGUAGES else DEFAULT


def is_rtl(lang: str | None = None) -> bool:
    return (lang or language()) in RTL_LANGUAGES


#: Streamlit serves every page as `<html lang="en">`: a screen reader would read Arabic or Chinese
#: with English rules (WCAG 2.1, 3.1.1). This script, mounted in the page itself (a Streamlit
#: component v2 runs in the app's document, not in an iframe), sets the document's `lang` and `dir`
#: from its data, on its first run and whenever the data (the language) changes. The code is fixed
#: text; the language reaches it only as JSON data, and only a code of LANGUAGES.
DOCUMENT_LANGUAGE_JS = """
export default function (component) {
  const data = component.data || {};
  const root = document.documentElement;
  if (typeof data.lang === "string" && root.lang !== data.lang) { root.lang = data.lang; }
  if ((data.dir === "rtl" || data.dir === "ltr") && root.dir !== data.dir) { root.dir = data.dir; }
}
"""
DOCUMENT_LANGUAGE_KEY = "ipdx-document-language"
_document_language = components.component("ipdx_document_language", js=DOCUMENT_LANGUAGE_JS)
#: The component draws nothing; without this its empty element would still add the block's gap.
DOCUMENT_LANGUAGE_CSS = f"<style>.st-key-{DOCUMENT_LANGUAGE_KEY} {{ display: none; }}</style>"


def document_language(lang: str | None = None) -> dict[str, str]:
    """The `lang` and `dir` attributes of the page's `<html>` element for `lang`."""
    lang = lang if lang in LANGUAGES else language()
    return {"lang": lang, "dir": "rtl" if is_rtl(lang) else "ltr"}


def apply_direction(lang: str | None = None) -> None:
    """The page in the reader's language: `<html lang dir>` set in the browser, and right-to-left
    CSS for Arabic. Called once per page run (the picker, or the presentation without it)."""
    st.html(DOCUMENT_LANGUAGE_CSS)
    with st.sidebar:  # not first in the main area, where the page's content starts
        _document_language(data=document_language(lang), key=DOCUMENT_LANGUAGE_KEY)
    if is_rtl(lang):
        st.html(RTL_CSS)


# ------------------------------------------------------------------ messages

@functools.cache
def translations(lang: str) -> gettext_module.NullTranslations:
    return gettext_module.translation(DOMAIN, localedir=str(LOCALES), languages=[lang], fallback=True)


def _(message: str) -> str:
    """The message in the current language (the English msgid when untranslated)."""
    return translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """Singular or plural form for `n`, with the language's plural rules (Arabic has six)."""
    return translations(language()).ngettext(singular, plural, n)


# ------------------------------------------------------------------ numbers, percentages, dates

def locale(lang: str | None = None):
    return Locale.parse(lang or language())


def number(value, decimals: int | None = None) -> str:
    """A number with the language's separators; `decimals` fixes the digits after the point.
    Digits are grouped from five digits on (10 000), as ISO 80000-1 advises and CLDR does for
    Spanish: a four-digit count (1533) stays one word in every language."""
    if value is None or value != value:
        return "-"
    grouped = abs(value) >= 10_000
    if decimals is None:
        return format_decimal(value, locale=locale(), group_separator=grouped)
    return format_decimal(value, format="#,##0." + "0" * decimals if decimals else "#,##0", locale=locale(),
                          decimal_quantization=True, group_separator=grouped)


def percent(value, decimals: int = 1) -> str:
    """A share (0..1) as a percentage in the language's pattern: 94.2% / 94,2 % / ٪94.2."""
    if value is None or value != value:
        return "-"
    loc = locale()
    pattern = parse_pattern(loc.percent_formats[None].pattern)
    pattern.frac_prec = (decimals, decimals)
    return pattern.apply(value, loc)


def date(value) -> str:
    """A date: ISO 8601 in English (as the URLs and the data), Babel's medium date otherwise."""
    if value is None or value != value:
        return "-"
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime) or (hasattr(value, "date") and not isinstance(value, dt.date)):
        value = value.date()  # datetimes and pandas Timestamps: their calendar day
    if language() == DEFAULT:
        return value.isoformat()
    return format_date(value, format="medium", locale=locale())


def plotly_separators() -> str:
    """Plotly's `separators` (decimal point, then thousands) for the language."""
    loc = locale()
    return get_decimal_symbol(loc) + get_group_symbol(loc)


def mirror_figure(fig) -> None:
    """Right-to-left charts: legend and title on the right, the y axis on the right side, and
    horizontal bars growing from the right (next to their labels). Time and vertical category axes
    keep their order (numbers and dates read left to right in Arabic too)."""
    fig.update_layout(legend=dict(xanchor="right", x=1), title=dict(x=1, xanchor="right"))
    fig.update_yaxes(side="right")
    if any(getattr(trace, "orientation", None) == "h" for trace in fig.data):
        fixed = fig.layout.xaxis.range
        if fixed:
            fig.update_xaxes(range=list(fixed)[::-1])
        else:
            fig.update_xaxes(autorange="reversed")


# ------------------------------------------------------------------ office and country names

@functools.cache
def _country_translations(lang: str) -> gettext_module.NullTranslations:
    return gettext_module.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def country_name(code: str, lang: str | None = None) -> str | None:
    """The ISO 3166 country of an ST.3 code in the language (pycountry), None when not a country."""
    country = pycountry.countries.get(alpha_2=str(code))
    if country is None:
        return None
    lang = lang or language()
    if lang == DEFAULT:
        return getattr(country, "common_name", None) or country.name
    return _country_translations(lang).gettext(country.name)


def localized_office_names(english: dict[str, str], translated: Mapping[str, Mapping[str, str]] | None = None,
                           lang: str | None = None) -> dict[str, str]:
    """Office names in the language: `translated` (code -> {language -> name}, the project's
    table of regional and international offices' names) where it has the office; otherwise the
    country's name in the language, then the English office name."""
    lang = lang or language()
    if lang == DEFAULT:
        return dict(english)
    translated = translated or {}
    out = {}
    for code, name in english.items():
        own = translated.get(code, {}).get(lang)
        if own:
            out[code] = own
            continue
        country = country_name(code, lang)
        out[code] = f"{country} · {name}" if country else name
    return out


def office_names_note() -> str:
    """Says that national offices' names stay in English (none is shown in English)."""
    if language() == DEFAULT:
        return ""
    return _("Names of national offices are shown in English after the country's name in this language "
             "(ISO 3166, pycountry); regional and international offices' names are translated.")


# ------------------------------------------------------------------ table headers

#: Display labels (msgids) of the data's column names, for table headers and translated CSV
#: headers. The frames keep their column names; only what people read is translated. Columns not
#: listed (survey rounds, option codes such as ST.96) are data and shown as they are.
COLUMN_LABELS = {
    "adopted": N_("adopted"), "adopted by": N_("adopted by"), "announced": N_("announced"),
    "answer": N_("answer"), "band_high": N_("band high"), "band_low": N_("band low"), "base": N_("base"),
    "better": N_("better"), "bundled": N_("bundled"), "by": N_("by"), "category": N_("category"),
    "category_label": N_("category"), "cell": N_("cell"), "challenge": N_("challenge"),
    "change": N_("change"), "code": N_("code"), "completeness": N_("completeness"),
    "computed": N_("computed"), "computed_base": N_("computed base"), "corrected_rows": N_("corrected rows"),
    "coverage": N_("coverage"), "covered": N_("covered"), "dataset": N_("dataset"),
    "days_late": N_("days late"), "days_overdue": N_("days overdue"),
    "days_since_last_delivery": N_("days since last delivery"), "deadline": N_("deadline"),
    "delay_median_days": N_("median delay (days)"), "delay_p90_days": N_("p90 delay (days)"),
    "delivered_at": N_("delivered at"), "deliveries": N_("deliveries"), "description": N_("description"),
    "detail": N_("detail"), "difference": N_("difference"), "direction": N_("direction"),
    "documents": N_("documents"), "dropped": N_("dropped"), "dropped by": N_("dropped by"),
    "due": N_("due"), "ended": N_("ended"), "entries": N_("entries"), "evidence": N_("evidence"),
    "excepted": N_("excepted"), "expected": N_("expected"), "extra": N_("extra"), "field": N_("field"),
    "file": N_("file"), "files": N_("files"), "first_missed": N_("first missed"), "form": N_("form"),
    "format": N_("format"), "frequency": N_("frequency"), "grace_days": N_("grace days"),
    "history": N_("history"), "incomplete": N_("incomplete"), "interruptions": N_("interruptions"),
    "irregularity": N_("irregularity"), "irregularity_max": N_("irregularity (max)"), "item": N_("item"),
    "kept": N_("kept"), "kind": N_("kind"), "label": N_("label"), "last_delivered": N_("last delivered"),
    "last_missed": N_("last missed"), "late": N_("late"), "line": N_("line"), "load": N_("load"),
    "load_seq": N_("load"), "loaded at (UTC)": N_("loaded at (UTC)"), "loaded_at": N_("loaded at (UTC)"),
    "loaded_by": N_("by"), "mean_interval_days": N_("mean interval (days)"), "median": N_("median"),
    "metric": N_("metric"), "missed": N_("missed"), "missing": N_("missing"),
    "missing_identifier": N_("no publication number"), "month": N_("month"), "new_rows": N_("new rows"),
    "no_answer": N_("no answer"), "not named (no consent)": N_("not named (no consent)"),
    "not_well_formed": N_("not well-formed"), "note": N_("note"), "notes": N_("notes"),
    "notice": N_("notice"), "notice_given": N_("notice given"), "office": N_("office"),
    "offices": N_("offices"), "offices found (of respondents)": N_("offices found (of respondents)"),
    "on_time": N_("on time"), "on_time_rate": N_("on-time rate"), "on_time_target": N_("target"),
    "ongoing": N_("ongoing"), "options": N_("options"), "original_name": N_("file"),
    "outcome": N_("outcome"), "peer group": N_("peer group"), "peer median": N_("peer median"),
    "peer_group": N_("peer group"), "peer_median": N_("peer median"), "peers": N_("peers"),
    "peer_p25": N_("peers' 25th percentile"), "peer_p75": N_("peers' 75th percentile"),
    "pending": N_("pending"), "percentile": N_("percentile"), "period_days": N_("period (days)"),
    "populated": N_("populated"), "position": N_("position"), "problem": N_("problem"),
    "provider": N_("provider"), "publication_date": N_("publication date"),
    "publication_number": N_("publication number"), "published": N_("published"),
    "published_base": N_("published base"), "published_round": N_("published round"),
    "published_share": N_("published share"), "question": N_("question"), "ratio": N_("records / median"),
    "reason": N_("reason"), "recipient": N_("recipient"), "records": N_("records"), "removed_at": N_("removed at"),
    "removed_by": N_("removed by"), "result": N_("result"), "round": N_("round"), "rounds": N_("rounds"),
    "row": N_("row"), "rows": N_("rows"), "rule": N_("rule"), "scheduled": N_("scheduled"),
    "scheduled_date": N_("scheduled date"), "section": N_("section"), "share": N_("share"),
    "sha256": N_("SHA-256"), "sla_met": N_("SLA met"), "source": N_("source"), "stale": N_("stale"),
    "stale_schedules": N_("stale schedules"), "standard": N_("standard"), "standards": N_("standards"),
    "standing": N_("standing"), "state": N_("state"), "status": N_("status"),
    "unannounced_interruption": N_("unannounced interruption"),
    "unannounced_interruptions": N_("unannounced interruptions"), "unchanged_rows": N_("unchanged rows"),
    "unit": N_("unit"), "value": N_("value"), "year": N_("year"), "expected_by": N_("expected by"),
    "group": N_("group"), "office_label": N_("office"), "asked": N_("asked"), "consented": N_("consented"),
}


def column_label(name) -> str:
    """The header people read for a data column (the name itself when it is data, e.g. ST.96)."""
    label = COLUMN_LABELS.get(str(name))
    return _(label) if label else str(name)


# ------------------------------------------------------------------ enumerated values in tables

#: Values that the queries compute from a fixed set (outcomes, statuses, frequencies, survey
#: directions...), shown translated in tables in the other languages. English shows them as the
#: queries give them, so English tables, CSVs and links stay as documented. Loaded data (office
#: codes, dataset names, option labels, notes) is never in this list.
VALUE_LABELS = {
    "outcome": {"on_time": N_("on time"), "late": N_("late"), "missed": N_("missed"), "pending": N_("pending")},
    "status": {"scheduled": N_("scheduled"), "pending": N_("pending"), "delivered early": N_("delivered early")},
    "frequency": {"weekly": N_("weekly"), "biweekly": N_("biweekly"), "monthly": N_("monthly"),
                  "quarterly": N_("quarterly")},
    "direction": {"sharing": N_("sharing"), "collecting": N_("collecting")},
    "section": {"standards": N_("standards"), "ip_rights": N_("IP rights"), "data_types": N_("data types"),
                "formats": N_("file formats"), "challenges": N_("challenges")},
    "change": {"adopted": N_("adopted"), "dropped": N_("dropped")},
    "kind": {"national": N_("national"), "regional": N_("regional"), "international": N_("international")},
    "reason": {"no schedule for this provider, recipient and dataset":
               N_("no schedule for this provider, recipient and dataset"),
               "date not on the schedule's calendar": N_("date not on the schedule's calendar")},
}


def value_label(column: str, value):
    """An enumerated value of `column` in the language (as it is when not enumerated)."""
    label = VALUE_LABELS.get(column, {}).get(value) if isinstance(value, str) else None
    return _(label) if label else value


def translated_values(frame):
    """A copy of `frame` with its enumerated values in the language (the frame itself in English)."""
    columns = [c for c in frame.columns if c in VALUE_LABELS]
    if language() == DEFAULT or not columns:
        return frame
    return frame.assign(**{c: frame[c].map(lambda v, c=c: value_label(c, v)) for c in columns})


# ------------------------------------------------------------------ codebook labels

def localized_option_labels(frame, translations: dict[tuple[str, str], dict[str, str]]):
    """`frame` (with direction, code, label) with each label in the language where `translations`
    ((direction, option code) -> {language: label}, from the round's codebook) has it, and how
    many labels stay in English (0 in English)."""
    lang = language()
    if lang == DEFAULT or frame.empty or "label" not in frame:
        return frame, 0
    found = [translations.get((d if isinstance(d, str) else "", c), {}).get(lang)
             for d, c in zip(frame["direction"], frame["code"])]
    labels = [t or label for t, label in zip(found, frame["label"])]
    return frame.assign(label=labels), sum(t is None for t in found)


def option_labels_note(round: str, english: int) -> str:
    """Says that answer options stay in English where the codebook has no translation."""
    if not english:
        return ""
    return ngettext("{count} answer option is shown in English: the {round} codebook gives no label in this "
                    "language for it (add label_{lang} = \"...\" to the option in the codebook).",
                    "{count} answer options are shown in English: the {round} codebook gives no label in this "
                    "language for them (add label_{lang} = \"...\" to the options in the codebook).",
                    english).format(count=number(english), round=round, lang=language())
