"""Each reason scheduling gives for not moving a session, made by scheduling's own booking code and received as the
portal receives it, becomes a sentence of the portal's catalogue addressed to the viewer: a new shape of reason
fails here until the portal has a sentence for it."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4

import httpx
import pytest

from flipside_portal.i18n import translations
from flipside_portal.scheduling_refusals import said_to
from flipside_portal.services import refusal
from flipside_scheduling.domain.booking import Booked, NoSlot, reschedule
from flipside_scheduling.domain.calendar import Absence, Attendee, Availability
from flipside_scheduling.domain.policy import SchedulingPolicy
from flipside_shared.events import WorkingHours

NOW = datetime(2026, 12, 14, 6, 0, tzinfo=UTC)  # a Monday
CURRENT = Booked(datetime(2026, 12, 15, 10, 0, tzinfo=UTC), timedelta(minutes=45))
CHRISTMAS = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 12, 16, 10, 0, tzinfo=UTC)


def person(country=None, busy=(), absences=(), hours_per_month=None, days=range(5)) -> Availability:
    hours = tuple(WorkingHours(weekday=d, start=time(8), end=time(18)) for d in days)
    attendee = Attendee(uuid4(), "Europe/Berlin", hours, country, hours_per_month)
    return Availability.of(attendee, busy, absences)


def received(mentor: Availability, requested: datetime | None, mentee: Availability | None = None) -> str:
    """Scheduling's reason for refusing the move, as the portal's client turns its 409 into a sentence."""
    outcome = reschedule(mentor, mentee or person(), CURRENT, requested, NOW, SchedulingPolicy())
    assert isinstance(outcome, NoSlot)
    return refusal(httpx.Response(409, json={"detail": outcome.reason})).message


def english(message: str, **variables) -> str:
    return message % variables if variables else message


REASONS = {
    "working hours": (received(person(), WEDNESDAY.replace(hour=22)), "outside your working hours"),
    "holiday": (received(person(country="DE"), CHRISTMAS), "a public holiday where you work"),
    "absence": (received(person(absences=[Absence(date(2026, 12, 16), date(2026, 12, 16))]), WEDNESDAY), "away"),
    "other session": (
        received(person(busy=[(WEDNESDAY, WEDNESDAY + timedelta(hours=1))]), WEDNESDAY),
        "you have another session",
    ),
    "budget": (received(person(hours_per_month=0), WEDNESDAY), "monthly time budget of 0 hours"),
    "passed": (received(person(), NOW - timedelta(days=1)), "That time has already passed."),
    "same time": (received(person(), CURRENT.starts_at), "The session already starts at that time."),
    "no slot": (received(person(days=()), None), "No time suits you both"),
}


@pytest.mark.parametrize("kind", REASONS)
def test_each_reason_of_scheduling_is_said_to_the_viewer(kind):
    reason, expected = REASONS[kind]
    said = said_to(reason, "mentor", english)
    assert said != reason and expected in said


def test_the_partners_reason_speaks_of_the_partner_and_german_is_german():
    reason = received(person(), WEDNESDAY, mentee=person(absences=[Absence(date(2026, 12, 16), date(2026, 12, 16))]))
    assert said_to(reason, "mentor", english) == "Your partner cannot meet then: they are away that day."
    assert said_to(reason, "mentee", english) == "You cannot meet then: you are away that day."
    german = translations("de").gettext
    assert said_to(reason, "mentor", lambda message, **v: german(message) % v if v else german(message)).startswith(
        "Ihr Gegenüber"
    )


def test_a_reason_of_another_shape_is_shown_as_scheduling_wrote_it():
    assert said_to("The calendar is on fire.", "mentee", english) == "The calendar is on fire."
