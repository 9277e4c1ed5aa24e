"""The kinds of input file: their columns, their rules, and how they enter a snapshot.

Each handler has `validate(scratch, request)`, which stages the file, runs every rule and
raises LoadRejected listing all problems, and `apply(scratch, request, prepared, seq)`, which
writes into the attached snapshot `nxt` inside the caller's transaction and returns counts.
Rows with the key of an existing row replace it (a later file corrects an earlier one).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from db.business_days import GRACE_UNITS
from db.business_days import known_codes as known_holiday_calendars

from .checks import MAX_DAYS_EARLY, Checker
from .readers import StagedTable, check_csv_text, detect_format, read_csv_sql, stage_file

FREQUENCIES = ["weekly", "biweekly", "monthly", "quarterly"]
YES_NO = ["yes", "no"]
#: Where dataset names are stored: a new spelling of one of them is refused (matched ignoring case).
DATASET_LABELS = [("delivery_schedule", "dataset"), ("deliveries", "dataset"), ("field_completeness", "dataset")]
FIELD_LABELS = [("field_completeness", "field")]


def label_rules(ck: Checker, name: str, known: list[tuple[str, str]]) -> None:
    """A label column (dataset, field name): plain text, spelt as already loaded, one spelling
    per file. Labels are matched ignoring case (see docs/input-formats.md)."""
    ck.plain_label(name)
    ck.same_spelling_as_loaded(name, known)
    ck.one_spelling_per_file(name)


@dataclass
class Prepared:
    table: str  # the typed, validated table in the scratch connection
    rows: int
    sheet: str | None = None  # the worksheet read, for a workbook


def _stage(scratch, request):
    """Stage the request's file into `staging`, from its bytes when load_file read them (then
    dropped here, so they live no longer than when the reader read the file itself)."""
    content, request.content = request.content, None
    return stage_file(scratch, str(request.path), request.display, "staging", content,
                      sheet=(request.options or {}).get("sheet"))


def sheet_summary(staged: StagedTable) -> str:
    """What a rejection's first line says about the source: the worksheet read, for a workbook."""
    return f"worksheet {staged.sheet!r}" if staged.sheet else ""


def _prepared(scratch, ck: Checker, staged) -> Prepared:
    """The clean table is built: the staged text and the typed staging table are dropped now
    rather than when the load ends, so they do not add to the memory of writing the snapshot."""
    scratch.execute(f"DROP TABLE IF EXISTS {ck.typed_table}")
    scratch.execute(f"DROP TABLE IF EXISTS {staged.name}")
    return Prepared("clean", staged.rows, staged.sheet)


def row_counts(scratch, table: str, target: str, key: list[str], compare: list[str],
            target_rows: str = "true") -> dict:
    """New / corrected / unchanged rows of `table` against the rows of the snapshot's `target`
    (alias t) for which the SQL condition `target_rows` holds."""
    on = " AND ".join(f"t.{k} = c.{k}" for k in key) + f" AND ({target_rows})"
    same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM c.{c}" for c in compare)
    row = scratch.execute(
        f"SELECT count(*), count(t.{key[0]}), count(CASE WHEN t.{key[0]} IS NOT NULL AND {same} THEN 1 END) "
        f"FROM {table} c LEFT JOIN nxt.{target} t ON {on}").fetchall()[0]
    total, existing, unchanged = row
    return {"rows": total, "new": total - existing, "corrected": existing - unchanged, "unchanged": unchanged}


def _may_have_duplicates(scratch, target: str, key: list[str], seq: int) -> bool:
    """Whether rows of load `seq` in `target` may repeat a key (the file's own duplicates).
    Counts distinct hashes of the key, a third cheaper than the keys: a collision (about one
    in 10^7 for a million rows) only sends the file to the exact path, which counts exactly."""
    return scratch.execute(f"SELECT count(*) > count(DISTINCT hash({', '.join(key)})) FROM nxt.{target} "
                           f"WHERE load_seq = {int(seq)}").fetchall()[0][0]


def _has_two_spellings(scratch, known: list[tuple[str, str]]) -> bool:
    """Whether some label of the snapshot (`known`: (table, column)) is spelt two ways, ignoring
    case: a screened load that brought in a second spelling goes to the exact path, which names it."""
    union = " UNION ".join(f"SELECT DISTINCT {c} AS label FROM nxt.{t}" for t, c in known)
    return scratch.execute(f"SELECT count(DISTINCT label) <> count(DISTINCT lower(label)) FROM ({union})"
                           ).fetchall()[0][0]


