"""Generate the hostile-input corpus in this folder, and EXPECTED.toml beside it.

Run: python tests/data/bad/make_bad_files.py   (deterministic; the output is committed)

Every case is one file plus what loading it must produce. `outcome = "rejected"` cases carry
the row, column and a fragment of the message the loader must print (the row as a person
counts it, header = row 1; row/column 0/"" only for whole-file problems such as an empty file
or a zip bomb, where there is no row or column to name). `outcome = "loaded"` cases are
tolerated by design (a UTF-8 BOM, mixed line ends, a scheduled date in the future).

Survey files are the bundled 2025 export (data/bundled/survey-2025.csv, read with
data/bundled/codebook-2025.toml, or with the codebook a case names in `codebook`) with one thing
broken. Codebook cases (kind "codebook") are the bundled 2025 codebook with one key broken, read
with the bundled 2025 export; they name the key (its path) as the column. Completeness files
refer to deliveries of the bundled log, so they are loaded against the bundled database.

Dates: the default bounds are 1990-01-01 and today + 5 years, so the fragments name the lower
bound only (the upper one moves with the calendar). A line longer than the CSV reader's limit
(4 MB) cannot be a corpus file (they stay under 1 MB): tests/test_hostile_inputs.py writes one.
"""
from __future__ import annotations

import csv
import io
import json
import random
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SURVEY = list(csv.reader(open(ROOT / "data" / "bundled" / "survey-2025.csv", encoding="utf-8")))
CODEBOOK = (ROOT / "data" / "bundled" / "codebook-2025.toml").read_text(encoding="utf-8")
OFFICE, SHARES, IP_RIGHTS = SURVEY[0][0], SURVEY[0][1], SURVEY[0][3]

DELIVERY_HEADER = "provider,recipient,dataset,format,standard,scheduled_date,delivered_at,records,notice_given,notes"
DELIVERY_ROWS = [
    "JP,US,patent-bibliographic,XML,ST.96,2025-02-17,2025-02-17,5000,,",
    "JP,US,patent-bibliographic,XML,ST.96,2025-02-24,2025-02-25T10:30:00Z,5100,yes,late by one day",
    "KR,US,patent-fulltext,XML,ST.36,2025-06-27,,,no,missed",
]
SCHEDULE_HEADER = "provider,recipient,dataset,frequency,grace_days,starts,ends,on_time_target"
SCHEDULE_ROWS = [
    "JP,US,patent-bibliographic,weekly,0,2025-02-17,,0.83",
    "KR,US,patent-fulltext,weekly,3,2025-06-27,2026-06-27,0.98",
]
COMPLETENESS_HEADER = "provider,recipient,dataset,scheduled_date,field,populated"
# BR/WO patent-bibliographic 2025-01-16 is a bundled delivery of 8919 records.
COMPLETENESS_ROWS = [
    "BR,WO,patent-bibliographic,2025-01-16,publication_number,8919",
    "BR,WO,patent-bibliographic,2025-01-16,abstract,8000",
]

CASES: list[dict] = []
BASES = {"deliveries": (DELIVERY_HEADER, DELIVERY_ROWS), "schedule": (SCHEDULE_HEADER, SCHEDULE_ROWS),
         "completeness": (COMPLETENESS_HEADER, COMPLETENESS_ROWS)}
