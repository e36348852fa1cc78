"""Bytes to text for page analysis: sniff binaries, pick the charset, never raise.

Fraud kits are served with wrong or missing charsets (GBK pages labelled ISO-8859-1 are common), so the
declared charset is only trusted when it decodes cleanly; otherwise UTF-8, then GB18030, then a lossy
Latin-1 read keep the analysis going.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]{1,40})""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]{1,40})", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# Magic numbers of content that is not a page; an APK is a ZIP whose first entries name AndroidManifest.xml.
_MAGIC = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG", "image"),
    (b"GIF8", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"RIFF", "media"),
    (b"MZ", "exe"),
    (b"\x7fELF", "exe"),
    (b"\xcf\xfa\xed\xfe", "exe"),
    (b"PK\x03\x04", "zip"),
    (b"\x1f\x8b", "gzip"),
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
_HIGH_PAIR = re.compile(rb"[\xa1-\xfe][\xa1-\xfe]")
_TEXTUAL_TYPES = ("text/", "application/xhtml", "application/xml", "application/javascript")
# Latin-1 labels are so often wrong on Chinese pages that they do not override a clean UTF-8/GB18030 read.
_WEAK_LABELS = {"iso8859-1", "cp1252", "ascii"}  # codecs.lookup() names


def _header(headers: Mapping[str, str] | None, name: str) -> str:
    if not headers:
        return ""
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == name and isinstance(value, str):
            return value
    return ""


def binary_kind(data: bytes, headers: Mapping[str, str] | None = None) -> str | None:
    """What non-HTML content this is ('apk', 'ipa', 'exe', 'pdf', ...), or None for a page."""
    head = data[:1024]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "zip":
                window = data[:4096]
                if b"AndroidManifest.xml" in window or b"classes.dex" in window:
                    return "apk"
                if b"Payload/" in window:
                    return "ipa"
            return kind
    ctype = _header(headers, "content-type").split(";")[0].strip().lower()
    if "android.package-archive" in ctype:
        return "apk"
    if ctype and not ctype.startswith(_TEXTUAL_TYPES):
        return "binary"
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "binary"
    return None


def _lookup(label: str) -> str | None:
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    # GBK/GB2312 labels: decode with the superset so that rare characters do not fail the page.
    return "gb18030" if name in ("gbk", "gb2312", "hz") else name


def _looks_double_byte(data: bytes) -> bool:
    """GB text pairs high bytes; Latin-1 umlauts stand alone (and would 'decode' as rare GBK characters)."""
    sample = data[:65536]
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    return high > 0 and 2 * len(_HIGH_PAIR.findall(sample)) >= 0.8 * high


def decode(data: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Decode page bytes to (text, charset used); undecodable bytes are replaced, never raised."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data.decode(name, errors="replace"), name
    declared: list[str] = []
    match = _HEADER_CHARSET.search(_header(headers, "content-type"))
    if match:
        declared.append(match.group(1))
    meta = _META_CHARSET.search(data[:4096])
    if meta:
        declared.append(meta.group(1).decode("ascii", "replace"))
    candidates = [name for name in (_lookup(label) for label in declared) if name]
    strong = [name for name in candidates if name not in _WEAK_LABELS]
    # windows-1252 last: the WHATWG default for unlabelled Western pages.
    for name in [*strong, "utf-8", "gb18030", *candidates, "cp1252"]:
        if name == "gb18030" and not _looks_double_byte(data):
            continue
        try:
            return data.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    fallback = strong[0] if strong else "utf-8"
    return data.decode(fallback, errors="replace"), f"{fallback}-replace"
