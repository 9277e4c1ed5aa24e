"""AppTest of the document coverage page (pages/10_Document_coverage.py)."""
from test_st37_coverage import load_all

PAGE = "pages/10_Document_coverage.py"


def test_coverage_page_shows_heatmap_missing_list_and_batches(app, empty_db):
    load_all(empty_db)
    at = app(empty_db, PAGE, query={"office": "EP"})
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # EP: 14 expected, 9 covered, 5 missing, 1 withdrawn, 1 extra (see test_st37_coverage).
    assert metrics == {"Expected": "14", "Covered": "9", "Missing": "5", "Excepted": "1",
                       "Unexpected extras": "1"}
    missing, extras, batches, problems = (d.value for d in at.dataframe)  # in page order
    assert list(missing.publication_number) == ["1000007", "1000012", "1000013", "1000014", "1000015"]
    assert list(extras.publication_number) == ["1000099"]
    assert int(batches.records.iloc[0]) == 11
    assert sorted(problems.problem) == ["missing_identifier", "not_well_formed"]
    assert not any("Illustrative data" in w.value for w in at.warning)


def test_coverage_page_for_an_office_without_authority_file(app, empty_db, tmp_path):
    load_all(empty_db)
    at = app(empty_db, PAGE, query={"office": "JP"})
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Missing"] == "2"


def test_coverage_page_without_data_says_how_to_load(app, empty_db):
    at = app(empty_db, PAGE)
    assert not at.exception
    assert any("No XML batch or ST.37 authority file" in i.value for i in at.info)
