"""Look-alike detectors on real positives (hosts from public phishing feeds) and legitimate near-misses."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitewarden.domain.models import FraudType
from sitewarden.normalise.domains import parse_host
from sitewarden.score.brands import BrandCatalogue, load_catalogue
from sitewarden.score.domains.lookalike import FEATURE_NAMES, detect, detect_url, features, nearest_brand


@pytest.fixture(scope="module")
def catalogue() -> BrandCatalogue:
    return load_catalogue()


def _signals(host: str, catalogue: BrandCatalogue) -> dict[tuple[str, str | None], float]:
    return {(s.name, s.brand): s.weight for s in detect(parse_host(host), catalogue)}


@pytest.mark.parametrize(
    ("host", "signal", "brand", "min_weight"),
    [
        ("metamsk.io", "typo.omission", "metamask", 0.8),
        ("telegrram.top", "typo.repetition", "telegram", 0.8),
        ("youutube.com", "typo.repetition", "youtube", 0.4),  # 7 letters: weaker, other names collide
        ("instagarm.com", "typo.transposition", "instagram", 0.8),
        ("metamadk.io", "typo.keyboard", "metamask", 0.8),
        ("metamasc.io", "typo.bitsquat", "metamask", 0.8),
        ("matamask.co", "typo.vowel_swap", "metamask", 0.8),
        ("meta-mask.ltd", "typo.hyphenation", "metamask", 0.8),
        ("whatasapp.xyz", "typo.insertion", "whatsapp", 0.8),
        ("steamcommunityo.com", "typo.addition", "steam", 0.8),
        ("lnstagram.cyou", "homoglyph", "instagram", 0.8),
        ("micros0ftonline.org", "homoglyph", "microsoft", 0.8),
        ("login-micorsoft.com", "typo.transposition", "microsoft", 0.8),
        ("xn--pypl-5q5ac.com", "homoglyph", "paypal", 0.9),  # pаypаl with Cyrillic а
        ("xn--80ak6aa92e.com", "homoglyph", "apple", 0.9),  # аррӏе
        ("xn--pypal-4ve.com", "mixed_script", None, 0.5),
        ("paypal-login.vercel.app", "combosquat", "paypal", 0.8),
        ("icbc-kefu.com", "combosquat", "icbc", 0.8),
        ("taobao-tuikuan.top", "combosquat", "taobao", 0.8),
        ("jd-kefu.com", "combosquat", "jd", 0.8),
        ("10086-kefu.com", "combosquat", "chinamobile", 0.8),
        ("icbc-com-cn.top", "combosquat", "icbc", 0.8),
        ("secure-paypa1-login.com", "combosquat", "paypal", 0.8),
        ("coinbase-login-wallet.typedream.app", "combosquat", "coinbase", 0.8),
        ("zhifubao-tuikuan.cc", "pinyin_brand", "alipay", 0.8),
        ("gongshangyinhang-kefu.top", "pinyin_brand", "icbc", 0.8),
        ("jingdong-tuikuan.cn", "pinyin_brand", "jd", 0.8),
        ("icbc.com.cn.secure-xyz.top", "brand_in_subdomain", "icbc", 0.9),
        ("usps.com-tracklzu.top", "brand_in_subdomain", "usps", 0.9),
        ("bankofamerica.com.completeonline-activation.com", "brand_in_subdomain", "bankofamerica", 0.9),
        ("microsoft-login.zapier.app", "brand_in_subdomain", "microsoft", 0.7),
        ("dhl.parcel-fee.top", "brand_in_subdomain", "dhl", 0.4),
        ("metamasc.wallet-sync.xyz", "typo.bitsquat", "metamask", 0.4),
        ("icbc.top", "tld_swap", "icbc", 0.5),
        ("uniswap.website", "tld_swap", "uniswap", 0.1),
        ("mercadopago.vercel.app", "tld_swap", "mercadopago", 0.6),
        ("工商银行-客服.com", "idn_chinese_brand", "icbc", 0.9),
        ("中国银行.com", "idn_chinese_brand", "boc", 0.9),
        ("支付宝退款.top", "idn_chinese_brand", "alipay", 0.9),
    ],
)
def test_positives(
    catalogue: BrandCatalogue, host: str, signal: str, brand: str | None, min_weight: float
) -> None:
    found = _signals(host, catalogue)
    assert (signal, brand) in found, found
    assert min_weight <= found[(signal, brand)] <= 1.0


@pytest.mark.parametrize(
    "host",
    [
        "icbc.com.cn", "www.icbc.com.cn", "mybank.icbc.com.cn", "mail.163.com", "www.alipay.com", "pay.alipay.com",
        "render.alipay.com", "apple.com.cn", "www.apple.com.cn", "paypal.com", "login.microsoftonline.com",
        "10086.cn", "www.122.gov.cn", "taobao.com", "item.taobao.com", "weixin.qq.com", "www.boc.cn",
        "www.paypal.me",
    ],
)  # fmt: skip
def test_brands_own_domains_never_flag(catalogue: BrandCatalogue, host: str) -> None:
    assert detect(parse_host(host), catalogue) == []


@pytest.mark.parametrize(
    "host",
    [
        "abc123.com",  # short tokens (abc, boc, ccb, cmb, jd) are ordinary strings in Chinese domains
        "bocai88.com",
        "ccbx.com",
        "cmbxyz.com",
        "jdcloudx.com",
        "jd-vip.com",  # a weak word next to a two-letter brand is not enough
        "sh10086.com",  # hotline numbers inside a name
        "95508.com",
        "purchase-order.com",  # "chase" only as a brand token
        "dhl.example.com",  # a short brand as a subdomain label counts only on a cheap TLD
        "apple.map.fastly.net",  # CDN hostnames embed the brand's own host name
        "douyincdn.com.wsdvs.com",
        "example.com",
        "1.2.3.4",
    ],
)
def test_near_misses_stay_quiet(catalogue: BrandCatalogue, host: str) -> None:
    assert max((s.weight for s in detect(parse_host(host), catalogue)), default=0.0) < 0.5


def test_brand_with_ordinary_words_is_weaker_than_with_fraud_words(catalogue: BrandCatalogue) -> None:
    own_style = _signals("samsungcloud.tv", catalogue)[("combosquat", "samsung")]
    fraud_style = _signals("samsung-verify.tv", catalogue)[("combosquat", "samsung")]
    assert own_style < 0.5 <= fraud_style


def test_signal_explains_itself(catalogue: BrandCatalogue) -> None:
    (signal,) = detect(parse_host("icbc.com.cn.secure-xyz.top"), catalogue)
    assert signal.fraud_type is FraudType.PHISHING and signal.brand == "icbc"
    assert "ICBC" in signal.detail and "icbc.com.cn" in signal.detail and "secure-xyz.top" in signal.detail
    assert signal.evidence["official_domain"] == "icbc.com.cn"
    assert signal.to_dict()["signal"] == "brand_in_subdomain"


def test_brand_in_path(catalogue: BrandCatalogue) -> None:
    names = {(s.name, s.brand) for s in detect_url("http://evil.top/www.paypal.com/signin", catalogue)}
    assert ("brand_in_path", "paypal") in names
    names = {(s.name, s.brand) for s in detect_url("https://x.example.net/icbc/login.html", catalogue)}
    assert ("brand_in_path", "icbc") in names
    assert detect_url("https://www.paypal.com/paypal/signin", catalogue) == []
    assert detect_url("https://blog.example.net/2024/05/holiday.html", catalogue) == []


def test_operator_brand_is_protected(catalogue: BrandCatalogue) -> None:
    extended = catalogue.with_overrides(
        [{"id": "acme", "name": "ACME Hosting", "category": "cloud", "domains": ["acmehosting.com"],
          "names": ["ACME Hosting"], "keywords": ["acmehosting"], "country": None}]
    )  # fmt: skip
    assert ("combosquat", "acme") in _signals("acmehosting-login.top", extended)
    assert ("typo.transposition", "acme") in _signals("acmehsoting.com", extended)
    assert detect(parse_host("panel.acmehosting.com"), extended) == []
    assert ("combosquat", "acme") not in _signals("acmehosting-login.top", catalogue)


def test_nearest_brand_and_features(catalogue: BrandCatalogue) -> None:
    assert nearest_brand(parse_host("instagarm.com"), catalogue) == ("instagram", 2, "typo.transposition")
    assert nearest_brand(parse_host("metamsk.io"), catalogue) == ("metamask", 1, "typo.omission")
    assert nearest_brand(parse_host("micros0ftonline.org"), catalogue) == ("microsoft", 1, "homoglyph")
    assert nearest_brand(parse_host("icbc-kefu.com"), catalogue) == ("icbc", 0, "combosquat")
    assert nearest_brand(parse_host("example.com"), catalogue) == (None, -1, "")
    row = features(parse_host("icbc-kefu.com"), catalogue)
    assert tuple(row) == FEATURE_NAMES
    assert row["combosquat"] == row["lookalike_max_weight"] >= 0.8 and row["lookalike_signals"] == 1
    assert set(features(parse_host("example.com"), catalogue).values()) == {0.0}


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_subdomains_of_official_domains_never_flag(catalogue: BrandCatalogue, data: st.DataObject) -> None:
    brand = data.draw(st.sampled_from(catalogue.brands))
    domain = data.draw(st.sampled_from(brand.domains))
    prefix = data.draw(
        st.lists(st.sampled_from(["www", "login", "secure", "paypal", "icbc", "kefu", "m"]), max_size=3)
    )
    host = ".".join([*prefix, domain])
    assert detect(parse_host(host), catalogue) == []
