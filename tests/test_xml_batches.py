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


# ------------------------------------------------------------------ real office documents
# Published documents (not the project's): CI has them at ../shared/reference/samples/xml from
# the repository root (see SOURCES.md there); they are never copied into the repository.
SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "samples" / "xml"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason=f"the real XML samples are not at {SAMPLES}")
ALL_FIELDS = ("publication_number", "kind", "publication_date", "application_number", "application_date",
              "title", "abstract", "applicant", "inventor", "classification", "priority_claims",
              "description", "claims")
#: Per sample: (dialect label as the batch lists it, (office, number, kind, date, line of the
#: record), the fields absent from the document). Every value was read in the file itself.
REAL_SAMPLES = {
    # <ep-patent-document ... dtd-version="ep-patent-document-v1-0"> on line 3; SDOBI: B110 1667425,
    # B130 A1, B140/date 20060607, B190 EP; B300 (priority JP 2004351438), B710, B720 and
    # abstract/description/claims are all there.
    "ep_a1_EP1667425.xml": ("EP ep-patent-document-v1-0", ("EP", "1667425", "A1", "2006-06-07", 3), set()),
    # <us-patent-grant dtd-version="v4.5 2014-04-03"> on line 3; publication-reference: US 08926509
    # B2 20150106. No priority-claims element (only a us-provisional-application, a domestic
    # benefit claim, in us-related-documents).
    "xml2014_US08926509.xml": ("US grant v4.5 2014-04-03", ("US", "08926509", "B2", "2015-01-06", 3),
                               {"priority_claims"}),
    # Same DTD; US 08927118 B2 20150106; priority-claims on line 21 (JP 2008-148514).
    "xml2014_US08927118.xml": ("US grant v4.5 2014-04-03", ("US", "08927118", "B2", "2015-01-06", 3), set()),
    # No XML declaration: <jp-official-gazette kind-of-st16="A" dtd-version="1.0"> is line 1; the
    # document-id holds JP 2021044377, kind 公開特許公報(A) (the ST.16 kind is the root's
    # kind-of-st16), date 20210318. No priority-claims element.
    "jp_a_2021044377.xml": ("JP 1.0", ("JP", "2021044377", "A", "2021-03-18", 1), {"priority_claims"}),
    # BOM, declaration, an xml-stylesheet PI, then <cn-patent-document> on line 3 (no version
    # attribute); cn-publication-reference: CN 104223352 A 20141224; the abstract sits inside
    # cn-bibliographic-data; no priority claims.
    "cn_old_104223352.xml": ("CN", ("CN", "104223352", "A", "2014-12-24", 3), {"priority_claims"}),
    # <business:PatentDocumentAndRelated xsdVersion="V2.2.1" ...> on line 2; PublicationReference:
    # CN 113781974 A 20211210; PriorityDetails from KR 10-2016-0063019.
    "cn_new_113781974.xml": ("CN business V2.2.1", ("CN", "113781974", "A", "2021-12-10", 2), set()),
    # <pat:PatentPublication com:st96Version="V6_0"> starts on line 2, its start tag ends on line 12
    # (libxml2 gives a record the line where its start tag ends); PatentPublicationIdentification:
    # US 08936998 B2 2015-01-20.
    "st96_PatentPublication_Example.xml": ("ST.96 V6_0", ("US", "08936998", "B2", "2015-01-20", 12), set()),
}


@needs_samples
def test_every_real_sample_is_there():
    assert sorted(p.name for p in SAMPLES.glob("*.xml")) == sorted(REAL_SAMPLES)


@needs_samples
@pytest.mark.parametrize("name", sorted(REAL_SAMPLES))
def test_real_office_document_is_measured_field_by_field(db, name):
    label, (office, number, kind, published, line), absent = REAL_SAMPLES[name]
    result = load_file(xml_request(SAMPLES / name, provider=office, recipient="JP" if office != "JP" else "EP",
                                   dataset="real-sample", scheduled_date="2024-06-03"), db)
    assert result.rows == 1
    [batch] = rows(db, "SELECT records, not_well_formed, missing_identifier, lost_documents, incomplete, "
                       "standards, office_mismatch FROM xml_batches")
    assert batch == (1, 0, 0, 0, False, label, None)
    assert measured(db, office) == {f: 0 if f in absent else 1 for f in ALL_FIELDS}
    assert rows(db, "SELECT office, publication_number, kind, publication_date::VARCHAR, line "
                    "FROM delivered_documents") == [(office, number, kind, published, line)]


