"""Topics as code against the real broker: the plan is applied once, then nothing changes."""

import asyncio

from flipside_operations.topic_plan import DEFAULT_PLAN, TopicSpec, apply, read_plan
from flipside_shared.settings import KafkaSettings


async def test_the_shipped_plan_applies_idempotently_and_corrects_drift(sandbox):
    settings = KafkaSettings(bootstrap_servers=sandbox.bootstrap_servers)
    specs = read_plan(DEFAULT_PLAN, sandbox.topic_prefix, replication_factor=1)
    assert {s.name.removeprefix(sandbox.topic_prefix) for s in specs} >= {
        "participants",
        "programs",
        "pairs",
        "sessions",
        "feedback",
        "notifications",
        "matching.dead-letter",
    }
    first = await apply(settings, specs)
    assert f"created {sandbox.topic_prefix}pairs (12 partitions)" in first
    assert await settles(lambda: apply(settings, specs)), "a second application changes nothing"

    pairs = next(s for s in specs if s.name.endswith("pairs"))
    drifted = [TopicSpec(pairs.name, 16, 1, {**pairs.configs, "retention.ms": "86400000"})]
    assert await apply(settings, drifted) == [
        f"partitions of {pairs.name} raised to 16",
        f"configuration of {pairs.name} set",
    ]
    assert await settles(lambda: apply(settings, drifted))


async def settles(apply_plan, seconds: float = 10.0) -> bool:
    """True once applying changes nothing; the broker takes a moment to show what the controller accepted."""
    for _ in range(int(seconds / 0.5)):
        if await apply_plan() == []:
            return True
        await asyncio.sleep(0.5)
    return False
