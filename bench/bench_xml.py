"""Benchmark: the XML loader on generated large batches of three dialects, against a bare lxml
iterparse pass over the same bytes; throughput and peak memory (not run in tests).

    python bench/bench_xml.py [--size-mb 100] [--runs 3]

Batches (written to a temp dir by scripts/make_xml_fixtures.py's generators, never committed):

- US: a USPTO-style weekly file, us-patent-grant v4.5 documents concatenated, each with its own
  XML declaration and DOCTYPE (a third declare NDATA image entities), ~4 KB of full text each.
- EP: a zip of 20 files of ep-patent-document documents (A1 and B1), one document per
  declaration, as the EPO's publication server sends them.
- DOCDB: one exch:exchange-documents file of small bibliographic records.

Per batch, in a fresh process each (so that peak RSS is the run's own):

- bare: lxml iterparse of every record element (tag filter), each cleared: the floor any
  streaming reader pays (for the concatenated US file, its documents are cut apart in memory
  first, which the bare pass is not charged for);
- measure: `loaders.xml_batches.measure_batch` (split, safe parse, every field tested, identifiers,
  staged in DuckDB temp tables), in the loading process (the default) and with
  IPDX_XML_WORKERS=2 (a zip of several files over 256 MB measured by 2 processes; the default
  on a machine of 2 cores or more);
- load: `loaders.load_file` (hash, measure, archive, snapshot swap), as `python -m loaders load xml`.

It prints seconds (median of the runs), MB/s, records/s, measure / bare, and peak RSS at the
size given and at half of it (flat memory: the two peaks should be close).
"""
from __future__ import annotations

import argparse
import io
import multiprocessing
import resource
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

FILLER = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 60


def write_us(path: Path, size_mb: float) -> None:
    import make_xml_fixtures as fx
    with open(path, "w", encoding="utf-8") as fh:
        n = 0
        while fh.tell() < size_mb * (1 << 20):
            n += 1
            doc = fx.us_document(f"{12000000 + n}", "B2", "20240102", ("abstract",) if n % 10 == 0 else (),
                                 images=n % 3)
            fh.write(doc.replace("Described ", "Described " + FILLER, 1))


def write_ep(path: Path, size_mb: float) -> None:
    import make_xml_fixtures as fx
    per_file = size_mb * (1 << 20) / 20
    n = 0
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i in range(20):
            with zf.open(f"EP-part-{i:02d}.xml", "w") as raw, io.TextIOWrapper(raw, encoding="utf-8") as fh:
                written = 0
                while written < per_file:
                    n += 1
                    doc = fx.ep_document(f"{4000000 + n}", "B1" if n % 4 == 0 else "A1", "20240103")
                    doc = doc.replace("Described.", "Described. " + FILLER, 1)
                    fh.write(doc)
                    written += len(doc)


def write_docdb(path: Path, size_mb: float) -> None:
    import make_xml_fixtures as fx
    with open(path, "w", encoding="utf-8") as fh:
        head, _, _ = fx.docdb_documents([]).partition("</exch:exchange-documents>")
        fh.write(head)
        n = 0
        while fh.tell() < size_mb * (1 << 20):
            block = fx.docdb_documents([("EP", f"{5000000 + n + i}", "A1", "20240103", ("abstract",) if i % 7 == 0
                                         else ()) for i in range(1000)])
            fh.write(block.split("\n", 2)[2].rsplit("</exch:exchange-documents>", 1)[0])
            n += 1000
        fh.write("</exch:exchange-documents>\n")


WRITERS = {"US": (write_us, "us.xml", "us-patent-grant"),
           "EP": (write_ep, "ep.zip", "ep-patent-document"),
           "DOCDB": (write_docdb, "docdb.xml", "{http://www.epo.org/exchange}exchange-document")}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _bare(path: str, tag: str) -> tuple[float, int, float]:
    from lxml import etree

    from loaders.xml_batches import DECLARATION, SAFE_PARSER

    def members():
        if path.endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                for name in zf.namelist():
                    yield zf.read(name)
        else:
            yield Path(path).read_bytes()
    start = time.perf_counter()
    records = 0
    for data in members():
        cuts = [m.start() for m in DECLARATION.finditer(data)] or [0]
        for a, b in zip(cuts, cuts[1:] + [len(data)]):
            for _, el in etree.iterparse(io.BytesIO(data[a:b]), events=("end",), tag=tag, **SAFE_PARSER):
                records += 1
                el.clear(keep_tail=False)
    return time.perf_counter() - start, records, _peak_mb()


