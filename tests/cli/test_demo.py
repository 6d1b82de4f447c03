"""`pilotage demo` loads both sample sets once, and `pilotage stats` reads them back."""

from __future__ import annotations

import json

import pytest

from pilotage.cli import main
from pilotage.config import Settings

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

    # The shipped log: 1,638 pageviews of people (docs/logs.md), all on 17-20 May 2015.
    log_args = ["stats", "--site", "semicomplete.com", "--period", "2015-05-16..2015-05-21"]
    assert main([*log_args, "--metrics", "pageviews", "--format", "json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["metrics"] == [1638]

    funnel = ["funnels", "show", "Achat", "--site", "boutique.example", "--format", "json"]
    assert main(funnel) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    counts = [s["visitors"] for s in steps]
    assert counts[0] > 0 and counts == sorted(counts, reverse=True)
