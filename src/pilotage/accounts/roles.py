"""Who may do what on which site: roles, memberships and the permission table.

Roles, in increasing order of rights (after Plausible's viewer/editor/admin/owner,
docs/users-roles.md of plausible/docs):

    action            viewer  editor  admin  owner
    view                 x       x      x      x     dashboards, reports, stats API
    export               x       x      x      x     CSV / PDF exports
    edit_goals                   x      x      x     goals and funnels
    share                               x      x     shared links, the public flag
    manage_members                      x      x     grant and revoke roles
    manage_site                         x      x     site settings, rates, imports
    delete_site                                x     delete the site and its data

The instance owner (``User.is_owner``) has the ``owner`` role on every site. A disabled
user has no role anywhere. API keys never widen a user's rights: the web layer checks
both the key's scope and its user's role.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pilotage.accounts.audit import audit
from pilotage.errors import Forbidden, InvalidInput, NotFound
from pilotage.store.app import Membership, Site, User

ROLES = ("viewer", "editor", "admin", "owner")
# The lowest role allowed each action; higher roles inherit it.
LEAST_ROLE = {
    "view": "viewer",
    "export": "viewer",
    "edit_goals": "editor",
    "share": "admin",
    "manage_members": "admin",
    "manage_site": "admin",
    "delete_site": "owner",
}
ACTIONS = tuple(LEAST_ROLE)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput(f"unknown role '{role}' (one of {', '.join(ROLES)})", field="role")
    return role


def can(role: str | None, action: str) -> bool:
    """Whether the role allows the action (None, no role, allows nothing)."""
    least = LEAST_ROLE.get(action)
    if least is None:
        raise InvalidInput(f"unknown action '{action}'", field="action")
    if role is None:
        return False
    return ROLES.index(check_role(role)) >= ROLES.index(least)


def _membership(s: Session, user: User, site_id: int) -> Membership | None:
    return s.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.site_id == site_id)
    )


def grant(s: Session, user: User, site: Site, role: str, *, by: User | None = None) -> Membership:
    """Give the user this role on the site (replacing the role they had there)."""
    check_role(role)
    m = _membership(s, user, site.id)
    before = None if m is None else m.role
    if m is None:
        m = Membership(user_id=user.id, site_id=site.id, role=role)
        s.add(m)
    m.role = role
    s.flush()
    audit(s, by, "member.grant", user.email, site_id=site.id, role=role, before=before)
    return m


def revoke(s: Session, user: User, site: Site, *, by: User | None = None) -> None:
    m = _membership(s, user, site.id)
    if m is None:
        raise NotFound(f"{user.email} is not a member of {site.domain}", field="user")
    audit(s, by, "member.revoke", user.email, site_id=site.id, role=m.role)
    s.delete(m)
    s.flush()


def role_on(s: Session, user: User, site_id: int) -> str | None:
    if user.disabled:
        return None
    if user.is_owner:
        return "owner" if s.get(Site, site_id) is not None else None
    m = _membership(s, user, site_id)
    return None if m is None else m.role


def require(s: Session, user: User, site: Site, action: str) -> str:
    """The user's role on the site if it allows the action, else Forbidden."""
    role = role_on(s, user, site.id)
    if role is None or not can(role, action):
        raise Forbidden(f"{user.email} may not {action} on {site.domain}", field="site")
    return role


def sites_for(s: Session, user: User) -> list[Site]:
    """The sites the user can see, by domain."""
    if user.disabled:
        return []
    q = select(Site).order_by(Site.domain)
    if not user.is_owner:
        q = q.join(Membership, Membership.site_id == Site.id).where(Membership.user_id == user.id)
    return list(s.scalars(q))


def members(s: Session, site: Site) -> list[tuple[User, str]]:
    """The site's members and their roles, by e-mail (instance owners not listed)."""
    q = (
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.site_id == site.id)
        .order_by(User.email)
    )
    return [(u, r) for u, r in s.execute(q)]
