"""The stack a benchmark run alone starts for itself: a broker and a database in a temporary directory, removed after
the run (or the broker and database `KAFKA_BOOTSTRAP_SERVERS` and `FLIPSIDE_DATABASE_URL` name)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flipside_devstack.stack import LocalStack


@contextmanager
def stack_of_its_own() -> Iterator[tuple[LocalStack, Path]]:
    """The started stack, and where the services' logs go."""
    with tempfile.TemporaryDirectory(prefix="flipside-bench-") as workdir:
        stack = LocalStack(Path(workdir) / "stack").start()
        try:
            yield stack, Path(workdir) / "logs"
        finally:
            stack.stop()
