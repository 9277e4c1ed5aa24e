"""Sign-in and access roles: public viewer, office user, secretariat. This module checks
credentials and says who is looking; the sign-in area in the sidebar is drawn by `ui.page`.

Credentials live in Streamlit secrets (`.streamlit/secrets.toml`, never committed; the format
is documented in `.streamlit/secrets.toml.example`): one `[auth.users.<name>]` table per user
with `role` ("public", "office" or "secretariat"), `office` (the ST.3 code, office users only)
and `password_hash` (argon2, made by `python -m ui.auth hash-password`).

- Passwords are checked with argon2's verify (constant-time). The user name is compared with
  every configured name without an early exit, and an unknown name is checked against a dummy
  hash, so timing says nothing about which names exist.
- Repeated failures slow down: after n failures for a user name, or within one browser
  session, the next attempt is refused for `delay_after(n)` seconds (doubling, capped). The
  counters live server-side in one `st.cache_resource` dict shared by all sessions. An attempt
  is counted as a failure before its password is verified (checked and counted in one step
  under the counters' lock), so attempts made at the same moment cannot all pass the check
  while the first one is still being verified; a success then clears the counters.
- Without any user configured the app runs public-only and the sign-in area says how to
  enable roles.
- The session keeps only the signed-in user name; the role is looked up in the secrets on
  every run, so removing a user or changing a role takes effect at once.

Sign-in through the organisation's identity provider (OpenID Connect) replaces the password
users when Streamlit's own `[auth]` keys are set (`redirect_uri`, `cookie_secret`, `client_id`,
`client_secret`, `server_metadata_url`): `st.login()` does the redirect flow and `st.user`
holds the identity token's claims. Roles come from those claims through `[ipdx_oidc]` (a table
of its own, so that it never reads as one of Streamlit's `[auth]` keys or providers):

    [ipdx_oidc]
    claims = ["groups"]                 # claims holding group or role names (default)
    secretariat = ["ipdx-secretariat"]  # values giving the secretariat role (default)
    office_prefix = "ipdx-office-"      # "ipdx-office-JP" gives the office role for JP (default)
    max_age_hours = 12                  # roles from an older sign-in are not honoured (default)
    [ipdx_oidc.offices]                 # optional: fixed values (Entra ID group ids) -> office
    "0b3c...-group-object-id" = "UY"

- A secrets file with both `[auth.users...]` and OpenID Connect keys is refused: every page
  says so and shows nothing else, since which of the two decides who may see what would be a
  guess.
- The claims are mapped on every run (`role_from_claims`, a pure function), so a changed
  mapping takes effect at once; group membership as of the sign-in. A signed-in account whose
  claims map to no role, or to several offices, gets the public view and is told why.
- The user name of such a viewer, shown in the sidebar and recorded as "who" of loads and
  removals, is the provider's email (or preferred_username) and subject: `ana@example.org
  (oidc:248289761001)`.
"""
from __future__ import annotations

import getpass
import hmac
import re
import secrets as token_source
import sys
import threading
import time
from dataclasses import dataclass, field

import streamlit as st
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import Argon2Error, InvalidHashError

from .i18n import N_, _

ROLES = ("public", "office", "secretariat")
#: How roles are named to people (msgids; the role values themselves stay in the secrets).
ROLE_LABELS = {"public": N_("public"), "office": N_("office"), "secretariat": N_("secretariat")}
SESSION_USER = "ipdx_signed_in"
SESSION_TOKEN = "ipdx_auth_session"
EXAMPLE_FILE = ".streamlit/secrets.toml.example"
#: Streamlit's own `[auth]` keys for its default OpenID Connect provider (all five required).
OIDC_KEYS = ("redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url")
OIDC_TABLE = "ipdx_oidc"

#: Lock-out after the n-th failure: BASE_DELAY * 2**(n-1) seconds, at most MAX_DELAY.
BASE_DELAY = 1.0
MAX_DELAY = 300.0
#: Counters untouched this long are forgotten (and a success resets them).
FORGET_AFTER = 3600.0
#: Bound on remembered counters, so guessing many user names cannot exhaust memory.
MAX_TRACKED = 10_000

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Viewer:
    role: str = "public"  # "public", "office" or "secretariat"
    office: str | None = None  # the ST.3 code of an office user
    username: str | None = None

    @property
    def sees_everything(self) -> bool:
        return self.role == "secretariat"

    @property
    def signed_in(self) -> bool:
        return self.username is not None


@dataclass(frozen=True)
class User:
    username: str
    role: str
    office: str | None
    password_hash: str


# ------------------------------------------------------------------ configuration (secrets)

