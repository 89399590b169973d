"""The survey and calendar-feed links notifications would send, made with the services' development secrets,
for tests that open them as their owner would (events no longer carry them)."""

from __future__ import annotations

from uuid import UUID

from ..events import FeedbackRequested, FeedbackRequestedV1
from ..personal_links import calendar_feed_url, survey_url

DEVELOPMENT_SURVEY_LINK_SECRET = b"development-only-survey-link-secret"
DEVELOPMENT_CALENDAR_FEED_SECRET = b"development-only-calendar-feed-secret"


def survey_link(feedback_url: str, request: FeedbackRequested | FeedbackRequestedV1) -> str:
    return survey_url(feedback_url, request.request_id, request.expires_at, DEVELOPMENT_SURVEY_LINK_SECRET)


def calendar_feed_link(scheduling_url: str, participant_id: UUID) -> str:
    return calendar_feed_url(scheduling_url, participant_id, DEVELOPMENT_CALENDAR_FEED_SECRET)
