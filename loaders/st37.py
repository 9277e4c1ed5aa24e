"""WIPO ST.37 authority files: the list of every publication number an office has assigned,
so that another office can check the completeness of the documents it received.

`load authority FILE` reads the text form or the XML form (told apart by the content: XML
starts with '<'). The four mandatory data elements of ST.37 (paragraph 8: office code,
publication number, kind code, publication date) must be on every entry; optional are a
publication exception code and, for a range of consecutive numbers, the end of the range.

- Text form: one entry per line, fields separated by ',', ';', tab or '|' (detected from the
  first line). A header line names the columns (case-insensitive; see COLUMN_ALIASES); without
  one the order is office, publication number, kind, date[, exception code[, range end]].
- XML form (root `authority-file`, any namespace): each `document-id` (or `document-range`)
  element holds `country`, `doc-number` (or `begin` and `end` for a range), `kind`, `date`
  and optionally `exception-code`. Parsed by defusedxml's SAX reader, streaming: a DOCTYPE is
  allowed but never loaded, entity declarations and external references are refused.
- Ranges are expanded into one row per number (zero-padding kept); a range may hold at most
  MAX_RANGE numbers.
- Exception codes (EXCEPTION_CODES) say whether a document exists for the number: for a
  withdrawn or never-published number, no document is expected, so it is not "missing" when no
  batch delivers it.
- One office per file; a new authority file for an office replaces its previous one (ST.37
  files are sent whole).
"""
from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import sax as safe_sax
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

from .problems import LoadRejected, Problem, ProblemList
from .xml_batches import _Sink, ensure_tables, number_key, parse_date

#: Publication exception codes: code -> (meaning, is a published document expected?).
#: The meanings are the exception cases ST.37 lists; the one-letter codes are the ones this
#: loader accepts (check them against the office's ST.37 definition file). A word form is
#: accepted too (e.g. 'withdrawn').
EXCEPTION_CODES = {
    "W": ("withdrawn before publication: no document published", False),
    "N": ("number not used or never published", False),
    "D": ("document deleted after publication", False),
    "P": ("PCT national/regional phase entry: no corresponding document published", False),
    "M": ("published document is missing at the office", False),
    "O": ("document available only on paper", False),
    "U": ("unknown publication number", False),
    "R": ("reissued publication", True),
    "F": ("defective publication document", True),
}
EXCEPTION_WORDS = {"withdrawn": "W", "not-published": "N", "never-published": "N", "not-used": "N",
                   "deleted": "D", "pct-entry": "P", "missing": "M", "paper-only": "O",
                   "unknown": "U", "reissued": "R", "defective": "F"}
COLUMN_ALIASES = {
    "office": ["office", "office code", "country", "country code", "publication office"],
    "publication_number": ["publication number", "publication_number", "doc-number", "doc number", "number"],
    "kind": ["kind", "kind code", "kind_code"],
    "publication_date": ["publication date", "publication_date", "date"],
    "exception_code": ["exception code", "exception_code", "exception-code", "publication exception code"],
    "range_end": ["range end", "range_end", "range-end", "end", "end number"],
}
FIELDS = list(COLUMN_ALIASES)
MAX_RANGE = 1_000_000
AUTH_COLUMNS = [("office", "VARCHAR"), ("publication_number", "VARCHAR"), ("number_key", "VARCHAR"),
                ("kind", "VARCHAR"), ("publication_date", "DATE"), ("exception_code", "VARCHAR"),
                ("expected", "BOOLEAN"), ("line", "INTEGER")]


@dataclass
class AuthorityEntries:
    office: str | None
    form: str
    entries: int
    documents: int


