"""`python -m flipside_notifications.preview TEMPLATE [--locale de]`: render a template with sample data."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .domain.rendering import render

SAMPLES = {
    "paired": {"role": "mentor", "reasons": ["reverse: mentor grade 2 < mentee grade 8", "mentor teaches TikTok"]},
    "session_scheduled": {"session_id": "00000000-0000-4000-8000-000000000000", "kind": "kickoff", "duration_minutes": 45},
    "session_rescheduled": {
        "session_id": "00000000-0000-4000-8000-000000000000", "kind": "check_in", "duration_minutes": 45,
        "reason": "requested", "sequence": 1,
    },
    "session_cancelled": {
        "session_id": "00000000-0000-4000-8000-000000000000", "kind": "kickoff", "duration_minutes": 45, "reason": "pair_dissolved",
        "sequence": 1,
    },
    "reminder": {"minutes_before": 60},
    "proposal": {"role": "mentor", "reasons": ["reverse: mentor is 5 grade(s) below the mentee (Analyst and Director)"]},
    "unmatched": {"reasons": ["no mentor shares 60 min of working time every week"]},
    "feedback_requested": {"survey_url": "https://flipside.example.com/surveys/sample", "role": "mentee"},
}


def sample_context(template: str) -> dict:
    soon = datetime.now(UTC) + timedelta(days=2)
    return {
        "display_name": "Alex Example", "partner_name": "Sam Sample", "time_zone": "Europe/Berlin",
        "starts_at": soon.isoformat(), "previous_starts_at": (soon - timedelta(days=1)).isoformat(), "expires_at": (soon + timedelta(days=14)).isoformat(), **SAMPLES[template],
    }


def main() -> None:
    templates = sorted(path.stem for path in (Path(__file__).parent / "templates" / "en").glob("*.j2"))
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("template", choices=templates)
    parser.add_argument("--locale", default="en")
    arguments = parser.parse_args()
    message = render(arguments.template, arguments.locale, sample_context(arguments.template))
    print(f"Subject: {message.subject}\n\n{message.text}\n\n--- html ---\n{message.html}")


if __name__ == "__main__":
    main()
