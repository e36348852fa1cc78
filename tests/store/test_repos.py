"""Repository behaviour on SQLite and (marker `postgres`) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import IntegrityError

from sitewarden.store import jobs, migrate, repos
from sitewarden.store.db import Store
from sitewarden.store.schema import Tenant


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Store]:
    if request.param == "sqlite":
        st = Store(f"sqlite:///{tmp_path / 'r.db'}")
    else:
        st = request.getfixturevalue("pg_store")
    migrate.upgrade(st)
    yield st


def _scan(s, url: str = "http://a.example/"):  # type: ignore[no-untyped-def]
    (scan_id,) = repos.create_scans(s, [(url, None)])
    return repos.get_scan(s, scan_id)


def test_bulk_site_import_dedupes_and_updates_ips(any_store: Store) -> None:
    def row(ip: str, line: int) -> SimpleNamespace:
        return SimpleNamespace(tenant="t1", tenant_name="Tenant One", contact_email=None, url="http://a.example/",
                               host="a.example", registrable_domain="a.example", ip=ip, line=line)

    with any_store.write() as s:
        new, dup = repos.import_sites(s, [row("192.0.2.1", 2), row("192.0.2.1", 3)], "inventory")
        assert len(new) == 1 and dup == 1
        again, dup2 = repos.import_sites(s, [row("192.0.2.2", 2)], "other-source")
        assert again == [(new[0][0], "http://a.example/")] and dup2 == 0  # same asset, new observation
        asset = repos.get_asset(s, new[0][0])
        assert asset is not None and asset.ip == "192.0.2.2" and asset.tenant.name == "Tenant One"
        _, seen = repos.add_observation(s, "inventory", "url", "http://a.example/", "t1|http://a.example/")
        assert not seen


def test_write_rolls_back_on_error(any_store: Store) -> None:
    with pytest.raises(RuntimeError), any_store.write() as s:
        repos.upsert_tenant(s, "gone")
        raise RuntimeError("boom")
    with any_store.read() as s:
        assert s.query(Tenant).filter_by(key="gone").count() == 0


def test_unique_constraints_hold(any_store: Store) -> None:
    with pytest.raises(IntegrityError), any_store.write() as s:
        s.add(Tenant(key="dup", name="a"))
        s.add(Tenant(key="dup", name="b"))
        s.flush()


def test_one_case_per_tenant_and_subject_evidence_appends(any_store: Store) -> None:
    with any_store.write() as s:
        t = repos.upsert_tenant(s, "t1")
        s1, s2 = _scan(s), _scan(s)
        c1, created1 = repos.open_or_append_case(s, tenant=t, asset_id=None, subject="a.example", scan=s1,
                                                 verdict="review", score=0.6, fraud_type="phishing", brand=None)
        c2, created2 = repos.open_or_append_case(s, tenant=t, asset_id=None, subject="a.example", scan=s2,
                                                 verdict="block", score=0.95, fraud_type="phishing", brand="icbc")
        assert created1 and not created2 and c1.id == c2.id
        assert (c2.verdict, c2.score, c2.brand) == ("block", 0.95, "icbc")
    with any_store.read() as s:
        case = repos.get_case(s, c1.id)
        assert case is not None
        assert [cs.scan_id for cs in case.scans] == [s1.id, s2.id]
        assert [e.kind for e in case.events] == ["opened", "evidence"]


def test_verdict_rewrite_replaces_signals(any_store: Store) -> None:
    with any_store.write() as s:
        scan = _scan(s)
        sig = [{"signal": "x", "weight": 0.5, "detail": "d"}]
        repos.save_verdict(s, scan, subject="a", verdict="review", score=0.5, fraud_type=None, brand=None, signals=sig)
        repos.save_verdict(s, scan, subject="a", verdict="block", score=0.9, fraud_type=None, brand=None,
                           signals=[*sig, {"signal": "y", "weight": 0.9, "detail": "e"}])
        sid = scan.id
    with any_store.read() as s:
        scan = repos.get_scan(s, sid)
        assert scan is not None and scan.verdict is not None
        assert scan.verdict.verdict == "block" and sorted(x.name for x in scan.signals) == ["x", "y"]


def test_audit_chain_links_rows(any_store: Store) -> None:
    with any_store.write() as s:
        a = repos.audit(s, "alice", "case.opened", "case:1", {"k": 1})
        b = repos.audit(s, "bob", "case.triaged", "case:1")
        assert b.prev_hash == a.hash and a.prev_hash == repos.GENESIS
    with any_store.read() as s:
        rows = repos.audit_events(s)
        for row in rows:
            assert row.hash == repos.audit_hash(row.prev_hash, row.id, row.at, row.actor, row.action,
                                                row.subject, row.detail)


def test_job_claim_and_idempotency(any_store: Store) -> None:
    with any_store.write() as s:
        j1 = jobs.enqueue(s, "t", {"a": 1}, idempotency_key="k1")
        j2 = jobs.enqueue(s, "t", {"a": 2}, idempotency_key="k1")
        assert j1 == j2
    with any_store.write() as s:
        job = jobs.claim(s, "w1", 60)
        assert job is not None and job.id == j1 and job.attempts == 1
    with any_store.write() as s:
        assert jobs.claim(s, "w2", 60) is None
