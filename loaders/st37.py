"""WIPO ST.37 authority files: the list of every publication number an office has assigned,
so that another office can check the completeness of the documents it received.

`load authority FILE` reads the text form or the XML form (told apart by the content: XML
starts with '<'). The four mandatory data elements of ST.37 (paragraph 8: office code,
publication number, kind code, publication date) must be on every entry; optional are a
publication exception code and, for a range of consecutive numbers, the end of the range.

- Text form: one entry per line, fields separated by ',', ';', tab or '|' (detected from the
  first line), optionally quoted (the EPO publishes its file as semicolon-separated CSV). A
  header line names the columns (case-insensitive, '_' and '-' read as spaces, a trailing
  "(...)" note ignored; see COLUMN_ALIASES); columns it names that are not ST.37 elements are
  ignored. Without a header the order is office, publication number, kind, date[, exception
  code[, range end]]. The text must be UTF-8: a line that is not is named.
- XML form (root `authority-file`, any namespace): each `document-id` (or `document-range`)
  element holds `country`, `doc-number` (or `begin` and `end` for a range), `kind`, `date`
  and optionally `exception-code`. Parsed by defusedxml's SAX reader, streaming: a DOCTYPE is
  allowed but never loaded, entity declarations and external references are refused.
- Ranges are expanded into one row per number (zero-padding kept), in SQL at load time; a range
  may hold at most MAX_RANGE numbers and a file at most MAX_DOCUMENTS, checked before anything
  is expanded.
- Exception codes come from the table data/reference/st37-exception-codes.csv (code, meaning,
  whether a document is expected, word forms), so an office's own codes are added there, not
  in code. For a withdrawn or never-published number no document is expected, so it is not
  "missing" when no batch delivers it.
- One office per file; a new authority file for an office replaces its previous one (ST.37
  files are sent whole).
"""
from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar
from xml.sax import SAXParseException
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException
from defusedxml import sax as safe_sax

from db.coverage_keys import refresh_authority_keys
from db.paths import REFERENCE_DIR

from .problems import LoadRejected, Problem, ProblemList
from .publication_numbers import number_key, parse_date
from .sink import Sink

EXCEPTION_CODES_FILE = REFERENCE_DIR / "st37-exception-codes.csv"


