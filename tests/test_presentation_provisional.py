"""The provisional notice of a round in review that the secretariat shows to the public: on every
slide of the presentation (its page and `?present=1`) that shows the round, and in the meeting
pack (near the top of the HTML, in the workbook's provenance sheet); absent when no shown round
is provisional."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from conftest import copy_database, load
from openpyxl import load_workbook
from signin import MediaRecorder, open_page

from loaders.review import set_round_status
from ui import exports

PAGE = "pages/11_Presentation.py"
ROUND = "ZR99"  # sorts after the bundled rounds: the latest, shown by default
HEADER = "Office code,Shares data?,Formats,Standards,Sharing challenges,Collecting challenges,Consent\n"
ANSWERS = ("JP,Yes,XML,ST.36,,not collecting data from others,Yes\n"
           "UY,Yes,JSON,ST.36; ST.96,non-standard data formats,,Yes\n"
           "US,Yes,XML; JSON,ST.96,non-standard data formats,,Yes\n"
           "BR,Yes,XML,ST.96,office does not share any IP data,,Yes\n")
CODEBOOK = Path(__file__).resolve().parent / "data" / "survey" / "codebook-r1.toml"
BANNER = "Provisional: under review by the offices until 2026-12-31 (survey round ZR99)."


@pytest.fixture(scope="module")
def provisional_db(bundled_db, tmp_path_factory) -> Path:
    """The bundled database with round ZR99 loaded and in review, shown to the public as provisional."""
    folder = tmp_path_factory.mktemp("provisional")
    db = copy_database(bundled_db, folder)
    export = folder / "survey-zr99.csv"
    export.write_text(HEADER + ANSWERS, encoding="utf-8")
    load(db, "survey", export, ROUND, CODEBOOK)
    set_round_status(ROUND, "review", db_path=db)
    set_round_status(ROUND, "review", until=dt.date(2026, 12, 31), show_provisional=True, db_path=db)
    return db


def _warnings(at) -> list[str]:
    return [w.value.replace("\\", "") for w in at.warning]


def _pack(db: Path, monkeypatch) -> tuple[str, list[list]]:
    """The meeting pack a public viewer downloads: the HTML text and the provenance sheet's rows."""
    media = MediaRecorder(monkeypatch)
    at = open_page(db, PAGE, monkeypatch)
    assert not at.exception, at.exception
    buttons = {b.key: b for b in at.get("download_button")}
    book = load_workbook(io.BytesIO(media.bytes_of(buttons["meeting-pack-xlsx"])))
    sheet = [[c.value for c in row] for row in book["Provenance"].iter_rows()]
    return media.bytes_of(buttons["meeting-pack-html"]).decode("utf-8"), sheet


def test_every_slide_showing_the_provisional_round_says_so_in_present_mode(provisional_db, monkeypatch):
    at = open_page(provisional_db, PAGE, monkeypatch)
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception, at.exception
    seen = []
    for _ in range(5):  # standards (every round), challenges (ZR99), then three delivery charts
        seen.append(BANNER in _warnings(at))
        if not at.button(key="slide-next").disabled:
            at.button(key="slide-next").click().run()
    assert seen == [True, True, False, False, False]


def test_a_slide_of_an_earlier_round_has_no_notice(provisional_db, app):
    at = app(provisional_db, PAGE, query={"present": "1", "round": "2026", "slide": "2"})
    assert not at.exception, at.exception
    assert "Challenges per category, 2026" in at.markdown[0].value
    assert not any("Provisional" in w for w in _warnings(at))


def test_the_presentation_page_preview_says_so_on_the_slide(provisional_db, monkeypatch):
    at = open_page(provisional_db, PAGE, monkeypatch)
    assert not at.exception, at.exception
    # The page's banner (top) and the previewed slide's notice.
    assert _warnings(at).count(BANNER) == 2


def test_the_meeting_pack_carries_the_notice_near_the_top(provisional_db, monkeypatch):
    html, provenance = _pack(provisional_db, monkeypatch)
    assert html.count(BANNER) == 1
    assert html.index(BANNER) < html.index("Filters in force")  # above the filters and every chart
    assert f'<p class="notice provisional">{BANNER}</p>' in html
    assert ["Review status", BANNER] in provenance


def test_no_notice_when_no_round_is_provisional(bundled_db, monkeypatch):
    at = open_page(bundled_db, PAGE, monkeypatch)
    at.query_params["present"] = "1"
    at.run()
    assert not any("Provisional" in w for w in _warnings(at))
    html, provenance = _pack(bundled_db, monkeypatch)
    assert "Provisional" not in html and "provisional\"" not in html
    assert not any(row[0] == "Review status" for row in provenance)


def test_the_round_name_is_escaped_in_the_pack():
    evil = "<b>ZR99</b>"
    text = exports.meeting_pack_html([], pd.DataFrame(), [], [], None, "now",
                                     [f"Provisional: round {evil}"]).decode("utf-8")
    assert "&lt;b&gt;ZR99&lt;/b&gt;" in text and evil not in text
