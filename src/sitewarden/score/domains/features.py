"""Lexical features of host names, computed a chunk at a time with numpy so batch scoring stays fast.

Everything here is pure: the learned parts (TLD/suffix risk priors, character 3-gram log-likelihood ratios)
come in a `LexicalPriors` built by training from the training months only and shipped as JSON numbers.
A leading `www.` is ignored: benign lists rarely carry it and fraud lists often do, an artefact of the
data rather than a property of fraud.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick
import numpy as np

from sitewarden.domain.models import Signal
from sitewarden.normalise.domains import HostInfo
from sitewarden.score.brands import BrandCatalogue
from sitewarden.score.domains import lookalike

# --- character codes: 0 is padding / word boundary ------------------------------------------------------
ALPHABET = 40
_CODES = np.zeros(256, dtype=np.int32)
for _i, _ch in enumerate("abcdefghijklmnopqrstuvwxyz0123456789-_."):
    _CODES[ord(_ch)] = _i + 1
_DIGIT = (27, 36)
_HYPHEN = 37
_DOT = 39
_VOWELS = np.zeros(ALPHABET, dtype=bool)
_VOWELS[[1, 5, 9, 15, 21]] = True
NGRAMS = ALPHABET**3  # 3-grams are indexed exactly
HASHED = 1 << 17  # 4-grams are hashed into this many buckets
MAX_WIDTH = 64  # characters of a name that the character-level features look at

# --- keyword families (substring hits in the host without its suffix) ------------------------------------
KEYWORDS: dict[str, tuple[str, ...]] = {
    "kw_phish": (
        "login",
        "logon",
        "signin",
        "sign-in",
        "secure",
        "account",
        "verify",
        "verif",
        "update",
        "confirm",
        "support",
        "service",
        "auth",
        "password",
        "recover",
        "unlock",
        "billing",
        "invoice",
        "payment",
        "refund",
        "claim",
        "suspend",
        "alert",
        "security",
        "official",
        "helpdesk",
        "webmail",
        "wallet",
        "validate",
        "restore",
        "connect",
        "dapp",
        "airdrop",
        "reward",
        "bonus",
        "gift",
        "prize",
        "promo",
        "delivery",
        "parcel",
        "tracking",
        "customs",
        "toll",
        "banking",
        "online",
        "portal",
        "access",
        "authorize",
        "activation",
        "reactivat",
        "session",
        "identity",
        "notice",
        "cancel",
    ),
    "kw_pinyin": (
        "touzi",
        "licai",
        "jinrong",
        "daikuan",
        "jiekuan",
        "kefu",
        "huiyuan",
        "fanli",
        "shuadan",
        "jianzhi",
        "zhuanqian",
        "caipiao",
        "bocai",
        "yule",
        "qipai",
        "duchang",
        "xianjin",
        "jiaoyi",
        "qianbao",
        "zhifu",
        "yinhang",
        "gongan",
        "jingcha",
        "fayuan",
        "zhengquan",
        "gupiao",
        "qihuo",
        "waihui",
        "huangjin",
        "baoxian",
        "hongbao",
        "jiangli",
        "zhongjiang",
        "tuikuan",
        "guanfang",
        "zaixian",
        "shouji",
        "dianxin",
        "yidong",
        "liantong",
        "kuaidi",
        "wuliu",
        "jiaotong",
        "gonghang",
        "nonghang",
        "jianhang",
        "zhaohang",
        "weixin",
        "zhifubao",
        "taobao",
        "jingdong",
        "pinduoduo",
        "shenfen",
        "anquan",
        "renzheng",
        "buzhu",
        "butie",
        "yibao",
        "shebao",
        "etc",
        "hk",
        "yuebao",
        "dai",
        "qian",
        "cai",
        "bao",
        "fu",
        "jin",
    ),
    "kw_invest": (
        "crypto",
        "coin",
        "btc",
        "eth",
        "usdt",
        "trx",
        "defi",
        "swap",
        "nft",
        "forex",
        "fx",
        "trade",
        "invest",
        "capital",
        "exchange",
        "finance",
        "market",
        "profit",
        "asset",
        "token",
        "bitcoin",
        "mining",
        "stake",
        "yield",
        "fund",
        "wealth",
        "global",
        "pro",
        "ex",
        "bit",
        "chain",
        "block",
        "futures",
        "stock",
        "gold",
        "hold",
        "quant",
        "ai",
    ),
    "kw_gamble": ("bet", "casino", "slot", "poker", "bingo", "lottery", "game", "win", "vip", "play", "club"),
    "kw_shop": ("shop", "store", "outlet", "sale", "deal", "discount", "buy", "cheap", "mall", "boutique"),
}


def _automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    for family, words in enumerate(KEYWORDS.values()):
        for word in words:
            auto.add_word(word, (family, len(word)))
    auto.make_automaton()
    return auto


_KEYWORDS = _automaton()

# --- feature names, in matrix column order ---------------------------------------------------------------
BASE_FEATURES = (
    "host_len",
    "n_labels",
    "sub_labels",
    "sub_len",
    "sld_len",
    "max_label_len",
    "suffix_labels",
    "is_private_suffix",
    "is_ip",
    "is_punycode",
    "digit_ratio",
    "sld_digits",
    "sld_hyphens",
    "sub_hyphens",
    "sub_digits",
    "vowel_ratio",
    "char_switches",
    "sld_entropy",
    "host_entropy",
    "tld_prior",
    "suffix_prior",
    "sld_ngram_mean",
    "sld_ngram_min",
    "sld_ngram_max",
    "sub_ngram_mean",
    "sub_ngram_max",
    "sld_ngram4_mean",
    "sld_ngram4_min",
    "sld_ngram4_max",
    "sub_ngram4_mean",
    "sub_ngram4_max",
    *(f"{family}_hits" for family in KEYWORDS),
    "kw_longest",
    "kw_in_sub",
)


@dataclass(frozen=True, slots=True)
class LexicalPriors:
    """What the features learn from training data: log-odds of fraud per TLD and per public suffix, and a
    smoothed log-likelihood ratio (fraud vs benign) for every character 3-gram and hashed 4-gram."""

    tld: dict[str, float]
    suffix: dict[str, float]
    ngram: np.ndarray  # float32, length NGRAMS
    ngram4: np.ndarray  # float32, length HASHED

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tld": dict(sorted(self.tld.items())),
            "suffix": dict(sorted(self.suffix.items())),
        }
        for name, table in (("ngram", self.ngram), ("ngram4", self.ngram4)):
            out[name] = [round(v, 2) if v else 0 for v in table.tolist()]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LexicalPriors:
        tables = []
        for name, size in (("ngram", NGRAMS), ("ngram4", HASHED)):
            table = np.asarray(data[name], dtype=np.float32)
            if table.shape != (size,):
                raise ValueError(f"lexical priors: {name} must be a list of {size} numbers")
            tables.append(table)
        return cls(dict(data["tld"]), dict(data["suffix"]), *tables)


@dataclass(frozen=True, slots=True)
class Parts:
    """Column view of a chunk of parsed hosts (www. stripped), the shape the vectorised code wants."""

    sld: list[str]
    sub: list[str]
    host: list[str]
    suffix: list[str]
    tld: list[str]
    private: np.ndarray
    ip: np.ndarray

    @classmethod
    def of(cls, infos: Sequence[HostInfo]) -> Parts:
        sub = [_strip_www(i.subdomain) for i in infos]
        sld = [i.sld for i in infos]
        suffix = [i.suffix for i in infos]
        return cls(
            sld=sld,
            sub=sub,
            host=[f"{s}.{d}" if s else d for s, d in zip(sub, sld, strict=True)],
            suffix=suffix,
            tld=[s.rpartition(".")[2] for s in suffix],
            private=np.fromiter((i.is_private_suffix for i in infos), dtype=bool, count=len(infos)),
            ip=np.fromiter((i.is_ip for i in infos), dtype=bool, count=len(infos)),
        )


def _strip_www(sub: str) -> str:
    if sub == "www":
        return ""
    return sub[4:] if sub.startswith("www.") else sub


def codes(strings: Sequence[str]) -> np.ndarray:
    """Matrix of character codes, one row per string, padded with 0 on both sides and at the end. Only the
    first MAX_WIDTH characters are coded: one very long name must not widen the whole chunk's matrix."""
    width = min(max((len(s) for s in strings), default=0), MAX_WIDTH)
    raw = np.array([s[:MAX_WIDTH].encode("ascii", "replace") for s in strings], dtype=f"S{max(width, 1)}")
    mat = np.zeros((len(strings), width + 2), dtype=np.int32)
    if width:
        mat[:, 1:-1] = _CODES[raw.view(np.uint8).reshape(len(strings), -1)]
    return mat


