"""Loads, rebuilds and removals: the one path a file takes into the database.

`load_file` reads the file, checks it, applies it to a copy of the live snapshot in one
transaction, archives the raw file, and swaps the copy in (db.snapshot): all or nothing, and a
rejected or killed load leaves the previous database exactly as it was. `build` replays the
archive's manifest (or the bundled data) into a new snapshot; `remove_load` rebuilds without one
load; `ensure_database` builds a missing database, rebuilds one of another schema version, and
repairs the manifest after a crash (`recover`).

A caller may pass `on_stage`, called with 'applied' (the new snapshot is built in the copy),
'archived' (the raw file is archived, not yet swapped in) and 'swapped' (swapped in, the manifest
not yet rewritten): the crash-safety tests pause or kill a load there.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import duckdb

from db.calendar import materialise_scheduled_occurrences
from db.paths import BUNDLED_DIR, Paths, default_db_path
from db.schema import SCHEMA_VERSION, schema_version
from db.snapshot import DatabaseBusy, discard, new_snapshot_file, open_snapshot, swap_in, writer_lock

from .archive import (
    ATTACHMENT_NAME,
    ATTACHMENTS_OPTION,
    archive_file,
    attachments_of,
    leftovers,
    manifest_rows,
    read_loads,
    read_manifest,
    read_removed,
    removal_key,
    sha256_of,
    write_manifest,
    write_removed,
)
from .checks import date_bounds
from .problems import LoadRejected, Problem
from .readers import detect_format
from .reference import load_reference_tables
from .registry import HANDLERS, KINDS, OCCURRENCE_KINDS, READ_ONCE_KINDS

#: Names the command line, the app, deploy/ and bench/ reach through the store.
__all__ = ["BUNDLED_DIR", "BUNDLED_LOADS", "DatabaseBusy", "KINDS", "LoadRequest", "LoadResult", "Paths",
           "build", "bundled_codebooks", "connect_read_only", "default_db_path", "ensure_database", "load_file",
           "read_manifest", "read_removed", "recover", "remove_load", "writer_lock"]

#: The bundled illustrative data, loaded in this order on a first start (kind, file, round, codebook).
BUNDLED_LOADS = (
    ("survey", "survey-2025.csv", "2025", "codebook-2025.toml"),
    ("survey", "survey-2026.xlsx", "2026", "codebook-2026.toml"),
    ("schedule", "schedule.csv", None, None),
    ("deliveries", "deliveries.csv", None, None),
    ("completeness", "completeness.csv", None, None),
    ("notices", "notices.csv", None, None),
)
#: The bundled illustrative XML batches and ST.37 authority file (data/bundled/xml/, written by
#: scripts/make_xml_fixtures.py --bundled), loaded after the above: (kind, file, load options).
BUNDLED_XML_LOADS = (
    ("xml", "xml/us-grants-illustrative.xml", {"provider": "US", "recipient": "JP",
                                               "dataset": "patent-xml-sample", "scheduled_date": "2026-11-19"}),
    ("xml", "xml/ep-illustrative.zip", {"provider": "EP", "recipient": "WO",
                                        "dataset": "patent-xml-sample", "scheduled_date": "2026-11-18"}),
    ("authority", "xml/ep-authority-illustrative.csv", {}),
)

Progress = Callable[[float, str], None]
#: Called with the name of each stage a load passes (see the module's docstring).
OnStage = Callable[[str], None]


def _no_progress(fraction: float, message: str) -> None:
    pass


def _no_stage(stage: str) -> None:
    pass


@dataclass
class LoadRequest:
    kind: str
    path: Path  # where the bytes are now
    display: str  # the name people know the file by (never used as a path)
    round: str | None = None
    codebook: Path | None = None
    loaded_by: str = "cli"
    bundled: bool = False
    #: Kind-specific settings that are not columns of `loads` (an XML batch's provider, dataset,
    #: scheduled_date, recipient). Stored as JSON in `load_options` and the manifest, so that a
    #: rebuild replays the load with them.
    options: dict = field(default_factory=dict)
    #: The file's bytes, read once by load_file for the kinds staged from CSV/XLSX text (hashed,
    #: then validated from memory); None elsewhere: the readers then read `path`.
    content: bytes | None = field(default=None, repr=False, compare=False)
    #: Files archived with the load (a contest's evidence file): archived name (`<sha256><ext>`,
    #: `archive.attachment_name`) -> where the bytes are now. Named in `options` (attachments).
    attachments: dict[str, Path] = field(default_factory=dict, repr=False, compare=False)


@dataclass
class LoadResult:
    status: str  # "loaded", "would load" (dry run), "already loaded"
    kind: str
    file: str
    sha256: str
    rows: int = 0
    new_rows: int = 0
    corrected_rows: int = 0
    unchanged_rows: int = 0
    seq: int | None = None
    round: str | None = None
    notes: list[str] = field(default_factory=list)
    #: The worksheet read, for a workbook (the one named by the `sheet` option, or the first
    #: visible one); None for CSV text.
    sheet: str | None = None

    def summary(self) -> str:
        text = (f"{self.status}: {self.kind} {self.file} ({self.rows} rows: {self.new_rows} new, "
                f"{self.corrected_rows} corrected, {self.unchanged_rows} unchanged)")
        if self.seq is not None:
            text += f" as load #{self.seq}"
        return text


@dataclass(frozen=True)
class Stored:
    """Who a load is in the archive and the `loads` table: its file's and codebook's hashes and
    archived names, and when it was loaded."""
    sha: str
    ext: str
    codebook_sha: str | None
    loaded_at: datetime

    @property
    def archived_as(self) -> str:
        return f"{self.sha}{self.ext}"

    @property
    def codebook_archived_as(self) -> str | None:
        return f"{self.codebook_sha}.toml" if self.codebook_sha else None


def _options_json(request: LoadRequest) -> str:
    return json.dumps(request.options or {}, sort_keys=True)


def _ext_for(request: LoadRequest) -> str:
    suffix = Path(request.display).suffix.lower()
    if suffix in (".xml", ".zip", ".txt"):  # XML batches, ST.37 files
        return suffix
    return ".xlsx" if detect_format(str(request.path), request.display, request.content) == "xlsx" else ".csv"


# --------------------------------------------------------------------------- one file into a snapshot

def _check_and_apply(scratch: duckdb.DuckDBPyConnection, request: LoadRequest, stored: Stored) -> LoadResult:
    """Check the request's file and apply it to the attached snapshot `nxt`, in one transaction.

    Raises LoadRejected (before any change) when the file has problems.
    """
    handler = HANDLERS[request.kind]
    seq = scratch.execute("SELECT coalesce(max(seq), 0) + 1 FROM nxt.loads").fetchall()[0][0]
    counts = None
    if hasattr(handler, "load_screened"):
        # Fast path: read, check and insert in one pass; on any doubt it returns None and the
        # exact path below, which lists every problem, decides.
        scratch.execute("BEGIN TRANSACTION")
        try:
            counts = handler.load_screened(scratch, request, seq)
        except BaseException:
            scratch.execute("ROLLBACK")
            raise
        if counts is None:
            scratch.execute("ROLLBACK")
    prepared = None
    if counts is None:
        prepared = handler.validate(scratch, request)
        scratch.execute("BEGIN TRANSACTION")
    try:
        if counts is None:
            counts = handler.apply(scratch, request, prepared, seq)
        if request.kind in OCCURRENCE_KINDS:
            # The calendar follows the schedule and the log in the same transaction, so that a
            # snapshot never pairs new data with an old calendar. Its SQL names tables unqualified.
            scratch.execute("USE nxt")
            try:
                materialise_scheduled_occurrences(scratch, schedule_changed=request.kind == "schedule")
            finally:
                scratch.execute("USE memory")
        scratch.execute(
            "INSERT INTO nxt.loads VALUES ($seq, $sha, $kind, $name, $arch, $round, $cb, $cbarch, "
            "$rows, $new, $corr, $same, $at, $by, $bundled)",
            {"seq": seq, "sha": stored.sha, "kind": request.kind, "name": request.display,
             "arch": stored.archived_as, "round": request.round, "cb": stored.codebook_sha,
             "cbarch": stored.codebook_archived_as, "rows": counts["rows"], "new": counts["new"],
             "corr": counts["corrected"], "same": counts["unchanged"],
             "at": stored.loaded_at.replace(tzinfo=None), "by": request.loaded_by, "bundled": request.bundled},
        )
        if request.options:
            scratch.execute("INSERT INTO nxt.load_options VALUES ($seq, $opts)",
                            {"seq": seq, "opts": _options_json(request)})
        scratch.execute("INSERT OR REPLACE INTO nxt.meta VALUES ('snapshot_id', $id)",
                        {"id": uuid.uuid4().hex})
        scratch.execute("COMMIT")
    except BaseException:
        scratch.execute("ROLLBACK")
        raise
    sheet = getattr(prepared, "sheet", None)
    notes = list(counts.get("notes", []))
    if sheet is not None:
        notes.insert(0, f"read worksheet {sheet!r}" + ("" if (request.options or {}).get("sheet")
                                                        else " (the first visible one)"))
    return LoadResult("loaded", request.kind, request.display, stored.sha, counts["rows"], counts["new"],
                      counts["corrected"], counts["unchanged"], seq, request.round, notes, sheet)


def _already_loaded(scratch: duckdb.DuckDBPyConnection, sha: str, request: LoadRequest,
                    codebook_sha: str | None):
    """(seq, rows) of the earlier load of these very bytes (kind, round, codebook, options) in
    the snapshot copy attached as `nxt`, or None."""
    row = scratch.execute(
        "SELECT seq, rows FROM nxt.loads WHERE sha256 = $sha AND kind = $kind "
        "AND round IS NOT DISTINCT FROM $round AND codebook_sha256 IS NOT DISTINCT FROM $cb"
        + (" AND seq IN (SELECT load_seq FROM nxt.load_options WHERE options = $opts)"
           if request.options else ""),
        {"sha": sha, "kind": request.kind, "round": request.round, "cb": codebook_sha,
         **({"opts": _options_json(request)} if request.options else {})},
    ).fetchall()
    return row[0] if row else None


def _in_background(work: Callable[[], str]) -> concurrent.futures.Future:
    """Run `work` on a helper thread: the file is hashed (hashlib releases the GIL) while the
    database is checked and the snapshot copied, about 0.04 s of a 1M-row load."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipdx-hash")
    try:
        return pool.submit(work)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task


