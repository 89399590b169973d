"""Header values from stored names and templates: one line, bounded, and nothing the email library would let start
another header."""

import email
import email.headerregistry
import email.policy
import itertools
from uuid import UUID, uuid4

import pytest
from pydantic import ValidationError

from flipside_notifications import mailer
from flipside_notifications.domain.failures import REASON_LIMIT, SendFailed
from flipside_notifications.domain.header_text import SUBJECT_LIMIT, one_line
from flipside_notifications.domain.rendering import RenderedMessage
from flipside_notifications.mailer import compose
from flipside_notifications.settings import NotificationSettings

HOSTILE = {
    "line feed": "Eve\nX-Evil: 1",
    "carriage return": "Eve\rX-Evil: 1",
    "NUL": "Eve\x00X-Evil: 1",
    "line separator": "Eve\u2028X-Evil: 1",
    "paragraph separator": "Eve\u2029X-Evil: 1",
    "next line": "Eve\x85X-Evil: 1",
    "right-to-left mark and override": "\u200fEve\u202e1 :liv-X",
    "10 KB": "Eve " + "x" * 10_240,
}
UNSUBSCRIBE = "https://flipside.example.com/unsubscribe/" + "t" * 90


@pytest.mark.parametrize("value", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_header_value_is_one_line_without_controls_separators_or_bidi_marks(value):
    line = one_line(value)
    assert line.startswith("Eve") and len(line) <= SUBJECT_LIMIT
    assert not any(char in line for char in "\r\n\x00\x85\u2028\u2029\u200f\u202e")


def test_a_long_value_is_cut_with_an_ellipsis_and_a_short_one_kept():
    assert one_line("Pat  Picker ") == "Pat Picker"
    assert one_line("x" * 300) == "x" * (SUBJECT_LIMIT - 1) + "…"


def delivery(address: str = "ash@example.com", template: str = "proposal") -> dict:
    return {"email": address, "delivery_id": uuid4(), "template": template, "context": {}}


@pytest.mark.parametrize("name", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_name_in_the_subject_injects_no_header(name):
    rendered = RenderedMessage(f"{name} would like you as their mentor", f"Hello {name}", f"<p>Hello {name}</p>")
    mail = compose(delivery(), rendered, "flipside@example.com", UNSUBSCRIBE)
    message = email.message_from_bytes(mail.data, policy=email.policy.default)
    assert "X-Evil" not in message and message["Subject"].startswith("Eve")
    assert all(len(line) <= 998 for line in mail.data.split(b"\r\n")), "folded by the email library"
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>", "the link on one line, as mail clients read it"
    assert mail.recipient == "ash@example.com" and message["To"] == "ash@example.com"


@pytest.mark.parametrize(
    "address", ["ash@example.com\r\nBcc: spy@evil.example", "ash@example.com\x00", "not an address", ""]
)
def test_an_address_that_cannot_be_formatted_is_refused_not_sent(address):
    with pytest.raises((ValueError, IndexError, email.errors.HeaderParseError)):
        compose(delivery(address), RenderedMessage("Hi", "hi", "<p>hi</p>"), "flipside@example.com", UNSUBSCRIBE)


def test_a_sender_that_is_no_address_stops_the_service_at_start():
    with pytest.raises(ValidationError, match=r"FLIPSIDE_SMTP_SENDER|smtp_sender"):
        NotificationSettings(smtp_sender="flipside\r\nBcc: spy@evil.example")


def test_a_failure_quoting_what_it_refused_keeps_a_bounded_reason():
    failure = SendFailed(f"cannot compose the email message: ValueError: {HOSTILE['10 KB']}", permanent=True)
    assert failure.reason.startswith("cannot compose") and len(failure.reason) == REASON_LIMIT


def test_the_headers_kept_between_messages_change_no_byte_of_one(monkeypatch):
    """Header classes, parsed headers and their wire form are kept between messages: a message composed with all of
    them kept (from the first message and from the second) is byte for byte one composed by the standard policy."""
    context = {"session_id": str(uuid4()), "starts_at": "2026-12-07T09:00:00+00:00", "duration_minutes": 45}
    sent = {**delivery("zoe@example.com", "session_scheduled"), "context": context}
    rendered = RenderedMessage("Zoë, your kickoff with Ángel — Tuesday", "Hallo Zoë\n" * 40, "<p>Hallo Zoë</p>" * 40)

    def composed() -> bytes:
        boundaries = (UUID(int=n) for n in itertools.count())
        monkeypatch.setattr(mailer, "uuid4", lambda: next(boundaries))
        return compose(sent, rendered, "flipside@example.com", UNSUBSCRIBE).data

    first, again = composed(), composed()
    standard = email.policy.EmailPolicy(
        linesep="\r\n", cte_type="7bit", max_line_length=998, header_factory=email.headerregistry.HeaderRegistry()
    )
    monkeypatch.setattr(mailer, "WIRE_POLICY", standard)
    mailer.from_header.cache_clear()
    assert first == again == composed()
    mailer.from_header.cache_clear()


def test_a_multipart_type_whose_boundary_is_new_in_each_message_is_not_kept():
    """Only values that repeat are kept: a multipart type's, its boundary new every time, would push them out."""
    context = {"session_id": str(uuid4()), "starts_at": "2026-12-07T09:00:00+00:00", "duration_minutes": 45}
    sent = {**delivery("zoe@example.com", "session_scheduled"), "context": context}
    rendered = RenderedMessage("Your kickoff", "Hello", "<p>Hello</p>")
    compose(sent, rendered, "flipside@example.com", UNSUBSCRIBE)
    folded, parsed = mailer._folded.cache_info(), mailer.WIRE_POLICY.header_factory._parsed.cache_info()
    for _ in range(3):
        compose(sent, rendered, "flipside@example.com", UNSUBSCRIBE)
    assert mailer._folded.cache_info().currsize == folded.currsize
    assert mailer.WIRE_POLICY.header_factory._parsed.cache_info().currsize == parsed.currsize
