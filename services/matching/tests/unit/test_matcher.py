"""The `Matcher`'s use-cases on a unit of work without a database: what they store, emit and refuse."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from flipside_devstack.factories import enrolled, mentor_and_mentee
from flipside_devstack.fake_units import fake_unit_of_work
from flipside_devstack.kafka_io import envelope
from flipside_matching.domain.model import Participant, ProgramPolicy, ScoredPair
from flipside_matching.domain.refusals import Conflict, Invalid, NotFound
from flipside_matching.domain.rolling import ProgramStanding
from flipside_matching.domain.taxonomy import Taxonomy
from flipside_matching.handlers import build_handlers
from flipside_matching.inbound import take_inbound
from flipside_matching.matcher import Matcher
from flipside_matching.repository import ActivePair, Program, Proposal
from flipside_shared.clock import FixedClock
from flipside_shared.consumer import RejectedEvent
from flipside_shared.events import (
    MatchRunRequested,
    PairCreated,
    PairDissolved,
    ParticipantProfile,
    ParticipantUnmatched,
    ParticipantUpdated,
    ParticipantWithdrawn,
)

NOW = datetime(2026, 3, 4, 10, tzinfo=UTC)
TAXONOMY = Taxonomy.load()


class RepositoryInMemory:
    """The part of `MatchingRepository` these use-cases call, over one program held in memory."""

    def __init__(self, program: Program) -> None:
        self.programs = {program.program_id: program}
        self.everyone: dict[UUID, Participant] = {}
        self.pairs: dict[UUID, tuple[ScoredPair, str]] = {}
        self.unmatched: dict[UUID, list[str]] = {}
        self.proposals: dict[UUID, Proposal] = {}
        self.runs: dict[UUID, int] = {}
        self.run_notices: set[UUID] = set()
        self.gone: set[UUID] = set()
        """Stored once, then withdrawn or erased."""

    async def program(self, program_id: str, for_update: bool = False) -> Program | None:
        return self.programs.get(program_id)

    async def lock_program(self, program_id: str) -> None:
        pass

    async def add_participant(self, participant_id: UUID, profile: ParticipantProfile) -> Participant | None:
        if participant_id in self.everyone:
            return None
        self.everyone[participant_id] = Participant(
            participant_id, profile, 0, NOW + timedelta(seconds=len(self.everyone))
        )
        return self.everyone[participant_id]

    async def programs_named(self, program_ids) -> dict[str, Program]:
        return {i: self.programs[i] for i in program_ids if i in self.programs}

    async def add_participants(self, enrolments) -> set[UUID]:
        return {i for i, profile in enrolments if await self.add_participant(i, profile)}

    @property
    def content(self) -> "RepositoryInMemory":
        return self

    async def record_acceptances(self, acceptances, accepted_at: datetime) -> None:
        pass

    async def rolling_standing(self, program_id: str) -> ProgramStanding:
        rolling_notices = {p for p in self.unmatched if p not in self.run_notices}
        return ProgramStanding(dict(self.everyone), rolling_notices)

    async def record_unmatched_many(self, rows) -> None:
        for participant_id, _, reasons in rows:
            self.unmatched[participant_id] = reasons

    async def participant(self, participant_id: UUID) -> Participant | None:
        return self.everyone.get(participant_id)

    async def ever_stored(self, participant_id: UUID) -> bool:
        return participant_id in self.everyone or participant_id in self.gone

    async def update_participant(self, participant_id: UUID, profile: ParticipantProfile) -> Participant | None:
        self.everyone[participant_id] = replace(self.everyone[participant_id], profile=profile)
        return self.everyone[participant_id]

    async def waiting_counterparts(self, newcomer: Participant, policy: ProgramPolicy, limit: int) -> list[Participant]:
        return [p for p in self.everyone.values() if p.participant_id != newcomer.participant_id][:limit]

    async def managers_above(self, people: list[UUID]) -> dict[UUID, list[UUID]]:
        return {}

    async def told_unmatchable(self, program_id: str) -> list[Participant]:
        return [self.everyone[p] for p in self.unmatched]

    async def waiting_reasons(self, participant_id: UUID) -> list[str]:
        return self.unmatched.get(participant_id, [])

    async def record_unmatched(self, participant_id: UUID, run_id: UUID, reasons: list[str]) -> None:
        self.unmatched[participant_id] = reasons

    async def forget_unmatched(self, people: set[UUID] | list[UUID]) -> None:
        for person in people:
            self.unmatched.pop(person, None)

    async def people(self, program_id: str) -> list[Participant]:
        return list(self.everyone.values())

    async def add_pair(self, pair_id: UUID, pair: ScoredPair, origin: str) -> None:
        self.pairs[pair_id] = (pair, origin)
        mentor, mentee = self.everyone[pair.mentor.participant_id], self.everyone[pair.mentee.participant_id]
        self.everyone[mentor.participant_id] = replace(mentor, active_pairs=mentor.active_pairs + 1)
        self.everyone[mentee.participant_id] = replace(mentee, active_pairs=mentee.active_pairs + 1, mentored=True)

    async def add_pairs(self, rows: list[tuple[UUID, ScoredPair]], origin: str) -> None:
        for pair_id, pair in rows:
            await self.add_pair(pair_id, pair, origin)

    async def unlocked_pairs(self, program_id: str) -> list[ActivePair]:
        return []

    async def run_done(self, run_id: UUID) -> bool:
        return run_id in self.runs

    async def record_run(self, run_id: UUID, program_id: str, paired: int, unmatched: dict[UUID, list[str]]) -> None:
        self.runs[run_id] = paired
        self.unmatched.update(unmatched)
        self.run_notices |= set(unmatched)

    async def active_between(self, a: UUID, b: UUID) -> bool:
        return any({p.mentor.participant_id, p.mentee.participant_id} == {a, b} for p, _ in self.pairs.values())

    async def active_pair(self, pair_id: UUID) -> ActivePair | None:
        if pair_id not in self.pairs:
            return None
        pair, _ = self.pairs[pair_id]
        return ActivePair(
            pair_id, pair.mentor.profile.program_id, pair.mentor.participant_id, pair.mentee.participant_id
        )

    async def proposal(self, pair_id: UUID, for_update: bool = False) -> Proposal | None:
        return self.proposals.get(pair_id)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def matcher(clock: FixedClock) -> Matcher:
    return Matcher(TAXONOMY, clock)


def rolling_program() -> RepositoryInMemory:
    return RepositoryInMemory(Program("pilot", ProgramPolicy(), first_run_at=None))


async def enrol(matcher: Matcher, repository: RepositoryInMemory, *enrolments) -> list:
    """Each enrolment handled in its own unit of work; the events they emitted, in order."""
    emitted = []
    for enrolment in enrolments:
        uow = fake_unit_of_work(repository, cause=envelope(enrolment))
        await matcher.participants_enrolled(uow, [enrolment])
        emitted += [envelope.event for envelope in uow.emitted]
    return emitted


async def test_an_enrolment_in_a_rolling_program_pairs_the_newcomer_with_someone_waiting(matcher):
    repository = rolling_program()
    mentor, mentee = mentor_and_mentee()

    first, second = await enrol(matcher, repository, mentor), await enrol(matcher, repository, mentee)

    assert first == [], "alone in the program, the mentor waits and is told nothing"
    (created,) = second
    assert isinstance(created, PairCreated) and created.matched_at == NOW
    assert (created.mentor.participant_id, created.mentee.participant_id) == (
        mentor.participant_id,
        mentee.participant_id,
    )
    assert [origin for _, origin in repository.pairs.values()] == ["rolling"]


async def test_an_enrolment_no_one_enrolled_could_ever_partner_is_told_why_once(matcher):
    repository = rolling_program()
    mentee = enrolled(role="mentee", grade=8)
    too_senior = enrolled(role="mentor", grade=9)

    emitted = await enrol(matcher, repository, mentee, too_senior)
    again = fake_unit_of_work(repository)
    await matcher.participant_updated(
        again, ParticipantUpdated(participant_id=too_senior.participant_id, profile=too_senior.profile)
    )

    (unmatched,) = emitted
    assert isinstance(unmatched, ParticipantUnmatched) and unmatched.participant_id == too_senior.participant_id
    assert unmatched.reasons == repository.unmatched[too_senior.participant_id]
    assert again.emitted == [], "the same reasons are not told twice"


async def test_pairing_by_hand_refuses_a_broken_rule_unless_an_admin_overrides_it(matcher):
    repository = rolling_program()
    senior_mentor, junior_mentee = enrolled(role="mentor", grade=8), enrolled(role="mentee", grade=2)
    await enrol(matcher, repository, senior_mentor, junior_mentee)
    uow = fake_unit_of_work(repository)

    with pytest.raises(Conflict) as refused:
        await matcher.pair_by_hand(
            uow, "pilot", senior_mentor.participant_id, junior_mentee.participant_id, override=False
        )
    made = await matcher.pair_by_hand(
        uow, "pilot", senior_mentor.participant_id, junior_mentee.participant_id, override=True
    )

    broken = "mentor is not 1 grade(s) below the mentee"
    assert refused.value.detail == {
        "message": "a hard rule is broken; send override=true to pair them anyway",
        "violations": [broken],
    }
    assert made.warnings == (broken,) and f"warning: {broken}" in made.pair.reasons
    (created,) = [envelope.event for envelope in uow.emitted]
    assert (
        isinstance(created, PairCreated)
        and created.pair_id == made.pair_id
        and created.reasons == list(made.pair.reasons)
    )
    assert repository.pairs[made.pair_id] == (made.pair, "manual")


async def test_capacity_is_never_overridden_by_hand(matcher):
    repository = rolling_program()
    mentor, mentee = mentor_and_mentee()
    await enrol(matcher, repository, mentor, mentee)  # paired at once: the mentee has their mentor
    other_mentor = enrolled(role="mentor", grade=2)
    await enrol(matcher, repository, other_mentor)

    with pytest.raises(Conflict, match="capacity cannot be overridden") as refused:
        await matcher.pair_by_hand(
            fake_unit_of_work(repository), "pilot", other_mentor.participant_id, mentee.participant_id, override=True
        )
    assert refused.value.detail["violations"] == ["mentee already has a mentor"]


async def test_dissolving_a_pair_emits_pair_dissolved_for_everyone_to_act_on(matcher, clock):
    repository = rolling_program()
    await enrol(matcher, repository, *mentor_and_mentee())
    (pair_id,) = repository.pairs
    clock.current = NOW + timedelta(days=3)
    uow = fake_unit_of_work(repository)

    await matcher.request_dissolution(uow, pair_id, "mismatch", "not a fit", rematch=False)

    (dissolved,) = [envelope.event for envelope in uow.emitted]
    assert isinstance(dissolved, PairDissolved)
    assert (dissolved.pair_id, dissolved.program_id, dissolved.reason, dissolved.note, dissolved.rematch) == (
        pair_id,
        "pilot",
        "mismatch",
        "not a fit",
        False,
    )
    assert dissolved.dissolved_at == NOW + timedelta(days=3)
    with pytest.raises(NotFound, match="no active pair with this id"):
        await matcher.request_dissolution(fake_unit_of_work(repository), uuid4(), "mismatch", None, rematch=True)


async def test_a_capacity_below_the_active_pairs_is_refused_over_http_and_dead_lettered_from_kafka(matcher):
    repository = rolling_program()
    mentor, mentee = mentor_and_mentee()
    await enrol(matcher, repository, mentor, mentee)
    no_room = mentor.profile.model_copy(update={"capacity": 0})
    change = ParticipantUpdated(participant_id=mentor.participant_id, profile=no_room)
    handler = build_handlers(matcher).handler_for(change, inbound=False)

    with pytest.raises(Invalid) as over_http:
        await matcher.request_update(
            fake_unit_of_work(repository), mentor.participant_id, no_room, may_change_hr_fields=False
        )
    with pytest.raises(RejectedEvent) as from_kafka:
        await handler(fake_unit_of_work(repository), change)

    assert over_http.value.detail == "capacity 0 is below their 1 active pairs"
    assert str(from_kafka.value) == "capacity 0 is below their 1 active pairs: end a pair first"


async def test_an_hr_systems_change_to_someone_whose_enrolment_is_not_stored_yet_follows_it(matcher):
    repository = rolling_program()
    sent = enrolled(role="mentor").profile
    renamed = sent.model_copy(update={"display_name": "Ada King"})
    participant_id = uuid4()
    unit = fake_unit_of_work(repository)

    await matcher.request_update(unit, participant_id, renamed, may_change_hr_fields=True, sent=sent)
    await matcher.request_withdrawal(unit, participant_id, sent=sent)

    [update, withdrawal] = [envelope.event for envelope in unit.emitted]
    assert isinstance(update, ParticipantUpdated) and update.profile == renamed
    assert isinstance(withdrawal, ParticipantWithdrawn) and withdrawal.program_id == sent.program_id
    with pytest.raises(NotFound, match="no enrolled participant "):
        await matcher.request_update(unit, participant_id, renamed, may_change_hr_fields=False)
    with pytest.raises(NotFound, match="no enrolled participant "):
        await matcher.request_withdrawal(unit, participant_id)


async def test_an_hr_systems_change_to_someone_withdrawn_or_erased_since_is_refused(matcher):
    repository = rolling_program()
    sent = enrolled(role="mentor").profile
    participant_id = uuid4()
    repository.gone.add(participant_id)

    with pytest.raises(NotFound, match="no enrolled participant "):
        await matcher.request_update(
            fake_unit_of_work(repository), participant_id, sent, may_change_hr_fields=True, sent=sent
        )
    with pytest.raises(NotFound, match="no enrolled participant "):
        await matcher.request_withdrawal(fake_unit_of_work(repository), participant_id, sent=sent)


async def test_a_grade_off_the_ladder_is_refused_whoever_sends_it(matcher):
    repository = rolling_program()
    off_the_ladder = enrolled(role="mentee", grade=16)

    with pytest.raises(Invalid) as from_hr:
        await matcher.take_enrolment(fake_unit_of_work(repository), off_the_ladder)
    with pytest.raises(Invalid) as from_flipside:
        await matcher.participants_enrolled(fake_unit_of_work(repository), [off_the_ladder])

    assert (
        str(from_hr.value)
        == str(from_flipside.value)
        == ("grade 16 is outside program 'pilot''s ladder (0 = grade 0 to 15 = grade 15)")
    )
    assert from_hr.value.detail == "grade 16 is outside the program's ladder (0 to 15)"
    assert repository.everyone == {}


async def test_a_proposal_is_answered_by_the_side_asked_and_only_until_it_expires(matcher, clock):
    repository = rolling_program()
    mentor, mentee = mentor_and_mentee()
    pair_id = uuid4()
    repository.proposals[pair_id] = Proposal(
        pair_id,
        "pilot",
        mentor.participant_id,
        mentee.participant_id,
        proposed_by=mentor.participant_id,
        status="pending",
        expires_at=NOW + timedelta(hours=1),
    )

    accepted = await matcher.accept(fake_unit_of_work(repository), pair_id, mentee.participant_id)
    clock.current = NOW + timedelta(hours=1)
    with pytest.raises(Conflict, match="the proposal is expired"):
        await matcher.accept(fake_unit_of_work(repository), pair_id, mentee.participant_id)

    assert accepted.event.accepted_by == mentee.participant_id and accepted.event.accepted_at == NOW


async def test_a_cohort_waits_for_its_match_run_which_pairs_everyone_it_can_once(matcher):
    repository = RepositoryInMemory(Program("cohort", ProgramPolicy(start="cohort_run"), first_run_at=None))
    cohort = [*mentor_and_mentee("cohort", 0), *mentor_and_mentee("cohort", 1)]
    run = MatchRunRequested(program_id="cohort", run_id=uuid4(), requested_at=NOW)

    on_arrival = await enrol(matcher, repository, *cohort)
    uow, again = fake_unit_of_work(repository), fake_unit_of_work(repository)
    await matcher.run_match(uow, run)
    await matcher.run_match(again, run)

    created = [envelope.event for envelope in uow.emitted]
    assert on_arrival == []
    assert len(created) == 2 and all(isinstance(event, PairCreated) for event in created)
    assert {p for event in created for p in (event.mentor.participant_id, event.mentee.participant_id)} == {
        enrolment.participant_id for enrolment in cohort
    }
    assert repository.runs == {run.run_id: 2} and again.emitted == [], "a run is done once however often it arrives"


async def test_no_one_is_paired_on_arrival_in_a_program_that_ended(matcher):
    repository = RepositoryInMemory(Program("pilot", ProgramPolicy(), first_run_at=None, status="completed"))
    mentor, mentee = mentor_and_mentee()

    emitted = await enrol(matcher, repository, mentor, mentee)

    assert emitted == [] and repository.pairs == {}, "stored, but not paired: the program makes no pairs"


async def test_enrolment_from_hr_in_a_draft_is_refused_with_the_reason(matcher):
    repository = RepositoryInMemory(Program("pilot", ProgramPolicy(), first_run_at=None, status="draft"))
    handlers = build_handlers(matcher)
    take_inbound(handlers, matcher)
    enrolment = enrolled()
    uow = fake_unit_of_work(repository)
    handler = handlers.handler_for(enrolment, inbound=True)
    assert handler is not None

    with pytest.raises(RejectedEvent, match="program 'pilot' is a draft: enrolment has not opened yet"):
        await handler(uow, enrolment)
    with pytest.raises(Conflict, match="is a draft"):
        await matcher.enrol(uow, uuid4(), enrolment.profile)
    assert uow.emitted == []


async def test_a_run_or_a_pair_by_hand_in_a_cancelled_program_is_refused(matcher):
    repository = RepositoryInMemory(Program("pilot", ProgramPolicy(), first_run_at=None, status="cancelled"))
    mentor, mentee = mentor_and_mentee()
    uow = fake_unit_of_work(repository)

    with pytest.raises(Conflict, match="program 'pilot' is cancelled: no pairs are made in it"):
        await matcher.request_run(uow, "pilot", replace_unlocked=False)
    with pytest.raises(Conflict, match="no pairs are made in it"):
        await matcher.pair_by_hand(uow, "pilot", mentor.participant_id, mentee.participant_id, override=True)
    assert uow.emitted == []
