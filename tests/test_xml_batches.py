"""XML batches (ST.36 / ST.96): measured completeness, bad records with file and line, safety.

The fixtures come from scripts/make_xml_fixtures.py; their gaps are listed in its docstring.
"""
from pathlib import Path

import pytest
from conftest import FIXTURES, table_checksums

from loaders import LoadRejected, LoadRequest, build, load_file, open_snapshot
from loaders.__main__ import main
from loaders.xml_batches import zip_directory

XML = FIXTURES / "xml"
ST36_DIR = XML / "st36-batch"
SCHEDULE = ("provider,recipient,dataset,frequency,grace_days,starts,ends,on_time_target\n"
            "EP,JP,patent-fulltext,weekly,2,2024-01-01,,0.9\n"
            "JP,EP,patent-bibliographic,monthly,5,2024-01-01,,0.9\n"
            "JP,US,patent-bibliographic,monthly,5,2024-01-01,,0.9\n")


@pytest.fixture
def db(empty_db, tmp_path):
    schedule = tmp_path / "schedule.csv"
    schedule.write_text(SCHEDULE)
    assert main(["load", "schedule", str(schedule), "--db", str(empty_db)]) == 0
    return empty_db


def xml_request(path, **options):
    return LoadRequest("xml", Path(path), Path(path).name, options=options)


def rows(db, sql, params=None):
    con = open_snapshot(db)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


def line_of(path: Path, needle: str, before: str | None = None) -> int:
    """1-based line of the first line containing `needle`; with `before`, the last line
    containing `before` at or above it (a record's start tag)."""
    lines = path.read_text().splitlines()
    hit = next(i for i, text in enumerate(lines) if needle in text)
    if before is None:
        return hit + 1
    return max(i for i in range(hit + 1) if before in lines[i]) + 1


def measured(db, provider):
    return dict(rows(db, "SELECT field, populated FROM field_completeness WHERE source = 'measured' "
                         "AND provider = $p", {"p": provider}))


def test_st36_directory_batch_is_measured(db):
    # No --recipient: the schedule names exactly one recipient (JP) for EP / patent-fulltext.
    assert main(["load", "xml", str(ST36_DIR), "--provider", "EP", "--dataset", "patent-fulltext",
                 "--scheduled-date", "2024-06-03", "--db", str(db)]) == 0
    [batch] = rows(db, "SELECT provider, recipient, dataset, scheduled_date::VARCHAR, files, records, "
                       "not_well_formed, missing_identifier, standards FROM xml_batches")
    # 3 files; 11 well-formed records (1 in part-1, 10 in part-2); part-3 is not well-formed;
    # document 7 has no publication number; every file says dtd-version v1.6.
    assert batch == ("EP", "JP", "patent-fulltext", "2024-06-03", 3, 11, 1, 1, "ST.36 v1.6")
    # Out of 11 records: 7 lacks the number; 6 has an empty title; 3 and 4 lack the abstract;
    # 4 lacks inventors; 5 lacks description and claims; 9 lacks priority claims; 10 lacks
    # classification. Everything else is in every record.
    assert measured(db, "EP") == {
        "publication_number": 10, "kind": 11, "publication_date": 11, "application_number": 11,
        "application_date": 11, "title": 10, "abstract": 9, "applicant": 11, "inventor": 10,
        "classification": 10, "priority_claims": 10, "description": 10, "claims": 10}
    part2, part3 = ST36_DIR / "part-2.xml", ST36_DIR / "part-3.xml"
    assert rows(db, "SELECT file, line, problem FROM xml_record_problems ORDER BY file") == [
        ("st36-batch.zip/part-2.xml", line_of(part2, "<doc-number></doc-number>", "<patent-document"),
         "missing_identifier"),
        ("st36-batch.zip/part-3.xml", line_of(part3, "</summary>"), "not_well_formed")]


def test_st96_batch_is_measured(db):
    load_file(xml_request(XML / "st96-batch.xml", provider="JP", recipient="EP",
                          dataset="patent-bibliographic", scheduled_date="2024-07-01"), db)
    [batch] = rows(db, "SELECT recipient, files, records, not_well_formed, missing_identifier, standards "
                       "FROM xml_batches")
    assert batch == ("EP", 1, 6, 0, 1, "ST.96 V6_0")
    # 6 records: 2 lacks the abstract, 3 applicant and inventor, 4 the number, 6 description and claims.
    assert measured(db, "JP") == {
        "publication_number": 5, "kind": 6, "publication_date": 6, "application_number": 6,
        "application_date": 6, "title": 6, "abstract": 5, "applicant": 5, "inventor": 5,
        "classification": 6, "priority_claims": 6, "description": 5, "claims": 5}
    # Documents keep the office, the number as written and the parsed ST.96 date.
    assert ("JP", "2024-000101", "2024000101", "A", "2024-01-11") in rows(
        db, "SELECT office, publication_number, number_key, kind, publication_date::VARCHAR "
            "FROM delivered_documents")


