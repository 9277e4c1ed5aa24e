"""ST.37 authority files (text and XML forms) and coverage against delivered XML batches.

Expected numbers, worked out from scripts/make_xml_fixtures.py:
EP authority file lists 1000001..1000015 (ranges 1000005-06 and 1000013-15), 1000011 withdrawn.
The EP batch delivers 1000001..06, 08, 09, 10 and 1000099 (document 7 has no number).
- A1 2023: 1000001, 1000003 expected and covered.              -> 2 / 2
- B1 2023: 1000002.                                             -> 1 / 1
- A1 2024: 05, 06, 07, 08, 09, 12, 13, 14, 15 expected (11 is withdrawn: excepted);
  05, 06, 08, 09 covered; 07, 12, 13, 14, 15 missing; 1000099 is an extra. -> 4 / 9
- B1 2024: 1000004, 1000010.                                    -> 2 / 2
JP authority file lists 2024000101..108 (103-106 as a range), 107 never published (N); the JP
batch delivers 101, 102, 103, 105, 106 -> A 2024: 5 covered of 7 expected, missing 104 and 108.
"""
import pytest
from conftest import FIXTURES, load, table_checksums

from loaders import LoadRejected, LoadRequest, load_file, open_snapshot, remove_load
from loaders.xml_batches import zip_directory
from queries import coverage

XML = FIXTURES / "xml"


def load_all(db):
    load_file(LoadRequest("xml", zip_directory(XML / "st36-batch"), "st36-batch.zip", options={
        "provider": "EP", "recipient": "JP", "dataset": "patent-fulltext", "scheduled_date": "2024-06-03"}), db)
    load_file(LoadRequest("xml", XML / "st96-batch.xml", "st96-batch.xml", options={
        "provider": "JP", "recipient": "EP", "dataset": "patent-bibliographic", "scheduled_date": "2024-07-01"}), db)
    load(db, "authority", XML / "ep-authority.txt")
    load(db, "authority", XML / "jp-authority.xml")


@pytest.fixture
def loaded_db(empty_db):
    load_all(empty_db)
    return empty_db


def query(db, fn, **kwargs):
    con = open_snapshot(db)
    try:
        return fn(con, **kwargs)
    finally:
        con.close()


def test_authority_files_expand_ranges_and_honour_exception_codes(loaded_db):
    con = open_snapshot(loaded_db)
    try:
        assert con.execute("SELECT office, form, entries, documents FROM authority_files ORDER BY 1").fetchall() == [
            ("EP", "text", 12, 15), ("JP", "xml", 5, 8)]
        assert con.execute("SELECT publication_number, exception_code, expected FROM authority_documents "
                           "WHERE NOT expected ORDER BY 1").fetchall() == [
            ("1000011", "W", False), ("2024000107", "N", False)]
        assert [r[0] for r in con.execute("SELECT publication_number FROM authority_documents "
                                          "WHERE office = 'JP' ORDER BY 1").fetchall()] == [
            f"2024000{n}" for n in range(101, 109)]
    finally:
        con.close()


def test_coverage_by_kind_and_year(loaded_db):
    cov = query(loaded_db, coverage.coverage_by_kind_year)
    got = {(r.office, r.kind, int(r.year)): (r.expected, r.covered, r.missing, r.excepted, r.extra)
           for r in cov.itertuples()}
    assert got == {("EP", "A1", 2023): (2, 2, 0, 0, 0), ("EP", "B1", 2023): (1, 1, 0, 0, 0),
                   ("EP", "A1", 2024): (9, 4, 5, 1, 1), ("EP", "B1", 2024): (2, 2, 0, 0, 0),
                   ("JP", "A", 2024): (7, 5, 2, 1, 0)}
    ep_a1_2024 = cov[(cov.office == "EP") & (cov.kind == "A1") & (cov.year == 2024)].iloc[0]
    assert ep_a1_2024.coverage == pytest.approx(4 / 9)


def test_missing_and_extra_documents(loaded_db):
    missing = query(loaded_db, coverage.missing_documents)
    assert list(zip(missing.office, missing.publication_number)) == [
        ("EP", "1000007"), ("EP", "1000012"), ("EP", "1000013"), ("EP", "1000014"), ("EP", "1000015"),
        ("JP", "2024000104"), ("JP", "2024000108")]
    extras = query(loaded_db, coverage.extra_documents, office="EP")
    assert list(extras.publication_number) == ["1000099"]
    assert extras.file.iloc[0] == "st36-batch.zip/part-2.xml" and extras.line.iloc[0] > 1


