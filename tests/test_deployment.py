"""The deployment files agree with the app and with each other: the production Streamlit settings
(deploy/config.toml) keep every setting of the repository's .streamlit/config.toml and are all
Streamlit options; the container's build context lets in what the install script copies; the
unit's placeholders are the ones the script fills in. The install itself runs in CI (.ci/run)."""
from __future__ import annotations

import re
import socket
import subprocess
import sys
import tomllib

from conftest import ROOT

DEPLOY = ROOT / "deploy"


def _flat(table: dict, prefix: str = "") -> dict:
    out = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _production() -> dict:
    return _flat(tomllib.loads((DEPLOY / "config.toml").read_text(encoding="utf-8")))


def test_production_settings_keep_every_setting_of_the_repository_config():
    development = _flat(tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")))
    production = _production()
    assert {k: production.get(k) for k in development} == development


def test_production_settings_are_streamlit_options_and_lock_the_server_down():
    from streamlit import config
    production = _production()
    known = config._config_options_template
    assert [k for k in production if k not in known] == []
    assert production["client.toolbarMode"] in ("viewer", "minimal")
    assert production["server.enableXsrfProtection"] is True and production["server.enableCORS"] is True
    assert production["server.headless"] is True and production["global.developmentMode"] is False
    assert production["server.address"] == "127.0.0.1" and production["browser.gatherUsageStats"] is False
    assert production["server.fileWatcherType"] == "none"


def test_the_container_build_context_lets_in_what_the_install_script_copies():
    script = (DEPLOY / "install-host.sh").read_text(encoding="utf-8")
    copied = set(re.search(r'^APP_FILES="([^"]+)"', script, re.MULTILINE).group(1).split())
    let_in = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
              if line.startswith("!")}
    assert let_in == copied | {".streamlit/secrets.toml.example"}
    assert ".streamlit/secrets.toml.example" in script and "deploy/config.toml" in script
    assert all((ROOT / path).exists() for path in let_in)


def test_the_install_script_copies_every_package_the_app_imports():
    script = (DEPLOY / "install-host.sh").read_text(encoding="utf-8")
    copied = set(re.search(r'^APP_FILES="([^"]+)"', script, re.MULTILINE).group(1).split())
    # bench/ is the benchmarks' package, never imported by the app.
    packages = {init.parent.name for init in ROOT.glob("*/__init__.py")} - {"bench"}
    assert packages - copied == set()


def test_the_unit_has_only_placeholders_the_install_script_fills_in():
    unit = (DEPLOY / "ipdx-dashboard.service").read_text(encoding="utf-8")
    script = (DEPLOY / "install-host.sh").read_text(encoding="utf-8")
    assert set(re.findall(r"@[A-Z]+@", unit)) == set(re.findall(r's\|(@[A-Z]+@)\|', script))
    assert "ExecStart=@PREFIX@/bin/ipdx-dashboard" in unit and "Environment=IPDX_DB=@STATE@/" in unit


def test_the_image_runs_as_a_user_with_its_database_on_the_volume_and_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim-bookworm$", dockerfile, re.MULTILINE)
    assert re.search(r"^USER ipdx$", dockerfile, re.MULTILINE)
    assert "IPDX_DB=/data/ipdx.duckdb" in dockerfile and 'VOLUME ["/data"]' in dockerfile
    assert re.search(r"^HEALTHCHECK .*\n.*deploy/healthcheck\.py", dockerfile, re.MULTILINE)
    assert "deploy/install-host.sh" in dockerfile


def test_install_script_refuses_a_bad_argument_without_changing_anything(tmp_path):
    run = subprocess.run(["bash", str(DEPLOY / "install-host.sh"), "--prefix", str(tmp_path / "p"),
                          "--port", "80a"], capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 2 and "--port must be a number" in run.stderr
    assert not (tmp_path / "p").exists()


def test_health_check_fails_when_nothing_answers():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        run = subprocess.run([sys.executable, str(DEPLOY / "healthcheck.py"), f"http://127.0.0.1:{port}"],
                             capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 1 and "not healthy" in run.stderr
