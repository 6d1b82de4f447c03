"""Web sessions: tokens, expiry with an injected clock, logout, last seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from pilotage.accounts import (
    create_user,
    end_all_sessions,
    end_session,
    purge_sessions,
    session_for,
    start_session,
)
from pilotage.accounts.passwords import digest
from pilotage.errors import InvalidInput
from pilotage.store.app import User, WebSession

T0 = datetime(2025, 5, 12, 10, 0)


@pytest.fixture
def ada(s: Session) -> User:
    return create_user(s, "ada@example.com", "0123456789abc")


def test_a_session_round_trips_by_its_token(s: Session, ada: User) -> None:
    ws, token = start_session(s, ada, now=T0)
    assert session_for(s, token, now=T0) is ws
    assert ws.user is ada and ws.id == digest(token) and ws.id != token
    assert len(token) >= 43 and len(ws.csrf_token) >= 43 and ws.csrf_token != token
    assert ws.expires_at == T0 + timedelta(days=14)


@pytest.mark.parametrize(
    ("after", "alive"),
    [(timedelta(0), True), (timedelta(hours=1, seconds=-1), True), (timedelta(hours=1), False)],
)
def test_expiry(s: Session, ada: User, after: timedelta, alive: bool) -> None:
    _, token = start_session(s, ada, timedelta(hours=1), now=T0)
    assert (session_for(s, token, now=T0 + after) is not None) is alive


def test_an_expired_session_is_deleted_when_met(s: Session, ada: User) -> None:
    _, token = start_session(s, ada, timedelta(hours=1), now=T0)
    assert session_for(s, token, now=T0 + timedelta(hours=2)) is None
    assert s.get(WebSession, digest(token)) is None


def test_an_aware_now_is_read_as_utc(s: Session, ada: User) -> None:
    _, token = start_session(s, ada, timedelta(hours=1), now=T0)
    # 11:30 in Paris in May is 09:30 UTC: before the 11:00 UTC expiry.
    paris = datetime(2025, 5, 12, 11, 30, tzinfo=ZoneInfo("Europe/Paris"))
    assert session_for(s, token, now=paris) is not None
    assert session_for(s, token, now=datetime(2025, 5, 12, 11, 0, tzinfo=UTC)) is None


def test_last_seen_slides_but_expiry_does_not(s: Session, ada: User) -> None:
    ws, token = start_session(s, ada, now=T0)
    session_for(s, token, now=T0 + timedelta(seconds=30))
    assert ws.last_seen_at == T0  # within a minute: no write
    later = T0 + timedelta(minutes=5)
    session_for(s, token, now=later)
    assert ws.last_seen_at == later and ws.expires_at == T0 + timedelta(days=14)


@pytest.mark.parametrize("token", ["", "unknown-token"])
def test_unknown_tokens(s: Session, token: str) -> None:
    assert session_for(s, token) is None


def test_logout_and_logout_everywhere(s: Session, ada: User) -> None:
    _, a = start_session(s, ada)
    _, b = start_session(s, ada)
    _, c = start_session(s, ada)
    end_session(s, a)
    assert session_for(s, a) is None and session_for(s, b) is not None
    end_all_sessions(s, ada)
    assert session_for(s, b) is None and session_for(s, c) is None
    end_session(s, "never-existed")  # no error


def test_purge_deletes_only_expired_sessions(s: Session, ada: User) -> None:
    start_session(s, ada, timedelta(hours=1), now=T0)
    _, keep = start_session(s, ada, timedelta(days=1), now=T0)
    assert purge_sessions(s, now=T0 + timedelta(hours=2)) == 1
    assert session_for(s, keep, now=T0 + timedelta(hours=2)) is not None


def test_a_lifetime_must_be_positive(s: Session, ada: User) -> None:
    with pytest.raises(InvalidInput):
        start_session(s, ada, timedelta(0))
