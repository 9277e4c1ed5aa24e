"""Read an input file (CSV or XLSX) into a DuckDB staging table of text columns.

Every reader produces the same thing: a table whose columns are the file's header names
(as written, in file order) holding text, plus `_row`, the row number as a person counts it
in the file (the header is row 1). Validation then runs in SQL over that table, so a
million-row file is checked vectorised, never row by row in Python.

Pre-checks here turn the ways a file can be unreadable (empty, binary, UTF-16, Latin-1, an
XLSX that is really a CSV, a zip bomb) into problems that name the file and row.
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

import duckdb

from .problems import LoadRejected, Problem
from .sink import insert_rows

#: Longest cell accepted; longer values are an error (free text is short in a survey).
MAX_CELL_CHARS = 10_000
#: An XLSX whose parts unpack to more than this is refused before it is opened: openpyxl reads
#: about 4 MB of sheet XML a second, so this bounds the read to about a minute (some 350,000
#: rows of the log in one sheet; a larger log comes as CSV).
MAX_XLSX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_XLSX_RATIO = 200
#: No single part may unpack to more than this (openpyxl holds shared strings in memory)...
MAX_XLSX_MEMBER_BYTES = 192 * 1024 * 1024
#: ... nor, above MEMBER_RATIO_FROM bytes, at a ratio above this: a worksheet that Excel or a
#: library writes packs at about 5-30:1, so stored (uncompressed) padding cannot hide a part
#: that packs at 1000:1 behind a modest archive-wide ratio.
MAX_XLSX_MEMBER_RATIO = 100
MEMBER_RATIO_FROM = 1024 * 1024
#: Most columns a file may have (a wide survey export has some hundreds).
MAX_COLUMNS = 4096
#: The longest physical line DuckDB reads (see read_csv_sql).
MAX_LINE_BYTES = 4_000_000
FORMULA_RE = re.compile(rb"<(?:\w+:)?f[ >/]")

XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class StagedTable:
    name: str  # table name in the scratch connection
    columns: list[str]  # header names as in the file, in file order
    rows: int
    kind: str  # "csv" or "xlsx"
    sheet: str | None = None  # the worksheet read, for a workbook


def normalise_header(name: str) -> str:
    """Header matching ignores case, surrounding spaces and a UTF-8 BOM."""
    return " ".join(name.replace("\ufeff", "").strip().split()).casefold()


def detect_format(path: str, display: str, content: bytes | None = None) -> str:
    """Return "csv" or "xlsx" from the content, not only the name, or reject. `content`: the
    file's bytes when the caller has read them already (they are then not read again)."""
    size = os.path.getsize(path) if content is None else len(content)
    if size == 0:
        raise LoadRejected([Problem(display, None, None, None,
                                    "a CSV or XLSX file with a header row (the file is empty)")])
    if content is None:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    else:
        head = content[:8192]
    is_zip = head.startswith(XLSX_MAGIC)
    ext = os.path.splitext(display)[1].lower()
    if ext in (".xlsx", ".xlsm"):
        if not is_zip:
            raise LoadRejected([Problem(display, None, None, None,
                                        "an Excel .xlsx workbook; this file is not one (it is not a "
                                        "zip container; if it is CSV text, name it .csv)")])
        return "xlsx"
    if is_zip:
        raise LoadRejected([Problem(display, None, None, None,
                                    "CSV text; this file is a zip/XLSX container (name an Excel "
                                    "workbook .xlsx)")])
    return "csv"


