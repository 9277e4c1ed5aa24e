"""Survey metrics. Each function is one metric, defined once, in SQL.

Conventions: an office "ticked" an option when its answer row has status 'answered' and
value_text 'yes'. The base of a share is the number of respondents of that round (in the
filter), as in CWS/13/14 ("offices", "base"). 'no_answer' rows are never counted as 'no'.
"""
from __future__ import annotations

import pandas as pd

from .review import public_rounds

SECTIONS = ("ip_rights", "data_types", "formats", "standards", "challenges")

#: An answer row (alias `a`) that ticks its option or answers its yes/no question yes: the
#: convention above, written once.
TICKED = "a.status = 'answered' AND a.value_text = 'yes'"
#: Whether the round of a published figure (alias `p`) is one `published_vs_computed` computes from.
COUNTED = "($rounds IS NULL OR list_contains($rounds, p.round))"


def _frame(con, sql: str, params: dict | None = None) -> pd.DataFrame:
    return con.execute(sql, params or {}).df()


def survey_rounds(con, everything: bool = False) -> pd.DataFrame:
    """The public survey rounds (`queries.review.public_rounds`: published, or in review and
    shown provisionally; `everything`: every loaded round, for the secretariat's tools) with
    their respondent count, fielding dates and whether the answers are the bundled illustrative
    data (bundled = true) or a real export."""
    return _frame(con, """
        SELECT r.round, r.title, r.fielded_from, r.fielded_to, r.bundled,
               count(p.office) AS respondents
        FROM survey_rounds r LEFT JOIN survey_respondents p USING (round)
        WHERE $everything OR list_contains($public, r.round)
        GROUP BY ALL ORDER BY r.round""", {"everything": bool(everything), "public": public_rounds(con)})


def option_counts(con, section: str | None, direction: str | None = None,
                  offices: list[str] | None = None, withheld: list[str] | None = None) -> pd.DataFrame:
    """Per round and option of the questions tagged `section` (None: every section) and
    `direction`: offices that
    ticked it (`offices`), offices that left the question blank (`no_answer`), and the
    respondents of the round within the office filter (`base`); `share` = offices / base.
    `offices` = None means every respondent. `withheld` ('round/office' keys) are respondents
    counted as if they had not answered that round (see `queries.release`)."""
    return _frame(con, f"""
        WITH resp AS (
            SELECT round, office FROM survey_respondents
            WHERE ($offices IS NULL OR list_contains($offices, office))
              AND NOT list_contains(coalesce($withheld::VARCHAR[], []), round || '/' || office)),
        base AS (SELECT round, count(*) AS base FROM resp GROUP BY round)
        SELECT q.round, q.question_id, q.direction, o.option_code AS code, o.label, o.category, o.ord,
               count(a.office) FILTER (WHERE {TICKED}) AS offices,
               count(a.office) FILTER (WHERE a.status = 'no_answer') AS no_answer,
               any_value(b.base) AS base,
               round(count(a.office) FILTER (WHERE {TICKED})
                     / nullif(any_value(b.base), 0), 4) AS share
        FROM survey_questions q
        JOIN survey_options o USING (round, question_id)
        JOIN base b USING (round)
        LEFT JOIN (SELECT a.* FROM survey_answers a JOIN resp USING (round, office)) a
               ON a.round = q.round AND a.question_id = q.question_id AND a.option_code = o.option_code
        WHERE ($section IS NULL OR q.section = $section) AND ($direction IS NULL OR q.direction = $direction)
          AND q.type = 'multiple_choice'
        GROUP BY ALL ORDER BY q.round, q.direction, o.ord""",
        {"section": section, "direction": direction, "offices": offices, "withheld": withheld})


