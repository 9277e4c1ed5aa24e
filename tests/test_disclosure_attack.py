"""The differencing attack on the public survey figures, on the bundled data.

A public viewer collects every figure the survey pages show (through the same
`queries.release` functions the pages call, checked against the pages below) for every office
set of up to 3 offices, every office kind and every region, in both bundled rounds, plus the
per-office matrices and the published CWS/13/14 aggregates. It then solves, option by option,
for the answers of the offices that did not consent: every assignment of their cells (and of
the suppressed cells) that agrees with all figures is tried. The test fails when any hidden
office's answer to any option (ticked, not ticked or left blank) is the same in every
solution: then the figures determine it.

Figures that count released offices only (challenge categories, round comparisons, peer
values, contradictions) must be functions of the cells the viewer can see: each of them is
checked to rest on no unknown cell.
"""
from __future__ import annotations

import itertools
from collections import defaultdict

import pandas as pd
import pytest

from queries import comparison, consistency, release, survey
from queries.disclosure import consent_by_office

SECTIONS = ("standards", "ip_rights", "data_types", "formats", "challenges")
ROUNDS = ("2025", "2026")


@pytest.fixture(scope="module")
def con(bundled_db):
    from loaders import cursor, open_snapshot
    connection = open_snapshot(bundled_db)
    yield cursor(connection)
    connection.close()


@pytest.fixture(scope="module")
def withheld(con) -> list[str]:
    return release.withheld_keys(consent_by_office(con))


def _filters(con, hidden: set[str]) -> list[tuple[str, list[str] | None]]:
    """Every filter that matters: none; every set of 1 or 2 offices among the respondents of
    any round and one office that never answered; every set of 3 of them with a hidden office
    (a set without one adds only sums of released cells, and a suppressed cell reaching a
    filtered count is already caught by the sets of 1 and 2); each kind, each region and each
    kind x region of the ST.3 list."""
    respondents = sorted(con.execute("SELECT DISTINCT office FROM survey_respondents").df()["office"])
    offices = con.execute("SELECT code, kind, region FROM offices").df()
    outsider = sorted(set(offices["code"]) - set(respondents))[:1]
    pool = respondents + outsider
    filters: list[tuple[str, list[str] | None]] = [("no filter", None)]
    for size in (1, 2, 3):
        filters += [(f"offices {','.join(c)}", list(c)) for c in itertools.combinations(pool, size)
                    if size < 3 or set(c) & hidden]
    for kind, group in offices.groupby("kind"):
        filters.append((f"kind {kind}", sorted(group["code"])))
        for region, both in group.groupby("region"):
            filters.append((f"kind {kind} region {region}", sorted(both["code"])))
    for region, group in offices.groupby("region"):
        filters.append((f"region {region}", sorted(group["code"])))
    return filters


def _all_hidden(withheld: list[str]) -> set[str]:
    return {key.rpartition("/")[2] for key in withheld}