class _NextSnapshot:
    """The next snapshot's file, attached as `nxt` to an in-memory connection `scratch`;
    discarded unless it is swapped in."""

    def __init__(self, paths: Paths, copy_current: bool):
        self.paths, self.file = paths, new_snapshot_file(paths, copy_current=copy_current)
        self.scratch = duckdb.connect()
        self.scratch.execute("ATTACH $p AS nxt", {"p": str(self.file)})
        self.swapped = False

    def manifest(self) -> list[dict]:
        return manifest_rows(self.scratch, "nxt")

    def close(self) -> None:
        """Detach and close the copy: it is written whole, ready to be swapped in."""
        if self.scratch is not None:
            self.scratch.close()
            self.scratch = None

    def swap_in(self) -> None:
        self.close()
        swap_in(self.paths, self.file)
        self.swapped = True

    def __enter__(self) -> _NextSnapshot:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
        if not self.swapped:
            discard(self.file)


def _read_request(request: LoadRequest) -> tuple[LoadRequest, concurrent.futures.Future]:
    """The request with its bytes (read once, for the kinds staged from text) and its hash
    under way."""
    if request.kind in READ_ONCE_KINDS and request.content is None:
        request = dataclasses.replace(request, content=Path(request.path).read_bytes())
    content, path = request.content, request.path
    return request, _in_background(
        lambda: hashlib.sha256(content).hexdigest() if content is not None else sha256_of(path))


