"""Authentication: argon2id, validation, sessions (rotation, expiry, disable), tokens, rate limit, CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sitewarden.store.db import Store
from sitewarden.store.schema import ApiToken, SessionRow, User, utcnow
from sitewarden.web import auth
from sitewarden.web.app import create_app
from sitewarden.work.api import Context
from tests.casework_support import make_case

PW = "correct horse battery"


@pytest.fixture
def client(ctx: Context) -> TestClient:
    auth.create_user(ctx.store, "ana", PW, "analyst")
    return TestClient(create_app(ctx.settings, ctx))


def login(client: TestClient, username: str = "ana", password: str = PW) -> tuple[int, str]:
    """Log in through the real form (pre-session CSRF token included); returns (status, session csrf)."""
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token, "next": "/cases"},
                    follow_redirects=False)
    csrf = ""
    if r.status_code == 303:
        csrf = client.get("/cases").text.split('"X-CSRF-Token": "')[1].split('"')[0]
    return r.status_code, csrf


def test_passwords_are_argon2id_and_users_validated(store: Store) -> None:
    hashed = auth.hash_password(PW)
    assert hashed.startswith("$argon2id$") and auth.verify_password(hashed, PW)
    assert not auth.verify_password(hashed, "wrong") and not auth.verify_password("garbage", PW)
    auth.create_user(store, "ana", PW, "analyst")
    for args, message in [(("ana", PW, "analyst"), "already exists"), (("bob", PW, "root"), "role 'root'"),
                          (("bob", "short", "analyst"), "at least"), (("bad name", PW, "analyst"), "username")]:
        with pytest.raises(auth.AuthError, match=message):
            auth.create_user(store, *args)
    with store.read() as s:
        assert s.scalar(select(User.password_hash).where(User.username == "ana")).startswith("$argon2id$")


def test_login_sets_a_rotated_server_side_session(client: TestClient, ctx: Context) -> None:
    assert client.get("/cases", follow_redirects=False).headers["location"] == "/login?next=/cases"
    status, _ = login(client)
    assert status == 303
    old = client.cookies.get(auth.SESSION_COOKIE)
    assert client.get("/cases").status_code == 200
    status, _ = login(client)  # logging in again with the old cookie rotates it
    new = client.cookies.get(auth.SESSION_COOKIE)
    assert new != old
    with ctx.store.read() as s:
        assert len(s.scalars(select(SessionRow)).all()) == 1  # the old one is gone, only digests stored
        assert old.split(".")[0] not in {r.id for r in s.scalars(select(SessionRow))}
    stale = TestClient(client.app, cookies={auth.SESSION_COOKIE: old})
    assert stale.get("/cases", follow_redirects=False).status_code == 303
    forged = TestClient(client.app, cookies={auth.SESSION_COOKIE: new[:-2] + "xx"})
    assert forged.get("/api/v1/cases").status_code == 401


def test_wrong_password_then_rate_limited(client: TestClient, ctx: Context) -> None:
    limited = ctx.settings.model_copy(update={"login_attempts_per_minute": 3})
    c = TestClient(create_app(limited, Context(limited, ctx.store, ctx.blobs)))
    assert [login(c, password="nope")[0] for _ in range(3)] == [401, 401, 401]
    assert login(c)[0] == 429  # even the right password waits out the minute
    with ctx.store.read() as s:
        from sitewarden.store import repos

        actions = [e.action for e in repos.audit_events(s)]
    assert actions.count("auth.login_failed") == 3 and "auth.login" not in actions


def test_login_form_needs_its_csrf_token(client: TestClient) -> None:
    r = client.post("/login", data={"username": "ana", "password": PW, "csrf_token": "x"}, follow_redirects=False)
    assert r.status_code == 403 and auth.SESSION_COOKIE not in r.cookies


def test_open_redirect_refused(client: TestClient) -> None:
    page = client.get("/login?next=//evil.example/")
    assert 'name="next" value="/"' in page.text


def test_csrf_required_for_session_writes(client: TestClient, ctx: Context) -> None:
    case_id = make_case(ctx.store)
    _, csrf = login(client)
    url = f"/api/v1/cases/{case_id}/transition"
    assert client.post(url, json={"to": "triage"}).status_code == 403
    assert client.post(url, json={"to": "triage"}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    r = client.post(f"/cases/{case_id}/comment", data={"text": "hi"}, follow_redirects=False)
    assert r.status_code == 403  # dashboard form without the field
    r = client.post(f"/cases/{case_id}/comment", data={"text": "hi", "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and "comment+added" in r.headers["location"]
    assert client.post(url, json={"to": "triage"}, headers={"X-CSRF-Token": csrf}).status_code == 200
    _, token = auth.create_token(ctx.store, "ana", "ci", ["read", "triage"], None, actor="t")
    bare = TestClient(client.app)  # bearer tokens are not ambient credentials: no CSRF needed
    r = bare.post(url, json={"to": "confirmed"}, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_tokens_hashed_scoped_expiring_revocable(client: TestClient, ctx: Context) -> None:
    case_id = make_case(ctx.store)
    token_id, secret = auth.create_token(ctx.store, "ana", "ro", ["read"], utcnow() + timedelta(days=1), actor="t")
    h = {"Authorization": f"Bearer {secret}"}
    with ctx.store.read() as s:
        assert secret not in {t.token_hash for t in s.scalars(select(ApiToken))}
    assert client.get("/api/v1/cases", headers=h).status_code == 200
    assert client.post(f"/api/v1/cases/{case_id}/transition", json={"to": "triage"}, headers=h).status_code == 403
    auth.revoke_token(ctx.store, token_id, actor="t")
    assert client.get("/api/v1/cases", headers=h).status_code == 401
    _, secret2 = auth.create_token(ctx.store, "ana", "x", ["read"], utcnow() + timedelta(seconds=1), actor="t")
    with ctx.store.write() as s:
        s.scalar(select(ApiToken).where(ApiToken.name == "x")).expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret2}"}).status_code == 401
    with pytest.raises(auth.AuthError, match="scopes"):
        auth.create_token(ctx.store, "ana", "x", ["root"], None, actor="t")
    with pytest.raises(auth.AuthError, match="future"):
        auth.create_token(ctx.store, "ana", "x", ["read"], utcnow() - timedelta(days=1), actor="t")


def test_disabled_user_loses_sessions_and_tokens(client: TestClient, ctx: Context) -> None:
    login(client)
    _, secret = auth.create_token(ctx.store, "ana", "t", ["read"], None, actor="t")
    auth.set_active(ctx.store, "ana", False, actor="admin")
    assert client.get("/cases", follow_redirects=False).status_code == 303
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert login(client)[0] == 401
    auth.set_active(ctx.store, "ana", True, actor="admin")
    auth.set_password(ctx.store, "ana", "another long password", actor="admin")
    assert login(client)[0] == 401 and login(client, password="another long password")[0] == 303


def test_logout_ends_the_session(client: TestClient) -> None:
    _, csrf = login(client)
    cookie = client.cookies.get(auth.SESSION_COOKIE)
    assert client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    again = TestClient(client.app, cookies={auth.SESSION_COOKIE: cookie})
    assert again.get("/cases", follow_redirects=False).status_code == 303
