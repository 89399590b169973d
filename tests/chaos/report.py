"""The chaos suite's results: one row per test, as JSON for machines and a markdown table for the README."""

from __future__ import annotations

import json
from pathlib import Path

COLUMNS = (
    ("fault", "fault"),
    ("injected_by", "how injected"),
    ("runs", "runs"),
    ("enrolments", "enrolments"),
    ("events", "events"),
    ("emails", "e-mails"),
    ("lost", "lost"),
    ("duplicated", "duplicated"),
    ("raw_email_repeats", "e-mails repeated (same Message-ID)"),
    ("republished_records", "records republished"),
    ("recovery_seconds", "recovered in s"),
    ("recovery_bound_seconds", "bound s"),
    ("run_seconds", "run s"),
)


def markdown_table(results: list[dict]) -> str:
    lines = [
        "| " + " | ".join(title for _, title in COLUMNS) + " |",
        "| " + " | ".join("---" if key in ("fault", "injected_by") else "---:" for key, _ in COLUMNS) + " |",
    ]
    for result in results:
        cells = [
            "-" if result.get(key) is None else f"{result[key]:,}" if isinstance(result[key], int) else str(result[key])
            for key, _ in COLUMNS
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(results: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"results": results}, indent=2) + "\n")
