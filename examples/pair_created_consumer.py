"""Follow new pairs from outside Flipside, with a plain Kafka client and the published contract only.

    python examples/pair_created_consumer.py --bootstrap-servers HOST:PORT [--topic flipside.pairs] [--max N]

Reads the `pairs` topic, keeps records whose CloudEvents type header is
`flipside.pair.created.v1`, validates each body against
contracts/events/flipside.pair.created.v1.json and prints one line per pair.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from uuid import uuid4

from aiokafka import AIOKafkaConsumer
from jsonschema import Draft202012Validator

EVENT_TYPE = "flipside.pair.created.v1"
SCHEMA = Path(__file__).resolve().parent.parent / "contracts" / "events" / f"{EVENT_TYPE}.json"


async def follow(bootstrap_servers: str, topic: str, limit: int | None) -> None:
    validator = Draft202012Validator(json.loads(SCHEMA.read_text()))
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap_servers, group_id=f"pair-follower-{uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    seen = 0
    try:
        async for record in consumer:
            headers = {name: value.decode() for name, value in record.headers}
            if headers.get("ce_type") != EVENT_TYPE:
                continue
            pair = json.loads(record.value)
            validator.validate(pair)
            print(
                f"pair {pair['pair_id']}: mentor {pair['mentor']['participant_id']} -> mentee "
                f"{pair['mentee']['participant_id']} (score {pair['score']}, event {headers['ce_id']})",
                flush=True,
            )
            seen += 1
            if limit is not None and seen >= limit:
                return
    finally:
        await consumer.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", default="flipside.pairs")
    parser.add_argument("--max", type=int, default=None, help="stop after this many pairs")
    arguments = parser.parse_args()
    asyncio.run(follow(arguments.bootstrap_servers, arguments.topic, arguments.max))


if __name__ == "__main__":
    main()
