"""The FastAPI application: REST API under /api, dashboard at /, both from discovered routers."""

from __future__ import annotations

import asyncio
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
from starlette.exceptions import HTTPException as StarletteHTTPException

from sitewarden import __version__
from sitewarden.pipeline import close_resources
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


def create_app(settings: Settings | None = None, ctx: Context | None = None, *, run_worker: bool = False) -> FastAPI:
    """The app; with run_worker the in-process job workers live and drain with the server."""
    settings = settings or get_settings()
    ctx = ctx or Context.from_settings(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
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

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:  # type: ignore[no-untyped-def]
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    return app


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