#: Good files with one cell changed: (file, kind, index of the changed data row, column, new
#: value, message fragment). The expected row is that index + 2 (the header is row 1).
ONE_CELL = [
    ("unknown-office.csv", "deliveries", 1, "provider", "XX", "a known WIPO ST.3 office code"),
    ("lowercase-office.csv", "deliveries", 2, "recipient", "us", "an upper-case WIPO ST.3 office code"),
    ("date-day-first.csv", "deliveries", 0, "scheduled_date", "17/02/2025", "a date as YYYY-MM-DD"),
    ("date-slashes.csv", "deliveries", 1, "scheduled_date", "2025/02/24", "a date as YYYY-MM-DD"),
    ("date-words.csv", "deliveries", 2, "scheduled_date", "27 June 2025", "a date as YYYY-MM-DD"),
    ("date-impossible.csv", "deliveries", 0, "scheduled_date", "2025-02-30", "a date as YYYY-MM-DD"),
    ("delivered-in-future.csv", "deliveries", 0, "delivered_at", "2999-01-01", "not in the future"),
    ("negative-records.csv", "deliveries", 0, "records", "-5", "at least 0"),
    ("fractional-records.csv", "deliveries", 1, "records", "12.5", "a whole number"),
    ("delivered-without-records.csv", "deliveries", 0, "records", "", "a record count for a delivered batch"),
    ("unknown-notice.csv", "deliveries", 1, "notice_given", "maybe", "one of yes, no"),
    ("huge-cell.csv", "deliveries", 2, "notes", "x" * 100_000, "at most 10000 characters"),
    ("schedule-unknown-frequency.csv", "schedule", 1, "frequency", "fortnightly",
     "one of weekly, biweekly, monthly, quarterly"),
    ("schedule-target-above-one.csv", "schedule", 0, "on_time_target", "95", "a number from 0 to 1"),
    ("schedule-negative-grace.csv", "schedule", 1, "grace_days", "-3", "at least 0"),
    ("schedule-huge-grace.csv", "schedule", 0, "grace_days", "3000000000", "a number of days below 2^31"),
    ("schedule-date-us-format.csv", "schedule", 0, "starts", "02/17/2025", "a date as YYYY-MM-DD"),
    ("schedule-ends-before-starts.csv", "schedule", 1, "ends", "2024-01-01", "on or after 'starts'"),
    ("completeness-populated-above-records.csv", "completeness", 1, "populated", "9000",
     "no larger than the delivery's records (8919)"),
    ("completeness-negative.csv", "completeness", 0, "populated", "-1", "at least 0"),
    ("completeness-percentage.csv", "completeness", 1, "populated", "95%", "a whole number"),
    ("completeness-unknown-delivery.csv", "completeness", 1, "scheduled_date", "2025-01-17",
     "the key of a loaded delivery"),
    # Dates out of bounds (default 1990-01-01 .. today + 5 years; IPDX_DATE_MIN / IPDX_DATE_MAX).
    ("schedule-starts-year-9999.csv", "schedule", 0, "starts", "9999-01-01", "a date between 1990-01-01 and"),
    ("schedule-ends-year-9000.csv", "schedule", 1, "ends", "9000-06-27", "a date between 1990-01-01 and"),
    ("date-year-0001.csv", "deliveries", 0, "scheduled_date", "0001-02-17", "a date between 1990-01-01 and"),
    ("delivered-at-year-0001.csv", "deliveries", 1, "delivered_at", "0001-02-25T10:30:00Z",
     "a time between 1990-01-01 and now"),
    ("delivered-years-early.csv", "deliveries", 1, "delivered_at", "2019-02-25T10:30:00Z",
     "at most 365 days before its scheduled_date"),
    ("completeness-year-0001.csv", "completeness", 0, "scheduled_date", "0001-01-16",
     "a date between 1990-01-01 and"),
    # Near-duplicate labels: spelt otherwise than loaded, or not in plain (NFKC) form.
    ("dataset-other-case.csv", "deliveries", 1, "dataset", "Patent-Bibliographic", "the spelling already loaded"),
    ("dataset-nbsp.csv", "deliveries", 2, "dataset", "patent\u00a0fulltext", "plain text: Unicode NFKC"),
    ("schedule-dataset-double-space.csv", "schedule", 1, "dataset", "patent  fulltext", "plain text: Unicode NFKC"),
    ("completeness-field-fullwidth.csv", "completeness", 1, "field", "\uff41\uff42\uff53\uff54\uff52\uff41\uff43\uff54",
     "plain text: Unicode NFKC"),
    ("completeness-field-other-case.csv", "completeness", 1, "field", "Abstract", "the spelling already loaded"),
]


