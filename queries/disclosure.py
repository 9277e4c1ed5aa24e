"""Consent to publication, per round and office.

An office's individual answers of a round may be published only when it answered yes to every
consent question of the round (the yes/no questions tagged section = "consent" in the
codebook). "No" to any of them, no answer, or a codebook without a consent question all mean:
not consented. What public views then show of such an office is decided in `queries/release.py`.
"""
from __future__ import annotations

import pandas as pd

from .survey import TICKED


def consent_by_office(con) -> pd.DataFrame:
    """Per round and respondent: consented = true only for an explicit yes to every consent
    question of the round (one "no" or blank among several consent questions: not consented)."""
    return con.execute(f"""
        SELECT p.round, p.office,
               count(q.question_id) > 0
               AND bool_and(coalesce({TICKED}, false)) AS consented
        FROM survey_respondents p
        LEFT JOIN survey_questions q ON q.round = p.round AND q.section = 'consent' AND q.type = 'yes_no'
        LEFT JOIN survey_answers a ON a.round = p.round AND a.office = p.office AND a.question_id = q.question_id
        GROUP BY p.round, p.office ORDER BY p.round, p.office""").df()
