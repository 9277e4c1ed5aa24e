"""The home page's "All public data" download: the open data release (`queries.open_data`, the
package `python -m loaders publish` writes into an empty folder) as one zip, built on click from
the snapshot the page shows."""
from __future__ import annotations

import streamlit as st

import loaders
from queries import open_data

from . import data, exports
from .i18n import _


def _release_zip(con) -> bytes:
    built = open_data.build_release(loaders.cursor(con))
    return exports.zip_bytes(built.files, f"{open_data.PACKAGE_NAME}-{built.descriptor['version']}")


def all_public_data_button(key: str = "all-public-data") -> None:
    """The download button of the whole public view as a Frictionless Data Package (zip)."""
    con, _snapshot = data.snapshot()  # this run's snapshot: the zip holds what the page shows
    st.download_button(_("All public data (zip)"), data=lambda: _release_zip(con),
                       file_name=f"{open_data.PACKAGE_NAME}.zip", mime=exports.ZIP_MIME, key=key,
                       on_click="ignore", icon=":material/folder_zip:")
