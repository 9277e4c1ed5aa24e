"""The delivery and completeness metrics as an analyst would write them with Polars' lazy API,
over the same CSV files: the stronger peer of the metrics benchmark (bench/run.py), beside the
plain pandas one (`bench/pandas_reference.py`), and a third, independent implementation of the
definitions in `queries/delivery.py` and `queries/completeness.py` (the benchmark checks that
every result gives the same numbers as DuckDB, through `pandas_reference.differences`).

One lazy query per metric over the scanned CSVs, collected together (`polars.collect_all`, so
Polars shares the scans and the schedule expansion between them). The schedules expand into
their occurrences with `date_ranges`, one interval per frequency (a month added to the 31st
clamps to the month's last day, as DuckDB's interval arithmetic does). `REFERENCE` names the
metrics covered, with the same keys and compared columns as the pandas reference.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl

from bench import pandas_reference

KEY = ["provider", "recipient", "dataset"]
INTERVALS = {"weekly": "1w", "biweekly": "2w", "monthly": "1mo", "quarterly": "3mo"}
DUE = ("on_time", "late", "missed")


def scan(folder: Path) -> dict[str, pl.LazyFrame]:
    """The three CSVs, typed as the loaders type them."""
    schedule = pl.scan_csv(folder / "schedule.csv", infer_schema=False).with_columns(
        pl.col("grace_days").cast(pl.Int64), pl.col("on_time_target").cast(pl.Float64),
        pl.col("starts").str.to_date("%Y-%m-%d"),
        pl.col("ends").str.to_date("%Y-%m-%d", strict=False))
    delivered_at = pl.col("delivered_at")
    deliveries = pl.scan_csv(folder / "deliveries.csv", infer_schema=False).with_columns(
        pl.col("scheduled_date").str.to_date("%Y-%m-%d"),
        # A date, or an ISO 8601 time in UTC: the day it falls on in UTC.
        pl.coalesce(delivered_at.str.to_datetime("%Y-%m-%dT%H:%M:%S%#z", strict=False, time_zone="UTC").dt.date(),
                    delivered_at.str.to_date("%Y-%m-%d", strict=False)).alias("delivered_on"),
        pl.col("records").cast(pl.Int64, strict=False),
        pl.col("notice_given").str.to_lowercase().replace_strict({"yes": True, "no": False}, default=None,
                                                                 return_dtype=pl.Boolean))
    completeness = pl.scan_csv(folder / "completeness.csv", schema_overrides={"populated": pl.Int64}).with_columns(
        pl.col("scheduled_date").str.to_date("%Y-%m-%d"))
    return {"schedule": schedule, "deliveries": deliveries, "completeness": completeness}


def as_of(data: dict) -> date:
    return data["deliveries"].select(pl.col("delivered_on").max()).collect().item()


def occurrences(schedule: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """Every scheduled date of every schedule from starts up to min(ends, as_of)."""
    last = pl.min_horizontal(pl.col("ends").fill_null(as_of), pl.lit(as_of))
    parts = [schedule.filter((pl.col("frequency") == frequency) & (pl.col("starts") <= last))
             .with_columns(pl.date_ranges("starts", last, interval=interval).alias("scheduled_date"))
             .explode("scheduled_date")
             for frequency, interval in INTERVALS.items()]
    return pl.concat(parts).select(*KEY, "frequency", "grace_days", "on_time_target", "scheduled_date")


def outcomes(data: dict, as_of: date) -> pl.LazyFrame:
    delivered = pl.col("delivered_on").is_not_null()
    return (occurrences(data["schedule"], as_of)
            .join(data["deliveries"], on=[*KEY, "scheduled_date"], how="left")
            .with_columns((pl.col("scheduled_date") + pl.duration(days=pl.col("grace_days"))).alias("deadline"))
            .with_columns(pl.when(delivered & (pl.col("delivered_on") <= pl.col("deadline"))).then(pl.lit("on_time"))
                          .when(delivered).then(pl.lit("late"))
                          .when(pl.lit(as_of) > pl.col("deadline")).then(pl.lit("missed"))
                          .otherwise(pl.lit("pending")).alias("outcome"))
            .with_columns(pl.when(pl.col("outcome") == "late")
                          .then((pl.col("delivered_on") - pl.col("deadline")).dt.total_days())
                          .alias("days_late")))


def _counts(o: pl.LazyFrame, by: list[str], *extra: pl.Expr) -> pl.LazyFrame:
    is_ = pl.col("outcome").__eq__
    due = pl.col("on_time") + pl.col("late") + pl.col("missed")
    return (o.group_by(by).agg(*[is_(x).sum().alias(x) for x in (*DUE, "pending")], *extra)
            .with_columns(due.alias("due"), due.alias("scheduled"))
            .with_columns((pl.col("on_time") / pl.when(pl.col("due") > 0).then(pl.col("due"))).alias("on_time_rate")))


def delivery_reliability_by_office(data, o, as_of):
    schedules = _counts(o, KEY, pl.col("on_time_target").first()).with_columns(
        ((pl.col("on_time_rate") >= pl.col("on_time_target")).fill_null(False) | (pl.col("due") == 0)).alias("met"))
    sla = schedules.group_by("provider").agg(pl.col("met").all().alias("sla_met"))
    return _counts(o, ["provider"]).join(sla, on="provider")


def overall_on_time_rate(data, o, as_of):
    due = pl.col("outcome").is_in(DUE)
    return o.select((pl.col("outcome") == "on_time").sum().alias("on_time"), due.sum().alias("due"),
                    pl.col("provider").filter(pl.col("outcome").is_in(["on_time", "late"])).n_unique()
                    .alias("delivering_offices")).with_columns(
        (pl.col("on_time") / pl.when(pl.col("due") > 0).then(pl.col("due"))).alias("on_time_rate"))


def unscheduled_deliveries(data, o, as_of):
    scheduled = o.select(*KEY, "scheduled_date").with_columns(pl.lit(True).alias("scheduled"))
    with_schedule = data["schedule"].select(KEY).unique().with_columns(pl.lit(True).alias("has_schedule"))
    return (data["deliveries"].join(scheduled, on=[*KEY, "scheduled_date"], how="left")
            .join(with_schedule, on=KEY, how="left")
            .filter(pl.col("scheduled").is_null()
                    & (pl.col("has_schedule").is_null() | (pl.col("scheduled_date") <= as_of)))
            .select(*KEY, "scheduled_date", "records"))


def delivery_delay_by_office(data, o, as_of):
    late = pl.col("days_late")
    return (o.filter(pl.col("outcome") == "late").group_by("provider")
            .agg(pl.len().alias("late"), late.median().alias("delay_median_days"),
                 late.quantile(0.9, interpolation="linear").alias("delay_p90_days"),
                 late.max().alias("delay_max_days")))


def monthly_on_time_trend(data, o, as_of):
    table = _counts(o.with_columns(pl.col("scheduled_date").dt.truncate("1mo").alias("month")), ["month"])
    return table.with_columns(((pl.col("month").dt.month_end() > as_of) | (pl.col("pending") > 0)).alias("incomplete"))


def field_completeness(data, o, as_of):
    counted = data["deliveries"].filter(pl.col("records").is_not_null()).select(*KEY, "scheduled_date", "records")
    return (data["completeness"].join(counted, on=[*KEY, "scheduled_date"])
            .group_by("provider", "dataset", "field")
            .agg(pl.len().alias("deliveries"), pl.col("populated").sum(), pl.col("records").sum())
            .with_columns((pl.col("populated") / pl.col("records")).alias("completeness"))
            .with_columns((pl.col("completeness") < 0.95).alias("below_threshold")))


#: queries function name -> Polars version. Keys and compared columns: pandas_reference.REFERENCE.
REFERENCE = {
    "delivery_reliability_by_office": delivery_reliability_by_office,
    "overall_on_time_rate": overall_on_time_rate,
    "unscheduled_deliveries": unscheduled_deliveries,
    "delivery_delay_by_office": delivery_delay_by_office,
    "monthly_on_time_trend": monthly_on_time_trend,
    "field_completeness": field_completeness,
}


def compute_all(folder: Path, names=None) -> tuple[dict[str, pd.DataFrame], pd.Timestamp]:
    """Scan the CSVs and compute every metric in `names` (default: all of REFERENCE), collected
    in one `collect_all`; the results as pandas frames, for `pandas_reference.differences`."""
    data = scan(folder)
    day = as_of(data)
    o = outcomes(data, day)
    names = [n for n in (names or REFERENCE) if n in REFERENCE]
    frames = pl.collect_all([REFERENCE[n](data, o, day) for n in names])
    return {n: f.to_pandas() for n, f in zip(names, frames)}, pd.Timestamp(day)


def differences(name: str, duck, reference: pd.DataFrame) -> list[str]:
    """Where the DuckDB result and the Polars result of metric `name` differ (empty: same)."""
    return [problem.replace("pandas", "Polars") for problem in pandas_reference.differences(name, duck, reference)]
