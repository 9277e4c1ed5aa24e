"""The Methodology page (AppTest on the bundled data), the questionnaire changes it lists
(`queries.questionnaire.codebook_changes`, checked against what the bundled codebooks say, read
by hand) and the disclosure rules docs/disclosure.md shares with it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, load
from streamlit.testing.v1 import AppTest

from loaders import connect_read_only
from queries import delivery, questionnaire, registry
from ui.methodology import CONTEST_PARAGRAPHS, docstring_markdown

PAGE = "pages/13_Methodology.py"
SURVEY = ROOT / "tests" / "data" / "survey"
DISCLOSURE_DOC = ROOT / "docs" / "disclosure.md"

#: What changed from data/bundled/codebook-2025.toml to codebook-2026.toml, read off the two
#: files: three new questions (collects_data, partner_offices, coordinator), the headers of
#: `formats` and `standards` reworded, and option ST.97 added to `standards`. Nothing removed.
BUNDLED_CHANGES = [
    ("collects_data", "", "question added", "", "Does your office collect IP data from other IP offices?"),
    ("partner_offices", "", "question added", "", "With how many IP offices does your office exchange data?"),
    ("coordinator", "", "question added", "", "Has your office appointed a data exchange coordinator?"),
    ("formats", "", "question reworded", "In which file formats does your office exchange IP data?",
     "In which file formats does your office exchange IP data with other offices?"),
    ("standards", "", "question reworded", "Which WIPO standards does your office use for IP data exchange?",
     "Which WIPO standards does your office use when exchanging IP data?"),
    ("standards", "ST.97", "option added", "", "ST.97 JSON for IP information"),
]


def _markdown(at) -> str:
    return "\n".join(m.value for m in at.markdown)


@pytest.fixture(scope="module")
def methodology_page(bundled_db):
    old = os.environ.get("IPDX_DB")
    os.environ["IPDX_DB"] = str(bundled_db)
    try:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        at.switch_page(PAGE)
        yield at.run()
    finally:
        if old is None:
            os.environ.pop("IPDX_DB", None)
        else:
            os.environ["IPDX_DB"] = old


def test_every_section_is_present(methodology_page):
    at = methodology_page
    assert not at.exception
    assert [h.value for h in at.header] == ["Definitions", "Disclosure rules", "How to contest an entry",
                                            "What changed between rounds' questionnaires"]
    assert [e.label for e in at.expander] == [title for _key, title, _module in registry.SECTIONS]
    assert any("Illustrative data" in w.value for w in at.warning)  # the bundled rounds are illustrative


def test_every_metric_of_the_registry_is_defined_on_the_page(methodology_page):
    text = _markdown(methodology_page)
    for metric in registry.METRICS:
        assert f"##### `{metric.name}`" in text, metric.name
    # A definition shown word for word: the docstring of the overall on-time rate and the
    # definitions of its section (the module docstring of queries.delivery).
    metric = registry.metric_of(delivery.overall_on_time_rate)
    assert docstring_markdown(metric.doc) in [m.value for m in methodology_page.markdown]
    section = next(s for s in registry.sections() if s.key == "delivery")
    assert docstring_markdown(section.definitions) in [m.value for m in methodology_page.markdown]
    notes = [c.value for c in methodology_page.caption if "Definitions are given in English" in c.value]
    assert len(notes) == 2  # above the definitions and above the disclosure rules


def test_disclosure_rules_and_contest_process_are_shown(methodology_page):
    shown = [m.value for m in methodology_page.markdown]
    assert docstring_markdown(registry.disclosure_rules()) in shown
    assert "Complementary suppression" in registry.disclosure_rules()
    for paragraph in CONTEST_PARAGRAPHS:
        assert paragraph in shown
    assert any("confirms them, or contests an entry with a comment" in p for p in CONTEST_PARAGRAPHS)


def test_questionnaire_changes_between_the_bundled_rounds(methodology_page):
    assert "**2025 -> 2026**" in _markdown(methodology_page)
    tables = [d.value for d in methodology_page.dataframe if {"question", "change"} <= set(d.value.columns)]
    assert len(tables) == 1
    listed = [tuple(row) for row in tables[0][["question", "option", "change", "before", "after"]].itertuples(
        index=False)]
    assert listed == BUNDLED_CHANGES


def test_the_page_in_french_keeps_its_sections(app, bundled_db):
    at = app(bundled_db, PAGE, {"lang": "fr"})
    assert not at.exception
    assert len(at.header) == 4 and len(at.expander) == len(registry.SECTIONS)
    assert len([d for d in at.dataframe if "question" in d.value.columns]) == 1


def test_codebook_changes_of_every_kind(empty_db, tmp_path):
    """Round 2030 is the fixture's second codebook, 2031 its first one with the standards
    question's header, an option label and a challenge's category changed: removed question,
    removed option, reworded question and option and a new category, in the later round's order."""
    later = (SURVEY / "codebook-r1.toml").read_text(encoding="utf-8")
    later = later.replace('headers = ["Standards"]', 'headers = ["Which standards?", "Standards"]')
    later = later.replace('code = "ST.96"\nlabel = "ST.96"', 'code = "ST.96"\nlabel = "ST.96 XML for IP information"')
    later = later.replace('label = "non-standard data formats"\ncategory = "technical"',
                          'label = "non-standard data formats"\ncategory = "legal"')
    codebook = tmp_path / "codebook-later.toml"
    codebook.write_text(later, encoding="utf-8")
    load(empty_db, "survey", SURVEY / "survey-r2.csv", "2030", SURVEY / "codebook-r2.toml")
    load(empty_db, "survey", SURVEY / "survey-r1.csv", "2031", codebook)
    con = connect_read_only(empty_db)
    try:
        changes = questionnaire.codebook_changes(con)
        same = questionnaire.codebook_changes(con, "2030", "2031")
        backwards = questionnaire.codebook_changes(con, "2031", "2030")
        with pytest.raises(ValueError, match="both"):
            questionnaire.codebook_changes(con, "2030")
    finally:
        con.close()
    listed = [(r.question_id, r.code if isinstance(r.code, str) else "", r.change, r.before, r.after)
              for r in changes.fillna("").itertuples()]
    assert listed == [
        ("standards", "", "question_reworded", "Standards", "Which standards?"),
        ("standards", "ST.96", "option_reworded", "ST.96", "ST.96 XML for IP information"),
        ("standards", "ST.97", "option_removed", "ST.97", ""),
        ("challenges_sharing", "non_standard_formats", "option_recategorised", "technical", "legal"),
        ("collects_data", "", "question_removed", "Collects data?", ""),
    ]
    assert set(changes["from_round"]) == {"2030"} and set(changes["to_round"]) == {"2031"}
    assert same.equals(changes)
    assert set(backwards["change"]) == {"question_reworded", "option_reworded", "option_added",
                                        "option_recategorised", "question_added"}


def test_disclosure_doc_carries_the_rules_of_the_docstrings():
    text = DISCLOSURE_DOC.read_text(encoding="utf-8")
    assert registry.with_disclosure_rules(text) == text, (
        "docs/disclosure.md's rules differ from the docstrings: run "
        "python -m queries.registry --disclosure docs/disclosure.md")
    block = text.split(registry.DISCLOSURE_BEGIN, 1)[1].split(registry.DISCLOSURE_END, 1)[0]
    assert block.strip() == registry.disclosure_rules()


def test_the_disclosure_writer_refreshes_a_stale_doc_and_refuses_one_without_markers(tmp_path: Path):
    stale = tmp_path / "disclosure.md"
    stale.write_text(DISCLOSURE_DOC.read_text(encoding="utf-8").replace("Complementary suppression",
                                                                        "Something else"), encoding="utf-8")
    assert registry.with_disclosure_rules(stale.read_text(encoding="utf-8")) != stale.read_text(encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "queries.registry", "--disclosure", str(stale)], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert stale.read_text(encoding="utf-8") == DISCLOSURE_DOC.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="markers"):
        registry.with_disclosure_rules("# no markers here\n", "somewhere.md")