def yes_no_counts(con, section: str = "respondents") -> pd.DataFrame:
    """Per round and yes/no question tagged `section`: offices answering yes, no, and no answer,
    and the round's respondents (`base`)."""
    return _frame(con, f"""
        SELECT q.round, q.question_id AS code, q.text,
               count(*) FILTER (WHERE {TICKED}) AS yes,
               count(*) FILTER (WHERE a.status = 'answered' AND a.value_text = 'no') AS no,
               count(*) FILTER (WHERE a.status = 'no_answer') AS no_answer,
               (SELECT count(*) FROM survey_respondents p WHERE p.round = q.round) AS base
        FROM survey_questions q LEFT JOIN survey_answers a USING (round, question_id)
        WHERE q.section = $section AND q.type = 'yes_no'
        GROUP BY ALL ORDER BY q.round, min(q.ord)""", {"section": section})


def published_vs_computed(con, rounds: list[str] | None = None) -> pd.DataFrame:
    """Every published CWS/13/14 aggregate beside the value computed from the loaded answers
    of its round. `computed` is NULL when the loaded codebook has no matching question or
    option; `difference` = computed - published; `matches` is true when they are equal.
    Respondents: count of respondents. Yes/no items (section 'respondents'): offices answering
    yes to the question whose id is the item's code. Other items: offices that ticked the
    option with the item's code in the question tagged with the item's section/direction.
    `rounds`: the loaded rounds computed from (None = every one); the figures of another round
    are computed as for a round not loaded (no respondent, no question)."""
    return _frame(con, f"""
        WITH computed AS (
            SELECT p.*,
              CASE
                WHEN p.section = 'respondents' AND p.code = 'respondents' THEN
                  (SELECT count(*) FROM survey_respondents r WHERE r.round = p.round AND {COUNTED})
                WHEN p.section = 'respondents' THEN
                  (SELECT CASE WHEN count(q.question_id) = 0 THEN NULL ELSE count(a.office) END
                   FROM survey_questions q LEFT JOIN survey_answers a
                     ON a.round = q.round AND a.question_id = q.question_id
                    AND {TICKED}
                   WHERE q.round = p.round AND q.question_id = p.code AND q.type = 'yes_no' AND {COUNTED})
                ELSE
                  (SELECT CASE WHEN count(o.option_code) = 0 THEN NULL ELSE count(a.office) END
                   FROM survey_questions q JOIN survey_options o USING (round, question_id)
                   LEFT JOIN survey_answers a ON a.round = q.round AND a.question_id = q.question_id
                    AND a.option_code = o.option_code AND {TICKED}
                   WHERE q.round = p.round AND q.section = p.section
                     AND q.direction IS NOT DISTINCT FROM p.direction AND o.option_code = p.code AND {COUNTED})
              END AS computed,
              (SELECT count(*) FROM survey_respondents r WHERE r.round = p.round AND {COUNTED}) AS computed_base
            FROM published_figures p)
        SELECT round, section, direction, category, item, code,
               offices AS published, computed, base AS published_base, computed_base,
               computed - offices AS difference,
               coalesce(computed = offices AND computed_base = base, false) AS matches
        FROM computed""", {"rounds": rounds})


def respondents_by_round(con) -> pd.DataFrame:
    """Every respondent of every round with its ST.3 kind (national, regional, international)
    and region from the office list: the population the page filters narrow down."""
    return _frame(con, """
        SELECT p.round, p.office, o.name, o.kind, o.region
        FROM survey_respondents p LEFT JOIN offices o ON o.code = p.office
        ORDER BY p.round, p.office""")


