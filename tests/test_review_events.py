"""Review events as loads (kind `review`, `loaders.review`, `python -m loaders round-status`): a
bad row is named by file, row and column and nothing changes; the same file or command twice
changes nothing; a rebuild from the archive reproduces every status and the audit; an evidence
address is http(s) only and a comment is stored as written."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BUNDLED, load, rows, table_checksums

import loaders
from loaders import LoadRejected
from loaders import review as review_events
from loaders.__main__ import main
from loaders.review_events import EVENT_COLUMNS
from queries import release, review, survey

FIXTURE = Path(__file__).resolve().parent / "data" / "survey"
ROUND = "2030"


@pytest.fixture
def draft_db(fresh_bundled_db) -> Path:
    """The bundled data plus one newly loaded round (a draft)."""
    load(fresh_bundled_db, "survey", FIXTURE / "survey-r1.csv", ROUND, FIXTURE / "codebook-r1.toml")
    return fresh_bundled_db


def _file(tmp_path: Path, lines: list[str], name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text(",".join(EVENT_COLUMNS) + "\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _row(**cells) -> str:
    return ",".join(cells.get(c, "") for c in EVENT_COLUMNS)


def _status(db: Path, round_: str = ROUND) -> tuple:
    con = loaders.open_snapshot(db)
    try:
        frame = review.round_status(con)
        row = frame[frame["round"] == round_].iloc[0]
        return row["status"], bool(row["public"])
    finally:
        con.close()


def test_bundled_rounds_are_published_and_a_new_round_is_a_draft(draft_db):
    con = loaders.open_snapshot(draft_db)
    try:
        status = dict(zip(review.round_status(con)["round"], review.round_status(con)["status"]))
        assert status == {"2025": "published", "2026": "published", ROUND: "draft"}
        assert review.public_rounds(con) == ["2025", "2026"]
        assert list(survey.survey_rounds(con)["round"]) == ["2025", "2026"]
        assert list(survey.survey_rounds(con, everything=True)["round"]) == ["2025", "2026", ROUND]
        assert ROUND not in set(release.public_option_counts(con, "standards")["round"])
        assert ROUND not in set(release.public_category_counts(con)["round"])
        assert release.public_option_matrix(con, "standards", ROUND).empty
    finally:
        con.close()


def test_a_bad_review_file_is_rejected_naming_row_and_column_and_nothing_changes(draft_db, tmp_path):
    before = table_checksums(draft_db)
    bad = _file(tmp_path, [
        _row(event="status", round=ROUND, status="published", recorded_at="2026-11-01T10:00:00Z"),
        _row(event="contest", round=ROUND, office="JP", question_id="formats", comment="wrong",
             recorded_at="2026-11-01T10:00:00Z"),
        _row(event="status", round="2099", status="review", recorded_at="2026-11-01T10:00:00Z"),
        _row(event="contest", round="2026", office="JP", question_id="formats", comment="x",
             evidence_url="javascript:alert(1)", recorded_at="2026-11-01T10:00:00Z"),
        _row(event="answer", round=ROUND, contest_id="0000000000000000", decision="accepted",
             recorded_at="2026-11-01T10:00:00Z"),
        _row(event="approve", round=ROUND, recorded_at="2026-11-01T10:00:00Z"),
    ])
    with pytest.raises(LoadRejected) as first_pass:
        load(draft_db, "review", bad)
    found = {(p.row, p.column) for p in first_pass.value.problems}
    assert (5, "evidence_url") in found  # not an http(s) address
    assert (6, "correction_seq") in found  # an accepted contest names the correcting load
    assert (7, "event") in found
    assert all(p.file == "events.csv" for p in first_pass.value.problems)
    # The rows that pass the cell rules are checked against the loaded state.
    state = _file(tmp_path, [
        _row(event="status", round=ROUND, status="published", recorded_at="2026-11-01T10:00:00Z"),
        _row(event="contest", round=ROUND, office="JP", question_id="formats", comment="wrong",
             recorded_at="2026-11-01T10:00:00Z"),
        _row(event="status", round="2099", status="review", recorded_at="2026-11-01T10:00:00Z"),
        _row(event="status", round="2026", status="review", recorded_at="2026-11-01T10:00:00Z"),
        _row(event="answer", round=ROUND, contest_id="0000000000000000", decision="rejected", comment="no",
             recorded_at="2026-11-01T10:00:00Z"),
    ], "state.csv")
    with pytest.raises(LoadRejected) as second_pass:
        load(draft_db, "review", state)
    problems = {(p.row, p.column): p.expected for p in second_pass.value.problems}
    assert "a draft goes to review first" in problems[(2, "status")]
    assert "a round in review" in problems[(3, "round")]
    assert problems[(4, "round")] == "a loaded survey round"
    assert "published is final" in problems[(5, "status")]
    assert "the id of a recorded contest" in problems[(6, "contest_id")]
    assert table_checksums(draft_db) == before


def test_the_same_file_or_command_twice_changes_nothing(draft_db, tmp_path):
    path = _file(tmp_path, [_row(event="status", round=ROUND, status="review", until="2026-12-31",
                                 recorded_at="2026-11-01T10:00:00Z")])
    assert load(draft_db, "review", path).status == "loaded"
    after_first = table_checksums(draft_db)
    assert load(draft_db, "review", path).status == "already loaded"
    assert table_checksums(draft_db) == after_first
    # The command line: the status the round already has is not recorded again.
    assert main(["round-status", ROUND, "review", "--until", "2026-12-31", "--db", str(draft_db)]) == 0
    assert table_checksums(draft_db) == after_first
    assert review_events.set_round_status(ROUND, "review", until="2026-12-31", db_path=draft_db) is None


def test_the_command_line_moves_a_round_and_keeps_its_exit_statuses(draft_db, capsys):
    db = ["--db", str(draft_db)]
    assert main(["round-status", ROUND, *db]) == 0
    assert capsys.readouterr().out == f"round {ROUND}: draft\n"
    assert main(["round-status", ROUND, "published", *db]) == 1  # a draft goes to review first
    assert "a draft goes to review first" in capsys.readouterr().err
    assert main(["round-status", ROUND, "review", "--show-provisional", *db]) == 1  # needs --until
    assert main(["round-status", ROUND, "review", "--until", "31/12/2026", *db]) == 2
    assert main(["round-status", "1999", *db]) == 2
    capsys.readouterr()
    assert main(["round-status", ROUND, "review", "--until", "2026-12-31", "--show-provisional", *db]) == 0
    assert "draft -> review until 2026-12-31, shown to the public as provisional" in capsys.readouterr().out
    assert _status(draft_db) == ("review", True)
    assert main(["round-status", ROUND, "published", *db]) == 0
    assert _status(draft_db) == ("published", True)
    assert main(["round-status", ROUND, "draft", *db]) == 1  # published is final
    assert main(["status", *db]) == 0
    assert f"{ROUND}" in capsys.readouterr().out


def test_a_rebuild_reproduces_every_status_and_the_audit(draft_db):
    review_events.set_round_status(ROUND, "review", until="2026-12-31", show_provisional=True, db_path=draft_db)
    contest = review_events.contest_entry(ROUND, "JP", "formats", "We deliver JSON too; see <b>this</b>",
                                          option_code="JSON", evidence_url="HTTPS://example.org/a?b=c&d=e",
                                          loaded_by="jp-office", db_path=draft_db)
    review_events.confirm_entries(ROUND, "KR", loaded_by="kr-office", db_path=draft_db)
    contest_id = rows(draft_db, "SELECT contest_id FROM review_events WHERE event = 'contest'")[0][0]
    review_events.answer_contest(ROUND, contest_id, "rejected", reason="The export says XML only",
                                 loaded_by="secretariat-1", db_path=draft_db)
    review_events.set_round_status(ROUND, "published", loaded_by="secretariat-1", db_path=draft_db)
    assert contest.seq is not None
    con = loaders.open_snapshot(draft_db)
    try:
        before = {"status": review.round_status(con).to_dict("records"),
                  "audit": review.review_audit(con).to_dict("records"),
                  "contests": review.contests(con).to_dict("records")}
        assert before["contests"][0]["comment"] == "We deliver JSON too; see <b>this</b>"  # stored as written
        assert before["contests"][0]["reason"] == "The export says XML only"
    finally:
        con.close()
    events = rows(draft_db, "SELECT * FROM review_events ORDER BY load_seq")
    loaders.build(draft_db)
    con = loaders.open_snapshot(draft_db)
    try:
        after = {"status": review.round_status(con).to_dict("records"),
                 "audit": review.review_audit(con).to_dict("records"),
                 "contests": review.contests(con).to_dict("records")}
    finally:
        con.close()
    assert after == before
    assert rows(draft_db, "SELECT * FROM review_events ORDER BY load_seq") == events
    assert [e["event"] for e in before["audit"] if e["round"] == ROUND] == [
        "load", "status", "contest", "confirm", "answer", "status"]


def test_removing_the_round_that_review_events_name_is_refused(draft_db):
    review_events.set_round_status(ROUND, "review", db_path=draft_db)
    survey_seq = rows(draft_db, "SELECT seq FROM loads WHERE kind = 'survey' AND round = $r", {"r": ROUND})[0][0]
    with pytest.raises(LoadRejected, match="a loaded survey round"):
        loaders.remove_load(survey_seq, draft_db)
    assert _status(draft_db) == ("review", False)


def test_a_correction_of_a_published_round_is_public_at_once(draft_db):
    for status in ("review", "published"):
        review_events.set_round_status(ROUND, status, db_path=draft_db)
    load(draft_db, "survey", FIXTURE / "survey-r2.csv", ROUND, FIXTURE / "codebook-r2.toml")
    assert _status(draft_db) == ("published", True)
    con = loaders.open_snapshot(draft_db)
    try:
        audit = review.review_audit(con)
        assert audit[audit["round"] == ROUND]["what"].iloc[-1] == "correction: survey-r2.csv"
    finally:
        con.close()


def test_a_bundled_round_loaded_again_stays_published(fresh_bundled_db):
    load(fresh_bundled_db, "survey", BUNDLED / "survey-2026.xlsx", "2025", BUNDLED / "codebook-2026.toml")
    assert _status(fresh_bundled_db, "2025") == ("published", True)


def test_an_accepted_answer_names_its_correcting_load_after_an_earlier_load_is_removed(draft_db):
    """The answer names the correcting load by its archived name too, so that removing an
    earlier load (which renumbers every later load) leaves it naming the same load, rebuild
    after rebuild; removing the correcting load itself is refused."""
    earlier = load(draft_db, "survey", FIXTURE / "survey-r1.csv", "2029", FIXTURE / "codebook-r1.toml")
    review_events.set_round_status(ROUND, "review", db_path=draft_db)
    review_events.contest_entry(ROUND, "JP", "formats", "We deliver JSON too", loaded_by="jp-office",
                                db_path=draft_db)
    contest_id = rows(draft_db, "SELECT contest_id FROM review_events WHERE event = 'contest'")[0][0]
    corrected = load(draft_db, "survey", FIXTURE / "survey-r2.csv", ROUND, FIXTURE / "codebook-r2.toml")
    review_events.answer_contest(ROUND, contest_id, "accepted", correction_seq=corrected.seq,
                                 loaded_by="secretariat-1", db_path=draft_db)
    archived = rows(draft_db, "SELECT archived_as FROM loads WHERE seq = $s", {"s": corrected.seq})[0][0]
    assert rows(draft_db, "SELECT correction_seq, correction_file FROM review_events WHERE event = 'answer'") == [
        (corrected.seq, archived)]

    loaders.remove_load(earlier.seq, draft_db)
    for _ in range(2):  # the removal's rebuild, then another
        renumbered = rows(draft_db, "SELECT seq FROM loads WHERE archived_as = $a AND round = $r",
                          {"a": archived, "r": ROUND})[0][0]
        assert renumbered == corrected.seq - 1
        con = loaders.open_snapshot(draft_db)
        try:
            contests = review.contests(con, ROUND)
            audit = review.review_audit(con)
        finally:
            con.close()
        assert list(contests["correction_seq"]) == [renumbered]
        answer = audit[(audit["round"] == ROUND) & (audit["event"] == "answer")]["what"]
        assert list(answer) == [f"contest {contest_id} accepted by load #{renumbered}"]
        loaders.build(draft_db)

    with pytest.raises(LoadRejected, match="correction_file"):
        loaders.remove_load(renumbered, draft_db)
    assert rows(draft_db, "SELECT count(*) FROM loads WHERE archived_as = $a AND round = $r",
                {"a": archived, "r": ROUND}) == [(1,)]


def test_a_hand_written_answer_may_name_its_correcting_load_by_number_or_by_file(draft_db, tmp_path):
    review_events.set_round_status(ROUND, "review", db_path=draft_db)
    review_events.contest_entry(ROUND, "JP", "formats", "JSON too", loaded_by="jp-office", db_path=draft_db)
    review_events.contest_entry(ROUND, "JP", "standards", "ST.96 too", loaded_by="jp-office", db_path=draft_db)
    first, second = (r[0] for r in rows(draft_db, "SELECT contest_id FROM review_events WHERE event = 'contest' "
                                                  "ORDER BY load_seq"))
    corrected = load(draft_db, "survey", FIXTURE / "survey-r2.csv", ROUND, FIXTURE / "codebook-r2.toml")
    archived = rows(draft_db, "SELECT archived_as FROM loads WHERE seq = $s", {"s": corrected.seq})[0][0]
    unknown = "0" * 64 + ".csv"
    with pytest.raises(LoadRejected, match="no load here is") as refused:
        load(draft_db, "review", _file(tmp_path, [
            _row(event="answer", round=ROUND, contest_id=first, decision="accepted", correction_file=unknown,
                 recorded_at="2026-10-01T10:00:00Z")], "unknown.csv"))
    assert [(p.row, p.column) for p in refused.value.problems] == [(2, "correction_file")]
    load(draft_db, "review", _file(tmp_path, [
        _row(event="answer", round=ROUND, contest_id=first, decision="accepted", correction_seq=str(corrected.seq),
             recorded_at="2026-10-01T10:00:00Z"),
        _row(event="answer", round=ROUND, contest_id=second, decision="accepted", correction_file=archived,
             recorded_at="2026-10-01T10:00:00Z")]))
    assert rows(draft_db, "SELECT contest_id, correction_seq, correction_file FROM review_events "
                          "WHERE event = 'answer' ORDER BY source_row") == [
        (first, corrected.seq, None), (second, corrected.seq, archived)]


def test_a_month_answer_names_its_correcting_log_after_an_earlier_load_is_removed(fresh_bundled_db, tmp_path):
    db, month = fresh_bundled_db, "2026-10"
    earlier = load(db, "survey", FIXTURE / "survey-r1.csv", "2029", FIXTURE / "codebook-r1.toml")
    review_events.set_period_status(month, "review", until="2026-12-15", db_path=db)
    review_events.contest_deliveries(month, "JP", "US", "patent-bibliographic", "12 October was on time",
                                     loaded_by="jp-office", db_path=db)
    contest_id = rows(db, "SELECT contest_id FROM review_events WHERE event = 'contest'")[0][0]
    log = tmp_path / "log-correction.csv"
    log.write_text("provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,notice_given,"
                   "notes\nJP,US,patent-bibliographic,XML,ST.96,2026-10-12,2026-10-12,10929,,\n", encoding="utf-8")
    corrected = load(db, "deliveries", log)
    review_events.answer_contest(None, contest_id, "accepted", correction_seq=corrected.seq, period=month,
                                 loaded_by="secretariat-1", db_path=db)
    loaders.remove_load(earlier.seq, db)
    con = loaders.open_snapshot(db)
    try:
        assert list(review.contests(con, period=month)["correction_seq"]) == [corrected.seq - 1]
        assert con.execute("SELECT original_name FROM loads WHERE seq = $s",
                           {"s": corrected.seq - 1}).fetchall() == [("log-correction.csv",)]
    finally:
        con.close()
