"""`make topics`'s ACLs on a broker that checks them (SASL_SSL, SCRAM, the StandardAuthorizer): a service writes only
what it emits, and an HR system only its inbound topic, reading nothing."""

import asyncio
import dataclasses
import secrets
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import GroupAuthorizationFailedError, TopicAuthorizationFailedError

from flipside_devstack.kafka import LocalKafka, SaslSslListener
from flipside_devstack.tls import issue_loopback_certificates
from flipside_operations.acl_plan import DEFAULT_ACLS, apply_acls, read_acls
from flipside_operations.topic_plan import DEFAULT_PLAN, apply, read_plan
from flipside_shared.kafka import client_options, reliable_producer

PREFIX = "acl."
ADMIN, NOTIFICATIONS, HR = "admin", "flipside-notifications", "flipside-hr"
PASSWORDS = {name: secrets.token_urlsafe(16) for name in (ADMIN, NOTIFICATIONS, HR)}


@pytest.fixture(scope="module")
def guarded_kafka(tmp_path_factory):
    """A broker whose SASL_SSL listener lets through only what ACLs allow, `admin` excepted."""
    certificates = issue_loopback_certificates(tmp_path_factory.mktemp("tls"))
    listener = SaslSslListener(
        keystore=certificates.server_pem,
        truststore=certificates.ca_file,
        users=PASSWORDS,
        super_users=(ADMIN,),
    )
    kafka = LocalKafka(tmp_path_factory.mktemp("guarded-kafka"), security=listener).start()
    yield kafka
    kafka.stop()


@pytest.fixture(scope="module")
async def planned(guarded_kafka):
    """`make topics` as the administrator: the shipped topics (one replica, so one in sync suffices) and ACLs."""
    admin = guarded_kafka.client_settings(ADMIN, PASSWORDS[ADMIN])
    specs = [
        dataclasses.replace(spec, configs={**spec.configs, "min.insync.replicas": "1"})
        for spec in read_plan(DEFAULT_PLAN, PREFIX, replication_factor=1)
    ]
    await apply(admin, specs)
    granted = await apply_acls(admin, read_acls(DEFAULT_ACLS, PREFIX))
    return admin, granted


async def write(kafka: LocalKafka, user: str, topic: str) -> None:
    producer = reliable_producer(kafka.client_settings(user, PASSWORDS[user]), f"{user}-acl-test")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"{}", key=b"k")
    finally:
        await producer.stop()


async def read(kafka: LocalKafka, user: str, topic: str) -> None:
    consumer = AIOKafkaConsumer(
        topic,
        **client_options(kafka.client_settings(user, PASSWORDS[user])),
        group_id=f"{PREFIX}hr-{uuid4()}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        await consumer.getmany(timeout_ms=5000)
    finally:
        await consumer.stop()


async def test_the_plan_is_applied_once_then_changes_nothing(guarded_kafka, planned):
    admin, granted = planned
    assert f"allowed User:{HR} to write {PREFIX}inbound.participants" in granted
    assert f"allowed User:{NOTIFICATIONS} to read group {PREFIX}notifications" in granted
    for _ in range(20):  # the broker lists ACLs once the controller's record reached it
        if await apply_acls(admin, read_acls(DEFAULT_ACLS, PREFIX)) == []:
            return
        await asyncio.sleep(0.5)
    pytest.fail("applying the plan again still added ACLs")


async def test_the_notifications_principal_writes_its_own_topic_and_not_participants(guarded_kafka, planned):
    await write(guarded_kafka, NOTIFICATIONS, f"{PREFIX}notifications")
    with pytest.raises(TopicAuthorizationFailedError):
        await write(guarded_kafka, NOTIFICATIONS, f"{PREFIX}participants")


async def test_the_hr_principal_writes_its_inbound_topic_only_and_reads_nothing(guarded_kafka, planned):
    await write(guarded_kafka, HR, f"{PREFIX}inbound.participants")
    for topic in ("participants", "inbound.sessions", "feedback"):
        with pytest.raises(TopicAuthorizationFailedError):
            await write(guarded_kafka, HR, f"{PREFIX}{topic}")
    with pytest.raises((TopicAuthorizationFailedError, GroupAuthorizationFailedError)):
        await read(guarded_kafka, HR, f"{PREFIX}inbound.participants")
