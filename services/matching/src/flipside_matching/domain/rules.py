"""Hard rules: a pair that breaks one is never proposed, whatever its score."""

from __future__ import annotations

from .model import MatchPolicy, Participant


def violations(mentor: Participant, mentee: Participant, policy: MatchPolicy) -> list[str]:
    """Why `mentor` may not mentor `mentee`; empty when the pair is allowed."""
    m, e = mentor.profile, mentee.profile
    found: list[str] = []
    if mentor.participant_id == mentee.participant_id:
        found.append("same person")
    if m.program_id != e.program_id:
        found.append("different programs")
    if not (mentor.can_mentor() and mentee.can_be_mentored()):
        found.append("roles do not fit")
    if e.grade - m.grade < policy.min_grade_gap:
        found.append(f"mentor is not {policy.min_grade_gap} grade(s) below the mentee")
    if e.manager_id == mentor.participant_id or m.manager_id == mentee.participant_id:
        found.append("same reporting line")
    if mentee.participant_id in m.exclusions or mentor.participant_id in e.exclusions:
        found.append("excluded by one of them")
    if not set(m.languages) & set(e.languages):
        found.append("no shared language")
    if not (mentor.has_capacity and mentee.has_capacity):
        found.append("no capacity left")
    return found
