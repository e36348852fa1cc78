"""Template rendering for the dashboard: one autoescaping Jinja2 environment and its filters.

Captured page text (titles, facts, reasons) is attacker-controlled; autoescaping plus the strict CSP
(no inline scripts or styles) keeps it inert. Never mark captured content `|safe`.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from sitewarden.store.schema import utcnow
from sitewarden.web.auth import Principal
from sitewarden.web.ui.paths import TEMPLATE_DIR

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
assert templates.env.autoescape, "captured content must be escaped"


def ago(value: datetime | None) -> str:
    if value is None:
        return "-"
    seconds = (utcnow() - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            text = f"{int(seconds // size)}{unit}"
            break
    else:
        text = f"{int(seconds)}s"
    return f"in {text}" if future else f"{text} ago"


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "-"


def to_json(value: Any) -> str:
    """Pretty JSON for facts shown as escaped text."""
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


templates.env.filters.update(ago=ago, when=when, to_json=to_json)


def page(request: Request, name: str, who: Principal | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.update(request=request, who=who, message=request.query_params.get("msg"),
                   error=request.query_params.get("err"))
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def back(url: str, *, msg: str | None = None, err: str | None = None) -> RedirectResponse:
    """Post/redirect/get with a one-line outcome shown (escaped) on the next page."""
    query = urlencode({k: v for k, v in (("msg", msg), ("err", err)) if v})
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


def local_path(target: str | None) -> str:
    """Only same-site relative paths: no open redirects to other origins."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
