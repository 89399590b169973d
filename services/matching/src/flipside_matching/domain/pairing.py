"""Rolling matching: pair a newcomer with the best waiting counterpart, if any."""

from __future__ import annotations

from collections.abc import Iterable

from .model import MatchPolicy, PairCandidate, Participant
from .rules import violations
from .scoring import score


def best_partner(newcomer: Participant, waiting: Iterable[Participant], policy: MatchPolicy) -> PairCandidate | None:
    """The highest-scoring allowed pair; ties go to whoever has waited longest."""
    candidates: list[PairCandidate] = []
    for other in waiting:
        for mentor, mentee in ((newcomer, other), (other, newcomer)):
            if not violations(mentor, mentee, policy):
                total, reasons = score(mentor, mentee)
                candidates.append(PairCandidate(mentor, mentee, total, reasons))
    if not candidates:
        return None
    other_of = lambda c: c.mentee if c.mentor is newcomer else c.mentor  # noqa: E731
    return min(candidates, key=lambda c: (-c.score, other_of(c).enrolled_at, str(other_of(c).participant_id)))