def _counts_loaded(scratch, target: str, key: list[str], compare: list[str], seq: int) -> dict:
    """`row_counts` for rows already inserted as load `seq`: against the other rows of `target`."""
    return row_counts(scratch, f"(SELECT * FROM nxt.{target} WHERE load_seq = {int(seq)})", target, key, compare,
                   f"t.load_seq <> {int(seq)}")


def _delete_keys_of(scratch, target: str, key: list[str], source: str, target_rows: str = "true") -> None:
    """Delete the rows of the snapshot's `target` whose key is a key of `source` (a table or a
    subquery) and for which the SQL condition `target_rows` holds."""
    on = " AND ".join(f"{target}.{k} = c.{k}" for k in key)
    scratch.execute(f"DELETE FROM nxt.{target} USING {source} c WHERE {on} AND ({target_rows})")


def _drop_corrected(scratch, target: str, key: list[str], seq: int) -> None:
    """Delete the earlier rows that load `seq` (already inserted) corrects: same key."""
    _delete_keys_of(scratch, target, key, f"(SELECT {', '.join(key)} FROM nxt.{target} WHERE load_seq = {int(seq)})",
                    f"{target}.load_seq <> {int(seq)}")


def replace_rows(scratch, table: str, target: str, key: list[str], columns: list[str], seq: int) -> None:
    _delete_keys_of(scratch, target, key, table)
    scratch.execute(f"INSERT INTO nxt.{target} ({', '.join(columns)}, load_seq) "
                    f"SELECT {', '.join(columns)}, {int(seq)} FROM {table}")


class TableHandler:
    """A kind whose rows go to one table: the exact `validate` + `apply`, and `load_screened`
    for the fast path. Subclasses say `rules(ck)` (queued on a Checker) and `clean_select(ck)`
    (the typed rows as stored), so that both paths apply the very same rules."""
    required: list[str]
    optional: list[str]
    key: list[str]
    columns: list[str]
    target: str

    def rules(self, ck: Checker) -> None:
        raise NotImplementedError

    def clean_select(self, ck: Checker) -> str:
        raise NotImplementedError

    def validate(self, scratch, request) -> Prepared:
        staged = _stage(scratch, request)
        ck = Checker(scratch, staged, request.display, self.required, self.optional)
        if not ck.problems():
            self.rules(ck)
        ck.problems().raise_if_any(sheet_summary(staged))
        scratch.execute(f"CREATE OR REPLACE TEMP TABLE clean AS {self.clean_select(ck)} ORDER BY _row")
        return _prepared(scratch, ck, staged)

    def apply(self, scratch, request, prepared: Prepared, seq: int) -> dict:
        counts = row_counts(scratch, prepared.table, self.target, self.key, self.columns)
        replace_rows(scratch, prepared.table, self.target, self.key, self.columns, seq)
        return counts

    def load_screened(self, scratch, request, seq: int) -> dict | None:
        """The fast path for a CSV file, inside the caller's transaction: the rows are read,
        checked and inserted in ONE pass (`read_csv` -> rules as a guard -> insert); then the
        file's own duplicate keys are counted on the inserted rows and the rows they correct
        are replaced. Returns the counts, or None when the file needs the exact path (any rule
        broken, a malformed row, no rows, an XLSX file, a file whose bytes need normalising):
        the caller then rolls back and runs validate + apply, which list every problem. The
        checks both paths share (format, encoding, header) raise their LoadRejected here.

        Why: the exact path stages the text (twice: as read, then with row numbers), builds a
        typed table and a clean table before inserting, four copies of a million rows; this
        path makes none."""
        # load_file has read the bytes; a rebuild from the archive has not.
        content = request.content if request.content is not None else Path(request.path).read_bytes()
        if detect_format(str(request.path), request.display, content) != "csv" or (request.options or {}).get("sheet"):
            return None
        text = check_csv_text(str(request.path), request.display, content)
        if not text.as_is:
            return None
        source = StagedTable(read_csv_sql("src_path", "src_columns", "screen_rejects"),
                             text.header, 0, "csv")
        ck = Checker(scratch, source, request.display, self.required, self.optional, screen=True,
                     source_params={"src_path": str(request.path),
                                    "src_columns": {h: "VARCHAR" for h in text.header}})
        if ck.problems():  # an unknown or missing column: the exact path reports it
            return None
        self.rules(ck)
        try:
            scratch.execute("DROP TABLE IF EXISTS screen_rejects")
            inserted = scratch.execute(
                f"INSERT INTO nxt.{self.target} ({', '.join(self.columns)}, load_seq) "
                f"SELECT *, {int(seq)} FROM ({self.clean_select(ck)})", ck.params).fetchall()[0][0]
        except duckdb.Error:  # the guard fired (or a value did not cast): let the exact path say why
            return None
        malformed = scratch.execute("SELECT count(*) FROM screen_rejects").fetchall()[0][0]
        if malformed or not inserted or (ck.unique_key and _may_have_duplicates(scratch, self.target, ck.unique_key, seq)):
            return None
        if ck.spelling_tables and _has_two_spellings(scratch, ck.spelling_tables):
            return None
        counts = _counts_loaded(scratch, self.target, self.key, self.columns, seq)
        _drop_corrected(scratch, self.target, self.key, seq)
        return counts