#: Per round of $rounds (NULL = every round), respondent (within $offices; NULL = all; never one of
#: the 'round/office' keys in $withheld) and option of the questions
#: tagged $section (and $direction; NULL = any), over the options of EVERY round, so that the
#: columns line up across rounds: the answer state 'yes' (ticked), 'no' (answered, not ticked),
#: 'no_answer' (question left blank), 'not_asked' (the round's codebook lacks the option) or
#: 'suppressed' (a cell of $suppressed, 'round/office/question/option' keys: never shown).
_OPTION_STATES_SQL = f"""
WITH opts AS (
    SELECT q.section, q.direction, o.option_code AS code,
           -- the latest round's, NULL included (arg_max would skip a NULL category)
           arg_max_null(o.label, q.round) AS label, arg_max_null(o.category, q.round) AS category,
           min(o.ord) AS ord
    FROM survey_questions q JOIN survey_options o USING (round, question_id)
    WHERE q.section = $section AND ($direction IS NULL OR q.direction = $direction)
      AND q.type = 'multiple_choice'
    GROUP BY ALL),
resp AS (
    SELECT round, office FROM survey_respondents
    WHERE ($rounds IS NULL OR list_contains($rounds, round))
      AND ($offices IS NULL OR list_contains($offices, office))
      AND NOT list_contains(coalesce($withheld::VARCHAR[], []), round || '/' || office)),
asked AS (
    SELECT q.round, q.question_id, q.direction, o.option_code AS code
    FROM survey_questions q JOIN survey_options o USING (round, question_id)
    WHERE q.section = $section AND q.type = 'multiple_choice')
SELECT r.round, r.office, opts.direction, opts.code, opts.label, opts.category, opts.ord,
       CASE WHEN asked.code IS NULL THEN 'not_asked'
            WHEN list_contains(coalesce($suppressed::VARCHAR[], []),
                               concat_ws('/', r.round, r.office, asked.question_id, opts.code)) THEN 'suppressed'
            WHEN {TICKED} THEN 'yes'
            WHEN a.status = 'answered' THEN 'no'
            ELSE 'no_answer' END AS state
FROM resp r CROSS JOIN opts
LEFT JOIN asked ON asked.round = r.round AND asked.direction IS NOT DISTINCT FROM opts.direction
                AND asked.code = opts.code
LEFT JOIN survey_answers a ON a.round = r.round AND a.office = r.office
      AND a.question_id = asked.question_id AND a.option_code = opts.code
"""


def option_matrix(con, section: str, round: str, direction: str | None = None,
                  offices: list[str] | None = None, withheld: list[str] | None = None,
                  suppressed: list[str] | None = None) -> pd.DataFrame:
    """Office x option matrix of one round, long form: one row per respondent of `round`
    (within `offices`; None = all) and option of the questions tagged `section` (and
    `direction`), over the options of every round, with `state` = 'yes' (ticked), 'no'
    (answered the question, did not tick the option), 'no_answer' (left the question blank)
    or 'not_asked' (the option is not in this round's codebook), or 'suppressed' for the cells
    in `suppressed` ('round/office/question/option' keys). Respondents in `withheld`
    ('round/office' keys) are left out. Per-office rows: public pages show them only through
    `queries.release`, which withholds undisclosed offices and suppresses protecting cells."""
    return _frame(con, _OPTION_STATES_SQL + " ORDER BY r.office, opts.direction, opts.ord",
                  {"section": section, "direction": direction, "rounds": [str(round)],
                   "offices": offices, "withheld": withheld, "suppressed": suppressed})


