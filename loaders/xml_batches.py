"""Delivered XML batches (WIPO ST.36 or ST.96, a file, a zip of files, or a directory): measure
completeness from the data itself.

Reading is streaming and safe:

- lxml `iterparse` with `resolve_entities=False, no_network=True, load_dtd=False,
  huge_tree=False`: no entity is ever expanded, no DTD or other resource is fetched.
- A file whose DOCTYPE declares entities (the billion-laughs and XXE attacks both need one) is
  refused with a message naming the file and line; a plain `<!DOCTYPE patent-document SYSTEM
  "...dtd">`, as ST.36 files carry, is allowed and the DTD is never loaded.
- Constant memory: only `end` events of record elements are produced; each record is measured,
  then cleared and detached, so a 1 GB batch needs no more memory than its largest record.
  Documents and problems go to temporary tables in chunks.

Which standard a record follows is decided by its element and namespace, as declared in the
field maps `data/reference/field-maps/*.toml` (record element, namespace, version attribute and
the XPath of every measured field); the version comes from the version attribute of the root or
the record (ST.36 `dtd-version`, ST.96 `com:st96Version`).

Per record: which fields are present and non-empty. Per batch: records (well-formed records
read), populated records per field, records or files that are not well-formed and records that
lack a publication number (each with file and line), and the standards and versions seen.
Measured completeness enters `field_completeness` with source 'measured'; the batch's record
count is in `xml_batches.records` (completeness = populated / records).
"""
from __future__ import annotations

import io
import os
import tempfile
import tomllib
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd
from lxml import etree

from .problems import LoadRejected, Problem, ProblemList
from .store import REFERENCE_DIR, SCHEMA_FILE

FIELD_MAP_DIR = REFERENCE_DIR / "field-maps"
#: Rows buffered in Python before they go to a temporary table (keeps memory flat).
CHUNK_ROWS = 20_000
#: The marker in schema.sql after which the tables of issue 9 are declared.
SCHEMA_MARKER = "-- ---------------------------------------------------------------- issue 9"


# ------------------------------------------------------------------------------- field maps

@dataclass
class FieldMap:
    standard: str
    record_tag: str  # Clark notation, e.g. '{ns}PatentPublication' or 'patent-document'
    version_attr: str
    identifier: dict[str, list[etree.XPath]]
    fields: dict[str, tuple[str, list[etree.XPath]]]  # name -> (label, paths)


def _clark(name: str, namespaces: dict[str, str]) -> str:
    if ":" in name:
        prefix, local = name.split(":", 1)
        return f"{{{namespaces[prefix]}}}{local}"
    return name


@lru_cache(maxsize=1)
def field_maps() -> dict[str, FieldMap]:
    """The declared field maps, by record tag."""
    maps = {}
    for path in sorted(FIELD_MAP_DIR.glob("*.toml")):
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
        ns = spec.get("namespaces", {})

        def xpaths(paths):
            return [etree.XPath(p, namespaces=ns) for p in paths]
        fmap = FieldMap(
            standard=spec["standard"], record_tag=_clark(spec["record"], ns),
            version_attr=_clark(spec["version_attribute"], ns),
            identifier={k: xpaths(v) for k, v in spec["identifier"].items()},
            fields={name: (f["label"], xpaths(f["paths"])) for name, f in spec["fields"].items()})
        maps[fmap.record_tag] = fmap
    return maps


def field_labels() -> dict[str, str]:
    """Measured field name -> label, in field-map order (the same names in every map)."""
    return {name: label for fmap in field_maps().values() for name, (label, _) in fmap.fields.items()}


def _present(results) -> bool:
    """True when an XPath result holds a non-empty value (text anywhere inside, or an attribute)."""
    for r in results if isinstance(results, list) else [results]:
        if isinstance(r, str):
            if r.strip():
                return True
        elif isinstance(r, etree._Element):
            if any(t.strip() for t in r.itertext()):
                return True
    return False


def _first_text(record, paths: list[etree.XPath]) -> str | None:
    for xp in paths:
        for r in xp(record):
            text = r if isinstance(r, str) else "".join(r.itertext())
            if text.strip():
                return text.strip()
    return None


# ------------------------------------------------------------------------------- identifiers

