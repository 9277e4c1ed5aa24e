"""Disclosure control: who may see which office's individual answers.

- Survey answers of an office that did not consent to publication (see
  `queries/disclosure.py`) never appear by name, code or per-office row in a public view,
  chart, export, URL or meeting pack. The rule of what such an office counts in, and the
  complementary suppression that keeps the round totals from giving its answers away, is in
  `queries/release.py`; `withheld()` hands the viewer's hidden offices to those queries.
- k (`IPDX_SMALL_CELL_K` or secrets `small_cell_k`, default 3): the fewest peers a peer
  comparison may rest on.

`viewer()` says who is looking: the session's sign-in (`ui/auth.py`), the public viewer
when nobody signed in. An office user also sees its own office's answers; the secretariat
sees everything.
"""
from __future__ import annotations

import os

from queries.disclosure import consent_by_office
from queries.release import withheld_keys

from . import data
from .auth import Viewer, current_viewer, secrets

__all__ = ["Viewer", "viewer", "small_cell_k", "undisclosed_offices", "hidden_offices",
           "visible_respondents", "withheld"]


def viewer() -> Viewer:
    """The signed-in viewer of this session (public when nobody signed in)."""
    return current_viewer()


def small_cell_k() -> int:
    """k of the small-cell rule: $IPDX_SMALL_CELL_K, else secrets `small_cell_k`, else 3."""
    return int(os.environ.get("IPDX_SMALL_CELL_K") or secrets().get("small_cell_k") or 3)


def undisclosed_offices(round: str) -> set[str]:
    """Respondents of `round` that did not consent to publication."""
    consent = data.query(consent_by_office)
    rows = consent[(consent["round"] == str(round)) & (~consent["consented"])]
    return set(rows["office"])


def hidden_offices(round: str, who: Viewer | None = None) -> set[str]:
    """Offices whose individual answers of `round` this viewer must not see."""
    who = who or viewer()
    if who.sees_everything:
        return set()
    return undisclosed_offices(round) - ({who.office} if who.office else set())


def visible_respondents(round: str, who: Viewer | None = None) -> set[str]:
    """Respondents of `round` whose individual answers this viewer may see."""
    consent = data.query(consent_by_office)
    respondents = set(consent.loc[consent["round"] == str(round), "office"])
    return respondents - hidden_offices(round, who)


def withheld(who: Viewer | None = None) -> list[str] | None:
    """The respondents hidden from this viewer in every round, as 'round/office' keys for the
    `queries.release` functions; None when nothing is hidden."""
    who = who or viewer()
    if who.sees_everything:
        return None
    return withheld_keys(data.query(consent_by_office), who.office)
