"""Each service's durable step (consume -> transaction -> outbox -> commit) against the ceiling of the same run.

On one stack, in a database of its own:

- the **ceiling** and the **per-record loop** (`baseline.py`): raw aiokafka + asyncpg doing the same durable step,
  batched as the services' consumers batch, and one record at a time; each fed a burst of `PairCreated`;
- **each service**, as its own process and the only one running, on topics of its own, as the raw loops run alone:
  a burst of events of the type it consumes (`workloads.py`), timed from the first publish until its consumer group
  has committed the last offset, so every event's transaction (state, inbox, outbox) has committed. What consumes its
  events (another service, a replica of it) runs on other machines in a deployment; here it would take its share of
  the same two cores;
- each service process's **peak resident memory** over its steps.

Every ratio is a share of the ceiling. Also runnable alone: `python -m benchmarks.services [events]`, on a stack of
its own (or the broker and database `KAFKA_BOOTSTRAP_SERVERS` and `FLIPSIDE_DATABASE_URL` name); it then replaces
its own sections of `results/latest.json` only.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from flipside_devstack.fixtures import Sandbox
from flipside_devstack.kafka_io import envelope
from flipside_devstack.platform import Platform
from flipside_devstack.programs import configure_program
from flipside_devstack.smtp import SmtpSink
from flipside_devstack.stack import LocalStack
from flipside_shared.envelope import Envelope

from . import baseline
from .memory import peak_rss_of
from .progress import burst_per_second
from .results import RESULTS, write_sections
from .stacks import stack_of_its_own
from .workloads import COHORT_ENROLMENTS, COHORT_PROGRAM, WORKLOADS

EVENTS = 2000
CEILING = "ceiling_events_per_second"
PER_RECORD = "per_record_loop_events_per_second"
# What the raw loops are fed: scheduling's input, an event of middling size.
RAW_WORKLOAD = WORKLOADS["scheduling"]
# The services' steps, in the order measured; matching's cohort intake is a step of its own.
STEPS = frozenset({*WORKLOADS, "matching_cohort"})


def raw_place(sandbox: Sandbox, schema: str) -> baseline.Place:
    """A raw loop's own schema and topics (under the sandbox's prefix), so neither reads the other's burst."""
    return baseline.Place(sandbox.bootstrap_servers, sandbox.database_url, schema, f"{sandbox.topic_prefix}{schema}.")


def raw_burst(count: int) -> list[Envelope]:
    return [envelope(event) for event in RAW_WORKLOAD.events(count)]


async def settled(sandbox: Sandbox) -> None:
    """Write out what earlier steps left dirty in the database's memory, so no step pays for another's writes."""
    conn = await asyncpg.connect(sandbox.database_url)
    try:
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def raw_figures(sandbox: Sandbox, count: int) -> dict[str, float]:
    await settled(sandbox)
    return {
        CEILING: await baseline.events_per_second(
            baseline.BatchedCeiling, raw_place(sandbox, "bench_ceiling"), raw_burst(count)
        ),
        PER_RECORD: await baseline.events_per_second(
            baseline.PerRecordLoop, raw_place(sandbox, "bench_per_record"), raw_burst(count)
        ),
    }


async def service_figures(
    sandbox: Sandbox, platform: Platform, service: str, count: int, steps: frozenset[str]
) -> dict[str, float]:
    """The figures of `service`'s steps among `steps`, on the platform running it alone."""
    figures: dict[str, float] = {}
    await settled(sandbox)
    admin = AIOKafkaAdminClient(bootstrap_servers=sandbox.bootstrap_servers)
    await admin.start()
    try:
        bursts = [(name, workload.events(count)) for name, workload in WORKLOADS.items() if name == service]
        if service == "matching":
            configure_program(platform["matching"].url, "bench")
            if "matching_cohort" in steps:
                configure_program(platform["matching"].url, COHORT_PROGRAM, start="cohort_run")
                bursts.append(("matching_cohort", COHORT_ENROLMENTS.events(count)))
        for step, events in bursts:
            if step in steps:
                figures[f"{step}_events_per_second"] = await burst_per_second(
                    admin, sandbox.bootstrap_servers, platform.topic_prefix, service, events
                )
        return figures
    finally:
        await admin.close()


