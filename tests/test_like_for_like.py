"""Like-for-like round comparison on the survey pages and in the presentation (AppTest on the
bundled data): the toggle lives in the URL, the comparison counts the offices that answered both
rounds and may be named (worked out here by a separate query), warns where the questionnaire
changed, and names no office that did not consent."""
from __future__ import annotations

import pytest
from test_survey_pages import assert_not_named, tables

from loaders import connect_read_only
from queries import comparison
from queries.disclosure import consent_by_office
from queries.release import withheld_keys

#: The bundled respondents of both 2025 and 2026, read off data/bundled/survey-2025.csv and
#: survey-2026.xlsx: the 20 of 2025 less GH and HN (not in 2026).
BOTH_ROUNDS = ["AU", "BR", "CA", "CN", "EM", "EP", "GB", "HR", "JP", "KR", "MX", "PE", "PL", "RU", "SA", "UA",
               "US", "UY"]


def released_in_both(db) -> int:
    """Offices that answered both bundled rounds and said yes to the consent question in each:
    a query of its own, not the one the page uses."""
    con = connect_read_only(db)
    try:
        return con.execute("""
            SELECT count(*) FROM (
                SELECT office FROM survey_respondents WHERE round = '2025'
                INTERSECT SELECT office FROM survey_respondents WHERE round = '2026') b
            WHERE (SELECT count(*) FROM survey_answers a
                   WHERE a.office = b.office AND a.round IN ('2025', '2026') AND a.question_id = 'consent_publish'
                     AND a.status = 'answered' AND a.value_text = 'yes') = 2""").fetchone()[0]
    finally:
        con.close()


def test_the_like_for_like_set_is_the_released_respondents_of_both_rounds(bundled_db):
    con = connect_read_only(bundled_db)
    try:
        everyone = list(comparison.like_for_like_offices(con, "2025", "2026")["office"])
        withheld = withheld_keys(consent_by_office(con))
        public = list(comparison.like_for_like_offices(con, "2025", "2026", withheld=withheld)["office"])
        own = list(comparison.like_for_like_offices(con, "2025", "2026",
                                                    withheld=withheld_keys(consent_by_office(con), "UY"))["office"])
        europe = list(comparison.like_for_like_offices(con, "2025", "2026", offices=["GB", "HN", "PL", "UY", "DE"],
                                                       withheld=withheld)["office"])
    finally:
        con.close()
    assert everyone == BOTH_ROUNDS                       # the secretariat: nobody hidden
    assert public == [o for o in BOTH_ROUNDS if o != "UY"] and len(public) == released_in_both(bundled_db) == 17
    assert own == BOTH_ROUNDS                            # UY's own user sees UY
    assert europe == ["GB", "PL"]                        # HN: 2025 only; DE: 2026 only; UY hidden


def test_standards_toggle_counts_the_offices_in_both_rounds_and_warns(app, bundled_db):
    at = app(bundled_db, "pages/2_Standards.py")
    assert not at.exception
    toggle = at.toggle(key="standards-compare-like")
    assert toggle.value is False
    assert "standards-compare-like" not in at.query_params
    at = toggle.set_value(True).run()
    assert not at.exception
    assert at.query_params["standards-compare-like"] == "1"  # a copied link reopens the view
    expected = released_in_both(bundled_db)
    notes = [m.value for m in at.markdown if m.value.startswith("Like-for-like")]
    assert notes == [f"Like-for-like: both rounds are counted over the same **{expected} offices**, which answered "
                     "both 2025 and 2026."]
    summary = tables(at, "adopted by", "dropped by")[0].set_index("code")
    assert not {c for c in summary.columns if "only" in c}     # nobody answered only one round here
    bases = {int(v.split(" of ")[1].split(" ")[0]) for v in summary["2026"]}
    assert max(bases) == expected                              # a suppressed cell leaves its option's base
    assert summary.loc["ST.97", "2025"] == "not asked"
    warnings = [w.value.replace("\\", "") for w in at.warning if "questionnaire changed" in w.value]
    assert len(warnings) == 1
    assert "Question standards is worded differently" in warnings[0] and "Option ST.97" in warnings[0]
    assert_not_named(at, "HN", "UY", "AP")


def test_a_link_with_the_toggle_reopens_the_like_for_like_view(app, bundled_db):
    at = app(bundled_db, "pages/2_Standards.py", {"standards-compare-like": "1", "kind": "regional"})
    assert not at.exception
    assert at.toggle(key="standards-compare-like").value is True
    # EP and EM answered both rounds (AP is regional too, but answered 2026 only and did not consent).
    assert [m.value for m in at.markdown if m.value.startswith("Like-for-like")] == [
        "Like-for-like: both rounds are counted over the same **2 offices** in the filter, which answered both "
        "2025 and 2026."]


def test_without_the_toggle_the_comparison_still_warns_about_the_questionnaire(app, bundled_db):
    at = app(bundled_db, "pages/2_Standards.py")
    assert not [m for m in at.markdown if m.value.startswith("Like-for-like")]
    assert len([w for w in at.warning if "questionnaire changed" in w.value]) == 1


def test_only_the_changed_question_warns_on_the_exchanged_data_page(app, bundled_db):
    at = app(bundled_db, "pages/3_Exchanged_data.py", {"formats-compare-like": "1"})
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning if "questionnaire changed" in w.value]
    assert len(warnings) == 1 and "Question formats is worded differently" in warnings[0]
    assert len([m for m in at.markdown if m.value.startswith("Like-for-like")]) == 1  # the formats tab only


@pytest.mark.parametrize("query", [{"challenges-compare-like": "1"}, {}])
def test_challenges_did_not_change_between_the_codebooks(app, bundled_db, query):
    at = app(bundled_db, "pages/4_Challenges.py", query)
    assert not at.exception
    assert not [w for w in at.warning if "questionnaire changed" in w.value]
    assert len([m for m in at.markdown if m.value.startswith("Like-for-like")]) == (1 if query else 0)
    assert_not_named(at, "HN", "UY", "AP")


def test_presentation_toggle_adds_the_like_for_like_slide(app, bundled_db):
    at = app(bundled_db, "pages/11_Presentation.py")
    assert at.toggle(key="like").value is False
    at = at.toggle(key="like").set_value(True).run()
    assert not at.exception and at.query_params["like"] == "1"
    assert any("slide 1 of 6" in c.value for c in at.caption)
    at = app(bundled_db, "pages/11_Presentation.py", {"present": "1", "like": "1", "slide": "6"})
    assert not at.exception
    texts = [m.value.replace("\\", "") for m in at.markdown]
    assert "# Share of the same offices using each standard, 2025 and 2026" in texts  # present mode: h1
    takeaway = next(t for t in texts if t.startswith("**Over the same"))
    assert f"Over the same {released_in_both(bundled_db)} offices, which answered both rounds" in takeaway
    assert "Option ST.97 of question standards is new in 2026" in takeaway
    assert any("slide 6 of 6" in c.value for c in at.caption)
    assert_not_named(at, "HN", "UY", "AP")
