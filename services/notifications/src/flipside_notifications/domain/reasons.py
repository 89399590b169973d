"""Matching's reasons for a pair in the recipient's language.

Events carry the reasons as matching's English sentences (`flipside_matching.domain.explain`), for
every system that reads them. Each known sentence is recognised here and said again through the
catalogue; a sentence not recognised is shown as it came, so a new kind of reason is never lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a sentence for the catalogue; it is translated where it is used."""
    return message


WEIGHT = re.compile(r"^(?P<sentence>.*?)(?P<weight> \(\+\d+(\.\d+)?\))$")
"""The weight a factor added to the score, as matching appends it: kept as it is, after the sentence."""

THROUGH = re.compile(r"\(through (?P<skill>[^()]+)\)")

PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (
            r"^(?P<direction>reverse|ordinary): mentor is (?P<gap>\d+) grade\(s\) below the mentee"
            r" \((?P<mentor>.+) and (?P<mentee>.+)\)$",
            N_("%(direction)s: mentor is %(gap)s grade(s) below the mentee (%(mentor)s and %(mentee)s)"),
        ),
        (
            r"^(?P<direction>reverse|ordinary): mentor is (?P<gap>\d+) grade\(s\) above the mentee"
            r" \((?P<mentor>.+) and (?P<mentee>.+)\)$",
            N_("%(direction)s: mentor is %(gap)s grade(s) above the mentee (%(mentor)s and %(mentee)s)"),
        ),
        (r"^mentor can teach the mentee (?P<topics>.+)$", N_("mentor can teach the mentee %(topics)s")),
        (r"^mentee can teach the mentor (?P<topics>.+)$", N_("mentee can teach the mentor %(topics)s")),
        (r"^shared interests: (?P<topics>.+)$", N_("shared interests: %(topics)s")),
        (r"^same meeting style: (?P<styles>.+)$", N_("same meeting style: %(styles)s")),
        (
            r"^(?P<hours>\d+(\.\d+)?) h of shared working time per week$",
            N_("%(hours)s h of shared working time per week"),
        ),
        (
            r"^crosses departments \((?P<mentor>.+) and (?P<mentee>.+)\)$",
            N_("crosses departments (%(mentor)s and %(mentee)s)"),
        ),
        (
            r"^mentor is not (?P<gap>\d+) grade\(s\) below the mentee$",
            N_("mentor is not %(gap)s grade(s) below the mentee"),
        ),
        (
            r"^mentor is not (?P<gap>\d+) grade\(s\) above the mentee$",
            N_("mentor is not %(gap)s grade(s) above the mentee"),
        ),
        (
            r"^(?P<shared>\d+) min of shared working time in the worst week, (?P<needed>\d+) needed$",
            N_("%(shared)s min of shared working time in the worst week, %(needed)s needed"),
        ),
    )
)

WORDS = {
    # The direction of a program, and the parts of a meeting style with their values, as matching names them.
    "reverse": N_("reverse"),
    "ordinary": N_("ordinary"),
    "rhythm": N_("rhythm"),
    "mode": N_("mode"),
    "formality": N_("formality"),
    "channel": N_("channel"),
    "weekly": N_("weekly"),
    "fortnightly": N_("fortnightly"),
    "monthly": N_("monthly"),
    "synchronous": N_("synchronous"),
    "written": N_("written"),
    "mixed": N_("mixed"),
    "casual": N_("casual"),
    "formal": N_("formal"),
    "video": N_("video"),
    "in_person": N_("in_person"),
    "chat": N_("chat"),
    "email": N_("email"),
}


def translated_reason(reason: str, gettext: Gettext) -> str:
    """The reason in the catalogue's language, or as it came when it is not one matching is known to give."""
    weighted = WEIGHT.match(reason)
    sentence, weight = (weighted["sentence"], weighted["weight"]) if weighted else (reason, "")
    for pattern, message in PATTERNS:
        if found := pattern.match(sentence):
            values = {name: _words(name, value, gettext) for name, value in found.groupdict().items()}
            return gettext(message) % values + weight
    return reason


def _words(name: str, value: str, gettext: Gettext) -> str:
    if name == "direction":
        return gettext(WORDS[value])
    if name == "topics":
        return THROUGH.sub(lambda through: gettext(N_("(through %(skill)s)")) % through.groupdict(), value)
    if name == "styles":
        return ", ".join(_style(part, gettext) for part in value.split(", "))
    return value


def _style(part: str, gettext: Gettext) -> str:
    field, _, value = part.partition(" ")
    if field not in WORDS or not value:
        return part
    return f"{gettext(WORDS[field])} {gettext(WORDS[value]) if value in WORDS else value}"
