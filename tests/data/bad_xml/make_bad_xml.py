"""Writes the hostile XML / ST.37 corpus of this folder and its EXPECTED.toml (what loading each
file must produce). Every file is small (< 1 MB) and made up by this script.

    python tests/data/bad_xml/make_bad_xml.py

Each case: `kind` (xml or authority), `row` (the line named, 0 when the problem is the whole
file or zip member), `fragment` (a piece of the message), `why`.
"""
from __future__ import annotations

import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = ('<?xml version="1.0" encoding="UTF-8"?>\n<patent-document dtd-version="v1.6"><bibliographic-data>'
       '<publication-reference><document-id><country>EP</country><doc-number>1</doc-number><kind>A1</kind>'
       '<date>20240101</date></document-id></publication-reference></bibliographic-data>'
       '<description><p>{filler}</p></description></patent-document>\n')
HEADER = "office;publication number;kind;publication date;exception code;range end\n"
CASES: list[dict] = []


def case(file, kind, row, fragment, why):
    CASES.append({"file": file, "kind": kind, "row": row, "fragment": fragment, "why": why})


def _patch_sizes(path: Path, sizes: dict[str, int]) -> None:
    """Make a zip declare other uncompressed sizes in its central directory (the sizes zipfile
    trusts), as a crafted bomb does; the data itself stays small."""
    data = bytearray(path.read_bytes())
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, pos + 28)
        name = bytes(data[pos + 46:pos + 46 + name_len]).decode()
        if name in sizes:
            struct.pack_into("<I", data, pos + 24, sizes[name])
        pos = data.find(b"PK\x01\x02", pos + 46 + name_len + extra_len + comment_len)
    path.write_bytes(bytes(data))


def write() -> None:
    # --- XML zips: the bomb guard
    bomb = HERE / "zip-bomb-ratio.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("ipg.xml", DOC.format(filler=" " * (60 << 20)))  # 60 MB of blanks, ~60 KB packed
    case(bomb.name, "xml", 0, "compression ratio of at most 100:1",
         "60 MB inflating from about 60 KB: refused before anything is inflated")
    member = HERE / "zip-member-declares-3-5-gb.zip"
    with zipfile.ZipFile(member, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("big.xml", DOC.format(filler="x"))
    _patch_sizes(member, {"big.xml": 3_500_000_000})
    case(member.name, "xml", 0, "a zip member of at most", "a member declaring 3.5 GB uncompressed")
    total = HERE / "zip-total-declares-14-gb.zip"
    with zipfile.ZipFile(total, "w", zipfile.ZIP_STORED) as zf:
        for i in range(5):
            zf.writestr(f"part-{i}.xml", DOC.format(filler="x" * 2000))
    _patch_sizes(total, {f"part-{i}.xml": 3_000_000_000 for i in range(5)})
    case(total.name, "xml", 0, "bytes of XML in one zip", "5 members of 3 GB each: over the total cap")
    broken = HERE / "zip-not-a-zip.zip"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    case(broken.name, "xml", 0, "a readable zip", "starts like a zip, is not one")
    # --- XML documents
    (HERE / "unknown-dialect.xml").write_text(
        '<?xml version="1.0"?>\n<invoice xmlns="urn:example:billing"><total>3</total></invoice>\n')
    case("unknown-dialect.xml", "xml", 1, "root element is <invoice> (namespace urn:example:billing)",
         "not a patent document: the known dialects and how to add one are named")
    (HERE / "parsed-entity-among-ndata.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE us-patent-grant SYSTEM "x.dtd" [\n<!NOTATION TIF SYSTEM "image/tiff">\n'
        '<!ENTITY img1 SYSTEM "img1.tif" NDATA TIF>\n<!ENTITY leak SYSTEM "file:///etc/hostname">\n]>\n'
        '<us-patent-grant><x>&leak;</x></us-patent-grant>\n')
    case("parsed-entity-among-ndata.xml", "xml", 1, "external entities (leak)",
         "NDATA entities are allowed, a parsed external one beside them is not")
    (HERE / "huge-prolog.xml").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE patent-document [\n' + "<!-- padding -->\n" * 36_000 + "]>\n"
        "<patent-document/>\n")
    case("huge-prolog.xml", "xml", 0, "the root element within the first", "a DTD of more than 1 MB")
    # --- ST.37 text files
    (HERE / "authority-long-field.txt").write_text(
        HEADER + "EP;1;A1;20240101;;\n" + "EP;" + "9" * 200_000 + ";A1;20240101;;\n")
    case("authority-long-field.txt", "authority", 3, "a field of at most 200 characters",
         "a 200 KB cell (was a csv.Error traceback)")
    (HERE / "authority-superscript-digits.txt").write_text(
        HEADER + "EP;1;A1;20240101;;\nEP;10;A1;20240101;;1\u00b2\n", encoding="utf-8")
    case("authority-superscript-digits.txt", "authority", 3, "digits 0-9",
         "a range end in superscript digits (was a usage error without a row)")
    (HERE / "authority-huge-number.txt").write_text(HEADER + "EP;1;A1;20240101;;" + "9" * 60 + "\n")
    case("authority-huge-number.txt", "authority", 2, "at most 15 digits",
         "a 60-digit range end (a 5000-digit one, which int() refuses, was a usage error)")
    (HERE / "authority-latin1.txt").write_bytes(
        (HEADER + "EP;1;A1;20240101;;\nEP;2;A1;20240101;;\n").encode() + "EP;3;A1;20240101;ré;\n".encode("latin-1"))
    case("authority-latin1.txt", "authority", 4, "UTF-8 text (byte 0xE9",
         "a Latin-1 byte (was a usage error without a row)")
    (HERE / "authority-range-bomb.txt").write_text(
        HEADER + "".join(f"EP;{n * 1_000_000 + 1};A1;20240101;;{(n + 1) * 1_000_000}\n" for n in range(30)))
    case("authority-range-bomb.txt", "authority", 22, "at most 20,000,000 publication numbers",
         "30 ranges of a million numbers in 1 KB: refused before anything is expanded")
    (HERE / "authority-unknown-exception.txt").write_text(HEADER + "EP;1;A1;20240101;Z;\n")
    case("authority-unknown-exception.txt", "authority", 2, "st37-exception-codes.csv",
         "an exception code that is not in the table: the allowed ones are listed")
    (HERE / "authority-header-without-kind.txt").write_text(
        "office;publication number;publication date\nEP;1;20240101\n")
    case("authority-header-without-kind.txt", "authority", 1, "missing: kind",
         "a header that lacks a mandatory ST.37 element")
    (HERE / "authority-unquoted-quote.txt").write_text(HEADER + 'EP;"1;A1;20240101;;\n' * 3 + "\x00\n")
    case("authority-unquoted-quote.txt", "authority", 3, "mandatory",
         "an unterminated quote swallows the lines after it: the entry it makes lacks kind and date")
    lines = ["# Generated by make_bad_xml.py: what loading each file must produce.",
             "# row 0: a whole-file (or zip member) problem, no line to name.", ""]
    for c in CASES:
        lines += ["[[case]]"] + [f"{k} = {v!r}" if isinstance(v, int) else f'{k} = "{v}"'
                                 for k, v in c.items()] + [""]
    (HERE / "EXPECTED.toml").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"wrote {len(CASES)} cases to {HERE}")
