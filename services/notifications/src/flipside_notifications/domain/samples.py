"""Sample data for every template: for the preview command and the start-up check of templates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

SESSION_ID = "00000000-0000-4000-8000-000000000000"
PAIR_ID = "00000000-0000-4000-8000-000000000001"
PROGRAM_ID = "pilot"

SAMPLES: dict[str, dict[str, Any]] = {
    "paired": {
        "role": "mentor",
        "pair_id": PAIR_ID,
        "reasons": [
            "reverse: mentor is 6 grade(s) below the mentee (grade 2 and grade 8)",
            "mentor can teach the mentee TikTok (+0.400)",
        ],
    },
    "session_scheduled": {
        "session_id": SESSION_ID,
        "kind": "kickoff",
        "duration_minutes": 45,
        "calendar_feed_url": None,
        "meeting_url": "https://meet.example.com/flipside-00000000-0000-4000-8000-000000000001",
        "conversation_prompts": ["What made each of you sign up?", "What should stay between the two of you?"],
    },
    "session_rescheduled": {
        "session_id": SESSION_ID,
        "kind": "check_in",
        "duration_minutes": 45,
        "reason": "requested",
        "sequence": 1,
        "calendar_feed_url": None,
    },
    "session_cancelled": {
        "session_id": SESSION_ID,
        "kind": "kickoff",
        "duration_minutes": 45,
        "reason": "pair_dissolved",
        "sequence": 1,
    },
    "reminder": {"minutes_before": 60},
    "proposal": {
        "role": "mentor",
        "pair_id": PAIR_ID,
        "reasons": ["reverse: mentor is 5 grade(s) below the mentee (Analyst and Director)"],
    },
    "at_risk": {"pair_id": PAIR_ID},
    "unmatched": {"reasons": ["no mentor shares 60 min of working time every week"]},
    "feedback_requested": {"survey_url": "https://flipside.example.com/surveys/sample", "role": "mentee"},
    "closing_self_assessment_requested": {
        "survey_url": "https://flipside.example.com/surveys/sample",
        "role": "mentor",
    },
    "recognition": {"milestone": "three_sessions", "pair_id": PAIR_ID},
    "welcome": {"program_name": "Reverse Mentoring 2027"},
    "proposal_ended": {"reason": "expired", "pair_id": PAIR_ID},
    "pair_dissolved": {"reason": "mismatch", "rematch": True, "pair_id": PAIR_ID},
    "program_closing": {"program_name": "Reverse Mentoring 2027", "cancelled": False},
    "lead_pair_at_risk": {"program_id": PROGRAM_ID, "program_name": "Reverse Mentoring 2027", "pair_id": PAIR_ID},
    "lead_scheduling_failed": {
        "program_id": PROGRAM_ID,
        "program_name": "Reverse Mentoring 2027",
        "pair_id": PAIR_ID,
        "reason": "no kickoff slot inside both people's working hours in the next 14 days",
    },
    "lead_weekly_digest": {
        "program_id": PROGRAM_ID,
        "program_name": "Reverse Mentoring 2027",
        "week": "2027-03-01",
        "counts": [["enrolled", 4], ["paired", 2], ["sessions_booked", 6], ["at_risk", 1]],
    },
    "lead_unmatched_summary": {
        "program_id": PROGRAM_ID,
        "program_name": "Reverse Mentoring 2027",
        "run_id": SESSION_ID,
        "unmatched": 3,
        "reasons": [["no mentor shares a language", 2], ["no mentee with room left is enrolled in the program", 1]],
    },
}


def sample_context(template: str, now: datetime | None = None) -> dict[str, Any]:
    soon = (now or datetime.now(UTC)) + timedelta(days=2)
    common = {
        "display_name": "Alex Example",
        "partner_name": "Sam Sample",
        "time_zone": "Europe/Berlin",
        "starts_at": soon.isoformat(),
        "previous_starts_at": (soon - timedelta(days=1)).isoformat(),
        "expires_at": (soon + timedelta(days=14)).isoformat(),
    }
    if template == "digest":
        return {
            **common,
            "items": [{"template": name, "context": SAMPLES[name]} for name in ("paired", "feedback_requested")],
        }
    return {**common, **SAMPLES[template]}
