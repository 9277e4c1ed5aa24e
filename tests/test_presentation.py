"""Presentation view: `?present=1` (on its page or on the home page) hides every filter and
control but the slide buttons, and steps through the key charts one per screen, each with a
takeaway computed from the data and its provenance."""
from __future__ import annotations

from conftest import BUNDLED_AS_OF

PAGE = "pages/11_Presentation.py"
N_KEY_CHARTS = 5


def filter_widgets(at) -> list:
    return list(at.selectbox) + list(at.multiselect) + list(at.toggle) + list(at.date_input) + list(at.text_input)


def test_normal_view_has_filters_and_the_toggle(app, bundled_db):
    at = app(bundled_db, PAGE)
    assert not at.exception
    assert at.toggle(key="present").value is False
    assert at.selectbox(key="round").value == "2026"
    assert at.date_input(key="as_of").value.isoformat() == BUNDLED_AS_OF


def test_present_mode_hides_the_controls_and_shows_takeaways(app, bundled_db):
    at = app(bundled_db, PAGE, query={"present": "1"})
    assert not at.exception
    assert filter_widgets(at) == []
    assert [b.key for b in at.button] == ["slide-previous", "slide-next", "present-exit"]
    assert len(at.get("plotly_chart")) == 1  # one key chart per screen
    texts = [m.value for m in at.markdown]
    # The first key chart: the standards, with its takeaway computed from the bundled answers
    # (ST.36 ticked by 19 of the 26 respondents of 2026, 12 of 20 in 2025).
    assert any("most used standard in 2026" in t and "19 of 26" in t and "12 of 20" in t
               for t in (t.replace("\\", "") for t in texts))
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any("illustrative data" in c and "slide 1 of 5" in c for c in captions)


def test_present_mode_steps_through_every_key_chart(app, bundled_db):
    at = app(bundled_db, PAGE, query={"present": "1"})
    titles, takeaways = [], []
    for _ in range(N_KEY_CHARTS):
        titles.append(at.markdown[0].value)
        takeaways.append(at.markdown[1].value)
        assert filter_widgets(at) == []
        if len(titles) < N_KEY_CHARTS:
            at.button(key="slide-next").click().run()
    assert len(set(titles)) == N_KEY_CHARTS and all(t.startswith("**") for t in takeaways)
    assert at.button(key="slide-next").disabled  # the last slide
    assert any("as of 2026-11-20" in c.value.replace("\\", "") for c in at.caption)  # delivery provenance footer
    assert at.query_params["slide"] == str(N_KEY_CHARTS)  # a copied link reopens this slide


def test_home_page_with_present_switches_to_the_presentation(app, bundled_db):
    at = app(bundled_db, "dashboard.py", query={"present": "1"})
    assert not at.exception
    assert filter_widgets(at) == []
    assert at.button(key="slide-next") is not None
    assert not any(m.label.startswith("Respondents") for m in at.metric)  # not the home page


def test_exit_returns_to_the_normal_view(app, bundled_db):
    at = app(bundled_db, PAGE, query={"present": "1"})
    at.button(key="present-exit").click().run()
    assert "present" not in at.query_params
    assert at.toggle(key="present").value is False
    assert at.selectbox(key="round") is not None