class _Reader:
    """Validates entries (from either form) and streams the expanded rows to a temp table."""

    def __init__(self, con, display: str, offices: set[str]):
        self.display, self.offices = display, offices
        self.problems = ProblemList()
        self.sink = _Sink(con, "authority_stage", AUTH_COLUMNS)
        self.entries = self.documents = 0
        self.office_seen: dict[str, int] = {}

    def entry(self, line: int, values: dict, names: dict) -> None:
        """One entry; `names` maps field -> the column/element name to cite in problems."""
        def bad(fld, expected):
            self.problems.add(self.display, line, names.get(fld, fld), values.get(fld), expected)
        v = {k: (values.get(k) or "").strip() for k in FIELDS}
        self.entries += 1
        for fld in ("office", "publication_number", "kind", "publication_date"):
            if not v[fld]:
                bad(fld, f"a value (ST.37 makes {fld.replace('_', ' ')} mandatory)")
        if v["office"] and v["office"] not in self.offices:
            bad("office", "a known upper-case WIPO ST.3 office code (data/reference/offices.csv)")
        if v["kind"] and not (v["kind"].isalnum() and v["kind"][0].isalpha() and len(v["kind"]) <= 2):
            bad("kind", "a WIPO ST.16 kind code: a letter and an optional digit (e.g. A1, B)")
        published = parse_date(v["publication_date"])
        if v["publication_date"] and published is None:
            bad("publication_date", "a date as YYYYMMDD or YYYY-MM-DD")
        code = EXCEPTION_WORDS.get(v["exception_code"].lower(), v["exception_code"].upper())
        if code and code not in EXCEPTION_CODES:
            bad("exception_code", "an exception code: " + ", ".join(
                f"{c} ({m})" for c, (m, _) in EXCEPTION_CODES.items()) + ", or empty")
        numbers = [v["publication_number"]]
        if v["range_end"]:
            begin, end = v["publication_number"], v["range_end"]
            if not (begin.isdigit() and end.isdigit()) or int(end) < int(begin):
                bad("range_end", f"a range end of digits, not below the range start ({begin})")
                numbers = []
            elif int(end) - int(begin) + 1 > MAX_RANGE:
                bad("range_end", f"a range of at most {MAX_RANGE:,} numbers")
                numbers = []
            else:
                width = len(begin) if begin.startswith("0") else 0
                numbers = [str(n).zfill(width) for n in range(int(begin), int(end) + 1)]
        if self.problems:
            return  # keep going to list every problem, but stage nothing more
        self.office_seen.setdefault(v["office"], line)
        expected = EXCEPTION_CODES[code][1] if code else True
        for number in numbers:
            self.documents += 1
            self.sink.add(v["office"], number, number_key(v["office"], number), v["kind"].upper(),
                          published, code or None, expected, line)

    def finish(self, form: str) -> AuthorityEntries:
        self.sink.flush()
        if len(self.office_seen) > 1:
            (first, _), (second, line) = list(self.office_seen.items())[:2]
            self.problems.add(self.display, line, "office", second,
                              f"one office per authority file (ST.37 files are per office); "
                              f"this file also lists {first}")
        if not self.entries and not self.problems:
            self.problems.add(self.display, None, None, None,
                              "at least one entry (office, publication number, kind, date)")
        self.problems.raise_if_any()
        return AuthorityEntries(next(iter(self.office_seen), None), form, self.entries, self.documents)


def _read_text(path: Path, reader: _Reader) -> None:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        delimiter = max(",;\t|", key=first.count)
        fh.seek(0)
        if fh.read(1) != "\ufeff":
            fh.seek(0)
        rows = csv.reader(fh, delimiter=delimiter)
        header = next(rows, [])
        wanted = {alias: fld for fld, aliases in COLUMN_ALIASES.items() for alias in aliases}
        normalised = [" ".join(h.strip().lower().split()) for h in header]
        if all(h in wanted for h in normalised if h) and any(normalised):
            columns = [wanted.get(h) for h in normalised]
            names = {wanted[h]: header[i].strip() for i, h in enumerate(normalised) if h in wanted}
            start = 2
        else:  # no header: the fixed order of ST.37's mandatory elements
            columns, names, start = FIELDS, {}, 1
            rows = itertools.chain([header], rows)
        for line, row in enumerate(rows, start=start):
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(columns):
                reader.problems.add(reader.display, line, None, delimiter.join(row),
                                    f"at most {len(columns)} fields separated by {delimiter!r}")
                continue
            reader.entry(line, {c: cell for c, cell in zip(columns, row) if c}, names)