def _check_text(raw: bytes, display: str) -> bytes:
    """Check that raw bytes are UTF-8 text; return them without BOM, with \\n line ends."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or (
        len(raw) > 3 and raw[1:2] == b"\x00" and raw[3:4] == b"\x00"
    ):
        raise LoadRejected([Problem(display, None, None, None,
                                    "UTF-8 text; the file is UTF-16 encoded (save it as CSV UTF-8)")])
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8):]
    nul = raw.find(b"\x00")
    if nul >= 0:
        row = raw.count(b"\n", 0, nul) + 1
        column, _ = _cell_at(raw, nul)
        raise LoadRejected([Problem(display, row, column, None,
                                    "CSV text; the file contains binary data (a NUL byte)")])
    try:
        if not raw.isascii():  # ASCII is valid UTF-8; the check is ten times faster than decoding
            raw.decode("utf-8")
    except UnicodeDecodeError as err:
        row = raw.count(b"\n", 0, err.start) + 1
        bad = raw[err.start:err.start + 4]
        guess = ""
        try:
            guess = " (it reads as Latin-1/Windows-1252 text: save it as CSV UTF-8)"
            bad.decode("cp1252")
        except UnicodeDecodeError:
            guess = ""
        column, value = _cell_at(raw, err.start)
        raise LoadRejected([Problem(display, row, column, value if guess and value else repr(bad),
                                    f"UTF-8 text; byte {err.start} is not valid UTF-8{guess}")]) from err
    if b"\r" in raw:
        # Mixed or Windows line ends are normalised; the archived original keeps its bytes.
        raw = raw.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return raw


def _cell_at(raw: bytes, offset: int) -> tuple[str | None, str | None]:
    """(header name, cell text read as Windows-1252) of the CSV cell holding byte `offset`,
    so that an encoding error names its column and shows the value as the author typed it."""
    start = raw.rfind(b"\n", 0, offset) + 1
    if start == 0:
        return None, None  # the bad byte is in the header itself
    end = raw.find(b"\n", offset)
    line = raw[start:end if end >= 0 else len(raw)].decode("cp1252", errors="replace").rstrip("\r")
    try:
        with _long_fields():
            before = next(csv.reader([raw[start:offset].decode("cp1252", errors="replace")]), [""])
            cells = next(csv.reader([line]), [])
            header = next(csv.reader([raw[:raw.find(b"\n")].decode("utf-8", errors="replace")]), [])
    except csv.Error:
        return None, None
    index = max(len(before) - 1, 0)
    column = header[index].replace("\ufeff", "").strip() if index < len(header) else None
    return column, cells[index] if index < len(cells) else None


class _long_fields:
    """Lift the csv module's 128 KiB field limit while a known-bounded text is parsed."""

    def __enter__(self):
        self.previous = csv.field_size_limit(sys.maxsize)

    def __exit__(self, *exc):
        csv.field_size_limit(self.previous)


def _header_end(raw: bytes) -> int:
    """Offset of the newline that ends the header record (quoted newlines skipped), or len(raw)."""
    quotes, position = 0, 0
    while True:
        newline = raw.find(b"\n", position)
        if newline < 0:
            return len(raw)
        quotes += raw.count(b'"', position, newline)
        if quotes % 2 == 0:
            return newline
        position = newline + 1


def _header_record(raw: bytes, display: str) -> list[str]:
    """The first record, read whole however long it is (a wide export has a long one)."""
    end = _header_end(raw)
    if end > MAX_LINE_BYTES:
        raise LoadRejected([Problem(display, 1, None, f"{end} bytes",
                                    f"a header row of at most {MAX_LINE_BYTES} bytes")])
    try:
        with _long_fields():
            return next(csv.reader(io.StringIO(raw[:end].decode("utf-8", errors="replace"))), [])
    except csv.Error as err:
        raise LoadRejected([Problem(display, 1, None, None, f"a header row that can be parsed as CSV ({err})")]) from err


def _header(raw: bytes, display: str) -> list[str]:
    """The header record, which must name columns."""
    header = _header_record(raw, display)
    if not header or all(not h.strip() for h in header):
        raise LoadRejected([Problem(display, 1, None, None, "a header row with column names")])
    return header


def _check_header(header: list[str], display: str) -> None:
    if len(header) > MAX_COLUMNS:
        raise LoadRejected([Problem(display, 1, None, f"{len(header)} columns",
                                    f"a header of at most {MAX_COLUMNS} columns")])
    problems = []
    if len(header) == 1:
        for sep, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe")):
            if sep in header[0]:
                problems.append(Problem(display, 1, None, header[0][:80],
                                        f"comma-separated columns; the header is separated by "
                                        f"{name}s (save the file as comma-separated CSV)"))
                break
    seen: dict[str, int] = {}
    for i, name in enumerate(header, start=1):
        key = normalise_header(name)
        if not key:
            problems.append(Problem(display, 1, f"#{i}", name, "a column name (this header cell is empty)"))
        elif key in seen:
            problems.append(Problem(display, 1, name, name,
                                    f"each column once; this name repeats column {seen[key]}"))
        else:
            seen[key] = i
    if problems:
        raise LoadRejected(problems)


