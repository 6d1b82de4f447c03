"""Known traffic sources: host names and utm_source spellings -> a human name and a category.

The categories are those Google Analytics 4 uses in its default channel group
(search, social, video, shopping, email; "" for a named site with no category, such
as Wikipedia). The entries are facts about who owns which host, gathered for Pilotage
from the services' own domains; GA4's "Default channel group" help page is the model
for which kind of site goes in which category.

A host matches an entry when it, or a parent domain of it, is listed
(``l.facebook.com`` -> ``facebook.com``). ``brand.*`` entries match the brand under
any country domain (``google.co.uk``, ``amazon.de``, ``yandex.ru``) after exact hosts,
so ``mail.google.com`` stays Gmail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Category = Literal["search", "social", "video", "shopping", "email", ""]


@dataclass(frozen=True, slots=True)
class KnownSource:
    name: str
    category: Category


# (name, category, hosts, extra utm_source spellings). Hosts and spellings are
# space-separated; the lowercase name is always a spelling too.
_TABLE: Final[tuple[tuple[str, Category, str, str], ...]] = (
    # Search engines
    ("Google", "search", "google.* com.google.android.googlequicksearchbox", "adwords"),
    ("Bing", "search", "bing.*", ""),
    ("DuckDuckGo", "search", "duckduckgo.com ddg.gg", "ddg"),
    ("Yahoo!", "search", "yahoo.* search.yahoo.com", "yahoo"),
    ("Yandex", "search", "yandex.* ya.ru", ""),
    ("Baidu", "search", "baidu.com", ""),
    ("Ecosia", "search", "ecosia.org", ""),
    ("Qwant", "search", "qwant.com", ""),
    ("Brave Search", "search", "search.brave.com", "brave"),
    ("Startpage", "search", "startpage.com", ""),
    ("Naver", "search", "naver.com", ""),
    ("Seznam", "search", "seznam.cz", ""),
    ("Sogou", "search", "sogou.com", ""),
    ("360 Search", "search", "so.com", ""),
    ("Ask", "search", "ask.com", ""),
    ("AOL", "search", "search.aol.com", "aol"),
    ("Daum", "search", "search.daum.net", ""),
    ("Mojeek", "search", "mojeek.com", ""),
    ("Kagi", "search", "kagi.com", ""),
    ("Swisscows", "search", "swisscows.com", ""),
    ("Lilo", "search", "search.lilo.org", ""),
    # Social networks
    ("Facebook", "social", "facebook.com fb.com fb.me com.facebook.katana", "fb"),
    ("Instagram", "social", "instagram.com com.instagram.android", "ig"),
    ("X (Twitter)", "social", "twitter.com t.co x.com com.twitter.android", "twitter x tw"),
    ("LinkedIn", "social", "linkedin.com lnkd.in com.linkedin.android", ""),
    ("Reddit", "social", "reddit.com redd.it", ""),
    ("Pinterest", "social", "pinterest.* pin.it", ""),
    ("Hacker News", "social", "news.ycombinator.com", "hn hackernews"),
    ("Mastodon", "social", "mastodon.social mastodon.online joinmastodon.org", ""),
    ("Bluesky", "social", "bsky.app bsky.social", "bsky"),
    ("Threads", "social", "threads.net threads.com", ""),
    ("TikTok", "social", "tiktok.com", ""),
    ("VKontakte", "social", "vk.com vk.ru", "vk"),
    ("Telegram", "social", "t.me telegram.org telegram.me org.telegram.messenger", ""),
    ("WhatsApp", "social", "whatsapp.com wa.me", ""),
    ("Tumblr", "social", "tumblr.com", ""),
    ("Quora", "social", "quora.com", ""),
    ("Discord", "social", "discord.com discordapp.com", ""),
    ("Slack", "social", "slack.com com.slack", ""),
    ("Product Hunt", "social", "producthunt.com", "producthunt"),
    ("Xing", "social", "xing.com", ""),
    ("Weibo", "social", "weibo.com weibo.cn", ""),
    ("Snapchat", "social", "snapchat.com", ""),
    # Video
    ("YouTube", "video", "youtube.com youtu.be com.google.android.youtube", "yt"),
    ("Vimeo", "video", "vimeo.com", ""),
    ("Twitch", "video", "twitch.tv", ""),
    ("Dailymotion", "video", "dailymotion.com", ""),
    # Shopping
    ("Amazon", "shopping", "amazon.* amzn.to", ""),
    ("eBay", "shopping", "ebay.*", ""),
    ("Etsy", "shopping", "etsy.com", ""),
    ("AliExpress", "shopping", "aliexpress.com aliexpress.ru", ""),
    ("Walmart", "shopping", "walmart.com", ""),
    ("Temu", "shopping", "temu.com", ""),
    ("Mercado Libre", "shopping", "mercadolibre.* mercadolivre.com.br", ""),
    ("Idealo", "shopping", "idealo.*", ""),
    ("Google Shopping", "shopping", "shopping.google.com", ""),
    # Email: webmail sites, mail apps, newsletter tools, and the GA4 spellings
    ("Gmail", "email", "mail.google.com com.google.android.gm", ""),
    (
        "Outlook.com",
        "email",
        "outlook.live.com outlook.office.com outlook.office365.com",
        "outlook",
    ),
    ("Yahoo Mail", "email", "mail.yahoo.com", ""),
    ("Proton Mail", "email", "mail.proton.me", ""),
    ("Yandex Mail", "email", "mail.yandex.ru mail.yandex.com", ""),
    ("Mail.ru", "email", "e.mail.ru", ""),
    ("GMX", "email", "gmx.net gmx.de gmx.com", ""),
    ("Mailchimp", "email", "mailchi.mp campaign-archive.com", ""),
    ("Newsletter", "email", "", "newsletter"),
    ("Email", "email", "", "email e-mail e_mail mail"),
    # Named sites with no GA4 category: they stay Referral
    ("Wikipedia", "", "wikipedia.org", ""),
    ("GitHub", "", "github.com", ""),
    ("Stack Overflow", "", "stackoverflow.com", ""),
    ("Google Docs", "", "docs.google.com", ""),
    ("Google Play", "", "play.google.com", ""),
    ("ChatGPT", "", "chatgpt.com chat.openai.com", ""),
    ("Perplexity", "", "perplexity.ai", ""),
)

# Second-level labels under which a country domain registers names (google.co.uk).
_SECOND_LEVEL: Final = frozenset(
    {"co", "com", "net", "org", "ac", "gov", "edu", "ne", "or", "go", "gob", "nic"}
)


def _build() -> tuple[dict[str, KnownSource], dict[str, KnownSource], dict[str, KnownSource]]:
    hosts: dict[str, KnownSource] = {}
    brands: dict[str, KnownSource] = {}
    spellings: dict[str, KnownSource] = {}
    for name, category, host_list, extra in _TABLE:
        source = KnownSource(name, category)
        for host in host_list.split():
            if host.endswith(".*"):
                brands[host[:-2]] = source
            else:
                hosts[host] = source
        for spelling in (name.lower(), *extra.split()):
            spellings.setdefault(spelling, source)
    return hosts, brands, spellings


_HOSTS, _BRANDS, _SPELLINGS = _build()


def brand_label(host: str) -> str:
    """The label a company registered, e.g. ``google`` for ``www.google.com.br``."""
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else ""


def by_host(host: str) -> KnownSource | None:
    """The known source of a lowercase host name, or None."""
    labels = host.split(".")
    for start in range(len(labels) - 1):
        found = _HOSTS.get(".".join(labels[start:]))
        if found is not None:
            return found
    return _BRANDS.get(brand_label(host))


def by_name(value: str) -> KnownSource | None:
    """The known source a utm_source or ref value names: ``google``, ``fb``, ``t.co``."""
    token = value.strip().lower()
    found = _SPELLINGS.get(token)
    if found is None and "." in token:
        found = by_host(token.removeprefix("www."))
    return found


def table() -> tuple[tuple[str, Category, str, str], ...]:
    """The raw table, for the documentation and its test."""
    return _TABLE
