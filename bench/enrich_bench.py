"""Throughput of the enrichment functions on distinct values (cache misses).

Usage: python bench/enrich_bench.py [ACCESS_LOG]

The user agents, referrers and IPs come from an Apache combined log (default: the
semicomplete.com sample shipped in src/pilotage/sample_data). Each value is made unique by a suffix so
that neither our lru_cache nor ua-parser's own cache answers: the figures are for
distinct values, which is how the ingestion pipeline calls these functions.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

from pilotage.collect.enrich import bots, geo, referrer, useragent

DEFAULT_LOG = (
    Path(__file__).resolve().parents[1]
    / "src/pilotage/sample_data/apache_logs_semicomplete_2015.log"
)
LINE = re.compile(r'^(\S+) \S+ \S+ \[[^\]]+\] "[^"]*" \d+ \S+ "([^"]*)" "([^"]*)"')
COPIES = 40


def _columns(path: Path) -> tuple[list[str], list[str], list[str]]:
    ips: set[str] = set()
    refs: set[str] = set()
    uas: set[str] = set()
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if m := LINE.match(line):
            ips.add(m[1])
            refs.add(m[2])
            uas.add(m[3])
    return sorted(ips), sorted(refs), sorted(uas)


def _rate(name: str, func: Callable[[str], object], values: list[str]) -> None:
    start = time.perf_counter()
    for value in values:
        func(value)
    elapsed = time.perf_counter() - start
    print(f"{name:<28} {len(values):>8,} distinct  {len(values) / elapsed:>12,.0f} /s")


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_LOG
    ips, refs, uas = _columns(path)
    useragent.parse("warm-up")  # load ua-parser's regexes outside the timing
    bots.is_bot("warm-up")
    print(f"{path.name}: {len(uas)} UAs, {len(refs)} referrers, {len(ips)} IPs")
    unique_uas = [f"{ua} x/{i}" for i in range(COPIES) for ua in uas]
    _rate("useragent.parse", useragent.parse, unique_uas)
    _rate("bots.is_bot", bots.is_bot, [f"{ua} y/{i}" for i in range(COPIES) for ua in uas])
    pages = [f"/page?utm_source=s{i}&utm_medium=cpc" for i in range(COPIES)]
    calls = [(page, ref) for page in pages for ref in refs]
    start = time.perf_counter()
    for page, ref in calls:
        referrer.classify(page, ref, "semicomplete.com")
    print(
        f"{'referrer.classify':<28} {len(calls):>8,} distinct  "
        f"{len(calls) / (time.perf_counter() - start):>12,.0f} /s"
    )
    _rate("geo.country", geo.country, ips)


if __name__ == "__main__":
    main()
