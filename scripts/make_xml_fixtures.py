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
import zipfile
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
    parts = [(f'<patent-document dtd-version="v1.6" lang="en">\n<bibliographic-data>\n'
             f'<publication-reference><document-id><country>EP</country>'
             f'<doc-number>{number or ""}</doc-number><kind>{kind}</kind><date>{date}</date>'
             f'</document-id></publication-reference>\n'
             f'<application-reference><document-id><country>EP</country><doc-number>2{n:07d}.5</doc-number>'
             f'<date>2022{n % 12 + 1:02d}01</date></document-id></application-reference>\n')]
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
    parts = [(f'<pat:PatentPublication com:st96Version="V6_0">\n<pat:BibliographicData>\n'
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
             '</pat:InventionTitle></pat:InventionTitleBag>\n<pat:PartyBag>\n')]
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


# ------------------------------------------------------------------ office dialects (illustrative)
# Documents in the office dialects that data/reference/field-maps/ declares, written by this
# script from the element names of each dialect (docs/xml-dialects.md). Every value is made up;
# nothing is copied from a real document. The tests assert the gaps listed with each one.

US_V45 = "v4.5 2014-04-03"
US_V40 = "v40 2004-12-02"


def us_document(number, kind, date, gaps=(), version=US_V45, kind_of="grant", images=0) -> str:
    """A USPTO us-patent-grant / us-patent-application with its own declaration and DOCTYPE (as
    in the weekly bulk files). v40 lists the inventors among the applicants
    (app-type="applicant-inventor"); v4.x has us-parties with us-applicants and inventors.
    `images` declares that many unparsed (NDATA) image entities, as older files do."""
    root, biblio = f"us-patent-{kind_of}", f"us-bibliographic-data-{kind_of}"
    entities = "".join(f'<!ENTITY US{number}-{date}-D{i:05d}.TIF SYSTEM "US{number}-{date}-D{i:05d}.TIF" '
                       'NDATA TIF>\n' for i in range(images))
    subset = f" [\n<!NOTATION TIF SYSTEM \"image/tiff\">\n{entities}]" if images else " [ ]"
    dtd = f"{root}-{version.split()[0].replace('.', '')}.dtd"
    parts = [(f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {root} SYSTEM "{dtd}"{subset}>\n'
             f'<{root} lang="EN" dtd-version="{version}" file="US{number}-{date}.XML" country="US" '
             f'date-publ="{date}">\n<{biblio}>\n'
             f'<publication-reference><document-id><country>US</country><doc-number>{number}</doc-number>'
             f'<kind>{kind}</kind><date>{date}</date></document-id></publication-reference>\n'
             f'<application-reference appl-type="utility"><document-id><country>US</country>'
             f'<doc-number>1{number[-7:]}</doc-number><date>20200102</date></document-id></application-reference>\n')]
    if "priority_claims" not in gaps:
        parts.append('<priority-claims><priority-claim sequence="01" kind="national"><country>JP</country>'
                     f'<doc-number>2019-{number[-6:]}</doc-number><date>20190301</date></priority-claim></priority-claims>\n')
    if "classification" not in gaps:
        if version == US_V40:
            parts.append('<classification-ipc><edition>7</edition><main-classification>G06F 17/30'
                         '</main-classification></classification-ipc>\n')
        else:
            parts.append('<classifications-ipcr><classification-ipcr><section>G</section><class>06</class>'
                         '<subclass>F</subclass><main-group>16</main-group><subgroup>00</subgroup>'
                         '</classification-ipcr></classifications-ipcr>\n')
    parts.append(f'<invention-title id="t1">Illustrative apparatus {number}</invention-title>\n')
    if version == US_V40:
        inventor = ("" if "inventor" in gaps else
                    '<applicant sequence="001" app-type="applicant-inventor" designation="us-only">'
                    '<addressbook><last-name>Example</last-name><first-name>Ada</first-name></addressbook>'
                    '</applicant>')
        parts.append(f'<parties><applicants>{inventor}</applicants></parties>\n')
    else:
        applicant = ("" if "applicant" in gaps else
                     '<us-applicants><us-applicant sequence="001" app-type="applicant" designation="us-only">'
                     '<addressbook><orgname>Example Devices Inc.</orgname></addressbook></us-applicant>'
                     '</us-applicants>')
        inventor = ("" if "inventor" in gaps else
                    '<inventors><inventor sequence="001"><addressbook><last-name>Example</last-name>'
                    '<first-name>Ada</first-name></addressbook></inventor></inventors>')
        parts.append(f'<us-parties>{applicant}{inventor}</us-parties>\n')
    parts.append(f'</{biblio}>\n')
    if "abstract" not in gaps:
        parts.append(f'<abstract id="abstract"><p id="p-0001" num="0000">An illustrative apparatus {number}.</p></abstract>\n')
    if "description" not in gaps:
        parts.append(f'<description id="description"><p id="p-0002" num="0001">Described {number}.</p></description>\n')
    if "claims" not in gaps:
        parts.append('<claims id="claims"><claim id="CLM-00001" num="00001"><claim-text>1. An apparatus.'
                     '</claim-text></claim></claims>\n')
    parts.append(f'</{root}>\n')
    return "".join(parts)


