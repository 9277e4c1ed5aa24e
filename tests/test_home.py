"""AppTest of the home page against the bundled database."""
from conftest import BUNDLED_AS_OF


def test_home_shows_headline_figures(app, bundled_db):
    at = app(bundled_db)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # 20 respondents in 2025 (CWS/13/14), 26 in the illustrative 2026 round.
    assert metrics["Respondents 2025"] == "20"
    assert metrics["Respondents 2026"] == "26"
    # 15 provider offices deliver in the bundled log; 1533 of 1628 due deliveries on time.
    assert metrics["Offices delivering"] == "15"
    assert metrics["On-time rate, all deliveries"] == "94.2%"
    assert metrics["Deliveries as of"] == BUNDLED_AS_OF


def test_home_says_data_is_illustrative_and_reconciles(app, bundled_db):
    at = app(bundled_db)
    assert any("Illustrative data" in w.value for w in at.warning)
    assert any("63 of 63 aggregates" in s.value for s in at.success)


def test_home_without_bundled_data_says_real(app, empty_db):
    at = app(empty_db)
    assert not at.exception
    assert not any("Illustrative data" in w.value for w in at.warning)
