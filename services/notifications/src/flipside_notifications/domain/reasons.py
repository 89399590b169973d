"""Matching's reasons, for a pair and for someone left without a partner, in the recipient's language.

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
        # Why someone has no partner: the rule no one passed, or capacity.
        (
            r"^no mentor with room left is enrolled in the program$",
            N_("no mentor with room left is enrolled in the program"),
        ),
        (
            r"^no mentee with room left is enrolled in the program$",
            N_("no mentee with room left is enrolled in the program"),
        ),
        (
            r"^none of the (?P<before>\d+) mentor\(s\) left after the earlier rules (?P<rule>.+)$",
            N_("none of the %(before)s mentor(s) left after the earlier rules %(rule)s"),
        ),
        (
            r"^none of the (?P<before>\d+) mentee\(s\) left after the earlier rules (?P<rule>.+)$",
            N_("none of the %(before)s mentee(s) left after the earlier rules %(rule)s"),
        ),
        (
            r"^capacity exhausted: each of the (?P<count>\d+) mentor\(s\) who fit was needed by a better-scoring pair$",
            N_("capacity exhausted: each of the %(count)s mentor(s) who fit was needed by a better-scoring pair"),
        ),
        (
            r"^capacity exhausted: each of the (?P<count>\d+) mentee\(s\) who fit was needed by a better-scoring pair$",
            N_("capacity exhausted: each of the %(count)s mentee(s) who fit was needed by a better-scoring pair"),
        ),
        (
            r"^capacity exhausted: each of the (?P<count>\d+) mentor\(s\) who fit was needed by a pair scoring"
            r" at least as well, and the program's draw settled the tie$",
            N_(
                "capacity exhausted: each of the %(count)s mentor(s) who fit was needed by a pair scoring"
                " at least as well, and the program's draw settled the tie"
            ),
        ),
        (
            r"^capacity exhausted: each of the (?P<count>\d+) mentee\(s\) who fit was needed by a pair scoring"
            r" at least as well, and the program's draw settled the tie$",
            N_(
                "capacity exhausted: each of the %(count)s mentee(s) who fit was needed by a pair scoring"
                " at least as well, and the program's draw settled the tie"
            ),
        ),
        (r"^no mentor (?P<rule>.+)$", N_("no mentor %(rule)s")),
        (r"^no mentee (?P<rule>.+)$", N_("no mentee %(rule)s")),
    )
)

RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (
            r"^passes the (?P<direction>reverse|ordinary) rule \(at least (?P<gap>\d+) grade\(s\) below the mentee\)$",
            N_("passes the %(direction)s rule (at least %(gap)s grade(s) below the mentee)"),
        ),
        (
            r"^passes the (?P<direction>reverse|ordinary) rule \(at least (?P<gap>\d+) grade\(s\) above the mentee\)$",
            N_("passes the %(direction)s rule (at least %(gap)s grade(s) above the mentee)"),
        ),
        (r"^is outside their reporting line$", N_("is outside their reporting line")),
        (r"^shares a language$", N_("shares a language")),
        (
            r"^shares (?P<minutes>\d+) min of working time every week$",
            N_("shares %(minutes)s min of working time every week"),
        ),
        (r"^is neither excluded nor an earlier partner$", N_("is neither excluded nor an earlier partner")),
    )
)
"""The rules matching names in its reasons for someone without a partner."""

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
    said = _said(sentence, PATTERNS, gettext)
    return reason if said is None else said + weight


def _said(sentence: str, patterns: tuple[tuple[re.Pattern[str], str], ...], gettext: Gettext) -> str | None:
    for pattern, message in patterns:
        if found := pattern.match(sentence):
            values = {name: _words(name, value, gettext) for name, value in found.groupdict().items()}
            if None in values.values():
                return None
            return gettext(message) % values
    return None


def _words(name: str, value: str, gettext: Gettext) -> str | None:
    if name == "rule":
        return _said(value, RULES, gettext)
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
