"""An in-process Pilotage app with an owner, a site and a few collected events."""

from __future__ import annotations

import re
from dataclasses import dataclass

import orjson
from fastapi.testclient import TestClient

from pilotage import accounts
from pilotage.config import Settings
from pilotage.instance import Instance
from pilotage.sites import add_goal, add_site

UA = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Safari/605.1.15"
)
OWNER = ("owner@example.org", "correct horse battery")
SITE = "shop.example"
BASE = "https://testserver"  # Secure cookies travel over https only, as in browsers
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Web:
    client: TestClient
    settings: Settings

    def csrf(self, path: str = "/login") -> str:
        page = self.client.get(path)
        match = CSRF.search(page.text)
        assert match, f"no CSRF field on {path}"
        return match.group(1)

    def login(self, email: str = OWNER[0], password: str = OWNER[1]) -> None:
        token = self.csrf("/login")
        r = self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf": token, "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text

    def post_form(self, path: str, data: dict[str, str], page: str = "/") -> object:
        return self.client.post(
            path, data={**data, "csrf": self.csrf(page)}, follow_redirects=False
        )

    def hit(
        self,
        url: str,
        referrer: str = "",
        name: str = "pageview",
        visitor: int = 0,
        **extra: object,
    ) -> None:
        """One event; ``visitor`` numbers stand for different people (user agents)."""
        body = {"n": name, "u": url, "d": SITE, "r": referrer, **extra}
        agent = UA.replace("17.5", f"17.{visitor}") if visitor else UA
        r = self.client.post(
            "/api/event",
            content=orjson.dumps(body),
            headers={"Content-Type": "text/plain", "User-Agent": agent},
        )
        assert r.status_code == 202, r.text

    def drain(self) -> None:
        self.client.app.state.writer.drain()  # type: ignore[attr-defined]


def prepare_instance(settings: Settings) -> None:
    inst = Instance(settings)
    with inst.app.session() as s:
        site = add_site(s, SITE)
        add_goal(s, site, "Thanks", page="/thanks")
        owner = accounts.create_user(s, OWNER[0], OWNER[1], is_owner=True)
        accounts.grant(s, owner, site, "owner")
    inst.close()
