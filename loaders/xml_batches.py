"""Delivered XML batches (patent documents in the XML dialects that offices send: EPO, USPTO,
JPO, CNIPA, KIPO, EPO DOCDB, WIPO ST.36 and ST.96; a file, a zip of files, or a directory):
measure completeness from the data itself.

Dialects are data: each is a field map, `data/reference/field-maps/*.toml` (plus the folders
named in $IPDX_FIELD_MAPS), that says which element (and namespace) is one document, which
attributes carry the dialect's version and the XPath of every measured field. A record is
recognised by its element and namespace, alone or inside any wrapper element; adding a
dialect is a new TOML file, no code (docs/xml-dialects.md).

Reading is streaming and safe:

- lxml pull parsers with `resolve_entities=False, no_network=True, load_dtd=False,
  huge_tree=False`: no entity is ever expanded, no DTD or other resource is fetched.
- A document whose DOCTYPE declares parsed entities (the billion-laughs and XXE attacks both
  need one) refuses the batch with a message naming the file and line. Unparsed entities
  (`<!ENTITY img1 SYSTEM "x.TIF" NDATA TIF>`, how older USPTO files name their images) are
  allowed: they are names of files, never read nor expanded. A plain `<!DOCTYPE ... SYSTEM
  "...dtd">` is allowed and the DTD is never loaded.
- A file may hold many documents, each with its own XML declaration (USPTO's weekly bulk
  files): it is split at every declaration and each document is parsed on its own, so none is
  lost. When a document cannot be read to its end, the records it still held are counted as
  lost, with file and line, and the batch is marked incomplete.
- Zips are read member by member without extracting; a member's size, its compression ratio
  and the total are capped (a zip bomb is refused before any of it is inflated).
- Constant memory: only record elements produce events; each record is measured, then
  cleared and detached. Documents and problems go to temporary tables in chunks.

Per record: which fields are present and non-empty. Per batch: records, populated records per
field, records or documents that are not well-formed, documents lost, records that lack a
publication number (each with file and line), the dialects and versions seen, and the offices
of the documents when they differ from the provider. Measured completeness enters
`field_completeness` with source 'measured'; the batch's record count is in
`xml_batches.records` (completeness = populated / records).
"""
from __future__ import annotations

import io
import os
import re
import stat
import tempfile
import tomllib
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

import pandas as pd
from lxml import etree

from db.coverage_keys import refresh_delivered_keys, touch_delivered_keys
from db.paths import REFERENCE_DIR

from .problems import LoadRejected, Problem, ProblemList
from .publication_numbers import number_key, parse_date
from .sink import Sink, insert_frame

FIELD_MAP_DIR = REFERENCE_DIR / "field-maps"
#: Extra folders of field maps (os.pathsep-separated), read after the project's own; a map
#: there for a record element that a project map already declares replaces it.
FIELD_MAP_ENV = "IPDX_FIELD_MAPS"
#: Bytes read from a file at a time.
READ_CHUNK = 1 << 20
#: Bytes fed at a time to the parser that reads a document's prolog (kept small: they are parsed twice).
SNIFF_SLICE = 4096
#: The prolog (declaration, DOCTYPE) of a document must end within this many bytes.
MAX_PROLOG_BYTES = 512 << 10
#: Zip bomb guard: a member's uncompressed size, its ratio to the compressed size, and the
#: total uncompressed size of the .xml members. Real batches (USPTO's weekly ~1 GB files,
#: EPO's full-text) compress 8-20 times; 100 leaves room for repetitive XML.
MAX_MEMBER_BYTES = 3 << 30
MAX_TOTAL_BYTES = 12 << 30
MAX_RATIO = 100

#: The measured fields (the same names in every dialect) and their labels.
FIELDS = {
    "publication_number": "Publication number",
    "kind": "Kind code",
    "publication_date": "Publication date",
    "application_number": "Application number",
    "application_date": "Application date",
    "title": "Title",
    "abstract": "Abstract",
    "applicant": "Applicant",
    "inventor": "Inventor",
    "classification": "IPC/CPC classification",
    "priority_claims": "Priority claims",
    "description": "Description (full text)",
    "claims": "Claims (full text)",
}
IDENTIFIER_PARTS = ("office", "number", "kind", "date")
HOW_TO_ADD_A_MAP = ("to add a dialect, put a field map (a TOML file like data/reference/field-maps/"
                    "st36.toml, see docs/xml-dialects.md) in data/reference/field-maps/ or in a folder "
                    f"named by ${FIELD_MAP_ENV}")


# ------------------------------------------------------------------------------- field maps

@dataclass
class FieldMap:
    dialect: str                     # short name, e.g. 'EP' or 'US grant'
    standard: str                    # what the format is, e.g. 'EPO ep-patent-document'
    record_tag: str                  # Clark notation, e.g. '{ns}PatentPublication' or 'patent-document'
    version_attrs: list[str]         # Clark notation, tried on the record, then on the root
    identifier: dict[str, list[etree.XPath]]
    fields: dict[str, list[etree.XPath]]
    notes: dict[str, str]            # field -> how this dialect holds it (exceptions, absences)
    source: Path
    #: The short fields tested in one XPath call per record (a string of 0/1 flags, in the
    #: order of `combined_names`); the full-text fields stay in `fields`, tested path by path
    #: with an early exit (a description can be megabytes).
    combined: etree.XPath | None = None
    combined_names: tuple[str, ...] = ()
    #: The identifier's paths in one XPath call: their texts joined by _SEPARATOR, part by part and
    #: path by path in order (the first non-blank one of a part wins); None: path by path.
    identifier_xpath: etree.XPath | None = None
    identifier_counts: tuple[int, ...] = ()

    @property
    def record_label(self) -> str:
        return _label_of(self.record_tag)


