"""Crawl speed and memory: `pilotage seo crawl` + `seo report` against advertools and Scrapy.

Two corpora, each served from 127.0.0.1 by one static server (a ThreadingHTTPServer
with HTTP/1.1 keep-alive and a deep listen queue, in its own process, sharing the
machine's cores with the crawlers, as it did for the peers' figures):

1. Debian's python3-doc HTML (530 pages). In one run, on one server: ``pilotage seo
   crawl --no-external --no-audit`` then ``pilotage seo report --format json`` (the full
   audit), timed separately; then ``pilotage seo crawl --no-external`` (which audits the
   finished crawl) and ``seo report`` reading the saved audit; advertools' ``crawl`` (follow_links, allowed_domains the host,
   LOG_LEVEL INFO) and a bare Scrapy spider (links and title only), both from a venv of
   their own (/tmp/pilotage-bench/advertools-venv, made on first run).
2. A generated site of ``--pages`` pages (bench/gen_site.py, default 100,000) crawled
   with ``--max-pages`` that many, then audited: pages/s and peak memory.

Memory is the peak RSS of the whole process tree (Pilotage parses in worker processes,
advertools runs Scrapy in a subprocess): a sampler sums VmRSS over the process and all
its descendants every 50 ms; every 0.5 s it also sums PSS (shared pages split between
the processes sharing them), which does not count the workers' shared interpreter
twice. CPU seconds are the tree's user + system time (wait4's rusage, or the sum of
the last figures sampled from /proc for each process of the tree when that is larger).
The load average is noted before each run: the machine is shared.

Run: .venv/bin/python bench/crawl_bench.py [--pages 100000] [--skip-memory]
     [--skip-peers] [--json PATH] [--readme]
``--readme`` replaces the "Crawl" section of bench/README.md with this run's tables.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).parent))
from gen_site import generate, write_sitemaps
from readme import write_section

WORK = Path("/tmp/pilotage-bench")
VENV = WORK / "advertools-venv"
DOCS = Path("/usr/share/doc/python3.11/html")
PILOTAGE = str(Path(sys.executable).parent / "pilotage")  # the installed console script
SAMPLE_S = 0.05

ADVERTOOLS_RUNNER = r"""
import sys, advertools as adv
adv.crawl(sys.argv[1], sys.argv[2], follow_links=True, allowed_domains=["127.0.0.1"],
          custom_settings={"LOG_LEVEL": "INFO", "LOG_FILE": sys.argv[3]})
"""

SCRAPY_SPIDER = r"""
import scrapy
from scrapy.linkextractors import LinkExtractor

class BenchSpider(scrapy.Spider):
    name = "bench"
    allowed_domains = ["127.0.0.1"]
    links = LinkExtractor()

    async def start(self):
        yield scrapy.Request(self.url)

    def parse(self, response):
        yield {"url": response.url, "title": response.css("title::text").get()}
        for link in self.links.extract_links(response):
            yield response.follow(link, self.parse)
