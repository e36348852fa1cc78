"""Page benchmark: static analysis + scoring speed on one core, and quality on labelled real pages.

Reads ../shared/data/pages and ../shared/data/pages2 (never copied into the repo; nothing in them is
executed: pages are parsed as text). Quality is reported separately for the folders the rules were tuned
on and for held-out folders (split by source folder, so copies of one kit never sit on both sides).

Hosts: the data sets do not say where a page was served. Fraud pages are scored as served from an
unrelated customer host. Benign pages are real pages of real sites, so they are scored on their own site:
the URL the saved page names (saved-from comment, canonical link or og:url), else a domain its title names
("Sign In to BestBuy.com"), else the official domain of the catalogue brand its title names ("Amazon Sign
In" was captured on amazon.com), else the host its forms post to, else the site most of its links lead to,
else the neutral host. (So the copied-login-page signal, which reads the same links, is only tested on
fraud pages and on benign pages whose origin the page states.)

Many fraud "pages" in the data are kit leftovers (thank-you and 403 pages, blank shells, raw server
templates). Next to the raw figures every class is also counted over pages WITH CONTENT, a rule fixed
before looking at results and applied to every class alike: the page has at least one fillable field of
a recognised kind, or at least CONTENT_CHARS characters of title + visible text once server-side template
markup ({$x}, {:L('x')}, <?php ?>, <%= %>, {{x}}) is removed.

Usage: python bench/pages.py [--data DIR] [--misses] [--rendered]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sitewarden.demo.farm import SITES_DIR
from sitewarden.demo.sites import BENIGN, FRAUD, SITES
from sitewarden.domain.models import Verdict
from sitewarden.enrich.page import PageFacts, analyse, url_host
from sitewarden.enrich.page_brands import site_of
from sitewarden.score.brands import default_catalogue
from sitewarden.score.pages.combine import PageAssessment, score_page, worst_page

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SETS = ("pages", "pages2")
# Held out (never looked at while writing rules): whole source folders, roughly a third of each class.
HOLDOUT = {
    "pages/phishpedia_test_sites",
    "pages/benign_cn_news",
    "pages2/phish_kits_agmichael",
    "pages2/phish_cn_10086_ccb_kit",
    "pages2/phish_kit_binance_2025",
    "pages2/scam_cn_gambling_platform",
    "pages2/scam_order_boosting_shuadan_client",
    "pages2/benign_formasaurus",
    "pages2/benign_webkit_cc",
}
NEUTRAL_HOST = "shop-4711.customer-sites.net"
CONTENT_CHARS = 150
_TEMPLATE_MARKUP = re.compile(r"\{[$:][^{}]*\}|\{\{.*?\}\}|<\?.*?\?>|<%.*?%>|\?>|<\?php", re.DOTALL)
_DOMAIN_IN_TITLE = re.compile(
    r"\b(?:[a-z0-9-]+\.)+(?:com|net|org|cn|co\.uk|de|fr|jp|travel|io)\b", re.IGNORECASE
)
_ORIGIN = re.compile(
    rb"saved from url=\(\d+\)(https?://[^\s>]+)"
    rb"|<link[^>]+rel=[\"']?canonical[\"']?[^>]+href=[\"'](https?://[^\"']+)"
    rb"|<link[^>]+href=[\"'](https?://[^\"']+)[\"'][^>]+rel=[\"']?canonical"
    rb"|property=[\"']og:url[\"'][^>]+content=[\"'](https?://[^\"']+)",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Page:
    path: Path
    folder: str
    label: str
    url: str
    has_content: bool = True


def has_content(facts: PageFacts) -> bool:
    """The up-front rule of the module notes: a fillable field, or enough readable text."""
    readable = _TEMPLATE_MARKUP.sub(" ", f"{facts.title} {facts.text}")
    return bool(facts.input_kinds) or len("".join(readable.split())) >= CONTENT_CHARS


def origin_url(data: bytes, label: str) -> str:
    """Where a benign page lived (see the module notes); the neutral host for fraud pages."""
    neutral = f"https://{NEUTRAL_HOST}/index.html"
    if label != "benign":
        return neutral
    m = _ORIGIN.search(data[:200_000])
    if m:
        url = next(g for g in m.groups() if g).decode("ascii", "replace")
        if url_host(url):
            return url
    facts = analyse(data, neutral)
    named = _DOMAIN_IN_TITLE.search(facts.title)
    if named:
        return f"https://{named.group(0).lower()}/"
    brands = default_catalogue().find_mentions(facts.title)
    if brands and brands[0][0].domains:
        return f"https://www.{brands[0][0].domains[0]}/"
    actions = [f.action_host for f in facts.forms if f.action_host not in ("", NEUTRAL_HOST, "mailto")]
    if actions:
        return f"https://{actions[0]}/"
    by_site: Counter[str] = Counter()
    for host, count in facts.link_hosts.items():
        by_site[site_of(host)] += count
    linked = by_site.most_common(1)
    return f"https://www.{linked[0][0]}/" if linked and linked[0][1] >= 3 else neutral


def load(data_dir: Path) -> list[tuple[Page, bytes]]:
    pages = []
    for name in SETS:
        base = data_dir / name
        with (base / "labels.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                path = base / row["file"]
                data = path.read_bytes()
                folder = f"{name}/{row['file'].split('/')[0]}"
                pages.append((Page(path, folder, row["label"], origin_url(data, row["label"])), data))
    return pages


def flagged(result: PageAssessment) -> bool:
    return result.assessment.verdict != Verdict.ALLOW


def quality(rows: list[tuple[Page, PageAssessment]], title: str) -> None:
    by_label = Counter(p.label for p, _ in rows)
    hits = Counter(p.label for p, r in rows if flagged(r))
    blocks = Counter(p.label for p, r in rows if r.assessment.verdict == Verdict.BLOCK)
    with_content = Counter(p.label for p, _ in rows if p.has_content)
    content_hits = Counter(p.label for p, r in rows if p.has_content and flagged(r))
    fraud_flagged = hits["phishing"] + hits["scam"]
    total_flagged = sum(hits.values())
    print(f"\n{title}: {len(rows)} pages")
    print(
        f"  {'class':<10}{'n':>5}{'flagged':>9}{'blocked':>9}{'rate':>8}          with content: n, flagged, rate"
    )
    for label in ("phishing", "scam", "benign"):
        n, nc = by_label[label], with_content[label]
        rate = hits[label] / n if n else float("nan")
        crate = content_hits[label] / nc if nc else float("nan")
        name = "FPR" if label == "benign" else "recall"
        print(
            f"  {label:<10}{n:>5}{hits[label]:>9}{blocks[label]:>9}{rate:>8.3f}  {'(' + name + ')':<8}"
            f"  {nc:>4}{content_hits[label]:>5}{crate:>8.3f}"
        )
    precision = fraud_flagged / total_flagged if total_flagged else float("nan")
    print(f"  precision of 'flagged' (review or block) over fraud classes: {precision:.3f}")
    for label in ("phishing", "scam"):
        tp = sum(1 for p, r in rows if p.label == label and flagged(r))
        typed = Counter(
            str(r.assessment.fraud_type or "none") for p, r in rows if p.label == label and flagged(r)
        )
        print(f"  {label} flagged {tp}: fraud types {dict(typed)}")


def speed(pages: list[tuple[Page, bytes]], repeats: int = 3) -> None:
    """CPU time of analyse + score_page over every page; best of `repeats` passes (other processes on a
    shared machine only ever make a pass slower)."""
    spent = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        for page, data in pages:
            score_page(analyse(data, page.url), url_host(page.url))
        spent = min(spent, time.process_time() - start)
    size = sum(len(d) for _, d in pages) / 1e6
    print(
        f"static analysis + scoring: {len(pages)} pages ({size:.1f} MB) in {spent:.2f} s CPU (best of {repeats}) "
        f"= {len(pages) / spent:.0f} pages/s on one core (load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} CPUs)"
    )


def _demo_verdict(host: str) -> Verdict:
    root = SITES_DIR / host
    pages = [
        (f"http://{host}/{path.relative_to(root)}", path.read_bytes())
        for path in sorted(root.rglob("*.html"))
    ]
    worst = worst_page(pages, host)
    return worst.assessment.verdict if worst else Verdict.ALLOW


def demo_quality() -> None:
    """The repo's own demo farm: a site counts as flagged when any of its static pages (desktop and the
    cloaked mobile variant) is; redirect-only and script-built pages need the fetcher and renderer."""
    results = {site.host: (site, _demo_verdict(site.host)) for site in SITES}
    print(f"\ndemo farm (static files of {len(results)} sites, site flagged if any page is):")
    for label in (FRAUD, BENIGN):
        group = [(site, v) for site, v in results.values() if site.label == label]
        hit = [site.host for site, v in group if v != Verdict.ALLOW]
        name = "recall" if label == FRAUD else "FPR"
        print(
            f"  {label:<7} {len(group):>3} sites, flagged {len(hit):>3} ({name} {len(hit) / len(group):.3f})"
        )
        if label == FRAUD:
            print(f"    missed: {', '.join(site.host for site, v in group if v == Verdict.ALLOW)}")


def run_rendered() -> None:
    path = Path(__file__).with_name("render_bench.py")
    if not path.exists():
        print("--rendered: bench/render_bench.py is not there yet (P2 writes it); skipped")
        return
    spec = importlib.util.spec_from_file_location("render_bench", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--misses",
        action="store_true",
        help="list missed fraud and flagged benign pages (tuned-on folders only)",
    )
    parser.add_argument("--rendered", action="store_true", help="also run bench/render_bench.py")
    args = parser.parse_args(argv)
    demo_quality()
    if all((args.data / name / "labels.csv").exists() for name in SETS):
        labelled(args.data, args.misses)
    else:
        print(f"no labelled pages under {args.data} (pages/, pages2/): skipping the speed and quality tables")
    if args.rendered:
        run_rendered()
    return 0


def labelled(data_dir: Path, misses: bool) -> None:
    pages = load(data_dir)
    print(
        f"data: {data_dir} ({len(pages)} pages; fraud pages scored on {NEUTRAL_HOST}, "
        "benign pages on their own site, see the module notes)"
    )
    score_page(analyse(pages[0][1], pages[0][0].url), url_host(pages[0][0].url))  # load vocabularies once
    speed(pages)
    results = []
    for page, data in pages:
        facts = analyse(data, page.url)
        page.has_content = has_content(facts)
        results.append((page, score_page(facts, url_host(page.url))))
    quality([(p, r) for p, r in results if p.folder not in HOLDOUT], "tuned-on folders")
    quality([(p, r) for p, r in results if p.folder in HOLDOUT], "HELD-OUT folders (not tuned on)")
    if misses:
        for p, r in results:
            if p.folder not in HOLDOUT and (p.label == "benign") == flagged(r):
                a = r.assessment
                print(f"{p.label:8} {a.score:.2f} {p.path.relative_to(data_dir)} on {url_host(p.url)}")
                for sig in a.signals[:4]:
                    print(f"      {sig.weight:.2f} {sig.detail[:160]}")


if __name__ == "__main__":
    sys.exit(main())
