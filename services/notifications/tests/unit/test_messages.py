from datetime import timedelta
from uuid import uuid4

from icalendar import Calendar

from flipside_devstack.factories import pair_created
from flipside_notifications.domain.invitation import invitation
from flipside_notifications.domain.messages import messages_for
from flipside_notifications.domain.rendering import render
from flipside_notifications.domain.samples import sample_context
from flipside_shared.events import (
    AttendeeTime,
    PairProposed,
    ParticipantUnmatched,
    SessionAttendee,
    SessionCancelled,
    SessionRescheduled,
    SessionScheduledV1,
)
from flipside_shared.personal_links import calendar_feed_url


class FakeLinks:
    def survey_url(self, request_id, expires_at):
        return f"https://feedback.example.com/surveys/{request_id}-{int(expires_at.timestamp())}"

    def calendar_feed_url(self, participant_id, generation):
        return f"https://scheduling.example.com/calendars/{participant_id}-{generation}.ics"


LINKS = FakeLinks()


def test_both_sides_of_a_pair_are_told_with_the_reasons():
    pair = pair_created()
    owed = messages_for(pair, LINKS)
    assert {(m.recipient_id, m.context["role"]) for m in owed} == {
        (pair.mentor.participant_id, "mentor"),
        (pair.mentee.participant_id, "mentee"),
    }
    assert all(m.template == "paired" and m.context["reasons"] == pair.reasons for m in owed)


def test_templates_render_in_english_german_and_fall_back_to_english():
    context = {**sample_context("session_scheduled"), "starts_at": "2026-03-30T13:00:00+00:00"}
    english = render("session_scheduled", "en", context)
    german = render("session_scheduled", "de-DE", context)
    french = render("session_scheduled", "fr", context)
    assert english.subject == "Your kickoff with Sam Sample: Monday 2026-03-30, 15:00 (Europe/Berlin)"
    assert german.subject == "Ihr Kickoff mit Sam Sample: Montag 30.03.2026, 15:00 (Europe/Berlin)"
    assert french == english
    assert "<strong>Sam Sample</strong>" in english.html


def test_html_escapes_what_people_typed():
    rendered = render("paired", "en", {**sample_context("paired"), "partner_name": "<script>x</script>"})
    assert "<script>" not in rendered.html and "&lt;script&gt;" in rendered.html


def test_invitation_uses_the_session_id_as_uid_so_updates_replace():
    ics = Calendar.from_ical(
        invitation("abc", "2026-06-01T13:00:00+00:00", 45, "Kickoff", "f@example.com", "a@example.com")
    )
    assert ics["method"] == "REQUEST"
    event = ics.walk("VEVENT")[0]
    assert str(event["uid"]) == "abc@flipside"
    assert event.decoded("dtend") - event.decoded("dtstart") == timedelta(minutes=45)


def test_a_cancellation_cancels_the_same_calendar_entry_and_tells_only_those_still_enrolled():
    ics = Calendar.from_ical(
        invitation("abc", "2026-06-01T13:00:00+00:00", 45, "Cancelled", "f@example.com", "a@example.com", "CANCEL", 1)
    )
    event = ics.walk("VEVENT")[0]
    assert ics["method"] == "CANCEL" and str(event["uid"]) == "abc@flipside"
    assert event["status"] == "CANCELLED" and event["sequence"] > 0, "a later sequence than the invitation"
    staying, leaving = uuid4(), uuid4()
    cancelled = SessionCancelled(
        session_id=uuid4(),
        pair_id=uuid4(),
        program_id="pilot",
        kind="kickoff",
        starts_at="2026-06-01T13:00:00+00:00",
        duration_minutes=45,
        participant_ids=[staying],
        reason="participant_erased",
        sequence=1,
        cancelled_at="2026-05-30T10:00:00+00:00",
    )
    owed = messages_for(cancelled, LINKS)
    assert [(m.recipient_id, m.template) for m in owed] == [(staying, "session_cancelled")]
    assert "partner_id" not in owed[0].context and leaving not in cancelled.participant_ids
    text = render(
        "session_cancelled", "de", {**sample_context("session_cancelled"), "reason": "participant_erased"}
    ).text
    assert "findet nicht statt" in text and "verlassen" in text


def test_a_proposal_goes_to_the_side_that_was_asked_and_the_unmatched_are_told_why():
    mentor, mentee = uuid4(), uuid4()
    proposed = PairProposed(
        pair_id=uuid4(),
        program_id="pilot",
        mentor_id=mentor,
        mentee_id=mentee,
        proposed_by=mentee,
        score=0.5,
        score_breakdown={"mentor_teaches": 0.5},
        reasons=["mentor can teach the mentee TikTok (+0.500)"],
        expires_at="2026-06-04T10:00:00+00:00",
    )
    [asked] = messages_for(proposed, LINKS)
    assert (asked.recipient_id, asked.template, asked.context["role"], asked.context["partner_id"]) == (
        mentor,
        "proposal",
        "mentor",
        str(mentee),
    )
    [told] = messages_for(
        ParticipantUnmatched(
            participant_id=mentee, program_id="pilot", run_id=uuid4(), reasons=["no mentor shares a language"]
        ),
        LINKS,
    )
    assert (told.recipient_id, told.template, told.context["reasons"]) == (
        mentee,
        "unmatched",
        ["no mentor shares a language"],
    )
    for template in ("proposal", "unmatched"):
        english, german = (render(template, locale, sample_context(template)) for locale in ("en", "de"))
        assert english.subject and german.subject != english.subject
        assert all(reason in english.text for reason in sample_context(template)["reasons"])


