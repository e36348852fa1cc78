"""Rendered scans per second with a warm Chromium pool against the demo hosting farm, on 2 cores.

Run: `.venv/bin/python bench/render_bench.py [pages] [pool_size]`. Each page is a full render job:
fresh context, navigation through the vetting proxy, PNG screenshot, DOM after scripts.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from typing import Any

from sitewarden.demo.farm import running_farm
from sitewarden.demo.sites import SITES
from sitewarden.enrich.render import RenderPool
from sitewarden.settings import load_settings


def _cpu_seconds() -> float:
    """CPU time of this process and all its descendants (Chromium, its renderers, the Playwright driver).

    Dead renderers count through their reaping parent's cutime/cstime, so the sum is complete; it makes
    the figure independent of whatever else loads the machine.
    """
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stats[int(entry)] = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
    family, frontier = {os.getpid()}, [os.getpid()]
    while frontier:
        parent = frontier.pop()
        for pid, fields in stats.items():
            if int(fields[1]) == parent and pid not in family:
                family.add(pid)
                frontier.append(pid)
    ticks = sum(sum(int(x) for x in stats[pid][11:15]) for pid in family if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


def _use_two_cores() -> str:
    """Pin this process (and the Chromium it starts) to two CPUs, the figure's reference machine."""
    cpus = sorted(os.sched_getaffinity(0))
    os.sched_setaffinity(0, cpus[:2])
    return f"{min(2, len(cpus))} of {len(cpus)} CPUs"


async def _measure(port: int, pages: int, pool_size: int) -> dict[str, Any]:
    settings = load_settings(
        fetch_allow_any_port=True,
        fetch_allowed_networks=["127.0.0.1/32"],
        render_pool_size=pool_size,
        render_recycle_after=200,
        render_timeout_seconds=15,
    )
    urls = [f"http://{SITES[i % len(SITES)].host}:{port}/" for i in range(pages)]
    async with RenderPool(settings) as pool:
        await asyncio.gather(*(pool.render(u, pin_ip="127.0.0.1") for u in urls[:pool_size]))  # warm-up
        cpu0, t0 = _cpu_seconds(), time.perf_counter()
        results = await asyncio.gather(*(pool.render(u, pin_ip="127.0.0.1") for u in urls))
        elapsed, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    latencies = sorted(r.timings["total"] - r.timings.get("queue", 0.0) for r in results)
    return {
        "pages": pages,
        "pool_size": pool_size,
        "seconds": round(elapsed, 2),
        "pages_per_s": round(pages / elapsed, 2),
        "cpu_s_per_page": round(cpu / pages, 3),
        "projected_pages_per_s_2_free_cores": round(2 * pages / cpu, 2),
        "p50_job_s": round(statistics.median(latencies), 3),
        "p95_job_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
        "outcomes": dict(Counter(r.error_kind or "ok" for r in results)),
        "with_screenshot": sum(1 for r in results if r.screenshot_png),
    }


def run(pages: int = 80, pool_size: int = 3) -> dict[str, Any]:
    ok, why = RenderPool.available(load_settings())
    if not ok:
        print(f"render bench skipped: {why}")
        return {"skipped": why}
    cores = _use_two_cores()
    with running_farm() as farm:
        figures = asyncio.run(_measure(farm.port, pages, pool_size))
    figures["cpus"] = cores
    print(
        f"rendered scans: {figures['pages_per_s']} pages/s ({figures['pages']} pages in {figures['seconds']} s, "
        f"pool {pool_size}, {cores}, load average {os.getloadavg()[0]:.1f}); CPU {figures['cpu_s_per_page']} s/page "
        f"-> {figures['projected_pages_per_s_2_free_cores']} pages/s on 2 idle cores; "
        f"job p50 {figures['p50_job_s']} s, p95 {figures['p95_job_s']} s; "
        f"outcomes {figures['outcomes']}; screenshots {figures['with_screenshot']}"
    )
    return figures


if __name__ == "__main__":
    run(*(int(a) for a in sys.argv[1:3]))
