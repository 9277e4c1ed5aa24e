"""What changed between survey rounds' questionnaires: their codebooks, as the loaders stored them.

A question is matched across rounds by its id, an option by its question's id and its code, as
the figures match them. A question's wording is its export header (the codebook's first
`headers` entry, `survey_questions.text`); an option's is its label. The changes, per pair of
rounds (`from_round` -> `to_round`):

- `question_added` / `question_removed`: the question id is in one codebook only (the options of
  an added or removed question are not listed one by one);
- `question_reworded`: the header differs (`before` -> `after`);
- `question_type_changed`: the answer type differs (yes_no, single_choice, multiple_choice, ...);
- `question_retagged`: its section or direction differs, so the figures of a section count it
  in one round only (`before`, `after`: "section / direction");
- `option_added` / `option_removed`: an option code of a question of both rounds is in one
  codebook only (`after` / `before`: its label);
- `option_reworded`: the option's label differs;
- `option_recategorised`: a challenge option's category differs (its category count moves).

A comparison of two rounds counts an added option as not asked in the earlier round, and a
reworded question or option as the same question: the wording change is shown beside it.
Yes/no questions store no options (the codebook only spells yes and no), so only their wording,
type and tags are compared.
"""
from __future__ import annotations

import pandas as pd

#: The kinds of change, in the order a listing shows them.
CHANGES = ("question_added", "question_removed", "question_reworded", "question_type_changed",
           "question_retagged", "option_added", "option_removed", "option_reworded", "option_recategorised")

_CHANGES_SQL = """
WITH ordered AS (SELECT round, lag(round) OVER (ORDER BY round) AS previous FROM survey_rounds),
pairs AS (
    SELECT previous AS from_round, round AS to_round FROM ordered
    WHERE previous IS NOT NULL AND $from_round IS NULL
    UNION ALL
    SELECT $from_round, $to_round WHERE $from_round IS NOT NULL),
question_ids AS (
    SELECT DISTINCT p.from_round, p.to_round, q.question_id
    FROM pairs p JOIN survey_questions q ON q.round IN (p.from_round, p.to_round)),
questions AS (
    SELECT k.from_round, k.to_round, k.question_id,
           coalesce(t.section, f.section) AS section, coalesce(t.direction, f.direction) AS direction,
           f.question_id IS NOT NULL AS in_from, t.question_id IS NOT NULL AS in_to,
           f.text AS from_text, t.text AS to_text, f.type AS from_type, t.type AS to_type,
           concat_ws(' / ', f.section, f.direction) AS from_tags, concat_ws(' / ', t.section, t.direction) AS to_tags,
           coalesce(t.ord, f.ord + 1000) AS ord
    FROM question_ids k
    LEFT JOIN survey_questions f ON f.round = k.from_round AND f.question_id = k.question_id
    LEFT JOIN survey_questions t ON t.round = k.to_round AND t.question_id = k.question_id),
question_changes AS (
    SELECT from_round, to_round, question_id, section, direction, NULL AS code, change, before, after, ord,
           NULL::INTEGER AS option_ord
    FROM questions, LATERAL (
        SELECT 'question_added' AS change, NULL AS before, to_text AS after WHERE NOT in_from
        UNION ALL SELECT 'question_removed', from_text, NULL WHERE NOT in_to
        UNION ALL SELECT 'question_reworded', from_text, to_text
                  WHERE in_from AND in_to AND from_text IS DISTINCT FROM to_text
        UNION ALL SELECT 'question_type_changed', from_type, to_type
                  WHERE in_from AND in_to AND from_type IS DISTINCT FROM to_type
        UNION ALL SELECT 'question_retagged', from_tags, to_tags
                  WHERE in_from AND in_to AND from_tags IS DISTINCT FROM to_tags)),
option_ids AS (
    SELECT DISTINCT q.from_round, q.to_round, q.question_id, q.section, q.direction, q.ord, o.option_code AS code
    FROM questions q JOIN survey_options o ON o.round IN (q.from_round, q.to_round) AND o.question_id = q.question_id
    WHERE q.in_from AND q.in_to),
options AS (
    SELECT k.*, coalesce(t.ord, f.ord + 1000) AS option_ord,
           f.option_code IS NOT NULL AS in_from, t.option_code IS NOT NULL AS in_to,
           f.label AS from_label, t.label AS to_label, f.category AS from_category, t.category AS to_category
    FROM option_ids k
    LEFT JOIN survey_options f ON f.round = k.from_round AND f.question_id = k.question_id AND f.option_code = k.code
    LEFT JOIN survey_options t ON t.round = k.to_round AND t.question_id = k.question_id AND t.option_code = k.code),
option_changes AS (
    SELECT from_round, to_round, question_id, section, direction, code, change, before, after, ord, option_ord
    FROM options, LATERAL (
        SELECT 'option_added' AS change, NULL AS before, to_label AS after WHERE NOT in_from
        UNION ALL SELECT 'option_removed', from_label, NULL WHERE NOT in_to
        UNION ALL SELECT 'option_reworded', from_label, to_label
                  WHERE in_from AND in_to AND from_label IS DISTINCT FROM to_label
        UNION ALL SELECT 'option_recategorised', from_category, to_category
                  WHERE in_from AND in_to AND from_category IS DISTINCT FROM to_category))
SELECT from_round, to_round, question_id, section, direction, code, change, before, after
FROM (SELECT * FROM question_changes UNION ALL SELECT * FROM option_changes)
ORDER BY from_round, to_round, ord, option_ord NULLS FIRST, list_position($changes, change)
"""


def codebook_changes(con, from_round: str | None = None, to_round: str | None = None) -> pd.DataFrame:
    """Every difference between the codebooks of `from_round` and `to_round` (both None: of
    every pair of consecutive loaded rounds, in round order), one row per change (the kinds
    in the module docstring): the rounds, the question (`question_id`, its `section` and
    `direction` in the later round, else the earlier), the option `code` (NULL for a change
    of the question itself), `change`, and the wording `before` and `after` (NULL where a
    side has none). No row: the two questionnaires ask the same questions in the same words."""
    if (from_round is None) != (to_round is None):
        raise ValueError("codebook_changes: give both from_round and to_round, or neither")
    return con.execute(_CHANGES_SQL, {"from_round": None if from_round is None else str(from_round),
                                      "to_round": None if to_round is None else str(to_round),
                                      "changes": list(CHANGES)}).df()
