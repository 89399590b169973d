"""The survey and calendar-feed links notifications would send, made with the test session's signing secrets
(`dev_signing_secrets`, which the services under test get), for tests that open them as their owner would
(events no longer carry them)."""

from __future__ import annotations

from uuid import UUID

from flipside_shared.events import FeedbackRequested, FeedbackRequestedV1
from flipside_shared.personal_links import calendar_feed_url, survey_url

from .signing_secrets import dev_signing_secrets


def _secret(name: str, secrets: dict[str, str] | None) -> bytes:
    return (secrets or dev_signing_secrets())[name].encode()


def survey_link(
    feedback_url: str,
    request: FeedbackRequested | FeedbackRequestedV1,
    secrets: dict[str, str] | None = None,
) -> str:
    secret = _secret("FLIPSIDE_FEEDBACK_LINK_SECRET", secrets)
    return survey_url(feedback_url, request.request_id, request.expires_at, secret)


def calendar_feed_link(
    scheduling_url: str,
    participant_id: UUID,
    generation: int = 0,
    secrets: dict[str, str] | None = None,
) -> str:
    """The participant's feed address of `generation` (0 until they rotate it)."""
    return calendar_feed_url(
        scheduling_url, participant_id, generation, _secret("FLIPSIDE_SCHEDULING_FEED_SECRET", secrets)
    )
