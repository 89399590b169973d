"""Text that goes into a message header (an e-mail's subject, a chat message's title): one line, of bounded length.

Names and subjects come from people and templates; a line break in one would end the header and start
another (`Eve\\nBcc: ...`). Whatever was stored before names were checked, a header never carries one.
"""

from __future__ import annotations

import re
import unicodedata

SUBJECT_LIMIT = 200
# Marks that reorder how the rest of a line reads (RTL override, isolates): a subject could show another text.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKING = {"Cc", "Zl", "Zp"}  # controls (CR, LF, NUL, tab, NEL) and the Unicode line and paragraph separators
_SPACES = re.compile(r"\s+")


def one_line(value: str, limit: int = SUBJECT_LIMIT) -> str:
    """`value` with every control character and line separator as a space, bidi controls dropped, runs of
    spaces as one, cut to `limit` characters (the last one an ellipsis when cut)."""
    cleaned = "".join(
        " " if unicodedata.category(char) in _LINE_BREAKING else char for char in value if char not in BIDI_CONTROLS
    )
    cleaned = _SPACES.sub(" ", cleaned).strip()
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1].rstrip() + "…"
