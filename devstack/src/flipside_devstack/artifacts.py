"""Files a test keeps for people to look at: under FLIPSIDE_TEST_ARTIFACTS when set (CI), else pytest's temporary directory."""

from __future__ import annotations

import json
import os
from pathlib import Path


def artifacts_dir(tmp_path: Path) -> Path:
    directory = Path(os.environ.get("FLIPSIDE_TEST_ARTIFACTS") or tmp_path)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def write_json(tmp_path: Path, name: str, content: object) -> Path:
    """Write `content` as `name` among the artifacts and say where."""
    path = artifacts_dir(tmp_path) / name
    path.write_text(json.dumps(content, indent=2) + "\n")
    print(f"written to {path}")
    return path
