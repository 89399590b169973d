"""Kafka client options from settings: one place that knows about SASL and TLS."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from .deadletter import dead_letter_bytes
from .envelope import Envelope
from .settings import KafkaSettings


def ssl_context(settings: KafkaSettings) -> ssl.SSLContext | None:
    if settings.security_protocol not in ("SSL", "SASL_SSL"):
        return None
    context = ssl.create_default_context(cafile=settings.ssl_cafile)
    if settings.ssl_certfile:
        context.load_cert_chain(settings.ssl_certfile, settings.ssl_keyfile)
    return context


def client_options(settings: KafkaSettings) -> dict[str, Any]:
    """aiokafka keyword arguments for any client: servers and security."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": settings.security_protocol,
    }
    if context := ssl_context(settings):
        options["ssl_context"] = context
    if settings.security_protocol.startswith("SASL"):
        options["sasl_mechanism"] = settings.sasl_mechanism or "PLAIN"
        options["sasl_plain_username"] = settings.sasl_username
        options["sasl_plain_password"] = settings.sasl_password.get_secret_value() if settings.sasl_password else None
    return options


def reliable_producer(settings: KafkaSettings, client_id: str) -> AIOKafkaProducer:
    """A producer that neither loses nor reorders: idempotent, acknowledged by all in-sync replicas."""
    return AIOKafkaProducer(
        **client_options(settings),
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=30_000,
        # Dead letters too; the units of work hold each event to `max_message_bytes`, the broker each topic to its own.
        max_request_size=dead_letter_bytes(settings.max_message_bytes),
    )


async def publish_envelopes(
    settings: KafkaSettings, topic_prefix: str, envelopes: Iterable[Envelope], client_id: str
) -> None:
    """Publish events from outside any outbox (operator commands, tests); return once the broker has them all."""
    producer = reliable_producer(settings, client_id)
    await producer.start()
    try:
        deliveries = [
            await producer.send(e.topic(topic_prefix), value=e.body(), key=e.subject.encode(), headers=e.headers())
            for e in envelopes
        ]
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()


def broker_security(settings: KafkaSettings) -> BaseSecurity | None:
    """The same security, in the form faststream's broker takes."""
    context = ssl_context(settings)
    if not settings.security_protocol.startswith("SASL"):
        return BaseSecurity(ssl_context=context) if context else None
    secret = settings.sasl_password.get_secret_value() if settings.sasl_password else ""
    mechanism = {"SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}.get(
        settings.sasl_mechanism or "PLAIN", SASLPlaintext
    )
    return mechanism(username=settings.sasl_username or "", password=secret, ssl_context=context)
