"""Reporting lines: who is above whom, transitively, as far as profiles tell."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from uuid import UUID


def chains(managers: Mapping[UUID, Sequence[UUID]]) -> dict[UUID, frozenset[UUID]]:
    """Everyone above each person: their own managers and, through anyone enrolled, those above them.

    `managers` maps a person to the managers their profile names, nearest first. Cycles
    (bad HR data) end the walk instead of looping.
    """
    above: dict[UUID, frozenset[UUID]] = {}
    for person in managers:
        seen: set[UUID] = set()
        queue = list(managers[person])
        while queue:
            manager = queue.pop()
            if manager in seen or manager == person:
                continue
            seen.add(manager)
            queue.extend(managers.get(manager, ()))
        above[person] = frozenset(seen)
    return above


def in_one_line(a: UUID, b: UUID, above: Mapping[UUID, frozenset[UUID]]) -> bool:
    """Whether either is in the other's chain of managers."""
    return a in above.get(b, frozenset()) or b in above.get(a, frozenset())


def managers_of(profiles: Iterable[tuple[UUID, UUID | None, Sequence[UUID]]]) -> dict[UUID, list[UUID]]:
    """(person, direct manager, further chain) -> person: managers, nearest first."""
    return {person: ([manager] if manager else []) + list(chain) for person, manager, chain in profiles}
