"""Benchmark: stream a generated ~200 MB ST.36 batch through the XML loader; print throughput
and peak memory (not run in tests).

    python bench/bench_xml.py [--size-mb 200]

The batch is written to a temp dir by scripts/make_xml_fixtures.py (never committed) and loaded
into a fresh database without the bundled data, exactly as `python -m loaders load xml` does.
"""
from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from loaders import LoadRequest, build, load_file, open_snapshot  # noqa: E402
from make_xml_fixtures import write_large_batch  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--size-mb", type=float, default=200)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ipdx-bench-xml-"))
    try:
        batch = write_large_batch(args.size_mb, work)
        size = batch.stat().st_size / 1024 / 1024
        db = work / "db" / "ipdx.duckdb"
        build(db, include_bundled=False)
        rss_before = peak_rss_mb()
        start = time.perf_counter()
        result = load_file(LoadRequest("xml", batch, batch.name, options={
            "provider": "EP", "recipient": "JP", "dataset": "bench", "scheduled_date": "2024-01-01"}), db)
        seconds = time.perf_counter() - start
        con = open_snapshot(db)
        abstract = con.execute("SELECT populated FROM field_completeness WHERE field = 'abstract'").fetchall()[0][0]
        con.close()
        print(f"batch: {size:.0f} MB, {result.rows} records ({abstract} with an abstract)")
        print(f"load (hash, measure, archive, swap): {seconds:.1f} s = {size / seconds:.1f} MB/s, "
              f"{result.rows / seconds:,.0f} records/s")
        print(f"peak RSS: {peak_rss_mb():.0f} MB (before the load: {rss_before:.0f} MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
