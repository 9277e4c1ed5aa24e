"""A contest's evidence as a file: archived with the contest's load under its SHA-256 like any
upload, recorded in the event (archived name and uploaded name), kept by a rebuild, a backup and
the clean-up of leftovers; too big, of another kind or not what its extension says, it is
refused naming the file and nothing changes; the same file twice is archived once. On the
Review page (AppTest: this Streamlit's file_uploader can be set in a test) the office uploads it
in the contest form, and the office and the secretariat download it under its name made safe."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, load, rows, table_checksums
from signin import MediaRecorder, open_page, users_secrets

import loaders
from db.paths import Paths
from deploy import backup as backups
from loaders import LoadRejected, store
from loaders import review as review_events
from queries import review
from ui.review import download_name

ROUND = "2030"
CODEBOOK = FIXTURES / "survey" / "codebook-r1.toml"
PDF = b"%PDF-1.4\n% evidence of JP's JSON deliveries\n%%EOF\n"
SHOWN_NAME = "<img src=x onerror=alert(1)> **formats** [x](javascript:alert(1)).pdf"
HOSTILE_NAME = "../..\\reports/" + SHOWN_NAME


@pytest.fixture
def review_db(fresh_bundled_db) -> Path:
    """The bundled data plus round 2030, in review (JP and KR among its respondents)."""
    load(fresh_bundled_db, "survey", FIXTURES / "survey" / "survey-r1.csv", ROUND, CODEBOOK)
    review_events.set_round_status(ROUND, "review", until="2026-12-31", db_path=fresh_bundled_db)
    return fresh_bundled_db


def _contest(db, comment="We deliver JSON too", evidence=PDF, name="formats-2030.pdf", office="JP"):
    return review_events.contest_entry(ROUND, office, "formats", comment, evidence=evidence, evidence_name=name,
                                       loaded_by=f"{office.lower()}-office", db_path=db)


def _contests(db) -> list[dict]:
    con = loaders.open_snapshot(db)
    try:
        return review.contests(con).to_dict("records")
    finally:
        con.close()


def test_a_contest_with_a_file_archives_and_records_it(review_db):
    result = _contest(review_db)
    archived = hashlib.sha256(PDF).hexdigest() + ".pdf"
    archive = Paths.of(review_db).archive
    assert (archive / archived).read_bytes() == PDF
    (contest,) = _contests(review_db)
    assert (contest["evidence_file"], contest["evidence_name"]) == (archived, "formats-2030.pdf")
    assert review_events.evidence_bytes(archived, review_db) == PDF
    # The manifest names the file with its load, as it names a load's file.
    entry = next(e for e in store.read_manifest(Paths.of(review_db)) if e["seq"] == result.seq)
    assert json.loads(entry["options"])["attachments"] == [archived]
    # The audit says a file was attached.
    con = loaders.open_snapshot(review_db)
    try:
        audit = review.review_audit(con)
    finally:
        con.close()
    assert audit["what"].str.contains("(evidence file: formats-2030.pdf)", regex=False).any()
    # Only a name of the archive's form is read back, never a path.
    with pytest.raises(ValueError):
        review_events.evidence_bytes("../ipdx.duckdb", review_db)


def test_a_rebuild_a_restart_and_a_backup_keep_the_evidence_file(review_db, tmp_path):
    _contest(review_db)
    before = _contests(review_db)
    loaders.build(review_db)
    assert _contests(review_db) == before
    # The open-time clean-up of leftovers (files no load names) leaves the attachment alone.
    archived = Paths.of(review_db).archive / before[0]["evidence_file"]
    store.recover(Paths.of(review_db))
    loaders.ensure_database(review_db)
    assert archived.read_bytes() == PDF
    # A backup holds it and a restore rebuilds the contest with it.
    copy = backups.backup(review_db, tmp_path / "backups")
    assert (copy / "archive" / archived.name).read_bytes() == PDF
    restored = tmp_path / "restored" / "ipdx.duckdb"
    backups.restore(copy, restored)
    assert _contests(restored)[0]["evidence_file"] == archived.name
    assert review_events.evidence_bytes(archived.name, restored) == PDF


def test_a_removed_contest_keeps_its_file_in_the_archive(review_db):
    result = _contest(review_db)
    archived = Paths.of(review_db).archive / _contests(review_db)[0]["evidence_file"]
    record = store.remove_load(result.seq, review_db)
    assert _contests(review_db) == []
    assert json.loads(record["options"])["attachments"] == [archived.name]
    store.recover(Paths.of(review_db))  # the raw bytes of a removed load stay, as its file's do
    assert archived.read_bytes() == PDF


def test_a_rebuild_without_the_archived_file_is_refused(review_db):
    _contest(review_db)
    (Paths.of(review_db).archive / _contests(review_db)[0]["evidence_file"]).unlink()
    with pytest.raises(LoadRejected, match="archive is incomplete"):
        loaders.build(review_db)


@pytest.mark.parametrize("name, content, expected", [
    ("big.pdf", b"%PDF-" + b"0" * review_events.MAX_EVIDENCE_BYTES, "at most 10 MB"),
    ("page.html", b"<html><script>alert(1)</script></html>", "one of the kinds CSV, JPG, PDF, PNG, TXT, XLSX"),
    ("not-really.pdf", b"MZ\x90\x00 an executable", "the content of a PDF file"),
    ("photo.jpeg", b"\x89PNG\r\n\x1a\n", "the content of a JPG file"),
    ("notes.txt", b"\xff\xfe\x00binary", "UTF-8 text"),
    ("empty.csv", b"", "with content"),
])
def test_a_file_refused_names_itself_and_changes_nothing(review_db, name, content, expected):
    before = table_checksums(review_db)
    files = set(Paths.of(review_db).archive.iterdir())
    with pytest.raises(LoadRejected) as rejected:
        _contest(review_db, evidence=content, name=name)
    (problem,) = rejected.value.problems
    assert problem.file == name and problem.column == "evidence_file" and expected in problem.expected
    assert table_checksums(review_db) == before
    assert set(Paths.of(review_db).archive.iterdir()) == files


def test_the_same_file_twice_is_archived_once(review_db):
    archive = Paths.of(review_db).archive
    files = set(archive.iterdir())
    _contest(review_db, comment="first contest")
    _contest(review_db, comment="the same evidence for another entry", office="KR")
    added = set(archive.iterdir()) - files
    assert len([f for f in added if f.suffix == ".pdf"]) == 1  # plus the two one-row review files
    contests = _contests(review_db)
    assert len(contests) == 2 and len({c["evidence_file"] for c in contests}) == 1


def test_a_review_file_names_only_its_own_attachments(review_db, tmp_path):
    _contest(review_db)
    archived = _contests(review_db)[0]["evidence_file"]
    from loaders.review_events import review_csv
    path = tmp_path / "events.csv"
    path.write_bytes(review_csv([{"event": "contest", "round": ROUND, "office": "KR", "question_id": "formats",
                                  "comment": "borrowing JP's file", "evidence_file": archived,
                                  "evidence_name": "theirs.pdf", "recorded_at": "2026-11-02T10:00:00Z"}]))
    with pytest.raises(LoadRejected) as rejected:
        load(review_db, "review", path)
    assert [(p.column, p.value) for p in rejected.value.problems] == [("evidence_file", archived)]


def test_an_uploaded_name_is_kept_as_text_and_made_safe_to_download(review_db):
    _contest(review_db, name=HOSTILE_NAME)
    (contest,) = _contests(review_db)
    # Its last path part, as text (shown in table cells and escaped labels only).
    assert contest["evidence_name"] == SHOWN_NAME
    safe = download_name(contest["evidence_name"], contest["evidence_file"])
    assert safe.endswith(".pdf") and not set(safe) & set("<>/\\*[]:\"'")
    assert download_name("photo.JPEG", "a" * 64 + ".jpg") == "photo.jpg"
    assert download_name("..", "a" * 64 + ".txt") == "evidence.txt"


# ------------------------------------------------------------------ the Review page

def _review_page(db, monkeypatch, username):
    at = open_page(db, "pages/14_Review.py", monkeypatch, users_secrets(), username)
    assert not at.exception, at.exception
    return at


def _unescaped(markdown: str) -> bool:
    """Whether the uploaded name's Markdown or HTML is in `markdown` unescaped (a tag, a bold, a link)."""
    return bool(re.search(r"(?<!\\)<img|(?<!\\)\*(?<!\\)\*formats|(?<!\\)\[x", markdown))


