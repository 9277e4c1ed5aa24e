"""One DuckDB connection per process, and query results cached per database snapshot.

The connection is keyed on the database file's identity (inode and mtime): a load swaps in
a new file, so the next rerun opens a connection on the new snapshot while sessions that are
mid-query finish on the old one. Query results are cached with `st.cache_data` keyed on the
snapshot id stored in the database, so a new load shows at once and nothing stale is served.

Every metric that takes a delivery filter (`where`) is run as the session's viewer sees it
(`viewer_filter`): the months under review (`db.review`) are left out of delivery figures for
whoever may not see them, on every page, without each page having to ask.
"""
from __future__ import annotations

import functools
import inspect
import os
import sys
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st

import loaders
import queries
from queries import reference, registry
from queries.filters import EVERYTHING, DeliveryFilter

from .auth import current_viewer
from .i18n import _


def database_path() -> Path:
    """`--db PATH` after `streamlit run dashboard.py --`, else $IPDX_DB, else data/ipdx.duckdb."""
    argv = sys.argv[1:]
    if "--db" in argv and argv.index("--db") + 1 < len(argv):
        return Path(argv[argv.index("--db") + 1]).resolve()
    return loaders.default_db_path()


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(path: str, inode: int, mtime_ns: int):
    # The open-time check (manifest agrees with the snapshot, no leftovers of a killed load) runs
    # once per snapshot file, not on every script run: a load that completes swaps in a new file.
    loaders.ensure_database(Path(path))
    return loaders.open_snapshot(path)


def _ensure_built(path: Path) -> None:
    """Build the database on first start, with progress on the page (nothing when it exists)."""
    if path.exists():
        return
    with st.status(_("First start: building the database from the bundled data..."), expanded=True) as status:
        bar = st.progress(0.0)
        loaders.ensure_database(path, progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m))
        status.update(label=_("Database ready"), state="complete", expanded=False)


#: Where a run keeps the snapshot it reads (`begin_run`, `snapshot`).
PIN_KEY = "ipdx_snapshot_pin"


def begin_run() -> None:
    """Marks the start of a script run: the run's first query pins the live snapshot (called by
    `ui.page.page`, the first call of every page; a script without the page frame calls it)."""
    st.session_state.pop(PIN_KEY, None)


def snapshot() -> tuple[Any, str]:
    """(connection, snapshot id) of the live database, building it on first start.

    Pinned from the first query of a run (`begin_run`) to its end: a load that swaps in a new
    file while a page runs must not give that page figures from two snapshots
    (tests/test_concurrency.py); the next run sees the new one. The pin is kept in the
    session's state, which only this session's runs (one at a time) read."""
    pinned = st.session_state.get(PIN_KEY)
    if pinned is not None:
        return pinned
    path = database_path()
    _ensure_built(path)
    stat = os.stat(path)
    con = _connection(str(path), stat.st_ino, stat.st_mtime_ns)
    cur = loaders.cursor(con)
    pinned = (con, loaders.snapshot_id(cur))
    st.session_state[PIN_KEY] = pinned
    return pinned


def _freeze(value):
    if isinstance(value, (list, tuple, set)):
        return tuple(sorted(value)) if isinstance(value, set) else tuple(value)
    return value


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(metric_name: str, snapshot_id: str, frozen_kwargs: tuple, _con, _fn: Callable) -> Any:
    kwargs = {k: (list(v) if isinstance(v, tuple) else v) for k, v in frozen_kwargs}
    return _fn(loaders.cursor(_con), **kwargs)


def _metric_name(fn: Callable) -> str:
    """The cache name of `fn`: its registry name. A function of `queries` must be registered; one
    defined elsewhere (a test's probe) is named by module and function."""
    metric = registry.metric_of(fn)
    if metric is not None:
        return metric.name
    if fn.__module__ == "queries" or fn.__module__.startswith("queries."):
        raise LookupError(f"{fn.__module__}.{fn.__name__} is not a registered metric: add it to METRICS in "
                          "queries/registry.py")
    return f"{fn.__module__}.{fn.__qualname__}"


@functools.cache
def _takes_where(fn: Callable) -> bool:
    return "where" in inspect.signature(fn).parameters


def viewer_filter(where: DeliveryFilter | None = None) -> DeliveryFilter:
    """`where` (None: everything) as the session's viewer sees it: the secretariat every month,
    an office user also its own figures as provider of a month in review, anyone else the
    public months only (`queries.filters.visible_sql`)."""
    who = current_viewer()
    return (where or EVERYTHING).seen_by(everything=who.sees_everything,
                                         office=who.office if who.role == "office" else None)


def _as_viewer(fn: Callable, kwargs: dict) -> dict:
    """The keyword arguments of metric `fn` with its delivery filter set to the viewer's."""
    if not _takes_where(fn):
        return kwargs
    return {**kwargs, "where": viewer_filter(kwargs.get("where"))}


def query(fn: Callable, **kwargs) -> Any:
    """Run metric `fn` (registered in `queries.registry.METRICS`) on the live snapshot, cached
    per snapshot under the metric's registry name (a delivery filter as the viewer sees it)."""
    name = _metric_name(fn)
    kwargs = _as_viewer(fn, kwargs)
    con, snap = snapshot()
    frozen = tuple(sorted((k, _freeze(v)) for k, v in kwargs.items()))
    result = _cached(name, snap, frozen, con, fn)
    return result.copy() if isinstance(result, pd.DataFrame) else result


def deferred(fn: Callable, **kwargs) -> Callable[[], Any]:
    """A callable that runs metric `fn` on this run's snapshot only when it is called: for
    downloads that are expensive to build and only wanted on click (st.download_button accepts
    a callable). Not cached: a click builds the file once."""
    _metric_name(fn)
    kwargs = _as_viewer(fn, kwargs)
    con, _snap = snapshot()

    def run():
        return fn(loaders.cursor(con), **kwargs)
    return run


def offices() -> pd.DataFrame:
    """The ST.3 office list (code, name, kind, region)."""
    return query(reference.office_list)


def provenance() -> dict:
    return query(queries.provenance)
