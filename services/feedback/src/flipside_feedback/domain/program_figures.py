"""What a program lead sees of their program: each figure, what it counts, and over whom.

Every figure is tabulated by `insights.tabulate`, so every cell is over distinct people and small
cells are withheld. Free text (comments, concerns) is not among the records: it never reaches here.

Figures of what people answered (ratings, goals achieved, self-assessments) cover closed periods only
(`closed_periods`). Figures of events the lead sees anyway are live: enrolment, proposals decided,
sessions held, and pairs at risk (the lead confirms their rematch).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal, TypeGuard
from uuid import UUID

from .closed_periods import Closing, published_until
from .insights import NOT_STATED, Figure, Measure, Observation, tabulate
from .survey import MIN_GROUP_SIZE, suppress_small_groups

PeriodUnit = Literal["week", "month"]
GROUP_DIMENSIONS = ("department", "grade_band")


@dataclass(frozen=True)
class Person:
    department: str | None
    grade_band: str | None


@dataclass(frozen=True)
class Enrolment:
    person: UUID
    role: str
    enrolled_at: datetime


@dataclass(frozen=True)
class Proposal:
    pair: UUID
    members: tuple[UUID, ...]
    """Its two people, as proposed (older records: known only once the pair exists)."""
    proposed_at: datetime
    outcome: str | None


@dataclass(frozen=True)
class Session:
    session: UUID
    members: tuple[UUID, ...]
    starts_at: datetime
    status: str


@dataclass(frozen=True)
class Rating:
    response: UUID
    respondent: UUID
    submitted_at: datetime
    session_value: float | None
    could_speak_freely: float | None
    partner_listened: float | None
    closes_at: datetime
    """When its link expires: from then on the answer can be neither given nor changed."""


@dataclass(frozen=True)
class CheckIn:
    """One request for feedback, answered or not, for the program's summary."""

    participant: UUID
    closes_at: datetime
    """When its link expires: from then on it can be neither answered nor changed."""
    answered: bool
    session_value: float | None
    could_speak_freely: float | None


@dataclass(frozen=True)
class Goal:
    goal: UUID
    owner: UUID
    set_at: datetime
    status: str
    achieved_at: datetime | None


@dataclass(frozen=True)
class PairHealth:
    pair: UUID
    members: tuple[UUID, ...]
    ended: bool
    status: str | None


@dataclass(frozen=True)
class SelfAssessment:
    person: UUID
    phase: str
    scores: Mapping[str, object]
    recorded_at: datetime


@dataclass(frozen=True)
class ProgramRecords:
    people: Mapping[UUID, Person]
    enrolments: Sequence[Enrolment]
    proposals: Sequence[Proposal]
    sessions: Sequence[Session]
    ratings: Sequence[Rating]
    goals: Sequence[Goal]
    pairs: Sequence[PairHealth]
    self_assessments: Sequence[SelfAssessment]


@dataclass(frozen=True)
class ProgramInsights:
    period: PeriodUnit
    as_of: datetime
    answers_up_to: datetime
    """The end of the last closed period: no figure of answers reaches past it."""
    figures: tuple[Figure, ...]
    min_group_size: int = MIN_GROUP_SIZE


def program_insights(
    records: ProgramRecords,
    period: PeriodUnit,
    as_of: datetime,
    closing: Closing = Closing(),
) -> ProgramInsights:
    places = _Places(records.people, period)
    over_time = (*GROUP_DIMENSIONS, period)
    figures = [
        *_enrolment(records.enrolments, places, over_time),
        tabulate(
            "match_acceptance",
            "Proposals accepted, of those decided",
            Measure.SHARE,
            places.observe_all(
                (p.pair, p.members, p.proposed_at, float(p.outcome == "accepted"))
                for p in records.proposals
                if p.outcome is not None
            ),
            over_time,
        ),
        tabulate(
            "sessions_held",
            "Sessions held, of those planned up to now",
            Measure.SHARE,
            places.observe_all(
                (s.session, s.members, s.starts_at, float(s.status == "held"))
                for s in records.sessions
                if s.starts_at <= as_of
            ),
            over_time,
        ),
        _rating_figure(
            "session_value",
            "How valuable sessions were (1-5)",
            [(r, r.session_value) for r in records.ratings if r.session_value is not None],
            places,
            over_time,
            closing,
            as_of,
        ),
        _rating_figure(
            "psychological_safety",
            "Could speak freely and was listened to (1-5)",
            [
                (r, (r.could_speak_freely + r.partner_listened) / 2)
                for r in records.ratings
                if r.could_speak_freely is not None and r.partner_listened is not None
            ],
            places,
            over_time,
            closing,
            as_of,
        ),
        _goal_completion(records.goals, places, over_time, closing, as_of),
        tabulate(
            "pairs_at_risk",
            "Active pairs at risk",
            Measure.SHARE,
            places.observe_all(
                (p.pair, p.members, None, float(p.status == "at_risk")) for p in records.pairs if not p.ended
            ),
            GROUP_DIMENSIONS,
        ),
        *_self_assessment_change(records.self_assessments, places, closing, as_of),
    ]
    return ProgramInsights(period, as_of, closing.start_of(as_of).astimezone(UTC), tuple(figures))


