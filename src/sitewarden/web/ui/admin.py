"""User and API-token administration pages (admin role). Token secrets are shown once, in the response."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from sitewarden.store import auth_repo
from sitewarden.store.schema import utcnow
from sitewarden.web import auth
from sitewarden.web.auth import Principal, require
from sitewarden.web.deps import get_ctx
from sitewarden.web.ui.render import back, page
from sitewarden.work.api import Context

router = APIRouter(include_in_schema=False)
HOME = "/admin/users"


@router.get(HOME)
def users_page(request: Request, who: Principal = Depends(require("admin")),
               ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    with ctx.store.read() as s:
        users = auth_repo.list_users(s)
        tokens = auth_repo.list_tokens(s)
    names = {u.id: u.username for u in users}
    return page(request, "admin_users.html", who, users=users, tokens=tokens, names=names, roles=list(auth.ROLES),
                permissions=auth.PERMISSIONS)


@router.post(f"{HOME}/add")
def add_user(username: str = Form("", max_length=150), password: str = Form("", max_length=1000),
             role: str = Form("", max_length=20), who: Principal = Depends(require("admin")),
             ctx: Context = Depends(get_ctx)) -> Response:
    try:
        auth.create_user(ctx.store, username, password, role, actor=who.username)
    except auth.AuthError as exc:
        return back(HOME, err=str(exc))
    return back(HOME, msg=f"user {username} ({role}) created")


@router.post(HOME + "/{username}/active")
def set_active(username: str, active: str = Form("", max_length=5), who: Principal = Depends(require("admin")),
               ctx: Context = Depends(get_ctx)) -> Response:
    if username == who.username:
        return back(HOME, err="you cannot disable yourself")
    try:
        auth.set_active(ctx.store, username, active == "yes", actor=who.username)
    except auth.AuthError as exc:
        return back(HOME, err=str(exc))
    return back(HOME, msg=f"user {username} {'enabled' if active == 'yes' else 'disabled'}")


@router.post(f"{HOME}/tokens")
def add_token(request: Request, username: str = Form("", max_length=150), name: str = Form("", max_length=150),
              scopes: list[str] = Form(default_factory=list, max_length=4), days: float = Form(90, ge=0, le=3650),
              who: Principal = Depends(require("admin")), ctx: Context = Depends(get_ctx)) -> Response:
    expires = utcnow() + timedelta(days=days) if days > 0 else None
    try:
        token_id, secret = auth.create_token(ctx.store, username, name or "token", scopes, expires, actor=who.username)
    except auth.AuthError as exc:
        return back(HOME, err=str(exc))
    return page(request, "admin_token.html", who, token_id=token_id, secret=secret, username=username)


@router.post(HOME + "/tokens/{token_id}/revoke")
def revoke(token_id: int, who: Principal = Depends(require("admin")), ctx: Context = Depends(get_ctx)) -> Response:
    try:
        auth.revoke_token(ctx.store, token_id, actor=who.username)
    except auth.AuthError as exc:
        return back(HOME, err=str(exc))
    return back(HOME, msg=f"token {token_id} revoked")
