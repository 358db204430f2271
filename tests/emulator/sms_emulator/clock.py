"""The emulator's clock: wall time, run ``speedup`` times faster and movable forward by tests.

Replication progress is derived from this clock, so ``speedup=1000`` turns an hour of copying
into 3.6 s, and ``advance(seconds)`` jumps deterministically (no sleeping in tests).  All task
timestamps (start_date, estimate_complete_time, finish_date, sub-task dates) are clock times.
"""

import math
import threading
import time


class Clock:
    def __init__(self, speedup=1.0):
        self._lock = threading.Lock()
        self._speedup = self._checked(speedup)
        self._anchor_real = time.time()
        self._anchor_virtual = self._anchor_real

    @staticmethod
    def _checked(speedup):
        speedup = float(speedup)
        if speedup <= 0 or math.isnan(speedup) or math.isinf(speedup):
            raise ValueError("speedup must be a positive number")
        return speedup

    def now(self):
        """Seconds since the epoch on the emulator's clock."""
        with self._lock:
            return self._anchor_virtual + (time.time() - self._anchor_real) * self._speedup

    def now_ms(self):
        return int(self.now() * 1000)

    @property
    def speedup(self):
        return self._speedup

    def set_speedup(self, speedup):
        """Change the rate from now on (time already passed stays passed)."""
        speedup = self._checked(speedup)
        with self._lock:
            real = time.time()
            self._anchor_virtual += (real - self._anchor_real) * self._speedup
            self._anchor_real = real
            self._speedup = speedup

    def advance(self, seconds):
        """Move the clock forward by ``seconds`` at once."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._anchor_virtual += seconds
