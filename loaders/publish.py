"""Publishing one notice from the app's form, through the same load as a notices file."""
from __future__ import annotations

import tempfile
from pathlib import Path

from .notices import notice_csv
from .store import LoadRequest, load_file


def publish_notice(provider: str, recipient: str | None, dataset: str | None, starts, ends, kind: str,
                   text: str, *, loaded_by: str, db_path: Path | None = None, announced_at=None):
    """Publish one notice from the app's form: written as a one-row CSV and loaded as kind
    `notices` by `loaders.store.load_file`, with `loaded_by` the signed-in user, so that it is
    validated, archived and rebuilt exactly as a file would be. Returns the LoadResult; raises
    LoadRejected naming the column of a bad value."""
    content = notice_csv(provider, recipient, dataset, starts, ends, kind, text, announced_at)
    with tempfile.TemporaryDirectory(prefix="ipdx-notice-") as folder:
        path = Path(folder) / "notice.csv"
        path.write_bytes(content)
        display = f"notice-{provider}-{starts}.csv"
        return load_file(LoadRequest("notices", path, display, loaded_by=loaded_by), db_path)