def exception_codes(path: Path | None = None) -> tuple[dict[str, tuple[str, bool]], dict[str, str]]:
    """The exception code table: code -> (meaning, is a published document expected?), and word
    form -> code. A table that is not usable is refused naming its file, row and column."""
    path = path or EXCEPTION_CODES_FILE
    codes: dict[str, tuple[str, bool]] = {}
    words: dict[str, str] = {}
    problems = ProblemList()
    with open(path, encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            code = (row.get("code") or "").strip().upper()
            expected = (row.get("document_expected") or "").strip().lower()
            if not code or not code.isascii() or not code.isalnum() or len(code) > 3:
                problems.add(str(path), line, "code", code, "a code of 1 to 3 letters or digits")
            if expected not in ("yes", "no"):
                problems.add(str(path), line, "document_expected", expected, "yes or no")
            if code in codes:
                problems.add(str(path), line, "code", code, "each code once")
            codes[code] = ((row.get("meaning") or "").strip(), expected == "yes")
            for word in filter(None, (w.strip().lower() for w in (row.get("words") or "").split("|"))):
                words[word] = code
    problems.raise_if_any("exception code table")
    return codes, words


COLUMN_ALIASES = {
    "office": ["office", "office code", "country", "country code", "publication office", "ipo code",
               "st3 code", "wipo st3 code"],
    "publication_number": ["publication number", "doc number", "number", "publication no",
                           "publication no.", "begin", "begin number", "range start", "start number"],
    "kind": ["kind", "kind code", "document kind", "kind of document"],
    "publication_date": ["publication date", "date", "date of publication"],
    "exception_code": ["exception code", "publication exception code", "exception"],
    "range_end": ["range end", "end", "end number"],
}
FIELDS = list(COLUMN_ALIASES)
MANDATORY = ("office", "publication_number", "kind", "publication_date")
#: Numbers one range may expand to, and one file in all (checked before any expansion).
MAX_RANGE = 1_000_000
MAX_DOCUMENTS = 20_000_000
#: Digits of a range's start or end (ST.37 numbers are far shorter; longer is not a number).
MAX_RANGE_DIGITS = 15
#: Characters of one cell of the text form (the longest ST.37 element is far shorter).
MAX_CELL = 200
AUTH_COLUMNS = [("office", "VARCHAR"), ("publication_number", "VARCHAR"), ("number_key", "VARCHAR"),
                ("kind", "VARCHAR"), ("publication_date", "DATE"), ("exception_code", "VARCHAR"),
                ("expected", "BOOLEAN"), ("line", "INTEGER")]
RANGE_COLUMNS = [("office", "VARCHAR"), ("first", "BIGINT"), ("last", "BIGINT"), ("width", "INTEGER"),
                 ("kind", "VARCHAR"), ("publication_date", "DATE"), ("exception_code", "VARCHAR"),
                 ("expected", "BOOLEAN"), ("line", "INTEGER")]


def _header_name(text: str) -> str:
    """A header cell as COLUMN_ALIASES spells it: lower case, '_' and '-' as spaces, single
    spaces, a trailing '(...)' note (e.g. '(YYYYMMDD)') left out."""
    text = re.sub(r"\([^)]*\)\s*$", "", text.strip().lower().replace("_", " ").replace("-", " "))
    return " ".join(text.split())


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= MAX_RANGE_DIGITS


@dataclass
class AuthorityEntries:
    office: str | None
    form: str
    entries: int
    documents: int
    ignored_columns: list[str]


class _Reader:
    """Validates entries (from either form) and streams them to temp tables: single numbers to
    `authority_stage`, ranges unexpanded to `authority_ranges` (expanded in SQL by apply)."""

    def __init__(self, con, display: str, offices: set[str]):
        self.display, self.offices = display, offices
        self.codes, self.words = exception_codes()
        self.problems = ProblemList()
        self.sink = Sink(con, "authority_stage", AUTH_COLUMNS)
        self.ranges = Sink(con, "authority_ranges", RANGE_COLUMNS)
        self.entries = self.documents = 0
        self.office_seen: dict[str, int] = {}
        self.ignored_columns: list[str] = []

    def allowed_codes(self) -> str:
        return ("an exception code: " + ", ".join(f"{c} ({m})" for c, (m, _) in self.codes.items())
                + ", or empty; an office's own code is added as a row of "
                "data/reference/st37-exception-codes.csv")

    def entry(self, line: int, values: dict, names: dict) -> None:
        """One entry; `names` maps field -> the column/element name to cite in problems."""
        def bad(fld, expected):
            self.problems.add(self.display, line, names.get(fld, fld), values.get(fld), expected)
        v = {k: (values.get(k) or "").strip() for k in FIELDS}
        self.entries += 1
        for fld in MANDATORY:
            if not v[fld]:
                bad(fld, f"a value (ST.37 makes {fld.replace('_', ' ')} mandatory)")
        if v["office"] and v["office"] not in self.offices:
            bad("office", "a known upper-case WIPO ST.3 office code (data/reference/offices.csv)")
        if v["kind"] and not (v["kind"].isascii() and v["kind"].isalnum() and v["kind"][0].isalpha()
                              and len(v["kind"]) <= 2):
            bad("kind", "a WIPO ST.16 kind code: a letter and an optional digit (e.g. A1, B)")
        if len(v["publication_number"]) > 30:
            bad("publication_number", "a publication number of at most 30 characters")
        published = parse_date(v["publication_date"])
        if v["publication_date"] and published is None:
            bad("publication_date", "a date as YYYYMMDD or YYYY-MM-DD")
        code = self.words.get(v["exception_code"].lower(), v["exception_code"].upper())
        if code and code not in self.codes:
            bad("exception_code", self.allowed_codes())
        count, first = 1, None
        if v["range_end"]:
            begin, end = v["publication_number"], v["range_end"]
            if not (_is_number(begin) and _is_number(end)) or int(end) < int(begin):
                bad("range_end", f"a range of numbers written with at most {MAX_RANGE_DIGITS} digits 0-9, "
                                 f"the end not below the start ({begin})")
                count = 0
            elif int(end) - int(begin) + 1 > MAX_RANGE:
                bad("range_end", f"a range of at most {MAX_RANGE:,} numbers")
                count = 0
            else:
                first, count = int(begin), int(end) - int(begin) + 1
        if count and self.documents + count > MAX_DOCUMENTS:
            bad("range_end" if first is not None else "publication_number",
                f"at most {MAX_DOCUMENTS:,} publication numbers in one authority file once ranges are "
                f"expanded (this entry brings it to {self.documents + count:,}; nothing was expanded)")
            self.problems.raise_if_any()
        self.documents += count
        if self.problems:
            return  # keep going to list every problem, but stage nothing more
        self.office_seen.setdefault(v["office"], line)
        expected = self.codes[code][1] if code else True
        if first is None:
            number = v["publication_number"]
            self.sink.add(v["office"], number, number_key(v["office"], number), v["kind"].upper(),
                          published, code or None, expected, line)
        else:
            width = len(v["publication_number"]) if v["publication_number"].startswith("0") else 0
            self.ranges.add(v["office"], first, first + count - 1, width, v["kind"].upper(), published,
                            code or None, expected, line)

    def finish(self, form: str) -> AuthorityEntries:
        self.sink.flush()
        self.ranges.flush()
        if len(self.office_seen) > 1:
            (first, _), (second, line) = list(self.office_seen.items())[:2]
            self.problems.add(self.display, line, "office", second,
                              f"one office per authority file (ST.37 files are per office); "
                              f"this file also lists {first}")
        if not self.entries and not self.problems:
            self.problems.add(self.display, None, None, None,
                              "at least one entry (office, publication number, kind, date)")
        self.problems.raise_if_any()
        return AuthorityEntries(next(iter(self.office_seen), None), form, self.entries, self.documents,
                                self.ignored_columns)


def _utf8_lines(path: Path, display: str) -> None:
    """Refuse text that is not UTF-8, naming the first line that is not (a Latin-1 or
    Windows-1252 export is the usual cause)."""
    with open(path, "rb") as fh:
        for line, raw in enumerate(fh, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as err:
                byte = raw[err.start:err.start + 1].hex().upper()
                raise LoadRejected([Problem(display, line, None, None,
                                            f"UTF-8 text (byte 0x{byte} at character {err.start + 1} of "
                                            "this line is not UTF-8; save the file as UTF-8)")]) from None


def _read_text(path: Path, reader: _Reader) -> None:
    _utf8_lines(path, reader.display)
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 20))  # a longer cell is named below, not a csv.Error
    with open(path, encoding="utf-8-sig", newline="") as fh:
        first = fh.readline()
        delimiter = max(",;\t|", key=first.count)
        fh.seek(0)
        if fh.read(1) != "\ufeff":
            fh.seek(0)
        rows = csv.reader(fh, delimiter=delimiter)
        line = 1
        try:
            header = next(rows, [])
            wanted = {alias: fld for fld, aliases in COLUMN_ALIASES.items() for alias in aliases}
            normalised = [_header_name(h) for h in header]
            if all(wanted.get(h) in FIELDS for h in normalised if h in wanted) and \
                    set(MANDATORY) <= {wanted.get(h) for h in normalised}:
                columns = [wanted.get(h) for h in normalised]
                names = {wanted[h]: header[i].strip() for i, h in enumerate(normalised) if h in wanted}
                reader.ignored_columns = [header[i].strip() for i, h in enumerate(normalised)
                                          if h and h not in wanted]
                start = 2
            elif any(h in wanted for h in normalised) and not any(c.strip()[:1].isdigit() for c in header):
                missing = [f.replace("_", " ") for f in MANDATORY if f not in {wanted.get(h) for h in normalised}]
                raise LoadRejected([Problem(reader.display, 1, None, delimiter.join(header),
                                            "a header naming the ST.37 mandatory elements office, publication "
                                            "number, kind and publication date (missing: "
                                            + ", ".join(missing) + ")")])
            else:  # no header: the fixed order of ST.37's mandatory elements
                columns, names, start = FIELDS, {}, 1
                rows = itertools.chain([header], rows)
            for line, row in enumerate(rows, start=start):
                if not any(cell.strip() for cell in row):
                    continue
                long = next((i for i, cell in enumerate(row) if len(cell) > MAX_CELL), None)
                if long is not None:
                    reader.problems.add(reader.display, line, header[long].strip() if start == 2 and
                                        long < len(header) else None, row[long],
                                        f"a field of at most {MAX_CELL} characters")
                    continue
                if len(row) > len(columns):
                    reader.problems.add(reader.display, line, None, delimiter.join(row),
                                        f"at most {len(columns)} fields separated by {delimiter!r}")
                    continue
                reader.entry(line, {c: cell for c, cell in zip(columns, row) if c}, names)
        except csv.Error as err:
            raise LoadRejected([Problem(reader.display, rows.line_num if hasattr(rows, "line_num") else line,
                                        None, None, f"delimited text ({err})")]) from None


