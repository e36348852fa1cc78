"""Server-rendered dashboard (Jinja2 + vendored htmx and Chart.js). Pages are registered on `router`."""

from __future__ import annotations

from fastapi import APIRouter

from sitewarden.web.ui import admin, evidence, forms, login, pages
from sitewarden.web.ui.paths import STATIC_DIR, TEMPLATE_DIR

router = APIRouter(include_in_schema=False)
for _module in (login, pages, forms, evidence, admin):
    router.include_router(_module.router)

__all__ = ["STATIC_DIR", "TEMPLATE_DIR", "router"]
