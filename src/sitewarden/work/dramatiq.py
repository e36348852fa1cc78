"""The distributed backend: Dramatiq workers on RabbitMQ (or Redis) run the same named tasks.

The jobs table stays the source of truth: a message carries only a job id, sent after the enqueuing
transaction commits; the worker claims that job with a lease and records the outcome exactly as the
in-process backend does. A lost or never-sent message is re-sent by the sweeper, and a duplicate finds
the job already claimed or done and does nothing, so delivery is at-least-once with idempotent effect.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from sqlalchemy import event
from sqlalchemy.orm import Session

from sitewarden.settings import Settings
from sitewarden.store import jobs
from sitewarden.store.schema import utcnow
from sitewarden.work.api import Context, execute_claimed

ACTOR = "sitewarden_job"
QUEUE = "sitewarden"


def make_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    if url.startswith("redis://"):
        return RedisBroker(url=url)
    if url.startswith(("amqp://", "amqps://")):
        return RabbitmqBroker(url=url)
    raise ValueError(f"broker_url must be amqp:// or redis://, got {url!r}")


class DramatiqBackend:
    """Publishes committed jobs to the broker and runs them in Dramatiq worker threads."""

    def __init__(self, ctx: Context, broker: dramatiq.Broker | None = None) -> None:
        self.ctx = ctx
        self.broker = broker or make_broker(ctx.settings)
        self.actor = dramatiq.Actor(
            self._run, broker=self.broker, actor_name=ACTOR, queue_name=QUEUE, priority=0,
            options={"max_retries": 0},  # retries live in the jobs table, with its backoff
        )
        self._local = threading.local()
        event.listen(ctx.store.writer_sessions, "after_commit", self._publish_committed)

    def _publish_committed(self, session: Session) -> None:
        for job_id in session.info.pop("enqueued_jobs", []):
            self.actor.send(job_id)

    def _run(self, job_id: int) -> None:
        """One message: claim the job by id (or do nothing if it is not runnable) and run it."""
        state = self._local.__dict__
        if "loop" not in state:
            state["loop"] = asyncio.new_event_loop()
            state["ctx"] = Context(self.ctx.settings, self.ctx.store, self.ctx.blobs)
            state["wid"] = f"dramatiq:{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        ctx: Context = state["ctx"]
        with ctx.store.write() as s:
            job = jobs.claim(s, state["wid"], ctx.settings.job_lease_seconds, job_id=job_id)
            claimed = None if job is None else (job.id, job.task, dict(job.payload))
        if claimed is None:
            return
        state["loop"].run_until_complete(execute_claimed(ctx, state["wid"], *claimed))
        with ctx.store.read() as s:
            delay = jobs.retry_delay(s, job_id)
        if delay is not None:  # failed and scheduled to retry: wake a worker when it is due
            self.actor.send_with_options(args=(job_id,), delay=int(delay * 1000))

    def sweep(self, older_than_seconds: float = 30.0) -> int:
        """Re-send jobs that are due but unclaimed for a while, and enqueue due periodic jobs."""
        with self.ctx.store.write() as s:
            jobs.due_schedules(s, utcnow())
        with self.ctx.store.read() as s:
            lost = jobs.overdue(s, older_than_seconds)
        for job_id, _ in lost:
            self.actor.send(job_id)
        return len(lost)

    def worker(self, threads: int | None = None) -> dramatiq.Worker:
        return dramatiq.Worker(self.broker, queues={QUEUE}, worker_threads=threads or self.ctx.settings.workers)

    def close(self) -> None:
        event.remove(self.ctx.store.writer_sessions, "after_commit", self._publish_committed)
