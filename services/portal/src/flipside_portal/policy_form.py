"""A program's matching rules as a form: what each field is called and means, the form's values from a policy,
and the policy matching is sent from what was typed. Nothing is checked here: matching's refusals name the field,
and what was typed is shown again as it was."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .i18n import N_

WEIGHTS = (
    (
        "mentor_teaches",
        N_("Mentor teaches"),
        N_("How much it counts that the mentor's skills meet the mentee's goals."),
    ),
    (
        "mentee_teaches",
        N_("Mentee teaches"),
        N_("How much it counts that the mentee's skills meet the mentor's goals: both learn."),
    ),
    ("interests", N_("Shared interests"), N_("How much interests both people share count.")),
    (
        "communication",
        N_("Communication"),
        N_("How much it counts that both like the same meeting rhythm, mode, formality and channel."),
    ),
    ("time_overlap", N_("Shared working hours"), N_("How much the working time both have in common counts.")),
    (
        "cross_department",
        N_("Across departments"),
        N_("How much it counts that the two work in different departments."),
    ),
)
NUMBERS = ("min_grade_gap", "min_overlap_minutes", "length_weeks", "proposal_expiry_hours", "candidates_per_mentee")
CHOICES = ("direction", "start")


def form_values(policy: Mapping[str, Any]) -> dict[str, str]:
    """What the form shows for a policy matching answered with."""
    values = {name: str(policy[name]) for name in (*NUMBERS, *CHOICES) if name in policy}
    values["grades"] = "\n".join(policy.get("grades", []))
    for name, _label, _meaning in WEIGHTS:
        values[f"weights.{name}"] = str(policy.get("weights", {}).get(name, ""))
    return values


def policy_body(form: Mapping[str, str]) -> dict[str, Any]:
    """The policy to send: numbers as numbers when they are, anything else as typed (matching says what is
    wrong with it); fields left empty are left out, so matching's defaults apply."""
    body: dict[str, Any] = {name: form[name] for name in CHOICES if form.get(name)}
    for name in NUMBERS:
        if (typed := form.get(name, "").strip()) != "":
            body[name] = _number(typed, int)
    if grades := [line.strip() for line in form.get("grades", "").splitlines() if line.strip()]:
        body["grades"] = grades
    weights = {
        name: _number(typed, float)
        for name, _label, _meaning in WEIGHTS
        if (typed := form.get(f"weights.{name}", "").strip()) != ""
    }
    if weights:
        body["weights"] = weights
    return body


def field_errors(fields: Mapping[str, str]) -> dict[str, str]:
    """Matching names a rung of the ladder (`grades.3`); the form has one field for the whole ladder."""
    errors: dict[str, str] = {}
    for name, sentence in fields.items():
        errors.setdefault("grades" if name.startswith("grades.") else name, sentence)
    return errors


def _number(typed: str, kind: type[int] | type[float]) -> int | float | str:
    try:
        return kind(typed)
    except ValueError:
        return typed
