"""Survey metrics on real DuckDB files: office x option matrices, round-to-round
changes, challenge categories and the contradiction rules (bundled data and a small fixture)."""
from pathlib import Path

import pandas as pd
import pytest
from conftest import load

from loaders import open_snapshot
from queries import consistency, survey

FIXTURE = Path(__file__).resolve().parent / "data" / "survey"


@pytest.fixture(scope="module")
def bundled(bundled_db):
    con = open_snapshot(bundled_db)
    yield con
    con.close()


@pytest.fixture
def two_rounds_db(empty_db) -> Path:
    """Hand-made rounds 2030 and 2031 (see tests/data/survey): BR answered only 2030, DE only
    2031, HN did not consent; JP adopts ST.96 and ticks ST.97 (not asked in 2030), KR drops
    ST.96, US leaves standards blank in 2031."""
    load(empty_db, "survey", FIXTURE / "survey-r1.csv", "2030", FIXTURE / "codebook-r1.toml")
    load(empty_db, "survey", FIXTURE / "survey-r2.csv", "2031", FIXTURE / "codebook-r2.toml")
    return empty_db


@pytest.fixture
def two_rounds(two_rounds_db):
    con = open_snapshot(two_rounds_db)
    yield con
    con.close()


def test_matrix_states_distinguish_ticked_not_ticked_blank_and_not_asked(bundled):
    standards = survey.option_matrix(bundled, "standards", "2025").set_index(["office", "code"])["state"]
    assert standards[("JP", "ST.96")] == "yes"
    assert standards[("GB", "ST.96")] == "no"
    assert standards[("JP", "ST.97")] == "not_asked"      # ST.97 is new in the 2026 codebook
    collecting = survey.option_matrix(bundled, "challenges", "2025", direction="collecting")
    blank = collecting[collecting["state"] == "no_answer"]
    assert set(blank["office"]) == {"GH"} and len(blank) == 12


def test_matrix_totals_equal_published_2025_figures(bundled):
    published = survey.published_vs_computed(bundled)
    for section in ("standards", "formats", "ip_rights", "data_types"):
        matrix = survey.option_matrix(bundled, section, "2025")
        ticked = matrix[matrix["state"] == "yes"].groupby("code").size()
        expected = published[published["section"] == section].set_index("code")["published"]
        assert ticked.reindex(expected.index, fill_value=0).to_dict() == expected.to_dict()


def test_matrix_respects_office_filter(bundled):
    matrix = survey.option_matrix(bundled, "standards", "2026", offices=["JP", "SG", "XX"])
    assert set(matrix["office"]) == {"JP", "SG"}
    assert matrix.set_index(["office", "code"])["state"][("SG", "ST.97")] == "yes"


def test_bundled_changes_2025_to_2026(bundled):
    changes = survey.option_changes(bundled, "standards", "2025", "2026")
    by = changes.groupby(["code", "change"])["office"].apply(set)
    assert by[("ST.96", "adopted")] == {"HR", "RU", "SA", "UY"}
    assert by[("ST.90", "adopted")] == {"BR", "CN", "JP"}
    assert by[("ST.32", "dropped")] == {"JP"}
    assert by[("ST.36", "dropped")] == {"BR"}
    # answered only one round: said so, not counted as change
    assert by[("ST.96", "only_from_round")] == {"GH", "HN"}
    assert "SG" in by[("ST.97", "only_to_round")]
    assert by[("ST.97", "not_asked_in_one_round")] >= {"CN", "SA", "US"}
    summary = survey.option_change_summary(bundled, "standards", "2025", "2026").set_index("code")
    assert summary.loc["ST.96", ["from_offices", "from_base", "to_offices", "to_base", "adopted", "dropped"]].tolist() \
        == [11, 20, 18, 26, 4, 0]
    assert not summary.loc["ST.97", "asked_from"] and summary.loc["ST.97", "asked_to"]


