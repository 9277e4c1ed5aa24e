"""What a viewer may be shown of the survey answers: the release, and the figures made from it.

The rule (docs: "Access and disclosure"), for a viewer from whom some respondents of a round
are hidden (`hidden`: offices that did not consent, less the viewer's own office):

1. **Hidden offices are non-respondents everywhere but in the round totals.** Every filtered
   figure (office, kind, region), every per-office row, the challenge categories, the round
   comparison, the contradictions and the peer values count only the released respondents. A
   hidden office chosen in a filter behaves exactly like an office that never answered. These
   figures are functions of released answers, so they can tell nothing about hidden ones.
2. **The round totals count every respondent** (per option: offices that ticked it and
   offices that left its question blank), so they match the aggregates CWS/13/14 publishes.
   From a total and the released rows a viewer can compute the hidden offices' sum: their
   answers are determined when the hidden group has 1 member, or when its tick count is 0 or
   all of it (blank count: all of it).
3. **Complementary suppression.** For each such total a released office's cell with the
   opposite value is suppressed (`masked_cells`; for blank counts, its whole question:
   `masked_questions`), so that the total is shared by a group whose sum is neither 0 nor its
   size: every answer in it stays possible. A suppressed cell is never shown, and every
   figure of rule 1 that would depend on it is suppressed too. Where no such cell exists the
   total itself is suppressed (`suppressed_totals`, `suppressed_blank_totals`). This is how
   statistical offices protect a published table (primary and secondary suppression).

`tests/test_disclosure_attack.py` attacks the result: it collects every figure of every filter
and solves for the hidden answers. The functions here take plain arguments, so `ui.data.query`
caches them per snapshot; `withheld` lists the hidden offices as 'round/office' keys.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from . import consistency, peers, review, survey


@dataclass(frozen=True)
class RoundRelease:
    """What may be shown of one round to a viewer from whom `hidden` is hidden."""
    round: str
    respondents: frozenset[str]
    hidden: frozenset[str]
    masked_cells: frozenset[tuple[str, str, str]]  # (office, question_id, option code)
    masked_questions: frozenset[tuple[str, str]]  # (office, question_id): the whole question
    suppressed_totals: frozenset[tuple[str, str]]  # (question_id, option code)
    suppressed_blank_totals: frozenset[str]  # question_id
    suppressed_cells: frozenset[tuple[str, str, str]] = frozenset()  # masked cells and wholly masked questions

    def cell_keys(self) -> list[str]:
        """The suppressed cells as 'round/office/question/option' keys (`survey` queries)."""
        return sorted(f"{self.round}/{o}/{q}/{c}" for o, q, c in self.suppressed_cells)

    @property
    def released(self) -> frozenset[str]:
        """Respondents whose answers may be shown (less their suppressed cells)."""
        return self.respondents - self.hidden

    def cell_masked(self, office: str, question_id: str, code: str) -> bool:
        return (office, question_id, code) in self.suppressed_cells


def withheld_keys(consent: pd.DataFrame, own_office: str | None = None) -> list[str] | None:
    """The respondents without consent (`queries.disclosure.consent_by_office`), less
    `own_office`, as 'round/office' keys; None when there are none."""
    refused = consent[~consent["consented"].astype(bool) & (consent["office"] != (own_office or ""))]
    return sorted(f"{r}/{o}" for r, o in zip(refused["round"], refused["office"])) or None


def hidden_by_round(withheld: list[str] | None) -> dict[str, frozenset[str]]:
    """{'2025': {'HN', ...}} from 'round/office' keys."""
    found: dict[str, set[str]] = {}
    for key in withheld or []:
        round_, _sep, office = key.rpartition("/")
        found.setdefault(round_, set()).add(office)
    return {r: frozenset(o) for r, o in found.items()}


#: Releases and answer cells already worked out, by snapshot id and round (and hidden offices):
#: every figure of a page needs them, and a snapshot never changes.
_RELEASES: dict[tuple, RoundRelease] = {}
_CELLS: dict[tuple, pd.DataFrame] = {}


def _snapshot(con) -> str | None:
    return con.execute("SELECT max(value) FROM meta WHERE key = 'snapshot_id'").fetchone()[0]


def _cells(con, round: str) -> pd.DataFrame:
    """`survey.answer_cells` of `round`, kept per snapshot (callers must not change it)."""
    key = (_snapshot(con), str(round))
    if key[0] is None or key not in _CELLS:
        if len(_CELLS) > 64:
            _CELLS.clear()
        _CELLS[key] = survey.answer_cells(con, str(round))
    return _CELLS[key]


def round_release(con, round: str, hidden: list[str] | None = None) -> RoundRelease:
    """The release of `round` for a viewer from whom `hidden` is hidden (rule in the module
    docstring): which cells and totals complementary suppression withholds."""
    snapshot = _snapshot(con)
    key = (snapshot, str(round), tuple(sorted(hidden or ())))
    if snapshot is None or key not in _RELEASES:
        if len(_RELEASES) > 256:
            _RELEASES.clear()
        _RELEASES[key] = _work_out_release(con, str(round), key[2])
    return _RELEASES[key]


def _work_out_release(con, round: str, hidden) -> RoundRelease:
    cells = _cells(con, round)
    respondents = frozenset(con.execute("SELECT office FROM survey_respondents WHERE round = $r",
                                        {"r": round}).df()["office"])
    hidden_set = frozenset(hidden or ()) & respondents
    masked_cells: set[tuple[str, str, str]] = set()
    masked_questions: set[tuple[str, str]] = set()
    suppressed_totals: set[tuple[str, str]] = set()
    suppressed_blanks: set[str] = set()
    if hidden_set and len(cells):
        size = len(hidden_set)
        cells = cells.assign(hidden=cells["office"].isin(hidden_set))
        masks_of = {}  # office -> suppressed cells so far: masks gather on few offices

        def pick(candidates: pd.Series) -> str | None:
            offices = sorted(set(candidates), key=lambda o: (-masks_of.get(o, 0), o))
            return offices[0] if offices else None

        for question_id, question in cells.groupby("question_id", sort=False):
            states = question.drop_duplicates("office").set_index("office")["state"]
            blank_hidden = int((states[list(hidden_set)] == "no_answer").sum())
            whole = None
            if blank_hidden == size:  # every hidden office left the question blank
                answered = states[(states != "no_answer") & ~states.index.isin(hidden_set)].index
                whole = pick(pd.Series(answered))
                if whole is None:
                    suppressed_blanks.add(question_id)
                else:
                    masked_questions.add((whole, question_id))
                    masks_of[whole] = masks_of.get(whole, 0) + 1
            for code, option in question.groupby("code", sort=False):
                if whole is not None:
                    # The blank count is now shared with `whole`: which of them answered, and so
                    # every state of the hidden offices, stays open.
                    continue
                ticks = int((option.loc[option["hidden"], "state"] == "yes").sum())
                if size > 1 and 0 < ticks < size:
                    continue
                wanted = "no" if ticks == size else "yes"
                candidates = option.loc[~option["hidden"] & (option["state"] == wanted), "office"]
                chosen = pick(candidates)
                if chosen is None:
                    suppressed_totals.add((question_id, code))
                else:
                    masked_cells.add((chosen, question_id, code))
                    masks_of[chosen] = masks_of.get(chosen, 0) + 1
    whole = {(o, q, c) for o, q, c in zip(cells["office"], cells["question_id"], cells["code"])
             if (o, q) in masked_questions}
    return RoundRelease(round, respondents, hidden_set, frozenset(masked_cells), frozenset(masked_questions),
                        frozenset(suppressed_totals), frozenset(suppressed_blanks),
                        frozenset(masked_cells) | frozenset(whole))


def _public_only(con, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` less the rows of the rounds that no public view shows (`review.public_rounds`: a
    draft, or a round in review not shown provisionally). Every figure of this module passes
    through it, whoever the viewer: the secretariat and the offices see those rounds' entries on
    the Review page."""
    if "round" not in frame:
        return frame
    return frame[frame["round"].astype(str).isin(review.public_rounds(con))].reset_index(drop=True)


