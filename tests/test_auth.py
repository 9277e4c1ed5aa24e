"""Sign-in: argon2 hashes in Streamlit secrets, failures that slow down, the hash command,
public-only without secrets; sign-in through an identity provider (claims to roles, the refusal of
both configured, the same viewer either way). Delays are asserted on the computed values, never on the clock."""
from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from argon2 import PasswordHasher
from signin import (
    PASSWORDS,
    ROOT,
    oidc_secrets,
    oidc_user,
    open_page,
    sign_in,
    users_secrets,
)

from ui import auth


@pytest.fixture(autouse=True)
def fresh_throttle():
    auth.throttle().entries.clear()
    yield
    auth.throttle().entries.clear()


def test_delay_doubles_and_is_capped():
    assert [auth.delay_after(n) for n in range(5)] == [0.0, 1.0, 2.0, 4.0, 8.0]
    assert auth.delay_after(50) == auth.MAX_DELAY


def test_right_password_signs_in_with_role_and_office():
    result = auth.check_credentials("uy-office", PASSWORDS["uy-office"], "s1", users_secrets(), now=100.0)
    assert result.ok and (result.user.role, result.user.office) == ("office", "UY")


def test_wrong_password_fails_and_the_next_attempt_waits():
    config, keys = users_secrets(), auth.throttle_keys("jp-office", "s1")
    first = auth.check_credentials("jp-office", "guess-1", "s1", config, now=100.0)
    assert not first.ok and first.wait_seconds == 1.0
    assert [auth.throttle().failures(k) for k in keys] == [1, 1]
    # Inside the delay even the right password is refused without being checked or counted.
    early = auth.check_credentials("jp-office", PASSWORDS["jp-office"], "s1", config, now=100.5)
    assert not early.ok and "Too many failed attempts" in early.message
    assert auth.throttle().failures(keys[0]) == 1
    second = auth.check_credentials("jp-office", "guess-2", "s1", config, now=101.5)
    third = auth.check_credentials("jp-office", "guess-3", "s1", config, now=104.0)
    assert (second.wait_seconds, third.wait_seconds) == (2.0, 4.0)
    # After the delay the right password works and resets the counters.
    ok = auth.check_credentials("jp-office", PASSWORDS["jp-office"], "s1", config, now=108.5)
    assert ok.ok and [auth.throttle().failures(k) for k in keys] == [0, 0]


def test_backoff_per_user_name_spans_sessions():
    config = users_secrets()
    auth.check_credentials("secretariat-1", "wrong", "session-a", config, now=10.0)
    from_other_session = auth.check_credentials("secretariat-1", PASSWORDS["secretariat-1"], "session-b",
                                                config, now=10.2)
    assert not from_other_session.ok and from_other_session.wait_seconds == pytest.approx(0.8)


def test_backoff_per_session_spans_user_names():
    config = users_secrets()
    for i, name in enumerate(["nobody-1", "nobody-2", "nobody-3"]):
        auth.check_credentials(name, "wrong", "one-session", config, now=100.0 + 10 * i)
    assert auth.throttle().failures("session:one-session") == 3
    blocked = auth.check_credentials("jp-office", PASSWORDS["jp-office"], "one-session", config, now=121.0)
    assert not blocked.ok and blocked.wait_seconds == pytest.approx(3.0)
    assert auth.check_credentials("jp-office", PASSWORDS["jp-office"], "new-session", config, now=121.0).ok


def _counting_verifications(monkeypatch) -> list[str]:
    """Every password hash the real argon2 check is run against, in the order of the runs."""
    verified, lock, real = [], threading.Lock(), auth._password_matches

    def counting(password_hash, password):
        with lock:
            verified.append(password_hash)
        return real(password_hash, password)
    monkeypatch.setattr(auth, "_password_matches", counting)
    return verified


def _attempt_at_once(attempts: list[tuple[str, str, str]], config: dict, now: float) -> list:
    """Run sign-in attempts (user name, password, session) on as many threads, released together."""
    start, results = threading.Barrier(len(attempts)), [None] * len(attempts)

    def attempt(i, username, password, session):
        start.wait()
        results[i] = auth.check_credentials(username, password, session, config, now=now)
    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return results