def secrets() -> dict:
    """All Streamlit secrets as a plain dict; empty when no secrets are configured."""
    try:
        return st.secrets.to_dict() if st.secrets.load_if_toml_exists() else {}
    except Exception:  # noqa: BLE001 - an unreadable secrets file means: no secrets, public-only
        return {}


def _user_problem(entry) -> str | None:
    if not isinstance(entry, dict):
        return "not a table"
    if entry.get("role") not in ROLES:
        return f"role must be one of {', '.join(ROLES)}"
    if entry.get("role") == "office" and not re.fullmatch(r"[A-Z]{2}", str(entry.get("office", ""))):
        return "an office user needs office = a two-letter ST.3 code"
    try:
        extract_parameters(str(entry.get("password_hash", "")))
    except (InvalidHashError, ValueError):
        return "password_hash must be an argon2 hash (python -m ui.auth hash-password)"
    return None


def configured_users(config: dict | None = None) -> tuple[dict[str, User], list[str]]:
    """(valid users by name, problems of the entries that were ignored)."""
    config = secrets() if config is None else config
    entries = (config.get("auth") or {}).get("users") or {}
    users, problems = {}, []
    for name, entry in entries.items():
        problem = _user_problem(entry)
        if problem:
            problems.append(f"user {name}: {problem}")
            continue
        users[str(name)] = User(str(name), entry["role"],
                                entry.get("office") if entry["role"] == "office" else None,
                                str(entry["password_hash"]))
    return users, problems


def roles_enabled() -> bool:
    return bool(configured_users()[0])


# ------------------------------------------------------------------ sign-in through an identity provider

@dataclass(frozen=True)
class RoleMapping:
    """How identity-token claims give roles (`[ipdx_oidc]` in the secrets)."""
    claims: tuple[str, ...] = ("groups",)
    secretariat: frozenset[str] = frozenset({"ipdx-secretariat"})
    office_prefix: str = "ipdx-office-"
    offices: tuple[tuple[str, str], ...] = ()  # (claim value, office code)
    max_age_hours: float = 12.0


@dataclass(frozen=True)
class ClaimRole:
    """The role a set of claims gives; `reason` says why it is the public one."""
    role: str
    office: str | None = None
    reason: str | None = None


def _names(value) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return ()


def oidc_configured(config: dict) -> bool:
    """Whether the secrets set up sign-in through an identity provider (any of Streamlit's keys)."""
    auth_table = config.get("auth") or {}
    return isinstance(auth_table, dict) and any(key in auth_table for key in OIDC_KEYS)


def configuration_refusal(config: dict | None = None) -> str | None:
    """Why these secrets cannot be used at all (None when they can)."""
    config = secrets() if config is None else config
    if oidc_configured(config) and (config.get("auth") or {}).get("users"):
        return _("The secrets configure both sign-in through the identity provider (OpenID Connect keys in "
                 "[auth]) and password users ([auth.users]). Keep one of the two in .streamlit/secrets.toml "
                 "and restart the dashboard; until then it shows nothing.")
    return None


def oidc_settings(config: dict | None = None) -> tuple[RoleMapping, list[str]]:
    """(the claim mapping, problems of the OpenID Connect settings that stop sign-in)."""
    config = secrets() if config is None else config
    auth_table = config.get("auth") or {}
    problems = [f"[auth] {key} is missing" for key in OIDC_KEYS if not str(auth_table.get(key, "")).strip()]
    redirect = str(auth_table.get("redirect_uri", ""))
    if redirect and not redirect.rstrip("/").endswith("/oauth2callback"):
        problems.append("[auth] redirect_uri must end with /oauth2callback")
    table = config.get(OIDC_TABLE) or {}
    if not isinstance(table, dict):
        return RoleMapping(), [*problems, f"[{OIDC_TABLE}] is not a table"]
    defaults = RoleMapping()
    claims = _names(table.get("claims", defaults.claims))
    if not claims:
        problems.append(f"[{OIDC_TABLE}] claims must be a claim name or a list of them")
    secretariat = _names(table.get("secretariat", tuple(defaults.secretariat)))
    prefix = table.get("office_prefix", defaults.office_prefix)
    if not isinstance(prefix, str):
        problems.append(f"[{OIDC_TABLE}] office_prefix must be a text")
        prefix = ""
    offices = []
    for value, office in (table.get("offices") or {}).items():
        if isinstance(office, str) and re.fullmatch(r"[A-Z]{2}", office):
            offices.append((str(value), office))
        else:
            problems.append(f"[{OIDC_TABLE}.offices] {value}: the office must be a two-letter ST.3 code")
    try:
        max_age = float(table.get("max_age_hours", defaults.max_age_hours))
    except (TypeError, ValueError):
        max_age = 0.0
    if not max_age > 0:
        problems.append(f"[{OIDC_TABLE}] max_age_hours must be a positive number")
        max_age = defaults.max_age_hours
    return RoleMapping(claims, frozenset(secretariat), prefix, tuple(offices), max_age), problems


