"""What page analysis looks for: form field kinds, phones, wallets, ICP numbers, chat widgets, obfuscation.

Kept apart from the walker in page.py so that the vocabularies can be read and extended in one place.
"""

from __future__ import annotations

import hashlib
import re

# Field kinds, tested in this order against type/name/id/placeholder/autocomplete/aria-label/label text.
# Order matters: "cvv" before "card_number" ("card security code"), "pin" before "password".
# Matched against lower-cased hints.
FIELD_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("cvv", r"cvv|cvc|csc\b|cvn|security.?code|card.?code|安全码|验证值|卡背|kartenprüf"),
        (
            "card_expiry",
            r"cc-exp|exp(iry|iration)?.?(date|month|year|mm|yy)|\bexp(mm|yy|_?m|_?y)\b|有效期|ablauf",
        ),
        (
            "card_number",
            r"cc-number|card.?(no|num)|cc.?num|\bccn\b|\bpan\b|卡号|银行卡|信用卡|储蓄卡|借记卡"
            r"|kartennummer|numero.?de.?carte|número.?de.?tarjeta",
        ),
        ("pin", r"\bpin\b|atm.?pin|取款密码|交易密码|支付密码|查询密码|六位密码"),
        (
            "otp",
            r"one-time-code|\botp\b|sms.?code|verification.?code|verify.?code|auth.?code|\b2fa\b|\btan\b"
            r"|验证码|动态码|校验码|短信码|动态密码",
        ),
        (
            "id_number",
            r"身份证|证件号|idcard|id_?card|id.?no\b|id.?number|\bssn\b|social.?security|sfz"
            r"|national.?id|passport.?n",
        ),
        (
            "password",
            r"password|passwd|\bpwd\b|\bpass\b|密码|口令|kennwort|passwort|contraseña|mot.?de.?passe",
        ),
        # Sign-up gated by a recruiter's code: how scam platforms credit their agents.
        (
            "invite_code",
            r"invit\w*.?code|\binvite\b|\binviter|邀请码|邀請碼|推荐码|推薦碼|推荐人|介绍人|推广码"
            r"|referr?al.?(?:code|id)|\bref.?code",
        ),
        ("email", r"e-?mail|邮箱|电子邮件"),
        ("phone", r"\btel\b|phone|mobile|手机|电话|handy|telefon"),
        (
            "name",
            r"real.?name|full.?name|first.?name|last.?name|surname|given.?name|cc-name|card.?holder"
            r"|姓名|真实姓名|持卡人|vorname|nachname",
        ),
        ("username", r"user|login|account|账号|帐号|用户名|会员名|benutzer"),
    )
)
SENSITIVE_KINDS = frozenset({"password", "card_number", "cvv", "card_expiry", "id_number", "otp", "pin"})

_CN_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
ICP_WORD = re.compile(r"ICP", re.IGNORECASE)
# Provincial abbreviation + ICP备/ICP证 + 6 to 10 digits (8 before 2019, year + 6 since) + 号, optionally -N.
ICP_NUMBER = re.compile(rf"[{_CN_PROVINCES}]ICP[备证]\d{{6,10}}号(?:-\d{{1,3}})?")
FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９：－", "0123456789:-")

PHONE = re.compile(
    r"(?<![\d\w])(?:"
    r"(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"  # mainland mobile
    r"|[48]00[\s-]?\d{3}[\s-]?\d{4}"  # mainland 400/800 service numbers
    r"|\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,4}){2,4}"  # international with a plus
    r"|\(\d{3}\)\s?\d{3}-\d{4}|1-8(?:00|33|44|55|66|77|88)-\d{3}-\d{4}"  # North American
    r")(?![\d\w])"
)

_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# One pass for every wallet kind; the group name says which matched.
WALLET = re.compile(
    rf"(?<![0-9A-Za-z])(?:(?P<eth>0x[0-9a-fA-F]{{40}})|(?P<tron>T[{_B58}]{{33}})"
    rf"|(?P<btc>[13][{_B58}]{{25,34}}|bc1[02-9ac-hj-np-z]{{25,59}}))(?![0-9A-Za-z])"
)


def base58check_ok(address: str) -> bool:
    """True when a base58 address (BTC legacy, TRON) carries a valid double-SHA-256 checksum."""
    number = 0
    for ch in address:
        number = number * 58 + _B58.index(ch)
    raw = number.to_bytes(25, "big") if number.bit_length() <= 200 else b""
    return len(raw) == 25 and hashlib.sha256(hashlib.sha256(raw[:-4]).digest()).digest()[:4] == raw[-4:]


