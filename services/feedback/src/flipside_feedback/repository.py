"""asyncpg queries on the `feedback` schema, inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from flipside_shared.columns import columns
from flipside_shared.events.programs import ProgramDetails

from .closing_repository import ClosingRepository
from .domain.concerns import RaisedConcern
from .domain.goals import PairMembers
from .domain.health import PairSignals, Rating
from .domain.questionnaire import BUILT_IN, BUILT_IN_VERSION, Questionnaire
from .insights_repository import InsightsRepository
from .stories_repository import StoriesRepository


class FeedbackRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @property
    def insights(self) -> InsightsRepository:
        """The queries gathering a program's records for its insights, on the same connection."""
        return InsightsRepository(self._conn)

    @property
    def closing(self) -> ClosingRepository:
        """The queries gathering a completed program's records for its closing report, on the same connection."""
        return ClosingRepository(self._conn)

    @property
    def stories(self) -> StoriesRepository:
        """The success stories pairs write and share, on the same connection."""
        return StoriesRepository(self._conn)

    # What other services tell us

    async def save_participants(self, enrolled: Sequence[tuple[UUID, str, str, str, str]], at: datetime) -> None:
        """Each (participant, program, role, department, grade band) enrolled at `at`, in one statement; a person
        given twice is stored as given last, and an erased person is not brought back."""
        latest = list({person[0]: person for person in enrolled}.values())
        await self._conn.execute(
            "INSERT INTO participants (participant_id, program_id, role, department, grade_band, enrolled_at)"
            " SELECT p, g, r, d, b, $6 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])"
            " AS t(p, g, r, d, b)"
            " ON CONFLICT (participant_id) DO UPDATE SET program_id = EXCLUDED.program_id,"
            " role = EXCLUDED.role, department = EXCLUDED.department, grade_band = EXCLUDED.grade_band"
            " WHERE participants.erased_at IS NULL",
            *columns(latest, 5),
            at,
        )

    async def update_participant(self, participant_id: UUID, role: str, department: str, grade_band: str) -> None:
        await self._conn.execute(
            "UPDATE participants SET role = $2, department = $3, grade_band = $4 WHERE participant_id = $1 AND erased_at IS NULL",
            participant_id,
            role,
            department,
            grade_band,
        )

    async def save_program(self, program_id: str, status: str, details: ProgramDetails, occurred_at: datetime) -> None:
        """The program as its latest lifecycle event describes it; an older event arriving late changes nothing."""
        contacts = [
            [{"subject": c.subject, "display_name": c.display_name} for c in people]
            for people in (details.leads, details.sponsors)
        ]
        await self._conn.execute(
            "INSERT INTO programs (program_id, name, status, starts_on, ends_on, leads, sponsors, changed_at, completed_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $3 = 'completed' THEN $8::timestamptz END)"
            " ON CONFLICT (program_id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status,"
            " starts_on = EXCLUDED.starts_on, ends_on = EXCLUDED.ends_on, leads = EXCLUDED.leads,"
            " sponsors = EXCLUDED.sponsors, changed_at = EXCLUDED.changed_at,"
            " completed_at = coalesce(programs.completed_at, EXCLUDED.completed_at)"
            " WHERE programs.changed_at <= EXCLUDED.changed_at",
            program_id,
            details.name,
            status,
            details.starts_on,
            details.ends_on,
            contacts[0],
            contacts[1],
            occurred_at,
        )

    async def program_status(self, program_id: str) -> str | None:
        return await self._conn.fetchval("SELECT status FROM programs WHERE program_id = $1", program_id)

    async def lock_program(self, program_id: str) -> None:
        """Taken before a pair's lock where both are needed: a pair's close and its program's are judged in turn."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('feedback-program:' || $1))", program_id)

    async def save_withdrawal(self, participant_id: UUID, program_id: str, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO withdrawals (participant_id, program_id, withdrawn_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            participant_id,
            program_id,
            at,
        )

    async def save_proposal(
        self, pair_id: UUID, program_id: str, mentor_id: UUID, mentee_id: UUID, at: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO proposals (pair_id, program_id, mentor_id, mentee_id, proposed_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT DO NOTHING",
            pair_id,
            program_id,
            mentor_id,
            mentee_id,
            at,
        )

    async def decide_proposal(self, pair_id: UUID, outcome: str) -> None:
        await self._conn.execute(
            "UPDATE proposals SET outcome = $2 WHERE pair_id = $1 AND outcome IS NULL", pair_id, outcome
        )

    async def save_pair(self, pair_id: UUID, program_id: str, mentor_id: UUID, mentee_id: UUID, at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO pairs (pair_id, program_id, mentor_id, mentee_id, created_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT DO NOTHING",
            pair_id,
            program_id,
            mentor_id,
            mentee_id,
            at,
        )

    async def end_pair(self, pair_id: UUID, reason: str, at: datetime) -> None:
        await self._conn.execute(
            "UPDATE pairs SET ended_at = $3, end_reason = $2 WHERE pair_id = $1 AND ended_at IS NULL",
            pair_id,
            reason,
            at,
        )

    async def save_session(
        self, session_id: UUID, pair_id: UUID, program_id: str, kind: str, starts_at: datetime
    ) -> None:
        await self._conn.execute(
            "INSERT INTO sessions (session_id, pair_id, program_id, kind, starts_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (session_id) DO UPDATE SET starts_at = EXCLUDED.starts_at WHERE sessions.status = 'planned'",
            session_id,
            pair_id,
            program_id,
            kind,
            starts_at,
        )

    async def mark_session(
        self, session_id: UUID, pair_id: UUID, program_id: str, status: str, kind: str, starts_at: datetime
    ) -> None:
        """Held (its check-in came) or cancelled; a session first heard of here is recorded too."""
        await self._conn.execute(
            "INSERT INTO sessions (session_id, pair_id, program_id, kind, starts_at, status) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (session_id) DO UPDATE SET status = EXCLUDED.status",
            session_id,
            pair_id,
            program_id,
            kind,
            starts_at,
            status,
        )

    async def held_kinds(self, pair_id: UUID) -> list[str]:
        return [
            r["kind"]
            for r in await self._conn.fetch("SELECT kind FROM sessions WHERE pair_id = $1 AND status = 'held'", pair_id)
        ]

    async def held_kinds_of(self, pair_ids: list[UUID]) -> dict[UUID, list[str]]:
        """`held_kinds` of several pairs in one query; a pair with no session held yet is left out."""
        rows = await self._conn.fetch(
            "SELECT pair_id, kind FROM sessions WHERE pair_id = ANY($1::uuid[]) AND status = 'held'", pair_ids
        )
        held: dict[UUID, list[str]] = {}
        for row in rows:
            held.setdefault(row["pair_id"], []).append(row["kind"])
        return held

    async def mark_sessions_held(self, sessions: list[tuple[UUID, UUID, str, str, datetime]]) -> None:
        """`mark_session` as held for each (session, pair, program, kind, starts at), in one statement; each
        session at most once."""
        session_ids, pair_ids, program_ids, kinds, starts = columns(sessions, 5)
        await self._conn.execute(
            "INSERT INTO sessions (session_id, pair_id, program_id, kind, starts_at, status)"
            " SELECT s, p, g, k, t, 'held' FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[])"
            " AS u(s, p, g, k, t) ON CONFLICT (session_id) DO UPDATE SET status = EXCLUDED.status",
            session_ids,
            pair_ids,
            program_ids,
            kinds,
            starts,
        )

    async def pair_members(self, pair_id: UUID) -> PairMembers | None:
        row = await self._conn.fetchrow("SELECT mentor_id, mentee_id, ended_at FROM pairs WHERE pair_id = $1", pair_id)
        return None if row is None else PairMembers(row["mentor_id"], row["mentee_id"], row["ended_at"] is None)

    async def pair(self, pair_id: UUID) -> asyncpg.Record | None:
        return await self._conn.fetchrow("SELECT * FROM pairs WHERE pair_id = $1", pair_id)

    async def pairs(self, pair_ids: list[UUID]) -> dict[UUID, asyncpg.Record]:
        """`pair` of several pairs in one query; those not known here are left out."""
        rows = await self._conn.fetch("SELECT * FROM pairs WHERE pair_id = ANY($1::uuid[])", pair_ids)
        return {row["pair_id"]: row for row in rows}

    async def lock_pairs(self, pair_ids: list[UUID]) -> None:
        """`lock_pair` for each of several pairs, in one statement; taken in the order of their ids, so two
        transactions locking some of the same pairs wait for each other instead of each holding what the other wants."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('feedback-pair:' || p::text))"
            " FROM unnest($1::uuid[]) WITH ORDINALITY AS u(p, n) ORDER BY n",
            sorted(set(pair_ids)),
        )

    async def lock_pair(self, pair_id: UUID) -> None:
        """One writer at a time per pair, so health is judged on a consistent picture."""
        await self._conn.execute(
            "SELECT pg_advisory_xact_lock(hashtext('feedback-pair:' || ($1::uuid)::text))", pair_id
        )

    # Questionnaires

    async def latest_questionnaire(self, program_id: str) -> tuple[int, Questionnaire]:
        row = await self._conn.fetchrow(
            "SELECT version, questions FROM questionnaires WHERE program_id = $1 ORDER BY version DESC LIMIT 1",
            program_id,
        )
        return (
            (BUILT_IN_VERSION, BUILT_IN)
            if row is None
            else (row["version"], Questionnaire.model_validate(row["questions"]))
        )

    async def latest_questionnaire_versions(self, program_ids: list[str]) -> dict[str, int]:
        """The version `latest_questionnaire` gives, for several programs in one query."""
        rows = await self._conn.fetch(
            "SELECT program_id, max(version) AS version FROM questionnaires WHERE program_id = ANY($1::text[])"
            " GROUP BY program_id",
            program_ids,
        )
        latest = {row["program_id"]: row["version"] for row in rows}
        return {program_id: latest.get(program_id, BUILT_IN_VERSION) for program_id in program_ids}

    async def questionnaire(self, program_id: str, version: int) -> Questionnaire | None:
        if version == BUILT_IN_VERSION:
            return BUILT_IN
        questions = await self._conn.fetchval(
            "SELECT questions FROM questionnaires WHERE program_id = $1 AND version = $2", program_id, version
        )
        return None if questions is None else Questionnaire.model_validate(questions)

    async def add_questionnaire(self, program_id: str, questionnaire: Questionnaire) -> int:
        """The next version (2 onwards: 1 is built in), serialised per program by the primary key."""
        await self._conn.execute("SELECT pg_advisory_xact_lock(hashtext('feedback-questionnaire:' || $1))", program_id)
        version = await self._conn.fetchval(
            "SELECT coalesce(max(version), $2) + 1 FROM questionnaires WHERE program_id = $1",
            program_id,
            BUILT_IN_VERSION,
        )
        await self._conn.execute(
            "INSERT INTO questionnaires (program_id, version, questions) VALUES ($1, $2, $3)",
            program_id,
            version,
            questionnaire.model_dump(),
        )
        return version

    # Check-in requests and answers

    async def add_request(
        self,
        request_id: UUID,
        session_id: UUID,
        pair_id: UUID,
        program_id: str,
        participant_id: UUID,
        role: str,
        expires_at: datetime,
        questionnaire_version: int,
    ) -> bool:
        """False if this participant was already asked about this session."""
        status = await self._conn.execute(
            "INSERT INTO feedback_requests (request_id, session_id, pair_id, program_id, participant_id, role, expires_at,"
            " questionnaire_version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (session_id, participant_id) DO NOTHING",
            request_id,
            session_id,
            pair_id,
            program_id,
            participant_id,
            role,
            expires_at,
            questionnaire_version,
        )
        return status == "INSERT 0 1"

    async def add_requests(
        self, requests: Sequence[tuple[UUID, UUID, UUID, str, UUID, str, datetime, int]]
    ) -> set[tuple[UUID, UUID]]:
        """`add_request` for each (request, session, pair, program, participant, role, expires at, questionnaire
        version), in one statement: the (session, participant) of those added, the others asked before."""
        rows = await self._conn.fetch(
            "INSERT INTO feedback_requests (request_id, session_id, pair_id, program_id, participant_id, role, expires_at,"
            " questionnaire_version) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[],"
            " $6::text[], $7::timestamptz[], $8::int[]) ON CONFLICT (session_id, participant_id) DO NOTHING"
            " RETURNING session_id, participant_id",
            *columns(requests, 8),
        )
        return {(row["session_id"], row["participant_id"]) for row in rows}

    async def request(self, request_id: UUID) -> asyncpg.Record | None:
        return await self._conn.fetchrow(
            "SELECT q.*, r.answers, r.revision FROM feedback_requests q LEFT JOIN responses r USING (request_id)"
            " WHERE q.request_id = $1 FOR UPDATE OF q",
            request_id,
        )

    async def save_answers(self, request_id: UUID, answers: dict[str, Any], version: int, source: str) -> int:
        """Store or replace the answers; return the revision now stored."""
        await self._conn.execute("UPDATE feedback_requests SET answered_at = now() WHERE request_id = $1", request_id)
        return await self._conn.fetchval(
            "INSERT INTO responses (request_id, answers, questionnaire_version, source) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (request_id) DO UPDATE SET answers = EXCLUDED.answers, submitted_at = now(), source = EXCLUDED.source,"
            " revision = responses.revision + 1 RETURNING revision",
            request_id,
            answers,
            version,
            source,
        )

    async def signals(self, pair_id: UUID, now: datetime) -> PairSignals:
        """What health is judged on, for one pair."""
        return (await self.signals_of([pair_id], now))[pair_id]

    async def signals_of(self, pair_ids: Sequence[UUID], now: datetime) -> dict[UUID, PairSignals]:
        """`signals` of several pairs, a statement per table for them all; the safety items are those the answer's
        own version marks."""
        answered = await self._conn.fetch(
            "SELECT q.pair_id, q.role, r.answers, r.questionnaire_version, q.program_id FROM responses r"
            " JOIN feedback_requests q USING (request_id) WHERE q.pair_id = ANY($1::uuid[])"
            " ORDER BY q.created_at, r.submitted_at",
            pair_ids,
        )
        questionnaires = await self._questionnaires_of(
            {(r["program_id"], r["questionnaire_version"]) for r in answered}
        )
        ratings: dict[UUID, list[Rating]] = {}
        for row in answered:
            questionnaire = questionnaires.get((row["program_id"], row["questionnaire_version"]), BUILT_IN)
            safety = [
                row["answers"][q.id]
                for q in questionnaire.questions
                if q.psychological_safety and row["answers"].get(q.id) is not None
            ]
            ratings.setdefault(row["pair_id"], []).append(
                Rating(row["role"], row["answers"]["session_value"], sum(safety) / len(safety) if safety else None)
            )
        counts = {
            row["pair_id"]: row
            for row in await self._conn.fetch(
                "SELECT pair_id, count(*) FILTER (WHERE status = 'held') AS held,"
                " count(*) FILTER (WHERE status = 'cancelled') AS cancelled"
                " FROM sessions WHERE pair_id = ANY($1::uuid[]) GROUP BY pair_id",
                pair_ids,
            )
        }
        silence = {
            row["pair_id"]: row
            for row in await self._conn.fetch(
                "SELECT pair_id, count(*) AS expired, count(*) FILTER (WHERE answered_at IS NULL) AS unanswered"
                " FROM feedback_requests WHERE pair_id = ANY($1::uuid[]) AND expires_at <= $2 GROUP BY pair_id",
                pair_ids,
                now,
            )
        }
        return {
            pair_id: PairSignals(
                ratings.get(pair_id, []),
                counts[pair_id]["held"] if pair_id in counts else 0,
                counts[pair_id]["cancelled"] if pair_id in counts else 0,
                silence[pair_id]["expired"] if pair_id in silence else 0,
                silence[pair_id]["unanswered"] if pair_id in silence else 0,
            )
            for pair_id in pair_ids
        }

    async def _questionnaires_of(self, versions: set[tuple[str, int]]) -> dict[tuple[str, int], Questionnaire]:
        """The questionnaire of each (program, version) stored here, in one query; the built-in one is not stored."""
        stored = sorted(version for version in versions if version[1] != BUILT_IN_VERSION)
        if not stored:
            return {}
        rows = await self._conn.fetch(
            "SELECT q.program_id, q.version, q.questions FROM questionnaires q"
            " JOIN unnest($1::text[], $2::int[]) AS u(program_id, version) USING (program_id, version)",
            [program_id for program_id, _ in stored],
            [version for _, version in stored],
        )
        return {(row["program_id"], row["version"]): Questionnaire.model_validate(row["questions"]) for row in rows}

    async def record_health(self, pair_id: UUID, score: float, status: str, reasons: list[str], at: datetime) -> None:
        await self.record_health_of([(pair_id, score, status, reasons)], at)

    async def record_health_of(self, judged: Sequence[tuple[UUID, float, str, list[str]]], at: datetime) -> None:
        """`record_health` of each (pair, score, status, reasons), in one statement; the reasons travel as JSON, as
        an array of arrays of different lengths cannot."""
        await self._conn.execute(
            "UPDATE pairs SET health_score = u.score, health_status = u.status,"
            " health_reasons = ARRAY(SELECT jsonb_array_elements_text(u.reasons::jsonb)), health_at = $5"
            " FROM unnest($1::uuid[], $2::float8[], $3::text[], $4::text[]) AS u(pair_id, score, status, reasons)"
            " WHERE pairs.pair_id = u.pair_id",
            [pair_id for pair_id, _, _, _ in judged],
            [score for _, score, _, _ in judged],
            [status for _, _, status, _ in judged],
            [json.dumps(reasons) for _, _, _, reasons in judged],
            at,
        )

    async def pairs_with_requests_expired_since(self, since: datetime, now: datetime) -> list[UUID]:
        rows = await self._conn.fetch(
            "SELECT DISTINCT q.pair_id FROM feedback_requests q JOIN pairs p USING (pair_id)"
            " WHERE q.expires_at > $1 AND q.expires_at <= $2 AND p.ended_at IS NULL",
            since,
            now,
        )
        return [r["pair_id"] for r in rows]

    # Goals

    async def add_goal(
        self,
        goal_id: UUID,
        pair_id: UUID,
        program_id: str,
        owner_id: UUID,
        owner_role: str,
        category: str,
        title: str,
        at: datetime,
    ) -> bool:
        status = await self._conn.execute(
            "INSERT INTO goals (goal_id, pair_id, program_id, owner_id, owner_role, category, title, set_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (goal_id) DO NOTHING",
            goal_id,
            pair_id,
            program_id,
            owner_id,
            owner_role,
            category,
            title,
            at,
        )
        return status == "INSERT 0 1"

    async def goal(self, goal_id: UUID) -> asyncpg.Record | None:
        return await self._conn.fetchrow("SELECT * FROM goals WHERE goal_id = $1 FOR UPDATE", goal_id)

    async def goals_of_pair(self, pair_id: UUID) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT goal_id, owner_id, owner_role, category, title, progress_percent, status, set_at, achieved_at"
            " FROM goals WHERE pair_id = $1 ORDER BY set_at",
            pair_id,
        )

    async def move_goal(self, goal_id: UUID, percent: int, achieved_at: datetime | None) -> None:
        await self._conn.execute(
            "UPDATE goals SET progress_percent = $2, status = CASE WHEN $3::timestamptz IS NULL THEN status ELSE 'achieved' END,"
            " achieved_at = coalesce($3, achieved_at) WHERE goal_id = $1",
            goal_id,
            percent,
            achieved_at,
        )

    # Recognition

    async def award(self, pair_id: UUID, milestone: str, goal_id: UUID | None, at: datetime) -> UUID | None:
        """The new recognition's id, or None when this milestone was recognised before."""
        return (await self.award_many([(pair_id, milestone, goal_id)], at)).get((pair_id, milestone, goal_id))

    async def award_many(
        self, milestones: Sequence[tuple[UUID, str, UUID | None]], at: datetime
    ) -> dict[tuple[UUID, str, UUID | None], UUID]:
        """`award` of each (pair, milestone, goal), in one statement: the new recognitions' ids, by what they
        recognise; those recognised before are left out."""
        rows = await self._conn.fetch(
            "INSERT INTO recognitions (recognition_id, pair_id, milestone, goal_id, awarded_at)"
            " SELECT r, p, m, g, $5 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::uuid[]) AS u(r, p, m, g)"
            " ON CONFLICT DO NOTHING RETURNING recognition_id, pair_id, milestone, goal_id",
            [uuid4() for _ in milestones],
            [pair_id for pair_id, _, _ in milestones],
            [milestone for _, milestone, _ in milestones],
            [goal_id for _, _, goal_id in milestones],
            at,
        )
        return {(row["pair_id"], row["milestone"], row["goal_id"]): row["recognition_id"] for row in rows}

    async def pairs_ended_by(self, program_id: str, reason: str) -> list[UUID]:
        rows = await self._conn.fetch(
            "SELECT pair_id FROM pairs WHERE program_id = $1 AND end_reason = $2 ORDER BY pair_id", program_id, reason
        )
        return [row["pair_id"] for row in rows]

    # The closing self-assessment

    async def add_closing_request(
        self,
        request_id: UUID,
        program_id: str,
        participant_id: UUID,
        pair_id: UUID,
        role: str,
        expires_at: datetime,
    ) -> bool:
        """False if this person was already asked for their closing self-assessment in this program."""
        status = await self._conn.execute(
            "INSERT INTO closing_requests (request_id, program_id, participant_id, pair_id, role, expires_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (program_id, participant_id) DO NOTHING",
            request_id,
            program_id,
            participant_id,
            pair_id,
            role,
            expires_at,
        )
        return status == "INSERT 0 1"

    async def closing_request(self, request_id: UUID) -> asyncpg.Record | None:
        return await self._conn.fetchrow("SELECT * FROM closing_requests WHERE request_id = $1 FOR UPDATE", request_id)

    # Self-assessments

    async def save_self_assessment(
        self, participant_id: UUID, program_id: str, phase: str, scores: dict[str, int]
    ) -> None:
        await self._conn.execute(
            "INSERT INTO self_assessments (participant_id, program_id, phase, scores) VALUES ($1, $2, $3, $4)"
            " ON CONFLICT (participant_id, program_id, phase) DO UPDATE SET scores = EXCLUDED.scores, recorded_at = now()",
            participant_id,
            program_id,
            phase,
            scores,
        )

    async def self_assessment_saved_at(self, participant_id: UUID, program_id: str, phase: str) -> datetime | None:
        return await self._conn.fetchval(
            "SELECT recorded_at FROM self_assessments WHERE participant_id = $1 AND program_id = $2 AND phase = $3 FOR UPDATE",
            participant_id,
            program_id,
            phase,
        )

    async def self_assessments(self, participant_id: UUID) -> list[asyncpg.Record]:
        return await self._conn.fetch(
            "SELECT program_id, phase, scores, recorded_at FROM self_assessments WHERE participant_id = $1 ORDER BY recorded_at",
            participant_id,
        )

    async def participant(self, participant_id: UUID) -> asyncpg.Record | None:
        return await self._conn.fetchrow(
            "SELECT * FROM participants WHERE participant_id = $1 AND erased_at IS NULL", participant_id
        )

    # The anonymous upward channel

    async def add_concern(self, program_id: str, theme: str, body: str, contributor_hash: bytes, on: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO concerns (concern_id, program_id, theme, body, contributor_hash, raised_on) VALUES ($1, $2, $3, $4, $5, $6)",
            uuid4(),
            program_id,
            theme,
            body,
            contributor_hash,
            on.date(),
        )

    async def concerns(self, program_id: str) -> list[RaisedConcern]:
        rows = await self._conn.fetch(
            "SELECT theme, body, contributor_hash, raised_on FROM concerns WHERE program_id = $1", program_id
        )
        return [RaisedConcern(r["theme"], r["body"], r["contributor_hash"], r["raised_on"]) for r in rows]

    # Who sponsors a program

    async def sponsors(self, program_id: str) -> frozenset[str]:
        """The subjects of the program's executive sponsors, as its latest lifecycle event names them."""
        sponsors = await self._conn.fetchval("SELECT sponsors FROM programs WHERE program_id = $1", program_id)
        return frozenset(sponsor["subject"] for sponsor in sponsors or ())

    # Erasure

    async def every_questionnaire(self) -> list[Questionnaire]:
        """The built-in questions and every version any program has asked."""
        rows = await self._conn.fetch("SELECT questions FROM questionnaires")
        return [BUILT_IN, *(Questionnaire.model_validate(r["questions"]) for r in rows)]

    async def erase(
        self, participant_id: UUID, contributor_hashes: list[bytes], free_text_ids: list[str], at: datetime
    ) -> None:
        """Nothing left that names or points to them; their numbers stay in the aggregates under a new random id."""
        stand_in = uuid4()
        await self.stories.erase_stories_of(participant_id)
        # Copies of events already on the broker are not needed here any more (subscribers have them).
        await self._conn.execute(
            "DELETE FROM outbox WHERE sent_at IS NOT NULL AND position(convert_to(($1::uuid)::text, 'UTF8') IN payload) > 0",
            participant_id,
        )
        await self._conn.execute("DELETE FROM concerns WHERE contributor_hash = ANY($1::bytea[])", contributor_hashes)
        await self._conn.execute(
            "UPDATE responses r SET answers = r.answers - $2::text[] FROM feedback_requests q"
            " WHERE q.request_id = r.request_id AND q.participant_id = $1",
            participant_id,
            free_text_ids,
        )
        await self._conn.execute(
            "UPDATE goals SET title = '(erased)', owner_id = $2 WHERE owner_id = $1", participant_id, stand_in
        )
        for table, column in (
            ("feedback_requests", "participant_id"),
            ("closing_requests", "participant_id"),
            ("withdrawals", "participant_id"),
            ("self_assessments", "participant_id"),
            ("pairs", "mentor_id"),
            ("pairs", "mentee_id"),
            ("proposals", "mentor_id"),
            ("proposals", "mentee_id"),
        ):
            await self._conn.execute(f"UPDATE {table} SET {column} = $2 WHERE {column} = $1", participant_id, stand_in)
        await self._conn.execute(
            "UPDATE participants SET participant_id = $2, erased_at = $3 WHERE participant_id = $1",
            participant_id,
            stand_in,
            at,
        )
