#!/bin/sh
# Starts the dashboard from an installation made by deploy/install-host.sh (installed there as
# PREFIX/bin/ipdx-dashboard; the systemd unit and the container both run it).
# Listens where STREAMLIT_SERVER_ADDRESS / STREAMLIT_SERVER_PORT say (default 127.0.0.1:8501,
# from the installed .streamlit/config.toml); extra arguments go to `streamlit run`.
set -eu
prefix=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
: "${IPDX_DB:?set IPDX_DB to the database file; its archive/ lives beside it}"
cd "$prefix/app"
# Builds the database on a first start (from the archive, else the bundled data) and repairs the
# manifest after a crash before anyone connects: a broken archive stops the service here, loudly.
"$prefix/venv/bin/python" -m loaders status >/dev/null
exec "$prefix/venv/bin/python" -m streamlit run dashboard.py "$@"
