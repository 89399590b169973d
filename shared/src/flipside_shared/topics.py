"""Make sure the topics a service reads and writes exist before it subscribes.

A consumer subscribed to a topic that does not exist yet only notices it at its
next metadata refresh (minutes by default), so services create what they use at
start-up, idempotently, with the configured partitions and replication.
Clusters whose topics are managed elsewhere turn this off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from .events import INBOUND_STREAMS, STREAMS
from .kafka import client_options
from .settings import KafkaSettings

log = structlog.get_logger(__name__)


def stream_topics(prefix: str) -> list[str]:
    """Every stream's topic, and the inbound topics of those outside systems may send to."""
    return [stream.topic(prefix) for stream in STREAMS] + [stream.inbound_topic(prefix) for stream in INBOUND_STREAMS]


async def ensure_topics(
    settings: KafkaSettings, names: Iterable[str], configs: Mapping[str, Mapping[str, str]] | None = None
) -> None:
    """Create the topics of `names` that are missing, each with its `configs` entry if it has one."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = sorted(set(names) - existing)
        if missing:
            await admin.create_topics(
                [
                    NewTopic(
                        name,
                        num_partitions=settings.topic_partitions,
                        replication_factor=settings.topic_replication_factor,
                        topic_configs=dict((configs or {}).get(name, {})),
                    )
                    for name in missing
                ]
            )
            log.info("topics created", topics=missing)
    except TopicAlreadyExistsError:
        pass  # another replica created them first
    finally:
        await admin.close()
