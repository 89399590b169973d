from datetime import UTC, date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from flipside_scheduling.domain.booking import Booked, NoSlot, book_kickoff, free_slots
from flipside_scheduling.domain.calendar import Absence, Attendee, Availability
from flipside_scheduling.domain.feeds import FeedKey, feed_key, feed_token
from flipside_scheduling.domain.policy import ProgramSchedule, SchedulingPolicy
from flipside_scheduling.domain.timers import fires_when_overdue, timers_for
from flipside_shared.events import WorkingHours
from flipside_shared.personal_links import calendar_feed_token
from flipside_shared.signed_tokens import InvalidToken, sign

POLICY = SchedulingPolicy(min_notice=timedelta(hours=0))
SCHEDULE = ProgramSchedule()


def person(
    zone: str,
    start: int = 9,
    end: int = 17,
    country: str | None = None,
    busy=(),
    days=range(5),
    hours_per_month=None,
    absences=(),
) -> Availability:
    hours = tuple(WorkingHours(weekday=d, start=time(start), end=time(end)) for d in days)
    return Availability.of(Attendee(uuid4(), zone, hours, country, hours_per_month), busy, absences)


def kickoff(mentor: Availability, mentee: Availability, now: datetime, policy: SchedulingPolicy = POLICY):
    return book_kickoff(mentor, mentee, now, SCHEDULE, policy)


def local(moment: datetime, zone: str) -> datetime:
    return moment.astimezone(ZoneInfo(zone))


def test_berlin_and_new_york_meet_in_the_berlin_afternoon():
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    booked = kickoff(person("Europe/Berlin"), person("America/New_York"), monday, POLICY)
    assert isinstance(booked, Booked)
    assert local(booked.starts_at, "America/New_York").time() == time(9, 0)
    assert local(booked.starts_at, "Europe/Berlin").time() == time(15, 0)
    assert booked.starts_at.date() == monday.date()


def test_dst_gap_in_europe_before_the_us_changes_shifts_the_overlap():
    # 2026: US springs forward on 8 March, Europe on 29 March; the week in between overlaps an hour longer.
    between = datetime(2026, 3, 16, 0, 0, tzinfo=UTC)
    booked = kickoff(person("Europe/Berlin"), person("America/New_York"), between, POLICY)
    assert local(booked.starts_at, "Europe/Berlin").time() == time(14, 0)
    assert local(booked.starts_at, "America/New_York").time() == time(9, 0)


def test_a_working_day_that_loses_an_hour_is_handled():
    # Sunday 29 March 2026 02:00 does not exist in Berlin; someone working Sundays 01:00-05:00 local.
    night_owl = person("Europe/Berlin", start=1, end=5, days=[6])
    sydney = person("Australia/Sydney", start=0, end=23, days=range(7))
    booked = kickoff(night_owl, sydney, datetime(2026, 3, 28, 12, 0, tzinfo=UTC), POLICY)
    starts = local(booked.starts_at, "Europe/Berlin")
    assert starts.date().isoformat() == "2026-03-29" and starts.time() in (time(1, 0), time(3, 0))
    assert not (time(2, 0) <= starts.time() < time(3, 0))


def test_sydney_april_change_and_kolkata_half_hour_offset():
    # Sydney leaves daylight time on Sunday 5 April 2026: Monday 6 April is AEST (UTC+10).
    booked = kickoff(
        person("Australia/Sydney", start=14, end=18),
        person("Asia/Kolkata", start=9, end=17),
        datetime(2026, 4, 5, 0, 0, tzinfo=UTC),
        POLICY,
    )
    assert local(booked.starts_at, "Asia/Kolkata").time() == time(9, 30)
    assert local(booked.starts_at, "Australia/Sydney").time() == time(14, 0)


def test_public_holidays_of_each_country_are_skipped():
    # 3 October is German Unity Day; Saturday the 3rd in 2026, so use 2025 (a Friday).
    friday = datetime(2025, 10, 3, 0, 0, tzinfo=UTC)
    booked = kickoff(person("Europe/Berlin", country="DE"), person("Europe/Berlin"), friday, POLICY)
    assert booked.starts_at.date().isoformat() == "2025-10-06"


def test_a_mentor_with_a_session_already_gets_the_next_free_slot():
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    first = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    busy_mentor = person("Europe/Berlin", busy=[(first, first + timedelta(minutes=45))])
    booked = kickoff(busy_mentor, person("America/New_York"), monday, POLICY)
    assert booked.starts_at == first + timedelta(minutes=45)


def test_no_overlap_fails_with_a_reason():
    outcome = kickoff(
        person("Asia/Kolkata", 9, 17), person("America/Los_Angeles", 9, 17), datetime(2026, 6, 1, tzinfo=UTC), POLICY
    )
    assert isinstance(outcome, NoSlot) and "within 5 business days" in outcome.reason


def test_min_notice_is_respected():
    policy = SchedulingPolicy(min_notice=timedelta(hours=24))
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    booked = kickoff(person("Europe/Berlin"), person("America/New_York"), monday, policy)
    assert booked.starts_at >= monday + timedelta(hours=24)