#: Per office that answered either round (within $offices) and option: its state in $from_round
#: and $to_round ('not_respondent' when it did not answer that round) and the change.
_OPTION_CHANGES_SQL = f"""
WITH states AS ({_OPTION_STATES_SQL}),
f AS (SELECT * FROM states WHERE round = $from_round),
t AS (SELECT * FROM states WHERE round = $to_round),
pairs AS (
    SELECT coalesce(f.office, t.office) AS office, coalesce(f.direction, t.direction) AS direction,
           coalesce(f.code, t.code) AS code, coalesce(t.label, f.label) AS label,
           coalesce(t.category, f.category) AS category, coalesce(f.ord, t.ord) AS ord,
           coalesce(f.state, 'not_respondent') AS from_state,
           coalesce(t.state, 'not_respondent') AS to_state
    FROM f FULL JOIN t ON f.office = t.office AND f.direction IS NOT DISTINCT FROM t.direction
                      AND f.code = t.code)
SELECT *,
       CASE WHEN 'suppressed' IN (from_state, to_state) THEN 'suppressed'
            WHEN from_state = 'not_respondent' THEN 'only_to_round'
            WHEN to_state = 'not_respondent' THEN 'only_from_round'
            WHEN 'not_asked' IN (from_state, to_state) THEN 'not_asked_in_one_round'
            WHEN 'no_answer' IN (from_state, to_state) THEN 'no_answer_in_one_round'
            WHEN from_state = 'no' AND to_state = 'yes' THEN 'adopted'
            WHEN from_state = 'yes' AND to_state = 'no' THEN 'dropped'
            WHEN from_state = 'yes' THEN 'kept'
            ELSE 'never' END AS change
FROM pairs
"""

#: The changes of `option_changes`, in the order and with the wording pages use.
CHANGE_LABELS = {
    "adopted": "adopted", "dropped": "dropped", "kept": "kept", "never": "used in neither round",
    "only_from_round": "answered only the earlier round", "only_to_round": "answered only the later round",
    "not_asked_in_one_round": "option not asked in one round",
    "no_answer_in_one_round": "question left blank in one round",
}


def option_changes(con, section: str, from_round: str, to_round: str, direction: str | None = None,
                   offices: list[str] | None = None, withheld: list[str] | None = None,
                   suppressed: list[str] | None = None) -> pd.DataFrame:
    """Round-to-round comparison per office and option of the questions tagged `section`:
    `from_state` and `to_state` as in `option_matrix` ('not_respondent' when the office did not
    answer that round) and `change`: 'adopted' (answered both rounds, not ticked -> ticked),
    'dropped' (ticked -> not ticked), 'kept' (ticked in both), 'never' (ticked in neither),
    'only_from_round' / 'only_to_round' (answered one round only: not a change),
    'not_asked_in_one_round' (a codebook lacks the option) or 'no_answer_in_one_round' (the
    question was left blank in a round: not a change). Offices within `offices` (None = all);
    a 'round/office' key in `withheld` counts that office as not answering that round; a row
    resting on a cell in `suppressed` has change 'suppressed'."""
    return _frame(con, _OPTION_CHANGES_SQL + " ORDER BY office, direction, ord",
                  {"section": section, "direction": direction, "offices": offices, "withheld": withheld,
                   "suppressed": suppressed,
                   "rounds": [str(from_round), str(to_round)],
                   "from_round": str(from_round), "to_round": str(to_round)})


