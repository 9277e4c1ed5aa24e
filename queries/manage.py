"""What the Manage data page lists: the loads of the live snapshot."""
from __future__ import annotations

import pandas as pd

#: The columns of `load_history`, in the order the page shows them.
LOAD_COLUMNS = ("seq", "loaded_at", "loaded_by", "kind", "round", "original_name", "sha256", "rows", "new_rows",
                "corrected_rows", "unchanged_rows", "bundled")


def load_history(con) -> pd.DataFrame:
    """Every load in the snapshot (the `loads` table, which the manifest mirrors), oldest first:
    sequence number, time (UTC, ISO 8601 text), who, kind, round, file name, SHA-256, rows read
    and how many were new, corrected and unchanged, and whether it is a bundled file."""
    frame = con.execute(f"SELECT {', '.join(LOAD_COLUMNS)} FROM loads ORDER BY seq").df()
    frame["loaded_at"] = [None if pd.isna(t) else pd.Timestamp(t).isoformat() for t in frame["loaded_at"]]
    return frame


def archived_codebooks(con) -> pd.DataFrame:
    """The codebooks archived with survey loads that are not bundled files, oldest load first:
    sequence number, round, the export's file name and the codebook's archived name."""
    return con.execute("SELECT seq, round, original_name, codebook_archived_as FROM loads "
                       "WHERE coalesce(codebook_archived_as, '') <> '' AND NOT bundled ORDER BY seq").df()
