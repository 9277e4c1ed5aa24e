"""Disclosure control: who may see which office's individual answers.

- Survey answers of an office that did not consent to publication (see
  `queries/disclosure.py`) never appear by name, code or per-office row in a public view,
  chart, export, URL or meeting pack; they count only in aggregates.
- Small-cell rule: in public views, an aggregate whose base includes an undisclosed office and
  has fewer than k offices (default 3; `IPDX_SMALL_CELL_K` or secrets `small_cell_k`) is
  suppressed and marked as such, so a filter cannot single an office out.

`viewer()` says who is looking: the session's sign-in (`ui/auth.py`), the public viewer
when nobody signed in. An office user also sees its own office's answers; the secretariat
sees everything.
"""
from __future__ import annotations

import os

from queries.disclosure import consent_by_office

from . import data
from .auth import Viewer, current_viewer, secrets

__all__ = ["Viewer", "viewer", "small_cell_k", "undisclosed_offices", "hidden_offices",
           "visible_respondents", "suppressed"]


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


def suppressed(round: str, base_offices: set[str], who: Viewer | None = None) -> bool:
    """True when an aggregate over `base_offices` of `round` must not be shown to this viewer:
    the base includes an office hidden from the viewer and has fewer than k offices."""
    who = who or viewer()
    if who.sees_everything:
        return False
    return bool(set(base_offices) & hidden_offices(round, who)) and len(base_offices) < small_cell_k()
