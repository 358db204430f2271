"""The emulator's clock: speedup, changing it, advancing it."""

import time

import pytest

from sms_emulator.clock import Clock


def test_speedup_and_advance():
    clock = Clock(speedup=1000)
    start = clock.now()
    time.sleep(0.05)
    assert 40 <= clock.now() - start <= 1000  # 50 ms of wall time are ~50 s
    clock.set_speedup(1)
    changed = clock.now()
    time.sleep(0.02)
    assert clock.now() - changed < 1  # time already passed stays, the rate is 1 again
    clock.advance(3600)
    assert clock.now() - changed >= 3600
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        Clock(speedup=0)


def test_a_new_clock_starts_at_wall_time():
    assert abs(Clock().now() - time.time()) < 1
    assert abs(Clock().now_ms() - time.time() * 1000) < 1000