def _label_of(tag: str) -> str:
    """'{ns}local' -> 'local (namespace ns)'; 'local' stays."""
    if tag.startswith("{"):
        ns, local = tag[1:].split("}", 1)
        return f"<{local}> (namespace {ns})"
    return f"<{tag}>"


def _clark(name: str, namespaces: dict[str, str]) -> str:
    if ":" in name:
        prefix, local = name.split(":", 1)
        return f"{{{namespaces[prefix]}}}{local}"
    return name


def field_map_dirs() -> tuple[Path, ...]:
    extra = [Path(p) for p in os.environ.get(FIELD_MAP_ENV, "").split(os.pathsep) if p.strip()]
    return (FIELD_MAP_DIR, *extra)


def field_maps() -> dict[str, FieldMap]:
    """The declared field maps, by record tag (the folders are read again when
    $IPDX_FIELD_MAPS changes)."""
    return _field_maps(field_map_dirs())


def _read_map(path: Path) -> FieldMap:
    """One field map; a map that is not usable is refused naming its file, key and value."""
    def bad(key, value, expected):
        raise LoadRejected([Problem(str(path), None, key, None if value is None else str(value),
                                    expected)])
    try:
        spec = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        bad(None, None, f"a field map in UTF-8 TOML ({err})")
    ns = spec.get("namespaces", {})
    for key in ("dialect", "record"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            bad(key, spec.get(key), f"'{key}' (text): see docs/xml-dialects.md")

    def xpaths(key, paths):
        if isinstance(paths, str):
            paths = [paths]
        if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
            bad(key, paths, "a list of XPath 1.0 expressions")
        out = []
        for p in paths:
            try:
                out.append(etree.XPath(p, namespaces=ns))
            except etree.XPathSyntaxError as err:
                bad(key, p, f"an XPath 1.0 expression relative to the record ({err}); "
                            "prefixes must be declared in [namespaces]")
        return out

    try:
        record_tag = _clark(spec["record"], ns)
        versions = spec.get("version_attributes", spec.get("version_attribute", []))
        versions = [versions] if isinstance(versions, str) else versions
        version_attrs = [_clark(v, ns) for v in versions]
    except KeyError as err:
        bad("namespaces", str(err), "every prefix used in 'record' and 'version_attributes' "
                                    "declared in [namespaces]")
    identifier = spec.get("identifier", {})
    if not identifier.get("number"):
        bad("identifier.number", None, "the XPath of the publication number ([identifier] number)")
    unknown = sorted(set(identifier) - set(IDENTIFIER_PARTS))
    if unknown:
        bad("identifier", ", ".join(unknown), "only " + ", ".join(IDENTIFIER_PARTS))
    fields_spec = spec.get("fields", {})
    unknown = sorted(set(fields_spec) - set(FIELDS))
    if unknown:
        bad("fields", ", ".join(unknown), "measured field names: " + ", ".join(FIELDS))
    fields = {}
    for name, value in fields_spec.items():
        # Either a list of paths, or a table with 'paths' (and an optional note).
        paths = value.get("paths", []) if isinstance(value, dict) else value
        fields[name] = xpaths(f"fields.{name}", paths)
    notes = {k: str(v) for k, v in spec.get("notes", {}).items()}
    combined, names = _combined_test({name: value.get("paths", []) if isinstance(value, dict) else value
                                      for name, value in fields_spec.items() if name not in FULL_TEXT}, ns)
    if combined is not None:
        fields = {name: paths for name, paths in fields.items() if name not in names}
    return FieldMap(
        dialect=spec["dialect"].strip(), standard=str(spec.get("standard", spec["dialect"])),
        record_tag=record_tag, version_attrs=version_attrs,
        identifier={k: xpaths(f"identifier.{k}", identifier.get(k, [])) for k in IDENTIFIER_PARTS},
        fields=fields, notes=notes, source=path, combined=combined, combined_names=names,
        **_combined_identifier({k: identifier.get(k, []) for k in IDENTIFIER_PARTS}, ns))


#: Joins the identifier's texts (a private-use character: never in a publication number).
_SEPARATOR = "\ue000"


def _combined_identifier(parts: dict[str, list[str]], ns: dict) -> dict:
    paths = [p if isinstance(p, str) else "" for k in IDENTIFIER_PARTS
             for p in ([parts[k]] if isinstance(parts[k], str) else parts[k])]
    counts = tuple(len([parts[k]] if isinstance(parts[k], str) else parts[k]) for k in IDENTIFIER_PARTS)
    if not paths:
        return {}
    pieces = f", '{_SEPARATOR}', ".join(f"string(({p})[1])" for p in paths)
    try:
        return {"identifier_xpath": etree.XPath(f"concat({pieces}, '')", namespaces=ns),
                "identifier_counts": counts}
    except (etree.XPathSyntaxError, ValueError):
        return {}


def _identifier(fmap: FieldMap, record) -> dict[str, str | None]:
    """office, number, kind, date of a record: per part, the first path with non-blank text."""
    if fmap.identifier_xpath is None:
        return {k: _first_text(record, v) for k, v in fmap.identifier.items()}
    texts = iter(fmap.identifier_xpath(record).split(_SEPARATOR))
    out = {}
    for part, count in zip(IDENTIFIER_PARTS, fmap.identifier_counts):
        values = [next(texts, "") for _ in range(count)]
        out[part] = next((" ".join(v.split()) for v in values if v.strip()), None)
    return out


#: Fields whose element can be very large: tested path by path, stopping at the first text.
FULL_TEXT = ("abstract", "description", "claims")
#: Blanks that Python's str.strip() removes and XPath's normalize-space() does not.
_EXTRA_BLANKS = "\u00a0\u3000\u2007\u202f"


def _combined_test(fields: dict[str, list[str]], ns: dict) -> tuple[etree.XPath | None, tuple[str, ...]]:
    """One XPath that tests every short field of a record at once: for each field '1' when one
    of its paths selects an attribute with a non-blank value or an element with non-blank text
    inside it (the same rule as `_present`), else '0'. None when a path is not a node-set
    expression (then every field is tested path by path)."""
    blank = f"translate(., '{_EXTRA_BLANKS}', '{' ' * len(_EXTRA_BLANKS)}')"

    def test(path: str) -> str:
        if re.search(r"@[\w:.-]+$", path):
            return f"({path})[normalize-space({blank})]"
        return f"({path})/descendant-or-self::text()[normalize-space({blank})]"
    names = tuple(name for name, paths in fields.items() if paths)
    if not names:
        return None, ()
    parts = [f"number(boolean({' | '.join(test(p) for p in fields[name])}))" for name in names]
    try:
        return etree.XPath(f"concat({', '.join(parts)}, '')", namespaces=ns), names
    except etree.XPathSyntaxError:
        return None, ()


@lru_cache(maxsize=8)
def _field_maps(dirs: tuple[Path, ...]) -> dict[str, FieldMap]:
    maps: dict[str, FieldMap] = {}
    for directory in dirs:
        seen_here: dict[str, Path] = {}
        for path in sorted(Path(directory).glob("*.toml")):
            fmap = _read_map(path)
            if fmap.record_tag in seen_here:
                raise LoadRejected([Problem(str(path), None, "record", fmap.record_tag,
                                            f"one field map per record element; {seen_here[fmap.record_tag]} "
                                            "declares the same one")])
            seen_here[fmap.record_tag] = path
            maps[fmap.record_tag] = fmap  # a later folder replaces the project's map
    return maps


def field_labels() -> dict[str, str]:
    """Measured field name -> label, in the fixed order."""
    return dict(FIELDS)


def known_dialects() -> str:
    return "; ".join(f"{m.dialect} {m.record_label}" for m in field_maps().values())


def _present(results) -> bool:
    """True when an XPath result holds a non-empty value (text anywhere inside, or an attribute)."""
    for r in results if isinstance(results, list) else [results]:
        if isinstance(r, str):
            if r.strip():
                return True
        elif isinstance(r, etree._Element) and any(t.strip() for t in r.itertext()):
            return True
    return False


def _first_text(record, paths: list[etree.XPath]) -> str | None:
    for xp in paths:
        result = xp(record)
        for r in result if isinstance(result, list) else [result]:
            text = r if isinstance(r, str) else "".join(r.itertext())
            if text.strip():
                return " ".join(text.split())
    return None


# ------------------------------------------------------------------------------- identifiers

# ------------------------------------------------------------------------------- safe parsing

SAFE_PARSER = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
               "remove_comments": True, "remove_pis": True}


