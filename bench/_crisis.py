"""The soak's crisis probe: how long a person in danger waits for a commander to know.

Under the soak's mixed load, every few seconds a caller the fake Twilio texted replies with a
crisis text (signed, to the inbound webhook). Timed from the moment the request is sent:
- alert: until the fake Twilio accepted a text to the on-duty commander (the fake answers a
  create after its latency, which is counted);
- queue: until the commander's open queue page would show the urgent item, i.e. until
  ``GET /callbacks/urgent`` (what every signed-in page polls) lists a new callback id; polled
  every 0.1 s here, one poll at a time, so the figure includes the poll's own answer time
  under the load (the pages poll every few seconds: that interval is the page's, not the
  service's).
A crisis every 3 s gives about 10 samples in `make bench`'s 30 s soak (its "p99" is then the
largest) and about 200 in `make bench-long`'s 10 minutes: quote the long soak's.
One crisis is in flight at a time, so each alert and each new urgent id belongs to the crisis
just sent. A crisis with no alert, or no urgent item, within ``WAIT`` seconds is missed.
"""

from __future__ import annotations

import http.client
import json
import threading
import time

import _servers as servers
import inbound  # its signed replies

COMMANDER_PHONE = "+13015550123"  # fictional (555-01xx), outside the soak's caller numbers
CRISIS_BODIES = (
    "he's back outside my house right now",
    "he is outside my door right now with a knife",
)
WAIT = 30.0  # seconds before a crisis counts as missed
POLL = 0.1  # seconds between two looks at the fake's texts and the urgent ids


class CrisisProbe:
    """Post crisis replies one at a time while the soak runs; time the alert and the queue."""

    def __init__(self, app: servers.Server, twilio, cookie: str, every: float, seed: int):
        self.app, self.twilio, self.cookie, self.every = app, twilio, cookie, every
        self.signer = inbound.Replies([], [], seed)
        self.alert_seconds: list[float] = []
        self.queue_seconds: list[float] = []
        self.posted = self.missed_alerts = self.missed_queue = 0
        self.unexpected: dict[int, int] = {}  # webhook or urgent-poll answers outside 200
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="crisis probe")
        self._used: set[str] = set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _urgent_ids(self) -> set[int] | None:
        conn = http.client.HTTPConnection(servers.HOST, self.app.port, timeout=30)
        try:
            conn.request("GET", "/callbacks/urgent", headers={"Cookie": self.cookie})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status != 200:
            self.unexpected[response.status] = self.unexpected.get(response.status, 0) + 1
            return None
        return set(json.loads(body)["ids"])

    def _caller(self) -> str | None:
        """A caller the soak texted, not yet used by the probe (one crisis each)."""
        for number in reversed(self.twilio.texted_numbers()):
            if number not in self._used:
                self._used.add(number)
                return number
        return None

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            caller = self._caller()
            before = self._urgent_ids()
            if caller is None or before is None:
                continue
            self._one(caller, before)

    def _one(self, caller: str, before: set[int]) -> None:
        form = self.signer._form(caller, CRISIS_BODIES[self.posted % len(CRISIS_BODIES)])
        alerts_before = len(self.twilio.alerts_to(COMMANDER_PHONE))
        self.posted += 1
        started = time.monotonic()
        status = servers.exchange(self.app.address, self.signer.request(form))
        if status != 200:
            self.unexpected[status] = self.unexpected.get(status, 0) + 1
        alert = queue = None
        while (alert is None or queue is None) and time.monotonic() - started < WAIT:
            if alert is None:
                alerts = self.twilio.alerts_to(COMMANDER_PHONE)[alerts_before:]
                if alerts:
                    alert = alerts[0] - started
            if queue is None:
                ids = self._urgent_ids()
                if ids is not None and ids - before:
                    queue = time.monotonic() - started
            time.sleep(POLL)  # polling the fake and the page, not a synchronisation
        if alert is None:
            self.missed_alerts += 1
        else:
            self.alert_seconds.append(alert)
        if queue is None:
            self.missed_queue += 1
        else:
            self.queue_seconds.append(queue)


def report(probe: CrisisProbe) -> dict:
    """Print the probe's figures; return them for the soak's verdict."""
    import _stats as stats

    def shown(values: list[float]) -> str:
        if not values:
            return "none"
        ordered = sorted(values)
        p50 = ordered[len(ordered) // 2]
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return f"p50 {stats.ms(p50)}, p99 {stats.ms(p99)}, max {stats.ms(ordered[-1])}"

    p99 = sorted(probe.alert_seconds)[int(len(probe.alert_seconds) * 0.99)] if (
        probe.alert_seconds
    ) else float("nan")
    print(
        f"  crisis replies: {probe.posted} posted one at a time; to the commander's alert "
        f"accepted by the fake Twilio: {shown(probe.alert_seconds)} (target p99 < 2 s: "
        f"{'met' if p99 < 2.0 else '**missed**'}); to the urgent item on the queue "
        f"(GET /callbacks/urgent): {shown(probe.queue_seconds)}; {probe.missed_alerts} without "
        f"an alert, {probe.missed_queue} never on the queue within {WAIT:g} s"
        + (f"; unexpected answers {probe.unexpected}" if probe.unexpected else "")
    )
    return {
        "posted": probe.posted,
        "missed": probe.missed_alerts + probe.missed_queue,
        "unexpected": sum(probe.unexpected.values()),
        "alert p99": p99,
    }
