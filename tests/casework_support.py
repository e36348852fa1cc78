"""Helpers for case-work tests: a case with real evidence rows, and a real webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sitewarden.act.actions.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from sitewarden.store import repos
from sitewarden.store.db import Store
from sitewarden.store.schema import Scan

SECRET = b"test-webhook-secret"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def make_case(
    store: Store, subject: str = "evil.example", *, tenant: str = "t1", score: float = 0.9, verdict: str = "block",
    kind: str = "site", title: str = "Bank login", detail: str = "credential form for a bank brand",
    kit_hash: str | None = None, ip: str | None = "192.0.2.10", manifest: str | None = None,
    contact_email: str | None = None, rendered: bool = False,
) -> int:
    """A tenant, an asset, a finished scan with a signal and verdict, and the case they open."""
    with store.write() as s:
        t = repos.upsert_tenant(s, tenant, contact_email=contact_email)
        asset, _ = repos.upsert_asset(s, t, kind, f"http://{subject}/", host=subject, registrable_domain=subject, ip=ip)
        (scan_id,) = repos.create_scans(s, [(f"http://{subject}/", asset.id)])
        scan = s.get(Scan, scan_id)
        assert scan is not None
        scan.status, scan.http_status, scan.ip, scan.kit_hash = "done", 200, ip, kit_hash
        scan.facts, scan.manifest_sha256, scan.rendered = {"title": title, "text": title}, manifest, rendered
        scan.fetch_info = {"redirects": [{"status": 302, "location": f"http://{subject}/login"}]}
        signals = [{"signal": "brand_form", "weight": 0.8, "detail": detail, "fraud_type": "phishing"}]
        repos.save_verdict(s, scan, subject=subject, verdict=verdict, score=score, fraud_type="phishing",
                           brand="bank", signals=signals)
        case, _ = repos.open_or_append_case(s, tenant=t, asset_id=asset.id, subject=subject, scan=scan,
                                            verdict=verdict, score=score, fraud_type="phishing", brand="bank")
        return case.id


@dataclass
class Receiver:
    """A control plane stand-in: records every delivery, applies each idempotency key once."""

    port: int = 0
    fail_first: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    effects: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self, event: str) -> list[dict[str, Any]]:
        return [e for e in self.effects.values() if e["event"] == event]


@contextmanager
def webhook_receiver(fail_first: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ok = verify_signature(SECRET, self.headers.get(TIMESTAMP_HEADER, ""), body,
                                  self.headers.get(SIGNATURE_HEADER, ""))
            with receiver.lock:
                receiver.requests.append({"headers": dict(self.headers), "body": body, "signature_ok": ok})
                failing = len(receiver.requests) <= receiver.fail_first
                if ok and not failing:
                    key = self.headers.get("Idempotency-Key", "")
                    receiver.effects.setdefault(key, {"event": self.headers.get("X-Sitewarden-Event"),
                                                      "payload": json.loads(body)})
            status = 401 if not ok else 500 if failing else 200
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"ok": %s}' % (b"true" if status == 200 else b"false"))

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def smtp_sink() -> Iterator[tuple[int, list[bytes]]]:
    """A minimal real SMTP server on 127.0.0.1 that keeps every message it accepts."""
    import socketserver

    messages: list[bytes] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 sink ESMTP\r\n")
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"DATA":
                    self.wfile.write(b"354 go ahead\r\n")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk
                    messages.append(data)
                    self.wfile.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], messages
    finally:
        server.shutdown()
        server.server_close()
