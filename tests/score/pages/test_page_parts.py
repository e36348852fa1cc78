"""The page-scoring parts on their own: kit hash, cloaking, ICP, genres, brand presentation, reputation."""

from __future__ import annotations

import pytest

from sitewarden.domain.models import FraudType
from sitewarden.enrich.page import analyse
from sitewarden.score.pages.brand import brand_signals, title_presents
from sitewarden.score.pages.cloaking import cloaking_signals, text_similarity
from sitewarden.score.pages.combine import score_page
from sitewarden.score.pages.content import build_vocabulary, content_signals
from sitewarden.score.pages.icp import icp_signals
from sitewarden.score.pages.kit import kit_hash
from sitewarden.score.pages.reputation import RelatedFacts, reputation_signals

HOST = "shop-4711.customer-sites.net"
URL = f"https://{HOST}/"
KIT = """<html><head><title>{title}</title></head><body><div class="wrap"><div class="top"><img src="{logo}"></div>
<div class="box"><h2>{heading}</h2><form action="next.php" method="post"><div class="row"><label>{a}</label>
<input name="u"></div><div class="row"><label>{b}</label><input type="password" name="p"></div>
<div class="row"><button>{go}</button></div></form></div><div class="foot"><p>{foot}</p><a href="#">x</a></div>
</div></body></html>"""


def kit_page(**texts: str):
    defaults = dict(title="t", logo="a.png", heading="h", a="a", b="b", go="go", foot="f")
    return analyse(KIT.format(**{**defaults, **texts}), URL)


def test_kit_hash_links_copies_with_different_texts():
    one = kit_page(title="Sign in", heading="Welcome back", a="Email", b="Password", foot="© Brand A")
    two = kit_page(title="登录", heading="欢迎回来", a="邮箱", b="密码", foot="© 品牌 B", logo="b.png")
    assert kit_hash(one.dom_tokens) == kit_hash(two.dom_tokens) != ""
    other = analyse(
        "<html><body>"
        + "<section><h3>x</h3><ul><li>a</li></ul><table><tr><td>1</td></tr></table></section>" * 3,
        URL,
    )
    assert kit_hash(other.dom_tokens) not in ("", kit_hash(one.dom_tokens))


def test_tiny_pages_get_no_kit_hash():
    assert kit_hash(analyse("<html><body><p>It works!</p></body></html>", URL).dom_tokens) == ""


def test_cloaking_needs_material_difference():
    page = kit_page(heading="Welcome to our bakery, fresh bread every morning " * 10)
    assert cloaking_signals(page, page) == []
    assert cloaking_signals(page, None) == []
    elsewhere = analyse("<p>hello</p>", "https://landing.other-site.example/")
    (signal,) = cloaking_signals(page, elsewhere)
    assert "landing.other-site.example" in signal.detail
    apk = analyse(b"PK\x03\x04" + b"\x00" * 26 + b"classes.dex", URL)
    (signal,) = cloaking_signals(page, apk)
    assert signal.fraud_type == FraudType.MALWARE_DOWNLOAD and signal.weight >= 0.7


def test_text_similarity():
    assert text_similarity("", "") == 1.0
    assert text_similarity("fresh bread every morning", "fresh bread every morning") == 1.0
    assert text_similarity("fresh bread every morning", "秒合约 稳赚不赔") == 0.0


def test_icp_is_weak_and_only_for_mainland_chinese_pages():
    missing = analyse("<p>" + "欢迎光临本店，我们提供优质的茶叶和茶具。" * 3 + "</p>", URL)
    (signal,) = icp_signals(missing, HOST)
    assert signal.name == "icp_missing" and signal.weight < 0.1
    assert icp_signals(missing, "shop.example.com.hk") == []
    traditional = analyse(
        "<p>" + "歡迎光臨本店，我們提供優質的茶葉和茶具，這裡的服務會讓您滿意。" * 3 + "</p>", URL
    )
    assert icp_signals(traditional, HOST) == []
    assert icp_signals(analyse("<p>A plain English page about tea and teapots for you.</p>", URL), HOST) == []
    malformed = analyse("<p>" + "欢迎光临本店，我们提供优质的茶叶和茶具。" * 3 + "备案号 ICP备123号</p>", URL)
    (signal,) = icp_signals(malformed, HOST)
    assert signal.name == "icp_malformed"
    assert score_page(malformed, HOST).assessment.verdict == "allow"