def case(name: str, kind: str, content: bytes, row: int, column: str, fragment: str,
         outcome: str = "rejected", why: str = "", codebook: str = "") -> None:
    (HERE / name).write_bytes(content)
    CASES.append({"file": name, "kind": kind, "outcome": outcome, "row": row, "column": column,
                  "fragment": fragment, "why": why, **({"codebook": codebook} if codebook else {})})


def codebook_with(old: str, new: str, count: int = 1) -> bytes:
    """The bundled 2025 codebook with the first `count` occurrences of `old` replaced."""
    assert old in CODEBOOK, old
    return CODEBOOK.replace(old, new, count).encode("utf-8")


def lines(header: str, rows: list[str], eol: str = "\n") -> bytes:
    return (eol.join([header, *rows]) + eol).encode("utf-8")


def with_cell(rows: list[str], index: int, column: int, value: str) -> list[str]:
    """`rows` with one comma-separated cell replaced (values here contain no commas)."""
    out = list(rows)
    cells = out[index].split(",")
    cells[column] = value
    out[index] = ",".join(cells)
    return out


def survey_csv(table: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    return buf.getvalue().encode("utf-8")


def survey_with(row: int, column: int, value: str) -> bytes:
    """The bundled survey with the cell at file row `row` (header = 1), column index changed."""
    table = [list(r) for r in SURVEY]
    table[row - 1][column] = value
    return survey_csv(table)


def per_option_survey() -> list[list[str]]:
    """The bundled survey with 'IP rights' as one column per option (the other export style)."""
    options = ["patents", "trademarks", "industrial designs", "geographical indications", "copyright",
               "plant breeders' rights", "layout-designs of integrated circuits", "computer programs"]
    head = SURVEY[0]
    table = [head[:3] + [f"{IP_RIGHTS} [{o}]" for o in options] + head[4:]]
    for r in SURVEY[1:]:
        ticked = [t.strip() for t in r[3].split(";")]
        table.append(r[:3] + [("Yes" if o in ticked else "") for o in options] + r[4:])
    return table


def xlsx_bytes(rows: list[list], hidden_first: list[list] | None = None) -> bytes:
    """A workbook of `rows`; with `hidden_first`, a hidden first sheet holding those rows."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    if hidden_first is not None:
        ws.title = "Old"
        for r in hidden_first:
            ws.append(r)
        ws.sheet_state = "hidden"
        ws = wb.create_sheet("Deliveries")
        wb.active = 1
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    # Fixed timestamps inside the zip, so that re-running the script gives the same bytes.
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2025-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0)), data,
                         zipfile.ZIP_DEFLATED)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A zip whose one part unpacks to 200 MB of zeros (about 200 KB packed, ratio ~1000:1)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                part.write(chunk)
    return buf.getvalue()


def zip_bomb_behind_padding() -> bytes:
    """A workbook-shaped zip whose sheet unpacks to 100 MB (about 1000:1), padded with a stored
    (uncompressed) part so that the archive as a whole unpacks at only about 150:1: a guard of
    the whole archive passes it; one per part does not."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            chunk = b" " * (1 << 20)
            for _ in range(100):
                part.write(chunk)
        padding = random.Random(5).randbytes(560_000)
        zf.writestr(zipfile.ZipInfo("xl/media/padding.bin", date_time=(2025, 1, 1, 0, 0, 0)), padding,
                    zipfile.ZIP_STORED)
    return buf.getvalue()


NUMBER_CODEBOOK = """[survey]
title = "A round with a number question"
office_column = "Office code"

[[questions]]
id = "staff"
headers = ["How many staff work on data exchange?"]
type = "number"
"""


def make() -> None:
    for old in HERE.iterdir():
        if old.name not in ("make_bad_files.py", "__pycache__"):
            old.unlink()
    D, S, C = DELIVERY_ROWS, SCHEDULE_ROWS, COMPLETENESS_ROWS

    # ---- whole-file problems (deliveries)
    case("empty.csv", "deliveries", b"", 0, "", "the file is empty")
    rng = random.Random(67)
    case("binary-garbage.csv", "deliveries", bytes(rng.randrange(256) for _ in range(4096)) + b"\0",
         0, "", "contains binary data", why="random bytes: the row of the first NUL byte is named")
    case("utf16.csv", "deliveries", lines(DELIVERY_HEADER, D).decode().encode("utf-16"), 0, "",
         "UTF-16 encoded")
    case("xlsx-really-csv.xlsx", "deliveries", lines(DELIVERY_HEADER, D), 0, "", "not a zip container")
    case("zip-bomb.xlsx", "deliveries", zip_bomb(), 0, "", "possible zip bomb")
    good_xlsx = xlsx_bytes([DELIVERY_HEADER.split(","), *[r.split(",") for r in D]])
    case("truncated.xlsx", "deliveries", good_xlsx[: len(good_xlsx) // 2], 0, "", "damaged or truncated")
    case("csv-really-xlsx.csv", "deliveries", good_xlsx, 0, "", "zip/XLSX container")

    # ---- structure (deliveries)
    case("header-only.csv", "deliveries", lines(DELIVERY_HEADER, []), 2, "", "only a header")
    case("truncated.csv", "deliveries", lines(DELIVERY_HEADER, D)[:-40], 4, "format",
         "the row has fewer", why="the last row is cut off in the middle")
    case("semicolon-delimited.csv", "deliveries",
         lines(DELIVERY_HEADER.replace(",", ";"), [r.replace(",", ";") for r in D]), 1, "",
         "separated by semicolons")
    case("stray-comma.csv", "deliveries", lines(DELIVERY_HEADER, [D[0], D[1] + ",extra", D[2]]), 3, "",
         "the row has more")
    case("latin1.csv", "deliveries",
         lines(DELIVERY_HEADER, with_cell(D, 1, 9, "retard signalé")).decode().encode("latin-1"), 3, "notes",
         "Latin-1")
    case("duplicate-header.csv", "deliveries", lines(DELIVERY_HEADER + ",records", [r + ",1" for r in D]),
         1, "records", "this name repeats column 8")
    case("missing-column.csv", "deliveries",
         lines(DELIVERY_HEADER.replace(",records", ""),
               [",".join(c for i, c in enumerate(r.split(",")) if i != 7) for r in D]),
         1, "records", "a column named 'records' (required)")
    case("unknown-column.csv", "deliveries", lines(DELIVERY_HEADER + ",recieved_by", [r + ",x" for r in D]),
         1, "recieved_by", "an unknown column is refused rather than ignored",
         why="refused by design: a misspelt column would otherwise drop its data silently")

    # ---- one bad value in an otherwise good file (deliveries, schedule, completeness)
    for name, kind, index, column, value, fragment in ONE_CELL:
        header, rows = BASES[kind]
        changed = with_cell(rows, index, header.split(",").index(column), value)
        case(name, kind, lines(header, changed), index + 2, column, fragment)

    # ---- other values (deliveries)
    case("duplicate-key.csv", "deliveries", lines(DELIVERY_HEADER, [D[0], D[1], D[0]]), 4,
         "provider+recipient+dataset+scheduled_date", "row 2 has the same key")
    case("bad-value.xlsx", "deliveries",
         xlsx_bytes([DELIVERY_HEADER.split(","), *[r.split(",") for r in with_cell(D, 1, 0, "ZZ")]]), 3,
         "provider", "a known WIPO ST.3 office code", why="rows of a workbook are named like rows of a CSV")

    # ---- schedule
    case("schedule-duplicate-key.csv", "schedule", lines(SCHEDULE_HEADER, [S[0], S[1], S[0]]), 4,
         "provider+recipient+dataset", "row 2 has the same key")
    case("schedule-missing-column.csv", "schedule",
         lines(SCHEDULE_HEADER.replace(",frequency", ""), [r.replace(",weekly", "") for r in S]), 1, "frequency",
         "a column named 'frequency' (required)")

    # ---- completeness
    case("completeness-duplicate-key.csv", "completeness", lines(COMPLETENESS_HEADER, [C[0], C[1], C[0]]), 4,
         "provider+recipient+dataset+scheduled_date+field", "row 2 has the same key")

    # ---- survey (bundled 2025 export and codebook)
    case("survey-unknown-office.csv", "survey", survey_with(3, 0, "XY"), 3, OFFICE,
         "a known WIPO ST.3 office code")
    case("survey-lowercase-office.csv", "survey", survey_with(4, 0, "ca"), 4, OFFICE,
         "an upper-case WIPO ST.3 office code")
    case("survey-duplicate-office.csv", "survey", survey_with(5, 0, "AU"), 5, OFFICE,
         "one row per office; row 2 is the same office")
    case("survey-unknown-option.csv", "survey", survey_with(6, 3, "patents; spaceships;"), 6, IP_RIGHTS,
         "options of question 'ip_rights'")
    case("survey-not-yes-no.csv", "survey", survey_with(7, 1, "Maybe"), 7, SHARES, "Yes or No")
    case("survey-unknown-column.csv", "survey",
         survey_csv([SURVEY[0] + ["Favourite colour"]] + [r + ["blue"] for r in SURVEY[1:]]), 1,
         "Favourite colour", "only columns that the codebook declares")
    case("survey-missing-office-column.csv", "survey",
         survey_csv([["Country"] + SURVEY[0][1:]] + SURVEY[1:]), 1, OFFICE, "a column with the office's ST.3 code")
    per_option = per_option_survey()
    per_option[8][4] = "perhaps"  # row 9, column "... [trademarks]"
    case("survey-per-option-bad-tick.csv", "survey", survey_csv(per_option), 9, per_option[0][4],
         "a tick (Yes, 1, x, TRUE, checked) or an empty cell")
    case("survey-huge-comment.xlsx", "survey",
         xlsx_bytes([list(r) for r in SURVEY[:10]] + [SURVEY[10][:9] + ["y" * 100_000] + SURVEY[10][10:]]), 11,
         "Comments", "at most 10000 characters")

    # ---- survey: a number question refuses NaN and infinities (float() would read them)
    (HERE / "survey-number-codebook.toml").write_text(NUMBER_CODEBOOK, encoding="utf-8")
    number_rows = [["Office code", "How many staff work on data exchange?"], ["AU", "12"], ["CA", "NaN"],
                   ["JP", "inf"], ["US", "-Infinity"]]
    case("survey-number-nan.csv", "survey", survey_csv(number_rows), 3, number_rows[0][1], "finite: not NaN",
         codebook="survey-number-codebook.toml")

    # ---- codebook keys of the wrong type, unknown keys, dates (read with the bundled 2025 export)
    case("codebook-office-column-number.toml", "codebook",
         codebook_with('office_column = ["Office code", "ST.3 code", "Office"]', "office_column = 3"), 0,
         "survey.office_column", "a list of texts")
    case("codebook-options-string.toml", "codebook",
         codebook_with('headers = ["Comments"]', 'headers = ["Comments"]\noptions = "none; some"'), 0,
         "questions[9] (comments).options", "a list of [[questions.options]] tables")
    case("codebook-headers-string.toml", "codebook",
         codebook_with('headers = ["Comments"]', 'headers = "Comments"'), 0, "questions[9] (comments).headers",
         "a list of texts")
    case("codebook-fielded-from-not-date.toml", "codebook",
         codebook_with('fielded_from = "2025-01-27"', 'fielded_from = "spring 2025"'), 0, "survey.fielded_from",
         "a date as YYYY-MM-DD")
    case("codebook-fielded-from-number.toml", "codebook",
         codebook_with('fielded_from = "2025-01-27"', "fielded_from = 2025"), 0, "survey.fielded_from",
         "a date as YYYY-MM-DD")
    case("codebook-fielded-year-0001.toml", "codebook",
         codebook_with('fielded_from = "2025-01-27"', "fielded_from = 0001-01-27"), 0, "survey.fielded_from",
         "a date between 1990-01-01 and", why="a TOML date, out of bounds")
    case("codebook-unknown-key.toml", "codebook",
         codebook_with('headers = ["Comments"]', 'heders = ["Comments"]'), 0, "questions[9] (comments).heders",
         "only known keys")
    case("codebook-headers-empty-text.toml", "codebook", codebook_with('headers = ["Comments"]', 'headers = [""]'), 0,
         "questions[9] (comments).headers", "the export's column header")
    case("codebook-type-list.toml", "codebook", codebook_with('type = "free_text"', 'type = ["free_text"]'), 0,
         "questions[9] (comments).type", "type one of yes_no")
    case("codebook-id-number.toml", "codebook", codebook_with('id = "comments"', "id = 9"), 0,
         "questions[9].id", "an id (a text)")

    # ---- workbooks: a hidden first sheet is not read; a part that packs too well; formulas
    visible = [DELIVERY_HEADER.split(","), *[r.split(",") for r in with_cell(D, 1, 0, "ZZ")]]
    case("hidden-first-sheet.xlsx", "deliveries",
         xlsx_bytes(visible, hidden_first=[DELIVERY_HEADER.split(","), *[r.split(",") for r in D]]), 3, "provider",
         "a known WIPO ST.3 office code",
         why="the first sheet is hidden (good rows): the first visible sheet, with a bad row 3, is read")
    case("zip-bomb-stored-padding.xlsx", "deliveries", zip_bomb_behind_padding(), 0, "", "possible zip bomb",
         why="the archive-wide ratio is modest; the sheet's own is about 1000:1")
    formula_rows = [DELIVERY_HEADER.split(","), *[r.split(",") for r in D]]
    formula_rows[1][7] = "=5000+1"
    case("formula-no-cached-value.xlsx", "deliveries", xlsx_bytes(formula_rows), 2, "records",
         "a formula with no cached value", why="openpyxl writes formulas without cached values, as some tools do")

    # ---- a NUL byte inside a cell names its column
    case("nul-in-cell.csv", "deliveries", lines(DELIVERY_HEADER, with_cell(D, 1, 9, "late\x00by one day")), 3,
         "notes", "a NUL byte")

    # ---- one file, two spellings of a new dataset (neither loaded before)
    two = ["JP,US,design-images,XML,ST.96,2025-02-17,2025-02-17,50,,", "JP,US,Design-Images,XML,ST.96,2025-02-24,,,,"]
    case("dataset-two-spellings.csv", "deliveries", lines(DELIVERY_HEADER, two), 3, "dataset",
         "one spelling of each label in a file")

    # ---- tolerated by design: these load
    case("tolerated-bom.csv", "deliveries", b"\xef\xbb\xbf" + lines(DELIVERY_HEADER, D), 0, "", "", "loaded",
         why="a UTF-8 BOM (Excel's 'CSV UTF-8') is stripped")
    mixed = (DELIVERY_HEADER + "\r\n" + D[0] + "\n" + D[1] + "\r\n" + D[2] + "\n").encode()
    case("tolerated-mixed-line-endings.csv", "deliveries", mixed, 0, "", "", "loaded",
         why="CRLF and LF line ends are normalised (the archive keeps the original bytes)")
    case("tolerated-scheduled-in-future.csv", "deliveries",
         lines(DELIVERY_HEADER, ["JP,US,patent-bibliographic,XML,ST.96,2029-01-01,,,,"]), 0, "", "", "loaded",
         why="a scheduled date in the future (within the bound, today + 5 years) is a pending delivery, not an error")

    with open(HERE / "EXPECTED.toml", "w", encoding="utf-8") as fh:
        fh.write("# Generated by make_bad_files.py: what loading each file must produce.\n"
                 "# row 0 / column \"\": a whole-file problem (no row or column to name).\n")
        for c in CASES:
            fh.write("\n[[case]]\n")
            for key, value in c.items():
                fh.write(f"{key} = {json.dumps(value, ensure_ascii=False)}\n")


if __name__ == "__main__":
    make()
    print(f"wrote {len(CASES)} files and EXPECTED.toml to {HERE}")
