"""`results/latest.json`: every benchmark's figures, one key per figure; a benchmark run alone replaces its own section."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "latest.json"


def recorded() -> dict[str, Any]:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def write_all(results: dict[str, Any]) -> None:
    """Replace the recorded results: a whole run has every section afresh."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def write_sections(sections: dict[str, Any]) -> None:
    """Write `sections` over the same sections of the recorded results, keeping the others."""
    write_all({**recorded(), **sections})
