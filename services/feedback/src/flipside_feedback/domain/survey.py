"""The check-in survey: what is asked, what a valid answer is, and what leads may see."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

QUESTIONS = {
    "version": 1,
    "items": [
        {"id": "session_value", "text": "How valuable was this session?", "scale": [1, 5]},
        {"id": "could_speak_freely", "text": "I could say what I really think.", "scale": [1, 5]},
        {"id": "partner_listened", "text": "My partner listened.", "scale": [1, 5]},
        {"id": "time_well_spent", "text": "Was it time well spent?", "type": "yes/no"},
        {"id": "comment", "text": "Anything else? Only you will ever see this.", "type": "text", "optional": True},
    ],
}

# A cell of an aggregate describing fewer people than this is never shown (k-anonymity).
MIN_GROUP_SIZE = 5


class SurveyAnswers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    session_value: int = Field(ge=1, le=5)
    could_speak_freely: int = Field(ge=1, le=5)
    partner_listened: int = Field(ge=1, le=5)
    time_well_spent: bool
    comment: str | None = Field(default=None, max_length=4000)


def suppress_small_groups(respondents: int, figures: dict[str, float | int | None]) -> dict[str, float | int | None]:
    """Figures about fewer than MIN_GROUP_SIZE respondents are withheld, not rounded."""
    if respondents < MIN_GROUP_SIZE:
        return {name: None for name in figures}
    return figures