def test_concurrent_wrong_attempts_for_one_user_reach_the_password_check_once(monkeypatch):
    # 32 sessions guess one user's password at the same moment (one clock reading, so that the
    # first failure's 1 s delay covers them all however slowly the threads are scheduled).
    config, verified = users_secrets(), _counting_verifications(monkeypatch)
    results = _attempt_at_once([("jp-office", f"guess-{i}", f"s{i}") for i in range(32)], config, now=500.0)
    assert len(verified) == 1
    assert not any(r.ok for r in results)
    assert sum("Wrong user name or password" in r.message for r in results) == 1
    assert sum("Too many failed attempts" in r.message for r in results) == 31
    assert auth.throttle().failures("user:jp-office") == 1


def test_concurrent_attempts_from_one_session_are_throttled_across_user_names(monkeypatch):
    config, verified = users_secrets(), _counting_verifications(monkeypatch)
    results = _attempt_at_once([(f"nobody-{i}", "x", "one-session") for i in range(16)], config, now=500.0)
    assert len(verified) == 1 and sum(not r.ok for r in results) == 16
    assert auth.throttle().failures("session:one-session") == 1


def test_a_right_password_that_was_let_through_signs_in_and_clears_its_reservation(monkeypatch):
    config, verified = users_secrets(), _counting_verifications(monkeypatch)
    results = _attempt_at_once([("uy-office", PASSWORDS["uy-office"], "s-right")]
                               + [("uy-office", PASSWORDS["uy-office"], f"s{i}") for i in range(7)],
                               config, now=500.0)
    assert len(verified) == 1 and sum(r.ok for r in results) == 1
    # The successful attempt cleared its counters: the next attempt is not delayed.
    assert auth.throttle().failures("user:uy-office") == 0
    assert auth.check_credentials("uy-office", PASSWORDS["uy-office"], "later", config, now=500.1).ok


def test_unknown_user_gets_the_same_answer_as_a_wrong_password():
    config = users_secrets()
    unknown = auth.check_credentials("intruder", "x", "s1", config, now=1.0)
    wrong = auth.check_credentials("jp-office", "x", "s2", config, now=1.0)
    assert not unknown.ok and unknown.message == wrong.message


def test_counters_are_bounded(monkeypatch):
    monkeypatch.setattr(auth, "MAX_TRACKED", 50)
    gate = auth.throttle()
    for i in range(200):
        gate.record_failure([f"user:u{i}"], now=float(i))
    assert len(gate.entries) <= 50 and "user:u199" in gate.entries


def test_invalid_user_entries_are_ignored_and_reported():
    good = PasswordHasher().hash("pw")
    users, problems = auth.configured_users({"auth": {"users": {
        "ok": {"role": "secretariat", "password_hash": good},
        "bad-role": {"role": "admin", "password_hash": good},
        "no-office": {"role": "office", "password_hash": good},
        "plain": {"role": "public", "password_hash": "hunter2"},
    }}})
    assert list(users) == ["ok"]
    assert [p.split(":")[0] for p in problems] == ["user bad-role", "user no-office", "user plain"]


def test_no_users_means_sign_in_is_not_enabled():
    result = auth.check_credentials("anyone", "x", "s1", {}, now=1.0)
    assert not result.ok and "not enabled" in result.message


