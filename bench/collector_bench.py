"""Collector throughput: a real `pilotage serve` and wrk on 127.0.0.1, durability on.

Sends pageviews from 5,000 simulated visitors (user agents vary) over 200 pages for a
fixed time, then checks that the store holds exactly the events acknowledged with 202,
and writes events/s and latency percentiles into bench/README.md ("Collector").
Needs Debian's wrk (installed when missing). Target: >= 10,000 events/s on 2 cores.

    .venv/bin/python bench/collector_bench.py [--seconds 20] [--connections 64] [--workers 1,2]
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


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (fronts)."""
    pids = [pid, *map(int, Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
    ticks = 0
    for p in pids:
        fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def run_setting(wrk: str, workers: int, args: argparse.Namespace) -> dict[str, float]:
    """One `pilotage serve --workers N` under wrk; its figures and the store's count."""
    data = OUT / f"data-{workers}"
    cli(data, "sites", "add", SITE)
    os.environ["PILOTAGE_WORKERS"] = str(workers)  # read by the served process
    with console.status(f"Starting pilotage serve --workers {workers}…"):
        server = Server(data).start()
        wait_for_fronts(data, workers)
    try:
        assert server.proc is not None
        cpu = server_cpu(server.proc.pid)
        with console.status(f"wrk: {args.connections} connections for {args.seconds} s…"):
            run = subprocess.run(
                [wrk, "-t2", f"-c{args.connections}", f"-d{args.seconds}s", "--latency",
                 "-s", str(OUT / "post.lua"), server.url + "/api/event"],
                capture_output=True, text=True, check=True,
            )  # fmt: skip
        figures = parse_wrk(run.stdout)
        figures["cpu_us"] = (server_cpu(server.proc.pid) - cpu) / figures["requests"] * 1e6
        started = time.monotonic()
        with console.status("Waiting for the writer loop to load everything…"):
            server.stop()  # SIGTERM: the writer drains the spool before exiting
        figures["drain"] = time.monotonic() - started
    finally:
        server.stop()
    con = duckdb.connect(str(data / "events.duckdb"), read_only=True)
    figures["stored"] = con.execute("SELECT count(*) FROM events").fetchone()[0]  # type: ignore[index]
    con.close()
    figures["acked"] = figures["requests"] - figures["errors"]
    figures["workers"] = workers
    return figures


def wait_for_fronts(data: Path, workers: int, timeout: float = 30.0) -> None:
    """A front opens its spool when its start-up is over, just before it listens."""
    deadline = time.monotonic() + timeout
    locks = [data / "spool" / f"front-{i}" / ".lock" for i in range(1, workers)]
    while not all(p.exists() for p in locks):
        if time.monotonic() > deadline:
            raise RuntimeError("the collector fronts did not start")
        time.sleep(0.1)
    time.sleep(1.0 if workers > 1 else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--workers", default="1,2", help="comma-separated `--workers` settings to run"
    )
    args = parser.parse_args()
    wrk = ensure_wrk()
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    (OUT / "post.lua").write_text(LUA)
    load = os.getloadavg()[0]
    rows = [run_setting(wrk, int(w), args) for w in args.workers.split(",")]
    report(rows, load, args)


def report(rows: list[dict[str, float]], load: float, args: argparse.Namespace) -> None:
    lines = []
    for f in rows:
        lost = f["acked"] - f["stored"]
        ok = "yes" if lost <= 0 else f"NO ({lost:,.0f} lost)"
        lines.append(
            f"| {f['workers']:.0f} | {f['rate']:,.0f} | {f['p50']:.1f} | {f['p90']:.1f} "
            f"| {f['p99']:.1f} | {f['cpu_us']:.0f} | {f['acked']:,.0f} | {f['stored']:,.0f} | {ok} "
            f"| {f['drain']:.1f} |"
        )
    table = "\n".join(lines)
    body = f"""
`python bench/collector_bench.py --seconds {args.seconds} --connections {args.connections} --workers {args.workers}`
on {datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores shared by the server and wrk (2 threads),
load average {load:.1f} before the run, fsync before every 202 (group commit). Target:
>= 10,000 events/s. `--workers N`: the main process and N-1 collector fronts.

| workers | events/s (202) | p50 ms | p90 ms | p99 ms | server CPU µs/event | acknowledged | stored | all acknowledged stored | drain after load (s) |
|---|---|---|---|---|---|---|---|---|---|
{table}
"""
    console.print(body)
    write_section("Collector", body + WHY)


WHY = """
**Why not 10,000/s here.** The server is CPU-bound: the "server CPU" column (user +
system time of the main process and its fronts, over the requests wrk sent) times the
rate is about the two cores less what wrk and other jobs take. Where an event's CPU
goes, measured on 2026-11-22 with py-spy and in-process timings: uvicorn's HTTP/1.1
handling and the loopback socket system calls the largest share (an empty ASGI app under
uvicorn, same wrk script, peaks at 8,000-12,600 requests/s on these two cores);
payload validation and enrichment about 35 µs (`Collector.records`, was 60 µs); the
group commit a few µs (one write + fsync of about 0.4 ms per batch; fdatasync saves
nothing on an appended file); the writer loop about 55 µs at 5,000-event batches (was
210 µs in this benchmark, where every batch re-read the ever-growing visits of the same
5,000 visitors) plus a fixed 50-80 ms per transaction, hence the writer lingers up to
2 s between short batches. 10,000 events/s would need about 200 µs of CPU per event
for everything, wrk included: out of reach for a Python HTTP server on two shared
cores. `--workers 2` spreads the HTTP work over both cores but does not lower the CPU
per event. Granian, tried in place of uvicorn, served an empty app 1.7-2.7x faster but
this collector slower (1,600 against 2,100 events/s, back to back), so uvicorn stays.
Runs on this shared machine vary by about a third from one to the next (other jobs).
Before this round of work (commit 768ba09), back to back with it on 2026-11-22: 1,341
(1 worker) and 3,160 (2 workers) events/s at 727 and 544 µs of server CPU per event.
"""


if __name__ == "__main__":
    main()
