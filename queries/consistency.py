"""Consistency of survey answers: named rules that find answers contradicting each other.

A rule says: an office whose answer makes the *premise* true (any of the premise facts is
'yes') while the *conflict* fact has the conflicting value has contradicted itself. Facts are
named from the codebook: a yes/no question by its id (`shares_data`), an option of a
multiple-choice question by `section:direction:option` (`challenges:sharing:does_not_share`,
`formats:XML`). Only answered rows count: a blank question ('no_answer') never triggers a rule.
A rule is "not asked" in a round whose codebook lacks its conflict fact or all its premise
facts (e.g. the 2025 codebook has no `collects_data` question).

The same rules are applied to the published aggregates (`published_contradictions`): when
premise offices + conflicting offices exceed the base, at least that many offices must have
given both answers, whatever the per-office data.
"""
from __future__ import annotations

import pandas as pd

#: The rules, one row each: name, what it finds, premise facts (any 'yes'), conflict fact and
#: the conflicting value ('yes' = ticked/answered yes, 'no' = answered and not ticked/answered no).
RULES_SQL = """
rules(rule, description, premise, conflict, conflict_value) AS (VALUES
    ('shares_yet_shares_none',
     'answers yes to "actively shares IP data" but ticks the challenge "office does not share any IP data"',
     ['shares_data'], 'challenges:sharing:does_not_share', 'yes'),
    ('collects_yet_collects_none',
     'answers yes to "collects IP data from other offices" but ticks the challenge "not collecting data from others"',
     ['collects_data'], 'challenges:collecting:does_not_collect', 'yes'),
    ('xml_standard_without_xml',
     'ticks the XML standard ST.96 or ST.36 but not the file format XML',
     ['standards:ST.96', 'standards:ST.36'], 'formats:XML', 'no'))
"""

#: Every answered yes/no question and multiple-choice option as a named fact.
FACTS_SQL = """
facts AS (
    SELECT a.round, a.office,
           CASE WHEN q.type = 'yes_no' THEN q.question_id
                ELSE concat_ws(':', q.section, q.direction, a.option_code) END AS fact,
           a.value_text AS value
    FROM survey_answers a JOIN survey_questions q USING (round, question_id)
    WHERE a.status = 'answered' AND q.type IN ('yes_no', 'multiple_choice')),
codebook_facts AS (
    SELECT q.round, q.question_id AS fact FROM survey_questions q WHERE q.type = 'yes_no'
    UNION
    SELECT q.round, concat_ws(':', q.section, q.direction, o.option_code)
    FROM survey_questions q JOIN survey_options o USING (round, question_id)
    WHERE q.type = 'multiple_choice')
"""

_FOUND_SQL = f"""
WITH {RULES_SQL}, {FACTS_SQL},
found AS (
    SELECT c.round, c.office, r.rule, r.description,
           string_agg(p.fact || ' = yes', '; ' ORDER BY p.fact) || '; ' || r.conflict || ' = '
             || r.conflict_value AS evidence
    FROM rules r
    JOIN facts c ON c.fact = r.conflict AND c.value = r.conflict_value
    JOIN facts p ON p.round = c.round AND p.office = c.office AND list_contains(r.premise, p.fact)
                AND p.value = 'yes'
    GROUP BY c.round, c.office, r.rule, r.description, r.conflict, r.conflict_value)
"""


def contradictions(con, round: str | None = None) -> pd.DataFrame:
    """Per round, office and rule (see RULES_SQL): the offices whose answers contradict each
    other, with the rule that found them, its description and the answers involved
    (`evidence`). `round` None = every round. Per-office rows: pages show only the offices
    that `ui.disclosure.visible_respondents` allows and count the others without naming them."""
    return con.execute(_FOUND_SQL + """
        SELECT * FROM found WHERE $round IS NULL OR round = $round
        ORDER BY round, rule, office""", {"round": round}).df()


def contradiction_rules(con) -> pd.DataFrame:
    """Per round and rule: whether the round's codebook asks what the rule needs (`asked`:
    the conflict fact and at least one premise fact exist), the offices it found (`offices`,
    NULL when not asked) and the round's respondents (`base`)."""
    return con.execute(_FOUND_SQL + """
        , checked AS (
            SELECT s.round, r.rule, r.description,
                   EXISTS (SELECT 1 FROM codebook_facts f WHERE f.round = s.round AND f.fact = r.conflict)
                   AND EXISTS (SELECT 1 FROM codebook_facts f WHERE f.round = s.round
                               AND list_contains(r.premise, f.fact)) AS asked
            FROM survey_rounds s CROSS JOIN rules r)
        SELECT s.*,
               CASE WHEN s.asked THEN (SELECT count(*) FROM found x WHERE x.round = s.round AND x.rule = s.rule)
                    END AS offices,
               (SELECT count(*) FROM survey_respondents p WHERE p.round = s.round) AS base
        FROM checked s
        ORDER BY s.round, s.rule""").df()


def published_contradictions(con) -> pd.DataFrame:
    """The rules applied to the published CWS/13/14 aggregates: per round and rule whose
    conflicting value is 'yes', the largest published count among the premise items
    (`premise_offices`), the published count of the conflict item (`conflict_offices`), the
    base, and `at_least` = premise + conflict - base: when positive, at least that many offices
    must have given both answers. Only rules with a published figure on both sides appear.
    (A conflicting value 'no' cannot be bounded: the published counts do not say how many
    offices left a question blank.)"""
    return con.execute(f"""
        WITH {RULES_SQL},
        published AS (
            SELECT round, CASE WHEN section = 'respondents' THEN code
                               ELSE concat_ws(':', section, direction, code) END AS fact,
                   item, offices, base
            FROM published_figures WHERE code <> 'respondents'),
        sides AS (
            SELECT r.rule, r.description, c.round,
                   arg_max(p.item, p.offices) AS premise_item, max(p.offices) AS premise_offices,
                   any_value(c.item) AS conflict_item, any_value(c.offices) AS conflict_offices,
                   any_value(c.base) AS base
            FROM rules r
            JOIN published c ON c.fact = r.conflict
            JOIN published p ON p.round = c.round AND list_contains(r.premise, p.fact)
            WHERE r.conflict_value = 'yes'
            GROUP BY ALL)
        SELECT *, premise_offices + conflict_offices - base AS at_least
        FROM sides ORDER BY round, rule""").df()


def rule_facts(con) -> dict[str, list[str]]:
    """Per rule of RULES_SQL: every fact it reads (premise facts and the conflict fact)."""
    rows = con.execute(f"WITH {RULES_SQL} SELECT rule, list_append(premise, conflict) FROM rules").fetchall()
    return {rule: list(facts) for rule, facts in rows}
