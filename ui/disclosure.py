"""Disclosure control: who may see which office's individual answers.

- Survey answers of an office that did not consent to publication (see
  `queries/disclosure.py`) never appear by name, code or per-office row in a public view,
  chart, export, URL or meeting pack; they count only in aggregates.
- Small-cell rule: in public views, an aggregate whose base includes an undisclosed office and
  has fewer than k offices (default 3; `IPDX_SMALL_CELL_K` or secrets `small_cell_k`) is
  suppressed and marked as such, so a filter cannot single an office out.

`viewer()` says who is looking. Until sign-in exists everybody is the public viewer.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import streamlit as st

from queries.disclosure import consent_by_office

from . import data


@dataclass(frozen=True)
class Viewer:
    role: str = "public"  # "public", "office" or "secretariat"
    office: str | None = None  # the ST.3 code of an office user

    @property
    def sees_everything(self) -> bool:
        return self.role == "secretariat"


def viewer() -> Viewer:
    """The signed-in viewer of this session (public when nobody signed in)."""
    return st.session_state.get("ipdx_viewer", Viewer())


def small_cell_k() -> int:
    try:
        configured = st.secrets.get("small_cell_k") if _has_secrets() else None
    except Exception:  # no secrets file at all
        configured = None
    return int(os.environ.get("IPDX_SMALL_CELL_K") or configured or 3)


def _has_secrets() -> bool:
    from pathlib import Path
    return any(p.exists() for p in (Path(".streamlit/secrets.toml"),
                                    Path.home() / ".streamlit" / "secrets.toml"))


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