class _SaxEntries(ContentHandler):
    ENTRY = {"document-id", "document-range"}
    ELEMENTS = {"country": "office", "doc-number": "publication_number", "begin": "publication_number",
                "kind": "kind", "date": "publication_date", "exception-code": "exception_code",
                "end": "range_end"}

    def __init__(self, reader: _Reader):
        super().__init__()
        self.reader, self.current, self.text, self.line, self.root = reader, None, [], 0, None

    def startElement(self, name, attrs):
        local = name.rsplit(":", 1)[-1]
        if self.root is None:
            self.root = local
            if local != "authority-file":
                raise SAXParseException(f"root element <{local}> is not <authority-file>", None, self._locator)
        if local in self.ENTRY:
            self.current, self.line = {}, self._locator.getLineNumber()
            if attrs.get("exception-code"):
                self.current["exception_code"] = attrs.get("exception-code")
        self.text = []

    def characters(self, content):
        self.text.append(content)

    def endElement(self, name):
        local = name.rsplit(":", 1)[-1]
        if self.current is not None and local in self.ELEMENTS:
            self.current[self.ELEMENTS[local]] = "".join(self.text)
        elif local in self.ENTRY and self.current is not None:
            self.reader.entry(self.line, self.current, {v: k for k, v in self.ELEMENTS.items()})
            self.current = None
        self.text = []


def _read_xml(path: Path, reader: _Reader) -> None:
    try:
        with open(path, "rb") as fh:
            # A DOCTYPE naming the ST.37 DTD is allowed (SAX never fetches it: external
            # parameter entities are off); any entity declaration, internal or external, is refused.
            safe_sax.parse(fh, _SaxEntries(reader), forbid_dtd=False, forbid_entities=True,
                           forbid_external=False)
    except DefusedXmlException as err:
        raise LoadRejected([Problem(reader.display, 1, None, None,
                                    "XML without entity declarations or external references: "
                                    f"this file was refused for safety ({type(err).__name__}: {err}); "
                                    "nothing was expanded or fetched")]) from None
    except SAXParseException as err:
        raise LoadRejected([Problem(reader.display, err.getLineNumber(), None, None,
                                    f"well-formed ST.37 XML ({err.getMessage()})")]) from None


class AuthorityHandler:
    """`load authority FILE`: an office's ST.37 authority file, replacing its previous one."""

    def validate(self, scratch, request) -> AuthorityEntries:
        ensure_tables(scratch)
        offices = {r[0] for r in scratch.execute("SELECT code FROM nxt.offices").fetchall()}
        reader = _Reader(scratch, request.display, offices)
        with open(request.path, "rb") as fh:
            is_xml = fh.read(512).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
        (_read_xml if is_xml else _read_text)(Path(request.path), reader)
        return reader.finish("xml" if is_xml else "text")

    def apply(self, scratch, request, prepared: AuthorityEntries, seq: int) -> dict:
        old = [r[0] for r in scratch.execute("SELECT load_seq FROM nxt.authority_files WHERE office = $o",
                                             {"o": prepared.office}).fetchall()]
        before = scratch.execute("SELECT count(*) FROM nxt.authority_documents WHERE load_seq IN "
                                 "(SELECT unnest($old))", {"old": old}).fetchall()[0][0]
        for table in ("authority_files", "authority_documents"):
            scratch.execute(f"DELETE FROM nxt.{table} WHERE load_seq IN (SELECT unnest($old))", {"old": old})
        scratch.execute("INSERT INTO nxt.authority_files VALUES ($seq, $office, $name, $form, $entries, $docs)",
                        {"seq": seq, "office": prepared.office, "name": request.display,
                         "form": prepared.form, "entries": prepared.entries, "docs": prepared.documents})
        scratch.execute(f"INSERT INTO nxt.authority_documents SELECT {int(seq)}, * FROM authority_stage")
        return {"rows": prepared.documents, "new": prepared.documents if not old else 0,
                "corrected": prepared.documents if old else 0, "unchanged": 0,
                "notes": [f"authority file of {prepared.office}: {prepared.entries} entries, "
                          f"{prepared.documents} publication numbers"
                          + (f" (replaces the previous file, {before} numbers)" if old else "")]}
