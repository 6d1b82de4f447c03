"""Server time of the dashboard pages on the demo shop at about 1M events.

Loads the demo shop (the generator of `pilotage demo`, 121 days) with five times its
usual traffic into bench/out/dashboard/ once (kept for the next runs), then times
whole page requests in-process (routing, every panel's queries, templates), signed in
as the owner: p50, p95 and fastest of RUNS runs after one warm-up per page. Target of
issue 3: <= 300 ms per page. Writes the table under "## Dashboard" in bench/README.md.

    .venv/bin/python bench/dashboard_bench.py [--runs 10] [--daily-visitors 2000]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

OUT = Path(__file__).parent / "out" / "dashboard"
SHOP = "boutique.example"
PAGES = {
    "dashboard, last 30 days": f"/sites/{SHOP}",
    "dashboard, 7 days vs previous": f"/sites/{SHOP}?period=7d&compare=prev",
    "dashboard, 12 months": f"/sites/{SHOP}?period=12mo",
    "dashboard, filtered (channel + device)": (
        f"/sites/{SHOP}?f=channel%3D%3DOrganic+Search&f=device%3D%3DMobile"
    ),
    "dashboard, all tabs switched": (
        f"/sites/{SHOP}?sources=utm_campaign&pages=entry_page&devices=browser"
    ),
    "details: top 100 pages": f"/sites/{SHOP}/details/page",
    "sites list": "/",
}


def prepare(daily_visitors: int) -> tuple[int, str]:
    """The bench store (made once) and the number of events it holds."""
    os.environ["PILOTAGE_DATA_DIR"] = str(OUT / f"v{daily_visitors}")
    from pilotage import accounts
    from pilotage.cli.demo import load_shop
    from pilotage.instance import Instance

    inst = Instance()
    if SHOP not in inst.known_sites():
        started = time.perf_counter()
        load_shop(inst, datetime.now(UTC), daily_visitors=daily_visitors)
        print(f"loaded in {time.perf_counter() - started:.0f} s")
    with inst.app.session() as s:
        if accounts.find_user(s, "bench@example.org") is None:
            accounts.create_user(s, "bench@example.org", "bench password", is_owner=True)
    events = int(inst.events.scalar("SELECT count(*) FROM events"))
    inst.close()
    return events, "bench@example.org"


def login(client: TestClient, email: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"email": email, "password": "bench password", "csrf": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def time_pages(client: TestClient, runs: int) -> list[tuple[str, float, float, float]]:
    rows = []
    for name, url in PAGES.items():
        assert client.get(url).status_code == 200, url
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            r = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 200
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        rows.append((name, statistics.median(times), p95, times[0]))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--daily-visitors", type=int, default=2000)
    args = parser.parse_args()
    events, email = prepare(args.daily_visitors)
    from pilotage.web import create_app

    load_before = os.getloadavg()[0]
    with TestClient(create_app(), base_url="https://bench") as client:
        login(client, email)
        rows = time_pages(client, args.runs)
    load_after = os.getloadavg()[0]
    table = "\n".join(f"| {n} | {p50:.0f} / {p95:.0f} / {low:.0f} |" for n, p50, p95, low in rows)
    from readme import write_section

    write_section(
        "Dashboard",
        f"`bench/dashboard_bench.py`, {events:,} events (the demo shop at "
        f"{args.daily_visitors} visitors a day, 121 days), {args.runs} runs after a warm-up, "
        "whole requests in-process (routing, every panel's queries, templates), signed in. "
        f"Target: <= 300 ms. Load average {load_before:.2f} at the start, "
        f"{load_after:.2f} at the end, on {os.cpu_count()} cores.\n\n"
        "| page | p50 / p95 / min ms |\n|---|---|\n" + table + "\n",
    )
    print(table)


if __name__ == "__main__":
    main()
