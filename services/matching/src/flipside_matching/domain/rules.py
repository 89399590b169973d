"""Hard rules, one pair at a time, in words: for manual pairing and as the check of every engine result."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from uuid import UUID

from .availability import Availability, pattern_of
from .model import Participant, ProgramPolicy, spoken_languages
from .reporting import in_one_line

NO_CAPACITY_LEFT = "mentor has no capacity left"
ALREADY_MENTORED = "mentee already has a mentor"
CAPACITY_RULES = (NO_CAPACITY_LEFT, ALREADY_MENTORED)
"""Broken rules that not even an admin may override: they would overfill someone."""


def violations(
    mentor: Participant,
    mentee: Participant,
    policy: ProgramPolicy,
    above: Mapping[UUID, frozenset[UUID]],
    first_week: date,
) -> list[str]:
    """Why `mentor` may not mentor `mentee`; empty when the pair is allowed.

    `above` holds everyone's chain of managers (see `reporting.chains`).
    """
    m, e = mentor.profile, mentee.profile
    found: list[str] = []
    if mentor.participant_id == mentee.participant_id:
        found.append("same person")
    if m.program_id != e.program_id:
        found.append("different programs")
    if not (mentor.can_mentor() and mentee.can_be_mentored()):
        found.append("roles do not fit")
    gap = e.grade - m.grade if policy.direction == "reverse" else m.grade - e.grade
    if gap < policy.min_grade_gap:
        side = "below" if policy.direction == "reverse" else "above"
        found.append(f"mentor is not {policy.min_grade_gap} grade(s) {side} the mentee")
    if in_one_line(mentor.participant_id, mentee.participant_id, above):
        found.append("same reporting line")
    if mentee.participant_id in m.exclusions or mentor.participant_id in e.exclusions:
        found.append("excluded by one of them")
    if mentee.participant_id in mentor.partners or mentor.participant_id in mentee.partners:
        found.append("paired before")
    if not spoken_languages(m) & spoken_languages(e):
        found.append("no shared language")
    shared = weekly_overlap(mentor, mentee, policy, first_week)
    if shared < policy.min_overlap_minutes:
        found.append(f"{shared} min of shared working time in the worst week, {policy.min_overlap_minutes} needed")
    if mentor.can_mentor() and mentor.mentor_slots < 1:
        found.append(NO_CAPACITY_LEFT)
    if mentee.can_be_mentored() and not mentee.can_take_a_mentor:
        found.append(ALREADY_MENTORED)
    return found


def weekly_overlap(a: Participant, b: Participant, policy: ProgramPolicy, first_week: date) -> int:
    one, other = ([pattern_of(p.profile.time_zone, p.profile.working_hours)] for p in (a, b))
    return int(Availability(one, other, first_week, policy.length_weeks).overlap_minutes[0, 0])
