"""Like-for-like comparison of two survey rounds: the same offices in both.

Two rounds' shares are not comparable when different offices answered them: an office that
joined in the later round moves every share. The like-for-like comparison counts only the
offices that answered **both** rounds (`like_for_like_offices`), and shows each round's figures
over that one set: the same base in both rounds, so a change in a count is a change of answers.

Disclosure (`queries.release`, docs/disclosure.md): an office whose answers of either round
may not be shown to the viewer counts as not answering that round, so the set holds only
offices released in both rounds (a hidden office is a non-respondent here as everywhere but in
the round totals). The comparison's figures are `release.public_option_change_summary` and
`release.public_option_changes` over that set: figures of rule 1, made of released cells only,
a suppressed cell counting in no column nor base. The set itself lists released offices,
which the viewer may see named in both rounds: it tells nothing about a hidden one.

Where a question's wording or options changed between the two codebooks
(`queries.questionnaire.codebook_changes`), the comparison says so beside its figures.
"""
from __future__ import annotations

import pandas as pd

from .release import hidden_by_round


def like_for_like_offices(con, from_round: str, to_round: str, offices: list[str] | None = None,
                          withheld: list[str] | None = None) -> pd.DataFrame:
    """The offices a like-for-like comparison of `from_round` and `to_round` counts: the
    respondents of both rounds, within `offices` (None = every office), less those in
    `withheld` ('round/office' keys) for either round. One row per office (`office`), by code."""
    hidden = hidden_by_round(withheld)
    both = con.execute("""
        SELECT office FROM survey_respondents WHERE round = $from_round
        INTERSECT
        SELECT office FROM survey_respondents WHERE round = $to_round
        ORDER BY office""", {"from_round": str(from_round), "to_round": str(to_round)}).df()
    left_out = hidden.get(str(from_round), frozenset()) | hidden.get(str(to_round), frozenset())
    keep = ~both["office"].isin(left_out)
    if offices is not None:
        keep &= both["office"].isin(offices)
    return both[keep].reset_index(drop=True)
