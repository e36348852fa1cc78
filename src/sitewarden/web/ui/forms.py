"""Dashboard form posts: each checks its role (and CSRF, via `require`), then redirects back (PRG).

They call the same services as the REST API; refusals come back as a one-line message on the page.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from sitewarden.act import appeals, enforce
from sitewarden.act import cases as workflow
from sitewarden.store import casework
from sitewarden.web.api.casework import issue_appeal_link, reverse_and_restore, run_if_approved
from sitewarden.web.auth import Principal, require
from sitewarden.web.deps import get_ctx
from sitewarden.web.ui.pages import queue_rows
from sitewarden.web.ui.render import back, local_path, page
from sitewarden.work.api import Context

router = APIRouter(include_in_schema=False)
REFUSALS = (LookupError, workflow.WorkflowError, enforce.EnforcementError, appeals.AppealError)
CONFIRM = "yes"


def attempt(url: str, fn: Callable[[], str]) -> RedirectResponse:
    """Run one change; redirect back with its outcome or the rule that refused it."""
    try:
        return back(url, msg=fn())
    except REFUSALS as exc:
        return back(url, err=str(exc).strip("'\""))


@router.post("/cases/bulk-triage")
def bulk_triage(request: Request, ids: list[int] = Form(default_factory=list, max_length=500),
                who: Principal = Depends(require("triage")), ctx: Context = Depends(get_ctx)) -> Response:
    """From the queue: move the ticked open cases to triage; htmx swaps the refreshed table in."""
    with ctx.store.write() as s:
        moved, skipped = workflow.bulk_triage(s, ids, who.username)
    note = f"{len(moved)} case(s) moved to triage" + (f"; {len(skipped)} skipped" if skipped else "")
    if not request.headers.get("HX-Request"):
        return back("/cases", msg=note)
    with ctx.store.read() as s:
        rows = queue_rows(s, casework.queue(s, state="live"), ctx.settings)
    return page(request, "_queue_table.html", who, rows=rows, note=note, skipped=skipped)


@router.post("/cases/{case_id}/transition")
def transition(case_id: int, to: str = Form(max_length=20), note: str = Form("", max_length=2000),
               who: Principal = Depends(require("triage")), ctx: Context = Depends(get_ctx)) -> Response:
    def run() -> str:
        with ctx.store.write() as s:
            workflow.transition(s, workflow.load(s, case_id), to, who.username, note)
        return f"case moved to {to}"

    return attempt(f"/cases/{case_id}", run)


@router.post("/cases/{case_id}/assign")
def assign(case_id: int, username: str = Form("", max_length=150), who: Principal = Depends(require("triage")),
           ctx: Context = Depends(get_ctx)) -> Response:
    def run() -> str:
        with ctx.store.write() as s:
            workflow.assign(s, workflow.load(s, case_id), username or None, who.username)
        return f"assigned to {username}" if username else "unassigned"

    return attempt(f"/cases/{case_id}", run)


@router.post("/cases/{case_id}/comment")
def comment(case_id: int, text: str = Form("", max_length=workflow.MAX_COMMENT),
            who: Principal = Depends(require("triage")), ctx: Context = Depends(get_ctx)) -> Response:
    def run() -> str:
        with ctx.store.write() as s:
            workflow.comment(s, workflow.load(s, case_id), text, who.username)
        return "comment added"

    return attempt(f"/cases/{case_id}", run)


def _confirmed(confirm: str) -> None:
    if confirm != CONFIRM:
        raise enforce.EnforcementError("tick the confirmation box to confirm this enforcement step")


@router.post("/cases/{case_id}/actions")
def decide_action(case_id: int, kind: str = Form(max_length=40), reason: str = Form("", max_length=2000),
                  confirm: str = Form("", max_length=10), who: Principal = Depends(require("triage")),
                  ctx: Context = Depends(get_ctx)) -> Response:
    def run() -> str:
        _confirmed(confirm)
        if not reason.strip():
            raise enforce.EnforcementError("reason: say why this action is taken")
        with ctx.store.write() as s:
            action = enforce.propose(s, ctx.settings, workflow.load(s, case_id), kind, who.username, reason)
        out = run_if_approved(ctx, action, who.username)
        if out["state"] == "decided":
            return f"{kind} decided (action {out['id']}); it needs a second approver"
        return f"{kind} {out['state']} (action {out['id']})"

    return attempt(f"/cases/{case_id}", run)


@router.post("/actions/{action_id}/approve")
def approve(action_id: int, confirm: str = Form("", max_length=10), back_to: str = Form("/approvals", max_length=200),
            who: Principal = Depends(require("approve")), ctx: Context = Depends(get_ctx)) -> Response:
    def run() -> str:
        _confirmed(confirm)
        with ctx.store.write() as s:
            action = enforce.approve(s, action_id, who.username)
        out = run_if_approved(ctx, action, who.username)
        return f"action {action_id} approved and {out['state']}"

    return attempt(local_path(back_to), run)


@router.post("/actions/{action_id}/reject")
def reject(action_id: int, reason: str = Form("", max_length=2000), back_to: str = Form("/approvals", max_length=200),
           who: Principal = Depends(require("approve")), ctx: Context = Depends(get_ctx)) -> Response:
    def run() -> str:
        with ctx.store.write() as s:
            enforce.reject(s, action_id, who.username, reason or "rejected by approver")
        return f"action {action_id} rejected"

    return attempt(local_path(back_to), run)


@router.post("/actions/{action_id}/reverse")
def reverse(action_id: int, reason: str = Form("", max_length=2000), confirm: str = Form("", max_length=10),
            back_to: str = Form("/", max_length=200), who: Principal = Depends(require("approve")),
            ctx: Context = Depends(get_ctx)) -> Response:
    def run() -> str:
        _confirmed(confirm)
        if not reason.strip():
            raise enforce.EnforcementError("reason: say why the restriction is lifted")
        out = reverse_and_restore(ctx, action_id, who.username, reason)
        return f"reversal {out.id} {out.state}"

    return attempt(local_path(back_to), run)


@router.post("/cases/{case_id}/appeal-link")
def appeal_link(case_id: int, request: Request, who: Principal = Depends(require("triage")),
                ctx: Context = Depends(get_ctx)) -> Response:
    """Shown once in the response body, never in a redirect URL (it is a credential)."""
    try:
        url = issue_appeal_link(ctx, case_id, who.username)
    except REFUSALS as exc:
        return back(f"/cases/{case_id}", err=str(exc))
    return page(request, "appeal_link.html", who, case_id=case_id, url=url)


@router.post("/appeals/{appeal_id}/decide")
def decide_appeal(appeal_id: int, outcome: str = Form(max_length=10), reason: str = Form("", max_length=2000),
                  who: Principal = Depends(require("triage")), ctx: Context = Depends(get_ctx)) -> Response:
    def run() -> str:
        appeal = appeals.decide(ctx, appeal_id, outcome, reason, who.username)
        return f"appeal {appeal_id}: {appeal.state}"

    return attempt("/appeals", run)
