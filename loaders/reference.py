"""The shipped reference tables of every snapshot: the offices (WIPO ST.3 codes) and the
figures published in CWS/13/14."""
from __future__ import annotations

import hashlib

import duckdb

from db.paths import REFERENCE_DIR

OFFICES_FILE = REFERENCE_DIR / "offices.csv"
PUBLISHED_FILE = REFERENCE_DIR / "cws13-14-published-figures.csv"
PUBLISHED_ROUND = "2025"


def load_reference_tables(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """(Re)load the shipped reference files into the snapshot being built, unless the snapshot
    holds these very files already (their hashes are kept in `meta`)."""
    digest = hashlib.sha256(OFFICES_FILE.read_bytes() + b"\0" + PUBLISHED_FILE.read_bytes()).hexdigest()
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
    con.execute(f"DELETE FROM {schema}.published_figures")
    con.execute(
        f"INSERT INTO {schema}.published_figures SELECT section, nullif(direction, ''), "
        "nullif(category, ''), item, code, CAST(offices AS INTEGER), CAST(base AS INTEGER), $r "
        "FROM read_csv($p, header=true, all_varchar=true)",
        {"p": str(PUBLISHED_FILE), "r": PUBLISHED_ROUND},
    )
    con.execute(f"INSERT OR REPLACE INTO {schema}.meta VALUES ('reference_sha256', $d)", {"d": digest})