def _longest_cell(raw: bytes, line: int, header: list[str]) -> tuple[str | None, int]:
    """(header of the longest cell, its length) in physical line `line` (header = 1) of `raw`."""
    start = 0
    for _ in range(line - 1):
        start = raw.find(b"\n", start) + 1
        if start == 0:
            return None, 0
    end = raw.find(b"\n", start)
    text = raw[start:end if end >= 0 else len(raw)].decode("utf-8", errors="replace")
    try:
        with _long_fields():
            cells = next(csv.reader([text]), [])
    except csv.Error:
        cells = text.split(",")
    if not cells:
        return None, 0
    index = max(range(len(cells)), key=lambda i: len(cells[i]))
    return (header[index] if index < len(header) else None), len(cells[index])


def _record_start_lines(text: str) -> list[int]:
    """Physical start line of each non-blank record (for files with quoted newlines)."""
    reader = csv.reader(io.StringIO(text))
    starts: list[int] = []
    previous_end = 0
    with _long_fields():  # DuckDB has read every line already: each is at most MAX_LINE_BYTES
        for record in reader:
            if record:
                starts.append(previous_end + 1)
            previous_end = reader.line_num
    return starts[1:]  # without the header


@dataclass
class CsvText:
    """A CSV file that passed the checks Python makes before DuckDB reads it."""
    raw: bytes  # UTF-8 without BOM, with \n line ends
    header: list[str]
    as_is: bool  # the file's own bytes are `raw` (no BOM removed, no line end changed)


def check_csv_text(path: str, display: str, content: bytes | None = None,
                   header: list[str] | None = None) -> CsvText:
    """Encoding, line ends and header of a CSV file (or LoadRejected naming the problem).
    `header`: the column names to use instead of row 1's (a survey tool's layout makes them
    from several header rows); it must have as many names as row 1 has cells."""
    if content is None:
        with open(path, "rb") as fh:
            content = fh.read()
    raw = _check_text(content, display)
    first = _header_record(raw, display) if header is not None else _header(raw, display)
    if header is not None:
        if len(header) != len(first):
            raise LoadRejected([Problem(display, 1, None, f"{len(first)} columns",
                                        f"{len(header)} columns, as the layout's header rows have")])
        first = header
    _check_header(first, display)
    return CsvText(raw, first, raw is content)  # _check_text returns its input when unchanged


def read_csv_sql(path_param: str, columns_param: str, rejects: str) -> str:
    """The `read_csv` call of every CSV read: declared columns (no sniffing), strict quoting,
    malformed rows kept in the rejects table `rejects` (a name made by the loader) so that
    each can be reported with its line. Parameters: the path and the columns map."""
    return (f"read_csv(${path_param}, columns=${columns_param}, header=true, auto_detect=false, "
            f"delim=',', quote='\"', escape='\"', strict_mode=true, max_line_size={MAX_LINE_BYTES}, "
            f"store_rejects=true, rejects_table='{rejects}', rejects_scan='{rejects}_scan')")


