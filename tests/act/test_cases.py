"""Case workflow: the transition table, milestone stamps, SLA states, assignment, comments, bulk triage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sitewarden.act import cases as wf
from sitewarden.store import casework, repos
from sitewarden.store.db import Store
from sitewarden.web.auth import create_user
from tests.casework_support import make_case

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def test_transition_table_allows_the_documented_paths_only() -> None:
    for current, target in [("open", "triage"), ("triage", "confirmed"), ("triage", "cleared"),
                            ("confirmed", "actioned"), ("actioned", "closed"), ("actioned", "appealed"),
                            ("appealed", "restored"), ("appealed", "upheld"), ("cleared", "reopened"),
                            ("closed", "reopened"), ("reopened", "triage")]:
        wf.check_transition(current, target)
    for current, target in [("open", "actioned"), ("cleared", "confirmed"), ("triage", "restored"),
                            ("closed", "triage"), ("open", "appealed")]:
        with pytest.raises(wf.WorkflowError, match=f"from '{current}' to '{target}'"):
            wf.check_transition(current, target)
    with pytest.raises(wf.WorkflowError, match="unknown case state 'bogus'"):
        wf.check_transition("open", "bogus")


def test_sla_targets() -> None:
    sla = wf.sla_for("open", T0, None, T0 + timedelta(minutes=10), 1.0, 4.0)
    assert (sla.stage, sla.state, sla.due_at) == ("triage", "ok", T0 + timedelta(hours=1))
    assert wf.sla_for("open", T0, None, T0 + timedelta(minutes=50), 1.0, 4.0).state == "due_soon"
    assert wf.sla_for("open", T0, None, T0 + timedelta(hours=2), 1.0, 4.0).overdue
    confirmed = T0 + timedelta(hours=5)
    sla = wf.sla_for("confirmed", T0, confirmed, confirmed + timedelta(hours=3), 1.0, 4.0)
    assert (sla.stage, sla.state) == ("action", "due_soon")
    assert wf.sla_for("confirmed", T0, confirmed, confirmed + timedelta(hours=4), 1.0, 4.0).overdue
    assert wf.sla_for("closed", T0, confirmed, T0 + timedelta(days=9), 1.0, 4.0).state == "none"
    reopened = T0 + timedelta(days=3)  # the triage clock restarts when new evidence reopens a case
    sla = wf.sla_for("reopened", T0, confirmed, reopened + timedelta(minutes=5), 1.0, 4.0, reopened)
    assert (sla.state, sla.due_at) == ("ok", reopened + timedelta(hours=1))


def test_service_transitions_stamp_log_and_audit(store: Store) -> None:
    case_id = make_case(store)
    with store.write() as s:
        case = wf.load(s, case_id)
        with pytest.raises(wf.WorkflowError, match="not set by hand"):
            wf.transition(s, case, "actioned", "ana")
        wf.transition(s, case, "triage", "ana", "looking")
        wf.transition(s, case, "confirmed", "ana")
    with store.read() as s:
        case = casework.case_detail(s, case_id)
        assert case is not None and case.state == "confirmed" and case.triaged_at and case.confirmed_at
        kinds = [(e.kind, e.detail.get("to")) for e in case.events]
        assert ("state", "triage") in kinds and ("state", "confirmed") in kinds
        audit = [(e.action, e.subject) for e in repos.audit_events(s)]
        assert ("case.state", f"case:{case_id}") in audit


def test_assign_comment_and_bulk_triage(store: Store) -> None:
    create_user(store, "ana", "analyst-password-1", "analyst")
    create_user(store, "aud", "auditor-password-1", "auditor")
    first, second = make_case(store, "a.example"), make_case(store, "b.example")
    with store.write() as s:
        case = wf.load(s, first)
        wf.assign(s, case, "ana", "lead")
        with pytest.raises(wf.WorkflowError, match="auditor"):
            wf.assign(s, case, "aud", "lead")
        with pytest.raises(wf.WorkflowError, match="no active user 'ghost'"):
            wf.assign(s, case, "ghost", "lead")
        with pytest.raises(wf.WorkflowError, match="empty"):
            wf.comment(s, case, "   ", "ana")
        wf.comment(s, case, "looks like the kit from last week", "ana")
        wf.transition(s, case, "triage", "ana")
    with store.write() as s:
        moved, skipped = wf.bulk_triage(s, [first, second, 9999], "ana")
    assert moved == [second] and set(skipped) == {first, 9999} and "no such case" in skipped[9999]
    with store.read() as s:
        case = casework.case_detail(s, first)
        assert case is not None and case.assignee_id is not None
        assert any(e.kind == "comment" and "kit" in e.detail["text"] for e in case.events)


def test_new_evidence_reopens_a_cleared_case(store: Store) -> None:
    case_id = make_case(store, "again.example", score=0.7)
    with store.write() as s:
        case = wf.load(s, case_id)
        case.opened_at -= timedelta(days=2)
        wf.transition(s, case, "cleared", "ana", "false positive")
    make_case(store, "again.example", score=0.9)  # a later scan finds it again
    with store.read() as s:
        case = wf.load(s, case_id)
        assert case.state == "reopened" and case.reopened_at is not None and case.closed_at is None
        assert casework.overdue(s, 1.0, 4.0) == []  # reopened just now: not overdue from the first opening
        assert len(casework.case_detail(s, case_id).scans) == 2  # type: ignore[union-attr]
