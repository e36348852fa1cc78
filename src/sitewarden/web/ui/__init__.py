"""Server-rendered dashboard (Jinja2 + vendored htmx). Pages are registered on `router`."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

STATIC_DIR = Path(__file__).with_name("static")
TEMPLATE_DIR = Path(__file__).with_name("templates")

router = APIRouter(include_in_schema=False)
