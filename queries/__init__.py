"""The metric layer: every number a page shows comes from a function here.

Loaders fill the database; these functions read it (SQL, one function per metric, each with
a docstring that says what it counts); pages only lay the results out. Functions take a
DuckDB connection or cursor on a snapshot and return pandas DataFrames or plain values.
"""
from __future__ import annotations

import pandas as pd

from . import delivery, review, survey
from .delivery import (
    data_as_of,
    delivery_outcomes,
    delivery_reliability_by_office,
    overall_on_time_rate,
    unscheduled_deliveries,
)
from .survey import option_counts, published_vs_computed, survey_rounds, yes_no_counts

__all__ = ["delivery", "survey", "data_as_of", "delivery_outcomes", "delivery_reliability_by_office",
           "overall_on_time_rate", "unscheduled_deliveries", "option_counts", "published_vs_computed",
           "survey_rounds", "yes_no_counts", "TABLES", "provenance"]

TABLES = ("offices", "survey_rounds", "survey_respondents", "survey_answers", "delivery_schedule",
          "deliveries", "notices", "field_completeness", "loads")


def provenance(con) -> dict:
    """Where the shown data comes from: each round and whether it is the bundled illustrative
    data, whether any delivery/schedule/completeness rows come from bundled files, and the
    data's as-of dates."""
    rounds = survey_rounds(con)
    bundled_rows = con.execute("""
        SELECT (SELECT count(*) FROM deliveries d JOIN loads l ON l.seq = d.load_seq WHERE l.bundled),
               (SELECT count(*) FROM delivery_schedule d JOIN loads l ON l.seq = d.load_seq WHERE l.bundled),
               (SELECT count(*) FROM field_completeness d JOIN loads l ON l.seq = d.load_seq WHERE l.bundled)
    """).fetchall()[0]
    return {
        "rounds": [{"round": r.round, "illustrative": bool(r.bundled), "fielded_to": r.fielded_to}
                   for r in rounds.itertuples()],
        "illustrative_survey": bool(rounds["bundled"].any()) if len(rounds) else False,
        "illustrative_deliveries": any(n > 0 for n in bundled_rows),
        "deliveries_as_of": data_as_of(con),
    }


def status_summary(con) -> dict:
    """What is loaded: every round (public or not) with its review `status`, every month a status
    event names (`periods`: period, status, until, show_provisional, held_on: the day from which
    the public sees the month as it was published, or None; other months are published),
    row counts per table, and every load in the manifest."""
    tables = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in TABLES}
    loads = con.execute("SELECT * FROM loads ORDER BY seq").df().to_dict("records")
    rounds = survey_rounds(con, everything=True).merge(review.round_status(con)[["round", "status"]], on="round",
                                                       how="left")
    periods = [{"period": r.period, "status": r.status, "until": None if pd.isna(r.until) else str(r.until.date()),
                "show_provisional": bool(r.show_provisional),
                "held_on": None if pd.isna(r.held_on) else str(pd.Timestamp(r.held_on).date())}
               for r in review.period_status(con).itertuples()]
    return {"rounds": rounds.to_dict("records"), "periods": periods, "tables": tables, "loads": loads}


def _number(value, digits: int):
    """A JSON number rounded to `digits`, or None for a missing value (NaN / NA)."""
    return None if value is None or value != value or value is pd.NA else round(float(value), digits)


def metrics_summary(con, as_of=None) -> dict:
    """The headline metrics as one JSON-ready object (for `python -m loaders metrics --json`), of
    the public survey rounds only (`review.public_rounds`)."""
    rounds = survey_rounds(con)
    standards = option_counts(con, "standards")
    standards = standards[standards["round"].isin(list(rounds["round"]))]
    challenges = option_counts(con, "challenges")
    challenges = challenges[challenges["round"].isin(list(rounds["round"]))]
    as_of = as_of or data_as_of(con)
    reliability = delivery.provider_scorecard(con, as_of=as_of)
    return {
        "rounds": list(rounds["round"]),
        "respondents": {r.round: int(r.respondents) for r in rounds.itertuples()},
        "standards": {rnd: {r.code: int(r.offices) for r in grp.itertuples()}
                      for rnd, grp in standards.groupby("round")},
        "challenges": {rnd: {d: {r.code: int(r.offices) for r in g2.itertuples()}
                             for d, g2 in grp.groupby("direction")}
                       for rnd, grp in challenges.groupby("round")},
        "reliability_as_of": str(as_of),
        "reliability": {r.provider: {"scheduled": int(r.scheduled), "on_time": int(r.on_time),
                                     "late": int(r.late), "missed": int(r.missed),
                                     "pending": int(r.pending),
                                     "on_time_rate": _number(r.on_time_rate, 4),
                                     "sla_met": bool(r.sla_met),
                                     "delay_median_days": _number(r.delay_median_days, 2),
                                     "delay_p90_days": _number(r.delay_p90_days, 2),
                                     "interruptions": int(r.interruptions),
                                     "unannounced_interruptions": int(r.unannounced_interruptions),
                                     "stale_schedules": int(r.stale_schedules)}
                        for r in reliability.itertuples()},
    }
