"""Static page analysis: turn one fetched page (any bytes) into PageFacts that scoring reads.

Pure: no I/O. selectolax (Lexbor) parses; every extractor is bounded (text, lists and the DOM walk are capped)
so that hostile pages cost the same as ordinary ones. Garbage in gives facts with what could be read,
binary content gives `is_html=False` with its kind, and nothing here raises on input.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from sitewarden.enrich import page_patterns as pp
from sitewarden.enrich.page_brands import brand_mentions, site_of
from sitewarden.enrich.page_decode import binary_kind, decode

MAX_INPUT_BYTES = 3_000_000
MAX_TEXT_CHARS = 20_000
MAX_ITEMS = 30
MAX_DOM_TOKENS = 1_500
MAX_SCRIPT_CHARS = 300_000
MAX_DEPTH = 512
MAX_LOGO_IMAGES = 100
MAX_TEMPLATE_CHARS = 10_000
MAX_REF_CHARS = 500  # data: URIs can be megabytes; nothing we look for sits past this
_TEMPLATE_TAG = re.compile(r"^<template[^>]*>|</template>$", re.IGNORECASE)
_TEMPLATE_TYPES = frozenset({"text/html", "text/template", "text/x-template", "text/x-handlebars-template"})
_INVISIBLE = ["script", "style", "noscript", "template", "svg", "head"]
# Inline formatting varies between copies of a kit; the skeleton is what stays.
_FORMATTING = frozenset(
    {"b", "i", "u", "em", "strong", "span", "font", "br", "small", "big", "sup", "sub", "wbr", "nobr"}
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_KANA_HANGUL = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_SPACES = re.compile(r"\s+")
_ABSOLUTE_REF = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*:)?//(?:[^@/?#\\]*@)?([^:/?#\\\s\[\]]+)")
_KIND_PATTERNS = dict(pp.FIELD_KINDS)
_TAG = re.compile(r"<(/)?([A-Za-z][A-Za-z0-9-]{0,30})[^>]{0,2000}>")
# Void elements, and ones the parser closes implicitly: neither deepens the tree.
_NOT_NESTING = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track"}
    | {"wbr", "p", "li", "option", "td", "tr", "th", "dt", "dd"}
)


@dataclass(slots=True)
class FormFacts:
    """One form (or the loose inputs outside any form, with action None)."""

    action: str | None
    method: str
    action_host: str
    input_kinds: list[str]
    input_count: int
    posts_to_other_host: bool


@dataclass(slots=True)
class PageFacts:
    """What static analysis saw on one page; JSON-safe through to_dict()."""

    url: str
    host: str
    is_html: bool = True
    binary_kind: str | None = None
    charset: str = ""
    size: int = 0
    title: str = ""
    text: str = ""
    template_text: str = ""  # text of client-side templates, shown once scripts run
    language: str = "other"
    forms: list[FormFacts] = field(default_factory=list)
    posts_to_other_host: bool = False
    iframes: list[str] = field(default_factory=list)
    script_hosts: list[str] = field(default_factory=list)
    resource_hosts: list[str] = field(default_factory=list)
    link_count: int = 0
    link_hosts: dict[str, int] = field(default_factory=dict)
    favicon_url: str = ""
    image_count: int = 0
    app_links: list[str] = field(default_factory=list)
    qr_hints: int = 0
    chat_widgets: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    wallets: list[str] = field(default_factory=list)
    redirects: list[str] = field(default_factory=list)
    obfuscation: list[str] = field(default_factory=list)
    icp_text: str = ""
    icp_valid: bool | None = None
    brand_mentions: list[dict[str, str | int]] = field(default_factory=list)
    dom_tokens: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def input_kinds(self) -> set[str]:
        return {kind for form in self.forms for kind in form.input_kinds}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def url_host(url: str) -> str:
    """Lower-case host of a URL, "" when there is none or the URL is malformed."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def _resolve(base: str, ref: str) -> str:
    try:
        return urljoin(base, ref.strip())
    except ValueError:
        return ""


