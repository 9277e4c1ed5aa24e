"""Office profile and peer comparison on a small hand-made fixture (tests/data/peers/), with the
expected peer medians and percentiles worked out by hand below.

Survey round 2031 (codebook tests/data/peers/codebook.toml), options ticked per office:

    office kind/region            standards  data types  formats  challenges (sharing)
    JP  national, Asia-Pacific        3           1          1          1
    KR  national, Asia-Pacific        2           2          2          2
    CN  national, Asia-Pacific        1           3          1          3
    AU  national, Asia-Pacific        4           2          2          1
    US  national, North America       2           3          2          2
    CA  national, North America       1           1          2          3
    GB  national, Europe          (blank)         2          2          2
    BR  national, Latin America       1           1          1          3
    EP  regional, Europe              3           3          2          1
    HN  national, Latin America       2           2          1          3   (no consent)

The figures below are the secretariat's (nothing hidden). A public viewer's peers leave out HN
and the offices whose cells complementary suppression withholds (docs/disclosure.md): see
`test_public_peers_leave_out_hidden_and_suppressed_offices`.
JP, peer group "all offices with a value" (JP itself never a peer):
- standards: peers KR 2, CN 1, AU 4, US 2, CA 1, BR 1, EP 3, HN 2 (GB left it blank: no value)
  = 8 peers; sorted 1 1 1 2 2 2 3 4, median (2 + 2) / 2 = 2; peers <= 3: 7 of 8 = 87.5.
- data types: 9 peers 2 3 2 3 1 2 1 3 2, sorted 1 1 2 2 2 2 3 3 3, median 2; JP 1: peers <= 1:
  2 of 9 = 22.2. Higher is better and 1 < 2: a gap.
- challenges: 9 peers 2 3 1 2 3 2 3 1 3, median 2; JP 1: peers <= 1: 2 of 9 = 22.2 (percentile of
  the value); lower is better and 1 < 2: a strength.
- same kind (national): standards peers KR CN AU US CA BR HN = 7 (EP is regional, GB blank):
  1 1 1 2 2 2 4, median 2, peers <= 3: 6 of 7 = 85.7.
- same region (Asia and the Pacific): KR, CN, AU = 3 peers < 5: no median, no percentile.

Deliveries (tests/data/peers/deliveries.csv), monthly on the 10th, January to April 2026, grace 5,
judged at the latest delivery (2026-04-20); on time / due per provider (all to WO):
    JP 4/4 = 100 %, KR 3/4 = 75 %, CN 2/4 = 50 %, US 4/4 = 100 %, EP 3/4 = 75 % (1 missed),
    GB 1/4 = 25 %, BR 2/4 = 50 % (1 missed), WO (to JP) 3/4 = 75 %.
JP's on-time rate as provider against all: 7 peers .25 .5 .5 .75 .75 .75 1.0, median 75 %,
peers <= 100 %: 7 of 7 = 100.0. Against national offices: KR CN US GB BR = exactly 5 peers,
sorted .25 .5 .5 .75 1.0: median 50 %, percentile 100.0 (5 peers is enough).
JP as recipient: only WO -> JP, 75 %; the only other recipient is WO: 1 peer, no percentile.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import load
from signin import open_page, sign_in, users_secrets

PEERS = Path(__file__).resolve().parent / "data" / "peers"
PAGE = "pages/8_Office_profile.py"


@pytest.fixture
def peer_db(empty_db) -> Path:
    for round_ in ("2030", "2031"):
        load(empty_db, "survey", PEERS / f"survey-{round_}.csv", round=round_, codebook=PEERS / "codebook.toml")
    for kind in ("schedule", "deliveries", "completeness"):
        load(empty_db, kind, PEERS / f"{kind}.csv")
    return empty_db


@pytest.fixture
def secretariat_app(monkeypatch):
    """An AppTest of the office profile with URL parameters, signed in as the secretariat."""
    from signin import ROOT
    from streamlit.testing.v1 import AppTest

    def make(db: Path, query: dict):
        monkeypatch.setenv("IPDX_DB", str(db))
        monkeypatch.chdir(ROOT)
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
        at.secrets.update(users_secrets())
        for key, value in query.items():
            at.query_params[key] = value
        sign_in(at.run(), "secretariat-1")
        at.switch_page(PAGE)
        return at.run()
    return make


def table(at, *columns):
    """The first table shown that has all of `columns` (AppTest does not expose table keys)."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


def comparison(at) -> dict:
    rows = table(at, "metric", "peer median", "percentile").to_dict("records")
    return {row["metric"]: row for row in rows}