def test_same_batch_twice_changes_nothing_and_rebuild_replays_it(db):
    for _ in range(2):  # a directory zips to the same bytes every time
        assert main(["load", "xml", str(ST36_DIR), "--provider", "EP", "--dataset", "patent-fulltext",
                     "--scheduled-date", "2024-06-03", "--db", str(db)]) == 0
    before = table_checksums(db)
    result = load_file(xml_request(zip_directory(ST36_DIR), provider="EP", dataset="patent-fulltext",
                                   scheduled_date="2024-06-03"), db)
    assert result.status == "already loaded"
    assert rows(db, "SELECT count(*) FROM loads WHERE kind = 'xml'") == [(1,)]
    # The manifest carries the options, so a rebuild from the archive gives the same tables.
    build(db)
    after = table_checksums(db)
    for table in ("xml_batches", "xml_record_problems", "delivered_documents", "field_completeness",
                  "load_options"):
        assert after[table] == before[table], table


def test_same_bytes_for_another_delivery_is_a_new_load(db):
    load_file(xml_request(XML / "st96-batch.xml", provider="JP", recipient="EP",
                          dataset="patent-bibliographic", scheduled_date="2024-07-01"), db)
    result = load_file(xml_request(XML / "st96-batch.xml", provider="JP", recipient="EP",
                                   dataset="patent-bibliographic", scheduled_date="2024-08-01"), db)
    assert result.status == "loaded"
    assert rows(db, "SELECT count(*) FROM xml_batches") == [(2,)]


def test_ambiguous_or_unknown_recipient_is_refused(db):
    before = table_checksums(db)
    with pytest.raises(LoadRejected) as err:  # the schedule names EP and US for JP
        load_file(xml_request(XML / "st96-batch.xml", provider="JP", dataset="patent-bibliographic",
                              scheduled_date="2024-07-01"), db)
    assert "ambiguous" in err.value.report() and "EP, US" in err.value.report()
    with pytest.raises(LoadRejected) as err:
        load_file(xml_request(XML / "st96-batch.xml", provider="JP", dataset="no-such-dataset",
                              scheduled_date="2024-07-01"), db)
    assert "no schedule or delivery names a recipient" in err.value.report()
    with pytest.raises(LoadRejected) as err:
        load_file(xml_request(XML / "st96-batch.xml", provider="jp", recipient="EP", dataset="x",
                              scheduled_date="1 July"), db)
    report = err.value.report()
    assert "column 'provider': value 'jp'" in report and "column 'scheduled_date'" in report
    assert table_checksums(db) == before


@pytest.mark.parametrize("name, what", [("billion-laughs.xml", "billion laughs"),
                                        ("xxe.xml", "XXE"), ("xxe-parameter.xml", "XXE")])
def test_hostile_xml_is_refused(db, name, what):
    before = table_checksums(db)
    with pytest.raises(LoadRejected) as err:
        load_file(xml_request(XML / "bad" / name, provider="EP", recipient="JP", dataset="patent-fulltext",
                              scheduled_date="2024-06-03"), db)
    report = err.value.report()
    assert name in report and what in report and "refused for safety" in report
    assert table_checksums(db) == before


def test_hostile_file_inside_a_zip_refuses_the_whole_batch(db, tmp_path):
    import shutil
    batch = tmp_path / "batch"
    shutil.copytree(ST36_DIR, batch)
    shutil.copy(XML / "bad" / "xxe.xml", batch / "zz-xxe.xml")
    before = table_checksums(db)
    assert main(["load", "xml", str(batch), "--provider", "EP", "--dataset", "patent-fulltext",
                 "--scheduled-date", "2024-06-03", "--db", str(db)]) == 1
    assert table_checksums(db) == before


def test_a_file_of_another_kind_is_refused(db, tmp_path):
    other = tmp_path / "other.xml"
    other.write_text('<?xml version="1.0"?><invoice><total>3</total></invoice>')
    with pytest.raises(LoadRejected) as err:
        load_file(xml_request(other, provider="EP", recipient="JP", dataset="d", scheduled_date="2024-01-01"), db)
    assert "patent-document" in err.value.report() and "PatentPublication" in err.value.report()


def test_measured_completeness_flows_into_the_completeness_metric(db, tmp_path):
    """The completeness pages' metric counts measured rows with the batch's record count, and a
    reported row for the same delivery and field is left out rather than counted twice."""
    from queries.completeness import field_completeness
    load_file(xml_request(XML / "st96-batch.xml", provider="JP", recipient="EP",
                          dataset="patent-bibliographic", scheduled_date="2024-07-01"), db)
    deliveries = tmp_path / "deliveries.csv"
    deliveries.write_text("provider,recipient,dataset,scheduled_date,delivered_at,records\n"
                          "JP,EP,patent-bibliographic,2024-07-01,2024-07-01,6\n")
    reported = tmp_path / "completeness.csv"
    reported.write_text("provider,recipient,dataset,scheduled_date,field,populated\n"
                        "JP,EP,patent-bibliographic,2024-07-01,abstract,6\n")
    assert main(["load", "deliveries", str(deliveries), "--db", str(db)]) == 0
    assert main(["load", "completeness", str(reported), "--db", str(db)]) == 0
    con = open_snapshot(db)
    frame = field_completeness(con).set_index("field")
    con.close()
    # Measured: 5 of the batch's 6 records have an abstract; the reported 6/6 is not added.
    assert (frame.loc["abstract", "populated"], frame.loc["abstract", "records"]) == (5, 6)
    assert frame.loc["abstract", "source"] == "measured"
    assert frame.loc["kind", "completeness"] == 1.0
    # The reported row is still stored: measured rows did not replace it, nor it them.
    assert rows(db, "SELECT source, populated FROM field_completeness WHERE field = 'abstract' "
                    "ORDER BY source") == [("measured", 5), ("reported", 6)]