# Customer-service chat widgets: vendor script hosts (suffix match) and on-page wording.
CHAT_VENDOR_HOSTS = {
    "tawk.to": "tawk.to",
    "livechatinc.com": "LiveChat",
    "crisp.chat": "Crisp",
    "zopim.com": "Zendesk Chat",
    "zdassets.com": "Zendesk",
    "intercom.io": "Intercom",
    "intercomcdn.com": "Intercom",
    "tidio.co": "Tidio",
    "jivosite.com": "JivoChat",
    "jivo.chat": "JivoChat",
    "olark.com": "Olark",
    "smartsupp.com": "Smartsupp",
    "chatra.io": "Chatra",
    "freshchat.com": "Freshchat",
    "driftt.com": "Drift",
    "livezilla.net": "LiveZilla",
    "53kf.com": "53KF",
    "meiqia.com": "Meiqia",
    "udesk.cn": "Udesk",
    "qiyukf.com": "Qiyu",
    "sobot.com": "Sobot",
    "live800.com": "Live800",
    "easemob.com": "Easemob",
    "kf5.com": "KF5",
    "chatwoot.com": "Chatwoot",
}
# Matched against lower-cased text (case-insensitive regexes are several times slower on long scripts).
CHAT_WORDING = re.compile(
    r"在线客服|联系客服|人工客服|客服中心|微信客服|qq客服|24小时客服|客服热线|live\s?chat"
    r"|chat with (us|an agent|support)|online customer service",
)
CHAT_URL_LITERALS = ("kefu", "livechat", "/chat", "qq.com", "chatlink")
CHAT_URL = re.compile(r"kefu|livechat|/chat/?(\?|$)|wpa\.qq\.com|qm\.qq\.com|chatlink")

QR_LITERALS = ("qr", "二维码", "扫码", "扫一扫", "wxcode", "erweima")
QR_HINT = re.compile(r"qr.?code|\bqr\b|二维码|扫码|扫一扫|wxcode|erweima")
APP_LINK_ANY = re.compile(r"\.(?:apk|ipa|xapk|exe|msi|dmg)\b|itms-services:")
APP_LINK = re.compile(r"\.(apk|ipa|xapk|exe|msi|dmg)(?:[?#]|$)|^itms-services:", re.IGNORECASE)

META_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)
# Starts with a literal so the regex engine can skip ahead (an optional "window." prefix would stop that).
JS_REDIRECT = re.compile(r"location(?:(?:\.href)?\s*=\s*|\.(?:replace|assign)\(\s*)['\"]([^'\"]{1,500})['\"]")
# (name, literal that must occur for the pattern to be tried at all, pattern); base64 blobs: has_base64_blob.
OBFUSCATION: tuple[tuple[str, str, re.Pattern[str]], ...] = tuple(
    (name, literal, re.compile(pattern))
    for name, literal, pattern in (
        ("packer", "function(p,", r"eval\(function\(p,\s*a,\s*c,\s*k,\s*e,\s*[rd]\)"),
        ("eval", "eval", r"\beval\s*\("),
        ("atob", "atob", r"\batob\s*\("),
        ("unescape", "unescape", r"\bunescape\s*\("),
        ("fromcharcode", "fromCharCode", r"String\.fromCharCode\s*\("),
        ("hex_identifiers", "_0x", r"_0x[0-9a-f]{4,6}\b.{0,400}_0x[0-9a-f]{4,6}\b"),
        ("hex_escapes", "\\x", r"(?:\\x[0-9a-fA-F]{2}){20}"),
        (
            "document_write_escaped",
            "document.write",
            r"document\.write\s*\(\s*(?:unescape|atob|decodeURIComponent)",
        ),
    )
)

BASE64_BLOB_CHARS = 400
_BASE64_MASK = bytes(
    0x61 if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "+/") else 0x20 for b in range(256)
)


def has_base64_blob(code: str) -> bool:
    """A run of BASE64_BLOB_CHARS base64 characters (an embedded payload); bytes.translate + substring search
    is an order of magnitude faster than a regex over hundreds of kilobytes of script."""
    masked = code.encode("utf-8", "ignore").translate(_BASE64_MASK)
    return b"a" * BASE64_BLOB_CHARS in masked


STOPWORDS_EN = frozenset(
    [
        "the",
        "and",
        "to",
        "of",
        "a",
        "in",
        "for",
        "is",
        "on",
        "you",
        "your",
        "with",
        "this",
        "that",
        "are",
        "be",
        "or",
        "by",
        "it",
        "as",
        "we",
        "at",
        "from",
        "our",
        "have",
        "not",
        "can",
    ]
)