def _is_unparsed(entity) -> bool:
    """An unparsed (NDATA) entity: libxml2 keeps its notation name as the content and has no
    replacement text; a parsed external entity has no content, an internal one has text."""
    return bool(entity.system_url) and entity.content is not None and entity.orig is None


def hostile_declarations(root, display: str, line: int = 1) -> Problem | None:
    """A problem when the document's DOCTYPE declares parsed entities (entity expansion or XXE);
    unparsed (NDATA) entities, which only name image files, are allowed."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is None:
        return None
    entities = [e for e in dtd.iterentities() if not _is_unparsed(e)]
    if not entities:
        return None
    external = [e.name for e in entities if e.system_url]
    what = (f"declares external entities ({', '.join(external)}), which could read local files or "
            "the network (XXE)" if external else
            f"declares entities ({', '.join(e.name for e in entities[:5])}), which could expand "
            "without bound (billion laughs)")
    return Problem(display, line, None, None,
                   f"XML without parsed entity declarations (unparsed NDATA entities naming image "
                   f"files are allowed): this document's DOCTYPE {what}; such DTDs are refused for "
                   "safety (nothing was expanded or fetched)")


# ------------------------------------------------------------------------------- measuring

@dataclass
class Measured:
    """What a batch contains; documents and problems are in temporary tables of `con`."""
    files: list[dict] = field(default_factory=list)  # file, standard, version, records, dialect, ...
    records: int = 0
    populated: Counter = field(default_factory=Counter)
    not_well_formed: int = 0
    missing_identifier: int = 0
    lost_documents: int = 0
    lost_at: list[tuple[str, int | None, int]] = field(default_factory=list)  # file, line, lost
    offices: Counter = field(default_factory=Counter)
    skipped: list[str] = field(default_factory=list)  # symbolic links left out of a directory
    refused: ProblemList = field(default_factory=ProblemList)


DOC_COLUMNS = [("office", "VARCHAR"), ("publication_number", "VARCHAR"), ("number_key", "VARCHAR"),
               ("kind", "VARCHAR"), ("publication_date", "DATE"), ("file", "VARCHAR"), ("line", "INTEGER")]
PROBLEM_COLUMNS = [("file", "VARCHAR"), ("line", "INTEGER"), ("problem", "VARCHAR"), ("detail", "VARCHAR")]
#: Written by zip_directory in the zip's comment: the symbolic links it left out.
SKIPPED_MARK = b"ipdx-skipped-links:"


def _zip_guard(zf: zipfile.ZipFile, names: list[str], display: str) -> None:
    """Refuse a zip bomb from the sizes the zip declares (zipfile never inflates a member past
    its declared size, so these bound what reading can produce)."""
    problems = ProblemList()
    total = 0
    for name in names:
        info = zf.getinfo(name)
        total += info.file_size
        if info.file_size > MAX_MEMBER_BYTES:
            problems.add(f"{display}/{name}", None, None, f"{info.file_size:,} bytes",
                         f"a zip member of at most {MAX_MEMBER_BYTES:,} bytes uncompressed")
        elif info.file_size > MAX_RATIO * max(info.compress_size, 1) and info.file_size > (1 << 20):
            problems.add(f"{display}/{name}", None, None,
                         f"{info.compress_size:,} bytes inflating to {info.file_size:,}",
                         f"a compression ratio of at most {MAX_RATIO}:1 (this looks like a zip bomb; "
                         "nothing was inflated)")
    if total > MAX_TOTAL_BYTES:
        problems.add(display, None, None, f"{total:,} bytes",
                     f"at most {MAX_TOTAL_BYTES:,} bytes of XML in one zip, uncompressed "
                     "(split the batch; nothing was inflated)")
    problems.raise_if_any("zip")


def batch_members(path: Path, display: str, measured: Measured | None = None
                  ) -> Iterator[tuple[str, Callable[[], io.BufferedIOBase]]]:
    """(name, opener) of every XML file in a batch: the file itself, or each *.xml of a zip."""
    with open(path, "rb") as fh:
        is_zip = fh.read(4) == b"PK\x03\x04"
    if not is_zip:
        yield display, lambda: open(path, "rb")  # noqa: SIM115 (the caller closes it)
        return
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as err:
        raise LoadRejected([Problem(display, None, None, None, f"a readable zip ({err})")]) from None
    with zf:
        names = sorted(i.filename for i in zf.infolist()
                       if not i.is_dir() and i.filename.lower().endswith(".xml"))
        if not names:
            raise LoadRejected([Problem(display, None, None, None,
                                        "a zip holding at least one .xml file (this one has none)")])
        _zip_guard(zf, names, display)
        if measured is not None and zf.comment.startswith(SKIPPED_MARK):
            measured.skipped = zf.comment[len(SKIPPED_MARK):].decode("utf-8", "replace").split("\n")
        for name in names:
            yield f"{display}/{name}", (lambda n=name: zf.open(n))


#: An XML declaration: where a new document starts in a file of concatenated documents.
DECLARATION = re.compile(rb"<\?xml[ \t\r\n]")


def _split_documents(fh, reader: _DocumentReader) -> None:
    """Feed a file to `reader` document by document: a new document starts at every XML
    declaration that follows content (a declaration may only open a document, so a second one
    means a second document)."""
    pending = b""
    base_line = 1            # line number of pending[0]
    has_content = False      # the current document has had non-blank content
    reader.start(1)
    while True:
        chunk = fh.read(READ_CHUNK)
        data = pending + chunk
        eof = not chunk
        limit = len(data) if eof else max(0, len(data) - 6)  # a declaration may straddle chunks
        pos = counted = 0    # counted: newlines of data[:counted] are in base_line
        for m in DECLARATION.finditer(data, 0, len(data)):
            i = m.start()
            if i >= limit:
                break
            before = data[pos:i]
            if has_content or before.strip(b" \t\r\n\xef\xbb\xbf"):
                reader.feed(before)
                reader.end()
                base_line += data.count(b"\n", counted, i)
                counted = i
                reader.start(base_line)
                pos, has_content = i, False
        rest = data[pos:limit]
        if rest.strip(b" \t\r\n\xef\xbb\xbf"):
            has_content = True
        reader.feed(rest)
        base_line += data.count(b"\n", counted, limit)
        pending = data[limit:]
        if eof:
            reader.end()
            return


#: The prolog's markup before the root element: XML declaration / PIs, comments, a DOCTYPE.
_PROLOG_ITEM = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE\s[^\[>]*(?:\[\s*\])?\s*>)", re.DOTALL)


def _plain_prolog(head: bytes) -> bool:
    """True when `head` shows the root element's start after a prolog without internal DTD
    subset (or with an empty one, `[ ]`, as USPTO files have): no entity can be declared."""
    pos = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    while True:
        m = _PROLOG_ITEM.match(head, pos)
        if not m:
            break
        pos = m.end()
    rest = head[pos:].lstrip()
    return len(rest) > 1 and rest[:1] == b"<" and rest[1:2] not in (b"!", b"?")


class _DocumentReader:
    """Parses the documents of one file, one at a time, with a fresh safe pull parser each."""

    def __init__(self, name: str, provider: str, measured: Measured, docs: Sink, problems: Sink):
        self.name, self.provider, self.measured = name, provider, measured
        self.docs, self.problems = docs, problems
        self.maps = field_maps()
        locals_ = sorted({t.rsplit("}", 1)[-1] for t in self.maps}, key=len, reverse=True)
        # A record's start tag in raw bytes (any prefix): counts the records a broken document still held.
        self.start_tag = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:" + b"|".join(
            re.escape(n.encode()) for n in locals_) + rb")[\s/>]")
        self.documents = self.records = 0
        self.dialects: dict[str, None] = {}  # ordered sets
        self.versions: dict[str, None] = {}
        self.labels: dict[str, None] = {}    # 'dialect version', as the batch lists them
        self.unknown_roots: list[tuple[int, str]] = []

    # -- one document
    def start(self, line: int) -> None:
        self.offset = line - 1
        self.first_line = line
        self.head = bytearray()
        self.sniffer = etree.XMLPullParser(events=("start",), **SAFE_PARSER)
        self.parser = None
        self.root_tag = None
        self.failed = False
        self.refused = False
        self.blank = True
        self.open_records = 0
        self.doc_records = 0
        self.tail = b""
        self.lines_fed = 0  # newlines fed to this document so far

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self.blank and data.strip(b" \t\r\n\xef\xbb\xbf"):
            self.blank = False
        if self.refused:
            return
        if self.failed:
            self._count_lost(data)
            return
        try:
            if self.parser is None:
                self._sniff_then_parse(data)
            else:
                self.parser.feed(data)
                self._drain()
        except etree.XMLSyntaxError as err:
            if self.parser is not None:
                self._drain_quietly()
            if not self.refused:
                self._fail(err.lineno, str(err.msg), data, err.position)
        self.lines_fed += data.count(b"\n")

    def _sniff_then_parse(self, data: bytes) -> None:
        """Read up to the root element's start tag (the DOCTYPE comes before it) in small
        slices, refuse a document whose DTD declares parsed entities before any of its content
        is parsed, then hand everything read so far to the record parser. A prolog without an
        internal DTD subset (nearly every document) cannot declare entities: it goes straight
        to the record parser."""
        if _plain_prolog(bytes(self.head) + data if self.head else data):
            self.parser = etree.XMLPullParser(events=("start", "end"), tag=list(self.maps), **SAFE_PARSER)
            head, self.head, self.sniffer = bytes(self.head), None, None
            self.parser.feed(head + data if head else data)
            self._drain()
            return
        for i in range(0, len(data), SNIFF_SLICE):
            piece = data[i:i + SNIFF_SLICE]
            self.head += piece
            error = None
            try:
                self.sniffer.feed(piece)
            except etree.XMLSyntaxError as err:
                error = err
            found = self._sniffed()
            if self.refused:
                return
            if found:
                self.parser = etree.XMLPullParser(events=("start", "end"), tag=list(self.maps), **SAFE_PARSER)
                head, self.head, self.sniffer = bytes(self.head), None, None
                self.parser.feed(head)
                self._drain()
                rest = data[i + SNIFF_SLICE:]
                if rest:
                    self.parser.feed(rest)
                    self._drain()
                return
            if error is not None:
                raise error
        if len(self.head) > MAX_PROLOG_BYTES:  # a DTD this long is an attack, not a patent document
            self.refused = True
            self.measured.refused.add(self.name, self.first_line, None, None,
                                      f"the root element within the first {MAX_PROLOG_BYTES:,} bytes of the "
                                      "document (a prolog or DTD this long is refused for safety)")

    def _sniffed(self) -> bool:
        for _, root in self.sniffer.read_events():
            self.root_tag = root.tag
            refused = hostile_declarations(root, self.name, self.first_line)
            if refused:
                self.measured.refused.extend([refused])
                self.refused = True
                return False
            return True
        return False

    def end(self) -> None:
        if self.blank or self.refused:
            return
        self.documents += 1
        if not self.failed:
            try:
                if self.parser is None:
                    self.sniffer.close()  # raises: the document ended before its root element
                    self._fail(None, "a root element (the document ends before it)", b"")
                else:
                    root = self.parser.close()
                    self._drain()
                    if self.root_tag is None and root is not None:
                        self.root_tag = root.tag
            except etree.XMLSyntaxError as err:
                if self.parser is not None:
                    self._drain_quietly()
                self._fail(err.lineno, str(err.msg), b"", err.position)
        if not self.failed and not self.doc_records:
            self.unknown_roots.append((self.first_line, self.root_tag))
        if self.failed:
            lost = self.lost + self.open_records
            if not lost and not self.doc_records:
                lost = 1  # nothing of the document could be read: it is one lost document
            self.measured.lost_documents += lost
            self.measured.lost_at.append((self.name, self.fail_line, lost))
        self.parser = self.sniffer = None

    # -- records
    def _drain(self) -> None:
        for event, record in self.parser.read_events():
            if event == "start":
                self.open_records += 1
            else:
                self.open_records -= 1
                self._measure(record)

    def _drain_quietly(self) -> None:
        try:
            self._drain()
        except etree.XMLSyntaxError:
            pass

    def _measure(self, record) -> None:
        fmap = self.maps[record.tag]
        measured = self.measured
        if fmap.dialect not in self.dialects:
            self.dialects[fmap.dialect] = None
        root = record.getroottree().getroot()
        version = next((v for attr in fmap.version_attrs
                        for v in (record.get(attr), root.get(attr)) if v), None)
        if version:
            self.versions[version] = None
        self.labels[f"{fmap.dialect} {version}" if version else fmap.dialect] = None
        self.records += 1
        self.doc_records += 1
        measured.records += 1
        line = (record.sourceline or 1) + self.offset
        if fmap.combined is not None:
            for fname, flag in zip(fmap.combined_names, fmap.combined(record)):
                if flag == "1":
                    measured.populated[fname] += 1
        for fname, paths in fmap.fields.items():
            if any(_present(xp(record)) for xp in paths):
                measured.populated[fname] += 1
        ident = _identifier(fmap, record)
        office = (ident["office"] or self.provider).upper()
        measured.offices[office] += 1
        if not ident["number"]:
            measured.missing_identifier += 1
            self.problems.add(self.name, line, "missing_identifier",
                              f"no publication number ({fmap.dialect} record)")
        else:
            self.docs.add(office, ident["number"], number_key(office, ident["number"]),
                          (ident["kind"] or "").upper() or None, parse_date(ident["date"]), self.name, line)
        # Constant memory: drop the record and everything before it.
        record.clear(keep_tail=False)
        parent = record.getparent()
        if parent is not None:
            while record.getprevious() is not None:
                del parent[0]

    # -- a document that cannot be read to its end
    def _fail(self, rel_line: int | None, message: str, data: bytes,
              position: tuple[int, int] | None = None) -> None:
        self.failed = True
        self.fail_line = (rel_line + self.offset) if rel_line else self.first_line
        self.measured.not_well_formed += 1
        # libxml2 ends its message with the line within this document: say where in the file.
        message = re.sub(r",? line \d+, column \d+$", "", message)
        self.problems.add(self.name, self.fail_line, "not_well_formed",
                          f"{message} (in the XML document that starts at line {self.first_line})")
        self.lost = 0
        self.tail = b""
        if data and position and position[0]:
            # Count the record start tags from the error's position on, in the data being fed
            # (the record open at the error started before it and is counted apart).
            line, column = position
            cut = 0
            for _ in range(max(0, line - 1 - self.lines_fed)):  # to the start of the error's line
                nxt = data.find(b"\n", cut)
                if nxt < 0:
                    cut = len(data)
                    break
                cut = nxt + 1
            if line - 1 >= self.lines_fed and column and column > 1:
                end = data.find(b"\n", cut)
                text = data[cut:end if end >= 0 else len(data)].decode("utf-8", "replace")
                cut += len(text[:column - 1].encode("utf-8"))
            self._count_lost(data[cut:])

    def _count_lost(self, data: bytes) -> None:
        buf = self.tail + data
        self.lost += sum(1 for m in self.start_tag.finditer(buf) if m.end() > len(self.tail))
        self.tail = buf[-64:]


def measure_file(name: str, opener, provider: str, measured: Measured, docs: Sink, problems: Sink) -> None:
    """Stream one XML file (one document or many concatenated): measure every record, list bad
    records and lost documents, refuse hostile documents and documents of an unknown dialect."""
    reader = _DocumentReader(name, provider, measured, docs, problems)
    try:
        with opener() as fh:
            _split_documents(fh, reader)
    except (zipfile.BadZipFile, EOFError, OSError) as err:  # a damaged zip member (CRC, truncation)
        measured.refused.add(name, None, None, None, f"a readable zip member ({err})")
        return
    for line, root in reader.unknown_roots:
        label = _label_of(root) if root else "no root element"
        measured.refused.add(name, line, None, label,
                             f"a patent document of a known XML dialect: the root element is {label} "
                             f"and no record element of a known dialect is inside. Known dialects: "
                             f"{known_dialects()}; {HOW_TO_ADD_A_MAP}")
    measured.files.append({
        "file": name, "standard": "; ".join(reader.dialects) or None,
        "version": "; ".join(reader.versions) or None, "records": reader.records,
        "labels": list(reader.labels),
        "documents": reader.documents,
        "lost_documents": sum(n for f, _, n in measured.lost_at if f == name)})


def measure_batch(con, path: Path, display: str, provider: str) -> Measured:
    """Measure every XML file of a batch; documents go to temp table `xml_docs`, problems to
    `xml_problems`. Raises LoadRejected for hostile files, a zip bomb, documents of an unknown
    dialect, or a batch with no document at all. A large zip of several files is measured by
    worker processes (PARALLEL_WORKERS, PARALLEL_MIN_BYTES), one file each at a time
    (`_parallel_members`); the result is the same."""
    measured = Measured()
    docs = Sink(con, "xml_docs", DOC_COLUMNS)
    problems = Sink(con, "xml_problems", PROBLEM_COLUMNS)
    members = _parallel_members(path, display)
    if members:
        _measure_in_workers(con, path, members, provider, measured)
    else:
        for name, opener in batch_members(path, display, measured):
            measure_file(name, opener, provider, measured, docs, problems)
    docs.flush()
    problems.flush()
    measured.refused.raise_if_any("XML batch")
    if not measured.records and not measured.not_well_formed:
        raise LoadRejected([Problem(display, None, None, None,
                                    f"patent documents of a known dialect ({known_dialects()}); "
                                    f"none were found; {HOW_TO_ADD_A_MAP}")])
    return measured


#: Worker processes for a zip of several files: by default two where the machine has two cores
#: or more, set by IPDX_XML_WORKERS (1 = none). A 500 MB EP zip of 20 files is measured 1.71x
#: faster by two workers than by the loading process alone on a quiet 2-core machine
#: (docs/benchmarks.md); each worker's start (a spawned interpreter importing lxml, DuckDB and
#: pandas, about a second) is paid back only by a large batch, hence PARALLEL_MIN_BYTES.
_WORKERS_TEXT = os.environ.get("IPDX_XML_WORKERS", "")
PARALLEL_WORKERS = int(_WORKERS_TEXT) if _WORKERS_TEXT.isdigit() else min(2, os.cpu_count() or 1)
#: Below this much XML (uncompressed) starting the workers costs more than it saves (at 100 MB
#: on a busy machine they were slower than one process).
PARALLEL_MIN_BYTES = 256 << 20


def _parallel_members(path: Path, display: str) -> list[tuple[str, str]] | None:
    """(member, display name) of the .xml members of a zip worth measuring in parallel, after
    the zip bomb guard; None for a single file, a small zip or one worker."""
    import multiprocessing
    if PARALLEL_WORKERS < 2 or multiprocessing.current_process().daemon:  # a daemon may not start workers
        return None
    with open(path, "rb") as fh:
        if fh.read(4) != b"PK\x03\x04":
            return None
    try:
        with zipfile.ZipFile(path) as zf:
            names = sorted(i.filename for i in zf.infolist()
                           if not i.is_dir() and i.filename.lower().endswith(".xml"))
            if len(names) < 2 or sum(zf.getinfo(n).file_size for n in names) < PARALLEL_MIN_BYTES:
                return None
            _zip_guard(zf, names, display)
    except zipfile.BadZipFile:
        return None  # batch_members names the problem
    return [(n, f"{display}/{n}") for n in names]


def _measure_in_workers(con, path: Path, members: list[tuple[str, str]], provider: str,
                        measured: Measured) -> None:
    """Measure zip members in worker processes; merge their counts in member order and append
    their documents and problems (written as Parquet by each worker) to the temp tables."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    field_maps()  # a broken map is refused here, before any worker starts
    with zipfile.ZipFile(path) as zf:
        if zf.comment.startswith(SKIPPED_MARK):
            measured.skipped = zf.comment[len(SKIPPED_MARK):].decode("utf-8", "replace").split("\n")
    with tempfile.TemporaryDirectory(prefix="ipdx-xml-") as tmp, ProcessPoolExecutor(
            max_workers=PARALLEL_WORKERS, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_measure_member, str(path), member, name, provider, f"{tmp}/{i}")
                   for i, (member, name) in enumerate(members)]
        for future in futures:
            part, docs_file, problems_file = future.result()
            for key in ("records", "not_well_formed", "missing_identifier", "lost_documents"):
                setattr(measured, key, getattr(measured, key) + getattr(part, key))
            measured.files += part.files
            measured.lost_at += part.lost_at
            measured.populated.update(part.populated)
            measured.offices.update(part.offices)
            measured.refused.extend(part.refused.problems)
            measured.refused.total += part.refused.total - len(part.refused.problems)
            con.execute("INSERT INTO xml_docs SELECT * FROM read_parquet($f)", {"f": docs_file})
            con.execute("INSERT INTO xml_problems SELECT * FROM read_parquet($f)", {"f": problems_file})


