"""Test helpers for roles: real argon2 hashes in real Streamlit secrets, sign-in through the
sidebar form of a real AppTest, and everything a rendered page shows (text, tables, chart
JSON, the bytes of its downloads)."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
from google.protobuf import text_format

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "pages"

PASSWORDS = {"secretariat-1": "correct horse battery staple", "uy-office": "uruguay data 2026",
             "jp-office": "tokyo data 2026", "ap-office": "harare data 2026"}
ROLES = {"secretariat-1": ("secretariat", None), "uy-office": ("office", "UY"),
         "jp-office": ("office", "JP"), "ap-office": ("office", "AP")}


@functools.cache
def users_secrets() -> dict:
    """Streamlit secrets with one user per role; hashes made here with argon2."""
    from ui.auth import hash_password
    users = {}
    for name, (role, office) in ROLES.items():
        users[name] = {"role": role, "password_hash": hash_password(PASSWORDS[name])}
        if office:
            users[name]["office"] = office
    return {"auth": {"users": users}}


def open_page(db: Path, page: str, monkeypatch, secrets: dict | None = None, username: str | None = None,
              user: dict | None = None):
    """A run AppTest of `page` (a path under the project, or dashboard.py) with these secrets,
    after `username` signed in on the home page. Secrets without users (the default) mean:
    roles not enabled, whatever secrets file the machine has. `user`: what the app reads as
    `st.user` (an identity provider's claims, see `oidc_user`)."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("IPDX_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.secrets.update(secrets if secrets is not None else {"auth": {"users": {}}})
    if user is not None:
        at.user = user
    at.run()
    if username:
        sign_in(at, username)
    if page != "dashboard.py":
        at.switch_page(page)
        at.run()
    return at


def oidc_secrets(**mapping) -> dict:
    """Secrets for sign-in through an identity provider (Streamlit's [auth] keys), with the
    dashboard's claim mapping [ipdx_oidc] made of `mapping` (the defaults when empty)."""
    config = {"auth": {"redirect_uri": "http://127.0.0.1:8501/oauth2callback",
                       "cookie_secret": "a cookie secret for the tests only, 32+ chars",
                       "client_id": "ipdx-dashboard", "client_secret": "not a real secret",
                       "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}}
    if mapping:
        config["ipdx_oidc"] = mapping
    return config


def oidc_user(sub: str, email: str | None = None, **claims) -> dict:
    """`st.user` of a user signed in through the identity provider, with these claims."""
    return {"is_logged_in": True, "iss": "http://127.0.0.1:9", "sub": sub,
            **({"email": email} if email else {}), **claims}


def sign_in(at, username: str, password: str | None = None):
    """Submit the sidebar sign-in form, as a person would."""
    at.sidebar.text_input(key="ipdx-auth-username").input(username)
    at.sidebar.text_input(key="ipdx-auth-password").input(PASSWORDS.get(username, "") if password is None else password)
    at.sidebar.button(key="ipdx-auth-submit").click()
    return at.run()


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


class MediaRecorder:
    """Captures the bytes Streamlit stores for download buttons, by media file id."""

    def __init__(self, monkeypatch):
        from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
        self.files: dict[str, bytes] = {}
        original = MemoryMediaFileStorage.load_and_get_id

        def recording(storage, path_or_data, *args, **kwargs):
            file_id = original(storage, path_or_data, *args, **kwargs)
            if isinstance(path_or_data, (bytes, bytearray)):
                self.files[file_id] = bytes(path_or_data)
            return file_id
        monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", recording)
        # Deferred downloads (data=callable, made on click): keep the callable by placeholder id.
        from streamlit.runtime.media_file_manager import MediaFileManager
        self.deferred: dict[str, tuple] = {}
        original_deferred = MediaFileManager.add_deferred

        def recording_deferred(manager, data_callable, mimetype, *args, **kwargs):
            file_id = original_deferred(manager, data_callable, mimetype, *args, **kwargs)
            self.deferred[file_id] = (data_callable, mimetype or "")
            return file_id
        monkeypatch.setattr(MediaFileManager, "add_deferred", recording_deferred)

    def bytes_of(self, download_button) -> bytes:
        deferred_id = download_button.proto.deferred_file_id
        if deferred_id:
            assert deferred_id in self.deferred, f"no recorded callable for download {download_button.label!r}"
            make, mime = self.deferred[deferred_id]
            # A chart image (PNG/SVG) is a rendering of a figure whose JSON is checked as a chart:
            # not rendered here (kaleido takes seconds per image). Anything else is made, as on click.
            if mime.startswith("image/"):
                return b""
            data = make()
            return data.encode("utf-8") if isinstance(data, str) else bytes(data)
        url = download_button.proto.url
        matches = [data for file_id, data in self.files.items() if f"/{file_id}" in url]
        assert matches, f"no recorded bytes for download {download_button.label!r} ({url})"
        return matches[0]


def rendered(at, media: MediaRecorder) -> dict[str, list]:
    """Everything the page shows, by channel: 'text' (all texts, labels, options, help),
    'cells' (every table cell and column name), 'charts' (Plotly JSON), 'downloads' (bytes),
    'urls' (query parameters)."""
    out = {"text": [], "cells": [], "charts": [], "downloads": [], "urls": []}
    for node in walk(at._tree):
        value = None
        if getattr(node, "type", None) in ("arrow_data_frame", "arrow_table", "dataframe", "table"):
            value = node.value
        if isinstance(value, pd.DataFrame):
            out["cells"] += [str(c) for c in value.columns] + [str(v) for v in value.to_numpy().ravel()]
            out["cells"] += [str(i) for i in value.index]
            continue
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "ListFields"):
            continue
        if getattr(node, "type", None) == "plotly_chart":
            out["charts"].append(json.loads(proto.spec))
            continue
        if getattr(node, "type", None) == "download_button":
            out["downloads"].append(readable(media.bytes_of(node)))
        out["text"].append(text_format.MessageToString(proto, as_utf8=True))
    out["urls"] = [f"{k}={v}" for k, v in at.query_params.items()]
    return out


def readable(blob: bytes) -> bytes:
    """A download as text to search: an XLSX workbook (a zip) as the text of every cell of every
    sheet, one per line; the open data release (a zip) as its text files; an HTML file without the Plotly library it inlines (library code, whose
    identifiers would match two-letter codes; the figures' own data stays); anything else as it is."""
    if b"<html" in blob[:200]:
        import plotly.offline
        return blob.replace(plotly.offline.get_plotlyjs().encode("utf-8"), b"")
    if not blob.startswith(b"PK"):
        return blob
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        names = archive.namelist()
        if any(n.endswith("/datapackage.json") for n in names):
            # The open data release: its text files (each Parquet file holds its CSV's rows, which
            # tests/test_open_data.py checks; its compressed bytes would match two-letter codes).
            return b"\n".join(archive.read(n) for n in names if not n.endswith(".parquet"))
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(blob), read_only=True)
    return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True)
                     for v in row if v is not None).encode("utf-8")


def chart_strings(spec) -> list[str]:
    """Every string in a Plotly figure's JSON (labels, categories, hover text, titles)."""
    if isinstance(spec, str):
        return [spec]
    if isinstance(spec, dict):
        return [s for k, v in spec.items() if k != "bdata" for s in chart_strings(v)]
    if isinstance(spec, list):
        return [s for v in spec for s in chart_strings(v)]
    return []
