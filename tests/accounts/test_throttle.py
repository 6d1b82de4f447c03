"""The login throttle with an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pilotage.accounts import LoginThrottle
from pilotage.accounts import throttle as throttle_module
from pilotage.errors import InvalidInput


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def make(clock: Clock) -> LoginThrottle:
    return LoginThrottle(max_failures=3, window=timedelta(minutes=10), clock=clock)


def test_allowed_until_the_limit_then_wait_for_the_oldest_to_leave() -> None:
    clock = Clock()
    th = make(clock)
    for step in (0, 60, 120):
        clock.t = 1000.0 + step
        assert th.check("email:a") == 0.0
        th.failure("email:a")
    # three failures at +0, +60, +120 s; the one at +0 leaves the window at +600 s
    assert th.check("email:a") == pytest.approx(600 - 120)
    clock.t = 1000.0 + 599
    assert th.check("email:a") == pytest.approx(1)
    clock.t = 1000.0 + 600
    assert th.check("email:a") == 0.0
    th.failure("email:a")  # failures now +60, +120, +600: wait until +660
    assert th.check("email:a") == pytest.approx(60)


def test_success_clears_and_keys_are_independent() -> None:
    clock = Clock()
    th = make(clock)
    for _ in range(3):
        th.failure("ip:1.2.3.4")
    assert th.check("ip:1.2.3.4") > 0 and th.check("ip:5.6.7.8") == 0.0
    th.success("ip:1.2.3.4")
    assert th.check("ip:1.2.3.4") == 0.0


def test_the_defaults_are_five_failures_in_fifteen_minutes() -> None:
    clock = Clock()
    th = LoginThrottle(clock=clock)
    for _ in range(4):
        th.failure("k")
    assert th.check("k") == 0.0
    th.failure("k")
    assert th.check("k") == pytest.approx(15 * 60)


def test_memory_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(throttle_module, "MAX_KEYS", 10)
    clock = Clock()
    th = make(clock)
    for i in range(5):
        th.failure(f"old{i}")
    clock.t += 3600  # the old ones are stale now
    for i in range(30):
        th.failure(f"ip:{i}")
    assert len(th._failures) <= 10
    assert th.check("ip:29") == 0.0 and "old0" not in th._failures


@pytest.mark.parametrize(("n", "window"), [(0, timedelta(minutes=1)), (3, timedelta(0))])
def test_bad_parameters(n: int, window: timedelta) -> None:
    with pytest.raises(InvalidInput):
        LoginThrottle(max_failures=n, window=window)
