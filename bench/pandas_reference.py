"""The delivery and completeness metrics written the way a user would in plain pandas, over
the same CSV files: the baseline of the metrics benchmark (bench/run.py), and a second,
independent implementation of the definitions in `queries/delivery.py` and
`queries/completeness.py` (the benchmark checks that both give the same numbers).

Straightforward on purpose: read the CSVs, expand each schedule into its occurrences with a
Python loop, merge, group by. `REFERENCE` maps each metric function of `queries` to its
pandas version, the key columns and the columns compared.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

OFFSETS = {"weekly": pd.DateOffset(days=7), "biweekly": pd.DateOffset(days=14),
           "monthly": pd.DateOffset(months=1), "quarterly": pd.DateOffset(months=3)}
PERIOD_DAYS = {"weekly": 7, "biweekly": 14, "monthly": 31, "quarterly": 92}
KEY = ["provider", "recipient", "dataset"]


def read(folder: Path) -> dict:
    """The three CSVs, typed as the loaders type them."""
    schedule = pd.read_csv(folder / "schedule.csv", dtype=str, keep_default_na=False)
    schedule["grace_days"] = schedule["grace_days"].astype(int)
    schedule["on_time_target"] = schedule["on_time_target"].astype(float)
    schedule["starts"] = pd.to_datetime(schedule["starts"])
    schedule["ends"] = pd.to_datetime(schedule["ends"].replace("", None))
    deliveries = pd.read_csv(folder / "deliveries.csv", dtype=str, keep_default_na=False)
    deliveries["scheduled_date"] = pd.to_datetime(deliveries["scheduled_date"])
    delivered = pd.to_datetime(deliveries["delivered_at"].replace("", None), format="ISO8601", utc=True)
    deliveries["delivered_on"] = delivered.dt.tz_localize(None).dt.normalize()
    deliveries["records"] = pd.to_numeric(deliveries["records"].replace("", None)).astype("Int64")
    deliveries["notice_given"] = deliveries["notice_given"].str.lower().map({"yes": True, "no": False})
    completeness = pd.read_csv(folder / "completeness.csv", dtype={"populated": "int64"},
                               parse_dates=["scheduled_date"])
    return {"schedule": schedule, "deliveries": deliveries, "completeness": completeness}


def data_as_of(data: dict) -> pd.Timestamp:
    return data["deliveries"]["delivered_on"].max()


def occurrences(schedule: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Every scheduled date of every schedule from starts up to min(ends, as_of)."""
    parts = []
    for s in schedule.itertuples(index=False):
        last = min(s.ends, as_of) if pd.notna(s.ends) else as_of
        dates, n = [], 0
        while True:
            d = s.starts + OFFSETS[s.frequency] * n  # from starts each time: months clamp like DuckDB
            if d > last:
                break
            dates.append(d)
            n += 1
        parts.append(pd.DataFrame({"provider": s.provider, "recipient": s.recipient, "dataset": s.dataset,
                                   "frequency": s.frequency, "grace_days": s.grace_days,
                                   "on_time_target": s.on_time_target,
                                   "scheduled_date": pd.to_datetime(dates)}))
    return pd.concat(parts, ignore_index=True)


def outcomes(data: dict, as_of: pd.Timestamp) -> pd.DataFrame:
    occ = occurrences(data["schedule"], as_of)
    o = occ.merge(data["deliveries"], on=KEY + ["scheduled_date"], how="left")
    o["deadline"] = o["scheduled_date"] + pd.to_timedelta(o["grace_days"], unit="D")
    delivered = o["delivered_on"].notna()
    o["outcome"] = np.select([delivered & (o["delivered_on"] <= o["deadline"]), delivered, as_of > o["deadline"]],
                             ["on_time", "late", "missed"], "pending")
    o["days_late"] = (o["delivered_on"] - o["deadline"]).dt.days.where(o["outcome"] == "late")
    return o


def _counts(o: pd.DataFrame, by) -> pd.DataFrame:
    table = pd.crosstab([o[b] for b in by] if isinstance(by, list) else o[by], o["outcome"])
    for outcome in ("on_time", "late", "missed", "pending"):
        if outcome not in table:
            table[outcome] = 0
    table["due"] = table["on_time"] + table["late"] + table["missed"]
    table["scheduled"] = table["due"]  # the name queries/delivery.py gives "due" per provider and month
    table["on_time_rate"] = table["on_time"] / table["due"].replace(0, np.nan)
    return table.reset_index()


def delivery_reliability_by_office(data, o, as_of):
    table = _counts(o, "provider")
    per_schedule = _counts(o, KEY).merge(o.groupby(KEY)["on_time_target"].first().reset_index(), on=KEY)
    per_schedule["met"] = (per_schedule["on_time_rate"] >= per_schedule["on_time_target"]) | (per_schedule["due"] == 0)
    return table.merge(per_schedule.groupby("provider")["met"].all().rename("sla_met").reset_index(), on="provider")


