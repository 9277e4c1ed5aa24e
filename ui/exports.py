"""Files for download: chart images (PNG/SVG, rendered server-side by Plotly's kaleido with the
Debian chromium), XLSX workbooks (one sheet per table, cells neutralised against formula
injection), the meeting pack (one self-contained HTML file: Plotly JS inlined once, interactive
charts, no network needed) and the printable one-page office report.

Every untrusted text (office names, labels, notes, file names) that reaches HTML goes through
`html.escape` (tables through pandas' escaping `to_html`); nothing here reads the database.
A base module: it imports only `ui.i18n`.
"""
from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from typing import Iterable, Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import plotly.offline
from openpyxl import Workbook

from . import i18n
from .i18n import _

IMAGE_MIMES = {"png": "image/png", "svg": "image/svg+xml"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MIME = "application/zip"


# ------------------------------------------------------------------ chart images

def image_bytes(fig: go.Figure, fmt: str, width: int = 1200) -> bytes:
    """The chart as PNG or SVG bytes (kaleido). Called only when a download is clicked."""
    if fmt not in IMAGE_MIMES:
        raise ValueError(f"image format must be one of {', '.join(IMAGE_MIMES)}, not {fmt!r}")
    height = fig.layout.height or 500
    return fig.to_image(format=fmt, width=width, height=height, scale=2 if fmt == "png" else 1)


# ------------------------------------------------------------------ CSV: cells made safe for spreadsheets

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP advice)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    # CRLF rows (RFC 4180): the csv writer then quotes any field holding a bare carriage return,
    # which with "\n" rows would split a row in two for every reader.
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


# ------------------------------------------------------------------ XLSX

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unique worksheet title (at most 31 characters, none of []:*?/\\)."""
    base = _SHEET_FORBIDDEN.sub("-", str(name)).strip("'") or "sheet"
    base = base[:31]
    taken = {t.lower() for t in taken}
    title, n = base, 2
    while title.lower() in taken:
        suffix = f" ({n})"
        title, n = base[:31 - len(suffix)] + suffix, n + 1
    return title


def xlsx_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per table (in order), header in row 1. Text cells get the same
    neutralising as CSV (a leading apostrophe before =, +, -, @, tab, carriage return) and are
    stored as text, never as formulas."""
    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        sheet = book.create_sheet(sheet_title(name, book.sheetnames))
        frame = neutralise_frame(frame)
        sheet.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            sheet.append([_xlsx_value(v) for v in row])
        for cells in sheet.iter_rows(min_row=1):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even if it still looked like a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    """A value openpyxl can store: missing -> empty, timestamps as naive datetimes, dates as
    dates, numpy scalars as Python numbers, anything else as text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if isinstance(value, (dt.date, bool, int, float, str)):
        return value
    if hasattr(value, "item"):
        return value.item()
    return str(value)


# ------------------------------------------------------------------ HTML

def esc(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def heading(level: int, text: str) -> str:
    return f"<h{int(level)}>{esc(text)}</h{int(level)}>"


def table_html(frame: pd.DataFrame, css_class: str = "data") -> str:
    """A table with every cell and header escaped (pandas' escaping, index dropped)."""
    return frame.to_html(index=False, escape=True, na_rep="", classes=css_class, border=0)


def key_value_html(rows: Sequence[tuple[str, str]]) -> str:
    return ('<table class="kv">' + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
            + "</table>")


_BASE_CSS = """
body { font-family: "Helvetica Neue", Arial, sans-serif; color: #222; margin: 24px auto; max-width: 1100px;
       line-height: 1.4; padding: 0 16px; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.6em; }
.notice { background: #FFF4CE; border-inline-start: 4px solid #E69F00; padding: 8px 12px; }
.takeaway { font-size: 1.1em; font-weight: 600; }
.footer, .meta { color: #555; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: start; vertical-align: top; }
th { background: #f2f2f2; }
"""

_PRINT_CSS = """
@media print {
  body { margin: 0; max-width: none; }
  section.chart { break-inside: avoid; page-break-inside: avoid; }
}
"""

_REPORT_CSS = """
@page { size: A4; margin: 12mm; }
body { max-width: 190mm; font-size: 10pt; }
h1 { font-size: 15pt; } h2 { font-size: 11pt; margin: 10px 0 4px; }
table { font-size: 8.5pt; } ul { margin: 2px 0 6px; }
@media print { body { margin: 0; } .notice { border-inline-start-width: 2px; } }
"""


def html_document(title: str, body: str, css: str = "", head: str = "") -> bytes:
    """A complete HTML page: UTF-8, escaped title, the shared CSS plus `css`, `head` (trusted
    markup only: our own scripts), and `body` (already escaped by the callers)."""
    lang = i18n.language()  # a key of i18n.LANGUAGES: never data
    direction = "rtl" if i18n.is_rtl(lang) else "ltr"
    return (f"<!DOCTYPE html>\n<html lang=\"{lang}\" dir=\"{direction}\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{esc(title)}</title>"
            f"<style>{_BASE_CSS}{css}</style>{head}</head><body>{body}</body></html>").encode("utf-8")


def _plotly_js() -> str:
    return "<script type=\"text/javascript\">" + plotly.offline.get_plotlyjs() + "</script>"


def meeting_pack_html(charts: Sequence, reconciliation: pd.DataFrame, provenance: Sequence[tuple[str, str]],
                      filters: Sequence[tuple[str, str]], notice: str | None, generated: str,
                      provisional: Sequence[str] = ()) -> bytes:
    """The meeting pack: a title, the illustrative-data notice (if any), the provisional notice of
    each round it shows that is still in review (`provisional`), the filters in force and
    the provenance, then every key chart (interactive, with its takeaway and provenance footer),
    then the reconciliation table. Plotly JS is inlined once in the head; no external file, font
    or link, so it opens offline. `charts` are `ui.key_charts.KeyChart`s."""
    # Messages stay outside f-strings: pybabel extract does not look inside them.
    meta = _("WIPO CWS Task No. 67 · generated {time} (UTC)").format(time=generated)
    parts = [heading(1, _("IP Data Exchange: meeting pack")), f"<p class=\"meta\">{esc(meta)}</p>"]
    if notice:
        parts.append(f"<p class=\"notice\">{esc(notice)}</p>")
    parts += [f"<p class=\"notice provisional\">{esc(text)}</p>" for text in provisional]
    parts += [heading(2, _("Filters in force")), key_value_html(filters),
              heading(2, _("Provenance")), key_value_html(provenance)]
    for i, chart in enumerate(charts, 1):
        div = chart.figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"key-chart-{i}",
                                   config={"displaylogo": False, "responsive": True})
        parts.append(f"<section class=\"chart\"><h2>{i}. {esc(chart.title)}</h2>"
                     f"<p class=\"takeaway\">{esc(chart.takeaway)}</p>{div}"
                     f"<p class=\"footer\">{esc(chart.provenance)}</p></section>")
    parts += [heading(2, _("Published CWS/13/14 figures vs computed (reconciliation)")), table_html(reconciliation)]
    return html_document(_("IP Data Exchange meeting pack"), "".join(parts), _PRINT_CSS, head=_plotly_js())


