"""A fake Twilio with an account limit, for the sender benchmark and the soak: it records when
each create arrived, and answers 429 to a create that would put more than ``limit`` accepted
messages in one second."""

from __future__ import annotations

import collections
import threading
import time

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

    def _create(self, record):
        # One create at a time through here, so a scripted 429 is answered to this request.
        # (The 150 ms wait comes after, outside the lock.)
        with self._limit_lock:
            now = time.monotonic()
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
    """The most arrivals in any one-second window (``arrivals`` in the order they came)."""
    most, start = 0, 0
    for end, moment in enumerate(arrivals):
        while arrivals[start] <= moment - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most
