"""Whether a failed send is worth trying again, and when."""

from __future__ import annotations

import random
from datetime import timedelta

MAX_ATTEMPTS = 8


def is_permanent(smtp_code: int | None) -> bool:
    """SMTP 5xx means the relay will never take this message; 4xx and no answer at all may pass."""
    return smtp_code is not None and 500 <= smtp_code < 600


def retry_delay(attempts: int, rng: random.Random = random.Random()) -> timedelta:
    """Exponential backoff with full jitter: 2 s, 4 s, 8 s... capped at 15 minutes."""
    ceiling = min(900.0, 2.0 * 2 ** (attempts - 1))
    return timedelta(seconds=rng.uniform(ceiling / 2, ceiling))
