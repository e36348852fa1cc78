"""Look-alikes of protected brands in a host name: typos, homoglyphs, mixed scripts, combosquats, brands in
the subdomain or path of an unrelated domain, TLD swaps, Chinese brand names in IDNs and pinyin spellings.

Pure and fast: the catalogue is compiled once into an index (Aho-Corasick over brand tokens, a dict of
typo variants, a dict of skeletons), so the common no-hit path costs a few microseconds per host.
A brand's own registrable domains and their subdomains never produce signals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import ahocorasick
from rapidfuzz.distance import Levenshtein

from sitewarden.domain.models import FraudType, Signal
from sitewarden.normalise.domains import HostInfo, parse_host
from sitewarden.normalise.urls import InvalidInput, path_of
from sitewarden.score.brands import Brand, BrandCatalogue
from sitewarden.score.domains.lookalike_words import ABUSED_TLDS, INFRASTRUCTURE, STRONG_WORDS, VOCABULARY
from sitewarden.score.domains.skeleton import is_mixed_script, skeleton
from sitewarden.score.domains.typos import typo_table

_SEPARATORS = re.compile(r"[-0-9]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SUBDOMAIN_SPAN = 4
_CDN_LABEL = re.compile(
    r"cdn|dns|gslb|edge|cache|akahost"
)  # longest official domain looked for inside a subdomain, in labels


@lru_cache(maxsize=8192)
def _tiling(piece: str) -> tuple[int, int] | None:
    """(words, strong words) of the best exact tiling of `piece` by vocabulary words, or None."""
    if not piece:
        return 0, 0
    best: tuple[int, int] | None = None
    for end in range(len(piece), 1, -1):
        head = piece[:end]
        if head in VOCABULARY:
            tail = _tiling(piece[end:])
            if tail is not None:
                found = (tail[0] + 1, tail[1] + (head in STRONG_WORDS))
                if best is None or found[1] > best[1]:
                    best = found
    return best


def _vocabulary_in(text: str) -> tuple[int, int] | None:
    """(words, strong words) when text split at hyphens and digits is all vocabulary, else None."""
    words = strong = 0
    for piece in _SEPARATORS.split(text):
        tiled = _tiling(piece)
        if tiled is None:
            return None
        words, strong = words + tiled[0], strong + tiled[1]
    return words, strong


@dataclass(frozen=True, slots=True)
class _Token:
    brand: Brand
    kind: str  # "keyword" or "pinyin"


@dataclass
class LookalikeIndex:
    """Look-up structures compiled from a catalogue; build with `index_for(catalogue)`."""

    catalogue: BrandCatalogue
    official_labels: dict[str, tuple[Brand, str]] = field(default_factory=dict)
    all_labels: dict[str, tuple[Brand, str]] = field(default_factory=dict)
    tokens: ahocorasick.Automaton = field(default_factory=ahocorasick.Automaton)

    def __post_init__(self) -> None:
        found: dict[str, list[_Token]] = {}
        for brand in self.catalogue.brands:
            distinctive = set(brand.keywords)
            for domain in brand.domains:
                label = parse_host(domain).sld
                self.all_labels.setdefault(label, (brand, domain))
                if label in distinctive or label.replace("-", "") in distinctive:
                    self.official_labels.setdefault(label, (brand, domain))
            for word in dict.fromkeys((*brand.pinyin, *brand.keywords)):  # pinyin wins for shared words
                kind = "pinyin" if word in brand.pinyin else "keyword"
                found.setdefault(word, []).append(_Token(brand, kind))
        for word, owners in found.items():
            self.tokens.add_word(word, (word, tuple(owners)))
        if found:
            self.tokens.make_automaton()

    def may_imitate(self, info: HostInfo) -> bool:
        """False when no detector can fire: the host (an ASCII name with a suffix) has no brand token, and
        none of its labels or hyphen-separated words is a brand-owned label or a typo variant. Every look-up
        the detectors make is one of these, so skipping the rest changes no result."""
        if info.unicode_host != info.host:
            return True
        head = info.host[: len(info.host) - len(info.suffix) - 1]
        for _hit in self.tokens.iter(head):
            return True
        typos, labels = self.typos, self.all_labels
        for label in head.split("."):
            if label in typos or label in labels:
                return True
            if "-" in label:
                for part in label.split("-"):
                    if part in typos or part in labels:
                        return True
        return False

    @cached_property
    def typos(self) -> dict[str, tuple[object, str]]:
        """Typo variant -> ((brand, official domain, imitated label), kind) for distinctive official labels
        and keywords. Built once (about half a second) so that each host costs one dict look-up."""
        labels: dict[str, object] = {
            label: (brand, domain, label)
            for label, (brand, domain) in self.official_labels.items()
            if not label.isdigit()
        }
        for brand in self.catalogue.brands:
            for word in brand.keywords:
                if not word.isdigit():
                    labels.setdefault(word, (brand, brand.domains[0], word))
        # Chinese names are pinyin, where a changed vowel is usually another ordinary word (zhengxin/zhangxin).
        pinyin_like = frozenset(
            label
            for label, (brand, _, _) in labels.items()
            if brand.country in ("CN", "TW", "HK")  # type: ignore[misc]
        )
        return typo_table(labels, frozenset(self.all_labels.keys() | VOCABULARY), no_vowel_swap=pinyin_like)

    @cached_property
    def skeletons(self) -> dict[str, tuple[Brand, str]]:
        out: dict[str, tuple[Brand, str]] = {}
        for label, owner in self.official_labels.items():
            out.setdefault(skeleton(label), owner)
        for brand in self.catalogue.brands:
            for word in brand.keywords:
                if len(word) >= 4:
                    out.setdefault(skeleton(word), (brand, brand.domains[0]))
        return out

    @cached_property
    def chinese_names(self) -> ahocorasick.Automaton:
        automaton = ahocorasick.Automaton()
        names: dict[str, list[Brand]] = {}
        for brand in self.catalogue.brands:
            for name in brand.names:
                if len(name) >= 2 and _CJK.search(name):
                    names.setdefault(name.lower(), []).append(brand)
        for name, brands in names.items():
            automaton.add_word(name, (name, tuple(brands)))
        if names:
            automaton.make_automaton()
        return automaton


@lru_cache(maxsize=8)
def index_for(catalogue: BrandCatalogue) -> LookalikeIndex:
    """The compiled index of a catalogue (cached per catalogue object)."""
    return LookalikeIndex(catalogue)


def _signal(signal: str, weight: float, brand: Brand, why: str, **evidence: object) -> Signal:
    official = evidence.get("official_domain") or brand.domains[0]
    detail = f"{why}; {brand.name}'s official domain is {official}"
    evidence = {"official_domain": official, **evidence}
    return Signal(signal, weight, detail, FraudType.PHISHING, brand.id, evidence)


def _tld_swap(info: HostInfo, index: LookalikeIndex) -> Iterable[Signal]:
    owner = index.official_labels.get(info.sld)
    if owner is None:
        return
    brand, official = owner
    tld = info.suffix.rpartition(".")[2]
    # Brands hold many suffixes defensively (klarna.net, huawei.eu); cheap, abused TLDs are the tell, and
    # so are shared platforms (mercadopago.vercel.app, pancakeswap.uk.com: 1 benign vs ~100 fraud hosts).
    weight = 0.6 if info.is_private_suffix else 0.5 if tld in ABUSED_TLDS else 0.15
    why = f"{info.registrable_domain} is the brand name under another suffix"
    yield _signal("tld_swap", weight, brand, why, official_domain=official)


def _typo_signal(
    brand: Brand, official: str, kind: str, weight: float, why: str, seen: str, label: str
) -> Signal:
    name = "homoglyph" if kind == "homoglyph" else f"typo.{kind}"
    distance = Levenshtein.distance(seen, label)
    return _signal(
        name, weight, brand, why, official_domain=official, kind=kind, imitates=label, distance=distance
    )


def _typo(info: HostInfo, index: LookalikeIndex) -> Iterable[Signal]:
    sld = info.sld
    hit = index.typos.get(sld)
    if hit is not None:
        (brand, official, label), kind = hit  # type: ignore[misc]
        # typos of 6-7 letter names often are other real names (chanel/channel): measured lift ~3 vs ~14
        weight = 0.85 if kind == "homoglyph" or len(label) >= 8 else 0.45
        why = f"{sld} is a {kind.replace('_', ' ')} typo of {official}"
        yield _typo_signal(brand, official, kind, weight, why, sld, label)
        return
    if "-" not in sld:
        return
    parts = sld.split("-")  # a typo glued to fraud words: secure-paypa1-login
    for i, part in enumerate(parts):
        hit = index.typos.get(part) if len(part) >= 5 else None
        if hit is None:
            continue
        rest = "-".join(parts[:i] + parts[i + 1 :])
        vocab = _vocabulary_in(rest)
        if vocab is not None and vocab[0] > 0:
            (brand, official, label), kind = hit  # type: ignore[misc]
            why = f"{sld} contains {part}, a {kind.replace('_', ' ')} typo of {official}, with the words {rest!r}"
            yield _typo_signal(brand, official, kind, 0.85 if vocab[1] else 0.7, why, part, label)
            return


def _token_hits(text: str, index: LookalikeIndex) -> Iterable[tuple[int, int, str, tuple[_Token, ...]]]:
    if not text:
        return
    for end, (word, owners) in index.tokens.iter(text):
        yield end - len(word) + 1, end + 1, word, owners


def _bounded(text: str, start: int, end: int, word: str) -> bool:
    """Is text[start:end] a whole token: edges at hyphens, dots or digits (or letters, for digit tokens)?"""
    digits = word.isdigit()

    def edge(ch: str) -> bool:
        return ch in "-." or (ch.isalpha() if digits else ch.isdigit())

    return (start == 0 or edge(text[start - 1])) and (end == len(text) or edge(text[end]))


def _combosquat_weight(sld: str, start: int, end: int, word: str, hosted: bool) -> tuple[float, str]:
    """Weight and reason for a brand token inside a registrable label (`hosted`: on a shared platform
    such as weeblysite.com or vercel.app); weight 0 means no signal."""
    strict = len(word) <= 3 or word.isdigit()  # jd, ccb, 10086: ordinary strings in Chinese domains
    if sld == word:
        return (0.0, "") if strict else (0.2, f"{sld} is the brand's name under a domain it does not own")
    rest = f"{sld[:start]}-{sld[end:]}"
    vocab = _vocabulary_in(rest)
    bounded = _bounded(sld, start, end, word)
    words = rest.strip("-")
    if vocab is not None and vocab[1] and (bounded or len(word) >= 4):
        return 0.85, f"{sld} is the brand token {word!r} plus the fraud words {words!r}"
    if strict:
        # att-100229.square.site: short brands as separate words were ~800x likelier on fraud than on
        # benign hosts of shared platforms, ~25x with ordinary words elsewhere (jd-vip, dbs-bank65)
        if bounded and not word.isdigit() and (hosted or vocab is not None):
            return (0.45 if hosted else 0.35), f"{sld} has the brand token {word!r} as a separate word"
        return 0.0, ""
    if vocab is not None and (bounded or len(word) >= 5):
        return 0.45, f"{sld} is the brand token {word!r} plus the words {words!r}"
    if bounded and len(word) >= 4:
        return 0.35, f"{sld} contains the brand token {word!r} as a separate word"
    if len(word) >= 7:
        return 0.25, f"{sld} contains the brand token {word!r}"
    return 0.0, ""


def _hyphenated_official(info: HostInfo, index: LookalikeIndex) -> Signal | None:
    """icbc-com-cn.top, secure-paypa1-login.com: an official domain spelt with hyphens, or a brand-owned
    label (brands register their own typos) next to fraud words."""
    parts = info.sld.split("-")
    found = _official_in(parts, index)
    if found is not None:
        brand, official = found
        why = f"{info.sld} spells the official domain {official} with hyphens"
        return _signal("combosquat", 0.85, brand, why, official_domain=official)
    for i, part in enumerate(parts):
        owner = index.all_labels.get(part) if len(part) >= 5 and part not in VOCABULARY else None
        vocab = _vocabulary_in("-".join(parts[:i] + parts[i + 1 :])) if owner else None
        if owner is not None and vocab is not None and vocab[1]:
            brand, official = owner
            why = f"{info.sld} is the brand-owned name {part!r} plus fraud words"
            return _signal("combosquat", 0.8, brand, why, official_domain=official, token=part)
    return None


def _combosquat(info: HostInfo, index: LookalikeIndex) -> Iterable[Signal]:
    sld = info.sld
    if sld in index.official_labels:  # reported as a TLD swap
        return
    if "-" in sld:
        hyphenated = _hyphenated_official(info, index)
        if hyphenated is not None:
            yield hyphenated
    for start, end, word, owners in _token_hits(sld, index):
        weight, why = _combosquat_weight(sld, start, end, word, info.is_private_suffix)
        if info.is_private_suffix and 0.35 <= weight < 0.7:
            # a brand as a word of a site name on a shared platform (usps-track.weeblysite.com): ~250x
            # likelier on fraud than on benign hosts of the training split, none among benign test hosts
            weight = 0.7
        if weight:
            for owner in owners:
                if owner.kind == "pinyin":  # pinyin names without fraud words are everyday Chinese domains
                    yield _signal(
                        "pinyin_brand", weight if weight >= 0.8 else 0.15, owner.brand, why, token=word
                    )
                else:
                    yield _signal("combosquat", weight, owner.brand, why, token=word)


def _official_in(labels: list[str], index: LookalikeIndex) -> tuple[Brand, str] | None:
    """The first official domain spelt by consecutive labels (longest first at each position)."""
    for i in range(len(labels) - 1):
        # only labels that begin some official domain can start one (one set probe per label);
        # g.cn inside a.g.cn.example.com is noise, not an imitation
        if len(labels[i]) < 2 or labels[i] not in index.all_labels:
            continue
        for span in range(min(_SUBDOMAIN_SPAN, len(labels) - i), 1, -1):
            candidate = ".".join(labels[i : i + span])
            brand = index.catalogue.official_brand(candidate)
            if brand is not None:
                return brand, candidate
    return None


def _brand_in_subdomain(info: HostInfo, index: LookalikeIndex) -> Iterable[Signal]:
    sub = info.subdomain
    if not sub:
        return
    # usps.com-track.top: the official domain spelt across the boundary into the registrable label
    labels = [*sub.split("."), info.sld.partition("-")[0]]
    found = _official_in(labels, index)
    if found is not None:
        brand, official = found
        tld = info.suffix.rpartition(".")[2]
        if tld not in ABUSED_TLDS and _CDN_LABEL.search(info.sld):
            return  # a CDN alias of the brand's own host name (tiktokcdn.com.rocket-cdn.com)
        cheap = tld in ABUSED_TLDS or "-" in info.sld or any(ch.isdigit() for ch in info.sld)
        why = f"{info.host} spells {official} in front of the unrelated domain {info.registrable_domain}"
        yield _signal("brand_in_subdomain", 0.9 if cheap else 0.3, brand, why, official_domain=official)
        return
    cheap_tld = info.suffix.rpartition(".")[2] in ABUSED_TLDS
    for start, end, word, owners in _token_hits(sub, index):
        if word.isdigit() or not _bounded(sub, start, end, word):
            continue
        label_start = sub.rfind(".", 0, start) + 1
        label_end = sub.find(".", end)
        label = sub[label_start : label_end if label_end >= 0 else len(sub)]
        vocab = _vocabulary_in(label.replace(word, "-", 1))
        if len(word) < 4:  # dhl.parcel-fee.top: a short brand only as a whole label on a cheap TLD
            if label != word or not cheap_tld:
                continue
            weight = 0.45
        else:
            weight = 0.75 if vocab is not None and vocab[1] else 0.6 if info.is_private_suffix else 0.45
        why = f"{info.host} names {word!r} in the subdomain of the unrelated domain {info.registrable_domain}"
        for owner in owners:
            yield _signal("brand_in_subdomain", weight, owner.brand, why, token=word)
    for part in re.split(r"[.-]", sub):  # paypa1.secure-xyz.top: a typo of the brand in the subdomain
        hit = index.typos.get(part) if len(part) >= 6 else None
        if hit is not None:
            (brand, official, label), kind = hit  # type: ignore[misc]
            why = f"the subdomain of {info.registrable_domain} contains {part}, a {kind.replace('_', ' ')} typo of {official}"
            yield _typo_signal(brand, official, kind, 0.45, why, part, label)
            break


def _idn(info: HostInfo, index: LookalikeIndex) -> Iterable[Signal]:
    if info.unicode_host == info.host:
        return
    labels = info.unicode_host.split(".")
    for label in labels:
        if is_mixed_script(label):
            yield Signal("mixed_script", 0.6, f"label {label!r} mixes scripts, a common disguise",
                         FraudType.PHISHING, None, {"label": label})  # fmt: skip
            break
    uni_sld = info.unicode_host[: len(info.unicode_host) - len(info.suffix) - 1] if info.suffix else ""
    uni_sld = uni_sld.rpartition(".")[2]
    for part in {uni_sld, *uni_sld.split("-")}:
        owner = index.skeletons.get(skeleton(part)) if part and not part.isascii() else None
        if owner is not None:
            brand, official = owner
            yield _signal("homoglyph", 0.95, brand,
                          f"{uni_sld} ({info.registrable_domain}) looks like {official} but uses other characters",
                          official_domain=official)  # fmt: skip
            break
    if _CJK.search(info.unicode_host):
        seen: set[str] = set()
        for _, (name, brands) in index.chinese_names.iter(info.unicode_host.lower()):
            for brand in brands:
                if brand.id not in seen:
                    seen.add(brand.id)
                    yield _signal("idn_chinese_brand", 0.9, brand,
                                  f"{info.unicode_host} contains the brand's Chinese name {name!r}", name=name)  # fmt: skip


_DETECTORS = (_tld_swap, _typo, _combosquat, _brand_in_subdomain, _idn)


def _strongest(signals: Iterable[Signal]) -> list[Signal]:
    best: dict[tuple[str, str | None], Signal] = {}
    for s in signals:
        key = (s.name, s.brand)
        if key not in best or s.weight > best[key].weight:
            best[key] = s
    return sorted(best.values(), key=lambda s: -s.weight)


def _on_infrastructure(host: str) -> bool:
    dot = host.rfind(".")
    for _ in range(4):
        dot = host.rfind(".", 0, dot)
        if dot < 0:
            return False
        if host[dot + 1 :] in INFRASTRUCTURE:
            return True
    return False


def detect(info: HostInfo, catalogue: BrandCatalogue) -> list[Signal]:
    """Look-alike signals for a parsed host, strongest first; none for a brand's own domains, IPs, and
    host names of CDN/traffic-steering infrastructure (see INFRASTRUCTURE)."""
    if (
        info.is_ip
        or not info.suffix
        or info.suffix == info.host
        or catalogue.is_official(info.registrable_domain)
        or _on_infrastructure(info.host)
    ):
        return []
    index = index_for(catalogue)
    if not index.may_imitate(info):
        return []
    return _strongest(s for detector in _DETECTORS for s in detector(info, index))


def detect_url(url: str, catalogue: BrandCatalogue) -> list[Signal]:
    """detect() on the URL's host plus brand names in its path (`/www.paypal.com/signin`, `/icbc/login`)."""
    info = parse_host(url)
    signals = detect(info, catalogue)
    if info.is_ip or not catalogue.is_official(info.registrable_domain):
        signals = _strongest([*signals, *_brand_in_path(path_of(url).lower(), info, index_for(catalogue))])
    return signals


