"""Measure the look-alike detectors alone: false-positive rate on benign hosts, hit rate per fraud source,
throughput and start-up cost. Prints figures; exits 0 with a note when ../shared/data is absent.

Run: .venv/bin/python bench/lookalike_probe.py [--data ../shared/data] [--limit N] [--show K]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gzip
import io
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from sitewarden.normalise.domains import parse_host
from sitewarden.normalise.urls import InvalidInput
from sitewarden.score.brands import load_catalogue
from sitewarden.score.domains.lookalike import detect, index_for

THRESHOLDS = (0.0, 0.5, 0.8)


def _rows(path: Path) -> list[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(io.StringIO(fh.read()), delimiter="\t"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--limit", type=int, default=20000, help="hosts sampled per fraud source")
    parser.add_argument("--show", type=int, default=0, help="print this many examples of hits per set")
    args = parser.parse_args()
    domains = args.data / "domains"
    if not (domains / "fraud_hosts.tsv.gz").is_file():
        print(f"no data at {domains}: nothing to measure")
        return 0

    t0 = time.perf_counter()
    catalogue = load_catalogue()
    t1 = time.perf_counter()
    index = index_for(catalogue)
    _ = index.typos, index.skeletons, index.chinese_names
    t2 = time.perf_counter()
    print(
        f"catalogue: {len(catalogue)} brands, load {1000 * (t1 - t0):.0f} ms, index {1000 * (t2 - t1):.0f} ms"
    )

    rng = random.Random(7)
    sets: dict[str, list[str]] = defaultdict(list)
    for row in _rows(domains / "benign_hosts.tsv.gz"):
        sets[f"benign:{row['source']}"].append(row["host"])
    fraud: dict[str, list[str]] = defaultdict(list)
    for row in _rows(domains / "fraud_hosts.tsv.gz"):
        fraud[row["source"]].append(row["host"])
    for source, hosts in sorted(fraud.items()):
        sets[f"fraud:{source}"] = rng.sample(hosts, min(args.limit, len(hosts)))

    print(f"{'set':34} {'hosts':>7} " + " ".join(f"{'>=' + str(t):>8}" for t in THRESHOLDS) + "  top signals")
    all_infos = []
    for name, hosts in sets.items():
        infos = []
        for host in hosts:
            with contextlib.suppress(InvalidInput):
                infos.append(parse_host(host))
        all_infos.extend(infos)
        hits = [0] * len(THRESHOLDS)
        kinds: Counter[str] = Counter()
        shown = 0
        for info in infos:
            signals = detect(info, catalogue)
            top = max((s.weight for s in signals), default=-1.0)
            for i, t in enumerate(THRESHOLDS):
                hits[i] += top > t if t == 0.0 else top >= t
            if signals:
                kinds[signals[0].name] += 1
                if shown < args.show:
                    shown += 1
                    print(f"    {info.host}: {signals[0].name} {signals[0].weight:.2f} {signals[0].brand}")
        n = max(len(infos), 1)
        rates = " ".join(f"{100 * h / n:7.3f}%" for h in hits)
        common = ", ".join(f"{k} {v}" for k, v in kinds.most_common(4))
        print(f"{name:34} {len(infos):7d} {rates}  {common}")

    sample = all_infos[:100000]
    start = time.perf_counter()
    for info in sample:
        detect(info, catalogue)
    elapsed = time.perf_counter() - start
    print(
        f"detect(): {len(sample) / elapsed:,.0f} hosts/s ({1e6 * elapsed / len(sample):.1f} us/host, mixed sets)"
    )
    hosts = [i.host for i in sample]
    parse_host.cache_clear()
    start = time.perf_counter()
    for host in hosts:
        parse_host(host)
    elapsed = time.perf_counter() - start
    print(
        f"parse_host(): {len(hosts) / elapsed:,.0f} hosts/s ({1e6 * elapsed / len(hosts):.1f} us/host, cold cache)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
