"""Vectorised validation: each check is one SQL condition over the staged table.

A check selects the rows that break one rule and turns them into problems that name the
file, the row, the column, the value and what was expected.

One typed staging pass: when the queued rules run, a single query over the staged text builds
the typed table (`typed_table`): each column's trimmed text (`ref`) once, the parsed values
the rules need (`typed`: dates, timestamps, ...) once, and one flag per rule. The rules count
and list their rows from the flags, and the handlers build their clean table from the typed
columns, so no value is trimmed or parsed twice.

Screen mode (`screen=True`, used by `kinds.load_screened` for a large clean file): the same
queued rules are not counted and listed but folded into one guard of the typed source, which
raises on the first row that breaks any of them; the load then falls back to the exact mode
above, which lists every problem. So both modes apply the very same rule conditions.
"""
from __future__ import annotations

import itertools
import os
import unicodedata
from datetime import UTC, date, datetime

import duckdb

from .problems import MAX_LISTED_PROBLEMS, ProblemList
from .readers import MAX_CELL_CHARS, StagedTable, normalise_header

#: What the guard of a screened load raises on a row that breaks a rule.
SCREEN_ERROR = "ipdx screen: a row breaks a rule"
ISO_TIMESTAMP_RE = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]00:?00)?)?$"
#: Earliest date of any kind accepted by default (IPDX_DATE_MIN overrides it): the exchanges the
#: dashboard follows began in the 1990s, so an earlier year is a typing error (0001, 1025...).
DEFAULT_DATE_MIN = date(1990, 1, 1)
#: Latest date accepted by default: this many years after today (IPDX_DATE_MAX overrides it).
#: A schedule runs some years ahead; year 9000 would grow the calendar to millions of rows.
DEFAULT_YEARS_AHEAD = 5
#: What IPDX_DATE_MIN / IPDX_DATE_MAX may be set to: beyond them the calendar would grow without
#: use (and near year 9999 date arithmetic overflows).
OUTERMOST_DATES = (date(1800, 1, 1), date(2199, 12, 31))
#: A delivery stamped more than this many days before its scheduled date is refused: an early
#: batch is days or weeks early, one that is a year early has a wrong year in one of the dates.
MAX_DAYS_EARLY = 365
#: Prefix of the name of the SQL function (registered on the checking connection) that gives a
#: label's plain form: Unicode NFKC with whitespace runs collapsed to one space.
PLAIN_TEXT_FUNCTION = "ipdx_plain_text"


