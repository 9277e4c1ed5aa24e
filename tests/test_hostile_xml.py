"""The hostile XML and ST.37 corpus (tests/data/bad_xml/, written by make_bad_xml.py there and
listed in its EXPECTED.toml): every file is rejected on the command line with exit status 1, a
report naming the file, the line (when there is one) and what was expected, and the database,
its file and its archive stay exactly as they were. Directory batches never follow symbolic
links nor widen a file's mode.
"""
from __future__ import annotations

import os
import stat
import tomllib
import zipfile
from pathlib import Path

import pytest
from conftest import file_digest, rows, table_checksums

from loaders.__main__ import main

BAD = Path(__file__).resolve().parent / "data" / "bad_xml"
CASES = tomllib.loads((BAD / "EXPECTED.toml").read_text(encoding="utf-8"))["case"]


def _state(db: Path) -> tuple:
    archive = db.parent / "archive"
    return (table_checksums(db), file_digest(db),
            sorted((p.name, file_digest(p)) for p in archive.iterdir() if p.is_file()) if archive.is_dir() else [])


def _argv(case: dict, db: Path) -> list[str]:
    argv = ["load", case["kind"], str(BAD / case["file"]), "--db", str(db)]
    if case["kind"] == "xml":
        argv += ["--provider", "EP", "--recipient", "JP", "--dataset", "patent-fulltext",
                 "--scheduled-date", "2024-06-03"]
    return argv


def test_corpus_is_small_and_listed():
    assert len(CASES) >= 14 and {c["kind"] for c in CASES} == {"xml", "authority"}
    listed = {c["file"] for c in CASES}
    on_disk = {p.name for p in BAD.iterdir() if p.name not in ("EXPECTED.toml", "make_bad_xml.py")}
    assert listed == on_disk
    assert all((BAD / name).stat().st_size < 1_000_000 for name in listed)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_hostile_file_is_rejected_naming_file_and_line(empty_db, case, capsys):
    before = _state(empty_db)
    assert main(_argv(case, empty_db)) == 1
    report = capsys.readouterr().err
    assert case["file"] in report, report[:2000]
    assert case["fragment"] in report, report[:2000]
    if case["row"]:
        assert f"row {case['row']}" in report, report[:2000]
    assert "Traceback" not in report and "usage error" not in report
    assert _state(empty_db) == before


def test_directory_batch_skips_links_and_keeps_modes(empty_db, tmp_path, capsys):
    # A mode-600 file outside the batch, linked into it; a mode-600 file inside it; a linked folder.
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "make_xml_fixtures", Path(__file__).resolve().parents[1] / "scripts" / "make_xml_fixtures.py")
    fx = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fx)
    secret_dir = tmp_path / "outside"
    secret_dir.mkdir()
    secret = secret_dir / "secret.xml"
    secret.write_text(fx.ST36_PROLOG + fx.st36_document(1, "1999999", "A1", "20240101", set()))
    secret.chmod(0o600)
    batch = tmp_path / "batch"
    batch.mkdir()
    own = batch / "own.xml"
    own.write_text(fx.ST36_PROLOG + fx.st36_document(2, "1000002", "A1", "20240101", set()))
    own.chmod(0o600)
    (batch / "link.xml").symlink_to(secret)
    (batch / "folder").symlink_to(secret_dir, target_is_directory=True)
    assert main(["load", "xml", str(batch), "--provider", "EP", "--recipient", "JP", "--dataset", "d",
                 "--scheduled-date", "2024-06-03", "--db", str(empty_db)]) == 0
    out = capsys.readouterr().out
    assert "symbolic links were left out" in out and "link.xml" in out and "folder/" in out
    # Only the batch's own file was read; the link's target never entered the database or archive.
    assert rows(empty_db, "SELECT publication_number FROM delivered_documents") == [("1000002",)]
    assert rows(empty_db, "SELECT skipped_links FROM xml_batches") == [("folder/; link.xml",)]
    [archived] = [p for p in (empty_db.parent / "archive").iterdir() if p.suffix == ".zip"]
    with zipfile.ZipFile(archived) as zf:
        assert zf.namelist() == ["own.xml"]
        assert stat.S_IMODE(zf.getinfo("own.xml").external_attr >> 16) == 0o600
        assert b"1999999" not in zf.read("own.xml")
    assert stat.S_IMODE(os.stat(secret).st_mode) == 0o600


def test_zip_caps_are_the_documented_ones():
    from loaders import xml_batches
    assert xml_batches.MAX_RATIO == 100
    assert xml_batches.MAX_MEMBER_BYTES < 3_500_000_000 and xml_batches.MAX_TOTAL_BYTES < 5 * 3_000_000_000