def _evidence_buttons(at) -> list:
    return [b for b in at.get("download_button") if "-evidence-" in (b.proto.id or "") or
            b.proto.label.startswith("Evidence of contest")]


def test_the_office_uploads_evidence_and_both_sides_download_it(review_db, monkeypatch):
    media = MediaRecorder(monkeypatch)
    jp = _review_page(review_db, monkeypatch, "jp-office")
    jp.selectbox(key="review-contest-question").set_value("formats")
    jp.text_area(key="review-contest-comment").input("We deliver JSON too")
    jp.file_uploader(key="review-contest-file").set_value((HOSTILE_NAME, PDF, "application/pdf"))
    jp.button(key="review-contest-submit").click().run()
    assert not jp.exception, jp.exception
    assert not jp.error, [e.value for e in jp.error]
    assert any("Your contest of formats is recorded" in s.value for s in jp.success)
    (contest,) = _contests(review_db)
    assert contest["evidence_file"] == hashlib.sha256(PDF).hexdigest() + ".pdf"
    # The uploaded name reaches no Markdown unescaped.
    assert not any(_unescaped(m.value) for m in jp.markdown)
    for username in ("jp-office", "secretariat-1"):
        at = _review_page(review_db, monkeypatch, username)
        (button,) = _evidence_buttons(at)
        assert "\\<img" in button.proto.label and not _unescaped(button.proto.label)
        assert media.bytes_of(button) == PDF
    # Another office sees neither the contest nor its file.
    assert not _evidence_buttons(_review_page(review_db, monkeypatch, "uy-office"))


