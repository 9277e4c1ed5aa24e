"""Seeded generator of large input files in the project's own formats (benchmarks only).

Writes `schedule.csv`, `deliveries.csv` and `completeness.csv` (headers exactly as in
`data/bundled/`) with exactly `--deliveries` rows in the delivery log, for every office of
`data/reference/offices.csv` (115 real ST.3 offices). The same seed and size give the same
bytes. Run: `python -m bench.generate --deliveries 1000000 --out /tmp/bench-1m`.

The outcome mix is realistic rather than uniform: each schedule has its own reliability
(most providers deliver 85-99 % on time, a few are poor), so per scheduled occurrence the
log shows on time, late (1-30 days after the deadline), delivered-never (a row with an empty
`delivered_at`, judged missed or pending), or no row at all (missed: nothing arrived). About
0.3 % of rows match no schedule (no schedule for the pair, or a date off the calendar), so the
unscheduled-deliveries metric has work to do. Everything is drawn with numpy in bulk and
written by DuckDB's `COPY`, so 10M rows take seconds, not minutes.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OFFICES_FILE = ROOT / "data" / "reference" / "offices.csv"

#: Last scheduled date in every generated log (fixed, so output does not depend on today).
END = dt.date(2026, 10, 31)
#: Rows per schedule at large sizes; small logs get shorter histories so that every size
#: still spreads over 100+ offices (at least two schedules per office).
ROWS_PER_SCHEDULE = 700
#: Average scheduled occurrences per day of a schedule under FREQUENCY_WEIGHTS.
OCCURRENCES_PER_DAY = 0.60 / 7 + 0.15 / 14 + 0.20 / 30.44 + 0.05 / 91.3
DATASETS = ["patent-bibliographic", "patent-fulltext", "patent-legal-status", "patent-images",
            "trademark-bibliographic", "design-bibliographic", "sequence-listings", "office-actions"]
#: Used only by deliveries that match no schedule.
UNSCHEDULED_DATASET = "patent-citations"
FREQUENCIES = ["weekly", "biweekly", "monthly", "quarterly"]
FREQUENCY_WEIGHTS = [0.60, 0.15, 0.20, 0.05]
FORMATS = [("XML", "ST.36"), ("XML", "ST.96"), ("JSON", "ST.97"), ("XML", "ST.26"), ("PDF", "")]
FIELDS = ["publication_number", "publication_date", "application_number", "application_date",
          "applicant_name", "abstract"]
NOTES = ["", "resent after checksum error", "partial batch, remainder follows",
         "delayed: system migration, notified in advance", "format change, see notice"]
UNSCHEDULED_SHARE = 0.003
EPOCH = dt.date(1970, 1, 1)

DELIVERY_HEADER = ["provider", "recipient", "dataset", "format", "standard", "scheduled_date",
                   "delivered_at", "records", "notice_given", "notes"]
# Generated schedules count grace in calendar days and name no holiday calendar (today's meaning).
SCHEDULE_HEADER = ["provider", "recipient", "dataset", "frequency", "grace_days", "starts", "ends",
                   "on_time_target", "grace_unit", "holiday_calendar"]
COMPLETENESS_HEADER = ["provider", "recipient", "dataset", "scheduled_date", "field", "populated"]


def office_codes() -> list[str]:
    with open(OFFICES_FILE, newline="", encoding="utf-8") as fh:
        return [r["code"].strip() for r in csv.DictReader(fh)]


def _days(d: dt.date) -> int:
    return (d - EPOCH).days


def _month_index(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(months since 1970-01, day of month - 1) of day numbers."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    return months.astype(np.int64), (d - months.astype("datetime64[D]")).astype(np.int64)


def _occurrence_counts(freq: np.ndarray, starts: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Scheduled occurrences from starts to last (inclusive), per schedule."""
    span = last - starts
    m0, _ = _month_index(starts)
    m1, d1 = _month_index(last)
    _, d0 = _month_index(starts)
    months = m1 - m0 - (d1 < d0)  # whole calendar months between the two dates
    counts = np.select([freq == 0, freq == 1, freq == 2], [span // 7, span // 14, months], months // 3) + 1
    return np.where(span >= 0, counts, 0)


def _schedules(rng: np.random.Generator, offices: list[str], wanted_rows: int) -> pd.DataFrame:
    """Draw schedules (unique provider, recipient, dataset) until they yield enough rows."""
    n_off = len(offices)
    per_schedule = min(ROWS_PER_SCHEDULE, max(wanted_rows // (2 * n_off), 4))
    # Starts spread uniformly over a window whose mean history yields per_schedule rows.
    window = int(2 * per_schedule / OCCURRENCES_PER_DAY)
    first_start, last_start = _days(END) - window, _days(END) - 28
    popularity = 1.0 / np.arange(1, n_off + 1) ** 0.6  # a few big offices, a long tail
    popularity /= popularity.sum()
    chosen: set[tuple[int, int, int]] = set()
    batches = []
    total = 0
    while total < wanted_rows:
        k = max(64, int((wanted_rows - total) / per_schedule))
        # Every office is a provider at least once: the first schedules take them in turn.
        first = len(chosen) < n_off
        provider = (np.arange(len(chosen), len(chosen) + k) % n_off if first
                    else rng.choice(n_off, size=k, p=popularity))
        recipient = rng.choice(n_off, size=k, p=popularity)
        dataset = rng.choice(len(DATASETS), size=k, p=[.3, .15, .15, .05, .15, .1, .05, .05])
        freq = rng.choice(len(FREQUENCIES), size=k, p=FREQUENCY_WEIGHTS)
        start_days = rng.integers(first_start, last_start, size=k)
        _, d = _month_index(start_days)
        # Day of month <= 28, so "same day every month" exists in every month.
        start_days = np.where(d > 27, start_days - (d - 27), start_days)
        ends = np.where(rng.random(k) < 0.1, start_days + rng.integers(365, 3650, size=k), -1)
        ends = np.where(ends > _days(END), -1, ends)
        grace = rng.choice([0, 1, 2, 3, 5, 7], size=k, p=[.15, .2, .25, .2, .1, .1])
        target = np.round(rng.uniform(0.80, 0.99, size=k), 2)
        # Reliability of this schedule: most are good, a tail is poor.
        reliability = np.clip(rng.beta(9, 1.2, size=k), 0.35, 0.995)
        keep = []
        for i in range(k):
            key = (int(provider[i]), int(recipient[i]), int(dataset[i]))
            if key[0] != key[1] and key not in chosen:
                chosen.add(key)
                keep.append(i)
        keep = np.array(keep, dtype=np.int64)
        last = np.where(ends[keep] >= 0, ends[keep], _days(END))
        counts = _occurrence_counts(freq[keep], start_days[keep], last)
        batch = pd.DataFrame({"provider": provider[keep], "recipient": recipient[keep],
                              "dataset": dataset[keep], "freq": freq[keep], "starts": start_days[keep],
                              "ends": ends[keep], "grace": grace[keep], "target": target[keep],
                              "reliability": reliability[keep], "occurrences": counts})
        batches.append(batch)
        total += int((counts * (1 - (1 - batch["reliability"]) * 0.15)).sum())
    return pd.concat(batches, ignore_index=True)


def _occurrence_dates(freq: np.ndarray, starts: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Day number of occurrence n (0-based) of each schedule; months clamp like DuckDB (day <= 28 here)."""
    m, d = _month_index(starts)
    monthly = (np.datetime64("1970-01", "M") + (m + n * np.where(freq == 3, 3, 1))).astype("datetime64[D]")
    monthly = (monthly - np.datetime64("1970-01-01", "D")).astype(np.int64) + d
    return np.select([freq == 0, freq == 1], [starts + 7 * n, starts + 14 * n], monthly)


def generate(n_deliveries: int, out: Path, seed: int = 67, completeness_share: float = 0.05) -> dict:
    """Write the three files into `out`; return their paths and row counts."""
    rng = np.random.default_rng(seed)
    offices = office_codes()
    out.mkdir(parents=True, exist_ok=True)
    unscheduled = int(round(n_deliveries * UNSCHEDULED_SHARE))
    scheduled_rows = n_deliveries - unscheduled
    sched = _schedules(rng, offices, scheduled_rows)

    # One entry per scheduled occurrence, schedule by schedule.
    counts = sched["occurrences"].to_numpy()
    idx = np.repeat(np.arange(len(sched)), counts)
    n = np.arange(len(idx)) - np.repeat(np.cumsum(counts) - counts, counts)
    freq, starts = sched["freq"].to_numpy()[idx], sched["starts"].to_numpy()[idx]
    date = _occurrence_dates(freq, starts, n)
    grace = sched["grace"].to_numpy()[idx]
    rel = sched["reliability"].to_numpy()[idx]
    u = rng.random(len(idx))
    # on time < rel <= late < rel + 60 % of the rest <= no delivery, row < ... <= no row at all
    miss = 1 - rel
    outcome = np.select([u < rel, u < rel + 0.60 * miss, u < rel + 0.85 * miss], [0, 1, 2], 3)
    has_row = outcome != 3
    # Cut to exactly the wanted number of rows; the schedule cut short ends at its last row.
    cum = np.cumsum(has_row)
    cut = int(np.searchsorted(cum, scheduled_rows)) + 1 if cum[-1] >= scheduled_rows else len(idx)
    last_schedule = idx[cut - 1]
    ends = sched["ends"].to_numpy().copy()
    ends[last_schedule] = date[cut - 1]
    sched["ends"] = ends
    keep_sched = np.arange(len(sched)) <= last_schedule
    idx, date, grace, outcome, has_row = idx[:cut], date[:cut], grace[:cut], outcome[:cut], has_row[:cut]
    rows = np.flatnonzero(has_row)
    idx, date, grace, outcome = idx[rows], date[rows], grace[rows], outcome[rows]
    deadline = date + grace
    end = _days(END)
    delivered = np.where(outcome == 0, date + rng.integers(0, grace + 1),
                         np.where(outcome == 1, deadline + rng.integers(1, 31, size=len(idx)), -1))
    delivered = np.where(delivered > end, -1, delivered)  # not yet delivered: pending or missed
    seconds = np.where(rng.random(len(idx)) < 0.5, -1, rng.integers(0, 86400, size=len(idx)))
    records = np.rint(rng.lognormal(8.3, 0.8, size=len(idx))).astype(np.int64)
    fmt = rng.choice(len(FORMATS), size=len(idx), p=[.45, .35, .1, .05, .05])
    not_on_time = outcome != 0
    notice = np.where(not_on_time & (rng.random(len(idx)) < 0.5),
                      rng.choice([1, 2], size=len(idx), p=[.6, .4]), 0)
    note = np.where(rng.random(len(idx)) < 0.01, rng.integers(1, len(NOTES), size=len(idx)), 0)

    frame = pd.DataFrame({
        "provider": sched["provider"].to_numpy()[idx], "recipient": sched["recipient"].to_numpy()[idx],
        "dataset": sched["dataset"].to_numpy()[idx], "fmt": fmt, "sched": date, "delivered": delivered,
        "seconds": seconds, "records": records, "notice": notice, "note": note})

    # Rows that match no schedule: unscheduled pairs, and dates off an existing calendar.
    n_pairs = len(offices) * 3
    no_schedule = unscheduled // 2
    off_calendar = unscheduled - no_schedule
    if no_schedule:
        pick = rng.choice(n_pairs * 1500, size=no_schedule, replace=False)
        pair, week = pick // 1500, pick % 1500
        prov = pair % len(offices)
        frame_u = pd.DataFrame({"provider": prov, "recipient": (prov + 1 + pair // len(offices)) % len(offices),
                                "dataset": len(DATASETS), "fmt": 0, "sched": end - 7 * week,
                                "delivered": end - 7 * week + 1, "seconds": -1,
                                "records": 1000 + week, "notice": 0, "note": 0})
        frame = pd.concat([frame, frame_u], ignore_index=True)
    if off_calendar:
        base = rng.choice(len(rows), size=min(off_calendar, len(rows)), replace=False)
        shifted = frame.iloc[base].copy()
        shifted["sched"] += 3  # never on a weekly, biweekly or same-day-monthly calendar
        shifted["delivered"] = np.where(shifted["delivered"] >= 0,
                                        np.minimum(shifted["sched"] + 1, end), -1)
        frame = pd.concat([frame, shifted], ignore_index=True)

    codes = pd.Categorical.from_codes(np.arange(len(offices)), offices)
    con = duckdb.connect()
    con.register("d", frame)
    con.register("office", pd.DataFrame({"i": np.arange(len(offices)), "code": codes.astype(str)}))
    con.register("dataset", pd.DataFrame({"i": np.arange(len(DATASETS) + 1),
                                          "name": DATASETS + [UNSCHEDULED_DATASET]}))
    con.register("fmt", pd.DataFrame({"i": np.arange(len(FORMATS)), "format": [f for f, _ in FORMATS],
                                      "standard": [s for _, s in FORMATS]}))
    con.register("note", pd.DataFrame({"i": np.arange(len(NOTES)), "text": NOTES}))
    deliveries = out / "deliveries.csv"
    con.execute(f"""
        COPY (SELECT p.code AS provider, r.code AS recipient, ds.name AS dataset, f.format,
                     nullif(f.standard, '') AS standard, strftime(DATE '1970-01-01' + CAST(d.sched AS INTEGER), '%Y-%m-%d') AS scheduled_date,
                     CASE WHEN d.delivered < 0 THEN NULL
                          WHEN d.seconds < 0 THEN strftime(DATE '1970-01-01' + CAST(d.delivered AS INTEGER), '%Y-%m-%d')
                          ELSE strftime(TIMESTAMP '1970-01-01' + to_days(CAST(d.delivered AS INTEGER))
                                        + to_seconds(d.seconds), '%Y-%m-%dT%H:%M:%SZ') END AS delivered_at,
                     CASE WHEN d.delivered >= 0 THEN d.records END AS records,
                     CASE d.notice WHEN 1 THEN 'yes' WHEN 2 THEN 'no' END AS notice_given,
                     nullif(n.text, '') AS notes
              FROM d JOIN office p ON p.i = d.provider JOIN office r ON r.i = d.recipient
                     JOIN dataset ds ON ds.i = d.dataset JOIN fmt f ON f.i = d.fmt JOIN note n ON n.i = d.note
              ORDER BY d.sched, provider, recipient, dataset)
        TO '{_sql_path(deliveries)}' (FORMAT csv, HEADER true, QUOTE '"')""")

    schedule = out / "schedule.csv"
    sched = sched[keep_sched]
    with open(schedule, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(SCHEDULE_HEADER)
        for s in sched.itertuples():
            w.writerow([offices[s.provider], offices[s.recipient], DATASETS[s.dataset], FREQUENCIES[s.freq],
                        s.grace, (EPOCH + dt.timedelta(days=int(s.starts))).isoformat(),
                        "" if s.ends < 0 else (EPOCH + dt.timedelta(days=int(s.ends))).isoformat(),
                        f"{s.target:.2f}", "days", ""])

    # Field completeness for a share of the delivered batches: populated <= records.
    delivered_rows = np.flatnonzero(frame["delivered"].to_numpy() >= 0)
    sample = np.sort(rng.choice(delivered_rows, size=int(len(delivered_rows) * completeness_share), replace=False))
    comp = frame.iloc[np.repeat(sample, len(FIELDS))][["provider", "recipient", "dataset", "sched", "records"]]
    comp = comp.reset_index(drop=True)
    comp["field"] = np.tile(np.arange(len(FIELDS)), len(sample))
    loss = rng.random(len(comp)) ** 6 * np.where(comp["field"].to_numpy() == 5, 0.4, 0.05)
    comp["populated"] = np.floor(comp["records"].to_numpy() * (1 - loss)).astype(np.int64)
    con.register("c", comp)
    con.register("field", pd.DataFrame({"i": np.arange(len(FIELDS)), "name": FIELDS}))
    completeness = out / "completeness.csv"
    con.execute(f"""
        COPY (SELECT p.code AS provider, r.code AS recipient, ds.name AS dataset,
                     strftime(DATE '1970-01-01' + CAST(c.sched AS INTEGER), '%Y-%m-%d') AS scheduled_date,
                     f.name AS field, c.populated
              FROM c JOIN office p ON p.i = c.provider JOIN office r ON r.i = c.recipient
                     JOIN dataset ds ON ds.i = c.dataset JOIN field f ON f.i = c.field
              ORDER BY c.sched, provider, recipient, dataset, f.i)
        TO '{_sql_path(completeness)}' (FORMAT csv, HEADER true)""")
    con.close()
    return {"schedule": schedule, "deliveries": deliveries, "completeness": completeness,
            "schedule_rows": int(len(sched)), "deliveries_rows": int(len(frame)),
            "completeness_rows": int(len(comp)), "offices": len(offices)}


def _sql_path(path: Path) -> str:
    # COPY ... TO takes no parameters; the path is ours (a temp folder), quotes are doubled anyway.
    return str(path).replace("'", "''")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--deliveries", type=int, required=True, help="rows in the delivery log")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--seed", type=int, default=67)
    p.add_argument("--completeness-share", type=float, default=0.05,
                   help="share of delivered batches with field completeness rows (6 fields each)")
    args = p.parse_args(argv)
    info = generate(args.deliveries, Path(args.out), args.seed, args.completeness_share)
    print(", ".join(f"{k}={v}" for k, v in info.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
