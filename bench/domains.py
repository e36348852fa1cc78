"""Domain screening benchmark: quality on the held-out newest months, batch throughput, API latency.

Reads ../shared/data/domains (override with SITEWARDEN_BENCH_DATA); exits 0 with a note when it is absent.
Run: .venv/bin/python bench/domains.py [--skip-quality] [--skip-throughput] [--skip-api] [--rate 500]

(a) quality: the test split of `sitewarden.score.domains.train` (each source's newest 15 %, never trained
    on, never used for thresholds; benign hosts by registrable-domain hash). TPR at the shipped thresholds
    (chosen on the validation months) and at thresholds set on the test benign hosts themselves.
(b) throughput: `commands.domains.screen_stream`, the CLI's own path, lines in to JSONL out, one core.
(c) API latency: uvicorn (one worker, subprocess) serving the real app with token auth; an open-loop
    asyncio load generator in another process sends one name per request at a fixed rate; latency is
    measured from each request's scheduled send time, so a stalled server cannot hide queueing.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core: numpy/LightGBM must not fan out

import argparse
import asyncio
import io
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("SITEWARDEN_BENCH_DATA", Path(__file__).resolve().parents[2] / "shared" / "data" / "domains"))
CONNECTIONS = 64
CHINESE = ("tw165_police", "tw_tonyney", "fx110", "tencent_urlsec")


def quality(rows: list) -> list[str]:
    from sitewarden.score.domains.engine import batch_scores
    from sitewarden.score.domains.model import load_model
    from sitewarden.score.domains.train import tpr_at_fpr
    from sitewarden.settings import load_settings

    model, settings = load_model(), load_settings()
    scores = np.array([s for s, _ in batch_scores(model, [r.info for r in rows])])
    labels = np.array([r.label for r in rows])
    sources = np.array([r.source for r in rows])
    shipped = {"review": settings.domain_review_threshold, "block": settings.domain_block_threshold}
    oracle = {"1%": tpr_at_fpr(scores, labels, 0.01)[0], "0.1%": tpr_at_fpr(scores, labels, 0.001)[0]}
    benign = labels == 0
    out = [
        f"(a) quality on the test split: {int((~benign).sum()):,} fraud hosts, {int(benign.sum()):,} benign",
        f"    shipped thresholds: review {shipped['review']:.4f}, block {shipped['block']:.4f}",
        f"    {'set':24} {'rows':>8} {'@review':>8} {'@block':>8} {'@FPR1%':>8} {'@FPR0.1%':>9}",
    ]

    def line(name: str, sel: np.ndarray, kind: str) -> str:
        s = scores[sel]
        cells = [(s >= t).mean() for t in (*shipped.values(), *oracle.values())]
        return f"    {name:24} {int(sel.sum()):>8,} " + " ".join(f"{c:>8.4f}" for c in cells) + f"  {kind}"

    out.append(line("all fraud", ~benign, "TPR"))
    out.append(line("chinese-language sources", np.isin(sources, CHINESE), "TPR"))
    for name in sorted(set(sources[~benign])):
        out.append(line(name, sources == name, "TPR"))
    out.append(line("all benign", benign, "FPR"))
    for name in sorted(set(sources[benign])):
        out.append(line(name, sources == name, "FPR"))
    return out


def _rate(hosts: list[str], settings: object) -> tuple[float, float]:
    from sitewarden.commands.domains import Format, screen_stream

    text = "\n".join(hosts) + "\n"
    with open(os.devnull, "w") as sink:
        start, cpu = time.perf_counter(), time.process_time()
        count = screen_stream(io.StringIO(text), sink, Format.JSONL, settings)  # type: ignore[arg-type]
        wall, used = time.perf_counter() - start, time.process_time() - cpu
    assert count == len(hosts)
    return len(hosts) / wall, len(hosts) / used


def throughput(rows: list, n: int) -> list[str]:
    """Two mixes: the test split as it is (mostly fraud, so most records carry model explanations) and a
    zone-file-like mix (1 % fraud) where explanations are rare."""
    from sitewarden.commands.domains import Format, screen_stream
    from sitewarden.settings import load_settings

    rng = random.Random(7)
    fraud = [r.info.host for r in rows if r.label]
    benign = [r.info.host for r in rows if not r.label]
    mixes = {
        "test split mix": rng.sample(fraud + benign, len(fraud) + len(benign)),
        "1 % fraud mix": rng.sample(benign * (n // len(benign) + 1), n - n // 100) + fraud[: n // 100],
    }
    settings = load_settings()
    screen_stream(io.StringIO("\n".join(benign[:2000]) + "\n"), io.StringIO(), Format.JSONL, settings)  # warm
    out = [f"(b) batch throughput: screen_stream (the CLI path), lines in -> JSONL out, one core, {n:,} hosts:"]
    for name, hosts in mixes.items():
        rng.shuffle(hosts)
        wall, cpu = _rate((hosts * (n // len(hosts) + 1))[:n], settings)
        out.append(f"    {name:16} {wall:10,.0f} hosts/s wall, {cpu:10,.0f} hosts/s per CPU-second")
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp: Path, workers: int = 1) -> tuple[subprocess.Popen, str, int]:
    from sitewarden.commands.core import initialise
    from sitewarden.settings import load_settings
    from sitewarden.web import auth

    settings = load_settings(var_dir=tmp, rescan_interval_hours=0)
    store = initialise(settings)
    auth.create_user(store, "bench", "bench-password-123", "auditor")
    _, token = auth.create_token(store, "bench", "bench", ["read"], None, actor="bench")
    port = _free_port()
    env = {**os.environ, "SITEWARDEN_VAR_DIR": str(tmp), "SITEWARDEN_RESCAN_INTERVAL_HOURS": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "sitewarden.web.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        env=env,
    )
    return server, token, port


def api_latency(rows: list, rate: int, seconds: float, workers: int) -> list[str]:
    names = [r.info.host for r in rows]
    random.Random(11).shuffle(names)
    with tempfile.TemporaryDirectory() as tmp:
        server, token, port = _serve(Path(tmp), workers)
        try:
            url = f"http://127.0.0.1:{port}/api/v1/screen/domains"
            deadline = time.time() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        return ["(c) API latency: server did not start"]
                    time.sleep(0.2)
            names_file = Path(tmp) / "names.json"
            names_file.write_text(json.dumps(names[: int(rate * (seconds + 2))]))
            # Warm-up (model load, first requests), then the measured run, each in a fresh client process.
            _loadgen_process(url, token, names_file, rate, 2.0)
            result = _loadgen_process(url, token, names_file, rate, seconds)
        finally:
            server.terminate()
            server.wait(10)
    lat = np.array(result["latencies_ms"])
    return [
        f"(c) API latency at {rate} req/s for {seconds:.0f} s, one name per request, token auth, "
        f"{workers} uvicorn worker(s):",
        f"    sent {result['sent']:,}, ok {result['ok']:,}, errors {result['errors']}, achieved "
        f"{result['achieved_rate']:.0f} req/s over {CONNECTIONS} keep-alive connections",
        f"    p50 {np.percentile(lat, 50):.2f} ms, p90 {np.percentile(lat, 90):.2f} ms, "
        f"p99 {np.percentile(lat, 99):.2f} ms, max {lat.max():.2f} ms",
    ]


def _loadgen_process(url: str, token: str, names_file: Path, rate: int, seconds: float) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--loadgen", url, token, str(names_file), str(rate), str(seconds)],
        check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


async def _exchange(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes) -> int:
    """Send one pre-encoded request on a keep-alive connection; return the status after reading the body."""
    reader, writer = conn
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    await reader.readexactly(length)
    return int(head.split(b" ", 2)[1])


async def _loadgen(url: str, token: str, names: list[str], rate: int, seconds: float) -> dict:
    """Open loop: request i is sent at t0 + i/rate whatever happened to earlier ones. A minimal HTTP/1.1
    client over keep-alive sockets with pre-encoded requests, so the generator costs far less CPU than
    the server it measures (both share the machine)."""
    host, port_path = url.removeprefix("http://").split(":", 1)
    port, path = port_path.split("/", 1)
    total = int(rate * seconds)
    requests = []
    for i in range(total):
        body = json.dumps({"name": names[i % len(names)]}).encode()
        requests.append(
            f"POST /{path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body
        )
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        pool.put_nowait(await asyncio.open_connection(host, int(port)))
    latencies: list[float] = []
    errors = 0
    t0 = time.perf_counter() + 0.2

    async def one(i: int) -> None:
        nonlocal errors
        scheduled = t0 + i / rate
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        conn = await pool.get()  # waiting for a free connection counts in the latency
        try:
            status = await _exchange(conn, requests[i])
        except (OSError, asyncio.IncompleteReadError, ValueError, StopIteration):
            errors += 1
            conn[1].close()
            pool.put_nowait(await asyncio.open_connection(host, int(port)))
            return
        pool.put_nowait(conn)
        if status != 200:
            errors += 1
            return
        latencies.append((time.perf_counter() - scheduled) * 1000)

    await asyncio.gather(*(one(i) for i in range(total)))
    elapsed = time.perf_counter() - t0
    while not pool.empty():
        pool.get_nowait()[1].close()
    return {"sent": total, "ok": len(latencies), "errors": errors, "achieved_rate": total / elapsed,
            "latencies_ms": latencies}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--hosts", type=int, default=200_000, help="hosts in the throughput run")
    parser.add_argument("--rate", type=int, default=500, help="API requests per second")
    parser.add_argument("--seconds", type=float, default=10.0, help="API run length")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = parser.parse_args()
    if not (DATA / "fraud_hosts.tsv.gz").is_file():
        print(f"bench/domains.py: no data at {DATA} (the shared data folder is absent); nothing measured.")
        return
    from sitewarden.score.domains.train import test_rows

    print(f"domain screening benchmark; data: {DATA}")
    rows = test_rows(DATA)
    for skip, part in ((args.skip_quality, lambda: quality(rows)),
                       (args.skip_throughput, lambda: throughput(rows, args.hosts)),
                       (args.skip_api, lambda: api_latency(rows, args.rate, args.seconds, args.workers))):
        if not skip:
            print("\n".join(part()), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--loadgen":
        url, token, names_path, rate, secs = sys.argv[2:7]
        result = asyncio.run(_loadgen(url, token, json.loads(Path(names_path).read_text()), int(rate), float(secs)))
        print(json.dumps(result))
    else:
        main()
