"""Referrer, source and channel classification.

Referrer URLs marked "log" come from the semicomplete.com Apache log (elastic/examples,
Apache-2.0). Expected channels are read from Google's "[GA4] Default channel group"
definitions (support.google.com/analytics/answer/9756891), one case per rule.
"""

from __future__ import annotations

import pytest

from pilotage.collect.enrich.channels import CHANNELS, RULES, Signals, channel
from pilotage.collect.enrich.referrer import Acquisition, classify

SITE = "semicomplete.com"


@pytest.mark.parametrize(
    ("referrer", "normalised", "source"),
    [
        ("https://www.google.com/", "google.com", "Google"),  # log
        ("https://www.google.co.uk/", "google.co.uk", "Google"),  # log
        ("https://www.google.com.br/", "google.com.br", "Google"),  # log
        ("https://duckduckgo.com/", "duckduckgo.com", "DuckDuckGo"),  # log
        ("http://en.wikipedia.org/wiki/Xvfb", "en.wikipedia.org/wiki/Xvfb", "Wikipedia"),  # log
        (
            "http://s-chassis.co.nz/viewtopic.php?f=16&t=9265&start=200",  # log
            "s-chassis.co.nz/viewtopic.php",
            "s-chassis.co.nz",
        ),
        (
            "http://stackoverflow.com/questions/3983946/get-active-window-title-in-x",  # log
            "stackoverflow.com/questions/3983946/get-active-window-title-in-x",
            "Stack Overflow",
        ),
        ("http://kufli.blogspot.de/2013/07/x.html", "kufli.blogspot.de/2013/07/x.html", ""),
        ("http://www.linux.org.ru/forum/general/8028503", "linux.org.ru/forum/general/8028503", ""),
        ("https://l.facebook.com/l.php?u=https%3A%2F%2Fx", "l.facebook.com/l.php", "Facebook"),
        ("https://t.co/abc123", "t.co/abc123", "X (Twitter)"),
        ("android-app://com.google.android.gm/", "com.google.android.gm", "Gmail"),
        ("HTTPS://WWW.BING.COM/search?q=xdotool", "bing.com/search", "Bing"),
    ],
)
def test_referrer_normalisation_and_source(referrer: str, normalised: str, source: str) -> None:
    got = classify("/projects/xdotool/", referrer, SITE)
    assert got.referrer == normalised
    # unknown hosts are named by their host, without "www."
    assert got.referrer_source == (source or normalised.split("/")[0])


@pytest.mark.parametrize(
    ("page", "referrer"),
    [
        ("/projects/xdotool/", "http://www.semicomplete.com/projects/xdotool/"),  # log
        ("/blog/", "http://semicomplete.com/presentations/logstash-1/"),  # log
        ("https://shop.example/cart", "https://www.shop.example/product/1"),
        ("https://www.shop.example/cart", "https://shop.example/"),
    ],
)
def test_internal_referrers_are_dropped(page: str, referrer: str) -> None:
    got = classify(page, referrer, SITE)
    assert (got.referrer, got.referrer_source, got.channel) == ("", "", "Direct")


def test_subdomain_is_not_internal() -> None:
    got = classify("https://example.com/", "https://blog.example.com/post")
    assert (got.referrer, got.channel) == ("blog.example.com/post", "Referral")


