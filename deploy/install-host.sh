#!/usr/bin/env bash
# Installs the dashboard on a Debian host without containers, non-interactively: the app's code
# into PREFIX/app, a virtual environment with the pinned requirements into PREFIX/venv, the
# production Streamlit settings (deploy/config.toml), start and backup commands into PREFIX/bin,
# the state folder (database, archive) and the systemd unit. The Dockerfile runs this same
# script (with --no-systemd); CI runs it into a temporary prefix and starts the app from there.
#
#   deploy/install-host.sh [--prefix DIR] [--state DIR] [--user NAME] [--port N]
#                          [--python PYTHON] [--systemd-dir DIR | --no-systemd] [--enable]
#
# Defaults: --prefix /opt/ipdx-dashboard, --state /var/lib/ipdx-dashboard, --user ipdx (created
# as a system user when missing and the script runs as root), --port 8501, --python python3,
# --systemd-dir /etc/systemd/system. --enable also runs systemctl daemon-reload and
# enable --now. Run it again to upgrade: the code and the unit are replaced, the venv is reused,
# and the state folder and .streamlit/secrets.toml are kept.
# System packages it expects (as root: apt-get install -y python3 python3-venv chromium fonts-noto-cjk).
set -euo pipefail

src=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
prefix=/opt/ipdx-dashboard
state=/var/lib/ipdx-dashboard
user=ipdx
port=8501
python=python3
systemd_dir=/etc/systemd/system
enable=no

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a value}; shift 2 ;;
    --state) state=${2:?--state needs a value}; shift 2 ;;
    --user) user=${2:?--user needs a value}; shift 2 ;;
    --port) port=${2:?--port needs a value}; shift 2 ;;
    --python) python=${2:?--python needs a value}; shift 2 ;;
    --systemd-dir) systemd_dir=${2:?--systemd-dir needs a value}; shift 2 ;;
    --no-systemd) systemd_dir=; shift ;;
    --enable) enable=yes; shift ;;
    -h|--help) usage 0 ;;
    *) echo "install-host.sh: unknown argument $1" >&2; usage ;;
  esac
done
# Both go into the unit and the commands unquoted and through sed.
case "$prefix$state" in *@*|*[[:space:]]*|*'|'*) echo "install-host.sh: --prefix and --state may not contain @, | or spaces" >&2; exit 2 ;; esac
case "$port" in ''|*[!0-9]*) echo "install-host.sh: --port must be a number" >&2; exit 2 ;; esac
mkdir -p "$prefix" "$state"
prefix=$(cd "$prefix" && pwd)
state=$(cd "$state" && pwd)
say() { echo "install-host.sh: $*"; }

# The service account owns only the state folder; the code and the venv stay the installer's.
if ! id -u "$user" >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-host.sh: user $user does not exist (run as root to create it, or pass --user)" >&2
    exit 2
  fi
  say "creating system user $user"
  useradd --system --user-group --home-dir "$state" --no-create-home --shell /usr/sbin/nologin "$user"
fi
group=$(id -gn "$user")

say "virtual environment $prefix/venv"
if [ ! -x "$prefix/venv/bin/python" ]; then
  "$python" -m venv "$prefix/venv"
fi
"$prefix/venv/bin/python" -m pip install --no-input -q -r "$src/requirements.txt"

# The code is staged beside the live copy and swapped in whole, keeping the secrets.
say "application $prefix/app"
rm -rf "$prefix/app.new" "$prefix/app.old"
mkdir -p "$prefix/app.new/.streamlit"
# What the app needs at run time (the .dockerignore lets in the same; tests/test_deployment.py).
APP_FILES="dashboard.py pages ui queries loaders db locales data/reference data/bundled requirements.txt deploy docs/deployment.md"
# shellcheck disable=SC2086  # the list is split into its paths on purpose
(cd "$src" && tar -cf - --exclude=__pycache__ --exclude='*.pyc' $APP_FILES) | tar -xf - -C "$prefix/app.new"
cp "$src/deploy/config.toml" "$prefix/app.new/.streamlit/config.toml"
cp "$src/.streamlit/secrets.toml.example" "$prefix/app.new/.streamlit/secrets.toml.example"
if [ -f "$prefix/app/.streamlit/secrets.toml" ]; then
  cp -p "$prefix/app/.streamlit/secrets.toml" "$prefix/app.new/.streamlit/secrets.toml"
fi
"$prefix/venv/bin/python" -m compileall -q "$prefix/app.new" >/dev/null
if [ -d "$prefix/app" ]; then mv "$prefix/app" "$prefix/app.old"; fi
mv "$prefix/app.new" "$prefix/app"
rm -rf "$prefix/app.old"

say "commands in $prefix/bin"
mkdir -p "$prefix/bin"
install -m 0755 "$src/deploy/start.sh" "$prefix/bin/ipdx-dashboard"
# Operators' commands, with this installation's database unless IPDX_DB says otherwise.
write_command() {  # name, then the command line (run in the app folder)
  local name=$1; shift
  # shellcheck disable=SC2016  # $IPDX_DB and $@ are the wrapper's, expanded when it runs
  printf '#!/bin/sh\n# Made by deploy/install-host.sh.\nset -eu\nexport IPDX_DB="${IPDX_DB:-%s}"\ncd "%s"\nexec %s "$@"\n' \
    "$state/ipdx.duckdb" "$prefix/app" "$*" >"$prefix/bin/$name"
  chmod 0755 "$prefix/bin/$name"
}
write_command ipdx-loaders "$prefix/venv/bin/python -m loaders"
write_command ipdx-backup "$prefix/venv/bin/python deploy/backup.py"
write_command ipdx-hash-password "$prefix/venv/bin/python -m ui.auth hash-password"

say "state folder $state (database $state/ipdx.duckdb, archive $state/archive)"
if [ "$(id -u)" -eq 0 ]; then
  chown "$user:$group" "$state"
  chmod 0750 "$state"
fi

if [ -n "$systemd_dir" ]; then
  mkdir -p "$systemd_dir"
  sed -e "s|@PREFIX@|$prefix|g" -e "s|@STATE@|$state|g" -e "s|@USER@|$user|g" \
      -e "s|@GROUP@|$group|g" -e "s|@PORT@|$port|g" \
      "$src/deploy/ipdx-dashboard.service" >"$systemd_dir/ipdx-dashboard.service"
  say "systemd unit $systemd_dir/ipdx-dashboard.service"
  if [ "$enable" = yes ]; then
    systemctl daemon-reload
    systemctl enable --now ipdx-dashboard.service
  else
    say "start it with: systemctl daemon-reload && systemctl enable --now ipdx-dashboard"
  fi
fi
say "done. Sign-in users: $prefix/app/.streamlit/secrets.toml (see secrets.toml.example beside it)"
