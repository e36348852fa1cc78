"""The embedded backend: asyncio workers claiming leased jobs from the database, plus the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import traceback
import uuid
from typing import Any

from sitewarden.store import jobs
from sitewarden.store.schema import utcnow
from sitewarden.work.api import Context, PermanentError, UnknownTask, get_task

log = logging.getLogger(__name__)


class Worker:
    """N concurrent job loops over the jobs table; `stop()` drains: in-flight jobs finish, no new claims."""

    def __init__(self, ctx: Context, concurrency: int | None = None, tasks: list[str] | None = None) -> None:
        self.ctx = ctx
        self.concurrency = concurrency or ctx.settings.workers
        self.tasks = tasks
        self.id = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stopping = asyncio.Event()
        self.processed = 0

    def stop(self) -> None:
        self._stopping.set()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)

    async def run(self, *, until_idle: bool = False, scheduler: bool = True) -> None:
        loops = [asyncio.create_task(self._loop(i, until_idle)) for i in range(self.concurrency)]
        sched = asyncio.create_task(self._schedule_loop()) if scheduler and not until_idle else None
        try:
            await asyncio.gather(*loops)
        finally:
            if sched:
                sched.cancel()
                await asyncio.gather(sched, return_exceptions=True)

    async def _loop(self, slot: int, until_idle: bool) -> None:
        wid = f"{self.id}/{slot}"
        poll = self.ctx.settings.job_poll_seconds
        while not self._stopping.is_set():
            claimed = await asyncio.to_thread(self._claim, wid)
            if claimed is None:
                if until_idle and await asyncio.to_thread(self._idle):
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=poll)
                continue
            await self._execute(wid, *claimed)

    def _claim(self, wid: str) -> tuple[int, str, dict[str, Any]] | None:
        with self.ctx.store.write() as s:
            job = jobs.claim(s, wid, self.ctx.settings.job_lease_seconds, self.tasks)
            return None if job is None else (job.id, job.task, dict(job.payload))

    def _idle(self) -> bool:
        with self.ctx.store.read() as s:
            return jobs.pending_count(s) == 0

    async def _execute(self, wid: str, job_id: int, name: str, payload: dict[str, Any]) -> None:
        try:
            spec = get_task(name)
            timeout = min(spec.timeout_seconds or 1e9, self.ctx.settings.job_lease_seconds * 0.9)
            result = await asyncio.wait_for(spec.fn(self.ctx, payload), timeout=timeout)
        except (UnknownTask, PermanentError) as exc:
            await asyncio.to_thread(self._dead, wid, job_id, f"{type(exc).__name__}: {exc}")
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(self._release, wid, job_id))
            raise
        except Exception as exc:  # a task failure must never kill the worker
            log.warning("job %s (%s) failed: %s", job_id, name, exc)
            err = "".join(traceback.format_exception_only(type(exc), exc)).strip() or type(exc).__name__
            await asyncio.to_thread(self._fail, wid, job_id, err)
        else:
            await asyncio.to_thread(self._finish, wid, job_id, result)
        self.processed += 1

    def _finish(self, wid: str, job_id: int, result: dict[str, Any] | None) -> None:
        with self.ctx.store.write() as s:
            jobs.finish(s, job_id, wid, result)

    def _fail(self, wid: str, job_id: int, error: str) -> None:
        with self.ctx.store.write() as s:
            jobs.fail(s, job_id, wid, error, self.ctx.settings.job_backoff_seconds)

    def _dead(self, wid: str, job_id: int, error: str) -> None:
        with self.ctx.store.write() as s:
            jobs.fail(s, job_id, wid, error, self.ctx.settings.job_backoff_seconds, permanent=True)

    def _release(self, wid: str, job_id: int) -> None:
        with self.ctx.store.write() as s:
            jobs.release(s, job_id, wid)

    async def _schedule_loop(self) -> None:
        while not self._stopping.is_set():
            await asyncio.to_thread(self._enqueue_due)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=5.0)

    def _enqueue_due(self) -> None:
        with self.ctx.store.write() as s:
            jobs.due_schedules(s, utcnow())
