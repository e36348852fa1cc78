"""The audit chain: edited, deleted and reordered rows are detected and named; an anchored head catches
deletion at the end; the CLI exits non-zero on a broken chain."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sitewarden.act import audit
from sitewarden.cli import app
from sitewarden.settings import Settings
from sitewarden.store import repos
from sitewarden.store.db import Store


def fill(store: Store, n: int = 6) -> None:
    with store.write() as s:
        for i in range(n):
            repos.audit(s, "ana", "case.state", f"case:{i}", {"to": "triage", "i": i})


def raw(store: Store, sql: str, **params: object) -> None:
    """Tampering straight in the database, as an attacker with SQL access would."""
    with store.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_intact_chain_verifies(store: Store) -> None:
    fill(store)
    report = audit.verify(store)
    assert report.ok and report.rows == 6 and report.head_id == 6


def test_edited_row_is_named(store: Store) -> None:
    fill(store)
    raw(store, "UPDATE audit_events SET actor = 'mallory' WHERE id = 3")
    assert audit.verify(store).problems == ["row 3 edited: its content no longer matches its hash"]


def test_edited_row_with_recomputed_hash_breaks_the_next_link(store: Store) -> None:
    fill(store)
    with store.read() as s:
        row = repos.audit_events(s)[2]
        forged = repos.audit_hash(row.prev_hash, row.id, row.at, "mallory", row.action, row.subject, row.detail)
    raw(store, "UPDATE audit_events SET actor = 'mallory', hash = :h WHERE id = 3", h=forged)
    (problem,) = audit.verify(store).problems
    assert problem.startswith("row 4 does not follow row 3: row 3 was rewritten")


def test_deleted_row_is_named(store: Store) -> None:
    fill(store)
    raw(store, "DELETE FROM audit_events WHERE id = 4")
    problems = audit.verify(store).problems
    assert problems == ["rows 4..4 deleted (ids jump from 3 to 5)"]


def test_reordered_rows_are_named(store: Store) -> None:
    fill(store)
    raw(store, "UPDATE audit_events SET id = 100 WHERE id = 2")
    raw(store, "UPDATE audit_events SET id = 2 WHERE id = 5")
    raw(store, "UPDATE audit_events SET id = 5 WHERE id = 100")
    problems = audit.verify(store).problems
    assert "row 2 reordered: it was written as row 5" in problems
    assert "row 5 reordered: it was written as row 2" in problems


def test_deleting_the_tail_is_caught_by_the_anchor(store: Store) -> None:
    fill(store)
    head = audit.export_head(store, "auditor")
    assert head["id"] == 7
    raw(store, "DELETE FROM audit_events WHERE id >= 6")
    assert audit.verify(store).ok  # a shorter chain is self-consistent ...
    problems = audit.verify(store, (head["id"], head["hash"])).problems
    assert problems and "anchored head row 7" in problems[0]  # ... but not against the anchor


def test_cli_verify_and_export_head(settings: Settings, store: Store) -> None:
    fill(store, 3)
    runner = CliRunner()
    env = {"SITEWARDEN_VAR_DIR": str(settings.var_dir)}
    out = runner.invoke(app, ["audit", "export-head"], env=env)
    assert out.exit_code == 0 and '"id": 4' in out.stdout
    ok = runner.invoke(app, ["audit", "verify", "--anchor", out.stdout.strip()], env=env)
    assert ok.exit_code == 0 and "ok" in ok.stdout
    raw(store, "UPDATE audit_events SET detail = '{}' WHERE id = 2")
    bad = runner.invoke(app, ["audit", "verify"], env=env)
    assert bad.exit_code == 1 and "row 2 edited" in bad.output
    assert runner.invoke(app, ["audit", "verify", "--anchor", "nonsense"], env=env).exit_code == 2


def test_verification_streams_in_chunks(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "CHUNK", 4)
    fill(store, 10)
    assert audit.verify(store).ok and audit.verify(store).rows == 10
    raw(store, "DELETE FROM audit_events WHERE id IN (4, 5)")  # across a chunk boundary
    assert audit.verify(store).problems == ["rows 4..5 deleted (ids jump from 3 to 6)"]
