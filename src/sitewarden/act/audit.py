"""Audit-chain verification: find edited, deleted and reordered rows, and export the head for anchoring.

Each row's hash covers its content, its id and the previous row's hash (store.repos.audit_hash), so a
change anywhere breaks the chain at a place we can name. Deleting rows at the very end leaves a valid
shorter chain; comparing with a previously exported head (anchored elsewhere) catches that too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sitewarden.store import repos
from sitewarden.store.db import Store
from sitewarden.store.schema import AuditEvent


@dataclass
class Report:
    rows: int
    head_id: int
    head_hash: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _content_hash(row: AuditEvent, row_id: int) -> str:
    return repos.audit_hash(row.prev_hash, row_id, row.at, row.actor, row.action, row.subject, row.detail)


def _written_as(row: AuditEvent, max_id: int) -> int | None:
    """The id a row's hash was computed with, when its content is intact but it sits elsewhere."""
    for candidate in range(1, max_id + 2):
        if candidate != row.id and _content_hash(row, candidate) == row.hash:
            return candidate
    return None


def verify_rows(rows: list[AuditEvent], anchor: tuple[int, str] | None = None) -> Report:
    """Check rows ordered by id; `anchor` is a previously exported (id, hash) that must still be there."""
    by_hash = {r.hash: r.id for r in rows}
    report = Report(len(rows), rows[-1].id if rows else 0, rows[-1].hash if rows else repos.GENESIS)
    max_id = report.head_id
    prev_id, prev_hash = 0, repos.GENESIS
    for row in rows:
        gap = row.id != prev_id + 1
        if gap:
            report.problems.append(f"rows {prev_id + 1}..{row.id - 1} deleted (ids jump from {prev_id} to {row.id})")
        if _content_hash(row, row.id) != row.hash:
            origin = _written_as(row, max_id)
            report.problems.append(
                f"row {row.id} edited: its content no longer matches its hash" if origin is None
                else f"row {row.id} reordered: it was written as row {origin}"
            )
        elif row.prev_hash != prev_hash and not gap:
            report.problems.append(
                f"row {row.id} does not follow row {prev_id}: row {prev_id} was rewritten or rows between were removed"
            )
        prev_id, prev_hash = row.id, row.hash
    if anchor is not None:
        anchor_id, anchor_hash = anchor
        if by_hash.get(anchor_hash) != anchor_id:
            report.problems.append(
                f"anchored head row {anchor_id} ({anchor_hash[:12]}...) is missing or changed: rows were deleted or edited"
            )
    return report


def verify(store: Store, anchor: tuple[int, str] | None = None) -> Report:
    with store.read() as s:
        return verify_rows(repos.audit_events(s), anchor)


def export_head(store: Store, actor: str) -> dict[str, Any]:
    """Record the export itself in the chain, then return the new head for anchoring elsewhere."""
    with store.write() as s:
        event = repos.audit(s, actor, "audit.export_head", "audit", {})
        return {"id": event.id, "hash": event.hash, "at": event.at.isoformat()}
