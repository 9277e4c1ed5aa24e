"""End-to-end fixtures: one real `streamlit run dashboard.py` server per module on a free
loopback port with its own temporary database, and one shared headless Debian chromium
driven by Playwright (never a downloaded browser).

The server's database is the bundled data plus files with hostile text (see HOSTILE), so that
every page the browser visits shows them if it shows that kind of text at all.
"""
from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from servers import stop, wait_for

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

#: Text that must stay inert wherever a page shows it. The onerror payload sets a window flag
#: and the alert payloads would open a dialog: the browser test watches for both.
HOSTILE = {
    "sql": "'; DROP TABLE deliveries; --",
    "script": "<script>alert(1)</script>",
    "img": "<img src=x onerror=alert(1)>",
    "img_flag": "<img src=x onerror=\"window.__ipdx_pwned=1\">",
    "markdown": "**bold** [link](http://x)",
    "formula": "=HYPERLINK(\"http://x\",\"y\")",
}
HOSTILE_FILE_NAME = "<img src=x onerror=alert(1)> deliveries.csv"


def hostile_deliveries_csv() -> str:
    """Valid delivery rows whose dataset names and notes are the hostile strings."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["provider", "recipient", "dataset", "format", "standard", "scheduled_date",
                     "delivered_at", "records", "notice_given", "notes"])
    for i, text in enumerate(HOSTILE.values()):
        writer.writerow(["JP", "US", text, "XML", "ST.96", f"2026-0{i + 1}-05", f"2026-0{i + 1}-06",
                         100 + i, "yes", text])
    return buf.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prepare_database(folder: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from loaders import LoadRequest, build, load_file

    db = folder / "ipdx.duckdb"
    build(db)
    source = folder / "hostile.csv"
    source.write_text(hostile_deliveries_csv(), encoding="utf-8")
    load_file(LoadRequest("deliveries", source, HOSTILE_FILE_NAME), db)
    return db


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Base URL of a running dashboard on a temporary database (stopped after the module)."""
    folder = tmp_path_factory.mktemp("e2e")
    db = _prepare_database(folder)
    port = _free_port()
    log = open(folder / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, env={**os.environ, "IPDX_DB": str(db)}, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/_stcore/health", proc, folder / "streamlit.log")
        yield {"url": url, "db": db, "log": folder / "streamlit.log"}
    finally:
        stop(proc)
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh tab that records every dialog (an alert would mean a script ran) and errors."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    tab.dialogs = []
    tab.page_errors = []

    def on_dialog(dialog):
        tab.dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.on("pageerror", lambda err: tab.page_errors.append(str(err)))
    tab.set_default_timeout(60_000)
    yield tab
    context.close()
