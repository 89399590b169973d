"""Programs for tests and demos: matching accepts enrolments only into programs it knows."""

from __future__ import annotations

from typing import Any

import httpx

from .auth import admin_headers


def configure_program(matching_url: str, program_id: str, **policy: Any) -> dict:
    """Create (or reconfigure) a program through matching's API, as an admin; `policy` overrides the defaults."""
    response = httpx.put(f"{matching_url}/programs/{program_id}", json=policy, headers=admin_headers(), timeout=10)
    response.raise_for_status()
    return response.json()


def configure_schedule(scheduling_url: str, program_id: str, **schedule: Any) -> dict:
    """Set a program's rhythm (cadence, session length, weeks) through scheduling's API."""
    response = httpx.put(
        f"{scheduling_url}/programs/{program_id}/schedule", json=schedule, headers=admin_headers(), timeout=10
    )
    response.raise_for_status()
    return response.json()