def _releases(con, withheld: list[str] | None, rounds) -> dict[str, RoundRelease]:
    hidden = hidden_by_round(withheld)
    return {str(r): round_release(con, str(r), sorted(hidden.get(str(r), ()))) for r in rounds}


def _masked_options(release: RoundRelease, offices) -> tuple[set[tuple[str, str]], set[str]]:
    """(question_id, code) pairs with a suppressed cell among `offices`, and the questions
    with a wholly suppressed answer among them."""
    offices = set(offices)
    cells = {(q, c) for o, q, c in release.masked_cells if o in offices}
    whole = {q for o, q in release.masked_questions if o in offices}
    return cells, whole


def _nullable(frame: pd.DataFrame, columns) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            frame[column] = frame[column].astype("Float64" if column == "share" else "Int64")
    return frame


def public_option_counts(con, section: str | None, direction: str | None = None,
                         offices: list[str] | None = None, withheld: list[str] | None = None) -> pd.DataFrame:
    """`survey.option_counts` as a viewer may see it. No office filter (`offices` None): the
    round totals over every respondent, with the totals that complementary suppression
    withholds set to NULL. With a filter: over the released respondents in it only, a count
    NULL where a suppressed cell falls in its base. `suppressed` marks the NULL counts."""
    filtered = offices is not None
    counts = survey.option_counts(con, section, direction, offices=offices, withheld=withheld if filtered else None)
    counts = _nullable(_public_only(con, counts), ["offices", "no_answer", "share"])
    counts["suppressed"] = False
    if not withheld or counts.empty:
        return counts
    no_ticks, no_blanks = [], []
    releases = _releases(con, withheld, counts["round"].unique())
    withheld_cells = {}
    for round_, rel in releases.items():
        if filtered:
            withheld_cells[round_] = _masked_options(rel, rel.released & set(offices))
        else:
            withheld_cells[round_] = (rel.suppressed_totals, rel.suppressed_blank_totals)
    for round_, question, code in zip(counts["round"], counts["question_id"], counts["code"]):
        cells, questions = withheld_cells[round_]
        blank_hidden = question in questions
        no_ticks.append((question, code) in cells or (filtered and blank_hidden))
        no_blanks.append(blank_hidden)
    no_ticks, no_blanks = pd.Series(no_ticks, index=counts.index), pd.Series(no_blanks, index=counts.index)
    counts["offices"] = counts["offices"].mask(no_ticks)
    counts["share"] = counts["share"].mask(no_ticks)
    counts["no_answer"] = counts["no_answer"].mask(no_blanks)
    counts["suppressed"] = no_ticks | no_blanks
    return counts


