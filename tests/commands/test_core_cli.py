"""CLI behaviour of the spine commands, including bad input."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sitewarden.cli import app
from sitewarden.demo.farm import FarmHandle
from sitewarden.store.blobs import BlobStore

runner = CliRunner()


def test_init_is_idempotent(tmp_path: Path) -> None:
    for _ in range(2):
        result = runner.invoke(app, ["init"])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "var" / "sitewarden.db").exists() and (tmp_path / "var" / "evidence").is_dir()


def test_import_reports_bad_rows_and_exits_1(tmp_path: Path) -> None:
    inv = tmp_path / "inv.csv"
    inv.write_bytes(b"tenant,url\nt1,http://a.example/\nt1,not a url at all\n")
    result = runner.invoke(app, ["import", str(inv)])
    assert result.exit_code == 1
    assert "line 3" in result.output and "nothing imported" in result.output
    partial = runner.invoke(app, ["import", str(inv), "--partial"])
    assert partial.exit_code == 0 and json.loads(partial.stdout.strip().splitlines()[-1])["imported"] == 1


def test_import_unreadable_file_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "inv.csv"
    bad.write_bytes(b"tenant,colour\n")
    result = runner.invoke(app, ["import", str(bad)])
    assert result.exit_code == 2 and "unknown column" in result.output
    missing = runner.invoke(app, ["import", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "cannot open" in missing.output
    assert runner.invoke(app, ["import", str(bad), "--format", "xml"]).exit_code == 2


def test_scan_saved_page_needs_as_url_and_gives_a_record(tmp_path: Path) -> None:
    page = tmp_path / "saved.html"
    page.write_text("<title>Apple ID</title><form action='https://x.example/p.php'><input type=password></form>")
    assert runner.invoke(app, ["scan", "--html", str(page)]).exit_code == 2
    bad = runner.invoke(app, ["scan", "--html", str(page), "--as-url", "javascript:alert(1)"])
    assert bad.exit_code == 2
    ok = runner.invoke(app, ["scan", "--html", str(page), "--as-url", "http://appleid.verify-x.example/", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    record = json.loads(ok.stdout)
    assert record["url"] == "http://appleid.verify-x.example/" and record["reasons"] and record["evidence"]["body"]


def test_scan_urls_against_the_farm_in_input_order(demo_farm: FarmHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEWARDEN_FETCH_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("SITEWARDEN_FETCH_ALLOW_ANY_PORT", "true")
    urls = [f"http://127.0.0.1:{demo_farm.port}/", "ftp://nope.example/", f"http://127.0.0.1:{demo_farm.port}/x"]
    result = runner.invoke(app, ["scan", *urls, "--no-render", "--format", "json"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["url"].startswith("http://127.0.0.1") for r in records] == [True, False, True]
    assert records[1]["error_kind"] == "invalid_url"
    assert records[0]["http_status"] == 404 and records[0]["verdict"] is not None


def test_scan_refuses_loopback_by_default(demo_farm: FarmHandle) -> None:
    result = runner.invoke(app, ["scan", f"http://127.0.0.1:{demo_farm.port}/", "--no-render", "--format", "json"])
    record = json.loads(result.stdout)
    assert record["error_kind"] in ("blocked_address", "blocked_port") and record["verdict"] is None


def test_evidence_check_finds_tampering(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "var" / "evidence")
    digest = blobs.put(b"original evidence")
    assert runner.invoke(app, ["evidence", "check"]).exit_code == 0
    path = tmp_path / "var" / "evidence" / digest[:2] / digest[2:4] / digest
    path.chmod(0o644)
    path.write_bytes(b"edited evidence")
    result = runner.invoke(app, ["evidence", "check"])
    assert result.exit_code == 1 and f"CORRUPT {digest}" in result.output


def test_demo_refuses_a_busy_port_before_starting_anything(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setenv("SITEWARDEN_DEMO_FARM_PORT", str(busy.getsockname()[1]))
        result = runner.invoke(app, ["demo"])
    assert result.exit_code == 2 and "SITEWARDEN_DEMO_FARM_PORT" in result.output
    assert not (tmp_path / "var").exists()


def test_scan_a_hosted_site_by_its_ip(demo_farm: FarmHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITEWARDEN_FETCH_ALLOW_PRIVATE", "true")
    monkeypatch.setenv("SITEWARDEN_FETCH_ALLOW_ANY_PORT", "true")
    url = f"http://hk-gold-invest.vip:{demo_farm.port}/"
    result = runner.invoke(app, ["scan", url, "--ip", "127.0.0.1", "--no-render", "--format", "json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["http_status"] == 200 and record["verdict"] in ("review", "block")
    assert record["fraud_type"] == "investment_scam"
    assert runner.invoke(app, ["scan", url, "--ip", "not-an-ip"]).exit_code == 2


def test_jobs_list_and_retry_a_dead_letter(tmp_path: Path) -> None:
    from sitewarden.settings import load_settings
    from sitewarden.store.db import Store
    from sitewarden.store.schema import Job

    assert runner.invoke(app, ["init"]).exit_code == 0
    store = Store.from_settings(load_settings())
    with store.write() as s:
        s.add(Job(task="scan", payload={"scan_id": 7}, state="dead", attempts=5, last_error="boom"))
    listed = runner.invoke(app, ["jobs", "list", "--state", "dead"])
    assert listed.exit_code == 0 and "boom" in listed.output
    assert runner.invoke(app, ["jobs", "retry", "1"]).exit_code == 0
    assert runner.invoke(app, ["jobs", "retry", "1"]).exit_code == 1  # no longer dead
    with store.read() as s:
        assert s.get(Job, 1).state == "queued"  # type: ignore[union-attr]
    assert runner.invoke(app, ["jobs", "list", "--state", "zombie"]).exit_code == 2
