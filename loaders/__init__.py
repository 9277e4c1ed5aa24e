"""Read, validate and load input files into the dashboard's DuckDB database.

Public entry points: `load_file`, `build`, `ensure_database`, `connect_read_only`.
"""
from db.paths import Paths, default_db_path
from db.snapshot import cursor, open_snapshot, snapshot_id

from .archive import read_manifest, read_removed
from .problems import LoadRejected, Problem
from .registry import KINDS
from .store import LoadRequest, LoadResult, build, connect_read_only, ensure_database, load_file, remove_load

__all__ = ["KINDS", "LoadRejected", "LoadRequest", "LoadResult", "Paths", "Problem", "build",
           "connect_read_only", "cursor", "default_db_path", "ensure_database", "load_file",
           "open_snapshot", "read_manifest", "read_removed", "remove_load", "snapshot_id"]
