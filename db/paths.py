"""Where the database, its archive and the shipped data live."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
REFERENCE_DIR = DATA_DIR / "reference"
BUNDLED_DIR = DATA_DIR / "bundled"


def default_db_path() -> Path:
    return Path(os.environ.get("IPDX_DB") or DATA_DIR / "ipdx.duckdb").resolve()


@dataclass
class Paths:
    db: Path

    @classmethod
    def of(cls, db_path: str | Path | None) -> Paths:
        """The paths of the database at `db_path`, or of the default one (IPDX_DB)."""
        return cls(Path(db_path) if db_path else default_db_path())

    @property
    def archive(self) -> Path:
        return self.db.parent / "archive"

    @property
    def manifest(self) -> Path:
        return self.archive / "manifest.jsonl"

    @property
    def removed(self) -> Path:
        """Loads removed in the app or with `remove_load`: later rebuilds keep them out."""
        return self.archive / "removed.jsonl"

    @property
    def lock(self) -> Path:
        return self.db.parent / (self.db.name + ".lock")
