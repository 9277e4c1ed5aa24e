"""AppTest: the Document coverage and Data completeness pages warn about incomplete XML batches
and about documents whose office differs from the batch's provider (warnings, not refusals)."""
from pathlib import Path

from conftest import FIXTURES

from loaders import LoadRequest, load_file

DIALECTS = FIXTURES / "xml" / "dialects"


def _load(db, name, provider, scheduled):
    load_file(LoadRequest("xml", DIALECTS / name, name, options={
        "provider": provider, "recipient": "JP", "dataset": "patent-fulltext", "scheduled_date": scheduled}), db)


def test_coverage_page_warns_about_lost_documents_and_another_office(app, empty_db):
    _load(empty_db, "us-bulk-truncated.xml", "EP", "2024-01-08")  # 1 of 3 documents lost; US documents
    at = app(empty_db, "pages/10_Document_coverage.py", query={"office": "EP"})
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Incomplete batches: 1.") for w in warnings), warnings
    assert any("documents lost: 1; not well-formed: 1" in w for w in warnings), warnings
    assert any("differs from the provider EP: US \\(2\\)" in w for w in warnings), warnings
    [batches] = [d.value for d in at.dataframe if "lost_documents" in d.value.columns]
    assert (int(batches.lost_documents.iloc[0]), bool(batches.incomplete.iloc[0])) == (1, True)


def test_completeness_page_warns_about_incomplete_batches(app, empty_db):
    _load(empty_db, "us-bulk-truncated.xml", "US", "2024-01-08")
    _load(empty_db, "us-bulk-ipg.xml", "US", "2024-01-15")  # complete, same office: no caveat
    at = app(empty_db, "pages/7_Data_completeness.py",
             query={"period": "2024-01-01..2024-12-31"})
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Incomplete XML batches: 1.") for w in warnings), warnings
    assert not any("office other than their provider" in w for w in warnings), warnings


def test_no_caveat_for_a_complete_batch(app, empty_db):
    _load(empty_db, "us-bulk-ipg.xml", "US", "2024-01-15")
    at = app(empty_db, "pages/10_Document_coverage.py", query={"office": "US"})
    assert not at.exception
    assert not any("ncomplete" in w.value or "differs" in w.value for w in at.warning)
    assert Path(DIALECTS / "us-bulk-ipg.xml").is_file()
