"""A simple, explained score: what each side can teach the other.

Placeholder weights until the full matching engine: one point per mentor
skill that meets a mentee goal, one per mentee skill that meets a mentor goal
(mutual learning), and a bonus for crossing departments.
"""

from __future__ import annotations

from .model import Participant

CROSS_DEPARTMENT_BONUS = 0.5


def score(mentor: Participant, mentee: Participant) -> tuple[float, tuple[str, ...]]:
    m, e = mentor.profile, mentee.profile
    teaches_up = _overlap([s.name for s in m.skills], [g.name for g in e.goals])
    teaches_down = _overlap([s.name for s in e.skills], [g.name for g in m.goals])
    reasons = [f"reverse: mentor grade {m.grade} < mentee grade {e.grade}"]
    reasons += [f"mentor teaches {topic}" for topic in teaches_up]
    reasons += [f"mentee teaches {topic}" for topic in teaches_down]
    total = float(len(teaches_up) + len(teaches_down))
    if m.department != e.department:
        total += CROSS_DEPARTMENT_BONUS
        reasons.append("crosses departments")
    return total, tuple(reasons)


def _overlap(offered: list[str], wanted: list[str]) -> list[str]:
    wanted_keys = {topic.casefold() for topic in wanted}
    return sorted({topic for topic in offered if topic.casefold() in wanted_keys})