class ScheduleHandler(TableHandler):
    required = ["provider", "recipient", "dataset", "frequency", "grace_days", "starts", "on_time_target"]
    optional = ["ends", "grace_unit", "holiday_calendar"]
    key = ["provider", "recipient", "dataset"]
    columns = ["provider", "recipient", "dataset", "frequency", "grace_days", "starts", "ends", "on_time_target",
               "grace_unit", "holiday_calendar"]
    target = "delivery_schedule"

    def rules(self, ck: Checker) -> None:
        ck.cell_lengths()
        for name in ("provider", "recipient", "dataset", "frequency", "grace_days", "starts", "on_time_target"):
            ck.required_value(name)
        ck.office_code("provider")
        ck.office_code("recipient")
        ck.one_of("frequency", FREQUENCIES)
        ck.whole_number("grace_days")
        ck.iso_date("starts")
        ck.iso_date("ends")
        ck.number_between("on_time_target", 0, 1)
        ck.rows_where(f"{ck.integer_sql('grace_days')} > 2147483647", "grace_days",  # the column is an INTEGER
                      "a number of days below 2^31")
        ck.rows_where(f"{ck.ref('provider')} = {ck.ref('recipient')}", "recipient",
                      "a recipient other than the provider")
        ck.rows_where(f"try_cast({ck.ref('ends')} AS DATE) < try_cast({ck.ref('starts')} AS DATE)", "ends",
                      "an end date on or after 'starts'")
        ck.one_of("grace_unit", GRACE_UNITS)
        if ck.has("holiday_calendar"):
            ck.rows_where(f"{ck.ref('holiday_calendar')} IS NOT NULL AND "
                          f"NOT list_contains($calendars, upper({ck.ref('holiday_calendar')}))", "holiday_calendar",
                          "a holiday calendar: an ISO 3166 country code that the 'holidays' package supports "
                          "(e.g. JP, US) or an office code listed in data/reference/holiday-calendars.csv "
                          "(e.g. EP, WO), or empty", params={"calendars": list(known_holiday_calendars())})
        label_rules(ck, "dataset", DATASET_LABELS)
        ck.duplicate_keys(self.key)

    def clean_select(self, ck: Checker) -> str:
        # A file without grace_unit / holiday_calendar means what schedules always meant:
        # calendar days, no holidays.
        return f"""SELECT
              {ck.ref('provider')} AS provider, {ck.ref('recipient')} AS recipient,
              {ck.ref('dataset')} AS dataset, lower({ck.ref('frequency')}) AS frequency,
              CAST({ck.integer_sql('grace_days')} AS INTEGER) AS grace_days,
              {ck.date_sql('starts')} AS starts, {ck.date_sql('ends')} AS ends,
              CAST({ck.ref('on_time_target')} AS DOUBLE) AS on_time_target,
              coalesce(lower({ck.ref('grace_unit')}), 'days') AS grace_unit,
              upper({ck.ref('holiday_calendar')}) AS holiday_calendar
            FROM {ck.typed_source()}"""


