"""The distributed backend on real brokers: the same tasks, the same jobs table semantics."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sitewarden.settings import Settings
from sitewarden.store import jobs
from sitewarden.store.db import Store
from sitewarden.store.schema import Job
from sitewarden.work.api import Context
from tests.conftest import need_service
from tests.work import test_inprocess  # noqa: F401  (registers the test.flaky task)

BROKERS = {
    "rabbitmq": ("amqp://guest:guest@127.0.0.1:5672/", 5672, "RabbitMQ"),
    "redis": ("redis://127.0.0.1:6379/15", 6379, "Redis"),
}


@pytest.fixture(params=sorted(BROKERS))
def dctx(request: pytest.FixtureRequest, settings: Settings, store: Store) -> Iterator[Context]:
    url, port, name = BROKERS[request.param]
    need_service(name, "127.0.0.1", port)
    s = settings.model_copy(update={"work_backend": "dramatiq", "broker_url": url, "job_backoff_seconds": 0.2})
    ctx = Context.from_settings(s, store)
    backend = ctx.resources["backend"]
    backend.broker.flush_all()
    yield ctx
    backend.close()
    backend.broker.close()


def _wait_done(ctx: Context, ids: list[int], timeout: float = 30) -> dict[int, Job]:
    deadline = time.time() + timeout
    while True:
        with ctx.store.read() as s:
            rows = {i: s.get(Job, i) for i in ids}
        if all(r is not None and r.state in ("done", "dead") for r in rows.values()):
            return rows  # type: ignore[return-value]
        assert time.time() < deadline, {i: r.state for i, r in rows.items() if r}
        time.sleep(0.1)


@pytest.mark.distributed
def test_jobs_run_on_dramatiq_workers_with_db_retries(dctx: Context) -> None:
    backend = dctx.resources["backend"]
    worker = backend.worker(2)
    worker.start()
    try:
        ids = [dctx.enqueue("test.flaky", {"key": f"d{i}-{id(dctx)}", "fail_times": 1}) for i in range(5)]
        rows = _wait_done(dctx, ids)
    finally:
        worker.stop()
    assert {r.state for r in rows.values()} == {"done"}
    assert {r.attempts for r in rows.values()} == {2}  # failed once, retried from the jobs table


@pytest.mark.distributed
def test_lost_message_is_resent_by_the_sweeper_and_duplicates_do_nothing(dctx: Context) -> None:
    backend = dctx.resources["backend"]
    with dctx.store.write() as s:
        job_id = jobs.enqueue(s, "test.flaky", {"key": f"lost-{id(dctx)}", "fail_times": 0})
        s.info.pop("enqueued_jobs")  # simulate a crash between commit and publish
    worker = backend.worker(2)
    worker.start()
    try:
        time.sleep(0.5)
        with dctx.store.read() as s:
            assert s.get(Job, job_id).state == "queued"  # type: ignore[union-attr]
        assert backend.sweep(older_than_seconds=0) == 1
        backend.actor.send(job_id)  # a duplicate message as well
        rows = _wait_done(dctx, [job_id])
        time.sleep(0.5)
    finally:
        worker.stop()
    assert rows[job_id].state == "done" and rows[job_id].attempts == 1
