"""Hosted-inventory import: which tenant owns which site at which IP.

Formats: CSV (header row) or JSON (an array of objects, or one object per line). Columns: `tenant`
(required), `url` or `host` (one required), optional `ip`, `tenant_name`, `contact_email`.
Rows are parsed as a stream, so a huge file never sits in memory. The whole import is one transaction:
by default any bad row rejects the file (nothing written, every bad row reported); with
`partial=True` good rows are committed and the bad ones come back in the rejected-rows report.
"""

from __future__ import annotations

import csv
import io
import ipaddress
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from sitewarden.normalise.domains import parse_host
from sitewarden.normalise.urls import InvalidInput, canonical_url
from sitewarden.store import repos

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sitewarden.work.api import Context

COLUMNS = {"tenant", "tenant_name", "url", "host", "ip", "contact_email"}
MAX_ERRORS = 1000
MAX_JSON_ARRAY_BYTES = 64 * 1024 * 1024
_TENANT_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InventoryError(ValueError):
    """The file as a whole cannot be read (format, header, encoding before any row)."""


@dataclass(frozen=True)
class SiteRow:
    line: int
    tenant: str
    tenant_name: str | None
    url: str
    host: str
    registrable_domain: str
    ip: str | None
    contact_email: str | None


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ParseReport:
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False

    def add_error(self, line: int, reason: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(line, reason))
        else:
            self.errors_truncated = True


def validate_row(line: int, raw: dict[str, Any]) -> SiteRow:
    """Turn one raw record into a SiteRow or raise ValueError saying what is wrong."""
    unknown = sorted(k for k in raw if k not in COLUMNS)
    if unknown:
        raise ValueError(f"unknown column(s) {', '.join(map(repr, unknown))}; expected {sorted(COLUMNS)}")
    values = {k: v for k, v in raw.items() if v not in (None, "")}
    for key, value in values.items():
        if not isinstance(value, str):
            raise ValueError(f"{key!r} must be a string, got {type(value).__name__}")
    tenant = (values.get("tenant") or "").strip()
    if not tenant:
        raise ValueError("missing 'tenant'")
    if not _TENANT_KEY.fullmatch(tenant):
        raise ValueError(f"invalid tenant key {tenant!r} (letters, digits and . _ : @ - ; at most 200)")
    target = (values.get("url") or values.get("host") or "").strip()
    if not target:
        raise ValueError("missing 'url' or 'host'")
    try:
        url = canonical_url(target)
        info = parse_host(url)
    except InvalidInput as exc:
        raise ValueError(f"invalid url/host {target[:200]!r}: {exc}") from None
    ip = (values.get("ip") or "").strip() or None
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip))
        except ValueError:
            raise ValueError(f"invalid ip {ip[:60]!r}") from None
    email = (values.get("contact_email") or "").strip() or None
    if email is not None and not _EMAIL.fullmatch(email):
        raise ValueError(f"invalid contact_email {email[:100]!r}")
    name = (values.get("tenant_name") or "").strip()[:300] or None
    return SiteRow(line, tenant, name, url, info.host, info.registrable_domain, ip, email)


