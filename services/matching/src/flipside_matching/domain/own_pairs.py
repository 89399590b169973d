"""A person's pairs and proposals as they see them: their side, their partner, and what waits for their answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from uuid import UUID

Side = Literal["mentor", "mentee"]


@dataclass(frozen=True)
class OwnPair:
    """A pair (`active`, `dissolved`, `replaced`) or a proposal not taken up (`proposed`, `declined`, `expired`,
    `no_longer_possible`; an accepted one is its pair, under the same id), seen by `viewer`, one of its two people."""

    viewer: UUID
    pair_id: UUID
    program_id: str
    mentor_id: UUID
    mentee_id: UUID
    status: str
    reasons: list[str]
    origin: str
    proposed_by: UUID | None
    expires_at: datetime | None
    at_risk: bool
    created_at: datetime
    partner_name: str
    partner_department: str
    partner_time_zone: str

    @property
    def my_role(self) -> Side:
        return "mentor" if self.viewer == self.mentor_id else "mentee"

    @property
    def partner_role(self) -> Side:
        return "mentee" if self.my_role == "mentor" else "mentor"

    @property
    def partner_id(self) -> UUID:
        return self.mentee_id if self.my_role == "mentor" else self.mentor_id

    @property
    def awaiting_viewer(self) -> bool:
        """A proposal the viewer was asked and has not answered yet (only the side that was asked answers)."""
        return self.status == "proposed" and self.proposed_by != self.viewer