def test_fixture_changes_adopted_dropped_one_round_and_blank(two_rounds):
    changes = survey.option_changes(two_rounds, "standards", "2030", "2031")
    st96 = changes[changes["code"] == "ST.96"].set_index("office")["change"].to_dict()
    assert st96 == {"BR": "only_from_round", "DE": "only_to_round", "HN": "adopted", "JP": "adopted",
                    "KR": "dropped", "US": "no_answer_in_one_round"}
    st97 = changes[changes["code"] == "ST.97"].set_index("office")
    assert st97.loc["JP", "change"] == "not_asked_in_one_round" and st97.loc["JP", "to_state"] == "yes"
    summary = survey.option_change_summary(two_rounds, "standards", "2030", "2031").set_index("code")
    assert summary.loc["ST.96", ["adopted", "dropped", "kept", "only_from", "only_to",
                                 "no_answer_in_one_round"]].tolist() == [2, 1, 0, 1, 1, 1]
    assert summary.loc["ST.36", "kept"] == 3
    filtered = survey.option_change_summary(two_rounds, "standards", "2030", "2031", offices=["KR", "JP"])
    assert filtered.set_index("code").loc["ST.96", ["adopted", "dropped", "from_base"]].tolist() == [1, 1, 2]


def test_challenge_categories_count_each_office_once(bundled):
    categories = survey.challenge_category_counts(bundled)
    row = categories[(categories["round"] == "2025") & (categories["direction"] == "collecting")
                     & (categories["category"] == "business")].iloc[0]
    matrix = survey.option_matrix(bundled, "challenges", "2025", direction="collecting")
    business = matrix[(matrix["category"] == "business") & (matrix["state"] == "yes")]
    assert row["offices"] == business["office"].nunique() < len(business)   # offices, not ticks
    assert (row["no_answer"], row["base"]) == (1, 20)                       # GH left it blank


def test_contradictions_bundled(bundled):
    found = consistency.contradictions(bundled)
    assert found[["round", "office", "rule"]].values.tolist() == [
        ["2025", "PE", "shares_yet_shares_none"], ["2026", "HR", "collects_yet_collects_none"]]
    rules = consistency.contradiction_rules(bundled).set_index(["round", "rule"])
    assert not rules.loc[("2025", "collects_yet_collects_none"), "asked"]      # no such question in 2025
    assert pd.isna(rules.loc[("2025", "collects_yet_collects_none"), "offices"])
    assert rules.loc[("2025", "xml_standard_without_xml"), "offices"] == 0


def test_contradictions_fixture(two_rounds):
    found = consistency.contradictions(two_rounds)
    assert found[["round", "office", "rule"]].values.tolist() == [
        ["2030", "BR", "shares_yet_shares_none"], ["2030", "KR", "xml_standard_without_xml"],
        ["2031", "DE", "collects_yet_collects_none"], ["2031", "HN", "shares_yet_shares_none"]]
    assert "formats:XML = no" in found.set_index("office").loc["KR", "evidence"]
    # JP answers collects_data = No and ticks "not collecting": consistent, not listed
    assert "JP" not in set(found["office"])


def test_published_figures_imply_a_contradiction(bundled):
    published = consistency.published_contradictions(bundled)
    row = published.set_index("rule").loc["shares_yet_shares_none"]
    assert (row["premise_offices"], row["conflict_offices"], row["base"], row["at_least"]) == (19, 2, 20, 1)
    assert "xml_standard_without_xml" not in set(published["rule"])      # 'no' side cannot be bounded


def test_an_option_takes_its_label_and_category_from_the_latest_round_even_a_dropped_category(empty_db, tmp_path):
    """The columns line up across rounds under the latest codebook's label and category: an
    option whose category the latest codebook no longer gives has none (it is not given the
    category of an earlier round)."""
    codebook = (FIXTURE / "codebook-r2.toml").read_text(encoding="utf-8")
    dropped = codebook.replace('label = "office does not share any IP data"\ncategory = "organizational"\n',
                               'label = "office does not share any IP data"\n')
    assert dropped != codebook
    (tmp_path / "codebook-r2.toml").write_text(dropped, encoding="utf-8")
    load(empty_db, "survey", FIXTURE / "survey-r1.csv", "2030", FIXTURE / "codebook-r1.toml")
    load(empty_db, "survey", FIXTURE / "survey-r2.csv", "2031", tmp_path / "codebook-r2.toml")
    con = open_snapshot(empty_db)
    try:
        matrix = survey.option_matrix(con, "challenges", "2030", direction="sharing")
    finally:
        con.close()
    categories = matrix.drop_duplicates("code").set_index("code")["category"]
    assert categories["non_standard_formats"] == "technical"
    assert pd.isna(categories["does_not_share"])