def ep_document(number, kind, date, gaps=()) -> str:
    """An EPO ep-patent-document (SDOBI B-tags). A B publication has proprietors (B730) and no
    abstract; an A publication applicants (B710) and an abstract."""
    granted = kind.startswith("B")
    party = ("<B730><B731><snm>Example Proprietor SA</snm></B731></B730>" if granted else
             "<B710><B711><snm>Example Applicant GmbH</snm></B711></B710>")
    inventor = "" if "inventor" in gaps else "<B720><B721><snm>Example, Inventor</snm></B721></B720>"
    priority = ("" if "priority_claims" in gaps else
                "<B300><B310>2019-000001</B310><B320><date>20190101</date></B320><B330><ctry>JP</ctry></B330></B300>")
    parts = [('<?xml version="1.0" encoding="UTF-8"?>\n'
             '<!DOCTYPE ep-patent-document PUBLIC "-//EPO//EP PATENT DOCUMENT 1.5//EN" "ep-patent-document-v1-5.dtd">\n'
             f'<ep-patent-document id="EP{number}{kind}" lang="en" country="EP" doc-number="{number}" kind="{kind}" '
             f'date-publ="{date}" dtd-version="ep-patent-document-v1-5">\n'
             f'<SDOBI lang="en"><B100><B110>{number}</B110><B130>{kind}</B130><B140><date>{date}</date></B140>'
             f'<B190>EP</B190></B100><B200><B210>20{number[-6:]}.1</B210><B220><date>20200115</date></B220></B200>'
             f'{priority}<B500><B510EP><classification-ipcr sequence="1"><text>H04L 9/00 20060101AFI</text>'
             '</classification-ipcr></B510EP><B540><B541>en</B541><B542>Illustrative method</B542></B540></B500>'
             f'<B700>{party}{inventor}</B700></SDOBI>\n')]
    if not granted and "abstract" not in gaps:
        parts.append('<abstract id="abst" lang="en"><p id="pa01" num="0001">An illustrative method.</p></abstract>\n')
    parts.append('<description id="desc" lang="en"><p id="p0001" num="0001">Described.</p></description>\n'
                 '<claims id="claims01" lang="en"><claim id="c-en-0001" num="0001"><claim-text>A method.'
                 '</claim-text></claim></claims>\n</ep-patent-document>\n')
    return "".join(parts)