def _ref_host(ref: str) -> str:
    """Host of an absolute or scheme-relative reference; "" for relative ones (they stay on the page's host)."""
    if "//" not in ref[:24]:
        return ""
    m = _ABSOLUTE_REF.match(ref.strip()[:MAX_REF_CHARS])
    return m.group(1).lower().rstrip(".") if m else ""


_NEST_CHUNK = 4096


def _may_nest_deeper(html: str) -> bool:
    """A cheap upper bound on the nesting depth, chunk by chunk at C speed (str.count): inside a chunk the
    depth is at most the depth before it plus the chunk's start tags. Void tags make it an overestimate,
    which only costs the exact pass, never a missed deep page (well-formed deep nesting included)."""
    if html.count("<") - html.count("</") <= MAX_DEPTH:  # not even that many start tags in all
        return False
    depth = 0
    for i in range(0, len(html), _NEST_CHUNK):
        end = i + _NEST_CHUNK
        closes = html.count("</", i, end)
        starts = html.count("<", i, end) - closes
        if depth + starts > MAX_DEPTH:
            return True
        depth = max(0, depth + starts - closes)
    return False


def _limit_nesting(html: str, facts: PageFacts) -> str:
    """Drop start tags nested deeper than MAX_DEPTH. Lexbor's tree building walks the open-element stack
    on every start tag, so 200,000 nested <div>s take minutes; honest pages nest a few dozen deep. The
    exact pass runs only when a cheap count (start tags minus end tags) says the page might be that deep."""
    if not _may_nest_deeper(html):
        return html
    depth, dropped = 0, 0

    def keep(m: re.Match[str]) -> str:
        nonlocal depth, dropped
        if m.group(1):
            depth = max(0, depth - 1)
        elif m.group(2).lower() not in _NOT_NESTING and not m.group(0).endswith("/>"):
            depth += 1
            if depth > MAX_DEPTH:
                dropped += 1
                return " "
        return m.group(0)

    flattened = _TAG.sub(keep, html)
    if dropped:
        facts.errors.append(f"{dropped} tags nested deeper than {MAX_DEPTH} were ignored")
    return flattened


def _template_text(tree: LexborHTMLParser) -> str:
    """Text inside <template> and script-held HTML templates (Vue, art-template, Handlebars): pages built
    in the browser keep their wording there, out of reach of the static visible text."""
    parts: list[str] = []
    size = 0
    for node in tree.css("template, script[type]"):
        if node.tag == "script" and (node.attributes.get("type") or "").lower() not in _TEMPLATE_TYPES:
            continue
        # A <template>'s content is not in its text(); its markup (tags stripped) is.
        markup = _TEMPLATE_TAG.sub("", node.html or "") if node.tag == "template" else node.text(deep=True)
        inner = LexborHTMLParser((markup or "")[:MAX_TEMPLATE_CHARS]).body
        parts.append(_squash(inner.text(separator=" ")) if inner else "")
        size += len(parts[-1])
        if size >= MAX_TEMPLATE_CHARS:
            break
    return " ".join(p for p in parts if p)[:MAX_TEMPLATE_CHARS]


def _squash(text: str) -> str:
    """Collapse whitespace runs to single spaces (str.split is several times faster than a regex)."""
    return " ".join(text.split())


def _has_any(text: str, literals: tuple[str, ...]) -> bool:
    """Cheap pre-check before an alternation regex, which has no literal prefix to skip ahead with."""
    return any(literal in text for literal in literals)


def _add(items: list[str], value: str) -> None:
    if value and value not in items and len(items) < MAX_ITEMS:
        items.append(value[:300])


def _language(text: str) -> str:
    sample = text[:3000]
    cjk = len(_CJK.findall(sample))
    if _KANA_HANGUL.search(sample) and len(_KANA_HANGUL.findall(sample)) * 5 > cjk:
        return "other"
    words = _LATIN_WORD.findall(sample)
    if cjk >= 20 and cjk * 2 >= len(words):
        return "zh"
    if len(words) >= 5 and sum(w.lower() in pp.STOPWORDS_EN for w in words) >= 0.12 * len(words):
        return "en"
    return "zh" if cjk >= 5 and cjk >= len(words) else "other"