def test_the_unmatched_notice_fits_a_run_and_rolling_matching_and_blames_no_one():
    """Rolling matching tells someone no enrolled person fits at once, with no run: the words must not speak of one."""
    english, german = (render("unmatched", locale, sample_context("unmatched")).text for locale in ("en", "de"))
    assert "under your program's matching rules, no one can be your partner yet" in english
    assert "says nothing about you or anyone else" in english and "Your program lead sees this too" in english
    assert "nach den Matching-Regeln Ihres Programms kann noch niemand Ihr Partner sein" in german
    assert "über Sie oder andere sagt das nichts aus" in german and "Ihre Programmleitung sieht das ebenfalls" in german
    assert "round" not in english and "Runde" not in german


def test_the_invitation_mail_gives_each_attendee_their_own_calendar_feed():
    context = {
        **sample_context("session_scheduled"),
        "calendar_feed_url": "https://flipside.example.com/calendars/abc.ics",
    }
    rendered = render("session_scheduled", "en", context)
    assert "https://flipside.example.com/calendars/abc.ics" in rendered.text
    assert '<a href="https://flipside.example.com/calendars/abc.ics">' in rendered.html
    assert "calendars/" not in render("session_scheduled", "en", sample_context("session_scheduled")).text


def test_a_move_updates_the_same_calendar_entry_with_a_higher_sequence_for_both():
    mentor, mentee = uuid4(), uuid4()
    moved = SessionRescheduled(
        session_id=uuid4(),
        pair_id=uuid4(),
        program_id="pilot",
        kind="check_in",
        previous_starts_at="2026-06-01T13:00:00+00:00",
        starts_at="2026-06-02T13:00:00+00:00",
        duration_minutes=45,
        mentor=SessionAttendee(
            participant_id=mentor, time_zone="Europe/Berlin", local_start="2026-06-02T15:00:00+02:00"
        ),
        mentee=SessionAttendee(
            participant_id=mentee,
            time_zone="America/New_York",
            local_start="2026-06-02T09:00:00-04:00",
            feed_generation=3,
        ),
        reason="participant_unavailable",
        sequence=2,
    )
    owed = messages_for(moved, LINKS)
    assert [(m.recipient_id, m.template, m.context["sequence"]) for m in owed] == [
        (mentor, "session_rescheduled", 2),
        (mentee, "session_rescheduled", 2),
    ]
    assert [m.context["calendar_feed_url"] for m in owed] == [
        LINKS.calendar_feed_url(mentor, 0),
        LINKS.calendar_feed_url(mentee, 3),
    ], "each feed address of the generation the event names: a rotated one stays revoked"
    context = {**sample_context("session_rescheduled"), **owed[0].context}
    english, german = render("session_rescheduled", "en", context), render("session_rescheduled", "de", context)
    assert english.subject.startswith("Moved:") and "away on the original day" in english.text
    assert german.subject.startswith("Verschoben:") and "Montag 01.06.2026, 15:00" in german.text
    ics = Calendar.from_ical(
        invitation(
            context["session_id"],
            context["starts_at"],
            45,
            english.subject,
            "f@example.com",
            "a@example.com",
            "REQUEST",
            2,
        )
    )
    assert ics["method"] == "REQUEST" and ics.walk("VEVENT")[0]["sequence"] == 2


def test_a_version_1_booking_is_still_told_with_the_feed_link_notifications_makes_not_the_one_it_carried():
    mentor, mentee = uuid4(), uuid4()
    carried = "https://flipside.example.com/calendars/carried.ics"
    # An address scheduling made of the mentee's second generation: notifications makes one of the same generation.
    of_generation_2 = calendar_feed_url("https://flipside.example.com", mentee, 2, b"k" * 32)
    booked = SessionScheduledV1(
        session_id=uuid4(),
        pair_id=uuid4(),
        program_id="pilot",
        kind="kickoff",
        starts_at="2026-06-02T13:00:00+00:00",
        duration_minutes=45,
        mentor=AttendeeTime(
            participant_id=mentor,
            time_zone="Europe/Berlin",
            local_start="2026-06-02T15:00:00+02:00",
            calendar_feed_url=carried,
        ),
        mentee=AttendeeTime(
            participant_id=mentee,
            time_zone="America/New_York",
            local_start="2026-06-02T09:00:00-04:00",
            calendar_feed_url=of_generation_2,
        ),
    )
    owed = messages_for(booked, LINKS)
    assert [(m.recipient_id, m.context["calendar_feed_url"]) for m in owed] == [
        (mentor, LINKS.calendar_feed_url(mentor, 0)),
        (mentee, LINKS.calendar_feed_url(mentee, 2)),
    ]


def test_a_recognised_milestone_congratulates_both_in_their_language():
    from datetime import UTC, datetime

    from flipside_shared.events import RecognitionAwarded

    mentor, mentee = uuid4(), uuid4()
    awarded = RecognitionAwarded(
        recognition_id=uuid4(),
        pair_id=uuid4(),
        program_id="pilot",
        participant_ids=[mentor, mentee],
        milestone="kickoff_held",
        awarded_at=datetime.now(UTC),
    )
    owed = messages_for(awarded, LINKS)
    assert [(m.recipient_id, m.template, m.context["partner_id"]) for m in owed] == [
        (mentor, "recognition", str(mentee)),
        (mentee, "recognition", str(mentor)),
    ]
    context = {**sample_context("recognition"), **owed[0].context}
    assert render("recognition", "de", context).subject == "Gut gemacht: Ihr Kickoff hat stattgefunden"
    assert render("recognition", "en", context).subject == "Well done: you held your kickoff"
