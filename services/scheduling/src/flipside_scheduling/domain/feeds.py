"""Calendar feed addresses: a participant's feed is reachable only through a token signed for them.

Calendar apps cannot log in, so the token is the credential. It does not expire (subscriptions
live for the program); it carries the participant's feed generation, so rotating their feed
(`POST /participants/{id}/calendar-feed/rotate`) revokes their old address alone, and changing the
secret revokes every feed at once. Notifications makes the addresses it sends
(`flipside_shared.personal_links.calendar_feed_url`) with this service's secret and the generation
the session events carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from flipside_shared.personal_links import CALENDAR_FEED as PURPOSE
from flipside_shared.personal_links import calendar_feed_token
from flipside_shared.signed_tokens import InvalidToken, unsign


@dataclass(frozen=True)
class FeedKey:
    """Whose feed a token opens, and which of their generations of feed address it is."""

    participant_id: UUID
    generation: int


def feed_token(key: FeedKey, secret: bytes) -> str:
    return calendar_feed_token(key.participant_id, key.generation, secret)


def feed_key(token: str, secret: bytes) -> FeedKey:
    """Whose feed the token opens, and of which generation, or InvalidToken."""
    payload = unsign(PURPOSE, token, secret)
    if len(payload) != 20:
        raise InvalidToken("not a calendar feed token")
    return FeedKey(UUID(bytes=payload[:16]), int.from_bytes(payload[16:], "big"))
