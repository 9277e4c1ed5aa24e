"""Coverage of delivered documents against ST.37 authority files, and what XML batches held.

A document is identified by (office, normalised publication number, kind code); the number is
normalised by `loaders.xml_batches.number_key` (letters and digits only, no leading office code,
no leading zeros) on both sides. The year is the publication year: the authority file's for
listed documents, the delivered document's for extras.

- expected: numbers the authority file lists whose exception code (if any) says a document
  exists (withdrawn, never-published and similar numbers are "excepted", not expected).
- covered: expected numbers seen in at least one loaded XML batch, any recipient.
- missing: expected - covered.
- extra: documents seen in batches of an office that has an authority file, whose number and
  kind that file does not list at all.
"""
from __future__ import annotations

import pandas as pd

from db.coverage_keys import delivered_keys_sql

from .filters import EVERYTHING, DeliveryFilter, visible_sql


def _hides_a_batch(con, params: dict) -> bool:
    """Whether the viewer of `params` (`DeliveryFilter.viewer_params`) is kept from any loaded XML
    batch (one of a month held back from it: `visible_sql`)."""
    return con.execute(f"SELECT EXISTS (SELECT 1 FROM xml_batches b WHERE NOT ({visible_sql('b')}))",
                       params).fetchone()[0]


def _seen_documents_sql() -> str:
    """The delivered documents of the XML batches the viewer sees, with the columns of
    `delivered_documents`."""
    return (f"(SELECT d.* FROM delivered_documents d JOIN xml_batches b ON b.load_seq = d.load_seq "
            f"WHERE {visible_sql('b')})")


def _seen_sources(con, where: DeliveryFilter | None) -> tuple[str, str, dict]:
    """The delivered documents and the delivered keys the viewer of `where` sees, as table
    expressions, with their SQL parameters: `delivered_documents` and `delivered_keys` (kept by
    the loads) when it sees every batch, the usual case; else the documents of the batches it
    sees and their grouping (`db.coverage_keys.delivered_keys_sql`), computed for the call."""
    params = (where or EVERYTHING).viewer_params()
    if not _hides_a_batch(con, params):
        return "delivered_documents", "delivered_keys", {}
    documents = _seen_documents_sql()
    return documents, f"({delivered_keys_sql(documents)})", params


