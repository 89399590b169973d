import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from pydantic import ValidationError

from flipside_feedback.domain.links import ExpiredLink, InvalidLink, verify
from flipside_feedback.domain.survey import MIN_GROUP_SIZE, suppress_small_groups
from flipside_feedback.handlers import FeedbackLoop
from flipside_feedback.settings import FeedbackSettings
from flipside_shared.clock import FixedClock
from flipside_shared.personal_links import survey_token
from flipside_shared.signed_tokens import sign as sign_token

SECRET = b"s" * 32
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_signed_link_grants_its_request_until_it_expires():
    request_id = uuid4()
    token = survey_token(request_id, NOW + timedelta(days=14), SECRET)
    assert verify(token, SECRET, NOW) == request_id
    with pytest.raises(ExpiredLink):
        verify(token, SECRET, NOW + timedelta(days=14))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: t.replace(".", ""),
        lambda t: "",
    ],
)
def test_tampered_or_foreign_links_are_refused(tamper):
    token = survey_token(uuid4(), NOW + timedelta(days=1), SECRET)
    with pytest.raises(InvalidLink):
        verify(tamper(token), SECRET, NOW)
    with pytest.raises(InvalidLink):
        verify(token, b"t" * 32, NOW)


def test_a_token_of_another_kind_signed_with_the_same_secret_opens_no_survey():
    payload = uuid4().bytes + int((NOW + timedelta(days=1)).timestamp()).to_bytes(8, "big")
    for purpose in ("calendar-feed", "unsubscribe"):
        with pytest.raises(InvalidLink):
            verify(sign_token(purpose, payload, SECRET), SECRET, NOW)


def test_the_hash_counting_concern_contributors_has_its_own_key_not_the_survey_link_secret():
    person = uuid4()
    secrets = {"FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY": "c" * 32}
    one, other = (
        FeedbackLoop(FeedbackSettings(**secrets, FLIPSIDE_FEEDBACK_LINK_SECRET=link), FixedClock(NOW))
        for link in ("a" * 32, "b" * 32)
    )
    assert (
        one.contributor_hash(person)
        == other.contributor_hash(person)
        == hmac.new(
            b"c" * 32,
            b"concern:" + person.bytes,
            hashlib.sha256,
        ).digest()
    )


def test_the_concern_contributor_key_may_not_be_the_link_secret():
    with pytest.raises(ValidationError, match="must differ"):
        FeedbackSettings(FLIPSIDE_FEEDBACK_LINK_SECRET="a" * 32, FLIPSIDE_FEEDBACK_CONCERN_CONTRIBUTOR_KEY="a" * 32)


def test_groups_smaller_than_k_are_withheld():
    figures = {"responses": 4, "mean_session_value": 4.5}
    assert suppress_small_groups(MIN_GROUP_SIZE - 1, figures) == {"responses": None, "mean_session_value": None}
    assert suppress_small_groups(MIN_GROUP_SIZE, figures) == figures