def _field_kind(node: LexborNode, labels: Mapping[str, str]) -> str | None:
    attrs = node.attributes
    itype = (attrs.get("type") or "text").lower()
    if itype in (
        "hidden",
        "submit",
        "button",
        "image",
        "reset",
        "checkbox",
        "radio",
        "file",
        "range",
        "color",
    ):
        return None
    if itype == "password":
        # A password-type box named for a PIN or an SMS code is asked for as that.
        hint = " ".join(filter(None, (attrs.get("name"), attrs.get("id"), attrs.get("placeholder")))).lower()
        for kind in ("pin", "otp", "cvv"):
            if _KIND_PATTERNS[kind].search(hint):
                return kind
        return "password"
    hint = " ".join(
        value
        for value in (
            attrs.get(k) for k in ("name", "id", "placeholder", "autocomplete", "aria-label", "title")
        )
        if value
    )
    hint = f"{hint} {labels.get(attrs.get('id') or '', '')}".lower()
    for kind, pattern in pp.FIELD_KINDS:
        if pattern.search(hint):
            return kind
    return {"email": "email", "tel": "phone"}.get(itype)


def _forms(tree: LexborHTMLParser, url: str, site: str, labels: Mapping[str, str]) -> list[FormFacts]:
    forms: list[FormFacts] = []
    in_forms: set[int] = set()
    for form in tree.css("form")[:MAX_ITEMS]:
        inputs = form.css("input, select, textarea")
        in_forms.update(n.mem_id for n in inputs)
        action = (form.attributes.get("action") or "").strip()
        target = _resolve(url, action) if action else url
        forms.append(
            _form_facts(action, form.attributes.get("method") or "get", target, site, inputs, labels)
        )
    loose = [n for n in tree.css("input, textarea") if n.mem_id not in in_forms]
    kinds_loose = _form_facts(None, "", url, site, loose, labels)
    if kinds_loose.input_kinds:
        forms.append(kinds_loose)
    return forms


def _form_facts(
    action: str | None,
    method: str,
    target: str,
    site: str,
    inputs: list[LexborNode],
    labels: Mapping[str, str],
) -> FormFacts:
    kinds = sorted({k for k in (_field_kind(n, labels) for n in inputs[:200]) if k})
    scheme = target.split(":", 1)[0].lower()
    target_host = "mailto" if scheme == "mailto" else url_host(target)
    other = bool(target_host) and (target_host == "mailto" or (bool(site) and site_of(target_host) != site))
    return FormFacts(
        action=action,
        method=(method or "get").lower()[:10],
        action_host=target_host,
        input_kinds=kinds,
        input_count=len(inputs),
        posts_to_other_host=other and bool(kinds),
    )


def _dom_tokens(root: LexborNode | None) -> list[str]:
    """Tag sequence with depth, formatting tags and repeated siblings dropped: the skeleton a kit keeps."""
    tokens: list[str] = []
    if root is None:
        return tokens
    last = ""
    for node in root.traverse(include_text=False):
        tag = node.tag or ""
        if tag in _FORMATTING or tag.startswith(("-", "#", "_")):  # text and comment nodes
            continue
        token = tag
        if tag == "input":
            token = f"input:{(node.attributes.get('type') or 'text').lower()}"
        if token != last:
            tokens.append(token)
            last = token
        if len(tokens) >= MAX_DOM_TOKENS:
            break
    return tokens


def _icp(text: str) -> tuple[str, bool | None]:
    for match in pp.ICP_WORD.finditer(text):
        window = _SPACES.sub("", text[max(0, match.start() - 2) : match.end() + 24]).translate(
            pp.FULLWIDTH_DIGITS
        )
        found = pp.ICP_NUMBER.search(window)
        if found:
            return found.group(0), True
    match = pp.ICP_WORD.search(text)
    if match:
        return _SPACES.sub("", text[max(0, match.start() - 2) : match.end() + 16]), False
    return "", None


