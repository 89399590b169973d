"""Why something asked of matching changes nothing: the use-cases raise these, each edge answers in its terms
(an HTTP status and detail, or a dead letter with the reason)."""

from __future__ import annotations


class Refused(Exception):
    """A request or event that changes nothing. `str()` is the reason as a dead letter records it, read far from
    the event; `detail` is what an HTTP caller is answered (the reason, unless the request made it shorter)."""

    def __init__(self, reason: str, detail: str | dict[str, object] | None = None) -> None:
        super().__init__(reason)
        self.detail: str | dict[str, object] = reason if detail is None else detail


class NotFound(Refused):
    """What it is about does not exist (or is not where it was looked for)."""


class Conflict(Refused):
    """It cannot be done in the state things are in now."""


class Invalid(Refused):
    """What was sent breaks a rule of the program."""


class Gone(Refused):
    """What it is about existed and was erased for good."""


class NotTheirs(Refused):
    """The one asking has no say over it."""


class Stale(Refused):
    """It was asked of a version that is no longer the current one."""
