"""Routing only (faststream's in-memory broker): every record reaches the processor as raw bytes.

Delivery, commits and recovery are proven on the real broker in the integration tests.
"""

from faststream.kafka import KafkaBroker, TestKafkaBroker

from flipside_shared.subscriber import subscribe


class RecordingProcessor:
    def __init__(self):
        self.values = []

    async def process_batch(self, records):
        self.values.extend(record.value for record in records)


async def test_bad_json_reaches_the_processor_instead_of_failing_inside_the_framework():
    broker = KafkaBroker()
    processor = RecordingProcessor()
    subscribe(
        broker,
        ("flipside.participants",),
        "flipside.matching",
        processor,
        {"flipside.participants": ("flipside.participant.enrolled.v1",)},
        10,
    )
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"{not json", "flipside.participants", headers={"content-type": "application/json"})
        await test_broker.publish(
            b'{"ok": true}', "flipside.participants", headers={"content-type": "application/json"}
        )
    assert processor.values == [b"{not json", b'{"ok": true}']
