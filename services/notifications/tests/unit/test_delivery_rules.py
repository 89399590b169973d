"""When a message may go out (preferences, quiet hours, digests) and what a failed send means."""

from datetime import UTC, datetime, time, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flipside_notifications.domain.chat import slack_payload, teams_payload
from flipside_notifications.domain.failures import (
    MAX_DELAY,
    REASON_LIMIT,
    SendFailed,
    gives_up,
    http_failure,
    retry_delay,
    smtp_failure,
)
from flipside_notifications.domain.preferences import (
    HoldForDigest,
    Preferences,
    QuietHours,
    SendNow,
    Skip,
    WaitUntil,
    decide,
)
from flipside_notifications.domain.rendering import RenderedMessage
from flipside_notifications.domain.unsubscribe import UnsubscribeTarget, unsubscribe_target, unsubscribe_token
from flipside_shared.events import NotificationFailed
from flipside_shared.signed_tokens import InvalidToken, sign

LEAD = timedelta(hours=1)
NIGHT = QuietHours(time(22, 0), time(7, 0))
BERLIN = "Europe/Berlin"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_message_due_at_2_am_local_waits_until_the_end_of_quiet_hours_in_the_recipients_zone():
    two_am_berlin = at("2026-06-10T02:00:00+02:00")
    decision = decide(two_am_berlin, Preferences(quiet_hours=NIGHT), BERLIN, "email", "paired", None, LEAD)
    assert decision == WaitUntil(at("2026-06-10T07:00:00+02:00"))
    # The same instant is 20:00 the evening before in New York: no quiet hours there.
    assert (
        decide(two_am_berlin, Preferences(quiet_hours=NIGHT), "America/New_York", "email", "paired", None, LEAD)
        == SendNow()
    )


def test_a_session_starting_soon_ignores_quiet_hours_but_one_far_enough_away_waits():
    two_am = at("2026-06-10T02:00:00+02:00")
    early = at("2026-06-10T07:30:00+02:00")  # waiting until 07:00 would leave 30 minutes
    later = at("2026-06-10T09:00:00+02:00")
    prefs = Preferences(quiet_hours=NIGHT)
    assert decide(two_am, prefs, BERLIN, "email", "session_cancelled", early, LEAD) == SendNow()
    assert decide(two_am, prefs, BERLIN, "email", "reminder", later, LEAD) == WaitUntil(at("2026-06-10T07:00:00+02:00"))


def test_quiet_hours_that_end_on_the_morning_clocks_change_end_at_the_local_time_that_day():
    # 29 March 2026: Berlin moves from +01:00 to +02:00 at 02:00.
    decision = decide(
        at("2026-03-29T00:30:00+01:00"), Preferences(quiet_hours=NIGHT), BERLIN, "email", "paired", None, LEAD
    )
    assert decision == WaitUntil(at("2026-03-29T07:00:00+02:00"))


def test_quiet_hours_within_one_day_and_across_midnight():
    daytime = QuietHours(time(12, 0), time(13, 0))
    assert daytime.contains(time(12, 30)) and not daytime.contains(time(13, 0)) and not daytime.contains(time(11, 59))
    assert NIGHT.contains(time(23, 0)) and NIGHT.contains(time(6, 59)) and not NIGHT.contains(time(7, 0))
    with pytest.raises(ValueError):
        QuietHours(time(8, 0), time(8, 0))


def test_muted_kinds_and_turned_off_channels_are_skipped_with_the_reason():
    now = at("2026-06-10T12:00:00+02:00")
    prefs = Preferences(muted_kinds=frozenset({"reminders"}))
    assert decide(now, prefs, BERLIN, "email", "reminder", now + timedelta(hours=2), LEAD) == Skip("reminders muted")
    assert decide(now, prefs, BERLIN, "email", "paired", None, LEAD) == SendNow()
    assert decide(now, prefs, BERLIN, "slack", "paired", None, LEAD) == Skip("channel slack turned off")


def test_a_digest_holds_until_the_local_digest_time_but_never_reminders_or_imminent_sessions():
    now = at("2026-06-10T15:00:00+02:00")
    prefs = Preferences(digest=True, digest_time=time(8, 30))
    tomorrow = at("2026-06-11T08:30:00+02:00")
    assert decide(now, prefs, BERLIN, "email", "feedback_requested", None, LEAD) == HoldForDigest(tomorrow)
    assert decide(
        now, prefs, BERLIN, "email", "session_scheduled", at("2026-06-20T10:00:00+02:00"), LEAD
    ) == HoldForDigest(tomorrow)
    assert decide(now, prefs, BERLIN, "email", "session_scheduled", at("2026-06-11T09:00:00+02:00"), LEAD) == SendNow()
    assert decide(now, prefs, BERLIN, "email", "reminder", at("2026-06-12T09:00:00+02:00"), LEAD) == SendNow()
    assert decide(now, prefs, BERLIN, "email", "digest", None, LEAD) == SendNow()


