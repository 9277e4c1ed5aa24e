"""Read, validate and load input files into the dashboard's DuckDB database.

Public entry points: `load_file`, `build`, `ensure_database`, `connect_read_only`.
"""
from .problems import LoadRejected, Problem
from .store import (KINDS, LoadRequest, LoadResult, Paths, build, connect_read_only, cursor,
                    default_db_path, ensure_database, load_file, open_snapshot, read_manifest,
                    read_removed, remove_load, snapshot_id)

__all__ = ["KINDS", "LoadRejected", "LoadRequest", "LoadResult", "Paths", "Problem", "build",
           "connect_read_only", "cursor", "default_db_path", "ensure_database", "load_file",
           "open_snapshot", "read_manifest", "read_removed", "remove_load", "snapshot_id"]
