"""Synthetic ST.36 / ST.96 batches and ST.37 authority files with known gaps (for the tests),
and a large batch for the benchmark. Every document is made up; no third-party sample file.

    python scripts/make_xml_fixtures.py                # writes tests/data/xml/ (committed)
    python scripts/make_xml_fixtures.py --size-mb 200  # writes a ~200 MB batch to a temp dir

What the fixtures hold (the tests assert these numbers):

- st36-batch/ (provider EP): part-1.xml (document 1, with a DOCTYPE naming the ST.36 DTD, which
  is allowed and never loaded), part-2.xml (documents 2..11 in a wrapper), part-3.xml (not
  well-formed: a mismatched end tag). 11 well-formed records. Gaps: 3 no abstract; 4 no
  inventors and no abstract; 5 no description and no claims; 6 an empty title; 7 no publication
  number; 9 no priority claims; 10 no classification; 11 is EP 1000099, which the EP authority
  file does not list (an unexpected extra).
- st96-batch.xml (provider JP): 6 ST.96 V6_0 records in a wrapper. Gaps: 2 no abstract; 3 no
  applicant and no inventor; 4 no publication number; 6 no description and no claims.
- ep-authority.txt (ST.37 text form, ';'): EP 1000001..1000015; 1000011 withdrawn (W);
  1000005-1000006 and 1000013-1000015 given as ranges.
- jp-authority.xml (ST.37 XML form): JP 2024000101..2024000108; 2024000107 never published (N);
  2024000103-2024000106 as a range.
- bad/: billion laughs and XXE (external entity, external parameter entity) for both readers,
  and an authority file with one error per rule.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "xml"
ST96_PAT = "http://www.wipo.int/standards/XMLSchema/ST96/Patent"
ST96_COM = "http://www.wipo.int/standards/XMLSchema/ST96/Common"

# ST.36 documents of provider EP: (n, number or None, kind, date, fields left out)
ST36_DOCS = [
    (1, "1000001", "A1", "20230301", set()),
    (2, "1000002", "B1", "20230607", set()),
    (3, "1000003", "A1", "20231115", {"abstract"}),
    (4, "1000004", "B1", "20240110", {"inventor", "abstract"}),
    (5, "1000005", "A1", "20240214", {"description", "claims"}),
    (6, "1000006", "A1", "20240214", {"empty_title"}),
    (7, None, "A1", "20240306", set()),
    (8, "1000008", "A1", "20240320", set()),
    (9, "1000009", "A1", "20240403", {"priority_claims"}),
    (10, "1000010", "B1", "20240403", {"classification"}),
    (11, "1000099", "A1", "20240501", set()),
]
# ST.96 documents of provider JP
ST96_DOCS = [
    (1, "2024-000101", "A", "2024-01-11", set()),
    (2, "2024-000102", "A", "2024-02-08", {"abstract"}),
    (3, "2024-000103", "A", "2024-03-14", {"applicant", "inventor"}),
    (4, None, "A", "2024-04-11", set()),
    (5, "2024-000105", "A", "2024-05-09", set()),
    (6, "2024-000106", "A", "2024-06-13", {"description", "claims"}),
]


def st36_document(n, number, kind, date, gaps, filler: str = "") -> str:
    title = "" if "empty_title" in gaps else f"Synthetic invention number {n}"
    parts = [f'<patent-document dtd-version="v1.6" lang="en">\n<bibliographic-data>\n'
             f'<publication-reference><document-id><country>EP</country>'
             f'<doc-number>{number or ""}</doc-number><kind>{kind}</kind><date>{date}</date>'
             f'</document-id></publication-reference>\n'
             f'<application-reference><document-id><country>EP</country><doc-number>2{n:07d}.5</doc-number>'
             f'<date>2022{n % 12 + 1:02d}01</date></document-id></application-reference>\n']
    if "classification" not in gaps:
        parts.append('<classifications-ipcr><classification-ipcr><text>G06F 16/00</text>'
                     '</classification-ipcr></classifications-ipcr>\n')
    if "priority_claims" not in gaps:
        parts.append('<priority-claims><priority-claim sequence="1"><country>US</country>'
                     f'<doc-number>63/{n:06d}</doc-number><date>20210101</date></priority-claim>'
                     '</priority-claims>\n')
    parts.append(f'<invention-title lang="en">{title}</invention-title>\n<parties>\n')
    parts.append(f'<applicants><applicant sequence="1"><addressbook><orgname>Example Applicant {n}'
                 '</orgname></addressbook></applicant></applicants>\n')
    if "inventor" not in gaps:
        parts.append(f'<inventors><inventor sequence="1"><addressbook><last-name>Inventor{n}</last-name>'
                     '</addressbook></inventor></inventors>\n')
    parts.append('</parties>\n</bibliographic-data>\n')
    if "abstract" not in gaps:
        parts.append(f'<abstract><p>An abstract of invention {n}.</p></abstract>\n')
    if "description" not in gaps:
        parts.append(f'<description><p num="0001">Description of invention {n}. {filler}</p></description>\n')
    if "claims" not in gaps:
        parts.append(f'<claims><claim num="1"><claim-text>A thing as in invention {n}.</claim-text>'
                     '</claim></claims>\n')
    parts.append('</patent-document>\n')
    return "".join(parts)


def st96_document(n, number, kind, date, gaps) -> str:
    number_xml = f"<pat:PublicationNumber>{number}</pat:PublicationNumber>" if number else ""
    parts = [f'<pat:PatentPublication com:st96Version="V6_0">\n<pat:BibliographicData>\n'
             f'<pat:PatentPublicationIdentification><com:IPOfficeCode>JP</com:IPOfficeCode>{number_xml}'
             f'<com:PatentDocumentKindCode>{kind}</com:PatentDocumentKindCode>'
             f'<com:PublicationDate>{date}</com:PublicationDate></pat:PatentPublicationIdentification>\n'
             f'<pat:ApplicationIdentification><com:IPOfficeCode>JP</com:IPOfficeCode><com:ApplicationNumber>'
             f'<com:ApplicationNumberText>2022-{n:06d}</com:ApplicationNumberText></com:ApplicationNumber>'
             f'<pat:FilingDate>2022-0{n}-01</pat:FilingDate></pat:ApplicationIdentification>\n'
             '<pat:PriorityClaimBag><pat:PriorityClaim><com:IPOfficeCode>JP</com:IPOfficeCode>'
             f'<com:ApplicationNumber><com:ApplicationNumberText>2021-{n:06d}</com:ApplicationNumberText>'
             '</com:ApplicationNumber><pat:FilingDate>2021-01-01</pat:FilingDate></pat:PriorityClaim>'
             '</pat:PriorityClaimBag>\n'
             '<pat:PatentClassificationBag><pat:IPCRClassificationBag><pat:IPCRClassification>'
             '<pat:PatentClassificationText>H04W 12/04</pat:PatentClassificationText>'
             '</pat:IPCRClassification></pat:IPCRClassificationBag></pat:PatentClassificationBag>\n'
             f'<pat:InventionTitleBag><pat:InventionTitle com:languageCode="en">Synthetic device {n}'
             '</pat:InventionTitle></pat:InventionTitleBag>\n<pat:PartyBag>\n']
    if "applicant" not in gaps:
        parts.append(f'<pat:ApplicantBag><pat:Applicant><com:Contact><com:Name><com:EntityName>Example KK {n}'
                     '</com:EntityName></com:Name></com:Contact></pat:Applicant></pat:ApplicantBag>\n')
    if "inventor" not in gaps:
        parts.append(f'<pat:InventorBag><pat:Inventor><com:Contact><com:Name><com:EntityName>Inventor {n}'
                     '</com:EntityName></com:Name></com:Contact></pat:Inventor></pat:InventorBag>\n')
    parts.append('</pat:PartyBag>\n</pat:BibliographicData>\n')
    if "abstract" not in gaps:
        parts.append(f'<pat:Abstract><com:P>An abstract of device {n}.</com:P></pat:Abstract>\n')
    if "description" not in gaps:
        parts.append(f'<pat:Description><com:P>Description of device {n}.</com:P></pat:Description>\n')
    if "claims" not in gaps:
        parts.append(f'<pat:Claims><pat:Claim><pat:ClaimText>A device as in {n}.</pat:ClaimText>'
                     '</pat:Claim></pat:Claims>\n')
    parts.append('</pat:PatentPublication>\n')
    return "".join(parts)


ST36_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'
ST96_WRAPPER_OPEN = f'<?xml version="1.0" encoding="UTF-8"?>\n<batch xmlns:pat="{ST96_PAT}" xmlns:com="{ST96_COM}">\n'

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE patent-document [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE patent-document [
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
"""
XXE_PARAMETER = """<?xml version="1.0"?>
<!DOCTYPE patent-document [
 <!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd">
 %remote;
]>
"""