def option_change_summary(con, section: str, from_round: str, to_round: str,
                          direction: str | None = None, offices: list[str] | None = None,
                          withheld: list[str] | None = None, suppressed: list[str] | None = None) -> pd.DataFrame:
    """Per option of the questions tagged `section`, from `from_round` to `to_round` (offices
    within `offices`; None = all): offices ticking it in each round and each round's
    respondents (`from_offices`/`from_base`, `to_offices`/`to_base`), and among them the
    offices that adopted, dropped or kept it (answered both rounds), the ticks of offices that
    answered only the earlier (`only_from`) or only the later round (`only_to`), and the offices
    that left the question blank in one round (`no_answer_in_one_round`). `asked_from`/`asked_to`
    say whether each round's codebook has the option. `withheld` and `suppressed` as in
    `option_changes`: a suppressed cell counts in no column but `suppressed_cells` (nor in the
    bases)."""
    return _frame(con, f"""
        WITH c AS ({_OPTION_CHANGES_SQL})
        SELECT direction, code, any_value(label) AS label, any_value(category) AS category,
               min(ord) AS ord,
               bool_or(from_state NOT IN ('not_asked', 'not_respondent')) AS asked_from,
               bool_or(to_state NOT IN ('not_asked', 'not_respondent')) AS asked_to,
               count(*) FILTER (WHERE from_state = 'yes') AS from_offices,
               count(*) FILTER (WHERE from_state NOT IN ('not_respondent', 'suppressed')) AS from_base,
               count(*) FILTER (WHERE to_state = 'yes') AS to_offices,
               count(*) FILTER (WHERE to_state NOT IN ('not_respondent', 'suppressed')) AS to_base,
               count(*) FILTER (WHERE change = 'adopted') AS adopted,
               count(*) FILTER (WHERE change = 'dropped') AS dropped,
               count(*) FILTER (WHERE change = 'kept') AS kept,
               count(*) FILTER (WHERE change = 'only_from_round' AND from_state = 'yes') AS only_from,
               count(*) FILTER (WHERE change = 'only_to_round' AND to_state = 'yes') AS only_to,
               count(*) FILTER (WHERE change = 'no_answer_in_one_round') AS no_answer_in_one_round,
               count(*) FILTER (WHERE change = 'suppressed') AS suppressed_cells
        FROM c GROUP BY direction, code ORDER BY direction, min(ord)""",
        {"section": section, "direction": direction, "offices": offices, "withheld": withheld,
         "suppressed": suppressed,
         "rounds": [str(from_round), str(to_round)],
         "from_round": str(from_round), "to_round": str(to_round)})


def challenge_category_counts(con, offices: list[str] | None = None,
                              withheld: list[str] | None = None) -> pd.DataFrame:
    """Per round, direction (sharing, collecting) and challenge category: offices that ticked
    at least one challenge of the category (`offices`; an office ticking two options of one
    category counts once), offices that left the question blank (`no_answer`), and the round's
    respondents within `offices` (`base`; None = all; never the 'round/office' keys in
    `withheld`); `share` = offices / base."""
    return _frame(con, f"""
        WITH states AS ({_OPTION_STATES_SQL}),
        base AS (SELECT round, count(DISTINCT office) AS base FROM states GROUP BY round)
        SELECT s.round, s.direction, s.category, min(s.ord) AS ord,
               count(DISTINCT s.office) FILTER (WHERE s.state = 'yes') AS offices,
               count(DISTINCT s.office) FILTER (WHERE s.state = 'no_answer') AS no_answer,
               any_value(b.base) AS base,
               round(count(DISTINCT s.office) FILTER (WHERE s.state = 'yes') / nullif(any_value(b.base), 0), 4) AS share
        FROM states s JOIN base b USING (round)
        GROUP BY s.round, s.direction, s.category ORDER BY s.round, s.direction, min(s.ord)""",
        {"section": "challenges", "direction": None, "rounds": None, "offices": offices,
         "withheld": withheld, "suppressed": None})


def answer_cells(con, round: str) -> pd.DataFrame:
    """Every respondent of `round` x every option of the round's multiple-choice questions:
    the office, the question (id, section, direction), the option (code, category) and its
    state: 'yes' (ticked), 'no' (answered the question, did not tick it) or 'no_answer' (left
    the question blank). The microdata that disclosure control (`queries.release`) protects."""
    return _frame(con, f"""
        SELECT p.office, q.question_id, q.section, q.direction, o.option_code AS code, o.category,
               CASE WHEN {TICKED} THEN 'yes'
                    WHEN a.status = 'answered' THEN 'no'
                    ELSE 'no_answer' END AS state
        FROM survey_respondents p
        JOIN survey_questions q ON q.round = p.round AND q.type = 'multiple_choice'
        JOIN survey_options o ON o.round = q.round AND o.question_id = q.question_id
        LEFT JOIN survey_answers a ON a.round = p.round AND a.office = p.office
             AND a.question_id = q.question_id AND a.option_code = o.option_code
        WHERE p.round = $round
        ORDER BY p.office, q.ord, o.ord""", {"round": str(round)})
