"""Politeness limits: at most N concurrent holders per key (a host, a destination IP).

`async with limiter(key, limit):` is the one call sites use. The in-memory backend serves a single
process; a cluster installs a shared backend (e.g. Redis sorted-set leases) with `set_backend()`, since
anything with an async `slot(key, limit)` context manager fits the `LimiterBackend` protocol.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol


class LimiterBackend(Protocol):
    def slot(self, key: str, limit: int) -> AbstractAsyncContextManager[None]:
        """Wait until fewer than `limit` holders have `key`, hold it for the block."""
        ...


class MemoryLimiter:
    """Per-key semaphores living only while someone holds or awaits them, so keys never pile up."""

    def __init__(self) -> None:
        self._slots: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def slot(self, key: str, limit: int) -> AsyncIterator[None]:
        if limit < 1:
            raise ValueError(f"limiter {key!r}: limit must be >= 1, got {limit}")
        sem, users = self._slots.get(key) or (asyncio.Semaphore(limit), 0)
        self._slots[key] = (sem, users + 1)
        try:
            async with sem:
                yield
        finally:
            sem, users = self._slots[key]
            if users <= 1:
                del self._slots[key]
            else:
                self._slots[key] = (sem, users - 1)

    def active_keys(self) -> int:
        return len(self._slots)


_backend: LimiterBackend = MemoryLimiter()


def set_backend(backend: LimiterBackend) -> LimiterBackend:
    """Install a limiter backend (process-wide); returns the previous one."""
    global _backend
    previous, _backend = _backend, backend
    return previous


def limiter(key: str, limit: int) -> AbstractAsyncContextManager[None]:
    """Hold one of `limit` slots of `key` for the duration of an `async with` block."""
    return _backend.slot(key, limit)
