"""What program leads may see of answers: aggregates of enough people, never fewer."""

from __future__ import annotations

# A cell of an aggregate describing fewer people than this is never shown (k-anonymity).
MIN_GROUP_SIZE = 5


def suppress_small_groups(respondents: int, figures: dict[str, float | int | None]) -> dict[str, float | int | None]:
    """Figures about fewer than MIN_GROUP_SIZE respondents are withheld, not rounded."""
    if respondents < MIN_GROUP_SIZE:
        return {name: None for name in figures}
    return figures