def public_option_matrix(con, section: str, round: str, direction: str | None = None,
                         offices: list[str] | None = None, withheld: list[str] | None = None) -> pd.DataFrame:
    """`survey.option_matrix` of the released respondents (within `offices`), a suppressed
    cell with state 'suppressed'."""
    keys = _releases(con, withheld, [round])[str(round)].cell_keys() if withheld else None
    return _public_only(con, survey.option_matrix(con, section, round, direction, offices=offices, withheld=withheld,
                                                 suppressed=keys or None))


def _cell_keys(con, withheld: list[str] | None, rounds) -> list[str] | None:
    if not withheld:
        return None
    return [k for r in _releases(con, withheld, rounds).values() for k in r.cell_keys()] or None


def _question_ids(con, round: str, section: str) -> dict[tuple, str]:
    """(direction, option code) -> question id, for the options of `round` tagged `section`."""
    cells = _cells(con, round)
    cells = cells[cells["section"] == section].drop_duplicates(["direction", "code"])
    return {(d if isinstance(d, str) else None, c): q
            for d, c, q in zip(cells["direction"], cells["code"], cells["question_id"])}


def public_category_counts(con, offices: list[str] | None = None,
                           withheld: list[str] | None = None) -> pd.DataFrame:
    """`survey.challenge_category_counts` over the released respondents (within `offices`).
    A category's count is NULL (`suppressed`) where a respondent in the base has a suppressed
    challenge cell of that category and ticks no other challenge of it that is shown."""
    counts = _nullable(_public_only(con, survey.challenge_category_counts(con, offices=offices, withheld=withheld)),
                       ["offices", "no_answer", "share"])
    counts["suppressed"] = False
    if not withheld or counts.empty:
        return counts
    for round_, release in _releases(con, withheld, counts["round"].unique()).items():
        base = release.released & (set(offices) if offices is not None else release.released)
        cells = _cells(con, round_)
        cells = cells[(cells["section"] == "challenges") & cells["office"].isin(base)]
        if cells.empty:
            continue
        masked = pd.Series([release.cell_masked(o, q, c) for o, q, c in
                            zip(cells["office"], cells["question_id"], cells["code"])], index=cells.index)
        cells = cells.assign(masked=masked, shown_yes=~masked & (cells["state"] == "yes"))
        per_office = cells.groupby(["office", "direction", "category"], dropna=False).agg(
            masked=("masked", "any"), shown_yes=("shown_yes", "any")).reset_index()
        unknown = per_office[per_office["masked"] & ~per_office["shown_yes"]]
        _cells_hit, whole = _masked_options(release, base)
        blank_unknown = set(cells.loc[cells["question_id"].isin(whole), "direction"])
        for row in counts[counts["round"] == round_].itertuples():
            if ((unknown["direction"] == row.direction) & (unknown["category"] == row.category)).any():
                counts.loc[row.Index, ["offices", "share"]] = pd.NA
                counts.loc[row.Index, "suppressed"] = True
            if row.direction in blank_unknown:
                counts.loc[row.Index, "no_answer"] = pd.NA
                counts.loc[row.Index, "suppressed"] = True
    return counts


