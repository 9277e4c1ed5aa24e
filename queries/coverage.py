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

_SEEN = """SELECT DISTINCT office, number_key, kind FROM delivered_documents"""


def coverage_by_kind_year(con, office: str | None = None) -> pd.DataFrame:
    """Per office, kind code and publication year: expected, covered, missing, excepted and
    extra documents, and coverage = covered / expected (NULL when nothing is expected)."""
    return con.execute(f"""
        WITH auth AS (
            SELECT office, kind, year(publication_date) AS year, number_key, bool_or(expected) AS expected
            FROM authority_documents WHERE ($office IS NULL OR office = $office) GROUP BY ALL),
        seen AS ({_SEEN}),
        listed AS (
            SELECT a.office, a.kind, a.year,
                   count(*) FILTER (WHERE a.expected) AS expected,
                   count(*) FILTER (WHERE a.expected AND s.number_key IS NOT NULL) AS covered,
                   count(*) FILTER (WHERE NOT a.expected) AS excepted
            FROM auth a LEFT JOIN seen s USING (office, number_key, kind) GROUP BY ALL),
        extras AS (
            SELECT d.office, d.kind, year(min(d.publication_date)) AS year, d.number_key
            FROM delivered_documents d
            WHERE d.office IN (SELECT office FROM authority_files)
              AND ($office IS NULL OR d.office = $office)
              AND NOT EXISTS (SELECT 1 FROM authority_documents a WHERE a.office = d.office
                              AND a.number_key = d.number_key AND a.kind IS NOT DISTINCT FROM d.kind)
            GROUP BY d.office, d.kind, d.number_key),
        extra_counts AS (SELECT office, kind, year, count(*) AS extra FROM extras GROUP BY ALL)
        SELECT office, kind, year, coalesce(expected, 0) AS expected, coalesce(covered, 0) AS covered,
               coalesce(expected, 0) - coalesce(covered, 0) AS missing,
               coalesce(excepted, 0) AS excepted, coalesce(extra, 0) AS extra,
               CASE WHEN coalesce(expected, 0) > 0 THEN covered / expected END AS coverage
        FROM listed FULL JOIN extra_counts USING (office, kind, year)
        ORDER BY office, kind, year""", {"office": office}).df()


def missing_documents(con, office: str | None = None) -> pd.DataFrame:
    """Every expected publication number of an authority file that no loaded batch delivered:
    office, publication number (as the authority file writes it), kind, publication date."""
    return con.execute(f"""
        SELECT DISTINCT a.office, a.publication_number, a.kind, a.publication_date
        FROM authority_documents a
        WHERE a.expected AND ($office IS NULL OR a.office = $office)
          AND NOT EXISTS (SELECT 1 FROM ({_SEEN}) s WHERE s.office = a.office
                          AND s.number_key = a.number_key AND s.kind IS NOT DISTINCT FROM a.kind)
        ORDER BY a.office, a.publication_date, a.publication_number""", {"office": office}).df()


def extra_documents(con, office: str | None = None) -> pd.DataFrame:
    """Delivered documents of an office with an authority file that the file does not list
    (office, publication number as delivered, kind, date, where first seen: file and line)."""
    return con.execute("""
        SELECT d.office, d.publication_number, d.kind, min(d.publication_date) AS publication_date,
               arg_min(d.file, d.load_seq) AS file, arg_min(d.line, d.load_seq) AS line
        FROM delivered_documents d
        WHERE d.office IN (SELECT office FROM authority_files) AND ($office IS NULL OR d.office = $office)
          AND NOT EXISTS (SELECT 1 FROM authority_documents a WHERE a.office = d.office
                          AND a.number_key = d.number_key AND a.kind IS NOT DISTINCT FROM d.kind)
        GROUP BY d.office, d.publication_number, d.kind ORDER BY 1, 2""", {"office": office}).df()


def authority_files(con) -> pd.DataFrame:
    """The loaded ST.37 authority files: office, file, form, entries, publication numbers."""
    return con.execute("""
        SELECT f.office, f.original_name, f.form, f.entries, f.documents, l.loaded_at, l.bundled
        FROM authority_files f JOIN loads l ON l.seq = f.load_seq ORDER BY f.office""").df()


def xml_batch_summary(con, provider: str | None = None) -> pd.DataFrame:
    """One row per loaded XML batch: delivery key, file, files, records, records or files not
    well-formed, records without a publication number, dialects and versions seen, documents
    lost (could not be read to their end), whether the batch is incomplete (documents lost or not
    well-formed), the documents' offices other than the provider (with their record counts) and
    the symbolic links left out of a directory batch."""
    return con.execute("""
        SELECT b.load_seq, b.provider, b.recipient, b.dataset, b.scheduled_date, b.original_name,
               b.files, b.records, b.not_well_formed, b.missing_identifier, b.standards,
               coalesce(b.lost_documents, 0) AS lost_documents, coalesce(b.incomplete, false) AS incomplete,
               b.office_mismatch, b.skipped_links, l.bundled
        FROM xml_batches b JOIN loads l ON l.seq = b.load_seq
        WHERE $provider IS NULL OR b.provider = $provider
        ORDER BY b.scheduled_date DESC, b.provider, b.dataset""", {"provider": provider}).df()


def xml_batch_problems(con, load_seq: int | None = None) -> pd.DataFrame:
    """Records or files of a batch that are not well-formed or lack a publication number,
    with file and line (all batches when load_seq is None)."""
    return con.execute("""
        SELECT load_seq, file, line, problem, detail FROM xml_record_problems
        WHERE $seq IS NULL OR load_seq = $seq ORDER BY load_seq, file, line""", {"seq": load_seq}).df()


def measured_completeness(con, load_seq: int | None = None) -> pd.DataFrame:
    """Measured completeness per batch and field: populated records (field present and
    non-empty) / records of the batch (`xml_batches.records`)."""
    return con.execute("""
        SELECT b.load_seq, c.provider, c.recipient, c.dataset, c.scheduled_date, c.field,
               c.populated, b.records,
               CASE WHEN b.records > 0 THEN c.populated / b.records END AS completeness
        FROM field_completeness c
        JOIN xml_batches b ON b.load_seq = c.load_seq
        WHERE c.source = 'measured' AND ($seq IS NULL OR b.load_seq = $seq)
        ORDER BY b.load_seq, c.field""", {"seq": load_seq}).df()


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
