"""Access-log analysis speed: GoAccess against `pilotage logs report`, side by side.

Builds a 1,000,000-line combined log from the shipped real log (10,000 lines) repeated
100 times, repetition k shifted by k days and with its IP addresses' first octet shifted
by k (so each repetition has other visitors), into bench/out/. Then runs, each in a child
process under /usr/bin/time -v, ``goaccess FILE --log-format=COMBINED -o out.json`` and
``pilotage logs report FILE --format json``, and prints and writes the figures (wall
time, peak RSS) to bench/README.md under "## Log analysis".

Run: .venv/bin/python bench/logs_bench.py [--repeat 100]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from rich.progress import Progress

import pilotage

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
SAMPLE = Path(pilotage.__file__).parent / "sample_data" / "apache_logs_semicomplete_2015.log"
SECTION = "## Log analysis"
DATE = re.compile(r"\[(\d{2}/\w{3}/\d{4})")


def build_log(target: Path, repeat: int) -> int:
    """Write the sample ``repeat`` times with shifted dates and IPs; return the line count."""
    base = SAMPLE.read_text().splitlines()
    days = sorted({m.group(1) for line in base if (m := DATE.search(line))})
    n = 0
    with target.open("w") as out, Progress() as progress:
        task = progress.add_task("building log", total=repeat)
        for k in range(repeat):
            shift = {
                d: (datetime.strptime(d, "%d/%b/%Y") + timedelta(days=k)).strftime("%d/%b/%Y")
                for d in days
            }
            chunk = []
            for line in base:
                ip, rest = line.split(" ", 1)
                head, dot, tail = ip.partition(".")
                if dot and head.isdigit():
                    ip = f"{(int(head) + k) % 256}.{tail}"
                m = DATE.search(rest)
                if m:
                    rest = rest[: m.start(1)] + shift[m.group(1)] + rest[m.end(1) :]
                chunk.append(f"{ip} {rest}\n")
            out.writelines(chunk)
            n += len(chunk)
            progress.advance(task)
    return n


@dataclass
class Run:
    name: str
    wall_s: float
    peak_rss_mb: float


def measure(name: str, argv: list[str], stdout: Path, env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS of ``argv`` in a child process (GNU time's figures)."""
    timer = shutil.which("time") or "/usr/bin/time"
    start = time.perf_counter()
    with stdout.open("w") as out:
        done = subprocess.run(
            [timer, "-v", *argv],
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            check=True,
            env={**os.environ, **(env or {})},
        )
    wall = time.perf_counter() - start
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return Run(name, wall, int(rss.group(1)) / 1024 if rss else float("nan"))


def table(runs: list[Run], lines: int, size_mb: float) -> str:
    goaccess = runs[0].wall_s
    rows = [
        f"| {r.name} | {r.wall_s:.1f} | {lines / r.wall_s:,.0f} | {r.peak_rss_mb:,.0f} "
        f"| {r.wall_s / goaccess:.2f} |"
        for r in runs
    ]
    return "\n".join(
        [
            f"{lines:,} lines ({size_mb:,.0f} MB), {os.cpu_count()} cores, "
            f"{time.strftime('%Y-%m-%d')}; `python bench/logs_bench.py`.",
            "",
            "| tool | wall time (s) | lines/s | peak RSS (MB) | time vs GoAccess |",
            "|---|---|---|---|---|",
            *rows,
        ]
    )


def write_section(body: str) -> None:
    """Replace (or add) the "## Log analysis" section of bench/README.md."""
    readme = ROOT / "README.md"
    text = readme.read_text() if readme.exists() else "# Benchmarks\n"
    section = f"{SECTION}\n\n{body}\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    log = OUT / "access_1m.log"
    lines = build_log(log, args.repeat)
    goaccess = shutil.which("goaccess") or "goaccess"
    pilotage = str(Path(sys.executable).parent / "pilotage")  # the installed console script
    store = {"PILOTAGE_DATA_DIR": str(OUT / "logs-store")}
    shutil.rmtree(store["PILOTAGE_DATA_DIR"], ignore_errors=True)
    subprocess.run([pilotage, "sites", "add", "bench.example"], env={**os.environ, **store},
                   check=True, capture_output=True)  # fmt: skip
    runs = [
        measure("GoAccess 1.7", [goaccess, str(log), "--log-format=COMBINED",
                                 "-o", str(OUT / "goaccess.json")], OUT / "goaccess.out"),
        measure("pilotage logs report", [pilotage, "logs", "report", str(log),
                                         "--format", "json"], OUT / "pilotage.json"),
        measure("pilotage import logs (sessions, store)",
                [pilotage, "import", "logs", str(log), "--site", "bench.example", "--json"],
                OUT / "pilotage-import.json", store),
    ]  # fmt: skip
    body = table(runs, lines, log.stat().st_size / 1e6)
    print(body)
    write_section(body)


if __name__ == "__main__":
    main()
