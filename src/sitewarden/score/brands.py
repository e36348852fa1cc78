"""Protected brands: who they are, which registrable domains are theirs, and how they are named.

The catalogue ships in `data/brands.json`; operators add or override brands by id from a file of their own
(setting `brands_file`) or through the API, which reuses `validate_brands`. Loading reads files; the
matching methods are pure and fast (dict and Aho-Corasick look-ups), because page and domain scoring call
them for every observable.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import ahocorasick

from sitewarden.normalise.domains import parse_host
from sitewarden.normalise.urls import InvalidInput
from sitewarden.score.domains.lookalike_words import VOCABULARY

CATALOGUE_PATH = files("sitewarden") / "data" / "brands.json"
CATEGORIES = frozenset(
    {
        "bank", "payment", "ecommerce", "carrier", "logistics", "government", "crypto", "mail_social",
        "cloud", "software", "securities", "insurance", "travel", "media", "gaming", "other",
    }
)  # fmt: skip
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,47}$")
_KEYWORD = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_FIELDS = ("id", "name", "category", "domains", "names", "pinyin", "keywords", "country")


class BrandError(ValueError):
    """An invalid brand entry; the message names the entry and the field."""


@dataclass(frozen=True, slots=True)
class Brand:
    """A protected brand. `domains` are its official registrable domains; `names` every way it is written
    (Latin, Chinese characters, pinyin); `pinyin` the subset written in pinyin; `keywords` distinctive ASCII
    tokens that identify it inside a domain name (only these drive typo and combosquat checks)."""

    id: str
    name: str
    category: str
    domains: tuple[str, ...]
    names: tuple[str, ...]
    keywords: tuple[str, ...]
    country: str | None = None
    pinyin: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        names = [n for n in self.names if n not in self.pinyin]
        return {
            "id": self.id, "name": self.name, "category": self.category, "domains": list(self.domains),
            "names": names, "pinyin": list(self.pinyin), "keywords": list(self.keywords), "country": self.country,
        }  # fmt: skip


def _str_list(entry: Mapping[str, Any], field: str, where: str) -> list[str]:
    value = entry.get(field, [])
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise BrandError(f"{where}: field '{field}' must be a list of non-empty strings")
    return [x.strip() for x in value]


def _registrable(domain: str, where: str) -> str:
    try:
        info = parse_host(domain)
    except InvalidInput as exc:
        raise BrandError(f"{where}: {exc}") from None
    if info.registrable_domain != info.host or not info.suffix or info.suffix == info.host:
        raise BrandError(
            f"{where}: {domain!r} is not a registrable domain (its registrable domain is "
            f"{info.registrable_domain!r})"
        )
    return info.host


def brand_from_dict(entry: Any, where: str = "brand") -> Brand:
    """Validate one brand entry (JSON object) and build a Brand; raises BrandError naming entry and field."""
    if not isinstance(entry, Mapping):
        raise BrandError(f"{where}: expected an object, got {type(entry).__name__}")
    unknown = set(entry) - set(_FIELDS)
    if unknown:
        raise BrandError(f"{where}: unknown field(s) {sorted(unknown)}; allowed: {list(_FIELDS)}")
    brand_id = entry.get("id")
    if not isinstance(brand_id, str) or not _ID.match(brand_id):
        raise BrandError(f"{where}: field 'id' must match {_ID.pattern} (got {brand_id!r})")
    where = f"{where} (id {brand_id!r})"
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise BrandError(f"{where}: field 'name' must be a non-empty string")
    category = entry.get("category")
    if category not in CATEGORIES:
        raise BrandError(f"{where}: field 'category' must be one of {sorted(CATEGORIES)} (got {category!r})")
    domains = tuple(
        dict.fromkeys(
            _registrable(d, f"{where} field 'domains'[{i}]")
            for i, d in enumerate(_str_list(entry, "domains", where))
        )
    )
    if not domains:
        raise BrandError(f"{where}: field 'domains' must list at least one official registrable domain")
    keywords = [k.lower() for k in _str_list(entry, "keywords", where)]
    pinyin = [p.lower() for p in _str_list(entry, "pinyin", where)]
    for field, tokens in (("keywords", keywords), ("pinyin", pinyin)):
        common = next((t for t in tokens if t in VOCABULARY), None)
        if common is not None:
            raise BrandError(
                f"{where}: field '{field}' entry {common!r} is an ordinary word of domain names; it would "
                "flag unrelated domains (use a distinctive token)"
            )
        bad = next((t for t in tokens if not _KEYWORD.match(t)), None)
        if bad is not None:
            raise BrandError(
                f"{where}: field '{field}' entry {bad!r} must be 2-40 ASCII letters, digits or inner hyphens"
            )
    country = entry.get("country")
    if country is not None and (not isinstance(country, str) or not _COUNTRY.match(country)):
        raise BrandError(f"{where}: field 'country' must be null or a two-letter upper-case code")
    names = tuple(dict.fromkeys([name.strip(), *_str_list(entry, "names", where), *pinyin]))
    return Brand(
        id=brand_id, name=name.strip(), category=category, domains=domains, names=names,
        keywords=tuple(dict.fromkeys(keywords)), country=country, pinyin=tuple(dict.fromkeys(pinyin)),
    )  # fmt: skip


def validate_brands(entries: Any, where: str = "brands") -> list[Brand]:
    """Validate a list of brand entries (a file's content or an API payload); ids must be unique."""
    if isinstance(entries, Mapping) and "brands" in entries:
        entries = entries["brands"]
    if not isinstance(entries, list):
        raise BrandError(f'{where}: expected a list of brand objects (or {{"brands": [...]}})')
    brands = [brand_from_dict(e, f"{where}[{i}]") for i, e in enumerate(entries)]
    seen: set[str] = set()
    for i, brand in enumerate(brands):
        if brand.id in seen:
            raise BrandError(f"{where}[{i}]: duplicate id {brand.id!r}")
        seen.add(brand.id)
    return brands


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class BrandCatalogue:
    """Brands with look-ups by id, by official domain and by mention in free text."""

    def __init__(self, brands: Iterable[Brand]) -> None:
        self.brands: list[Brand] = list(brands)
        self._by_id = {b.id: b for b in self.brands}
        # A domain listed by several brands belongs to the one that lists it earliest in its own list
        # (aliexpress.com is AliExpress's first domain, Alibaba's ninth), then to the first such brand.
        ranked: dict[str, tuple[int, int, Brand]] = {}
        for order, brand in enumerate(self.brands):
            for rank, domain in enumerate(brand.domains):
                if domain not in ranked or (rank, order) < ranked[domain][:2]:
                    ranked[domain] = (rank, order, brand)
        self._by_domain: dict[str, Brand] = {d: r[2] for d, r in ranked.items()}

    def __len__(self) -> int:
        return len(self.brands)

    def get(self, brand_id: str) -> Brand | None:
        return self._by_id.get(brand_id)

    def official_brand(self, registrable_domain: str) -> Brand | None:
        """The brand owning this registrable domain, if any (first listed wins for shared domains)."""
        return self._by_domain.get(registrable_domain)

    def is_official(self, registrable_domain: str) -> bool:
        return registrable_domain in self._by_domain

    def with_overrides(self, entries: Any, where: str = "brands") -> BrandCatalogue:
        """A new catalogue with validated entries added or replacing brands of the same id."""
        merged = dict(self._by_id)
        for brand in validate_brands(entries, where):
            merged[brand.id] = brand
        return BrandCatalogue(merged.values())

    @cached_property
    def _mention_automaton(self) -> ahocorasick.Automaton:
        tokens: dict[str, list[Brand]] = {}
        for brand in self.brands:
            for name in brand.names:
                for token in _mention_forms(name):
                    tokens.setdefault(token, []).append(brand)
        automaton = ahocorasick.Automaton()
        for token, brands in tokens.items():
            automaton.add_word(token, (token, tuple(dict.fromkeys(brands))))
        automaton.make_automaton()
        return automaton

    def find_mentions(self, text: str) -> list[tuple[Brand, str]]:
        """Brands named in text, in order of first mention, each (brand, matched name) once.

        Latin names must stand as whole words (`ABC` does not fire inside `ABCD`); a single Latin word is
        matched as written or in capitals (so the brand "Discover" is not found in "discover more"); names
        with Chinese characters match anywhere, since Chinese text has no spaces."""
        found: dict[tuple[str, str], tuple[Brand, str]] = {}
        if not self.brands or not text:
            return []
        for end, (token, brands) in self._mention_automaton.iter(text):
            start = end - len(token) + 1
            if token.isascii() and (
                (start > 0 and _is_word_char(text[start - 1]))
                or (end + 1 < len(text) and _is_word_char(text[end + 1]))
            ):
                continue
            for brand in brands:
                found.setdefault((brand.id, token.lower()), (brand, token))
        return list(found.values())


def _mention_forms(name: str) -> set[str]:
    """Spellings of a name searched in text: Chinese names as written; one-word Latin names as written and
    in capitals; longer Latin names (spaces, digits, punctuation) in any of the usual casings."""
    if not name.isascii():
        return {name}
    if name.isalpha():
        return {name, name.upper()}
    return {name, name.lower(), name.upper(), name.title()}


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BrandError(f"{what} {path}: cannot read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BrandError(f"{what} {path}: not valid UTF-8 JSON: {exc}") from None


@lru_cache(maxsize=1)
def _shipped() -> tuple[Brand, ...]:
    return tuple(validate_brands(json.loads(CATALOGUE_PATH.read_text(encoding="utf-8")), "brands.json"))


def load_catalogue(extra: Path | None = None) -> BrandCatalogue:
    """The shipped catalogue, plus an operator file (JSON list or {"brands": [...]}) that adds brands or
    overrides them by id."""
    catalogue = BrandCatalogue(_shipped())
    if extra is not None:
        catalogue = catalogue.with_overrides(_read_json(extra, "brand file"), where=str(extra))
    return catalogue


OPERATOR_FILE_CHECK_SECONDS = 5.0
_checked: dict[str, Any] = {"at": float("-inf"), "key": (None, None)}


def operator_brands_path(brands_file: Path | None, var_dir: Path) -> Path:
    """Where operator brands live: the `brands_file` setting, else <var_dir>/brands.json (API edits)."""
    return brands_file or var_dir / "brands.json"


def _operator_key() -> tuple[Path | None, int | None]:
    from sitewarden.settings import get_settings

    settings = get_settings()
    path = operator_brands_path(settings.brands_file, settings.var_dir)
    try:
        return path, path.stat().st_mtime_ns
    except FileNotFoundError:
        # A configured file that is missing is an error load_catalogue reports; the default one is optional.
        return (path, None) if settings.brands_file else (None, None)


@lru_cache(maxsize=2)
def _catalogue_for(path: Path | None, _mtime_ns: int | None) -> BrandCatalogue:
    return load_catalogue(path)


def default_catalogue() -> BrandCatalogue:
    """The catalogue the settings ask for (shipped + operator brands). The operator file is re-checked at
    most every few seconds, so brands edited through the API reach every worker process without a restart."""
    now = time.monotonic()
    if now - _checked["at"] > OPERATOR_FILE_CHECK_SECONDS:
        _checked["at"], _checked["key"] = now, _operator_key()
    return _catalogue_for(*_checked["key"])


def refresh_default_catalogue() -> None:
    """Re-read the settings and the operator file on the next call (after an edit in this process)."""
    _checked["at"] = float("-inf")


def save_operator_brands(path: Path, entries: list[dict[str, Any]]) -> list[Brand]:
    """Validate and atomically replace the operator brand file; returns the brands it now holds."""
    brands = validate_brands(entries, str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps({"brands": entries}, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)
    refresh_default_catalogue()
    return brands


def read_operator_entries(path: Path) -> list[dict[str, Any]]:
    """The raw entries of the operator file (empty when it does not exist yet)."""
    if not path.exists():
        return []
    data = _read_json(path, "brand file")
    entries = data.get("brands", []) if isinstance(data, Mapping) else data
    if not isinstance(entries, list):
        raise BrandError(f"brand file {path}: expected a list of brand objects")
    return list(entries)
