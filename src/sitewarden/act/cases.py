"""The case workflow: a pure state machine plus the service functions that apply it to the store.

Every transition is checked against one table, stamps the case's milestone time, appends to the case
timeline and the audit chain in the same transaction, so the dashboard, API and policy share one path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from sitewarden.store import casework, repos
from sitewarden.store.schema import Case, utcnow

# state -> states reachable from it
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"triage", "confirmed", "cleared"}),
    "reopened": frozenset({"triage", "confirmed", "cleared"}),
    "triage": frozenset({"confirmed", "cleared"}),
    "confirmed": frozenset({"actioned", "cleared", "closed"}),
    "actioned": frozenset({"appealed", "closed", "restored"}),
    "appealed": frozenset({"restored", "upheld"}),
    "upheld": frozenset({"closed"}),
    "closed": frozenset({"appealed", "reopened"}),
    "cleared": frozenset({"reopened"}),
    "restored": frozenset({"reopened", "closed"}),
}
STATES = tuple(TRANSITIONS)
# Moves a person may make directly; the others happen through actions, appeals and new evidence.
MANUAL = frozenset({"triage", "confirmed", "cleared", "closed"})
STAMPS = {"triage": "triaged_at", "confirmed": "confirmed_at", "actioned": "actioned_at"}
TERMINAL = frozenset({"closed", "cleared", "restored", "upheld"})


class WorkflowError(ValueError):
    """A transition or operation the workflow does not allow; the message says which and why."""


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS:
        raise WorkflowError(f"unknown case state {target!r}; states are {', '.join(STATES)}")
    if target not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, frozenset()))) or "none"
        raise WorkflowError(f"case cannot go from {current!r} to {target!r} (allowed: {allowed})")


def apply_stamps(case: Case, target: str, now: datetime) -> None:
    """Milestone times: the first entry into a stage counts for SLA; closing stamps closed_at.
    (Reopening happens only through new evidence, in store.repos.open_or_append_case.)"""
    field = STAMPS.get(target)
    if field and getattr(case, field) is None:
        setattr(case, field, now)
    if target in TERMINAL:
        case.closed_at = now


# --- SLA ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sla:
    """Where a case stands against its current target: stage "triage"/"action", or "none"."""

    stage: str
    due_at: datetime | None
    state: str  # ok | due_soon | overdue | none

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def sla_for(
    state: str, opened_at: datetime, confirmed_at: datetime | None, now: datetime, triage_hours: float,
    action_hours: float, reopened_at: datetime | None = None,
) -> Sla:
    """Open cases race the triage target (from reopening, for reopened ones); confirmed ones the action
    target (from confirmation); cases in triage must be decided and actioned within both targets."""
    if reopened_at is not None and state in ("reopened", "triage"):
        opened_at = reopened_at
    if state in ("open", "reopened"):
        stage, due, span = "triage", opened_at + timedelta(hours=triage_hours), timedelta(hours=triage_hours)
    elif state == "confirmed" and confirmed_at is not None:
        stage, due, span = "action", confirmed_at + timedelta(hours=action_hours), timedelta(hours=action_hours)
    elif state == "triage":
        span = timedelta(hours=action_hours)
        stage, due = "action", opened_at + timedelta(hours=triage_hours) + span
    else:
        return Sla("none", None, "none")
    if now >= due:
        return Sla(stage, due, "overdue")
    return Sla(stage, due, "due_soon" if due - now <= span / 4 else "ok")


# --- services ---------------------------------------------------------------------------------


def load(s: Session, case_id: int) -> Case:
    case = s.get(Case, case_id)
    if case is None:
        raise LookupError(f"no case {case_id}")
    return case


def transition(s: Session, case: Case, target: str, actor: str, note: str = "", *, manual: bool = True) -> Case:
    """Move a case to `target`, recording who and why on the timeline and in the audit chain."""
    if manual and target not in MANUAL:
        raise WorkflowError(f"{target!r} is reached through actions, appeals or new evidence, not set by hand")
    check_transition(case.state, target)
    now = utcnow()
    previous = case.state
    case.state = target
    case.updated_at = now
    apply_stamps(case, target, now)
    detail: dict[str, Any] = {"from": previous, "to": target}
    if note:
        detail["note"] = note
    casework.add_event(s, case.id, actor, "state", detail)
    repos.audit(s, actor, "case.state", f"case:{case.id}", detail)
    return case


def assign(s: Session, case: Case, username: str | None, actor: str) -> Case:
    user_id = None
    if username:
        user = repos.get_user(s, username)
        if user is None or not user.active:
            raise WorkflowError(f"no active user {username!r} to assign")
        if user.role == "auditor":
            raise WorkflowError(f"user {username!r} is an auditor and cannot work cases")
        user_id = user.id
    case.assignee_id = user_id
    case.updated_at = utcnow()
    detail = {"assignee": username}
    casework.add_event(s, case.id, actor, "assigned", detail)
    repos.audit(s, actor, "case.assigned", f"case:{case.id}", detail)
    return case


MAX_COMMENT = 10_000


def comment(s: Session, case: Case, text: str, actor: str) -> None:
    text = text.strip()
    if not text:
        raise WorkflowError("comment is empty")
    if len(text) > MAX_COMMENT:
        raise WorkflowError(f"comment is longer than {MAX_COMMENT} characters")
    casework.add_event(s, case.id, actor, "comment", {"text": text})
    repos.audit(s, actor, "case.comment", f"case:{case.id}", {"chars": len(text)})


def bulk_triage(s: Session, case_ids: list[int], actor: str) -> tuple[list[int], dict[int, str]]:
    """Move each open case to triage; returns (moved ids, {id: why not})."""
    moved, skipped = [], {}
    for case_id in case_ids:
        case = s.get(Case, case_id)
        if case is None:
            skipped[case_id] = "no such case"
            continue
        try:
            transition(s, case, "triage", actor)
            moved.append(case_id)
        except WorkflowError as exc:
            skipped[case_id] = str(exc)
    return moved, skipped
