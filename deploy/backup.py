"""Backups of the dashboard's source of truth, and restores from them.

    python deploy/backup.py backup DEST [--db PATH]      # a new folder DEST/ipdx-backup-<UTC time>
    python deploy/backup.py restore BACKUP --db PATH     # into an empty folder, then rebuild

The raw files in the archive and the manifest are the source of truth; the database is derived
from them (`python -m loaders build`), so a backup holds the manifest (`manifest.jsonl`), the
removal records (`removed.jsonl`) and every archived file either names, each checked against the
SHA-256 its name carries, plus `backup.json` (when, from which database, the row count of every
table of the live snapshot).

A backup may run while the app serves and while loads run: it holds the loaders' writer lock
while it copies, so no load is between its swap and its manifest write, and the manifest copied
is exactly the live snapshot's (a load waits for the copy, and the copy for a load). The folder
appears under its final name only when complete.

A restore copies the backup's archive into the folder of a database that does not exist yet,
rebuilds the database from it, and checks every table's row count against `backup.json`.

Exit status 0 on success, 1 when a backup or restore failed (incomplete or damaged backup,
mismatched counts), 2 on a usage error. Defaults for --db as for `python -m loaders`.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from db.snapshot import fsync_dir
from loaders import store

FORMAT = 1
INFO = "backup.json"


class BackupError(Exception):
    pass


def _table_rows(db: Path) -> dict[str, int]:
    con = store.open_snapshot(db)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = 'snap' AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def _referenced(entries: list[dict]) -> dict[str, str]:
    """Archived file name -> the SHA-256 its content must have, for manifest and removal rows."""
    out = {}
    for e in entries:
        out[e["archived_as"]] = e["sha256"]
        if e.get("codebook_archived_as"):
            out[e["codebook_archived_as"]] = e["codebook_sha256"]
        for name in store.attachments_of(e):  # named by their hash: <sha256><ext>
            out[name] = name.split(".", 1)[0]
    return out


def _check_copy(path: Path, sha: str) -> None:
    if not path.is_file():
        raise BackupError(f"archived file {path.name} is missing")
    if store.sha256_of(path) != sha:
        raise BackupError(f"archived file {path.name} does not have the SHA-256 its manifest row names")


def _fsync_tree(folder: Path) -> None:
    for path in [*folder.rglob("*"), folder]:  # files and folders alike
        fsync_dir(path)


def backup(db: Path, dest: Path) -> Path:
    paths = store.Paths(db)
    if not paths.db.exists():
        raise BackupError(f"there is no database at {paths.db}")
    dest.mkdir(parents=True, exist_ok=True)
    name = "ipdx-backup-" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    partial, final = dest / f".partial-{name}", dest / name
    (partial / "archive").mkdir(parents=True)
    try:
        with store.writer_lock(paths):  # waits as long as a load would (IPDX_LOCK_WAIT)
            # A crash between a swap and its manifest write leaves the manifest behind the live
            # snapshot: repaired first, as the next start of the app would.
            store.recover(paths)
            manifest, removed = store.read_manifest(paths), store.read_removed(paths)
            for source in (paths.manifest, paths.removed):
                if source.exists():
                    shutil.copyfile(source, partial / "archive" / source.name)
            for archived_as, sha in sorted(_referenced(manifest + removed).items()):
                copy = partial / "archive" / archived_as
                shutil.copyfile(paths.archive / archived_as, copy)
                _check_copy(copy, sha)
            info = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(),
                    "database": str(paths.db), "loads": len(manifest),
                    "bundled": any(e.get("bundled") for e in manifest), "tables": _table_rows(paths.db)}
        (partial / INFO).write_text(json.dumps(info, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        _fsync_tree(partial)
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return final


def restore(source: Path, db: Path) -> dict:
    info_file = source / INFO
    if not info_file.is_file():
        raise BackupError(f"{source} is not a complete backup (no {INFO})")
    info = json.loads(info_file.read_text(encoding="utf-8"))
    if info.get("format") != FORMAT:
        raise BackupError(f"{info_file}: format {info.get('format')!r}, expected {FORMAT}")
    paths = store.Paths(db)
    if paths.db.exists() or (paths.archive.exists() and any(paths.archive.iterdir())):
        raise BackupError(f"{paths.db.parent} already holds a database or an archive; restore into an empty folder")
    backup_paths = store.Paths(source / "ipdx.duckdb")  # the backup's archive/, read as a database's
    manifest, removed = store.read_manifest(backup_paths), store.read_removed(backup_paths)
    for archived_as, sha in _referenced(manifest + removed).items():
        _check_copy(backup_paths.archive / archived_as, sha)
    paths.archive.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(backup_paths.archive, paths.archive, dirs_exist_ok=True)
    # Without bundled rows the live database was built without the bundled data.
    store.build(paths.db, include_bundled=bool(info["bundled"]))
    counts = _table_rows(paths.db)
    if counts != info["tables"]:
        differ = sorted(t for t in set(counts) | set(info["tables"]) if counts.get(t) != info["tables"].get(t))
        raise BackupError(f"the rebuilt database differs from the backed-up one in tables: {', '.join(differ)}")
    return info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="backup.py", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("backup", help="copy the archive and the manifest into a new folder under DEST")
    b.add_argument("dest", metavar="DEST")
    r = sub.add_parser("restore", help="rebuild a database (that does not exist yet) from a backup")
    r.add_argument("backup", metavar="BACKUP")
    for parser in (b, r):
        parser.add_argument("--db", help="database file (default: $IPDX_DB or data/ipdx.duckdb)")
    args = p.parse_args(argv)
    db = Path(args.db).resolve() if args.db else store.default_db_path()
    try:
        if args.command == "backup":
            print(backup(db, Path(args.dest).resolve()))
        else:
            info = restore(Path(args.backup).resolve(), db)
            print(f"restored {db} from {args.backup}: {info['loads']} load(s), "
                  f"{sum(info['tables'].values())} rows, every table's row count as backed up")
    except (BackupError, store.LoadRejected, TimeoutError) as err:
        print(f"{args.command} failed: {err}", file=sys.stderr)
        return 1
    except ValueError as err:  # a malformed setting, such as IPDX_LOCK_WAIT
        print(f"usage error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