def public_option_changes(con, section: str, from_round: str, to_round: str, direction: str | None = None,
                          offices: list[str] | None = None, withheld: list[str] | None = None) -> pd.DataFrame:
    """`survey.option_changes` of the released respondents of each round (an office hidden in
    one round counts as not answering it); a row resting on a suppressed cell in either round
    gets change 'suppressed'. No row unless both rounds are public."""
    changes = survey.option_changes(con, section, from_round, to_round, direction, offices=offices,
                                    withheld=withheld, suppressed=_cell_keys(con, withheld, [from_round, to_round]))
    return changes if _both_public(con, from_round, to_round) else changes.iloc[0:0]


def _both_public(con, *rounds) -> bool:
    return all(str(r) in review.public_rounds(con) for r in rounds)


def public_option_change_summary(con, section: str, from_round: str, to_round: str,
                                 direction: str | None = None, offices: list[str] | None = None,
                                 withheld: list[str] | None = None) -> pd.DataFrame:
    """`survey.option_change_summary` of the released respondents of each round; a suppressed
    cell counts in no column (nor base) but `suppressed_cells`, and `suppressed` marks the
    options that have one. No row unless both rounds are public."""
    summary = survey.option_change_summary(con, section, from_round, to_round, direction, offices=offices,
                                           withheld=withheld,
                                           suppressed=_cell_keys(con, withheld, [from_round, to_round]))
    summary["suppressed"] = summary["suppressed_cells"] > 0
    return summary if _both_public(con, from_round, to_round) else summary.iloc[0:0]


def public_contradictions(con, round: str, withheld: list[str] | None = None) -> pd.DataFrame:
    """`consistency.contradictions` of the released respondents of `round`, less those whose
    evidence includes a suppressed cell."""
    found = _public_only(con, consistency.contradictions(con, str(round)))
    if not withheld:
        return found
    release = round_release(con, str(round), sorted(hidden_by_round(withheld).get(str(round), ())))
    facts = _masked_facts(con, release)
    keep = [o in release.released and not any(f"{fact} =" in evidence for fact in facts.get(o, ()))
            for o, evidence in zip(found["office"], found["evidence"])]
    return found[pd.Series(keep, index=found.index, dtype=bool)].reset_index(drop=True)


def _masked_facts(con, release: RoundRelease) -> dict[str, set[str]]:
    """Per office, the facts (`consistency` names) of its suppressed cells."""
    cells = _cells(con, release.round)
    facts: dict[str, set[str]] = {}
    for o, q, s, d, c in zip(cells["office"], cells["question_id"], cells["section"], cells["direction"],
                             cells["code"]):
        if release.cell_masked(o, q, c):
            parts = [s] + ([d] if isinstance(d, str) else []) + [c]
            facts.setdefault(o, set()).add(":".join(parts))
    return facts


