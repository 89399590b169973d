"""What feedback does with each event and request: the `FeedbackLoop` holds the process; Kafka handlers
and HTTP routes both call it inside one unit of work.

Each change about a pair takes that pair's lock first, so its health is judged on a consistent
picture and a status change is announced once, however many replicas run.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

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
    PairCreated,
    PairDeclined,
    PairDissolved,
    PairHealthChanged,
    PairProposed,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantUpdated,
    RecognitionAwarded,
    SessionCancelled,
    SessionRescheduled,
    SessionRescheduledV1,
    SessionScheduled,
    SessionScheduledV1,
)
from flipside_shared.unit_of_work import UnitOfWork

from .domain.goals import GoalRefused, owner_role, progress
from .domain.health import judge
from .domain.milestones import THREE_SESSIONS, session_milestones
from .domain.population import grade_band
from .domain.questionnaire import InvalidAnswers, checked_answers, free_text_ids
from .domain.submissions import AskedRequest, SubmissionRefused, outcome
from .repository import FeedbackRepository
from .settings import FeedbackSettings


class UnknownRequest(LookupError):
    pass


class FeedbackLoop:
    def __init__(self, settings: FeedbackSettings) -> None:
        self._settings = settings
        self._link_secret = settings.link_secret.get_secret_value().encode()
        self._contributor_key = settings.concern_contributor_key.get_secret_value().encode()

    def contributor_hash(self, participant_id: UUID) -> bytes:
        """Counts distinct people behind concerns, and finds theirs on erasure, without naming anyone."""
        return hmac.new(self._contributor_key, b"concern:" + participant_id.bytes, hashlib.sha256).digest()

    async def ask(self, uow: UnitOfWork, check_in: CheckInDue) -> None:
        """Ask both people, each with a link of their own, once per session; the session counts as held."""
        repository = FeedbackRepository(uow.conn)
        await repository.lock_pair(check_in.pair_id)
        now = datetime.now(UTC)
        expires_at = now + timedelta(days=self._settings.link_valid_days)
        version, _ = await repository.latest_questionnaire(check_in.program_id)
        for role, participant_id in (("mentor", check_in.mentor_id), ("mentee", check_in.mentee_id)):
            request_id = uuid4()
            if await repository.add_request(
                request_id, check_in.session_id, check_in.pair_id, check_in.program_id, participant_id, role, expires_at, version,
            ):
                uow.emit(FeedbackRequested(
                    request_id=request_id, pair_id=check_in.pair_id, session_id=check_in.session_id,
                    participant_id=participant_id, role=role, expires_at=expires_at,
                ))
        held = await repository.held_kinds(check_in.pair_id)
        kind = "kickoff" if not held else "check_in"
        await repository.mark_session(check_in.session_id, check_in.pair_id, check_in.program_id, "held", kind, check_in.session_started_at)
        for milestone in session_milestones(await repository.held_kinds(check_in.pair_id)):
            await self.recognise(uow, check_in.pair_id, milestone, None, now)
        await self.rejudge(uow, check_in.pair_id, now)

    async def record_answers(
        self, uow: UnitOfWork, request_id: UUID, participant_id: UUID, pair_id: UUID, answers: dict[str, Any],
        goal_progress: dict[UUID, int], source: str, now: datetime,
    ) -> tuple[str, int]:
        """(recorded / replaced / duplicate, revision); refusals raise and change nothing."""
        repository = FeedbackRepository(uow.conn)
        await repository.lock_pair(pair_id)
        row = await repository.request(request_id)
        if row is None:
            raise UnknownRequest("no such check-in request")
        questionnaire = await repository.questionnaire(row["program_id"], row["questionnaire_version"])
        checked = checked_answers(questionnaire, answers)
        asked = AskedRequest(row["request_id"], row["pair_id"], row["participant_id"], row["expires_at"], row["answers"])
        result = outcome(asked, participant_id, pair_id, checked, now)
        for goal_id, percent in goal_progress.items():
            await self.move_goal(uow, goal_id, participant_id, percent, now)
        if result == "duplicate":
            return result, row["revision"]
        revision = await repository.save_answers(request_id, checked, row["questionnaire_version"], source)
        await self.rejudge(uow, pair_id, now)
        return result, revision

    async def set_goal(
        self, uow: UnitOfWork, pair_id: UUID, owner_id: UUID, category: str, title: str, now: datetime, goal_id: UUID | None = None,
        announce: bool = True,
    ) -> UUID:
        repository = FeedbackRepository(uow.conn)
        await repository.lock_pair(pair_id)
        if goal_id is not None and await repository.goal(goal_id) is not None:
            return goal_id  # our own announcement coming back, or a survey tool's redelivery
        members, pair = await repository.pair_members(pair_id), await repository.pair(pair_id)
        if members is None:
            raise LookupError("no such pair")
        role = owner_role(members, owner_id)
        goal_id = goal_id or uuid4()
        if await repository.add_goal(goal_id, pair_id, pair["program_id"], owner_id, role, category, title, now) and announce:
            uow.emit(GoalSet(
                goal_id=goal_id, pair_id=pair_id, program_id=pair["program_id"], owner_id=owner_id, owner_role=role,
                category=category, title=title, set_at=now,
            ))
        return goal_id

    async def move_goal(self, uow: UnitOfWork, goal_id: UUID, requested_by: UUID, percent: int, now: datetime) -> None:
        repository = FeedbackRepository(uow.conn)
        goal = await repository.goal(goal_id)
        if goal is None:
            raise GoalRefused("no such goal")
        if goal["progress_percent"] == percent and goal["status"] == "open":
            return
        new_percent, achieved = progress(goal["status"], goal["owner_id"], requested_by, percent)
        await repository.move_goal(goal_id, new_percent, now if achieved else None)
        uow.emit(GoalProgressed(goal_id=goal_id, pair_id=goal["pair_id"], owner_id=goal["owner_id"], progress_percent=new_percent, updated_at=now))
        if achieved:
            uow.emit(GoalAchieved(
                goal_id=goal_id, pair_id=goal["pair_id"], program_id=goal["program_id"], owner_id=goal["owner_id"],
                owner_role=goal["owner_role"], category=goal["category"], achieved_at=now,
            ))
            await self.recognise(uow, goal["pair_id"], "goal_achieved", goal_id, now)

    async def recognise(self, uow: UnitOfWork, pair_id: UUID, milestone: str, goal_id: UUID | None, now: datetime) -> None:
        repository = FeedbackRepository(uow.conn)
        pair = await repository.pair(pair_id)
        if pair is None:
            return  # a pair only scheduling has told us of yet: its milestones count once its PairCreated is here
        if (recognition_id := await repository.award(pair_id, milestone, goal_id, now)) is not None:
            uow.emit(RecognitionAwarded(
                recognition_id=recognition_id, pair_id=pair_id, program_id=pair["program_id"],
                participant_ids=[pair["mentor_id"], pair["mentee_id"]], milestone=milestone, goal_id=goal_id, awarded_at=now,
            ))

    async def rejudge(self, uow: UnitOfWork, pair_id: UUID, now: datetime) -> None:
        """Judge the pair's health anew; announce a change of status or reasons, and a pair newly at risk."""
        repository = FeedbackRepository(uow.conn)
        pair = await repository.pair(pair_id)
        if pair is None or pair["ended_at"] is not None:
            return
        judgement = judge(await repository.signals(pair_id, now))
        previous = pair["health_status"]
        await repository.record_health(pair_id, judgement.score, judgement.status, judgement.reasons, now)
        if judgement.status == previous and judgement.reasons == pair["health_reasons"]:
            return
        uow.emit(PairHealthChanged(
            pair_id=pair_id, program_id=pair["program_id"], score=judgement.score, status=judgement.status,
            previous_status=previous, reasons=judgement.reasons, computed_at=now,
        ))
        if judgement.status == "at_risk" and previous != "at_risk":
            uow.emit(PairAtRisk(
                pair_id=pair_id, program_id=pair["program_id"], mentor_id=pair["mentor_id"], mentee_id=pair["mentee_id"],
                score=judgement.score, reasons=judgement.reasons, detected_at=now,
            ))

    async def complete_program(self, uow: UnitOfWork, program_id: str, now: datetime) -> int:
        """The program ended: recognise each pair still together that met at least three times."""
        repository = FeedbackRepository(uow.conn)
        pairs = await repository.active_pairs_with_held_sessions(program_id, THREE_SESSIONS)
        for pair in pairs:
            await self.recognise(uow, pair["pair_id"], "program_completed", None, now)
        return len(pairs)

    async def erase(self, uow: UnitOfWork, participant_id: UUID, now: datetime) -> None:
        repository = FeedbackRepository(uow.conn)
        text_ids = sorted({i for questionnaire in await repository.every_questionnaire() for i in free_text_ids(questionnaire)})
        await repository.erase(participant_id, [self.contributor_hash(participant_id)], text_ids, now)