def _measure(path: str, tag: str) -> tuple[float, int, float]:
    import duckdb

    from loaders.xml_batches import measure_batch
    con = duckdb.connect()
    start = time.perf_counter()
    measured = measure_batch(con, Path(path), Path(path).name, "EP")
    return time.perf_counter() - start, measured.records, _peak_mb()


def _load(path: str, tag: str) -> tuple[float, int, float]:
    from loaders import LoadRequest, build, load_file
    work = Path(tempfile.mkdtemp(prefix="ipdx-bench-db-"))
    try:
        db = work / "ipdx.duckdb"
        build(db, include_bundled=False)
        start = time.perf_counter()
        result = load_file(LoadRequest("xml", Path(path), Path(path).name, options={
            "provider": "EP", "recipient": "JP", "dataset": "bench", "scheduled_date": "2024-01-01"}), db)
        return time.perf_counter() - start, result.rows, _peak_mb()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _send_result(send, fn, path: str, tag: str) -> None:
    send.send(fn(path, tag))


def _in_child(fn, path: str, tag: str, workers: int | None = None):
    """Run fn in a fresh process; `workers` sets IPDX_XML_WORKERS for it (None: the default)."""
    import os
    saved = os.environ.get("IPDX_XML_WORKERS")
    if workers:
        os.environ["IPDX_XML_WORKERS"] = str(workers)
    try:
        ctx = multiprocessing.get_context("spawn")
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_send_result, args=(send, fn, path, tag))  # not a daemon: may start workers
        child.start()
        result = receive.recv()
        child.join()
        return result
    finally:
        if saved is None:
            os.environ.pop("IPDX_XML_WORKERS", None)
        else:
            os.environ["IPDX_XML_WORKERS"] = saved


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mb", type=float, default=100, help="size of each batch (default 100)")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ipdx-bench-xml-"))
    rows = []
    try:
        for dialect, (writer, name, tag) in WRITERS.items():
            peaks = {}
            for size in (args.size_mb / 2, args.size_mb):
                path = work / f"{size:g}-{name}"
                writer(path, size)
                if path.suffix == ".zip":  # the XML it holds, uncompressed
                    with zipfile.ZipFile(path) as zf:
                        mb = sum(i.file_size for i in zf.infolist()) / (1 << 20)
                else:
                    mb = path.stat().st_size / (1 << 20)
                if size == args.size_mb:
                    results = {}
                    for label, fn, workers in (("bare", _bare, None), ("measure", _measure, 1),
                                               ("measure2", _measure, 2), ("load", _load, None)):
                        runs = [_in_child(fn, str(path), tag, workers) for _ in range(args.runs)]
                        results[label] = (statistics.median(r[0] for r in runs), runs[0][1], max(r[2] for r in runs))
                    peaks["full"] = results["measure"][2]
                else:
                    peaks["half"] = _in_child(_measure, str(path), tag, 1)[2]
                path.unlink()
            bare, meas, load = results["bare"], results["measure"], results["load"]
            rows.append((dialect, mb, meas[1], bare[0], meas[0], results["measure2"][0], load[0],
                         meas[0] / bare[0], peaks["half"], peaks["full"], load[2]))
            if meas[1] != bare[1]:
                print(f"{dialect}: the loader counted {meas[1]} records, the bare pass {bare[1]}", file=sys.stderr)
                return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| batch | MB of XML | records | bare iterparse | measure | measure, IPDX_XML_WORKERS=2 | load | "
          "measure / bare | peak RSS measure, half / full size | peak RSS load |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for d, mb, recs, bare, meas, meas2, load, ratio, half, full, load_rss in rows:
        print(f"| {d} | {mb:.0f} | {recs:,} | {bare:.2f} s | {meas:.2f} s ({mb / meas:.1f} MB/s, "
              f"{recs / meas:,.0f} rec/s) | {meas2:.2f} s | {load:.2f} s | {ratio:.2f}x | "
              f"{half:.0f} / {full:.0f} MB | {load_rss:.0f} MB |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