def public_contradiction_rules(con, withheld: list[str] | None = None) -> pd.DataFrame:
    """`consistency.contradiction_rules` counted over the released respondents whose cells read
    by the rule are all shown: `base` is those offices, `offices` those of them the rule finds;
    `suppressed` marks the rules whose base leaves out an office with a suppressed cell."""
    rules = _nullable(_public_only(con, consistency.contradiction_rules(con)), ["offices", "base"])
    rules["suppressed"] = False
    if not withheld or rules.empty:
        return rules
    reads = consistency.rule_facts(con)
    for round_, rel in _releases(con, withheld, rules["round"].unique()).items():
        found = public_contradictions(con, round_, withheld)
        masked = _masked_facts(con, rel)
        for row in rules[rules["round"] == round_].itertuples():
            left_out = {o for o, facts in masked.items() if facts & set(reads.get(row.rule, ()))}
            base = rel.released - left_out
            rules.loc[row.Index, ["base", "suppressed"]] = [len(base), bool(left_out)]
            if not pd.isna(row.offices):
                rules.loc[row.Index, "offices"] = int(found.loc[found["rule"] == row.rule, "office"].isin(base).sum())
    return rules


def public_peer_values(con, round: str | None = None, as_of=None, withheld: list[str] | None = None) -> pd.DataFrame:
    """`peers.metric_values` less the survey values of hidden offices and of offices with a
    suppressed cell in the metric's section (their count would give the cell away); no survey
    value of a round that is not public."""
    if round is not None and str(round) not in review.public_rounds(con):
        round = None
    values = peers.metric_values(con, round=round, as_of=as_of)
    if not withheld or round is None or values.empty:
        return values
    release = round_release(con, str(round), sorted(hidden_by_round(withheld).get(str(round), ())))
    cells = _cells(con, str(round))
    masked = pd.Series([release.cell_masked(o, q, c) for o, q, c in
                        zip(cells["office"], cells["question_id"], cells["code"])], index=cells.index, dtype=bool)
    sections_of = cells[masked].groupby("office")["section"].agg(set).to_dict()
    section = {m.key: m.section for m in peers.METRICS}
    keep = [not (src == "survey" and (o in release.hidden or section.get(m) in sections_of.get(o, set())))
            for o, m, src in zip(values["office"], values["metric"], values["source"])]
    return values[pd.Series(keep, index=values.index, dtype=bool)].reset_index(drop=True)


def public_standard_twins(con, round: str, office: str | None = None, as_of=None,
                          withheld: list[str] | None = None) -> pd.DataFrame:
    """`peers.standard_twins` of the released respondents of `round`: a hidden office has no
    row and is no twin, and a suppressed standards cell names no missing standard and no twin."""
    twins = peers.standard_twins(con, str(round), office, as_of=as_of, withheld=withheld,
                                 suppressed=_cell_keys(con, withheld, [str(round)]))
    return twins if str(round) in review.public_rounds(con) else twins.iloc[0:0]


def public_published_vs_computed(con, withheld: list[str] | None = None) -> pd.DataFrame:
    """`survey.published_vs_computed` with the computed totals that complementary suppression
    withholds set to NULL (`suppressed`; never counted as matching or differing), computed from
    the public rounds only (a round not public is computed as a round not loaded)."""
    table = _nullable(survey.published_vs_computed(con, rounds=review.public_rounds(con)),
                      ["computed", "difference"])
    table["suppressed"] = False
    if not withheld or table.empty:
        return table
    for round_, release in _releases(con, withheld, table["round"].unique()).items():
        for row in table[table["round"] == round_].itertuples():
            questions = _question_ids(con, round_, row.section)
            question = questions.get((row.direction if isinstance(row.direction, str) else None, row.code))
            if question and (question, row.code) in release.suppressed_totals:
                table.loc[row.Index, ["computed", "difference"]] = pd.NA
                table.loc[row.Index, ["suppressed", "matches"]] = [True, False]
    return table
