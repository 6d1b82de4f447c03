from __future__ import annotations

import pilotage.crawl as crawl


def test_public_api_is_exported() -> None:
    for name in crawl.__all__:
        assert getattr(crawl, name) is not None
    assert sorted(crawl.__all__) == crawl.__all__
