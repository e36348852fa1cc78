"""Task protocol: named async functions over JSON payloads of ids, run by any backend.

A task receives a Context (settings, store, evidence) and its payload; it must be idempotent because
every backend delivers at least once.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sitewarden.settings import Settings
from sitewarden.store import jobs
from sitewarden.store.blobs import BlobStore
from sitewarden.store.db import Store

log = logging.getLogger(__name__)


@dataclass
class Context:
    settings: Settings
    store: Store
    blobs: BlobStore
    resources: dict[str, Any] = field(default_factory=dict)  # long-lived per-worker objects (render pool)

    @classmethod
    def from_settings(cls, settings: Settings, store: Store | None = None) -> Context:
        ctx = cls(settings, store or Store.from_settings(settings), BlobStore(settings.effective_evidence_dir))
        if settings.work_backend == "dramatiq":
            from sitewarden.work.dramatiq import DramatiqBackend

            ctx.resources["backend"] = DramatiqBackend(ctx)  # publishes each job once its row commits
        return ctx

    def enqueue(self, task: str, payload: dict[str, Any], *, key: str | None = None, delay: float = 0.0) -> int:
        with self.store.write() as s:
            return jobs.enqueue(
                s, task, payload, idempotency_key=key, delay_seconds=delay,
                max_attempts=self.settings.job_max_attempts,
            )


TaskFn = Callable[[Context, dict[str, Any]], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class TaskSpec:
    name: str
    fn: TaskFn
    timeout_seconds: float | None


class UnknownTask(KeyError):
    pass


class PermanentError(Exception):
    """A failure that retrying cannot fix (bad payload, missing row): dead-letter at once."""


def payload_id(payload: dict[str, Any], key: str) -> int:
    """The integer id a task payload must carry; a payload without one can never succeed."""
    try:
        return int(payload[key])
    except (KeyError, TypeError, ValueError):
        raise PermanentError(f"payload needs an integer {key}, got {payload!r}") from None


_REGISTRY: dict[str, TaskSpec] = {}


def task(name: str, *, timeout_seconds: float | None = None) -> Callable[[TaskFn], TaskFn]:
    def register(fn: TaskFn) -> TaskFn:
        if name in _REGISTRY and _REGISTRY[name].fn is not fn:
            raise ValueError(f"task {name!r} registered twice")
        _REGISTRY[name] = TaskSpec(name, fn, timeout_seconds)
        return fn

    return register


def get_task(name: str) -> TaskSpec:
    load_tasks()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownTask(name) from None


def task_names() -> list[str]:
    load_tasks()
    return sorted(_REGISTRY)


def load_tasks() -> None:
    """Import the modules that define tasks, so every backend sees the same registry."""
    import sitewarden.act.tasks
    import sitewarden.work.tasks  # noqa: F401


async def execute_claimed(ctx: Context, wid: str, job_id: int, name: str, payload: dict[str, Any]) -> None:
    """Run a job this worker holds the lease on and record the outcome; every backend calls this."""
    try:
        spec = get_task(name)
        timeout = min(spec.timeout_seconds or 1e9, ctx.settings.job_lease_seconds * 0.9)
        result = await asyncio.wait_for(spec.fn(ctx, payload), timeout=timeout)
    except (UnknownTask, PermanentError) as exc:
        await asyncio.to_thread(_record_failure, ctx, wid, job_id, f"{type(exc).__name__}: {exc}", True)
    except asyncio.CancelledError:
        await asyncio.shield(asyncio.to_thread(_release, ctx, wid, job_id))
        raise
    except Exception as exc:  # a task failure must never kill the worker
        log.warning("job %s (%s) failed: %s", job_id, name, exc)
        err = "".join(traceback.format_exception_only(type(exc), exc)).strip() or type(exc).__name__
        await asyncio.to_thread(_record_failure, ctx, wid, job_id, err, False)
    else:
        await asyncio.to_thread(_finish, ctx, wid, job_id, result)


def _finish(ctx: Context, wid: str, job_id: int, result: dict[str, Any] | None) -> None:
    with ctx.store.write() as s:
        jobs.finish(s, job_id, wid, result)


def _record_failure(ctx: Context, wid: str, job_id: int, error: str, permanent: bool) -> None:
    with ctx.store.write() as s:
        jobs.fail(s, job_id, wid, error, ctx.settings.job_backoff_seconds, permanent=permanent)


def _release(ctx: Context, wid: str, job_id: int) -> None:
    with ctx.store.write() as s:
        jobs.release(s, job_id, wid)
