"""Refang and canonicalise URLs and hosts, so that every later stage sees one spelling of each observable.

Feeds and analysts write `hxxp://evil[.]top`, bare hosts, Unicode hosts and junk; everything funnels through
`canonical_url` / `host_of`, which either return a canonical ASCII form or raise `InvalidInput` naming the
problem (never another exception).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import quote, urlsplit

import idna


class InvalidInput(ValueError):
    """Input that cannot be a URL or host; the message says what is wrong and where."""


_REFANG = [
    (re.compile(r"\bh(?:xx|\*\*)p(s?)(?=\[?:|://)", re.IGNORECASE), r"http\1"),
    (re.compile(r"\[:\]//|\[://\]"), "://"),
    (re.compile(r"\[:\]"), ":"),
    (re.compile(r"\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}", re.IGNORECASE), "."),
    (re.compile(r"\[/\]"), "/"),
]
_IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
# A scheme is present unless what follows the first colon is a port ("example.com:8080/x").
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(?!\d+(?:[/?#]|$))")
_ASCII_HOST = re.compile(r"^(?:[a-z0-9_-]{1,63}\.)*[a-z0-9_-]{1,63}$")
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def refang(text: str) -> str:
    """Undo the usual defanging (`hxxp`, `[.]`, `(dot)`, `[:]`) that threat feeds apply to indicators."""
    for pattern, repl in _REFANG:
        text = pattern.sub(repl, text)
    return text


def _reject_controls(text: str) -> None:
    for i, ch in enumerate(text):
        if unicodedata.category(ch) in ("Cc", "Cs"):
            raise InvalidInput(f"URL: control character {ch!r} at position {i}")


def _ascii_host(host: str) -> str:
    """Lower-case ASCII (punycode) form of a host name or IP literal; IDNA (UTS 46) for Unicode hosts."""
    host = (host if host.isascii() else host.translate(_IDEOGRAPHIC_DOTS)).rstrip(".")
    if not host:
        raise InvalidInput("empty host")
    if host.startswith("[") and host.endswith("]"):
        try:
            return f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
        except ValueError:
            raise InvalidInput(f"invalid IPv6 literal {host!r}") from None
    if host.isascii():
        host = host.lower()
    else:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError) as exc:
            raise InvalidInput(f"host {host!r} is not a valid internationalised domain name: {exc}") from None
    if len(host) > 253:
        raise InvalidInput(f"host is {len(host)} characters long; at most 253 are allowed")
    if not _ASCII_HOST.match(host):
        bad = next((x for x in host.split(".") if not _ASCII_HOST.match(x)), host)
        raise InvalidInput(f"host {host!r}: invalid label {bad!r} (1-63 letters, digits, '-' or '_')")
    if "xn--" in host:
        for label in host.split("."):
            if label.startswith("xn--"):
                unicode_label(label)
    return host


def unicode_label(label: str) -> str:
    """Decode one punycode label, raising InvalidInput for a broken `xn--` label."""
    try:
        return idna.decode(label)
    except (idna.IDNAError, UnicodeError, ValueError) as exc:
        raise InvalidInput(f"label {label!r} is not valid punycode: {exc}") from None


def _split(text: str) -> tuple[str, str, str, str, str]:
    """(scheme, host, port, path, query) of a refanged URL, host or domain; port is '' when default."""
    text = refang(text.strip())
    if not text:
        raise InvalidInput("empty input: expected a URL, host or domain")
    _reject_controls(text)
    match = _SCHEME.match(text)
    if match:
        scheme = match.group(1).lower()
        if scheme not in _DEFAULT_PORTS:
            raise InvalidInput(f"unsupported scheme {scheme!r}: only http and https are screened")
        if not text[match.end() :].startswith("//"):
            raise InvalidInput(f"URL {text[:80]!r} has no '//' after the scheme")
    else:
        scheme = "http"
        text = "http:" + text if text.startswith("//") else "http://" + text
    text = text.replace("\\", "/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise InvalidInput(f"URL {text[:80]!r}: {exc}") from None
    netloc = parts.netloc.rpartition("@")[2]
    host = netloc
    if host.startswith("["):
        host = host[: host.find("]") + 1]
    elif ":" in host:
        host = host.rpartition(":")[0]
    host = _ascii_host(host)
    shown_port = "" if port is None or port == _DEFAULT_PORTS[scheme] else str(port)
    if port == 0:
        raise InvalidInput(f"URL {text[:80]!r}: port 0 is not a valid port")
    return scheme, host, shown_port, parts.path, parts.query


def canonical_url(text: str) -> str:
    """Canonical http(s) URL: scheme added if missing, host lower-case punycode, default port, credentials
    and fragment dropped (credentials may be secrets; fragments never reach the server), path and query
    percent-encoded without touching existing escapes, so the function is idempotent."""
    scheme, host, port, path, query = _split(text)
    netloc = f"{host}:{port}" if port else host
    url = f"{scheme}://{netloc}{quote(path, safe=_PATH_SAFE) or '/'}"
    return f"{url}?{quote(query, safe=_QUERY_SAFE)}" if query else url


def path_of(text: str) -> str:
    """Canonical path and query of a URL (``/`` for a bare host)."""
    _, _, _, path, query = _split(text)
    path = quote(path, safe=_PATH_SAFE) or "/"
    return f"{path}?{quote(query, safe=_QUERY_SAFE)}" if query else path


def host_of(text: str) -> str:
    """Lower-case ASCII host of a URL, host or domain (no port, no trailing dot)."""
    return _split(text)[1]
