"""Survey metrics. Each function is one metric, defined once, in SQL.

Conventions: an office "ticked" an option when its answer row has status 'answered' and
value_text 'yes'. The base of a share is the number of respondents of that round (in the
filter), as in CWS/13/14 ("offices", "base"). 'no_answer' rows are never counted as 'no'.
"""
from __future__ import annotations

import pandas as pd

SECTIONS = ("ip_rights", "data_types", "formats", "standards", "challenges")


def _frame(con, sql: str, params: dict | None = None) -> pd.DataFrame:
    return con.execute(sql, params or {}).df()


def survey_rounds(con) -> pd.DataFrame:
    """Survey rounds with their respondent count, fielding dates and whether the answers are
    the bundled illustrative data (bundled = true) or a real export."""
    return _frame(con, """
        SELECT r.round, r.title, r.fielded_from, r.fielded_to, r.bundled,
               count(p.office) AS respondents
        FROM survey_rounds r LEFT JOIN survey_respondents p USING (round)
        GROUP BY ALL ORDER BY r.round""")


def option_counts(con, section: str, direction: str | None = None,
                  offices: list[str] | None = None) -> pd.DataFrame:
    """Per round and option of the questions tagged `section` (and `direction`): offices that
    ticked it (`offices`), offices that left the question blank (`no_answer`), and the
    respondents of the round within the office filter (`base`); `share` = offices / base.
    `offices` = None means every respondent."""
    return _frame(con, """
        WITH resp AS (
            SELECT round, office FROM survey_respondents
            WHERE $offices IS NULL OR list_contains($offices, office)),
        base AS (SELECT round, count(*) AS base FROM resp GROUP BY round)
        SELECT q.round, q.question_id, q.direction, o.option_code AS code, o.label, o.category, o.ord,
               count(a.office) FILTER (WHERE a.status = 'answered' AND a.value_text = 'yes') AS offices,
               count(a.office) FILTER (WHERE a.status = 'no_answer') AS no_answer,
               any_value(b.base) AS base,
               round(count(a.office) FILTER (WHERE a.status = 'answered' AND a.value_text = 'yes')
                     / nullif(any_value(b.base), 0), 4) AS share
        FROM survey_questions q
        JOIN survey_options o USING (round, question_id)
        JOIN base b USING (round)
        LEFT JOIN (SELECT a.* FROM survey_answers a JOIN resp USING (round, office)) a
               ON a.round = q.round AND a.question_id = q.question_id AND a.option_code = o.option_code
        WHERE q.section = $section AND ($direction IS NULL OR q.direction = $direction)
        GROUP BY ALL ORDER BY q.round, q.direction, o.ord""",
        {"section": section, "direction": direction, "offices": offices})


def yes_no_counts(con, section: str = "respondents") -> pd.DataFrame:
    """Per round and yes/no question tagged `section`: offices answering yes, no, and no answer,
    and the round's respondents (`base`)."""
    return _frame(con, """
        SELECT q.round, q.question_id AS code, q.text,
               count(*) FILTER (WHERE a.status = 'answered' AND a.value_text = 'yes') AS yes,
               count(*) FILTER (WHERE a.status = 'answered' AND a.value_text = 'no') AS no,
               count(*) FILTER (WHERE a.status = 'no_answer') AS no_answer,
               (SELECT count(*) FROM survey_respondents p WHERE p.round = q.round) AS base
        FROM survey_questions q LEFT JOIN survey_answers a USING (round, question_id)
        WHERE q.section = $section AND q.type = 'yes_no'
        GROUP BY ALL ORDER BY q.round, min(q.ord)""", {"section": section})


def published_vs_computed(con) -> pd.DataFrame:
    """Every published CWS/13/14 aggregate beside the value computed from the loaded answers
    of its round. `computed` is NULL when the loaded codebook has no matching question or
    option; `difference` = computed - published; `matches` is true when they are equal.
    Respondents: count of respondents. Yes/no items (section 'respondents'): offices answering
    yes to the question whose id is the item's code. Other items: offices that ticked the
    option with the item's code in the question tagged with the item's section/direction."""
    return _frame(con, """
        WITH computed AS (
            SELECT p.*,
              CASE
                WHEN p.section = 'respondents' AND p.code = 'respondents' THEN
                  (SELECT count(*) FROM survey_respondents r WHERE r.round = p.round)
                WHEN p.section = 'respondents' THEN
                  (SELECT CASE WHEN count(q.question_id) = 0 THEN NULL ELSE count(a.office) END
                   FROM survey_questions q LEFT JOIN survey_answers a
                     ON a.round = q.round AND a.question_id = q.question_id
                    AND a.status = 'answered' AND a.value_text = 'yes'
                   WHERE q.round = p.round AND q.question_id = p.code AND q.type = 'yes_no')
                ELSE
                  (SELECT CASE WHEN count(o.option_code) = 0 THEN NULL ELSE count(a.office) END
                   FROM survey_questions q JOIN survey_options o USING (round, question_id)
                   LEFT JOIN survey_answers a ON a.round = q.round AND a.question_id = q.question_id
                    AND a.option_code = o.option_code AND a.status = 'answered' AND a.value_text = 'yes'
                   WHERE q.round = p.round AND q.section = p.section
                     AND q.direction IS NOT DISTINCT FROM p.direction AND o.option_code = p.code)
              END AS computed,
              (SELECT count(*) FROM survey_respondents r WHERE r.round = p.round) AS computed_base
            FROM published_figures p)
        SELECT round, section, direction, category, item, code,
               offices AS published, computed, base AS published_base, computed_base,
               computed - offices AS difference,
               coalesce(computed = offices AND computed_base = base, false) AS matches
        FROM computed""")
