"""asyncpg queries on the `matching` schema, inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

import asyncpg

from flipside_shared.events import ParticipantProfile, ProgramDetails
from flipside_shared.events.programs import ProgramStatus

from .content_repository import ContentRepository
from .domain.at_risk import PairStanding
from .domain.enrolment import EnrolledPerson, Enrolment
from .domain.lifecycle import ProgramLife
from .domain.model import Participant, ProgramPolicy, ScoredPair
from .domain.own_pairs import OwnPair
from .domain.rolling import ProgramStanding
from .provisioning_queries import ProvisioningQueries

_PARTICIPANT = (
    "SELECT p.participant_id, p.profile, p.active_pairs, p.enrolled_at,"
    " EXISTS (SELECT 1 FROM pairs x WHERE x.mentee_id = p.participant_id AND x.status = 'active') AS mentored,"
    " ARRAY (SELECT x.mentee_id FROM pairs x WHERE x.mentor_id = p.participant_id"
    "        UNION SELECT x.mentor_id FROM pairs x WHERE x.mentee_id = p.participant_id) AS partners"
    " FROM participants p"
)

_RECORD_UNMATCHED = (
    "INSERT INTO unmatched (participant_id, run_id, reasons) VALUES ($1, $2, $3)"
    " ON CONFLICT (participant_id) DO UPDATE SET run_id = excluded.run_id, reasons = excluded.reasons, recorded_at = now()"
)


_EARLIER_PARTNERS = (
    # The program's earlier cohorts, following previous_cohort (UNION ends a loop), and the couples made in them,
    # as the same people enrolled in this program: participant ids are per program, people are known by e-mail.
    "WITH RECURSIVE earlier(program_id) AS ("
    "  SELECT previous_cohort FROM programs WHERE program_id = $1 AND previous_cohort IS NOT NULL"
    "  UNION SELECT p.previous_cohort FROM programs p JOIN earlier e USING (program_id) WHERE p.previous_cohort IS NOT NULL"
    "), couples AS ("
    "  SELECT m.person_key AS a, e.person_key AS b FROM pairs x"
    "  JOIN participants m ON m.participant_id = x.mentor_id AND m.erased_at IS NULL"
    "  JOIN participants e ON e.participant_id = x.mentee_id AND e.erased_at IS NULL"
    "  WHERE x.program_id IN (SELECT program_id FROM earlier) AND x.program_id <> $1"
    ")"
    " SELECT me.participant_id, them.participant_id AS partner FROM couples c"
    " JOIN participants me ON me.program_id = $1 AND me.person_key IN (c.a, c.b)"
    " JOIN participants them ON them.program_id = $1 AND them.person_key IN (c.a, c.b) AND them.person_key <> me.person_key"
    " WHERE me.participant_id = ANY($2::uuid[])"
)

_MANAGERS_ABOVE = (
    # Everyone reached from $1 through a manager or a reporting chain, as far as enrolled people tell.
    "WITH RECURSIVE reached(participant_id) AS ("
    "  SELECT unnest($1::uuid[])"
    "  UNION SELECT above.id::uuid FROM reached r JOIN participants p USING (participant_id),"
    "  LATERAL (SELECT p.profile->>'manager_id' AS id"
    "   UNION ALL SELECT jsonb_array_elements_text(coalesce(p.profile->'reporting_chain', '[]'::jsonb))) above"
    "  WHERE above.id IS NOT NULL"
    ")"
    " SELECT p.participant_id, p.profile->>'manager_id' AS manager, p.profile->'reporting_chain' AS chain"
    " FROM participants p WHERE p.participant_id IN (SELECT participant_id FROM reached)"
)

_STAMP_GENERATION = (
    "WITH before AS (SELECT program_id, generation FROM programs WHERE program_id = ANY($1::text[])"
    "  ORDER BY program_id FOR UPDATE)"
    " UPDATE programs p SET generation = nextval('program_generations') FROM before"
    " WHERE p.program_id = before.program_id RETURNING before.generation AS before, p.generation AS stamped"
)

_PROGRAM = (
    "SELECT program_id, policy, first_run_at, status, details, enrolment_closed_at, previous_cohort FROM programs"
)


@dataclass(frozen=True)
class Program:
    program_id: str
    policy: ProgramPolicy
    """Its own, or else its nearest earlier cohort's, or else the default."""
    first_run_at: datetime | None
    status: ProgramStatus = "running"
    details: ProgramDetails | None = None
    enrolment_closed_at: datetime | None = None

    @property
    def life(self) -> ProgramLife:
        return ProgramLife(self.program_id, self.status, self.details, self.enrolment_closed_at)

    @property
    def matches_on_arrival(self) -> bool:
        """Whether someone who arrives now is matched at once: rolling programs, and cohorts after their run, while
        the program makes pairs."""
        if not self.life.pairs_may_be_made:
            return False
        return self.policy.start == "rolling" or (self.policy.start == "cohort_run" and self.first_run_at is not None)