def test_profile_shows_values_peer_median_and_percentile(secretariat_app, peer_db):
    at = secretariat_app(peer_db, {"office": "JP"})
    assert not at.exception
    assert at.selectbox(key="office").value == "JP"
    rows = comparison(at)
    standards = rows["WIPO standards used"]
    assert (standards["office"], standards["peer median"], standards["percentile"], standards["peers"]) == \
        ("3", "2", "87.5", 8)
    data_types = rows["Data types exchanged"]
    assert (data_types["office"], data_types["peer median"], data_types["percentile"], data_types["peers"]) == \
        ("1", "2", "22.2", 9)
    on_time = rows["On-time rate as provider"]
    assert (on_time["office"], on_time["peer median"], on_time["percentile"], on_time["peers"]) == \
        ("100.0%", "75.0%", "100.0", 7)
    assert standards["peer group"] == "all offices with a value"
    # The summary is made of those numbers: strengths above, the one gap below the median.
    texts = [m.value for m in at.markdown]
    assert any("WIPO standards used: 3, above the peer median of 2" in t.replace("\\", "") for t in texts)
    assert any("Challenges reported: 1, below the peer median of 2 (lower is better" in t.replace("\\", "")
               for t in texts)
    assert any("Data types exchanged: 1, below the peer median of 2 (higher is better" in t.replace("\\", "")
               for t in texts)
    # Its own answers per round, and what changed (ST.26 adopted between 2030 and 2031).
    answers = table(at, "question").set_index("question")
    assert answers.loc["Standards", "2031"] == "ST.26, ST.36, ST.96"
    changes = table(at, "rounds", "change")
    assert {"question": "Standards", "change": "adopted", "options": "ST.26"}.items() <= \
        changes[changes["question"] == "Standards"].iloc[0].to_dict().items()


def test_peer_group_is_changeable_and_exactly_five_peers_suffice(secretariat_app, peer_db):
    at = secretariat_app(peer_db, {"office": "JP", "peers": "kind"})
    rows = comparison(at)
    assert rows["WIPO standards used"]["percentile"] == "85.7"
    assert rows["WIPO standards used"]["peer group"] == "same kind (national)"
    on_time = rows["On-time rate as provider"]
    assert (on_time["peers"], on_time["peer median"], on_time["percentile"]) == (5, "50.0%", "100.0")


def test_fewer_than_five_peers_show_no_percentile(app, peer_db):
    at = app(peer_db, PAGE, query={"office": "JP", "peers": "region"})
    rows = comparison(at)
    for row in rows.values():
        assert row["peers"] < 5
        assert row["percentile"].startswith("- (fewer than 5 peers)")
        assert row["peer median"] == "-"
    # With no comparison there is no strength or gap to claim.
    assert not any(m.value.startswith("- ") for m in at.markdown)
    # In the group of all offices, what JP receives has a single peer (WO): no percentile either.
    at = app(peer_db, PAGE, query={"office": "JP"})
    received = comparison(at)["On-time rate of deliveries received"]
    assert received["peers"] == 1 and received["percentile"].startswith("-")


def test_url_opens_the_office_and_an_undisclosed_office_cannot_be_picked(app, peer_db):
    at = app(peer_db, PAGE, query={"office": "KR"})
    assert at.selectbox(key="office").value == "KR"
    assert comparison(at)["WIPO standards used"]["office"] == "2"
    # HN did not consent and has no delivery data: not offered, and ?office=HN does not open it.
    at = app(peer_db, PAGE, query={"office": "HN"})
    assert "HN" not in at.selectbox(key="office").options
    assert at.selectbox(key="office").value != "HN"


def test_office_user_sees_its_own_undisclosed_profile(bundled_db, monkeypatch):
    """UY did not consent (2025, 2026): public viewers cannot pick it; UY's own user can."""
    public = open_page(bundled_db, PAGE, monkeypatch, secrets=users_secrets())
    assert "UY" not in [o.split(" - ")[0] for o in public.selectbox(key="office").options]
    signed = open_page(bundled_db, PAGE, monkeypatch, secrets=users_secrets(), username="uy-office")
    signed.selectbox(key="office").set_value("UY").run()
    assert not signed.exception
    answers = table(signed, "question")
    assert {"2025", "2026"} <= set(answers.columns)
    assert "WIPO standards used" in set(comparison(signed))


def test_office_report_is_printable_html_with_the_same_numbers(secretariat_app, peer_db, monkeypatch):
    from html.parser import HTMLParser

    from signin import MediaRecorder
    media = MediaRecorder(monkeypatch)
    at = secretariat_app(peer_db, {"office": "JP"})
    report = media.bytes_of(at.get("download_button")[-1]).decode("utf-8")
    assert at.get("download_button")[-1].proto.label.startswith("Download office report")
    HTMLParser().feed(report)
    assert "@page" in report and "<script" not in report
    assert "WIPO standards used: 3, above the peer median of 2" in report
    assert "87.5" in report and "JP - Japan Patent Office" in report


def test_public_peers_leave_out_hidden_and_suppressed_offices(app, peer_db):
    """HN alone did not consent, so every round total of 2031 needs a suppressed cell of another
    office: those offices' survey values are no peers of a public viewer, nor is HN's."""
    from loaders import cursor, open_snapshot
    from queries import release, survey
    con = open_snapshot(peer_db)
    try:
        chosen = release.round_release(cursor(con), "2031", ["HN"])
        cells = survey.answer_cells(cursor(con), "2031")
    finally:
        con.close()
    standards = set(cells.loc[cells["section"] == "standards", "question_id"])
    masked = {o for o, q, _c in chosen.suppressed_cells if q in standards}
    assert masked and "HN" not in masked
    at = app(peer_db, PAGE, query={"office": "JP"})
    standards = comparison(at)["WIPO standards used"]
    # 8 peers for the secretariat: KR CN AU US CA BR EP HN; less HN and the suppressed offices.
    assert standards["peers"] == 8 - 1 - len(masked & {"KR", "CN", "AU", "US", "CA", "BR", "EP"})
