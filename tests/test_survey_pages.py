"""AppTest of the survey pages: published numbers shown for 2025, filters in the URL
change them, two-round comparison on a fixture, contradiction panel, and disclosure (offices
that did not consent never named, always counted)."""
from pathlib import Path

import pandas as pd
import pytest
from conftest import load, publish

FIXTURE = Path(__file__).resolve().parent / "data" / "survey"
PUBLISHED = Path(__file__).resolve().parent.parent / "data" / "reference" / "cws13-14-published-figures.csv"


@pytest.fixture
def two_rounds_db(empty_db) -> Path:
    load(empty_db, "survey", FIXTURE / "survey-r1.csv", "2030", FIXTURE / "codebook-r1.toml")
    load(empty_db, "survey", FIXTURE / "survey-r2.csv", "2031", FIXTURE / "codebook-r2.toml")
    for round_ in ("2030", "2031"):  # a newly loaded round is a draft, never public, until published
        publish(empty_db, round_)
    return empty_db


def published(section, direction=None):
    import pandas as pd
    frame = pd.read_csv(PUBLISHED)
    frame = frame[frame["section"] == section]
    if direction:
        frame = frame[frame["direction"] == direction]
    return dict(zip(frame["code"], frame["offices"]))


def tables(at, *columns):
    """The dataframes shown that have all of `columns`."""
    return [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]


def page_text(at) -> str:
    """Everything the page shows: text elements, tables and chart specs (labels, hovers)."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "success", "error")
             for e in getattr(at, kind)]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [c.proto.spec for c in at.get("plotly_chart")]
    return "\n".join(map(str, parts))


def assert_not_named(at, *codes):
    text = page_text(at)
    for code in codes:
        assert f"{code} - " not in text, f"{code} is named on the page"
    for table in tables(at, "office"):
        assert not any(str(v).startswith(codes) for v in table["office"])


# ------------------------------------------------------------------ Standards

def test_standards_2025_equals_published_and_hides_undisclosed(app, bundled_db):
    at = app(bundled_db, "pages/2_Standards.py", {"round": "2025"})
    assert not at.exception
    counts = tables(at, "code", "offices", "base", "published")[0]
    assert dict(zip(counts["code"], counts["offices"])) == {**published("standards")}
    assert set(counts["base"]) == {20}
    matrix = tables(at, "office", "ST.96")[0]
    assert len(matrix) == 18                                   # 20 respondents minus HN, UY
    assert_not_named(at, "HN", "UY")
    assert any("Respondents not named here (no consent to publication of individual answers): 2." in c.value
               for c in at.caption)


def test_standards_filter_from_url_changes_counts_and_base(app, bundled_db):
    at = app(bundled_db, "pages/2_Standards.py", {"round": "2025", "kind": "regional"})
    counts = tables(at, "code", "offices", "base")[0].set_index("code")
    assert set(counts["base"]) == {2}                          # EP and EM
    assert counts.loc["ST.26", "offices"] == 1                 # EP ticks ST.26; EM has no patents
    at.multiselect(key="kind").set_value(["national"]).run()
    counts = tables(at, "code", "offices", "base")[0].set_index("code")
    # 18 national respondents less HN and UY, which did not consent: a filtered figure counts
    # only released offices (docs/disclosure.md). 9 of them tick ST.26.
    assert set(counts["base"]) == {16} and counts.loc["ST.26", "offices"] == 9
    assert at.query_params["kind"] == "national"           # the link keeps the filter
    at.multiselect(key="kind").set_value([]).run()
    counts = tables(at, "code", "offices", "base")[0].set_index("code")
    assert set(counts["base"]) == {20} and counts.loc["ST.26", "offices"] == 11
    assert "kind" not in at.query_params


def _shown(at) -> tuple:
    """What a page shows, less the office filter's own widget."""
    return ([i.value for i in at.info], [c.value for c in at.caption], [m.value for m in at.markdown],
            [t.to_dict() for t in tables(at)], [c.proto.spec for c in at.get("plotly_chart")])


def test_undisclosed_office_in_the_filter_behaves_as_a_non_respondent(app, bundled_db):
    # HN did not consent in 2025 (and did not answer 2026), UY in both rounds, AP in 2026 (and did
    # not answer 2025); IT answered neither round: the pages cannot tell them apart.
    for page in ("pages/2_Standards.py", "pages/3_Exchanged_data.py", "pages/4_Challenges.py"):
        for round_, hidden_office in (("2025", "HN"), ("2025", "UY"), ("2026", "UY"), ("2026", "AP")):
            hidden = app(bundled_db, page, {"round": round_, "office": [hidden_office]})
            absent = app(bundled_db, page, {"round": round_, "office": ["IT"]})
            assert not hidden.exception and not absent.exception
            assert "No respondent of this round matches the filter." in [i.value for i in hidden.info]
            assert _shown(hidden) == _shown(absent), (page, hidden_office)
    # With consenting offices beside it, HN adds nothing: the counts are those of BR and CA alone.
    with_hn = app(bundled_db, "pages/2_Standards.py", {"round": "2025", "office": ["HN", "BR", "CA"]})
    without = app(bundled_db, "pages/2_Standards.py", {"round": "2025", "office": ["BR", "CA"]})
    counts = tables(with_hn, "code", "offices", "base")[0]
    assert set(counts["base"]) == {2}
    assert counts.to_dict() == tables(without, "code", "offices", "base")[0].to_dict()
    assert_not_named(with_hn, "HN")


