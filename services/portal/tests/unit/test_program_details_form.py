"""The details form of a program's life: what matching sends comes back unchanged from the form, moments read in the
viewer's time zone, and what cannot be read is an error of its field."""

from zoneinfo import ZoneInfo

from flipside_portal.pages.lead.life import details_body, form_errors, form_values, next_steps
from flipside_portal.pages.lead.program_content import section_errors

BERLIN = ZoneInfo("Europe/Berlin")
DETAILS = {
    "name": "Pilot",
    "description": "Reverse mentoring",
    "objectives": ["Digital confidence", "Fewer silos"],
    "enrolment_opens_at": "2027-01-04T08:00:00+00:00",
    "enrolment_closes_at": None,
    "starts_on": "2027-01-11",
    "ends_on": None,
    "leads": [{"subject": "lena", "display_name": "Lena Lead", "email": "lena@example.com", "locale": "en"}],
    "sponsors": [{"subject": "sam", "display_name": "Sam Sponsor", "email": "sam@example.com", "locale": "de"}],
    "meeting_link": {"kind": "teams", "url_template": "https://teams.example.com/{pair_id}"},
}


def test_the_details_come_back_from_their_form_as_matching_sent_them():
    values = form_values(DETAILS, BERLIN)
    assert values["enrolment_opens_at"] == "2027-01-04T09:00", "in the viewer's zone"
    assert values["sponsors"] == "sam; Sam Sponsor; sam@example.com; de"
    body, errors = details_body(values, BERLIN)
    assert errors == {}
    assert body == {
        **DETAILS,
        "leads": [{"subject": "lena", "display_name": "Lena Lead", "email": "lena@example.com"}],
    }


def test_what_cannot_be_read_is_an_error_of_its_field():
    _, errors = details_body(
        {"name": "Pilot", "starts_on": "next monday", "leads": "Lena only", "meeting_url": "https://x.example"}, BERLIN
    )
    assert set(errors) == {"starts_on", "leads", "meeting_kind"}
    assert form_errors({"leads.0.email": "Not an e-mail.", "meeting_link.url_template": "Must be https."}) == {
        "leads": "Not an e-mail.",
        "meeting_url": "Must be https.",
    }


def test_the_next_steps_follow_the_status_and_an_ended_program_has_none():
    assert next_steps("draft") == ["open", "cancel"]
    assert next_steps("running") == ["complete", "cancel"]
    assert next_steps("completed") == next_steps("cancelled") == []


def test_a_guides_refusal_is_shown_at_the_row_typed_the_empty_rows_not_counted():
    rows = [{"topic": "", "title": "", "body": ""}, {"topic": "start", "title": "Start", "body": ""}]
    assert section_errors({"sections.0": "Too short.", "language": "Unknown."}, rows) == {
        "body_1": "Too short.",
        "form": "Unknown.",
    }
    assert section_errors({"sections.0.title": "Too long."}, rows) == {"title_1": "Too long."}
