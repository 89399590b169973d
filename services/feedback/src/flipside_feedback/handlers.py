"""What feedback does with each event and request: the `FeedbackLoop` holds the process; Kafka handlers
and HTTP routes both call it inside one unit of work.

Each change about a pair takes that pair's lock first, so its health is judged on a consistent
picture and a status change is announced once, however many replicas run.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any, TypeAlias
from uuid import UUID, uuid4

from asyncpg import Record

from flipside_shared.clock import Clock
from flipside_shared.consumer import EventHandlers, RejectedEvent
from flipside_shared.events import (
    CheckInDue,
    FeedbackRequested,
    FeedbackSubmitted,
    GoalAchieved,
    GoalProgressed,
    GoalSet,
    PairAccepted,
    PairAtRisk,
    PairCompleted,
    PairCreated,
    PairDeclined,
    PairDissolved,
    PairHealthChanged,
    PairProposed,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUpdated,
    ParticipantWithdrawn,
    ProgramCancelled,
    ProgramCompleted,
    ProgramDefined,
    ProgramEnrolmentClosed,
    ProgramOpened,
    ProgramStarted,
    RecognitionAwarded,
    SessionCancelled,
    SessionRescheduled,
    SessionRescheduledV1,
    SessionScheduled,
    SessionScheduledV1,
)
from flipside_shared.events.feedback import GoalCategory, Milestone, Role
from flipside_shared.unit_of_work import UnitOfWork

from .domain.closing import PROGRAM_COMPLETED, asks_closing_self_assessment, closing_of, takes_check_ins
from .domain.goals import GoalRefused, owner_role, progress
from .domain.health import Judgement, judge
from .domain.milestones import session_milestones
from .domain.population import grade_band
from .domain.questionnaire import InvalidAnswers, checked_answers, free_text_ids
from .domain.self_assessment import check_may_change, checked_scores
from .domain.submissions import AskedRequest, SubmissionRefused, outcome
from .repository import FeedbackRepository
from .settings import FeedbackSettings

FeedbackUnit: TypeAlias = UnitOfWork[FeedbackRepository]
"""A unit of work on feedback's schema: what every handler and `FeedbackLoop` use-case runs in."""

ProgramLifecycle: TypeAlias = (
    ProgramDefined | ProgramOpened | ProgramEnrolmentClosed | ProgramStarted | ProgramCompleted | ProgramCancelled
)


class UnknownRequest(LookupError):
    pass


