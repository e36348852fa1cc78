"""Job-queue SQL: enqueue, claim with a lease, finish, retry with backoff, dead-letter, schedules."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sitewarden.store.schema import Job, Schedule, utcnow


def enqueue(
    s: Session,
    task: str,
    payload: dict[str, Any],
    *,
    idempotency_key: str | None = None,
    delay_seconds: float = 0.0,
    max_attempts: int = 5,
) -> int:
    """Insert a job; with an idempotency key already used, returns the existing job's id instead."""
    values = {
        "task": task, "payload": payload, "idempotency_key": idempotency_key, "max_attempts": max_attempts,
        "run_after": utcnow() + timedelta(seconds=delay_seconds), "state": "queued", "attempts": 0,
        "created_at": utcnow(),
    }
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    # One statement that loses a concurrent race gracefully (both backends support ON CONFLICT).
    stmt = insert(Job).values(**values).on_conflict_do_nothing().returning(Job.id)
    job_id = s.scalar(stmt)
    if job_id is None:
        job_id = s.scalar(select(Job.id).where(Job.idempotency_key == idempotency_key))
        assert job_id is not None
        return job_id
    s.info.setdefault("enqueued_jobs", []).append(job_id)
    return job_id


def enqueue_many(
    s: Session, task: str, items: list[tuple[dict[str, Any], str]], *, max_attempts: int = 5
) -> list[int]:
    """Insert many jobs with fresh idempotency keys (e.g. one per new scan) in one statement."""
    if not items:
        return []
    now = utcnow()
    rows = [
        {"task": task, "payload": payload, "idempotency_key": key, "max_attempts": max_attempts,
         "run_after": now, "state": "queued", "attempts": 0, "created_at": now}
        for payload, key in items
    ]
    ids = list(s.scalars(insert(Job).returning(Job.id, sort_by_parameter_order=True), rows))
    s.info.setdefault("enqueued_jobs", []).extend(ids)
    return ids


def _runnable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(
        (Job.state == "queued") & (Job.run_after <= now),
        (Job.state == "running") & (Job.lease_until < now),
    )


def claim(
    s: Session, worker_id: str, lease_seconds: float, tasks: list[str] | None = None, *, job_id: int | None = None
) -> Job | None:
    """Take a runnable job (queued and due, or running with an expired lease): the oldest, or `job_id`."""
    now = utcnow()
    q = select(Job).where(_runnable(now)).order_by(Job.run_after, Job.id).limit(1)
    if job_id is not None:
        q = q.where(Job.id == job_id)
    if tasks is not None:
        q = q.where(Job.task.in_(tasks))
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    job = s.scalar(q)
    if job is None:
        return None
    job.state = "running"
    job.attempts += 1
    job.lease_until = now + timedelta(seconds=lease_seconds)
    job.locked_by = worker_id
    return job


def overdue(s: Session, older_than_seconds: float, limit: int = 1000) -> list[tuple[int, str]]:
    """Runnable jobs due for a while: a broker message for them was lost or never sent."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    q = select(Job.id, Job.task).where(_runnable(cutoff)).order_by(Job.run_after).limit(limit)
    return [(i, t) for i, t in s.execute(q).all()]


def finish(s: Session, job_id: int, worker_id: str, result: dict[str, Any] | None) -> bool:
    """Mark done, unless the lease was lost to another worker meanwhile."""
    rows = s.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker_id, Job.state == "running")
        .values(state="done", result=result, finished_at=utcnow(), lease_until=None)
    ).rowcount
    return bool(rows)


def fail(
    s: Session, job_id: int, worker_id: str, error: str, backoff_seconds: float, *, permanent: bool = False
) -> str | None:
    """Schedule a retry with exponential backoff and jitter, or dead-letter the job. Returns new state."""
    job = s.get(Job, job_id)
    if job is None or job.locked_by != worker_id or job.state != "running":
        return None
    job.last_error = error[:4000]
    job.lease_until = None
    if permanent or job.attempts >= job.max_attempts:
        job.state = "dead"
        job.finished_at = utcnow()
    else:
        delay = backoff_seconds * (2 ** (job.attempts - 1)) * random.uniform(0.8, 1.2)
        job.state = "queued"
        job.run_after = utcnow() + timedelta(seconds=delay)
    return job.state


def release(s: Session, job_id: int, worker_id: str) -> None:
    """Give a claimed job back untouched (graceful drain), without counting the attempt."""
    s.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker_id, Job.state == "running")
        .values(state="queued", lease_until=None, locked_by=None, attempts=Job.attempts - 1)
    )


def retry_delay(s: Session, job_id: int) -> float | None:
    """Seconds until a queued (retrying) job is due; None when it is not waiting to run."""
    job = s.get(Job, job_id)
    if job is None or job.state != "queued":
        return None
    return max(0.0, (job.run_after - utcnow()).total_seconds())


def retry_dead(s: Session, job_id: int) -> bool:
    job = s.get(Job, job_id)
    if job is None or job.state != "dead":
        return False
    job.state, job.attempts, job.run_after, job.finished_at = "queued", 0, utcnow(), None
    return True


def pending_count(s: Session) -> int:
    return s.scalar(select(func.count()).select_from(Job).where(Job.state.in_(("queued", "running")))) or 0


def counts_by_state(s: Session) -> dict[str, int]:
    return dict(s.execute(select(Job.state, func.count()).group_by(Job.state)).all())  # type: ignore[arg-type]


def list_jobs(s: Session, state: str | None = None, limit: int = 100) -> list[Job]:
    q = select(Job).order_by(Job.id.desc()).limit(limit)
    if state:
        q = q.where(Job.state == state)
    return list(s.scalars(q))


def ensure_schedule(s: Session, name: str, task: str, interval_seconds: float, payload: dict[str, Any]) -> None:
    sched = s.get(Schedule, name)
    if sched is None:  # first run one interval from now: start-up already does the initial work
        s.add(Schedule(name=name, task=task, interval_seconds=interval_seconds, payload=payload,
                       next_run_at=utcnow() + timedelta(seconds=interval_seconds)))
    else:
        sched.task, sched.interval_seconds, sched.payload = task, interval_seconds, payload


def due_schedules(s: Session, now: datetime) -> list[Schedule]:
    """Enqueue each due periodic job once per slot (the slot time is its idempotency key)."""
    due = list(s.scalars(select(Schedule).where(Schedule.next_run_at <= now)))
    for sched in due:
        slot = sched.next_run_at
        enqueue(s, sched.task, sched.payload, idempotency_key=f"schedule:{sched.name}:{slot.isoformat()}")
        sched.last_run_at = now
        sched.next_run_at = max(slot + timedelta(seconds=sched.interval_seconds), now)
    return due
