"""The raw SMTP loop e-mail delivery is measured against: every message reaches the sink, over as many sessions as
it says, and the sink counts them as the service's messages are counted."""

import time

from benchmarks.notifications import raw_messages_per_second
from benchmarks.smtp_counter import CountingSink


async def test_the_raw_loop_delivers_every_message_over_the_sessions_asked_for():
    before = time.monotonic()
    sink = CountingSink().start()
    try:
        _, one = await raw_messages_per_second(sink, 6, sessions=1)
        rate, four = await raw_messages_per_second(sink, 20, sessions=4)
        received = sink.arrivals()
        counted = sink.count()
        last_at = sink.last_at()
    finally:
        sink.stop()

    assert rate > 0
    assert (one, four) == (1, 4)
    assert before < last_at < time.monotonic()
    assert len(received) == counted == 26
    assert sorted(recipient for _, recipient in received[6:]) == sorted(
        f"participant{n}@example.com" for n in range(20)
    )