def test_the_form_refuses_a_file_over_the_cap_naming_it(review_db, monkeypatch):
    before = table_checksums(review_db)
    jp = _review_page(review_db, monkeypatch, "jp-office")
    jp.selectbox(key="review-contest-question").set_value("formats")
    jp.text_area(key="review-contest-comment").input("See the scan")
    jp.file_uploader(key="review-contest-file").set_value(
        ("scan.pdf", b"%PDF-" + b"0" * (review_events.MAX_EVIDENCE_BYTES + 1), "application/pdf"))
    jp.button(key="review-contest-submit").click().run()
    assert not jp.exception, jp.exception
    errors = [e.value.replace("\\", "") for e in jp.error]
    assert any("scan.pdf" in e and "at most 10 MB" in e and "Nothing was recorded" in e for e in errors), errors
    assert table_checksums(review_db) == before


def test_the_form_without_a_file_records_no_evidence_file(review_db, monkeypatch):
    jp = _review_page(review_db, monkeypatch, "jp-office")
    jp.selectbox(key="review-contest-question").set_value("formats")
    jp.text_area(key="review-contest-comment").input("No file this time")
    jp.button(key="review-contest-submit").click().run()
    assert not jp.exception, jp.exception
    (contest,) = _contests(review_db)
    assert contest["evidence_file"] is None and contest["evidence_name"] is None
    assert not _evidence_buttons(jp)
    assert rows(review_db, "SELECT count(*) FROM review_events WHERE evidence_file IS NOT NULL")[0][0] == 0


# ------------------------------------------------------------------ a delivery period's contest

MONTH = "2026-10"
CSV_EVIDENCE = b"scheduled_date,delivered_at\n2026-10-12,2026-10-12T09:00:00Z\n"


