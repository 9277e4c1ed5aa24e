"""Sign-in through an OpenID Connect identity provider, in a real browser.

A real provider (the maintained `oidc-provider-mock` package: discovery, authorisation form,
token endpoint, signed identity tokens, end-session endpoint) runs on a free loopback port with
four predefined accounts; the dashboard runs as `streamlit run dashboard.py -- --db COPY` with
secrets whose `[auth]` points at that provider. Headless Debian chromium goes through the whole
redirect flow (dashboard -> provider's form -> /oauth2callback -> dashboard) for each account,
checks what its role shows, and signs out through the provider's end-session page. The browser
and its tabs are the e2e fixtures (`browser`, `page`: a fresh profile, so no identity cookie, per test).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import parse_qs, urlparse

import pytest
from servers import stop, wait_for

from .conftest import ROOT, SCREENSHOTS, _free_port

pytest.importorskip("oidc_provider_mock")
pytest.importorskip("authlib")

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
SIDEBAR = "[data-testid='stSidebar']"
MAIN = "[data-testid='stMain']"
SIGN_IN = "Sign in with the organisation account"
#: The provider's accounts: subject -> claims of the identity token.
ACCOUNTS = {
    "secretariat-sub-1": {"email": "ana@secretariat.example.org", "groups": ["staff", "ipdx-secretariat"]},
    "uy-sub-2": {"email": "luis@uy-office.example.org", "groups": ["staff", "ipdx-office-UY"]},
    "nobody-sub-3": {"email": "kim@elsewhere.example.org", "groups": ["staff", "wiki-editors"]},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """Base URL of a running OpenID Connect provider with the ACCOUNTS (stopped after the module)."""
    folder = tmp_path_factory.mktemp("oidc-provider")
    port = _free_port()
    users = [arg for sub, claims in ACCOUNTS.items() for arg in ("--user-claims", json.dumps({"sub": sub, **claims}))]
    log_path = folder / "provider.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port),
                                 "--require-nonce", *users], stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/.well-known/openid-configuration", proc, log_path,
                  lambda body: json.loads(body).get("issuer") == url)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def app(provider, bundled_db, tmp_path_factory):
    """Base URL of the dashboard signing users in through `provider`, on a copy of the bundled database."""
    from conftest import copy_database

    folder = tmp_path_factory.mktemp("oidc-app")
    db = copy_database(bundled_db, folder)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        'cookie_secret = "only-for-this-test-0123456789abcdef"\n'
        'client_id = "ipdx-dashboard"\n'
        'client_secret = "only-for-this-test"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n'
        "\n[ipdx_oidc]\n"
        'claims = ["groups"]\n'
        'secretariat = ["ipdx-secretariat"]\n'
        'office_prefix = "ipdx-office-"\n', encoding="utf-8")
    log_path = folder / "streamlit.log"
    env = {k: v for k, v in os.environ.items() if k != "IPDX_DB"}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
             "--server.fileWatcherType", "none", "--secrets.files", str(secrets), "--", "--db", str(db)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"{url}/_stcore/health", proc, log_path, lambda body: body.strip() == b"ok")
        yield {"url": url, "db": db, "log": log_path}
    finally:
        stop(proc)


def open_app(page, app, path: str = "/") -> None:
    page.goto(app["url"] + path)
    page.wait_for_selector(f"{MAIN} [data-testid='stElementContainer']", timeout=90_000)
    page.wait_for_selector(IDLE, timeout=90_000)
    page.wait_for_timeout(500)


def shown_office(page, app, office: str) -> str | None:
    """Open the Office profile of `office`; the office the page shows (it offers only offices
    whose answers the viewer may see, and falls back to another one when asked for a hidden one)."""
    open_app(page, app, f"/Office_profile?office={office}")
    shown = parse_qs(urlparse(page.url).query).get("office", [None])[0]
    if shown is not None:
        assert f"Summary: {shown} - " in page.locator(MAIN).inner_text()
    return shown


def sidebar_text(page) -> str:
    return page.locator(SIDEBAR).inner_text()


def sign_in(page, app, provider, subject: str) -> None:
    """Press the dashboard's sign-in button, pick the account on the provider's own form, and
    come back through /oauth2callback, as a person would."""
    open_app(page, app)
    page.get_by_role("button", name=SIGN_IN).click()
    page.wait_for_url(f"{provider}/oauth2/authorize*")
    assert "ipdx-dashboard" in page.inner_text("body")  # the provider's form names the client
    page.locator(f"button[name='sub'][value='{subject}']").click()
    page.wait_for_url(f"{app['url']}/**")
    page.wait_for_selector(f"{SIDEBAR} :text('Signed in as')", timeout=90_000)
    page.wait_for_selector(IDLE, timeout=90_000)


def test_secretariat_signs_in_through_the_provider_manages_data_and_signs_out(page, app, provider):
    sign_in(page, app, provider, "secretariat-sub-1")
    assert "Signed in as ana@secretariat.example.org (oidc:secretariat-sub-1) (secretariat)." in sidebar_text(page)

    open_app(page, app, "/Manage_data")
    body = page.locator(MAIN).inner_text()
    assert "secretariat only" not in body
    assert page.locator("[data-testid='stFileUploader']").count() == 1  # the load form is there
    # UY and AP did not consent: the secretariat sees them all the same.
    assert shown_office(page, app, "AP") == "AP" and shown_office(page, app, "UY") == "UY"

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider}/oauth2/end_session*")  # the provider's own sign-out
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{app['url']}/**")
    page.wait_for_selector(f"{SIDEBAR} button:has-text('{SIGN_IN}')", timeout=90_000)
    assert "Signed in as" not in sidebar_text(page)
    open_app(page, app, "/Manage_data")
    assert "secretariat only" in page.locator(MAIN).inner_text()


def test_office_user_sees_its_own_office_and_no_other_undisclosed_one(page, app, provider):
    sign_in(page, app, provider, "uy-sub-2")
    assert ("Signed in as luis@uy-office.example.org (oidc:uy-sub-2) (office for office UY)."
            in sidebar_text(page))
    # UY and AP did not consent: UY's own user sees UY's answers, not AP's.
    assert shown_office(page, app, "UY") == "UY"
    assert shown_office(page, app, "AP") not in (None, "AP")
    open_app(page, app, "/Manage_data")
    assert "secretariat only" in page.locator(MAIN).inner_text()


def test_an_account_without_a_mapped_group_gets_the_public_view_and_is_told_why(page, app, provider):
    sign_in(page, app, provider, "nobody-sub-3")
    text = sidebar_text(page)
    assert "Signed in as kim@elsewhere.example.org (oidc:nobody-sub-3) (public)." in text
    assert "Your account has no role in this dashboard" in text and "groups claim" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "oidc-unmapped-account.png"))
    assert shown_office(page, app, "UY") not in (None, "UY")
    assert "Your account has no role in this dashboard" in sidebar_text(page)  # said on every page
    open_app(page, app, "/Manage_data")
    assert "secretariat only" in page.locator(MAIN).inner_text()
