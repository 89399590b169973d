"""Why scheduling will not move a session, as a sentence of the portal's catalogue addressed to the person: scheduling
explains in English phrases of a few fixed shapes (`flipside_scheduling.domain.booking` and `.calendar`), naming
"the mentor" or "the mentee"; the portal says "you" or "your partner". A phrase of another shape is shown as
scheduling wrote it."""

from __future__ import annotations

import re
from collections.abc import Callable

from .i18n import N_

Translate = Callable[..., str]

# What keeps one person from meeting at a time, by who it is: (the viewer, their partner).
CONFLICTS = {
    "outside their working hours": (
        N_("You cannot meet then: it is outside your working hours."),
        N_("Your partner cannot meet then: it is outside their working hours."),
    ),
    "a public holiday where they work": (
        N_("You cannot meet then: it is a public holiday where you work."),
        N_("Your partner cannot meet then: it is a public holiday where they work."),
    ),
    "during their absence": (
        N_("You cannot meet then: you are away that day."),
        N_("Your partner cannot meet then: they are away that day."),
    ),
    "during another of their sessions": (
        N_("You cannot meet then: you have another session at that time."),
        N_("Your partner cannot meet then: they have another session at that time."),
    ),
}
BUDGET = (
    N_("You cannot meet then: it would go over your monthly time budget of %(hours)s hours."),
    N_("Your partner cannot meet then: it would go over their monthly time budget of %(hours)s hours."),
)
FIXED = {
    "the session already starts then": N_("The session already starts at that time."),
    "the session has already started": N_("The session has already begun, so it can no longer be moved."),
    "the session is cancelled": N_("The session is cancelled."),
    "one of the two participants has left the program": N_("One of you has left the program."),
}
PASSED = re.compile(r"^\S+ has already passed$")
CONFLICT = re.compile(r"^the (?P<role>mentor|mentee) cannot meet then: (?P<why>.+)$")
OVER_BUDGET = re.compile(r"^over their monthly time budget of (?P<hours>\d+) hours$")
NO_SLOT = re.compile(r"^no \d+-minute slot ")


def said_to(message: str, my_role: str, translate: Translate) -> str:
    """Scheduling's refusal `message` (as the portal received it: a sentence) for the person of `my_role`."""
    phrase = message.rstrip(".")
    phrase = phrase[:1].lower() + phrase[1:]
    if phrase in FIXED:
        return translate(FIXED[phrase])
    if PASSED.match(phrase):
        return translate(N_("That time has already passed."))
    if NO_SLOT.match(phrase):
        return translate(
            N_(
                "No time suits you both in the coming weeks. Enter a time of your own, or check your absences and working hours."
            )
        )
    if (conflict := CONFLICT.match(phrase)) is not None:
        mine = conflict["role"] == my_role
        if conflict["why"] in CONFLICTS:
            return translate(CONFLICTS[conflict["why"]][0 if mine else 1])
        if (budget := OVER_BUDGET.match(conflict["why"])) is not None:
            return translate(BUDGET[0 if mine else 1], hours=budget["hours"])
    return message