def coverage_by_kind_year(con, office: str | None = None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Per office, kind code and publication year: expected, covered, missing, excepted and
    extra documents, and coverage = covered / expected (NULL when nothing is expected). One join
    of the distinct listed documents (`authority_keys`) with the distinct delivered documents of
    the offices that have an authority file (`delivered_keys`; `db.coverage_keys`), of the XML
    batches the viewer of `where` sees (`xml_batch_summary`): a listed one delivered is covered,
    a delivered one not listed (under any year) is extra, in the year of its earliest
    publication date."""
    _documents, keys, params = _seen_sources(con, where)
    return con.execute(f"""
        WITH joined AS (
            SELECT coalesce(a.office, s.office) AS office, coalesce(a.kind, s.kind) AS kind,
                   coalesce(a.year, year(s.first_date)) AS year,
                   a.office IS NOT NULL AS listed, a.expected, s.office IS NOT NULL AS delivered
            FROM (SELECT * FROM authority_keys WHERE $office IS NULL OR office = $office) a
            FULL JOIN (SELECT * FROM {keys}
                       WHERE office IN (SELECT office FROM authority_files) AND ($office IS NULL OR office = $office)) s
              ON a.office = s.office AND a.number_key = s.number_key AND a.kind IS NOT DISTINCT FROM s.kind),
        counts AS (
            SELECT office, kind, year,
                   count(*) FILTER (WHERE listed AND expected) AS expected,
                   count(*) FILTER (WHERE listed AND expected AND delivered) AS covered,
                   count(*) FILTER (WHERE listed AND NOT expected) AS excepted,
                   count(*) FILTER (WHERE NOT listed) AS extra
            FROM joined GROUP BY ALL)
        SELECT office, kind, year, expected, covered, expected - covered AS missing, excepted, extra,
               CASE WHEN expected > 0 THEN covered / expected END AS coverage
        FROM counts ORDER BY office, kind, year""", {"office": office, **params}).df()


def missing_documents(con, office: str | None = None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Every expected publication number of an authority file that no XML batch the viewer of
    `where` sees delivered: office, publication number (as the authority file writes it), kind,
    publication date."""
    _documents, keys, params = _seen_sources(con, where)
    return con.execute(f"""
        SELECT DISTINCT a.office, a.publication_number, a.kind, a.publication_date
        FROM authority_documents a
        WHERE a.expected AND ($office IS NULL OR a.office = $office)
          AND NOT EXISTS (SELECT 1 FROM {keys} s WHERE s.office = a.office
                          AND s.number_key = a.number_key AND s.kind IS NOT DISTINCT FROM a.kind)
        ORDER BY a.office, a.publication_date, a.publication_number""", {"office": office, **params}).df()


def extra_documents(con, office: str | None = None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Delivered documents, in the XML batches the viewer of `where` sees, of an office with an
    authority file that the file does not list (office, publication number as delivered, kind,
    date, where first seen: file and line)."""
    documents, _keys, params = _seen_sources(con, where)
    return con.execute(f"""
        SELECT d.office, d.publication_number, d.kind, min(d.publication_date) AS publication_date,
               arg_min(d.file, d.load_seq) AS file, arg_min(d.line, d.load_seq) AS line
        FROM {documents} d
        WHERE d.office IN (SELECT office FROM authority_files) AND ($office IS NULL OR d.office = $office)
          AND NOT EXISTS (SELECT 1 FROM authority_keys a WHERE a.office = d.office
                          AND a.number_key = d.number_key AND a.kind IS NOT DISTINCT FROM d.kind)
        GROUP BY d.office, d.publication_number, d.kind ORDER BY 1, 2""", {"office": office, **params}).df()


def authority_files(con) -> pd.DataFrame:
    """The loaded ST.37 authority files: office, file, form, entries, publication numbers."""
    return con.execute("""
        SELECT f.office, f.original_name, f.form, f.entries, f.documents, l.loaded_at, l.bundled
        FROM authority_files f JOIN loads l ON l.seq = f.load_seq ORDER BY f.office""").df()


def xml_batch_summary(con, provider: str | None = None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """One row per loaded XML batch the viewer of `where` sees (a batch of a month held back from
    the public is left out for the public, as the month's live figures are: `visible_sql`):
    delivery key, file, files, records, records or files not well-formed, records without a
    publication number, dialects and versions seen, documents lost (could not be read to their
    end), whether the batch is incomplete (documents lost or not well-formed), the documents'
    offices other than the provider (with their record counts) and the symbolic links left out
    of a directory batch."""
    return con.execute(f"""
        SELECT b.load_seq, b.provider, b.recipient, b.dataset, b.scheduled_date, b.original_name,
               b.files, b.records, b.not_well_formed, b.missing_identifier, b.standards,
               coalesce(b.lost_documents, 0) AS lost_documents, coalesce(b.incomplete, false) AS incomplete,
               b.office_mismatch, b.skipped_links, l.bundled
        FROM xml_batches b JOIN loads l ON l.seq = b.load_seq
        WHERE ($provider IS NULL OR b.provider = $provider) AND {visible_sql("b")}
        ORDER BY b.scheduled_date DESC, b.provider, b.dataset""",
                       {"provider": provider, **(where or EVERYTHING).viewer_params()}).df()


def xml_batch_problems(con, load_seq: int | None = None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Records or files of a batch that are not well-formed or lack a publication number,
    with file and line (all batches when load_seq is None), of the batches the viewer of `where`
    sees (`xml_batch_summary`)."""
    return con.execute(f"""
        SELECT p.load_seq, p.file, p.line, p.problem, p.detail
        FROM xml_record_problems p JOIN xml_batches b ON b.load_seq = p.load_seq
        WHERE ($seq IS NULL OR p.load_seq = $seq) AND {visible_sql("b")}
        ORDER BY p.load_seq, p.file, p.line""", {"seq": load_seq, **(where or EVERYTHING).viewer_params()}).df()


def measured_completeness(con, load_seq: int | None = None, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """Measured completeness per batch and field: populated records (field present and
    non-empty) / records of the batch (`xml_batches.records`), of the batches the viewer of
    `where` sees (`xml_batch_summary`)."""
    return con.execute(f"""
        SELECT b.load_seq, c.provider, c.recipient, c.dataset, c.scheduled_date, c.field,
               c.populated, b.records,
               CASE WHEN b.records > 0 THEN c.populated / b.records END AS completeness
        FROM field_completeness c
        JOIN xml_batches b ON b.load_seq = c.load_seq
        WHERE c.source = 'measured' AND ($seq IS NULL OR b.load_seq = $seq) AND {visible_sql("b")}
        ORDER BY b.load_seq, c.field""", {"seq": load_seq, **(where or EVERYTHING).viewer_params()}).df()


def xml_batches_contract(con) -> list[dict]:
    """For scripts (`python -m loaders metrics --json`, key `xml_batches`): one row per loaded XML
    batch: provider, recipient, dataset, scheduled date, files, records, documents lost, dialects
    and versions seen, offices of the documents other than the provider (NULL when none)."""
    frame = con.execute("""
        SELECT provider, recipient, dataset, scheduled_date::VARCHAR AS scheduled_date, files, records,
               coalesce(lost_documents, 0) AS lost_documents, standards AS dialects, office_mismatch
        FROM xml_batches ORDER BY scheduled_date, provider, recipient, dataset""").df()
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def measured_completeness_contract(con) -> list[dict]:
    """For scripts (key `measured_completeness`): one row per delivery (XML batch) and field:
    provider, recipient, dataset, scheduled date, field, populated records (the field present and
    non-empty) and the batch's records (the denominator)."""
    frame = con.execute("""
        SELECT c.provider, c.recipient, c.dataset, c.scheduled_date::VARCHAR AS scheduled_date, c.field,
               c.populated, b.records
        FROM field_completeness c JOIN xml_batches b ON b.load_seq = c.load_seq
        WHERE c.source = 'measured'
        ORDER BY c.scheduled_date, c.provider, c.recipient, c.dataset, c.field""").df()
    return frame.astype(object).where(frame.notna(), None).to_dict("records")
