"""Bounded, clean text: the string types of every event and every request body.

Everything a person or a producer sends has a length limit, so no field can grow an event past what a
topic takes, and no control character: a line break in a name ends up in an e-mail header, a bidi
override makes a name read as another. Marks real names need stay: U+200F RIGHT-TO-LEFT MARK and
U+200D ZERO WIDTH JOINER (emoji) are format characters, not controls.
"""

from __future__ import annotations

import re
from typing import Annotated, TypeVar

from pydantic import AfterValidator, Field

NAME_CHARS = 200
TEXT_CHARS = 4000
URL_CHARS = 2048
ID_CHARS = 200
FEW_ITEMS = 50

# Unicode category Cc (C0 and C1 controls, DEL); the line and paragraph separators, which break lines as LF does;
# the bidi embeddings, overrides and isolates, which reorder what follows them.
_REFUSED = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_REFUSED_IN_A_LINE = re.compile(f"[{_REFUSED}]")
_REFUSED_IN_LINES = re.compile(f"[{_REFUSED}](?<![\n\r\t])")


def _refuse(value: str, refused: re.Pattern[str]) -> str:
    if found := refused.search(value):
        raise ValueError(f"holds the control character U+{ord(found.group()):04X}, which is not allowed here")
    return value


def one_line(value: str) -> str:
    """`value` unless it holds a control character (a line break and a tab included)."""
    return _refuse(value, _REFUSED_IN_A_LINE)


def lines(value: str) -> str:
    """`value` unless it holds a control character other than a line break (LF, CR) or a tab."""
    return _refuse(value, _REFUSED_IN_LINES)


def fitted(value: str) -> str:
    """Text from outside Flipside (a mail server's or a webhook's answer) made fit for a `Text` field: every
    character `Text` refuses replaced by U+FFFD, cut at its bound."""
    return _REFUSED_IN_LINES.sub("\ufffd", value[:TEXT_CHARS])


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
