"""Authentication and authorisation: argon2id passwords, server-side sessions, API tokens, roles, CSRF.

Every route depends on `require(permission)`. Sessions and tokens are stored only as SHA-256 digests so
a database leak does not hand out live credentials; the session cookie is also signed (itsdangerous) so
forged cookies are refused before any lookup.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, Signer
from starlette.concurrency import run_in_threadpool

from sitewarden.settings import Settings
from sitewarden.store import auth_repo, repos
from sitewarden.store.db import Store
from sitewarden.store.schema import utcnow
from sitewarden.web.deps import get_ctx

ROLES: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "triage", "approve", "admin"}),
    "approver": frozenset({"read", "triage", "approve"}),
    "analyst": frozenset({"read", "triage"}),
    "auditor": frozenset({"read"}),
}
PERMISSIONS = ("read", "triage", "approve", "admin")
SESSION_COOKIE = "sw_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
TOKEN_PREFIX = "swt_"
TOKEN_TOUCH = timedelta(minutes=5)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,150}$")
MIN_PASSWORD = 10

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


class AuthError(ValueError):
    """Bad user input to an auth operation (unknown role, weak password, duplicate name...)."""


@dataclass(frozen=True)
class Principal:
    """Who is calling and how: `via` is "session" or "token"; `csrf` is set for sessions only."""

    user_id: int
    username: str
    role: str
    via: str
    csrf: str = ""
    scopes: frozenset[str] = frozenset()

    def can(self, permission: str) -> bool:
        return permission in ROLES.get(self.role, frozenset()) and (self.via != "token" or permission in self.scopes)


# --- passwords and users ----------------------------------------------------------------------


def hash_password(pw: str) -> str:
    return _hasher.hash(pw)


def verify_password(hashed: str, pw: str) -> bool:
    try:
        return _hasher.verify(hashed, pw)
    except (VerificationError, InvalidHashError):
        return False


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AuthError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role


def check_password(pw: str) -> str:
    if len(pw) < MIN_PASSWORD:
        raise AuthError(f"password must be at least {MIN_PASSWORD} characters")
    return pw


def create_user(store: Store, username: str, password: str, role: str, *, actor: str = "system") -> int:
    """Validate and create a user; the creation is audited. Raises AuthError on bad input."""
    if not _USERNAME.match(username):
        raise AuthError(f"username {username!r} must be 1-150 characters of letters, digits and _.@-")
    check_role(role)
    hashed = hash_password(check_password(password))
    with store.write() as s:
        if repos.get_user(s, username) is not None:
            raise AuthError(f"user {username!r} already exists")
        user = repos.create_user(s, username, hashed, role)
        repos.audit(s, actor, "user.created", username, {"role": role})
        return user.id


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- sessions ---------------------------------------------------------------------------------


def _signer(settings: Settings) -> Signer:
    return Signer(settings.signing_key(), salt="sitewarden.session")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password(secrets.token_hex(16))


class RateLimited(Exception):
    """Too many failed logins for this user from this address in the last minute."""


def login(
    store: Store, settings: Settings, username: str, password: str, ip: str | None, old_cookie: str | None = None
) -> tuple[str, str] | None:
    """Check credentials; on success drop any presented session (rotation) and return (cookie, csrf).

    Failed attempts are audited and also serve as the rate-limit counter, so the limit holds across
    processes. Returns None on bad credentials; raises RateLimited when over the limit.
    """
    with store.read() as s:
        recent = auth_repo.recent_failed_logins(s, username, auth_repo.window_start(60))
    if sum(1 for d in recent if d.get("ip") == ip) >= settings.login_attempts_per_minute:
        raise RateLimited(username)
    with store.read() as s:
        user = repos.get_user(s, username)
    # Verify against a dummy hash for unknown users so response time does not reveal which names exist.
    ok = verify_password(user.password_hash if user else _dummy_hash(), password) and user is not None and user.active
    with store.write() as s:
        if not ok or user is None:
            repos.audit(s, username, auth_repo.LOGIN_FAILED, username, {"ip": ip})
            return None
        if old_cookie and (sid := _unsign(settings, old_cookie)):
            auth_repo.drop_session(s, _digest(sid))
        auth_repo.drop_user_sessions(s, user.id, expired_only=True)
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = utcnow() + timedelta(hours=settings.session_hours)
        auth_repo.add_session(s, _digest(sid), user.id, csrf, expires, ip)
        db_user = repos.get_user(s, username)
        if db_user is not None:
            db_user.last_login_at = utcnow()
        repos.audit(s, username, "auth.login", username, {"ip": ip})
    return _signer(settings).sign(sid).decode(), csrf


def logout(store: Store, settings: Settings, cookie: str | None, actor: str) -> None:
    if cookie and (sid := _unsign(settings, cookie)):
        with store.write() as s:
            auth_repo.drop_session(s, _digest(sid))
            repos.audit(s, actor, "auth.logout", actor, {})


def _unsign(settings: Settings, cookie: str) -> str | None:
    try:
        return _signer(settings).unsign(cookie).decode()
    except BadSignature:
        return None


def session_principal(store: Store, settings: Settings, cookie: str) -> Principal | None:
    sid = _unsign(settings, cookie)
    if sid is None:
        return None
    with store.read() as s:
        found = auth_repo.get_session(s, _digest(sid))
    if found is None:
        return None
    row, user = found
    if row.expires_at < utcnow() or not user.active:
        return None
    return Principal(user.id, user.username, user.role, "session", csrf=row.csrf_token)


# --- API tokens -------------------------------------------------------------------------------


def create_token(
    store: Store, username: str, name: str, scopes: list[str], expires_at: datetime | None, *, actor: str
) -> tuple[int, str]:
    """Create an API token; returns (id, secret). The secret is shown once and stored only hashed."""
    bad = [p for p in scopes if p not in PERMISSIONS]
    if bad or not scopes:
        raise AuthError(f"scopes must be a non-empty subset of {', '.join(PERMISSIONS)}; bad: {bad}")
    if expires_at is not None and expires_at <= utcnow():
        raise AuthError("token expiry must be in the future")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.write() as s:
        user = repos.get_user(s, username)
        if user is None:
            raise AuthError(f"no such user {username!r}")
        row = auth_repo.add_token(s, user.id, name, _digest(secret), sorted(set(scopes)), expires_at)
        repos.audit(s, actor, "token.created", username, {"token_id": row.id, "name": name, "scopes": row.scopes})
        return row.id, secret


def revoke_token(store: Store, token_id: int, *, actor: str) -> None:
    with store.write() as s:
        row = auth_repo.get_token(s, token_id)
        if row is None:
            raise AuthError(f"no such token id {token_id}")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            repos.audit(s, actor, "token.revoked", str(token_id), {"name": row.name})


def token_principal(store: Store, secret: str) -> Principal | None:
    with store.read() as s:
        found = auth_repo.token_with_user(s, _digest(secret))
    if found is None:
        return None
    token, user = found
    now = utcnow()
    if token.revoked_at is not None or (token.expires_at and token.expires_at < now) or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > TOKEN_TOUCH:
        with store.write() as s:  # at most one write per token per interval, not one per request
            auth_repo.touch_token(s, token.id, now)
    return Principal(user.id, user.username, user.role, "token", scopes=frozenset(token.scopes))


# --- the dependency ---------------------------------------------------------------------------


def is_api_path(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _unauthenticated(request: Request) -> HTTPException:
    if is_api_path(request):
        return HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})
    target = "/login?next=" + request.url.path
    if request.headers.get("HX-Request"):
        return HTTPException(401, "session expired", headers={"HX-Redirect": target})
    return HTTPException(303, "login required", headers={"Location": target})


async def authenticate(request: Request) -> Principal | None:
    """The caller's principal from a bearer token or session cookie, or None."""
    ctx = get_ctx(request)
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return await run_in_threadpool(token_principal, ctx.store, header[7:].strip())
    cookie = request.cookies.get(SESSION_COOKIE)
    return await run_in_threadpool(session_principal, ctx.store, ctx.settings, cookie) if cookie else None


