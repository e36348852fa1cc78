"""TLS for the crawler: a verifying client context and a plain-dict summary of the peer certificate."""

from __future__ import annotations

import hashlib
import ssl
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any


def client_context(settings: Any) -> ssl.SSLContext:
    """System trust store plus the optional operator bundle; verification is never switched off."""
    ca_file = getattr(settings, "fetch_ca_file", None)
    return _context(str(ca_file) if ca_file else None)


@lru_cache(maxsize=8)
def _context(ca_file: str | None) -> ssl.SSLContext:
    # Loading the system store costs tens of milliseconds of blocked event loop: do it once.
    ctx = ssl.create_default_context()
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    return ctx


def certificate_info(peercert: dict[str, Any] | None, der: bytes | None = None) -> dict[str, Any] | None:
    """Issuer, subject, SANs and validity of a verified peer certificate (`SSLObject.getpeercert()`), and
    the SHA-256 of its DER form, which links sites that share one certificate."""
    if not peercert:
        return None
    return {
        "sha256": hashlib.sha256(der).hexdigest() if der else None,
        "subject": _name(peercert.get("subject", ())),
        "issuer": _name(peercert.get("issuer", ())),
        "sans": [f"{kind}:{value}" for kind, value in peercert.get("subjectAltName", ())],
        "serial": peercert.get("serialNumber"),
        "not_before": _when(peercert.get("notBefore")),
        "not_after": _when(peercert.get("notAfter")),
    }


def _name(rdns: Any) -> dict[str, str]:
    return {key: value for rdn in rdns for key, value in rdn}


def _when(text: str | None) -> str | None:
    if not text:
        return None
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(text), UTC).isoformat()
