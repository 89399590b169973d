"""Whether a failed send is worth trying again, and when."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from flipside_shared.text import fitted

MAX_ATTEMPTS = 8
MAX_DELAY = timedelta(minutes=15)
REASON_LIMIT = 500


class SendFailed(Exception):
    """The receiving side did not take a message: `permanent` when it never will.

    The reason quotes the receiving side, which anyone's webhook can be: fitted to go into `NotificationFailed`.
    """

    def __init__(self, reason: str, permanent: bool, retry_after: timedelta | None = None) -> None:
        # Bounded: a reason can quote what it refused (a 10 KB name), and it is kept, shown and announced.
        reason = reason[:REASON_LIMIT]
        super().__init__(reason)
        self.reason = fitted(reason)
        self.permanent = permanent
        self.retry_after = retry_after


def smtp_failure(reason: str, code: int | None) -> SendFailed:
    """SMTP 5xx means the relay will never take this message; 4xx and no answer at all may pass."""
    return SendFailed(reason, permanent=code is not None and 500 <= code < 600)


def http_failure(status: int, retry_after: str | None, now: datetime) -> SendFailed:
    """HTTP 408, 429 and 5xx are worth another try (after `Retry-After` when given); other answers are not.
    The reason names the status only, never the receiver's own text: it may be anything, and participants read reasons."""
    temporary = status in (408, 429) or status >= 500
    if temporary:
        reason = f"the receiving service could not take the message now (HTTP {status})"
    elif 300 <= status < 400:
        reason = f"the receiving service answered with a redirect, which is not followed (HTTP {status})"
    else:
        reason = f"the receiving service refused the message (HTTP {status})"
    return SendFailed(
        reason, permanent=not temporary, retry_after=_retry_after(retry_after, now) if temporary else None
    )


# One generator for the process, seeded from the system: jitter spreads retries, it needs no secrecy.
JITTER = random.Random()


def retry_delay(attempts: int, failure: SendFailed, rng: random.Random = JITTER) -> timedelta:
    """Exponential backoff with full jitter (2 s, 4 s, 8 s...), never sooner than the server asked, capped."""
    ceiling = min(MAX_DELAY.total_seconds(), 2.0 * 2 ** (attempts - 1))
    backoff = timedelta(seconds=rng.uniform(ceiling / 2, ceiling))
    return min(MAX_DELAY, max(backoff, failure.retry_after or timedelta(0)))


def gives_up(failure: SendFailed, attempts: int) -> bool:
    return failure.permanent or attempts >= MAX_ATTEMPTS


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    """`Retry-After` as seconds or as an HTTP date; unreadable values are ignored, not trusted."""
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value))
    try:
        return max(timedelta(0), parsedate_to_datetime(value) - now)
    except (TypeError, ValueError):
        return None
