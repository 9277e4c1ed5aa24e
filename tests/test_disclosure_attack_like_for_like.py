"""The differencing attack of tests/test_disclosure_attack.py, given the like-for-like comparison
too: the offices that answered both rounds and may be named (`queries.comparison`), and each
round's tick counts over them (`release.public_option_change_summary` over that set, as the
survey pages and the presentation show them).

The like-for-like figures count released offices only (rule 1 of docs/disclosure.md): each must
rest on cells the viewer sees, and added to everything else the viewer collects they must leave
every hidden answer open. To show the attack can fail here, the same comparison counted over
every office of both rounds (the hidden ones too) does give an answer away: the 2025 round total
less it is the sum of HN's and GH's cells, and GH's are shown.
"""
# ruff: noqa: F811 (the fixtures con, withheld and attacks come from test_disclosure_attack)
from __future__ import annotations

import pandas as pd
import pytest
from test_disclosure_attack import (  # noqa: F401 (con, withheld and attacks are fixtures)
    ROUNDS,
    SECTIONS,
    Attack,
    _all_hidden,
    _filters,
    attacks,
    con,
    withheld,
)

from queries import comparison, release, survey

FROM, TO = ROUNDS
COUNTED = ("not_respondent", "suppressed", "not_asked")  # states that a like-for-like count leaves out


def _small_filters(con, withheld):
    """No filter, every single office, every kind, region and kind x region: the like-for-like
    sets they give (sets of two or three offices only add sums of the same cells)."""
    return [(where, selection) for where, selection in _filters(con, _all_hidden(withheld))
            if selection is None or not where.startswith("offices ") or len(selection) == 1]


def _like_for_like(con, withheld, selection, section):
    offices = list(comparison.like_for_like_offices(con, FROM, TO, offices=selection, withheld=withheld)["office"])
    summary = release.public_option_change_summary(con, section, FROM, TO, offices=offices, withheld=withheld)
    changes = release.public_option_changes(con, section, FROM, TO, offices=offices, withheld=withheld)
    return offices, summary, changes


@pytest.fixture(scope="module")
def like_figures(con, withheld) -> list[tuple]:
    """(section, filter, offices, summary, changes) of every section and small filter."""
    return [(section, where, *_like_for_like(con, withheld, selection, section))
            for section in SECTIONS for where, selection in _small_filters(con, withheld)]


def _see_sums(attacks_by_round, section, summary, changes):
    """Each round's tick count of each option, as a sum over the offices whose cell it counts."""
    for row in summary.itertuples():
        direction = row.direction if isinstance(row.direction, str) else None
        rows = changes[(changes["code"] == row.code) & (changes["direction"].fillna("") == (direction or ""))]
        for round_, side in ((FROM, "from"), (TO, "to")):
            attack = attacks_by_round[round_]
            q = attack.question_of.get((section, direction, row.code))
            if q is None:
                continue
            members = frozenset(rows.loc[~rows[f"{side}_state"].isin(COUNTED), "office"])
            value = int(getattr(row, f"{side}_offices"))
            assert value == int((rows[f"{side}_state"] == "yes").sum())
            attack.tick_sums[(q, row.code)].add((members, value))


def test_like_for_like_sets_hold_no_hidden_office(con, withheld, attacks):
    hidden = attacks[FROM].hidden | attacks[TO].hidden
    for where, selection in _filters(con, _all_hidden(withheld)):
        offices = set(comparison.like_for_like_offices(con, FROM, TO, offices=selection, withheld=withheld)["office"])
        assert not offices & hidden, f"{where}: {sorted(offices & hidden)}"
        both = (attacks[FROM].respondents & attacks[TO].respondents) - hidden
        assert offices == (both if selection is None else both & set(selection)), where


def test_like_for_like_figures_rest_only_on_cells_shown(like_figures, attacks):
    checked = 0
    for section, where, offices, summary, changes in like_figures:
        assert set(changes["office"]) <= set(offices), where
        for row in changes.itertuples():
            direction = row.direction if isinstance(row.direction, str) else None
            for round_, state in ((FROM, row.from_state), (TO, row.to_state)):
                if state in COUNTED:
                    continue
                attack = attacks[round_]
                q = attack.question_of[(section, direction, row.code)]
                assert not attack.unknown(row.office, q, row.code), f"{where}: {round_} {row.office} {row.code}"
                checked += 1
        for row in summary.itertuples():
            assert row.only_from == 0 and row.only_to == 0, where  # one set of offices for both rounds
    assert checked > 1000


@pytest.mark.parametrize("round_", ROUNDS)
def test_like_for_like_figures_leave_every_hidden_answer_open(like_figures, attacks, round_):
    for section, _where, _offices, summary, changes in like_figures:
        _see_sums(attacks, section, summary, changes)
    assert attacks[round_].determined() == []


def _public_view(con, withheld, round_) -> Attack:
    """What the viewer sees of a round without any filter: matrices, totals, published figures."""
    attack = Attack(con, round_, withheld)
    for section in SECTIONS:
        attack.see_matrix(release.public_option_matrix(con, section, round_, withheld=withheld), section)
    attack.see_counts(release.public_option_counts(con, None, withheld=withheld), None, f"{round_} totals")
    attack.see_published(survey.published_vs_computed(con))
    return attack


def test_the_attack_finds_a_like_for_like_count_that_includes_hidden_offices(con, withheld):
    naive, guarded = _public_view(con, withheld, FROM), _public_view(con, withheld, FROM)
    guarded_by_round = {FROM: guarded, TO: _public_view(con, withheld, TO)}
    both = sorted(naive.respondents & set(survey.respondents_by_round(con).query("round == @TO")["office"]))
    assert "UY" in both and "HN" not in both
    for section in SECTIONS:
        summary = survey.option_change_summary(con, section, FROM, TO, offices=both)
        for row in summary.itertuples():
            direction = row.direction if isinstance(row.direction, str) else None
            q = naive.question_of.get((section, direction, row.code))
            if q is not None and not pd.isna(row.from_offices):
                naive.tick_sums[(q, row.code)].add((frozenset(both), int(row.from_offices)))
        _offices, summary, changes = _like_for_like(con, withheld, None, section)
        _see_sums(guarded_by_round, section, summary, changes)
    found = naive.determined()
    assert any(line.startswith(f"{FROM}: HN ") for line in found), found[:5]
    assert guarded.determined() == []
