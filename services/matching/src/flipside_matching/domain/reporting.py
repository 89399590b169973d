"""Reporting lines: who is above whom, transitively, as far as profiles tell."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from uuid import UUID


def chains(managers: Mapping[UUID, Sequence[UUID]]) -> dict[UUID, frozenset[UUID]]:
    """Everyone above each person: their own managers and, through anyone enrolled, those above them.

    `managers` maps a person to the managers their profile names, nearest first. Each chain is
    worked out once, after those of the person's managers, and reused by everyone below; a cycle
    (bad HR data) is cut where it closes instead of looping.
    """
    above: dict[UUID, frozenset[UUID]] = {}
    for start in managers:
        if start in above:
            continue
        if not managers[start]:  # most people of a space name no manager: nothing to climb
            above[start] = frozenset()
            continue
        in_progress = {start}
        stack = [(start, iter(managers[start]))]
        while stack:
            person, pending = stack[-1]
            for manager in pending:
                if manager in managers and manager not in above and manager not in in_progress:
                    in_progress.add(manager)
                    stack.append((manager, iter(managers[manager])))
                    break
            else:
                stack.pop()
                chain: set[UUID] = set()
                for manager in managers[person]:
                    chain.add(manager)
                    chain |= above.get(manager, frozenset())
                chain.discard(person)
                above[person] = frozenset(chain)
    return above


def lines_above(
    people: Mapping[UUID, Sequence[UUID]], org: Mapping[UUID, Sequence[UUID]]
) -> dict[UUID, Sequence[UUID]]:
    """`people`'s managers and, from `org`, those of everyone above them: all `chains` needs for `people`, however
    large the company `org` holds. A person's own entry in `people` comes before theirs in `org`."""
    found: dict[UUID, Sequence[UUID]] = dict(people)
    climbing = list(people)
    while climbing:
        for manager in found[climbing.pop()]:
            if manager not in found and manager in org:
                found[manager] = org[manager]
                climbing.append(manager)
    return found


def in_one_line(a: UUID, b: UUID, above: Mapping[UUID, frozenset[UUID]]) -> bool:
    """Whether either is in the other's chain of managers."""
    return a in above.get(b, frozenset()) or b in above.get(a, frozenset())


def managers_of(profiles: Iterable[tuple[UUID, UUID | None, Sequence[UUID]]]) -> dict[UUID, list[UUID]]:
    """(person, direct manager, further chain) -> person: managers, nearest first."""
    return {person: ([manager] if manager else []) + list(chain) for person, manager, chain in profiles}
