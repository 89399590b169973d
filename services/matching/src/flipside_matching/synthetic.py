"""Synthetic programs as the matching engine sees them: the shared generator's people, enrolled in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flipside_shared.synthetic import profiles

from .domain.model import Participant

EPOCH = datetime(2026, 1, 5, tzinfo=UTC)


def participants(size: int, program_id: str = "synthetic", seed: int = 1) -> list[Participant]:
    return [
        Participant(person, profile, 0, EPOCH + timedelta(seconds=i))
        for i, (person, profile) in enumerate(profiles(size, program_id, seed))
    ]
