"""The durable in-process queue: retries with backoff, dead letters, leases, idempotency, drain, schedules."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import timedelta
from typing import Any

import pytest

from sitewarden.store import jobs
from sitewarden.store.schema import Job, Schedule, utcnow
from sitewarden.work.api import Context, PermanentError, task
from sitewarden.work.inprocess import Worker

CALLS: dict[str, int] = {}


@task("test.flaky")
async def flaky(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    CALLS[payload["key"]] = CALLS.get(payload["key"], 0) + 1
    if CALLS[payload["key"]] <= payload["fail_times"]:
        raise RuntimeError(f"transient failure {CALLS[payload['key']]}")
    return {"calls": CALLS[payload["key"]]}


@task("test.permanent")
async def permanent(ctx: Context, payload: dict[str, Any]) -> None:
    raise PermanentError("payload can never work")


def _job(ctx: Context, job_id: int) -> Job:
    with ctx.store.read() as s:
        job = s.get(Job, job_id)
        assert job is not None
        return job


def test_retries_with_backoff_then_succeeds(ctx: Context) -> None:
    job_id = ctx.enqueue("test.flaky", {"key": "a", "fail_times": 2})
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    job = _job(ctx, job_id)
    assert (job.state, job.attempts, job.result) == ("done", 3, {"calls": 3})
    assert "transient failure 2" in (job.last_error or "")


def test_dead_letter_after_max_attempts(ctx: Context) -> None:
    ctx.settings.job_max_attempts = 3
    job_id = ctx.enqueue("test.flaky", {"key": "b", "fail_times": 99})
    asyncio.run(Worker(ctx, 2).run(until_idle=True))
    job = _job(ctx, job_id)
    assert (job.state, job.attempts) == ("dead", 3)
    with ctx.store.write() as s:
        assert jobs.retry_dead(s, job_id)
    assert _job(ctx, job_id).state == "queued"


def test_permanent_error_and_unknown_task_go_straight_to_dead(ctx: Context) -> None:
    a = ctx.enqueue("test.permanent", {})
    b = ctx.enqueue("no.such.task", {})
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    assert (_job(ctx, a).state, _job(ctx, a).attempts) == ("dead", 1)
    assert _job(ctx, b).state == "dead" and "no.such.task" in (_job(ctx, b).last_error or "")


def test_backoff_grows_exponentially(ctx: Context) -> None:
    with ctx.store.write() as s:
        job_id = jobs.enqueue(s, "test.flaky", {}, max_attempts=5)
    delays = []
    for _ in range(3):
        with ctx.store.write() as s:
            job = jobs.claim(s, "w", 60)
            assert job is not None and job.id == job_id
            before = utcnow()
            jobs.fail(s, job_id, "w", "x", backoff_seconds=10)
            delays.append((job.run_after - before).total_seconds())
            job.run_after = utcnow()  # make it claimable again at once
    assert 8 <= delays[0] <= 12.5 and 16 <= delays[1] <= 24.5 and 32 <= delays[2] <= 48.5


def test_expired_lease_is_reclaimed_and_stale_worker_cannot_finish(ctx: Context) -> None:
    with ctx.store.write() as s:
        job_id = jobs.enqueue(s, "test.flaky", {})
    with ctx.store.write() as s:
        assert jobs.claim(s, "dead-worker", lease_seconds=60) is not None
        s.get(Job, job_id).lease_until = utcnow() - timedelta(seconds=1)  # type: ignore[union-attr]
    with ctx.store.write() as s:
        job = jobs.claim(s, "live-worker", 60)
        assert job is not None and job.id == job_id and job.attempts == 2
    with ctx.store.write() as s:
        assert not jobs.finish(s, job_id, "dead-worker", {"late": True})
        assert jobs.finish(s, job_id, "live-worker", {"ok": True})


def test_idempotency_key_enqueues_once(ctx: Context) -> None:
    assert ctx.enqueue("test.flaky", {"key": "c", "fail_times": 0}, key="same") == ctx.enqueue(
        "test.flaky", {"key": "c", "fail_times": 0}, key="same"
    )
    with ctx.store.read() as s:
        assert s.query(Job).count() == 1


def test_scheduler_enqueues_each_slot_once(ctx: Context) -> None:
    with ctx.store.write() as s:
        jobs.ensure_schedule(s, "every-hour", "test.flaky", 3600, {"key": "s", "fail_times": 0})
    with ctx.store.read() as s:
        assert jobs.due_schedules(s, utcnow()) == []  # nothing due at creation
    now = utcnow() + timedelta(hours=1)
    for _ in range(3):  # several schedulers (or ticks) in the same slot
        with ctx.store.write() as s:
            jobs.due_schedules(s, now)
    with ctx.store.read() as s:
        assert s.query(Job).filter_by(task="test.flaky").count() == 1
        sched = s.get(Schedule, "every-hour")
        assert sched is not None and sched.next_run_at > now + timedelta(minutes=59)
        assert sched.last_run_at is not None


def test_sigterm_drains_in_flight_jobs(settings, store, tmp_path) -> None:
    """A worker process told to stop finishes the job it holds and exits; queued jobs stay queued."""
    script = tmp_path / "worker.py"
    marker = tmp_path / "finished"
    script.write_text(textwrap.dedent(f"""
        import asyncio, pathlib
        from sitewarden.settings import load_settings
        from sitewarden.work.api import Context, task
        from sitewarden.work.inprocess import Worker

        @task("test.slow")
        async def slow(ctx, payload):
            pathlib.Path({str(tmp_path / 'started')!r}).touch()
            await asyncio.sleep(1.5)
            pathlib.Path({str(marker)!r}).touch()
            return {{"slept": True}}

        async def main():
            ctx = Context.from_settings(load_settings(var_dir={str(settings.var_dir)!r}, job_poll_seconds=0.05))
            w = Worker(ctx, 1)
            w.install_signal_handlers()
            await w.run()

        asyncio.run(main())
    """))
    ctx = Context.from_settings(settings, store)
    first = ctx.enqueue("test.slow", {})
    second = ctx.enqueue("test.slow", {}, delay=0.0)
    proc = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        deadline = time.time() + 20
        while not (tmp_path / "started").exists():
            assert time.time() < deadline, "worker never started the job"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
    assert marker.exists()
    states = {_job(ctx, first).state, _job(ctx, second).state}
    assert states == {"done", "queued"}


@pytest.mark.parametrize("bad", [{}, {"scan_id": "x"}, {"scan_id": None}])
def test_scan_task_rejects_bad_payload_permanently(ctx: Context, bad: dict[str, Any]) -> None:
    job_id = ctx.enqueue("scan", bad)
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    job = _job(ctx, job_id)
    assert job.state == "dead" and job.attempts == 1 and "scan_id" in (job.last_error or "")
