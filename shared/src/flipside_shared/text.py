"""Bounded, clean text: the string types of every event and every request body.

Everything a person or a producer sends has a length limit, so no field can grow an event past what a
topic takes, and no control character: a line break in a name ends up in an e-mail header, a bidi
override makes a name read as another. Marks real names need stay: U+200F RIGHT-TO-LEFT MARK and
U+200D ZERO WIDTH JOINER (emoji) are format characters, not controls.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field

NAME_CHARS = 200
TEXT_CHARS = 4000
URL_CHARS = 2048
ID_CHARS = 200
FEW_ITEMS = 50

# Line and paragraph separators break lines as LF does; embeddings, overrides and isolates reorder what follows.
_LINE_SEPARATORS = frozenset("\u2028\u2029")
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS_AND_TAB = frozenset("\n\r\t")


def _first_refused(value: str, allowed: frozenset[str]) -> str | None:
    for character in value:
        if character in allowed:
            continue
        if unicodedata.category(character) == "Cc" or character in _LINE_SEPARATORS or character in _BIDI_CONTROLS:
            return character
    return None


def _refuse(value: str, allowed: frozenset[str]) -> str:
    if (character := _first_refused(value, allowed)) is not None:
        raise ValueError(f"holds the control character U+{ord(character):04X}, which is not allowed here")
    return value


def one_line(value: str) -> str:
    """`value` unless it holds a control character (a line break and a tab included)."""
    return _refuse(value, frozenset())


def lines(value: str) -> str:
    """`value` unless it holds a control character other than a line break (LF, CR) or a tab."""
    return _refuse(value, _LINE_BREAKS_AND_TAB)


def fitted(value: str) -> str:
    """Text from outside Flipside (a mail server's or a webhook's answer) made fit for a `Text` field: every
    character `Text` refuses replaced by U+FFFD, cut at its bound."""
    return "".join(
        "\ufffd" if _first_refused(character, _LINE_BREAKS_AND_TAB) else character for character in value[:TEXT_CHARS]
    )


OneLine = AfterValidator(one_line)
Lines = AfterValidator(lines)

Name = Annotated[str, Field(max_length=NAME_CHARS), OneLine]
"""A person's name, a skill, a department, a title: one line."""

Identifier = Annotated[str, Field(max_length=ID_CHARS), OneLine]
"""An id or a key that is not a UUID: a program id, a question id, a template's name."""

Text = Annotated[str, Field(max_length=TEXT_CHARS), Lines]
"""Free text (a concern, an answer, a note, a reason a rule or a mail server gives): lines and tabs kept."""

Url = Annotated[str, Field(max_length=URL_CHARS), OneLine]

T = TypeVar("T")

Few = Annotated[list[T], Field(max_length=FEW_ITEMS)]
"""A list a person fills in or a rule writes: skills, goals, languages, reasons, a pair's members."""
