"""Case-work queries, enforcement, appeals and the audit chain on PostgreSQL (SQLite runs them everywhere else)."""

from __future__ import annotations

import pytest

from sitewarden.act import appeals, enforce
from sitewarden.act import audit as chain
from sitewarden.act import cases as wf
from sitewarden.settings import Settings
from sitewarden.store import casework, migrate
from sitewarden.store.db import Store
from sitewarden.work.api import Context
from tests.casework_support import make_case

pytestmark = pytest.mark.postgres


def test_casework_on_postgres(pg_store: Store, settings: Settings) -> None:
    migrate.upgrade(pg_store)
    ctx = Context.from_settings(settings.model_copy(update={"enforcement_dry_run": True}), pg_store)
    first = make_case(pg_store, "a.example", kit_hash="k1")
    second = make_case(pg_store, "b.example", tenant="t2", kit_hash="k1")
    with pg_store.write() as s:
        wf.transition(s, wf.load(s, first), "confirmed", "ana")
        action = enforce.propose(s, ctx.settings, wf.load(s, first), "suspend_site", "ana", "kit")
        enforce.approve(s, action.id, "bob")
    assert enforce.execute(ctx, action.id).state == "executed"
    with pg_store.write() as s:
        token = appeals.invite(s, first)
        appeals.submit(s, token, "ours", None)
        pending = casework.appeals(s, "pending")
    assert appeals.decide(ctx, pending[0].id, "restore", "verified", "ana").state == "restored"
    with pg_store.read() as s:
        assert [c.subject for c in casework.queue(s, state="live", sort="oldest")] == ["b.example"]
        assert casework.overdue(s, 1.0, 4.0) == []
        case = casework.case_detail(s, first)
        assert case is not None and [r[0] for r in casework.related(s, case)["kit"]] == [second]
        assert {t.key: (n_sites, n_live) for t, n_sites, n_live in casework.tenants(s)} == {"t1": (1, 0), "t2": (1, 1)}
        assert casework.actions_since(s, action.created_at, tenant_id=case.tenant_id) == 1
    assert chain.verify(pg_store).ok


def test_concurrent_decisions_make_one_action(pg_store: Store, settings: Settings) -> None:
    """Two people deciding the same action at once: the second waits on the unique key, then gets the first."""
    import threading

    migrate.upgrade(pg_store)
    case_id = make_case(pg_store, "race.example")
    with pg_store.write() as s:
        wf.transition(s, wf.load(s, case_id), "confirmed", "ana")
    results: list[int] = []
    with pg_store.write() as s:
        first = enforce.propose(s, settings, wf.load(s, case_id), "suspend_site", "ana", "r")
        other = threading.Thread(target=lambda: results.append(_propose(pg_store, settings, case_id)))
        other.start()
        other.join(1.0)
        assert other.is_alive()  # blocked on the uncommitted row with the same idempotency key
        first_id = first.id
    other.join(10)
    assert results == [first_id]
    with pg_store.read() as s:
        assert len(casework.case_actions(s, case_id)) == 1


def _propose(store: Store, settings: Settings, case_id: int) -> int:
    with store.write() as s:
        return enforce.propose(s, settings, wf.load(s, case_id), "suspend_site", "bob", "r").id
