"""Confusable skeletons, script mixing and typo fuzzers behind the look-alike detectors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitewarden.normalise.domains import InvalidInput, parse_host
from sitewarden.score.brands import load_catalogue
from sitewarden.score.domains.lookalike import detect
from sitewarden.score.domains.skeleton import is_mixed_script, scripts, skeleton
from sitewarden.score.domains.typos import KINDS, typo_table, variants


@pytest.mark.parametrize(
    ("disguised", "plain"),
    [
        ("pаypal", "paypal"),  # Cyrillic а
        ("аррӏе", "apple"),  # Cyrillic а, р, palochka, е
        ("PAYPAL", "paypal"),
        ("paypa1", "paypal"),
        ("g00gle", "google"),
        ("ícbc", "icbc"),  # accents are dropped
        ("ｉｃｂｃ", "icbc"),  # full-width
        ("rnicrosoft", "microsoft"),
    ],
)
def test_skeleton_equates_look_alikes(disguised: str, plain: str) -> None:
    assert skeleton(disguised) == skeleton(plain)


@pytest.mark.parametrize(("a", "b"), [("paypal", "paypai1x"), ("icbc", "iccb"), ("工商银行", "工商银仃")])
def test_skeleton_keeps_different_strings_apart(a: str, b: str) -> None:
    assert skeleton(a) != skeleton(b)


def test_scripts() -> None:
    assert scripts("pаypal") == {"LATIN", "CYRILLIC"}
    assert is_mixed_script("pаypal")
    assert not is_mixed_script("paypal-2024")
    assert not is_mixed_script("工商银行")
    assert not is_mixed_script("日本のgoogle")  # Han + Hiragana + Latin is ordinary Japanese
    assert not is_mixed_script("中国bank")
    assert is_mixed_script("αpple")


def test_variants_cover_each_fuzzer() -> None:
    found: dict[str, set[str]] = {}
    for variant, kind in variants("metamask"):
        found.setdefault(kind, set()).add(variant)
    assert set(found) == set(KINDS)
    assert "metmask" in found["omission"] and "mettamask" in found["repetition"]
    assert "emtamask" in found["transposition"] and "meta-mask" in found["hyphenation"]
    assert "matamask" in found["vowel_swap"] and "metamasks" in found["addition"]
    assert "metamadk" in found["keyboard"] and "metamasc" in found["bitsquat"]
    assert "rnetamask" in found["homoglyph"]
    assert all(v != "metamask" for kinds in found.values() for v in kinds)


def test_typo_table_priorities_and_exclusions() -> None:
    table = typo_table({"metamask": "mm", "paypal": "pp"}, exclude=frozenset({"metamasks"}))
    assert table["rnetamask"] == ("mm", "homoglyph")
    assert "metamasks" not in table  # excluded word
    assert "paypals" not in table  # addition needs 7+ characters
    assert table["papyal"] == ("pp", "transposition")
    assert all(variant not in ("metamask", "paypal") for variant in table)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_skeleton_and_detect_never_crash(text: str) -> None:
    skeleton(text)
    try:
        info = parse_host(text)
    except InvalidInput:
        return
    for signal in detect(info, load_catalogue()):
        assert 0.0 <= signal.weight <= 1.0 and signal.detail
