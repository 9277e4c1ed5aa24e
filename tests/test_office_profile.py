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

Peer quartiles (25th and 75th percentiles, linear: position q * (n - 1) in the sorted values):
- JP standards, all: 1 1 1 2 2 2 3 4 (n = 8): p25 at 1.75 -> 1 + 0.75 * (1 - 1) = 1; p75 at 5.25
  -> 2 + 0.25 * (3 - 2) = 2.25.
- JP data types, all: 1 1 2 2 2 2 3 3 3 (n = 9): p25 at 2 -> 2; p75 at 6 -> 3.
- JP on-time rate, all: .25 .5 .5 .75 .75 .75 1.0 (n = 7): p25 at 1.5 -> .5; p75 at 4.5 -> .75.
- JP on-time rate, national: .25 .5 .5 .75 1.0 (n = 5): p25 at 1 -> .5; p75 at 3 -> .75.
- Public viewer (HN hidden; the suppressed cells of 2031 fall on AU, BR, CN and EP, see
  `test_public_quartiles_leave_out_hidden_and_suppressed_offices`), JP data types: BR and CN have
  a suppressed data types cell and HN is hidden, so the peers are KR 2, AU 2, US 3, CA 1, GB 2,
  EP 3: sorted 1 2 2 2 3 3 (n = 6): median (2 + 2) / 2 = 2, p25 at 1.25 -> 2, p75 at 3.75 -> 2.75.

Standards twins (what would move this), 2031: US ticked ST.26 and ST.96, so it lacks ST.36 and
ST.97 (the codebook's four standards). National offices (US's kind) ticking ST.36: JP, KR, AU,
BR, HN; ST.97: AU (EP ticks ST.36 but is regional and in Europe, not North America). Their
delivery figures as provider: JP 100 % on time, completeness (1000 + 900) / 2000 = 95 %; KR 75 %,
(1000 + 800) / 2000 = 90 %; BR 50 %, no completeness file; AU and HN deliver nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import load
from signin import open_page, sign_in, users_secrets

from loaders import cursor, open_snapshot
from loaders.review import record_events
from queries import peers, release

PEERS = Path(__file__).resolve().parent / "data" / "peers"
PAGE = "pages/8_Office_profile.py"


@pytest.fixture
def peer_db(empty_db) -> Path:
    """The fixture rounds loaded and published (a newly loaded round is a draft, never public)."""
    for round_ in ("2030", "2031"):
        load(empty_db, "survey", PEERS / f"survey-{round_}.csv", round=round_, codebook=PEERS / "codebook.toml")
    for kind in ("schedule", "deliveries", "completeness"):
        load(empty_db, kind, PEERS / f"{kind}.csv")
    for status in ("review", "published"):
        record_events([{"event": "status", "round": r, "status": status} for r in ("2030", "2031")],
                      loaded_by="secretariat-1", db_path=empty_db)
    return empty_db


@pytest.fixture
def peer_con(peer_db):
    """A read-only connection to the published fixture."""
    con = open_snapshot(peer_db)
    yield cursor(con)
    con.close()


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
    assert not any("the peer median of" in m.value for m in at.markdown)
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


# ------------------------------------------------------------------ peer quartiles and the chart

def test_peer_quartiles_equal_the_hand_worked_ones(peer_con):
    values = peers.metric_values(peer_con, round="2031")
    rows = peers.compare(values, "JP").set_index("metric")
    assert rows.loc["standards_used", ["peer_p25", "peer_median", "peer_p75"]].tolist() == [1.0, 2.0, 2.25]
    assert rows.loc["data_types_exchanged", ["peer_p25", "peer_median", "peer_p75"]].tolist() == [2.0, 2.0, 3.0]
    assert rows.loc["provider_on_time_rate", ["peer_p25", "peer_median", "peer_p75"]].tolist() == [0.5, 0.75, 0.75]
    national = peers.compare(values, "JP", "kind").set_index("metric")
    assert national.loc["provider_on_time_rate", ["peers", "peer_p25", "peer_median", "peer_p75"]].tolist() == \
        [5, 0.5, 0.5, 0.75]
    # Three peers in JP's region: no quartile either (MIN_PEERS), nor with a larger k.
    region = peers.compare(values, "JP", "region")
    assert region["peer_p25"].isna().all() and region["peer_p75"].isna().all()
    assert peers.compare(values, "JP", min_peers=9).set_index("metric").loc["standards_used"].isna()[
        ["peer_p25", "peer_median", "peer_p75"]].all()


