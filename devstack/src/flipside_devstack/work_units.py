"""How pytest-xdist hands the test files to its workers (`make test` runs `--dist loadfile`): a file at a time, except
a directory whose conftest keeps its processes for the whole directory (fixtures of `scope="package"`), which goes to
one worker as one unit. That worker starts those processes once and runs the directory's files in a row; handed out
file by file, both workers would start them, and start them again each time they came back to the directory after
a file of another (pytest tears a package's fixtures down when the next test is outside it)."""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling

WHOLE_DIRECTORIES = ("services/portal/tests/integration/", "tests/browser/")
"""Relative to the repository's root, as pytest's node ids are."""


def work_unit(nodeid: str) -> str:
    """The unit a test goes to a worker with: its directory when that is one of `WHOLE_DIRECTORIES`, else its file."""
    path = nodeid.split("::", 1)[0]
    return next((directory for directory in WHOLE_DIRECTORIES if path.startswith(directory)), path)


class FileOrWholeDirectoryScheduling(LoadFileScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadFileScheduling | None:
    if config.getoption("dist") == "loadfile":
        return FileOrWholeDirectoryScheduling(config, log)
    return None
