"""Shared fixtures: real DuckDB files in temporary folders, real loaders, real AppTest."""
from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loaders import LoadRequest, build, load_file  # noqa: E402


def _scan_installed_components_once() -> None:
    """Every new AppTest scans the metadata of every installed distribution for Streamlit
    component manifests (about 0.2 s of CPU, a third of a short page's run, paid by each of the
    suite's hundreds of AppTests). The installed distributions do not change while the tests
    run, so each test process scans once and hands every AppTest a copy of that result."""
    from streamlit.components.v2 import manifest_scanner

    scanned = manifest_scanner.scan_component_manifests()
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(scanned)


_scan_installed_components_once()

BUNDLED = ROOT / "data" / "bundled"
FIXTURES = Path(__file__).resolve().parent / "data"
#: The bundled delivery log runs to 2026-11-20; tests judge pending/missed at that date.
BUNDLED_AS_OF = "2026-11-20"


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory) -> Path:
    """A database built from the bundled illustrative data (shared, never modified)."""
    path = tmp_path_factory.mktemp("bundled") / "ipdx.duckdb"
    build(path)
    return path


def copy_database(source: Path, folder: Path) -> Path:
    """A copy of database `source` with its archive, in `folder`; returns the copy's path."""
    target = folder / "ipdx.duckdb"
    shutil.copyfile(source, target)
    shutil.copytree(source.parent / "archive", folder / "archive")
    return target


@pytest.fixture
def fresh_bundled_db(tmp_path, bundled_db) -> Path:
    """A private copy of the bundled database (with its archive) that a test may change."""
    return copy_database(bundled_db, tmp_path)


def rows(db: Path, sql: str, params: dict | None = None) -> list[tuple]:
    """All rows of one query on the live snapshot of `db`."""
    from loaders import open_snapshot
    con = open_snapshot(db)
    try:
        return con.execute(sql, params or {}).fetchall()
    finally:
        con.close()


@pytest.fixture
def empty_db(tmp_path) -> Path:
    """A database with reference tables only (no survey, schedule or deliveries)."""
    path = tmp_path / "ipdx.duckdb"
    build(path, include_bundled=False)
    return path


def load(db: Path, kind: str, path: Path, round: str | None = None, codebook: Path | None = None,
         dry_run: bool = False):
    """Load a file the way the CLI does."""
    return load_file(LoadRequest(kind, Path(path), Path(path).name, round,
                                 Path(codebook) if codebook else None), db, dry_run=dry_run)


def publish(db: Path, round: str) -> None:
    """Publish survey round `round` as the secretariat does: a newly loaded round is a draft,
    seen by no public view, until it goes through review to published (loaders.review)."""
    from loaders.review import set_round_status
    set_round_status(round, "review", db_path=db)
    set_round_status(round, "published", db_path=db)


def load_published(db: Path, kind: str, path: Path, round: str, codebook: Path):
    """Load a survey round the way the CLI does, then publish it (`publish`)."""
    result = load(db, kind, path, round, codebook)
    publish(db, round)
    return result


def table_checksums(db: Path) -> dict:
    """A checksum of every table's full content, to prove a database did not change."""
    from loaders import open_snapshot
    con = open_snapshot(db)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'snap' ORDER BY 1").fetchall()]
        out = {}
        for t in tables:
            rows = con.execute(f'SELECT * FROM "{t}"').fetchall()
            out[t] = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
        return out
    finally:
        con.close()


def file_digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def app(monkeypatch):
    """Factory: an AppTest of a page against a given database."""
    from streamlit.testing.v1 import AppTest

    def make(db: Path, page: str = "dashboard.py", query: dict | None = None):
        monkeypatch.setenv("IPDX_DB", str(db))
        monkeypatch.chdir(ROOT)
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
        if query:
            for k, v in query.items():
                at.query_params[k] = v
        if page != "dashboard.py":
            at.switch_page(page)
        return at.run()
    return make
