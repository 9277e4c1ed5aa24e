"""The status of a delivery period (a month of the scheduled date), by the rules of a survey
round's (`db.review`, `loaders.review`, `python -m loaders period-status`): a month no event
names is published; the secretariat may hold it back as a draft or in review, then publish it;
published is final; a provider office confirms or contests its figures of a month in review; a
rebuild from the archive reproduces every status, contest and the audit."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import load, rows

import loaders
from loaders import LoadRejected
from loaders import review as review_events
from loaders.__main__ import main
from loaders.review_events import EVENT_COLUMNS
from queries import review

MONTH = "2026-10"


def _period_status(db: Path) -> list[dict]:
    con = loaders.open_snapshot(db)
    try:
        return review.period_status(con)[["period", "status", "until", "show_provisional"]].to_dict("records")
    finally:
        con.close()


def test_a_month_no_event_names_is_published(bundled_db, capsys):
    assert _period_status(bundled_db) == []
    assert main(["period-status", MONTH, "--db", str(bundled_db)]) == 0
    assert capsys.readouterr().out.strip() == f"period {MONTH}: published (by default: no status was set)"
    status = review_events.period_status(MONTH, bundled_db)
    assert (status.status, status.by_default) == ("published", True)


def test_the_secretariat_holds_a_month_back_then_publishes_it(fresh_bundled_db, capsys):
    db = str(fresh_bundled_db)
    assert main(["period-status", MONTH, "draft", "--db", db]) == 0
    assert f"period {MONTH}: published -> draft, recorded as load #" in capsys.readouterr().out
    assert _period_status(fresh_bundled_db)[0]["status"] == "draft"
    # A draft goes to review first; the same command twice changes nothing.
    assert main(["period-status", MONTH, "published", "--db", db]) == 1
    assert "a draft goes to review first" in capsys.readouterr().err
    assert main(["period-status", MONTH, "draft", "--db", db]) == 0
    assert "is already draft; nothing changed" in capsys.readouterr().out
    loads = rows(fresh_bundled_db, "SELECT count(*) FROM loads WHERE kind = 'review'")[0][0]
    assert main(["status", "--json", "--db", db]) == 0
    held, = json.loads(capsys.readouterr().out)["periods"]
    held_on = rows(fresh_bundled_db, "SELECT CAST(recorded_at AS DATE)::VARCHAR FROM review_events "
                                     "WHERE period = $p ORDER BY load_seq LIMIT 1", {"p": MONTH})[0][0]
    assert held == {"period": MONTH, "status": "draft", "until": None, "show_provisional": False,
                    "held_on": held_on}  # the public saw the month: it keeps what it saw
    assert main(["period-status", MONTH, "review", "--until", "2026-12-15", "--show-provisional", "--db", db]) == 0
    capsys.readouterr()
    assert _period_status(fresh_bundled_db) == [{"period": MONTH, "status": "review",
                                                 "until": pd.Timestamp("2026-12-15"), "show_provisional": True}]
    assert rows(fresh_bundled_db, "SELECT count(*) FROM loads WHERE kind = 'review'")[0][0] == loads + 1
    assert main(["period-status", MONTH, "published", "--db", db]) == 0
    capsys.readouterr()
    # Published is final: a correction is a new load of the log.
    assert main(["period-status", MONTH, "draft", "--db", db]) == 1
    assert "published is final" in capsys.readouterr().err
    assert main(["status", "--json", "--db", db]) == 0
    periods = json.loads(capsys.readouterr().out)["periods"]
    assert periods == [{"period": MONTH, "status": "published", "until": None, "show_provisional": False,
                        "held_on": None}]


def test_a_month_published_by_default_moves_only_to_draft_or_review(fresh_bundled_db, capsys):
    assert main(["period-status", MONTH, "published", "--db", str(fresh_bundled_db)]) == 0
    assert "is already published; nothing changed" in capsys.readouterr().out
    with pytest.raises(LoadRejected, match="a status the month may move to"):
        review_events.record_events([{"event": "status", "period": MONTH, "status": "published"}],
                                    loaded_by="test", db_path=fresh_bundled_db)
    assert _period_status(fresh_bundled_db) == []


@pytest.mark.parametrize("argv, message", [
    (["period-status", "2026-13"], "a period is a month as YYYY-MM"),
    (["period-status", "2026-1", "draft"], "a period is a month as YYYY-MM"),
    (["period-status", MONTH, "review", "--until", "15/12/2026"], "--until must be a date"),
])
def test_usage_errors_exit_2(fresh_bundled_db, capsys, argv, message):
    assert main([*argv, "--db", str(fresh_bundled_db)]) == 2
    assert message in capsys.readouterr().err
    assert _period_status(fresh_bundled_db) == []


def _events_file(tmp_path: Path, lines: list[dict]) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(",".join(EVENT_COLUMNS) + "\n" + "".join(
        ",".join(line.get(c, "") for c in EVENT_COLUMNS) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.mark.parametrize("cells, column, expected", [
    ({"event": "status", "status": "draft"}, "round", "either a round or a period"),
    ({"event": "status", "round": "2026", "period": MONTH, "status": "review"}, "round",
     "either a round or a period"),
    ({"event": "status", "period": "2026-00", "status": "draft"}, "period", "a month as YYYY-MM"),
    ({"event": "contest", "period": MONTH, "office": "JP", "dataset": "patent-bibliographic", "comment": "x"},
     "recipient", "a contest of a period needs its recipient"),
    ({"event": "contest", "period": MONTH, "office": "JP", "recipient": "US", "dataset": "patent-bibliographic",
      "question_id": "Q1", "comment": "x"}, "question_id", "an empty cell"),
    ({"event": "contest", "period": MONTH, "office": "JP", "recipient": "US", "dataset": "patent-bibliographic",
      "comment": "x"}, "period", "a period in review"),
])
def test_bad_period_events_are_named_by_row_and_column(fresh_bundled_db, tmp_path, cells, column, expected):
    path = _events_file(tmp_path, [{**cells, "recorded_at": "2026-11-21T10:00:00Z"}])
    with pytest.raises(LoadRejected) as err:
        loaders.load_file(loaders.LoadRequest("review", path, "events.csv", loaded_by="test"), fresh_bundled_db)
    report = err.value.report()
    assert "events.csv" in report and column in report and expected in report
    assert _period_status(fresh_bundled_db) == []


def test_a_provider_confirms_and_contests_its_figures_and_a_rebuild_reproduces_them(fresh_bundled_db):
    db = fresh_bundled_db
    review_events.set_period_status(MONTH, "review", until="2026-12-15", loaded_by="sec", db_path=db)
    review_events.confirm_deliveries(MONTH, "KR", loaded_by="kr-user", db_path=db)
    with pytest.raises(LoadRejected, match="a schedule of provider JP to KR"):
        review_events.contest_deliveries(MONTH, "JP", "KR", "patent-bibliographic", "wrong", loaded_by="jp-user",
                                         db_path=db)
    with pytest.raises(LoadRejected, match="a provider office of a schedule"):
        review_events.confirm_deliveries(MONTH, "FR", loaded_by="fr-user", db_path=db)
    review_events.contest_deliveries(MONTH, "JP", "US", "patent-bibliographic", "The 2026-10-12 batch arrived "
                                     "on time", evidence_url="https://example.org/receipt", loaded_by="jp-user",
                                     db_path=db)
    con = loaders.open_snapshot(db)
    try:
        contests = review.contests(con, period=MONTH)
        assert review.contests(con, round="2026").empty
        confirmed = review.confirmations(con, period=MONTH)
        audit = review.review_audit(con)
    finally:
        con.close()
    assert list(zip(contests["office"], contests["recipient"], contests["dataset"], contests["period"])) == [
        ("JP", "US", "patent-bibliographic", MONTH)]
    assert list(confirmed["office"]) == ["KR"]
    period_rows = audit[audit["period"] == MONTH]
    assert list(period_rows["event"]) == ["status", "confirm", "contest"]
    assert "the deliveries to US of patent-bibliographic: The 2026-10-12" in period_rows["what"].iloc[2]
    contest_id = contests["contest_id"].iloc[0]
    # A rejected contest needs its reason; an answer names the subject of its contest.
    with pytest.raises(LoadRejected, match="the id of a recorded contest of round 2026"):
        review_events.answer_contest("2026", contest_id, "rejected", reason="no", loaded_by="sec", db_path=db)
    review_events.answer_contest(None, contest_id, "rejected", reason="The log shows 2026-10-14", period=MONTH,
                                 loaded_by="sec", db_path=db)
    con = loaders.open_snapshot(db)
    try:
        answered = review.contests(con, period=MONTH)
        before = (review.period_status(con).to_dict("records"), review.review_audit(con).to_dict("records"),
                  review.contests(con).to_dict("records"))
    finally:
        con.close()
    assert (answered["decision"].iloc[0], answered["reason"].iloc[0]) == ("rejected", "The log shows 2026-10-14")
    loaders.build(db)
    con = loaders.open_snapshot(db)
    try:
        after = (review.period_status(con).to_dict("records"), review.review_audit(con).to_dict("records"),
                 review.contests(con).to_dict("records"))
    finally:
        con.close()
    assert after == before



def test_a_round_contest_keeps_the_id_it_had_before_periods(fresh_bundled_db):
    """The answers in an archive name contests by id: a round's contest hashes the same content
    as before periods had keys (period, recipient and dataset are NULL, left out of the hash)."""
    db = fresh_bundled_db
    survey = Path(__file__).resolve().parent / "data" / "survey"
    load(db, "survey", survey / "survey-r1.csv", "2030", survey / "codebook-r1.toml")
    review_events.set_round_status("2030", "review", until="2026-12-31", loaded_by="sec", db_path=db)
    review_events.contest_entry("2030", "JP", "formats", "We deliver JSON too", option_code="JSON",
                                evidence_url="https://example.org/a", loaded_by="jp", db_path=db)
    stored, before_periods = rows(db, """
        SELECT contest_id, left(sha256(concat_ws(chr(31), coalesce(round, ''), coalesce(office, ''),
               coalesce(question_id, ''), coalesce(option_code, ''), coalesce(comment, ''),
               coalesce(evidence_url, ''), coalesce(CAST(recorded_at AS VARCHAR), ''))), 16)
        FROM review_events WHERE event = 'contest'""")[0]
    assert stored == before_periods
    review_events.set_period_status(MONTH, "review", loaded_by="sec", db_path=db)
    review_events.contest_deliveries(MONTH, "JP", "US", "patent-bibliographic", "We deliver JSON too",
                                     loaded_by="jp", db_path=db)
    ids = [r[0] for r in rows(db, "SELECT contest_id FROM review_events WHERE event = 'contest' ORDER BY load_seq")]
    assert len(set(ids)) == 2  # a month's contest hashes its own keys
