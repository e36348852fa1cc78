"""Inventory import: formats, streaming, and every kind of bad input, all-or-nothing or partial."""

from __future__ import annotations

import io
import json

import pytest

from sitewarden.sources.inventory import InventoryError, detect_format, import_inventory
from sitewarden.store.schema import Asset, Job, Observation, Scan, Tenant
from sitewarden.work.api import Context

GOOD_CSV = b"tenant,url,ip,tenant_name\nt1,http://shop.example.com/,192.0.2.10,Shop Ltd\nt1,blog.example.org,,\nt2,https://xn--fiqs8s.example/,2001:db8::1,\n"


def _count(ctx: Context, model) -> int:  # type: ignore[no-untyped-def]
    with ctx.store.read() as s:
        return s.query(model).count()


def test_csv_import_creates_tenants_sites_and_one_scan_each(ctx: Context) -> None:
    result = import_inventory(ctx, io.BytesIO(GOOD_CSV), "csv")
    assert result.committed and (result.rows, result.imported, result.scans_queued) == (3, 3, 3)
    assert _count(ctx, Tenant) == 2 and _count(ctx, Asset) == 3 and _count(ctx, Scan) == 3
    with ctx.store.read() as s:
        assert {j.task for j in s.query(Job)} == {"scan"}
        blog = s.query(Asset).filter_by(host="blog.example.org").one()
        assert blog.value == "http://blog.example.org/" and blog.ip is None
        assert s.query(Asset).filter_by(ip="2001:db8::1").one().host == "xn--fiqs8s.example"


def test_reimport_is_idempotent(ctx: Context) -> None:
    import_inventory(ctx, io.BytesIO(GOOD_CSV), "csv")
    again = import_inventory(ctx, io.BytesIO(GOOD_CSV), "csv")
    assert (again.imported, again.duplicates, again.scans_queued) == (0, 3, 0)
    assert _count(ctx, Scan) == 3 and _count(ctx, Observation) == 3


def test_json_array_and_json_lines(ctx: Context) -> None:
    rows = [{"tenant": "t9", "host": "a.example.net", "ip": "198.51.100.7"}, {"tenant": "t9", "url": "b.example.net"}]
    assert import_inventory(ctx, io.BytesIO(json.dumps(rows).encode()), "json").imported == 2
    lines = "\n".join(json.dumps({**r, "tenant": "t10"}) for r in rows).encode()
    assert import_inventory(ctx, io.BytesIO(lines), "json").imported == 2


BAD_ROWS = [
    (b"tenant,url\nt1,http://ok.example/\n,http://x.example/\n", 3, "missing 'tenant'"),
    (b"tenant,url\nt1,http://ok.example/\nt1,javascript:alert(1)\n", 3, "invalid url"),
    (b"tenant,url,ip\nt1,http://ok.example/,\nt1,http://y.example/,999.1.1.1\n", 3, "invalid ip"),
    (b"tenant,url\nt1,http://ok.example/\nt1,http://a.example/,extra\n", 3, "expected 2 fields, found 3"),
    (b"tenant,url\nt1,http://ok.example/\nt1,http://caf\xe9.example/\n", 3, "not valid UTF-8"),
    (b"tenant,url\nt1,http://ok.example/\nbad tenant!,http://z.example/\n", 3, "invalid tenant key"),
    (b"tenant,url\nt1,http://ok.example/\nt1,http://\x00.example/\n", 3, "invalid url"),
]


@pytest.mark.parametrize(("data", "line", "reason"), BAD_ROWS)
def test_bad_row_rejects_whole_file_by_default(ctx: Context, data: bytes, line: int, reason: str) -> None:
    result = import_inventory(ctx, io.BytesIO(data), "csv")
    assert not result.committed and result.imported == 0
    assert [(e.line, reason in e.reason) for e in result.errors] == [(line, True)], result.errors
    assert _count(ctx, Asset) == 0 and _count(ctx, Job) == 0 and _count(ctx, Tenant) == 0


@pytest.mark.parametrize(("data", "line", "reason"), BAD_ROWS)
def test_partial_mode_keeps_good_rows_and_reports_bad(ctx: Context, data: bytes, line: int, reason: str) -> None:
    result = import_inventory(ctx, io.BytesIO(data), "csv", partial=True)
    assert result.committed and result.imported == 1 and result.errors[0].line == line
    assert _count(ctx, Asset) == 1 and _count(ctx, Scan) == 1


def test_json_row_errors_name_the_line(ctx: Context) -> None:
    data = b'{"tenant":"t","url":"http://a.example/"}\n{not json}\n["list"]\n{"tenant":"t","url":"x","colour":"red"}\n{"tenant":5,"url":"http://b.example/"}\n'
    result = import_inventory(ctx, io.BytesIO(data), "json")
    assert not result.committed
    got = {e.line: e.reason for e in result.errors}
    assert set(got) == {2, 3, 4, 5}
    assert "invalid JSON" in got[2] and "not a JSON object" in got[3] and "'colour'" in got[4] and "string" in got[5]


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"", "csv", "empty file"),
        (b"tenant,url,colour\n", "csv", "unknown column"),
        (b"ip,host\n", "csv", "needs 'tenant'"),
        (b"[{\"tenant\": ", "json", "invalid JSON"),
        (b"[1, 2", "json", "invalid JSON"),
    ],
)
def test_unreadable_files_raise_a_clear_error(ctx: Context, data: bytes, fmt: str, message: str) -> None:
    with pytest.raises(InventoryError, match=message):
        import_inventory(ctx, io.BytesIO(data), fmt)
    assert _count(ctx, Tenant) == 0


def test_large_file_is_streamed(ctx: Context) -> None:
    """2k rows go through the streaming parser in one transaction (no row kept in memory twice)."""
    def rows():  # type: ignore[no-untyped-def]
        yield b"tenant,host\n"
        for i in range(2_000):
            yield f"t{i % 50},site{i}.example.com\n".encode()

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.it, self.buf = rows(), b""

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:  # type: ignore[no-untyped-def]
            while len(self.buf) < len(b):
                try:
                    self.buf += next(self.it)
                except StopIteration:
                    break
            n = min(len(b), len(self.buf))
            b[:n], self.buf = self.buf[:n], self.buf[n:]
            return n

    result = import_inventory(ctx, io.BufferedReader(Stream()), "csv")
    assert result.committed and result.imported == 2_000
    assert _count(ctx, Scan) == 2_000


def test_format_detection() -> None:
    assert detect_format("x.jsonl", b"") == "json"
    assert detect_format("x.csv", b"[") == "csv"
    assert detect_format(None, b"\xef\xbb\xbf  [{") == "json"
    assert detect_format(None, b"tenant,url") == "csv"


@pytest.mark.postgres
def test_import_on_postgres(pg_store, settings) -> None:  # type: ignore[no-untyped-def]
    from sitewarden.store import migrate

    migrate.upgrade(pg_store)
    ctx = Context.from_settings(settings, pg_store)
    first = import_inventory(ctx, io.BytesIO(GOOD_CSV), "csv")
    again = import_inventory(ctx, io.BytesIO(GOOD_CSV), "csv")
    assert (first.imported, again.duplicates) == (3, 3)
    bad = import_inventory(ctx, io.BytesIO(BAD_ROWS[0][0]), "csv")
    assert not bad.committed and _count(ctx, Asset) == 3 and _count(ctx, Scan) == 3
