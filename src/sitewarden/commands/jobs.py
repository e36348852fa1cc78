"""`sitewarden jobs list|retry`: see the queue (dead letters included) and send a dead job back."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from sitewarden.commands.core import initialise, settings_or_exit
from sitewarden.store import jobs

jobs_app = typer.Typer(no_args_is_help=True, help="The job queue and its dead letters.")
STATES = ("queued", "running", "done", "dead")


@jobs_app.command("list")
def list_(
    state: str | None = typer.Option(None, help=f"One of {', '.join(STATES)}."),
    limit: int = typer.Option(50, min=1, max=10_000),
) -> None:
    """Newest jobs first, with attempts and the last error."""
    if state is not None and state not in STATES:
        raise typer.BadParameter(f"must be one of {', '.join(STATES)}", param_hint="--state")
    store = initialise(settings_or_exit())
    with store.read() as s:
        counts = jobs.counts_by_state(s)
        rows = jobs.list_jobs(s, state, limit)
    table = Table("id", "task", "state", "attempts", "payload", "last error", title=f"jobs {counts}")
    for job in rows:
        table.add_row(str(job.id), job.task, job.state, f"{job.attempts}/{job.max_attempts}", str(job.payload),
                      (job.last_error or "")[:120])
    Console().print(table)


@jobs_app.command("retry")
def retry(job_id: int = typer.Argument(..., help="Id of a dead job.")) -> None:
    """Queue a dead-lettered job again with a fresh attempt count."""
    store = initialise(settings_or_exit())
    with store.write() as s:
        if not jobs.retry_dead(s, job_id):
            typer.echo(f"job {job_id} is not a dead job", err=True)
            raise typer.Exit(1)
    typer.echo(f"job {job_id} queued again")


def register(app: typer.Typer) -> None:
    app.add_typer(jobs_app, name="jobs")
