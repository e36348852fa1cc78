"""Threat feeds: plain and CSV lists become observations; a listed site carries a feed signal."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

from sitewarden.demo.farm import FarmHandle
from sitewarden.demo.sites import inventory_rows
from sitewarden.sources.feeds import FeedError, import_feed
from sitewarden.sources.inventory import import_inventory
from sitewarden.store.schema import Observation, Scan
from sitewarden.work.api import Context
from sitewarden.work.inprocess import Worker


def test_plain_list_with_defanged_entries_comments_and_bad_lines(ctx: Context) -> None:
    data = b"# openphish export\nhxxp://login-verify[.]example[.]top/a\nbad host name!\n\nwww.shop.example.com\nwww.shop.example.com\n"
    result = import_feed(ctx.store, io.BytesIO(data), "openphish")
    assert (result.lines, result.listed, result.already_listed) == (4, 2, 1)
    assert [line for line, _ in result.errors] == [3]
    with ctx.store.read() as s:
        assert sorted(o.value for o in s.query(Observation)) == ["login-verify.example.top", "www.shop.example.com"]
        assert {o.source for o in s.query(Observation)} == {"feed:openphish"}


def test_csv_with_a_url_column(ctx: Context) -> None:
    data = b"id,url,verified\n1,http://a.example.net/x,yes\n2,https://b.example.org/,yes\n"
    result = import_feed(ctx.store, io.BytesIO(data), "phishtank")
    assert result.listed == 2 and not result.errors


@pytest.mark.parametrize("name", ["", "Has Space", "../x", "a" * 60])
def test_feed_names_are_checked(ctx: Context, name: str) -> None:
    with pytest.raises(FeedError):
        import_feed(ctx.store, io.BytesIO(b"a.example\n"), name)


def test_a_site_listed_in_a_feed_carries_the_listing_as_a_reason(ctx: Context, demo_farm: FarmHandle) -> None:
    host = "www.yunshang-jiaju.com"  # the cloaking site: its desktop page looks like a furniture shop
    import_feed(ctx.store, io.BytesIO(b"yunshang-jiaju.com\n"), "regulator-list")
    row = next(r for r in inventory_rows(demo_farm.port) if host in r["url"])
    import_inventory(ctx, io.BytesIO(json.dumps([row]).encode()), "json")
    asyncio.run(Worker(ctx, 1).run(until_idle=True))
    with ctx.store.read() as s:
        scan = s.query(Scan).one()
        reasons = {r["signal"]: r for r in scan.verdict.reasons}  # type: ignore[union-attr]
    assert "feed_listed" in reasons and "regulator-list" in reasons["feed_listed"]["detail"]