CHANNEL_CASES = [
    ("/", "", "Direct"),
    ("/", "-", "Direct"),  # log: Apache writes "-" for no referrer
    ("/?utm_source=google&utm_medium=cpc&utm_campaign=cross-network-pmax", "", "Cross-network"),
    ("/?utm_source=amazon&utm_medium=cpc", "", "Paid Shopping"),
    ("/?utm_source=partner&utm_medium=paid&utm_campaign=summer_shop", "", "Paid Shopping"),
    ("/?utm_source=google&utm_medium=cpc", "https://www.google.com/", "Paid Search"),
    ("/?gclid=EAIaIQobChMI", "", "Paid Search"),
    ("/?msclkid=abc", "https://www.bing.com/", "Paid Search"),
    ("/?utm_source=facebook&utm_medium=paid_social", "", "Paid Social"),
    ("/?li_fat_id=abc", "", "Paid Social"),
    ("/?utm_source=youtube&utm_medium=cpv", "", "Paid Video"),
    ("/?utm_source=partner&utm_medium=banner", "", "Display"),
    ("/?dclid=abc", "", "Display"),
    ("/?utm_source=partner&utm_medium=ppc", "", "Paid Other"),
    ("/", "https://www.amazon.de/dp/B000", "Organic Shopping"),
    ("/?utm_campaign=shopping-week", "", "Organic Shopping"),
    ("/", "https://l.facebook.com/l.php?u=x", "Organic Social"),
    ("/?fbclid=IwAR3", "https://l.facebook.com/", "Organic Social"),
    ("/?utm_source=mastodon&utm_medium=social", "", "Organic Social"),
    ("/", "https://www.youtube.com/watch?v=abc", "Organic Video"),
    ("/?utm_source=peertube&utm_medium=video", "", "Organic Video"),
    ("/", "https://www.google.fr/", "Organic Search"),  # log
    ("/", "https://duckduckgo.com/", "Organic Search"),  # log
    ("/?utm_source=qwant&utm_medium=organic", "", "Organic Search"),
    ("/?utm_source=newsletter&utm_medium=email", "", "Email"),
    ("/?utm_source=e-mail", "", "Email"),
    ("/", "https://mail.google.com/", "Email"),
    ("/?utm_source=partner&utm_medium=affiliate", "", "Affiliates"),
    ("/?utm_source=podcast&utm_medium=audio", "", "Audio"),
    ("/?utm_source=sms", "", "SMS"),
    ("/?utm_source=app&utm_medium=push", "", "Mobile Push Notifications"),
    ("/?utm_source=firebase", "", "Mobile Push Notifications"),
    ("/", "http://tuxradar.com/content/xdotool-script-your-mouse", "Referral"),  # log
    ("/?ref=someblog", "", "Referral"),
    ("/?utm_source=partner&utm_medium=link", "", "Referral"),
    ("/?utm_source=somewhere", "", "Unassigned"),
    ("/?utm_campaign=spring", "", "Unassigned"),
]


@pytest.mark.parametrize(("page", "referrer", "expected"), CHANNEL_CASES)
def test_channels(page: str, referrer: str, expected: str) -> None:
    assert classify(page, referrer, SITE).channel == expected


def test_every_channel_is_exercised_by_the_table() -> None:
    assert (*(rule.channel for rule in RULES), "Unassigned") == CHANNELS
    assert {expected for _, _, expected in CHANNEL_CASES} == set(CHANNELS)


def test_rules_are_case_insensitive() -> None:
    assert channel(Signals(source="x", medium="CPC")) == "Paid Other"
    assert channel(Signals(source="EMAIL")) == "Email"


def test_utm_fields_and_source_precedence() -> None:
    page = (
        "https://semicomplete.com/?utm_source=%20Google%20&utm_medium=CPC&utm_campaign=Spring%20Sale"
        "&utm_content=Banner+A&utm_term=xdotool&ref=producthunt&gclid=1&fbclid=2"
    )
    got = classify(page, "https://duckduckgo.com/")
    assert got == Acquisition(
        referrer="duckduckgo.com",
        referrer_source="Google",  # utm_source wins over ref= and the referrer
        channel="Paid Search",
        utm_source="google",
        utm_medium="cpc",
        utm_campaign="Spring Sale",
        utm_content="Banner A",
        utm_term="xdotool",
        click_id_param="gclid",  # first of the list present
    )


@pytest.mark.parametrize(
    ("page", "source"),
    [
        ("/?ref=producthunt&source=newsletter", "Product Hunt"),
        ("/?source=newsletter", "Newsletter"),
        ("/?ref=news.ycombinator.com", "Hacker News"),
        ("/?utm_source=MyPartner", "mypartner"),
        ("/?gclid=1", "Google"),
        ("/?yclid=1", "Yandex"),
    ],
)
def test_source_from_query(page: str, source: str) -> None:
    assert classify(page, "").referrer_source == source


@pytest.mark.parametrize(
    ("page", "referrer"),
    [
        ("", ""),
        ("not a url at all", "not a url at all"),
        ("/?utm_source=%ZZ&utm_medium=%", "http://[::1"),
        ("http://[broken/", "http://\\xe4\\xe5\\xe3.xn--p1ai/"),  # log: escaped bytes
        ("/?" + "a=1&" * 2000, "https://" + "x" * 300 + ".com/"),
        ("\x00\x01", "javascript:alert(1)"),
        ("/", "http://user@evil.example@host/"),
        ("/", "ftp://[2001:db8::1]/file"),
    ],
)
def test_garbage_never_raises(page: str, referrer: str) -> None:
    got = classify(page, referrer, SITE)
    assert got.channel in CHANNELS