def test_filtered_counts_are_the_release_functions_figures(app, bundled_db):
    """The page shows exactly what the attacked functions (tests/test_disclosure_attack.py) give."""
    from loaders import cursor, open_snapshot
    from queries import release
    con = open_snapshot(bundled_db)
    try:
        expected = release.public_option_counts(cursor(con), "standards", offices=["BR", "CA", "HN", "JP"],
                                                withheld=["2025/HN", "2025/UY", "2026/AP", "2026/UY"])
    finally:
        con.close()
    expected = expected[expected["round"] == "2025"].set_index("code")
    at = app(bundled_db, "pages/2_Standards.py", {"round": "2025", "office": ["BR", "CA", "HN", "JP"]})
    shown = tables(at, "code", "offices", "base")[0].set_index("code")
    assert list(shown.index) == list(expected.index)
    for code in shown.index:
        assert (pd.isna(shown.loc[code, "offices"]) and pd.isna(expected.loc[code, "offices"])) or \
            shown.loc[code, "offices"] == expected.loc[code, "offices"], code
    assert expected["suppressed"].any() and set(shown["base"]) == {3}


def test_standards_comparison_bundled(app, bundled_db):
    at = app(bundled_db, "pages/2_Standards.py", {"round": "2026"})
    summary = tables(at, "adopted by", "dropped by")[0].set_index("code")
    # UY, hidden in both rounds, counts as answering neither: 3 adopters, all named.
    assert summary.loc["ST.96", "adopted"] == 3
    assert summary.loc["ST.96", "adopted by"].startswith("HR - ")
    assert "not named" not in summary.loc["ST.96", "adopted by"]
    # Over the released offices whose cells are shown (suppressed cells count nowhere).
    assert (summary.loc["ST.96", "2025"], summary.loc["ST.96", "2026"]) == ("10 of 17 (59%)", "17 of 24 (71%)")
    assert summary.loc["ST.97", "2025"] == "not asked"
    assert_not_named(at, "UY", "AP", "HN")


def test_standards_comparison_fixture(app, two_rounds_db):
    at = app(two_rounds_db, "pages/2_Standards.py")
    summary = tables(at, "adopted by", "dropped by")[0].set_index("code")
    # HN did not consent in either round: it counts as answering neither. KR's ST.96 cells are
    # suppressed to protect HN (complementary suppression), so KR's drop counts nowhere.
    assert summary.loc["ST.96", "adopted by"] == "JP - Japan Patent Office"
    assert summary.loc["ST.96", "dropped by"] == "-"
    assert summary.loc["ST.96", ["adopted", "dropped", "kept"]].tolist() == [1, 0, 0]
    per_office = tables(at, "office", "adopted", "dropped", "note")[0]
    notes = {o.split(" - ")[0]: (a, d, n) for o, a, d, n in per_office.itertuples(index=False)}
    assert notes["JP"] == ("ST.96", "", "")       # JP's ST.97 cell of 2031 is suppressed
    assert notes["KR"] == ("", "", "no change")
    assert notes["BR"][2] == "answered only 2030" and notes["DE"][2] == "answered only 2031"
    assert notes["US"][2] == "left the question blank in one round"
    assert "HN" not in notes
    assert_not_named(at, "HN")


# ------------------------------------------------------------------ What is exchanged

def test_exchanged_2025_equals_published(app, bundled_db):
    at = app(bundled_db, "pages/3_Exchanged_data.py", {"round": "2025"})
    assert not at.exception
    counts = tables(at, "code", "offices", "base", "published")
    shown = {}
    for table in counts:
        shown.update(dict(zip(table["code"], table["offices"])))
    assert shown == {**published("ip_rights"), **published("data_types"), **published("formats")}
    assert_not_named(at, "HN", "UY")


def test_exchanged_region_filter(app, bundled_db):
    at = app(bundled_db, "pages/3_Exchanged_data.py", {"round": "2026", "region": "Europe"})
    formats = [t for t in tables(at, "code", "offices", "base") if "XML" in set(t["code"])][0].set_index("code")
    # 2026 respondents in Europe: AT, DE, EM, EP, ES, FR, GB, HR, PL, RU, UA
    assert formats.loc["XML", "base"] == 11
    matrix = [t for t in tables(at, "office", "XML")][0]
    assert len(matrix) == 11 and all(" - " in o for o in matrix["office"])
    at.multiselect(key="region").set_value(["Latin America and the Caribbean"]).run()
    formats = [t for t in tables(at, "code", "offices", "base") if "XML" in set(t["code"])][0].set_index("code")
    assert formats.loc["XML", "base"] == 4        # BR, CL, MX, PE (UY did not consent: not counted)
    assert_not_named(at, "UY", "AP")