def load_file(request: LoadRequest, db_path: Path | None = None, *, dry_run: bool = False,
              progress: Progress = _no_progress, on_stage: OnStage | None = None) -> LoadResult:
    """Validate and load one file, all or nothing. The same path serves CLI and app."""
    on_stage = on_stage or _no_stage
    paths = Paths.of(db_path)
    if request.kind not in KINDS:
        raise ValueError(f"unknown kind {request.kind!r}; expected one of {', '.join(KINDS)}")
    if request.kind == "survey" and (not request.round or request.codebook is None):
        raise ValueError("a survey load needs --round and --codebook")
    date_bounds()  # a malformed IPDX_DATE_MIN / IPDX_DATE_MAX is a usage error, even for a file loaded before
    progress(0.05, "hashing")
    request, sha_pending = _read_request(request)
    request = _with_attachments(request)
    ensure_database(paths.db, progress=progress)
    codebook_sha = sha256_of(request.codebook) if request.codebook else None
    with writer_lock(paths):
        progress(0.15, "copying the current snapshot")
        with _NextSnapshot(paths, copy_current=True) as nxt:
            sha = sha_pending.result()
            # Asked of the copy (the live snapshot's twin) rather than of a connection of its own.
            already = _already_loaded(nxt.scratch, sha, request, codebook_sha)
            if already:
                return LoadResult("already loaded", request.kind, request.display, sha, already[1], 0, 0,
                                  already[1], already[0], request.round,
                                  ["this exact file was loaded before; nothing changed"])
            load_reference_tables(nxt.scratch, "nxt")
            progress(0.3, "validating")
            stored = Stored(sha, _ext_for(request), codebook_sha, datetime.now(timezone.utc))
            result = _check_and_apply(nxt.scratch, request, stored)
            manifest = nxt.manifest()
            nxt.close()
            on_stage("applied")
            if dry_run:
                result.status = "would load"
                result.seq = None
                return result
            progress(0.8, "archiving the raw file")
            _archive_request(paths, request, stored)
            on_stage("archived")
            progress(0.9, "swapping in the new snapshot")
            nxt.swap_in()
        on_stage("swapped")
        write_manifest(paths, manifest)  # the swapped-in snapshot's, read before it was closed
        progress(1.0, "done")
        return result