def test_genre_needs_two_terms_or_one_strong_one():
    assert content_signals(analyse("<p>今日充值优惠</p>", URL)) == []
    (signal,) = content_signals(analyse("<p>秒合约 限时开放</p>", URL))
    assert signal.fraud_type == FraudType.INVESTMENT_SCAM and "秒合约" in signal.detail


def test_english_terms_match_whole_words_only():
    assert content_signals(analyse("<p>parcels of land; casinos-ish betting-free zone</p>", URL)) == []


def test_vocabulary_is_validated():
    with pytest.raises(ValueError, match="not_a_type"):
        build_vocabulary({"genres": {"not_a_type": {"label": "x", "terms": {"a": 0.5}}}})
    with pytest.raises(ValueError, match="weight"):
        build_vocabulary({"genres": {"gambling": {"label": "x", "terms": {"a": 1.5}}}})


@pytest.mark.parametrize(
    ("title", "term", "expected"),
    [
        ("Log in to your PayPal account", "PayPal", True),
        ("Login - Paypal", "PAYPAL", True),
        ("中国建设银行 - 积分兑换", "中国建设银行", True),
        ("Facebook Is Tracking Me Even Though I'm Not on Facebook", "Facebook", False),
        ("DeepMind新电脑已可利用记忆自学 人工智能迈上新台阶，腾讯科技报道称这是重大突破", "腾讯", False),
    ],
)
def test_title_presents(title: str, term: str, expected: bool):
    assert title_presents(title, term) is expected


def test_payment_logos_on_a_checkout_are_not_a_brand():
    html = '<p>We accept <img alt="Visa"> <img alt="Mastercard"> Visa and Mastercard, Visa debit.</p><input name="cardnumber">'
    assert brand_signals(analyse(html, URL), HOST) == []


def test_credentials_posted_to_the_brand_itself_are_its_own_flow():
    html = """<title>Sign in - PayPal</title><img alt="PayPal">
    <form action="https://www.paypal.com/signin" method="post"><input type="password" name="p"></form>"""
    assert brand_signals(analyse(html, URL), HOST) == []
    kit = html.replace("https://www.paypal.com/signin", "post.php")
    (signal,) = brand_signals(analyse(kit, URL), HOST)
    assert signal.brand == "paypal" and signal.weight >= 0.8


def test_hosted_platform_names_are_not_impersonation():
    html = '<title>Log In ‹ Caribou Coffee — WordPress</title><form><input type="password" name="pwd"></form>'
    assert brand_signals(analyse(html, URL), HOST) == []


def test_copied_login_page_from_unlisted_site():
    links = "".join(f'<a href="https://www.smallbank-example.de/p{i}">x</a>' for i in range(5))
    html = f'<title>Anmelden</title>{links}<form action="login.php"><input type="password" name="pw"></form>'
    (signal,) = brand_signals(analyse(html, URL), HOST)
    assert signal.name == "copied_login_page" and "smallbank-example.de" in signal.detail


def test_no_related_facts_no_signals():
    assert reputation_signals(None) == []
    assert reputation_signals(RelatedFacts()) == []
    (cert,) = reputation_signals(RelatedFacts(certificate_sha256="ab" * 32, confirmed_same_certificate=9))
    assert cert.weight <= 0.6


def test_brand_on_its_own_regional_site_is_not_impersonation():
    html = """<title>Zaloguj się | eBay</title><img alt="eBay"><p>eBay eBay</p>
    <form action="/signin"><input type="password" name="p"></form>"""
    assert brand_signals(analyse(html, "https://www.ebay.pl/"), "www.ebay.pl") == []
    (signal,) = brand_signals(analyse(html, "https://ebay.tk/"), "ebay.tk")  # free ccTLD: anyone's
    assert signal.brand == "ebay"


def test_page_naming_its_own_site_is_not_the_brand_in_a_product_name():
    html = """<title>Seavees Baja Stripe | Lucky Brand</title><p>Baja Stripe in stock. Stripe sizes.</p>
    <form action="/login"><input type="password" name="p"></form>"""
    assert brand_signals(analyse(html, "https://www.luckybrand.com/"), "www.luckybrand.com") == []
    kit = html.replace("Seavees Baja Stripe", "Stripe")  # the brand as the page's own name stays
    (signal,) = brand_signals(analyse(kit, "https://www.luckybrand.com/"), "www.luckybrand.com")
    assert signal.brand == "stripe"