class Attack:
    """What the viewer knows of one round: cell states shown, and sums over office sets."""

    def __init__(self, con, round_: str, withheld: list[str]):
        self.round = round_
        self.truth = survey.answer_cells(con, round_)
        self.respondents = set(self.truth["office"])
        self.hidden = release.hidden_by_round(withheld).get(round_, frozenset())
        self.options = {(q, c): (s, d) for q, c, s, d in self.truth[["question_id", "code", "section", "direction"]]
                        .drop_duplicates().itertuples(index=False)}
        self.question_of = {}
        for (q, c), (s, d) in self.options.items():
            self.question_of[(s, d if isinstance(d, str) else None, c)] = q
        self.known: dict[tuple[str, str, str], str] = {}  # (office, question, code) -> state shown
        self.tick_sums: dict[tuple[str, str], set] = defaultdict(set)  # (q, code) -> {(offices, value)}
        self.blank_sums: dict[str, set] = defaultdict(set)  # q -> {(offices, value)}

    def see_matrix(self, matrix: pd.DataFrame, section: str) -> None:
        for o, d, c, state in zip(matrix["office"], matrix["direction"], matrix["code"], matrix["state"]):
            q = self.question_of.get((section, d if isinstance(d, str) else None, c))
            if q is None or state in ("not_asked", "suppressed"):
                continue
            assert o not in self.hidden, f"{self.round}: hidden office {o} has a row in a public matrix"
            self.known[(o, q, c)] = state

    def base_set(self, selection, base: int, where: str) -> frozenset[str]:
        """The offices a figure counts, as the viewer reads them off its base."""
        if selection is None:
            everyone = frozenset(self.respondents)
            assert base == len(everyone), f"{where}: unfiltered base {base} is not the respondents"
            return everyone
        all_in = frozenset(self.respondents & set(selection))
        released_in = frozenset(all_in - self.hidden)
        if base == len(released_in):
            return released_in
        assert base == len(all_in), f"{where}: base {base} matches no reading of the filter"
        return all_in

    def see_counts(self, counts: pd.DataFrame, selection, where: str) -> None:
        for row in counts[counts["round"] == self.round].itertuples():
            offices = self.base_set(selection, int(row.base), where)
            if not pd.isna(row.offices):
                self.tick_sums[(row.question_id, row.code)].add((offices, int(row.offices)))
            if not pd.isna(row.no_answer):
                self.blank_sums[row.question_id].add((offices, int(row.no_answer)))

    def see_published(self, published: pd.DataFrame) -> None:
        for row in published[published["round"] == self.round].itertuples():
            q = self.question_of.get((row.section, row.direction if isinstance(row.direction, str) else None, row.code))
            if q is not None:
                self.tick_sums[(q, row.code)].add((frozenset(self.respondents), int(row.published)))

    def unknown(self, office: str, q: str, c: str) -> bool:
        return (office, q, c) not in self.known

    def determined(self) -> list[str]:
        """Every (hidden office, option) whose state is the same in every solution."""
        found = []
        for q, options in self.truth.groupby("question_id"):
            codes = list(dict.fromkeys(options["code"]))
            offices = sorted({o for o in self.respondents for c in codes if self.unknown(o, q, c)})
            blank_known = {o: any(self.known.get((o, q, c)) == "no_answer" for c in codes)
                           for o in offices if any(not self.unknown(o, q, c) for c in codes)}
            free = [o for o in offices if o not in blank_known]
            possible: dict[tuple[str, str], set] = defaultdict(set)
            for bits in itertools.product((0, 1), repeat=len(free)):
                blank = dict(blank_known) | {o: bool(b) for o, b in zip(free, bits)}
                if not self._blanks_fit(q, blank):
                    continue
                per_option = {}
                for c in codes:
                    states = self._option_states(q, c, offices, blank)
                    if not states:
                        break
                    per_option[c] = states
                else:
                    for c, states in per_option.items():
                        for solution in states:
                            for o, state in solution.items():
                                possible[(o, c)].add(state)
            for o in sorted(self.hidden):
                for c in codes:
                    states = possible.get((o, c), set())
                    assert states, f"{self.round} {q}: the figures have no solution (inconsistent collection)"
                    if len(states) == 1:
                        found.append(f"{self.round}: {o} {q}/{c} is determined: {states.pop()}")
        return found

    def _known_blank(self, office: str, q: str) -> bool:
        return any(state == "no_answer" for (o, qq, _c), state in self.known.items() if o == office and qq == q)

    def _blanks_fit(self, q: str, blank: dict[str, bool]) -> bool:
        for offices, value in self.blank_sums.get(q, ()):
            total = sum(blank[o] if o in blank else self._known_blank(o, q) for o in offices)
            if total != value:
                return False
        return True

    def _option_states(self, q: str, c: str, offices: list[str], blank: dict[str, bool]) -> list[dict]:
        """Every assignment of the unknown cells of option (q, c) that fits its tick sums."""
        free = [o for o in offices if self.unknown(o, q, c) and not blank.get(o, False)]
        fixed = {o: "no_answer" for o in offices if self.unknown(o, q, c) and blank.get(o, False)}
        solutions = []
        for bits in itertools.product((0, 1), repeat=len(free)):
            ticks = {o: b for o, b in zip(free, bits)}
            fits = True
            for members, value in self.tick_sums.get((q, c), ()):
                total = sum(ticks.get(o, 0) if o in ticks else (self.known.get((o, q, c)) == "yes")
                            for o in members)
                if total != value:
                    fits = False
                    break
            if fits:
                solutions.append(fixed | {o: "yes" if b else "no" for o, b in ticks.items()})
        return solutions


