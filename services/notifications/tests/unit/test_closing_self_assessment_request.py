"""The closing self-assessment's request reads as the end of the program, not as one more check-in."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from flipside_notifications.domain.chat import slack_payload
from flipside_notifications.domain.messages import messages_for
from flipside_notifications.domain.preferences import KIND_OF_TEMPLATE
from flipside_notifications.domain.rendering import render
from flipside_notifications.domain.samples import sample_context
from flipside_shared.events import FeedbackRequested

EXPIRES = datetime(2027, 7, 14, 22, 0, tzinfo=UTC)


class FakeLinks:
    def survey_url(self, request_id, expires_at):
        return f"https://portal.example.com/surveys/{request_id}"

    def calendar_feed_url(self, participant_id, generation):
        raise AssertionError("a survey request carries no calendar feed")


def request(kind: str) -> FeedbackRequested:
    return FeedbackRequested(
        request_id=uuid4(),
        pair_id=uuid4(),
        session_id=uuid4(),
        participant_id=uuid4(),
        role="mentor",
        expires_at=EXPIRES,
        kind=kind,
    )


def test_a_closing_request_owes_its_own_message_with_the_persons_link_and_a_check_in_keeps_its_own():
    closing = request("closing_self_assessment")
    [owed] = messages_for(closing, FakeLinks())
    assert owed.recipient_id == closing.participant_id
    assert owed.template == "closing_self_assessment_requested"
    assert owed.context["survey_url"] == f"https://portal.example.com/surveys/{closing.request_id}"
    assert KIND_OF_TEMPLATE[owed.template] == "feedback", "muted with check-ins, unsubscribed from with them"
    [check_in] = messages_for(request("check_in"), FakeLinks())
    assert check_in.template == "feedback_requested"


def closing_message(language: str):
    context = {
        **sample_context("closing_self_assessment_requested"),
        "survey_url": "https://portal.example.com/surveys/t0k3n",
        "expires_at": EXPIRES.isoformat(),
    }
    return render("closing_self_assessment_requested", language, context)


def test_in_english_it_thanks_asks_for_four_scales_says_what_for_and_links_the_survey():
    message = closing_message("en")
    assert message.subject == "Your program has ended: your closing self-assessment"
    assert "How did your mentoring session go?" not in message.subject
    assert message.text.startswith("Hello Alex Example,\n\nyour mentoring program has ended. Thank you")
    assert "four scales from 1 to 5" in message.text
    assert "beside the ones you gave at the start" in message.text
    assert "your program lead only sees anonymous totals over the whole program" in message.text
    assert "of another generation: https://portal.example.com/surveys/t0k3n" in message.text
    assert "The link works until Thursday 2027-07-15, 00:00 (Europe/Berlin)." in message.text
    assert '<a href="https://portal.example.com/surveys/t0k3n">answer the closing self-assessment</a>' in message.html


def test_in_german_every_sentence_is_german():
    message = closing_message("de")
    assert message.subject == "Ihr Programm ist zu Ende: Ihre abschließende Selbsteinschätzung"
    assert "Ihr Mentoring-Programm ist zu Ende. Danke für die Zeit" in message.text
    assert "vier Skalen von 1 bis 5" in message.text
    assert "neben die vom Start gelegt" in message.text
    assert "Ihre Programmleitung sieht nur anonyme Summen über das ganze Programm" in message.text
    assert "einer anderen Generation: https://portal.example.com/surveys/t0k3n" in message.text
    assert "Der Link gilt bis Donnerstag 15.07.2027, 00:00 (Europe/Berlin)." in message.text
    assert (
        '<a href="https://portal.example.com/surveys/t0k3n">zur abschließenden Selbsteinschätzung</a>' in message.html
    )
    assert "program" not in message.text.lower().replace("programm", "")


@pytest.mark.parametrize("language", ["en", "de"])
def test_chat_channels_carry_the_same_words_and_link(language):
    message = closing_message(language)
    payload = slack_payload(message)
    assert payload["text"] == message.subject
    assert "https://portal.example.com/surveys/t0k3n" in payload["blocks"][1]["text"]["text"]