def docdb_documents(docs) -> str:
    """An EPO DOCDB exchange file: exch:exchange-documents holding one exch:exchange-document per
    (office, number, kind, date, gaps). DOCDB has no description or claims."""
    out = [('<?xml version="1.0" encoding="UTF-8"?>\n<exch:exchange-documents '
           'xmlns:exch="http://www.epo.org/exchange" dtd-version="2.5.8" date-of-exchange="20240105">\n')]
    for office, number, kind, date, gaps in docs:
        out.append(f'<exch:exchange-document system="www.epo.org" country="{office}" doc-number="{number}" '
                   f'kind="{kind}" date-publ="{date}" status="N">\n<exch:bibliographic-data>\n'
                   '<exch:publication-reference data-format="docdb"><document-id><country>'
                   f'{office}</country><doc-number>{number}</doc-number><kind>{kind}</kind><date>{date}</date>'
                   '</document-id></exch:publication-reference>\n'
                   '<exch:application-reference data-format="docdb"><document-id><country>'
                   f'{office}</country><doc-number>{number}</doc-number><kind>A</kind><date>20220301</date>'
                   '</document-id></exch:application-reference>\n')
        if "classification" not in gaps:
            out.append('<exch:classifications-ipcr><classification-ipcr sequence="1"><text>A61K 9/00 A I'
                       '</text></classification-ipcr></exch:classifications-ipcr>\n')
        out.append('<exch:parties><exch:applicants><exch:applicant sequence="1" data-format="docdb">'
                   '<exch:applicant-name><name>EXAMPLE CORP</name></exch:applicant-name></exch:applicant>'
                   '</exch:applicants>')
        if "inventor" not in gaps:
            out.append('<exch:inventors><exch:inventor sequence="1" data-format="docdb"><exch:inventor-name>'
                       '<name>EXAMPLE ADA</name></exch:inventor-name></exch:inventor></exch:inventors>')
        out.append('</exch:parties>\n<exch:invention-title lang="en" data-format="docdb">Illustrative compound'
                   '</exch:invention-title>\n</exch:bibliographic-data>\n')
        if "abstract" not in gaps:
            out.append('<exch:abstract lang="en" data-format="docdba"><exch:p>An illustrative compound.</exch:p>'
                       '</exch:abstract>\n')
        out.append('</exch:exchange-document>\n')
    out.append('</exch:exchange-documents>\n')
    return "".join(out)


def kr_document(number, kind, date) -> str:
    """A KIPO kr-patent-document (ST.36 structure with the kr- bibliographic wrapper)."""
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<kr-patent-document lang="ko" country="KR" dtd-version="1.0">\n<kr-bibliographic-data>\n'
            f'<publication-reference><document-id><country>KR</country><doc-number>{number}</doc-number>'
            f'<kind>{kind}</kind><date>{date}</date></document-id></publication-reference>\n'
            '<application-reference><document-id><country>KR</country><doc-number>1020230000001</doc-number>'
            '<date>20230102</date></document-id></application-reference>\n'
            '<classifications-ipcr><classification-ipcr><text>H01M 10/05</text></classification-ipcr>'
            '</classifications-ipcr>\n<invention-title lang="ko">예시 전지</invention-title>\n'
            '<parties><applicants><applicant sequence="1"><addressbook><name>예시 주식회사</name></addressbook>'
            '</applicant></applicants><inventors><inventor sequence="1"><addressbook><name>홍길동</name>'
            '</addressbook></inventor></inventors></parties>\n</kr-bibliographic-data>\n'
            '<abstract><p>예시 요약.</p></abstract>\n<description><p>설명.</p></description>\n'
            '<claims><claim num="1"><claim-text>전지.</claim-text></claim></claims>\n</kr-patent-document>\n')


def st96_standalone(n, number, date) -> str:
    """One ST.96 PatentPublication as a document of its own (declaration and namespaces)."""
    doc = st96_document(n, number, "A", date, set())
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + doc.replace(
        "<pat:PatentPublication ", f'<pat:PatentPublication xmlns:pat="{ST96_PAT}" xmlns:com="{ST96_COM}" ', 1))


#: The US weekly bulk file of the fixtures: (number, kind, date, gaps, version, images).
US_BULK = [
    ("11000001", "B2", "20240102", (), US_V45, 2),
    ("11000002", "B1", "20240102", ("priority_claims",), US_V45, 0),
    ("11000003", "B2", "20240102", ("abstract",), US_V45, 1),
]


