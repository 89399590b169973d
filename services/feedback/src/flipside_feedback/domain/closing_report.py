"""The closing report of a completed program: what changed for its people, what they did, how the pairs ended,
and who stayed.

Self-assessments are people's own answers: like the insights, the report shows them only for closed periods
(`closed_periods`), and each aggregate only over at least MIN_GROUP_SIZE people, so two reads around one
person's answer cannot be subtracted to give it back. Sessions, goals, pair health and retention count what
the lead sees as it happens anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from statistics import fmean
from typing import Any
from uuid import UUID

from .closed_periods import Closing, published_until
from .program_figures import SelfAssessment
from .survey import MIN_GROUP_SIZE

PHASES = ("baseline", "end")
HEALTH_STATUSES = ("healthy", "watch", "at_risk")


@dataclass(frozen=True)
class ProgramFacts:
    name: str
    status: str
    starts_on: date | None
    ends_on: date | None
    completed_at: datetime | None
    leads: Sequence[str]
    """Display names, as the program's lifecycle events give them."""
    sponsors: Sequence[str]


@dataclass(frozen=True)
class ClosedPair:
    members: tuple[UUID, ...]
    end_reason: str | None
    """None while together; `program_completed` for the graduates; otherwise why it was dissolved."""
    health_status: str | None


@dataclass(frozen=True)
class ClosingRecords:
    program: ProgramFacts
    pairs: Sequence[ClosedPair]
    withdrawn: Mapping[UUID, datetime]
    """Who withdrew from the program, and when."""
    self_assessments: Sequence[SelfAssessment]
    sessions_held: int
    goals_set: int
    goals_achieved: int


def closing_report(records: ClosingRecords, closing: Closing, as_of: datetime) -> dict[str, Any]:
    program = records.program
    return {
        "program": {
            "name": program.name,
            "status": program.status,
            "starts_on": program.starts_on,
            "ends_on": program.ends_on,
            "completed_at": program.completed_at,
            "leads": list(program.leads),
            "sponsors": list(program.sponsors),
        },
        "min_group_size": MIN_GROUP_SIZE,
        "self_assessments": _self_assessments(records.self_assessments, closing, as_of),
        "sessions_held": records.sessions_held,
        "goals": {"set": records.goals_set, "achieved": records.goals_achieved},
        "pairs": _pairs(records.pairs),
        "retention": _retention(records.pairs, records.withdrawn, program.completed_at),
    }


def _self_assessments(assessments: Sequence[SelfAssessment], closing: Closing, as_of: datetime) -> dict[str, Any]:
    """Per dimension: the mean before and after, and the mean change of those who gave both; fewer people, withheld."""
    up_to = published_until(((a.recorded_at, a.person) for a in assessments), closing, as_of)
    scores: dict[str, dict[str, dict[UUID, float]]] = {phase: {} for phase in PHASES}
    for assessment in assessments:
        if assessment.phase not in scores or up_to is None or assessment.recorded_at >= up_to:
            continue
        for dimension, score in assessment.scores.items():
            if isinstance(score, int | float) and not isinstance(score, bool):
                scores[assessment.phase].setdefault(dimension, {})[assessment.person] = float(score)
    before, after = scores["baseline"], scores["end"]
    dimensions = {}
    for dimension in sorted(before.keys() | after.keys()):
        baseline, end = before.get(dimension, {}), after.get(dimension, {})
        both = baseline.keys() & end.keys()
        dimensions[dimension] = {
            "before": _mean_of_enough(list(baseline.values())),
            "after": _mean_of_enough(list(end.values())),
            "change": _mean_of_enough([end[person] - baseline[person] for person in both]),
        }
    # A dimension's name came from the people who answered it: named only where something about it is shown.
    shown = {name: figures for name, figures in dimensions.items() if any(figures.values())}
    return {"up_to": up_to, "dimensions": shown}


def _mean_of_enough(values: list[float]) -> dict[str, float | int] | None:
    if len(values) < MIN_GROUP_SIZE:
        return None
    return {"mean": round(fmean(values), 2), "people": len(values)}


def _pairs(pairs: Sequence[ClosedPair]) -> dict[str, Any]:
    completed = [pair for pair in pairs if pair.end_reason == "program_completed"]
    health = {status: sum(pair.health_status == status for pair in completed) for status in HEALTH_STATUSES}
    return {
        "completed": len(completed),
        "dissolved_before_the_end": sum(
            pair.end_reason is not None and pair.end_reason != "program_completed" for pair in pairs
        ),
        "health_at_the_end": {**health, "not_judged": sum(pair.health_status is None for pair in completed)},
        "graduates": len({member for pair in completed for member in pair.members}),
    }


def _retention(
    pairs: Sequence[ClosedPair], withdrawn: Mapping[UUID, datetime], completed_at: datetime | None
) -> dict[str, int]:
    """Of everyone who was in a pair of the program: who withdrew before it completed, and of them who left the
    company (their pair was dissolved for it: a withdrawal carries no reason of its own); the rest stayed."""
    participants = {member for pair in pairs for member in pair.members}
    left = {
        person
        for person, at in withdrawn.items()
        if person in participants and (completed_at is None or at <= completed_at)
    }
    left_company = {
        person for pair in pairs if pair.end_reason == "left_company" for person in pair.members if person in left
    }
    return {
        "participants": len(participants),
        "stayed": len(participants - left),
        "left_the_company": len(left_company),
        "withdrew_otherwise": len(left - left_company),
        "pairs_dissolved_as_someone_left_the_company": sum(pair.end_reason == "left_company" for pair in pairs),
    }
