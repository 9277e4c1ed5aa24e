"""Manage data page helpers: what an upload may be, the temp copy a load reads, the codebooks
the server has, the history of loads (`queries.manage`, the snapshot's `loads` table), the
removed loads, and the messages of a rejected file.

Uploaded bytes go to a temp file with a generated name: a file name from the user is only
shown, never used as a path.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Callable

import pandas as pd
import streamlit as st

import loaders
from loaders import LoadRejected
from loaders.codebook_draft import draft
from queries import manage

from . import data, i18n
from .common import show_table
from .i18n import N_, _

#: Shown when another load or rebuild holds the database for longer than a load waits.
BUSY_TEXT = N_("The database is busy: another load or rebuild is running. Nothing was changed; try again in a "
               "moment.")
FILE_KINDS = {"survey": N_("Survey export (one row per office)"), "schedule": N_("Schedule (shared update calendar)"),
              "deliveries": N_("Delivery log"), "completeness": N_("Completeness (populated fields per delivery)"),
              "xml": N_("XML batch of delivered patent documents (ST.36/ST.96; .xml or .zip)"),
              "authority": N_("ST.37 authority file of an office (text or XML)")}
#: The file endings each kind accepts (the loaders read the content, not the name).
FILE_ENDINGS = {"xml": (".xml", ".zip"), "authority": (".txt", ".csv", ".tsv", ".xml")}
TABLE_ENDINGS = (".csv", ".xlsx")
UPLOAD_CODEBOOK = "upload"  # the codebook choice that asks for a file (the other choices are codebook names)
#: The columns of the removed loads' table (the records of `loaders.read_removed`).
REMOVED_COLUMNS = ["removed_at", "removed_by", "kind", "round", "original_name", "sha256", "rows", "loaded_at",
                   "loaded_by"]


def paths() -> loaders.Paths:
    """The live database's files (archive, manifest, removals)."""
    return loaders.Paths(data.database_path())


def max_upload_mb() -> int:
    """The same limit as the server's `server.maxUploadSize` (.streamlit/config.toml), in MB."""
    return int(st.get_option("server.maxUploadSize"))


def endings(kind: str) -> tuple[str, ...]:
    return FILE_ENDINGS.get(kind, TABLE_ENDINGS)


def upload_problem(name: str, size: int, allowed: tuple[str, ...]) -> str | None:
    """Why an uploaded file is refused before anything reads it (None when it is acceptable)."""
    limit_mb = max_upload_mb()
    limit_bytes = limit_mb * 1024 * 1024
    if not name or len(name) > 255 or re.search(r"[/\\\x00-\x1f]", name) or name.startswith("."):
        return _("the file name must be a plain name without folders, path separators or control "
                 "characters (rename the file and upload it again)")
    if Path(name).suffix.lower() not in allowed:
        return _("the file must end with {extensions}").format(extensions=_(" or ").join(allowed))
    if size > limit_bytes:
        return _("the file has {size} bytes; the limit is {limit} MB ({limit_bytes} bytes) (split it, or ask the "
                 "administrator to raise server.maxUploadSize)").format(
            size=i18n.number(size), limit=i18n.number(limit_mb), limit_bytes=i18n.number(limit_bytes))
    return None


@contextlib.contextmanager
def temp_copy(raw: bytes, suffix: str):
    """The uploaded bytes in a temp file whose name is generated here; removed afterwards."""
    fd, name = tempfile.mkstemp(prefix="ipdx-upload-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
        yield Path(name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def codebook_bytes(upload, path: Path | None) -> bytes:
    """The codebook a survey load would use: the uploaded one, else the chosen file, else none."""
    if upload is not None:
        return upload.getvalue()
    return path.read_bytes() if path else b""


def fingerprint(*parts: bytes) -> str:
    """What a dry run checked (file, codebook, kind, round, name, options): a later change of any
    of them asks for a new dry run."""
    return hashlib.sha256(b"\0".join(parts)).hexdigest()


def load_history() -> pd.DataFrame:
    """Every load of the live snapshot, oldest first (`queries.manage.load_history`)."""
    return data.query(manage.load_history)


def codebook_choices() -> dict[str, Path]:
    """Codebooks the server already has: bundled ones and those archived with earlier loads."""
    choices = {_("bundled: {file}").format(file=p.name): p
               for p in loaders.store.bundled_codebooks()}
    archive = paths().archive
    for entry in data.query(manage.archived_codebooks).itertuples():
        label = _("archived: codebook of round {round} (load #{seq}, {file})").format(
            round=entry.round, seq=entry.seq, file=entry.original_name)
        choices[label] = archive / entry.codebook_archived_as
    return choices


def removed_loads() -> pd.DataFrame:
    """The removal records (one per removed load, kept in the archive), oldest first."""
    return pd.DataFrame(loaders.read_removed(paths()), columns=REMOVED_COLUMNS)


def removal_labels(history: pd.DataFrame) -> dict[int, str]:
    """Each load's line in the removal choice: '#seq kind file (loaded at, by)'."""
    return {int(r.seq): f"#{r.seq} {r.kind} {r.original_name} ({r.loaded_at}, {r.loaded_by})"
            for r in history.itertuples()}


def problems_frame(err: LoadRejected) -> pd.DataFrame:
    return pd.DataFrame([p.as_dict() for p in err.problems],
                        columns=["file", "row", "column", "value", "expected"])


def show_rejection(err: LoadRejected, what: str, key: str) -> None:
    """The problems of a rejected file; `what` (already translated) says which step rejected it.
    The problems themselves are the loaders' messages, in English, as on the command line."""
    st.error(i18n.ngettext("{what}: {count} problem. Nothing was changed.",
                           "{what}: {count} problems. Nothing was changed.", err.total).format(
                 what=what, count=i18n.number(err.total)), icon=":material/error:")
    if err.total > len(err.problems):
        st.caption(_("The first {count} problems are listed.").format(count=i18n.number(len(err.problems))))
    show_table(problems_frame(err), width="stretch", key=f"problems-{key}")


def offer_codebook_draft(upload, raw: bytes) -> None:
    """An export without its codebook: offer a codebook drafted from it (loaders.codebook_draft,
    as `python -m loaders codebook draft`), to review and upload back."""
    st.caption(_("No codebook for this export yet? A draft can be written from it. Every guess in the "
                 "draft is marked for review; check it, then upload it as the codebook."))
    digest = hashlib.sha256(raw).hexdigest()
    if st.button(_("Draft a codebook from this export"), key="manage-draft"):
        with temp_copy(raw, Path(upload.name).suffix.lower()) as path:
            try:
                st.session_state["manage-drafted"] = {"for": digest, "text": draft(path, upload.name)}
            except LoadRejected as err:
                show_rejection(err, _("Drafting the codebook"), "draft")
    drafted = st.session_state.get("manage-drafted")
    if drafted and drafted["for"] == digest:
        st.download_button(_("Download the drafted codebook (TOML)"), data=drafted["text"].encode("utf-8"),
                           file_name=f"codebook-{Path(upload.name).stem}.toml", mime="application/toml",
                           key="manage-draft-download")


def progress_bar(text: str) -> Callable[[float, str], None]:
    bar = st.progress(0.0, text=text)
    return lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message)
