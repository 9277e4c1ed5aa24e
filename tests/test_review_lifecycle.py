"""A survey round walked through draft -> review -> published on a real database file, with the
real pages (AppTest) of each role: the public (nobody signed in), the office user of the office
that contests an entry (JP), the office user of another office (UY) and the secretariat.

What each sees at each step: a draft is seen by the secretariat only; in review each office sees
its own entries (and contests one), the public nothing unless the secretariat shows the round
provisionally (then with the banner); published is public, the contests stay with the
secretariat and each office sees its answers. Public views (home, survey pages, presentation,
their downloads) never show a round before it is public."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import load, rows
from signin import MediaRecorder, chart_strings, open_page, rendered, users_secrets

import loaders
from db.review import round_status_sql
from loaders import review as review_events
from queries import review

ROUND = "ZR99"  # a round name no bundled figure, date or label contains (sorts after the bundled ones)
HEADER = "Office code,Shares data?,Formats,Standards,Sharing challenges,Collecting challenges,Consent\n"
ANSWERS = ("JP,Yes,XML,ST.36,,not collecting data from others,Yes\n"
           "UY,Yes,JSON,ST.36; ST.96,non-standard data formats,,Yes\n"
           "US,Yes,XML; JSON,ST.96,non-standard data formats,,Yes\n"
           "BR,Yes,XML,ST.96,office does not share any IP data,,Yes\n")
CODEBOOK = Path(__file__).resolve().parent / "data" / "survey" / "codebook-r1.toml"
HOSTILE_COMMENT = "We also deliver JSON <script>alert('x')</script> **not bold** [link](javascript:alert(1))"
EVIDENCE = "https://example.org/jp/formats-zr99.pdf"


def _export(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + text, encoding="utf-8")
    return path


def _everything(at, media) -> str:
    """Every text, cell, chart string, download and URL of a rendered page, as one text."""
    shown = rendered(at, media)
    parts = shown["text"] + shown["cells"] + shown["urls"]
    parts += [s for spec in shown["charts"] for s in chart_strings(spec)]
    parts += [blob.decode("utf-8", errors="replace") for blob in shown["downloads"]]
    return "\n".join(parts)


def _status(db: Path) -> str:
    return rows(db, f"SELECT status FROM ({round_status_sql()}) WHERE round = $r", {"r": ROUND})[0][0]


PUBLIC_PAGES = ("dashboard.py", "pages/2_Standards.py", "pages/4_Challenges.py", "pages/11_Presentation.py")


def _public_pages_show_round(db: Path, monkeypatch, media, pages=PUBLIC_PAGES) -> dict[str, bool]:
    """Whether the round appears anywhere on the public `pages` (home, Standards, Challenges and
    Presentation: their texts, tables, charts and downloads) and in the Standards page's round
    choice when the URL asks for it."""
    seen = {}
    for page in pages:
        at = open_page(db, page, monkeypatch)
        assert not at.exception, at.exception
        seen[page] = ROUND in _everything(at, media)
    at = open_page(db, "pages/2_Standards.py", monkeypatch)
    at.query_params["round"] = ROUND
    at.run()
    seen["standards ?round="] = ROUND in at.selectbox(key="round").options or at.selectbox(key="round").value == ROUND
    return seen


def _secretariat_sets(db, monkeypatch, status, until=None, provisional=False):
    at = open_page(db, "pages/9_Manage_data.py", monkeypatch, users_secrets(), "secretariat-1")
    at.selectbox(key="manage-status-round").set_value(ROUND).run()
    at.selectbox(key="manage-status-to").set_value(status).run()
    if until is not None:
        at.date_input(key="manage-status-until").set_value(until)
    if provisional:
        at.checkbox(key="manage-status-provisional").check()
    at.button(key="manage-status-set").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def _review_page(db, monkeypatch, username):
    at = open_page(db, "pages/14_Review.py", monkeypatch, users_secrets(), username)
    assert not at.exception, at.exception
    return at


#: The columns that tell each table of the Review and Manage data pages apart.
TABLES = {"review-entries": {"question_id", "answer", "contest"},
          "review-own-contests": {"contest_id", "comment", "decision"},
          "review-all-contests": {"contest_id", "comment", "decision"},
          "manage-review-audit": {"event", "what"}}


def _by_key(at, key):
    """The table of the page that has the columns of `key` (TABLES)."""
    frames = [d.value for d in at.dataframe if TABLES[key] <= set(d.value.columns)]
    assert len(frames) == 1, f"{len(frames)} tables like {key!r} on the page"
    return frames[0]


def test_a_round_from_draft_through_review_to_published(fresh_bundled_db, tmp_path, monkeypatch):
    db = fresh_bundled_db
    media = MediaRecorder(monkeypatch)
    first = load(db, "survey", _export(tmp_path, "survey-zr99.csv", ANSWERS), ROUND, CODEBOOK)

    # ---- draft: the secretariat only
    assert _status(db) == "draft"
    assert not any(_public_pages_show_round(db, monkeypatch, media).values())
    jp = _review_page(db, monkeypatch, "jp-office")
    assert "No survey round is in review now." in [i.value for i in jp.info]
    secretariat = _review_page(db, monkeypatch, "secretariat-1")
    assert secretariat.selectbox(key="review-round").value == ROUND
    assert "Round ZR99: draft (the secretariat only)." in [m.value for m in secretariat.markdown]
    assert set(_by_key(secretariat, "review-entries")["office"]) == {"JP", "UY", "US", "BR"}

    # ---- review: each office its own entries; the public nothing
    _secretariat_sets(db, monkeypatch, "review", until=dt.date(2026, 12, 31))
    assert _status(db) == "review"
    assert not any(_public_pages_show_round(db, monkeypatch, media, ("dashboard.py",)).values())
    jp = _review_page(db, monkeypatch, "jp-office")
    entries = _by_key(jp, "review-entries")
    assert "office" not in entries  # its own office's entries only
    assert dict(zip(entries["question_id"], entries["answer"]))["formats"] == "XML"
    assert "JSON" not in set(entries["answer"].dropna())  # UY's and US's answers are not shown
    jp.selectbox(key="review-contest-question").set_value("formats")
    jp.text_area(key="review-contest-comment").input(HOSTILE_COMMENT)
    jp.text_input(key="review-contest-url").input(EVIDENCE)
    jp.button(key="review-contest-submit").click().run()
    assert not jp.exception, jp.exception
    assert any("Your contest of formats is recorded" in s.value for s in jp.success)
    own = _by_key(jp, "review-own-contests")
    assert list(own["comment"]) == [HOSTILE_COMMENT] and list(own["decision"]) == ["open"]
    assert dict(zip(_by_key(jp, "review-entries")["question_id"], _by_key(jp, "review-entries")["contest"]))[
        "formats"] == "contested, open"
    # The comment is shown in a table cell, never as Markdown or HTML.
    assert all("<script>" not in m.value for m in jp.markdown)

    uy = _review_page(db, monkeypatch, "uy-office")
    uy_entries = _by_key(uy, "review-entries")
    assert dict(zip(uy_entries["question_id"], uy_entries["answer"]))["formats"] == "JSON"
    assert HOSTILE_COMMENT not in _everything(uy, media) and EVIDENCE not in _everything(uy, media)
    assert "No contest." in [c.value for c in uy.caption]

    secretariat = _review_page(db, monkeypatch, "secretariat-1")
    contests = _by_key(secretariat, "review-all-contests")
    assert list(contests["comment"]) == [HOSTILE_COMMENT] and list(contests["evidence_url"]) == [EVIDENCE]
    assert list(contests["question_id"]) == ["formats"]

    # ---- review, shown provisionally: public, with the banner on every page showing it
    _secretariat_sets(db, monkeypatch, "review", until=dt.date(2026, 12, 31), provisional=True)
    banner = "Provisional: under review by the offices until 2026-12-31 (survey round ZR99)."
    for page in ("dashboard.py", "pages/2_Standards.py", "pages/1_Published_figures.py"):
        at = open_page(db, page, monkeypatch)
        assert banner in [w.value for w in at.warning], page
    assert all(_public_pages_show_round(db, monkeypatch, media).values())
    # ... and back to review without showing it: hidden again.
    _secretariat_sets(db, monkeypatch, "review", until=dt.date(2026, 12, 31))
    assert not any(_public_pages_show_round(db, monkeypatch, media, ("dashboard.py",)).values())

    # ---- the secretariat corrects the entry by a new load and accepts the contest
    corrected = load(db, "survey", _export(tmp_path, "survey-zr99-corrected.csv",
                                           ANSWERS.replace("JP,Yes,XML,", "JP,Yes,XML; JSON,")), ROUND, CODEBOOK)
    assert corrected.seq > first.seq
    secretariat = _review_page(db, monkeypatch, "secretariat-1")
    secretariat.radio(key="review-answer-decision").set_value("accepted").run()
    secretariat.selectbox(key="review-answer-seq").set_value(corrected.seq).run()
    secretariat.button(key="review-answer-submit").click().run()
    assert not secretariat.exception, secretariat.exception
    assert list(_by_key(secretariat, "review-all-contests")["correction_seq"]) == [corrected.seq]

    jp = _review_page(db, monkeypatch, "jp-office")
    own = _by_key(jp, "review-own-contests")
    assert list(own["decision"]) == ["accepted"] and list(own["correction_seq"]) == [corrected.seq]
    assert dict(zip(_by_key(jp, "review-entries")["question_id"], _by_key(jp, "review-entries")["answer"]))[
        "formats"] == "XML; JSON"

    # ---- published: public, no banner; the contests stay with the secretariat
    _secretariat_sets(db, monkeypatch, "published")
    assert _status(db) == "published"
    assert all(_public_pages_show_round(db, monkeypatch, media).values())
    home = open_page(db, "dashboard.py", monkeypatch)
    assert not any("Provisional" in w.value for w in home.warning)
    assert HOSTILE_COMMENT not in _everything(home, media)
    uy = _review_page(db, monkeypatch, "uy-office")  # no round in review, no contest of its own
    assert "No survey round is in review now." in [i.value for i in uy.info]
    secretariat = _review_page(db, monkeypatch, "secretariat-1")
    assert list(_by_key(secretariat, "review-all-contests")["decision"]) == ["accepted"]
    jp = _review_page(db, monkeypatch, "jp-office")  # it still reads the answer to its contest
    assert list(_by_key(jp, "review-own-contests")["decision"]) == ["accepted"]

    # ---- the audit on the Manage data page: who, when, what, in order
    manage = open_page(db, "pages/9_Manage_data.py", monkeypatch, users_secrets(), "secretariat-1")
    audit = _by_key(manage, "manage-review-audit")
    mine = audit[audit["round"] == ROUND]
    assert list(mine["event"]) == ["load", "status", "contest", "status", "status", "load", "answer", "status"]
    assert list(mine["by"]) == ["cli", "secretariat-1", "jp-office", "secretariat-1", "secretariat-1", "cli",
                                "secretariat-1", "secretariat-1"]
    assert mine["what"].iloc[-3].startswith("correction: ")
    # A published round cannot move again (published is final).
    with pytest.raises(loaders.LoadRejected, match="published is final"):
        review_events.set_round_status(ROUND, "review", db_path=db)

    # ---- the database rebuilt from the archive has the same statuses and the same audit
    con = loaders.open_snapshot(db)
    before = (review.round_status(con).to_dict("records"), review.review_audit(con).to_dict("records"))
    con.close()
    loaders.build(db)
    con = loaders.open_snapshot(db)
    try:
        assert (review.round_status(con).to_dict("records"), review.review_audit(con).to_dict("records")) == before
    finally:
        con.close()
