"""The shipped brand catalogue, operator overrides with clear errors, and brand mentions in text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitewarden.normalise.domains import parse_host
from sitewarden.score import brands as brands_module
from sitewarden.score.brands import (
    BrandCatalogue,
    BrandError,
    default_catalogue,
    load_catalogue,
    validate_brands,
)

CHINESE_BRANDS = [
    "icbc",
    "ccb",
    "boc",
    "abc",
    "bocom",
    "cmb",
    "psbc",
    "citic",
    "ceb",
    "cmbc",
    "cib",
    "spdb",
    "pingan",
    "huaxia",
    "cgb",
    "alipay",
    "wechatpay",
    "unionpay",
    "taobao",
    "tmall",
    "jd",
    "pinduoduo",
    "meituan",
    "chinamobile",
    "chinaunicom",
    "chinatelecom",
    "sf",
    "chinapost",
    "ems",
    "traffic12123",
    "chinatax",
    "mohrss",
]
GLOBAL_BRANDS = [
    "paypal",
    "apple",
    "microsoft",
    "google",
    "amazon",
    "facebook",
    "netflix",
    "dhl",
    "usps",
    "binance",
    "coinbase",
    "metamask",
]


@pytest.fixture(scope="module")
def catalogue() -> BrandCatalogue:
    return load_catalogue()


def test_shipped_catalogue_is_broad(catalogue: BrandCatalogue) -> None:
    assert len(catalogue) >= 300
    categories = {b.category for b in catalogue.brands}
    assert {
        "bank",
        "payment",
        "ecommerce",
        "carrier",
        "logistics",
        "government",
        "crypto",
        "mail_social",
        "cloud",
    } <= categories
    for brand_id in CHINESE_BRANDS + GLOBAL_BRANDS:
        assert catalogue.get(brand_id) is not None, brand_id
    assert len({b.id for b in catalogue.brands}) == len(catalogue.brands)


def test_chinese_brands_have_chinese_names_and_pinyin(catalogue: BrandCatalogue) -> None:
    icbc = catalogue.get("icbc")
    assert icbc is not None
    assert {"中国工商银行", "工商银行", "ICBC"} <= set(icbc.names)
    assert "gongshangyinhang" in icbc.pinyin and "gongshangyinhang" in icbc.names
    for brand_id in CHINESE_BRANDS:
        brand = catalogue.get(brand_id)
        assert brand is not None and any(not n.isascii() for n in brand.names), brand_id


def test_every_official_domain_is_registrable(catalogue: BrandCatalogue) -> None:
    for brand in catalogue.brands:
        assert brand.domains
        for domain in brand.domains:
            assert parse_host(domain).registrable_domain == domain, (brand.id, domain)


def test_official_brand(catalogue: BrandCatalogue) -> None:
    def owner(domain: str) -> str | None:
        brand = catalogue.official_brand(domain)
        return brand.id if brand else None

    assert owner("icbc.com.cn") == "icbc"
    assert owner("alipay.com") == "alipay"
    assert owner("163.com") == "netease"
    assert owner("10086.cn") == "chinamobile"
    assert owner("122.gov.cn") == "traffic12123"
    # listed by several brands: the one listing it first in its own list wins
    assert owner("aliexpress.com") == "aliexpress"
    assert owner("qq.com") == "tencent"
    assert owner("secure-icbc.top") is None
    assert catalogue.is_official("apple.com.cn")


def test_find_mentions(catalogue: BrandCatalogue) -> None:
    text = "尊敬的中国工商银行客户：您的ICBC账户异常，请通过支付宝或 PayPal 验证。Bank of America notice."
    found = [(b.id, token) for b, token in catalogue.find_mentions(text)]
    ids = [brand_id for brand_id, _ in found]
    assert ids.index("icbc") < ids.index("alipay") < ids.index("paypal") < ids.index("bankofamerica")
    assert ("icbc", "中国工商银行") in found and ("icbc", "工商银行") in found and ("icbc", "ICBC") in found
    assert len(found) == len(set(found))


@pytest.mark.parametrize(
    "text",
    [
        "we discover more about it",  # a one-word Latin name is matched as written or in capitals only
        "abcdef icbcx xpaypal",  # Latin names need word boundaries
        "会议中通过了加工行业的决定，地址：北京东路，本站已完成ICP备案",  # no bare 2-character aliases
        "",
    ],
)
def test_find_mentions_precision(catalogue: BrandCatalogue, text: str) -> None:
    ids = {b.id for b, _ in catalogue.find_mentions(text)}
    assert not ids & {"discover", "icbc", "paypal", "abc", "zto", "jd", "miit"}


def _brand(**overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": "acme",
        "name": "ACME Hosting",
        "category": "cloud",
        "domains": ["acme-hosting.com"],
        "names": ["ACME Hosting", "艾克米"],
        "keywords": ["acmehosting"],
        "country": "CN",
    }
    entry.update(overrides)
    return entry


def test_operator_file_adds_and_overrides(tmp_path: Path, catalogue: BrandCatalogue) -> None:
    icbc = catalogue.get("icbc")
    assert icbc is not None
    override = {**icbc.to_dict(), "domains": [*icbc.domains, "icbc-partner.com"]}
    path = tmp_path / "brands.json"
    path.write_text(json.dumps({"brands": [_brand(), override]}), encoding="utf-8")
    merged = load_catalogue(path)
    assert len(merged) == len(catalogue) + 1
    assert merged.official_brand("acme-hosting.com").id == "acme"  # type: ignore[union-attr]
    assert merged.official_brand("icbc-partner.com").id == "icbc"  # type: ignore[union-attr]
    assert [b.id for b, _ in merged.find_mentions("艾克米云")] == ["acme"]
    assert catalogue.official_brand("acme-hosting.com") is None  # the shipped catalogue is untouched


def test_with_overrides_for_api_payloads(catalogue: BrandCatalogue) -> None:
    updated = catalogue.with_overrides([_brand(name="ACME Cloud")])
    assert updated.get("acme").name == "ACME Cloud"  # type: ignore[union-attr]
    assert catalogue.get("acme") is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("not an object", r"brands\[0\]: expected an object"),
        (_brand(id="Bad Id"), r"brands\[0\]: field 'id' must match"),
        (_brand(name=""), r"brands\[0\] \(id 'acme'\): field 'name'"),
        (_brand(category="casino"), r"field 'category' must be one of"),
        (_brand(domains=[]), r"field 'domains' must list at least one"),
        (_brand(domains="acme.com"), r"field 'domains' must be a list"),
        (
            _brand(domains=["www.acme-hosting.com"]),
            r"field 'domains'\[0\]: 'www.acme-hosting.com' is not a registrable",
        ),
        (_brand(domains=["com.cn"]), r"'com.cn' is not a registrable domain"),
        (_brand(domains=["bad..domain"]), r"field 'domains'\[0\]: host 'bad..domain'"),
        (_brand(keywords=["Acme Hosting"]), r"field 'keywords' entry 'acme hosting'"),
        (_brand(pinyin=["ai ke mi"]), r"field 'pinyin' entry"),
        (_brand(keywords=["acmehosting", "login"]), r"field 'keywords' entry 'login' is an ordinary word"),
        (_brand(country="China"), r"field 'country' must be null or a two-letter"),
        (_brand(colour="red"), r"unknown field\(s\) \['colour'\]"),
    ],
)
def test_invalid_entries_name_entry_and_field(entry: object, message: str) -> None:
    with pytest.raises(BrandError, match=message):
        validate_brands([entry])


def test_duplicate_ids_and_bad_shapes() -> None:
    with pytest.raises(BrandError, match=r"brands\[1\]: duplicate id 'acme'"):
        validate_brands([_brand(), _brand()])
    with pytest.raises(BrandError, match="expected a list of brand objects"):
        validate_brands({"acme": _brand()})


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), (b"{not json", "not valid UTF-8 JSON"), (b"\xff\xfe", "not valid UTF-8 JSON")],
)
def test_unreadable_operator_file(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "brands.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(BrandError, match=f"brand file {path}: {message}"):
        load_catalogue(path)


def test_default_catalogue_reads_the_brands_file_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitewarden import settings

    path = tmp_path / "brands.json"
    path.write_text(json.dumps([_brand()]), encoding="utf-8")
    monkeypatch.setenv("SITEWARDEN_BRANDS_FILE", str(path))
    settings.get_settings.cache_clear()
    brands_module.refresh_default_catalogue()
    try:
        assert default_catalogue().get("acme") is not None
    finally:
        monkeypatch.delenv("SITEWARDEN_BRANDS_FILE")
        settings.get_settings.cache_clear()
        brands_module.refresh_default_catalogue()
    assert brands_module.default_catalogue().get("acme") is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_find_mentions_never_crashes(text: str) -> None:
    catalogue = load_catalogue()
    for brand, token in catalogue.find_mentions(text):
        assert token in text or token.lower() in text.lower()
        assert catalogue.get(brand.id) is brand