def test_a_month_contest_takes_an_evidence_file_kept_by_a_rebuild(fresh_bundled_db, monkeypatch):
    db = fresh_bundled_db
    review_events.set_period_status(MONTH, "review", until="2026-12-15", db_path=db)
    media = MediaRecorder(monkeypatch)
    jp = _review_page(db, monkeypatch, "jp-office")
    jp.selectbox(key="review-period-contest-schedule").set_value("US|patent-bibliographic")
    jp.text_area(key="review-period-contest-comment").input("The batch to US arrived on time")
    jp.file_uploader(key="review-period-contest-file").set_value(("us-log <b>.csv", CSV_EVIDENCE, "text/csv"))
    jp.button(key="review-period-contest-submit").click().run()
    assert not jp.exception, jp.exception
    assert not jp.error, [e.value for e in jp.error]
    (contest,) = _contests(db)
    assert contest["period"] == MONTH and contest["recipient"] == "US"
    assert (contest["evidence_file"], contest["evidence_name"]) == (
        hashlib.sha256(CSV_EVIDENCE).hexdigest() + ".csv", "us-log <b>.csv")
    for username in ("jp-office", "secretariat-1"):
        at = _review_page(db, monkeypatch, username)
        (button,) = _evidence_buttons(at)
        assert "\\<b\\>" in button.proto.label  # escaped: shown as text
        assert media.bytes_of(button) == CSV_EVIDENCE
    assert not _evidence_buttons(_review_page(db, monkeypatch, "uy-office"))
    before = _contests(db)
    loaders.build(db)
    assert _contests(db) == before
    assert review_events.evidence_bytes(contest["evidence_file"], db) == CSV_EVIDENCE


def test_a_month_contest_refuses_a_file_of_another_kind_and_records_nothing(fresh_bundled_db):
    review_events.set_period_status(MONTH, "review", until="2026-12-15", db_path=fresh_bundled_db)
    before = table_checksums(fresh_bundled_db)
    with pytest.raises(LoadRejected) as rejected:
        review_events.contest_deliveries(MONTH, "JP", "US", "patent-bibliographic", "see the page",
                                         evidence=b"<html></html>", evidence_name="log.html", loaded_by="jp-office",
                                         db_path=fresh_bundled_db)
    (problem,) = rejected.value.problems
    assert problem.file == "log.html" and problem.column == "evidence_file"
    assert table_checksums(fresh_bundled_db) == before


def _profile(db, monkeypatch, username, office="JP"):
    at = open_page(db, "pages/8_Office_profile.py", monkeypatch, users_secrets(), username)
    at.selectbox(key="office").set_value(office).run()
    assert not at.exception, at.exception
    return at


def test_the_office_profile_lists_the_office_s_contests_to_it_and_the_secretariat_only(review_db, monkeypatch):
    """'Show the contested entries': JP's profile lists JP's contest with its comment and its
    evidence for JP's user and the secretariat; the public and another office see no such
    section (a contest's comment may tell an answer the office did not consent to show)."""
    _contest(review_db, comment="We deliver JSON too, since March")
    for username in ("jp-office", "secretariat-1"):
        at = _profile(review_db, monkeypatch, username)
        assert "Contested entries" in [h.value for h in at.subheader], username
        (table,) = [t for t in at.dataframe if "comment" in t.value.columns]
        assert list(table.value["comment"]) == ["We deliver JSON too, since March"]
        assert list(table.value["question_id"]) == ["formats"]
        assert len(_evidence_buttons(at)) == 1
    for username in (None, "uy-office"):
        at = _profile(review_db, monkeypatch, username)
        assert "Contested entries" not in [h.value for h in at.subheader], username
        assert not _evidence_buttons(at)
    # UY's own profile shows UY's (no) contests to UY, not JP's.
    at = _profile(review_db, monkeypatch, "uy-office", office="UY")
    assert not any("comment" in t.value.columns and len(t.value) for t in at.dataframe)
