"""Audit-chain verification: find edited, deleted and reordered rows, and export the head for anchoring.

Each row's hash covers its content, its id and the previous row's hash (store.repos.audit_hash), so a
change anywhere breaks the chain at a place we can name. Deleting rows at the very end leaves a valid
shorter chain; comparing with a previously exported head (anchored elsewhere) catches that too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sitewarden.store import repos
from sitewarden.store.db import Store
from sitewarden.store.schema import AuditEvent

MOVE_WINDOW = 1000  # how far from its slot a moved row is looked for (keeps verification linear)
CHUNK = 5000


@dataclass
class Report:
    rows: int = 0
    head_id: int = 0
    head_hash: str = repos.GENESIS
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _content_hash(row: AuditEvent, row_id: int) -> str:
    return repos.audit_hash(row.prev_hash, row_id, row.at, row.actor, row.action, row.subject, row.detail)


def _written_as(row: AuditEvent) -> int | None:
    """The id a row's hash was computed with, when its content is intact but it sits elsewhere."""
    for candidate in range(max(1, row.id - MOVE_WINDOW), row.id + MOVE_WINDOW + 1):
        if candidate != row.id and _content_hash(row, candidate) == row.hash:
            return candidate
    return None


def verify_rows(rows: Iterable[AuditEvent], anchor: tuple[int, str] | None = None) -> Report:
    """Check rows in id order (streamed: memory does not grow with the log); `anchor` is a previously
    exported (id, hash) that must still be there."""
    report = Report()
    anchor_seen = False
    for row in rows:
        gap = row.id != report.head_id + 1
        if gap:
            report.problems.append(
                f"rows {report.head_id + 1}..{row.id - 1} deleted (ids jump from {report.head_id} to {row.id})"
            )
        if _content_hash(row, row.id) != row.hash:
            origin = _written_as(row)
            report.problems.append(
                f"row {row.id} edited: its content no longer matches its hash" if origin is None
                else f"row {row.id} reordered: it was written as row {origin}"
            )
        elif row.prev_hash != report.head_hash and not gap:
            report.problems.append(
                f"row {row.id} does not follow row {report.head_id}: row {report.head_id} was rewritten "
                "or rows between were removed"
            )
        anchor_seen = anchor_seen or (anchor is not None and (row.id, row.hash) == anchor)
        report.rows, report.head_id, report.head_hash = report.rows + 1, row.id, row.hash
    if anchor is not None and not anchor_seen:
        report.problems.append(
            f"anchored head row {anchor[0]} ({anchor[1][:12]}...) is missing or changed: rows were deleted or edited"
        )
    return report


def _stream(store: Store) -> Iterator[AuditEvent]:
    after = 0
    while True:
        with store.read() as s:
            chunk = repos.audit_events(s, after, CHUNK)
        yield from chunk
        if len(chunk) < CHUNK:
            return
        after = chunk[-1].id


def verify(store: Store, anchor: tuple[int, str] | None = None) -> Report:
    return verify_rows(_stream(store), anchor)


def export_head(store: Store, actor: str) -> dict[str, Any]:
    """Record the export itself in the chain, then return the new head for anchoring elsewhere."""
    with store.write() as s:
        event = repos.audit(s, actor, "audit.export_head", "audit", {})
        return {"id": event.id, "hash": event.hash, "at": event.at.isoformat()}
