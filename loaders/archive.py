"""The archive of raw files and its manifest.

Raw files are the source of truth. Every accepted file is copied into `archive/` (beside the
database file) under its SHA-256, and listed in `archive/manifest.jsonl`. The `loads` table
inside each snapshot is the manifest of that snapshot; `manifest.jsonl` is rewritten from it
after every swap. `removed.jsonl` lists the loads removed since, which rebuilds leave out.

A load may carry attachments (the evidence file of a contest): archived beside its file under
their own SHA-256 (`<sha256><ext>`) and named in the load's options (`attachments_of`), so that
the manifest, a rebuild, a backup and the clean-up of leftovers know them as they know its file.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import duckdb

from db.paths import Paths
from db.snapshot import NEXT_SNAPSHOT_GLOB, atomic_write_text, open_snapshot


def sha256_of(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: The load option naming a load's attachments, and the form of an attachment's archived name.
ATTACHMENTS_OPTION = "attachments"
ATTACHMENT_NAME = re.compile(r"[0-9a-f]{64}\.[a-z0-9]{1,8}")


def attachment_name(path: str | Path, ext: str) -> str:
    """The archived name of a file attached to a load: its SHA-256 and `ext` ('.pdf')."""
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", ext):
        raise ValueError(f"not an attachment's extension: {ext!r}")
    return f"{sha256_of(path)}{ext}"


def attachments_of(entry: dict) -> list[str]:
    """The archived names of the files attached to a load (a manifest or removal row, its
    `options` JSON text or a dict): only names of the archive's form."""
    options = entry.get("options")
    if isinstance(options, str):
        options = json.loads(options)
    names = (options or {}).get(ATTACHMENTS_OPTION) or []
    return [n for n in names if isinstance(n, str) and ATTACHMENT_NAME.fullmatch(n)]


def archive_file(paths: Paths, source: Path, sha: str, ext: str) -> str:
    """Copy a file into the archive under its content hash; return the archived name."""
    paths.archive.mkdir(parents=True, exist_ok=True)
    name = f"{sha}{ext}"
    target = paths.archive / name
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=paths.archive, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return name


def manifest_rows(con: duckdb.DuckDBPyConnection, schema: str = "snap") -> list[dict]:
    """The manifest of the snapshot attached as `schema` (snap, or nxt while it is built)."""
    cur = con.execute(f"SELECT * FROM {schema}.loads ORDER BY seq")
    names = [d[0] for d in cur.description]
    rows = []
    for values in cur.fetchall():
        row = dict(zip(names, values))
        if row.get("loaded_at") is not None:
            row["loaded_at"] = row["loaded_at"].isoformat()
        rows.append(row)
    options = dict(con.execute(f"SELECT load_seq, options FROM {schema}.load_options").fetchall())
    for row in rows:
        if row["seq"] in options:
            row["options"] = options[row["seq"]]
    return rows


def read_loads(paths: Paths) -> list[dict]:
    """The manifest of the live snapshot."""
    con = open_snapshot(paths.db)
    try:
        return manifest_rows(con)
    finally:
        con.close()


def write_manifest(paths: Paths, rows: list[dict]) -> None:
    atomic_write_text(paths.manifest, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))


def _read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_manifest(paths: Paths) -> list[dict]:
    return _read_jsonl(paths.manifest)


def read_removed(paths: Paths) -> list[dict]:
    """The removal records (one per removed load), oldest first."""
    return _read_jsonl(paths.removed)


def write_removed(paths: Paths, records: list[dict]) -> None:
    atomic_write_text(paths.removed, "".join(json.dumps(r, sort_keys=True) + "\n" for r in records))


def removal_key(entry: dict, with_time: bool = True) -> tuple:
    """What identifies a removed load: its file, kind, round, codebook and load time (a later
    load of the same bytes is a new load and is not removed). Without the time, for bundled
    files that a first start loads afresh."""
    key = (entry["sha256"], entry["kind"], entry.get("round"), entry.get("codebook_sha256"))
    return key + (entry.get("loaded_at"),) if with_time else key


def leftovers(paths: Paths, rows: list[dict]) -> list[Path]:
    """Files a killed load left behind: archived files that no snapshot row references,
    half-written archive copies, and unswapped snapshot copies."""
    kept = rows + read_removed(paths)  # a removed load's raw bytes stay in the archive
    referenced = {r["archived_as"] for r in kept} | {r["codebook_archived_as"] for r in kept if r.get("codebook_archived_as")}
    referenced |= {name for r in kept for name in attachments_of(r)}
    out = []
    if paths.archive.exists():
        for f in paths.archive.iterdir():
            if f.name in (paths.manifest.name, paths.removed.name):
                continue
            if f.name.startswith(".tmp-") or (f.is_file() and f.name not in referenced):
                out.append(f)
    return out + list(paths.db.parent.glob(NEXT_SNAPSHOT_GLOB))
