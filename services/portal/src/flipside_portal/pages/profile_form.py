"""The profile form the enrolment and profile pages share: a profile as the form shows it, the form as a profile
matching takes, and matching's refusals put next to the form's own fields.

The portal checks what it can say better than matching (a topic it does not know, hours that end before they
start, an e-mail without an @) in the person's language; everything else is matching's to refuse.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfoNotFoundError

from starlette.datastructures import FormData

from flipside_shared.time_zones import zone_named

from ..i18n import N_
from ..services import ServiceRefused

WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))
LEVELS = ("1", "2", "3", "4", "5")
# Rows a person can fill beyond those they have: the page stays a plain form, no script adds rows.
SPARE_TOPIC_ROWS = 3
MIN_TOPIC_ROWS = 5
# Inputs named as the profile's fields, except where the profile nests them (hours, topics, communication style).
PLAIN_FIELDS = (
    "display_name",
    "email",
    "role",
    "grade",
    "department",
    "time_zone",
    "languages",
    "interests",
    "capacity",
    "hours_per_month",
)
COMMUNICATION = ("rhythm", "mode", "formality", "channel")
COMMUNICATION_CHOICES = {
    "rhythm": (("weekly", N_("Every week")), ("fortnightly", N_("Every two weeks")), ("monthly", N_("Every month"))),
    "mode": (
        ("synchronous", N_("Talking at the same time")),
        ("written", N_("In writing")),
        ("mixed", N_("Some of each")),
    ),
    "formality": (("casual", N_("Casual")), ("formal", N_("Formal"))),
    "channel": (
        ("video", N_("Video call")),
        ("in_person", N_("In person")),
        ("chat", N_("Chat")),
        ("email", N_("E-mail")),
    ),
}
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class Topics:
    """The taxonomy's topics: what the typeahead offers and which names a profile may use."""

    def __init__(self, taxonomy: dict[str, Any]) -> None:
        self.ids: list[str] = [topic["id"] for topic in taxonomy.get("skills", [])]
        self._by_name: dict[str, str] = {}
        for topic in taxonomy.get("skills", []):
            for name in (topic["id"], topic.get("label", ""), *topic.get("synonyms", ())):
                if name:
                    self._by_name.setdefault(name.casefold(), topic["id"])
        self.communication: dict[str, list[str]] = taxonomy.get("communication", {})

    def known(self, name: str) -> str | None:
        """The topic a name stands for (its id), synonyms and any letter case too; None when there is none."""
        return self._by_name.get(name.casefold())


def form_context(topics: Topics) -> dict[str, Any]:
    """What the profile form's template parts need besides the values and errors."""
    return {"topics": topics, "weekdays": WEEKDAYS, "levels": LEVELS, "communication_choices": COMMUNICATION_CHOICES}


@dataclass
class ReadForm:
    """What the person sent: `values` to show the form again as typed, `profile` to send, `errors` by field."""

    values: dict[str, Any]
    profile: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def form_values(profile: dict[str, Any]) -> dict[str, Any]:
    """A profile (matching's JSON) as the form shows it."""
    communication = profile.get("communication") or {}
    hours = {entry["weekday"]: entry for entry in profile.get("working_hours", [])}
    return {
        **{name: _text(profile.get(name)) for name in PLAIN_FIELDS},
        "languages": ", ".join(profile.get("languages", [])),
        "interests": ", ".join(profile.get("interests", [])),
        **{name: communication.get(name, "") for name in COMMUNICATION},
        "hours": [
            {"start": _hh_mm(hours[day]["start"]), "end": _hh_mm(hours[day]["end"])}
            if day in hours
            else {"start": "", "end": ""}
            for day in range(7)
        ],
        "skills": _rows([(skill["name"], str(skill.get("level", 3))) for skill in profile.get("skills", [])]),
        "goals": _rows([(goal["name"], str(goal.get("priority", 3))) for goal in profile.get("goals", [])]),
    }


def new_profile_values(name: str, email: str | None, language: str, time_zone: str) -> dict[str, Any]:
    """The enrolment form before anything is typed: the person's name, e-mail, language and zone, office hours."""
    return form_values(
        {
            "display_name": name,
            "email": email or "",
            "time_zone": time_zone,
            "languages": [language],
            "capacity": 1,
            "hours_per_month": 4,
            "working_hours": [{"weekday": day, "start": "09:00", "end": "17:00"} for day in range(5)],
        }
    )