def _with_attachments(request: LoadRequest) -> LoadRequest:
    """The request with its attachments named in its options (the manifest then lists them);
    each archived name must be its file's hash and extension."""
    if not request.attachments:
        return request
    for name, source in request.attachments.items():
        sha, ext = name.split(".", 1) if ATTACHMENT_NAME.fullmatch(name) else ("", "")
        if not sha or sha256_of(source) != sha:
            raise ValueError(f"attachment {name!r} is not named by the SHA-256 and extension of {source}")
    return dataclasses.replace(request, options={**request.options, ATTACHMENTS_OPTION: sorted(request.attachments)})


def _archive_request(paths: Paths, request: LoadRequest, stored: Stored) -> None:
    archive_file(paths, request.path, stored.sha, stored.ext)
    if stored.codebook_sha:
        archive_file(paths, request.codebook, stored.codebook_sha, ".toml")
    for name, source in request.attachments.items():
        sha, ext = name.split(".", 1)
        archive_file(paths, source, sha, "." + ext)


# --------------------------------------------------------------------------- rebuilding

def _requests_from_manifest(paths: Paths, entries: list[dict]) -> list[tuple[LoadRequest, dict]]:
    out = []
    for e in entries:
        path = paths.archive / e["archived_as"]
        codebook = paths.archive / e["codebook_archived_as"] if e.get("codebook_archived_as") else None
        attached = [paths.archive / name for name in attachments_of(e)]
        for needed in filter(None, (path, codebook, *attached)):
            if not needed.exists():
                raise LoadRejected([Problem(str(paths.manifest), None, None, e["archived_as"],
                                            f"archived file {needed.name} to exist (the archive is incomplete)")])
        out.append((LoadRequest(e["kind"], path, e["original_name"], e.get("round"), codebook,
                                e.get("loaded_by") or "cli", bool(e.get("bundled")),
                                options=json.loads(e["options"]) if e.get("options") else {}), e))
    return out


