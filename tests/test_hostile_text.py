"""Hostile text in valid places (free-text survey answers, delivery notes, dataset names, file
names) is loaded and stored verbatim, never executed as SQL; where it is invalid (as an office
code) the rejection quotes it and changes nothing; every page renders it without letting
Markdown or HTML through; CSV exports neutralise spreadsheet formula prefixes.
The real-browser side (no script runs) is in tests/e2e/test_browser.py.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import BUNDLED, ROOT, copy_database, file_digest, load, publish, rows, table_checksums

from loaders import LoadRejected, open_snapshot
from ui import common

HOSTILE = [
    "'; DROP TABLE deliveries; --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "**bold** [link](http://x)",
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
]
HOSTILE_NAME = "'; DROP TABLE loads; -- <img src=x onerror=alert(1)>.csv"
FROM_HOSTILE_FILE = "load_seq = (SELECT seq FROM loads WHERE original_name = $name)"


def _deliveries_csv(values: list[str], provider: str = "JP") -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["provider", "recipient", "dataset", "scheduled_date", "delivered_at", "records", "notes"])
    for i, text in enumerate(values):
        writer.writerow([provider, "US", text, f"2026-01-{i + 1:02d}", f"2026-01-{i + 1:02d}", 10 + i, text])
    return buf.getvalue()


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory, bundled_db) -> Path:
    """The bundled database plus hostile deliveries (loaded under a hostile file name) and a
    2025 survey file whose comments are hostile."""
    folder = tmp_path_factory.mktemp("hostile-text")
    db = copy_database(bundled_db, folder)
    source = folder / "upload.csv"
    source.write_text(_deliveries_csv(HOSTILE), encoding="utf-8")
    from loaders import LoadRequest, load_file
    load_file(LoadRequest("deliveries", source, HOSTILE_NAME), db)
    table = list(csv.reader(open(BUNDLED / "survey-2025.csv", encoding="utf-8")))
    comments = table[0].index("Comments")
    for row, text in zip(table[1:], HOSTILE):
        row[comments] = text
    survey = folder / "survey-2025-hostile.csv"
    with open(survey, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table)
    load(db, "survey", survey, round="2025", codebook=BUNDLED / "codebook-2025.toml")
    return db


def test_hostile_text_is_stored_verbatim_and_no_sql_ran(hostile_db):
    stored = rows(hostile_db, f"SELECT dataset, notes FROM deliveries WHERE {FROM_HOSTILE_FILE} "
                               "ORDER BY scheduled_date", {"name": HOSTILE_NAME})
    assert stored == [(t, t) for t in HOSTILE]
    comments = [r[0] for r in rows(hostile_db, "SELECT value_text FROM survey_answers a JOIN survey_respondents r "
                                                "USING (round, office) WHERE round = '2025' AND question_id = 'comments' "
                                                "AND status = 'answered' ORDER BY r.source_row")]
    assert comments[:len(HOSTILE)] == HOSTILE  # rows 2-8 carry them; later rows keep their own
    assert rows(hostile_db, "SELECT original_name FROM loads ORDER BY seq DESC LIMIT 2")[1] == (HOSTILE_NAME,)
    # The tables the SQL text names are all still there, with their rows.
    assert rows(hostile_db, "SELECT count(*) > 1600 FROM deliveries") == [(True,)]
    # The bundled loads, plus the hostile deliveries and the hostile survey file.
    bundled = rows(hostile_db, "SELECT count(*) FROM loads WHERE original_name <> $name AND seq < "
                               "(SELECT seq FROM loads WHERE original_name = $name)", {"name": HOSTILE_NAME})[0][0]
    assert rows(hostile_db, "SELECT count(*) FROM loads") == [(bundled + 2,)]


def test_hostile_text_in_a_code_column_is_rejected_quoted_and_changes_nothing(fresh_bundled_db, tmp_path):
    path = tmp_path / "bad-provider.csv"
    path.write_text(_deliveries_csv(["patent-bibliographic"], provider=HOSTILE[0]), encoding="utf-8")
    before = (table_checksums(fresh_bundled_db), file_digest(fresh_bundled_db))
    with pytest.raises(LoadRejected) as caught:
        load(fresh_bundled_db, "deliveries", path)
    problem = caught.value.problems[0]
    assert (problem.row, problem.column, problem.value) == (2, "provider", HOSTILE[0])
    assert repr(HOSTILE[0]) in str(caught.value)
    assert (table_checksums(fresh_bundled_db), file_digest(fresh_bundled_db)) == before


def test_csv_export_neutralises_formulas_and_keeps_the_rest(hostile_db):
    con = open_snapshot(hostile_db)
    try:
        frame = con.execute(f"SELECT dataset, notes, records FROM deliveries WHERE {FROM_HOSTILE_FILE} "
                            "ORDER BY scheduled_date", {"name": HOSTILE_NAME}).df()
    finally:
        con.close()
    exported = pd.read_csv(io.BytesIO(common.to_csv_bytes(frame)), dtype=str, keep_default_na=False)
    for original, cell in zip(HOSTILE, exported["notes"]):
        if original[0] in "=+-@":
            assert cell == "'" + original  # a spreadsheet shows it as text, never runs it
        else:
            assert cell == original
    assert list(exported["records"]) == [str(10 + i) for i in range(len(HOSTILE))]
    # Numbers stay numbers, even negative ones; only text is prefixed.
    numbers = pd.read_csv(io.BytesIO(common.to_csv_bytes(pd.DataFrame({"delta": [-3, 2]}))))
    assert list(numbers["delta"]) == [-3, 2]


def test_markdown_and_label_helpers_make_text_inert():
    assert "**" not in common.plain(HOSTILE[3]).replace("\\*", "")
    assert "](" not in common.plain(HOSTILE[3]).replace("\\]\\(", "")
    assert "<script>" not in common.chart_text(HOSTILE[1])
    assert common.chart_text(HOSTILE[1]) == "&lt;script&gt;alert(1)&lt;/script&gt;"


PAGES = ["dashboard.py"] + sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_hostile_text_without_markup(app, hostile_db, page):
    """No page errs on the hostile data, none lets HTML through, and any Markdown element that
    carries hostile text carries it escaped."""
    at = app(hostile_db, page)
    assert not at.exception, at.exception
    for element in list(at.markdown) + list(at.caption) + list(at.info) + list(at.warning) + list(at.error):
        proto = getattr(element, "proto", None)
        assert not getattr(proto, "allow_html", False) or not any(
            h in element.value for h in ("alert(1)", "DROP TABLE")), (page, element.value)
        for raw in ("<script>", "<img src=x", "**bold**", "[link](http://x)"):
            assert raw not in element.value, (page, element.value)


HOSTILE_ROUND = "2027 ![x](http://127.0.0.1:9/p.png) <img src=x onerror=alert(1)> **b**"
SURVEY_PAGES = ["pages/1_Published_figures.py", "pages/2_Standards.py", "pages/3_Exchanged_data.py",
                "pages/4_Challenges.py", "pages/8_Office_profile.py", "pages/11_Presentation.py", "dashboard.py"]


@pytest.fixture(scope="module")
def hostile_round_db(tmp_path_factory, bundled_db) -> Path:
    """The bundled database plus the 2026 answers loaded once more under a hostile round name."""
    db = copy_database(bundled_db, tmp_path_factory.mktemp("hostile-round"))
    load(db, "survey", BUNDLED / "survey-2026.xlsx", round=HOSTILE_ROUND, codebook=BUNDLED / "codebook-2026.toml")
    publish(db, HOSTILE_ROUND)  # a newly loaded round is a draft, never public, until published
    return db


def _unescaped(text: str, token: str) -> bool:
    """Whether `token` stands in `text` without a Markdown escape before its first character."""
    at = text.find(token)
    while at >= 0:
        if at == 0 or text[at - 1] != "\\":
            return True
        at = text.find(token, at + 1)
    return False


@pytest.mark.parametrize("page", SURVEY_PAGES)
def test_a_hostile_round_name_is_shown_inert(app, hostile_round_db, page):
    at = app(hostile_round_db, page, {"round": HOSTILE_ROUND})
    assert not at.exception
    markdown = [e.value for kind in ("markdown", "caption", "subheader", "info", "title", "header")
                for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]
    markdown += [m.label for m in at.metric] + [str(m.proto.help) for m in at.metric]
    assert any("2027" in t for t in markdown) or page == "pages/8_Office_profile.py"
    for text in markdown:
        assert not _unescaped(text, "![x]"), text[:200]
        assert not _unescaped(text, "<img"), text[:200]
        assert not _unescaped(text, "**b**"), text[:200]
    for chart in at.get("plotly_chart"):  # Plotly renders a subset of HTML, no Markdown
        assert "<img" not in chart.proto.spec
