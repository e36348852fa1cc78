"""Auto-action policy: only above the threshold, only under every hourly cap; four eyes for suspensions."""

from __future__ import annotations

import pytest

from sitewarden.decide.policy import Caps, approval_error, auto_decision, kind_for, needs_second_approver

ROOM = Caps(tenant_recent=0, tenant_cap=3, global_recent=0, global_cap=20, all_recent=0, all_cap=100)


def test_acts_only_when_enabled_block_and_above_threshold() -> None:
    assert auto_decision("block", 0.99, enabled=True, threshold=0.98, caps=ROOM).act
    assert auto_decision("block", 0.98, enabled=True, threshold=0.98, caps=ROOM).act  # "at or above"
    below = auto_decision("block", 0.979, enabled=True, threshold=0.98, caps=ROOM)
    assert not below.act and "below" in below.reason
    assert not auto_decision("review", 0.999, enabled=True, threshold=0.98, caps=ROOM).act
    off = auto_decision("block", 1.0, enabled=False, threshold=0.98, caps=ROOM)
    assert not off.act and "disabled" in off.reason


@pytest.mark.parametrize(("caps", "which"), [
    (Caps(3, 3, 0, 20, 0, 100), "per-tenant"),
    (Caps(0, 3, 20, 20, 0, 100), "global automatic"),
    (Caps(0, 3, 0, 20, 100, 100), "global enforcement"),
    (Caps(0, 0, 0, 20, 0, 100), "per-tenant"),
])
def test_every_cap_sends_to_review(caps: Caps, which: str) -> None:
    decision = auto_decision("block", 1.0, enabled=True, threshold=0.9, caps=caps)
    assert not decision.act and which in decision.reason and "review" in decision.reason


def test_four_eyes_for_suspensions_unless_auto() -> None:
    for kind in ("suspend_site", "suspend_account", "client_hold"):
        assert needs_second_approver(kind, auto=False)
        assert not needs_second_approver(kind, auto=True)
        assert "four-eyes" in (approval_error(kind, "ana", "ana", auto=False) or "")
        assert approval_error(kind, "ana", "bob", auto=False) is None
    assert not needs_second_approver("restore_site", auto=False)


def test_default_kind_follows_the_asset() -> None:
    assert kind_for("site") == "suspend_site" and kind_for(None) == "suspend_site"
    assert kind_for("domain") == "client_hold"
