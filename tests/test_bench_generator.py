"""The benchmark generator (bench/generate.py): deterministic, in the project's own formats,
and its files load through the real loaders. Tiny sizes only; no timing here (see bench/)."""
from __future__ import annotations

import csv

from conftest import BUNDLED, file_digest, load

from bench.generate import generate
from loaders import open_snapshot

KINDS = ("schedule", "deliveries", "completeness")


def _header(path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    first = generate(3000, tmp_path / "a", seed=5)
    again = generate(3000, tmp_path / "b", seed=5)
    other = generate(3000, tmp_path / "c", seed=6)
    for kind in KINDS:
        assert file_digest(first[kind]) == file_digest(again[kind]), kind
        assert file_digest(first[kind]) != file_digest(other[kind]), kind


def test_headers_are_the_bundled_headers_and_sizes_are_exact(tmp_path):
    info = generate(2500, tmp_path)
    for kind in KINDS:
        assert _header(info[kind]) == _header(BUNDLED / f"{kind}.csv"), kind
    with open(info["deliveries"], newline="", encoding="utf-8") as fh:
        assert sum(1 for _ in fh) == 2500 + 1


def test_output_loads_and_spreads_over_100_offices(tmp_path, empty_db):
    info = generate(2500, tmp_path / "gen")
    for kind in KINDS:
        result = load(empty_db, kind, info[kind])
        assert result.status == "loaded" and result.rows == info[f"{kind}_rows"], kind
    con = open_snapshot(empty_db)
    try:
        providers = con.execute("SELECT count(DISTINCT provider) FROM delivery_schedule").fetchall()[0][0]
        outcomes = con.execute("""
            SELECT count(*) FILTER (WHERE delivered_at IS NULL), count(*) FILTER (WHERE delivered_at IS NOT NULL),
                   count(*) FILTER (WHERE dataset = 'patent-citations') FROM deliveries""").fetchall()[0]
    finally:
        con.close()
    assert providers >= 100
    not_delivered, delivered, unscheduled = outcomes
    assert delivered > 10 * not_delivered > 0  # a realistic mix: mostly delivered, some not
    assert unscheduled > 0


def test_the_benchmark_s_peers_give_duckdb_s_numbers(tmp_path, empty_db, monkeypatch):
    """The pandas and Polars references of the metrics benchmark compute, over the generated
    CSVs, the numbers the queries compute from the loaded rows (bench/run.py's equality check,
    which the benchmark's ratios rest on), and a wrong peer number is caught."""
    import pandas as pd
    # bench.run widens the loaders' earliest date for its process when imported (its generated
    # logs reach back before 1990): set here first, so that the test's end undoes it.
    monkeypatch.setenv("IPDX_DATE_MIN", "1970-01-01")

    from bench import pandas_reference, polars_reference, run

    info = generate(4000, tmp_path / "gen")
    for kind in KINDS:
        assert load(empty_db, kind, info[kind]).status == "loaded", kind
    pandas_side = run.measure_peer(pandas_reference, list(pandas_reference.REFERENCE), tmp_path / "gen", empty_db, 1)
    polars_side = run.measure_polars(tmp_path / "gen", empty_db, 1)
    assert pandas_side["problems"] == [] and polars_side["problems"] == []
    assert set(polars_side["covered"]) == {"delivery_reliability_by_office", "overall_on_time_rate",
                                           "unscheduled_deliveries", "delivery_delay_by_office",
                                           "monthly_on_time_trend", "field_completeness"}

    results, _ = polars_reference.compute_all(tmp_path / "gen", ["delivery_reliability_by_office"])
    wrong = results["delivery_reliability_by_office"].assign(on_time=lambda f: f["on_time"] + 1)
    right = pd.DataFrame(results["delivery_reliability_by_office"])
    assert polars_reference.differences("delivery_reliability_by_office", right, wrong)
