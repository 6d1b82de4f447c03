"""Non-descriptive link texts ("click here"), by language, for the ``link-text`` check.

Every list but French is Lighthouse's (``core/audits/seo/link-text.js``, v13: en, ja, es,
pt, ko, sv, de, ta, fa), taken as facts. Lighthouse has no French list: ``fr`` is ours,
built the same way (generic calls to action and words that say nothing of the target).
Texts are compared lowercased and trimmed, whole text only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pilotage.seo.model import Link

NON_DESCRIPTIVE: dict[str, frozenset[str]] = {
    "en": frozenset(
        {
            "click here", "click this", "go", "here", "information", "learn more", "more",
            "more info", "more information", "right here", "read more", "see more", "start",
            "this",
        }
    ),
    # Ours (Lighthouse has no French list).
    "fr": frozenset(
        {
            "cliquez ici", "cliquer ici", "clique ici", "cliquez", "ici", "en savoir plus",
            "en savoir +", "lire la suite", "lire plus", "plus", "suite", "la suite",
            "voir plus", "voir", "plus d'infos", "plus d’infos", "plus d'informations",
            "plus d’informations", "plus d'info", "plus d’info", "infos", "informations",
            "cette page", "ce lien", "lien", "par ici", "c'est ici", "c’est ici",
            "découvrir", "découvrez", "commencer", "aller",
        }
    ),
    "ja": frozenset(
        {"ここをクリック", "こちらをクリック", "リンク", "続きを読む", "続く", "全文表示"}
    ),
    "es": frozenset(
        {
            "click aquí", "click aqui", "clicka aquí", "clicka aqui", "pincha aquí",
            "pincha aqui", "aquí", "aqui", "más", "mas", "más información", "más informacion",
            "mas información", "mas informacion", "este", "enlace", "este enlace", "empezar",
        }
    ),
    "pt": frozenset(
        {"clique aqui", "ir", "mais informação", "mais informações", "mais", "veja mais"}
    ),
    "ko": frozenset(
        {
            "여기", "여기를 클릭", "클릭", "링크", "자세히", "자세히 보기", "계속", "이동",
            "전체 보기",
        }
    ),
    "sv": frozenset({"här", "klicka här", "läs mer", "mer", "mer info", "mer information"}),
    "de": frozenset(
        {"klicke hier", "hier klicken", "hier", "mehr", "siehe", "dies", "das", "weiterlesen"}
    ),
    "ta": frozenset(
        {
            "அடுத்த பக்கம்", "மறுபக்கம்", "முந்தைய பக்கம்", "முன்பக்கம்", "மேலும் அறிக",
            "மேலும் தகவலுக்கு", "மேலும் தரவுகளுக்கு", "தயவுசெய்து இங்கே அழுத்தவும்",
            "இங்கே கிளிக் செய்யவும்",
        }
    ),
    "fa": frozenset(
        {
            "اطلاعات بیشتر", "اطلاعات", "این", "اینجا بزنید", "اینجا کلیک کنید", "اینجا",
            "برو", "بیشتر بخوانید", "بیشتر بدانید", "بیشتر", "شروع",
        }
    ),
}  # fmt: skip
_EVERY: frozenset[str] = frozenset().union(*NON_DESCRIPTIVE.values())


def non_descriptive_texts(lang: str | None) -> frozenset[str]:
    """The blocklist for a page in ``lang`` (its primary subtag).

    As in Lighthouse, a language with a list uses its own list only, a language without
    one no list, and no language at all every list.
    """
    if not lang or not lang.strip():
        return _EVERY
    return NON_DESCRIPTIVE.get(lang.split("-")[0].strip().lower(), frozenset())


def is_non_descriptive(text: str, lang: str | None = None) -> bool:
    """True when ``text`` (trimmed, lowercased) is on the blocklist of ``lang``."""
    return text.strip().lower() in non_descriptive_texts(lang)


def vague_links(url: str, links: Iterable[Link], lang: str | None) -> list[str]:
    """The links of the page at ``url`` whose text does not describe their target, each as
    "text -> target": a text on the blocklist of the page's language, or a bare URL.

    Followed links only (``rel=nofollow`` ones are left out, as in Lighthouse), and not
    ``javascript:``/``mailto:`` ones nor links to the page itself. The crawl computes
    this list while it parses the page (``PageData.vague_links``), so the audit need
    not read every link of every page again.
    """
    blocklist = non_descriptive_texts(lang)
    found: list[str] = []
    for link in links:
        target = link.url or link.raw.strip()
        if not target or "nofollow" in link.rel.split():
            continue
        if target.lower().startswith(("javascript:", "mailto:")) or link.url == url:
            continue
        text = link.text.strip()
        if text and (text.lower() in blocklist or _is_url(text)):
            found.append(f"{text} -> {target}")
    return found


def _is_url(text: str) -> bool:
    if not text.lower().startswith(("http://", "https://")):
        return False
    from pilotage.seo.checks_page import is_absolute  # the audit's own URL rules

    return is_absolute(text)
