"""Enforcement adapters behind one plugin interface.

An adapter owns a set of restrictive action kinds, each with the kind that reverses it, and executes an
`ActionRequest` into an `Outcome`. Built-in adapters register themselves exactly like third-party ones:
`register(adapter)`; the service looks them up by kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sitewarden.settings import Settings


@dataclass(frozen=True)
class ActionRequest:
    """Everything an adapter needs, frozen at decision time; `idempotency_key` is stable across retries."""

    action_id: int
    kind: str
    idempotency_key: str
    case_id: int
    subject: str
    tenant_key: str
    target: dict[str, Any]  # asset value, host, registrable domain, ip
    reason: str
    reverses_action_id: int | None = None


@dataclass
class Outcome:
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1


class Adapter(Protocol):
    name: str
    reversals: dict[str, str]  # restrictive kind -> the kind that undoes it

    def execute(self, request: ActionRequest, settings: Settings) -> Outcome: ...


_ADAPTERS: dict[str, Adapter] = {}


def register(adapter: Adapter) -> Adapter:
    clash = [k for a in _ADAPTERS.values() if a.name != adapter.name for k in a.reversals if k in adapter.reversals]
    if clash:
        raise ValueError(f"adapter {adapter.name!r}: action kinds {clash} already registered")
    _ADAPTERS[adapter.name] = adapter
    return adapter


def _load_builtins() -> None:
    from sitewarden.act.actions import hosting, registrar, webhook  # noqa: F401


def adapters() -> dict[str, Adapter]:
    _load_builtins()
    return dict(_ADAPTERS)


def restrictive_kinds() -> dict[str, str]:
    """Every restrictive kind -> its reversal kind."""
    return {k: r for a in adapters().values() for k, r in a.reversals.items()}


def adapter_for(kind: str) -> Adapter:
    """The adapter that performs `kind` (restrictive or reversal)."""
    for adapter in adapters().values():
        if kind in adapter.reversals or kind in adapter.reversals.values():
            return adapter
    known = ", ".join(sorted(restrictive_kinds()))
    raise KeyError(f"no adapter performs action kind {kind!r} (restrictive kinds: {known})")