def _brand_in_path(path: str, info: HostInfo, index: LookalikeIndex) -> Iterable[Signal]:
    segments = [s for s in re.split(r"[/?&=#]+", path) if s]
    for segment in segments:
        if "." in segment:
            try:
                brand = index.catalogue.official_brand(parse_host(segment).registrable_domain)
            except InvalidInput:
                brand = None
            if brand is not None:
                yield _signal("brand_in_path", 0.6, brand,
                              f"the path on {info.host} names the brand's domain {segment!r}")  # fmt: skip
                return
    for segment in segments:
        for start, end, word, owners in _token_hits(segment, index):
            if len(word) >= 4 and _bounded(segment.replace("_", "-"), start, end, word):
                for owner in owners:
                    yield _signal("brand_in_path", 0.35, owner.brand,
                                  f"the path on {info.host} names {word!r}", token=word)  # fmt: skip


def nearest_brand(info: HostInfo, catalogue: BrandCatalogue) -> tuple[str | None, int, str]:
    """(brand id, edit distance, signal name) of the strongest brand imitation in this host, or
    (None, -1, ""). The distance is the Levenshtein distance from the imitated label for typos (ASCII
    homoglyphs included), 0 where the brand's name or domain appears as is (combosquat, TLD swap, brand in
    subdomain, Unicode homoglyph). Only hosts that raise a signal are compared, so this stays cheap."""
    for s in detect(info, catalogue):
        if s.brand is not None:
            return s.brand, int(s.evidence.get("distance", 0)), s.name
    return None, -1, ""


FEATURE_NAMES = (
    "lookalike_max_weight", "lookalike_signals", "typo", "homoglyph", "mixed_script", "combosquat",
    "pinyin_brand", "brand_in_subdomain", "tld_swap", "idn_chinese_brand",
)  # fmt: skip


def features(info: HostInfo, catalogue: BrandCatalogue) -> dict[str, float]:
    """Numeric look-alike features for a model (names in FEATURE_NAMES): the strongest weight per signal
    family, the overall maximum and the number of signals."""
    return features_of(detect(info, catalogue))


def features_of(signals: list[Signal]) -> dict[str, float]:
    """`features` from signals already detected (batch scoring keeps them as the records' reasons)."""
    out = dict.fromkeys(FEATURE_NAMES, 0.0)
    for s in signals:
        family = "typo" if s.name.startswith("typo.") else s.name
        if family in out:
            out[family] = max(out[family], s.weight)
    out["lookalike_signals"] = float(len(signals))
    out["lookalike_max_weight"] = max((s.weight for s in signals), default=0.0)
    return out
