"""The notices about programs, proposals and pairs that end: who is owed what, and what it says in each language."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest
from icalendar import Calendar

from flipside_devstack.factories import enrolled
from flipside_notifications.domain.invitation import invitation
from flipside_notifications.domain.messages import Known, messages_for, unmatched_summary
from flipside_notifications.domain.programs import PairMembers, Program, contact_id, meeting_url, reasons_tally
from flipside_notifications.domain.rendering import render
from flipside_notifications.domain.samples import sample_context
from flipside_shared.events import (
    PairAtRisk,
    PairDeclined,
    PairDissolved,
    ProgramCancelled,
    ProgramCompleted,
    SchedulingFailed,
    SessionScheduled,
)

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
LEADS = (contact_id("lena.lead"), contact_id("lou.lead"))
PROGRAM = Program("pilot", "Pilot 2027", "https://teams.example.com/meet/{pair_id}?s={session_id}", LEADS)


class Links:
    def survey_url(self, request_id, expires_at):
        return f"https://feedback.example.com/surveys/{request_id}"

    def calendar_feed_url(self, participant_id, generation):
        return f"https://scheduling.example.com/calendars/{participant_id}.ics"


def in_context(template, context):
    return {**sample_context(template), **context}


def test_a_lead_is_the_same_recipient_in_every_program_and_event_that_names_them():
    assert contact_id("lena.lead") == contact_id("lena.lead") != contact_id("lou.lead")


def test_the_meeting_link_names_the_pair_and_session():
    pair_id, session_id = uuid4(), uuid4()
    assert meeting_url(PROGRAM.meeting_url_template, pair_id, session_id) == (
        f"https://teams.example.com/meet/{pair_id}?s={session_id}"
    )
    assert meeting_url(None, pair_id, session_id) is None


@pytest.mark.parametrize(
    "template",
    [
        "http://meet.example.com/{pair_id}",
        "https://localhost/{pair_id}",
        "https://intranet/{pair_id}",
        "https://meet.internal/{pair_id}",
        "https://10.0.0.7/{pair_id}",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/{pair_id}",
        "https://user:secret@meet.example.com/{pair_id}",
        "javascript:alert(1)",
    ],
)
def test_a_meeting_link_to_an_internal_address_or_without_https_is_never_sent(template):
    assert meeting_url(template, uuid4(), uuid4()) is None


def scheduled(pair_id, session_id, mentor, mentee, kind="kickoff"):
    return SessionScheduled(
        session_id=session_id,
        pair_id=pair_id,
        program_id="pilot",
        kind=kind,
        starts_at="2026-06-02T13:00:00+00:00",
        duration_minutes=45,
        mentor={"participant_id": mentor, "time_zone": "Europe/Berlin", "local_start": "2026-06-02T15:00:00+02:00"},
        mentee={"participant_id": mentee, "time_zone": "Europe/Berlin", "local_start": "2026-06-02T15:00:00+02:00"},
    )


def test_an_invitation_carries_the_program_meeting_link_and_an_agenda_in_both_languages():
    pair_id, session_id, mentor, mentee = uuid4(), uuid4(), uuid4(), uuid4()
    owed = messages_for(scheduled(pair_id, session_id, mentor, mentee), Links(), Known(program=PROGRAM))
    link = f"https://teams.example.com/meet/{pair_id}?s={session_id}"
    assert [m.context["meeting_url"] for m in owed] == [link, link]
    english = render("session_scheduled", "en", in_context("session_scheduled", owed[0].context))
    assert f"Where you meet: {link}" in english.text
    assert "A suggested agenda:" in english.text and "- Get to know each other" in english.text
    german = render("session_scheduled", "de", in_context("session_scheduled", owed[0].context))
    assert f"Wo Sie sich treffen: {link}" in german.text and "- Einander kennenlernen" in german.text
    assert f'<a href="{link.replace("&", "&amp;")}">' in german.html
    check_in = render(
        "session_scheduled", "en", in_context("session_scheduled", {**owed[0].context, "kind": "check_in"})
    )
    assert "- Progress on your goals." in check_in.text and "Get to know" not in check_in.text
    ics = Calendar.from_ical(
        invitation(str(session_id), "2026-06-02T13:00:00+00:00", 45, "x", "a@x", "b@x", location=link)
    )
    [entry] = ics.walk("VEVENT")
    assert str(entry["LOCATION"]) == link


def test_without_a_known_program_an_invitation_has_no_meeting_line():
    owed = messages_for(scheduled(uuid4(), uuid4(), uuid4(), uuid4()), Links())
    assert owed[0].context["meeting_url"] is None
    assert (
        "Where you meet" not in render("session_scheduled", "en", in_context("session_scheduled", owed[0].context)).text
    )


def test_a_pair_at_risk_tells_each_lead_of_the_program_besides_the_pair_and_leads_see_no_reasons():
    mentor, mentee, pair_id = uuid4(), uuid4(), uuid4()
    at_risk = PairAtRisk(
        pair_id=pair_id,
        program_id="pilot",
        mentor_id=mentor,
        mentee_id=mentee,
        score=0.2,
        reasons=["two check-ins unanswered"],
        detected_at=NOW,
    )
    owed = messages_for(at_risk, Links(), Known(program=PROGRAM))
    assert sorted((m.recipient_id, m.template) for m in owed) == sorted(
        [(mentor, "at_risk"), (mentee, "at_risk"), (LEADS[0], "lead_pair_at_risk"), (LEADS[1], "lead_pair_at_risk")]
    )
    to_lead = next(m for m in owed if m.template == "lead_pair_at_risk")
    message = render(
        "lead_pair_at_risk", "de", in_context("lead_pair_at_risk", to_lead.context), portal_url="https://p"
    )
    assert message.subject == "Ein Paar in Pilot 2027 braucht vielleicht Ihre Hilfe"
    assert "https://p/lead/programs/pilot/at-risk" in message.text
    assert "unanswered" not in message.text


def test_failed_scheduling_goes_to_the_leads_with_what_scheduling_said_and_to_nobody_while_the_program_is_unknown():
    failed = SchedulingFailed(pair_id=uuid4(), program_id="pilot", reason="no common slot in 14 days")
    owed = messages_for(failed, Links(), Known(program=PROGRAM))
    assert [(m.recipient_id, m.template) for m in owed] == [(lead, "lead_scheduling_failed") for lead in LEADS]
    message = render("lead_scheduling_failed", "en", in_context("lead_scheduling_failed", owed[0].context))
    assert message.subject == "No time found for a pair in Pilot 2027"
    assert "no common slot in 14 days" in message.text
    assert messages_for(failed, Links()) == []


def declined(reason):
    return PairDeclined(pair_id=uuid4(), program_id="pilot", reason=reason, declined_at=NOW)


def test_a_declined_or_lapsed_proposal_tells_who_proposed_and_one_no_longer_possible_tells_both():
    mentor, mentee = uuid4(), uuid4()
    proposal = PairMembers(mentor, mentee, proposed_by=mentee)
    for reason in ("declined", "expired"):
        [told] = messages_for(declined(reason), Links(), Known(pair=proposal))
        assert (told.recipient_id, told.template, told.context["partner_id"]) == (mentee, "proposal_ended", str(mentor))
    both = messages_for(declined("no_longer_possible"), Links(), Known(pair=proposal))
    assert sorted(m.recipient_id for m in both) == sorted([mentor, mentee])
    assert messages_for(declined("expired"), Links()) == [], "a proposal not known here owes nothing"


@pytest.mark.parametrize(
    ("reason", "language", "subject", "says"),
    [
        ("declined", "en", "Sam Sample will not take up your proposal", "That says nothing about you"),
        ("expired", "de", "Ihr Vorschlag an Sam Sample ist abgelaufen", "nicht rechtzeitig"),
        ("no_longer_possible", "en", "A pair with Sam Sample is no longer possible", "rules no longer allow"),
    ],
)
def test_an_ended_proposal_says_why_in_the_recipients_language(reason, language, subject, says):
    message = render("proposal_ended", language, in_context("proposal_ended", {"reason": reason}))
    assert message.subject == subject and says in message.text


def dissolved(reason, rematch=True):
    return PairDissolved(pair_id=uuid4(), program_id="pilot", reason=reason, rematch=rematch, dissolved_at=NOW)


def test_a_dissolved_pair_tells_both_and_not_who_left():
    mentor, mentee = uuid4(), uuid4()
    pair = PairMembers(mentor, mentee)
    both = messages_for(dissolved("mismatch"), Links(), Known(pair=pair, enrolled=frozenset({mentor, mentee})))
    assert sorted((m.recipient_id, m.context["partner_id"]) for m in both) == sorted(
        [(mentor, str(mentee)), (mentee, str(mentor))]
    )
    [stayed] = messages_for(dissolved("withdrawn"), Links(), Known(pair=pair, enrolled=frozenset({mentee})))
    assert stayed.recipient_id == mentee


@pytest.mark.parametrize(
    ("reason", "says"),
    [
        ("mismatch", "it is nobody's fault"),
        ("at_risk", "it is nobody's fault"),
        ("withdrawn", "One of you is no longer taking part"),
        ("left_company", "One of you is no longer taking part"),
        ("rerun", "fit both of you better"),
        ("admin", "Your program lead has ended it."),
        ("other", "Your program lead has ended it."),
    ],
)
def test_why_a_pair_ended_is_said_in_words_that_blame_no_one(reason, says):
    message = render("pair_dissolved", "en", in_context("pair_dissolved", {"reason": reason}))
    assert says in message.text
    assert "fault of" not in message.text and "because Sam" not in message.text


def test_a_dissolved_pair_offers_a_new_partner_only_when_there_will_be_a_rematch():
    rematch = render("pair_dissolved", "de", in_context("pair_dissolved", {"rematch": True}))
    assert "Sie werden neu zugeordnet" in rematch.text
    none = render("pair_dissolved", "en", in_context("pair_dissolved", {"rematch": False}))
    assert "No new partner is being looked for" in none.text


def test_a_program_closing_thanks_everyone_enrolled_and_asks_for_the_self_assessment_unless_it_was_cancelled():
    members = (uuid4(), uuid4())
    details = {"name": "Pilot 2027", "starts_on": date(2026, 1, 1), "ends_on": date(2026, 6, 30)}
    completed = ProgramCompleted(program_id="pilot", status="completed", program=details, occurred_at=NOW)
    known = Known(program=Program("pilot", "Pilot 2027", member_ids=members))
    owed = messages_for(completed, Links(), known)
    assert [(m.recipient_id, m.template, m.context["cancelled"]) for m in owed] == [
        (member, "program_closing", False) for member in members
    ]
    thanks = render("program_closing", "de", owed[0].context | {"display_name": "Alex"}, portal_url="https://p")
    assert thanks.subject == "Pilot 2027 ist zu Ende: vielen Dank"
    assert "https://p/self-assessments" in thanks.text and "Ihre Daten:" in thanks.text
    cancelled = ProgramCancelled(program_id="pilot", status="cancelled", program=details, occurred_at=NOW)
    [stopped, _] = messages_for(cancelled, Links(), known)
    message = render("program_closing", "en", stopped.context | {"display_name": "Alex"}, portal_url="https://p")
    assert message.subject == "Pilot 2027 has been stopped"
    assert "self-assessment" not in message.text and "Your data:" in message.text


def test_a_welcome_says_what_happens_next_how_matching_works_and_what_stays_confidential():
    person = enrolled()
    [welcome] = messages_for(person, Links(), Known(program=PROGRAM, newly_enrolled=True))
    assert (welcome.recipient_id, welcome.context) == (person.participant_id, {"program_name": "Pilot 2027"})
    assert messages_for(person, Links(), Known(program=PROGRAM, newly_enrolled=False)) == []
    message = render("welcome", "en", in_context("welcome", welcome.context))
    assert message.subject == "Welcome to Pilot 2027"
    assert "Matching:" in message.text and "Kickoff:" in message.text and "Confidential:" in message.text
    german = render("welcome", "de", in_context("welcome", welcome.context))
    assert german.subject == "Willkommen bei Pilot 2027" and "Vertraulich:" in german.text
    assert messages_for(person, Links(), Known(newly_enrolled=True)) == [], "no welcome into a program not known"


def test_an_unmatched_summary_counts_each_reason_once_per_person_in_the_leads_language():
    tally = reasons_tally([["no mentor shares a language"], ["no mentor shares a language", "x"], ["x", "x"]])
    assert tally == [("no mentor shares a language", 2), ("x", 2)]
    owed = unmatched_summary(PROGRAM, uuid4(), 3, tally)
    assert [(m.recipient_id, m.template) for m in owed] == [(lead, "lead_unmatched_summary") for lead in LEADS]
    german = render("lead_unmatched_summary", "de", in_context("lead_unmatched_summary", owed[0].context))
    assert german.subject == "Ein Matching-Lauf in Pilot 2027 hat 3 Personen ohne Partner gelassen"
    assert "- keine Mentorin und kein Mentor spricht eine gemeinsame Sprache: 2" in german.text
    one = render("lead_unmatched_summary", "en", in_context("lead_unmatched_summary", {"unmatched": 1}))
    assert one.subject == "A match run in Reverse Mentoring 2027 left 1 person without a partner"


def test_a_weeks_digest_lists_what_happened_in_the_program_in_its_order_under_one_id_per_program_and_week():
    from flipside_notifications.domain.messages import activity_of, weekly_digest
    from flipside_notifications.domain.programs import week_of

    assert week_of(datetime(2027, 3, 7, 23, 59, tzinfo=UTC)) == date(2027, 3, 1), "Sunday ends the week"
    assert week_of(datetime(2027, 3, 8, tzinfo=UTC)) == date(2027, 3, 8)
    person = enrolled(program_id="pilot")
    assert activity_of(person, Known(newly_enrolled=True)) == ("pilot", "enrolled")
    assert activity_of(person, Known()) is None, "an enrolment sent again is not a new one"
    assert activity_of(dissolved("rerun"), Known()) == ("pilot", "dissolved")
    digest, owed = weekly_digest(PROGRAM, date(2027, 3, 1), {"dissolved": 1, "enrolled": 4, "at_risk": 0})
    assert digest == weekly_digest(PROGRAM, date(2027, 3, 1), {})[0] != weekly_digest(PROGRAM, date(2027, 3, 8), {})[0]
    assert [(m.recipient_id, m.context["counts"]) for m in owed] == [
        (lead, [["enrolled", 4], ["dissolved", 1]]) for lead in LEADS
    ]
    german = render("lead_weekly_digest", "de", in_context("lead_weekly_digest", owed[0].context))
    assert german.subject == "Pilot 2027: die Woche ab 2027-03-01"
    assert "- neue Anmeldungen: 4\n- beendete Paare: 1" in german.text