def _bundled_requests() -> list[tuple[LoadRequest, dict]]:
    out = []
    for kind, name, rnd, codebook in BUNDLED_LOADS:
        path = BUNDLED_DIR / name
        if path.exists():
            out.append((LoadRequest(kind, path, name, rnd, BUNDLED_DIR / codebook if codebook else None,
                                    "bundled", True), {}))
    for kind, name, options in BUNDLED_XML_LOADS:
        path = BUNDLED_DIR / name
        if path.exists():
            out.append((LoadRequest(kind, path, Path(name).name, None, None, "bundled", True,
                                    options=dict(options)), {}))
    return out


def bundled_codebooks() -> list[Path]:
    """The codebooks shipped with the bundled data (data/bundled/codebook-*.toml), by file name:
    the ones a survey load may use without uploading its own."""
    return sorted(BUNDLED_DIR.glob("codebook-*.toml"))


def _identity(request: LoadRequest) -> dict:
    return {"sha256": sha256_of(request.path), "kind": request.kind, "round": request.round,
            "codebook_sha256": sha256_of(request.codebook) if request.codebook else None}


def _replayed_requests(paths: Paths, *, include_bundled: bool, from_manifest: bool,
                       exclude_seqs: frozenset[int]) -> list[tuple[LoadRequest, dict]]:
    """The loads a rebuild replays: the manifest's (less removed and excluded ones), or the
    bundled data when there is no manifest to replay (less removed bundled files)."""
    removed = read_removed(paths)
    removed_keys = {removal_key(r) for r in removed}
    entries = read_manifest(paths) if from_manifest else []
    entries = [e for e in entries if e["seq"] not in exclude_seqs and removal_key(e) not in removed_keys]
    if not include_bundled:
        entries = [e for e in entries if not e.get("bundled")]
    if entries:
        return _requests_from_manifest(paths, entries)
    if include_bundled and not (from_manifest and read_manifest(paths)):
        removed_bundled = {removal_key(r, with_time=False) for r in removed if r.get("bundled")}
        return [(r, e) for r, e in _bundled_requests()
                if not removed_bundled or removal_key(_identity(r), with_time=False) not in removed_bundled]
    return []


def _rebuild(paths: Paths, *, include_bundled: bool = True, from_manifest: bool = True,
             exclude_seqs: frozenset[int] = frozenset(), progress: Progress = _no_progress,
             on_stage: OnStage | None = None, before_swap: Callable[[], None] | None = None) -> int:
    """Replay the loads into a new snapshot and swap it in (call under the writer lock)."""
    on_stage = on_stage or _no_stage
    requests = _replayed_requests(paths, include_bundled=include_bundled, from_manifest=from_manifest,
                                  exclude_seqs=exclude_seqs)
    with _NextSnapshot(paths, copy_current=False) as nxt:
        load_reference_tables(nxt.scratch, "nxt")
        nxt.scratch.execute("INSERT OR REPLACE INTO nxt.meta VALUES ('snapshot_id', $id)", {"id": uuid.uuid4().hex})
        for i, (request, entry) in enumerate(requests):
            progress((i + 0.5) / max(len(requests), 1), f"loading {request.display}")
            sha = entry.get("sha256") or sha256_of(request.path)
            cb_sha = entry.get("codebook_sha256") or (sha256_of(request.codebook) if request.codebook else None)
            loaded_at = (datetime.fromisoformat(entry["loaded_at"]) if entry.get("loaded_at")
                         else datetime.now(timezone.utc))
            stored = Stored(sha, _ext_for(request), cb_sha, loaded_at)
            _check_and_apply(nxt.scratch, request, stored)
            if not entry:  # bundled files enter the archive like any other load
                _archive_request(paths, request, stored)
        nxt.close()
        on_stage("applied")
        if before_swap:
            before_swap()
        nxt.swap_in()
    on_stage("swapped")
    write_manifest(paths, read_loads(paths))
    progress(1.0, "database ready")
    return len(requests)