def write_dialect_fixtures(out: Path) -> None:
    """tests/data/xml/dialects/ (what each file holds is asserted in tests/test_xml_batches.py):

    - us-bulk-ipg.xml: 3 US grants v4.5 concatenated, each with its own declaration and DOCTYPE,
      two declaring NDATA image entities; 2 lacks priority claims, 3 the abstract.
    - us-bulk-truncated.xml: the same 3, the second cut off in its description: 1 lost.
    - us-v40-grant.xml: a v40 (2004) grant whose inventor is listed among the applicants.
    - us-application.xml: a us-patent-application (A1), no classification.
    - ep-b1.xml: an EP B1 (no abstract: B publications have none), no inventor.
    - docdb.xml: 3 DOCDB exchange documents (EP, EP, WO); the WO one has no abstract.
    - kr.xml: one KR document, every field.
    - st96-joined.xml: 2 ST.96 documents, each with its own declaration.
    """
    d = out / "dialects"
    d.mkdir(parents=True, exist_ok=True)
    bulk = [us_document(n, k, dt, g, v, images=i) for n, k, dt, g, v, i in US_BULK]
    (d / "us-bulk-ipg.xml").write_text("".join(bulk), encoding="utf-8")
    cut = bulk[1].index("<description")
    (d / "us-bulk-truncated.xml").write_text(bulk[0] + bulk[1][:cut + 30] + "\n" + bulk[2], encoding="utf-8")
    (d / "us-v40-grant.xml").write_text(us_document("06800001", "B1", "20041221", version=US_V40),
                                        encoding="utf-8")
    (d / "us-application.xml").write_text(
        us_document("20240000001", "A1", "20240104", ("classification",), kind_of="application"),
        encoding="utf-8")
    (d / "ep-b1.xml").write_text(ep_document("3900001", "B1", "20240103", ("inventor",)), encoding="utf-8")
    (d / "docdb.xml").write_text(docdb_documents([
        ("EP", "4000001", "A1", "20240103", ()), ("EP", "4000002", "A2", "20240103", ("inventor",)),
        ("WO", "2024000001", "A1", "20240104", ("abstract",))]), encoding="utf-8")
    (d / "kr.xml").write_text(kr_document("1020240000001", "A", "20240105"), encoding="utf-8")
    (d / "st96-joined.xml").write_text(st96_standalone(1, "2024-000201", "2024-01-11")
                                       + st96_standalone(2, "2024-000202", "2024-01-18"), encoding="utf-8")


# ------------------------------------------------------------------ the bundled illustrative batches
BUNDLED_XML = ROOT / "data" / "bundled" / "xml"


def write_bundled(out: Path = BUNDLED_XML) -> None:
    """data/bundled/xml/: ILLUSTRATIVE XML batches and an ST.37 authority file for the embedded
    default (loaded by `python -m loaders build`, see loaders/store.py BUNDLED_XML_LOADS), so the
    Document coverage page has something to show on a fresh start. Written by this script in
    the offices' dialects; every number, name and text is made up.

    - us-grants-illustrative.xml: a USPTO-style weekly file, 24 us-patent-grant v4.5 documents
      concatenated (some declare NDATA image entities); the 13th is cut off (1 lost document,
      so the batch is incomplete); 1 lacks the abstract.
    - ep-illustrative.zip: 20 EP documents (19 A1, 1 B1 without abstract, as B publications have
      none) in two files.
    - ep-authority-illustrative.csv: the EP authority file, EPO-style semicolon CSV: 24 numbers,
      4 of them never delivered, 1 withdrawn (W) and 1 with the office-defined code E.
    """
    out.mkdir(parents=True, exist_ok=True)
    us = [us_document(f"{11500000 + n}", "B2" if n % 5 else "B1", "20261117",
                      ("abstract",) if n == 7 else (), US_V45, images=n % 3) for n in range(1, 25)]
    cut = us[12].index("<description")
    us[12] = us[12][:cut + 20] + "\n"
    (out / "us-grants-illustrative.xml").write_text("".join(us), encoding="utf-8")
    ep = [ep_document(f"{4100000 + n}", "B1" if n == 20 else "A1", "20261118") for n in range(1, 21)]
    zip_path = out / "ep-illustrative.zip"
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, docs in (("EP-2026-47-part1.xml", ep[:10]), ("EP-2026-47-part2.xml", ep[10:])):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, "".join(docs))
    lines = ['"Country_Code";"Publication_Number";"Kind_Code";"Publication_Date (YYYYMMDD)";"Exception_Code"']
    for n in range(1, 25):
        kind = "B1" if n == 20 else "A1"
        code = {21: "W", 22: "E"}.get(n, "")
        lines.append(f'"EP";"{4100000 + n}";"{kind}";"20261118";"{code}"')
    (out / "ep-authority-illustrative.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


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
    p.add_argument("--bundled", action="store_true",
                   help="write the bundled illustrative XML batches and authority file to data/bundled/xml/")
    args = p.parse_args(argv)
    if args.size_mb:
        print(write_large_batch(args.size_mb, Path(args.out) if args.out else None))
    elif args.bundled:
        write_bundled()
        print(f"wrote the bundled illustrative XML to {BUNDLED_XML}")
    else:
        write_fixtures()
        write_dialect_fixtures(OUT)
        print(f"wrote fixtures to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
