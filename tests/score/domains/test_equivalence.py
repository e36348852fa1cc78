"""Golden records for a fixed, varied list of hosts: speed work on the screening path must not change any
score, verdict, brand or reason. The fixture was computed from the straightforward implementation; refresh
it only for an intended change of results: `python tests/score/domains/test_equivalence.py`."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

from sitewarden.commands.domains import Format, screen_stream
from sitewarden.score.brands import default_catalogue
from sitewarden.score.domains.engine import score_hosts
from sitewarden.settings import get_settings

FIXTURE = Path(__file__).parents[2] / "fixtures" / "domain_golden.json"
WORDS = ("login", "secure", "verify", "shop", "pay", "app", "kefu", "gift", "track", "bank", "mail", "news")
TLDS = ("com", "top", "xyz", "cn", "com.cn", "vercel.app", "co.uk", "net", "shop", "github.io")
CYRILLIC = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х"}


def _typo(rng: random.Random, word: str) -> str:
    i = rng.randrange(len(word))
    edit = rng.randrange(4)
    if edit == 0:
        return word[:i] + word[i + 1 :]
    if edit == 1:
        return word[:i] + rng.choice("abcdefghijklmnopqrstuvwxyz10") + word[i:]
    if edit == 2 and i + 1 < len(word):
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + {"l": "1", "o": "0", "i": "1", "e": "3"}.get(word[i], "x") + word[i + 1 :]


def hosts() -> list[str]:
    """A few hundred inputs: brand domains and subdomains, typos, combosquats, IDNs, IPs, URLs, garbage."""
    rng = random.Random(20261129)
    brands = default_catalogue().brands
    out: list[str] = []
    for brand in rng.sample(brands, min(40, len(brands))):
        domain, word = brand.domains[0], (brand.keywords or (brand.domains[0].split(".")[0],))[0]
        out += [
            domain,
            f"www.{domain}",
            f"login.{domain}",
            f"{_typo(rng, word)}.{rng.choice(TLDS)}",
            f"{word}-{rng.choice(WORDS)}.{rng.choice(TLDS)}",
            f"{rng.choice(WORDS)}{word}.{rng.choice(TLDS)}",
            f"{domain}.{rng.choice(WORDS)}-{rng.randrange(100)}.top",
            f"{word}.{rng.choice(TLDS)}",
            "".join(CYRILLIC.get(ch, ch) for ch in word) + ".com",
            f"https://{rng.choice(WORDS)}.{word}-{rng.choice(WORDS)}.xyz/path?q=1",
        ]
        out += [f"{name}{rng.choice(WORDS)}.com" for name in brand.names if not name.isascii()][:1]
    for _ in range(80):
        label = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randrange(3, 20)))
        out.append(f"{label.strip('-') or 'a'}.{rng.choice(TLDS)}")
    out += [
        "8.8.8.8", "192.168.0.1", "[2001:db8::1]", "http://10.0.0.1/login", "", "   ", "not a host",
        "exa mple.com", "-bad-.com", "a..b.com", "com", "co.uk", "xn--80ak6aa92e.com", "пример.рф", "支付宝.com",
        "hxxp://paypal[.]com.secure-login[.]top/x", "a" * 300 + ".com", "user@mail.com", "ftp://x.y.z",
        "localhost", "xn--.com", "工商银行-login.top", "%%%", "http://", "1.2.3", "999.1.1.1",
    ]  # fmt: skip
    return out


def _records(names: list[str]) -> list[dict]:
    return [r.to_dict() for r in score_hosts(names, get_settings())]


def test_batch_records_match_the_golden_fixture() -> None:
    golden = json.loads(FIXTURE.read_text(encoding="utf-8"))
    names = hosts()
    assert golden["inputs"] == names
    assert _records(names) == golden["records"]


def test_cli_jsonl_matches_the_golden_fixture() -> None:
    golden = json.loads(FIXTURE.read_text(encoding="utf-8"))["records"]
    out = io.StringIO()
    screen_stream(io.StringIO("\n".join(hosts()) + "\n"), out, Format.JSONL, get_settings())
    assert [json.loads(line) for line in out.getvalue().splitlines()] == golden


if __name__ == "__main__":
    names = hosts()
    records = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in _records(names))
    inputs = json.dumps(names, ensure_ascii=False)
    FIXTURE.write_text(f'{{"inputs": {inputs},\n"records": [\n{records}\n]}}\n', encoding="utf-8")