def _hostile_st36(prolog: str, reference: str) -> str:
    doc = st36_document(1, "1000001", "A1", "20230301", set())
    return prolog + doc.replace("An abstract of invention 1.", reference)


def write_fixtures(out: Path = OUT) -> None:
    (out / "st36-batch").mkdir(parents=True, exist_ok=True)
    (out / "bad").mkdir(parents=True, exist_ok=True)
    first, rest = ST36_DOCS[0], ST36_DOCS[1:]
    (out / "st36-batch" / "part-1.xml").write_text(
        ST36_PROLOG + '<!DOCTYPE patent-document SYSTEM "ST36-patent-document-v1-6.dtd">\n'
        + st36_document(*first), encoding="utf-8")
    (out / "st36-batch" / "part-2.xml").write_text(
        ST36_PROLOG + "<patent-documents>\n" + "".join(st36_document(*d) for d in rest)
        + "</patent-documents>\n", encoding="utf-8")
    broken = st36_document(12, "1000012", "A1", "20240501", set()).replace("</abstract>", "</summary>")
    (out / "st36-batch" / "part-3.xml").write_text(
        ST36_PROLOG + "<patent-documents>\n" + broken + "</patent-documents>\n", encoding="utf-8")
    (out / "st96-batch.xml").write_text(
        ST96_WRAPPER_OPEN + "".join(st96_document(*d) for d in ST96_DOCS) + "</batch>\n", encoding="utf-8")
    (out / "ep-authority.txt").write_text(
        "office;publication number;kind;publication date;exception code;range end\n"
        "EP;1000001;A1;20230301;;\n"
        "EP;1000002;B1;20230607;;\n"
        "EP;1000003;A1;20231115;;\n"
        "EP;1000004;B1;20240110;;\n"
        "EP;1000005;A1;20240214;;1000006\n"
        "EP;1000007;A1;20240306;;\n"
        "EP;1000008;A1;20240320;;\n"
        "EP;1000009;A1;20240403;;\n"
        "EP;1000010;B1;20240403;;\n"
        "EP;1000011;A1;20240501;W;\n"
        "EP;1000012;A1;20240501;;\n"
        "EP;1000013;A1;20240508;;1000015\n", encoding="utf-8")
    (out / "jp-authority.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<!DOCTYPE authority-file SYSTEM "authority-file.dtd">\n'
        '<authority-file office="JP" date-produced="20240701">\n'
        "<document-id><country>JP</country><doc-number>2024000101</doc-number><kind>A</kind><date>20240111</date></document-id>\n"
        "<document-id><country>JP</country><doc-number>2024000102</doc-number><kind>A</kind><date>20240208</date></document-id>\n"
        "<document-range><country>JP</country><begin>2024000103</begin><end>2024000106</end><kind>A</kind><date>20240314</date></document-range>\n"
        '<document-id exception-code="N"><country>JP</country><doc-number>2024000107</doc-number><kind>A</kind><date>20240613</date></document-id>\n'
        "<document-id><country>JP</country><doc-number>2024000108</doc-number><kind>A</kind><date>20240620</date></document-id>\n"
        "</authority-file>\n", encoding="utf-8")
    bad = out / "bad"
    (bad / "billion-laughs.xml").write_text(_hostile_st36(BILLION_LAUGHS, "&lol9;"), encoding="utf-8")
    (bad / "xxe.xml").write_text(_hostile_st36(XXE, "&xxe;"), encoding="utf-8")
    (bad / "xxe-parameter.xml").write_text(_hostile_st36(XXE_PARAMETER, "x"), encoding="utf-8")
    authority_doc = ("<authority-file>\n<document-id><country>EP</country><doc-number>1</doc-number>"
                     "<kind>A1</kind><date>20240101</date>{ref}</document-id>\n</authority-file>\n")
    (bad / "authority-billion-laughs.xml").write_text(
        BILLION_LAUGHS.replace("patent-document", "authority-file")
        + authority_doc.format(ref="<exception-code>&lol9;</exception-code>"), encoding="utf-8")
    (bad / "authority-xxe.xml").write_text(
        XXE.replace("patent-document", "authority-file")
        + authority_doc.format(ref="<exception-code>&xxe;</exception-code>"), encoding="utf-8")
    (bad / "authority-errors.txt").write_text(
        "office,publication number,kind,publication date,exception code,range end\n"
        "XX,1000001,A1,20240101,,\n"          # line 2: unknown office
        "EP,1000002,ZZZ,20240101,,\n"         # line 3: not an ST.16 kind code
        "EP,1000003,A1,2024-13-45,,\n"        # line 4: no such date
        "EP,1000004,A1,20240101,Q,\n"         # line 5: unknown exception code
        "EP,1000009,A1,20240101,,1000005\n"   # line 6: range end below its start
        "EP,,A1,20240101,,\n", encoding="utf-8")  # line 7: no publication number


def write_large_batch(size_mb: float, directory: Path | None = None) -> Path:
    """A single ST.36 file of about `size_mb` MB (every 10th record lacks an abstract), streamed
    to disk so that writing it needs no memory either."""
    directory = Path(directory or tempfile.mkdtemp(prefix="ipdx-bench-"))
    path = directory / f"st36-large-{int(size_mb)}mb.xml"
    filler = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 30
    target = size_mb * 1024 * 1024
    written = n = 0
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(ST36_PROLOG + "<patent-documents>\n")
        while written < target:
            n += 1
            doc = st36_document(n, f"{3000000 + n}", "A1", "20240101",
                                {"abstract"} if n % 10 == 0 else set(), filler)
            fh.write(doc)
            written += len(doc)
        fh.write("</patent-documents>\n")
    return path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mb", type=float, help="write one large ST.36 batch of this size to a temp dir")
    p.add_argument("--out", help="directory for --size-mb (default: a new temp dir)")
    args = p.parse_args(argv)
    if args.size_mb:
        print(write_large_batch(args.size_mb, Path(args.out) if args.out else None))
    else:
        write_fixtures()
        print(f"wrote fixtures to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
