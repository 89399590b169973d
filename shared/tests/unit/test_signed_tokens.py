"""Link tokens: each is signed for one purpose under that purpose's own key, so no kind of link opens another."""

import base64
import hashlib
import hmac

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from flipside_shared.signed_tokens import InvalidToken, sign, unsign
from flipside_shared.signing_secrets import PUBLISHED_VALUES, SigningSecret, random_signing_secret

SECRET = b"s" * 32
PAYLOAD = b"\x01" * 16


def test_a_token_opens_only_for_the_purpose_it_was_signed_for():
    token = sign("calendar-feed", PAYLOAD, SECRET)
    assert unsign("calendar-feed", token, SECRET) == PAYLOAD
    for other in ("survey", "unsubscribe", "calendar-feed ", ""):
        with pytest.raises(InvalidToken, match="signature"):
            unsign(other, token, SECRET)


def test_a_token_of_the_same_bytes_under_one_shared_secret_is_still_refused_as_another_kind():
    """A deployment giving every service one secret: a survey token's payload and MAC replayed as a feed token."""
    survey = sign("survey", PAYLOAD, SECRET)
    feed = sign("calendar-feed", PAYLOAD, SECRET)
    assert survey != feed
    with pytest.raises(InvalidToken):
        unsign("calendar-feed", survey, SECRET)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "AQ" + t,
        lambda t: t.replace(".", ""),
        lambda t: t + ".x",
        lambda t: "",
    ],
)
def test_tampered_tokens_and_other_keys_are_refused(tamper):
    token = sign("unsubscribe", PAYLOAD, SECRET)
    with pytest.raises(InvalidToken):
        unsign("unsubscribe", tamper(token), SECRET)
    with pytest.raises(InvalidToken):
        unsign("unsubscribe", token, b"t" * 32)


def test_a_token_made_before_purposes_existed_is_refused():
    """The old format: the payload's HMAC under the secret itself, no purpose."""
    old = f"{b64(PAYLOAD)}.{b64(hmac.new(SECRET, PAYLOAD, hashlib.sha256).digest())}"
    for purpose in ("survey", "unsubscribe", "calendar-feed"):
        with pytest.raises(InvalidToken):
            unsign(purpose, old, SECRET)


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class Signed(BaseSettings):
    secret: SigningSecret


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        *((value, "published development value") for value in sorted(PUBLISHED_VALUES)),
        ("x" * 31, "31 bytes, at least 32 needed"),
        ("", "0 bytes"),
    ],
)
def test_a_signing_secret_that_is_short_or_published_is_refused(value, reason):
    with pytest.raises(ValidationError, match=reason) as refused:
        Signed(secret=value)
    message = refused.value.errors()[0]["msg"]
    assert not value or value not in message, "the reason (what start-up prints) never repeats the secret"


def test_a_signing_secret_is_required_and_a_random_one_is_accepted():
    with pytest.raises(ValidationError, match="Field required"):
        Signed()
    assert len(random_signing_secret()) == 64
    Signed(secret=random_signing_secret())
