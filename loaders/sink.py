"""Rows that a reader produces one by one (XML documents, ST.37 entries, problems), appended to
a temporary table in chunks: a batch of millions of documents never sits in memory whole."""
from __future__ import annotations

import pandas as pd

#: Rows held before they are written to the table.
CHUNK_ROWS = 20_000


class Sink:
    """Rows appended to the temporary table `table` (created, empty, with `columns`)."""

    def __init__(self, con, table: str, columns: list[tuple[str, str]]):
        self.con, self.table, self.columns, self.rows = con, table, columns, []
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({', '.join(c + ' ' + t for c, t in columns)})")

    def add(self, *row) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            insert_frame(self.con, self.table, pd.DataFrame(self.rows, columns=[c for c, _ in self.columns]))
            self.rows = []


def insert_frame(con, table: str, frame: pd.DataFrame, select: str = "*", params: dict | None = None) -> None:
    """INSERT INTO `table` SELECT `select` FROM the rows of `frame` (registered as `frame_rows`
    for the one statement; `params` are the statement's parameters)."""
    con.register("frame_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} SELECT {select} FROM frame_rows", params)
    finally:
        con.unregister("frame_rows")


def insert_rows(con, table: str, columns: list[str], rows: list[tuple]) -> None:
    """INSERT INTO `table` (`columns`) the Python tuples `rows`, in one statement: DuckDB's
    executemany runs one statement per row (half a second for a survey round of 30 offices).
    The frame's columns are objects, so that a None stays NULL (a float column would make it NaN)."""
    if rows:
        insert_frame(con, f"{table} ({', '.join(columns)})", pd.DataFrame(rows, columns=columns, dtype=object))
