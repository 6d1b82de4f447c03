"""Who visits the demo shop: a French-speaking mix of countries, devices and crawlers.

A visitor is an (IP address, user agent) pair, the two things a cookieless tracker
sees. Addresses are hosts inside real allocated prefixes of each country (see
``reference``), so a geo lookup places them; user agents are real browser strings with
a viewport width typical of their kind of device.
"""

from __future__ import annotations

import ipaddress
import random
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from pilotage.demo.draw import cumulative, pick
from pilotage.demo.hits import Visitor
from pilotage.demo.reference import BOTS, COUNTRIES, HOURLY, SCREEN_WIDTHS, USER_AGENTS

SECOND = 1_000_000


def _block(prefix: str) -> tuple[int, int]:
    net = ipaddress.ip_network(prefix)
    return int(net.network_address), net.num_addresses


def host_in(rng: random.Random, block: tuple[int, int]) -> str:
    """A host address inside the block, never its network or broadcast address."""
    base, size = block
    a = base + rng.randrange(size)
    last = a & 255
    a += 1 if last == 0 else -1 if last == 255 else 0
    return f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255}"


class Audience:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.countries = tuple(COUNTRIES)
        self.country_cum = cumulative(COUNTRIES[c][0] for c in self.countries)
        self.blocks = {c: tuple(_block(p) for p in COUNTRIES[c][2]) for c in self.countries}
        self.agents = tuple((device, ua) for device, _, ua in USER_AGENTS)
        self.agent_cum = cumulative(w for _, w, _ in USER_AGENTS)
        self.bots = tuple((ua, _block(prefix)) for _, ua, prefix in BOTS)
        self.bot_cum = cumulative(w for w, _, _ in BOTS)
        self.hour_cum = cumulative(HOURLY)
        self.hours = tuple(range(24))
        self._offsets: dict[tuple[str, date], int] = {}

    def human(self) -> Visitor:
        rng = self.rng
        country = pick(rng, self.countries, self.country_cum)
        device, ua = pick(rng, self.agents, self.agent_cum)
        ip = host_in(rng, rng.choice(self.blocks[country]))
        width = rng.choice(SCREEN_WIDTHS[device])
        return Visitor(ip, ua, width, country, COUNTRIES[country][1])

    def bot(self) -> Visitor:
        ua, block = pick(self.rng, self.bots, self.bot_cum)
        return Visitor(host_in(self.rng, block), ua, 0, "", "UTC")

    def offset(self, zone: str, day: date) -> int:
        """UTC offset of ``zone`` at noon of ``day``, in microseconds."""
        key = (zone, day)
        if key not in self._offsets:
            noon = datetime.combine(day, time(12), ZoneInfo(zone))
            delta = noon.utcoffset()
            self._offsets[key] = int(delta.total_seconds()) * SECOND if delta else 0
        return self._offsets[key]

    def start_time(self, visitor: Visitor, day: date, day_us: int) -> int:
        """A visit start on ``day``, in the visitor's local daily rhythm, as UTC microseconds."""
        rng = self.rng
        hour = pick(rng, self.hours, self.hour_cum)
        local = (hour * 3600 + rng.random() * 3600) * SECOND
        return day_us + int(local) - self.offset(visitor.zone, day)