class _SaxEntries(ContentHandler):
    ENTRY = frozenset({"document-id", "document-range"})
    ELEMENTS: ClassVar[dict[str, str]] = {"country": "office", "doc-number": "publication_number", "begin": "publication_number",
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
        # Ranges expand here, in SQL: the number keeps the range start's zero-padding; its key
        # (number_key of digits only) is the number without leading zeros.
        scratch.execute(
            f"INSERT INTO nxt.authority_documents SELECT {int(seq)}, office, "
            "lpad(n::VARCHAR, greatest(width, length(n::VARCHAR))::INTEGER, '0'), "
            "n::VARCHAR, kind, publication_date, exception_code, expected, line "
            "FROM authority_ranges, generate_series(first, last) AS g(n)")
        refresh_authority_keys(scratch, "nxt", prepared.office)
        return {"rows": prepared.documents, "new": prepared.documents if not old else 0,
                "corrected": prepared.documents if old else 0, "unchanged": 0,
                "notes": [f"authority file of {prepared.office}: {prepared.entries} entries, "
                          f"{prepared.documents} publication numbers"
                          + (f" (replaces the previous file, {before} numbers)" if old else "")]
                + ([f"columns that are not ST.37 elements were ignored: {', '.join(prepared.ignored_columns)}"]
                   if prepared.ignored_columns else [])}
