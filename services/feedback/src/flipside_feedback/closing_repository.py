"""asyncpg queries that gather one program's records for its closing report: counts, pairs as they ended,
withdrawals and self-assessment scores; no answer text ever leaves the database by this path."""

from __future__ import annotations

import asyncpg

from flipside_shared.rows import one_row

from .domain.closing import ReportReaders
from .domain.closing_report import ClosedPair, ClosingRecords, ProgramFacts
from .domain.program_figures import SelfAssessment


class ClosingRepository:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def program(self, program_id: str) -> tuple[str, ReportReaders] | None:
        """The program's status and who may read its closing report; None for a program no lifecycle event named."""
        row = await self._conn.fetchrow(
            "SELECT status, leads, sponsors FROM programs WHERE program_id = $1", program_id
        )
        if row is None:
            return None
        readers = ReportReaders(
            leads={lead["subject"] for lead in row["leads"]},
            sponsors={sponsor["subject"] for sponsor in row["sponsors"]},
        )
        return row["status"], readers

    async def records(self, program_id: str) -> ClosingRecords:
        """One snapshot, as the insights read theirs."""
        async with self._conn.transaction(isolation="repeatable_read", readonly=True):
            program = await one_row(self._conn, "SELECT * FROM programs WHERE program_id = $1", program_id)
            pairs = await self._conn.fetch(
                "SELECT mentor_id, mentee_id, end_reason, health_status FROM pairs WHERE program_id = $1", program_id
            )
            withdrawals = await self._conn.fetch(
                "SELECT participant_id, withdrawn_at FROM withdrawals WHERE program_id = $1", program_id
            )
            assessments = await self._conn.fetch(
                "SELECT participant_id, phase, scores, recorded_at FROM self_assessments WHERE program_id = $1",
                program_id,
            )
            counts = await one_row(
                self._conn,
                "SELECT (SELECT count(*) FROM sessions WHERE program_id = $1 AND status = 'held') AS sessions_held,"
                " (SELECT count(*) FROM goals WHERE program_id = $1) AS goals_set,"
                " (SELECT count(*) FROM goals WHERE program_id = $1 AND status = 'achieved') AS goals_achieved",
                program_id,
            )
        return ClosingRecords(
            program=ProgramFacts(
                name=program["name"],
                status=program["status"],
                starts_on=program["starts_on"],
                ends_on=program["ends_on"],
                completed_at=program["completed_at"],
                leads=[lead["display_name"] for lead in program["leads"]],
                sponsors=[sponsor["display_name"] for sponsor in program["sponsors"]],
            ),
            pairs=[
                ClosedPair((row["mentor_id"], row["mentee_id"]), row["end_reason"], row["health_status"])
                for row in pairs
            ],
            withdrawn={row["participant_id"]: row["withdrawn_at"] for row in withdrawals},
            self_assessments=[
                SelfAssessment(row["participant_id"], row["phase"], row["scores"], row["recorded_at"])
                for row in assessments
            ],
            sessions_held=counts["sessions_held"],
            goals_set=counts["goals_set"],
            goals_achieved=counts["goals_achieved"],
        )