def _wallets(text: str) -> list[str]:
    found: list[str] = []
    for m in pp.WALLET.finditer(text):
        kind, addr = m.lastgroup or "", m.group(0)
        if kind == "tron" or (kind == "btc" and addr[0] in "13"):
            try:
                if not pp.base58check_ok(addr):
                    continue
            except ValueError:
                continue
        _add(found, f"{kind}:{addr}")
    return found


def _scripts(tree: LexborHTMLParser, url: str, facts: PageFacts) -> None:
    inline: list[str] = []
    size = 0
    for node in tree.css("script"):
        src = node.attributes.get("src")
        if src:
            host = _ref_host(src)
            if host and host != facts.host:
                _add(facts.script_hosts, host)
            vendor = _chat_vendor(host)
            if vendor:
                _add(facts.chat_widgets, vendor)
        elif size < MAX_SCRIPT_CHARS:
            inline.append(node.text(deep=True))
            size += len(inline[-1])
    code = "\n".join(inline)[:MAX_SCRIPT_CHARS]
    if not code:
        return
    markers = [name for name, literal, pattern in pp.OBFUSCATION if literal in code and pattern.search(code)]
    if pp.has_base64_blob(code):
        markers.append("base64_blob")
    facts.obfuscation = sorted(markers)
    if "location" in code:
        for m in pp.JS_REDIRECT.finditer(code):
            _add(facts.redirects, _resolve(url, m.group(1)))
    lowered = code.lower()
    if _has_any(lowered, pp.CHAT_URL_LITERALS) and pp.CHAT_URL.search(lowered):
        _add(facts.chat_widgets, "chat link in script")


def _chat_vendor(host: str) -> str | None:
    for suffix, vendor in pp.CHAT_VENDOR_HOSTS.items():
        if host == suffix or host.endswith("." + suffix):
            return vendor
    return None


def _links(tree: LexborHTMLParser, url: str, facts: PageFacts) -> str:
    """Links, resources, frames and images into facts; returns the images' alt texts and file names
    (where logos name their brand) for brand matching."""
    hosts: Counter[str] = Counter()
    resources: set[str] = set(facts.script_hosts)
    hrefs = [
        (node.attributes.get("href") or "")[:MAX_REF_CHARS].strip()
        for node in tree.css("a[href], area[href]")
    ]
    facts.link_count = len(hrefs)
    # One search over all links finds the rare pages worth a per-link look.
    joined = "\n".join(hrefs).lower()
    if pp.APP_LINK_ANY.search(joined):
        for href in hrefs:
            if pp.APP_LINK.search(href):
                _add(facts.app_links, _resolve(url, href))
    if _has_any(joined, pp.CHAT_URL_LITERALS) and pp.CHAT_URL.search(joined):
        _add(facts.chat_widgets, "chat link")
    for href in hrefs:
        host = _ref_host(href)
        if host and host != facts.host:
            hosts[host] += 1
    facts.link_hosts = dict(hosts.most_common(20))
    for node in tree.css("link[href]"):
        attrs = node.attributes
        rel = (attrs.get("rel") or "").lower()
        href = attrs.get("href") or ""
        if "icon" in rel and not facts.favicon_url:
            facts.favicon_url = _resolve(url, href)
        host = _ref_host(href)
        if host and host != facts.host:
            resources.add(host)
    image_hints: list[str] = []
    logo_text: list[str] = []
    for node in tree.css("img, iframe, frame, embed, object, source"):
        attrs = node.attributes
        src = (attrs.get("src") or attrs.get("data") or attrs.get("data-src") or "")[:MAX_REF_CHARS]
        if node.tag in ("iframe", "frame") and src:
            _add(facts.iframes, _resolve(url, src))
        if node.tag == "img":
            facts.image_count += 1
            alt = attrs.get("alt") or ""
            image_hints.append(f"{src} {alt} {attrs.get('class') or ''} {attrs.get('id') or ''}")
            if len(logo_text) < MAX_LOGO_IMAGES:
                logo_text.append(f"{alt} {src.rsplit('/', 1)[-1][:60]}")
        host = _ref_host(src)
        if host and host != facts.host:
            resources.add(host)
    hints = "\n".join(image_hints).lower()
    if _has_any(hints, pp.QR_LITERALS):
        facts.qr_hints += len(pp.QR_HINT.findall(hints))
    if not facts.favicon_url and facts.host:
        facts.favicon_url = _resolve(url, "/favicon.ico")
    facts.resource_hosts = sorted(resources)[: MAX_ITEMS * 2]
    return " ".join(logo_text)


