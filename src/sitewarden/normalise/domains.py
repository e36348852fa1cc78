"""Split a host into registrable domain, public suffix and subdomain with the shipped public suffix list.

The private section of the list matters: `paypal-login.vercel.app` is its own registrable domain, not a
subdomain of vercel.app. The list is read from the package (never fetched), and parsing is cached because
`parse_host` sits on the hot path of batch scoring.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from importlib.resources import files
from typing import NamedTuple

import idna

from sitewarden.normalise.urls import InvalidInput, _ascii_host, host_of, unicode_label

PSL_PATH = files("sitewarden") / "data" / "public_suffix_list.dat"
_PLAIN_HOST = re.compile(r"^[A-Za-z0-9._\-]+\.?$")


class HostInfo(NamedTuple):
    """A parsed host (immutable). `host` is lower-case ASCII (punycode) without trailing dot;
    `registrable_domain` is the host itself for IP addresses and for hosts that are themselves a public
    suffix. A NamedTuple rather than a frozen dataclass: it is built 100,000 times a second, and a frozen
    dataclass's __init__ costs about ten times more."""

    host: str
    unicode_host: str
    registrable_domain: str
    suffix: str
    subdomain: str
    labels: tuple[str, ...]
    is_private_suffix: bool

    @property
    def sld(self) -> str:
        """The registrable label without its suffix (`icbc` for `www.icbc.com.cn`)."""
        return self.registrable_domain[: -len(self.suffix) - 1] if self.suffix else self.registrable_domain

    @property
    def is_ip(self) -> bool:
        return not self.suffix and (self.host[:1] == "[" or self.host[-1:].isdigit())


_PRIVATE_MARKER = "// ===BEGIN PRIVATE DOMAINS==="


def _rule_lines(part: str) -> list[str]:
    return [line.split()[0] for line in part.splitlines() if line.strip() and not line.startswith("//")]


def _rules(text: str) -> tuple[list[str], list[str]]:
    """(public rules, private rules) of public_suffix_list.dat: the first word of each non-comment line."""
    public, _, private = text.partition(_PRIVATE_MARKER)
    return _rule_lines(public), _rule_lines(private)


class _SuffixList:
    """Longest-match lookup over the public suffix list rules (exact, `*.` wildcard, `!` exception).

    A few dict probes per host: several times faster than tldextract's general-purpose `extract_str`
    (which also imports `requests`), and it matters at 100k hosts/s. Tests cross-check it with tldextract
    pointed at the same shipped file."""

    def __init__(self, text: str) -> None:
        public, private = _rules(text)
        self.rules: dict[str, bool] = {}  # rule -> is_private
        self.wildcards: dict[str, bool] = {}
        self.exceptions: dict[str, bool] = {}
        for rules, is_private in ((public, False), (private, True)):
            for raw in rules:
                rule = _ascii_rule(raw)
                if rule.startswith("!"):
                    self.exceptions[rule[1:]] = is_private
                elif rule.startswith("*."):
                    self.wildcards[rule[2:]] = is_private
                else:
                    self.rules[rule] = is_private
        # every label-aligned tail of every rule: a longer match is only possible below one of these
        self.tails: set[str] = set()
        for rule in (*self.rules, *self.wildcards, *self.exceptions):
            labels = rule.split(".")
            self.tails.update(".".join(labels[i:]) for i in range(len(labels)))

    def split(self, host: str) -> tuple[str, bool]:
        """(public suffix, is_private) of an ASCII host; an unlisted TLD is a suffix (PSL rule `*`).

        Walks candidate suffixes right to left by slicing, and stops as soon as no longer rule can match
        (the candidate is not the tail of any rule)."""
        end = len(host)
        dot = host.rfind(".")
        suffix, private = host[dot + 1 :], False
        parent = ""
        while True:
            candidate = host[dot + 1 :]
            if candidate in self.exceptions:
                return parent, self.exceptions[candidate]
            if candidate in self.rules:
                suffix, private = candidate, self.rules[candidate]
            elif parent in self.wildcards:
                suffix, private = candidate, self.wildcards[parent]
            if dot < 0 or candidate not in self.tails:
                return suffix, private
            end, parent = dot, candidate
            dot = host.rfind(".", 0, end)


def _ascii_rule(rule: str) -> str:
    return rule if rule.isascii() else ".".join(idna.encode(x, uts46=True).decode() for x in rule.split("."))


@lru_cache(maxsize=1)
def _suffix_list() -> _SuffixList:
    return _SuffixList(PSL_PATH.read_text(encoding="utf-8"))


def _ip_info(host: str) -> HostInfo | None:
    if host.startswith("["):
        return HostInfo(host, host, host, "", "", (host,), False)
    if host[-1].isdigit():
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            return None
        return HostInfo(host, host, host, "", "", tuple(host.split(".")), False)
    return None


@lru_cache(maxsize=8192)
def parse_host(text: str) -> HostInfo:
    """Parse a URL, host or domain (defanged or Unicode allowed) into a HostInfo; raises InvalidInput."""
    if not isinstance(text, str):
        raise InvalidInput(f"expected a string, got {type(text).__name__}")
    stripped = text.strip()
    host = _ascii_host(stripped) if _PLAIN_HOST.match(stripped) else host_of(text)
    ip = _ip_info(host)
    if ip is not None:
        return ip
    suffix, is_private = _suffix_list().split(host)
    if suffix == host:
        registrable, subdomain = host, ""
    else:
        head = host[: -len(suffix) - 1]
        subdomain, _, domain = head.rpartition(".")
        registrable = f"{domain}.{suffix}"
    unicode_host = ".".join(unicode_label(x) for x in host.split(".")) if "xn--" in host else host
    return HostInfo(host, unicode_host, registrable, suffix, subdomain, tuple(host.split(".")), is_private)


def registrable_domain(text: str) -> str:
    """Registrable domain of a URL, host or domain (shortcut for `parse_host(text).registrable_domain`)."""
    return parse_host(text).registrable_domain


__all__ = ["HostInfo", "InvalidInput", "parse_host", "registrable_domain"]