def plain_text(text: str) -> str:
    """A label's plain form: Unicode NFKC (a non-breaking or full-width character becomes its
    ordinary twin) with every run of whitespace one space, trimmed."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _env_date(name: str) -> date | None:
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} must be a date as YYYY-MM-DD (it is {text!r})") from None


def date_bounds() -> tuple[date, date]:
    """(earliest, latest) date accepted in any input: IPDX_DATE_MIN / IPDX_DATE_MAX, by default
    1990-01-01 and today (UTC) plus five years. Raises ValueError for a malformed setting."""
    today = datetime.now(UTC).date()
    try:
        ahead = today.replace(year=today.year + DEFAULT_YEARS_AHEAD)
    except ValueError:  # 29 February
        ahead = today.replace(year=today.year + DEFAULT_YEARS_AHEAD, day=28)
    low = _env_date("IPDX_DATE_MIN") or DEFAULT_DATE_MIN
    high = _env_date("IPDX_DATE_MAX") or ahead
    if high < low:
        raise ValueError(f"IPDX_DATE_MAX ({high}) is before IPDX_DATE_MIN ({low})")
    if low < OUTERMOST_DATES[0] or high > OUTERMOST_DATES[1]:
        raise ValueError(f"IPDX_DATE_MIN and IPDX_DATE_MAX must lie between {OUTERMOST_DATES[0]} and "
                         f"{OUTERMOST_DATES[1]} (the calendar of occurrences is built up to the latest date)")
    return low, high


def date_range_text(low: date, high: date) -> str:
    return f"a date between {low.isoformat()} and {high.isoformat()}"


def register_functions(con: duckdb.DuckDBPyConnection) -> str:
    """Register the plain-text function on the connection that runs the rules, and return its
    SQL name. A registration lives in the catalog, which a rolled-back transaction (a screened
    load that fell back) undoes while the connection still holds the name: so a live one is
    reused, and otherwise one is made under a new name."""
    live = con.execute("SELECT function_name FROM duckdb_functions() WHERE starts_with(function_name, $n) "
                       "LIMIT 1", {"n": PLAIN_TEXT_FUNCTION}).fetchall()
    if live:
        return live[0][0]
    name = f"{PLAIN_TEXT_FUNCTION}_{next(_registrations)}"
    con.create_function(name, plain_text, ["VARCHAR"], "VARCHAR", side_effects=False)
    return name


_registrations = itertools.count()
#: ASCII control characters that str.split() treats as whitespace (tab, line ends, separators).
WHITESPACE_CONTROLS = (9, 10, 11, 12, 13, 28, 29, 30, 31)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Checker:
    def __init__(self, con: duckdb.DuckDBPyConnection, staged: StagedTable, display: str,
                 required: list[str], optional: list[str], screen: bool = False,
                 source_params: dict | None = None):
        self.con = con
        self.plain_text_sql = register_functions(con)
        self.date_low, self.date_high = date_bounds()
        self.staged = staged  # in screen mode its `name` is a table function call (read_csv)
        self.display = display
        self.screen = screen
        #: Parameters of the SQL that typed_source() returns (screen mode: the source's and the
        #: rules'); pass them when executing a query over it.
        self.params: dict = dict(source_params or {})
        #: The key that duplicate_keys was asked to check, in screen mode (checked by the caller
        #: on the loaded rows).
        self.unique_key: list[str] | None = None
        #: (table, column) of the snapshot whose labels must have one spelling each, in screen
        #: mode (checked by the caller on the loaded rows).
        self.spelling_tables: list[tuple[str, str]] | None = None
        #: Columns whose rules refuse any value with surrounding spaces, and the empty text, as
        #: read (an anchored pattern or a fixed list): the screen need not check their edges.
        self._formatted: set[str] = set()
        self._problems = ProblemList()
        #: Rules queued by rows_where, counted together in one pass (see _run_pending).
        self._pending: list[tuple[str, str, str, str, dict]] = []
        #: The typed staging table (see the module docstring), built by the first _run_pending
        #: that has rules to run; the parsed columns requested until then (alias -> SQL).
        self.typed_table = f"{staged.name}_typed"
        self._typed_columns: dict[str, str] = {}
        self._typed_built = False
        self.columns: dict[str, str] = {}  # canonical name -> header as written
        by_norm = {normalise_header(h): h for h in staged.columns}
        known = {c: c for c in required + optional}
        for norm, header in by_norm.items():
            if norm in known:
                self.columns[norm] = header
            else:
                self._problems.add(display, 1, header, header,
                                  "only known columns (" + ", ".join(required + optional) +
                                  "); an unknown column is refused rather than ignored, so that a "
                                  "misspelt column cannot drop data silently")
        for name in required:
            if name not in self.columns:
                self._problems.add(display, 1, name, None, f"a column named '{name}' (required)")

    def problems(self) -> ProblemList:
        """Every problem found so far: the queued rules run first (in screen mode, only the
        header's problems: the rules become the guard of typed_source)."""
        if not self.screen:
            self._run_pending()
        return self._problems

    def has(self, name: str) -> bool:
        return name in self.columns

    def ref(self, name: str) -> str:
        """SQL for a column's trimmed text (NULL when empty or absent): a column of the typed
        table, valid in rules and in queries over `typed_table`."""
        if name not in self.columns:
            return "CAST(NULL AS VARCHAR)"
        if self.screen:  # the text as read: typed_source's guard sends any cell trimming would change to the exact path
            return quote_ident(self.columns[name])
        return quote_ident(f"_v_{name}")

    def typed(self, alias: str, expression: str) -> str:
        """A parsed value (`expression` over `ref` columns) computed once, in the typed staging
        pass: returns the column name, or the expression itself once that pass has run."""
        if self._typed_built:
            return expression
        self._typed_columns.setdefault(alias, expression)
        return quote_ident(alias)

    def _typed_select(self, flags: str = "", where: str = "") -> str:
        """SELECT of the typed pass over the staged source: trimmed text, then the parsed values
        (`typed`), then `flags` (extra select items) and an optional WHERE."""
        trimmed = "" if self.screen else ", ".join(
            f"nullif(trim({quote_ident(header)}), '') AS {self.ref(name)}" for name, header in self.columns.items())
        parsed = ", ".join(f"{expr} AS {quote_ident(alias)}" for alias, expr in self._typed_columns.items())
        kept = ", ".join(([] if self.screen else ["_row"]) + [self.ref(name) for name in self.columns]
                         + [quote_ident(alias) for alias in self._typed_columns])
        return (f"SELECT {kept}{flags} FROM (SELECT *{', ' + parsed if parsed else ''} FROM ("
                f"SELECT *{', ' + trimmed if trimmed else ''} FROM {self.staged.name}))"
                + (f" WHERE {where}" if where else ""))

    def _build_typed(self, conditions: list[str], params: dict) -> None:
        """The typed staging pass: trimmed text, parsed values and the flag of each queued rule
        (`_f0`, `_f1`, ...) in one query over the staged table, in its row order."""
        flags = "".join(f", ({c}) AS _f{i}" for i, c in enumerate(conditions))
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {self.typed_table} AS {self._typed_select(flags)}", params)
        self._typed_built = True

    def typed_source(self) -> str:
        """The typed rows for the clean table: the typed staging table (built now if no rule
        has run); in screen mode a subquery (parameters: `params`) whose guard raises on the
        first row that breaks a queued rule."""
        if self.screen:
            conditions, params = self._numbered(self._pending)
            self.params.update(params)
            # Trimming (a tenth of a second per column and million rows) is skipped: a cell that
            # it would change (surrounding spaces, or empty) fails the guard instead.
            conditions += [f"{quote_ident(h)} LIKE ' %' OR {quote_ident(h)} LIKE '% ' OR {quote_ident(h)} = ''"
                           for name, h in self.columns.items() if name not in self._formatted]
            guard = " OR ".join(f"({c})" for c in conditions)
            return f"({self._typed_select(where=f'CASE WHEN {guard} THEN error({SCREEN_ERROR!r}) ELSE true END')})"
        if not self._typed_built:
            self._build_typed([], {})
        return self.typed_table

    def rows_where(self, condition: str, column: str, expected: str, value_sql: str | None = None,
                   params: dict | None = None) -> None:
        """Queue a rule: the rows where `condition` holds break it. Queued rules run when
        `problems()` is called, in the order they were queued."""
        self._pending.append((condition, column, expected, value_sql or self.ref(column), params or {}))

    def _run_pending(self) -> None:
        """Count the rows breaking each queued rule in ONE pass over the staged table (a 1M-row
        file was scanned once per rule before: ~20 scans), then fetch the listed rows only for
        the rules that some row breaks. Same problems, same order as one query per rule."""
        pending, self._pending = self._pending, []
        if not pending:
            return
        conditions, params = self._numbered(pending)
        if not self._typed_built:  # the flags are computed with the typed columns
            self._build_typed(conditions, params)
            conditions, params = [f"_f{i}" for i in range(len(conditions))], {}
        # Listed values may show the raw text (cell lengths): the staged row joins back by _row.
        source = f"{self.typed_table} JOIN {self.staged.name} USING (_row)"
        totals = self.con.execute(
            "SELECT " + ", ".join(f"count(*) FILTER (WHERE {c})" for c in conditions)
            + f" FROM {self.typed_table}", params).fetchall()[0]
        for i, (condition, (_, column, expected, value_sql, _), total) in enumerate(zip(conditions, pending, totals)):
            if not total:
                continue
            found = self.con.execute(
                f"SELECT _row, CAST({value_sql} AS VARCHAR) FROM {source} WHERE {condition} "
                f"ORDER BY _row LIMIT {MAX_LISTED_PROBLEMS}",
                {k: v for k, v in params.items() if k.startswith(f"r{i}_")}).fetchall()
            for row, value in found:
                self._problems.add(self.display, row, self.columns.get(column, column), value, expected)
            self._problems.total += total - len(found)

    @staticmethod
    def _numbered(pending) -> tuple[list[str], dict]:
        """The queued rules' conditions with their parameters renamed apart ($r0_x, $r1_x...)."""
        conditions, params = [], {}
        for i, (condition, _, _, _, rule_params) in enumerate(pending):
            for name, value in rule_params.items():  # one parameter namespace per rule
                condition = condition.replace(f"${name}", f"$r{i}_{name}")
                params[f"r{i}_{name}"] = value
            conditions.append(condition)
        return conditions, params

    # ---- rules -------------------------------------------------------------------------
    def cell_lengths(self) -> None:
        for name in self.columns:
            col = quote_ident(self.columns[name])
            # strlen (bytes, known without reading the text) first: length counts characters.
            self.rows_where(f"strlen({col}) > {MAX_CELL_CHARS} AND length({col}) > {MAX_CELL_CHARS}", name,
                            f"a value of at most {MAX_CELL_CHARS} characters",
                            value_sql=f"left({col}, 60) || '...'")

    def required_value(self, name: str) -> None:
        if self.has(name):
            self.rows_where(f"{self.ref(name)} IS NULL", name, f"a value in '{name}' (it is required)")

    def office_code(self, name: str) -> None:
        if not self.has(name):
            return
        ref = self.ref(name)
        if self.screen:
            # Both rules below break only where this holds (if the code is listed as written and
            # upper case, upper() of it is listed too): one lookup instead of three.
            self.rows_where(f"{ref} IS NOT NULL AND ({ref} NOT IN (SELECT code FROM nxt.offices) "
                            f"OR {ref} <> upper({ref}))", name, "a known upper-case office code")
            return
        self.rows_where(
            f"{ref} IS NOT NULL AND {ref} NOT IN (SELECT code FROM nxt.offices) "
            f"AND upper({ref}) IN (SELECT code FROM nxt.offices)", name,
            "an upper-case WIPO ST.3 office code (e.g. 'JP', not 'jp')")
        self.rows_where(
            f"{ref} IS NOT NULL AND upper({ref}) NOT IN (SELECT code FROM nxt.offices)", name,
            "a known WIPO ST.3 office code (listed in data/reference/offices.csv)")

    def iso_date(self, name: str, allow_future: bool = True) -> None:
        if not self.has(name):
            return
        ref = self.ref(name)
        parsed = self._parsed_date(name)
        self._formatted.add(name)
        # Exactly YYYY-MM-DD and a real date: the text is the parsed date's own ISO rendering, which
        # DuckDB writes with four-digit years 0001-9999 (a third cheaper than a regex).
        self.rows_where(
            f"{ref} IS NOT NULL AND (strlen({ref}) <> 10 OR CAST({parsed} AS VARCHAR) IS DISTINCT FROM {ref})",
            name, "a date as YYYY-MM-DD (ISO 8601, e.g. 2026-03-31)")
        self.rows_where(f"{parsed} NOT BETWEEN $low AND $high", name,
                        date_range_text(self.date_low, self.date_high) +
                        " (the bounds are set by IPDX_DATE_MIN and IPDX_DATE_MAX)",
                        params={"low": self.date_low, "high": self.date_high})
        if not allow_future:
            self.rows_where(f"{parsed} > current_date + 1", name, "a date that is not in the future")

    def _parsed_date(self, name: str) -> str:
        # Same value as try_strptime(.., '%Y-%m-%d') for every text iso_date accepts, at half the cost.
        return self.typed(f"_date_{name}", f"try_cast({self.ref(name)} AS DATE)")

    def date_sql(self, name: str) -> str:
        """Parsed date of a column checked by iso_date (computed in the typed staging pass)."""
        if not self.has(name):
            return "CAST(NULL AS DATE)"
        return self._parsed_date(name)

    def timestamp_sql(self, name: str) -> str:
        """Parsed UTC timestamp of an ISO date or date-time column (NULL when empty), computed
        once in the typed staging pass."""
        # DuckDB's cast reads the 'T' separator and a zero UTC offset (Z, +00:00, +0000) itself;
        # iso_timestamp refuses any other offset, so the value is UTC.
        return self.typed(f"_ts_{name}", f"try_cast({self.ref(name)} AS TIMESTAMP)")

    def iso_timestamp(self, name: str) -> None:
        if not self.has(name):
            return
        ref = self.ref(name)
        self._formatted.add(name)
        self.rows_where(
            f"{ref} IS NOT NULL AND (NOT regexp_full_match({ref}, '{ISO_TIMESTAMP_RE[1:-1]}') "
            f"OR {self.timestamp_sql(name)} IS NULL)", name,
            "a UTC date or date-time as YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z]")
        self.rows_where(
            f"{self.timestamp_sql(name)} > now()::TIMESTAMP + INTERVAL 1 DAY", name,
            "a time that is not in the future (a delivery cannot have happened yet)")
        self.rows_where(f"{self.timestamp_sql(name)} < $low", name,
                        f"a time between {self.date_low.isoformat()} and now (the earliest date "
                        "accepted is set by IPDX_DATE_MIN)", params={"low": datetime.combine(self.date_low, datetime.min.time())})

    def whole_number(self, name: str, required: bool = False) -> None:
        if not self.has(name):
            return
        ref = self.ref(name)
        self._formatted.add(name)
        # One regex per value (NULL when empty), shared by the three rules.
        digits = self.typed(f"_digits_{name}", f"regexp_full_match({ref}, '-?\\d+')")
        self.rows_where(f"{digits} AND starts_with({ref}, '-')", name,
                        "a whole number of at least 0 (negative counts are impossible)")
        self.rows_where(f"NOT {digits}", name,
                        "a whole number (digits only, no decimals or thousands separators)")
        self.rows_where(f"{digits} AND NOT starts_with({ref}, '-') AND {self.integer_sql(name)} IS NULL",
                        name, "a whole number below 2^63")
        if required:
            self.required_value(name)

    def integer_sql(self, name: str) -> str:
        """A whole-number column as BIGINT (computed once in the typed staging pass)."""
        return self.typed(f"_int_{name}", f"try_cast({self.ref(name)} AS BIGINT)")

    def number_between(self, name: str, low: float, high: float) -> None:
        if not self.has(name):
            return
        ref = self.ref(name)
        self.rows_where(f"{ref} IS NOT NULL AND (try_cast({ref} AS DOUBLE) IS NULL OR "
                        f"try_cast({ref} AS DOUBLE) NOT BETWEEN {low} AND {high})", name,
                        f"a number from {low:g} to {high:g} (e.g. 0.95 for 95 %)")

    def one_of(self, name: str, allowed: list[str]) -> None:
        if not self.has(name):
            return
        ref = self.ref(name)
        self.rows_where(f"{ref} IS NOT NULL AND NOT list_contains($allowed, lower({ref}))", name,
                        "one of " + ", ".join(allowed) + " (or empty)", params={"allowed": allowed})
        if all(a and a == a.strip(" ") for a in allowed):
            self._formatted.add(name)

    def plain_label(self, name: str) -> None:
        """A label (dataset, field name) in plain form: NFKC, single spaces. Labels are matched
        ignoring case, so two spellings of one label cannot load as two values; a spelling is
        refused, never rewritten, so that what is stored is what the file says."""
        if not self.has(name):
            return
        ref = self.ref(name)
        # ASCII text (as many bytes as characters) is its own NFKC form: the Python function runs
        # on the other values only; in ASCII, only doubled spaces and whitespace controls are not
        # plain. (A regex would cost five times as much per row.)
        controls = " OR ".join(f"contains({ref}, chr({c}))" for c in WHITESPACE_CONTROLS)
        self.rows_where(
            f"{ref} IS NOT NULL AND (contains({ref}, '  ') OR {controls} OR (strlen({ref}) <> length({ref}) "
            f"AND {self.plain_text_sql}({ref}) IS DISTINCT FROM {ref}))", name,
            "plain text: Unicode NFKC with single spaces (no non-breaking, full-width or other "
            "look-alike characters, no doubled spaces)",
            value_sql=f"{ref} || ' (plain form: ' || {self.plain_text_sql}({ref}) || ')'")

    def same_spelling_as_loaded(self, name: str, known: list[tuple[str, str]]) -> None:
        """A label that matches, ignoring case, a label already loaded (`known`: (table, column)
        of the snapshot) must be spelt the same way."""
        if not self.has(name):
            return
        ref = self.ref(name)
        union = " UNION ".join(f"SELECT DISTINCT {c} AS label FROM nxt.{t}" for t, c in known)
        self.rows_where(
            f"{ref} IS NOT NULL AND {ref} NOT IN (SELECT label FROM ({union}) WHERE label IS NOT NULL) "
            f"AND lower({ref}) IN (SELECT lower(label) FROM ({union}))", name,
            "the spelling already loaded (labels are matched ignoring case)",
            value_sql=f"{ref} || ' (loaded as ' || (SELECT string_agg(DISTINCT label, ', ' ORDER BY label) "
                      f"FROM ({union}) WHERE lower(label) = lower({ref})) || ')'")
        if self.screen:
            tables = self.spelling_tables or []
            self.spelling_tables = tables + [k for k in known if k not in tables]

    def one_spelling_per_file(self, name: str) -> None:
        """Within a file, a label is spelt one way (ignoring case it is the same label). In screen
        mode checked by the caller on the loaded rows (`spelling_tables`)."""
        if not self.has(name) or self.screen:
            return
        self._run_pending()  # keep the problems in the order the rules were called
        ref = self.ref(name)
        table = self.typed_source()
        # A hash GROUP BY finds whether any label has two spellings; the window below, which
        # sorts the whole file, runs only when one has.
        if not self.con.execute(f"SELECT count(*) FROM (SELECT lower({ref}) FROM {table} WHERE {ref} IS NOT NULL "
                                f"GROUP BY 1 HAVING count(DISTINCT {ref}) > 1)").fetchall()[0][0]:
            return
        self.con.execute(
            f"CREATE OR REPLACE TEMP TABLE _other_spellings AS SELECT _row, label, first, first_row FROM ("
            f"SELECT _row, {ref} AS label, first_value({ref}) OVER (PARTITION BY lower({ref}) ORDER BY _row) AS first, "
            f"min(_row) OVER (PARTITION BY lower({ref})) AS first_row FROM {table} WHERE {ref} IS NOT NULL) "
            "WHERE label <> first")
        total = self.con.execute("SELECT count(*) FROM _other_spellings").fetchall()[0][0]
        found = self.con.execute(f"SELECT * FROM _other_spellings ORDER BY _row LIMIT {MAX_LISTED_PROBLEMS}").fetchall()
        self.con.execute("DROP TABLE _other_spellings")
        for row, label, first, first_row in found:
            self._problems.add(self.display, row, self.columns[name], label,
                               f"one spelling of each label in a file (labels are matched ignoring case): "
                               f"row {first_row} spells it {first!r}")
        self._problems.total += total - len(found)

    def duplicate_keys(self, key: list[str]) -> None:
        if not all(self.has(k) for k in key):
            return
        if self.screen:  # checked on the loaded rows (kinds.load_screened)
            self.unique_key = key
            return
        self._run_pending()  # keep the problems in the order the rules were called
        refs = ", ".join(self.ref(k) for k in key)
        table = self.typed_source()
        # Count with a hash GROUP BY (rows beyond the first of each key); the window below,
        # which sorts the whole file, runs only when there is a duplicate to list.
        total = self.con.execute(f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {table} "
                                 f"GROUP BY {refs} HAVING count(*) > 1)").fetchall()[0][0]
        if not total:
            return
        dup_sql = (f"SELECT _row, first_row, key_text FROM (SELECT _row, min(_row) OVER (PARTITION BY {refs}) "
                   f"AS first_row, concat_ws(' / ', {refs}) AS key_text FROM {table}) WHERE _row > first_row")
        for row, first, key_text in self.con.execute(
                f"{dup_sql} ORDER BY _row LIMIT {MAX_LISTED_PROBLEMS}").fetchall():
            self._problems.add(self.display, row, "+".join(key), key_text,
                               f"a unique key ({', '.join(key)}); row {first} has the same key")
        self._problems.total += total - min(total, MAX_LISTED_PROBLEMS)