def test_hash_password_command_reads_stdin_and_prints_an_argon2_hash():
    run = subprocess.run([sys.executable, "-m", "ui.auth", "hash-password"], check=False, input="s3cret pw\n",
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert run.returncode == 0
    printed = run.stdout.strip()
    assert printed.startswith("$argon2id$") and PasswordHasher().verify(printed, "s3cret pw")
    usage = subprocess.run([sys.executable, "-m", "ui.auth"], check=False, capture_output=True, text=True, cwd=ROOT,
                           timeout=60)
    assert usage.returncode == 2 and "hash-password" in usage.stderr


# ------------------------------------------------------------------ the sidebar, in the app

def test_without_users_the_app_is_public_and_says_how_to_enable_roles(bundled_db, monkeypatch):
    at = open_page(bundled_db, "dashboard.py", monkeypatch)
    captions = " ".join(c.value for c in at.sidebar.caption).replace("\\", "")
    assert "Sign-in is not enabled" in captions and "python -m ui.auth hash-password" in captions
    assert not at.sidebar.text_input  # no form to fill in


def test_sidebar_sign_in_wrong_then_right(bundled_db, monkeypatch):
    at = open_page(bundled_db, "dashboard.py", monkeypatch, users_secrets())
    at = sign_in(at, "secretariat-1", "not the password")
    assert any("Wrong user name or password" in e.value for e in at.sidebar.error)
    assert auth.throttle().failures("user:secretariat-1") == 1
    assert not any("Signed in as" in c.value for c in at.sidebar.caption)
    auth.throttle().entries.clear()  # the delay has passed (not waited for on the clock)
    at = sign_in(at, "secretariat-1")
    assert any("Signed in as secretariat" in c.value.replace("\\", "") for c in at.sidebar.caption)
    at.sidebar.button(key="ipdx-auth-sign-out").click()
    at.run()
    assert at.sidebar.text_input(key="ipdx-auth-username") is not None
    assert not any("Signed in as" in c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("page", ["dashboard.py"] + [f"pages/{p.name}" for p in sorted((ROOT / "pages").glob("*.py"))])
def test_every_page_has_the_sign_in_area(page, bundled_db, monkeypatch):
    at = open_page(bundled_db, page, monkeypatch, users_secrets())
    assert not at.exception
    assert at.sidebar.text_input(key="ipdx-auth-username") and at.sidebar.button(key="ipdx-auth-submit")


# ------------------------------------------------------------------ sign-in through an identity provider

MAPPING = auth.RoleMapping()  # the defaults: groups claim, ipdx-secretariat, ipdx-office-<code>
NOW = 1_900_000_000.0


def _role(claims: dict, mapping: auth.RoleMapping = MAPPING, now: float = NOW) -> tuple:
    decided = auth.role_from_claims({"sub": "s", "iat": now - 60, **claims}, mapping, now=now)
    return decided.role, decided.office


@pytest.mark.parametrize("groups,expected", [
    (["staff", "ipdx-secretariat"], ("secretariat", None)),
    (["ipdx-office-JP", "ipdx-secretariat"], ("secretariat", None)),  # the wider role wins
    (["staff", "ipdx-office-JP"], ("office", "JP")),
    (["ipdx-office-jp"], ("office", "JP")),  # providers differ in case; ST.3 codes are upper case
    ("ipdx-office-UY", ("office", "UY")),  # a claim holding one value as a string
    (["ipdx-office-JP", "ipdx-office-JP"], ("office", "JP")),
    (["ipdx-office-JP", "ipdx-office-UY"], ("public", None)),  # one office per account
    (["ipdx-office-JPN", "ipdx-office-", "ipdx-office-J1", "x-ipdx-secretariat", "IPDX-SECRETARIAT"], ("public", None)),
    ([["ipdx-secretariat"], 3, None], ("public", None)),  # not a list of names: nothing is read from it
    ([], ("public", None)),
])
def test_claim_values_map_to_roles(groups, expected):
    assert _role({"groups": groups}) == expected


def test_a_missing_claim_gives_the_public_role_and_says_which_claim_was_read():
    decided = auth.role_from_claims({"sub": "s", "roles": ["ipdx-secretariat"]}, MAPPING, now=NOW)
    assert (decided.role, decided.office) == ("public", None)
    assert "no value of its groups claim is mapped" in decided.reason


def test_several_offices_give_the_public_role_and_name_them():
    decided = auth.role_from_claims({"sub": "s", "groups": ["ipdx-office-UY", "ipdx-office-JP"]}, MAPPING, now=NOW)
    assert decided.role == "public" and "several offices (JP, UY)" in decided.reason


def test_claim_names_values_and_fixed_offices_are_configurable():
    mapping, problems = auth.oidc_settings({"auth": {}, "ipdx_oidc": {
        "claims": ["roles", "realm_access.roles"], "secretariat": ["Dashboard.Admin"], "office_prefix": "",
        "offices": {"5f1c0c6e-2f4a-4d8e-9a4b-0c1d2e3f4a5b": "UY"}}})
    assert mapping.claims == ("roles", "realm_access.roles") and mapping.office_prefix == ""
    assert _role({"roles": ["Dashboard.Admin"]}, mapping) == ("secretariat", None)
    assert _role({"realm_access": {"roles": ["Dashboard.Admin"]}}, mapping) == ("secretariat", None)
    assert _role({"roles": ["5f1c0c6e-2f4a-4d8e-9a4b-0c1d2e3f4a5b"]}, mapping) == ("office", "UY")
    assert _role({"roles": ["ipdx-office-JP"]}, mapping) == ("public", None)  # prefix switched off
    assert _role({"groups": ["ipdx-secretariat"]}, mapping) == ("public", None)  # groups not read
    # A claim whose name has dots itself (URL-style names) is read as it is.
    mapping = auth.RoleMapping(claims=("https://ipdx.example.org/groups",))
    assert _role({"https://ipdx.example.org/groups": ["ipdx-secretariat"]}, mapping) == ("secretariat", None)
    assert [p for p in problems if "ipdx_oidc" in p] == []


def test_an_old_sign_in_keeps_no_role():
    mapping = auth.RoleMapping(max_age_hours=12)
    claims = {"sub": "s", "groups": ["ipdx-secretariat"]}
    assert auth.role_from_claims({**claims, "iat": NOW - 11.9 * 3600}, mapping, now=NOW).role == "secretariat"
    old = auth.role_from_claims({**claims, "iat": NOW - 12.1 * 3600}, mapping, now=NOW)
    assert old.role == "public" and "older than 12 hours" in old.reason


def test_oidc_settings_report_what_stops_sign_in():
    defaults, problems = auth.oidc_settings(oidc_secrets())
    assert defaults == auth.RoleMapping() and problems == []
    incomplete = {"auth": {"client_id": "x", "redirect_uri": "https://dashboard.example.org/"}, "ipdx_oidc": {
        "claims": [], "office_prefix": 3, "offices": {"group-a": "jp", "group-b": "UY"}, "max_age_hours": "soon"}}
    mapping, problems = auth.oidc_settings(incomplete)
    assert problems == ["[auth] cookie_secret is missing", "[auth] client_secret is missing",
                        "[auth] server_metadata_url is missing", "[auth] redirect_uri must end with /oauth2callback",
                        "[ipdx_oidc] claims must be a claim name or a list of them",
                        "[ipdx_oidc] office_prefix must be a text",
                        "[ipdx_oidc.offices] group-a: the office must be a two-letter ST.3 code",
                        "[ipdx_oidc] max_age_hours must be a positive number"]
    assert mapping.offices == (("group-b", "UY"),)


def test_the_user_name_of_an_oidc_user_is_email_and_subject():
    assert auth.oidc_username({"sub": "248289761001", "email": "ana@example.org"}) == "ana@example.org (oidc:248289761001)"
    assert auth.oidc_username({"sub": "x1", "preferred_username": "ana@corp"}) == "ana@corp (oidc:x1)"
    assert auth.oidc_username({"sub": "x1", "email": "a\nb@example.org\x1b"}) == "ab@example.org (oidc:x1)"
    assert auth.oidc_username({"sub": "x1"}) == "oidc:x1"
    assert auth.oidc_username({"email": "ana@example.org"}) is None  # no subject: not an OIDC identity


def _both_configured() -> dict:
    config = oidc_secrets()
    config["auth"] = {**config["auth"], "users": users_secrets()["auth"]["users"]}
    return config


def test_oidc_and_password_users_together_are_refused():
    assert "both sign-in through the identity provider" in auth.configuration_refusal(_both_configured())
    assert auth.configuration_refusal(oidc_secrets()) is None
    assert auth.configuration_refusal(users_secrets()) is None
    assert auth.oidc_configured(oidc_secrets()) and not auth.oidc_configured(users_secrets())


@pytest.mark.parametrize("page", ["dashboard.py", "pages/9_Manage_data.py", "pages/8_Office_profile.py"])
def test_a_page_with_both_configured_shows_the_refusal_and_nothing_else(page, bundled_db, monkeypatch):
    at = open_page(bundled_db, "dashboard.py", monkeypatch, _both_configured(),
                   user=oidc_user("sec-1", "ana@example.org", groups=["ipdx-secretariat"]))
    if page != "dashboard.py":
        at.switch_page(page)
        at.run()
    assert not at.exception
    assert [e.value for e in at.main.error] == [auth.configuration_refusal(_both_configured())]
    assert len(at.main.children) == 1  # nothing but the refusal
    assert not at.sidebar.text_input and not at.sidebar.button  # no way to sign in either


def test_oidc_sidebar_offers_the_provider_and_no_password_form(bundled_db, monkeypatch):
    at = open_page(bundled_db, "dashboard.py", monkeypatch, oidc_secrets(), user={"is_logged_in": False})
    assert not at.exception
    assert at.sidebar.button(key="ipdx-auth-oidc-sign-in").label == "Sign in with the organisation account"
    assert not at.sidebar.text_input
    assert any("sign in with their organisation account" in c.value for c in at.sidebar.caption)


def test_incomplete_oidc_settings_say_what_is_missing_and_stay_public(bundled_db, monkeypatch):
    config = oidc_secrets()
    del config["auth"]["cookie_secret"]
    at = open_page(bundled_db, "pages/9_Manage_data.py", monkeypatch, config,
                   user=oidc_user("sec-1", "ana@example.org", groups=["ipdx-secretariat"]))
    assert not at.exception
    assert any("cookie_secret is missing" in w.value.replace("\\", "") for w in at.sidebar.warning)
    assert not at.sidebar.button and "secretariat only" in " ".join(e.value for e in at.main.error)


VIEWER_SCRIPT = """
import streamlit as st
from ui import disclosure, page
who = page.sidebar()
st.text(repr(disclosure.viewer()))
st.text(repr(who))
"""


def _viewer_of(bundled_db, monkeypatch, secrets: dict, user: dict | None = None, username: str | None = None):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("IPDX_DB", str(bundled_db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_string(VIEWER_SCRIPT, default_timeout=60)
    at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.run()
    if username:
        at = sign_in(at, username)
    assert not at.exception
    assert at.text[0].value == at.text[1].value  # the page and the disclosure rule see the same viewer
    return at.text[0].value


@pytest.mark.parametrize("groups,role,office", [(["ipdx-secretariat"], "secretariat", None),
                                                (["ipdx-office-UY"], "office", "UY"), (["staff"], "public", None)])
def test_an_oidc_user_is_the_same_viewer_as_a_password_user(groups, role, office, bundled_db, monkeypatch):
    shown = _viewer_of(bundled_db, monkeypatch, oidc_secrets(), oidc_user("sub-9", "ana@example.org", groups=groups))
    assert shown == repr(auth.Viewer(role, office, "ana@example.org (oidc:sub-9)"))
    password = _viewer_of(bundled_db, monkeypatch, users_secrets(), username="uy-office")
    assert password == repr(auth.Viewer("office", "UY", "uy-office"))
    # Signed out (or never signed in) through the provider: the public viewer.
    assert _viewer_of(bundled_db, monkeypatch, oidc_secrets(), {"is_logged_in": False}) == repr(auth.Viewer())


def test_an_unmapped_oidc_user_is_told_why_on_every_page(bundled_db, monkeypatch):
    for page in ["dashboard.py", "pages/9_Manage_data.py"]:
        at = open_page(bundled_db, page, monkeypatch, oidc_secrets(),
                       user=oidc_user("sub-3", "kim@example.org", groups=["wiki-editors"]))
        assert not at.exception
        assert any("Your account has no role in this dashboard" in i.value for i in at.sidebar.info)
        assert at.sidebar.button(key="ipdx-auth-sign-out")
    assert "secretariat only" in " ".join(e.value for e in at.main.error)


def test_a_load_by_an_oidc_secretariat_user_records_subject_and_email(fresh_bundled_db, monkeypatch):
    import loaders
    schedule = (b"provider,recipient,dataset,frequency,grace_days,starts,ends,on_time_target\n"
                b"JP,KR,trademark-bibliographic,monthly,3,2026-01-05,,0.9\n")
    at = open_page(fresh_bundled_db, "pages/9_Manage_data.py", monkeypatch, oidc_secrets(),
                   user=oidc_user("00u1a2b3c4", "ana@secretariat.example.org", groups=["ipdx-secretariat"]))
    assert not at.exception and not at.main.error
    at.selectbox(key="manage-kind").set_value("schedule")
    at.file_uploader(key="manage-file").set_value(("schedule-2026.csv", schedule, "text/csv"))
    at.run()
    at.button(key="manage-dry-run").click()
    at.run()
    at.button(key="manage-confirm").click()
    at.run()
    assert not at.exception
    entry = loaders.read_manifest(loaders.Paths(fresh_bundled_db))[-1]
    assert (entry["original_name"], entry["loaded_by"]) == ("schedule-2026.csv",
                                                            "ana@secretariat.example.org (oidc:00u1a2b3c4)")