def test_timers_and_the_overdue_policy():
    start = datetime(2026, 6, 2, 13, 0, tzinfo=UTC)
    plans = timers_for(Booked(start, timedelta(minutes=45)), SchedulingPolicy(), start - timedelta(days=3))
    assert [(p.kind, p.due_at, p.minutes_before) for p in plans] == [
        ("reminder", start - timedelta(hours=24), 1440),
        ("reminder", start - timedelta(hours=1), 60),
        ("check_in", start + timedelta(minutes=45), 0),
    ]
    booked_late = timers_for(Booked(start, timedelta(minutes=45)), SchedulingPolicy(), start - timedelta(hours=3))
    assert [p.minutes_before for p in booked_late] == [60, 0], "no 24-hour reminder for a session booked 3 hours ahead"
    after_start = start + timedelta(minutes=5)
    assert not fires_when_overdue("reminder", start, after_start)
    assert fires_when_overdue("check_in", start, after_start + timedelta(days=1))
    assert fires_when_overdue("reminder", start, start - timedelta(minutes=30))


def test_a_feed_token_opens_one_participant_s_feed_of_one_generation_and_nothing_else():
    someone, secret = uuid4(), b"k" * 32
    token = feed_token(FeedKey(someone, 3), secret)
    assert feed_key(token, secret) == FeedKey(someone, 3)
    assert calendar_feed_token(someone, 3, secret) == token, (
        "the address notifications makes is the one scheduling opens"
    )
    for forged in (token[:-2] + "AA", calendar_feed_token(someone, 3, b"o" * 32), "garbage", f"{token}.x"):
        with pytest.raises(InvalidToken):
            feed_key(forged, secret)


def test_another_kind_of_link_signed_with_the_same_secret_is_no_feed_token():
    """A deployment that gives scheduling and notifications one secret: an unsubscribe link's bytes stay no feed address."""
    someone, secret = uuid4(), b"k" * 32
    payload = someone.bytes + (0).to_bytes(4, "big")
    for purpose in ("unsubscribe", "survey"):
        with pytest.raises(InvalidToken):
            feed_key(sign(purpose, payload, secret), secret)


def test_an_absence_moves_the_kickoff_past_it():
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    away = person("America/New_York", absences=[Absence(date(2026, 6, 1), date(2026, 6, 3))])
    booked = kickoff(person("Europe/Berlin"), away, monday)
    assert local(booked.starts_at, "America/New_York").date() == date(2026, 6, 4)


def test_a_full_monthly_budget_pushes_past_the_month_or_fails_with_that_reason():
    # The mentor gives 2 hours a month; 90 minutes of June are booked already.
    june = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    busy = [(june, june + timedelta(minutes=90))]
    thrifty = person("Europe/Berlin", busy=busy, hours_per_month=2)
    outcome = kickoff(thrifty, person("America/New_York"), datetime(2026, 6, 2, 6, 0, tzinfo=UTC))
    assert isinstance(outcome, NoSlot) and "monthly time budgets" in outcome.reason
    end_of_june = datetime(2026, 6, 29, 6, 0, tzinfo=UTC)
    booked = kickoff(thrifty, person("America/New_York"), end_of_june)
    assert local(booked.starts_at, "Europe/Berlin").month == 7, "July's budget is untouched"


def test_free_slots_suit_both_do_not_overlap_and_skip_the_current_time():
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    # Berlin 09-17 and New York 09-17 share 15:00-17:00 Berlin time; the session holds Monday 15:00-15:45.
    current = Booked(datetime(2026, 6, 1, 13, 0, tzinfo=UTC), timedelta(minutes=45))
    session = (current.starts_at, current.ends_at)
    mentor = person("Europe/Berlin", busy=[session])
    mentee = person("America/New_York", busy=[session])
    offered = free_slots(mentor, mentee, current, monday, POLICY, count=4)
    assert [local(s.starts_at, "Europe/Berlin").strftime("%a %H:%M") for s in offered] == [
        "Mon 15:15",
        "Mon 16:00",
        "Tue 15:00",
        "Tue 15:45",
    ], "the session's own start is not offered, the time it holds is, and no two slots overlap"
    assert all(s.duration == current.duration for s in offered)
    for slot in offered:
        assert mentor.without(session).can_meet(slot.starts_at, slot.ends_at)
        assert mentee.without(session).can_meet(slot.starts_at, slot.ends_at)


def test_free_slots_respect_notice_absences_and_other_sessions():
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    current = Booked(datetime(2026, 6, 10, 13, 0, tzinfo=UTC), timedelta(minutes=45))
    other = (datetime(2026, 6, 2, 13, 0, tzinfo=UTC), datetime(2026, 6, 2, 14, 0, tzinfo=UTC))
    mentor = person("Europe/Berlin", busy=[other])
    mentee = person("America/New_York", absences=[Absence(date(2026, 6, 3), date(2026, 6, 5))])
    policy = SchedulingPolicy(min_notice=timedelta(hours=24))
    offered = free_slots(mentor, mentee, current, monday, policy, count=3)
    assert [local(s.starts_at, "Europe/Berlin").strftime("%d %H:%M") for s in offered] == [
        "02 16:00",
        "08 15:00",
        "08 15:45",
    ], "not on Monday (notice), not before Tuesday's other session ends, not during the absence"


def test_no_free_slot_when_the_two_never_overlap():
    monday = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    current = Booked(datetime(2026, 6, 10, 8, 0, tzinfo=UTC), timedelta(minutes=45))
    assert free_slots(person("Asia/Tokyo"), person("America/Los_Angeles"), current, monday, POLICY, 6) == []