def _claim(claims: dict, name: str):
    """A claim by name, or by a dotted path into nested claims (Keycloak's realm_access.roles)."""
    if name in claims:
        return claims[name]
    value = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def role_from_claims(claims: dict, mapping: RoleMapping, now: float | None = None) -> ClaimRole:
    """The role an identity token's claims give: the secretariat when a value is one of
    `mapping.secretariat`, else the office role when the values name exactly one office
    (`office_prefix` + ST.3 code, or a value of `mapping.offices`), else public with the reason."""
    now = time.time() if now is None else now
    issued = claims.get("iat")
    if isinstance(issued, (int, float)) and now - issued > mapping.max_age_hours * 3600:
        return ClaimRole("public", reason=_(
            "Your sign-in is older than {hours} hours, so its roles are no longer honoured. "
            "Sign out and sign in again.").format(hours=f"{mapping.max_age_hours:g}"))
    values = [v for name in mapping.claims for v in _names(_claim(claims, name))]
    if any(v in mapping.secretariat for v in values):
        return ClaimRole("secretariat")
    fixed = dict(mapping.offices)
    prefix = mapping.office_prefix.casefold()
    offices = set()
    for v in values:
        if v in fixed:
            offices.add(fixed[v])
        elif prefix and v.casefold().startswith(prefix) and re.fullmatch(r"[A-Za-z]{2}", v[len(prefix):]):
            offices.add(v[len(prefix):].upper())
    if len(offices) == 1:
        return ClaimRole("office", offices.pop())
    claim_names = ", ".join(mapping.claims)
    if offices:
        return ClaimRole("public", reason=_(
            "Your account belongs to the groups of several offices ({offices}) and this dashboard "
            "shows one office per account, so you see the public view. Ask the secretariat for an "
            "account of one office.").format(offices=", ".join(sorted(offices))))
    return ClaimRole("public", reason=_(
        "Your account has no role in this dashboard: no value of its {claims} claim is mapped to the "
        "secretariat or an office, so you see the public view. Ask the secretariat to add your account "
        "to a dashboard group.").format(claims=claim_names))


def oidc_username(claims: dict) -> str | None:
    """Who an identity-provider user is, for the sidebar and the audit records: the email (or
    preferred_username) and the provider's subject; None without a subject."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        return None
    shown = next((claims[k] for k in ("email", "preferred_username") if isinstance(claims.get(k), str)
                  and claims[k]), None)
    name = f"{shown} (oidc:{subject})" if shown else f"oidc:{subject}"
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:320]


def _oidc_claims() -> dict:
    """The signed-in user's identity-token claims (empty when nobody signed in)."""
    claims = st.user.to_dict()
    return claims if claims.get("is_logged_in") else {}


# ------------------------------------------------------------------ verifying a password

# Verified against when the user name is unknown, so that both paths cost one argon2 verify.
_DUMMY_HASH = _hasher.hash(token_source.token_hex(16))


def _find_user(users: dict[str, User], username: str) -> User | None:
    """The user with this name, comparing against every name without an early exit."""
    wanted = username.encode("utf-8")
    found = None
    for name, user in users.items():
        if hmac.compare_digest(name.encode("utf-8"), wanted):
            found = user
    return found


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (Argon2Error, InvalidHashError):
        return False


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# ------------------------------------------------------------------ slowing down repeated failures

def delay_after(failures: int) -> float:
    """Seconds the next attempt must wait after `failures` consecutive failures."""
    if failures <= 0:
        return 0.0
    return min(BASE_DELAY * 2 ** (failures - 1), MAX_DELAY)


