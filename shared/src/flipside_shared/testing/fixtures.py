"""pytest fixtures every test suite of Flipside shares (loaded from the root conftest)."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from .stack import LocalStack


def unique_prefix() -> str:
    """A topic prefix no other test uses, so tests never read each other's events."""
    return f"t{uuid4().hex[:10]}."


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    """One real Kafka broker and one real PostgreSQL for the whole test session."""
    running = LocalStack().start()
    yield running
    running.stop()
