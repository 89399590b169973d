"""Calendar feed addresses: a participant's feed is reachable only through a token signed for them.

Calendar apps cannot log in, so the token is the credential. It does not expire (subscriptions
live for the program); changing the secret revokes every feed at once.
"""

from __future__ import annotations

from uuid import UUID

from flipside_shared.signed_tokens import InvalidToken, sign, unsign


def feed_token(participant_id: UUID, secret: bytes) -> str:
    return sign(participant_id.bytes, secret)


def feed_owner(token: str, secret: bytes) -> UUID:
    """Whose feed the token opens, or InvalidToken."""
    payload = unsign(token, secret)
    if len(payload) != 16:
        raise InvalidToken("not a calendar feed token")
    return UUID(bytes=payload)