class FeedbackLoop:
    def __init__(self, settings: FeedbackSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._link_secret = settings.link_secret.get_secret_value().encode()
        self._contributor_key = settings.concern_contributor_key.get_secret_value().encode()

    def contributor_hash(self, participant_id: UUID) -> bytes:
        """Counts distinct people behind concerns, and finds theirs on erasure, without naming anyone."""
        return hmac.new(self._contributor_key, b"concern:" + participant_id.bytes, hashlib.sha256).digest()

    async def ask(self, uow: FeedbackUnit, check_ins: list[CheckInDue]) -> None:
        """Ask both people of each check-in, each with a link of their own, once per session; the session counts as
        held. The check-ins are taken in rounds holding each pair once, a statement per table for a round, so a
        pair's second check-in sees its first exactly as it would one at a time."""
        for round_ in _rounds_by_pair(check_ins):
            await self._ask_round(uow, round_)

    async def _ask_round(self, uow: FeedbackUnit, check_ins: list[CheckInDue]) -> None:
        repository = uow.repository
        pair_ids = [check_in.pair_id for check_in in check_ins]
        await repository.lock_pairs(pair_ids)
        pairs = await repository.pairs(pair_ids)
        asked = [c for c in check_ins if c.pair_id not in pairs or takes_check_ins(pairs[c.pair_id]["end_reason"])]
        if not asked:
            return
        now = self._clock.now()
        expires_at = now + timedelta(days=self._settings.link_valid_days)
        versions = await repository.latest_questionnaire_versions(sorted({c.program_id for c in asked}))
        requests = [
            (uuid4(), c.session_id, c.pair_id, c.program_id, participant_id, role, expires_at, versions[c.program_id])
            for c in asked
            for role, participant_id in _people_of(c)
        ]
        added = await repository.add_requests(requests)
        by_session = {c.session_id: c for c in asked}
        for request_id, session_id, pair_id, _, participant_id, role, _, _ in requests:
            if (session_id, participant_id) in added:
                uow.caused_by(by_session[session_id]).emit(
                    FeedbackRequested(
                        request_id=request_id,
                        pair_id=pair_id,
                        session_id=session_id,
                        participant_id=participant_id,
                        role=role,
                        expires_at=expires_at,
                    )
                )
        held_before = await repository.held_kinds_of(pair_ids)
        await repository.mark_sessions_held(
            [
                (
                    c.session_id,
                    c.pair_id,
                    c.program_id,
                    "check_in" if held_before.get(c.pair_id) else "kickoff",
                    c.session_started_at,
                )
                for c in asked
            ]
        )
        # Milestones and health belong to pairs known here; a pair only scheduling has told us of has none yet.
        known = [c for c in asked if c.pair_id in pairs]
        if not known:
            return
        held = await repository.held_kinds_of([c.pair_id for c in known])
        reached = {c.pair_id: session_milestones(held.get(c.pair_id, [])) for c in known}
        awarded = await repository.award_many(
            [(pair_id, milestone, None) for pair_id, milestones in reached.items() for milestone in milestones], now
        )
        # An ended pair keeps the health it ended with. Nothing this round did to one pair changes another's
        # signals, so all of them are read, judged and recorded together.
        judged = [c.pair_id for c in known if pairs[c.pair_id]["ended_at"] is None]
        signals = await repository.signals_of(judged, now)
        judgements = {pair_id: judge(signals[pair_id]) for pair_id in judged}
        if judgements:
            await repository.record_health_of(
                [(pair_id, j.score, j.status, j.reasons) for pair_id, j in judgements.items()], now
            )
        for check_in in known:
            cause, pair = uow.caused_by(check_in), pairs[check_in.pair_id]
            for milestone in reached[check_in.pair_id]:
                if (recognition_id := awarded.get((check_in.pair_id, milestone, None))) is not None:
                    _announce_recognition(cause, pair, recognition_id, milestone, None, now)
            if check_in.pair_id in judgements:
                _announce_health(cause, pair, judgements[check_in.pair_id], now)

    async def pair_created(self, uow: FeedbackUnit, pair: PairCreated) -> None:
        repository = uow.repository
        await repository.lock_pair(pair.pair_id)
        await repository.save_pair(
            pair.pair_id, pair.program_id, pair.mentor.participant_id, pair.mentee.participant_id, pair.matched_at
        )
        # Pairs and sessions are different topics: a check-in can be handled before its pair is known here
        # (a restart, a lagging consumer). What the check-in skipped for an unknown pair happens now.
        if held := await repository.held_kinds(pair.pair_id):
            now = self._clock.now()
            for milestone in session_milestones(held):
                await self.recognise(uow, pair.pair_id, milestone, None, now)
            await self.rejudge(uow, pair.pair_id, now)

    async def pair_completed(self, uow: FeedbackUnit, completed: PairCompleted) -> None:
        """The pair ended with its program: it takes no more check-ins. If the program completed, both sides are
        asked for their closing self-assessment (once per person and program), and the pair graduates as soon as
        the program's own completion is here too (the two arrive on different topics, in either order)."""
        repository = uow.repository
        await repository.lock_program(completed.program_id)
        await repository.lock_pair(completed.pair_id)
        await repository.save_pair(
            completed.pair_id, completed.program_id, completed.mentor_id, completed.mentee_id, completed.completed_at
        )
        await repository.end_pair(completed.pair_id, completed.reason, completed.completed_at)
        pair = await repository.pair(completed.pair_id)
        if pair is None or not asks_closing_self_assessment(pair["end_reason"]):
            return  # cancelled with its program, or dissolved before: no closing self-assessment, no graduation
        now = self._clock.now()
        expires_at = now + timedelta(days=self._settings.link_valid_days)
        people: tuple[tuple[Role, UUID], ...] = (("mentor", pair["mentor_id"]), ("mentee", pair["mentee_id"]))
        for role, participant_id in people:
            request_id = uuid4()
            if await repository.add_closing_request(
                request_id, completed.program_id, participant_id, completed.pair_id, role, expires_at
            ):
                uow.emit(
                    FeedbackRequested(
                        request_id=request_id,
                        pair_id=completed.pair_id,
                        session_id=closing_of(completed.pair_id),
                        participant_id=participant_id,
                        role=role,
                        expires_at=expires_at,
                        kind="closing_self_assessment",
                    )
                )
        if await repository.program_status(completed.program_id) == "completed":
            await self.recognise(uow, completed.pair_id, "program_completed", None, now)

    async def answer_closing_self_assessment(
        self, uow: FeedbackUnit, request_id: UUID, answers: dict[str, Any], now: datetime
    ) -> dict[str, int]:
        """The end self-assessment, given through the closing request's link until it expires; refusals change nothing."""
        repository = uow.repository
        asked = await repository.closing_request(request_id)
        if asked is None:
            raise UnknownRequest("no such feedback request")
        if now >= asked["expires_at"]:
            raise SubmissionRefused(
                f"this self-assessment closed at {asked['expires_at'].isoformat()}; late answers are not recorded",
                "expired",
            )
        scores = checked_scores(answers)
        participant_id, program_id = asked["participant_id"], asked["program_id"]
        saved_at = await repository.self_assessment_saved_at(participant_id, program_id, "end")
        check_may_change("end", saved_at, self._settings.insights_closing(), now)
        await repository.save_self_assessment(participant_id, program_id, "end", scores)
        return scores

    async def program_changed(self, uow: FeedbackUnit, changed: ProgramLifecycle) -> None:
        """Keep the program as matching describes it; once it completed, recognise the graduates of its pairs
        completed so far (those completed later are recognised as their `PairCompleted` arrives)."""
        repository = uow.repository
        await repository.lock_program(changed.program_id)
        await repository.save_program(changed.program_id, changed.status, changed.program, changed.occurred_at)
        if await repository.program_status(changed.program_id) != "completed":
            return
        now = self._clock.now()
        for pair_id in await repository.pairs_ended_by(changed.program_id, PROGRAM_COMPLETED):
            await self.recognise(uow, pair_id, "program_completed", None, now)

    async def session_cancelled(self, uow: FeedbackUnit, cancelled: SessionCancelled) -> None:
        repository = uow.repository
        await repository.lock_pair(cancelled.pair_id)
        await repository.mark_session(
            cancelled.session_id,
            cancelled.pair_id,
            cancelled.program_id,
            "cancelled",
            cancelled.kind,
            cancelled.starts_at,
        )
        await self.rejudge(uow, cancelled.pair_id, self._clock.now())

    async def record_answers(
        self,
        uow: FeedbackUnit,
        request_id: UUID,
        participant_id: UUID,
        pair_id: UUID,
        answers: dict[str, Any],
        goal_progress: dict[UUID, int],
        source: str,
        now: datetime,
    ) -> tuple[str, int]:
        """(recorded / replaced / duplicate, revision); refusals raise and change nothing."""
        repository = uow.repository
        await repository.lock_pair(pair_id)
        row = await repository.request(request_id)
        if row is None:
            raise UnknownRequest("no such check-in request")
        questionnaire = await repository.questionnaire(row["program_id"], row["questionnaire_version"])
        if questionnaire is None:
            raise UnknownRequest("the check-in request's questionnaire is not stored")
        checked = checked_answers(questionnaire, answers)
        asked = AskedRequest(
            row["request_id"], row["pair_id"], row["participant_id"], row["expires_at"], row["answers"]
        )
        result = outcome(asked, participant_id, pair_id, checked, now)
        for goal_id, percent in goal_progress.items():
            await self.move_goal(uow, goal_id, participant_id, percent, now)
        if result == "duplicate":
            return result, row["revision"]
        revision = await repository.save_answers(request_id, checked, row["questionnaire_version"], source)
        await self.rejudge(uow, pair_id, now)
        return result, revision

    async def set_goal(
        self,
        uow: FeedbackUnit,
        pair_id: UUID,
        owner_id: UUID,
        category: GoalCategory,
        title: str,
        now: datetime,
        goal_id: UUID | None = None,
        announce: bool = True,
    ) -> UUID:
        repository = uow.repository
        await repository.lock_pair(pair_id)
        if goal_id is not None and await repository.goal(goal_id) is not None:
            return goal_id  # our own announcement coming back, or a survey tool's redelivery
        members, pair = await repository.pair_members(pair_id), await repository.pair(pair_id)
        if members is None or pair is None:
            raise LookupError("no such pair")
        role = owner_role(members, owner_id)
        goal_id = goal_id or uuid4()
        if (
            await repository.add_goal(goal_id, pair_id, pair["program_id"], owner_id, role, category, title, now)
            and announce
        ):
            uow.emit(
                GoalSet(
                    goal_id=goal_id,
                    pair_id=pair_id,
                    program_id=pair["program_id"],
                    owner_id=owner_id,
                    owner_role=role,
                    category=category,
                    title=title,
                    set_at=now,
                )
            )
        return goal_id

    async def move_goal(
        self, uow: FeedbackUnit, goal_id: UUID, requested_by: UUID, percent: int, now: datetime
    ) -> None:
        repository = uow.repository
        goal = await repository.goal(goal_id)
        if goal is None:
            raise GoalRefused("no such goal")
        if goal["progress_percent"] == percent and goal["status"] == "open":
            return
        new_percent, achieved = progress(goal["status"], goal["owner_id"], requested_by, percent)
        await repository.move_goal(goal_id, new_percent, now if achieved else None)
        uow.emit(
            GoalProgressed(
                goal_id=goal_id,
                pair_id=goal["pair_id"],
                owner_id=goal["owner_id"],
                progress_percent=new_percent,
                updated_at=now,
            )
        )
        if achieved:
            uow.emit(
                GoalAchieved(
                    goal_id=goal_id,
                    pair_id=goal["pair_id"],
                    program_id=goal["program_id"],
                    owner_id=goal["owner_id"],
                    owner_role=goal["owner_role"],
                    category=goal["category"],
                    achieved_at=now,
                )
            )
            await self.recognise(uow, goal["pair_id"], "goal_achieved", goal_id, now)

    async def recognise(
        self, uow: FeedbackUnit, pair_id: UUID, milestone: Milestone, goal_id: UUID | None, now: datetime
    ) -> None:
        repository = uow.repository
        pair = await repository.pair(pair_id)
        if pair is None:
            return  # a pair only scheduling has told us of yet: its milestones count once its PairCreated is here
        if (recognition_id := await repository.award(pair_id, milestone, goal_id, now)) is not None:
            _announce_recognition(uow, pair, recognition_id, milestone, goal_id, now)

    async def rejudge(self, uow: FeedbackUnit, pair_id: UUID, now: datetime) -> None:
        """Judge the pair's health anew; announce a change of status or reasons, and a pair newly at risk."""
        repository = uow.repository
        pair = await repository.pair(pair_id)
        if pair is None or pair["ended_at"] is not None:
            return
        judgement = judge(await repository.signals(pair_id, now))
        _announce_health(uow, pair, judgement, now)
        await repository.record_health(pair_id, judgement.score, judgement.status, judgement.reasons, now)

    async def erase(self, uow: FeedbackUnit, participant_id: UUID, now: datetime) -> None:
        repository = uow.repository
        text_ids = sorted(
            {i for questionnaire in await repository.every_questionnaire() for i in free_text_ids(questionnaire)}
        )
        await repository.erase(participant_id, [self.contributor_hash(participant_id)], text_ids, now)


def _announce_recognition(
    uow: FeedbackUnit, pair: Record, recognition_id: UUID, milestone: Milestone, goal_id: UUID | None, now: datetime
) -> None:
    uow.emit(
        RecognitionAwarded(
            recognition_id=recognition_id,
            pair_id=pair["pair_id"],
            program_id=pair["program_id"],
            participant_ids=[pair["mentor_id"], pair["mentee_id"]],
            milestone=milestone,
            goal_id=goal_id,
            awarded_at=now,
        )
    )


def _announce_health(uow: FeedbackUnit, pair: Record, judgement: Judgement, now: datetime) -> None:
    """Announce a change of the pair's status or reasons from those `pair` holds (read before the judgement is
    recorded), and a pair newly at risk."""
    previous = pair["health_status"]
    if judgement.status == previous and judgement.reasons == pair["health_reasons"]:
        return
    uow.emit(
        PairHealthChanged(
            pair_id=pair["pair_id"],
            program_id=pair["program_id"],
            score=judgement.score,
            status=judgement.status,
            previous_status=previous,
            reasons=judgement.reasons,
            computed_at=now,
        )
    )
    if judgement.status == "at_risk" and previous != "at_risk":
        uow.emit(
            PairAtRisk(
                pair_id=pair["pair_id"],
                program_id=pair["program_id"],
                mentor_id=pair["mentor_id"],
                mentee_id=pair["mentee_id"],
                score=judgement.score,
                reasons=judgement.reasons,
                detected_at=now,
            )
        )


def _people_of(check_in: CheckInDue) -> tuple[tuple[Role, UUID], ...]:
    return (("mentor", check_in.mentor_id), ("mentee", check_in.mentee_id))


def _rounds_by_pair(check_ins: list[CheckInDue]) -> list[list[CheckInDue]]:
    """The check-ins in rounds, in their order: each pair's first in the first round, its second in the second..."""
    rounds: list[list[CheckInDue]] = []
    seen: dict[UUID, int] = {}
    for check_in in check_ins:
        index = seen[check_in.pair_id] = seen.get(check_in.pair_id, -1) + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(check_in)
    return rounds


def build_handlers(loop: FeedbackLoop, clock: Clock) -> EventHandlers[FeedbackRepository]:
    handlers = EventHandlers[FeedbackRepository]()

    @handlers.handles_many(ParticipantEnrolled)
    async def participants_enrolled(uow: FeedbackUnit, events: list[ParticipantEnrolled]) -> None:
        await uow.repository.save_participants(
            [
                (
                    e.participant_id,
                    e.profile.program_id,
                    e.profile.role,
                    e.profile.department,
                    grade_band(e.profile.grade),
                )
                for e in events
            ],
            clock.now(),
        )

    @handlers.handles(ParticipantUpdated)
    async def participant_updated(uow: FeedbackUnit, event: ParticipantUpdated) -> None:
        profile = event.profile
        await uow.repository.update_participant(
            event.participant_id, profile.role, profile.department, grade_band(profile.grade)
        )

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: FeedbackUnit, event: ParticipantErased) -> None:
        await loop.erase(uow, event.participant_id, event.erased_at)

    @handlers.handles(ParticipantWithdrawn)
    async def participant_withdrawn(uow: FeedbackUnit, event: ParticipantWithdrawn) -> None:
        await uow.repository.save_withdrawal(event.participant_id, event.program_id, event.withdrawn_at)

    async def program_changed(uow: FeedbackUnit, event: ProgramLifecycle) -> None:
        await loop.program_changed(uow, event)

    # One registration per lifecycle event (a handler of the union accepts each), in the order they happen.
    handlers.handles(ProgramDefined)(program_changed)
    handlers.handles(ProgramOpened)(program_changed)
    handlers.handles(ProgramEnrolmentClosed)(program_changed)
    handlers.handles(ProgramStarted)(program_changed)
    handlers.handles(ProgramCompleted)(program_changed)
    handlers.handles(ProgramCancelled)(program_changed)

    @handlers.handles(PairProposed)
    async def pair_proposed(uow: FeedbackUnit, event: PairProposed) -> None:
        await uow.repository.save_proposal(
            event.pair_id, event.program_id, event.mentor_id, event.mentee_id, clock.now()
        )

    @handlers.handles(PairAccepted)
    async def pair_accepted(uow: FeedbackUnit, event: PairAccepted) -> None:
        await uow.repository.decide_proposal(event.pair_id, "accepted")

    @handlers.handles(PairDeclined)
    async def pair_declined(uow: FeedbackUnit, event: PairDeclined) -> None:
        await uow.repository.decide_proposal(event.pair_id, "declined")

    @handlers.handles(PairCreated)
    async def pair_created(uow: FeedbackUnit, event: PairCreated) -> None:
        await loop.pair_created(uow, event)

    @handlers.handles(PairCompleted)
    async def pair_completed(uow: FeedbackUnit, event: PairCompleted) -> None:
        await loop.pair_completed(uow, event)

    @handlers.handles(PairDissolved)
    async def pair_dissolved(uow: FeedbackUnit, event: PairDissolved) -> None:
        await uow.repository.end_pair(event.pair_id, event.reason, event.dissolved_at)

    async def session_booked(
        uow: FeedbackUnit,
        event: SessionScheduled | SessionScheduledV1 | SessionRescheduled | SessionRescheduledV1,
    ) -> None:
        await uow.repository.save_session(
            event.session_id, event.pair_id, event.program_id, event.kind, event.starts_at
        )

    # One registration per version (a handler of the union accepts each), in the order the AsyncAPI document lists them.
    handlers.handles(SessionScheduledV1)(session_booked)
    handlers.handles(SessionScheduled)(session_booked)
    handlers.handles(SessionRescheduledV1)(session_booked)
    handlers.handles(SessionRescheduled)(session_booked)

    @handlers.handles(SessionCancelled)
    async def session_cancelled(uow: FeedbackUnit, event: SessionCancelled) -> None:
        await loop.session_cancelled(uow, event)

    @handlers.handles_many(CheckInDue)
    async def check_ins_due(uow: FeedbackUnit, events: list[CheckInDue]) -> None:
        await loop.ask(uow, events)

    @handlers.handles_inbound(FeedbackSubmitted)
    async def feedback_submitted(uow: FeedbackUnit, event: FeedbackSubmitted) -> None:
        """From a survey tool: refused answers go to the dead-letter topic with the reason; nothing changes."""
        try:
            await loop.record_answers(
                uow,
                event.request_id,
                event.participant_id,
                event.pair_id,
                event.answers,
                event.goal_progress,
                "kafka",
                clock.now(),
            )
        except (UnknownRequest, InvalidAnswers, SubmissionRefused, GoalRefused) as refusal:
            raise RejectedEvent(str(refusal)) from None

    @handlers.handles(GoalSet)
    async def goal_set(uow: FeedbackUnit, event: GoalSet) -> None:
        """Our own announcement coming back (goals from elsewhere come over HTTP): the same goal id changes nothing."""
        try:
            await loop.set_goal(
                uow,
                event.pair_id,
                event.owner_id,
                event.category,
                event.title,
                event.set_at,
                event.goal_id,
                announce=False,
            )
        except (LookupError, GoalRefused) as refusal:
            raise RejectedEvent(str(refusal)) from None

    return handlers
