"""A token bucket shared by the sending threads of one process.

Twilio's accounts and senders have a messages-per-second limit; past it, requests are refused
(429) or queued for hours. The sender takes one token per message before it calls the gateway,
so a process never sends faster than its configured rate, however many threads it runs.

Waiting callers reserve their token at once (the count may go below zero) and sleep outside the
lock until it is theirs, so tokens are handed out in order and the rate holds under contention.
With a burst of 1 the sends are evenly spaced: at most ``rate`` in any one-second window, + 1.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(
        self,
        rate: float,
        *,
        burst: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if rate <= 0:
            raise ValueError("rate must be more than zero")
        if burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._updated = monotonic()

    def acquire(self) -> float:
        """Take one token, waiting for it if need be; return how long this call waited."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            self._tokens -= 1.0
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
