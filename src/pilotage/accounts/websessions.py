"""Browser sessions: a random cookie token whose SHA-256 is the row id.

The token itself is never stored, so a copy of the database opens no session. A
session lasts a fixed time from login (no sliding expiry: a stolen cookie dies on
schedule); ``last_seen_at`` records activity. Each session carries a CSRF token for
the forms of the web layer.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from pilotage.accounts.passwords import digest
from pilotage.errors import InvalidInput
from pilotage.store.app import User, WebSession

# Writing last_seen_at on every request would turn each page view into a write.
SEEN_PRECISION = timedelta(minutes=1)


def naive_utc(now: datetime | None) -> datetime:
    """``now`` (or the current time) as the naive UTC the models store."""
    if now is None:
        return datetime.now(UTC).replace(tzinfo=None)
    if now.tzinfo is not None:
        return now.astimezone(UTC).replace(tzinfo=None)
    return now


def start_session(
    s: Session,
    user: User,
    lifetime: timedelta = timedelta(days=14),
    now: datetime | None = None,
) -> tuple[WebSession, str]:
    """A new session for the user and its cookie token (returned once)."""
    if lifetime <= timedelta(0):
        raise InvalidInput(f"session lifetime {lifetime} must be positive", field="lifetime")
    at = naive_utc(now)
    token = secrets.token_urlsafe(32)
    ws = WebSession(
        id=digest(token),
        user_id=user.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=at,
        expires_at=at + lifetime,
        last_seen_at=at,
    )
    s.add(ws)
    s.flush()
    return ws, token


def session_for(s: Session, token: str, now: datetime | None = None) -> WebSession | None:
    """The live session of this cookie token, or None (unknown, expired, user disabled)."""
    if not token:
        return None
    ws = s.get(WebSession, digest(token))
    if ws is None:
        return None
    at = naive_utc(now)
    if ws.expires_at <= at:
        s.delete(ws)
        s.flush()
        return None
    if ws.user.disabled:
        return None
    if at - ws.last_seen_at >= SEEN_PRECISION:
        ws.last_seen_at = at
    return ws


def end_session(s: Session, token: str) -> None:
    """Log out: the session of this token ends (nothing happens for an unknown one)."""
    s.execute(delete(WebSession).where(WebSession.id == digest(token)))


def end_all_sessions(s: Session, user: User) -> None:
    s.execute(delete(WebSession).where(WebSession.user_id == user.id))


def purge_sessions(s: Session, now: datetime | None = None) -> int:
    """Delete expired sessions; returns how many (for the daily maintenance)."""
    result = s.execute(delete(WebSession).where(WebSession.expires_at <= naive_utc(now)))
    return int(result.rowcount)  # type: ignore[attr-defined]
