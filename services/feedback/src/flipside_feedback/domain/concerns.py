"""What a program lead sees of anonymous concerns: themes raised by at least MIN_GROUP_SIZE people, with their
bodies, from closed periods only, so a concern cannot be tied to whoever raised one just before the lead looked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from .closed_periods import Closing, published_until
from .survey import MIN_GROUP_SIZE


@dataclass(frozen=True)
class RaisedConcern:
    theme: str
    body: str
    contributor: bytes
    """The keyed hash of who raised it: counts distinct people, names no one."""
    raised_on: date
    """The day only (UTC): a time could point to a person."""

    @property
    def dated_at(self) -> datetime:
        """The end of its day: no later than this was it raised, whatever the program's time zone."""
        return datetime.combine(self.raised_on + timedelta(days=1), time(), UTC)


@dataclass(frozen=True)
class ConcernThemes:
    up_to: datetime | None
    shown: dict[str, tuple[int, list[str]]]
    """Theme -> (distinct contributors, bodies)."""
    withheld: list[str]


def concern_themes(concerns: Sequence[RaisedConcern], closing: Closing, as_of: datetime) -> ConcernThemes:
    up_to = published_until(((c.dated_at, c.contributor) for c in concerns), closing, as_of)
    by_theme: dict[str, list[RaisedConcern]] = {}
    for concern in concerns:
        if up_to and concern.dated_at < up_to:
            by_theme.setdefault(concern.theme, []).append(concern)
    contributors = {theme: len({c.contributor for c in raised}) for theme, raised in by_theme.items()}
    return ConcernThemes(
        up_to,
        {
            theme: (contributors[theme], sorted(c.body for c in raised))
            for theme, raised in sorted(by_theme.items())
            if contributors[theme] >= MIN_GROUP_SIZE
        },
        sorted(theme for theme in by_theme if contributors[theme] < MIN_GROUP_SIZE),
    )