"""


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as any real server

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    request_queue_size = 256
    daemon_threads = True


def serve_forever(directory: Path, port: int) -> None:
    handler = functools.partial(_Handler, directory=str(directory))
    _Server(("127.0.0.1", port), handler).serve_forever()


def start_server(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The static server in its own process (not in any measured tree); its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [sys.executable, __file__, "--serve", str(directory), "--port", str(port)]
    server = subprocess.Popen(argv)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return server, f"http://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"the static server did not start on port {port}")


def _processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, CPU ticks used) for every process, from /proc/PID/stat.

    Parents are read from there because this kernel has no /proc/PID/task/*/children.
    """
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_bytes()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2 :].split()
            found[int(name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def tree(root: int) -> dict[int, int]:
    """The CPU ticks used so far by ``root`` and each of its descendants."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in processes.items():
        children.setdefault(parent, []).append(pid)
    pids, i = [root], 0
    while i < len(pids):
        pids.extend(children.get(pids[i], []))
        i += 1
    return {pid: processes[pid][1] for pid in pids if pid in processes}


def _field_kb(path: str, field: bytes) -> int:
    try:
        for line in Path(path).read_bytes().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Peak summed RSS (and PSS) of a process and its descendants, sampled from /proc.

    It also keeps the last CPU time seen for every process of the tree: a process that
    nobody waits for (multiprocessing's forkserver) is missing from wait4's rusage.
    """

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak_rss_kb, self.peak_pss_kb = root, 0, 0
        self.cpu_ticks: dict[int, int] = {}
        self.peak_by_pid: dict[int, int] = {}
        self.done = threading.Event()

    def run(self) -> None:
        tick, pids = 0, [self.root]
        while not self.done.is_set():
            if tick % 4 == 0:  # the process list is rescanned every 0.2 s: it costs ~2 ms
                cpu = tree(self.root)
                self.cpu_ticks.update(cpu)
                pids = list(cpu)
            each = {pid: _field_kb(f"/proc/{pid}/status", b"VmRSS:") for pid in pids}
            for pid, kb in each.items():
                self.peak_by_pid[pid] = max(self.peak_by_pid.get(pid, 0), kb)
            self.peak_rss_kb = max(self.peak_rss_kb, sum(each.values()))
            if tick % 10 == 0:
                pss = sum(_field_kb(f"/proc/{pid}/smaps_rollup", b"Pss:") for pid in pids)
                self.peak_pss_kb = max(self.peak_pss_kb, pss)
            tick += 1
            self.done.wait(SAMPLE_S)


@dataclass
class Run:
    tool: str
    corpus: str
    pages: int
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    peak_pss_mb: float
    load_before: float
    peak_rss_by_process_mb: list[float] = field(default_factory=list)

    @property
    def pages_per_s(self) -> float:
        return self.pages / self.wall_s if self.wall_s else 0.0


def _env() -> dict[str, str]:
    """The environment of the measured tools: bytecode caching on, as in a real install
    (this machine sets PYTHONDONTWRITEBYTECODE, which makes every start compile the
    editable install's modules again, 0.2 s a command)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def warm_up() -> None:
    """Compile Pilotage's modules once before any timing (pip does it at install)."""
    modules = "pilotage.cli, pilotage.crawl.engine, pilotage.crawl.parse, pilotage.seo.saved"
    argv = [sys.executable, "-c", f"import {modules}, pilotage.seo.report"]
    subprocess.run(argv, env=_env(), check=True)


def measure(tool: str, corpus: str, argv: list[str], log: Path, venv: bool = False) -> Run:
    """Run ``argv`` to completion; its wall time, tree CPU time and peak tree memory."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with log.open("w") as out:
        # advertools starts `scrapy` from PATH
        path = f"{VENV / 'bin'}:{os.environ['PATH']}" if venv else os.environ["PATH"]
        env = {**_env(), "PATH": path}
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        sampler = TreeSampler(child.pid)
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        sampler.done.set()
        sampler.join()
    if child.returncode:
        raise RuntimeError(f"{tool} failed ({child.returncode}); see {log}")
    sampled = sum(sampler.cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")
    cpu = max(usage.ru_utime + usage.ru_stime, sampled)
    mb = (sampler.peak_rss_kb / 1024, sampler.peak_pss_kb / 1024)
    by_process = sorted((kb / 1024 for kb in sampler.peak_by_pid.values()), reverse=True)
    return Run(tool, corpus, 0, wall, cpu, mb[0], mb[1], load, by_process)


def crawled_pages(crawl_dir: Path) -> int:
    """Responses the crawl stored (status > 0: HTML, other types and error statuses)."""
    with sqlite3.connect(crawl_dir / "crawl.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM pages WHERE status > 0").fetchone()[0])


def _sum(tool: str, first: Run, second: Run) -> Run:
    return Run(
        tool,
        first.corpus,
        first.pages,
        first.wall_s + second.wall_s,
        first.cpu_s + second.cpu_s,
        max(first.peak_rss_mb, second.peak_rss_mb),
        max(first.peak_pss_mb, second.peak_pss_mb),
        first.load_before,
    )


def run_pilotage(
    base: str, corpus: str, out: Path, max_pages: int, *, separate: bool = True
) -> list[Run]:
    """``seo crawl`` (which audits the finished crawl) then ``seo report`` reading the saved
    audit: what a user runs. ``separate``: first the crawl alone (``--no-audit``) and the
    audit alone (``seo report`` with no saved audit), each measured apart."""
    flags = f"--allow-private --no-external --quiet --max-pages {max_pages}".split()
    runs: list[Run] = []
    if separate:
        crawl_dir = out / f"pilotage-{corpus}-separate"
        subprocess.run(["rm", "-rf", str(crawl_dir)], check=True)
        argv = [PILOTAGE, "seo", "crawl", f"{base}index.html", "--out", str(crawl_dir), *flags]
        log = out / f"pilotage-crawl-alone-{corpus}.log"
        crawl = measure("pilotage seo crawl --no-audit", corpus, [*argv, "--no-audit"], log)
        output = ["--output", str(out / f"pilotage-report-{corpus}.json")]
        argv = [PILOTAGE, "seo", "report", str(crawl_dir), "--format", "json", *output]
        log = out / f"pilotage-report-{corpus}.log"
        report = measure("pilotage seo report (the audit alone)", corpus, argv, log)
        crawl.pages = report.pages = crawled_pages(crawl_dir)
        runs += [crawl, report, _sum("  both, one after the other", crawl, report)]
    crawl_dir = out / f"pilotage-{corpus}"
    subprocess.run(["rm", "-rf", str(crawl_dir)], check=True)
    argv = [PILOTAGE, "seo", "crawl", f"{base}index.html", "--out", str(crawl_dir), *flags]
    log = out / f"pilotage-crawl-{corpus}.log"
    crawl = measure("pilotage seo crawl (crawl + full audit)", corpus, argv, log)
    output = ["--output", str(out / f"pilotage-report-saved-{corpus}.json")]
    argv = [PILOTAGE, "seo", "report", str(crawl_dir), "--format", "json", *output]
    log = out / f"pilotage-report-saved-{corpus}.log"
    report = measure("pilotage seo report (saved audit)", corpus, argv, log)
    crawl.pages = report.pages = crawled_pages(crawl_dir)
    return [*runs, crawl, report, _sum("  crawl + audit + JSON report", crawl, report)]


def ensure_venv() -> str:
    """advertools (and Scrapy, its dependency) in a venv of their own; their versions."""
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    probe = "import advertools, scrapy; print(advertools.__version__, scrapy.__version__)"
    found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    if found.returncode:
        # advertools' PyPI build imports lxml.html.clean, now a package of its own
        pip = [str(python), "-m", "pip", "install", "-q", "advertools", "lxml_html_clean"]
        subprocess.run(pip, check=True)
        found = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    return found.stdout.strip()


def count_lines(path: Path) -> int:
    with path.open("rb") as items:
        return sum(1 for _ in items)


def run_peers(base: str, corpus: str, out: Path, versions: str) -> list[Run]:
    """advertools' crawl, then the bare Scrapy spider; pages = items written."""
    advertools_version, scrapy_version = versions.split()
    items = out / f"advertools-{corpus}.jl"
    items.unlink(missing_ok=True)
    log = str(out / f"advertools-{corpus}.log")
    argv = [str(VENV / "bin" / "python"), "-c", ADVERTOOLS_RUNNER, f"{base}index.html"]
    adv = measure(
        f"advertools {advertools_version} crawl",
        corpus,
        [*argv, str(items), log],
        out / f"advertools-{corpus}.out",
        venv=True,
    )
    adv.pages = count_lines(items)
    spider = out / "bench_spider.py"
    spider.write_text(SCRAPY_SPIDER)
    items = out / f"scrapy-{corpus}.jl"
    items.unlink(missing_ok=True)
    settings = ["-s", "LOG_LEVEL=INFO", "-s", "COOKIES_ENABLED=False"]
    argv = [str(VENV / "bin" / "scrapy"), "runspider", str(spider), "-o", str(items), *settings]
    scrapy = measure(
        f"Scrapy {scrapy_version} bare spider",
        corpus,
        [*argv, "-a", f"url={base}index.html"],
        out / f"scrapy-{corpus}.log",
        venv=True,
    )
    scrapy.pages = count_lines(items)
    return [adv, scrapy]


def generated_site(pages: int) -> Path:
    """The generated site of ``pages`` pages under /tmp, built once and kept."""
    root = WORK / f"site-{pages}"
    marker = root / ".complete"
    if not marker.exists():
        subprocess.run(["rm", "-rf", str(root)], check=True)
        size = generate(root, pages)
        marker.write_text(str(size))
    return root


def docs_runs(out: Path, peers: bool) -> list[Run]:
    server, base = start_server(DOCS)
    try:
        runs = run_pilotage(base, "python3-doc", out, 10_000)
        if peers:
            runs += run_peers(base, "python3-doc", out, ensure_venv())
    finally:
        server.terminate()
        server.wait()
    return runs


def memory_runs(out: Path, pages: int) -> list[Run]:
    root = generated_site(pages)
    server, base = start_server(root)
    try:
        write_sitemaps(root, base, pages)  # the sitemaps hold the server's port
        return run_pilotage(base, f"generated-{pages}", out, pages, separate=False)
    finally:
        server.terminate()
        server.wait()


def show(runs: list[Run]) -> None:
    table = Table(title="Crawl benchmark (peak memory of the whole process tree)")
    for column in ("tool", "corpus", "pages", "wall s", "pages/s", "CPU s", "RSS MB", "PSS MB"):
        table.add_column(column, justify="left" if column in ("tool", "corpus") else "right")
    table.add_column("load", justify="right")
    for r in runs:
        table.add_row(
            r.tool, r.corpus, f"{r.pages:,}", f"{r.wall_s:.1f}", f"{r.pages_per_s:.1f}",
            f"{r.cpu_s:.1f}", f"{r.peak_rss_mb:,.0f}", f"{r.peak_pss_mb:,.0f}",
            f"{r.load_before:.2f}",
        )  # fmt: skip
    Console(width=150).print(table)


def markdown(runs: list[Run], command: str) -> str:
    rows = [
        f"| {r.tool} | {r.corpus} | {r.pages:,} | {r.wall_s:.1f} | {r.pages_per_s:.1f} "
        f"| {r.cpu_s:.1f} | {r.peak_rss_mb:,.0f} | {r.peak_pss_mb:,.0f} | {r.load_before:.2f} |"
        for r in runs
    ]
    return "\n".join(
        [
            f"`{command}` on {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores shared by the "
            "static server and the crawler; peak RSS and PSS summed over the whole process "
            "tree; load = 1-minute load average before each run.",
            "",
            "| tool | corpus | pages | wall s | pages/s | CPU s | peak RSS MB | peak PSS MB "
            "| load |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100_000, help="generated site's size")
    parser.add_argument("--skip-memory", action="store_true", help="python3-doc runs only")
    parser.add_argument("--skip-docs", action="store_true", help="generated site only")
    parser.add_argument("--skip-peers", action="store_true", help="no advertools / Scrapy")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--readme", action="store_true", help="write bench/README.md")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.serve, args.port)
        return
    out = WORK / "out"
    out.mkdir(parents=True, exist_ok=True)
    warm_up()
    runs = [] if args.skip_docs else docs_runs(out, not args.skip_peers)
    if not args.skip_memory:
        runs += memory_runs(out, args.pages)
    show(runs)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in runs], indent=2))
    if args.readme:
        write_section(
            "Crawl", markdown(runs, " ".join(["python bench/crawl_bench.py", *sys.argv[1:]]))
        )


if __name__ == "__main__":
    main()
