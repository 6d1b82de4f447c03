"""Server-rendered pages: one Jinja2 environment per language, autoescaped.

Every value from the store or from users (paths, referrers, UTM values, props, names)
reaches the page through Jinja2's autoescape; templates never mark such values safe.
Formatting filters (``number``, ``percent``, ``duration``, ``money``, ``day``) follow
the page's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from pilotage import __version__, i18n
from pilotage.web.context import ANON_CSRF_COOKIE, set_cookie


@cache
def environment(locale: str) -> Environment:
    env = Environment(
        loader=PackageLoader("pilotage.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(i18n.translations(locale), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(locale=locale, version=__version__, locales=i18n.LOCALES)
    env.filters.update(
        number=lambda v, places=None: i18n.number(v, locale, places),
        percent=lambda v, places=0: i18n.percent(v, locale, places),
        duration=lambda v: i18n.duration(v, locale),
        money=lambda v, currency=None: i18n.money(v, currency, locale),
        day=lambda v, style="medium": i18n.day(v, locale, style),
        signed=lambda v, points=False: i18n.signed(v, locale, points),
        significant=lambda v, digits=3: i18n.significant(v, locale, digits),
        change_summary=lambda change: _change_summary(change, locale),
    )
    return env


def _change_summary(change: Any, locale: str) -> str:
    """A watch change's summary in the page's language (``pilotage.watch.summary``)."""
    from pilotage.watch.summary import change_summary

    return change_summary(change, locale)


def page_locale(request: Request) -> str:
    locale = getattr(request.state, "locale", None)
    return locale if isinstance(locale, str) else i18n.DEFAULT_LOCALE


def render_string(locale: str, name: str, context: Mapping[str, Any]) -> str:
    return environment(locale).get_template(name).render(context)


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    locale = page_locale(request)
    full = {
        "request": request,
        "viewer": getattr(request.state, "viewer", None),
        "csrf": getattr(request.state, "csrf", ""),
        **(context or {}),
    }
    # Pages hold private figures and, once, new passwords and keys: never cached.
    response = HTMLResponse(
        render_string(locale, name, full),
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
    if getattr(request.state, "new_anon_csrf", False):
        # The anonymous visitor's forms (sign-in, language, link password) carry this
        # token; the cookie lets the next request prove it.
        set_cookie(request, response, ANON_CSRF_COOKIE, request.state.csrf, samesite="strict")
    return response
