"""A fake Twilio with an account limit, for the sender benchmark and the soak: it records when
each create arrived, and answers 429 to a create that would put more than ``limit`` accepted
messages in one second."""

from __future__ import annotations

import collections
import gc
import sys
import threading

from followup.testing.twilio_api import twilio_error
from followup.testing.twilio_fake import FakeTwilio


class LimitedTwilio(FakeTwilio):
    """The fake, recording when each create arrived and refusing what is over the limit.

    ``arrivals`` holds every create that reached the fake, accepted or refused (what the
    account's limit is judged on); ``accepted`` only those answered 201."""

    def __init__(self, limit: int, latency: float):
        super().__init__(latency=latency)
        self.limit = limit
        self.arrivals: list[float] = []
        self.accepted: list[float] = []
        self.refused = 0
        self._window: collections.deque[float] = collections.deque()
        self._limit_lock = threading.Lock()

    def start(self) -> LimitedTwilio:
        # The fake stands for Twilio's edge, which stamps a request as it arrives. A full
        # collection of this process's objects (the benchmark's own, made before the run)
        # stalled every handler thread for ~50 ms, and the requests let go meanwhile were
        # stamped together: up to 102 in a second from a sender that let go 100. Frozen here,
        # they are left out of the fake's collections.
        gc.collect()
        gc.freeze()
        # Nor may a handler thread wait 5 ms turns for the interpreter before it can stamp
        # (without this, 1 in 3 runs still counted 101).
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_interval, 0.001))
        return super().start()

    def stop(self, timeout: float = 5.0) -> None:
        try:
            super().stop(timeout)
        finally:
            gc.unfreeze()
            sys.setswitchinterval(self._switch_interval)

    def _create(self, record):
        # One create at a time through here, so a scripted 429 is answered to this request.
        # (The 150 ms wait comes after, outside the lock.)
        with self._limit_lock:
            now = record.arrived  # when the request reached the fake, before its body was read
            self.arrivals.append(now)
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self.limit:
                self.refused += 1
                self.respond_next(429, twilio_error(429, 20429, "Too Many Requests"))
            else:
                self._window.append(now)
                self.accepted.append(now)
            return super()._create(record)


def busiest_second(arrivals: list[float]) -> int:
    """The most arrivals in any one-second window (requests stamped as they reached the fake
    may take its lock a little out of order, so the moments are sorted first)."""
    arrivals = sorted(arrivals)
    most, start = 0, 0
    for end, moment in enumerate(arrivals):
        while arrivals[start] <= moment - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most
