"""Request-scoped access to the application context (settings, store, evidence)."""

from __future__ import annotations

from fastapi import Request

from sitewarden.work.api import Context


def get_ctx(request: Request) -> Context:
    return request.app.state.ctx