def measured_services(steps: frozenset[str]) -> list[str]:
    """The services whose steps are among `steps`, in the order measured (matching's cohort step is matching's)."""
    return [name for name in WORKLOADS if name in steps or (name == "matching" and "matching_cohort" in steps)]


def measure(stack: LocalStack, logs: Path, count: int = EVENTS, steps: frozenset[str] = STEPS) -> dict[str, Any]:
    """The step's sections of `results/latest.json`: figures, the ceiling beside them, shares and peak memory.

    `steps` names the services measured after the two raw loops (all of them unless narrowed). Each service runs
    alone during its steps, on topics of its own, as the raw loops do: the services that consume its events would
    otherwise take their share of the same cores (notifications e-mails every `FeedbackRequested` feedback emits),
    and a service started later would first read the backlog earlier steps left.
    """
    sandbox = Sandbox.on(stack)
    smtp = SmtpSink().start()
    try:
        figures = asyncio.run(raw_figures(sandbox, count))
        peaks: dict[str, float] = {}
        for service in measured_services(steps):
            platform = Platform(
                sandbox.bootstrap_servers,
                sandbox.database_url,
                f"{sandbox.topic_prefix}{service}.",
                logs,
                smtp.port,
                only={service},
            )
            try:
                platform.start()
                figures |= asyncio.run(service_figures(sandbox, platform, service, count, steps))
                peaks[service] = peak_rss_of(platform[service])
            finally:
                platform.stop()
    finally:
        smtp.stop()
    ceiling = figures[CEILING]
    return {
        "services_measured_at": datetime.now(UTC).isoformat(),
        "events_per_step": count,
        "figures": {key: round(value, 1) for key, value in figures.items()},
        "ceiling": round(ceiling, 1),
        "share_of_ceiling": {
            key.removesuffix("_events_per_second"): round(value / ceiling, 4)
            for key, value in figures.items()
            if key != CEILING
        },
        "peak_rss_mib": {name: round(peak, 1) for name, peak in peaks.items()},
    }


def table(results: dict[str, Any]) -> str:
    figures, ceiling, peaks = results["figures"], results["ceiling"], results["peak_rss_mib"]
    labels = {
        CEILING: "ceiling (raw, batched)",
        PER_RECORD: "per-record loop (raw, for reference)",
        "matching_cohort_events_per_second": "matching, cohort program (stores only)",
    }
    lines = [
        f"Each service's durable step, {results['events_per_step']:,} events per step:",
        "| step | events/s | vs ceiling | peak RSS MiB |",
        "| --- | ---: | ---: | ---: |",
    ]
    for key, value in figures.items():
        name = key.removesuffix("_events_per_second")
        peak = f"{peaks[name]:,.0f}" if name in peaks else ""
        lines.append(f"| {labels.get(key, name)} | {value:,.0f} | {value / ceiling:.1%} | {peak} |")
    return "\n".join(lines)


def main() -> int:
    """`python -m benchmarks.services [events] [step ...]`: every step, or the raw loops and the steps named."""
    count = int(sys.argv[1]) if len(sys.argv) > 1 else EVENTS
    steps = frozenset(sys.argv[2:]) or STEPS
    if unknown := steps - STEPS:
        print(f"unknown steps {sorted(unknown)}: choose among {sorted(STEPS)}", file=sys.stderr)
        return 2
    with stack_of_its_own() as (stack, logs):
        results = measure(stack, logs, count, steps)
    write_sections(results)
    print(table(results))
    print(f"\nwritten to {RESULTS} (services)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