async def check_csrf(request: Request, principal: Principal) -> None:
    """State-changing session requests must echo the session's CSRF token (header or form field)."""
    if principal.via != "session" or request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, principal.csrf):
        raise HTTPException(403, "CSRF token missing or wrong")


def require(permission: str) -> Callable[[Request], Awaitable[Principal]]:
    """A FastAPI dependency: the authenticated Principal holding `permission`, else 401/303/403."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if principal is None:
            raise _unauthenticated(request)
        if not principal.can(permission):
            raise HTTPException(403, f"role {principal.role!r} lacks permission {permission!r}")
        await check_csrf(request, principal)
        request.state.principal = principal
        return principal

    dependency.__name__ = f"require_{permission}"
    return dependency


# --- user administration (CLI and admin API) --------------------------------------------------


def set_active(store: Store, username: str, active: bool, *, actor: str) -> None:
    """Enable or disable a user; disabling also ends their sessions (their tokens stop working too)."""
    with store.write() as s:
        user = repos.get_user(s, username)
        if user is None:
            raise AuthError(f"no such user {username!r}")
        user.active = active
        if not active:
            auth_repo.drop_user_sessions(s, user.id)
        repos.audit(s, actor, "user.enabled" if active else "user.disabled", username, {})


def set_password(store: Store, username: str, password: str, *, actor: str) -> None:
    """Replace a password and end every session of the user."""
    hashed = hash_password(check_password(password))
    with store.write() as s:
        user = repos.get_user(s, username)
        if user is None:
            raise AuthError(f"no such user {username!r}")
        user.password_hash = hashed
        auth_repo.drop_user_sessions(s, user.id)
        repos.audit(s, actor, "user.password_set", username, {})
