"""Dashboard query timings on 1M and 10M synthetic events (DuckDB).

Generates events + sessions directly in DuckDB SQL (seeded by hashing the row
number, so the data is the same on every run): 180 days, ~3 events per visit,
~300 pages with a Zipf-like (log-uniform rank) popularity, weighted sources,
devices and countries, 3 % robots and 3 goals (a signup page, a Purchase event
with revenue, a Newsletter event). Then times each dashboard query (p50, p95 and
fastest of RUNS runs after one warm-up) through ``run_query`` and writes a Markdown
table under "## Queries" in bench/README.md (only that section is replaced).

    .venv/bin/python bench/queries_bench.py [--sizes 1000000,10000000] [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb

from pilotage.analytics import DuckDBBackend, Goal, Query, Rates, run_query
from pilotage.store.events import schema

OUT = Path(__file__).parent / "out"
README = Path(__file__).parent / "README.md"
DAYS = 180
NOW = datetime(2024, 6, 29, 12, 0)  # the last generated day
GOALS = (
    Goal("Signup", "page", page_pattern="/signup"),
    Goal("Purchase", "event", event_name="Purchase", currency="EUR"),
    Goal("Newsletter", "event", event_name="Newsletter"),
)

# u(k): a uniform number in [0, 1) drawn from the visit number and a salt k.
GENERATE = """
CREATE OR REPLACE MACRO u(i, k) AS (hash(i, k) % 1000000) / 1000000.0;
CREATE OR REPLACE TEMP TABLE visits AS
SELECT i AS session_id,
       hash(i, 'visitor') % {visitors} AS visitor_id,
       TIMESTAMP '2024-01-02'
         + to_seconds(CAST(floor(u(i, 1) * {days} * 86400) AS BIGINT)) AS start,
       CAST(1 + floor(-ln(1 - u(i, 2) * 0.999) * 2.0) AS INTEGER) AS n,
       CASE WHEN u(i, 3) < 0.40 THEN 'Google' WHEN u(i, 3) < 0.65 THEN ''
            WHEN u(i, 3) < 0.75 THEN 'Twitter' WHEN u(i, 3) < 0.83 THEN 'Bing'
            WHEN u(i, 3) < 0.90 THEN 'Newsletter' WHEN u(i, 3) < 0.95 THEN 'Facebook'
            ELSE 'news.example' END AS referrer_source,
       CASE WHEN u(i, 4) < 0.55 THEN 'Desktop' WHEN u(i, 4) < 0.93 THEN 'Mobile'
            ELSE 'Tablet' END AS device,
       ['FR', 'US', 'DE', 'GB', 'ES', 'IT', 'BE', 'CA', 'CH', 'NL', 'JP', 'BR']
         [1 + CAST(floor(pow(u(i, 5), 2) * 12) AS INTEGER)] AS country,
       CASE WHEN u(i, 6) < 0.6 THEN 'Chrome' WHEN u(i, 6) < 0.8 THEN 'Safari'
            WHEN u(i, 6) < 0.93 THEN 'Firefox' ELSE 'Edge' END AS browser,
       u(i, 7) < 0.03 AS is_bot
FROM range({sessions}) t(i);
-- Real visitor ids are 64-bit keyed hashes that change every day (daily salt): a person
-- returning on another day is another id, as in the store.
UPDATE visits SET visitor_id = hash(visitor_id, start::DATE);
CREATE OR REPLACE TEMP TABLE gen AS
SELECT v.*, j,
       v.start + to_seconds(j * 40 + CAST(floor(u(v.session_id * 16 + j, 8) * 30) AS BIGINT)) AS ts,
       CASE WHEN j = v.n - 1 AND u(v.session_id, 9) < 0.04 THEN 'Purchase'
            WHEN j = v.n - 1 AND u(v.session_id, 9) < 0.07 THEN 'Newsletter'
            ELSE 'pageview' END AS name,
       CAST(floor(pow(300, u(v.session_id * 16 + j, 10))) AS INTEGER) - 1 AS rank
FROM visits v, range(v.n) r(j);
INSERT INTO events (site, ts, name, visitor_id, session_id, hostname, pathname, entry_page,
                    referrer_source, channel, device, country, browser, props, revenue_amount,
                    revenue_currency, is_bot, source_kind)
SELECT 'bench.example', ts, name, visitor_id, session_id, 'bench.example',
       CASE WHEN rank = 0 THEN '/' WHEN rank = 7 THEN '/signup'
            WHEN rank % 3 = 0 THEN '/blog/post-' || rank ELSE '/p/' || rank END AS pathname,
       '', referrer_source,
       CASE referrer_source WHEN '' THEN 'Direct' WHEN 'Newsletter' THEN 'Email'
            ELSE 'Referral' END, device, country, browser,
       CASE WHEN name = 'Purchase' THEN MAP {{'plan': 'pro'}} ELSE MAP {{}} END,
       CASE WHEN name = 'Purchase' THEN CAST(10 + rank % 90 AS DECIMAL(18, 4)) END,
       CASE WHEN name = 'Purchase' THEN 'EUR' ELSE '' END, is_bot, 'demo'
FROM gen ORDER BY ts::DATE, visitor_id;
UPDATE events SET entry_page = f.page FROM (
  SELECT session_id, arg_min(pathname, ts) AS page FROM events GROUP BY session_id) f
WHERE events.session_id = f.session_id;
INSERT INTO sessions (site, session_id, visitor_id, start, "end", duration, hostname, entry_page,
                      referrer_source, channel, device, country, browser, exit_page, pageviews,
                      events, is_bounce, is_bot, source_kind)