def test_a_new_authority_file_replaces_the_office_s_previous_one(loaded_db, tmp_path):
    smaller = tmp_path / "ep-2.csv"
    smaller.write_text("office,publication number,kind,publication date\nEP,1000001,A1,20230301\n")
    result = load(loaded_db, "authority", smaller)
    assert result.corrected_rows == 1 and "replaces the previous file, 15 numbers" in result.notes[0]
    cov = query(loaded_db, coverage.coverage_by_kind_year, office="EP")
    assert int(cov.expected.sum()) == 1 and int(cov.covered.sum()) == 1


def _keys_match_their_row_tables(db) -> None:
    """The coverage keys (db.coverage_keys) equal the grouping of the row tables they summarise."""
    con = open_snapshot(db)
    try:
        for kept, grouped in (
                ("SELECT * FROM authority_keys", "SELECT office, number_key, kind, year(publication_date), "
                 "bool_or(expected) FROM authority_documents GROUP BY ALL"),
                ("SELECT * FROM delivered_keys", "SELECT office, number_key, kind, min(publication_date) "
                 "FROM delivered_documents GROUP BY ALL")):
            assert sorted(con.execute(kept).fetchall(), key=repr) == sorted(con.execute(grouped).fetchall(), key=repr)
    finally:
        con.close()


def test_the_coverage_keys_follow_every_change_of_their_tables(loaded_db, tmp_path):
    assert query(loaded_db, lambda con: con.execute("SELECT count(*) FROM delivered_keys").fetchall()[0][0]) > 0
    _keys_match_their_row_tables(loaded_db)
    # The same delivery again, with one document fewer and one more: the earlier batch is replaced.
    batch = tmp_path / "batch"
    (batch).mkdir()
    for part in sorted((XML / "st36-batch").iterdir()):
        (batch / part.name).write_bytes(part.read_bytes().replace(b"1000099", b"1000098"))
    load_file(LoadRequest("xml", zip_directory(batch), "st36-batch-2.zip", options={
        "provider": "EP", "recipient": "JP", "dataset": "patent-fulltext", "scheduled_date": "2024-06-03"}), loaded_db)
    _keys_match_their_row_tables(loaded_db)
    extras = query(loaded_db, coverage.extra_documents, office="EP")
    assert list(extras.publication_number) == ["1000098"]
    assert int(query(loaded_db, coverage.coverage_by_kind_year, office="EP").extra.sum()) == 1
    # Another recipient of the same documents: the keys stay distinct.
    load_file(LoadRequest("xml", zip_directory(batch), "st36-batch-3.zip", options={
        "provider": "EP", "recipient": "US", "dataset": "patent-fulltext", "scheduled_date": "2024-06-03"}), loaded_db)
    _keys_match_their_row_tables(loaded_db)
    assert int(query(loaded_db, coverage.coverage_by_kind_year, office="EP").extra.sum()) == 1
    # A new authority file replaces the office's keys; a rebuild without a load recomputes them.
    smaller = tmp_path / "ep-2.csv"
    smaller.write_text("office,publication number,kind,publication date\nEP,1000001,A1,20230301\n")
    load(loaded_db, "authority", smaller)
    _keys_match_their_row_tables(loaded_db)
    first_xml = query(loaded_db, lambda con: con.execute("SELECT min(seq) FROM loads WHERE kind = 'xml'")
                      .fetchall()[0][0])
    remove_load(first_xml, loaded_db)
    _keys_match_their_row_tables(loaded_db)


def test_headerless_text_form_uses_the_st37_order(empty_db, tmp_path):
    plain = tmp_path / "ep.txt"
    plain.write_text("EP\t1000001\tA1\t20230301\nEP\t1000002\tB1\t2023-06-07\tW\n")
    assert load(empty_db, "authority", plain).rows == 2
    con = open_snapshot(empty_db)
    assert con.execute("SELECT publication_number, kind, publication_date::VARCHAR, expected "
                       "FROM authority_documents ORDER BY 1").fetchall() == [
        ("1000001", "A1", "2023-03-01", True), ("1000002", "B1", "2023-06-07", False)]
    con.close()


