from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from flipside_feedback.domain.links import ExpiredLink, InvalidLink, verify
from flipside_feedback.domain.survey import MIN_GROUP_SIZE, suppress_small_groups
from flipside_shared.personal_links import survey_token

SECRET = b"test-secret"
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_a_signed_link_grants_its_request_until_it_expires():
    request_id = uuid4()
    token = survey_token(request_id, NOW + timedelta(days=14), SECRET)
    assert verify(token, SECRET, NOW) == request_id
    with pytest.raises(ExpiredLink):
        verify(token, SECRET, NOW + timedelta(days=14))


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
    lambda t: "x" + t,
    lambda t: t.replace(".", ""),
    lambda t: "",
])
def test_tampered_or_foreign_links_are_refused(tamper):
    token = survey_token(uuid4(), NOW + timedelta(days=1), SECRET)
    with pytest.raises(InvalidLink):
        verify(tamper(token), SECRET, NOW)
    with pytest.raises(InvalidLink):
        verify(token, b"another-secret", NOW)


def test_groups_smaller_than_k_are_withheld():
    figures = {"responses": 4, "mean_session_value": 4.5}
    assert suppress_small_groups(MIN_GROUP_SIZE - 1, figures) == {"responses": None, "mean_session_value": None}
    assert suppress_small_groups(MIN_GROUP_SIZE, figures) == figures