@given(
    now=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)),
    zone=st.sampled_from([BERLIN, "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"]),
    start=st.times(),
    length=st.integers(min_value=15, max_value=12 * 60),
)
def test_a_deferred_message_always_lands_outside_quiet_hours_and_within_a_day(now, zone, start, length):
    end = (datetime.combine(datetime(2026, 1, 1), start) + timedelta(minutes=length)).time()
    quiet = QuietHours(start, end)
    decision = decide(now, Preferences(quiet_hours=quiet), zone, "email", "paired", None, LEAD)
    if isinstance(decision, WaitUntil):
        from zoneinfo import ZoneInfo

        assert now < decision.at <= now + timedelta(hours=25)
        assert not quiet.contains(decision.at.astimezone(ZoneInfo(zone)).time())
    else:
        assert decision == SendNow()


def test_preferences_refuse_unknown_channels_and_kinds_and_chat_without_its_url():
    with pytest.raises(ValueError, match="unknown channel"):
        Preferences(channels=frozenset({"pigeon"}))
    with pytest.raises(ValueError, match="unknown kind"):
        Preferences(muted_kinds=frozenset({"everything"}))
    with pytest.raises(ValueError, match="need their incoming webhook URL"):
        Preferences(channels=frozenset({"email", "slack"}))
    with pytest.raises(ValueError, match="at least one channel"):
        Preferences(channels=frozenset())


def test_unsubscribing_mutes_one_kind_or_ends_digests():
    prefs = Preferences(digest=True)
    assert prefs.unsubscribed_from("reminders").muted_kinds == {"reminders"}
    assert prefs.unsubscribed_from("digest").digest is False


def test_unsubscribe_links_name_their_person_kind_and_generation_and_refuse_forgeries():
    person, secret = uuid4(), b"k" * 32
    token = unsubscribe_token(UnsubscribeTarget(person, "reminders", 2), secret)
    assert unsubscribe_target(token, secret) == UnsubscribeTarget(person, "reminders", 2)
    with pytest.raises(InvalidToken):
        unsubscribe_target(token, b"a" * 32)
    with pytest.raises(InvalidToken):
        unsubscribe_target(unsubscribe_token(UnsubscribeTarget(person, "everything", 0), secret), secret)


def test_another_kind_of_link_signed_with_the_same_secret_unsubscribes_no_one():
    person, secret = uuid4(), b"k" * 32
    payload = person.bytes + (0).to_bytes(4, "big") + b"reminders"
    for purpose in ("calendar-feed", "survey"):
        with pytest.raises(InvalidToken):
            unsubscribe_target(sign(purpose, payload, secret), secret)


def test_smtp_and_http_failures_are_classified_and_retry_after_is_honoured():
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    assert smtp_failure("550", 550).permanent and not smtp_failure("451", 451).permanent
    assert not smtp_failure("no answer", None).permanent
    assert http_failure(404, None, now).permanent and http_failure(400, None, now).permanent
    assert http_failure(301, None, now).permanent, "a webhook that moved is configured anew, not followed"
    limited = http_failure(429, "120", now)
    assert not limited.permanent and limited.retry_after == timedelta(seconds=120)
    dated = http_failure(503, "Wed, 10 Jun 2026 12:05:00 GMT", now)
    assert not dated.permanent and dated.retry_after == timedelta(minutes=5)
    assert http_failure(502, "soon-ish", now).retry_after is None
    assert retry_delay(1, limited) >= timedelta(seconds=120)
    assert timedelta(seconds=1) <= retry_delay(1, SendFailed("x", False)) <= timedelta(seconds=2)
    assert retry_delay(30, SendFailed("x", False)) <= MAX_DELAY
    assert gives_up(limited, 8) and not gives_up(limited, 7) and gives_up(smtp_failure("550", 550), 1)


def test_chat_payloads_carry_subject_and_text():
    message = RenderedMessage("Your kickoff", "Monday 09:00", "<p>Monday 09:00</p>")
    slack = slack_payload(message)
    assert slack["text"] == "Your kickoff" and slack["blocks"][1]["text"]["text"] == "Monday 09:00"
    card = teams_payload(message)["attachments"][0]["content"]
    assert [block["text"] for block in card["body"]] == ["Your kickoff", "Monday 09:00"]


def test_a_mail_relay_s_answer_with_control_characters_still_makes_a_valid_failure_event():
    """A relay's reply is quoted in the reason: fitted and bounded, so NotificationFailed still validates."""
    failure = smtp_failure("550 bad\x1b[31m\x00 mailbox\u202e\r\n" + "x" * 10_000, 550)
    event = NotificationFailed(
        notification_id=uuid4(),
        participant_id=uuid4(),
        channel="email",
        template="paired",
        cause_event_id=uuid4(),
        reason=failure.reason,
        permanent=failure.permanent,
        attempts=1,
        failed_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    )
    assert event.reason.startswith("550 bad\ufffd[31m\ufffd mailbox\ufffd\r\n")
    assert len(event.reason) == REASON_LIMIT