def ngram_ids(mat: np.ndarray, order: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """n-gram ids (order 3: exact; order 4: hashed into HASHED buckets) along the padded matrix, and the
    mask of those whose inner characters are real (so each word boundary counts once per side)."""
    if order == 3:
        return mat[:, :-2] * (ALPHABET * ALPHABET) + mat[:, 1:-1] * ALPHABET + mat[:, 2:], mat[:, 1:-1] != 0
    wide = mat.astype(np.int64)
    ids = wide[:, :-3] * ALPHABET**3 + wide[:, 1:-2] * ALPHABET**2 + wide[:, 2:-1] * ALPHABET + wide[:, 3:]
    hashed = ((ids * 2654435761) & 0xFFFFFFFF) >> (33 - HASHED.bit_length())
    return hashed, (mat[:, 1:-2] != 0) & (mat[:, 2:-1] != 0)


def _ngram_stats(
    mat: np.ndarray, table: np.ndarray, order: int = 3
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids, mask = ngram_ids(mat, order)
    vals = table[ids]
    n = mask.sum(axis=1)
    safe = np.maximum(n, 1)
    mean = np.where(mask, vals, 0.0).sum(axis=1) / safe
    lo = np.where(mask, vals, np.inf).min(axis=1, initial=np.inf)
    hi = np.where(mask, vals, -np.inf).max(axis=1, initial=-np.inf)
    empty = n == 0
    return mean, np.where(empty, 0.0, lo), np.where(empty, 0.0, hi)


def _entropy(mat: np.ndarray) -> np.ndarray:
    rows = mat.shape[0]
    flat = (np.arange(rows)[:, None] * ALPHABET + mat).ravel()
    counts = np.bincount(flat, minlength=rows * ALPHABET).reshape(rows, ALPHABET)[:, 1:].astype(np.float64)
    total = counts.sum(axis=1, keepdims=True)
    p = counts / np.maximum(total, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=1)


def _count(mat: np.ndarray, lo: int, hi: int) -> np.ndarray:
    return ((mat >= lo) & (mat <= hi)).sum(axis=1)


def _keyword_columns(parts: Parts) -> np.ndarray:
    out = np.zeros((len(parts.sld), len(KEYWORDS) + 2), dtype=np.float32)
    longest, in_sub = len(KEYWORDS), len(KEYWORDS) + 1
    for row, (sld, sub) in enumerate(zip(parts.sld, parts.sub, strict=True)):
        for text, is_sub in ((sld, False), (sub, True)):
            if not text:
                continue
            for _end, (family, size) in _KEYWORDS.iter(text):
                out[row, family] += 1
                if size > out[row, longest]:
                    out[row, longest] = size
                if is_sub:
                    out[row, in_sub] += 1
    return out


def _lookup(keys: list[str], table: dict[str, float]) -> np.ndarray:
    get = table.get
    return np.fromiter((get(k, 0.0) for k in keys), dtype=np.float32, count=len(keys))


def base_matrix(parts: Parts, priors: LexicalPriors) -> np.ndarray:
    """The lexical feature matrix (columns in BASE_FEATURES order) for one chunk of hosts."""
    n = len(parts.sld)
    host, sld, sub = codes(parts.host), codes(parts.sld), codes(parts.sub)
    host_len = np.fromiter(map(len, parts.host), dtype=np.float32, count=n)
    sld_len = np.fromiter(map(len, parts.sld), dtype=np.float32, count=n)
    sub_len = np.fromiter(map(len, parts.sub), dtype=np.float32, count=n)
    letters = _count(host, 1, 26)
    is_digit = (host >= _DIGIT[0]) & (host <= _DIGIT[1])
    is_letter = (host >= 1) & (host <= 26)
    switches = ((is_digit[:, 1:] & is_letter[:, :-1]) | (is_letter[:, 1:] & is_digit[:, :-1])).sum(axis=1)
    vowels = _VOWELS[host].sum(axis=1)
    sub_labels = np.where(sub_len > 0, (sub == _DOT).sum(axis=1) + 1, 0)
    suffix_labels = np.fromiter(
        (s.count(".") + 1 if s else 0 for s in parts.suffix), dtype=np.float32, count=n
    )
    label_max = np.fromiter(
        (max(len(x) for x in h.split(".")) for h in parts.host), dtype=np.float32, count=n
    )
    sld_mean, sld_min, sld_max = _ngram_stats(sld, priors.ngram)
    sub_mean, _sub_min, sub_max = _ngram_stats(sub, priors.ngram)
    sld4_mean, sld4_min, sld4_max = _ngram_stats(sld, priors.ngram4, 4)
    sub4_mean, _sub4_min, sub4_max = _ngram_stats(sub, priors.ngram4, 4)
    cols = [
        host_len,
        sub_labels + 1 + suffix_labels,
        sub_labels,
        sub_len,
        sld_len,
        label_max,
        suffix_labels,
        parts.private,
        parts.ip,
        np.fromiter(("xn--" in h for h in parts.host), dtype=bool, count=n),
        is_digit.sum(axis=1) / np.maximum(host_len, 1),
        _count(sld, *_DIGIT),
        (sld == _HYPHEN).sum(axis=1),
        (sub == _HYPHEN).sum(axis=1),
        _count(sub, *_DIGIT),
        vowels / np.maximum(letters, 1),
        switches,
        _entropy(sld),
        _entropy(host),
        _lookup(parts.tld, priors.tld),
        _lookup(parts.suffix, priors.suffix),
        sld_mean,
        sld_min,
        sld_max,
        sub_mean,
        sub_max,
        sld4_mean,
        sld4_min,
        sld4_max,
        sub4_mean,
        sub4_max,
    ]
    mat = np.empty((n, len(BASE_FEATURES)), dtype=np.float32)
    for j, col in enumerate(cols):
        mat[:, j] = col
    mat[:, len(cols) :] = _keyword_columns(parts)
    return mat


# --- fitting priors (used by training; pure over in-memory arrays) -----------------------------------------
def log_odds(keys: Iterable[str], labels: np.ndarray, smoothing: float = 20.0) -> dict[str, float]:
    """Smoothed log-odds of fraud per key, relative to the overall log-odds (0 = no information)."""
    fraud: dict[str, float] = {}
    total: dict[str, float] = {}
    for key, label in zip(keys, labels, strict=True):
        total[key] = total.get(key, 0.0) + 1.0
        fraud[key] = fraud.get(key, 0.0) + float(label)
    base = float(labels.mean()) if len(labels) else 0.5
    base_logit = float(np.log(base / (1 - base))) if 0 < base < 1 else 0.0
    out = {}
    for key, n in total.items():
        p = (fraud[key] + smoothing * base) / (n + smoothing)
        out[key] = round(float(np.log(p / (1 - p))) - base_logit, 4)
    return out


def ngram_counts(strings: Sequence[str], order: int = 3) -> np.ndarray:
    """Counts of each n-gram id over a list of strings (the sufficient statistic of an n-gram table)."""
    ids, mask = ngram_ids(codes(strings), order)
    return np.bincount(ids[mask], minlength=NGRAMS if order == 3 else HASHED).astype(np.float64)


def ngram_table(fraud_counts: np.ndarray, benign_counts: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """Smoothed per-n-gram log-likelihood ratio, fraud over benign; grams seen rarely are zeroed."""
    size = len(fraud_counts)
    pf = (fraud_counts + alpha) / (fraud_counts.sum() + alpha * size)
    pb = (benign_counts + alpha) / (benign_counts.sum() + alpha * size)
    llr = np.log(pf / pb)
    llr[(fraud_counts + benign_counts) < 3] = 0.0
    return np.round(llr, 2).astype(np.float32)  # as shipped in JSON, so training sees what scoring sees


# --- brand tokens ------------------------------------------------------------------------------------------
BRAND_FEATURES = ("brand_in_sld", "brand_in_sub", "brand_token_len", "brand_is_sld", "is_official")


class BrandTokens:
    """Substring hits of protected-brand keywords (Latin and pinyin) in a host name. Domain labels have no
    word boundaries, so unlike `BrandCatalogue.find_mentions` any substring counts; tokens shorter than
    four letters only count when they are the whole label."""

    def __init__(self, catalogue: BrandCatalogue) -> None:
        self.catalogue = catalogue
        self.automaton = ahocorasick.Automaton()
        self.short: set[str] = set()
        for brand in catalogue.brands:
            for token in (*brand.keywords, *brand.pinyin):
                if len(token) >= 4:
                    self.automaton.add_word(token, len(token))
                else:
                    self.short.add(token)
        if len(self.automaton):
            self.automaton.make_automaton()

    def _hits(self, text: str) -> int:
        if not text or not len(self.automaton):
            return 0
        return max((size for _end, size in self.automaton.iter(text)), default=0)

    def matrix(self, parts: Parts, infos: Sequence[HostInfo]) -> np.ndarray:
        out = np.zeros((len(infos), len(BRAND_FEATURES)), dtype=np.float32)
        official = self.catalogue.is_official
        for row, (sld, sub, info) in enumerate(zip(parts.sld, parts.sub, infos, strict=True)):
            if official(info.registrable_domain):
                out[row, 4] = 1
                continue
            in_sld, in_sub = self._hits(sld), self._hits(sub)
            short_sub = bool(sub) and any(label in self.short for label in sub.split("."))
            out[row, 0] = in_sld > 0
            out[row, 1] = in_sub > 0 or short_sub
            out[row, 2] = max(in_sld, in_sub)
            out[row, 3] = in_sld == len(sld) or sld in self.short
        return out


LOOKALIKE_FEATURES = lookalike.FEATURE_NAMES


def lookalike_matrix(
    infos: Sequence[HostInfo], catalogue: BrandCatalogue
) -> tuple[np.ndarray, list[list[Signal]]]:
    """The look-alike detectors' numeric features (strongest weight per family, count), one row per host,
    and each host's signals, so that scoring does not run the detectors twice."""
    out = np.zeros((len(infos), len(LOOKALIKE_FEATURES)), dtype=np.float32)
    signals = [lookalike.detect(info, catalogue) for info in infos]
    for row, found in enumerate(signals):
        if found:  # most hosts raise nothing: their row stays zero
            values = lookalike.features_of(found)
            out[row] = [values[name] for name in LOOKALIKE_FEATURES]
    return out, signals
