"""Self-assessments: how confident people say they are at the start (baseline) and at the end of a program, and
the closing self-assessment asked through a signed link like a check-in."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .closed_periods import Closing
from .questionnaire import SCALE, InvalidAnswers

DIMENSIONS = {
    "digital_confidence": "How confident are you with digital tools and new ways of working?",
    "leadership_confidence": "How confident are you as a leader?",
    "strategic_understanding": "How well do you understand the organisation's strategy?",
    "cross_generational_understanding": "How well do you understand colleagues of another generation?",
}


class SelfAssessmentLocked(ValueError):
    """A self-assessment saved in a period that has ended: it already counts in figures as it is."""


def closing_questions() -> list[dict[str, Any]]:
    """The closing self-assessment as a survey link shows it: one 1-5 scale per dimension, each optional."""
    return [{"id": name, "text": text, "kind": "scale", "optional": True} for name, text in DIMENSIONS.items()]


def checked_scores(answers: Mapping[str, Any]) -> dict[str, int]:
    """Whole numbers from 1 to 5 for known dimensions, at least one; InvalidAnswers naming every problem otherwise."""
    problems = [f"unknown dimension {name!r}" for name in answers if name not in DIMENSIONS]
    problems += [
        f"{name}: a whole number from 1 to 5"
        for name, score in answers.items()
        if name in DIMENSIONS and (type(score) is not int or score not in SCALE)
    ]
    if not answers:
        problems.append("at least one dimension is scored")
    if problems:
        raise InvalidAnswers(problems)
    return dict(answers)


def check_may_change(phase: str, saved_at: datetime | None, closing: Closing, now: datetime) -> None:
    """Changing a self-assessment from an ended period would move the person out of figures already shown, and
    give their old scores away."""
    if saved_at is not None and closing.has_ended(saved_at, now):
        raise SelfAssessmentLocked(
            f"phase: the {phase} self-assessment was saved in a period that has ended and can no longer change"
        )
