"""The shipped reference tables of every snapshot: the offices (WIPO ST.3 codes), their names in
the interface's languages, and the figures published in CWS/13/14."""
from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import duckdb

from db.paths import REFERENCE_DIR

from .problems import ProblemList
from .sink import insert_rows

OFFICES_FILE = REFERENCE_DIR / "offices.csv"
OFFICE_NAMES_FILE = REFERENCE_DIR / "office-names.csv"
PUBLISHED_FILE = REFERENCE_DIR / "cws13-14-published-figures.csv"
PUBLISHED_ROUND = "2025"
REFERENCE_FILES = (OFFICES_FILE, OFFICE_NAMES_FILE, PUBLISHED_FILE)

#: A language column of office-names.csv: an ISO 639 code, as the interface's catalogs name them.
LANGUAGE_COLUMN = re.compile(r"[a-z]{2,3}")


def load_reference_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """(Re)load the shipped reference files into the snapshot being built, unless the snapshot
    holds these very files already (their hashes are kept in `meta`)."""
    digest = hashlib.sha256(b"\0".join(p.read_bytes() for p in REFERENCE_FILES)).hexdigest()
    stored = con.execute(f"SELECT value FROM {schema}.meta WHERE key = 'reference_sha256'").fetchall()
    if stored and stored[0][0] == digest:
        return
    con.execute(f"DELETE FROM {schema}.offices")
    con.execute(
        f"INSERT INTO {schema}.offices SELECT trim(code), trim(name), trim(kind), trim(region) "
        "FROM read_csv($p, header=true, all_varchar=true, auto_detect=false, "
        "columns={'code':'VARCHAR','name':'VARCHAR','kind':'VARCHAR','region':'VARCHAR'})",
        {"p": str(OFFICES_FILE)},
    )
    known = {code for (code,) in con.execute(f"SELECT code FROM {schema}.offices").fetchall()}
    con.execute(f"DELETE FROM {schema}.office_name_translations")
    insert_rows(con, f"{schema}.office_name_translations", ["code", "lang", "name"],
                office_name_rows(OFFICE_NAMES_FILE, known))
    con.execute(f"DELETE FROM {schema}.published_figures")
    con.execute(
        f"INSERT INTO {schema}.published_figures SELECT section, nullif(direction, ''), "
        "nullif(category, ''), item, code, CAST(offices AS INTEGER), CAST(base AS INTEGER), $r "
        "FROM read_csv($p, header=true, all_varchar=true)",
        {"p": str(PUBLISHED_FILE), "r": PUBLISHED_ROUND},
    )
    con.execute(f"INSERT OR REPLACE INTO {schema}.meta VALUES ('reference_sha256', $d)", {"d": digest})


def office_name_rows(path: Path, known_codes: set[str]) -> list[tuple[str, str, str]]:
    """(code, language, name) for every non-empty name of an office-names file: a `code` column
    (an office of the ST.3 list, once each), then one column per language. Raises LoadRejected
    naming the row and column of every problem."""
    problems = ProblemList()
    name = path.name
    with path.open(encoding="utf-8", newline="") as fh:
        lines = list(csv.reader(fh))
    header = [h.strip() for h in lines[0]] if lines else []
    if not header or header[0] != "code":
        problems.add(name, 1, None, ",".join(header), "a header whose first column is 'code'")
        problems.raise_if_any()
    for column in header[1:]:
        if not LANGUAGE_COLUMN.fullmatch(column) or header.count(column) > 1:
            problems.add(name, 1, column, column, "one column per language, named by its ISO 639 code (e.g. fr)")
    out, seen = [], set()
    for row_number, fields in enumerate(lines[1:], start=2):
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            problems.add(name, row_number, None, ",".join(fields), f"{len(header)} fields, as in the header")
            continue
        code = fields[0].strip()
        if code not in known_codes:
            problems.add(name, row_number, "code", code, "an ST.3 code of data/reference/offices.csv")
        elif code in seen:
            problems.add(name, row_number, "code", code, "each office once")
        seen.add(code)
        out += [(code, lang, value.strip()) for lang, value in zip(header[1:], fields[1:]) if value.strip()]
    problems.raise_if_any()
    return out