def overall_on_time_rate(data, o, as_of):
    due = o["outcome"].isin(["on_time", "late", "missed"])
    on_time = int((o["outcome"] == "on_time").sum())
    return pd.DataFrame([{"on_time": on_time, "due": int(due.sum()),
                          "on_time_rate": on_time / due.sum() if due.sum() else None,
                          "delivering_offices": o.loc[o["outcome"].isin(["on_time", "late"]), "provider"].nunique()}])


def unscheduled_deliveries(data, o, as_of):
    d = data["deliveries"].merge(o[KEY + ["scheduled_date"]].assign(scheduled=True),
                                 on=KEY + ["scheduled_date"], how="left")
    d = d.merge(data["schedule"][KEY].assign(has_schedule=True), on=KEY, how="left")
    keep = d["scheduled"].isna() & (d["has_schedule"].isna() | (d["scheduled_date"] <= as_of))
    return d.loc[keep, KEY + ["scheduled_date", "records"]]


def delivery_delay_by_office(data, o, as_of):
    late = o[o["outcome"] == "late"].groupby("provider")["days_late"]
    return pd.DataFrame({"late": late.size(), "delay_median_days": late.median(),
                         "delay_p90_days": late.quantile(0.9), "delay_max_days": late.max()}).reset_index()


def monthly_on_time_trend(data, o, as_of):
    o = o.assign(month=o["scheduled_date"].dt.to_period("M").dt.start_time)
    table = _counts(o, "month")
    month_end = table["month"] + pd.offsets.MonthEnd(0)
    table["incomplete"] = (month_end > as_of) | (table["pending"] > 0)
    return table


def delivery_interruptions(data, o, as_of):
    o = o.sort_values(KEY + ["scheduled_date"]).copy()
    o["i"] = o.groupby(KEY).cumcount()
    delivered = o[o["outcome"].isin(["on_time", "late"])].groupby(KEY)["scheduled_date"].max()
    missed = o[o["outcome"] == "missed"].copy()
    missed["run"] = missed["i"] - missed.groupby(KEY).cumcount()
    missed["notice"] = missed["notice_given"].fillna(False).astype(bool)
    # Announced as the run's first missed occurrence is (the bench's data holds no notices file).
    runs = missed.groupby(KEY + ["run"]).agg(first_missed=("scheduled_date", "min"),
                                            missed=("scheduled_date", "size"), announced=("notice", "first"))
    runs = runs[runs["missed"] >= 2].reset_index().merge(delivered.rename("last").reset_index(), on=KEY, how="left")
    runs["unannounced"] = ~runs["announced"]
    runs["ongoing"] = runs["last"].isna() | (runs["last"] < runs["first_missed"])
    return runs


def delivery_irregularity(data, o, as_of):
    d = o[o["outcome"].isin(["on_time", "late"])].sort_values(KEY + ["scheduled_date"]).copy()
    g = d.groupby(KEY)
    d["actual_interval"] = g["delivered_on"].diff().dt.days
    d["scheduled_interval"] = g["scheduled_date"].diff().dt.days
    d["gap"] = d["actual_interval"] - d["scheduled_interval"]
    g = d.groupby(KEY)
    table = pd.DataFrame({"deliveries": g.size(), "intervals": g["actual_interval"].count(),
                          "mean_interval_days": g["actual_interval"].mean(),
                          "mean_scheduled_interval_days": g["scheduled_interval"].mean()})
    table["irregularity"] = g["gap"].std() / table["mean_scheduled_interval_days"]
    return table.reset_index()


def delivery_freshness(data, o, as_of):
    d = data["deliveries"]
    last = d[d["delivered_on"] <= as_of].groupby(KEY)["delivered_on"].max().rename("last_delivered")
    f = data["schedule"].merge(last.reset_index(), on=KEY, how="left")
    f["days_since_last_delivery"] = (as_of - f["last_delivered"]).dt.days
    f["period_days"] = f["frequency"].map(PERIOD_DAYS)
    f["ended"] = (f["ends"] < as_of).fillna(False)
    without = (as_of - f["last_delivered"].fillna(f["starts"])).dt.days
    f["stale"] = ~f["ended"] & (without > f["period_days"] + f["grace_days"])
    return f


def overdue_deliveries(data, o, as_of):
    delivered = o[o["outcome"].isin(["on_time", "late"])].groupby(KEY)["scheduled_date"].max().rename("last")
    m = o[o["outcome"] == "missed"].merge(delivered.reset_index(), on=KEY, how="left")
    m = m[m["last"].isna() | (m["scheduled_date"] > m["last"])].copy()
    m["days_overdue"] = (as_of - m["deadline"]).dt.days
    return m


