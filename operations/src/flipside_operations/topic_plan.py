"""Topics as code: apply deploy/topics.toml to a cluster, idempotently.

    python -m flipside_operations.topic_plan apply [--file deploy/topics.toml] [--acls deploy/acls.toml] [--replication-factor N]

Settings come from the same FLIPSIDE_KAFKA_* variables as the services (SASL/TLS
included) and FLIPSIDE_TOPIC_PREFIX. Creates missing topics, adds partitions
where the plan has more, and sets each topic's configuration to the plan's; then
adds the ACLs of deploy/acls.toml the cluster lacks, where it has an authorizer.
"""

from __future__ import annotations

import argparse
import asyncio
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import InvalidPartitionsError

from flipside_shared.kafka import client_options
from flipside_shared.settings import KafkaSettings, ServiceSettings

from .acl_plan import DEFAULT_ACLS, NoAuthorizer, apply_acls, read_acls

DEFAULT_PLAN = Path(__file__).resolve().parents[3] / "deploy" / "topics.toml"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)


def read_plan(path: Path, prefix: str, replication_factor: int | None = None) -> list[TopicSpec]:
    plan = tomllib.loads(path.read_text())
    defaults = plan.get("defaults", {})
    specs = []
    for name, options in plan["topics"].items():
        merged = {**defaults, **options}
        specs.append(
            TopicSpec(
                name=f"{prefix}{name}",
                partitions=int(merged.pop("partitions")),
                replication_factor=replication_factor or int(merged.pop("replication_factor")),
                configs={key: str(value) for key, value in merged.items() if key != "replication_factor"},
            )
        )
    return specs


async def apply(settings: KafkaSettings, specs: list[TopicSpec]) -> list[str]:
    """Make the cluster match `specs`; return what was changed (empty when it already did)."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics() if not t["error_code"]}
        changes: list[str] = []
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            await admin.create_topics(
                [NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.configs) for s in missing]
            )
            changes += [f"created {s.name} ({s.partitions} partitions)" for s in missing]
        for spec in (s for s in specs if existing.get(s.name, s.partitions) < s.partitions):
            try:
                await admin.create_partitions({spec.name: NewPartitions(spec.partitions)})
                changes.append(f"partitions of {spec.name} raised to {spec.partitions}")
            except InvalidPartitionsError:
                pass  # the broker's metadata lagged behind an earlier raise: the topic already has them

        for spec in (s for s in specs if s.name in existing):
            if await _configs(admin, spec.name, spec.configs.keys()) != spec.configs:
                await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, spec.name, spec.configs)])
                changes.append(f"configuration of {spec.name} set")
        return changes
    finally:
        await admin.close()


async def _configs(admin: AIOKafkaAdminClient, topic: str, names: Iterable[str]) -> dict[str, str | None]:
    response = (await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)]))[0]
    entries = {entry[0]: entry[1] for entry in response.resources[0][4]}
    return {name: entries.get(name) for name in names}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["apply"])
    parser.add_argument("--file", type=Path, default=DEFAULT_PLAN)
    parser.add_argument("--acls", type=Path, default=DEFAULT_ACLS)
    parser.add_argument("--replication-factor", type=int, help="override the plan's, e.g. 1 on a single broker")
    arguments = parser.parse_args()
    settings = ServiceSettings()
    specs = read_plan(arguments.file, settings.topic_prefix, arguments.replication_factor)
    changes = asyncio.run(apply(settings.kafka, specs))
    print("\n".join(changes) or "topics already match the plan")
    try:
        granted = asyncio.run(apply_acls(settings.kafka, read_acls(arguments.acls, settings.topic_prefix)))
    except NoAuthorizer:
        print("ACLs not applied: this cluster has no authorizer, so anyone may read and write every topic")
        return
    print("\n".join(granted) or "ACLs already match the plan")


if __name__ == "__main__":
    main()
