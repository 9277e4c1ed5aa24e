"""Consent to publication, per round and office.

An office's individual answers of a round may be published only when it answered yes to the
round's consent question (the yes/no question tagged section = "consent" in the codebook).
"No", no answer, or a codebook without a consent question all mean: not consented. Such
offices still count in aggregates (subject to the small-cell rule in `ui/disclosure.py`).
"""
from __future__ import annotations

import pandas as pd


def consent_by_office(con) -> pd.DataFrame:
    """Per round and respondent: consented = true only for an explicit yes to the consent question."""
    return con.execute("""
        SELECT p.round, p.office,
               coalesce(bool_or(a.status = 'answered' AND a.value_text = 'yes'), false) AS consented
        FROM survey_respondents p
        LEFT JOIN survey_questions q ON q.round = p.round AND q.section = 'consent' AND q.type = 'yes_no'
        LEFT JOIN survey_answers a ON a.round = p.round AND a.office = p.office AND a.question_id = q.question_id
        GROUP BY p.round, p.office ORDER BY p.round, p.office""").df()