def read_form(form: FormData, topics: Topics, kept_names: Iterable[str], translate: Callable[..., str]) -> ReadForm:
    """The form as a profile's fields, with the portal's own checks. `kept_names` are topics the profile already
    has that the taxonomy may not list (an HR system's names), so saving a profile never refuses its own topics."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in (*PLAIN_FIELDS, *COMMUNICATION)}
    errors: dict[str, str] = {}
    profile: dict[str, Any] = {
        name: values[name] for name in ("display_name", "email", "role", "department", "time_zone")
    }
    profile["communication"] = {name: values[name] for name in COMMUNICATION if values[name]}
    if values["email"] and not EMAIL.match(values["email"]):
        errors["email"] = translate(N_("Write an e-mail address such as name@example.com."))
    if values["time_zone"]:
        try:
            zone_named(values["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            errors["time_zone"] = translate(N_("Write a time zone such as Europe/Berlin or America/New_York."))
    for name in ("grade", "capacity", "hours_per_month"):
        if values[name]:
            try:
                profile[name] = int(values[name])
            except ValueError:
                errors[name] = translate(N_("Write a whole number."))
    profile["languages"] = _comma_list(values["languages"], lower=True)
    profile["interests"] = _comma_list(values["interests"])
    if not profile["languages"]:
        errors["languages"] = translate(N_("Name at least one language you can meet in."))
    values["hours"], profile["working_hours"] = _working_hours(form, errors, translate)
    kept = {name.casefold(): name for name in kept_names}
    values["skills"], profile["skills"] = _topics(form, "skill", "level", topics, kept, errors, translate)
    values["goals"], profile["goals"] = _topics(form, "goal", "priority", topics, kept, errors, translate)
    return ReadForm(values, profile, errors)


def refused_form(refused: ServiceRefused, translate: Callable[..., str]) -> tuple[dict[str, str], str]:
    """Matching's refusal of the form: its field errors under the form's fields, and the sentence above the form
    (in the person's language when it only says to look at the fields)."""
    errors, elsewhere = form_errors(refused.fields)
    summary = translate(N_("Some fields need another look.")) if refused.fields else refused.message
    return errors, " ".join([summary, *elsewhere])


def form_errors(service_fields: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Matching's field errors (`working_hours.0.start`, `communication.rhythm`) under the form's fields, and
    the sentences of any field the form does not show."""
    errors: dict[str, str] = {}
    elsewhere: list[str] = []
    for location, sentence in service_fields.items():
        parts = location.split(".")
        name = parts[1] if parts[0] == "communication" and len(parts) > 1 else parts[0]
        if name in (*PLAIN_FIELDS, *COMMUNICATION, "skills", "goals", "working_hours"):
            errors.setdefault(name, sentence)
        else:
            elsewhere.append(sentence)
    return errors, elsewhere


def _working_hours(
    form: FormData, errors: dict[str, str], translate: Callable[..., str]
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    shown, hours = [], []
    for day in range(7):
        start, end = str(form.get(f"start_{day}", "")).strip(), str(form.get(f"end_{day}", "")).strip()
        shown.append({"start": start, "end": end})
        if not start and not end:
            continue
        if not (TIME.match(start[:5]) and TIME.match(end[:5])):
            errors[f"hours_{day}"] = translate(N_("Give both times of the day, as hours and minutes (09:00)."))
        elif start[:5] >= end[:5]:
            errors[f"hours_{day}"] = translate(N_("The day's hours end after they start."))
        else:
            hours.append({"weekday": day, "start": start[:5], "end": end[:5]})
    if not hours and not any(key.startswith("hours_") for key in errors):
        errors["working_hours"] = translate(N_("Give the hours of at least one day you work."))
    return shown, hours


def _topics(
    form: FormData,
    prefix: str,
    weight: str,
    topics: Topics,
    kept: dict[str, str],
    errors: dict[str, str],
    translate: Callable[..., str],
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    names = [str(name).strip() for name in form.getlist(prefix)]
    weights = [str(value) for value in form.getlist(f"{prefix}_{weight}")]
    filled = [
        (name, weights[index] if index < len(weights) and weights[index] in LEVELS else "3")
        for index, name in enumerate(names)
        if name
    ]
    chosen: list[dict[str, Any]] = []
    for row, (name, level) in enumerate(filled):
        topic = topics.known(name) or kept.get(name.casefold())
        if topic is None:
            errors[f"{prefix}_{row}"] = translate(
                N_("Flipside does not know the topic “%(name)s”: pick one of the suggestions."), name=name
            )
        elif topic not in {entry["name"] for entry in chosen}:
            chosen.append({"name": topic, weight: int(level)})
    return _rows(filled), chosen


def _rows(filled: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The filled rows, then empty ones to add to."""
    rows = [{"name": name, "weight": weight} for name, weight in filled]
    spare = max(SPARE_TOPIC_ROWS, MIN_TOPIC_ROWS - len(rows))
    return rows + [{"name": "", "weight": "3"} for _ in range(spare)]


def _comma_list(text: str, lower: bool = False) -> list[str]:
    items = [item.strip().lower() if lower else item.strip() for item in text.split(",")]
    return list(dict.fromkeys(item for item in items if item))


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _hh_mm(value: str) -> str:
    return str(value)[:5]
