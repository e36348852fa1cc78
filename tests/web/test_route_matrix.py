"""Every route of the app x every role: enumerated from app.routes, so new routes are covered at once.

A route must either declare its permission through `require(...)` or be on the short public list; then
anonymous callers get 401 (API) or a redirect to /login (pages), roles without the permission get 403,
and roles with it get through (any status but 401/403).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from sitewarden.web import auth
from sitewarden.web.app import create_app
from sitewarden.work.api import Context

PUBLIC = {
    ("GET", "/api/openapi.json"), ("GET", "/api/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/api/v1/health"),
    ("GET", "/login"), ("POST", "/login"), ("GET", "/appeal/{token}"), ("POST", "/appeal/{token}"),
    ("GET", "/api/v1/appeal/{token}"), ("POST", "/api/v1/appeal/{token}"),
}
ROLES = tuple(auth.ROLES)


def declared_permission(dependant: Any) -> str | None:
    stack = [dependant]
    while stack:
        dep = stack.pop()
        name = getattr(dep.call, "__name__", "") if dep.call else ""
        if name.startswith("require_"):
            return name.removeprefix("require_")
        stack.extend(dep.dependencies)
    return None


def all_routes(app: Any) -> list[tuple[str, str, str | None]]:
    out = []
    for route in iter_route_contexts(app.routes):
        dependant = getattr(route, "dependant", None)
        for method in sorted(getattr(route, "methods", None) or ()):
            if method == "HEAD":
                continue
            out.append((method, route.path, declared_permission(dependant) if dependant else None))
    return out


def concrete(path: str) -> str:
    return re.sub(r"\{token\}", "t" * 24, re.sub(r"\{(\w+)(:\w+)?\}", "1", path))


@pytest.fixture
def matrix(ctx: Context) -> tuple[TestClient, dict[str, dict[str, str]], list[tuple[str, str, str | None]]]:
    app = create_app(ctx.settings, ctx)
    cookies: dict[str, dict[str, str]] = {}
    for role in ROLES:
        auth.create_user(ctx.store, role, f"{role}-password-123", role)
        cookie, csrf = auth.login(ctx.store, ctx.settings, role, f"{role}-password-123", "127.0.0.1") or ("", "")
        cookies[role] = {"cookie": cookie, "csrf": csrf}
    routes = all_routes(app)
    # /logout ends the session it is called with: walk it last.
    routes.sort(key=lambda r: r[1] == "/logout")
    return TestClient(app), cookies, routes


def test_every_route_is_protected_or_deliberately_public(matrix: Any) -> None:
    _, _, routes = matrix
    paths = {p for _, p, _ in routes}
    assert "/api/v1/cases/{case_id}/actions" in paths and "/cases/{case_id}" in paths and len(routes) > 40
    unprotected = [(m, p) for m, p, perm in routes if perm is None and (m, p) not in PUBLIC
                   and not p.startswith("/static")]
    assert unprotected == [], f"routes without require(...): {unprotected}"


def test_role_by_route_matrix(matrix: Any) -> None:
    client, cookies, routes = matrix
    failures = []
    for method, path, permission in routes:
        if permission is None:
            continue
        url = concrete(path)
        body = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
        anon = client.request(method, url, follow_redirects=False, **body)
        expected_anon = 401 if path.startswith("/api/") else 303
        if anon.status_code != expected_anon:
            failures.append(f"anonymous {method} {path}: {anon.status_code}")
        for role in ROLES:
            creds = cookies[role]
            client.cookies.set(auth.SESSION_COOKIE, creds["cookie"])
            r = client.request(method, url, headers={"X-CSRF-Token": creds["csrf"]}, follow_redirects=False, **body)
            client.cookies.clear()
            allowed = permission in auth.ROLES[role]
            if allowed and r.status_code in (401, 403):
                failures.append(f"{role} {method} {path}: {r.status_code} but role has {permission!r}")
            if not allowed and r.status_code != 403:
                failures.append(f"{role} {method} {path}: {r.status_code} but role lacks {permission!r}")
    assert failures == []


def test_token_scopes_narrow_the_role(ctx: Context) -> None:
    client = TestClient(create_app(ctx.settings, ctx))
    auth.create_user(ctx.store, "root", "admin-password-123", "admin")
    _, read_only = auth.create_token(ctx.store, "root", "ro", ["read"], None, actor="t")
    h = {"Authorization": f"Bearer {read_only}"}
    assert client.get("/api/v1/cases", headers=h).status_code == 200
    assert client.get("/api/v1/users", headers=h).status_code == 403  # admin role, but not in the token's scope
    assert client.post("/api/v1/cases/bulk-triage", json={"ids": [1]}, headers=h).status_code == 403
