"""The secrets services sign links and keyed hashes with: always set, long, and never a value published anywhere.

A service refuses to start without one (exit code 2, naming the variable); only the local launcher and the
tests make random ones (`flipside_devstack.signing_secrets`).
"""

from __future__ import annotations

import base64
import secrets
from typing import Annotated

from pydantic import AfterValidator, SecretStr

# Every signing secret a service requires; tests/deploy checks this against the services' settings.
SIGNING_SECRET_VARIABLES = (
    "FLIPSIDE_SCHEDULING_FEED_SECRET",
    "FLIPSIDE_FEEDBACK_LINK_SECRET",
    "FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY",
    "FLIPSIDE_NOTIFICATIONS_LINK_SECRET",
)

MIN_BYTES = 32
HOW_TO_MAKE_ONE = "make one with `openssl rand -base64 48`"

# Defaults of earlier versions: public, so anything signed with them could be forged by anyone.
PUBLISHED_VALUES = frozenset(
    {
        "development-only-survey-link-secret",
        "development-only-unsubscribe-secret",
        "development-only-calendar-feed-secret",
    }
)


def _unguessable(value: SecretStr) -> SecretStr:
    raw = value.get_secret_value()
    if raw.strip() in PUBLISHED_VALUES:
        raise ValueError(f"a published development value, which anyone can sign with; {HOW_TO_MAKE_ONE}")
    if len(raw.encode()) < MIN_BYTES:
        raise ValueError(f"{len(raw.encode())} bytes, at least {MIN_BYTES} needed; {HOW_TO_MAKE_ONE}")
    return value


SigningSecret = Annotated[SecretStr, AfterValidator(_unguessable)]
"""A settings field holding a signing secret: required (give it no default), at least 32 bytes, not published."""


def random_signing_secret() -> str:
    """As `openssl rand -base64 48` makes one."""
    return base64.b64encode(secrets.token_bytes(48)).decode()
