"""Slowing down password guessing: at most ``max_failures`` failed logins per key in a
sliding window (OWASP's Authentication Cheat Sheet, "account lockout" with a time
limit rather than a permanent lock).

In memory and per process: a restart forgets, which only gives a guesser one more
window. The web layer keys it by account and by client address
(``"email:x@example.com"``, ``"ip:1.2.3.4"``); those keys never leave memory.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import timedelta

from pilotage.errors import InvalidInput

# A flood of distinct addresses must not grow memory without bound.
MAX_KEYS = 100_000


class LoginThrottle:
    def __init__(
        self,
        max_failures: int = 5,
        window: timedelta = timedelta(minutes=15),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures < 1 or window <= timedelta(0):
            raise InvalidInput(
                f"throttle needs max_failures >= 1 ({max_failures}) and a positive window",
                field="max_failures",
            )
        self.max_failures = max_failures
        self.window = window.total_seconds()
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """0.0 when a try is allowed, else the seconds to wait before the next one."""
        with self._lock:
            times = self._failures.get(key)
            if times is None or len(times) < self.max_failures:
                return 0.0
            # Only the last max_failures are kept: the oldest must leave the window.
            return max(0.0, times[0] + self.window - self.clock())

    def failure(self, key: str) -> None:
        with self._lock:
            times = self._failures.get(key)
            if times is None:
                if len(self._failures) >= MAX_KEYS:
                    self._forget_stale()
                times = self._failures[key] = deque(maxlen=self.max_failures)
            times.append(self.clock())

    def success(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _forget_stale(self) -> None:
        horizon = self.clock() - self.window
        for key in [k for k, t in self._failures.items() if t[-1] <= horizon]:
            del self._failures[key]
        while len(self._failures) >= MAX_KEYS:  # all recent: drop the oldest keys
            del self._failures[next(iter(self._failures))]
