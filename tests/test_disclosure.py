"""Disclosure control: offices that did not consent never appear by name or code in a public
view (texts, tables, widget options, chart JSON, CSV downloads, URL); an office user sees its own
answers and no other undisclosed office's; the small-cell rule and its k setting.

Every page is found in pages/ at test time, so pages added later are covered too."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from signin import PAGES, MediaRecorder, chart_strings, open_page, rendered, sign_in, users_secrets

from queries.disclosure import consent_by_office

ALL_PAGES = ["dashboard.py"] + [f"pages/{p.name}" for p in sorted(PAGES.glob("*.py"))]


@pytest.fixture(scope="module")
def reference(bundled_db):
    """Undisclosed offices of the bundled data, every office's name, and each round's set."""
    from loaders import open_snapshot
    con = open_snapshot(bundled_db)
    try:
        consent = consent_by_office(con)
        offices = con.execute("SELECT code, name FROM offices").df()
    finally:
        con.close()
    by_round = {r: set(g.loc[~g["consented"], "office"]) for r, g in consent.groupby("round")}
    respondents = {r: set(g["office"]) for r, g in consent.groupby("round")}
    return {"by_round": by_round, "respondents": respondents,
            "names": dict(zip(offices["code"], offices["name"])), "all_codes": set(offices["code"])}


def test_bundled_data_exercises_the_rule(reference):
    # The fixture: HN and UY refused in 2025, UY and AP in 2026.
    assert reference["by_round"] == {"2025": {"HN", "UY"}, "2026": {"UY", "AP"}}


def _code_pattern(code: str) -> re.Pattern:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])")


def _name_fragment(name: str) -> str:
    """The part of an office name before any parenthesis (Markdown escaping keeps it intact)."""
    return name.split("(")[0].strip()


def _is_reference_list(text: str, all_codes: set[str]) -> bool:
    """A widget offering the whole ST.3 office list names no respondent: it singles nobody out."""
    return "options" in text and all(_code_pattern(c).search(text) for c in all_codes)


def leaks(shown: dict, codes: set[str], reference: dict) -> list[str]:
    """Where any of `codes` appears, by code (whole token / table cell / 'XX - ' label) or name."""
    found = []
    for code in sorted(codes):
        pattern, name = _code_pattern(code), _name_fragment(reference["names"][code])

        def hit(text: str, pattern=pattern, name=name) -> bool:
            return bool(pattern.search(text)) or name in text

        for text in shown["text"]:
            plain = text.replace("\\", "")
            if not _is_reference_list(plain, reference["all_codes"]) and hit(plain):
                found.append(f"{code} in an element: {plain[:300]!r}")
        for cell in shown["cells"]:
            if cell == code or cell.startswith(f"{code} - ") or name in cell:
                found.append(f"{code} in a table cell {cell!r}")
        for spec in shown["charts"]:
            for s in chart_strings(spec):
                if s == code or s.startswith(f"{code} - ") or name in s or pattern.fullmatch(s.strip()):
                    found.append(f"{code} in a chart: {s[:120]!r}")
        for blob in shown["downloads"]:
            if hit(blob.decode("utf-8")):
                found.append(f"{code} in a CSV download")
        for param in shown["urls"]:
            if hit(param):
                found.append(f"{code} in the URL: {param}")
    return found


@pytest.mark.parametrize("page", ALL_PAGES)
def test_signed_out_page_names_no_undisclosed_office(page, bundled_db, reference, monkeypatch):
    media = MediaRecorder(monkeypatch)
    at = open_page(bundled_db, page, monkeypatch)
    assert not at.exception, f"{page} failed, so it cannot be checked: {at.exception}"
    shown = rendered(at, media)
    assert len(shown["downloads"]) == len(at.get("download_button"))
    undisclosed = set().union(*reference["by_round"].values())
    assert leaks(shown, undisclosed, reference) == []


def test_leak_detector_finds_each_channel(reference):
    # The detector itself must be able to fail: one hit per channel, whole codes only.
    shown = {"text": ['body: "Offices: UY \\\\- National Directorate"'], "cells": ["HN"],
             "charts": [{"data": [{"y": ["AP - African Regional Intellectual Property Organization"]}]}],
             "downloads": [b"office,answer\nUY,yes\n"], "urls": ["office=HN"]}
    found = leaks(shown, {"HN", "UY", "AP"}, reference)
    assert len(found) == 5
    harmless = {"text": ['body: "BUY HNX APPLE"'], "cells": ["UYX"], "charts": [{"x": ["JP"]}],
                "downloads": [b"JP,1\n"], "urls": ["round=2026"]}
    assert leaks(harmless, {"HN", "UY", "AP"}, reference) == []


def _office_rows(shown: dict) -> set[str]:
    """Offices named as a table cell or as an 'XX - name' label anywhere on the page."""
    codes = set()
    for cell in shown["cells"] + [s for spec in shown["charts"] for s in chart_strings(spec)]:
        match = re.fullmatch(r"([A-Z]{2})(?: - .*)?", str(cell))
        if match:
            codes.add(match.group(1))
    return codes


@pytest.mark.parametrize("username,own,others", [("uy-office", "UY", {"AP"}), ("ap-office", "AP", {"UY"})])
def test_office_user_sees_own_answers_and_no_other_undisclosed(username, own, others, bundled_db,
                                                               reference, monkeypatch):
    media = MediaRecorder(monkeypatch)
    # The office x standard matrix of 2026 (the default round) names every visible respondent.
    before = _office_rows(rendered(open_page(bundled_db, "pages/2_Standards.py", monkeypatch), media))
    assert own not in before and "JP" in before  # signed out: hidden, consenting offices named
    at = open_page(bundled_db, "pages/2_Standards.py", monkeypatch, users_secrets(), username)
    assert not at.exception
    shown = rendered(at, media)
    assert own in _office_rows(shown)
    assert leaks(shown, others | {"HN"}, reference) == []


def test_secretariat_sees_every_respondent(bundled_db, reference, monkeypatch):
    media = MediaRecorder(monkeypatch)
    at = open_page(bundled_db, "pages/2_Standards.py", monkeypatch, users_secrets(), "secretariat-1")
    shown = rendered(at, media)
    assert {"UY", "AP"} <= _office_rows(shown)
    # The same detector that passes the public pages finds them in tables, charts and downloads here.
    found = leaks(shown, {"UY", "AP"}, reference)
    assert any("table cell" in f for f in found) and any("CSV download" in f for f in found)


# ------------------------------------------------------------------ the API, under AppTest

DISCLOSURE_SCRIPT = """
import streamlit as st
from ui import disclosure, page
page.sidebar()
who = disclosure.viewer()
st.text(f"role={who.role} office={who.office}")
st.text("hidden=" + ",".join(sorted(disclosure.hidden_offices("2026"))))
st.text("visible_uy=" + str("UY" in disclosure.visible_respondents("2026")))
st.text("k=" + str(disclosure.small_cell_k()))
st.text("withheld=" + ",".join(disclosure.withheld() or []))
"""


def _run_script(db, monkeypatch, secrets, username=None):
    from signin import ROOT
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("IPDX_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_string(DISCLOSURE_SCRIPT, default_timeout=60)
    at.secrets.update(secrets)
    at.run()
    if username:
        at = sign_in(at, username)
    return dict(t.value.split("=", 1) for t in at.text)


def test_public_viewer_api(bundled_db, monkeypatch):
    monkeypatch.delenv("IPDX_SMALL_CELL_K", raising=False)
    out = _run_script(bundled_db, monkeypatch, {"auth": {"users": {}}})
    assert out["role"] == "public office=None"
    assert out["hidden"] == "AP,UY" and out["visible_uy"] == "False"
    assert out["k"] == "3"
    # Every office without consent of every round is withheld from the public figures.
    assert out["withheld"] == "2025/HN,2025/UY,2026/AP,2026/UY"


def test_small_cell_k_from_secrets(bundled_db, monkeypatch):
    monkeypatch.delenv("IPDX_SMALL_CELL_K", raising=False)
    out = _run_script(bundled_db, monkeypatch, {"auth": {"users": {}}, "small_cell_k": 4})
    assert out["k"] == "4"


def test_office_viewer_api(bundled_db, monkeypatch):
    out = _run_script(bundled_db, monkeypatch, users_secrets(), "uy-office")
    assert out["role"] == "office office=UY"
    assert out["hidden"] == "AP" and out["visible_uy"] == "True"
    assert out["withheld"] == "2025/HN,2026/AP"  # UY sees its own answers of both rounds


def test_secretariat_viewer_api(bundled_db, monkeypatch):
    out = _run_script(bundled_db, monkeypatch, users_secrets(), "secretariat-1")
    assert (out["role"], out["hidden"], out["visible_uy"]) == ("secretariat office=None", "", "True")
    assert out["withheld"] == ""


def test_removed_user_falls_back_to_public(bundled_db, monkeypatch):
    from signin import ROOT
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("IPDX_DB", str(bundled_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_string(DISCLOSURE_SCRIPT, default_timeout=60)
    at.secrets.update(users_secrets())
    at = sign_in(at.run(), "uy-office")
    assert at.text[0].value == "role=office office=UY"
    at.secrets["auth"] = {"users": {}}  # the user was deleted from the secrets
    at.run()
    assert at.text[0].value == "role=public office=None"


def test_one_no_among_two_consent_questions_means_no_consent(empty_db, tmp_path):
    """An office must answer yes to every consent question of a round; a second consent question
    answered no (or left blank) withholds its answers, whatever the first says."""
    from conftest import load
    fixture = Path(__file__).resolve().parent / "data" / "survey"
    codebook = tmp_path / "codebook.toml"
    codebook.write_text((fixture / "codebook-r1.toml").read_text(encoding="utf-8") + """
[[questions]]
id = "consent_names"
headers = ["Consent to be named"]
type = "yes_no"
section = "consent"
""", encoding="utf-8")
    table = [line.split(",") for line in (fixture / "survey-r1.csv").read_text(encoding="utf-8").splitlines()]
    second = {"JP": "No", "KR": "Yes", "US": ""}
    lines = [",".join(table[0] + ["Consent to be named"])]
    lines += [",".join(row + [second.get(row[0], "Yes")]) for row in table[1:]]
    survey = tmp_path / "survey.csv"
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load(empty_db, "survey", survey, round="2030", codebook=codebook)
    from loaders import open_snapshot
    con = open_snapshot(empty_db)
    try:
        frame = consent_by_office(con)
    finally:
        con.close()
    consent = {o: bool(c) for o, c in zip(frame["office"], frame["consented"])}
    assert set(consent) == {"JP", "KR", "US", "BR", "HN"}
    first = {row[0]: row[-1] for row in table[1:]}
    for office, consented in consent.items():
        assert consented == (first[office] == "Yes" and second.get(office, "Yes") == "Yes"), office
    assert consent["KR"] is True and consent["JP"] is False