def _decoded_lines(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise _LineDecodeError(number, f"not valid UTF-8 (byte {exc.start} of the line)") from None
        yield number, text


class _LineDecodeError(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def _csv_records(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    lines = _decoded_lines(stream)
    current = {"line": 0}

    def feed() -> Iterator[str]:
        for number, text in lines:
            current["line"] = number
            yield text

    reader = csv.reader(feed(), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InventoryError("empty file: expected a CSV header row") from None
    except (csv.Error, _LineDecodeError) as exc:
        raise InventoryError(f"line 1: unreadable header: {exc}") from None
    header = [h.strip().lower() for h in header]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise InventoryError(f"line 1: unknown column(s) {unknown}; expected some of {sorted(COLUMNS)}")
    if "tenant" not in header or not ({"url", "host"} & set(header)):
        raise InventoryError("line 1: the header needs 'tenant' and 'url' or 'host'")
    while True:
        start = current["line"] + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except _LineDecodeError as exc:
            yield exc.line, RowError(exc.line, exc.reason)
            return  # the decoder cannot resynchronise mid-file
        except csv.Error as exc:
            yield start, RowError(start, f"malformed CSV: {exc}")
            return
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            yield start, RowError(start, f"expected {len(header)} fields, found {len(cells)}")
            continue
        yield start, dict(zip(header, cells, strict=True))


def _json_records(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    first = stream.read(1)
    while first in (b" ", b"\n", b"\r", b"\t", b"\xef", b"\xbb", b"\xbf"):
        first = stream.read(1)
    if first == b"[":
        data = first + stream.read(MAX_JSON_ARRAY_BYTES)
        if stream.read(1):
            raise InventoryError(f"JSON array larger than {MAX_JSON_ARRAY_BYTES} bytes: use JSON lines")
        try:
            items = json.loads(data.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InventoryError(f"not valid UTF-8 at byte {exc.start}") from None
        except json.JSONDecodeError as exc:
            raise InventoryError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
        for index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                yield index, RowError(index, f"item {index} is not an object")
            else:
                yield index, item
        return
    rest = io.BufferedReader(_Prefixed(first, stream))  # type: ignore[arg-type]
    try:
        for number, text in _decoded_lines(rest):
            if not text.strip():
                continue
            try:
                item = json.loads(text)
            except json.JSONDecodeError as exc:
                yield number, RowError(number, f"invalid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(item, dict):
                yield number, RowError(number, "not a JSON object")
                continue
            yield number, item
    except _LineDecodeError as exc:
        yield exc.line, RowError(exc.line, exc.reason)


class _Prefixed(io.RawIOBase):
    """A byte stream with a few already-read bytes put back in front."""

    def __init__(self, prefix: bytes, stream: IO[bytes]) -> None:
        self._prefix, self._stream = prefix, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n], self._prefix = self._prefix[:n], self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def detect_format(filename: str | None, head: bytes) -> str:
    name = (filename or "").lower()
    if name.endswith((".json", ".jsonl", ".ndjson")):
        return "json"
    if name.endswith((".csv", ".tsv", ".txt")):
        return "csv"
    return "json" if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{") else "csv"


def parse(stream: IO[bytes], fmt: str, report: ParseReport) -> Iterator[SiteRow]:
    """Yield valid rows; record bad ones in `report`. Raises InventoryError for unreadable files."""
    records: Iterable[tuple[int, dict[str, Any] | RowError]]
    records = _json_records(stream) if fmt == "json" else _csv_records(stream)
    for line, record in records:
        report.rows += 1
        if isinstance(record, RowError):
            report.add_error(record.line, record.reason)
            continue
        try:
            yield validate_row(line, record)
        except ValueError as exc:
            report.add_error(line, str(exc))


@dataclass
class ImportResult:
    rows: int
    imported: int
    duplicates: int
    scans_queued: int
    committed: bool
    errors: list[RowError]
    errors_truncated: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "scans_queued": self.scans_queued,
            "committed": self.committed,
            "errors": [{"line": e.line, "reason": e.reason} for e in self.errors],
            "errors_truncated": self.errors_truncated,
        }


class _Rejected(Exception):
    """Raised inside the transaction to roll back an all-or-nothing import."""


CHUNK = 500


def import_inventory(
    ctx: Context, stream: IO[bytes], fmt: str, *, partial: bool = False, source: str = "inventory"
) -> ImportResult:
    """Parse and store in one transaction; queue one scan per newly seen site (committed before return)."""
    from sitewarden.pipeline import queue_scans

    report = ParseReport()
    counts = {"imported": 0, "duplicates": 0}

    def flush(s: Session, chunk: list[SiteRow]) -> None:
        new_sites, duplicates = repos.import_sites(s, chunk, source)
        counts["duplicates"] += duplicates
        counts["imported"] += len(new_sites)
        queue_scans(s, [(url, asset_id) for asset_id, url in new_sites], ctx.settings)
        chunk.clear()

    try:
        with ctx.store.write() as s:
            chunk: list[SiteRow] = []
            for row in parse(stream, fmt, report):
                chunk.append(row)
                if len(chunk) >= CHUNK:
                    flush(s, chunk)
            flush(s, chunk)
            if report.errors and not partial:
                raise _Rejected
    except _Rejected:
        return ImportResult(report.rows, 0, 0, 0, False, report.errors, report.errors_truncated)
    return ImportResult(
        report.rows, counts["imported"], counts["duplicates"], counts["imported"], True, report.errors,
        report.errors_truncated,
    )
