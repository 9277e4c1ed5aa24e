"""Data completeness and delivery volumes, from `field_completeness` and the delivery log.

Definitions (UTC dates; the period is inclusive, on scheduled_date):

- completeness of a field = sum(populated) / sum(records) over the deliveries (in the period,
  after the filters) that report that field, per provider, dataset and field. A delivery that
  reports no completeness for a field is not counted in that field's base (it is counted in
  `deliveries` of the fields it does report).
- below threshold: completeness < threshold (a fraction, default 0.95); exactly at the
  threshold passes.
- volume band of a delivery: median and MAD (median absolute deviation from that median) of
  the record counts of the previous `window` (default 8) delivered rows of the same provider,
  recipient and dataset (one delivery stream: different recipients may receive different
  subsets), ordered by scheduled_date. The band is median +/- k x max(MAD, 5 % of the median),
  k = 10 by default: a delivery is flagged when it is more than 10 MADs and at least half the
  median away from the median; the 5 % floor keeps a stream with almost constant volumes from
  flagging ordinary noise. Only rows with at least `min_history` (default 4) previous deliveries get a
  band. A volume anomaly is a delivery whose record count lies outside its band. The history
  reaches back before the period, so the first deliveries of a period are judged too.

Filter: every function takes `where`, a `queries.filters.DeliveryFilter` (the period and the
providers, recipients and datasets; None = everything).
"""
from __future__ import annotations

import pandas as pd

from .filters import (
    EVERYTHING,
    DeliveryFilter,
    dates_sql,
    offices_sql,
    seen_completeness_sql,
    seen_deliveries_sql,
    visible_sql,
)

DEFAULT_THRESHOLD = 0.95
#: The volume anomaly rule (see the module docstring).
ANOMALY_WINDOW, ANOMALY_MIN_HISTORY, ANOMALY_K, ANOMALY_MAD_FLOOR = 8, 4, 10.0, 0.05


#: Completeness rows with their record count (`db.completeness.completeness_rows_sql`) that the
#: viewer sees (`queries.filters.seen_completeness_sql`), within the filter (alias c).
_COMPLETENESS_SQL = f"""
    SELECT c.* FROM {seen_completeness_sql()} c
    WHERE {offices_sql("c")} AND {dates_sql("c")}"""