def test_public_quartiles_leave_out_hidden_and_suppressed_offices(peer_con):
    chosen = release.round_release(peer_con, "2031", ["HN"])
    masked_data_types = {o for o, q, _c in chosen.suppressed_cells if q == "data_types"}
    assert masked_data_types == {"BR", "CN"}  # as the module docstring works out
    public = release.public_peer_values(peer_con, round="2031", withheld=["2031/HN"])
    row = peers.compare(public, "JP").set_index("metric").loc["data_types_exchanged"]
    assert (row["peers"], row["peer_p25"], row["peer_median"], row["peer_p75"]) == (6, 2.0, 2.0, 2.75)


def _chart(at) -> dict:
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(c for c in charts if "against its peers" in c["layout"]["title"]["text"])


def _points(trace) -> dict:
    """{row label: (x, base)} of a chart trace."""
    bases = trace.get("base") or [None] * len(trace["y"])
    return {y.split("<br>")[0]: (x, b) for y, x, b in zip(trace["y"], trace["x"], bases)}


def test_chart_draws_the_office_dot_peer_median_and_iqr(secretariat_app, peer_db):
    at = secretariat_app(peer_db, {"office": "JP"})
    assert not at.exception
    fig = _chart(at)
    by_name = {}
    for trace in fig["data"]:
        by_name.setdefault(trace["name"], {}).update(_points(trace))
    iqr = by_name["Peers' middle half (25th to 75th percentile)"]
    median, office = by_name["Peer median"], by_name["JP - Japan Patent Office"]
    # The bar runs from p25 (its base) over p75 - p25; the numbers are the hand-worked ones.
    assert iqr["WIPO standards used"] == (1.25, 1.0)
    assert iqr["On-time rate as provider"] == (0.25, 0.5)
    assert median["WIPO standards used"][0] == 2.0 and median["On-time rate as provider"][0] == 0.75
    assert office["WIPO standards used"][0] == 3.0 and office["On-time rate as provider"][0] == 1.0
    # One peer only: the dot without a median or range.
    assert "On-time rate of deliveries received" in office and "On-time rate of deliveries received" not in median
    # Counts and rates on their own axes; the direction written on each row; marks told apart by shape.
    axes = {t["name"]: set() for t in fig["data"]}
    for trace in fig["data"]:
        axes[trace["name"]].add(trace.get("xaxis", "x"))
    assert axes["Peer median"] == {"x", "x2"}
    assert fig["layout"]["xaxis2"]["tickformat"] == ".0%"
    labels = {y for t in fig["data"] for y in t["y"]}
    assert "WIPO standards used<br>\u25b2 higher is better" in labels
    assert "Challenges reported<br>\u25bc lower is better" in labels
    assert "File formats used<br>\u25c6 no better or worse direction" in labels
    symbols = {t["name"]: (t["type"], t.get("marker", {}).get("symbol")) for t in fig["data"]}
    assert symbols["Peer median"] == ("scatter", "line-ns")
    assert symbols["JP - Japan Patent Office"] == ("scatter", "circle")
    assert symbols["Peers' middle half (25th to 75th percentile)"][0] == "bar"
    # Real values written next to the dot.
    dot = next(t for t in fig["data"] if t["name"] == "JP - Japan Patent Office" and t.get("xaxis") == "x2")
    assert "100.0%" in dot["text"]
    # The text alternative: the chart's data as a table, and a sentence per row.
    assert any(e.label == "Chart as text and table" for e in at.expander)
    alternative = next(t.value for t in at.table if "peer_p25" in t.value.columns or "peer median" in t.value.columns)
    assert len(alternative) == len(comparison(at))
    texts = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert ("WIPO standards used (higher is better): JP - Japan Patent Office 3; peer median 2, middle half of the "
            "peers from 1 to 2.25 (8 peers, all offices with a value).") in texts
    assert "On-time rate of deliveries received (higher is better): JP - Japan Patent Office 75.0%; 1 peer (all offices with a value), fewer than 5: no peer median or range." in texts


def test_chart_has_no_median_or_range_over_fewer_than_five_peers(app, peer_db):
    at = app(peer_db, PAGE, query={"office": "JP", "peers": "region"})
    fig = _chart(at)
    ranged = [t for t in fig["data"] if t["name"] != "JP - Japan Patent Office"]
    assert ranged and all(len(t["x"]) == 0 for t in ranged)
    assert sum(len(t["x"]) for t in fig["data"] if t["name"] == "JP - Japan Patent Office") == len(comparison(at))
    texts = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert "fewer than 5: no peer median or range." in texts