def check_in_summary(check_ins: Sequence[CheckIn], closing: Closing, as_of: datetime) -> dict[str, object]:
    """Requests, responses and mean ratings over the check-ins closed by the figures' end; all withheld under 5 respondents."""
    answered = [c for c in check_ins if c.answered]
    up_to = published_until(((c.closes_at, c.participant) for c in answered), closing, as_of)
    closed = [c for c in check_ins if up_to and c.closes_at < up_to]
    responses = [c for c in closed if c.answered]
    figures = {
        "requests": len(closed),
        "responses": len(responses),
        "mean_session_value": _mean(c.session_value for c in responses),
        "mean_could_speak_freely": _mean(c.could_speak_freely for c in responses),
    }
    shown = suppress_small_groups(len({c.participant for c in responses}), figures)
    return {"up_to": up_to.isoformat() if up_to else None, **shown}


def _mean(values: Iterable[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return round(sum(known) / len(known), 2) if known else None


def period_of(moment: datetime, unit: PeriodUnit) -> str:
    """ISO week ("2026-W05") or month ("2026-02"): labels that sort in time order."""
    if unit == "week":
        year, week, _ = moment.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{moment.year}-{moment.month:02d}"


_UNKNOWN = Person(department=None, grade_band=None)


class _Places:
    """Where each person's part of a record falls in the cuts."""

    def __init__(self, people: Mapping[UUID, Person], period: PeriodUnit) -> None:
        self._people = people
        self._period = period

    def observe_all(
        self, records: Iterable[tuple[UUID, tuple[UUID, ...], datetime | None, float]]
    ) -> list[Observation]:
        """One observation per member of each record; a record with no known member still counts, for no one."""
        return [
            Observation(record, person, self._groups(person, moment), value)
            for record, members, moment, value in records
            for person in (members or (None,))
        ]

    def _groups(self, person: UUID | None, moment: datetime | None) -> dict[str, str]:
        known = _UNKNOWN if person is None else self._people.get(person, _UNKNOWN)
        groups = {"department": known.department or NOT_STATED, "grade_band": known.grade_band or NOT_STATED}
        if moment is not None:
            groups[self._period] = period_of(moment, self._period)
        return groups


def _enrolment(enrolments: Sequence[Enrolment], places: _Places, dimensions: Sequence[str]) -> list[Figure]:
    return [
        tabulate(
            f"enrolled_{role}",
            f"Enrolled as {role}",
            Measure.COUNT,
            places.observe_all((e.person, (e.person,), e.enrolled_at, 1.0) for e in enrolments if e.role == role),
            dimensions,
        )
        for role in sorted({e.role for e in enrolments})
    ]


def _rating_figure(
    key: str,
    label: str,
    rated: list[tuple[Rating, float]],
    places: _Places,
    dimensions: Sequence[str],
    closing: Closing,
    as_of: datetime,
) -> Figure:
    up_to = published_until(((r.closes_at, r.respondent) for r, _ in rated), closing, as_of)
    final = [
        (r.response, (r.respondent,), r.submitted_at, value) for r, value in rated if up_to and r.closes_at < up_to
    ]
    return replace(
        tabulate(key, label, Measure.MEAN, places.observe_all(final), dimensions), of_answers=True, up_to=up_to
    )


def _goal_completion(
    goals: Sequence[Goal], places: _Places, dimensions: Sequence[str], closing: Closing, as_of: datetime
) -> Figure:
    """Goals set before the figures' end, achieved if they were achieved by then: a goal achieved since stays open here."""
    achieved_at = {g.goal: g.achieved_at or g.set_at for g in goals if g.status == "achieved"}
    moves = [(g.set_at, g.owner) for g in goals] + [
        (achieved_at[g.goal], g.owner) for g in goals if g.goal in achieved_at
    ]
    up_to = published_until(moves, closing, as_of)
    final = [
        (g.goal, (g.owner,), g.set_at, float(g.goal in achieved_at and achieved_at[g.goal] < up_to))
        for g in goals
        if up_to and g.set_at < up_to
    ]
    figure = tabulate(
        "goal_completion", "Goals achieved, of those set", Measure.SHARE, places.observe_all(final), dimensions
    )
    return replace(figure, of_answers=True, up_to=up_to)


def _self_assessment_change(
    assessments: Sequence[SelfAssessment],
    places: _Places,
    closing: Closing,
    as_of: datetime,
) -> list[Figure]:
    """Mean end minus baseline per dimension, over the people who answered that dimension at both."""
    up_to = published_until(((a.recorded_at, a.person) for a in assessments), closing, as_of)
    by_phase: dict[str, dict[UUID, Mapping[str, object]]] = {"baseline": {}, "end": {}}
    for assessment in assessments:
        if assessment.phase in by_phase and up_to and assessment.recorded_at < up_to:
            by_phase[assessment.phase][assessment.person] = assessment.scores
    changes: dict[str, list[tuple[UUID, tuple[UUID, ...], None, float]]] = {}
    for person, end in by_phase["end"].items():
        baseline = by_phase["baseline"].get(person, {})
        for dimension, score in end.items():
            if _is_score(score) and _is_score(before := baseline.get(dimension)):
                changes.setdefault(dimension, []).append((person, (person,), None, float(score) - float(before)))
    figures = [
        replace(
            tabulate(
                f"self_assessment_change:{dimension}",
                f"Self-assessed {dimension.replace('_', ' ')}: change from baseline to end",
                Measure.CHANGE,
                places.observe_all(changes[dimension]),
                GROUP_DIMENSIONS,
            ),
            of_answers=True,
            up_to=up_to,
        )
        for dimension in sorted(changes)
    ]
    # A dimension's name came from the people who answered it, so it is named only when they are enough.
    return [figure for figure in figures if not figure.program.suppressed]


def _is_score(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