def build(db_path: Path | None = None, *, include_bundled: bool = True, from_manifest: bool = True,
          exclude_seqs: set[int] | frozenset = frozenset(), progress: Progress = _no_progress,
          on_stage: OnStage | None = None) -> int:
    """(Re)build the database from the archive's manifest, or from the bundled data when the
    archive is empty, leaving out removed loads (`removed.jsonl`). Returns the number of loads
    replayed. All or nothing: swapped in at the end."""
    paths = Paths.of(db_path)
    with writer_lock(paths):
        return _rebuild(paths, include_bundled=include_bundled, from_manifest=from_manifest,
                        exclude_seqs=frozenset(exclude_seqs), progress=progress, on_stage=on_stage)


def remove_load(seq: int, db_path: Path | None = None, *, removed_by: str = "cli",
                progress: Progress = _no_progress, on_stage: OnStage | None = None) -> dict:
    """Remove load #`seq`: rebuild the database from the archive without it, all or nothing.

    The file's raw bytes stay in the archive; the removal is recorded in `removed.jsonl`
    (written just before the new snapshot is swapped in) so later rebuilds keep it out. Loads
    are renumbered by the rebuild. Raises ValueError for an unknown seq, and LoadRejected
    (nothing changed) when a later load needs the removed one, e.g. completeness rows of
    removed deliveries. Returns the removal record."""
    paths = Paths.of(db_path)
    ensure_database(paths.db)
    with writer_lock(paths):
        entry = next((e for e in read_loads(paths) if e["seq"] == seq), None)
        if entry is None:
            raise ValueError(f"there is no load #{seq} in {paths.db}")
        record = {k: entry.get(k) for k in ("seq", "sha256", "kind", "round", "codebook_sha256",
                                            "loaded_at", "original_name", "archived_as",
                                            "codebook_archived_as", "rows", "loaded_by", "bundled",
                                            "options")}
        record.update(removed_at=datetime.now(timezone.utc).isoformat(), removed_by=removed_by)
        records = [*read_removed(paths), record]
        _rebuild(paths, exclude_seqs=frozenset({seq}), progress=progress, on_stage=on_stage,
                 before_swap=lambda: write_removed(paths, records))
    return record


# --------------------------------------------------------------------------- opening

def recover(paths: Paths) -> None:
    """Make the manifest agree with the live snapshot after a crash (call under the lock)."""
    if not paths.db.exists():
        return
    rows = read_loads(paths)
    if read_manifest(paths) != rows:
        write_manifest(paths, rows)
    for f in leftovers(paths, rows):
        f.unlink()


def _live_state(paths: Paths) -> tuple[str | None, list[dict]]:
    """The live snapshot's schema version and, when it is the current one, its manifest."""
    con = open_snapshot(paths.db)
    try:
        version = schema_version(con)
        return version, manifest_rows(con) if version == SCHEMA_VERSION else []
    finally:
        con.close()


def ensure_database(db_path: Path | None = None, progress: Progress = _no_progress) -> Path:
    """Open-time check: build from the archive or bundled data when there is no database or it
    is of another schema version (its manifest.jsonl is replayed), and repair the manifest after
    a crash."""
    paths = Paths.of(db_path)
    if paths.db.exists():
        version, rows = _live_state(paths)
        if version == SCHEMA_VERSION and read_manifest(paths) == rows:
            if leftovers(paths, rows):
                # A load killed before its swap left files behind; clean up unless a live writer
                # holds the lock (then they are its work in progress): never wait for a load here.
                with contextlib.suppress(TimeoutError), writer_lock(paths, timeout=0):
                    recover(paths)
            return paths.db
    with writer_lock(paths):
        if not paths.db.exists() or _live_state(paths)[0] != SCHEMA_VERSION:
            _rebuild(paths, progress=progress)
        recover(paths)
    return paths.db


def connect_read_only(db_path: Path | None = None) -> duckdb.DuckDBPyConnection:
    return open_snapshot(ensure_database(db_path))
