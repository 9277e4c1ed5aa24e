"""Notices: a provider's word that deliveries are or were interrupted, delayed or
changed. A file (CSV/XLSX) or the app's form (`publish_notice`, which writes a one-row CSV and
loads it like any file) goes through this handler: validated, archived, all or nothing.

A notice is identified by its content (provider, recipient, dataset, starts, ends, kind, text):
`notice_id` hashes it, so a file that repeats a loaded notice changes nothing, and one that gives
it a different `announced_at` corrects that time. An empty `announced_at` means the time of the
load (loads.loaded_at, replayed from the manifest on a rebuild); a repeat with an empty
`announced_at` keeps the time the notice already has.
"""
from __future__ import annotations

import csv
import io

from .checks import Checker
from .kinds import DATASET_LABELS, Prepared, TableHandler, label_rules, replace_rows, row_counts

NOTICE_KINDS = ["planned_interruption", "unplanned_interruption", "delay", "format_change", "other"]
NOTICE_COLUMNS = ["provider", "recipient", "dataset", "starts", "ends", "kind", "text", "announced_at"]


class NoticesHandler(TableHandler):
    required = ["provider", "starts", "ends", "kind", "text"]
    optional = ["recipient", "dataset", "announced_at"]
    key = ["notice_id"]
    columns = ["notice_id", "provider", "recipient", "dataset", "starts", "ends", "kind", "text", "announced_at"]
    target = "notices"

    def rules(self, ck: Checker) -> None:
        ck.cell_lengths()
        for name in self.required:
            ck.required_value(name)
        ck.office_code("provider")
        ck.office_code("recipient")
        ck.iso_date("starts")
        ck.iso_date("ends")
        ck.rows_where(f"try_cast({ck.ref('ends')} AS DATE) < try_cast({ck.ref('starts')} AS DATE)", "ends",
                      "an end date on or after 'starts'")
        ck.one_of("kind", NOTICE_KINDS)
        ck.iso_timestamp("announced_at")
        ck.rows_where(f"{ck.ref('provider')} = {ck.ref('recipient')}", "recipient",
                      "a recipient other than the provider (or empty: every recipient)")
        label_rules(ck, "dataset", DATASET_LABELS + [("notices", "dataset")])
        ck.duplicate_keys(["provider", "recipient", "dataset", "starts", "ends", "kind", "text"])

    def clean_select(self, ck: Checker) -> str:
        content = ", ".join(f"coalesce(CAST({e} AS VARCHAR), '')" for e in (
            ck.ref("provider"), ck.ref("recipient"), ck.ref("dataset"), ck.date_sql("starts"), ck.date_sql("ends"),
            f"lower({ck.ref('kind')})", ck.ref("text")))
        return f"""SELECT _row,
              sha256(concat_ws(chr(31), {content})) AS notice_id,
              {ck.ref('provider')} AS provider, {ck.ref('recipient')} AS recipient,
              {ck.ref('dataset')} AS dataset, {ck.date_sql('starts')} AS starts, {ck.date_sql('ends')} AS ends,
              lower({ck.ref('kind')}) AS kind, {ck.ref('text')} AS text,
              {ck.timestamp_sql('announced_at')} AS announced_at
            FROM {ck.typed_source()}"""

    def load_screened(self, scratch, request, seq: int) -> dict | None:
        """Notices files are small and their apply fills announced_at: always the exact path."""
        return None

    def apply(self, scratch, request, prepared: Prepared, seq: int) -> dict:
        # The loaded notices that still mean "the time of my load" get that time now, so that
        # this load's rows can be compared with (and a repeat keep) the time they already have.
        scratch.execute("UPDATE nxt.notices SET announced_at = l.loaded_at FROM nxt.loads l "
                        "WHERE notices.announced_at IS NULL AND l.seq = notices.load_seq")
        scratch.execute(f"UPDATE {prepared.table} SET announced_at = n.announced_at FROM nxt.notices n "
                        f"WHERE {prepared.table}.announced_at IS NULL AND n.notice_id = {prepared.table}.notice_id")
        counts = row_counts(scratch, prepared.table, self.target, self.key, self.columns)
        replace_rows(scratch, prepared.table, self.target, self.key, self.columns, seq)
        return counts


def notice_csv(provider: str, recipient: str | None, dataset: str | None, starts, ends, kind: str, text: str,
               announced_at=None) -> bytes:
    """One notice as the CSV file the loader reads (empty recipient / dataset = all; empty
    announced_at = the time of the load)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(NOTICE_COLUMNS)
    writer.writerow([provider, recipient or "", dataset or "", str(starts), str(ends), kind, text,
                     "" if announced_at is None else str(announced_at)])
    return out.getvalue().encode("utf-8")