@dataclass(frozen=True)
class ProgramGeneration:
    """A program's generation as the lock found it, and the one this transaction stamped in its place."""

    before: int
    stamped: int


@dataclass(frozen=True)
class Proposal:
    pair_id: UUID
    program_id: str
    mentor_id: UUID
    mentee_id: UUID
    proposed_by: UUID
    status: str
    expires_at: datetime


@dataclass(frozen=True)
class ActivePair:
    pair_id: UUID
    program_id: str
    mentor_id: UUID
    mentee_id: UUID


class MatchingRepository(ProvisioningQueries):
    """Lives for one transaction: it remembers the programs whose generation that transaction stamped, and those
    whose standing it left to be kept in memory."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn
        self._stamped: set[str] = set()
        self._kept: set[str] = set()

    @property
    def content(self) -> ContentRepository:
        """What leads write for their programs (agreement, orientation), on the same connection."""
        return ContentRepository(self._conn)

    async def lock_program(self, program_id: str) -> ProgramGeneration | None:
        """Serialise matching within one program across replicas until the transaction ends, and stamp the program
        with a new generation: whoever kept its standing in memory sees that someone wrote since. None for a program
        not created yet."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"matching:{program_id}")
        row = await self._conn.fetchrow(_STAMP_GENERATION, [program_id])
        self._stamped.add(program_id)
        return ProgramGeneration(row["before"], row["stamped"]) if row else None

    def standing_kept(self, program_id: str) -> None:
        """This transaction's standing of the program is to be kept under its last stamp: a later write to the
        program's people in this transaction stamps it again, or the kept standing would miss that write."""
        self._kept.add(program_id)

    async def _stamp_unlocked(self, program_ids: Iterable[str]) -> None:
        """Stamp the programs a write reached that this transaction did not lock, or whose standing it keeps: a pair
        across programs (made by hand) changes the other program's people too, and a standing kept of it must not
        look current."""
        if others := sorted(set(program_ids) - (self._stamped - self._kept)):
            await self._conn.execute(_STAMP_GENERATION, others)
            self._stamped.update(others)

    async def program_of(self, participant_id: UUID) -> str | None:
        """The program this id was ever enrolled in, withdrawn or erased too: a participant never changes program."""
        return await self._conn.fetchval(
            "SELECT program_id FROM participants WHERE participant_id = $1", participant_id
        )

    async def program(self, program_id: str, for_update: bool = False) -> Program | None:
        row = await self._conn.fetchrow(
            _PROGRAM + " WHERE program_id = $1" + (" FOR UPDATE" if for_update else ""), program_id
        )
        return await self._program(row) if row else None

    async def programs_named(self, program_ids: Iterable[str]) -> dict[str, Program]:
        """The programs of these ids that exist, by id, in one query."""
        rows = await self._conn.fetch(_PROGRAM + " WHERE program_id = ANY($1::text[])", sorted(set(program_ids)))
        return {row["program_id"]: await self._program(row) for row in rows}

    async def programs(self) -> list[Program]:
        return [await self._program(row) for row in await self._conn.fetch(_PROGRAM + " ORDER BY program_id")]

    async def _program(self, row: asyncpg.Record) -> Program:
        return Program(
            row["program_id"],
            await self._policy_of(row),
            row["first_run_at"],
            row["status"],
            ProgramDetails.model_validate(row["details"]) if row["details"] is not None else None,
            row["enrolment_closed_at"],
        )

    async def _policy_of(self, row: asyncpg.Record) -> ProgramPolicy:
        """The program's own policy, or its nearest earlier cohort's that has one, or the default."""
        seen = {row["program_id"]}
        while row["policy"] is None and row["previous_cohort"] is not None and row["previous_cohort"] not in seen:
            seen.add(row["previous_cohort"])
            earlier = await self._conn.fetchrow(_PROGRAM + " WHERE program_id = $1", row["previous_cohort"])
            if earlier is None:
                break
            row = earlier
        return ProgramPolicy.model_validate(row["policy"]) if row["policy"] is not None else ProgramPolicy()

    async def cohort_chain(self, program_id: str) -> list[str]:
        """The programs `program_id` follows, nearest first: its previous cohort, that one's, and so on."""
        rows = await self._conn.fetch(
            "WITH RECURSIVE earlier(program_id, depth) AS ("
            "  SELECT previous_cohort, 1 FROM programs WHERE program_id = $1 AND previous_cohort IS NOT NULL"
            "  UNION SELECT p.previous_cohort, e.depth + 1 FROM programs p JOIN earlier e USING (program_id)"
            "  WHERE p.previous_cohort IS NOT NULL AND e.depth < 100"
            ") SELECT program_id FROM earlier ORDER BY depth",
            program_id,
        )
        return list(dict.fromkeys(row["program_id"] for row in rows))

    async def save_program(self, program_id: str, policy: ProgramPolicy) -> None:
        """A program created by its policy alone runs with enrolment open, as programs did before they had a life."""
        await self._conn.execute(
            "INSERT INTO programs (program_id, policy) VALUES ($1, $2)"
            " ON CONFLICT (program_id) DO UPDATE SET policy = excluded.policy, updated_at = now()",
            program_id,
            policy.model_dump(mode="json"),
        )

    async def save_details(self, program_id: str, details: ProgramDetails) -> Program:
        """Create a program from its details (a draft, with no policy of its own yet) or change them."""
        row = await self._conn.fetchrow(
            "INSERT INTO programs (program_id, status, details) VALUES ($1, 'draft', $2)"
            " ON CONFLICT (program_id) DO UPDATE SET details = excluded.details, updated_at = now()"
            " RETURNING program_id, policy, first_run_at, status, details, enrolment_closed_at, previous_cohort",
            program_id,
            details.model_dump(mode="json"),
        )
        assert row is not None, "an upsert returns its row"
        return await self._program(row)

    async def save_status(self, program_id: str, status: ProgramStatus, enrolment_closed: bool) -> None:
        await self._conn.execute(
            "UPDATE programs SET status = $2, updated_at = now(),"
            " enrolment_closed_at = CASE WHEN $3 THEN coalesce(enrolment_closed_at, now()) ELSE enrolment_closed_at END"
            " WHERE program_id = $1",
            program_id,
            status,
            enrolment_closed,
        )

    async def complete_pairs(self, program_id: str) -> list[ActivePair]:
        """End every active pair of the program as completed and free both sides' room, in one statement each."""
        rows = await self._conn.fetch(
            "UPDATE pairs SET status = 'completed', ended_at = now() WHERE program_id = $1 AND status = 'active'"
            " RETURNING pair_id, program_id, mentor_id, mentee_id",
            program_id,
        )
        completed = sorted((ActivePair(**dict(row)) for row in rows), key=lambda pair: pair.pair_id)
        people = [p.mentor_id for p in completed] + [p.mentee_id for p in completed]
        freed = await self._conn.fetch(
            "UPDATE participants p SET active_pairs = p.active_pairs - n.count"
            " FROM (SELECT id, count(*) AS count FROM unnest($1::uuid[]) AS id GROUP BY id) n"
            " WHERE p.participant_id = n.id RETURNING p.program_id",
            people,
        )
        await self._stamp_unlocked(row["program_id"] for row in freed)
        return completed

    async def highest_grade(self, program_id: str) -> int | None:
        return await self._conn.fetchval("SELECT max(grade) FROM participants WHERE program_id = $1", program_id)

    async def add_participant(self, participant_id: UUID, profile: ParticipantProfile) -> Participant | None:
        """Store a new participant; None if that id is already enrolled."""
        row = await self._conn.fetchrow(
            "INSERT INTO participants (participant_id, program_id, role, grade, profile, capacity)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (participant_id) DO NOTHING"
            " RETURNING participant_id, profile, active_pairs, enrolled_at, false AS mentored, '{}'::uuid[] AS partners",
            participant_id,
            profile.program_id,
            profile.role,
            profile.grade,
            profile.model_dump(mode="json"),
            profile.capacity,
        )
        if row is None:
            return None
        await self._stamp_unlocked([profile.program_id])
        return (await self._with_earlier_partners(profile.program_id, [_participant(row)]))[0]

    async def add_participants(self, enrolments: Sequence[tuple[UUID, ParticipantProfile]]) -> dict[UUID, datetime]:
        """Store new participants in one statement; the ids stored, with when they enrolled (an id already enrolled
        is left as it is)."""
        rows = await self._conn.fetch(
            "INSERT INTO participants (participant_id, program_id, role, grade, profile, capacity)"
            " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::integer[], $5::jsonb[], $6::integer[])"
            " ON CONFLICT (participant_id) DO NOTHING RETURNING participant_id, program_id, enrolled_at",
            [participant_id for participant_id, _ in enrolments],
            [profile.program_id for _, profile in enrolments],
            [profile.role for _, profile in enrolments],
            [profile.grade for _, profile in enrolments],
            [profile.model_dump(mode="json") for _, profile in enrolments],
            [profile.capacity for _, profile in enrolments],
        )
        await self._stamp_unlocked(row["program_id"] for row in rows)
        return {row["participant_id"]: row["enrolled_at"] for row in rows}

    async def enrolment(self, participant_id: UUID) -> Enrolment | None:
        """Where this id is enrolled, withdrawn or not; None if never, or erased."""
        row = await self._conn.fetchrow(
            "SELECT program_id, withdrawn_at IS NOT NULL AS withdrawn FROM participants"
            " WHERE participant_id = $1 AND erased_at IS NULL",
            participant_id,
        )
        return Enrolment(**dict(row)) if row else None

    async def ever_stored(self, participant_id: UUID) -> bool:
        """Whether matching has taken an enrolment of this id, whatever became of it since (withdrawn, erased)."""
        stored: bool = await self._conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM participants WHERE participant_id = $1)", participant_id
        )
        return stored

    async def enrolled_people(self, program_id: str) -> list[EnrolledPerson]:
        """Everyone enrolled in the program and not erased, withdrawn too, in the order they enrolled."""
        rows = await self._conn.fetch(
            "SELECT participant_id, profile->>'display_name' AS name, role, profile->>'department' AS department,"
            " active_pairs, withdrawn_at IS NOT NULL AS withdrawn, enrolled_at"
            " FROM participants WHERE program_id = $1 AND erased_at IS NULL ORDER BY enrolled_at, participant_id",
            program_id,
        )
        return [EnrolledPerson(**dict(row)) for row in rows]

    async def participant(self, participant_id: UUID) -> Participant | None:
        row = await self._conn.fetchrow(
            _PARTICIPANT + " WHERE p.participant_id = $1 AND p.erased_at IS NULL AND p.withdrawn_at IS NULL",
            participant_id,
        )
        if row is None:
            return None
        person = _participant(row)
        return (await self._with_earlier_partners(person.profile.program_id, [person]))[0]

    async def people(self, program_id: str) -> list[Participant]:
        """Everyone in the program who is not erased, with their partners so far."""
        rows = await self._conn.fetch(
            _PARTICIPANT + " WHERE p.program_id = $1 AND p.erased_at IS NULL AND p.withdrawn_at IS NULL", program_id
        )
        return await self._with_earlier_partners(program_id, [_participant(row) for row in rows])

    async def _with_earlier_partners(self, program_id: str, people: list[Participant]) -> list[Participant]:
        """`people` with the partners each had in the program's earlier cohorts among their partners: a pair made in
        an earlier cohort is never made again."""
        if not people:
            return people
        rows = await self._conn.fetch(_EARLIER_PARTNERS, program_id, [p.participant_id for p in people])
        earlier: dict[UUID, set[UUID]] = {}
        for row in rows:
            earlier.setdefault(row["participant_id"], set()).add(row["partner"])
        return [
            replace(p, partners=p.partners | earlier[p.participant_id]) if p.participant_id in earlier else p
            for p in people
        ]

    async def waiting_counterparts(self, newcomer: Participant, policy: ProgramPolicy, limit: int) -> list[Participant]:
        """Those with room left who could pair with the newcomer, longest-waiting first.

        The grade and role rules are applied here too, only to keep the candidate list short;
        the domain rules still decide.
        """
        rows = await self._conn.fetch(
            _PARTICIPANT + " WHERE p.program_id = $1 AND p.active_pairs < p.capacity AND p.participant_id <> $2"
            " AND p.erased_at IS NULL AND p.withdrawn_at IS NULL AND ("
            "   ($3 AND p.role <> 'mentor' AND (p.grade - $5::int) * $7::int >= $6::int)"
            "   OR ($4 AND p.role <> 'mentee' AND ($5::int - p.grade) * $7::int >= $6::int))"
            " ORDER BY p.enrolled_at LIMIT $8",
            newcomer.profile.program_id,
            newcomer.participant_id,
            newcomer.can_mentor(),
            newcomer.can_be_mentored(),
            newcomer.profile.grade,
            policy.min_grade_gap,
            1 if policy.direction == "reverse" else -1,  # in an ordinary program the mentor is the senior
            limit,
        )
        return await self._with_earlier_partners(newcomer.profile.program_id, [_participant(row) for row in rows])

    async def managers_above(self, people: Iterable[UUID]) -> dict[UUID, list[UUID]]:
        """Managers of these people and, through anyone enrolled, of theirs: enough to see any reporting line. One
        statement, however long the lines."""
        rows = await self._conn.fetch(_MANAGERS_ABOVE, list(people))
        return {
            row["participant_id"]: ([UUID(row["manager"])] if row["manager"] else [])
            + [UUID(x) for x in (row["chain"] or [])]
            for row in rows
        }

    async def waiting(self, program_id: str, limit: int) -> list[Participant]:
        """Everyone in the program with room left, longest-waiting first."""
        rows = await self._conn.fetch(
            _PARTICIPANT
            + " WHERE p.program_id = $1 AND p.active_pairs < p.capacity AND p.erased_at IS NULL AND p.withdrawn_at IS NULL"
            " ORDER BY p.enrolled_at LIMIT $2",
            program_id,
            limit,
        )
        return await self._with_earlier_partners(program_id, [_participant(row) for row in rows])

    async def add_pair(self, pair_id: UUID, pair: ScoredPair, origin: str) -> None:
        await self._conn.execute(
            "INSERT INTO pairs (pair_id, program_id, mentor_id, mentee_id, score, reasons, breakdown, origin)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            pair_id,
            pair.mentor.profile.program_id,
            pair.mentor.participant_id,
            pair.mentee.participant_id,
            pair.score,
            list(pair.reasons),
            pair.breakdown,
            origin,
        )
        paired = await self._conn.fetch(
            "UPDATE participants SET active_pairs = active_pairs + 1 WHERE participant_id = ANY($1::uuid[])"
            " RETURNING program_id",
            [pair.mentor.participant_id, pair.mentee.participant_id],
        )
        await self._stamp_unlocked(row["program_id"] for row in paired)
        await self._conn.execute(
            "DELETE FROM unmatched WHERE participant_id = ANY($1::uuid[])",
            [pair.mentor.participant_id, pair.mentee.participant_id],
        )

    async def add_pairs(self, rows: Sequence[tuple[UUID, ScoredPair]], origin: str) -> None:
        """Many pairs at once (a run): one statement per table, whatever the number of pairs."""
        await self._conn.execute(
            "INSERT INTO pairs (pair_id, program_id, mentor_id, mentee_id, score, reasons, breakdown, origin)"
            " SELECT pair_id, program_id, mentor_id, mentee_id, score, reasons::jsonb, breakdown::jsonb, $8"
            " FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::float8[], $6::text[], $7::text[])"
            " AS run (pair_id, program_id, mentor_id, mentee_id, score, reasons, breakdown)",
            [pair_id for pair_id, _ in rows],
            [p.mentor.profile.program_id for _, p in rows],
            [p.mentor.participant_id for _, p in rows],
            [p.mentee.participant_id for _, p in rows],
            [p.score for _, p in rows],
            [json.dumps(list(p.reasons)) for _, p in rows],
            [json.dumps(p.breakdown) for _, p in rows],
            origin,
        )
        people = [p.mentor.participant_id for _, p in rows] + [p.mentee.participant_id for _, p in rows]
        paired = await self._conn.fetch(
            "UPDATE participants p SET active_pairs = p.active_pairs + n.count"
            " FROM (SELECT id, count(*) AS count FROM unnest($1::uuid[]) AS id GROUP BY id) n"
            " WHERE p.participant_id = n.id RETURNING p.program_id",
            people,
        )
        await self._stamp_unlocked(row["program_id"] for row in paired)
        await self._conn.execute("DELETE FROM unmatched WHERE participant_id = ANY($1::uuid[])", people)

    async def active_between(self, a: UUID, b: UUID) -> bool:
        return bool(
            await self._conn.fetchval(
                "SELECT 1 FROM pairs WHERE status = 'active' AND LEAST(mentor_id, mentee_id) = LEAST($1::uuid, $2::uuid)"
                " AND GREATEST(mentor_id, mentee_id) = GREATEST($1::uuid, $2::uuid)",
                a,
                b,
            )
        )

    async def active_pair(self, pair_id: UUID) -> ActivePair | None:
        row = await self._conn.fetchrow(
            "SELECT pair_id, program_id, mentor_id, mentee_id FROM pairs WHERE pair_id = $1 AND status = 'active'",
            pair_id,
        )
        return ActivePair(**dict(row)) if row else None

    async def active_pairs_of(self, participant_id: UUID) -> list[ActivePair]:
        rows = await self._conn.fetch(
            "SELECT pair_id, program_id, mentor_id, mentee_id FROM pairs"
            " WHERE $1 IN (mentor_id, mentee_id) AND status = 'active' ORDER BY pair_id",
            participant_id,
        )
        return [ActivePair(**dict(row)) for row in rows]

    async def withdraw(self, participant_id: UUID) -> bool:
        """Take an enrolled participant out of matching for good; False if they were not enrolled (or left already)."""
        program_id = await self._conn.fetchval(
            "UPDATE participants SET withdrawn_at = now()"
            " WHERE participant_id = $1 AND erased_at IS NULL AND withdrawn_at IS NULL RETURNING program_id",
            participant_id,
        )
        if program_id is None:
            return False
        await self._stamp_unlocked([program_id])
        return True

    async def end_pair(self, pair: ActivePair, status: str) -> None:
        await self._conn.execute(
            "UPDATE pairs SET status = $2, ended_at = now() WHERE pair_id = $1", pair.pair_id, status
        )
        freed = await self._conn.fetch(
            "UPDATE participants SET active_pairs = active_pairs - 1 WHERE participant_id = ANY($1::uuid[])"
            " RETURNING program_id",
            [pair.mentor_id, pair.mentee_id],
        )
        await self._stamp_unlocked(row["program_id"] for row in freed)

    async def pair_standing(self, pair_id: UUID) -> PairStanding | None:
        """A pair in any status and its at-risk flag, the pair's row locked so that flags and answers to the
        rematch offer follow one another."""
        row = await self._conn.fetchrow(
            "SELECT p.pair_id, p.program_id, p.mentor_id, p.mentee_id, p.status = 'active' AS active,"
            " r.pair_id IS NOT NULL AS at_risk, r.rematch_confirmed_by"
            " FROM pairs p LEFT JOIN pairs_at_risk r USING (pair_id) WHERE p.pair_id = $1 FOR UPDATE OF p",
            pair_id,
        )
        return PairStanding(**dict(row)) if row else None

    async def flag_at_risk(self, pair_id: UUID, score: float, reasons: list[str], detected_at: datetime) -> None:
        """Flag the pair at risk, or refresh the score and reasons of its flag; `since` stays the first detection."""
        await self._conn.execute(
            "INSERT INTO pairs_at_risk (pair_id, score, reasons, since) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (pair_id) DO UPDATE SET score = excluded.score, reasons = excluded.reasons",
            pair_id,
            score,
            reasons,
            detected_at,
        )

    async def confirm_rematch(self, pair_id: UUID, confirmed_by: str) -> None:
        await self._conn.execute(
            "UPDATE pairs_at_risk SET rematch_confirmed_by = $2, rematch_confirmed_at = now() WHERE pair_id = $1",
            pair_id,
            confirmed_by,
        )

    async def clear_at_risk(self, pair_id: UUID) -> None:
        await self._conn.execute("DELETE FROM pairs_at_risk WHERE pair_id = $1", pair_id)

    async def pairs_at_risk(self, program_id: str) -> list[asyncpg.Record]:
        """The program's active pairs flagged at risk, longest-flagged first."""
        return await self._conn.fetch(
            "SELECT p.pair_id, p.mentor_id, p.mentee_id, r.score, r.reasons, r.since, r.rematch_confirmed_by, r.rematch_confirmed_at"
            " FROM pairs p JOIN pairs_at_risk r USING (pair_id) WHERE p.program_id = $1 AND p.status = 'active'"
            " ORDER BY r.since, p.pair_id",
            program_id,
        )

    async def add_proposal(self, pair_id: UUID, pair: ScoredPair, proposed_by: UUID, expires_at: datetime) -> bool:
        """Store a pending proposal; False when the couple already has one pending."""
        status = await self._conn.execute(
            "INSERT INTO proposals (pair_id, program_id, mentor_id, mentee_id, proposed_by, expires_at, reasons)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            pair_id,
            pair.mentor.profile.program_id,
            pair.mentor.participant_id,
            pair.mentee.participant_id,
            proposed_by,
            expires_at,
            list(pair.reasons),
        )
        return status.endswith(" 1")

    async def close_proposals(self, program_id: str) -> list[Proposal]:
        """The program's proposals still waiting for an answer, declined as no longer possible."""
        rows = await self._conn.fetch(
            "UPDATE proposals SET status = 'no_longer_possible', decided_at = now()"
            " WHERE program_id = $1 AND status = 'pending'"
            " RETURNING pair_id, program_id, mentor_id, mentee_id, proposed_by, status, expires_at",
            program_id,
        )
        return sorted((Proposal(**dict(row)) for row in rows), key=lambda proposal: proposal.pair_id)

    async def proposal(self, pair_id: UUID, for_update: bool = False) -> Proposal | None:
        row = await self._conn.fetchrow(
            "SELECT pair_id, program_id, mentor_id, mentee_id, proposed_by, status, expires_at FROM proposals"
            " WHERE pair_id = $1" + (" FOR UPDATE" if for_update else ""),
            pair_id,
        )
        return Proposal(**dict(row)) if row else None

    async def decide_proposal(self, pair_id: UUID, status: str) -> None:
        await self._conn.execute(
            "UPDATE proposals SET status = $2, decided_at = now() WHERE pair_id = $1", pair_id, status
        )

    async def claim_expired_proposals(self, limit: int) -> list[Proposal]:
        """Pending proposals past their time, locked against other replicas until the transaction ends."""
        rows = await self._conn.fetch(
            "UPDATE proposals SET status = 'expired', decided_at = now() WHERE pair_id IN ("
            "  SELECT pair_id FROM proposals WHERE status = 'pending' AND expires_at <= now()"
            "  ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)"
            " RETURNING pair_id, program_id, mentor_id, mentee_id, proposed_by, status, expires_at",
            limit,
        )
        return [Proposal(**dict(row)) for row in rows]

    async def own_pairs(self, participant_id: UUID) -> list[OwnPair]:
        """Their pairs and the proposals not taken up, newest first; a pending proposal past its expiry shows as
        expired before the expiry worker gets to it."""
        rows = await self._conn.fetch(
            "SELECT x.*, o.profile->>'display_name' AS partner_name, o.profile->>'department' AS partner_department,"
            " o.profile->>'time_zone' AS partner_time_zone FROM ("
            "  SELECT p.pair_id, p.program_id, p.mentor_id, p.mentee_id, p.status, p.reasons, p.origin,"
            "   q.proposed_by, q.expires_at, (p.status = 'active' AND r.pair_id IS NOT NULL) AS at_risk, p.created_at"
            "  FROM pairs p LEFT JOIN proposals q USING (pair_id) LEFT JOIN pairs_at_risk r USING (pair_id)"
            "  WHERE $1 IN (p.mentor_id, p.mentee_id)"
            "  UNION ALL"
            "  SELECT pair_id, program_id, mentor_id, mentee_id,"
            "   CASE WHEN status <> 'pending' THEN status WHEN expires_at > now() THEN 'proposed' ELSE 'expired' END,"
            "   reasons, 'suggestion', proposed_by, expires_at, false, created_at"
            "  FROM proposals WHERE $1 IN (mentor_id, mentee_id) AND status <> 'accepted'"
            " ) x JOIN participants o ON o.participant_id = CASE WHEN x.mentor_id = $1 THEN x.mentee_id ELSE x.mentor_id END"
            " ORDER BY x.created_at DESC, x.pair_id",
            participant_id,
        )
        return [OwnPair(viewer=participant_id, **dict(row)) for row in rows]

    async def run_done(self, run_id: UUID) -> bool:
        return bool(await self._conn.fetchval("SELECT 1 FROM runs WHERE run_id = $1", run_id))

    async def record_run(self, run_id: UUID, program_id: str, paired: int, unmatched: dict[UUID, list[str]]) -> None:
        await self._conn.execute(
            "INSERT INTO runs (run_id, program_id, paired, unmatched) VALUES ($1, $2, $3, $4)",
            run_id,
            program_id,
            paired,
            len(unmatched),
        )
        await self._conn.execute(
            "INSERT INTO unmatched (participant_id, run_id, reasons)"
            " SELECT participant_id, $2, reasons::jsonb FROM unnest($1::uuid[], $3::text[]) AS run (participant_id, reasons)"
            " ON CONFLICT (participant_id) DO UPDATE"
            " SET run_id = excluded.run_id, reasons = excluded.reasons, recorded_at = now()",
            list(unmatched),
            run_id,
            [json.dumps(reasons) for reasons in unmatched.values()],
        )
        await self._conn.execute(
            "UPDATE programs SET first_run_at = coalesce(first_run_at, now()) WHERE program_id = $1", program_id
        )

    async def update_participant(self, participant_id: UUID, profile: ParticipantProfile) -> Participant | None:
        """Replace a profile; None for someone never enrolled or erased."""
        program_id = await self._conn.fetchval(
            "UPDATE participants SET profile = $2, role = $3, grade = $4, capacity = $5"
            " WHERE participant_id = $1 AND erased_at IS NULL RETURNING program_id",
            participant_id,
            profile.model_dump(mode="json"),
            profile.role,
            profile.grade,
            profile.capacity,
        )
        if program_id is None:
            return None
        await self._stamp_unlocked([program_id])
        return await self.participant(participant_id)

    async def unlocked_pairs(self, program_id: str) -> list[ActivePair]:
        rows = await self._conn.fetch(
            "SELECT pair_id, program_id, mentor_id, mentee_id FROM pairs"
            " WHERE program_id = $1 AND status = 'active' AND NOT locked ORDER BY pair_id",
            program_id,
        )
        return [ActivePair(**dict(row)) for row in rows]

    async def set_locked(self, pair_id: UUID, locked: bool) -> bool:
        status = await self._conn.execute(
            "UPDATE pairs SET locked = $2 WHERE pair_id = $1 AND status = 'active'", pair_id, locked
        )
        return status.endswith(" 1")

    async def waiting_reasons(self, participant_id: UUID) -> list[str]:
        """Why the last match run, or rolling matching, left them without a partner; empty once paired."""
        return (
            await self._conn.fetchval("SELECT reasons FROM unmatched WHERE participant_id = $1", participant_id) or []
        )

    async def record_unmatched(self, participant_id: UUID, run_id: UUID, reasons: list[str]) -> None:
        """What they were told: they are not told again while it stands, and pairing them clears it."""
        await self._conn.execute(_RECORD_UNMATCHED, participant_id, run_id, reasons)

    async def forget_unmatched(self, people: Iterable[UUID]) -> None:
        await self._conn.execute("DELETE FROM unmatched WHERE participant_id = ANY($1::uuid[])", list(people))

    async def told_unmatchable(self, program_id: str) -> list[Participant]:
        """Those with room left whom rolling matching told that no one could be their partner (a run's notices aside)."""
        rows = await self._conn.fetch(
            _PARTICIPANT
            + " WHERE p.program_id = $1 AND p.active_pairs < p.capacity AND p.erased_at IS NULL AND p.withdrawn_at IS NULL"
            " AND p.participant_id IN (SELECT u.participant_id FROM unmatched u"
            "   WHERE NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = u.run_id))",
            program_id,
        )
        return await self._with_earlier_partners(program_id, [_participant(row) for row in rows])

    async def rolling_standing(self, program_id: str) -> ProgramStanding:
        """Everyone in the program who is not erased or withdrawn, with their partners so far, and those of them
        rolling matching told that no one could partner them (a run's notices aside)."""
        people = await self.people(program_id)
        told = await self._conn.fetch(
            "SELECT u.participant_id FROM unmatched u JOIN participants p USING (participant_id)"
            " WHERE p.program_id = $1 AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.run_id = u.run_id)",
            program_id,
        )
        by_id = {person.participant_id: person for person in people}
        return ProgramStanding(by_id, {row["participant_id"] for row in told if row["participant_id"] in by_id})

    async def record_unmatched_many(self, rows: Sequence[tuple[UUID, UUID, list[str]]]) -> None:
        """What each of these (participant, run or enrolment that decided it, reasons) was told, in one statement."""
        await self._conn.executemany(_RECORD_UNMATCHED, rows)

    async def profile_for_update(self, participant_id: UUID) -> ParticipantProfile | None:
        row = await self._conn.fetchrow(
            "SELECT profile FROM participants WHERE participant_id = $1 FOR UPDATE", participant_id
        )
        return ParticipantProfile.model_validate(row["profile"]) if row else None

    async def save_erased(self, participant_id: UUID, profile: ParticipantProfile) -> None:
        """Keep only the anonymised profile and take the participant out of matching."""
        program_id = await self._conn.fetchval(
            "UPDATE participants SET profile = $2, capacity = active_pairs, erased_at = now() WHERE participant_id = $1"
            " RETURNING program_id",
            participant_id,
            profile.model_dump(mode="json"),
        )
        await self._stamp_unlocked([program_id])
        await self._conn.execute("DELETE FROM audit_demographics WHERE participant_id = $1", participant_id)
        # Published events about them are the only other copy here, and parked ones the broker refused; those
        # waiting to be published must still go out.
        await self._conn.execute(
            "DELETE FROM outbox WHERE key = $1 AND (sent_at IS NOT NULL OR parked_at IS NOT NULL)", str(participant_id)
        )

    async def pairs(self, program_id: str) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT pair_id, mentor_id, mentee_id, score, breakdown, reasons, status, origin, locked, created_at FROM pairs"
            " WHERE program_id = $1 ORDER BY created_at, pair_id",
            program_id,
        )

    async def audit_rows(self, program_id: str) -> list[asyncpg.Record]:
        """Per participant: what the fairness audit groups by, whether they are paired, and their best pair's score."""
        return await self._conn.fetch(
            "SELECT p.participant_id, p.grade, p.profile->>'department' AS department,"
            " coalesce(p.profile->>'country', p.profile->>'time_zone') AS location,"
            " (SELECT max(x.score) FROM pairs x WHERE x.status = 'active'"
            "   AND p.participant_id IN (x.mentor_id, x.mentee_id)) AS score"
            " FROM participants p WHERE p.program_id = $1 AND p.erased_at IS NULL AND p.withdrawn_at IS NULL",
            program_id,
        )

    async def demographics(self, program_id: str) -> list[asyncpg.Record]:
        """Audit only: read by the fairness report, never by matching."""
        return await self._conn.fetch(
            "SELECT participant_id, attribute, value FROM audit_demographics WHERE program_id = $1", program_id
        )

    async def save_demographics(self, program_id: str, rows: Sequence[tuple[UUID, str, str]]) -> int:
        await self._conn.executemany(
            "INSERT INTO audit_demographics (program_id, participant_id, attribute, value) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (participant_id, attribute) DO UPDATE SET value = excluded.value",
            [(program_id, person, attribute, value) for person, attribute, value in rows],
        )
        return len(rows)

    async def enrolled(self, program_id: str, people: Iterable[UUID]) -> set[UUID]:
        rows = await self._conn.fetch(
            "SELECT participant_id FROM participants WHERE program_id = $1 AND participant_id = ANY($2::uuid[])",
            program_id,
            list(people),
        )
        return {row["participant_id"] for row in rows}


def _participant(row: asyncpg.Record) -> Participant:
    return Participant(
        participant_id=row["participant_id"],
        profile=ParticipantProfile.model_validate(row["profile"]),
        active_pairs=row["active_pairs"],
        enrolled_at=row["enrolled_at"],
        mentored=row["mentored"],
        partners=frozenset(row["partners"]),
    )
