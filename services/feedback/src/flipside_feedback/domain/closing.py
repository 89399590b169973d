"""A program's close as feedback lives it: which pairs still take check-ins, who is asked for the closing
self-assessment, who graduates, and who may read the closing report."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from uuid import UUID, uuid5

PROGRAM_COMPLETED = "program_completed"
PROGRAM_CANCELLED = "program_cancelled"
ENDED_WITH_THE_PROGRAM = frozenset({PROGRAM_COMPLETED, PROGRAM_CANCELLED})


def takes_check_ins(end_reason: str | None) -> bool:
    """A pair its program completed or cancelled meets no more: a check-in still on its way is not asked."""
    return end_reason not in ENDED_WITH_THE_PROGRAM


def asks_closing_self_assessment(end_reason: str | None) -> bool:
    """Only a pair that stayed together until its program completed closes with a self-assessment, and its two
    people graduate: a cancelled program has no closing report to feed and recognises no one."""
    return end_reason == PROGRAM_COMPLETED


def closing_of(pair_id: UUID) -> UUID:
    """The id a closing self-assessment request gives as its `session_id`: the pair's close, the same on every replay."""
    return uuid5(pair_id, "closing-self-assessment")


class ClosingReportUnavailable(LookupError):
    """Why a known program has no closing report (yet)."""


def report_available(status: str) -> None:
    """Raise unless the program completed."""
    if status == "cancelled":
        raise ClosingReportUnavailable("the program was cancelled: a cancelled program has no closing report")
    if status != "completed":
        raise ClosingReportUnavailable(f"the program is {status}: its closing report is ready once it completes")


@dataclass(frozen=True)
class ReportReaders:
    """Who the program's lifecycle events name as its leads and executive sponsors, by their subject."""

    leads: Collection[str]
    sponsors: Collection[str]

    def admits(self, subject: str, leads_by_token: bool) -> bool:
        """A lead (by their token's programs, or named by the program), an admin (`leads_by_token`), or a sponsor."""
        return leads_by_token or subject in self.leads or subject in self.sponsors