def stage_csv(con: duckdb.DuckDBPyConnection, path: str, display: str, table: str,
              content: bytes | None = None, header: list[str] | None = None,
              header_rows: int = 1) -> StagedTable:
    text = check_csv_text(path, display, content, header)
    raw, header = text.raw, text.header
    if text.as_is:
        source = path
        tmp = None
    else:
        tmp = tempfile.NamedTemporaryFile(suffix=".csv", delete=False)
        tmp.write(raw)
        tmp.close()
        source = tmp.name
    rejects = f"{table}_rejects"
    try:
        columns = {f"c{i}": "VARCHAR" for i in range(len(header))}
        con.execute(f"DROP TABLE IF EXISTS {rejects}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table}_raw AS SELECT * FROM "
                    f"{read_csv_sql('path', 'columns', rejects)}", {"path": source, "columns": columns})
        rejected = con.execute(
            f"SELECT DISTINCT line, column_name, error_type, csv_line FROM {rejects} "
            "ORDER BY line, try_cast(substr(column_name, 2) AS INTEGER) LIMIT 1000"
        ).fetchall()
    except duckdb.Error as err:
        raise LoadRejected([Problem(display, None, None, None,
                                    f"a comma-separated CSV file that can be parsed ({str(err).splitlines()[0]})")]) from err
    finally:
        if tmp is not None:
            os.unlink(tmp.name)
    if rejected:
        problems = []
        for line, column_name, error_type, csv_line in rejected:
            col = header[int(column_name[1:])] if column_name and column_name[1:].isdigit() and int(column_name[1:]) < len(header) else None
            if error_type == "LINE SIZE OVER MAXIMUM":
                col, length = _longest_cell(raw, int(line), header)
                problems.append(Problem(display, int(line), col, (csv_line or "")[:80],
                                        f"a row of at most {MAX_LINE_BYTES} bytes (this row is longer; "
                                        f"its longest cell has {length} characters, and a cell may have "
                                        f"at most {MAX_CELL_CHARS})"))
                continue
            what = {
                "MISSING COLUMNS": f"{len(header)} columns as in the header; the row has fewer (truncated?)",
                "TOO MANY COLUMNS": f"{len(header)} columns as in the header; the row has more (a stray comma, or another delimiter?)",
                "UNQUOTED VALUE": "a properly quoted value (a quote is not closed: truncated file?)",
            }.get(error_type, f"a well-formed CSV row ({error_type.lower()})")
            problems.append(Problem(display, int(line), col, (csv_line or "")[:80], what))
        raise LoadRejected(problems)
    rows = con.execute(f"SELECT count(*) FROM {table}_raw").fetchall()[0][0]
    physical_lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    select_cols = ", ".join(f'c{i} AS "{_ident(h)}"' for i, h in enumerate(header))
    if physical_lines == rows + 1:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select_cols}, "
                    f"CAST(rowid + 2 AS BIGINT) AS _row FROM {table}_raw")
    else:
        # Quoted newlines or blank lines: map each record to the line it starts on.
        starts = _record_start_lines(raw.decode("utf-8"))
        if len(starts) != rows:
            starts = list(range(2, rows + 2))
        con.execute("CREATE OR REPLACE TEMP TABLE _row_map (idx BIGINT, line BIGINT)")
        insert_rows(con, "_row_map", ["idx", "line"], list(enumerate(starts)))
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select_cols}, m.line AS _row "
                    f"FROM (SELECT rowid AS idx, * FROM {table}_raw) r JOIN _row_map m USING (idx) ORDER BY idx")
    con.execute(f"DROP TABLE {table}_raw")
    return StagedTable(table, header, rows - _drop_header_records(con, table, header_rows), "csv")


def _drop_header_records(con: duckdb.DuckDBPyConnection, table: str, header_rows: int) -> int:
    """Drop the header rows after the first (staged as records); return how many were dropped.
    By record order, not line: a header cell may hold a line break."""
    extra = max(int(header_rows) - 1, 0)
    if not extra:
        return 0
    dropped = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {extra})").fetchall()[0][0]
    con.execute(f"DELETE FROM {table} WHERE _row IN (SELECT _row FROM {table} ORDER BY _row LIMIT {extra})")
    return dropped


def _ident(name: str) -> str:
    return name.replace('"', '""')


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return text if text.strip() else None