def build_handlers(loop: FeedbackLoop) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.handles(ParticipantEnrolled)
    async def participant_enrolled(uow: UnitOfWork, event: ParticipantEnrolled) -> None:
        profile = event.profile
        await FeedbackRepository(uow.conn).save_participant(
            event.participant_id, profile.program_id, profile.role, profile.department, grade_band(profile.grade), datetime.now(UTC),
        )

    @handlers.handles(ParticipantUpdated)
    async def participant_updated(uow: UnitOfWork, event: ParticipantUpdated) -> None:
        profile = event.profile
        await FeedbackRepository(uow.conn).update_participant(event.participant_id, profile.role, profile.department, grade_band(profile.grade))

    @handlers.handles(ParticipantErased)
    async def participant_erased(uow: UnitOfWork, event: ParticipantErased) -> None:
        await loop.erase(uow, event.participant_id, event.erased_at)

    @handlers.handles(PairProposed)
    async def pair_proposed(uow: UnitOfWork, event: PairProposed) -> None:
        await FeedbackRepository(uow.conn).save_proposal(event.pair_id, event.program_id, event.mentor_id, event.mentee_id, datetime.now(UTC))

    @handlers.handles(PairAccepted)
    async def pair_accepted(uow: UnitOfWork, event: PairAccepted) -> None:
        await FeedbackRepository(uow.conn).decide_proposal(event.pair_id, "accepted")

    @handlers.handles(PairDeclined)
    async def pair_declined(uow: UnitOfWork, event: PairDeclined) -> None:
        await FeedbackRepository(uow.conn).decide_proposal(event.pair_id, "declined")

    @handlers.handles(PairCreated)
    async def pair_created(uow: UnitOfWork, event: PairCreated) -> None:
        repository = FeedbackRepository(uow.conn)
        await repository.lock_pair(event.pair_id)
        await repository.save_pair(
            event.pair_id, event.program_id, event.mentor.participant_id, event.mentee.participant_id, event.matched_at,
        )
        # Pairs and sessions are different topics: a check-in can be handled before its pair is known here
        # (a restart, a lagging consumer). What the check-in skipped for an unknown pair happens now.
        if held := await repository.held_kinds(event.pair_id):
            now = datetime.now(UTC)
            for milestone in session_milestones(held):
                await loop.recognise(uow, event.pair_id, milestone, None, now)
            await loop.rejudge(uow, event.pair_id, now)

    @handlers.handles(PairDissolved)
    async def pair_dissolved(uow: UnitOfWork, event: PairDissolved) -> None:
        await FeedbackRepository(uow.conn).end_pair(event.pair_id, event.reason, event.dissolved_at)

    @handlers.handles(SessionScheduled)
    @handlers.handles(SessionScheduledV1)
    async def session_scheduled(uow: UnitOfWork, event: SessionScheduled | SessionScheduledV1) -> None:
        await FeedbackRepository(uow.conn).save_session(event.session_id, event.pair_id, event.program_id, event.kind, event.starts_at)

    @handlers.handles(SessionRescheduled)
    @handlers.handles(SessionRescheduledV1)
    async def session_rescheduled(uow: UnitOfWork, event: SessionRescheduled | SessionRescheduledV1) -> None:
        await FeedbackRepository(uow.conn).save_session(event.session_id, event.pair_id, event.program_id, event.kind, event.starts_at)

    @handlers.handles(SessionCancelled)
    async def session_cancelled(uow: UnitOfWork, event: SessionCancelled) -> None:
        repository = FeedbackRepository(uow.conn)
        await repository.lock_pair(event.pair_id)
        await repository.mark_session(event.session_id, event.pair_id, event.program_id, "cancelled", event.kind, event.starts_at)
        await loop.rejudge(uow, event.pair_id, datetime.now(UTC))

    @handlers.handles(CheckInDue)
    async def check_in_due(uow: UnitOfWork, event: CheckInDue) -> None:
        await loop.ask(uow, event)

    @handlers.handles_inbound(FeedbackSubmitted)
    async def feedback_submitted(uow: UnitOfWork, event: FeedbackSubmitted) -> None:
        """From a survey tool: refused answers go to the dead-letter topic with the reason; nothing changes."""
        try:
            await loop.record_answers(
                uow, event.request_id, event.participant_id, event.pair_id, event.answers, event.goal_progress, "kafka",
                datetime.now(UTC),
            )
        except (UnknownRequest, InvalidAnswers, SubmissionRefused, GoalRefused) as refusal:
            raise RejectedEvent(str(refusal)) from None

    @handlers.handles(GoalSet)
    async def goal_set(uow: UnitOfWork, event: GoalSet) -> None:
        """Our own announcement coming back (goals from elsewhere come over HTTP): the same goal id changes nothing."""
        try:
            await loop.set_goal(uow, event.pair_id, event.owner_id, event.category, event.title, event.set_at, event.goal_id, announce=False)
        except (LookupError, GoalRefused) as refusal:
            raise RejectedEvent(str(refusal)) from None

    return handlers
