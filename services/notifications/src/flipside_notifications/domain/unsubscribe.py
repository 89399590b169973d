"""Unsubscribe links: whoever holds one can mute one kind of message for one participant, without logging in.

Mail clients and the person's own click use the same link. It does not expire, so an old
e-mail still lets someone stop the next one; it carries the person's link generation, so
rotating their links (`POST /participants/{id}/unsubscribe-links/rotate`) revokes their old ones
alone, and changing the secret revokes every link.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from flipside_shared.signed_tokens import InvalidToken, sign, unsign

from .preferences import LINK_KINDS

PURPOSE = "unsubscribe"


@dataclass(frozen=True)
class UnsubscribeTarget:
    """Whom and which kind a link mutes, and which of the person's generations of links it belongs to."""

    participant_id: UUID
    kind: str
    generation: int


def unsubscribe_token(target: UnsubscribeTarget, secret: bytes) -> str:
    return sign(
        PURPOSE, target.participant_id.bytes + target.generation.to_bytes(4, "big") + target.kind.encode(), secret
    )


def unsubscribe_target(token: str, secret: bytes) -> UnsubscribeTarget:
    """Whom and which kind the token mutes, or InvalidToken."""
    payload = unsign(PURPOSE, token, secret)
    participant, generation, kind = payload[:16], payload[16:20], payload[20:].decode(errors="replace")
    if len(generation) != 4 or kind not in LINK_KINDS:
        raise InvalidToken("not an unsubscribe token")
    return UnsubscribeTarget(UUID(bytes=participant), kind, int.from_bytes(generation, "big"))