@needs_samples
def test_real_samples_in_one_zip_keep_their_dialects_per_file(db, tmp_path):
    import zipfile
    batch = tmp_path / "samples.zip"
    with zipfile.ZipFile(batch, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in REAL_SAMPLES:
            zf.write(SAMPLES / name, name)
    load_file(xml_request(batch, provider="US", recipient="EP", dataset="mixed", scheduled_date="2024-06-03"), db)
    files = dict(rows(db, "SELECT file, standard FROM xml_batch_files"))
    assert files["samples.zip/ep_a1_EP1667425.xml"] == "EP"
    assert files["samples.zip/cn_new_113781974.xml"] == "CN business"
    [(records, mismatch)] = rows(db, "SELECT records, office_mismatch FROM xml_batches")
    # 7 documents: 3 from US (2 grants, the ST.96 example); CN 2, EP 1, JP 1 differ from --provider US.
    assert (records, mismatch) == (7, "CN (2), EP (1), JP (1)")


# ------------------------------------------------------------------ illustrative dialect documents
def _fixture_script():
    import importlib.util
    path = Path(__file__).resolve().parents[1] / "scripts" / "make_xml_fixtures.py"
    spec = importlib.util.spec_from_file_location("make_xml_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


DIALECTS = XML / "dialects"  # written by scripts/make_xml_fixtures.py (write_dialect_fixtures)


def load_dialect(db, name, provider, **options):
    return load_file(xml_request(DIALECTS / name, provider=provider, recipient=options.pop("recipient", "EP"),
                                 dataset=options.pop("dataset", "patent-fulltext"),
                                 scheduled_date=options.pop("scheduled_date", "2024-01-08")), db)


def test_us_weekly_bulk_file_counts_every_concatenated_document(db):
    # 3 grants, each with its own XML declaration and DOCTYPE; two DOCTYPEs declare NDATA image
    # entities (allowed: they only name image files).
    result = load_dialect(db, "us-bulk-ipg.xml", "US")
    assert result.rows == 3
    [batch] = rows(db, "SELECT records, lost_documents, incomplete, standards, dialects FROM xml_batches")
    assert batch == (3, 0, False, "US grant v4.5 2014-04-03", "US grant")
    assert rows(db, "SELECT documents, records FROM xml_batch_files") == [(3, 3)]
    # 2 has no priority claims, 3 no abstract.
    got = measured(db, "US")
    assert (got["priority_claims"], got["abstract"], got["claims"]) == (2, 2, 3)
    text = (DIALECTS / "us-bulk-ipg.xml").read_text().splitlines()
    starts = [i + 1 for i, line in enumerate(text) if line.startswith("<us-patent-grant ")]
    assert [r[0] for r in rows(db, "SELECT line FROM delivered_documents ORDER BY line")] == starts


def test_two_st96_documents_joined_load_as_two_records(db):
    load_dialect(db, "st96-joined.xml", "JP")
    assert rows(db, "SELECT records, lost_documents, incomplete FROM xml_batches") == [(2, 0, False)]
    assert rows(db, "SELECT publication_number FROM delivered_documents ORDER BY 1") == [
        ("2024-000201",), ("2024-000202",)]


def test_a_document_cut_short_is_counted_lost_with_file_and_line(db, capsys):
    path = DIALECTS / "us-bulk-truncated.xml"
    assert main(["load", "xml", str(path), "--provider", "US", "--recipient", "EP", "--dataset", "d",
                 "--scheduled-date", "2024-01-08", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    # The second of 3 documents ends inside its description; the first and third are read.
    declarations = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if line.startswith("<?xml")]
    assert rows(db, "SELECT records, not_well_formed, lost_documents, incomplete FROM xml_batches") == [
        (2, 1, 1, True)]
    [(line, detail)] = rows(db, "SELECT line, detail FROM xml_record_problems WHERE problem = 'not_well_formed'")
    assert line == declarations[2] and f"starts at line {declarations[1]}" in detail
    assert "INCOMPLETE: 1 document(s)" in out and f"us-bulk-truncated.xml, line {line}: 1" in out


def test_truncated_wrapper_counts_the_records_it_still_held(db, tmp_path):
    # A wrapper of 5 ST.36 records broken inside the 2nd: the 2nd (open) and the 3 after it are lost.
    fx = _fixture_script()
    docs = [fx.st36_document(n, f"10000{n}", "A1", "20240101", set()) for n in range(1, 6)]
    docs[1] = docs[1].replace("</abstract>", "</summary>")
    path = tmp_path / "wrapper.xml"
    path.write_text(fx.ST36_PROLOG + "<patent-documents>\n" + "".join(docs) + "</patent-documents>\n")
    load_file(xml_request(path, provider="EP", recipient="JP", dataset="d", scheduled_date="2024-01-08"), db)
    assert rows(db, "SELECT records, lost_documents, incomplete FROM xml_batches") == [(1, 4, True)]


def test_v40_inventors_listed_among_applicants_count_as_inventors(db):
    load_dialect(db, "us-v40-grant.xml", "US")
    got = measured(db, "US")
    assert got["inventor"] == 1 and got["applicant"] == 1 and got["classification"] == 1
    assert rows(db, "SELECT standards FROM xml_batches") == [("US grant v40 2004-12-02",)]


def test_ep_b1_has_no_abstract_and_docdb_has_no_full_text(db):
    load_dialect(db, "ep-b1.xml", "EP")
    got = measured(db, "EP")
    assert got["abstract"] == 0 and got["inventor"] == 0 and got["applicant"] == 1 and got["claims"] == 1
    load_dialect(db, "docdb.xml", "EP", dataset="docdb")
    [(records, mismatch, standards)] = rows(
        db, "SELECT records, office_mismatch, standards FROM xml_batches WHERE dataset = 'docdb'")
    assert (records, mismatch, standards) == (3, "WO (1)", "DOCDB 2.5.8")
    docdb = dict(rows(db, "SELECT field, populated FROM field_completeness WHERE dataset = 'docdb'"))
    assert docdb["description"] == 0 and docdb["claims"] == 0 and docdb["abstract"] == 2
    assert docdb["inventor"] == 2 and docdb["publication_number"] == 3


def test_us_application_and_kr_dialects(db):
    load_dialect(db, "us-application.xml", "US")
    assert measured(db, "US")["classification"] == 0
    assert measured(db, "US")["applicant"] == 1
    load_dialect(db, "kr.xml", "KR", recipient="US")
    assert measured(db, "KR") == dict.fromkeys(ALL_FIELDS, 1) | {"priority_claims": 0}


def test_office_other_than_the_provider_is_a_warning_not_a_refusal(db, capsys):
    assert main(["load", "xml", str(DIALECTS / "us-bulk-ipg.xml"), "--provider", "EP", "--recipient", "JP",
                 "--dataset", "d", "--scheduled-date", "2024-01-08", "--db", str(db)]) == 0
    assert "WARNING: the documents' office differs from --provider EP: US (3)" in capsys.readouterr().out
    assert rows(db, "SELECT office_mismatch FROM xml_batches") == [("US (3)",)]


def test_unknown_dialect_names_its_root_and_the_known_dialects(db, tmp_path):
    other = tmp_path / "fr.xml"
    other.write_text('<?xml version="1.0"?>\n<fr-patent-document xmlns="urn:example:inpi">'
                     "<numero>1</numero></fr-patent-document>\n")
    before = table_checksums(db)
    with pytest.raises(LoadRejected) as err:
        load_file(xml_request(other, provider="FR", recipient="EP", dataset="d", scheduled_date="2024-01-08"), db)
    report = err.value.report()
    assert "fr.xml, row 1" in report and "<fr-patent-document> (namespace urn:example:inpi)" in report
    assert "EP <ep-patent-document>" in report and "US grant <us-patent-grant>" in report
    assert "data/reference/field-maps/" in report and "IPDX_FIELD_MAPS" in report
    assert table_checksums(db) == before


def test_a_new_dialect_is_a_toml_file_and_no_code(db, tmp_path, monkeypatch):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "fr.toml").write_text(
        'dialect = "FR"\nrecord = "inpi:fr-patent-document"\nversion_attributes = ["version"]\n'
        '[namespaces]\ninpi = "urn:example:inpi"\n'
        '[identifier]\noffice = ["@pays"]\nnumber = ["inpi:numero"]\nkind = ["inpi:code"]\n'
        'date = ["inpi:date"]\n'
        '[fields]\npublication_number = ["inpi:numero"]\ntitle = ["inpi:titre"]\n')
    doc = tmp_path / "fr.xml"
    doc.write_text('<?xml version="1.0"?>\n<fr-patent-document xmlns="urn:example:inpi" version="2.1" pays="FR">'
                   "<numero>3100001</numero><code>A1</code><date>20240105</date><titre>Exemple</titre>"
                   "</fr-patent-document>\n")
    monkeypatch.setenv("IPDX_FIELD_MAPS", str(maps))
    load_file(xml_request(doc, provider="FR", recipient="EP", dataset="d", scheduled_date="2024-01-08"), db)
    assert rows(db, "SELECT standards FROM xml_batches") == [("FR 2.1",)]
    got = measured(db, "FR")
    assert (got["publication_number"], got["title"], got["abstract"]) == (1, 1, 0)
    assert rows(db, "SELECT office, publication_number, kind, publication_date::VARCHAR FROM delivered_documents"
                ) == [("FR", "3100001", "A1", "2024-01-05")]


def test_a_broken_field_map_is_refused_naming_file_and_key(db, tmp_path, monkeypatch):
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "bad.toml").write_text('dialect = "X"\nrecord = "x"\n[identifier]\nnumber = ["a/["]\n')
    monkeypatch.setenv("IPDX_FIELD_MAPS", str(maps))
    with pytest.raises(LoadRejected) as err:
        load_dialect(db, "kr.xml", "KR")
    assert "bad.toml" in err.value.report() and "identifier.number" in err.value.report()


def test_ndata_entities_are_allowed_but_parsed_ones_still_refused(db, tmp_path):
    ndata = (DIALECTS / "us-bulk-ipg.xml").read_text().split('<?xml version="1.0" encoding="UTF-8"?>\n')[1]
    assert "NDATA TIF" in ndata
    mixed = tmp_path / "mixed.xml"
    mixed.write_text('<?xml version="1.0"?>\n' + ndata.replace(
        "<!NOTATION", '<!ENTITY xxe SYSTEM "file:///etc/passwd">\n<!NOTATION', 1))
    with pytest.raises(LoadRejected) as err:
        load_file(xml_request(mixed, provider="US", recipient="EP", dataset="d", scheduled_date="2024-01-08"), db)
    assert "external entities (xxe)" in err.value.report()


def test_metrics_json_lists_batches_and_measured_completeness_per_delivery_and_field(db, capsys):
    import json
    load_dialect(db, "us-bulk-truncated.xml", "EP", recipient="JP", dataset="patent-fulltext",
                 scheduled_date="2024-06-03")
    capsys.readouterr()
    assert main(["metrics", "--json", "--db", str(db)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["xml_batches"] == [{
        "provider": "EP", "recipient": "JP", "dataset": "patent-fulltext", "scheduled_date": "2024-06-03",
        "files": 1, "records": 2, "lost_documents": 1, "dialects": "US grant v4.5 2014-04-03",
        "office_mismatch": "US (2)"}]
    rows_ = summary["measured_completeness"]
    assert len(rows_) == 13 and {r["field"] for r in rows_} == set(ALL_FIELDS)
    abstract = next(r for r in rows_ if r["field"] == "abstract")
    # Documents 1 and 3 were read; 3 has no abstract.
    assert abstract == {"provider": "EP", "recipient": "JP", "dataset": "patent-fulltext",
                        "scheduled_date": "2024-06-03", "field": "abstract", "populated": 1, "records": 2}


def test_documents_joined_without_declarations_are_counted_lost(db, tmp_path):
    # Three ST.36 documents one after the other, the declaration only at the top: the first is
    # read, the two after it ("extra content") are lost, with the line where the second starts.
    fx = _fixture_script()
    docs = [fx.st36_document(n, f"20000{n}", "A1", "20240101", set()) for n in range(1, 4)]
    path = tmp_path / "joined.xml"
    path.write_text(fx.ST36_PROLOG + "".join(docs))
    load_file(xml_request(path, provider="EP", recipient="JP", dataset="d", scheduled_date="2024-01-08"), db)
    assert rows(db, "SELECT records, lost_documents, incomplete FROM xml_batches") == [(1, 2, True)]
    second = [i + 1 for i, line in enumerate(path.read_text().splitlines()) if line.startswith("<patent-document")][1]
    assert rows(db, "SELECT line FROM xml_record_problems WHERE problem = 'not_well_formed'") == [(second,)]


def test_blank_values_are_absent_whatever_the_blank(db, tmp_path):
    # A title of an ideographic space and a no-break space, an applicant with only an empty
    # element, a kind attribute of spaces: none of them is a value.
    fx = _fixture_script()
    doc = fx.st36_document(1, "1000001", "", "20240101", set())
    doc = doc.replace("Synthetic invention number 1", "\u3000\u00a0").replace("<kind></kind>", "")
    doc = doc.replace('<patent-document dtd-version="v1.6"', '<patent-document kind="  " dtd-version="v1.6"')
    doc = doc.replace("<orgname>Example Applicant 1</orgname>", "<orgname/>")
    path = tmp_path / "blank.xml"
    path.write_text(fx.ST36_PROLOG + doc, encoding="utf-8")
    load_file(xml_request(path, provider="EP", recipient="JP", dataset="d", scheduled_date="2024-01-08"), db)
    got = measured(db, "EP")
    assert (got["title"], got["kind"], got["applicant"], got["inventor"], got["publication_number"]) == (0, 0, 0, 1, 1)


def test_a_large_zip_measured_by_workers_gives_the_same_tables(db, tmp_path, monkeypatch):
    import zipfile

    from loaders import xml_batches
    batch = tmp_path / "batch.zip"
    with zipfile.ZipFile(batch, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("us-bulk-ipg.xml", "us-bulk-truncated.xml", "docdb.xml", "ep-b1.xml"):
            zf.write(DIALECTS / name, name)
    tables = ("xml_batches", "xml_batch_files", "xml_record_problems", "delivered_documents", "field_completeness")
    results = []
    for workers, minimum in ((1, 1 << 40), (2, 0)):
        monkeypatch.setattr(xml_batches, "PARALLEL_WORKERS", workers)
        monkeypatch.setattr(xml_batches, "PARALLEL_MIN_BYTES", minimum)
        assert (xml_batches._parallel_members(batch, "batch.zip") is not None) == (workers == 2)
        load_file(xml_request(batch, provider="US", recipient="EP", dataset=f"d{workers}",
                              scheduled_date="2024-01-08"), db)
        results.append({t: rows(db, f"SELECT * EXCLUDE (load_seq) FROM {t} WHERE load_seq = "
                                    f"(SELECT max(load_seq) FROM xml_batches) ORDER BY ALL") for t in tables})
    serial, parallel = results
    for t in tables:
        strip = (lambda rs: [tuple(v for v in r if v not in ("d1", "d2")) for r in rs])
        assert strip(parallel[t]) == strip(serial[t]), t
    assert serial["xml_batches"][0][5:8] == (4, 9, 1)  # files; records 3 + 2 + 3 + 1; not well-formed


def test_two_workers_measure_a_large_zip_by_default_on_two_cores():
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k != "IPDX_XML_WORKERS"}
    probe = ("import os; from loaders import xml_batches as x; "
             "print(x.PARALLEL_WORKERS, min(2, os.cpu_count() or 1), x.PARALLEL_MIN_BYTES)")
    default = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    workers, expected, minimum = default.stdout.split()
    assert workers == expected and int(minimum) == 256 << 20
    none = subprocess.run([sys.executable, "-c", probe], env={**env, "IPDX_XML_WORKERS": "1"},
                          capture_output=True, text=True, check=True)
    assert none.stdout.split()[0] == "1"