def test_bad_authority_file_lists_every_problem_with_line_and_column(empty_db):
    before = table_checksums(empty_db)
    with pytest.raises(LoadRejected) as err:
        load(empty_db, "authority", XML / "bad" / "authority-errors.txt")
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(2, "office"), (3, "kind"), (4, "publication date"), (5, "exception code"),
                     (6, "range end"), (7, "publication number")}
    assert table_checksums(empty_db) == before


@pytest.mark.parametrize("name", ["authority-billion-laughs.xml", "authority-xxe.xml"])
def test_hostile_authority_xml_is_refused(empty_db, name):
    before = table_checksums(empty_db)
    with pytest.raises(LoadRejected) as err:
        load(empty_db, "authority", XML / "bad" / name)
    assert "refused for safety" in err.value.report() and "EntitiesForbidden" in err.value.report()
    assert table_checksums(empty_db) == before


def test_epo_style_semicolon_csv_with_quotes_notes_and_extra_columns(empty_db, tmp_path):
    # As the EPO publishes its file: ';'-separated, quoted, headers with notes, more columns than
    # ST.37's elements (ignored, and the load says which), and the exception code E.
    epo = tmp_path / "EP_authority_file.csv"
    epo.write_text('"Country_Code";"Publication_Number";"Kind_Code";"Publication_Date (YYYYMMDD)";'
                   '"Exception_Code";"Application_Number"\n'
                   '"EP";"0000001";"A1";"19781220";"";"78300001"\n'
                   '"EP";"0000002";"A1";"19781220";"E";"78300002"\n', encoding="utf-8")
    result = load(empty_db, "authority", epo)
    assert result.rows == 2
    assert "ignored: Application_Number" in " ".join(result.notes)
    con = open_snapshot(empty_db)
    assert con.execute("SELECT publication_number, number_key, exception_code, expected FROM "
                       "authority_documents ORDER BY 1").fetchall() == [
        ("0000001", "1", None, True), ("0000002", "2", "E", False)]
    con.close()


def test_exception_codes_come_from_the_table(empty_db, tmp_path, monkeypatch):
    from loaders import st37
    entry = tmp_path / "ep.txt"
    entry.write_text("office;publication number;kind;publication date;exception code\nEP;1;A1;20240101;X\n")
    with pytest.raises(LoadRejected) as err:
        load(empty_db, "authority", entry)
    report = err.value.report()
    # The refusal lists the allowed codes and says where an office's own code goes.
    assert "row 2, column 'exception code': value 'X'" in report and "W (withdrawn" in report
    assert "data/reference/st37-exception-codes.csv" in report
    table = tmp_path / "codes.csv"
    table.write_text(st37.EXCEPTION_CODES_FILE.read_text(encoding="utf-8")
                     + "X,office-specific: number reserved,no,reserved\n", encoding="utf-8")
    monkeypatch.setattr(st37, "EXCEPTION_CODES_FILE", table)
    assert load(empty_db, "authority", entry).rows == 1
    con = open_snapshot(empty_db)
    assert con.execute("SELECT exception_code, expected FROM authority_documents").fetchall() == [("X", False)]
    con.close()


def test_ranges_expand_in_sql_keeping_zero_padding(empty_db, tmp_path):
    ranges = tmp_path / "ranges.txt"
    ranges.write_text("office;publication number;kind;publication date;exception code;range end\n"
                      "EP;0099998;A1;20240101;;0100001\nEP;7;B1;20240101;withdrawn;9\n")
    assert load(empty_db, "authority", ranges).rows == 7
    con = open_snapshot(empty_db)
    assert con.execute("SELECT publication_number, number_key, kind, exception_code FROM authority_documents "
                       "ORDER BY number_key::BIGINT").fetchall() == [
        ("7", "7", "B1", "W"), ("8", "8", "B1", "W"), ("9", "9", "B1", "W"),
        ("0099998", "99998", "A1", None), ("0099999", "99999", "A1", None),
        ("0100000", "100000", "A1", None), ("0100001", "100001", "A1", None)]
    con.close()