def _check_zip(path: str, display: str) -> None:
    """Refuse a possible zip bomb before openpyxl unpacks anything: the whole archive, and each
    part, must unpack to a bounded size at a bounded ratio (the declared sizes bound what the
    reader unpacks: zipfile stops at a part's declared size)."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise LoadRejected([Problem(display, None, None, None,
                                    "an Excel .xlsx workbook (the zip container is damaged or truncated)")]) from None
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    bomb = ("(refused as a possible zip bomb)")
    if unpacked > MAX_XLSX_UNPACKED_BYTES or unpacked / packed > MAX_XLSX_RATIO:
        raise LoadRejected([Problem(display, None, None, f"{unpacked} bytes unpacked",
                                    f"an .xlsx workbook that unpacks to at most {MAX_XLSX_UNPACKED_BYTES} "
                                    f"bytes at a ratio of at most {MAX_XLSX_RATIO}:1 {bomb}")])
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > MAX_XLSX_MEMBER_BYTES or (info.file_size > MEMBER_RATIO_FROM
                                                       and ratio > MAX_XLSX_MEMBER_RATIO):
            raise LoadRejected([Problem(display, None, None,
                                        f"part {info.filename}: {info.file_size} bytes unpacked, {ratio:.0f}:1",
                                        f"an .xlsx workbook whose every part unpacks to at most "
                                        f"{MAX_XLSX_MEMBER_BYTES} bytes, and (above {MEMBER_RATIO_FROM} bytes) "
                                        f"at a ratio of at most {MAX_XLSX_MEMBER_RATIO}:1 {bomb}")])


def _choose_sheet(workbook, display: str, sheet: str | None):
    """The worksheet named `sheet`, or the first visible one (a hidden sheet is never read unless named)."""
    if sheet is not None:
        for ws in workbook.worksheets:
            if ws.title == sheet:
                return ws
        raise LoadRejected([Problem(display, None, None, sheet,
                                    "a worksheet of that name; the workbook has " +
                                    ", ".join(repr(ws.title) for ws in workbook.worksheets))])
    for ws in workbook.worksheets:
        if getattr(ws, "sheet_state", "visible") == "visible":
            return ws
    raise LoadRejected([Problem(display, None, None, None, "a workbook with a visible worksheet")])


def _formula_cells(path: str, sheet_title: str, member: str | None, columns: int) -> set[tuple[int, int]]:
    """(row, column index) of the cells of the sheet that hold a formula; read only when the
    sheet's XML has formulas at all (a second pass over the sheet)."""
    import openpyxl

    if member:
        with zipfile.ZipFile(path) as zf, zf.open(member.lstrip("/")) as part:
            tail = b""
            while chunk := part.read(1 << 20):
                if FORMULA_RE.search(tail + chunk):
                    break
                tail = chunk[-16:]
            else:
                return set()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        found = set()
        for number, cells in enumerate(workbook[sheet_title].iter_rows(max_col=columns, values_only=True), start=1):
            for index, value in enumerate(cells):
                if (isinstance(value, str) and value.startswith("=")) or type(value).__name__.endswith("Formula"):
                    found.add((number, index))
        return found
    finally:
        workbook.close()


def stage_xlsx(con: duckdb.DuckDBPyConnection, path: str, display: str, table: str,
               sheet: str | None = None, header_override: list[str] | None = None,
               header_rows: int = 1) -> StagedTable:
    import openpyxl
    import pandas as pd

    _check_zip(path, display)
    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a broken workbook
        raise LoadRejected([Problem(display, None, None, None,
                                    f"an Excel .xlsx workbook that opens ({type(err).__name__}: {err})")]) from err
    problems: list[Problem] = []
    try:
        ws = _choose_sheet(workbook, display, sheet)
        title = ws.title
        # Columns beyond the header are never read: a sheet may claim 16,384 columns per row.
        try:
            header_cells = next(ws.iter_rows(min_row=1, max_row=1, max_col=MAX_COLUMNS + 1, values_only=True))
        except StopIteration:
            raise LoadRejected([Problem(display, None, None, title,
                                        f"a header row in worksheet {title!r} (the sheet is empty)")]) from None
        while header_cells and header_cells[-1] is None:
            header_cells = header_cells[:-1]
        header = [_cell_text(h) or "" for h in header_cells]
        if header_override is not None:
            header = list(header_override)
        if not header:
            raise LoadRejected([Problem(display, 1, None, None, "a header row with column names")])
        _check_header(header, display)
        try:
            formulas = _formula_cells(path, title, getattr(ws, "_worksheet_path", None), len(header))
        except Exception:  # noqa: BLE001 - the values are read as they are; only the formula report is lost
            formulas = set()
        records, numbers = [], []
        for number, cells in enumerate(ws.iter_rows(min_row=2, max_col=len(header), values_only=True), start=2):
            if number <= header_rows:
                continue  # the layout's further header rows
            values = [_cell_text(c) for c in cells[: len(header)]]
            if formulas:
                for index, value in enumerate(values):
                    if value is None and (number, index) in formulas:
                        problems.append(Problem(display, number, header[index], None,
                                                "a value: the cell holds a formula with no cached value; save "
                                                "the file in Excel or export values"))
            if all(v is None for v in values):
                continue  # blank spreadsheet rows are not records
            values += [None] * (len(header) - len(values))
            records.append(values)
            numbers.append(number)
    except LoadRejected:
        raise
    except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a sheet it cannot read to its end
        raise LoadRejected([Problem(display, None, None, None,
                                    f"an Excel .xlsx workbook that can be read ({type(err).__name__}: {err})")]) from err
    finally:
        workbook.close()
    if problems:
        raise LoadRejected(problems)
    frame = pd.DataFrame(records, columns=[f"c{i}" for i in range(len(header))], dtype=object)
    frame["_row"] = pd.Series(numbers, dtype="int64")
    con.register(f"{table}_frame", frame)
    select_cols = ", ".join(f'CAST(c{i} AS VARCHAR) AS "{_ident(h)}"' for i, h in enumerate(header))
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {select_cols}, _row FROM {table}_frame")
    con.unregister(f"{table}_frame")
    return StagedTable(table, header, len(records), "xlsx", title)


