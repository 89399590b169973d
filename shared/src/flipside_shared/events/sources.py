"""Who may emit each event: the `ce_source` values Flipside accepts, and on which topic.

A service's events carry `/flipside/<service>` (its unit of work sets it) and travel on their
stream's topic. Systems outside Flipside publish on the stream's inbound topic,
`<prefix>inbound.<stream>`, under a source of their kind, so topic ACLs can keep them off the
services' own topics.
"""

from __future__ import annotations

INBOUND = "urn:flipside:inbound:"

HR = f"{INBOUND}hr"
"""An HR system: enrolments, profile changes, withdrawals and erasures."""
OPERATOR = f"{INBOUND}operator"
"""The `flipside` operator command (`flipside erase`, `flipside seed-demo`)."""
SURVEY_TOOL = f"{INBOUND}survey-tool"
"""An enterprise survey tool: answers to check-in surveys."""
CALENDAR = f"{INBOUND}calendar"
"""A calendar or intranet system: a participant's request to move or cancel one session."""


def service_source(service: str) -> str:
    return f"/flipside/{service}"


MATCHING = service_source("matching")
SCHEDULING = service_source("scheduling")
FEEDBACK = service_source("feedback")
NOTIFICATIONS = service_source("notifications")
