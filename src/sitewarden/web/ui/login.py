"""Login and logout, plus the public appeal page customers reach from a notice.

The login form is CSRF-protected before any session exists: a random pre-login cookie and an HMAC of it
in the form (login CSRF would otherwise let a site sign a victim into an attacker's account).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from sitewarden.act import appeals
from sitewarden.web import auth
from sitewarden.web.api.appeal import public_view
from sitewarden.web.deps import get_ctx
from sitewarden.web.ui.render import local_path, page, templates
from sitewarden.work.api import Context

router = APIRouter(include_in_schema=False)
PRE_COOKIE = "sw_login"


def _login_token(ctx: Context, pre: str) -> str:
    return hmac.new(ctx.settings.signing_key(), b"login:" + pre.encode(), hashlib.sha256).hexdigest()


def _login_page(request: Request, ctx: Context, error: str | None = None, status: int = 200) -> HTMLResponse:
    pre = secrets.token_urlsafe(24)
    response = templates.TemplateResponse(
        request, "login.html",
        {"request": request, "who": None, "login_error": error, "token": _login_token(ctx, pre),
         "next": local_path(request.query_params.get("next"))},
        status_code=status,
    )
    response.set_cookie(PRE_COOKIE, pre, httponly=True, samesite="strict", secure=request.url.scheme == "https")
    return response


@router.get("/login")
def login_form(request: Request, ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    return _login_page(request, ctx)


@router.post("/login")
def login(
    request: Request, username: str = Form(max_length=150), password: str = Form(max_length=1000),
    csrf_token: str = Form(max_length=200), next_: str = Form("/", alias="next", max_length=2000),
    ctx: Context = Depends(get_ctx),
) -> Response:
    pre = request.cookies.get(PRE_COOKIE, "")
    if not pre or not hmac.compare_digest(csrf_token, _login_token(ctx, pre)):
        return _login_page(request, ctx, "The login form expired; please try again.", 403)
    ip = request.client.host if request.client else None
    try:
        result = auth.login(ctx.store, ctx.settings, username, password, ip, request.cookies.get(auth.SESSION_COOKIE))
    except auth.RateLimited:
        return _login_page(request, ctx, "Too many failed attempts; wait a minute.", 429)
    if result is None:
        return _login_page(request, ctx, "Wrong username or password.", 401)
    cookie, _csrf = result
    response = RedirectResponse(local_path(next_), status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE, cookie, max_age=int(ctx.settings.session_hours * 3600), httponly=True,
        samesite="lax", secure=request.url.scheme == "https",
    )
    response.delete_cookie(PRE_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, who: auth.Principal = Depends(auth.require("read")),
           ctx: Context = Depends(get_ctx)) -> Response:
    auth.logout(ctx.store, ctx.settings, request.cookies.get(auth.SESSION_COOKIE), who.username)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


# --- public appeal page --------------------------------------------------------------------------


def _appeal_page(request: Request, ctx: Context, token: str, *, notice: str | None = None,
                 problem: str | None = None, status: int = 200) -> HTMLResponse:
    with ctx.store.read() as s:
        try:
            view = public_view(s, token)
        except appeals.AppealError as exc:
            return page(request, "appeal_public.html", None, 404, view=None, problem=str(exc))
    return page(request, "appeal_public.html", None, status, view=view, token=token, notice=notice, problem=problem)


@router.get("/appeal/{token}")
def appeal_form(token: str, request: Request, ctx: Context = Depends(get_ctx)) -> HTMLResponse:
    return _appeal_page(request, ctx, token)


@router.post("/appeal/{token}")
def appeal_submit(
    token: str, request: Request, message: str = Form("", max_length=appeals.MAX_MESSAGE),
    contact: str = Form("", max_length=320), ctx: Context = Depends(get_ctx),
) -> HTMLResponse:
    """The token in the path is the secret; a forging site cannot know it, so no CSRF token is needed."""
    try:
        with ctx.store.write() as s:
            appeals.submit(s, token, message, contact or None)
    except appeals.AppealError as exc:
        return _appeal_page(request, ctx, token, problem=str(exc), status=409)
    return _appeal_page(request, ctx, token, notice="Your appeal was received; we will review it promptly.")
