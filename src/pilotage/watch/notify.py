"""How a detected change is announced: the notice every channel renders, the e-mail.

Webhooks and apprise channels are in ``pilotage.watch.channels``.

A ``ChangeNotice`` is the one value every channel renders. Its ``added`` and ``removed``
lines (and often its summary and monitor name) come from competitors' pages, so they are
attacker-controlled: HTML output escapes them (Jinja2 autoescape), header values are
flattened to one line, and long lists are capped.

Secrets (SMTP password, webhook secret, apprise URLs that embed tokens, webhook URLs
such as Slack's) are never put in an error message, and while a message is being
delivered a logging filter masks them in the records of the libraries doing the work
(apprise, requests/urllib3, httpx), whose debug output includes full URLs.

Texts are English msgids wrapped in ``_()`` for ``pybabel extract``; callers pass a
``translate`` function (a Babel ``gettext``) to get French.

NotifyError(PilotageError)   a channel failed to deliver (HTTP 502, exit 1)
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from ssl import create_default_context
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from babel import dates, numbers
from jinja2 import Environment
from markupsafe import Markup

from pilotage.errors import InvalidInput, PilotageError

Locale = Literal["fr", "en"]
Translate = Callable[[str], str]
KINDS = frozenset({"text", "price", "availability", "feed"})
MAX_LINES = 50  # per list in e-mails, apprise bodies and feeds
WEBHOOK_MAX_LINES = 1000
MAX_LINE_CHARS = 1000
SUBJECT_CHARS = 180
WEBHOOK_VERSION = 1

log = logging.getLogger(__name__)


def _(message: str) -> str:
    """Marks a msgid for ``pybabel extract``; translation happens at render time."""
    return message


def identity(message: str) -> str:
    return message


class NotifyError(PilotageError):
    code = "notify_error"
    exit_status = 1
    http_status = 502


@dataclass(frozen=True)
class ChangeNotice:
    monitor_id: int
    monitor_name: str
    url: str
    kind: str  # "text" | "price" | "availability" | "feed"
    detected_at: datetime  # aware, UTC
    summary: str  # one line, e.g. "Price 129,00 € → 115,00 € (-10.9 %)"
    added: Sequence[str]  # page content: attacker-controlled
    removed: Sequence[str]
    significance: float  # 0..1
    link: str | None = None  # the change's page in Pilotage, absolute

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidInput(
                f"change kind {self.kind!r} is not one of {sorted(KINDS)}", field="kind"
            )
        if self.detected_at.tzinfo is None:
            raise InvalidInput(
                f"detected_at {self.detected_at} has no time zone", field="detected_at"
            )
        if not 0.0 <= self.significance <= 1.0:
            raise InvalidInput(
                f"significance {self.significance} is not in 0..1", field="significance"
            )


def one_line(text: str, limit: int = SUBJECT_CHARS) -> str:
    """``text`` with control characters and line breaks as spaces, at most ``limit`` chars."""
    flat = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    flat = " ".join(flat.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def capped(lines: Sequence[str], limit: int = MAX_LINES) -> tuple[list[str], int]:
    """The first ``limit`` lines (each cut to MAX_LINE_CHARS) and how many were left out."""
    shown = [
        line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + "…"
        for line in lines[:limit]
    ]
    return shown, max(0, len(lines) - limit)


def web_url(url: str | None) -> str | None:
    """``url`` when it is http(s), so a ``javascript:`` value never becomes a link."""
    if url and urlsplit(url).scheme.lower() in ("http", "https"):
        return url
    return None


# --- rendering ----------------------------------------------------------------------------

_ENV = Environment(autoescape=True, keep_trailing_newline=False)
_LIST = _ENV.from_string(
    '<h2 style="font-size:15px;margin:16px 0 4px">{{ heading }}</h2>'
    '<ul style="margin:0;padding-left:20px;white-space:pre-wrap">'
    '{% for line in lines %}<li style="background:{{ colour }}">{{ line }}</li>{% endfor %}'
    "{% if more %}<li><em>{{ more }}</em></li>{% endif %}</ul>"
)
_EMAIL = _ENV.from_string(
    '<!DOCTYPE html><html lang="{{ locale }}"><head><meta charset="utf-8">'
    '<title>{{ subject }}</title></head><body style="font-family:sans-serif">'
    '<h1 style="font-size:18px">{{ heading }}</h1>'
    '<p>{% if href %}<a href="{{ href }}">{{ url }}</a>{% else %}{{ url }}{% endif %}</p>'
    "<p><strong>{{ summary }}</strong><br>{{ significance }}<br>{{ detected }}</p>"
    "{{ changes }}"
    '{% if link %}<p><a href="{{ link }}">{{ see }}</a></p>{% endif %}'
    "</body></html>"
)


_SIDES = ((_("Added"), "+", "#e6ffec"), (_("Removed"), "-", "#ffebe9"))


def _more_text(count: int, translate: Translate) -> str:
    return translate(_("… and %(count)s more")) % {"count": count} if count else ""


def changes_html(notice: ChangeNotice, *, translate: Translate = identity) -> str:
    """The added and removed lines as escaped HTML (shared by e-mails and feeds)."""
    parts = []
    for (heading, _mark, colour), lines in zip(_SIDES, (notice.added, notice.removed), strict=True):
        shown, more = capped(lines)
        more_text = _more_text(more, translate)
        if shown:
            heading = translate(heading)
            parts.append(_LIST.render(heading=heading, lines=shown, colour=colour, more=more_text))
    return "".join(parts)


def subject(notice: ChangeNotice, *, translate: Translate = identity) -> str:
    """``[Pilotage] name: summary`` on one line, safe as a header value."""
    text = translate(_("%(name)s: %(summary)s")) % {
        "name": one_line(notice.monitor_name, 80),
        "summary": one_line(notice.summary),
    }
    return one_line(f"[Pilotage] {text}")


def _facts(notice: ChangeNotice, locale: Locale, translate: Translate) -> dict[str, str]:
    detected = dates.format_datetime(notice.detected_at, "medium", tzinfo=UTC, locale=locale)
    share = numbers.format_percent(notice.significance, locale=locale)
    return {
        "heading": translate(_("Change detected on %(name)s"))
        % {"name": one_line(notice.monitor_name)},
        "summary": one_line(notice.summary, 500),
        "significance": translate(_("Significance: %(value)s")) % {"value": share},
        "detected": translate(_("Detected on %(date)s UTC")) % {"date": detected},
        "see": translate(_("See this change in Pilotage")),
    }


def render_text(notice: ChangeNotice, *, locale: Locale, translate: Translate = identity) -> str:
    """The plain-text body: facts, then ``+``/``-`` lines, capped."""
    facts = _facts(notice, locale, translate)
    out = [facts["heading"], notice.url, "", facts["summary"], facts["significance"]]
    out.append(facts["detected"])
    for (heading, mark, _colour), lines in zip(_SIDES, (notice.added, notice.removed), strict=True):
        shown, more = capped(lines)
        if shown:
            out += ["", translate(heading)] + [
                f"{mark} {one_line(line, MAX_LINE_CHARS + 1)}" for line in shown
            ]
        if more:
            out.append(_more_text(more, translate))
    if web_url(notice.link):
        out += ["", f"{facts['see']}: {notice.link}"]
    return "\n".join(out) + "\n"


def render_email(
    notice: ChangeNotice, *, locale: Locale, translate: Translate = identity
) -> EmailMessage:
    """A multipart/alternative message (text/plain, text/html) without From/To yet."""
    title = subject(notice, translate=translate)
    message = EmailMessage()
    if title.isascii():
        message["Subject"] = title
    else:
        # Encoded whole by the older encoder: Python's header folder puts the space
        # between two non-ASCII words outside their encoded-words, where RFC 2047 says a
        # reader drops it ("129,00 € → 115,00 €" read "129,00 €→ 115,00 €"; CPython
        # issues 92081 and 144156).
        message.set_raw("Subject", Header(title, "utf-8", header_name="Subject").encode())
    message.set_content(
        render_text(notice, locale=locale, translate=translate), cte="quoted-printable"
    )
    html = _EMAIL.render(
        locale=locale,
        subject=title,
        url=notice.url,
        href=web_url(notice.url),
        link=web_url(notice.link),
        changes=Markup(changes_html(notice, translate=translate)),  # escaped by changes_html
        **_facts(notice, locale, translate),
    )
    message.add_alternative(html, subtype="html", cte="quoted-printable")
    message["Content-Language"] = locale  # after the parts: set_content drops Content-*
    return message


# --- secrets in logs ------------------------------------------------------------------------


class _Redactor(logging.Filter):
    """Rewrites a record's message with each secret fragment replaced by ``***``."""

    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        text = redact(record.getMessage(), self.secrets)
        if record.exc_info and record.exc_info[1] is not None:
            text += f" ({type(record.exc_info[1]).__name__})"
        record.msg, record.args, record.exc_info, record.exc_text = text, None, None, None
        return True


def redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def url_secrets(url: str) -> list[str]:
    """The URL and its parts that may carry a token: user, password, host, path, query."""
    parts = urlsplit(url)
    pieces = [url, parts.username or "", parts.password or "", parts.hostname or ""]
    pieces += [parts.netloc, parts.path, parts.query, parts.fragment]
    pieces += [s for s in parts.path.split("/") if s]
    pieces += [v for pair in parts.query.split("&") for v in pair.split("=")[1:]]
    return pieces + [unquote(p) for p in pieces]


@contextmanager
def masked(loggers: Sequence[str], secrets: Sequence[str]) -> Iterator[None]:
    redactor = _Redactor(secrets)
    targets = [logging.getLogger(name) for name in loggers]
    for target in targets:
        target.addFilter(redactor)
    try:
        yield
    finally:
        for target in targets:
            target.removeFilter(redactor)


# --- e-mail ----------------------------------------------------------------------------------


def _check_addresses(sender: str, recipients: Sequence[str]) -> None:
    if not recipients:
        raise InvalidInput("an e-mail needs at least one recipient", field="recipients")
    for address in (sender, *recipients):
        if one_line(address, 320) != address.strip() or "@" not in address:
            raise InvalidInput(f"e-mail address {one_line(address)!r} is not valid", field="email")