SELECT 'bench.example', session_id, any_value(visitor_id), min(ts), max(ts),
       epoch(max(ts)) - epoch(min(ts)), 'bench.example', any_value(entry_page),
       any_value(referrer_source), any_value(channel), any_value(device), any_value(country),
       any_value(browser), arg_max(pathname, ts), count_if(name = 'pageview'), count(*),
       count_if(name = 'pageview') <= 1 AND count_if(name <> 'pageview') = 0,
       any_value(is_bot), 'demo'
FROM events GROUP BY session_id ORDER BY min(ts)::DATE, any_value(visitor_id);
"""


def generate(path: Path, events: int) -> None:
    if path.exists():
        return
    OUT.mkdir(exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute(schema.duckdb_create("events", schema.EVENT_COLUMNS))
    con.execute(schema.duckdb_create("sessions", schema.SESSION_COLUMNS))
    sessions = events * 10 // 25  # ~2.5 events per visit with the distribution above
    con.execute(GENERATE.format(sessions=sessions, visitors=sessions * 6 // 10, days=DAYS))
    con.close()


def dashboard() -> dict[str, Query]:
    """The queries a site's dashboard makes. Totals come from the headline query, so the
    breakdown panels (series, tables) are asked without a totals statement of their own,
    as Plausible's dashboard and its Stats API v2 ask them."""
    return {
        name: query if name.startswith("headline") else replace(query, totals=False)
        for name, query in _panels("bench.example").items()
    }


def _panels(site: str) -> dict[str, Query]:
    return {
        "headline + comparison (30d)": Query(
            site,
            ("visitors", "visits", "pageviews", "bounce_rate", "visit_duration", "views_per_visit"),
            "30d",
            comparison="previous_period",
        ),
        "time series by day (30d)": Query(
            site, ("visitors", "pageviews"), "30d", dimensions=("time:day",), time_labels=True
        ),
        # Most sites are not on UTC: local days are what a time zone costs per row.
        "time series by day (30d, Europe/Paris)": Query(
            site,
            ("visitors", "pageviews"),
            "30d",
            dimensions=("time:day",),
            time_labels=True,
            timezone="Europe/Paris",
        ),
        "top pages (30d)": Query(
            site, ("visitors", "pageviews"), "30d", dimensions=("page",), limit=10
        ),
        "sources (30d)": Query(
            site, ("visitors", "bounce_rate"), "30d", dimensions=("source",), limit=10
        ),
        "devices (30d)": Query(site, ("visitors",), "30d", dimensions=("device",)),
        "countries (30d)": Query(site, ("visitors",), "30d", dimensions=("country",), limit=10),
        "goals (30d)": Query(
            site,
            ("visitors", "events", "conversion_rate", "revenue"),
            "30d",
            dimensions=("goal",),
            goals=GOALS,
            rates=Rates("EUR"),
        ),
    }


def time_query(backend: DuckDBBackend, query: Query, runs: int) -> tuple[float, float, float]:
    """p50, p95 and the fastest run, in ms. On a shared machine the fastest run shows the
    cost of the query itself; p50 and p95 include the other processes' share."""
    run_query(backend, query, now=NOW)  # warm-up
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run_query(backend, query, now=NOW)
        samples.append((time.perf_counter() - start) * 1000)
    p95 = statistics.quantiles(samples, n=20, method="inclusive")[18]
    return statistics.median(samples), p95, min(samples)


def write_section(table: str) -> None:
    text = README.read_text() if README.exists() else "# Benchmarks\n"
    section = f"## Queries\n\n{table}\n"
    pattern = re.compile(r"## Queries\n.*?(?=^## |\Z)", re.S | re.M)
    text = (
        pattern.sub(lambda _: section + "\n", text)
        if pattern.search(text)
        else (text.rstrip("\n") + "\n\n" + section)
    )
    README.write_text(text.rstrip("\n") + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    load = os.getloadavg()[0]
    results: dict[str, list[str]] = {name: [] for name in dashboard()}
    for size in sizes:
        path = OUT / f"events_{size}.duckdb"
        started = time.perf_counter()
        generate(path, size)
        con = duckdb.connect(str(path), read_only=True)
        count = con.execute("SELECT count(*) FROM events").fetchone()
        print(f"{path.name}: {count} events ready in {time.perf_counter() - started:.1f} s")
        backend = DuckDBBackend(con)
        for name, query in dashboard().items():
            p50, p95, fastest = time_query(backend, query, args.runs)
            results[name] += [f"{p50:.0f} / {p95:.0f} / {fastest:.0f}"]
            print(f"  {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms, min {fastest:.0f} ms")
        con.close()
    head = " | ".join(f"p50 / p95 / min ms at {s // 1_000_000}M" for s in sizes)
    lines = [f"| query | {head} |", "|---|" + "---|" * len(sizes)]
    for name, cells in results.items():
        lines.append(f"| {name} | {' | '.join(cells)} |")
    note = (
        f"`bench/queries_bench.py`, DuckDB {duckdb.__version__}, {args.runs} runs after "
        f"one warm-up, 180 days of data, queries over the last 30 days through "
        "`run_query` (breakdown panels without a totals statement of their own: the headline "
        'query gives the totals; how they run: docs/metrics.md, "How queries stay fast"). '
        f"Target: p50 <= 150 ms at 10M. Load average {load:.2f} at the start, "
        f"{os.getloadavg()[0]:.2f} at the end, on {os.cpu_count()} cores."
    )
    write_section(note + "\n\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