def stage_file(con: duckdb.DuckDBPyConnection, path: str, display: str, table: str,
               content: bytes | None = None, sheet: str | None = None,
               header: list[str] | None = None, header_rows: int = 1) -> StagedTable:
    """Stage `path` (shown to people as `display`) into temp table `table`; `content`: its
    bytes, when the caller read them already (the load hashes them), so they are read once.
    `sheet`: the worksheet of a workbook to read (default: the first visible one).
    `header`, `header_rows`: a survey tool's layout (see loaders.layouts): the column names to
    stage instead of row 1's, and how many rows the header takes (the data follows them; row
    numbers stay those of the file)."""
    kind = detect_format(path, display, content)
    if kind == "xlsx":
        staged = stage_xlsx(con, path, display, table, sheet, header, header_rows)
    elif sheet is not None:
        raise LoadRejected([Problem(display, None, None, sheet,
                                    "an Excel .xlsx workbook (a sheet was named, but this file is CSV text)")])
    else:
        staged = stage_csv(con, path, display, table, content, header, header_rows)
    if staged.rows == 0:
        raise LoadRejected([Problem(display, header_rows + 1, None, None,
                                    "at least one data row below the header (the file has only a header)")])
    return staged


def read_head(path: str, display: str, rows: int, sheet: str | None = None) -> list[list[str]]:
    """The first `rows` rows of a CSV file or worksheet as texts (empty cells as ""), every row
    as wide as the widest, for recognising a survey tool's layout. Rejects what the stagers
    reject before reading rows (encoding, zip bombs, a workbook that does not open)."""
    if detect_format(path, display) == "xlsx":
        import openpyxl

        _check_zip(path, display)
        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as err:  # noqa: BLE001 - openpyxl raises many kinds for a broken workbook
            raise LoadRejected([Problem(display, None, None, None,
                                        f"an Excel .xlsx workbook that opens ({type(err).__name__}: {err})")]) from err
        try:
            ws = _choose_sheet(workbook, display, sheet)
            head = [[_cell_text(c) or "" for c in cells]
                    for cells in ws.iter_rows(min_row=1, max_row=rows, max_col=MAX_COLUMNS + 1, values_only=True)]
        except LoadRejected:
            raise
        except Exception as err:  # noqa: BLE001 - as in stage_xlsx
            raise LoadRejected([Problem(display, None, None, None,
                                        f"an Excel .xlsx workbook that can be read ({type(err).__name__}: {err})")]) from err
        finally:
            workbook.close()
    else:
        with open(path, "rb") as fh:
            raw = _check_text(fh.read(), display)
        reader = csv.reader(io.StringIO(raw.decode("utf-8")))
        head = []
        try:
            with _long_fields():
                for record in reader:
                    head.append(record)
                    if len(head) == rows or reader.line_num > rows * 1000:
                        break
        except csv.Error as err:
            raise LoadRejected([Problem(display, len(head) + 1, None, None,
                                        f"a header row that can be parsed as CSV ({err})")]) from err
    width = max((len(r) for r in head), default=0)
    while width and all(len(r) < width or not r[width - 1].strip() for r in head):
        width -= 1
    return [(r + [""] * width)[:width] for r in head]
