"""Calendar feed addresses: a participant's feed is reachable only through a token signed for them.

Calendar apps cannot log in, so the token is the credential. It does not expire (subscriptions
live for the program); changing the secret revokes every feed at once. Notifications makes the addresses it sends
(`flipside_shared.personal_links.calendar_feed_url`) with this service's secret.
"""

from __future__ import annotations

from uuid import UUID

from flipside_shared.signed_tokens import InvalidToken, unsign


def feed_owner(token: str, secret: bytes) -> UUID:
    """Whose feed the token opens, or InvalidToken."""
    payload = unsign(token, secret)
    if len(payload) != 16:
        raise InvalidToken("not a calendar feed token")
    return UUID(bytes=payload)