class DeliveriesHandler(TableHandler):
    required = ["provider", "recipient", "dataset", "scheduled_date", "delivered_at", "records"]
    optional = ["format", "standard", "notice_given", "notes"]
    key = ["provider", "recipient", "dataset", "scheduled_date"]
    columns = ["provider", "recipient", "dataset", "format", "standard", "scheduled_date",
               "delivered_at", "records", "notice_given", "notes"]
    target = "deliveries"

    def rules(self, ck: Checker) -> None:
        ck.cell_lengths()
        for name in ("provider", "recipient", "dataset", "scheduled_date"):
            ck.required_value(name)
        ck.office_code("provider")
        ck.office_code("recipient")
        ck.iso_date("scheduled_date")
        ck.iso_timestamp("delivered_at")
        ck.whole_number("records")
        ck.one_of("notice_given", YES_NO)
        ck.rows_where(f"{ck.ref('delivered_at')} IS NOT NULL AND {ck.ref('records')} IS NULL", "records",
                      "a record count for a delivered batch (delivered_at is set)")
        ck.rows_where(f"{ck.timestamp_sql('delivered_at')} < {ck.date_sql('scheduled_date')} - INTERVAL {MAX_DAYS_EARLY} DAY",
                      "delivered_at", f"a delivery at most {MAX_DAYS_EARLY} days before its scheduled_date "
                      "(one delivered earlier has a wrong year in one of the two dates)")
        label_rules(ck, "dataset", DATASET_LABELS)
        ck.duplicate_keys(self.key)

    def clean_select(self, ck: Checker) -> str:
        return f"""SELECT
              {ck.ref('provider')} AS provider, {ck.ref('recipient')} AS recipient,
              {ck.ref('dataset')} AS dataset, upper({ck.ref('format')}) AS format,
              {ck.ref('standard')} AS standard, {ck.date_sql('scheduled_date')} AS scheduled_date,
              {ck.timestamp_sql('delivered_at')} AS delivered_at,
              {ck.integer_sql('records')} AS records,
              CASE lower({ck.ref('notice_given')}) WHEN 'yes' THEN true WHEN 'no' THEN false END AS notice_given,
              {ck.ref('notes')} AS notes
            FROM {ck.typed_source()}"""


class CompletenessHandler:
    required = ["provider", "recipient", "dataset", "scheduled_date", "field", "populated"]
    optional: list[str] = []
    key = ["provider", "recipient", "dataset", "scheduled_date", "field"]
    # Reported rows replace reported rows only: completeness measured from XML batches
    # (source = 'measured') of the same delivery stays.
    stored_key = key + ["source"]
    columns = ["provider", "recipient", "dataset", "scheduled_date", "field", "populated", "source"]

    def validate(self, scratch, request) -> Prepared:
        staged = _stage(scratch, request)
        ck = Checker(scratch, staged, request.display, self.required, self.optional)
        if not ck.problems():
            ck.cell_lengths()
            for name in self.required:
                ck.required_value(name)
            ck.office_code("provider")
            ck.office_code("recipient")
            ck.iso_date("scheduled_date")
            ck.whole_number("populated")
            label_rules(ck, "dataset", DATASET_LABELS)
            label_rules(ck, "field", FIELD_LABELS)
            ck.duplicate_keys(self.key)
        found = ck.problems()
        found.raise_if_any(sheet_summary(staged))
        # Rules against the loaded deliveries need typed values, so they run on the typed table.
        scratch.execute(f"""
            CREATE OR REPLACE TEMP TABLE clean AS
            WITH typed AS (SELECT _row, {ck.ref('provider')} AS provider, {ck.ref('recipient')} AS recipient,
                   {ck.ref('dataset')} AS dataset, {ck.date_sql('scheduled_date')} AS scheduled_date,
                   {ck.ref('field')} AS field, {ck.integer_sql('populated')} AS populated
                 FROM {ck.typed_source()})
            SELECT t.*, 'reported' AS source, d.records AS delivery_records,
                   d.provider IS NOT NULL AS delivery_known
            FROM typed t LEFT JOIN nxt.deliveries d USING (provider, recipient, dataset, scheduled_date)
            ORDER BY t._row""")
        for row, value in scratch.execute(
                "SELECT _row, concat_ws(' / ', provider, recipient, dataset, scheduled_date) FROM clean "
                "WHERE NOT delivery_known ORDER BY _row").fetchall():
            found.add(request.display, row, "scheduled_date", value,
                            "the key of a loaded delivery (provider, recipient, dataset, scheduled_date); "
                            "load the delivery log first")
        for row, populated, records in scratch.execute(
                "SELECT _row, populated, delivery_records FROM clean WHERE delivery_known "
                "AND (delivery_records IS NULL OR populated > delivery_records) ORDER BY _row").fetchall():
            expected = ("a count no larger than the delivery's records "
                        f"({records})" if records is not None else
                        "a delivery that was delivered (this one has no records)")
            found.add(request.display, row, "populated", str(populated), expected)
        found.raise_if_any(sheet_summary(staged))
        return _prepared(scratch, ck, staged)

    def apply(self, scratch, request, prepared: Prepared, seq: int) -> dict:
        counts = row_counts(scratch, prepared.table, "field_completeness", self.stored_key, ["populated"])
        replace_rows(scratch, prepared.table, "field_completeness", self.stored_key, self.columns, seq)
        return counts
