"""Milestones a pair is recognised for, each once."""

from __future__ import annotations

from flipside_shared.events.feedback import Milestone

THREE_SESSIONS = 3


def session_milestones(held_kinds: list[str]) -> list[Milestone]:
    """Milestones reached by the sessions held so far (a kickoff counts as a session)."""
    reached: list[Milestone] = []
    if "kickoff" in held_kinds:
        reached.append("kickoff_held")
    if len(held_kinds) >= THREE_SESSIONS:
        reached.append("three_sessions")
    return reached
