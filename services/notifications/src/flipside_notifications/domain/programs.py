"""What notifications keeps of a program and its pairs, and the meeting link an invitation carries."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from .endpoints import OutboundRules, checked_webhook_url

CONTACT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:flipside:notifications:program-contact")
PLACEHOLDER = re.compile(r"\{(pair_id|session_id)\}")
MOST_REASONS = 10
"""The reasons an unmatched summary lists; the rest are counted together."""


def contact_id(subject: str) -> UUID:
    """A lead's or sponsor's id as a recipient, the same for every program and event naming their subject."""
    return uuid5(CONTACT_NAMESPACE, subject)


@dataclass(frozen=True)
class Program:
    """A program as its latest lifecycle event described it."""

    program_id: str
    name: str
    meeting_url_template: str | None = None
    lead_ids: tuple[UUID, ...] = ()
    member_ids: tuple[UUID, ...] = ()
    """Who is enrolled in it and has not withdrawn: loaded only for the notice of its closing."""


@dataclass(frozen=True)
class PairMembers:
    """Who is in a pair or a proposal; `proposed_by` for a proposal."""

    mentor_id: UUID
    mentee_id: UUID
    proposed_by: UUID | None = None

    def partner_of(self, member: UUID) -> UUID:
        return self.mentee_id if member == self.mentor_id else self.mentor_id


def meeting_url(template: str | None, pair_id: UUID, session_id: UUID) -> str | None:
    """The program's meeting link for one session, or None when it has none or the link is one no one should be
    sent to: anything but https, credentials in it, a local host name or a non-public address. The link is only
    shown to people, never fetched, so its host name is not resolved."""
    if not template:
        return None
    url = PLACEHOLDER.sub(lambda found: str(pair_id if found[1] == "pair_id" else session_id), template)
    try:
        return checked_webhook_url(url, OutboundRules())
    except ValueError:
        return None


def reasons_tally(reasons_per_person: Iterable[list[str]]) -> list[tuple[str, int]]:
    """How many people each reason was given for, most first (a person with two reasons counts under both)."""
    counts = Counter(reason for reasons in reasons_per_person for reason in dict.fromkeys(reasons))
    return counts.most_common(MOST_REASONS)


ACTIVITIES = (
    "enrolled",
    "withdrawn",
    "paired",
    "unmatched",
    "sessions_booked",
    "scheduling_failed",
    "at_risk",
    "dissolved",
)
"""What a program's weekly digest counts, in the order it lists them."""


def week_of(moment: datetime) -> date:
    """The Monday (UTC) of the week `moment` falls in."""
    day = moment.astimezone(UTC).date()
    return day - timedelta(days=day.weekday())


def digest_id(program_id: str, week: date) -> UUID:
    """The id a program's digest of one week is owed under, the same on every replica and round."""
    return uuid5(CONTACT_NAMESPACE, f"weekly-digest:{program_id}:{week.isoformat()}")
