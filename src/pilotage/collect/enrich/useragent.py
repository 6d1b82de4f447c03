"""Browser, operating system and device type from a User-Agent header.

Families come from ua-parser 1.x (the uap-core regexes, run by its Rust backend when
``ua-parser[regex]`` is installed). Names are shortened to the ones people
recognise, as Plausible shows them: "Mobile Safari" -> "Safari", "Chrome Mobile" ->
"Chrome", "Mac OS X" -> "macOS". uap-core names devices (iPhone, Samsung SM-G991B)
but not their type, so the type (Desktop, Mobile, Tablet, Bot, Other) is derived
here from the OS family and the tokens browsers use for the purpose: Android phones
send "Mobile", Android tablets do not (Chrome's documented UA format).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

import ua_parser

from pilotage.collect.enrich import bots

DeviceType = Literal["Desktop", "Mobile", "Tablet", "Bot", "Other"]


@dataclass(frozen=True, slots=True)
class Agent:
    browser: str = ""
    browser_version: str = ""  # "major.minor", "major" or ""
    os: str = ""
    os_version: str = ""
    device: DeviceType = "Other"
    is_bot: bool = False


_BROWSER_NAMES: Final = {
    "Mobile Safari": "Safari",
    "Mobile Safari UI/WKWebView": "Safari",
    "MobileSafari": "Safari",
    "Chrome Mobile": "Chrome",
    "Chrome Mobile iOS": "Chrome",
    "Chrome Mobile WebView": "Chrome WebView",
    "Firefox Mobile": "Firefox",
    "Firefox iOS": "Firefox",
    "Edge Mobile": "Edge",
    "Opera Mobile": "Opera",
    "IE": "Internet Explorer",
    "IE Mobile": "Internet Explorer",
    "Android": "Android Browser",
    "Other": "",
}
_OS_NAMES: Final = {"Mac OS X": "macOS", "Other": ""}

_DESKTOP_OS: Final = frozenset(
    {"Windows", "Mac OS X", "Linux", "Ubuntu", "Chrome OS", "Fedora", "Debian", "FreeBSD"}
    | {"OpenBSD", "NetBSD", "Solaris", "CentOS", "Red Hat", "SUSE", "Mint", "Gentoo"}
    | {"Kubuntu", "Mandriva", "Slackware", "Arch Linux"}
)
_MOBILE_OS: Final = frozenset(
    {"iOS", "Windows Phone", "Windows Mobile", "BlackBerry OS", "Symbian OS", "KaiOS"}
    | {"Firefox OS", "Sailfish", "Ubuntu Touch", "Bada", "MeeGo", "Maemo", "Tizen"}
)
_MOBILE_DEVICES: Final = frozenset(
    {"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone", "iOS-Device"}
)
_TABLET_DEVICES: Final = frozenset({"iPad", "Generic Tablet", "Kindle"})
# Tokens, matched as substrings of the lowercased UA: cheaper than regex alternations.
_TV_OR_CONSOLE: Final = (
    *("smart-tv", "smarttv", "googletv", "appletv", "hbbtv", "crkey", "roku", "web0s"),
    *("playstation", "xbox", "nintendo"),
)
_TV_WORD: Final = re.compile(r"\btv\b")
_TABLET_TOKENS: Final = ("tablet", "ipad", "kindle", "silk/", "playbook")
_MOBILE_TOKENS: Final = ("mobi", "phone", "opera mini", "midp", "j2me")


def _has(lowered: str, tokens: tuple[str, ...]) -> bool:
    return any(token in lowered for token in tokens)


def _version(major: str | None, minor: str | None) -> str:
    if not major:
        return ""
    return f"{major}.{minor}" if minor else major


def device_type(ua: str, os_family: str, device_family: str) -> DeviceType:
    """Desktop, Mobile, Tablet or Other for a non-bot user agent."""
    lowered = ua.lower()
    if _has(lowered, _TV_OR_CONSOLE) or ("tv" in lowered and _TV_WORD.search(lowered)):
        return "Other"
    if device_family in _TABLET_DEVICES or (
        os_family != "Windows" and _has(lowered, _TABLET_TOKENS)
    ):
        return "Tablet"
    mobile_token = _has(lowered, _MOBILE_TOKENS)
    if os_family == "Android":
        return "Mobile" if mobile_token else "Tablet"
    if os_family in _MOBILE_OS or device_family in _MOBILE_DEVICES or mobile_token:
        return "Mobile"
    if os_family in _DESKTOP_OS:
        return "Desktop"
    return "Other"


@lru_cache(maxsize=65536)
def parse(ua: str) -> Agent:
    """Browser, OS and device type of a user agent; never raises."""
    if not ua.strip():
        return Agent(is_bot=True)
    result = ua_parser.parse(ua)
    browser, os, device = result.user_agent, result.os, result.device
    os_family = os.family if os else ""
    device_family = device.family if device else ""
    is_bot = bots.is_listed(ua) or device_family == "Spider"
    return Agent(
        browser=_BROWSER_NAMES.get(browser.family, browser.family) if browser else "",
        browser_version=_version(browser.major, browser.minor) if browser else "",
        os=_OS_NAMES.get(os_family, os_family),
        os_version=_version(os.major, os.minor) if os else "",
        device="Bot" if is_bot else device_type(ua, os_family, device_family),
        is_bot=is_bot,
    )
