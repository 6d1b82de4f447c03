"""User-agent parsing on real user agents.

UA strings marked "log" come from the Apache access log of semicomplete.com, May 2015
(elastic/examples, "Common Data Formats/apache_logs", Apache-2.0), as found in
/work/shared/data/apache_logs_semicomplete_2015.log. Those marked "published" are
the example strings from the vendors' documentation (Chrome's reduced UA format,
MDN's User-Agent page). Expected values are read off the tokens of each string by
their documented meaning (e.g. Windows NT 6.1 = Windows 7, CPU OS 7_0_4 = iOS 7.0).
"""

from __future__ import annotations

import pytest

from pilotage.collect.enrich.bots import is_bot
from pilotage.collect.enrich.useragent import Agent, device_type, parse

CASES = [
    # log
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_1) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/32.0.1700.77 Safari/537.36",
        ("Chrome", "32.0", "macOS", "10.9", "Desktop"),
    ),
    (
        "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:27.0) Gecko/20100101 Firefox/27.0",
        ("Firefox", "27.0", "Windows", "7", "Desktop"),
    ),
    (
        "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
        ("Internet Explorer", "11.0", "Windows", "7", "Desktop"),
    ),
    (
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:21.0) Gecko/20100101 Firefox/21.0",
        ("Firefox", "21.0", "Ubuntu", "", "Desktop"),
    ),
    (
        "Mozilla/5.0 (iPad; CPU OS 7_0_4 like Mac OS X) AppleWebKit/537.51.1 (KHTML, like Gecko) "
        "Version/7.0 Mobile/11B554a Safari/9537.53",
        ("Safari", "7.0", "iOS", "7.0", "Tablet"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 7_0_4 like Mac OS X) AppleWebKit/537.51.1 "
        "(KHTML, like Gecko) CriOS/32.0.1700.21 Mobile/11B554a Safari/9537.53",
        ("Chrome", "32.0", "iOS", "7.0", "Mobile"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 4.4.2; Nexus 5 Build/KOT49H) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/32.0.1700.99 Mobile Safari/537.36",
        ("Chrome", "32.0", "Android", "4.4", "Mobile"),
    ),
    (
        "Mozilla/5.0 (Android; Tablet; rv:27.0) Gecko/27.0 Firefox/27.0",
        ("Firefox", "27.0", "Android", "", "Tablet"),
    ),
    (
        "Mozilla/5.0 (Android; Mobile; rv:28.0) Gecko/28.0 Firefox/28.0",
        ("Firefox", "28.0", "Android", "", "Mobile"),
    ),
    (
        "Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; "
        "ARM; Touch; NOKIA; Lumia 920)",
        ("Internet Explorer", "10.0", "Windows Phone", "8.0", "Mobile"),
    ),
    # published: Chrome's reduced UA strings (desktop, Android phone, Android tablet)
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        ("Chrome", "120.0", "Windows", "10", "Desktop"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Mobile Safari/537.36",
        ("Chrome", "120.0", "Android", "10", "Mobile"),
    ),
    (
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/120.0.0.0 Safari/537.36",
        ("Chrome", "120.0", "Android", "10", "Tablet"),
    ),
    # published: MDN examples (Edge on Windows, Safari on iPhone)
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/91.0.4472.124 Safari/537.36 Edg/91.0.864.59",
        ("Edge", "91.0", "Windows", "10", "Desktop"),
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/13.1.1 Mobile/15E148 Safari/604.1",
        ("Safari", "13.1", "iOS", "13.5", "Mobile"),
    ),
]


@pytest.mark.parametrize(("ua", "expected"), CASES)
def test_parse_real_user_agents(ua: str, expected: tuple[str, str, str, str, str]) -> None:
    agent = parse(ua)
    got = (agent.browser, agent.browser_version, agent.os, agent.os_version, agent.device)
    assert got == expected
    assert agent.is_bot is False


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",  # log
        "msnbot/2.0b (+http://search.msn.com/msnbot.htm)",  # log
        # log: Googlebot smartphone, which also looks like an iPhone
        "Mozilla/5.0 (iPhone; CPU iPhone OS 6_0 like Mac OS X) AppleWebKit/536.26 "
        "(KHTML, like Gecko) Version/6.0 Mobile/10A5376e Safari/8536.25 "
        "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    ],
)
def test_bots_get_device_bot(ua: str) -> None:
    agent = parse(ua)
    assert agent.device == "Bot"
    assert agent.is_bot is True


def test_empty_user_agent_is_unknown_and_flagged() -> None:
    assert parse("") == Agent(device="Other", is_bot=True)
    assert parse("   ") == Agent(device="Other", is_bot=True)


@pytest.mark.parametrize(
    "ua", ["\x00\xff garbage ((((", "a" * 5000, "Mozilla/5.0 (", "☃☃☃", "-", "[[[ ]]]"]
)
def test_garbage_never_raises(ua: str) -> None:
    agent = parse(ua)
    assert agent.device in {"Desktop", "Mobile", "Tablet", "Bot", "Other"}


def test_smart_tv_is_other() -> None:
    # log-style UA of a Samsung smart TV (Tizen), format published by Samsung developers
    ua = (
        "Mozilla/5.0 (SMART-TV; Linux; Tizen 5.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/5.0 TV Safari/537.36"
    )
    assert device_type(ua, "Tizen", "Samsung SMART-TV") == "Other"


def test_parse_is_cached() -> None:
    ua = "Mozilla/5.0 (Windows NT 6.1; WOW64; rv:30.0) Gecko/20100101 Firefox/30.0"
    assert parse(ua) is parse(ua)


@pytest.mark.parametrize(
    "ua",
    [ua for ua, _ in CASES]
    + [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Twitterbot/1.0",
        "curl/8.5.0",
        "",
    ],
)
def test_agent_bot_flag_is_bots_is_bot(ua: str) -> None:
    assert parse(ua).is_bot is is_bot(ua)
