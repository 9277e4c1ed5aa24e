"""Manage data: an export uploaded without a codebook can have one drafted and downloaded."""
from __future__ import annotations

import tomllib

from signin import open_page, users_secrets
from test_survey_layouts import QUESTIONS, googleforms

PAGE = "pages/9_Manage_data.py"


def test_an_export_without_codebook_offers_a_drafted_one(empty_db, tmp_path, monkeypatch):
    export = googleforms(tmp_path)
    at = open_page(empty_db, PAGE, monkeypatch, users_secrets(), "secretariat-1")
    at.selectbox(key="manage-kind").set_value("survey")
    at.run()
    at.text_input(key="manage-round").set_value("2026")
    at.selectbox(key="manage-codebook").set_value("upload")
    at.run()
    at.file_uploader(key="manage-file").set_value((export.path.name, export.path.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception
    assert not any(d.key == "manage-draft-download" for d in at.get("download_button"))
    at.button(key="manage-draft").click()
    at.run()
    assert not at.exception
    [button] = [d for d in at.get("download_button") if d.key == "manage-draft-download"]
    assert button.label == "Download the drafted codebook (TOML)"
    drafted = tomllib.loads(at.session_state["manage-drafted"]["text"])
    assert len(drafted["questions"]) == len(QUESTIONS) and drafted["survey"]["office_column"] == ["Office code"]
