"""Check-in questions, versioned per program, and what a valid set of answers to a version is.

A program may change its questions; each request remembers the version it was asked with, so
answers given to an old version stay readable by that version's questions.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from flipside_shared.text import TEXT_CHARS, OneLine, lines

QuestionId = Annotated[str, Field(max_length=40, pattern=r"^[a-z][a-z0-9_]{0,39}$")]


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: QuestionId
    text: Annotated[str, Field(min_length=1, max_length=300), OneLine]
    kind: Literal["scale", "yes_no", "text"]
    optional: bool = False
    psychological_safety: bool = Field(False, description="Counted in the program's psychological safety trend.")


class Questionnaire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    questions: list[Question] = Field(min_length=1, max_length=30)

    @model_validator(mode="after")
    def _unique_ids(self) -> Questionnaire:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("question ids must be unique")
        if not any(q.id == "session_value" and q.kind == "scale" for q in self.questions):
            raise ValueError(
                "every questionnaire keeps the 1-5 scale question 'session_value' (ratings over time use it)"
            )
        return self


BUILT_IN = Questionnaire(
    questions=[
        Question(id="session_value", text="How valuable was this session?", kind="scale"),
        Question(
            id="could_speak_freely", text="I could say what I really think.", kind="scale", psychological_safety=True
        ),
        Question(id="partner_listened", text="My partner listened.", kind="scale", psychological_safety=True),
        Question(id="time_well_spent", text="Was it time well spent?", kind="yes_no"),
        Question(id="comment", text="Anything else? Only you will ever see this.", kind="text", optional=True),
    ]
)
BUILT_IN_VERSION = 1
SCALE = range(1, 6)


class InvalidAnswers(ValueError):
    """Answers that do not fit the questions they answer; `problems` names each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def checked_answers(questionnaire: Questionnaire, answers: dict[str, Any]) -> dict[str, int | bool | str | None]:
    """The answers, when each fits its question; InvalidAnswers naming every problem otherwise."""
    problems = [f"unknown question {name!r}" for name in answers if name not in {q.id for q in questionnaire.questions}]
    for question in questionnaire.questions:
        value = answers.get(question.id)
        if value is None:
            if not question.optional:
                problems.append(f"{question.id}: an answer is required")
        elif question.kind == "scale" and (type(value) is not int or value not in SCALE):
            problems.append(f"{question.id}: must be a whole number from 1 to 5, not {value!r}")
        elif question.kind == "yes_no" and type(value) is not bool:
            problems.append(f"{question.id}: must be true or false, not {value!r}")
        elif question.kind == "text" and not _free_text(value):
            problems.append(
                f"{question.id}: must be text of at most {TEXT_CHARS} characters, without control characters"
            )
    if problems:
        raise InvalidAnswers(problems)
    return {q.id: answers.get(q.id) for q in questionnaire.questions}


def _free_text(value: Any) -> bool:
    if type(value) is not str or len(value) > TEXT_CHARS:
        return False
    try:
        lines(value)
    except ValueError:
        return False
    return True


def free_text_ids(questionnaire: Questionnaire) -> list[str]:
    """Questions whose answers are the author's own words: never aggregated, dropped on erasure."""
    return [q.id for q in questionnaire.questions if q.kind == "text"]
