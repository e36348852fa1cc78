"""`sitewarden score-domains` (batch screening of names) and `sitewarden model train-domains`.

Input is one hostname, domain or URL per line, or CSV/TSV whose header has a `host` or `domain` column.
Output is one record per input line, in input order: JSONL (the default when stdout is not a terminal),
CSV (cells safe from formula injection) or a rich table.
"""

from __future__ import annotations

import csv
import gc
import io
import json
import sys
from collections.abc import Iterable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sitewarden.commands.core import settings_or_exit
from sitewarden.commands.model import model_app
from sitewarden.score.domains.engine import DomainRecord, score_hosts
from sitewarden.settings import Settings

err = Console(stderr=True)
PROGRESS_MIN_BYTES = 1_000_000
HOST_COLUMNS = ("host", "domain")
WARM_UP = "paypa1-login.example.com"  # builds the model and every look-alike index before a batch
CSV_FIELDS = ("input", "host", "registrable_domain", "score", "verdict", "brand", "reasons", "error")


class Format(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    TABLE = "table"


def read_names(stream: IO[str]) -> tuple[Iterator[str], int]:
    """(names, line number of the first name) from plain lines or a CSV/TSV with a host column."""
    first = stream.readline()
    header = first.rstrip("\r\n")
    delimiter = "\t" if "\t" in header else ","
    columns = [c.strip().lower() for c in next(csv.reader([header], delimiter=delimiter))] if header else []
    column = next((c for c in HOST_COLUMNS if c in columns), None)
    if column is None:
        return (line.rstrip("\r\n") for line in _chain(first, stream)), 1
    index = columns.index(column)
    rows = csv.reader(stream, delimiter=delimiter)
    return (row[index] if len(row) > index else "" for row in rows), 2


def _chain(first: str, stream: IO[str]) -> Iterator[str]:
    if first:
        yield first
    yield from stream


def _csv_cell(value: Any) -> str:
    """Spreadsheets execute cells starting with = + - @ (and tab/CR); quote them with a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_records(records: Iterable[DomainRecord], out: IO[str], fmt: Format) -> int:
    """Write records in the chosen format; returns how many were written."""
    count = 0
    if fmt is Format.JSONL:
        # orjson is several times faster than json; the standard encoder covers what it refuses (lone
        # surrogates from a caller's str, integers beyond 64 bits).
        dumps, newline = orjson.dumps, orjson.OPT_APPEND_NEWLINE
        fallback = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
        write = out.write
        for rec in records:
            d = rec.to_dict()
            try:
                write(dumps(d, option=newline).decode())
            except orjson.JSONEncodeError:
                write(fallback(d) + "\n")
            count += 1
    elif fmt is Format.CSV:
        writer = csv.writer(out)
        writer.writerow(CSV_FIELDS)
        for rec in records:
            d = rec.to_dict()
            d["reasons"] = json.dumps(d["reasons"], ensure_ascii=False)
            writer.writerow([_csv_cell(d.get(k)) for k in CSV_FIELDS])
            count += 1
    else:
        table = Table("line", "input", "verdict", "score", "brand", "why")
        for count, rec in enumerate(records, start=1):
            why = rec.error or "; ".join(r["detail"] for r in rec.reasons[:2])
            score = "" if rec.score is None else f"{rec.score:.3f}"
            table.add_row(str(count), rec.input, rec.verdict or "error", score, rec.brand or "", why)
        Console(file=out, width=200).print(table)
    return count


def screen_stream(
    stream: IO[str], out: IO[str], fmt: Format, settings: Settings, progress: bool = False, total: int | None = None
) -> int:
    """The whole CLI path, lines in to records out (the benchmark measures this function). With `progress`,
    a transient bar on stderr counts lines (against `total`, an estimate, when known)."""
    names, start = read_names(stream)
    next(score_hosts([WARM_UP], settings))
    # The model and brand indexes are ~200k long-lived objects that every full collection would rescan
    # (a quarter of a batch's time); freeze them for the batch (objects made later are still collected).
    gc.freeze()
    try:
        return _screen(names, start, out, fmt, settings, progress, total)
    finally:
        gc.unfreeze()


def _screen(
    names: Iterator[str], start: int, out: IO[str], fmt: Format, settings: Settings, progress: bool, total: int | None
) -> int:
    if not progress:
        return write_records(score_hosts(names, settings, start=start), out, fmt)
    with Progress(
        TextColumn("scoring"), BarColumn(), TextColumn("{task.completed:,} lines"), TimeElapsedColumn(),
        console=err, transient=True,
    ) as bar:
        task = bar.add_task("score", total=total)

        def counted() -> Iterator[str]:
            for i, name in enumerate(names, start=1):
                if i % 1000 == 0:
                    bar.update(task, completed=i)
                yield name

        return write_records(score_hosts(counted(), settings, start=start), out, fmt)


def _estimate_lines(path: Path) -> int:
    with path.open("rb") as fh:
        sample = fh.read(65536)
    return max(1, int(path.stat().st_size / max(len(sample), 1) * max(sample.count(b"\n"), 1)))


def score_domains(
    source: str = typer.Argument("-", metavar="[FILE|-]", help="Input file; '-' or nothing reads stdin."),
    fmt: Format | None = typer.Option(
        None, "--format", "-f", help="Output format; default jsonl when stdout is not a terminal, else table."
    ),
) -> None:
    """Screen hostnames, domains or URLs (one per line, or CSV/TSV with a host/domain column)."""
    settings = settings_or_exit()
    fmt = fmt or (Format.TABLE if sys.stdout.isatty() else Format.JSONL)
    out = sys.stdout
    try:
        if source == "-":
            stdin = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="")
            screen_stream(stdin, out, fmt, settings, progress=err.is_terminal)
            return
        path = Path(source)
        with path.open(encoding="utf-8", errors="replace", newline="") as fh:
            long_input = err.is_terminal and path.stat().st_size >= PROGRESS_MIN_BYTES
            screen_stream(fh, out, fmt, settings, long_input, _estimate_lines(path) if long_input else None)
    except OSError as exc:
        err.print(f"[red]cannot read {source}: {exc.strerror or exc}[/red]")
        raise typer.Exit(2) from None


@model_app.command("train-domains")
def train_domains(
    data: Path = typer.Option(Path("../shared/data/domains"), "--data", help="Folder with fraud_hosts.tsv.gz "
                              "and benign_hosts.tsv.gz."),
    out: Path = typer.Option(Path("src/sitewarden/data"), "--out", help="Where domain_model.txt/.json go."),
) -> None:
    """Train the lexical domain model (time split, calibration, thresholds) and record data and metrics."""
    from sitewarden.score.domains.train import DataError, train

    try:
        train(data, out, log=err.print)
    except DataError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    err.print(f"wrote {out / 'domain_model.txt'} and {out / 'domain_model.json'}")


def register(app: typer.Typer) -> None:
    app.command("score-domains")(score_domains)
