"""Which participant a token is, by one rule every service and the portal share, so none needs a look-up.

The claim `FLIPSIDE_AUTH_PARTICIPANT_CLAIM` names (`sub` unless set; `email` or `employee_id`, say) holds the person's
identity. A UUID there is the participant id itself; any other value maps to a UUID derived from the claim's name and
its value, an e-mail address lower-cased first, so the same person always gets the same id and someone who signs in
for the first time can enrol themself under it.
"""

from __future__ import annotations

from uuid import UUID, uuid5

# Fixed for good: changing it would give every person mapped from a non-UUID value a new participant id.
PARTICIPANT_NAMESPACE = UUID("5d0c3f7e-6a0b-5e53-9a57-2f1ce0a1b0d4")


def participant_id_for(claim: str, value: str) -> UUID:
    """The participant id of the person whose claim `claim` holds `value`."""
    try:
        return UUID(value)
    except ValueError:
        pass
    # E-mail addresses are compared without regard to case by every issuer people sign in with.
    normalised = value.strip().lower() if "@" in value else value.strip()
    return uuid5(PARTICIPANT_NAMESPACE, f"{claim}:{normalised}")
