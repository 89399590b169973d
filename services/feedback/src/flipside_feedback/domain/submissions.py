"""What becomes of a check-in answer: recorded, replacing an earlier one, a duplicate, or refused.

Late answers are refused, not stored: a link expires so that answers speak of a session while it is
fresh, and the program's trends are not rewritten weeks later. Editing is allowed until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID


class SubmissionRefused(ValueError):
    def __init__(self, reason: str, kind: Literal["forbidden", "expired"]) -> None:
        super().__init__(reason)
        self.kind = kind


@dataclass(frozen=True)
class AskedRequest:
    request_id: UUID
    pair_id: UUID
    participant_id: UUID
    expires_at: datetime
    current_answers: dict[str, Any] | None


def outcome(
    request: AskedRequest,
    participant_id: UUID,
    pair_id: UUID,
    answers: dict[str, Any],
    now: datetime,
) -> Literal["recorded", "replaced", "duplicate"]:
    if participant_id != request.participant_id or pair_id != request.pair_id:
        raise SubmissionRefused("this check-in was asked of someone else, about another pair", "forbidden")
    if now >= request.expires_at:
        raise SubmissionRefused(
            f"this check-in closed at {request.expires_at.isoformat()}; late answers are not recorded", "expired"
        )
    if request.current_answers is None:
        return "recorded"
    return "duplicate" if request.current_answers == answers else "replaced"
