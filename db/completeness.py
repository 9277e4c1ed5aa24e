"""The completeness rows of a snapshot with their record counts: read by the completeness metrics
(`queries.completeness`) and copied by the review loader when a month is held back (`db.held`),
so that both count the same rows the same way."""
from __future__ import annotations

from .review import schema_prefix


def completeness_rows_sql(schema: str = "") -> str:
    """SELECT of every completeness row (provider, recipient, dataset, scheduled_date, field,
    source, populated) with its `records`: a reported row takes it from the delivery log, a row
    measured from a delivered XML batch from that batch (`xml_batches.records`). Rows whose record
    count is unknown are left out. When a delivery has both for a field, the measured row counts
    and the reported one is left out, so nothing is counted twice. `schema` as in db.review."""
    p = schema_prefix(schema)
    return f"""
    SELECT c.provider, c.recipient, c.dataset, c.scheduled_date, c.field, c.source, c.populated,
           CASE c.source WHEN 'measured' THEN b.records ELSE d.records END AS records
    FROM {p}field_completeness c
    LEFT JOIN {p}deliveries d USING (provider, recipient, dataset, scheduled_date)
    LEFT JOIN {p}xml_batches b ON c.source = 'measured' AND b.load_seq = c.load_seq
    WHERE (CASE c.source WHEN 'measured' THEN b.records ELSE d.records END) IS NOT NULL
      AND NOT (c.source = 'reported' AND EXISTS (
            SELECT 1 FROM {p}field_completeness m WHERE m.source = 'measured' AND m.provider = c.provider
               AND m.recipient = c.recipient AND m.dataset = c.dataset
               AND m.scheduled_date = c.scheduled_date AND m.field = c.field))"""