@pytest.fixture(scope="module")
def attacks(con, withheld) -> dict[str, Attack]:
    """Everything a public viewer can collect, per round."""
    attacks = {round_: Attack(con, round_, withheld) for round_ in ROUNDS}
    for round_, attack in attacks.items():
        for section in SECTIONS:
            attack.see_matrix(release.public_option_matrix(con, section, round_, withheld=withheld), section)
        attack.see_published(survey.published_vs_computed(con))
    for where, selection in _filters(con, _all_hidden(withheld)):
        counts = release.public_option_counts(con, None, offices=selection, withheld=withheld)
        for round_, attack in attacks.items():
            attack.see_counts(counts, selection, f"{round_} {where}")
    return attacks


def test_bundled_rounds_have_hidden_offices_to_attack(attacks):
    assert attacks["2025"].hidden == {"HN", "UY"}
    assert attacks["2026"].hidden == {"UY", "AP"}


@pytest.mark.parametrize("round_", ROUNDS)
def test_no_combination_of_public_figures_determines_a_hidden_answer(attacks, round_):
    assert attacks[round_].determined() == []


def test_the_attack_finds_what_the_old_small_cell_rule_let_through(con, withheld):
    """The attack itself can fail: figures over HN + BR + CA that count HN, beside the released
    rows of BR and CA (the reported hole), determine HN's answers."""
    attack = Attack(con, "2025", withheld)
    for section in SECTIONS:
        attack.see_matrix(survey.option_matrix(con, section, "2025", withheld=withheld), section)
    attack.see_counts(survey.option_counts(con, None, offices=["HN", "BR", "CA"]), ["HN", "BR", "CA"], "HN+BR+CA")
    found = attack.determined()
    assert any(line.startswith("2025: HN ") for line in found)
    assert not any(line.startswith("2025: UY ") for line in found)


def test_complementary_suppression_is_needed_and_applied(con, withheld):
    """Without the suppressed cells, the round totals beside the released rows would determine
    hidden answers; with them they do not (the test above)."""
    attack = Attack(con, "2025", withheld)
    for section in SECTIONS:
        attack.see_matrix(survey.option_matrix(con, section, "2025", withheld=withheld), section)
    attack.see_counts(survey.option_counts(con, None), None, "totals")
    assert attack.determined()
    chosen = release.round_release(con, "2025", ["HN", "UY"])
    assert chosen.masked_cells and not chosen.hidden & {o for o, _q, _c in chosen.masked_cells}


def _unknown_cells(attack: Attack, offices, q_codes) -> bool:
    return any(attack.unknown(o, q, c) for o in offices for q, c in q_codes)


def test_category_counts_rest_only_on_cells_shown(con, withheld, attacks):
    """Over the first 300 filters (no filter, every single office and the pairs after them)."""
    options = {}
    for round_, attack in attacks.items():
        for (q, c), (s, d) in attack.options.items():
            if s == "challenges":
                category = attack.truth.loc[(attack.truth["question_id"] == q) & (attack.truth["code"] == c),
                                            "category"].iloc[0]
                options.setdefault((round_, d, category), []).append((q, c))
    checked = 0
    for where, selection in _filters(con, _all_hidden(withheld))[:300]:
        counts = release.public_category_counts(con, offices=selection, withheld=withheld)
        for round_, attack in attacks.items():
            for row in counts[counts["round"] == round_].itertuples():
                offices = attack.base_set(sorted(attack.respondents) if selection is None else selection,
                                          int(row.base), where)
                assert not offices & attack.hidden, f"{where}: a category count includes a hidden office"
                if pd.isna(row.offices):
                    continue
                q_codes = options[(round_, row.direction, row.category)]
                for o in offices:
                    if _unknown_cells(attack, [o], q_codes):
                        shown_yes = any(attack.known.get((o, q, c)) == "yes" for q, c in q_codes)
                        assert shown_yes, f"{where}: category {row.category} rests on a suppressed cell of {o}"
                checked += 1
    assert checked > 100


