"""Hypothesis examples drawn outside a test function, for tests that send them in batches."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st


def draw(strategy: st.SearchStrategy, count: int, seed_value: int) -> list:
    """`count` examples of `strategy`, the same ones on every run (a fixed seed, no example database)."""
    drawn: list = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: object) -> None:
        drawn.append(example)

    collect()
    return drawn
