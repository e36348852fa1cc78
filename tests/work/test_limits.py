"""In-memory politeness limiter: the cap holds, keys do not leak, bad limits are named."""

from __future__ import annotations

import asyncio

import pytest

from sitewarden.work import limits


def test_at_most_limit_holders_per_key_and_keys_are_independent() -> None:
    peak: dict[str, int] = {"a": 0, "b": 0}
    now: dict[str, int] = {"a": 0, "b": 0}

    async def hold(key: str) -> None:
        async with limits.limiter(f"host:{key}", 2):
            now[key] += 1
            peak[key] = max(peak[key], now[key])
            await asyncio.sleep(0.01)
            now[key] -= 1

    async def go() -> None:
        await asyncio.gather(*(hold(k) for k in "ab" * 10))

    asyncio.run(go())
    assert peak == {"a": 2, "b": 2}


def test_idle_keys_are_dropped() -> None:
    backend = limits.MemoryLimiter()
    previous = limits.set_backend(backend)
    try:

        async def go() -> None:
            async with limits.limiter("ip:192.0.2.1", 1):
                assert backend.active_keys() == 1

        asyncio.run(go())
        assert backend.active_keys() == 0
    finally:
        limits.set_backend(previous)


def test_bad_limit_is_named() -> None:
    async def go() -> None:
        async with limits.limiter("host:x", 0):
            pass

    with pytest.raises(ValueError, match=r"'host:x'.*>= 1"):
        asyncio.run(go())