def meeting_pack_xlsx(charts: Sequence, reconciliation: pd.DataFrame, provenance: Sequence[tuple[str, str]],
                      filters: Sequence[tuple[str, str]], provisional: Sequence[str] = ()) -> bytes:
    """The meeting pack's tables as a workbook: filters in force, provenance (first the
    provisional notice of each round in review it shows, then each chart's takeaway), one sheet
    per key chart with exactly its data, and the reconciliation."""
    tables = {_("Filters"): pd.DataFrame(filters, columns=[_("filter"), _("value")]),
              _("Provenance"): pd.DataFrame(
                  [(_("Review status"), text) for text in provisional] + list(provenance)
                  + [(_("{title}: takeaway").format(title=c.title), c.takeaway) for c in charts]
                  + [(_("{title}: provenance").format(title=c.title), c.provenance) for c in charts],
                  columns=[_("item"), _("value")])}
    for chart in charts:
        tables[chart.title] = chart.frame
    tables[_("Reconciliation")] = reconciliation
    return xlsx_bytes(tables)


def office_report_html(office: str, summary: Sequence[str], sections: Sequence[tuple[str, pd.DataFrame | str]],
                       provenance: Sequence[tuple[str, str]], notice: str | None) -> bytes:
    """A printable one-page office report (A4 print CSS, no script): the office, the summary
    sentences, then each (heading, table or sentence) section, and the provenance."""
    title = _("Office profile: {office}").format(office=office)
    parts = [heading(1, title)]
    if notice:
        parts.append(f"<p class=\"notice\">{esc(notice)}</p>")
    parts.append(heading(2, _("Summary")) + "<ul>" + "".join(f"<li>{esc(s)}</li>" for s in summary) + "</ul>")
    for section_heading, content in sections:
        parts.append(heading(2, section_heading))
        parts.append(table_html(content) if isinstance(content, pd.DataFrame) else f"<p>{esc(content)}</p>")
    parts += [heading(2, _("Provenance")), key_value_html(provenance)]
    return html_document(title, "".join(parts), _REPORT_CSS)


# ------------------------------------------------------------------ zip

def zip_bytes(files: Mapping[str, bytes], folder: str) -> bytes:
    """A zip of `files` (path inside it -> bytes) under one top folder `folder`, in name order,
    with a fixed time stamp: the same files give the same bytes. Paths are the builder's own
    (fixed names), never data; one that could leave the folder is refused."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            parts = name.split("/")
            if name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"not a path inside the zip: {name!r}")
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return out.getvalue()
