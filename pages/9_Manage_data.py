"""Manage data (secretariat only): upload a file, dry run, confirm, history of loads, remove.

Layout only. Loading goes through `loaders.load_file`, the same code path as
`python -m loaders load`; removal through `loaders.remove_load`. Uploaded bytes go to a temp
file with a generated name: a file name from the user is only shown, never used as a path.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

import loaders
from loaders import LoadRejected, LoadRequest
from ui import auth, common, data, i18n
from ui.i18n import N_, _

#: Shown when another load or rebuild holds the database for longer than a load waits.
BUSY_TEXT = N_("The database is busy: another load or rebuild is running. Nothing was changed; try again in a "
               "moment.")

common.page(_("Manage data"), ":material/upload_file:")
who = auth.sidebar()
st.title(_("Manage data"))

if not who.sees_everything:
    st.error(_("This page is for the secretariat only. Sign in with a secretariat account in the "
               "sidebar to load or remove data; nothing can be changed here without that role."),
             icon=":material/lock:")
    st.stop()

flash = st.session_state.pop("manage-flash", None)
if flash:  # the outcome of the action before the rerun that refreshed history and figures
    st.success(flash, icon=":material/check_circle:")

DB = data.database_path()
PATHS = loaders.Paths(DB)
#: The same limit as the server's `server.maxUploadSize` (.streamlit/config.toml), in bytes.
MAX_UPLOAD_MB = int(st.get_option("server.maxUploadSize"))
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
FILE_KINDS = {"survey": N_("Survey export (one row per office)"), "schedule": N_("Schedule (shared update calendar)"),
              "deliveries": N_("Delivery log"), "completeness": N_("Completeness (populated fields per delivery)"),
              "xml": N_("XML batch of delivered patent documents (ST.36/ST.96; .xml or .zip)"),
              "authority": N_("ST.37 authority file of an office (text or XML)")}
#: The file endings each kind accepts (the loaders read the content, not the name).
FILE_ENDINGS = {"xml": (".xml", ".zip"), "authority": (".txt", ".csv", ".tsv", ".xml")}
TABLE_ENDINGS = (".csv", ".xlsx")
UPLOAD_CODEBOOK = "upload"  # the codebook choice that asks for a file (the other choices are codebook names)


def upload_problem(name: str, size: int, allowed: tuple[str, ...]) -> str | None:
    """Why an uploaded file is refused before anything reads it (None when it is acceptable)."""
    if not name or len(name) > 255 or re.search(r"[/\\\x00-\x1f]", name) or name.startswith("."):
        return _("the file name must be a plain name without folders, path separators or control "
                 "characters (rename the file and upload it again)")
    if Path(name).suffix.lower() not in allowed:
        return _("the file must end with {extensions}").format(extensions=_(" or ").join(allowed))
    if size > MAX_UPLOAD_BYTES:
        return _("the file has {size} bytes; the limit is {limit} MB ({limit_bytes} bytes) (split it, or ask the "
                 "administrator to raise server.maxUploadSize)").format(
            size=i18n.number(size), limit=i18n.number(MAX_UPLOAD_MB), limit_bytes=i18n.number(MAX_UPLOAD_BYTES))
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


def codebook_choices() -> dict[str, Path]:
    """Codebooks the server already has: bundled ones and those archived with earlier loads."""
    choices = {_("bundled: {file}").format(file=p.name): p
               for p in sorted(loaders.store.BUNDLED_DIR.glob("codebook-*.toml"))}
    for entry in loaders.read_manifest(PATHS):
        if entry.get("codebook_archived_as") and not entry.get("bundled"):
            label = _("archived: codebook of round {round} (load #{seq}, {file})").format(
                round=entry["round"], seq=entry["seq"], file=entry["original_name"])
            choices[label] = PATHS.archive / entry["codebook_archived_as"]
    return choices


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
    common.show_table(problems_frame(err), width="stretch", key=f"problems-{key}")


def offer_codebook_draft(upload, raw: bytes) -> None:
    """An export without its codebook: offer a codebook drafted from it (loaders.codebook_draft,
    as `python -m loaders codebook draft`), to review and upload back."""
    from loaders.codebook_draft import draft

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


def progress_bar(text: str):
    bar = st.progress(0.0, text=text)
    return lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0), text=message)


# ------------------------------------------------------------------ load a file

st.subheader(_("Load a file"))
st.caption(_("CSV or XLSX (XML, zip or text for XML batches and ST.37 authority files), at most {limit} MB. Every "
             "file is checked first (dry run); nothing changes until you confirm. Formats: see README, section Input "
             "formats.").format(limit=i18n.number(MAX_UPLOAD_MB)))
kind = st.selectbox(_("What is the file?"), list(FILE_KINDS), format_func=lambda k: _(FILE_KINDS[k]),
                    key="manage-kind")
round_name, codebook_path, codebook_upload = None, None, None
if kind == "survey":
    round_name = st.text_input(_("Survey round"), key="manage-round",
                               placeholder=_("e.g. {example}").format(example="2026")).strip() or None
    choices = codebook_choices()
    codebook_choice = st.selectbox(_("Codebook"), [*choices, UPLOAD_CODEBOOK], key="manage-codebook",
                                   format_func=lambda c: _("Upload a codebook (TOML)") if c == UPLOAD_CODEBOOK else c)
    if codebook_choice == UPLOAD_CODEBOOK:
        codebook_upload = st.file_uploader(_("Codebook file"), type=["toml"], key="manage-codebook-file")
    else:
        codebook_path = choices[codebook_choice]
batch_options: dict = {}
if kind == "xml":  # which delivery the batch is: the same options as `python -m loaders load xml`
    office_codes = list(data.offices()["code"])
    cols = st.columns(4)
    provider = cols[0].selectbox(_("Provider office"), office_codes, key="manage-xml-provider",
                                 format_func=common.office_label)
    dataset = cols[1].text_input(_("Dataset"), key="manage-xml-dataset",
                                 placeholder=_("e.g. {example}").format(example="patent-fulltext")).strip()
    scheduled = cols[2].date_input(_("Scheduled date (UTC)"), value=None, key="manage-xml-date")
    recipient = cols[3].selectbox(_("Recipient office (optional)"), ["", *office_codes], key="manage-xml-recipient",
                                  format_func=lambda c: common.office_label(c) if c else _("from the schedule"))
    batch_options = {k: v for k, v in (("provider", provider), ("dataset", dataset), ("recipient", recipient),
                                       ("scheduled_date", scheduled.isoformat() if scheduled else ""))
                     if v}
endings = FILE_ENDINGS.get(kind, TABLE_ENDINGS)
upload = st.file_uploader(_("File to load"), type=[e.lstrip(".") for e in endings], key="manage-file")

refusal = None
if upload is not None:
    raw = upload.getvalue()
    refusal = upload_problem(upload.name, len(raw), endings)
if codebook_upload is not None and refusal is None:
    codebook_raw = codebook_upload.getvalue()
    refusal = upload_problem(codebook_upload.name, len(codebook_raw), (".toml",))
    refusal = refusal and _("Codebook refused: {reason}").format(reason=refusal)
if refusal:
    st.error(_("Refused: {reason}.").format(reason=refusal), icon=":material/block:")
elif upload is not None and kind == "survey" and not round_name:
    st.info(_("Enter the survey round of this export."))
elif upload is not None and kind == "survey" and codebook_path is None and codebook_upload is None:
    st.info(_("Choose or upload the codebook of this round."))
    offer_codebook_draft(upload, raw)
elif upload is not None and kind == "xml" and not {"dataset", "scheduled_date"} <= set(batch_options):
    st.info(_("Enter the dataset and the scheduled date of the delivery this batch is."))
elif upload is not None:
    codebook_bytes = codebook_upload.getvalue() if codebook_upload else (codebook_path.read_bytes() if codebook_path else b"")
    fingerprint = hashlib.sha256(b"\0".join([raw, codebook_bytes, kind.encode(), (round_name or "").encode(),
                                             upload.name.encode(), repr(sorted(batch_options.items())).encode()
                                             ])).hexdigest()
    checked = st.session_state.get("manage-checked")
    if checked and checked["fingerprint"] != fingerprint:
        checked = None  # the file or its settings changed since the dry run

    def run(**options) -> loaders.LoadResult:
        suffix = Path(upload.name).suffix.lower()
        with temp_copy(raw, suffix) as path, contextlib.ExitStack() as stack:
            codebook = codebook_path
            if codebook_upload is not None:
                codebook = stack.enter_context(temp_copy(codebook_bytes, ".toml"))
            request = LoadRequest(kind, path, upload.name, round_name if kind == "survey" else None,
                                  codebook if kind == "survey" else None, loaded_by=who.username,
                                  options=batch_options)
            return loaders.load_file(request, DB, **options)

    if st.button(_("Check the file (dry run)"), key="manage-dry-run", icon=":material/fact_check:"):
        try:
            result = run(dry_run=True)
            checked = {"fingerprint": fingerprint, "result": result}
        except LoadRejected as err:
            checked = None
            show_rejection(err, _("Dry run rejected the file"), "dry-run")
        except ValueError as err:
            checked = None
            st.error(_("Cannot check this file: {reason}").format(reason=common.plain(err)))
        st.session_state["manage-checked"] = checked

    if checked:
        result = checked["result"]
        if result.status == "already loaded":
            st.info(common.plain(_("{file} was loaded before (load #{seq}); loading it again would change nothing.")
                                 .format(file=upload.name, seq=result.seq)))
        else:
            st.success(common.plain(_("Dry run passed: {file} has no problems. Loading it would change:").format(
                file=upload.name)))
            cols = st.columns(4)
            cols[0].metric(_("Rows in the file"), i18n.number(result.rows))
            cols[1].metric(_("New rows"), i18n.number(result.new_rows))
            cols[2].metric(_("Corrected rows"), i18n.number(result.corrected_rows))
            cols[3].metric(_("Unchanged rows"), i18n.number(result.unchanged_rows))
            for note in result.notes:
                st.caption(common.plain(note))
            if st.button(_("Confirm: load this file"), key="manage-confirm", type="primary",
                         icon=":material/upload:"):
                try:
                    loaded = run(dry_run=False, progress=progress_bar(_("Loading...")))
                    st.session_state.pop("manage-checked", None)
                    st.session_state["manage-flash"] = common.plain(
                        _("Loaded {file} as load #{seq} ({new} new, {corrected} corrected, {unchanged} unchanged "
                          "rows).").format(file=upload.name, seq=loaded.seq, new=i18n.number(loaded.new_rows),
                                           corrected=i18n.number(loaded.corrected_rows),
                                           unchanged=i18n.number(loaded.unchanged_rows)))
                    st.rerun()
                except LoadRejected as err:  # the database changed since the dry run
                    st.session_state.pop("manage-checked", None)
                    show_rejection(err, _("Load rejected"), "load")
                except TimeoutError:  # another writer held the lock longer than a load waits
                    st.session_state.pop("manage-checked", None)
                    st.error(_(BUSY_TEXT))

# ------------------------------------------------------------------ history and removal

st.subheader(_("History of loads"))
manifest = loaders.read_manifest(PATHS)
history = pd.DataFrame(manifest, columns=["seq", "loaded_at", "loaded_by", "kind", "round", "original_name",
                                          "sha256", "rows", "new_rows", "corrected_rows", "unchanged_rows",
                                          "bundled"])
common.show_table(history.rename(columns={"seq": "load", "loaded_at": "loaded at (UTC)", "loaded_by": "by",
                                          "original_name": "file", "sha256": "SHA-256"}),
                  width="stretch", key="manage-history")

if manifest:
    st.markdown("**" + _("Remove a load") + "**")
    st.caption(_("Removing a load rebuilds the database from the archive without it (all or nothing). "
                 "Its raw file stays in the archive and later rebuilds keep it out."))
    labels = {e["seq"]: f"#{e['seq']} {e['kind']} {e['original_name']} ({e['loaded_at']}, {e['loaded_by']})"
              for e in manifest}
    seq = st.selectbox(_("Load to remove"), list(labels), format_func=labels.get, key="manage-remove-seq")
    sure = st.checkbox(_("I understand that the database is rebuilt without this load"), key="manage-remove-sure")
    if st.button(_("Remove this load"), key="manage-remove", disabled=not sure, icon=":material/delete:"):
        try:
            record = loaders.remove_load(seq, DB, removed_by=who.username,
                                         progress=progress_bar(_("Rebuilding without the load...")))
            st.session_state.pop("manage-checked", None)
            st.session_state["manage-flash"] = common.plain(
                _("Removed load #{seq} ({file}); the database was rebuilt without it.").format(
                    seq=seq, file=record["original_name"]))
            st.rerun()
        except LoadRejected as err:
            show_rejection(err, _("Removal refused, a later load needs this one"), "removal")
        except TimeoutError:
            st.error(_(BUSY_TEXT))
        except ValueError as err:
            st.error(common.plain(err))

removed = loaders.read_removed(PATHS)
if removed:
    st.markdown(_("**Removed loads** (kept in the archive)"))
    common.show_table(pd.DataFrame(removed, columns=["removed_at", "removed_by", "kind", "round", "original_name",
                                                     "sha256", "rows", "loaded_at", "loaded_by"]),
                      width="stretch", key="manage-removed")
