"""Typo variants of a brand label, after dnstwist's fuzzers (omission, insertion, repetition,
transposition, replacement/keyboard, bitsquatting, vowel swap, hyphenation, ASCII homoglyphs, addition).

Variants are generated once per catalogue into a dict, so checking a host is one look-up instead of an edit
distance against every brand (which would cost milliseconds per host at this catalogue size).
"""

from __future__ import annotations

from collections.abc import Iterator

_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_VALID = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_VOWELS = "aeiou"
# ASCII look-alikes an attacker can register without IDN (dnstwist's homoglyph table, ASCII part).
_GLYPHS: dict[str, tuple[str, ...]] = {
    "a": ("4",), "b": ("6", "lb", "ib"), "d": ("cl",), "e": ("3",), "g": ("9", "q"), "i": ("1", "l", "j"),
    "l": ("1", "i"), "m": ("rn", "nn"), "n": ("r",), "o": ("0",), "q": ("g",), "s": ("5",), "u": ("v",),
    "w": ("vv",), "z": ("2",), "0": ("o",), "1": ("l", "i"), "5": ("s",),
}  # fmt: skip
# Kinds in priority order: when two fuzzers produce the same string, the first name is reported.
KINDS = (
    "homoglyph", "transposition", "omission", "repetition", "vowel_swap", "hyphenation", "keyboard",
    "bitsquat", "insertion", "addition",
)  # fmt: skip


def _keyboard() -> dict[str, str]:
    near: dict[str, str] = {}
    for r, row in enumerate(_ROWS):
        for c, ch in enumerate(row):
            around = [row[c - 1] if c > 0 else "", row[c + 1] if c + 1 < len(row) else ""]
            for dr in (-1, 1):
                if 0 <= r + dr < len(_ROWS):
                    other = _ROWS[r + dr]
                    around += [other[k] for k in (c - 1, c, c + 1) if 0 <= k < len(other)]
            near[ch] = "".join(x for x in around if x and x != "-")
    return near


_NEAR = _keyboard()


def variants(label: str) -> Iterator[tuple[str, str]]:
    """(variant, kind) pairs for an ASCII label; may repeat, never yields the label itself."""
    n = len(label)
    for i, ch in enumerate(label):
        for glyph in _GLYPHS.get(ch, ()):
            yield label[:i] + glyph + label[i + 1 :], "homoglyph"
    for a, b in (("rn", "m"), ("vv", "w"), ("cl", "d")):
        if a in label:
            yield label.replace(a, b), "homoglyph"
    for i in range(n - 1):
        if label[i] != label[i + 1]:
            yield label[:i] + label[i + 1] + label[i] + label[i + 2 :], "transposition"
    for i in range(n):
        yield label[:i] + label[i + 1 :], "omission"
        yield label[:i] + label[i] * 2 + label[i + 1 :], "repetition"
        if label[i] in _VOWELS:
            for v in _VOWELS:
                if v != label[i]:
                    yield label[:i] + v + label[i + 1 :], "vowel_swap"
        if i > 0 and label[i - 1] != "-" and label[i] != "-":
            yield label[:i] + "-" + label[i:], "hyphenation"
        for k in _NEAR.get(label[i], ""):
            yield label[:i] + k + label[i + 1 :], "keyboard"
            yield label[:i] + k + label[i:], "insertion"
            yield label[: i + 1] + k + label[i + 1 :], "insertion"
        code = ord(label[i])
        for bit in range(7):
            flipped = chr(code ^ (1 << bit)).lower()
            if flipped in _VALID and flipped != label[i]:
                yield label[:i] + flipped + label[i + 1 :], "bitsquat"
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789":
        yield label + ch, "addition"


# Shortest label each fuzzer is applied to: on short labels the looser fuzzers mostly produce other real
# names (agoda -> agora, avast -> acast), so they need 7+ characters before a hit means anything.
MIN_LENGTH = {
    "homoglyph": 5, "transposition": 6, "omission": 7, "repetition": 6, "vowel_swap": 8, "hyphenation": 6,
    "keyboard": 6, "bitsquat": 7, "insertion": 7, "addition": 7,
}  # fmt: skip


def typo_table(
    labels: dict[str, object],
    exclude: frozenset[str] = frozenset(),
    no_vowel_swap: frozenset[str] = frozenset(),
) -> dict[str, tuple[object, str]]:
    """Variant -> (owner, kind) for every label. Variants that are protected labels themselves or in
    `exclude` (other brands' labels, ordinary words) are skipped, as are vowel swaps of `no_vowel_swap`
    labels; on collisions the higher-priority kind wins."""
    rank = {kind: i for i, kind in enumerate(KINDS)}
    table: dict[str, tuple[object, str]] = {}
    for label, owner in labels.items():
        for variant, kind in variants(label):
            if len(label) < MIN_LENGTH[kind] or variant in labels or variant in exclude:
                continue
            if kind == "vowel_swap" and label in no_vowel_swap:
                continue
            if variant.startswith("-") or variant.endswith("-") or not set(variant) <= _VALID:
                continue
            held = table.get(variant)
            if held is None or rank[kind] < rank[held[1]]:
                table[variant] = (owner, kind)
    return table
