"""The open data release: the public view as a Frictionless Data Package (datapackage.json, one
CSV and one Parquet file per table, the methodology, the disclosure rules, a changelog).

What it holds, per published survey round and per published delivery period (a calendar month
of scheduled date, UTC): every table the public pages show, made by the same functions the
pages call, for the public viewer (nobody signed in):

- survey figures from `queries.release` only, with `withheld` = every respondent that did not
  consent (`release.withheld_keys`): the round totals with complementary suppression, the
  consenting offices' answers (suppressed cells marked), the challenge categories, the
  reconciliation with CWS/13/14, the contradictions and the round-to-round comparison. A hidden
  office is a non-respondent in every table but the round totals, exactly as on the pages;
- delivery figures at the pages' default reference date (`delivery.data_as_of`): per schedule
  and month, per provider and month, per month, every scheduled occurrence, interruptions,
  incidents, unscheduled deliveries, and the notices (not tied to a period);
- completeness per provider, dataset, field and month, per dataset and month, and the delivery
  volumes;
- document coverage against ST.37 authority files, the missing and extra documents and the XML
  batches (not tied to a period).

Not in it: the office profile's peer values (a hidden office's delivery figures stand there
beside survey values the release withholds; its survey values are in the survey tables).

Which rounds and months are public is decided in one place, `published_scope`: the survey
rounds whose review status is published (`queries.review`), and every month with a scheduled
occurrence or a completeness figure (delivery periods have no review yet: that is where it
would narrow them). Every table of the package follows it.

Versions: the first release is 1.0.0. Publishing again over a package compares each table
(rows and content hash of its CSV, and its fields): a table removed or whose fields changed
bumps the major version, a table or a round or month added the minor one, other changed rows
the patch; the changelog (CHANGELOG.md, and `changes` in datapackage.json) lists the tables
added, removed and changed with their row counts. When nothing changed the version stays and
the release says so.

File names come from the fixed table keys below, never from data. CSV: UTF-8, a header row,
dates as YYYY-MM-DD, times as YYYY-MM-DDTHH:MM:SS (UTC), an empty cell for a missing value;
text cells are written as loaded (a spreadsheet user should import, not open, them). Each table is
one resource, its CSV file; the Parquet file of the same rows (DuckDB's built-in writer, no
extension downloaded) is named in the resource's `parquet` property with its hash and size.
The Parquet files are not resources of their own: the `frictionless` library reads Parquet
through pandas, where a missing integer becomes NaN and fails its integer field.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from . import completeness, coverage, delivery, disclosure, incidents, registry, release, review, survey
from .filters import DeliveryFilter, as_date

PACKAGE_NAME = "ipdx-public-data"
PACKAGE_TITLE = "IP Data Exchange Transparency Dashboard: public data"
FIRST_VERSION = "1.0.0"
#: The licence of the project's texts (README, schemas, methodology); README.md says what the data is.
LICENCE = {"name": "CC-BY-4.0", "title": "Creative Commons Attribution 4.0 International (the project's texts)",
           "path": "https://creativecommons.org/licenses/by/4.0/"}
#: Marks a datapackage.json written here: `write_package` replaces only such a folder.
GENERATOR = "ipdx-dashboard open data release"
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"
SURVEY_SECTIONS = survey.SECTIONS


@dataclass(frozen=True)
class Published:
    """The survey rounds and delivery periods (first day of each month) that are public."""
    rounds: tuple[str, ...]
    months: tuple[dt.date, ...]

    def has_month(self, value) -> bool:
        day = as_date(value)
        return day is not None and day.replace(day=1) in self.months


def _month_starts(frame: pd.DataFrame, column: str) -> set[dt.date]:
    return {as_date(v).replace(day=1) for v in frame[column].dropna()}


def published_scope(con) -> Published:
    """Which survey rounds and delivery periods are public: the survey rounds whose review status
    is published (`review.round_status`; a round in review, even one the pages show
    provisionally, waits for its publication), and every month that has a scheduled occurrence
    (up to the data's as-of date) or a completeness figure and is published (a month no status
    event names is; one in review waits for its publication as a round does, and the public
    figures never hold a draft's, `queries.filters.visible_sql`), or was held back after the
    public saw it and is not shown provisionally: the package then holds its last published
    state, as the public pages do (`db.held`). The one place that narrows what the open data
    release holds: every table of the package follows it."""
    status = review.round_status(con)
    rounds = tuple(str(r) for r in status.loc[status["status"] == "published", "round"])
    as_of = delivery.data_as_of(con)
    months = _month_starts(delivery.monthly_on_time_trend(con, as_of=as_of), "month")
    months |= _month_starts(completeness.field_completeness_trend(con), "month")
    periods = review.period_status(con)
    # A month held back after the public saw it keeps its last published state on the public
    # pages (db.held), and so here; one in review shown provisionally waits, as a round does.
    waiting = (periods["status"] != "published") & (periods["public"] | periods["held_on"].isna())
    held_back = {as_date(f"{p}-01") for p in periods.loc[waiting, "period"]}
    return Published(rounds, tuple(sorted(months - held_back)))


@dataclass
class _Context:
    con: object
    scope: Published
    withheld: list[str] | None
    as_of: dt.date


@dataclass(frozen=True)
class Table:
    """One table of the package: a fixed key (its resource and file name), a title, the metric
    whose registry entry and docstring describe it, what its rows are per, and how it is made."""
    key: str
    title: str
    metric: Callable
    per: str  # "round", "month" or "" (not tied to a period)
    kind: str  # "survey", "deliveries" or "coverage": which illustrative flag applies
    build: Callable[[_Context], pd.DataFrame] = field(compare=False)


def _in_rounds(frame: pd.DataFrame, ctx: _Context, column: str = "round") -> pd.DataFrame:
    return frame[frame[column].astype(str).isin(ctx.scope.rounds)].reset_index(drop=True)


def _in_months(frame: pd.DataFrame, ctx: _Context, column: str) -> pd.DataFrame:
    keep = [ctx.scope.has_month(v) if pd.notna(v) else False for v in frame[column]]
    return frame[pd.Series(keep, index=frame.index, dtype=bool)].reset_index(drop=True)


def _first(frame: pd.DataFrame, **columns) -> pd.DataFrame:
    """`frame` with `columns` (name -> value) added in front."""
    out = frame.copy()
    for position, (name, value) in enumerate(columns.items()):
        out.insert(position, name, value)
    return out


def _concat(frames: list[pd.DataFrame], empty: pd.DataFrame) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty


def _month_filter(month: dt.date) -> DeliveryFilter:
    last = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
    return DeliveryFilter(since=month, until=last)


def _per_month(ctx: _Context, make: Callable[[DeliveryFilter], pd.DataFrame]) -> pd.DataFrame:
    frames = [_first(make(_month_filter(m)), month=pd.Timestamp(m)) for m in ctx.scope.months]
    return _concat(frames, _first(make(_month_filter(dt.date(1900, 1, 1))), month=pd.Timestamp("1900-01-01")))


def _survey_rounds(ctx: _Context) -> pd.DataFrame:
    rounds = _in_rounds(survey.survey_rounds(ctx.con), ctx)
    hidden = release.hidden_by_round(ctx.withheld)
    rounds["not_named"] = [len(hidden.get(str(r), ())) for r in rounds["round"]]
    return rounds


def _survey_disclosure(ctx: _Context) -> pd.DataFrame:
    hidden = release.hidden_by_round(ctx.withheld)
    rows = []
    for round_ in ctx.scope.rounds:
        chosen = release.round_release(ctx.con, round_, sorted(hidden.get(round_, ())))
        rows.append({"round": round_, "respondents": len(chosen.respondents), "not_named": len(chosen.hidden),
                     "suppressed_cells": len(chosen.suppressed_cells),
                     "suppressed_totals": len(chosen.suppressed_totals),
                     "suppressed_blank_totals": len(chosen.suppressed_blank_totals)})
    return pd.DataFrame(rows, columns=["round", "respondents", "not_named", "suppressed_cells", "suppressed_totals",
                                       "suppressed_blank_totals"])


def _survey_option_counts(ctx: _Context) -> pd.DataFrame:
    frames = [_first(release.public_option_counts(ctx.con, section, withheld=ctx.withheld), section=section)
              for section in SURVEY_SECTIONS]
    counts = pd.concat(frames, ignore_index=True)
    counts = counts[["round"] + [c for c in counts.columns if c != "round"]]
    return _in_rounds(counts, ctx)


def _survey_answers(ctx: _Context) -> pd.DataFrame:
    frames = [_first(release.public_option_matrix(ctx.con, section, round_, withheld=ctx.withheld), section=section)
              for round_ in ctx.scope.rounds for section in SURVEY_SECTIONS]
    empty = _first(release.public_option_matrix(ctx.con, SURVEY_SECTIONS[0], "", withheld=ctx.withheld),
                   section=SURVEY_SECTIONS[0])
    answers = _concat(frames, empty)
    return answers[["round"] + [c for c in answers.columns if c != "round"]]


def _comparisons(function: Callable) -> Callable[[_Context], pd.DataFrame]:
    """A builder of `function` (a `release` round comparison) for every consecutive pair of
    published rounds and every section, with from_round, to_round and section in front."""
    def build(ctx: _Context) -> pd.DataFrame:
        frames = [_first(function(ctx.con, section, a, b, withheld=ctx.withheld), from_round=a, to_round=b,
                         section=section)
                  for a, b in zip(ctx.scope.rounds, ctx.scope.rounds[1:]) for section in SURVEY_SECTIONS]
        empty = _first(function(ctx.con, SURVEY_SECTIONS[0], "", "", withheld=ctx.withheld),
                       from_round="", to_round="", section="")
        return _concat(frames, empty.iloc[0:0])
    return build


def _survey_contradictions(ctx: _Context) -> pd.DataFrame:
    frames = [release.public_contradictions(ctx.con, round_, ctx.withheld) for round_ in ctx.scope.rounds]
    return _concat(frames, release.public_contradictions(ctx.con, "", ctx.withheld))


TABLES: tuple[Table, ...] = (
    Table("survey-rounds", "Survey rounds", survey.survey_rounds, "round", "survey", _survey_rounds),
    Table("survey-disclosure", "Disclosure control applied per round", release.round_release, "round", "survey",
          _survey_disclosure),
    Table("survey-option-counts", "Survey round totals per option", release.public_option_counts, "round",
          "survey", _survey_option_counts),
    Table("survey-answers", "Answers of the offices that consented to publication", release.public_option_matrix,
          "round", "survey", _survey_answers),
    Table("survey-challenge-categories", "Challenges per category", release.public_category_counts, "round",
          "survey", lambda ctx: _in_rounds(release.public_category_counts(ctx.con, withheld=ctx.withheld), ctx)),
    Table("survey-published-vs-computed", "Published CWS/13/14 aggregates beside the computed values",
          release.public_published_vs_computed, "round", "survey",
          lambda ctx: _in_rounds(release.public_published_vs_computed(ctx.con, ctx.withheld), ctx)),
    Table("survey-contradiction-rules", "Contradiction rules per round", release.public_contradiction_rules,
          "round", "survey",
          lambda ctx: _in_rounds(release.public_contradiction_rules(ctx.con, ctx.withheld), ctx)),
    Table("survey-contradictions", "Offices whose answers contradict each other", release.public_contradictions,
          "round", "survey", _survey_contradictions),
    Table("survey-round-changes", "Round-to-round comparison per option", release.public_option_change_summary,
          "round", "survey", _comparisons(release.public_option_change_summary)),
    Table("survey-answer-changes", "Round-to-round changes per consenting office and option",
          release.public_option_changes, "round", "survey", _comparisons(release.public_option_changes)),
    Table("delivery-schedules-monthly", "Delivery reliability per schedule and month",
          delivery.delivery_reliability_by_schedule, "month", "deliveries",
          lambda ctx: _per_month(ctx, lambda where: delivery.delivery_reliability_by_schedule(
              ctx.con, as_of=ctx.as_of, where=where))),
    Table("delivery-providers-monthly", "Delivery outcomes per provider office and month",
          delivery.outcomes_by_provider_month, "month", "deliveries",
          lambda ctx: _in_months(delivery.outcomes_by_provider_month(ctx.con, as_of=ctx.as_of), ctx, "month")),
    Table("delivery-monthly-trend", "On-time rate per month, all providers", delivery.monthly_on_time_trend,
          "month", "deliveries",
          lambda ctx: _in_months(delivery.monthly_on_time_trend(ctx.con, as_of=ctx.as_of), ctx, "month")),
    Table("delivery-outcomes", "Every scheduled delivery with its outcome", delivery.delivery_outcomes, "month",
          "deliveries",
          lambda ctx: _in_months(delivery.delivery_outcomes(ctx.con, as_of=ctx.as_of), ctx, "scheduled_date")),
    Table("delivery-interruptions", "Interruptions (runs of missed deliveries)", delivery.delivery_interruptions,
          "month", "deliveries",
          lambda ctx: _in_months(delivery.delivery_interruptions(ctx.con, as_of=ctx.as_of), ctx, "first_missed")),
    Table("delivery-unscheduled", "Deliveries matching no schedule", delivery.unscheduled_deliveries, "month",
          "deliveries",
          lambda ctx: _in_months(delivery.unscheduled_deliveries(ctx.con, as_of=ctx.as_of), ctx, "scheduled_date")),
    Table("delivery-incidents", "Incidents: interruptions with their recovery and notice", incidents.incidents,
          "month", "deliveries",
          lambda ctx: _in_months(incidents.incidents(ctx.con, as_of=ctx.as_of), ctx, "first_missed")),
    Table("delivery-notices", "Notices of planned and unplanned interruptions", incidents.notices, "",
          "deliveries", lambda ctx: incidents.notices(ctx.con)),
    Table("completeness-fields-monthly", "Field completeness per provider, dataset and month",
          completeness.field_completeness, "month", "deliveries",
          lambda ctx: _per_month(ctx, lambda where: completeness.field_completeness(ctx.con, where=where))),
    Table("completeness-volumes", "Delivery volumes and their expected band", completeness.delivery_volumes,
          "month", "deliveries",
          lambda ctx: _in_months(completeness.delivery_volumes(ctx.con), ctx, "scheduled_date")),
    Table("completeness-trend", "Field completeness per month and dataset, all providers",
          completeness.field_completeness_trend, "month", "deliveries",
          lambda ctx: _in_months(completeness.field_completeness_trend(ctx.con), ctx, "month")),
    Table("coverage-by-kind-year", "Document coverage against ST.37 authority files",
          coverage.coverage_by_kind_year, "", "coverage", lambda ctx: coverage.coverage_by_kind_year(ctx.con)),
    Table("coverage-xml-batches", "Delivered XML batches", coverage.xml_batch_summary, "", "coverage",
          lambda ctx: coverage.xml_batch_summary(ctx.con)),
    Table("coverage-measured-completeness", "Completeness measured from XML batches",
          coverage.measured_completeness, "", "coverage", lambda ctx: coverage.measured_completeness(ctx.con)),
    Table("coverage-missing-documents", "Expected publication numbers no batch delivered",
          coverage.missing_documents, "", "coverage", lambda ctx: coverage.missing_documents(ctx.con)),
    Table("coverage-extra-documents", "Delivered documents the authority file does not list",
          coverage.extra_documents, "", "coverage", lambda ctx: coverage.extra_documents(ctx.con)),
)
_KEY = re.compile(r"^[a-z0-9-]+$")
assert all(_KEY.match(t.key) for t in TABLES) and len({t.key for t in TABLES}) == len(TABLES)

# ------------------------------------------------------------------ schemas

#: Columns that hold a date (no time of day), whatever pandas made of them.
DATE_COLUMNS = frozenset({"month", "scheduled_date", "nominal_date", "deadline", "first_missed", "last_missed",
                          "delivered_on", "fielded_from", "fielded_to", "publication_date", "starts", "ends",
                          "recovered_at", "last_delivered"})
#: The key columns every table shares, described once (the metrics' docstrings describe the figures).
KEY_COLUMNS = {
    "round": "Survey round.",
    "from_round": "The earlier round of the comparison.",
    "to_round": "The later round of the comparison.",
    "section": "Survey section of the question (codebook tag): standards, ip_rights, data_types, formats, "
               "challenges.",
    "question_id": "Question id in the round's codebook.",
    "direction": "Direction of a challenge question: sharing or collecting (empty for other questions).",
    "code": "Answer option code in the round's codebook (or item code of a published figure).",
    "label": "Answer option label (English, from the codebook).",
    "category": "Category of the option (challenges: technical, legal/policy, organizational, "
                "business/coordination).",
    "ord": "Position of the option in its question.",
    "office": "ST.3 code of the office.",
    "provider": "ST.3 code of the provider (delivering) office.",
    "recipient": "ST.3 code of the recipient office.",
    "dataset": "Dataset name, as in the schedule.",
    "month": "Calendar month of scheduled date (its first day, UTC).",
    "state": "Answer state: yes (ticked), no, no_answer (question left blank), not_asked, or suppressed "
             "(withheld by complementary suppression).",
    "suppressed": "True where a figure of the row is withheld (NULL) by complementary suppression.",
    "not_named": "Respondents of the round that did not consent to publication of their answers: counted only "
                 "in the round totals, never named.",
    "respondents": "Offices that answered the round.",
}


def _field_type(name: str, series: pd.Series) -> str:
    if name in DATE_COLUMNS:
        return "date"
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "integer"
    if pd.api.types.is_float_dtype(series):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    values = series.dropna()
    if len(values) and all(isinstance(v, bool) for v in values):
        return "boolean"
    return "string"


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.;])\s+(?=[A-Z`(])|;\s+", " ".join(text.split())) if s.strip()]


def _clauses(sentence: str) -> list[str]:
    """`sentence` cut at the commas and colons outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(sentence):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch in ",:" and sentence[i + 1:i + 2] == " ":
            parts.append(sentence[start:i].strip())
            start = i + 1
    parts.append(sentence[start:].strip())
    return [p for p in parts if p]


def _docstrings(function: Callable) -> list[str]:
    """The docstring of `function`, then those of the `module.function` it names in backticks
    (a `queries.release` function documents its columns by pointing at the row-level one)."""
    own = inspect.getdoc(function) or ""
    found = [own]
    module = inspect.getmodule(function)
    for ref in re.findall(r"`(\w+)\.(\w+)`", own):
        target = getattr(module, ref[0], None)
        target = getattr(target, ref[1], None) if target is not None else None
        if callable(target):
            found.append(inspect.getdoc(target) or "")
    return found


def field_description(function: Callable, column: str) -> str:
    """What `column` of metric `function` holds: the key columns' shared text, else the first
    sentence of the metric's docstrings that names it (in backticks, or as a word)."""
    if column in KEY_COLUMNS:
        return KEY_COLUMNS[column]
    docs = _docstrings(function)
    name = re.escape(column)
    # Definitions first: "... (`col`)", "`col` = ...", "col = ...", then any mention.
    patterns = [re.compile(rf"\(`{name}`\)"), re.compile(rf"`{name}` ="), re.compile(rf"(?<![\w`]){name} = "),
                re.compile(rf"`{name}`")]
    if "_" in column or len(column) > 4:
        patterns.append(re.compile(rf"(?<![\w`]){re.escape(column).replace('_', '[_ ]')}(?![\w`])", re.IGNORECASE))
    for pattern in patterns:
        for doc in docs:
            for sentence in _sentences(doc):
                if not pattern.search(sentence):
                    continue
                clause = next(c for c in _clauses(sentence) + [sentence] if pattern.search(c))
                lead = sentence.split(":", 1)[0] if ":" in sentence and not clause.startswith(
                    sentence.split(":", 1)[0]) else ""
                text = f"{lead}: {clause}" if lead and len(lead) < 60 else clause
                return text.rstrip(".") + "."
    return (f"{column.replace('_', ' ')}: see {function.__module__}.{function.__name__} in methodology.md.")


def table_schema(table: Table, frame: pd.DataFrame) -> dict:
    """The Table Schema of `table`: each column's type and description."""
    return {"fields": [{"name": str(c), "type": _field_type(str(c), frame[c]),
                        "description": field_description(table.metric, str(c))} for c in frame.columns],
            "missingValues": [""]}


# ------------------------------------------------------------------ files

_CASTS = {"date": "DATE", "datetime": "TIMESTAMP", "integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN",
          "string": "VARCHAR"}


def _frame_for_writing(frame: pd.DataFrame, schema: dict) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for spec in schema["fields"]:
        column = frame[spec["name"]]
        if spec["type"] in ("date", "datetime"):
            column = pd.to_datetime(column)
            if getattr(column.dt, "tz", None) is not None:
                column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        elif spec["type"] == "string":
            column = column.map(lambda v: None if v is None or v is pd.NA or (isinstance(v, float) and v != v)
                                else str(v)).astype(object)
        out[spec["name"]] = column
    return out


def _writer() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that writes CSV and Parquet with its built-in writers only."""
    con = duckdb.connect(":memory:")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    return con


def _write_files(con, frame: pd.DataFrame, schema: dict, csv_path: Path, parquet_path: Path) -> None:
    """The table as CSV and Parquet, written by `con` (`_writer`)."""
    con.register("frame", _frame_for_writing(frame, schema))
    try:
        select = []
        for spec in schema["fields"]:
            if not spec["name"].isidentifier():
                raise ValueError(f"not a column name: {spec['name']!r}")
            select.append(f'CAST("{spec["name"]}" AS {_CASTS[spec["type"]]}) AS "{spec["name"]}"')
        query = f"SELECT {', '.join(select)} FROM frame"
        con.execute(f"COPY ({query}) TO $path (FORMAT csv, HEADER true, DATEFORMAT '%Y-%m-%d', "
                    "TIMESTAMPFORMAT '%Y-%m-%dT%H:%M:%S')", {"path": str(csv_path)})
        con.execute(f"COPY ({query}) TO $path (FORMAT parquet)", {"path": str(parquet_path)})
    finally:
        con.unregister("frame")


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _illustrative(con) -> dict[str, bool]:
    rounds = survey.survey_rounds(con)
    bundled = con.execute("""
        SELECT (SELECT count(*) FROM deliveries d JOIN loads l ON l.seq = d.load_seq WHERE l.bundled)
             + (SELECT count(*) FROM delivery_schedule d JOIN loads l ON l.seq = d.load_seq WHERE l.bundled)
             + (SELECT count(*) FROM field_completeness d JOIN loads l ON l.seq = d.load_seq WHERE l.bundled)
        """).fetchall()[0][0]
    return {"survey": bool(rounds["bundled"].any()) if len(rounds) else False,
            "deliveries": bundled > 0,
            "coverage": bool(coverage.authority_files(con)["bundled"].any()
                             or coverage.xml_batch_summary(con)["bundled"].any())}


ILLUSTRATIVE_TEXT = ("ILLUSTRATIVE DATA: these rows come from the bundled sample files, made up to show how the "
                     "dashboard works; they describe no office's real answers or deliveries.")
_PER = {"round": "One set of rows per published survey round (column round).",
        "month": "One set of rows per published delivery period, a calendar month of scheduled date (UTC).",
        "": "Not tied to a period: every loaded row."}


def _resource_description(table: Table, illustrative: bool) -> str:
    parts = [ILLUSTRATIVE_TEXT] if illustrative else []
    parts += [_registry_summary(table.metric), _PER[table.per],
              f"Made by {table.metric.__module__}.{table.metric.__name__}, the function the public pages call "
              "(definition in methodology.md)."]
    return " ".join(parts)


def _registry_summary(function: Callable) -> str:
    """The registry's one-line meaning of `function` (its docstring's first sentence if unregistered)."""
    metric = registry.metric_of(function)
    if metric is not None:
        return metric.summary
    doc = " ".join((inspect.getdoc(function) or "").split())
    end = doc.find(". ")
    return doc if end < 0 else doc[:end + 1]


# ------------------------------------------------------------------ the package


@dataclass(frozen=True)
class Release:
    """A built package: its files (path inside the package -> bytes), its descriptor, and what
    changed since the previous release."""
    files: dict[str, bytes]
    descriptor: dict
    changes: dict


def _public_context(con) -> _Context:
    return _Context(con, published_scope(con), release.withheld_keys(disclosure.consent_by_office(con)),
                    delivery.data_as_of(con))


def public_tables(con) -> dict[str, pd.DataFrame]:
    """Every table of the package, by key, as the public viewer sees it (what the CSV files hold)."""
    ctx = _public_context(con)
    return {table.key: table.build(ctx) for table in TABLES}


def _bump(previous: str, level: str) -> str:
    parts = [int(p) for p in re.findall(r"\d+", previous)[:3]] + [0, 0, 0]
    major, minor, patch = parts[:3]
    if level == "major":
        return f"{major + 1}.0.0"
    if level == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def _compare(previous: dict | None, tables: dict[str, dict], scope: Published) -> dict:
    """What changed from `previous` (a datapackage.json written here) to `tables` (key ->
    {rows, hash, fields}): the tables added, removed and changed, and the new version."""
    if previous is None:
        return {"previous_version": None, "version": FIRST_VERSION, "changed": True, "first_release": True,
                "added": [{"name": k, "rows": t["rows"]} for k, t in tables.items()], "removed": [],
                "changed_tables": [], "rounds_added": list(scope.rounds),
                "periods_added": [m.isoformat()[:7] for m in scope.months]}
    before = {r["name"]: r for r in previous.get("resources", []) if r.get("format") == "csv"}
    added = [{"name": k, "rows": t["rows"]} for k, t in tables.items() if k not in before]
    removed = [{"name": k, "rows": r.get("rows")} for k, r in before.items() if k not in tables]
    changed, reshaped = [], False
    for key, table in tables.items():
        old = before.get(key)
        if old is None:
            continue
        fields_changed = [(f["name"], f["type"]) for f in old.get("schema", {}).get("fields", [])] != table["fields"]
        if old.get("hash") != table["hash"] or fields_changed:
            changed.append({"name": key, "rows_before": old.get("rows"), "rows": table["rows"],
                            "fields_changed": fields_changed})
            reshaped = reshaped or fields_changed
    scope_before = previous.get("ipdx", {})
    rounds_added = [r for r in scope.rounds if r not in scope_before.get("rounds", [])]
    periods_added = [m.isoformat()[:7] for m in scope.months if m.isoformat()[:7] not in scope_before.get("periods", [])]
    old_version = str(previous.get("version") or FIRST_VERSION)
    if not (added or removed or changed):
        return {"previous_version": old_version, "version": old_version, "changed": False, "first_release": False,
                "added": [], "removed": [], "changed_tables": [], "rounds_added": [], "periods_added": []}
    level = ("major" if removed or reshaped else "minor" if added or rounds_added or periods_added else "patch")
    return {"previous_version": old_version, "version": _bump(old_version, level), "changed": True,
            "first_release": False, "added": added, "removed": removed, "changed_tables": changed,
            "rounds_added": rounds_added, "periods_added": periods_added}


def _changelog_entry(changes: dict, created: str) -> str:
    lines = [f"## {changes['version']} ({created[:10]})", ""]
    if changes["first_release"]:
        lines.append("First release.")
    else:
        lines.append(f"Changes since {changes['previous_version']}:")
    lines.append("")
    if changes["rounds_added"]:
        lines.append(f"- survey rounds added: {', '.join(changes['rounds_added'])}")
    if changes["periods_added"]:
        lines.append(f"- delivery periods added: {', '.join(changes['periods_added'])}")
    for item in changes["added"]:
        lines.append(f"- table added: {item['name']} ({item['rows']} rows)")
    for item in changes["removed"]:
        lines.append(f"- table removed: {item['name']} (had {item['rows']} rows)")
    for item in changes["changed_tables"]:
        extra = "; its fields changed" if item["fields_changed"] else ""
        lines.append(f"- table changed: {item['name']} ({item['rows_before']} -> {item['rows']} rows{extra})")
    return "\n".join(lines) + "\n"


CHANGELOG_TITLE = "# Changelog of the public data release\n"


def _disclosure_text() -> str:
    return "\n".join([
        "# Disclosure rules applied", "",
        "Every survey table of this package was made by the functions of `queries.release` that the "
        "dashboard's public pages call, for the public viewer (nobody signed in): the same code, the same "
        "result. The rules, as the dashboard states them (`queries.registry.disclosure_rules`, the text of "
        "docs/disclosure.md and the Methodology page):", "",
        registry.disclosure_rules(), "",
        "Delivery, completeness and coverage data are not subject to consent.", ""])


def _readme(descriptor: dict, illustrative: dict[str, bool]) -> str:
    lines = [f"# {PACKAGE_TITLE}", "", f"Version {descriptor['version']}, created {descriptor['created']}.", "",
             "A Frictionless Data Package (`datapackage.json`): every table the dashboard's public pages show, "
             "as CSV and Parquet, each with its schema.", "",
             "## Licence", "",
             "The project's texts (this file, the schemas, the methodology) are licensed under Creative Commons "
             "Attribution 4.0 International (CC BY 4.0, https://creativecommons.org/licenses/by/4.0/).", ""]
    if any(illustrative.values()):
        kinds = ", ".join(k for k, v in illustrative.items() if v)
        lines += ["## Illustrative data", "",
                  f"The bundled data in this package ({kinds}) is illustrative: made up to show how the dashboard "
                  "works, it describes no office's real answers or deliveries. Each resource that holds it says so "
                  "in its description.", ""]
    lines += ["## Files", "",
              "- `methodology.md`: the definition of every figure (the dashboard's metric registry).",
              "- `disclosure.md`: the disclosure rules applied to the survey tables.",
              "- `CHANGELOG.md`: what changed between releases.", ""]
    lines += [f"- `{r['path']}`: {r['title']}" for r in descriptor["resources"]]
    return "\n".join(lines) + "\n"


def build_release(con, previous: dict | None = None, previous_changelog: str = "") -> Release:
    """The public data package of the snapshot `con` reads, compared with `previous` (the
    datapackage.json of the last release, None for a first release) and with the changelog
    entries of the earlier releases (`previous_changelog`, CHANGELOG.md's text) kept."""
    ctx = _public_context(con)
    illustrative = _illustrative(con)
    files: dict[str, bytes] = {}
    resources, summary = [], {}
    writer = _writer()
    with tempfile.TemporaryDirectory(prefix="ipdx-open-data-") as tmp:
        for table in TABLES:
            frame = table.build(ctx)
            schema = table_schema(table, frame)
            csv_path, parquet_path = Path(tmp) / f"{table.key}.csv", Path(tmp) / f"{table.key}.parquet"
            _write_files(writer, frame, schema, csv_path, parquet_path)
            csv_bytes, parquet_bytes = csv_path.read_bytes(), parquet_path.read_bytes()
            files[f"data/{table.key}.csv"], files[f"data/{table.key}.parquet"] = csv_bytes, parquet_bytes
            marked = illustrative[table.kind]
            common = {"title": table.title, "description": _resource_description(table, marked),
                      "profile": "tabular-data-resource", "schema": schema}
            resources.append({"name": table.key, "path": f"data/{table.key}.csv", "format": "csv",
                              "mediatype": "text/csv", "encoding": "utf-8", **common,
                              "hash": _digest(csv_bytes), "bytes": len(csv_bytes), "rows": len(frame),
                              "illustrative": marked,
                              "parquet": {"path": f"data/{table.key}.parquet", "format": "parquet",
                                          "mediatype": PARQUET_MEDIATYPE, "hash": _digest(parquet_bytes),
                                          "bytes": len(parquet_bytes)}})
            summary[table.key] = {"rows": len(frame), "hash": _digest(csv_bytes),
                                  "fields": [(f["name"], f["type"]) for f in schema["fields"]]}
    writer.close()
    changes = _compare(previous, summary, ctx.scope)
    if not changes["changed"]:
        created = str(previous.get("created"))
    else:
        created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    descriptor = {
        "profile": "tabular-data-package",
        "name": PACKAGE_NAME, "title": PACKAGE_TITLE, "version": changes["version"], "created": created,
        "description": ("The public view of the IP Data Exchange Transparency Dashboard (WIPO CWS Task No. 67): per "
                        "published survey round and delivery period, every table the public pages show, with the "
                        "disclosure rules of the pages applied (disclosure.md) and the definition of every figure "
                        "(methodology.md)."
                        + (" Parts of it are illustrative data (see each resource's description)."
                           if any(illustrative.values()) else "")),
        "licenses": [LICENCE],
        "resources": resources,
        "ipdx": {"generator": GENERATOR, "rounds": list(ctx.scope.rounds),
                 "periods": [m.isoformat()[:7] for m in ctx.scope.months],
                 "deliveries_as_of": ctx.as_of.isoformat(), "illustrative": illustrative,
                 "methodology": "methodology.md", "disclosure": "disclosure.md", "changelog": "CHANGELOG.md",
                 "changes": changes},
    }
    earlier = previous_changelog.split("\n", 1)[1].lstrip("\n") if previous_changelog.startswith(
        CHANGELOG_TITLE) else previous_changelog
    changelog = CHANGELOG_TITLE + "\n" + (_changelog_entry(changes, created) + "\n" if changes["changed"] else "") \
        + earlier
    files["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    files["methodology.md"] = registry.markdown().encode("utf-8")
    files["disclosure.md"] = _disclosure_text().encode("utf-8")
    files["CHANGELOG.md"] = changelog.rstrip("\n").encode("utf-8") + b"\n"
    files["README.md"] = _readme(descriptor, illustrative).encode("utf-8")
    return Release(files, descriptor, changes)


class NotAPackage(ValueError):
    """OUTDIR exists but holds no package written by `write_release` (it is never replaced)."""


def read_previous(outdir: Path) -> tuple[dict | None, str]:
    """(datapackage.json, CHANGELOG.md text) of the release in `outdir`; (None, '') when the folder
    is missing or empty. Raises NotAPackage for a folder that holds anything else."""
    outdir = Path(outdir)
    if not outdir.exists():
        return None, ""
    if not outdir.is_dir():
        raise NotAPackage(f"{outdir} is not a folder")
    if not any(outdir.iterdir()):
        return None, ""
    descriptor_path = outdir / "datapackage.json"
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise NotAPackage(f"{outdir} is not empty and holds no datapackage.json: not replaced "
                          "(give an empty or new folder, or one a previous publish wrote)") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise NotAPackage(f"{descriptor_path}: not a readable JSON data package ({err})") from err
    ours = isinstance(descriptor, dict) and isinstance(descriptor.get("ipdx"), dict) \
        and descriptor["ipdx"].get("generator") == GENERATOR
    if not ours:
        raise NotAPackage(f"{descriptor_path} was not written by `python -m loaders publish`: not replaced")
    resources = descriptor.get("resources")
    if not (isinstance(resources, list) and all(isinstance(r, dict) and isinstance(r.get("name"), str)
                                                and isinstance(r.get("schema", {}), dict) for r in resources)):
        raise NotAPackage(f"{descriptor_path}: its resources are not a list of named resources; "
                          "not replaced (publish into a new folder)")
    changelog = outdir / "CHANGELOG.md"
    return descriptor, changelog.read_text(encoding="utf-8") if changelog.is_file() else ""


def write_release(con, outdir: Path) -> Release:
    """Build the release (compared with the one in `outdir`, if any) and put it in `outdir`: the
    files are written to a new folder beside it, which then takes its place, so a reader sees
    the old package or the new one, never a mix."""
    outdir = Path(outdir).absolute()
    previous, changelog = read_previous(outdir)
    built = build_release(con, previous, changelog)
    outdir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.new-", dir=outdir.parent))
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; a release is for publishing
        for name, data in built.files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        retired = None
        if outdir.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.old-", dir=outdir.parent))
            os.rmdir(retired)
            os.rename(outdir, retired)
        os.rename(staging, outdir)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return built
