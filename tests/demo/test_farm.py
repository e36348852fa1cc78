from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from sitewarden.demo.farm import SITES_DIR, FarmHandle, is_cloak_target
from sitewarden.demo.sites import BENIGN, FRAUD, SITES, inventory_rows
from sitewarden.domain.models import FraudType

DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
PHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.5 Mobile/15E148 Safari/604.1")
BAIDU = "https://www.baidu.com/s?wd=%E5%AE%9E%E6%9C%A8%E5%AE%B6%E5%85%B7"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
HTML_FILES = sorted(SITES_DIR.rglob("*.html"))


@pytest.fixture(scope="module")
def client(demo_farm: FarmHandle) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"http://127.0.0.1:{demo_farm.port}") as c:
        yield c


def get(client: httpx.Client, host: str, path: str = "/", **headers: str) -> httpx.Response:
    headers.setdefault("User-Agent", DESKTOP)
    return client.get(path, headers={"Host": host, **headers})


def landing(client: httpx.Client, host: str) -> httpx.Response:
    """The page a visitor ends on after same-site redirects."""
    resp = get(client, host)
    while resp.status_code in (301, 302) and resp.headers["location"].startswith("/"):
        resp = get(client, host, resp.headers["location"])
    return resp


class _Balance(HTMLParser):
    """Fails on end tags that do not close the innermost open element."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.resources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("src"):
            self.resources.append(found["src"] or "")
        if tag == "link" and found.get("rel") in ("stylesheet", "icon", "shortcut icon"):
            self.resources.append(found.get("href") or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> at {self.getpos()} while open: {self.stack[-3:]}")
        else:
            self.stack.pop()


def _parse(path: Path) -> _Balance:
    parser = _Balance()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def test_every_site_is_served_by_host_header(demo_farm: FarmHandle, client: httpx.Client) -> None:
    for site in SITES:
        before = demo_farm.hits(site.host)
        resp = get(client, f"{site.host}:{demo_farm.port}")
        assert resp.status_code in (200, 302), site.host
        assert demo_farm.hits(site.host) == before + 1
        if resp.status_code == 200:
            assert "<title>" in resp.text and resp.headers["content-type"].startswith("text/html")


def test_distinct_hosts_get_distinct_pages(client: httpx.Client) -> None:
    pages = [landing(client, s.host) for s in SITES]
    served = [p.text for p in pages if p.status_code == 200]
    assert len(served) >= len(SITES) - 1
    assert len(set(served)) == len(served)


def test_unknown_host_and_hidden_files_are_404(demo_farm: FarmHandle, client: httpx.Client) -> None:
    assert get(client, "nosuchsite.example").status_code == 404
    assert get(client, f"127.0.0.1:{demo_farm.port}").status_code == 404
    assert get(client, "icbc-ebank-verify.top", "/_redirects").status_code == 404
    assert get(client, "www.yunshang-jiaju.com", "/_mobile/index.html").status_code == 404
    assert get(client, "shop.lanshan-tea.cn", "/no-such-page").status_code == 404


def test_static_types(client: httpx.Client) -> None:
    css = get(client, "shop.lanshan-tea.cn", "/style.css")
    svg = get(client, "shop.lanshan-tea.cn", "/logo.svg")
    assert css.headers["content-type"].startswith("text/css") and "body" in css.text
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    apk = get(client, "guoshui-tuishui-app.com", "/download/tax_refund_v3.8.2.apk")
    assert apk.headers["content-type"] == "application/vnd.android.package-archive"
    assert apk.content.startswith(b"PK")
    icon = get(client, "icbc-vip-service.cc", "/favicon.ico")
    assert icon.content == get(client, "icbc-ebank-verify.top", "/favicon.ico").content  # one kit, two sites


def test_redirects_including_one_to_the_metadata_address(client: httpx.Client) -> None:
    icbc = get(client, "icbc-ebank-verify.top")
    assert (icbc.status_code, icbc.headers["location"]) == (302, "/login")
    assert "type=\"password\"" in get(client, "icbc-ebank-verify.top", "/login").text
    jump = get(client, "go.dwz-jump.top")
    assert jump.status_code == 302 and jump.headers["location"].startswith("http://169.254.169.254/")


def test_cloaking_depends_on_user_agent_and_referer(client: httpx.Client) -> None:
    host = "www.yunshang-jiaju.com"
    desktop = get(client, host, Referer=BAIDU).text
    phone_direct = get(client, host, **{"User-Agent": PHONE}).text
    phone_search = get(client, host, **{"User-Agent": PHONE, "Referer": BAIDU}).text
    assert "实木" in desktop and desktop == phone_direct
    assert "实木" not in phone_search and "百家乐" in phone_search
    assert "百家乐" not in desktop


@pytest.mark.parametrize(
    ("ua", "referer", "expected"),
    [
        (PHONE, BAIDU, True),
        (PHONE, "https://m.sogou.com/web?query=x", True),
        (PHONE, "https://www.example.com/", False),
        (DESKTOP, BAIDU, False),
        ("Mozilla/5.0 (Linux; Android 10) Mobile Baiduspider-render/2.0", BAIDU, False),
    ],
)
def test_cloak_target(ua: str, referer: str, expected: bool) -> None:
    assert is_cloak_target(ua, referer) is expected


@pytest.mark.parametrize("path", HTML_FILES, ids=lambda p: str(p.relative_to(SITES_DIR)))
def test_html_is_well_formed(path: Path) -> None:
    parser = _parse(path)
    assert not parser.errors, parser.errors
    assert parser.stack == [], f"unclosed: {parser.stack}"


def test_page_resources_exist(client: httpx.Client) -> None:
    missing = []
    for path in HTML_FILES:
        host = path.relative_to(SITES_DIR).parts[0]
        for ref in _parse(path).resources:
            local = ref.startswith("/") and not ref.startswith("//")
            if local and get(client, host, ref).status_code != 200:
                missing.append(f"{host}{ref}")
    assert not missing


def test_catalogue_titles_are_page_titles() -> None:
    for site in SITES:
        pages = list((SITES_DIR / site.host).rglob("*.html"))
        titles = {m.group(1) for p in pages for m in re.finditer("<title>(.*?)</title>", p.read_text("utf-8"))}
        assert not pages or site.title in titles, site.host


def test_no_host_is_under_an_hsts_preloaded_tld() -> None:
    """Chromium forces https for these TLDs, so a plain-http demo site there could never be rendered."""
    assert not [s.host for s in SITES if s.host.rsplit(".", 1)[-1] in {"dev", "app", "page", "new", "day"}]


def test_site_folders_match_the_catalogue() -> None:
    folders = {p.name for p in SITES_DIR.iterdir() if p.is_dir()}
    assert folders == {s.host for s in SITES}
    assert len({s.host for s in SITES}) == len(SITES)


def test_labels_cover_every_genre_and_enough_benign_sites() -> None:
    fraud_types = {s.fraud_type for s in SITES if s.label == FRAUD}
    assert {t.value for t in FraudType} - {FraudType.OTHER.value} <= fraud_types
    assert all(s.label in (BENIGN, FRAUD) and (s.fraud_type is None) == (s.label == BENIGN) for s in SITES)
    assert sum(s.label == BENIGN for s in SITES) >= 12


def test_hard_negatives_look_suspicious_to_a_keyword_check(client: httpx.Client) -> None:
    benign = [landing(client, s.host).text for s in SITES if s.label == BENIGN]
    with_password = [t for t in benign if 'type="password"' in t]
    scam_words = re.compile("安全账户|刷单|彩票|贷款|钓鱼|解冻")
    assert len(with_password) >= 3
    assert sum(bool(scam_words.search(t)) for t in benign) >= 4


def test_inventory_rows_group_sites_by_tenant() -> None:
    rows = inventory_rows(8600, ip="10.0.0.7")
    assert len(rows) == len(SITES)
    assert rows[0] == {"tenant": SITES[0].tenant, "tenant_name": SITES[0].tenant_name,
                       "url": f"http://{SITES[0].host}:8600/", "ip": "10.0.0.7"}
    labels: dict[str, set[str]] = defaultdict(set)
    fraud_per_tenant: dict[str, int] = defaultdict(int)
    for site in SITES:
        labels[site.tenant].add(site.label)
        fraud_per_tenant[site.tenant] += site.label == FRAUD
    assert len(labels) >= 8
    assert any(kinds == {BENIGN, FRAUD} for kinds in labels.values())
    assert sum(n >= 3 for n in fraud_per_tenant.values()) >= 2


# Only this command registered, so the test neither pays for nor depends on every other command's imports.
_CLI = """
import typer
from sitewarden.commands import demo_farm
app = typer.Typer()
app.callback()(lambda: None)
demo_farm.register(app)
app()
"""


def test_demo_farm_command_serves_and_stops_cleanly_on_ctrl_c() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-c", _CLI, "demo-farm", "--port", str(port)],
                            stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                resp = httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": "shop.lanshan-tea.cn"})
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline and proc.poll() is None, "demo-farm did not start"
                time.sleep(0.1)
        assert resp.status_code == 200 and "蓝山茶舍" in resp.text
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    assert all(site.host in out for site in SITES) and f"-H 'Host: {SITES[0].host}'" in out
