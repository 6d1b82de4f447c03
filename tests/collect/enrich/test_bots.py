"""Bot detection on real user agents and request paths.

"log" strings come from the semicomplete.com Apache log (elastic/examples,
Apache-2.0); library UAs follow the default User-Agent each library documents
(curl: "curl/VERSION", requests: "python-requests/VERSION", Go: "Go-http-client/1.1").
"""

from __future__ import annotations

import re

import crawleruseragents
import pytest

from pilotage.collect.enrich import bots
from pilotage.collect.enrich.bots import BOT_PATHS, is_bot, is_bot_path, is_listed

BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",  # log
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",  # log
    "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
    "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",  # log
    "Mozilla/5.0 (compatible; AhrefsBot/5.0; +http://ahrefs.com/robot/)",  # log
    "Twitterbot/1.0",  # log
    "UniversalFeedParser/4.2-pre-314-svn +http://feedparser.org/",  # log
    "Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)",  # log
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",  # log
    "Wget/1.14 (linux-gnu)",  # log
    "Python-urllib/2.7",  # log
    "Mozilla/5.0",  # log: bare token, sent by scripts
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Java/1.8.0_151",
    "okhttp/4.12.0",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)",
    "Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)",
    "",
    "-",
]

HUMANS = [
    # log
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/32.0.1700.77 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:27.0) Gecko/20100101 Firefox/27.0",
    "Mozilla/5.0 (iPad; CPU OS 7_0_4 like Mac OS X) AppleWebKit/537.51.1 (KHTML, like Gecko) "
    "Version/7.0 Mobile/11B554a Safari/9537.53",
    "Mozilla/5.0 (Linux; Android 4.4.2; Nexus 5 Build/KOT49H) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/32.0.1700.99 Mobile Safari/537.36",
    # Chrome's reduced UA format with a Cubot phone model: "bot" inside a brand name
    "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36",
]


@pytest.mark.parametrize("ua", BOTS)
def test_bots(ua: str) -> None:
    assert is_bot(ua) is True


@pytest.mark.parametrize("ua", HUMANS)
def test_humans(ua: str) -> None:
    assert is_bot(ua) is False


def test_every_published_crawler_instance_is_a_bot() -> None:
    # The crawler-user-agents list ships real UAs ("instances") for its patterns.
    instances = [
        ua for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA for ua in entry["instances"]
    ]
    assert len(instances) > 1000
    missed = [ua for ua in instances if not is_listed(ua)]
    assert missed == []


def test_fast_matcher_agrees_with_plain_regex() -> None:
    # The Rust-backed matcher must say what Python's re says on the same patterns.
    patterns = [entry["pattern"] for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA]
    plain = re.compile("|".join(patterns))
    samples = [*BOTS, *HUMANS, "Mozilla/5.0 (compatible; MJ12bot/v1.4.4)", "Lynx/2.8.7rel.2"]
    for ua in samples:
        assert bots._in_crawler_list(ua) is (plain.search(ua) is not None), ua


@pytest.mark.parametrize(
    "path",
    [
        "/robots.txt",
        "/sitemap.xml",
        "/wp-login.php",
        "/wp-login.php?action=register",  # log
        "/blog/xmlrpc.php",
        "/.env",
        "/.git/config",
        "/phpmyadmin/index.php",
        "/cgi-bin/test.cgi",
        "/static/../../etc/passwd",
    ],
)
def test_bot_paths(path: str) -> None:
    assert is_bot_path(path) is True


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/presentations/logstash-monitorama-2013/",  # log
        "/blog/geekery/ssl-latency.html",  # log
        "/favicon.ico",  # browsers ask for it
        "/robots.txt.html",
        "/blog/env-variables",
        "",
        "not a path",
    ],
)
def test_human_paths(path: str) -> None:
    assert is_bot_path(path) is False


def test_every_bot_path_rule_has_a_reason() -> None:
    assert all(reason for _, reason in BOT_PATHS)