@dataclass
class Throttle:
    """Failure counters per key ("user:<name>", "session:<token>"), shared by all sessions."""
    entries: dict[str, tuple[int, float]] = field(default_factory=dict)  # key -> (failures, last)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def failures(self, key: str) -> int:
        with self.lock:
            return self.entries.get(key, (0, 0.0))[0]

    def wait(self, keys, now: float) -> float:
        """Seconds until any of `keys` may try again (0 when it may now)."""
        with self.lock:
            return self._wait_locked(keys, now)

    def record_failure(self, keys, now: float) -> None:
        with self.lock:
            self._count_locked(keys, now)

    def reserve(self, keys, now: float) -> float:
        """Admit one attempt or refuse it, in one step: 0 when admitted, and then the attempt
        already counts as a failure (`reset` clears it on success); else the seconds to wait."""
        with self.lock:
            wait = self._wait_locked(keys, now)
            if wait <= 0:
                self._count_locked(keys, now)
            return wait

    def _wait_locked(self, keys, now: float) -> float:
        waits = [last + delay_after(n) - now for n, last in (self.entries.get(k, (0, 0.0)) for k in keys)]
        return max([0.0, *waits])

    def _count_locked(self, keys, now: float) -> None:
        if len(self.entries) >= MAX_TRACKED:
            self._forget_old(now)
        for k in keys:
            n, last = self.entries.get(k, (0, 0.0))
            n = 0 if now - last > FORGET_AFTER else n
            self.entries[k] = (n + 1, now)

    def reset(self, keys) -> None:
        with self.lock:
            for k in keys:
                self.entries.pop(k, None)

    def _forget_old(self, now: float) -> None:
        for k in [k for k, (_failures, last) in self.entries.items() if now - last > FORGET_AFTER]:
            del self.entries[k]
        while len(self.entries) >= MAX_TRACKED:  # still full: drop the oldest
            del self.entries[min(self.entries, key=lambda k: self.entries[k][1])]


@st.cache_resource(show_spinner=False)
def throttle() -> Throttle:
    return Throttle()


def throttle_keys(username: str, session_token: str) -> tuple[str, str]:
    return (f"user:{username.strip().casefold()}", f"session:{session_token}")


@dataclass(frozen=True)
class SignInResult:
    ok: bool
    message: str
    user: User | None = None
    wait_seconds: float = 0.0


def check_credentials(username: str, password: str, session_token: str,
                      config: dict | None = None, now: float | None = None) -> SignInResult:
    """Verify one sign-in attempt, refusing it while an earlier failure's delay runs."""
    now = time.monotonic() if now is None else now
    users, _problems = configured_users(config)
    if not users:
        return SignInResult(False, _("Sign-in is not enabled on this server."))
    keys = throttle_keys(username, session_token)
    gate = throttle()
    # Counted before the (slow) verify: a concurrent attempt sees this one's delay at once.
    wait = gate.reserve(keys, now)
    if wait > 0:
        return SignInResult(False, _("Too many failed attempts. Try again in {seconds} s.").format(
            seconds=f"{wait:.0f}"), wait_seconds=wait)
    user = _find_user(users, username.strip())
    matches = _password_matches(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and matches:
        gate.reset(keys)
        return SignInResult(True, _("Signed in as {user}.").format(user=user.username), user)
    wait = gate.wait(keys, now)
    return SignInResult(False, _("Wrong user name or password. The next attempt is possible in {seconds} s.")
                        .format(seconds=f"{wait:.0f}"), wait_seconds=wait)


# ------------------------------------------------------------------ the session's viewer

def session_token() -> str:
    """This browser session's random token (the throttle counts failures per session too)."""
    if SESSION_TOKEN not in st.session_state:
        st.session_state[SESSION_TOKEN] = token_source.token_hex(16)
    return st.session_state[SESSION_TOKEN]


def oidc_viewer(config: dict) -> tuple[Viewer, str | None]:
    """The identity-provider user of this session and, when the role is public, why."""
    mapping, problems = oidc_settings(config)
    claims = _oidc_claims()
    username = oidc_username(claims) if claims and not problems else None
    if username is None:
        return Viewer(), None
    decided = role_from_claims(claims, mapping)
    return Viewer(decided.role, decided.office, username), decided.reason


def current_viewer() -> Viewer:
    """Who is looking: the signed-in user, re-checked against the secrets on every run."""
    config = secrets()
    if configuration_refusal(config):
        return Viewer()
    if oidc_configured(config):
        return oidc_viewer(config)[0]
    username = st.session_state.get(SESSION_USER)
    if not username:
        return Viewer()
    user = configured_users(config)[0].get(username)
    if user is None:  # removed from the secrets since sign-in
        del st.session_state[SESSION_USER]
        return Viewer()
    return Viewer(user.role, user.office, user.username)


def remember_sign_in(user: User) -> None:
    """The session keeps only the user name: the role is looked up again on every run."""
    st.session_state[SESSION_USER] = user.username


def sign_out() -> None:
    st.session_state.pop(SESSION_USER, None)


# ------------------------------------------------------------------ command line

def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("New password: ")
        if first != getpass.getpass("Repeat it: "):
            raise SystemExit("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["hash-password"]:
        print("usage: python -m ui.auth hash-password   (reads the password from the terminal "
              "or from standard input; prints an argon2 hash for .streamlit/secrets.toml)",
              file=sys.stderr)
        return 2
    password = _read_password()
    if not password:
        print("refused: empty password", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
