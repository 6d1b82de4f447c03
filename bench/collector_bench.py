"""Collector throughput: a real `pilotage serve` and wrk on 127.0.0.1, durability on.

Sends pageviews from 5,000 simulated visitors (user agents vary) over 200 pages for a
fixed time, then checks that the store holds exactly the events acknowledged with 202,
and writes events/s and latency percentiles into bench/README.md ("Collector").
Needs Debian's wrk (installed when missing). Target: >= 10,000 events/s on 2 cores.

    .venv/bin/python bench/collector_bench.py [--seconds 20] [--connections 64]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.readme import write_section

from tests.server_support import Server, cli

OUT = Path(__file__).parent / "out" / "collector"
SITE = "shop.example"
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
local n = 0
request = function()
  n = n + 1
  wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 b" .. (n % 5000)
  local body = '{"n":"pageview","u":"https://shop.example/p/' .. (n % 200) .. '?utm_source=newsletter","d":"shop.example","r":"https://www.google.com/","w":1280}'
  return wrk.format(nil, nil, nil, body)
end
"""
console = Console()


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    console.print("Installing Debian's wrk…")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def parse_wrk(text: str) -> dict[str, float]:
    def ms(label: str) -> float:
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        if not m:
            return float("nan")
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]
        return float(m.group(1)) * scale

    total = re.search(r"(\d+) requests in", text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", text)
    return {
        "requests": float(total.group(1)) if total else 0.0,
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
        "rate": float(rate.group(1)) if rate else 0.0,
        "p50": ms("50"),
        "p90": ms("90"),
        "p99": ms("99"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    wrk = ensure_wrk()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    (OUT / "post.lua").write_text(LUA)
    data = OUT / "data"
    cli(data, "sites", "add", SITE)
    with console.status("Starting pilotage serve…"):
        server = Server(data).start()
    try:
        with console.status(f"wrk: {args.connections} connections for {args.seconds} s…"):
            run = subprocess.run(
                [wrk, "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
                 "-s", str(OUT / "post.lua"), server.url + "/api/event"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
        figures = parse_wrk(run.stdout)
        started = time.monotonic()
        with console.status("Waiting for the writer loop to load everything…"):
            server.stop()  # SIGTERM: the writer drains the spool before exiting
        drain = time.monotonic() - started
    finally:
        server.stop()
    con = duckdb.connect(str(data / "events.duckdb"), read_only=True)
    stored = con.execute("SELECT count(*) FROM events").fetchone()[0]  # type: ignore[index]
    acked = int(figures["requests"] - figures["errors"])
    report(figures, stored, acked, drain, args)


def report(
    figures: dict[str, float], stored: int, acked: int, drain: float, args: argparse.Namespace
) -> None:
    ok = "yes" if stored >= acked else f"NO ({acked - stored} lost)"
    body = f"""
`python bench/collector_bench.py --seconds {args.seconds} --connections {args.connections}` on
{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores shared by the server and wrk (2 threads),
one `pilotage serve` process, fsync before every 202 (group commit). Target: >= 10,000 events/s.

| events/s (202) | p50 ms | p90 ms | p99 ms | acknowledged | stored | all acknowledged stored | drain after load (s) |
|---|---|---|---|---|---|---|---|
| {figures["rate"]:,.0f} | {figures["p50"]:.1f} | {figures["p90"]:.1f} | {figures["p99"]:.1f} | {acked:,} | {stored:,} | {ok} | {drain:.1f} |
"""
    console.print(body)
    write_section("Collector", body)


if __name__ == "__main__":
    main()
