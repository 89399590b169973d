"""Which parts of a profile the person may change, and which belong to HR.

Who someone reports to, their grade, department and role decide the hard rules (never inside one
reporting line, reverse by grade), so a participant changing them could pick their own partner or
slip past a rule; they come from the HR system's events or an admin. The rest (skills, goals,
hours, languages, how they like to talk) is the person's own.
"""

from __future__ import annotations

from flipside_shared.events import ParticipantProfile

HR_OWNED_FIELDS = ("role", "grade", "tenure_months", "department", "manager_id", "reporting_chain", "exclusions")


def hr_owned_changes(current: ParticipantProfile, proposed: ParticipantProfile) -> list[str]:
    """The HR-owned fields `proposed` changes, in the order of `HR_OWNED_FIELDS`."""
    return [name for name in HR_OWNED_FIELDS if getattr(current, name) != getattr(proposed, name)]
