"""The pace of one sender process: never more texts in a second than the account allows.

Twilio's accounts and senders have a messages-per-second limit, counted where the requests
arrive; past it, requests are refused (429) or queued for hours. The sender asks the pacer before
each text it hands to the gateway, so a process never sends faster than its limit, however many
threads it runs.

Two rules, both on the moments sends were really let go (read from the clock after any wait,
so a thread that woke late is counted when it went, not when it was due):

- a window: at most ``count`` sends in any ``window`` seconds, where the window is a second
  plus ``headroom`` (4% by default). The requests reach the gateway a little after they are let
  go, some later than others (a thread switch, a new connection); as long as that spread stays
  under the headroom (40 ms at the default), the gateway never counts more than the limit in
  any second. The price is the headroom itself: 100 a second sends 96.
- a pace: sends are let go evenly, ``window / count`` apart, so they do not arrive in bursts. A
  send let go late (a busy machine) lets the next ones catch up by up to four steps, within the
  window's rule; after a pause the pace starts afresh, with nothing banked.

Callers wait in turn: one at a time waits for the next moment, the others for their turn.

The spread is kept small in three ways, measured with the sender benchmark (time from the
pacer's release to the request reaching the fake Twilio): the Twilio gateway waits here at the
last moment, in its HTTP adapter, once the SDK has built the request (before, the opt-out read
and the SDK's own work sat between the wait and the request); the gateway imports the SDK's
resources when it is loaded (not on the first text, when 24 threads stalled behind one import
for up to 60 ms); and a sending process with a pacer shortens the interpreter's thread
switch interval to 1 ms (`prompt_turns`, called by `Services.sender`), so that a thread let go
gets to run while another prepares the next batch (at the default 5 ms, requests at each
batch boundary reached the fake 20-110 ms late, bunched with the next: up to 104 in
a second at a limit of 100). `prompt_turns` also freezes (`gc.freeze`) what the process holds
when the sender is built (modules, the SDK, SQLAlchemy's mappings: kept to the end anyway), so
that the collector's full passes no longer walk them: on PostgreSQL such a pass stalled every
thread, and requests let go before it reached the fake 75-113 ms late in 2 of 3 runs (busiest
second 104 and 101); frozen, the latest was 20-22 ms in 3 of 3 (busiest 99) and the rate kept
rose from 95.2-95.6% to 96.1-96.2%.
"""

from __future__ import annotations

import collections
import gc
import math
import sys
import threading
import time
from collections.abc import Callable

DEFAULT_HEADROOM = 0.04
SWITCH_INTERVAL = 0.001  # seconds a thread may hold the interpreter while another waits
_CATCH_UP_STEPS = 4  # how many steps a late send lets the next ones make up

_frozen = False  # prompt_turns froze this process's objects already


def prompt_turns() -> None:
    """Shorten this process's thread switch interval to ``SWITCH_INTERVAL`` (never lengthen it),
    and once per process take the objects alive now out of the garbage collector's sight: for a
    sending process that paces its threads; see the module's docstring."""
    global _frozen
    sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
    if not _frozen:
        gc.collect()
        gc.freeze()
        _frozen = True


class Pacer:
    def __init__(
        self,
        limit: float,
        *,
        headroom: float = DEFAULT_HEADROOM,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not limit > 0 or math.isinf(limit):
            raise ValueError("limit must be a number of texts a second, more than zero")
        if not 0 <= headroom < 1:
            raise ValueError("headroom must be at least 0 and less than 1")
        self.limit = float(limit)
        self.count = max(1, math.floor(limit))
        # At most ``count`` in a second and a bit; a limit under one a second, one in as many
        # seconds as it takes.
        self.window = (1.0 + headroom) * max(1.0, self.count / self.limit)
        self.step = self.window / self.count
        self._monotonic = monotonic
        self._sleep = sleep
        self._turn = threading.Lock()
        self._sent: collections.deque[float] = collections.deque(maxlen=self.count)
        self._next = -math.inf  # when the next send is due on the even pace

    @property
    def rate(self) -> float:
        """Texts a second this pacer lets go at most, on average."""
        return self.count / self.window

    def longest_wait(self, callers: int) -> float:
        """The longest one ``acquire`` can wait while at most ``callers`` threads share this
        pacer (each caller ahead takes a step; the window rule adds at most one window per
        ``count`` of them), with a window to spare."""
        return (math.ceil(max(1, callers) / self.count) + 1) * self.window

    def acquire(self) -> float:
        """Wait until one more send keeps both rules; return how long this call waited."""
        waited = 0.0
        with self._turn:
            while True:
                now = self._monotonic()
                if now - self._next > self.window:
                    self._next = now  # a pause: start afresh, nothing banked
                else:
                    self._next = max(self._next, now - _CATCH_UP_STEPS * self.step)
                due = self._next
                if len(self._sent) == self.count:
                    due = max(due, self._sent[0] + self.window)
                if now >= due:
                    break
                self._sleep(due - now)
                waited += due - now
            self._sent.append(now)
            self._next += self.step
        return waited
