"""Build src/sitewarden/data/brands.json from tools/brands_table.txt (authored) and, when present, the
official-domain lists of v2fly domain-list-community (MIT) in ../shared/data/brands.

Run: .venv/bin/python tools/build_brands.py [--data ../shared/data]
The JSON is the product; this script only keeps it reproducible. v2fly entries are merged only when they
are registrable domains themselves (a CDN hostname must not make a shared platform "official").
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from sitewarden.normalise.domains import parse_host
from sitewarden.normalise.urls import InvalidInput
from sitewarden.score.brands import validate_brands

ROOT = Path(__file__).resolve().parent.parent
TABLE = ROOT / "tools" / "brands_table.txt"
OUT = ROOT / "src" / "sitewarden" / "data" / "brands.json"
V2FLY = Path("brands/v2fly_cn_brands/v2fly_selected_categories_expanded.json")


def _split(cell: str, sep: str = " ") -> list[str]:
    cell = cell.strip()
    return [] if cell in ("", "-") else [x.strip() for x in cell.split(sep) if x.strip()]


def _registrable(domain: str) -> str | None:
    try:
        info = parse_host(domain)
    except InvalidInput:
        return None
    if not info.suffix or info.suffix == info.host:
        return None
    return info.registrable_domain


def build(data_dir: Path | None) -> list[dict]:
    groups = {}
    if data_dir is not None and (data_dir / V2FLY).is_file():
        groups = json.loads((data_dir / V2FLY).read_text(encoding="utf-8"))
    brands = []
    for lineno, line in enumerate(TABLE.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("|")
        if len(cells) != 9:
            raise SystemExit(f"{TABLE}:{lineno}: expected 9 columns, got {len(cells)}")
        bid, name, category, country, domains, names, pinyin, keywords, group = cells
        official = [d for d in (_registrable(x) for x in _split(domains)) if d]
        if group.strip():
            official += [d for d in groups.get(group.strip(), {}).get("domains", []) if _registrable(d) == d]
        brands.append(
            {
                "id": bid.strip(),
                "name": name.strip(),
                "category": category.strip(),
                "country": None if country.strip() in ("", "-") else country.strip(),
                "domains": list(dict.fromkeys(official)),
                "names": _split(names, ";"),
                "pinyin": _split(pinyin),
                "keywords": _split(keywords),
            }
        )
    validate_brands(brands, str(TABLE))
    return brands


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    brands = build(args.data if args.data.is_dir() else None)
    about = (
        "Sitewarden protected-brand catalogue. Facts (brand names, official domains) compiled by the "
        "Sitewarden authors, official domains partly from v2fly/domain-list-community (MIT)."
    )
    OUT.write_text(
        json.dumps({"about": about, "brands": brands}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"wrote {len(brands)} brands, {sum(len(b['domains']) for b in brands)} official domains to {OUT}")


if __name__ == "__main__":
    main()