def number_key(office: str, number: str) -> str:
    """A publication number normalised for matching a delivered document to an ST.37 entry:
    upper case, only letters and digits, without a leading office code (EP1234567 -> 1234567)
    and without leading zeros (0001234 -> 1234)."""
    key = "".join(ch for ch in str(number).upper() if ch.isalnum())
    if office and key.startswith(office.upper()) and key[len(office):][:1].isdigit():
        key = key[len(office):]
    return key.lstrip("0") or "0"


def parse_date(text: str | None) -> date | None:
    """A date written YYYYMMDD (ST.36, ST.37) or YYYY-MM-DD (ST.96); None when absent or invalid."""
    if not text:
        return None
    digits = text.strip().replace("-", "")
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


# ------------------------------------------------------------------------------- safe parsing

def safe_iterparse(source, **kwargs):
    """lxml iterparse that never expands entities, loads a DTD or touches the network."""
    return etree.iterparse(source, resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, **kwargs)


def hostile_declarations(root, display: str) -> Problem | None:
    """A problem when the document's DOCTYPE declares entities (entity expansion or XXE)."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return None
    entities = list(dtd.iterentities())
    if not entities:
        return None
    external = [e.name for e in entities if e.system_url]
    what = (f"declares external entities ({', '.join(external)}), which could read local files or "
            "the network (XXE)" if external else
            f"declares entities ({', '.join(e.name for e in entities[:5])}), which could expand "
            "without bound (billion laughs)")
    return Problem(display, 1, None, None,
                   f"XML without entity declarations: this file's DOCTYPE {what}; DTDs and entities "
                   "are refused for safety (nothing was expanded or fetched)")


# ------------------------------------------------------------------------------- measuring

@dataclass
class Measured:
    """What a batch contains; documents and problems are in temporary tables of `con`."""
    files: list[dict] = field(default_factory=list)  # file, standard, version, records
    records: int = 0
    populated: Counter = field(default_factory=Counter)
    not_well_formed: int = 0
    missing_identifier: int = 0
    refused: ProblemList = field(default_factory=ProblemList)


class _Sink:
    """Rows appended to a temporary table in chunks."""

    def __init__(self, con, table: str, columns: list[str]):
        self.con, self.table, self.columns, self.rows = con, table, columns, []
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({', '.join(c + ' ' + t for c, t in columns)})")

    def add(self, *row) -> None:
        self.rows.append(row)
        if len(self.rows) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            chunk = pd.DataFrame(self.rows, columns=[c for c, _ in self.columns])  # noqa: F841 (scanned by DuckDB)
            self.con.execute(f"INSERT INTO {self.table} SELECT * FROM chunk")
            self.rows = []


DOC_COLUMNS = [("office", "VARCHAR"), ("publication_number", "VARCHAR"), ("number_key", "VARCHAR"),
               ("kind", "VARCHAR"), ("publication_date", "DATE"), ("file", "VARCHAR"), ("line", "INTEGER")]
PROBLEM_COLUMNS = [("file", "VARCHAR"), ("line", "INTEGER"), ("problem", "VARCHAR"), ("detail", "VARCHAR")]


def batch_members(path: Path, display: str) -> Iterator[tuple[str, Callable[[], io.BufferedIOBase]]]:
    """(name, opener) of every XML file in a batch: the file itself, or each *.xml of a zip."""
    with open(path, "rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"
    if not is_zip:
        yield display, lambda: open(path, "rb")
        return
    with zipfile.ZipFile(path) as zf:
        names = sorted(i.filename for i in zf.infolist()
                       if not i.is_dir() and i.filename.lower().endswith(".xml"))
        if not names:
            raise LoadRejected([Problem(display, None, None, None,
                                        "a zip holding at least one .xml file (this one has none)")])
        for name in names:
            yield f"{display}/{name}", (lambda n=name: zf.open(n))


def _sniff(name: str, opener) -> Problem | None:
    """Read up to the root element's start tag (the DOCTYPE comes before it) and refuse a file
    that declares entities, before any of its content is parsed."""
    with opener() as fh:
        try:
            for _, root in safe_iterparse(fh, events=("start",)):
                return hostile_declarations(root, name)
        except etree.XMLSyntaxError:
            return None  # the measuring pass reports it as not well-formed, with its line
    return None


def measure_file(name: str, opener, provider: str, measured: Measured, docs: _Sink, problems: _Sink) -> None:
    """Stream one XML file: measure every record, list bad records, refuse hostile files."""
    maps = field_maps()
    records = 0
    standard = version = None
    refused = _sniff(name, opener)
    if refused:
        measured.refused.extend([refused])
        return
    with opener() as fh:
        context = safe_iterparse(fh, events=("end",), tag=list(maps))
        try:
            for _, record in context:
                fmap = maps[record.tag]
                if standard is None:
                    root = record.getroottree().getroot()
                    standard = fmap.standard
                    version = root.get(fmap.version_attr) or record.get(fmap.version_attr)
                records += 1
                line = record.sourceline
                for fname, (_, paths) in fmap.fields.items():
                    if any(_present(xp(record)) for xp in paths):
                        measured.populated[fname] += 1
                ident = {k: _first_text(record, v) for k, v in fmap.identifier.items()}
                if not ident["number"]:
                    measured.missing_identifier += 1
                    problems.add(name, line, "missing_identifier",
                                 "no publication number (" + fmap.standard + " record)")
                else:
                    office = (ident["office"] or provider).upper()
                    docs.add(office, ident["number"], number_key(office, ident["number"]),
                             (ident["kind"] or "").upper() or None, parse_date(ident["date"]), name, line)
                # Constant memory: drop the record and everything before it.
                record.clear(keep_tail=False)
                parent = record.getparent()
                if parent is not None:
                    while record.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as err:
            measured.not_well_formed += 1
            problems.add(name, err.lineno, "not_well_formed", str(err.msg))
    measured.records += records
    measured.files.append({"file": name, "standard": standard, "version": version, "records": records})


def measure_batch(con, path: Path, display: str, provider: str) -> Measured:
    """Measure every XML file of a batch; documents go to temp table `xml_docs`, problems to
    `xml_problems`. Raises LoadRejected for hostile files or a batch with no document at all."""
    measured = Measured()
    docs = _Sink(con, "xml_docs", DOC_COLUMNS)
    problems = _Sink(con, "xml_problems", PROBLEM_COLUMNS)
    for name, opener in batch_members(path, display):
        measure_file(name, opener, provider, measured, docs, problems)
    docs.flush()
    problems.flush()
    measured.refused.raise_if_any("hostile XML")
    if not measured.records and not measured.not_well_formed:
        tags = " or ".join(f"<{m.record_tag}> ({m.standard})" for m in field_maps().values())
        raise LoadRejected([Problem(display, None, None, None,
                                    f"patent documents: elements {tags}; none were found")])
    return measured


def zip_directory(directory: Path) -> Path:
    """A deterministic zip of a directory's *.xml files (sorted names, fixed times), so that the
    same directory always archives to the same bytes and a second load is 'already loaded'."""
    directory = Path(directory)
    files = sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix.lower() == ".xml")
    fd, tmp = tempfile.mkstemp(prefix="xml-batch-", suffix=".zip")
    os.close(fd)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for p in files:
            info = zipfile.ZipInfo(p.relative_to(directory).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with open(p, "rb") as src, zf.open(info, "w") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    dst.write(chunk)
    return Path(tmp)


# ------------------------------------------------------------------------------- the load kind

def ensure_tables(scratch) -> None:
    """Create this issue's tables in a snapshot made before they existed (schema.sql's tail)."""
    tail = SCHEMA_FILE.read_text().split(SCHEMA_MARKER, 1)[1].split("\n", 1)[1]
    code = "\n".join(line.split("--", 1)[0] for line in tail.splitlines())  # comments may hold ';'
    for body in code.split(";"):
        if "CREATE TABLE" in body:
            scratch.execute(body.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS nxt.", 1))


def _resolve_recipient(scratch, request, provider: str, dataset: str, scheduled: date) -> str:
    """The batch's recipient: --recipient, else the one recipient that the schedule or the
    delivery log names for provider + dataset (+ scheduled date); refused when none or several."""
    given = (request.options.get("recipient") or "").strip()
    if given:
        return given
    recipients = [r[0] for r in scratch.execute(
        "SELECT recipient FROM nxt.delivery_schedule WHERE provider = $p AND dataset = $d "
        "UNION SELECT recipient FROM nxt.deliveries WHERE provider = $p AND dataset = $d "
        "AND scheduled_date = $s ORDER BY 1", {"p": provider, "d": dataset, "s": scheduled}).fetchall()]
    if len(recipients) == 1:
        return recipients[0]
    key = f"{provider} / {dataset} / {scheduled}"
    expected = ("--recipient: no schedule or delivery names a recipient for this provider and dataset"
                if not recipients else
                "--recipient: the recipient is ambiguous, the schedule names "
                + ", ".join(recipients) + " for this provider and dataset")
    raise LoadRejected([Problem(request.display, None, "recipient", key, expected)])


@dataclass
class PreparedBatch:
    key: dict
    measured: Measured


class XmlBatchHandler:
    """`load xml`: a delivered batch, keyed by provider, recipient, dataset and scheduled date."""

    def validate(self, scratch, request) -> PreparedBatch:
        ensure_tables(scratch)
        opts = request.options or {}
        problems = ProblemList()
        provider = (opts.get("provider") or "").strip()
        dataset = (opts.get("dataset") or "").strip()
        scheduled_text = str(opts.get("scheduled_date") or "").strip()
        offices = {r[0] for r in scratch.execute("SELECT code FROM nxt.offices").fetchall()}
        for option, value in (("provider", provider), ("recipient", opts.get("recipient"))):
            if value and value not in offices:
                problems.add(request.display, None, option, value, "a known WIPO ST.3 office code "
                             "(upper case, listed in data/reference/offices.csv)")
        if not provider:
            problems.add(request.display, None, "provider", None, "--provider (the delivering office)")
        if not dataset:
            problems.add(request.display, None, "dataset", None, "--dataset (e.g. patent-bibliographic)")
        try:
            scheduled = date.fromisoformat(scheduled_text)
        except ValueError:
            problems.add(request.display, None, "scheduled_date", scheduled_text or None,
                         "--scheduled-date as YYYY-MM-DD (the delivery this batch is)")
        problems.raise_if_any()
        recipient = _resolve_recipient(scratch, request, provider, dataset, scheduled)
        measured = measure_batch(scratch, Path(request.path), request.display, provider)
        return PreparedBatch({"provider": provider, "recipient": recipient, "dataset": dataset,
                              "scheduled_date": scheduled}, measured)

    def apply(self, scratch, request, prepared: PreparedBatch, seq: int) -> dict:
        key, m = prepared.key, prepared.measured
        where = ("provider = $provider AND recipient = $recipient AND dataset = $dataset "
                 "AND scheduled_date = $scheduled_date")
        old = [r[0] for r in scratch.execute(f"SELECT load_seq FROM nxt.xml_batches WHERE {where}",
                                             key).fetchall()]
        for table in ("xml_batches", "xml_batch_files", "xml_record_problems", "delivered_documents"):
            scratch.execute(f"DELETE FROM nxt.{table} WHERE load_seq IN (SELECT unnest($old))", {"old": old})
        scratch.execute(f"DELETE FROM nxt.field_completeness WHERE source = 'measured' AND {where}", key)
        standards = "; ".join(sorted({f"{f['standard']} {f['version']}" if f["version"] else f["standard"]
                                      for f in m.files if f["standard"]}))
        scratch.execute(
            "INSERT INTO nxt.xml_batches VALUES ($seq, $provider, $recipient, $dataset, $scheduled_date, "
            "$name, $files, $records, $nwf, $missing, $standards)",
            {**key, "seq": seq, "name": request.display, "files": len(m.files),
             "records": m.records, "nwf": m.not_well_formed, "missing": m.missing_identifier,
             "standards": standards or None})
        files = pd.DataFrame(m.files, columns=["file", "standard", "version", "records"])  # noqa: F841
        scratch.execute(f"INSERT INTO nxt.xml_batch_files SELECT {int(seq)}, * FROM files")
        scratch.execute(f"INSERT INTO nxt.xml_record_problems SELECT {int(seq)}, * FROM xml_problems")
        scratch.execute(f"INSERT INTO nxt.delivered_documents SELECT {int(seq)}, $provider, * FROM xml_docs",
                        {"provider": key["provider"]})
        completeness = pd.DataFrame(  # noqa: F841 (scanned by DuckDB)
            [(name, m.populated[name]) for name in field_labels()], columns=["field", "populated"])
        scratch.execute(
            "INSERT INTO nxt.field_completeness (provider, recipient, dataset, scheduled_date, field, "
            f"populated, source, load_seq) SELECT $provider, $recipient, $dataset, $scheduled_date, field, "
            f"populated, 'measured', {int(seq)} FROM completeness", key)
        return {"rows": m.records, "new": 0 if old else m.records, "corrected": m.records if old else 0,
                "unchanged": 0,
                "notes": [f"{m.records} records in {len(m.files)} file(s); {m.not_well_formed} not "
                          f"well-formed; {m.missing_identifier} without a publication number; "
                          f"recipient {key['recipient']}; standards: {standards or 'none'}"]}
