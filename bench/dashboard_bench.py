"""Server time of the dashboard pages on the demo shop at about 1M events.

Loads the demo shop (the generator of `pilotage demo`, 121 days) with five times its
usual traffic into bench/out/dashboard/ once (kept for the next runs), then times
each request of a dashboard view in-process (the page, then each table's fragment),
signed in as the owner: p50, p95 and fastest of RUNS runs after one warm-up. Target of
issue 3: <= 300 ms per request. Writes the table under "## Dashboard" in bench/README.md.

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
VIEWS = {
    "last 30 days": "",
    "7 days vs previous": "period=7d&compare=prev",
    "12 months": "period=12mo",
    "filtered (channel + device)": "f=channel%3D%3DOrganic+Search&f=device%3D%3DMobile",
}
PANELS = ("sources", "pages", "locations", "devices", "goals", "props", "funnel-0", "funnel-1")


def requests_of(view: str) -> dict[str, str]:
    """The page and the fragments its tables load (each its own request)."""
    suffix = f"?{view}" if view else ""
    out = {"page": f"/sites/{SHOP}{suffix}"}
    out.update({f"panel {p}": f"/sites/{SHOP}/panel/{p}{suffix}" for p in PANELS})
    return out


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


def timed(client: TestClient, url: str, runs: int) -> tuple[float, float, float]:
    assert client.get(url).status_code == 200, url
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        r = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, times[0]


def time_views(client: TestClient, runs: int) -> list[str]:
    rows = []
    for view, params in VIEWS.items():
        for name, url in requests_of(params).items():
            p50, p95, low = timed(client, url, runs)
            rows.append(f"| {view} | {name} | {p50:.0f} / {p95:.0f} / {low:.0f} |")
    p50, p95, low = timed(client, "/", runs)
    rows.append(f"| sites list | page | {p50:.0f} / {p95:.0f} / {low:.0f} |")
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
        rows = time_views(client, args.runs)
    load_after = os.getloadavg()[0]
    table = "\n".join(rows)
    from readme import write_section

    write_section(
        "Dashboard",
        f"`bench/dashboard_bench.py`, {events:,} events (the demo shop at "
        f"{args.daily_visitors} visitors a day, 121 days), {args.runs} runs after a warm-up, "
        "whole requests in-process (routing, queries, templates), signed in. The page "
        "holds the headline figures and the chart; each table is a fragment that htmx "
        "loads after it (its own request, as Plausible's panels are). "
        f"Target: <= 300 ms per request. Load average {load_before:.2f} at the start, "
        f"{load_after:.2f} at the end, on {os.cpu_count()} cores.\n\n"
        "| view | request | p50 / p95 / min ms |\n|---|---|---|\n" + table + "\n",
    )
    print(table)


if __name__ == "__main__":
    main()
