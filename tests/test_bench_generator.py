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
