"""`pilotage demo` loads both sample sets once, and `pilotage stats` reads them back."""

from __future__ import annotations

import json

import pytest

from pilotage.cli import main
from pilotage.config import Settings
from pilotage.instance import Instance

pytestmark = pytest.mark.slow


def test_demo_loads_once_and_stats_are_filled(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo"]) == 0
    capsys.readouterr()
    assert main(["demo"]) == 0
    assert "already loaded" in capsys.readouterr().out

    args = ["stats", "--site", "boutique.example", "--period", "30d", "--format", "json"]
    assert main([*args, "--metrics", "visitors,visits,pageviews,bounce_rate"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    visitors, visits, pageviews, bounce = row["metrics"]
    assert 0 < visitors <= visits < pageviews and 20 <= bounce <= 70

    # The shipped log (May 2015), replayed on the last days so that the retention keeps
    # it: 1,638 pageviews of people (docs/logs.md), all within the last 7 days.
    log_args = ["stats", "--site", "semicomplete.com", "--period", "7d"]
    assert main([*log_args, "--metrics", "pageviews", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["metrics"] == [1638]
    # ...and the server's daily purge (25-month retention) keeps every demo event.
    inst = Instance(settings)
    before = inst.events.scalar("SELECT count(*) FROM events")
    assert inst.purge() == (0, 0)
    assert inst.events.scalar("SELECT count(*) FROM events") == before
    inst.close()

    funnel = ["funnels", "show", "Achat", "--site", "boutique.example", "--format", "json"]
    assert main(funnel) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    counts = [s["visitors"] for s in steps]
    assert counts[0] > 0 and counts == sorted(counts, reverse=True)
    inst.close()

    # The analysis engines read the same store: attribution of the demo's orders, and the
    # demo's A/B test on the checkout form (arm B converts 10 % more, by construction).
    site = ["--site", "boutique.example"]
    assert (
        main(["attribution", *site, "--goal", "Achat", "--period", "30d", "--format", "json"]) == 0
    )
    models = {m["model"]: m for m in json.loads(capsys.readouterr().out)["models"]}
    assert {"first_touch", "markov", "shapley"} <= set(models)
    totals = {name: sum(r["conversions"] for r in m["channels"]) for name, m in models.items()}
    assert (
        len({round(t, 6) for t in totals.values()}) == 1
    )  # every model shares out the same orders
    ab = ["ab", "analyze", "--experiment", "checkout_form", *site, "--goal", "Achat"]
    assert main([*ab, "--period", "all", "--format", "json"]) == 0
    achat = next(m for m in json.loads(capsys.readouterr().out) if m["metric"] == "Achat")
    assert achat["control"]["variant"] == "A" and [v["variant"] for v in achat["variants"]] == ["B"]
    assert achat["srm_p_value"] > 0.001  # a 50/50 split by construction
    assert achat["variants"][0]["lift"] > 0  # the uplift built into arm B

    # The Watch page's benchmark is seeded: 5 competitors, 4 weighted criteria.
    assert main(["watch", "bench", "show", *site, "--format", "json"]) == 0
    bench = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert len(bench) == 5 and bench["Boutique démo"]["self"]
    # By hand: (3.5 x 2 + 3.0 x 1.5 + 4.0 + 4.5) / (2 + 1.5 + 1 + 1) = 20 / 5.5.
    assert bench["Boutique démo"]["weighted"] == pytest.approx(20 / 5.5, abs=1e-4)

    # The SEO page has the shop's crawl, finished and audited (tests/demo/test_website.py
    # checks what the audit finds).
    from pilotage.seo.crawls import list_crawls

    inst = Instance(settings)
    with inst.app.session() as s:
        from pilotage.sites import get_site

        shop = get_site(s, "boutique.example").id
    (crawl,) = list_crawls(inst.settings, shop)
    assert crawl.state == "finished" and crawl.pages > 300
    assert (crawl.path / "audit.json").is_file()
    inst.close()
