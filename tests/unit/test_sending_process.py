"""A sending process that paces its threads: prompt thread switches, and what it holds from
startup kept out of the garbage collector's full passes (which stalled every thread for up to
110 ms and bunched requests past the account's limit; see followup.sending.rate_limit).

Run in a fresh interpreter: both settings are the whole process's."""

import subprocess
import sys

PROBE = """
import gc, sys
from followup.sending.rate_limit import SWITCH_INTERVAL, prompt_turns
before = gc.get_freeze_count()
prompt_turns()
first = gc.get_freeze_count()
holder = [object() for _ in range(1000)]  # made after the sender was built
prompt_turns()
print(before, first, gc.get_freeze_count(), sys.getswitchinterval() <= SWITCH_INTERVAL)
"""


def test_building_a_paced_sender_freezes_startup_objects_once_and_shortens_turns():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    before, first, second, prompt = int(out[0]), int(out[1]), int(out[2]), out[3]
    assert before == 0
    assert first > 1_000  # what the process holds so far (here: the modules it imported)
    assert second == first  # only once: what the process makes later is collected as usual
    assert prompt == "True"
