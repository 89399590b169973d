"""Unsubscribe links: whoever holds one can mute one kind of message for one participant, without logging in.

Mail clients and the person's own click use the same link. It does not expire, so an old
e-mail still lets someone stop the next one; changing the secret revokes every link.
"""

from __future__ import annotations

from uuid import UUID

from flipside_shared.signed_tokens import InvalidToken, sign, unsign

from .preferences import LINK_KINDS


def unsubscribe_token(participant_id: UUID, kind: str, secret: bytes) -> str:
    return sign(participant_id.bytes + kind.encode(), secret)


def unsubscribe_target(token: str, secret: bytes) -> tuple[UUID, str]:
    """Whom and which kind the token mutes, or InvalidToken."""
    payload = unsign(token, secret)
    participant, kind = payload[:16], payload[16:].decode(errors="replace")
    if len(participant) != 16 or kind not in LINK_KINDS:
        raise InvalidToken("not an unsubscribe token")
    return UUID(bytes=participant), kind