def _smtp_failure(exc: Exception, host: str, port: int, password: str | None) -> NotifyError:
    where = f"SMTP server {host}:{port}"
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        reply = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        verb = "refused the login" if isinstance(exc, smtplib.SMTPAuthenticationError) else "said"
        text = f"{where} {verb}: {exc.smtp_code} {reply}"
    else:
        text = f"{where}: {type(exc).__name__} {exc}"
    return NotifyError(one_line(redact(text, [password] if password else []), 300))


def send_email(
    message: EmailMessage,
    *,
    host: str,
    port: int,
    username: str | None = None,
    password: str | None = None,
    starttls: bool = False,
    ssl: bool = False,
    sender: str,
    recipients: Sequence[str],
    timeout: float = 10,
) -> None:
    """Deliver ``message`` through one SMTP server; any failure raises ``NotifyError``.

    ``ssl`` is implicit TLS (port 465), ``starttls`` upgrades a plain connection (587);
    both verify the server's certificate. From, To, Date and Message-ID are set here
    when the message lacks them.
    """
    if starttls and ssl:
        raise InvalidInput("choose starttls or ssl, not both", field="smtp_security")
    _check_addresses(sender, recipients)
    for name, value in (("From", sender), ("To", ", ".join(recipients))):
        if name not in message:
            message[name] = value
    if "Date" not in message:
        message["Date"] = format_datetime(datetime.now(UTC))
    if "Message-ID" not in message:
        message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    context = create_default_context()
    try:
        smtp = (
            smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            if ssl
            else smtplib.SMTP(host, port, timeout=timeout)
        )
        with smtp:
            if starttls:
                smtp.starttls(context=context)
            if username is not None:
                smtp.login(username, password or "")
            refused = smtp.send_message(message, from_addr=sender, to_addrs=list(recipients))
    except (smtplib.SMTPException, OSError) as exc:
        error = _smtp_failure(exc, host, port, password)
        log.warning("e-mail not sent: %s", error.message)
        raise error from None
    if refused:
        raise NotifyError(f"SMTP server {host}:{port} refused {sorted(refused)}")
    log.info("e-mail sent through %s:%s to %d recipient(s)", host, port, len(recipients))


async def asend_email(message: EmailMessage, **options: Any) -> None:
    """``send_email`` in a worker thread, for the scheduler's event loop."""
    await asyncio.to_thread(send_email, message, **options)