def _measure_member(path: str, member: str, name: str, provider: str, out: str) -> tuple[Measured, str, str]:
    """In a worker process: measure one zip member; its documents and problems go to Parquet
    files named after `out` (a path in the loader's temporary directory)."""
    import duckdb
    con = duckdb.connect()
    part = Measured()
    docs = Sink(con, "xml_docs", DOC_COLUMNS)
    problems = Sink(con, "xml_problems", PROBLEM_COLUMNS)
    with zipfile.ZipFile(path) as zf:
        measure_file(name, lambda: zf.open(member), provider, part, docs, problems)
    docs.flush()
    problems.flush()
    files = (f"{out}-docs.parquet", f"{out}-problems.parquet")
    for table, target in zip(("xml_docs", "xml_problems"), files):
        # The target is a path of the loader's own temporary directory, never input text.
        con.execute(f"COPY {table} TO '{target}' (FORMAT parquet)")
    con.close()
    return part, files[0], files[1]


def zip_directory(directory: Path) -> Path:
    """A deterministic zip of a directory's *.xml files (sorted names, fixed times), so that the
    same directory always archives to the same bytes and a second load is 'already loaded'.

    Symbolic links (to files or folders) are left out and named in the zip's comment, so the
    load says so: a link could make the archive copy a file from outside the batch. Each file
    keeps its own permission bits, never more than rw-r--r--."""
    directory = Path(directory)
    files, skipped = [], []
    for here, dirnames, filenames in os.walk(directory, followlinks=False):
        for d in list(dirnames):
            if os.path.islink(os.path.join(here, d)):
                skipped.append(Path(here, d).relative_to(directory).as_posix() + "/")
                dirnames.remove(d)
        for f in filenames:
            p = Path(here, f)
            if not f.lower().endswith(".xml"):
                continue
            if p.is_symlink():
                skipped.append(p.relative_to(directory).as_posix())
            elif stat.S_ISREG(os.lstat(p).st_mode):
                files.append(p)
    fd, tmp = tempfile.mkstemp(prefix="xml-batch-", suffix=".zip")
    os.close(fd)
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for p in sorted(files, key=lambda q: q.relative_to(directory).as_posix()):
            # O_NOFOLLOW: a file swapped for a link after the listing is not followed either.
            src_fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(src_fd, "rb") as src:
                mode = stat.S_IMODE(os.fstat(src.fileno()).st_mode) & 0o644
                info = zipfile.ZipInfo(p.relative_to(directory).as_posix(), date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = (stat.S_IFREG | mode) << 16
                with zf.open(info, "w") as dst:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        dst.write(chunk)
        if skipped:
            zf.comment = SKIPPED_MARK + "\n".join(sorted(skipped)).encode("utf-8")[:60000]
    return Path(tmp)


# ------------------------------------------------------------------------------- the load kind

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
        touch_delivered_keys(scratch, "nxt", old)
        for table in ("xml_batches", "xml_batch_files", "xml_record_problems", "delivered_documents"):
            scratch.execute(f"DELETE FROM nxt.{table} WHERE load_seq IN (SELECT unnest($old))", {"old": old})
        scratch.execute(f"DELETE FROM nxt.field_completeness WHERE source = 'measured' AND {where}", key)
        standards = "; ".join(sorted({label for f in m.files for label in f["labels"]}))
        dialects = "; ".join(sorted({d for f in m.files if f["standard"] for d in f["standard"].split("; ")}))
        mismatch = sorted(o for o in m.offices if o != key["provider"])
        mismatch_text = ", ".join(f"{o} ({m.offices[o]})" for o in mismatch) or None
        incomplete = bool(m.lost_documents or m.not_well_formed)
        scratch.execute(
            "INSERT INTO nxt.xml_batches (load_seq, provider, recipient, dataset, scheduled_date, "
            "original_name, files, records, not_well_formed, missing_identifier, standards, dialects, "
            "lost_documents, incomplete, office_mismatch, skipped_links) VALUES ($seq, $provider, "
            "$recipient, $dataset, $scheduled_date, $name, $files, $records, $nwf, $missing, $standards, "
            "$dialects, $lost, $incomplete, $mismatch, $skipped)",
            {**key, "seq": seq, "name": request.display, "files": len(m.files),
             "records": m.records, "nwf": m.not_well_formed, "missing": m.missing_identifier,
             "standards": standards or None, "dialects": dialects or None, "lost": m.lost_documents,
             "incomplete": incomplete, "mismatch": mismatch_text,
             "skipped": "; ".join(m.skipped) or None})
        files = pd.DataFrame(m.files, columns=["file", "standard", "version", "records",
                                               "documents", "lost_documents"])  # labels left out
        insert_frame(scratch, "nxt.xml_batch_files (load_seq, file, standard, version, records, documents, "
                     "lost_documents)", files, f"{int(seq)}, *")
        scratch.execute(f"INSERT INTO nxt.xml_record_problems SELECT {int(seq)}, * FROM xml_problems")
        scratch.execute(f"INSERT INTO nxt.delivered_documents SELECT {int(seq)}, $provider, * FROM xml_docs",
                        {"provider": key["provider"]})
        touch_delivered_keys(scratch, "nxt", [seq])
        refresh_delivered_keys(scratch, "nxt")
        completeness = pd.DataFrame(
            [(name, m.populated[name]) for name in field_labels()], columns=["field", "populated"])
        insert_frame(scratch, "nxt.field_completeness (provider, recipient, dataset, scheduled_date, field, "
                     "populated, source, load_seq)", completeness,
                     f"$provider, $recipient, $dataset, $scheduled_date, field, populated, 'measured', {int(seq)}", key)
        notes = [(f"{m.records} records in {len(m.files)} file(s); {m.not_well_formed} not "
                  f"well-formed; {m.missing_identifier} without a publication number; "
                  f"recipient {key['recipient']}; dialects: {standards or 'none'}")]
        if incomplete:
            where = "; ".join(f"{f}, line {line}: {n}" for f, line, n in m.lost_at[:20])
            notes.append(f"INCOMPLETE: {m.lost_documents} document(s) could not be read to their end "
                         f"and are lost ({where}); the batch holds fewer records than its files")
        if mismatch_text:
            notes.append(f"WARNING: the documents' office differs from --provider {key['provider']}: "
                         f"{mismatch_text} record(s) (loaded as delivered by {key['provider']})")
        if m.skipped:
            notes.append("symbolic links were left out of the directory batch (never followed): "
                         + "; ".join(m.skipped[:20]))
        return {"rows": m.records, "new": 0 if old else m.records, "corrected": m.records if old else 0,
                "unchanged": 0, "notes": notes}