def test_long_article_quoting_genre_words_is_damped():
    words = "<p>投注 百家乐 真人视讯 返水 首存</p>"
    short = content_signals(analyse(words, URL))
    filler = "<p>" + "本报讯 今天市场平稳运行，各方面情况总体良好。" * 200 + "</p>"
    article = content_signals(analyse(f"<p>来源：新华社 责任编辑：张三</p>{words}{filler}", URL))
    assert short[0].weight >= 0.45 and article[0].weight < 0.45 and "article" in article[0].detail
    unmarked = content_signals(analyse(f"{words}{filler}", URL))  # long, but no article wording
    assert unmarked[0].weight == short[0].weight


@pytest.mark.parametrize(
    ("html", "genre"),
    [
        ("<p>在線提款 提款密碼 滾球 讓球 註單</p>", FraudType.GAMBLING),
        (
            "<p>Job title: reviewer. Payment method: daily settlement of wages. Freelance, hiring now.</p>",
            FraudType.ORDER_BOOSTING,
        ),
    ],
)
def test_traditional_gambling_and_english_task_scam_wording(html: str, genre: FraudType):
    (signal,) = content_signals(analyse(html, URL))
    assert signal.fraud_type == genre and signal.weight >= 0.45


def test_short_login_screen_with_the_brand_only_in_its_copyright_line():
    html = """<title>Sign in to your account</title><p>Enter password. Keep me signed in.</p>
    <form action="next.php"><input type="password" name="p"></form><p>© 2018 Microsoft Terms of use</p>"""
    (signal,) = brand_signals(analyse(html, URL), HOST)
    assert signal.brand == "microsoft" and "copyright" in signal.detail and signal.weight >= 0.45
    trailing = html.replace("© 2018 Microsoft", "Microsoft © 2018")
    assert brand_signals(analyse(trailing, URL), HOST)[0].brand == "microsoft"
    # The same login screen that merely names the brand in passing is not presenting it.
    passing = html.replace("© 2018 Microsoft", "Works with Microsoft Word files")
    assert brand_signals(analyse(passing, URL), HOST) == []


def test_lure_wording_over_a_password_box_corroborates_but_is_no_verdict_alone():
    html = '<title>Encrypted File</title><form action="go.php"><input type="password" name="p"></form>'
    (signal,) = content_signals(analyse(html, URL))
    assert signal.fraud_type == FraudType.PHISHING and 0.35 < signal.weight < 0.45
    assert content_signals(analyse("<title>Encrypted File</title><p>nothing to fill in</p>", URL)) == []


def test_invitation_code_signup_is_corroboration_only():
    html = """<form action="/reg"><input name="mobile" placeholder="手机号"><input type="password" name="pwd">
    <input name="invitecode" placeholder="请输入邀请码"></form>"""
    facts = analyse(html, URL)
    assert "invite_code" in facts.input_kinds and "phone" in facts.input_kinds
    (signal,) = [s for s in score_page(facts, HOST).assessment.signals if s.name == "invitation_code_signup"]
    assert signal.weight < 0.45 and score_page(facts, HOST).assessment.verdict == "allow"
    with_genre = analyse(html + "<p>抢单大厅 今日佣金</p>", URL)
    assert score_page(with_genre, HOST).assessment.verdict != "allow"
    plain = analyse(
        '<form><input name="email"><input name="coupon" placeholder="Coupon"><input name="invite_email"></form>',
        URL,
    )
    assert "invite_code" not in plain.input_kinds


def test_brand_spelt_with_look_alike_letters_in_the_title():
    html = """<title>Manage your AppIe ID and billing details</title>
    <form action="x.php"><input name="cardnumber"><input name="cvv"></form>"""
    facts = analyse(html, URL)
    assert facts.brand_mentions[0]["brand"] == "apple" and facts.brand_mentions[0].get("disguised")
    (signal,) = brand_signals(facts, HOST)
    assert signal.brand == "apple" and "look-alike" in signal.detail and signal.weight >= 0.85
    honest = analyse("<title>Sign In to your account</title>", URL)
    assert honest.brand_mentions == []
