"""TR39-style confusable skeletons and script checks, from the confusable-homoglyphs package's data.

Two strings that render alike (`pаypal` with a Cyrillic а, `paypa1`) get the same skeleton, so a homoglyph
look-alike of a brand is one dict look-up. The package stores Unicode's confusables.txt as a symmetric
graph; we recover one representative per confusable class. Its `update` (a download) is never called.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import categories
from confusable_homoglyphs.utils import load

# Script combinations TR39 "highly restrictive" allows inside one label (Japanese, Chinese, Korean).
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_NEUTRAL_SCRIPTS = frozenset({"COMMON", "INHERITED", "Unknown"})
# Unicode keeps i / l / 1 apart, but in a URL bar they are the classic swap (Cyrillic palochka -> "i").
_LOOSE = str.maketrans({"i": "l", "1": "l", "|": "l", "0": "o"})


@lru_cache(maxsize=1)
def _prototypes() -> dict[str, str]:
    """Map each confusable character to one representative string of its class.

    In confusables.txt every source character maps to a prototype that is never itself a source. In the
    symmetric graph a source therefore has exactly one neighbour (its prototype); a node with several
    neighbours, or a multi-character neighbour, is a prototype. Isolated pairs pick the smaller one."""
    graph: dict[str, list[dict[str, str]]] = load("confusables.json")
    out: dict[str, str] = {}
    for char, neighbours in graph.items():
        if len(neighbours) != 1:
            continue
        other = neighbours[0]["c"]
        degree = len(graph.get(other, ()))
        if len(other) > 1 or degree > 1 or (degree == 1 and other < char):
            out[char] = other
    return out


def skeleton(text: str) -> str:
    """Case-folded confusable skeleton without combining marks: equal skeletons mean the strings look
    alike (`ícbc`, `іcbc`, `1cbc` and `icbc` all give `lcbc`). Marks are dropped and i/l/1 folded, unlike
    TR39, because an accent or a swapped stroke on a brand name is exactly the disguise we look for; NFKD
    (not NFD) also folds full-width and other compatibility forms."""
    table = _prototypes()
    once = "".join(table.get(ch, ch) for ch in unicodedata.normalize("NFKD", text))
    folded = unicodedata.normalize("NFD", once).lower()
    out = "".join(table.get(ch, ch) for ch in folded if not unicodedata.combining(ch))
    return out.translate(_LOOSE)


def scripts(label: str) -> frozenset[str]:
    """The scripts used by a label, ignoring Common and Inherited characters (digits, hyphen, marks)."""
    return frozenset(categories.alias(ch) for ch in label) - _NEUTRAL_SCRIPTS


def is_mixed_script(label: str) -> bool:
    """True when a label mixes scripts beyond the CJK combinations TR39 allows (e.g. Latin + Cyrillic)."""
    used = scripts(label)
    return len(used) > 1 and not any(used <= allowed for allowed in _ALLOWED_MIXES)
