"""Benchmark: ST.37 coverage at scale (not run in tests).

    python bench/bench_coverage.py [--numbers 20000000] [--runs 3]

Builds a snapshot with the project's schema (`db.schema.create_schema`) holding one office's
authority file of N publication numbers (`authority_documents`, 1 % of them with an exception
code that says no document exists) and N delivered documents (`delivered_documents`: 95 % of the
listed numbers, each delivered once, and 5 % numbers the file does not list), written straight
into the tables by DuckDB (the loaders' own speed is measured by bench/run.py and
bench/bench_xml.py; a 20M-number ST.37 file would take the bench's time loading, not querying),
with the coverage keys the loads keep (`db.coverage_keys`), computed by the loaders' own functions
(their time is printed: what a load of the whole 20M would add).

Then, median of the runs, each on a fresh read-only connection:

- bare: a bare DuckDB anti-join of the two tables (`count(*)` of the listed numbers no
  delivered document has, on office and number key): the floor of any coverage figure;
- coverage: `queries.coverage.coverage_by_kind_year`, the Document coverage page's table
  (expected, covered, missing, excepted, extra per office, kind and year);
- and the page's other two coverage queries, `missing_documents` and `extra_documents` (the
  lists; a million rows each at 20M, brought to pandas), for the record.

Prints seconds, the ratio coverage / bare (target <= 2x at 20M) and checks the figures
against the generator's own counts.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from db.coverage_keys import refresh_authority_keys, refresh_delivered_keys, touch_delivered_keys  # noqa: E402
from db.schema import create_schema  # noqa: E402
from queries import coverage  # noqa: E402

BARE_ANTI_JOIN = """
    SELECT count(*) FROM authority_documents a
    WHERE NOT EXISTS (SELECT 1 FROM delivered_documents d
                      WHERE d.office = a.office AND d.number_key = a.number_key)"""


def build(path: Path, numbers: int) -> dict:
    """The snapshot of `numbers` listed and `numbers` delivered documents; the expected figures."""
    con = duckdb.connect(str(path))
    create_schema(con)
    con.execute("INSERT INTO loads (seq, sha256, kind, original_name, archived_as, loaded_at, loaded_by, bundled) "
                "VALUES (1, '', 'st37', 'bench-authority.csv', '', now(), 'bench', false), "
                "(2, '', 'xml', 'bench-batch.xml', '', now(), 'bench', false)")
    con.execute("INSERT INTO authority_files VALUES (1, 'EP', 'bench-authority.csv', 'csv', $n, $n)",
                {"n": numbers})
    # Number i: kind B1 every 3rd, else A1; a year per 1/20 of the range; every 100th is excepted.
    con.execute("""
        INSERT INTO authority_documents
        SELECT 1, 'EP', 'EP' || lpad(i::VARCHAR, 8, '0'), i::VARCHAR, CASE WHEN i % 3 = 0 THEN 'B1' ELSE 'A1' END,
               DATE '2000-01-01' + to_days(CAST(i * 9000 // $n AS INTEGER)),
               CASE WHEN i % 100 = 7 THEN 'W' END, i % 100 <> 7, i
        FROM range(1, $n + 1) t(i)""", {"n": numbers})
    # Delivered: the listed numbers with i % 20 <> 0 (95 %), and as many again past the list (5 %).
    con.execute("""
        INSERT INTO delivered_documents
        SELECT 2, 'EP', 'EP', 'EP' || lpad(j::VARCHAR, 8, '0'), j::VARCHAR,
               CASE WHEN j % 3 = 0 THEN 'B1' ELSE 'A1' END,
               DATE '2000-01-01' + to_days(CAST(least(j, $n) * 9000 // $n AS INTEGER)), 'bench-batch.xml', j
        FROM (SELECT i AS j FROM range(1, $n + 1) t(i) WHERE i % 20 <> 0
              UNION ALL SELECT $n + i FROM range(1, $n // 20 + 1) t(i))""", {"n": numbers})
    # The coverage keys as the loads keep them (db.coverage_keys), for the documents just written.
    refresh_authority_keys(con, "", "EP")
    touch_delivered_keys(con, "", [2])
    refresh_delivered_keys(con, "")
    con.close()
    return generated_counts(numbers)


def generated_counts(n: int) -> dict:
    """The generator's figures, by arithmetic: expected, covered, excepted, extra."""
    excepted = len(range(7, n + 1, 100))
    delivered_listed = n - n // 20
    # covered: delivered (i % 20 <> 0) and expected (i % 100 <> 7); i % 100 == 7 implies i % 20 == 7 <> 0
    covered = delivered_listed - excepted
    return {"expected": n - excepted, "covered": covered, "excepted": excepted, "extra": n // 20}


def timed(fn, runs: int) -> tuple[float, object]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=20_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ipdx-bench-coverage-") as folder:
        path = Path(folder) / "coverage.duckdb"
        start = time.perf_counter()
        expected = build(path, args.numbers)
        print(f"built {args.numbers:,} listed + {args.numbers:,} delivered in {time.perf_counter() - start:.1f} s")

        def on_fresh(fn):
            def run():
                con = duckdb.connect(str(path), read_only=True)
                try:
                    return fn(con)
                finally:
                    con.close()
            return run

        bare, missing = timed(on_fresh(lambda con: con.execute(BARE_ANTI_JOIN).fetchall()[0][0]), args.runs)
        cov, table = timed(on_fresh(coverage.coverage_by_kind_year), args.runs)
        miss, missing_list = timed(on_fresh(coverage.missing_documents), args.runs)
        extra, extra_list = timed(on_fresh(coverage.extra_documents), args.runs)
    got = {k: int(table[k].sum()) for k in ("expected", "covered", "excepted", "extra")}
    right = (got == expected and int(table["missing"].sum()) == expected["expected"] - expected["covered"]
             and len(missing_list) == expected["expected"] - expected["covered"]
             and len(extra_list) == expected["extra"])
    print(f"bare anti-join: {bare:.2f} s ({missing:,} numbers not delivered)")
    print(f"coverage_by_kind_year: {cov:.2f} s = {cov / bare:.2f}x bare (target <= 2x)")
    print(f"missing_documents: {miss:.2f} s ({len(missing_list):,} rows); "
          f"extra_documents: {extra:.2f} s ({len(extra_list):,} rows)")
    print("figures " + ("equal the generator's" if right else f"WRONG: {got} against {expected}"))
    return 0 if right and cov <= 2 * bare else 1


if __name__ == "__main__":
    sys.exit(main())
