"""The coverage keys of a snapshot: `authority_keys` (the distinct documents the authority files
list, per office, normalised number, kind and publication year, expected when any entry says a
document exists) and `delivered_keys` (the distinct documents delivered, with their earliest
publication date). They are `authority_documents` and `delivered_documents` grouped, kept up to
date by the loads that change those tables, in the same transaction: the coverage query
(`queries.coverage.coverage_by_kind_year`) then joins two tables of distinct keys instead of
grouping tens of millions of rows on every visit. `tests/test_st37_coverage.py` checks them
against the grouping of the row tables after every kind of change.
"""
from __future__ import annotations

from .review import schema_prefix

#: The documents whose delivered key a load touches (old loads replaced, the new one), gathered
#: before the change and refreshed after it.
_TOUCHED = "coverage_keys_touched"


def refresh_authority_keys(con, schema: str, office: str) -> None:
    """Rebuild the authority keys of `office` from its rows of `authority_documents`."""
    p = schema_prefix(schema)
    con.execute(f"DELETE FROM {p}authority_keys WHERE office = $office", {"office": office})
    con.execute(f"""
        INSERT INTO {p}authority_keys
        SELECT office, number_key, kind, year(publication_date), bool_or(expected)
        FROM {p}authority_documents WHERE office = $office GROUP BY ALL""", {"office": office})


def touch_delivered_keys(con, schema: str, load_seqs: list[int]) -> None:
    """Note the delivered keys of loads `load_seqs` (before they are deleted, or once inserted)."""
    p = schema_prefix(schema)
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_TOUCHED} (office VARCHAR, number_key VARCHAR, kind VARCHAR)")
    con.execute(f"""INSERT INTO {_TOUCHED} SELECT DISTINCT office, number_key, kind FROM {p}delivered_documents
                    WHERE load_seq IN (SELECT unnest($seqs::INTEGER[]))""", {"seqs": [int(s) for s in load_seqs]})


def delivered_keys_sql(documents: str) -> str:
    """The delivered keys of table expression `documents` (rows with the columns of
    `delivered_documents`): one row per office, number key and kind, with its earliest
    publication date, the columns of `delivered_keys`."""
    return (f"SELECT d.office, d.number_key, d.kind, min(d.publication_date) AS first_date "
            f"FROM {documents} d GROUP BY ALL")


def refresh_delivered_keys(con, schema: str) -> None:
    """Recompute the delivered keys noted by `touch_delivered_keys` from `delivered_documents`."""
    p = schema_prefix(schema)
    con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {_TOUCHED} (office VARCHAR, number_key VARCHAR, kind VARCHAR)")
    on = "{t}.office = t.office AND {t}.number_key = t.number_key AND {t}.kind IS NOT DISTINCT FROM t.kind"
    con.execute(f"DELETE FROM {p}delivered_keys USING (SELECT DISTINCT * FROM {_TOUCHED}) t "
                f"WHERE {on.format(t=p + 'delivered_keys')}")
    touched = (f"(SELECT * FROM {p}delivered_documents d "
               f"WHERE EXISTS (SELECT 1 FROM {_TOUCHED} t WHERE {on.format(t='d')}))")
    con.execute(f"INSERT INTO {p}delivered_keys {delivered_keys_sql(touched)}")
    con.execute(f"DROP TABLE {_TOUCHED}")
