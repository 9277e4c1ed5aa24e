"""Interface text that the metric layer owns (the labels of its metrics and groups), in English.

`N_` marks such a text for extraction (babel.cfg scans queries/ as well as ui/ and pages/); it
returns the text unchanged, and the UI translates it where it is shown (`ui.i18n._`). `ui.i18n`
re-exports this `N_`, so there is one marker for the whole project.
"""

from __future__ import annotations


def N_(message: str) -> str:
    """Marks a message for extraction; translated later, where it is shown, by `_()`."""
    return message
