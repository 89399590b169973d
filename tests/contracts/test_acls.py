"""deploy/acls.toml grants each principal what the code says it needs, on topics deploy/topics.toml makes."""

import tomllib

from flipside_operations.acl_plan import needed, planned
from flipside_operations.topic_plan import DEFAULT_PLAN


def test_the_committed_acls_match_what_the_code_reads_and_writes():
    assert planned() == needed(), "run `python -m flipside_operations.acl_plan write`"


def test_outside_systems_write_only_inbound_topics_and_every_granted_topic_is_planned():
    plan = needed()
    assert plan["hr"] == {"read": [], "write": ["inbound.participants"], "groups": []}
    # Notifications publishes its own stream, and its part of a person's export like every service that holds data.
    assert plan["notifications"]["write"] == ["exports", "notifications", "notifications.dead-letter"]
    topics = set(tomllib.loads(DEFAULT_PLAN.read_text())["topics"])
    assert {t for grant in plan.values() for t in grant["read"] + grant["write"]} <= topics