def _meta_refresh(tree: LexborHTMLParser, url: str, facts: PageFacts) -> None:
    for node in tree.css("meta[http-equiv]"):
        if (node.attributes.get("http-equiv") or "").lower() == "refresh":
            m = pp.META_REFRESH_URL.search(node.attributes.get("content") or "")
            if m:
                _add(facts.redirects, _resolve(url, m.group(1)))


def _label_texts(tree: LexborHTMLParser) -> dict[str, str]:
    labels: dict[str, str] = {}
    for node in tree.css("label[for]")[:300]:
        labels[node.attributes.get("for") or ""] = node.text(strip=True)[:80]
    return labels


def analyse(html: str | bytes, url: str, headers: Mapping[str, str] | None = None) -> PageFacts:
    """Extract PageFacts from one page. Never raises: problems are listed in `errors`."""
    host = url_host(url)
    facts = PageFacts(url=url, host=host)
    try:
        _analyse_into(facts, html, url, headers)
    except Exception as exc:  # a parser or pattern surprise on hostile input must not kill a scan
        facts.errors.append(f"analysis stopped: {type(exc).__name__}: {exc}"[:300])
    return facts


def _analyse_into(facts: PageFacts, html: str | bytes, url: str, headers: Mapping[str, str] | None) -> None:
    if isinstance(html, bytes | bytearray | memoryview):
        data = bytes(html)
        facts.size = len(data)
        kind = binary_kind(data, headers)
        if kind:
            facts.is_html, facts.binary_kind = False, kind
            return
        if len(data) > MAX_INPUT_BYTES:
            facts.errors.append(f"page cut to {MAX_INPUT_BYTES} bytes for analysis")
        text, facts.charset = decode(data[:MAX_INPUT_BYTES], headers)
    elif isinstance(html, str):
        text, facts.charset, facts.size = html[:MAX_INPUT_BYTES], "str", len(html)
    else:
        facts.is_html, facts.binary_kind = False, "not-text"
        facts.errors.append(f"expected str or bytes, got {type(html).__name__}")
        return
    tree = LexborHTMLParser(_limit_nesting(text.replace("\x00", ""), facts))
    site = site_of(facts.host) if facts.host else ""
    title = tree.css_first("title")
    facts.title = _squash(title.text())[:300] if title else ""
    labels = _label_texts(tree)
    facts.forms = _forms(tree, url, site, labels)
    facts.posts_to_other_host = any(f.posts_to_other_host for f in facts.forms)
    _scripts(tree, url, facts)
    alt_text = _links(tree, url, facts)
    _meta_refresh(tree, url, facts)
    facts.dom_tokens = _dom_tokens(tree.body)
    facts.template_text = _template_text(tree)
    tree.strip_tags(_INVISIBLE)
    body = tree.body
    visible = _squash(body.text(separator=" ")[: MAX_TEXT_CHARS * 3]) if body else ""
    facts.text = visible[:MAX_TEXT_CHARS]
    facts.language = _language(f"{facts.title} {facts.text}")
    _text_facts(facts, alt_text)


def _text_facts(facts: PageFacts, alt_text: str) -> None:
    text = facts.text
    for m in pp.PHONE.finditer(text):
        _add(facts.phones, _SPACES.sub("", m.group(0)))
    facts.wallets = _wallets(text)
    facts.icp_text, facts.icp_valid = _icp(text)
    lowered = text.lower()
    if pp.CHAT_WORDING.search(lowered):
        _add(facts.chat_widgets, "chat wording")
    if _has_any(lowered, pp.QR_LITERALS):
        facts.qr_hints += len(pp.QR_HINT.findall(lowered))
    facts.brand_mentions = brand_mentions(facts.title, text, alt_text)
