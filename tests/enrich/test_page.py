"""Static page analysis: what PageFacts extracts, and that no input makes it raise."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitewarden.enrich.page import analyse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
URL = "https://shop-4711.customer-sites.net/login/index.html"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_chinese_bank_harvest_page_fields_and_target():
    facts = analyse(fixture("phish_ccb_zh.html"), URL)
    assert facts.language == "zh"
    assert facts.title == "中国建设银行 - 积分兑换"
    (form,) = facts.forms
    assert form.method == "post"
    assert form.action_host == "collect.ccb-jifen.top"
    assert set(form.input_kinds) == {"name", "id_number", "card_number", "pin", "phone", "otp"}
    assert facts.posts_to_other_host
    assert facts.icp_text == "京ICP备13030780号" and facts.icp_valid is True
    assert "ccb" in {m["brand"] for m in facts.brand_mentions if m["where"] in ("title", "image")}


def test_english_login_page_kinds_and_sso_buttons_are_not_brand_mentions():
    facts = analyse(fixture("benign_login_en.html"), URL)
    assert facts.language == "en"
    assert facts.input_kinds == {"email", "password"}
    assert not facts.posts_to_other_host
    # "Sign in with Google", "Continue with Facebook" and the reCAPTCHA notice name brands; the page is not them.
    assert not [m for m in facts.brand_mentions if m["brand"] == "google"]
    assert facts.phones == ["+441134960000"]


def test_checkout_card_fields_by_autocomplete_and_labels():
    facts = analyse(fixture("benign_checkout_en.html"), URL)
    assert facts.input_kinds == {"name", "card_number", "card_expiry", "cvv"}


def test_scam_page_lures_wallet_chat_apps():
    facts = analyse(fixture("scam_invest_zh.html"), URL)
    assert facts.wallets == ["tron:TJRabPrwbZy45sbavfcjinPJC18kjpRTv8"]
    assert "tawk.to" in facts.chat_widgets and "chat wording" in facts.chat_widgets
    assert "embed.tawk.to" in facts.script_hosts
    assert facts.app_links[0] == "https://shop-4711.customer-sites.net/download/bihui.apk"
    assert any(link.startswith("itms-services:") for link in facts.app_links)
    assert facts.icp_valid is None


def test_wallet_checksums_reject_lookalike_strings():
    good_btc = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    bad_btc = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3"
    eth = "0x52908400098527886E0F7030069857D2E4169EE7"
    facts = analyse(f"<p>pay {good_btc} or {bad_btc} or {eth}</p>", URL)
    assert facts.wallets == [f"btc:{good_btc}", f"eth:{eth}"]


def test_icp_formats():
    assert analyse("<p>沪ICP备2021012345号-2</p>", URL).icp_valid is True
    assert analyse("<p>粤ＩＣＰ证 ０３０１７３号</p>", URL).icp_valid is None  # full-width ICP is not "ICP"
    malformed = analyse("<p>备案号：ICP备12号</p>", URL)
    assert malformed.icp_valid is False and "ICP备12号" in malformed.icp_text
    assert analyse("<p>京 ICP 证 030173 号</p>", URL).icp_text == "京ICP证030173号"


def test_phone_numbers_cn_and_international():
    facts = analyse("<p>客服 400-820-8820，手机 13812345678，or call +1 (415) 555-0199</p>", URL)
    assert facts.phones == ["400-820-8820", "13812345678", "+1(415)555-0199"]


def test_redirects_obfuscation_iframes_qr():
    html = """<html><head><meta http-equiv="refresh" content="3; url=https://next.example/landing">
    <script>var _0x3a1f=['a'];function f(){return _0x3a1f[0]} eval(atob('YWxlcnQoMSk='));
    window.location.href = "https://evil.example/go";</script></head>
    <body><iframe src="//frame.example/x"></iframe><img src="/img/wx_qrcode.png" alt="扫码关注"></body></html>"""
    facts = analyse(html, URL)
    assert facts.redirects == ["https://evil.example/go", "https://next.example/landing"]
    assert {"eval", "atob", "hex_identifiers"} <= set(facts.obfuscation)
    assert facts.iframes == ["https://frame.example/x"]
    assert facts.qr_hints >= 2


def test_packer_and_base64_blob_markers():
    blob = "QUJD" * 120
    html = f"<script>eval(function(p,a,c,k,e,d){{return p}}('x',1,1,'a'.split('|'),0,{{}}))</script><script>var b='{blob}'</script>"
    assert {"packer", "base64_blob"} <= set(analyse(html, URL).obfuscation)


def test_charset_from_meta_header_and_sniffing():
    page = "<html><head><title>中国建设银行</title></head><body><p>请输入银行卡号和取款密码</p></body></html>"
    sniffed = analyse(page.encode("gbk"), URL)
    assert sniffed.title == "中国建设银行" and sniffed.language == "zh"
    # A wrong Latin-1 label, as kits often send, does not win over a clean GB read.
    mislabelled = analyse(page.encode("gbk"), URL, {"Content-Type": "text/html; charset=ISO-8859-1"})
    assert mislabelled.title == "中国建设银行"
    german = "<title>Kredit für Sie</title><p>Günstige Zinsen für Ihre Wünsche und Träume</p>"
    assert analyse(german.encode("latin-1"), URL).title == "Kredit für Sie"
    big5 = analyse(page.encode("big5", "ignore"), URL, {"content-type": "text/html; charset=big5"})
    assert big5.charset == "big5"


def test_binary_content_is_recorded_not_parsed():
    apk = b"PK\x03\x04" + b"\x00" * 26 + b"AndroidManifest.xml" + b"\x00" * 100
    facts = analyse(apk, URL)
    assert not facts.is_html and facts.binary_kind == "apk"
    assert analyse(b"%PDF-1.7\n...", URL).binary_kind == "pdf"
    assert (
        analyse(b"<html></html>", URL, {"Content-Type": "application/octet-stream"}).binary_kind == "binary"
    )
    assert analyse(b"MZ\x90\x00", URL).binary_kind == "exe"


def test_loose_inputs_outside_forms_are_a_pseudo_form():
    facts = analyse('<div><input type="password" name="pw"><input name="cardno"></div>', URL)
    assert facts.forms[-1].action is None and facts.input_kinds == {"password", "card_number"}


def test_dom_tokens_ignore_text_and_repeats():
    a = analyse("<body><div><p>Hello</p><p>World</p><b>x</b></div></body>", URL)
    b = analyse("<body><div><p>Other words</p></div></body>", URL)
    assert a.dom_tokens == b.dom_tokens == ["body", "div", "p"]


def test_to_dict_is_json_safe():
    facts = analyse(fixture("phish_ccb_zh.html"), URL)
    data = json.loads(json.dumps(facts.to_dict(), ensure_ascii=False))
    assert data["forms"][0]["action_host"] == "collect.ccb-jifen.top"


def test_wrong_input_type_is_an_error_not_an_exception():
    facts = analyse(12345, URL)  # type: ignore[arg-type]
    assert not facts.is_html and facts.errors


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.text(max_size=60))
def test_any_bytes_and_url_never_raise(data: bytes, url: str):
    facts = analyse(data, url)
    json.dumps(facts.to_dict())


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/=\"' abcdefghijklmnopqrstuvwxyz-:;.!?&#")), max_size=2000))
def test_tag_soup_never_raises(html: str):
    assert analyse(html, URL).errors == []


def test_hostile_nesting_is_flattened_not_quadratic():
    facts = analyse(b"<div>" * 50_000 + b"<form><input type=password></form>", URL)
    assert facts.input_kinds == {"password"}
    assert "nested deeper than 512" in facts.errors[0]
    honest = analyse("<div>" * 30 + "<p>ok</p>" + "</div>" * 30, URL)
    assert honest.errors == []
    closed = analyse(b"<div>" * 50_000 + b"<b>deep</b>" + b"</div>" * 50_000, URL)  # well-formed but deep
    assert "nested deeper than 512" in closed.errors[0]
    wide = analyse(("<div>" + "<p>item <br><img src=x.png> <input name=q></p>" * 400 + "</div>") * 3, URL)
    assert wide.errors == [] and wide.image_count == 1200  # many tags side by side are not deep


def test_client_side_template_text_is_kept_apart():
    html = """<p>Loading</p><template><div>秒合约 稳赚不赔</div></template>
    <script type="text/html" id="tpl"><p>极速时时彩 返点</p></script><script>var x = "秒秒彩";</script>"""
    facts = analyse(html, URL)
    assert facts.text == "Loading"
    assert facts.template_text == "秒合约 稳赚不赔 极速时时彩 返点"
