"""Manage data (secretariat only): upload a file, dry run, confirm, history of loads, remove; the
survey rounds' and delivery periods' status (draft, review, published) and the audit of their review.

Layout only. Loading goes through `loaders.load_file`, the same code path as
`python -m loaders load`; removal through `loaders.remove_load`; the checks of an upload, the
temp copy and the history in `ui.manage`.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

import streamlit as st

import loaders
from loaders import LoadRejected, LoadRequest
from ui import common, data, i18n, manage, page, period_review
from ui import review as review_ui
from ui.i18n import _

who = page.page_header(_("Manage data"), ":material/upload_file:", None, None)

if not who.sees_everything:
    st.error(_("This page is for the secretariat only. Sign in with a secretariat account in the "
               "sidebar to load or remove data; nothing can be changed here without that role."),
             icon=":material/lock:")
    st.stop()

flash = st.session_state.pop("manage-flash", None)
if flash:  # the outcome of the action before the rerun that refreshed history and figures
    st.success(flash, icon=":material/check_circle:")

DB = data.database_path()
MAX_UPLOAD_MB = manage.max_upload_mb()

# ------------------------------------------------------------------ load a file

st.subheader(_("Load a file"))
st.caption(_("CSV or XLSX (XML, zip or text for XML batches and ST.37 authority files), at most {limit} MB. Every "
             "file is checked first (dry run); nothing changes until you confirm. Formats: see "
             "docs/input-formats.md.").format(limit=i18n.number(MAX_UPLOAD_MB)))
kind = st.selectbox(_("What is the file?"), list(manage.FILE_KINDS), format_func=lambda k: _(manage.FILE_KINDS[k]),
                    key="manage-kind")
round_name, codebook_path, codebook_upload = None, None, None
if kind == "survey":
    round_name = st.text_input(_("Survey round"), key="manage-round",
                               placeholder=_("e.g. {example}").format(example="2026")).strip() or None
    choices = manage.codebook_choices()
    codebook_choice = st.selectbox(_("Codebook"), [*choices, manage.UPLOAD_CODEBOOK], key="manage-codebook",
                                   format_func=lambda c: _("Upload a codebook (TOML)") if c == manage.UPLOAD_CODEBOOK
                                   else c)
    if codebook_choice == manage.UPLOAD_CODEBOOK:
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
endings = manage.endings(kind)
upload = st.file_uploader(_("File to load"), type=[e.lstrip(".") for e in endings], key="manage-file")

refusal = None
if upload is not None:
    raw = upload.getvalue()
    refusal = manage.upload_problem(upload.name, len(raw), endings)
if codebook_upload is not None and refusal is None:
    codebook_raw = codebook_upload.getvalue()
    refusal = manage.upload_problem(codebook_upload.name, len(codebook_raw), (".toml",))
    refusal = refusal and _("Codebook refused: {reason}").format(reason=refusal)
if refusal:
    st.error(_("Refused: {reason}.").format(reason=refusal), icon=":material/block:")
elif upload is not None and kind == "survey" and not round_name:
    st.info(_("Enter the survey round of this export."))
elif upload is not None and kind == "survey" and codebook_path is None and codebook_upload is None:
    st.info(_("Choose or upload the codebook of this round."))
    manage.offer_codebook_draft(upload, raw)
elif upload is not None and kind == "xml" and not {"dataset", "scheduled_date"} <= set(batch_options):
    st.info(_("Enter the dataset and the scheduled date of the delivery this batch is."))
elif upload is not None:
    codebook_bytes = manage.codebook_bytes(codebook_upload, codebook_path)
    fingerprint = manage.fingerprint(raw, codebook_bytes, kind.encode(), (round_name or "").encode(),
                                     upload.name.encode(), repr(sorted(batch_options.items())).encode())
    checked = st.session_state.get("manage-checked")
    if checked and checked["fingerprint"] != fingerprint:
        checked = None  # the file or its settings changed since the dry run

    def run(**options) -> loaders.LoadResult:
        suffix = Path(upload.name).suffix.lower()
        with manage.temp_copy(raw, suffix) as path, contextlib.ExitStack() as stack:
            codebook = codebook_path
            if codebook_upload is not None:
                codebook = stack.enter_context(manage.temp_copy(codebook_bytes, ".toml"))
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
            manage.show_rejection(err, _("Dry run rejected the file"), "dry-run")
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
                    loaded = run(dry_run=False, progress=manage.progress_bar(_("Loading...")))
                    st.session_state.pop("manage-checked", None)
                    st.session_state["manage-flash"] = common.plain(
                        _("Loaded {file} as load #{seq} ({new} new, {corrected} corrected, {unchanged} unchanged "
                          "rows).").format(file=upload.name, seq=loaded.seq, new=i18n.number(loaded.new_rows),
                                           corrected=i18n.number(loaded.corrected_rows),
                                           unchanged=i18n.number(loaded.unchanged_rows)))
                    st.rerun()
                except LoadRejected as err:  # the database changed since the dry run
                    st.session_state.pop("manage-checked", None)
                    manage.show_rejection(err, _("Load rejected"), "load")
                except TimeoutError:  # another writer held the lock longer than a load waits
                    st.session_state.pop("manage-checked", None)
                    st.error(_(manage.BUSY_TEXT))

# ------------------------------------------------------------------ history and removal

st.subheader(_("History of loads"))
history = manage.load_history()
common.show_table(history.rename(columns={"seq": "load", "loaded_at": "loaded at (UTC)", "loaded_by": "by",
                                          "original_name": "file", "sha256": "SHA-256"}),
                  width="stretch", key="manage-history")

if len(history):
    st.markdown("**" + _("Remove a load") + "**")
    st.caption(_("Removing a load rebuilds the database from the archive without it (all or nothing). "
                 "Its raw file stays in the archive and later rebuilds keep it out."))
    labels = manage.removal_labels(history)
    seq = st.selectbox(_("Load to remove"), list(labels), format_func=labels.get, key="manage-remove-seq")
    sure = st.checkbox(_("I understand that the database is rebuilt without this load"), key="manage-remove-sure")
    if st.button(_("Remove this load"), key="manage-remove", disabled=not sure, icon=":material/delete:"):
        try:
            record = loaders.remove_load(seq, DB, removed_by=who.username,
                                         progress=manage.progress_bar(_("Rebuilding without the load...")))
            st.session_state.pop("manage-checked", None)
            st.session_state["manage-flash"] = common.plain(
                _("Removed load #{seq} ({file}); the database was rebuilt without it.").format(
                    seq=seq, file=record["original_name"]))
            st.rerun()
        except LoadRejected as err:
            manage.show_rejection(err, _("Removal refused, a later load needs this one"), "removal")
        except TimeoutError:
            st.error(_(manage.BUSY_TEXT))
        except ValueError as err:
            st.error(common.plain(err))

removed = manage.removed_loads()
if len(removed):
    st.markdown(_("**Removed loads** (kept in the archive)"))
    common.show_table(removed, width="stretch", key="manage-removed")

# ------------------------------------------------------------------ survey rounds: review and publication

st.subheader(_("Survey rounds: review and publication"))
st.caption(_("A newly loaded round is a draft: only the secretariat sees it. In review, each office sees its own "
             "entries on the Review page and confirms or contests them; the public sees the round only if it is "
             "shown as provisional. Published is final: a correction is a new load of the round, public at once."))
review_ui.show_flash()
review_ui.status_controls(who)
st.markdown("**" + _("Audit of the review") + "**")
st.caption(_("Every status change, confirmation, contest, answer and load of a round, oldest first (append-only: "
             "nothing is edited in place)."))
review_ui.show_audit()

# ------------------------------------------------------------------ delivery periods: review and publication

st.subheader(_("Delivery periods: review and publication"))
st.caption(_("A month of the scheduled date is published unless you hold it back: as a draft only the secretariat "
             "sees its delivery figures; in review each provider office sees its own on the Review page and "
             "confirms or contests them, the public only if the month is shown as provisional. Published is final. "
             "The audit above lists the months' events too."))
period_review.status_controls(who)
