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
rate is about the two cores less what wrk and other jobs take. Since 2026-11-22 the
fronts of `--workers N` are lean (src/pilotage/web/rawfront.py: httptools on a bare
asyncio Protocol, no uvicorn/ASGI) and only they listen on the TCP port; the main
process serves its Unix socket (relayed requests) and runs the writer loop. Back to back
on 2026-11-22 (10 s, `--workers 2`): 5,106 events/s with the main process also taking
TCP connections, 5,997 without (213 against 317 µs of server CPU per event), so it stays
off the port. Where the CPU goes with `--workers 2` (py-spy and top during wrk, 6,300-7,700
events/s): the front's event loop about 90 % of one core (Collector.records about 35
µs per event, the rest HTTP parsing, loopback socket system calls and the durable
acknowledgement); the main process about one core, nearly all of it the writer loop
(DuckDB ingest and sessionising, with DuckDB's own threads), wrk the rest. 10,000
events/s would need both the front and the writer loop well under 100 µs per event on
two cores shared with wrk. Runs on this shared machine vary by about a third from one
to the next (other jobs). Before the lean front, on 2026-11-22: 4,500-4,800 events/s
(uvicorn fronts, the main process also on TCP); before this round of work (commit
768ba09): 1,341 (1 worker) and 3,160 (2 workers) events/s. After the writer's ingest
rewrite (bench/writer_bench.py: 44 against 65 µs of CPU per event in 5,000-event
batches), the server's CPU per event went from 210 to 187 µs and the rate to about
7,000/s; in the same hour `--workers 3` gave 6,687/s and 20,000-event batches 5,547/s:
the front's HTTP work is now the larger share, and two cores shared with wrk cap it.
"""


if __name__ == "__main__":
    main()
