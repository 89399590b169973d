"""Why two people were paired, as sentences in the reader's language.

Matching explains a pair in English phrases of a fixed shape (`flipside_matching.domain.explain.pair_reasons`),
each factor with its weight, `(+0.300)`. A person reads the reason, not the weight: each known shape becomes a
sentence of the catalogue, the topics and departments it names filled in as they are; a phrase of another shape
(a rule warning of a pair made by hand) is shown as matching wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial

from babel.numbers import format_decimal
from fastapi import Request

from .i18n import N_
from .web import Pages, language_of

Translate = Callable[..., str]

WEIGHT = re.compile(r"\s*\(\+\d+(?:\.\d+)?\)$")
SHAPES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"^reverse: mentor is (?P<gap>\d+) grade\(s\) below the mentee \((?P<mentor>.+) and (?P<mentee>.+)\)$"
        ),
        N_("A reverse pair: the mentor is %(gap)s grade(s) below the mentee (%(mentor)s and %(mentee)s)."),
    ),
    (
        re.compile(
            r"^reverse: mentor is (?P<gap>\d+) grade\(s\) above the mentee \((?P<mentor>.+) and (?P<mentee>.+)\)$"
        ),
        N_("The mentor is %(gap)s grade(s) above the mentee (%(mentor)s and %(mentee)s)."),
    ),
    (
        re.compile(
            r"^ordinary: mentor is (?P<gap>\d+) grade\(s\) above the mentee \((?P<mentor>.+) and (?P<mentee>.+)\)$"
        ),
        N_("A classic pair: the mentor is %(gap)s grade(s) above the mentee (%(mentor)s and %(mentee)s)."),
    ),
    (
        re.compile(
            r"^ordinary: mentor is (?P<gap>\d+) grade\(s\) below the mentee \((?P<mentor>.+) and (?P<mentee>.+)\)$"
        ),
        N_("The mentor is %(gap)s grade(s) below the mentee (%(mentor)s and %(mentee)s)."),
    ),
    (re.compile(r"^mentor can teach the mentee (?P<topics>.+)$"), N_("The mentor can teach the mentee %(topics)s.")),
    (re.compile(r"^mentee can teach the mentor (?P<topics>.+)$"), N_("The mentee can teach the mentor %(topics)s.")),
    (re.compile(r"^shared interests: (?P<topics>.+)$"), N_("Shared interests: %(topics)s.")),
    (re.compile(r"^same meeting style: (?P<topics>.+)$"), N_("The same way of meeting: %(topics)s.")),
    (
        re.compile(r"^(?P<hours>\d+(?:\.\d+)?) h of shared working time per week$"),
        N_("%(hours)s hours of shared working time every week."),
    ),
    (
        re.compile(r"^crosses departments \((?P<mentor>.+) and (?P<mentee>.+)\)$"),
        N_("Across departments: %(mentor)s and %(mentee)s."),
    ),
]
THROUGH = re.compile(r" \(through (?P<skill>[^)]+)\)")
THROUGH_WORDS = N_("through %(skill)s")


def for_page(pages: Pages, request: Request) -> Callable[[list[str]], list[str]]:
    """`sentences` in the viewer's language and number format."""
    return partial(sentences, translate=partial(pages.translate, request), locale=language_of(request).code)


def sentences(reasons: list[str], translate: Translate, locale: str = "en") -> list[str]:
    """Each reason as a sentence; `translate(message, **values)` is the page's."""
    return [sentence(reason, translate, locale) for reason in reasons]


def sentence(reason: str, translate: Translate, locale: str = "en") -> str:
    phrase = WEIGHT.sub("", reason.strip())
    for shape, words in SHAPES:
        found = shape.match(phrase)
        if found is None:
            continue
        values = found.groupdict()
        if "hours" in values:
            values["hours"] = format_decimal(float(values["hours"]), locale=locale)
        if "topics" in values:
            values["topics"] = THROUGH.sub(
                lambda taught: f" ({translate(THROUGH_WORDS, skill=taught['skill'])})", values["topics"]
            )
        return translate(words, **values)
    return phrase