def field_completeness(data, o, as_of):
    d = data["deliveries"]
    c = data["completeness"].merge(d.loc[d["records"].notna(), KEY + ["scheduled_date", "records"]],
                                   on=KEY + ["scheduled_date"])
    table = c.groupby(["provider", "dataset", "field"]).agg(
        deliveries=("populated", "size"), populated=("populated", "sum"), records=("records", "sum")).reset_index()
    table["completeness"] = table["populated"] / table["records"].astype(float)
    table["below_threshold"] = table["completeness"] < 0.95
    return table


#: queries function name -> (pandas version, key columns, compared columns). Reliability,
#: the overall rate and unscheduled deliveries are required; the rest follow queries/delivery.py.
REFERENCE = {
    "delivery_reliability_by_office": (delivery_reliability_by_office, ["provider"],
                                       ["scheduled", "on_time", "late", "missed", "pending", "on_time_rate", "sla_met"]),
    "overall_on_time_rate": (overall_on_time_rate, [], ["on_time", "due", "on_time_rate", "delivering_offices"]),
    "unscheduled_deliveries": (unscheduled_deliveries, KEY + ["scheduled_date"], ["records"]),
    "delivery_delay_by_office": (delivery_delay_by_office, ["provider"],
                                 ["late", "delay_median_days", "delay_p90_days", "delay_max_days"]),
    "monthly_on_time_trend": (monthly_on_time_trend, ["month"],
                              ["on_time", "late", "missed", "pending", "scheduled", "on_time_rate", "incomplete"]),
    "delivery_interruptions": (delivery_interruptions, KEY + ["first_missed"],
                               ["missed", "announced", "unannounced", "ongoing"]),
    "delivery_irregularity": (delivery_irregularity, KEY,
                              ["deliveries", "intervals", "mean_interval_days", "mean_scheduled_interval_days",
                               "irregularity"]),
    "delivery_freshness": (delivery_freshness, KEY,
                           ["last_delivered", "days_since_last_delivery", "period_days", "ended", "stale"]),
    "overdue_deliveries": (overdue_deliveries, KEY + ["scheduled_date"], ["deadline", "days_overdue"]),
    "field_completeness": (field_completeness, ["provider", "dataset", "field"],
                           ["deliveries", "populated", "records", "completeness", "below_threshold"]),
}


def compute_all(folder: Path, names=None) -> tuple[dict, pd.Timestamp]:
    """Read the CSVs and compute every metric in `names` (default: all of REFERENCE)."""
    data = read(folder)
    as_of = data_as_of(data)
    o = outcomes(data, as_of)
    return {name: REFERENCE[name][0](data, o, as_of) for name in (names or REFERENCE)}, as_of


def _normalise(values: pd.Series) -> pd.Series:
    """One representation per kind of value, whichever side produced it."""
    sample = values.dropna()
    first = sample.iloc[0] if len(sample) else None
    if pd.api.types.is_datetime64_any_dtype(values) or hasattr(first, "isoformat"):
        return pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    if pd.api.types.is_bool_dtype(values) or isinstance(first, (bool, np.bool_)):
        return values.astype("boolean")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("Float64")
    return values


def _comparable(frame: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    out = frame[keys + columns].apply(_normalise)
    return (out.sort_values(keys) if keys else out).reset_index(drop=True)


def differences(name: str, duck: pd.DataFrame | dict, reference: pd.DataFrame) -> list[str]:
    """Where the DuckDB result and the pandas result of metric `name` differ (empty: same)."""
    _, keys, columns = REFERENCE[name]
    duck = pd.DataFrame([duck]) if isinstance(duck, dict) else duck
    missing = [c for c in keys + columns if c not in duck.columns]
    if missing:
        return [f"{name}: DuckDB result has no column(s) {', '.join(missing)} (the reference needs updating)"]
    a, b = _comparable(duck, keys, columns), _comparable(reference, keys, columns)
    if len(a) != len(b):
        return [f"{name}: {len(a)} rows in DuckDB, {len(b)} in pandas"]
    problems = []
    for c in keys + columns:
        x, y = a[c], b[c]
        if pd.api.types.is_float_dtype(x) and pd.api.types.is_float_dtype(y):
            same = np.isclose(x.astype(float).fillna(np.inf), y.astype(float).fillna(np.inf), rtol=1e-9, atol=1e-9)
        else:
            same = (x.astype(str) == y.astype(str)).to_numpy()
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            problems.append(f"{name}.{c}: {int((~same).sum())} rows differ, first at key "
                            f"{a.loc[i, keys].tolist() if keys else '-'}: DuckDB {x.iloc[i]!r} vs pandas {y.iloc[i]!r}")
    return problems
