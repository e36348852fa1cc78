"""Threat feeds (OpenPhish / PhishTank / URLhaus exports, regulator lists, plain lists) as observations.

A feed file is either one URL, host or domain per line (`#` comments; defanged forms accepted), or CSV
with a `url`, `host` or `domain` column. Each listed host becomes an observation of source
`feed:<name>`; the scan pipeline turns a hit on a site's host or registrable domain into a reputation
signal. One transaction; bad lines are reported with their number and never stop the import.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING

from sitewarden.domain.models import FraudType
from sitewarden.normalise.domains import parse_host
from sitewarden.normalise.urls import InvalidInput
from sitewarden.store import repos

if TYPE_CHECKING:
    from sitewarden.store.db import Store

FEED_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,38}")
COLUMNS = ("url", "host", "domain")


class FeedError(ValueError):
    pass


@dataclass
class FeedResult:
    lines: int = 0
    listed: int = 0
    already_listed: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)


def _entries(stream: IO[bytes]) -> Iterator[tuple[int, str]]:
    text = io.TextIOWrapper(stream, encoding="utf-8", errors="replace", newline="")
    first = text.readline()
    header = [h.strip().lower() for h in next(csv.reader([first]), [])] if "," in first else []
    column = next((c for c in COLUMNS if c in header), None)
    if column is None:
        for number, line in enumerate(itertools.chain([first], text), start=1):
            value = line.strip()
            if value and not value.startswith("#"):
                yield number, value
        return
    index = header.index(column)
    for number, row in enumerate(csv.reader(text), start=2):
        if row and len(row) > index and row[index].strip():
            yield number, row[index].strip()


def import_feed(
    store: Store, stream: IO[bytes], name: str, fraud_type: FraudType | None = None, max_errors: int = 1000
) -> FeedResult:
    if not FEED_NAME.fullmatch(name):
        raise FeedError(f"feed name {name!r}: use 1-39 lower-case letters, digits, '.', '_' or '-'")
    result = FeedResult()
    source = f"feed:{name}"
    with store.write() as s:
        for number, value in _entries(stream):
            result.lines += 1
            try:
                info = parse_host(value)
            except InvalidInput as exc:
                if len(result.errors) < max_errors:
                    result.errors.append((number, f"{value[:100]!r}: {exc}"))
                continue
            _, created = repos.add_observation(
                s, source, "host", info.host, info.host,
                payload={"line": number, "fraud_type": fraud_type.value if fraud_type else None},
            )
            result.listed += created
            result.already_listed += not created
    return result
