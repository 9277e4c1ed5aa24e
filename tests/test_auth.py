"""Sign-in: argon2 hashes in Streamlit secrets, failures that slow down, the hash command,
public-only without secrets. Delays are asserted on the computed values, never on the clock."""
from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from argon2 import PasswordHasher

from signin import PASSWORDS, ROOT, open_page, sign_in, users_secrets
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