# ------------------------------------------------------------------ what would move this

def test_standard_twins_equal_the_hand_worked_ones(peer_con):
    twins = peers.standard_twins(peer_con, "2031", "US")
    assert list(zip(twins["code"], twins["twin"])) == [
        ("ST.36", "AU"), ("ST.36", "BR"), ("ST.36", "HN"), ("ST.36", "JP"), ("ST.36", "KR"), ("ST.97", "AU")]
    assert twins["same_kind"].all() and not twins["same_region"].any()
    figures = twins[twins["code"] == "ST.36"].set_index("twin")
    assert figures.loc["JP", ["on_time_rate", "completeness"]].tolist() == [1.0, 0.95]
    assert figures.loc["KR", ["on_time_rate", "completeness"]].tolist() == [0.75, 0.9]
    assert figures.loc["BR", "on_time_rate"] == 0.5 and figures["completeness"].isna()[["BR", "AU", "HN"]].all()
    assert figures["on_time_rate"].isna()[["AU", "HN"]].all()
    # Every office at once: US's rows are among them; an office that lacks nothing has none.
    everyone = peers.standard_twins(peer_con, "2031")
    assert everyone[everyone["office"] == "US"].reset_index(drop=True).equals(twins)
    assert "GB" not in set(everyone["office"])  # GB left the standards question blank


def test_public_twins_never_show_a_hidden_office_or_a_suppressed_cell(peer_con):
    chosen = release.round_release(peer_con, "2031", ["HN"])
    assert {("AU", "standards", "ST.97"), ("AU", "standards", "ST.26"), ("BR", "standards", "ST.96")} <= \
        set(chosen.suppressed_cells)
    twins = release.public_standard_twins(peer_con, "2031", "US", withheld=["2031/HN"])
    # HN is gone, and so is ST.97: its one user, AU, has that cell suppressed.
    assert list(zip(twins["code"], twins["twin"])) == [("ST.36", "AU"), ("ST.36", "BR"), ("ST.36", "JP"),
                                                      ("ST.36", "KR")]
    # BR: its own ST.96 cell is suppressed, so ST.96 is not named as missing; AU's ST.26 is not read.
    br = release.public_standard_twins(peer_con, "2031", "BR", withheld=["2031/HN"])
    assert list(zip(br["code"], br["twin"])) == [("ST.26", "JP"), ("ST.26", "US")]
    assert release.public_standard_twins(peer_con, "2031", "HN", withheld=["2031/HN"]).empty
    # No row of any office names HN or rests on a suppressed cell.
    everyone = release.public_standard_twins(peer_con, "2031", withheld=["2031/HN"])
    assert "HN" not in set(everyone["office"]) | set(everyone["twin"])
    cells = {(o, c) for o, q, c in chosen.suppressed_cells if q == "standards"}
    assert not cells & (set(zip(everyone["office"], everyone["code"])) | set(zip(everyone["twin"], everyone["code"])))


def _twins_section(at) -> tuple[list[str], "object"]:
    lines = [m.value.replace("\\", "") for m in at.markdown if "used by" in m.value]
    shown = next((d.value for d in at.dataframe if {"standard", "peer_group"} <= set(d.value.columns)), None)
    return lines, shown


def test_page_lists_twins_and_a_public_viewer_cannot_find_the_hidden_office(app, secretariat_app, peer_db):
    secretariat = secretariat_app(peer_db, {"office": "US"})
    lines, shown = _twins_section(secretariat)
    assert "- ST.36: used by 5 offices of the same kind or region listed below." in lines[0]
    assert "HN - " in " ".join(shown["office"])
    public = app(peer_db, PAGE, query={"office": "US"})
    assert not public.exception
    lines, shown = _twins_section(public)
    # The count is that of the offices listed: HN is neither listed nor counted.
    assert lines == ["- ST.36: used by 4 offices of the same kind or region listed below."]
    assert [o.split(" - ")[0] for o in shown["office"]] == ["AU", "BR", "JP", "KR"]
    assert set(shown["peer_group"]) == {"same kind (national)"}
    assert shown.set_index(shown["office"].str[:2]).loc["JP", "on_time_rate"] == 1.0
    texts = [e.value for e in (*public.markdown, *public.caption, *public.info)]
    texts += [str(v) for d in public.dataframe for v in d.value.astype(str).to_numpy().ravel()]
    assert not any("HN" in t or "Honduras" in t for t in texts)