# ------------------------------------------------------------------ Challenges

def test_challenges_2025_equals_published_and_lists_strategic_issues(app, bundled_db):
    at = app(bundled_db, "pages/4_Challenges.py", {"round": "2025", "profile": "JP"})
    assert not at.exception
    counts = tables(at, "code", "offices", "base", "published")
    assert dict(zip(counts[0]["code"], counts[0]["offices"])) == published("challenges", "sharing")
    assert dict(zip(counts[1]["code"], counts[1]["offices"])) == published("challenges", "collecting")
    categories = tables(at, "direction", "category", "offices", "no_answer")[0]
    assert categories.set_index(["direction", "category"]).loc[("collecting", "business/coordination"),
                                                                 "no_answer"] == 1   # GH left it blank
    strategic = [m.value for m in at.markdown if "without counts" in m.value or "Data governance" in m.value]
    text = "\n".join(strategic)
    for issue in ("Data governance and access policy", "Data integrity", "Data dictionary problems"):
        assert issue in text
    assert not any(ch.isdigit() for ch in text.split("so none is shown:")[1])
    standards = tables(at, "standard", "label")[0]
    assert {"ST.26", "ST.36", "ST.96"} <= set(standards["standard"])        # JP's standards beside
    assert_not_named(at, "HN", "UY")


def test_challenges_filter_changes_base(app, bundled_db):
    at = app(bundled_db, "pages/4_Challenges.py", {"round": "2026", "kind": "regional"})
    categories = tables(at, "direction", "category", "offices", "base")[0]
    assert set(categories["base"]) == {2}          # EM and EP (AP did not consent: not counted)
    assert_not_named(at, "AP", "UY")


# ------------------------------------------------------------------ Published figures, contradictions

def test_reconciliation_and_contradictions_bundled(app, bundled_db):
    at = app(bundled_db, "pages/1_Published_figures.py", {"round": "2025"})
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert (metrics["Published aggregates"], metrics["Reproduced exactly"], metrics["Differing"]) == ("63", "63", "0")
    assert any("19 of 20" in w.value and "2 of 20" in w.value and "at least 1 office" in w.value for w in at.warning)
    found = tables(at, "office", "rule", "evidence")[0]
    assert found[["office", "rule"]].values.tolist() == [
        ["PE - National Institute for the Defense of Competition and the Protection of Intellectual Property (Peru)",
         "shares_yet_shares_none"]]
    rules = tables(at, "rule", "description", "offices found (of respondents)")[0].set_index("rule")
    assert rules.loc["collects_yet_collects_none", "offices found (of respondents)"] == "not asked in this round"
    at.selectbox(key="round").set_value("2026").run()
    found = tables(at, "office", "rule", "evidence")[0]
    assert [o.split(" - ")[0] for o in found["office"]] == ["HR"]
    assert at.query_params["round"] == "2026"


def test_contradictions_count_released_offices_with_every_cell_shown(app, two_rounds_db):
    """HN alone did not consent, so the round totals need suppressed cells of other offices (DE's
    challenges of 2031, KR's ST.96): a rule counts the released offices whose cells it reads
    are all shown, and names only those."""
    at = app(two_rounds_db, "pages/1_Published_figures.py", {"round": "2031"})
    rules = tables(at, "rule", "description", "offices found (of respondents)")[0].set_index("rule")
    assert rules.loc["shares_yet_shares_none", "offices found (of respondents)"].startswith("0 of 3")
    assert not tables(at, "office", "rule", "evidence")        # DE's contradiction rests on a suppressed cell
    assert_not_named(at, "HN")
    at.selectbox(key="round").set_value("2030").run()
    rules = tables(at, "rule", "description", "offices found (of respondents)")[0].set_index("rule")
    assert rules.loc["shares_yet_shares_none", "offices found (of respondents)"].startswith("1 of 3")
    found = tables(at, "office", "rule", "evidence")[0]
    assert sorted(zip((o.split(" - ")[0] for o in found["office"]), found["rule"])) == [
        ("BR", "shares_yet_shares_none")]                       # KR's ST.96 of 2030 is suppressed
    assert_not_named(at, "HN")


def test_reconciliation_highlights_differences(app, two_rounds_db):
    # No 2025 round loaded: every published figure differs from what is computed, and says so.
    at = app(two_rounds_db, "pages/1_Published_figures.py")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Differing"] == "63"
    table = tables(at, "item", "published", "computed", "status")[0].set_index("code")
    assert table.loc["respondents", "status"] == "differs by -20 (base 0 vs 20)"
    assert table.loc["ST.96", "status"] == "not in the loaded codebook"
    assert any("0 of 63" in e.value for e in at.error)
