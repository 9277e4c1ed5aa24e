"""The schema of a snapshot (schema.sql) and its version, kept in `meta`.

The version is the hash of schema.sql, so that any change to it (a table, a column) makes every
older database file "of another version": loaders.ensure_database rebuilds such a file from the
archive at start, and no code has to handle snapshots of older layouts.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb

SCHEMA_FILE = Path(__file__).resolve().parent / "schema.sql"
SCHEMA_VERSION = hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest()[:16]
VERSION_KEY = "schema_version"


def create_schema(con) -> None:
    """Create every table of schema.sql in the connection's current database and record its version."""
    con.execute(SCHEMA_FILE.read_text())
    con.execute("INSERT OR REPLACE INTO meta VALUES ($key, $version)", {"key": VERSION_KEY, "version": SCHEMA_VERSION})


def schema_version(con) -> str | None:
    """The schema version of the snapshot open in `con` (None: written before versions, or no `meta`)."""
    try:
        rows = con.execute("SELECT value FROM meta WHERE key = $key", {"key": VERSION_KEY}).fetchall()
    except duckdb.CatalogException:  # no meta table: not a snapshot of this application's layout
        return None
    return rows[0][0] if rows else None
