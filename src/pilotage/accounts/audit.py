"""The audit log: who changed what, when. No IP address is stored (privacy).

``user`` None means the command line or the system. Actions are dotted names:
``user.create``, ``user.login``, ``user.login_failed``, ``user.password_reset``,
``user.disable``, ``user.enable``, ``member.grant``, ``member.revoke``,
``apikey.create``, ``apikey.revoke``, ``link.create``, ``link.revoke``; the web layer
adds its own (``site.add``, ``site.public``...).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.errors import InvalidInput
from pilotage.store.app import AuditEntry, Site, User


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def audit(
    s: Session,
    user: User | None,
    action: str,
    target: str,
    *,
    site_id: int | None = None,
    **detail: Any,
) -> None:
    """Append one entry; ``site_id`` lets :func:`audit_entries` filter by site."""
    s.add(
        AuditEntry(
            user_id=None if user is None else user.id,
            site_id=site_id,
            action=action,
            target=target,
            detail=_plain(detail),
        )
    )


def audit_entries(s: Session, *, site: Site | None = None, limit: int = 100) -> list[AuditEntry]:
    """The latest entries first, for one site or for the whole instance."""
    if limit < 1:
        raise InvalidInput(f"limit {limit} must be at least 1", field="limit")
    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if site is not None:
        q = q.where(AuditEntry.site_id == site.id)
    return list(s.scalars(q))
