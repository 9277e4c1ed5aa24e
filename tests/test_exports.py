"""Exports: the meeting pack (self-contained HTML, XLSX), chart images rendered on click, and
cells a spreadsheet would run as formulas neutralised in CSV and XLSX."""
from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pandas as pd
import plotly.graph_objects as go
import pytest
from openpyxl import load_workbook
from signin import MediaRecorder, open_page

from ui import common, exports, key_charts

PAGE = "pages/11_Presentation.py"
HOSTILE = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
#: Bundled offices without consent (2025: HN, UY; 2026: UY, AP) and their names.
UNDISCLOSED = {"HN": "Property Institute of Honduras",
               "UY": "National Directorate of Industrial Property (Uruguay)",
               "AP": "African Regional Intellectual Property Organization"}


class Collector(HTMLParser):
    """Every start tag with its attributes, and the class names of divs."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def public_pack(bundled_db):
    """The meeting pack files as a public viewer downloads them from the presentation page."""
    mp = pytest.MonkeyPatch()
    try:
        media = MediaRecorder(mp)
        at = open_page(bundled_db, PAGE, mp)
        assert not at.exception
        buttons = {b.key: b for b in at.get("download_button")}
        yield {"html": media.bytes_of(buttons["meeting-pack-html"]),
               "xlsx": media.bytes_of(buttons["meeting-pack-xlsx"])}
    finally:
        mp.undo()


def test_meeting_pack_is_one_self_contained_html_file_with_every_key_chart(public_pack):
    text = public_pack["html"].decode("utf-8")
    parser = Collector()
    parser.feed(text)
    parser.close()
    plotly_divs = [a for t, a in parser.tags if t == "div" and "plotly-graph-div" in (a.get("class") or "")]
    assert len(plotly_divs) == len(key_charts.KEY_CHARTS) == 5
    # Plotly JS inlined exactly once; no script, image, style sheet or link fetched from anywhere.
    scripts = [a for t, a in parser.tags if t == "script"]
    assert not any("src" in a for a in scripts)
    assert "<script src" not in text.lower()
    assert text.count("plotly.js v") >= 1 and text.count("Plotly JS") <= 1
    for tag, attrs in parser.tags:
        for name in ("src", "href"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "ftp:")), (tag, name, value)
    assert not any(t == "link" for t, _ in parser.tags)
    # The reconciliation table, the provenance and the filters in force are in it.
    assert "Published CWS/13/14 figures vs computed (reconciliation)" in text
    assert "Filters in force" in text and "Deliveries as of (UTC)" in text and "2026-11-20" in text
    assert "Survey round 2025" in text and "illustrative" in text
    # Each chart's takeaway, computed from the data (bundled: 94.2 % on time overall).
    assert "94.2% of due deliveries on time (1533 of 1628)" in text


def test_meeting_pack_names_no_office_without_consent(public_pack):
    for code, name in UNDISCLOSED.items():
        for blob in (public_pack["html"], public_pack["xlsx"]):
            assert f"{code} - ".encode() not in blob
        assert name.encode() not in public_pack["html"]
        book = load_workbook(io.BytesIO(public_pack["xlsx"]))
        cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
        assert not any(f"{code} - " in c or name in c or c == code for c in cells)


def test_meeting_pack_xlsx_has_one_sheet_per_table(public_pack):
    book = load_workbook(io.BytesIO(public_pack["xlsx"]))
    titles = ["Standards used, share of respondents by round", "Challenges per category, 2026",
              "On-time rate by provider office", "On-time rate by month", "Least complete fields"]
    assert book.sheetnames == ["Filters", "Provenance"] + [exports.sheet_title(t) for t in titles] + ["Reconciliation"]
    reconciliation = book["Reconciliation"]
    assert reconciliation.max_row == 1 + 63  # a header and the 63 published CWS/13/14 aggregates
    assert [c.value for c in reconciliation[1]][:3] == ["round", "section", "direction"]
    providers = book[exports.sheet_title("On-time rate by provider office")]
    assert providers.max_row == 1 + 15  # 15 provider offices in the bundled log


def test_chart_buttons_render_png_and_svg_only_on_click(bundled_db, monkeypatch):
    media = MediaRecorder(monkeypatch)
    at = open_page(bundled_db, "dashboard.py", monkeypatch)
    images = [b for b in at.get("download_button") if b.proto.label in ("Chart (PNG)", "Chart (SVG)")]
    assert len(images) == 2 * len(at.get("plotly_chart"))
    assert all(b.proto.deferred_file_id and not b.proto.url for b in images)  # nothing rendered yet
    png = next(b for b in images if b.proto.label == "Chart (PNG)")
    make, mime = media.deferred[png.proto.deferred_file_id]
    assert mime == "image/png" and make().startswith(b"\x89PNG\r\n\x1a\n")
    svg = next(b for b in images if b.proto.label == "Chart (SVG)")
    make, mime = media.deferred[svg.proto.deferred_file_id]
    root = ET.fromstring(make())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_image_bytes_refuses_other_formats():
    with pytest.raises(ValueError, match="png, svg"):
        exports.image_bytes(go.Figure(), "pdf")


@pytest.mark.parametrize("hostile", HOSTILE)
def test_csv_neutralises_formulas(hostile):
    frame = pd.DataFrame({"office": [hostile], hostile: [1]})
    rows = list(csv.reader(io.StringIO(common.to_csv_bytes(frame).decode("utf-8"), newline="")))
    assert rows[0] == ["office", "'" + hostile]  # the header too
    assert rows[1] == ["'" + hostile, "1"]


def test_xlsx_neutralises_formulas_and_stores_text():
    frame = pd.DataFrame({"value": HOSTILE, "n": range(len(HOSTILE))})
    book = load_workbook(io.BytesIO(exports.xlsx_bytes({"hostile": frame, "=SUM(A1)": frame})))
    assert book.sheetnames == ["hostile", "=SUM(A1)"]
    for sheet in book:
        cells = [row[0] for row in sheet.iter_rows(min_row=2)]
        assert [c.value for c in cells] == ["'" + h for h in HOSTILE]
        assert all(c.data_type == "s" for c in cells)  # text, never a formula
        assert [row[1].value for row in sheet.iter_rows(min_row=2)] == list(range(len(HOSTILE)))


def test_untrusted_text_is_escaped_in_the_html_exports():
    evil = '<script>alert("x")</script><img src="http://evil.example/x.png">'
    chart = key_charts.KeyChart("evil", evil, go.Figure(go.Bar(x=[common.chart_text(evil)], y=[1])),
                                pd.DataFrame({"office": [evil]}), evil, evil)
    pack = exports.meeting_pack_html([chart], pd.DataFrame({"item": [evil]}), [("source", evil)],
                                     [("filter", evil)], evil, "now").decode("utf-8")
    report = exports.office_report_html(evil, [evil], [("section", pd.DataFrame({"cell": [evil]})),
                                                       ("text", evil)], [("p", evil)], evil).decode("utf-8")
    for text in (pack, report):
        parser = Collector()
        parser.feed(text)
        assert not any(t == "img" for t, _ in parser.tags)
        assert "&lt;script&gt;alert" in text
    assert "<script>alert" not in report and "<script>alert" not in pack
