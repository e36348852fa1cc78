"""The FastAPI application: REST API under /api, dashboard at /, both from discovered routers."""

from __future__ import annotations

import asyncio
import gc
import html
import importlib
import pkgutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http import HTTPStatus

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sitewarden import __version__
from sitewarden.pipeline import close_resources
from sitewarden.score.domains.engine import score_hosts
from sitewarden.settings import Settings, get_settings
from sitewarden.web import api, ui
from sitewarden.web.auth import is_api_path
from sitewarden.web.ui.render import templates
from sitewarden.work.api import Context
from sitewarden.work.inprocess import Worker

# Captured pages never run here: no inline scripts, no foreign origins, no framing of us.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; frame-src 'none'"
)


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)


class SecurityHeaders:
    """Adds the headers to every response unless a route set its own (e.g. `sandbox` for raw evidence).

    Plain ASGI rather than @app.middleware: the latter costs a task and a stream per request, which
    showed in the screening API's latency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings | None = None, ctx: Context | None = None, *, run_worker: bool = False) -> FastAPI:
    """The app; with run_worker the in-process job workers live and drain with the server."""
    settings = settings or get_settings()
    ctx = ctx or Context.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await asyncio.to_thread(_warm_up, settings)
        if not run_worker or settings.work_backend != "inprocess":
            yield
            return
        worker = Worker(ctx)
        running = asyncio.create_task(worker.run())
        try:
            yield
        finally:
            worker.stop()  # drain: in-flight jobs finish, nothing new is claimed
            await running
            await close_resources(ctx)

    app = FastAPI(
        lifespan=lifespan,
        title="Sitewarden",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.ctx = ctx
    for mod in sorted(pkgutil.iter_modules(api.__path__), key=lambda m: m.name):
        app.include_router(importlib.import_module(f"{api.__name__}.{mod.name}").router)
    app.include_router(ui.router)
    app.mount("/static", StaticFiles(directory=ui.STATIC_DIR), name="static")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return await _error_response(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if is_api_path(request):
            return await request_validation_exception_handler(request, exc)
        problems = "; ".join(f"{'.'.join(map(str, e['loc'][1:])) or 'request'}: {e['msg']}" for e in exc.errors())
        return await _error_response(request, 422, problems, None)
    app.add_middleware(SecurityHeaders)

    return app


def _warm_up(settings: Settings) -> None:
    """Load the scoring model and indexes before the first request, then move them out of the GC's way:
    ~300k long-lived objects otherwise make every full collection stall a request for ~100 ms (measured)."""
    list(score_hosts(["warm-up.example.com"], settings))
    gc.freeze()


async def _error_response(request: Request, status: int, detail: str, headers: dict[str, str] | None) -> Response:
    """JSON for the API; for the dashboard an HTML page, or an escaped fragment that htmx swaps in."""
    if is_api_path(request) or status < 400:
        return await http_exception_handler(request, StarletteHTTPException(status, detail, headers))
    if request.headers.get("HX-Request"):
        body = f'<p class="error" role="alert">{html.escape(detail)}</p>'
        return HTMLResponse(body, status_code=status, headers=headers)
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    response = templates.TemplateResponse(
        request, "error.html", {"request": request, "who": None, "status_code": status, "phrase": phrase,
                                "detail": detail}, status_code=status,
    )
    response.headers.update(headers or {})
    return response
