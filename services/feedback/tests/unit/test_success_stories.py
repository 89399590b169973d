"""When a pair's story is shown: both consent to its present text, never one, never after a rewrite."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from flipside_feedback.domain.goals import PairMembers
from flipside_feedback.domain.stories import StoryRefused, draft, with_consent

AT = datetime(2026, 5, 4, 9, tzinfo=UTC)
PAIR = PairMembers(uuid4(), uuid4(), active=False)


def test_a_story_is_shared_once_both_consent_and_hidden_when_either_withdraws():
    story = draft(PAIR, uuid4(), "p", PAIR.mentee_id, "We learnt", AT)
    assert not story.shared
    story = with_consent(story, PAIR.mentor_id, True, AT)
    assert not story.shared and story.consents_of(PAIR.mentor_id) and not story.consents_of(PAIR.mentee_id)
    story = with_consent(story, PAIR.mentee_id, True, AT)
    assert story.shared
    assert not with_consent(story, PAIR.mentor_id, False, AT).shared


def test_only_the_two_write_or_consent_and_an_ended_pair_still_may():
    stranger = uuid4()
    with pytest.raises(StoryRefused):
        draft(PAIR, uuid4(), "p", stranger, "Not mine", AT)
    story = draft(PAIR, uuid4(), "p", PAIR.mentor_id, "Ours", AT)
    with pytest.raises(StoryRefused):
        with_consent(story, stranger, True, AT)
