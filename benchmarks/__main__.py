"""`make bench`: the matching engine at program scale, then each service's consume -> transaction ->
outbox -> commit step against a raw baseline.

The engine is measured in-process (see matching_engine.py) against a greedy baseline and dense LSA.
All service figures come from one run on one local stack: the baseline (raw aiokafka + asyncpg doing the
same durable step, see baseline.py) and each service, fed the same number of events of the type it
consumes, timed from the first event published until its consumer group has committed the last.
Then, on the same stack, scheduling at program scale (scheduling.py) and notifications' e-mail delivery
against a raw SMTP loop (notifications.py), each against baselines measured in the same run, then the
latency of the whole chain at a fixed arrival rate, enrolment to e-mail (steady_state.py), and last a whole
company enrolled at once, to every pair's kickoff and e-mail, then again with a second process of the slowest
service (bulk.py; `FLIPSIDE_BENCH_BULK_ENROLMENTS`, 100,000 unless set).
"""

from __future__ import annotations

import asyncio
import os
import platform as host
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.stack import LocalStack

from . import baseline, bulk, matching_engine, notifications, profile, scheduling, steady_state
from .progress import burst_per_second
from .results import RESULTS, write_all
from .workloads import WORKLOADS

EVENTS = 2000
BULK_ENROLMENTS = int(os.environ.get("FLIPSIDE_BENCH_BULK_ENROLMENTS", bulk.ENROLMENTS))


async def measure_baseline(stack: LocalStack, admin: AIOKafkaAdminClient, count: int) -> float:
    topic = f"bench-baseline-{uuid4().hex[:6]}"
    await admin.create_topics([NewTopic(topic, num_partitions=4, replication_factor=1)])
    await baseline.prepare(stack.database_url)
    consumer = baseline.BaselineConsumer(stack.bootstrap_servers, stack.database_url, topic)
    task = asyncio.create_task(consumer.run())
    # Same shape as the services: the consumer has joined its group before the burst arrives.
    await asyncio.wait_for(consumer.assigned.wait(), timeout=60)
    producer = AIOKafkaProducer(bootstrap_servers=stack.bootstrap_servers, acks="all", enable_idempotence=True)
    await producer.start()
    started = time.monotonic()
    try:
        futures = [await producer.send(topic, b'{"n": %d}' % n, key=str(n).encode()) for n in range(count)]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    while consumer.committed < count:
        await asyncio.sleep(0.02)
    elapsed = time.monotonic() - started
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return count / elapsed


async def measure_service(
    stack: LocalStack, platform: Platform, admin: AIOKafkaAdminClient, name: str, count: int
) -> float:
    events = WORKLOADS[name].events(count)
    return await burst_per_second(admin, stack.bootstrap_servers, platform.topic_prefix, name, events)


async def run_all(stack: LocalStack, platform: Platform, count: int) -> dict[str, float]:
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.bootstrap_servers)
    await admin.start()
    try:
        configure_program(platform["matching"].url, "bench")
        figures = {"baseline_events_per_second": await measure_baseline(stack, admin, count)}
        for name in WORKLOADS:
            figures[f"{name}_events_per_second"] = await measure_service(stack, platform, admin, name, count)
        return figures
    finally:
        await admin.close()


def table(figures: dict[str, float]) -> str:
    base = figures["baseline_events_per_second"]
    lines = ["| step | events/s | vs baseline |", "| --- | ---: | ---: |"]
    for key, value in figures.items():
        label = key.removesuffix("_events_per_second")
        lines.append(f"| {label} | {value:,.0f} | {value / base:.0%} |")
    return "\n".join(lines)


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS
    engine = matching_engine.measure_all()
    with tempfile.TemporaryDirectory(prefix="flipside-bench-") as workdir:
        stack = LocalStack(Path(workdir) / "stack")
        stack.start()
        smtp = SmtpSink().start()
        platform = Platform(
            stack.bootstrap_servers, stack.database_url, f"bench{uuid4().hex[:6]}.", Path(workdir) / "logs", smtp.port
        )
        try:
            platform.start()
            figures = asyncio.run(run_all(stack, platform, count))
            platform.stop()
            scheduling_figures = scheduling.measure(stack, Path(workdir) / "logs", count)
            notifications_figures = notifications.measure(stack, Path(workdir) / "logs")
            steady_figures = steady_state.measure(stack, Path(workdir) / "logs")
            bulk_figures = bulk.measure_all(stack, Path(workdir) / "logs", BULK_ENROLMENTS)
        finally:
            platform.stop()
            smtp.stop()
            stack.stop()
    result = {
        "measured_at": datetime.now(UTC).isoformat(),
        "events_per_step": count,
        "machine": {"cores": os.cpu_count(), "python": host.python_version()},
        "figures": {key: round(value, 1) for key, value in figures.items()},
        "baseline": round(figures["baseline_events_per_second"], 1),
        "matching_engine": engine,
        "scheduling": {key: round(value, 1) for key, value in scheduling_figures.items()},
        "notifications": {
            key: round(value, 3 if key.endswith("_ratio") else 1) for key, value in notifications_figures.items()
        },
        "steady_state": steady_state.rounded(steady_figures),
        "bulk": bulk.rounded(bulk_figures),
    }
    write_all(result)
    print(matching_engine.table(engine) + "\n")
    print(table(figures) + "\n")
    print(scheduling.table(scheduling_figures, figures["baseline_events_per_second"]) + "\n")
    print(notifications.table(notifications_figures) + "\n")
    print(steady_state.table(steady_figures) + "\n")
    print(bulk.table_of(bulk_figures) + "\n")
    print(profile.table(bulk_figures["profile_1_process"]))
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
