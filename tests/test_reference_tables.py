"""The shipped reference tables the UI reads through `queries` (no file read in ui/): the offices'
names in the interface's languages (data/reference/office-names.csv, loaded into every snapshot)
and the list of bundled codebooks (`loaders.store.bundled_codebooks`)."""
from __future__ import annotations

import csv

import pytest
from conftest import FIXTURES, load

import loaders
from loaders import LoadRejected
from loaders import reference as reference_loader
from loaders.store import BUNDLED_LOADS, bundled_codebooks
from queries import reference

KNOWN = {"EP", "WO", "JP"}


def _names_in_the_file() -> dict[str, dict[str, str]]:
    with reference_loader.OFFICE_NAMES_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: {k: v for k, v in row.items() if k != "code" and v} for row in csv.DictReader(fh)}


def test_the_snapshot_holds_every_name_of_office_names_csv(bundled_db):
    con = loaders.open_snapshot(bundled_db)
    try:
        translated = reference.office_name_translations(con)
    finally:
        con.close()
    assert translated == _names_in_the_file()
    assert set(translated) == {"EP", "EM", "WO", "IB", "AP", "OA", "EA", "GC"}
    assert translated["EP"]["fr"] == "Office européen des brevets" and translated["WO"]["zh"] == "产权组织国际局"
    assert all(set(names) == {"en", "ar", "zh", "fr", "ru", "es"} for names in translated.values())


def test_a_changed_office_names_file_reaches_the_next_snapshot(empty_db, tmp_path, monkeypatch):
    changed = tmp_path / "office-names.csv"
    changed.write_text(reference_loader.OFFICE_NAMES_FILE.read_text(encoding="utf-8").replace(
        "Office européen des brevets", "Office européen des brevets (OEB)"), encoding="utf-8")
    monkeypatch.setattr(reference_loader, "OFFICE_NAMES_FILE", changed)
    monkeypatch.setattr(reference_loader, "REFERENCE_FILES", (reference_loader.OFFICES_FILE, changed,
                                                              reference_loader.PUBLISHED_FILE))
    load(empty_db, "schedule", FIXTURES / "delivery" / "schedule.csv")  # a load refreshes the reference tables
    con = loaders.open_snapshot(empty_db)
    try:
        assert reference.office_name_translations(con)["EP"]["fr"] == "Office européen des brevets (OEB)"
    finally:
        con.close()


@pytest.mark.parametrize("text, expected", [
    ("office,fr\nEP,Office européen des brevets\n",
     [(1, None, "a header whose first column is 'code'")]),
    ("code,fr,French\nEP,Office européen des brevets,x\n",
     [(1, "French", "one column per language, named by its ISO 639 code (e.g. fr)")]),
    ("code,fr\nEP,Office européen des brevets\nXX,Office inconnu\nEP,Encore\nWO\n",
     [(3, "code", "an ST.3 code of data/reference/offices.csv"), (4, "code", "each office once"),
      (5, None, "2 fields, as in the header")]),
])
def test_a_bad_office_names_file_is_refused_naming_row_and_column(tmp_path, text, expected):
    path = tmp_path / "office-names.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadRejected) as refused:
        reference_loader.office_name_rows(path, KNOWN)
    assert [(p.row, p.column, p.expected) for p in refused.value.problems] == expected
    assert all(p.file == "office-names.csv" for p in refused.value.problems)


def test_office_name_rows_keep_each_non_empty_name_trimmed(tmp_path):
    path = tmp_path / "office-names.csv"
    path.write_text("code,fr,es\n EP , Office européen des brevets ,\n\nWO,,Oficina Internacional\n",
                    encoding="utf-8")
    assert reference_loader.office_name_rows(path, KNOWN) == [
        ("EP", "fr", "Office européen des brevets"), ("WO", "es", "Oficina Internacional")]


def test_bundled_codebooks_are_the_shipped_codebook_files():
    found = bundled_codebooks()
    assert [p.name for p in found] == sorted({codebook for *_, codebook in BUNDLED_LOADS if codebook})
    assert all(p.is_file() for p in found)