def test_round_comparison_rests_only_on_cells_shown(con, withheld, attacks):
    for section in SECTIONS:
        for where, selection in _filters(con, _all_hidden(withheld))[:40]:
            changes = release.public_option_changes(con, section, "2025", "2026", offices=selection,
                                                    withheld=withheld)
            summary = release.public_option_change_summary(con, section, "2025", "2026", offices=selection,
                                                           withheld=withheld)
            for round_ in ROUNDS:
                assert not set(changes.loc[changes["from_state" if round_ == "2025" else "to_state"]
                                           != "not_respondent", "office"]) & attacks[round_].hidden
            shown = changes[changes["change"] != "suppressed"]
            for row in shown.itertuples():
                for round_, state in (("2025", row.from_state), ("2026", row.to_state)):
                    if state in ("not_respondent", "not_asked"):
                        continue
                    attack = attacks[round_]
                    q = attack.question_of.get((section, row.direction if isinstance(row.direction, str) else None,
                                                row.code))
                    assert not attack.unknown(row.office, q, row.code), f"{where}: {row.office} {row.code}"
            # Each count of the summary is the count of shown rows: a suppressed cell counts nowhere.
            for row in summary.itertuples():
                rows = changes[(changes["code"] == row.code)
                               & (changes["direction"].fillna("") == (row.direction or ""))]
                assert row.adopted == (rows["change"] == "adopted").sum(), where
                assert row.from_base == (~rows["from_state"].isin(["not_respondent", "suppressed"])).sum(), where
                assert row.to_offices == (rows["to_state"] == "yes").sum(), where


@pytest.mark.parametrize("round_", ROUNDS)
def test_peer_values_and_contradictions_rest_only_on_cells_shown(con, withheld, attacks, round_):
    attack = attacks[round_]
    values = release.public_peer_values(con, round=round_, withheld=withheld)
    survey_values = values[values["source"] == "survey"]
    assert len(survey_values)
    section_of = {m.key: m.section for m in release.peers.METRICS}
    for row in survey_values.itertuples():
        assert row.office not in attack.hidden
        q_codes = [k for k, (s, _d) in attack.options.items() if s == section_of[row.metric]]
        assert not _unknown_cells(attack, [row.office], q_codes), f"{row.metric} of {row.office}"
    found = release.public_contradictions(con, round_, withheld)
    assert not set(found["office"]) & attack.hidden
    rules = release.public_contradiction_rules(con, withheld)
    rules = rules[rules["round"] == round_]
    reads = consistency.rule_facts(con)
    chosen = release.round_release(con, round_, sorted(attack.hidden))
    facts_of = defaultdict(set)
    for o, q, c in chosen.suppressed_cells:
        s, d = attack.options[(q, c)]
        facts_of[o].add(f"{s}:{d}:{c}" if isinstance(d, str) else f"{s}:{c}")
    for row in rules.itertuples():
        left_out = {o for o, facts in facts_of.items() if facts & set(reads[row.rule])}
        assert int(row.base) == len(attack.respondents - attack.hidden - left_out), row.rule
        if not pd.isna(row.offices):
            assert int(row.offices) == int(found.loc[found["rule"] == row.rule, "office"].isin(
                attack.respondents - attack.hidden - left_out).sum())
            assert not set(found.loc[found["rule"] == row.rule, "office"]) & left_out


# ------------------------------------------------------- the like-for-like comparison too
# The attack above, given the like-for-like comparison too: the offices that answered both rounds and may be named (`queries.comparison`), and each
# round's tick counts over them (`release.public_option_change_summary` over that set, as the
# survey pages and the presentation show them).
#
# The like-for-like figures count released offices only (rule 1 of docs/disclosure.md): each must
# rest on cells the viewer sees, and added to everything else the viewer collects they must leave
# every hidden answer open. To show the attack can fail here, the same comparison counted over
# every office of both rounds (the hidden ones too) does give an answer away: the 2025 round total
# less it is the sum of HN's and GH's cells, and GH's are shown.

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
