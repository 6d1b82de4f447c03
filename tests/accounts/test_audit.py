"""The audit log: order, limit, site filter, JSON detail."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from pilotage.accounts import audit, audit_entries, create_user
from pilotage.errors import InvalidInput
from pilotage.sites import add_site
from pilotage.store.app import Site


def test_latest_first_with_limit_and_site_filter(s: Session, site: Site) -> None:
    other = add_site(s, "blog.example")
    audit(s, None, "site.add", site.domain, site_id=site.id)
    audit(s, None, "site.add", other.domain, site_id=other.id)
    audit(s, None, "site.public", site.domain, site_id=site.id, public=True)
    assert [e.target for e in audit_entries(s)] == [
        "shop.example",
        "blog.example",
        "shop.example",
    ]
    assert len(audit_entries(s, limit=2)) == 2
    assert [e.action for e in audit_entries(s, site=site)] == ["site.public", "site.add"]
    assert audit_entries(s, site=site)[0].detail == {"public": True}


def test_user_and_detail_are_kept_as_json(s: Session, site: Site) -> None:
    ada = create_user(s, "ada@example.com", "0123456789abc")
    audit(s, ada, "goal.add", "Purchase", site_id=site.id, day=date(2025, 5, 12), v=Decimal("1.5"))
    (e,) = audit_entries(s, site=site)
    assert e.user_id == ada.id
    assert e.detail == {"day": "2025-05-12", "v": "1.5"}
    s.expire_all()
    assert audit_entries(s, site=site)[0].detail == {"day": "2025-05-12", "v": "1.5"}


def test_the_cli_has_no_user(s: Session) -> None:
    create_user(s, "ada@example.com", "0123456789abc")
    (e,) = audit_entries(s)
    assert (e.user_id, e.action, e.target) == (None, "user.create", "ada@example.com")


def test_limit_must_be_positive(s: Session) -> None:
    with pytest.raises(InvalidInput):
        audit_entries(s, limit=0)