def field_completeness(con, where: DeliveryFilter | None = None, threshold=DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Per provider, dataset and field: deliveries reporting the field, source (reported,
    measured, or measured+reported), populated, records, completeness = populated / records,
    and below_threshold = completeness < threshold."""
    params = (where or EVERYTHING).sql_params() | {"threshold": float(threshold)}
    return con.execute(f"""
        WITH c AS ({_COMPLETENESS_SQL})
        SELECT provider, dataset, field, count(*) AS deliveries,
               string_agg(DISTINCT source, '+' ORDER BY source) AS source,
               sum(populated) AS populated, sum(records) AS records,
               sum(populated) / nullif(sum(records), 0) AS completeness,
               sum(populated) / nullif(sum(records), 0) < $threshold AS below_threshold
        FROM c GROUP BY provider, dataset, field
        ORDER BY provider, dataset, field""", params).df()


def field_completeness_trend(con, where: DeliveryFilter | None = None, threshold=DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Per calendar month of scheduled_date, dataset and field, over the filtered providers
    together: deliveries, populated, records, completeness = populated / records, and
    below_threshold = completeness < threshold."""
    params = (where or EVERYTHING).sql_params() | {"threshold": float(threshold)}
    return con.execute(f"""
        WITH c AS ({_COMPLETENESS_SQL})
        SELECT CAST(date_trunc('month', scheduled_date) AS DATE) AS month, dataset, field,
               count(*) AS deliveries, sum(populated) AS populated, sum(records) AS records,
               sum(populated) / nullif(sum(records), 0) AS completeness,
               sum(populated) / nullif(sum(records), 0) < $threshold AS below_threshold
        FROM c GROUP BY ALL ORDER BY dataset, field, month""", params).df()


def _volumes(con, where: DeliveryFilter | None, window, min_history, k, anomalies_only: bool) -> pd.DataFrame:
    """The rows of `delivery_volumes`; only the anomalies when `anomalies_only` (filtered in SQL,
    so that a million-row log does not come to pandas to keep a few hundred rows)."""
    params = (where or EVERYTHING).sql_params()
    params.update(min_history=int(min_history), k=float(k), floor=ANOMALY_MAD_FLOOR, anomalies_only=anomalies_only)
    frame = f"ROWS BETWEEN {int(window)} PRECEDING AND 1 PRECEDING"  # an int, not user text
    return con.execute(f"""
        WITH stream AS (
            SELECT provider, recipient, dataset, scheduled_date, CAST(delivered_at AS DATE) AS delivered_on,
                   records, notes,
                   count(records) OVER w AS history,
                   median(records) OVER w AS history_median,
                   mad(records) OVER w AS history_mad
            FROM {seen_deliveries_sql()} d
            WHERE records IS NOT NULL
              AND {offices_sql()}
            WINDOW w AS (PARTITION BY provider, recipient, dataset ORDER BY scheduled_date {frame})),
        banded AS (
            SELECT * EXCLUDE (history_median, history_mad),
                   CASE WHEN history >= $min_history THEN history_median END AS median,
                   CASE WHEN history >= $min_history THEN history_mad END AS mad,
                   CASE WHEN history >= $min_history
                        THEN $k * greatest(history_mad, $floor * history_median) END AS half_width
            FROM stream),
        judged AS (
            SELECT * EXCLUDE (half_width), median - half_width AS band_low, median + half_width AS band_high,
                   records / nullif(median, 0) AS ratio,
                   coalesce(records < median - half_width OR records > median + half_width, false) AS anomaly
            FROM banded
            WHERE {dates_sql()})
        SELECT * FROM judged WHERE anomaly OR NOT $anomalies_only
        ORDER BY provider, recipient, dataset, scheduled_date""", params).df()


def delivery_volumes(con, where: DeliveryFilter | None = None, window=ANOMALY_WINDOW, min_history=ANOMALY_MIN_HISTORY, k=ANOMALY_K) -> pd.DataFrame:
    """Every delivered row (records known) in the period with its volume band (see the module
    docstring): history (previous deliveries used, at most `window`), median, MAD, band_low,
    band_high, ratio = records / median, and anomaly = records outside the band (false when
    the history is shorter than `min_history`)."""
    return _volumes(con, where, window, min_history, k, False)


def volume_anomalies(con, where: DeliveryFilter | None = None, window=ANOMALY_WINDOW, min_history=ANOMALY_MIN_HISTORY, k=ANOMALY_K) -> pd.DataFrame:
    """The deliveries of `delivery_volumes` whose record count is outside their band."""
    return _volumes(con, where, window, min_history, k, True)


def xml_batch_warnings(con, where: DeliveryFilter | None = None) -> pd.DataFrame:
    """XML batches whose measured completeness needs a caveat, in the page's filters: incomplete
    (documents lost, i.e. not read to their end, or documents not well-formed: the batch holds
    fewer records than its files) or with documents of an office other than the provider."""
    return con.execute(f"""
        SELECT b.provider, b.recipient, b.dataset, b.scheduled_date, b.original_name, b.records,
               coalesce(b.lost_documents, 0) AS lost_documents, b.not_well_formed,
               coalesce(b.incomplete, false) AS incomplete, b.office_mismatch
        FROM xml_batches b
        WHERE (coalesce(b.incomplete, false) OR b.office_mismatch IS NOT NULL)
          AND {offices_sql("b")} AND {dates_sql("b")} AND {visible_sql("b")}
        ORDER BY b.scheduled_date DESC, b.provider, b.dataset""", (where or EVERYTHING).sql_params()).df()
