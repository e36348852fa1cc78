"""The embedded backend: asyncio workers claiming leased jobs from the database, plus the scheduler."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from typing import Any

from sitewarden.store import jobs
from sitewarden.store.schema import utcnow
from sitewarden.work.api import Context, execute_claimed


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
        await execute_claimed(self.ctx, wid, job_id, name, payload)
        self.processed += 1

    async def _schedule_loop(self) -> None:
        while not self._stopping.is_set():
            await asyncio.to_thread(self._enqueue_due)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=5.0)

    def _enqueue_due(self) -> None:
        with self.ctx.store.write() as s:
            jobs.due_schedules(s, utcnow())
